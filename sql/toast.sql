-- Values stored out of line (TOAST) come back whole from every function and
-- view that returns a row: each result owns its values, whatever memory or
-- snapshot the function read them through.
\i sql/include/setup.sql

-- Incompressible text, so that it is stored out of line: 57,600 characters of
-- metadata (under the 64 kB limit) and a description at its 10,000-byte limit.
SELECT jsonb_build_object('blob', string_agg(md5(i::text), '')) AS big FROM generate_series(1, 1800) i \gset
SELECT left(string_agg(md5(i::text || 'd'), ''), 10000) AS long FROM generate_series(1, 320) i \gset
SELECT md5(:'big') AS big_md5, md5(:'long') AS long_md5 \gset
SELECT octet_length(:'big') AS metadata_bytes, octet_length(:'long') AS description_bytes;

-- Accounts and their lifecycle.
SELECT external_id, md5(metadata::text) = :'big_md5' AS whole FROM credits_create_account('toast', metadata => :'big');
SELECT pg_relation_size(reltoastrelid) > 0 AS stored_out_of_line FROM pg_class WHERE relname = 'credits_account';
SELECT md5(metadata::text) = :'big_md5' AS whole FROM credits_get_account('toast');
SELECT md5(metadata::text) = :'big_md5' AS whole FROM credits_update_account('toast', name => 'Toast');
SELECT md5(metadata::text) = :'big_md5' AS whole FROM credits_update_account('toast', metadata => :'big');
SELECT md5(metadata::text) = :'big_md5' AS whole FROM credits_freeze('toast', :'long');
SELECT md5(metadata::text) = :'big_md5' AS whole FROM credits_unfreeze('toast', :'long');
SELECT md5(reason) = :'long_md5' AS whole FROM credits_status_history WHERE external_id = 'toast';
SELECT md5(metadata::text) = :'big_md5' AS whole FROM credits_accounts WHERE external_id = 'toast';
SELECT external_id, balance FROM credits_balance('toast');

-- Movements, and their replays (which read the stored entry back).
SELECT md5(description) = :'long_md5' AS description, md5(metadata::text) = :'big_md5' AS metadata
  FROM credits_credit('toast', 100, :'long', metadata => :'big', idempotency_key => 'c1');
SELECT md5(description) = :'long_md5' AS description, md5(metadata::text) = :'big_md5' AS metadata
  FROM credits_credit('toast', 100, :'long', metadata => :'big', idempotency_key => 'c1');
SELECT md5(description) = :'long_md5' AS description, md5(metadata::text) = :'big_md5' AS metadata
  FROM credits_debit('toast', 10, :'long', metadata => :'big', idempotency_key => 'd1');
SELECT md5(description) = :'long_md5' AS description, md5(metadata::text) = :'big_md5' AS metadata
  FROM credits_debit('toast', 10, :'long', metadata => :'big', idempotency_key => 'd1');
SELECT md5(description) = :'long_md5' AS reason FROM credits_adjust('toast', 5, :'long');
SELECT external_id FROM credits_create_account('crumb');
SELECT md5(description) = :'long_md5' AS description, md5(metadata::text) = :'big_md5' AS metadata
  FROM credits_transfer('toast', 'crumb', 5, :'long', metadata => :'big', idempotency_key => 't1');
SELECT md5(description) = :'long_md5' AS description, md5(metadata::text) = :'big_md5' AS metadata
  FROM credits_transfer('toast', 'crumb', 5, :'long', metadata => :'big', idempotency_key => 't1');
SELECT transaction_id AS debit FROM credits_entries WHERE external_id = 'toast' AND type = 'debit' \gset
SELECT md5(description) = :'long_md5' AS reason FROM credits_reverse(:'debit', 1, :'long');

-- Holds.
SELECT id AS hold, md5(description) = :'long_md5' AS description, md5(metadata::text) = :'big_md5' AS metadata
  FROM credits_reserve('toast', 20, description => :'long', metadata => :'big', idempotency_key => 'r1') \gset
