-- credits.tenant scopes every lookup, every new account and the views.
\i sql/include/setup.sql

SHOW credits.tenant;
SELECT external_id, balance FROM credits_create_account('user_1', initial_balance => 10);
SELECT id AS default_user_1 FROM credits_accounts WHERE external_id = 'user_1' \gset

SET credits.tenant = 'acme';
SELECT count(*) AS visible FROM credits_accounts;
SELECT count(*) AS visible FROM credits_entries;
SELECT pg_temp.fails($$SELECT credits_balance('user_1')$$);
SELECT pg_temp.fails(format('SELECT credits_debit(%L, 1)', :'default_user_1'));
-- The same external id is free in another tenant.
SELECT external_id, balance FROM credits_create_account('user_1', initial_balance => 500);
SELECT external_id, balance FROM credits_debit('user_1', 1);
SELECT external_id, balance FROM credits_accounts;

RESET credits.tenant;
SELECT external_id, balance FROM credits_balance('user_1');
SELECT external_id, balance FROM credits_get_account(:'default_user_1');
SELECT external_id, balance FROM credits_accounts;

-- The tenant name must be 1 to 255 characters.
SELECT pg_temp.fails($$SET credits.tenant = ''$$);
SELECT left(pg_temp.fails(format('SET credits.tenant = %L', repeat('t', 256))), 62) AS fails;
SHOW credits.tenant;

-- credits_verify() with no account checks every tenant.
SELECT count(*) FROM credits_verify();
DROP EXTENSION credits;
