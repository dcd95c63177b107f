-- Accounts: create, get, update, balance, the credits_accounts view.
\i sql/include/setup.sql

-- Defaults.
SELECT id ~ '^acc_[0-9A-HJKMNP-TV-Z]{26}$' AS id_is_ulid, external_id, owner_id, name, email, unit, scale,
       balance, reserved, available, overdraft_limit, status, metadata, created_at = now() AS created_now,
       updated_at = created_at AS untouched
  FROM credits_create_account('user_1');

-- Every parameter.
SELECT external_id, owner_id, name, email, unit, scale, balance, reserved, available, overdraft_limit, status, metadata
  FROM credits_create_account(external_id => 'user_2', name => 'Bob', email => 'bob@example.com',
                              metadata => '{"plan": "pro"}', unit => 'USD', scale => 2,
                              overdraft_limit => 10.50, initial_balance => 99.99, owner_id => 'cust_9');

-- The initial balance is a ledger entry.
SELECT type, amount, balance_after, description FROM credits_entries WHERE external_id = 'user_2';

-- Lookups by external id and by internal id, in any case for the ULID.
SELECT external_id, balance FROM credits_get_account('user_2');
SELECT external_id FROM credits_get_account((SELECT id FROM credits_accounts WHERE external_id = 'user_2'));
SELECT external_id FROM credits_get_account(lower((SELECT id FROM credits_accounts WHERE external_id = 'user_2')));
SELECT pg_temp.fails($$SELECT credits_get_account('acc_01ARZ3NDEKTSV4RRFFQ69G5FAV')$$);
SELECT pg_temp.fails($$SELECT credits_get_account('nobody')$$);
SELECT pg_temp.fails($$SELECT credits_get_account(NULL)$$);
SELECT pg_temp.fails($$SELECT credits_get_account('')$$);

SELECT account_id ~ '^acc_' AS is_id, external_id, balance, reserved, available, unit, updated_at = now() AS fresh
  FROM credits_balance('user_2');
SELECT pg_temp.fails($$SELECT credits_balance('nobody')$$);

SELECT external_id, name, unit, balance FROM credits_accounts ORDER BY external_id;

-- Duplicates and bad input: CR011, CR012, CR008, and nothing is created.
SELECT pg_temp.fails($$SELECT credits_create_account('user_1')$$);
SELECT pg_temp.fails($$SELECT credits_create_account(NULL)$$);
SELECT pg_temp.fails($$SELECT credits_create_account(name => 'no external id')$$);
SELECT pg_temp.fails($$SELECT credits_create_account('')$$);
SELECT pg_temp.fails($$SELECT credits_create_account(repeat('x', 256))$$);
SELECT external_id = repeat('y', 255) AS longest_ok FROM credits_create_account(repeat('y', 255));
SELECT pg_temp.fails($$SELECT credits_create_account('acc_01ARZ3NDEKTSV4RRFFQ69G5FAV')$$);
SELECT pg_temp.fails($$SELECT credits_create_account('ACC_01arz3ndektsv4rrffq69g5fav')$$);
SELECT external_id FROM credits_create_account('acc_not_a_ulid');
SELECT pg_temp.fails($$SELECT credits_create_account('u', email => 'not-an-email')$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', email => 'a b@example.com')$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', metadata => '[1, 2]')$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', metadata => '"text"')$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', unit => '')$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', scale => -1)$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', scale => 19)$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', overdraft_limit => -1)$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', overdraft_limit => 'NaN')$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', overdraft_limit => 0.5)$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', initial_balance => -5)$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', initial_balance => 'Infinity')$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', scale => 2, initial_balance => 1.005)$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', initial_balance => 1000000000000001)$$);
SELECT pg_temp.fails($$SELECT credits_create_account('u', name => repeat('n', 256))$$);
SELECT count(*) AS accounts FROM credits_accounts;

-- Update: only what is given changes.
SELECT name, email, metadata, overdraft_limit, status, updated_at = now() AS touched
  FROM credits_update_account('user_1', name => 'Alice');
SELECT name, email, metadata, overdraft_limit, status
  FROM credits_update_account('user_1', email => 'alice@example.com', metadata => '{"tier": 1}');
SELECT name, email, metadata, overdraft_limit, status FROM credits_update_account('user_1', overdraft_limit => 20);
SELECT name, email, status FROM credits_update_account('user_1');
SELECT status FROM credits_update_account('user_1', status => 'frozen');
SELECT status FROM credits_update_account('user_1', status => 'active');

-- A limit cannot be lowered below what the account already owes.
SELECT amount, balance, available FROM credits_debit('user_1', 15);
SELECT pg_temp.fails($$SELECT credits_update_account('user_1', overdraft_limit => 10)$$);
SELECT overdraft_limit FROM credits_update_account('user_1', overdraft_limit => 15);

-- Closing needs a zero balance; a closed account can be reopened.
SELECT pg_temp.fails($$SELECT credits_update_account('user_1', status => 'closed')$$);
SELECT balance FROM credits_credit('user_1', 15);
SELECT status FROM credits_update_account('user_1', status => 'closed');
SELECT status FROM credits_update_account('user_1', status => 'active');

SELECT pg_temp.fails($$SELECT credits_update_account('user_1', status => 'deleted')$$);
SELECT pg_temp.fails($$SELECT credits_update_account('user_1', metadata => '5')$$);
SELECT pg_temp.fails($$SELECT credits_update_account('user_1', email => '@example.com')$$);
SELECT pg_temp.fails($$SELECT credits_update_account('user_1', overdraft_limit => -1)$$);
SELECT pg_temp.fails($$SELECT credits_update_account('nobody', name => 'x')$$);
SELECT pg_temp.fails($$SELECT credits_update_account(NULL, name => 'x')$$);
SELECT name, email, metadata, overdraft_limit, status FROM credits_get_account('user_1');

-- The account key: fixed forever (rows and ids carry it; Citus places rows by
-- it), different per tenant, and carried by every id made for the account:
-- their last six characters are 30 of its 32 bits.
SELECT credits_account_key('default', 'user_1') AS default_key, credits_account_key('acme', 'user_1') AS acme_key,
       credits_account_key('', '') AS empty_key, credits_account_key('a', '') <> credits_account_key('', 'a') AS apart;
SELECT credits_account_key(NULL, 'user_1') IS NULL AS strict;
SELECT account_key = credits_account_key(tenant, external_id) AS keyed FROM credits_account
 WHERE external_id = 'user_1';
SELECT count(DISTINCT right(x, 6)) AS suffixes
  FROM (SELECT id FROM credits_accounts WHERE external_id = 'user_1'
        UNION ALL SELECT transaction_id FROM credits_entries WHERE external_id = 'user_1') ids(x);

DROP EXTENSION credits;