SELECT :'description' AS description, :'metadata' AS metadata;
SELECT md5(description) = :'long_md5' AS description, md5(metadata::text) = :'big_md5' AS metadata
  FROM credits_reserve('toast', 20, description => :'long', metadata => :'big', idempotency_key => 'r1');
SELECT md5(description) = :'long_md5' AS description FROM credits_extend_reservation(:'hold', '1 hour');
SELECT md5(description) = :'long_md5' AS description, md5(metadata::text) = :'big_md5' AS metadata
  FROM credits_confirm(:'hold', 15);
SELECT md5(description) = :'long_md5' AS description, md5(metadata::text) = :'big_md5' AS metadata
  FROM credits_confirm(:'hold', 15);
SELECT md5(description) = :'long_md5' AS description, md5(metadata::text) = :'big_md5' AS metadata
  FROM credits_reservations WHERE id = :'hold';
SELECT md5(description) = :'long_md5' AS description, md5(metadata::text) = :'big_md5' AS metadata
  FROM credits_cancel((SELECT id FROM credits_reserve('toast', 1, description => :'long', metadata => :'big')));

-- Grants, the ledger and batches.
SELECT balance FROM credits_credit('toast', 50, :'long', metadata => :'big', expires_in => '1 day',
                                   category => 'promo');
SELECT count(*) AS whole FROM credits_ledger('toast', page_size => 1000)
 WHERE md5(description) = :'long_md5' AND md5(metadata::text) = :'big_md5';
SELECT count(*) AS whole FROM credits_entries
 WHERE external_id = 'toast' AND md5(description) = :'long_md5' AND md5(metadata::text) = :'big_md5';
SELECT count(*) AS grants, bool_and(remaining > 0) AS active FROM credits_grants WHERE external_id = 'toast';
SELECT count(*) AS funded FROM credits_entry_grants WHERE external_id = 'toast';
SELECT ok, balance FROM credits_apply(jsonb_build_array(
    jsonb_build_object('op', 'debit', 'account', 'toast', 'amount', 1, 'description', :'long',
                       'metadata', :'big'::jsonb),
    jsonb_build_object('op', 'credit', 'account', 'toast', 'amount', 1, 'description', :'long',
                       'metadata', :'big'::jsonb, 'idempotency_key', 'c2')));
SELECT count(*) AS whole FROM credits_entries
 WHERE external_id = 'toast' AND md5(description) = :'long_md5' AND md5(metadata::text) = :'big_md5';

-- Plans.
SELECT code, md5(metadata::text) = :'big_md5' AS whole FROM credits_create_plan('big', 'Big', 10, 'day',
                                                                               metadata => :'big');
SELECT md5(metadata::text) = :'big_md5' AS whole FROM credits_plans WHERE code = 'big';
SELECT plan_code FROM credits_assign_plan('toast', 'big');
SELECT plan_code, status FROM credits_subscriptions WHERE external_id = 'toast';
SELECT plan_code, status FROM credits_cancel_plan('toast');

-- Closing (an empty account) returns the row too.
SELECT external_id FROM credits_create_account('empty', metadata => :'big');
SELECT md5(metadata::text) = :'big_md5' AS whole, status FROM credits_close('empty', :'long');
SELECT md5(metadata::text) = :'big_md5' AS whole, status FROM credits_reopen('empty', :'long');

-- metadata has a documented maximum: 64 kB in its stored (jsonb) form. The
-- value that crashed 0.4.0 is refused, in every function and in batches.
SELECT pg_temp.fails($$SELECT credits_create_account('victim', metadata => jsonb_build_object('x', repeat('y', 300000)))$$);
SELECT pg_temp.fails($$SELECT credits_debit('toast', 1, metadata => jsonb_build_object('x', repeat('y', 70000)))$$);
SELECT index, ok, sqlstate, message FROM credits_apply(
    jsonb_build_array(jsonb_build_object('op', 'debit', 'account', 'toast', 'amount', 1,
                                         'metadata', jsonb_build_object('x', repeat('y', 70000)))), false);
SELECT count(*) AS victims FROM credits_accounts WHERE external_id = 'victim';

SELECT * FROM credits_verify();
