-- Upgrades: data written at 0.1.0 survives ALTER EXTENSION credits UPDATE and
-- keeps working; an out-of-date schema is reported, not misused.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS credits CASCADE;
CREATE EXTENSION credits VERSION '0.1.0';
RESET client_min_messages;
SELECT extversion FROM pg_extension WHERE extname = 'credits';

-- This library expects the newest schema and says so.
SELECT external_id, balance FROM credits_create_account('newcomer');
SELECT * FROM credits_credit('newcomer', 5);

-- A ledger as 0.1.0 wrote it (INSERT stays open for pg_restore).
INSERT INTO credits_account (id, tenant, external_id, unit, scale, balance, reserved, overdraft_limit, status,
                             entry_count, created_at, updated_at)
VALUES ('acc_01ARZ3NDEKTSV4RRFFQ69G5FAV', 'default', 'legacy', 'credits', 0, 70, 0, 0, 'active', 2, now(), now());
INSERT INTO credits_entry (account_id, seq, transaction_id, type, amount, balance_after, available_after,
                           description, idempotency_key, created_at)
VALUES ('acc_01ARZ3NDEKTSV4RRFFQ69G5FAV', 1, 'txn_01ARZ3NDEKTSV4RRFFQ69G5FAW', 'credit', 100, 100, 100, 'pack', NULL, now()),
       ('acc_01ARZ3NDEKTSV4RRFFQ69G5FAV', 2, 'txn_01ARZ3NDEKTSV4RRFFQ69G5FAX', 'debit', -30, 70, 70, 'call', 'k1', now());
SELECT * FROM credits_verify();

-- What a DBA granted on functions that an upgrade replaces carries over.
SET client_min_messages = warning;
DROP ROLE IF EXISTS credits_upgrade_app;
RESET client_min_messages;
CREATE ROLE credits_upgrade_app;
GRANT EXECUTE ON FUNCTION credits_credit(text, numeric, text, text, text, jsonb),
                          credits_create_account(text, text, text, jsonb, text, int, numeric, numeric, text),
                          credits_verify(text)
   TO credits_upgrade_app;

ALTER EXTENSION credits UPDATE;
SELECT extversion FROM pg_extension WHERE extname = 'credits';
SELECT p.oid::regprocedure AS function, has_function_privilege('credits_upgrade_app', p.oid, 'EXECUTE') AS granted
  FROM pg_proc p WHERE p.proname IN ('credits_credit', 'credits_create_account', 'credits_update_account',
                                     'credits_verify')
 ORDER BY p.proname;
SELECT * FROM credits_verify();

-- Old rows read and write like new ones.
SELECT external_id, balance, reserved, available FROM credits_accounts ORDER BY external_id;
SELECT amount, balance FROM credits_debit('legacy', 30, 'call', idempotency_key => 'k1');
SELECT amount, balance FROM credits_debit('legacy', 10);
SELECT id AS hold FROM credits_reserve('legacy', 20) \gset
SELECT amount, balance, released FROM credits_confirm(:'hold', 15);
SELECT external_id, balance FROM credits_create_account('newcomer');
SELECT balance FROM credits_credit('newcomer', 5);
SELECT id, type, amount, balance_after, reservation_id IS NOT NULL AS from_hold FROM credits_ledger('legacy');

-- Grants and plans work on upgraded accounts.
SELECT amount, balance FROM credits_credit('legacy', 10, 'promo', expires_in => '1 day', category => 'promotional');
SELECT amount, balance FROM credits_debit('legacy', 15);
SELECT coalesce(category, 'ungranted') AS category, amount FROM credits_entry_grants WHERE external_id = 'legacy'
 ORDER BY entry_id, amount;
SELECT code FROM credits_create_plan('basic', NULL, 50, 'month');
SELECT plan_code FROM credits_assign_plan('legacy', 'basic');
SELECT balance FROM credits_balance('legacy');
SELECT * FROM credits_verify();

DROP EXTENSION credits;

-- 0.4.0 to 0.5.0 on its own: the views become security barriers, the DDL
-- guard and role bindings arrive, and the replaced credits_verify keeps its
-- grants.
CREATE EXTENSION credits VERSION '0.4.0';
-- A ledger as 0.4.0 wrote it, with a row in every table of an account:
-- "kept" of tenant default (a promotional grant, a hold on it, a cancelled
-- plan) and "kept" of tenant acme (frozen), which 0.6.0 keys apart.
INSERT INTO credits_account (id, tenant, external_id, unit, scale, balance, reserved, overdraft_limit, status,
                             entry_count, created_at, updated_at, next_hold_expiry, grant_count, next_grant_expiry)
VALUES ('acc_01ARZ3NDEKTSV4RRFFQ69G5FB0', 'default', 'kept', 'credits', 0, 7, 2, 0, 'active', 2, now(), now(),
        '2090-01-01', 1, '2090-06-01'),
       ('acc_01ARZ3NDEKTSV4RRFFQ69G5FC0', 'acme', 'kept', 'credits', 0, 0, 0, 0, 'frozen', 0, now(), now(),
        NULL, 0, NULL);
INSERT INTO credits_entry (account_id, seq, transaction_id, type, amount, balance_after, available_after,
                           created_at, grants)
VALUES ('acc_01ARZ3NDEKTSV4RRFFQ69G5FB0', 1, 'txn_01ARZ3NDEKTSV4RRFFQ69G5FB1', 'credit', 10, 10, 10, now(),
        '{"grt_01ARZ3NDEKTSV4RRFFQ69G5FB2": 10}'),
       ('acc_01ARZ3NDEKTSV4RRFFQ69G5FB0', 2, 'txn_01ARZ3NDEKTSV4RRFFQ69G5FB3', 'debit', -3, 7, 7, now(),
        '{"grt_01ARZ3NDEKTSV4RRFFQ69G5FB2": -3}');
INSERT INTO credits_grant (id, account_id, transaction_id, amount, remaining, held, expires_at, priority, category,
                           status, created_at)
VALUES ('grt_01ARZ3NDEKTSV4RRFFQ69G5FB2', 'acc_01ARZ3NDEKTSV4RRFFQ69G5FB0', 'txn_01ARZ3NDEKTSV4RRFFQ69G5FB1', 10, 7, 2,
        '2090-06-01', 0, 'promotional', 'active', now());
INSERT INTO credits_reservation (id, account_id, amount, status, expires_at, created_at, balance_after,
                                 available_after, grants)
VALUES ('res_01ARZ3NDEKTSV4RRFFQ69G5FB4', 'acc_01ARZ3NDEKTSV4RRFFQ69G5FB0', 2, 'pending', '2090-01-01', now(), 7, 5,
        '{"grt_01ARZ3NDEKTSV4RRFFQ69G5FB2": 2}');
INSERT INTO credits_plan (id, tenant, code, allowance, period, rollover, created_at)
VALUES ('pln_01ARZ3NDEKTSV4RRFFQ69G5FB5', 'default', 'basic', 50, 'month', 'none', now());
INSERT INTO credits_subscription (account_id, plan_id, status, anchor, current_period_end, created_at, cancelled_at)
VALUES ('acc_01ARZ3NDEKTSV4RRFFQ69G5FB0', 'pln_01ARZ3NDEKTSV4RRFFQ69G5FB5', 'cancelled', now(), now(), now(), now());
INSERT INTO credits_status_change (account_id, from_status, to_status, reason, changed_at)
VALUES ('acc_01ARZ3NDEKTSV4RRFFQ69G5FC0', 'active', 'frozen', 'chargeback', now());
GRANT EXECUTE ON FUNCTION credits_verify(text) TO credits_upgrade_app;
ALTER EXTENSION credits UPDATE TO '0.5.0';
SELECT extversion FROM pg_extension WHERE extname = 'credits';
SELECT p.oid::regprocedure AS function, has_function_privilege('credits_upgrade_app', p.oid, 'EXECUTE') AS granted
  FROM pg_proc p WHERE p.proname = 'credits_verify';
SELECT c.relname, c.reloptions FROM pg_class c
 WHERE c.relkind = 'v' AND c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'credits\_%'
 ORDER BY 1;
SELECT evtname, evtenabled, evttags FROM pg_event_trigger;

-- 0.5.0 to 0.6.0: every row of an account gets the key of its tenant and
-- external_id (one rewrite per table, no dead rows), in both tenants.
SELECT pg_relation_filenode('credits_entry') AS entry_file \gset
ALTER EXTENSION credits UPDATE TO '0.6.0';
SELECT pg_relation_filenode('credits_entry') <> :entry_file AS entry_rewritten;
SELECT tenant, external_id, account_key, account_key = credits_account_key(tenant, external_id) AS right_key
  FROM credits_account ORDER BY tenant;
SELECT t.relname, count(*) AS rows, bool_and(t.key = a.account_key) AS right_key
  FROM (SELECT 'credits_entry' AS relname, account_id, account_key AS key FROM credits_entry
        UNION ALL SELECT 'credits_grant', account_id, account_key FROM credits_grant
        UNION ALL SELECT 'credits_reservation', account_id, account_key FROM credits_reservation
        UNION ALL SELECT 'credits_subscription', account_id, account_key FROM credits_subscription
        UNION ALL SELECT 'credits_status_change', account_id, account_key FROM credits_status_change) t
  JOIN credits_account a ON a.id = t.account_id
 GROUP BY t.relname ORDER BY 1;
SELECT attrelid::regclass AS relation, attnotnull FROM pg_attribute
 WHERE attname = 'account_key' AND attrelid::regclass::text LIKE 'credits\_%' ORDER BY 1;

-- 0.6.0 to 0.7.0: usage metering. A role that holds an access set gets what
-- the set now includes; upgraded accounts record usage.
SELECT count(*) > 0 AS granted FROM credits_grant_access('credits_upgrade_app', 'app');
ALTER EXTENSION credits UPDATE TO '0.7.0';
SELECT has_function_privilege('credits_upgrade_app', 'credits_charge(text, text, text, bigint, bigint, bigint, bigint,'
                              ' bigint, numeric, integer, text, text, text, text, boolean, text, text, jsonb,'
                              ' timestamptz, text)', 'EXECUTE') AS charge,
       has_function_privilege('credits_upgrade_app', 'credits_usage_summary(text, text, timestamptz, timestamptz,'
                              ' text[], text, text, text)', 'EXECUTE') AS summary,
       has_function_privilege('credits_upgrade_app', 'credits_set_price(text, text, numeric, numeric, numeric, numeric,'
                              ' numeric, numeric, numeric, integer, text, timestamptz, text, jsonb)', 'EXECUTE')
           AS set_price,
       has_table_privilege('credits_upgrade_app', 'credits_usage', 'SELECT') AS usage_view;

-- 0.7.0 to 0.8.0: alerts, auto-reload and events. The replaced
-- create/update_account and credits_balance keep their grants; the access
-- set gains the new functions and views; accounts start unwatched.
ALTER EXTENSION credits UPDATE TO '0.8.0';
SELECT extversion FROM pg_extension WHERE extname = 'credits';
SELECT p.oid::regprocedure AS function, has_function_privilege('credits_upgrade_app', p.oid, 'EXECUTE') AS granted
  FROM pg_proc p WHERE p.proname IN ('credits_create_account', 'credits_update_account', 'credits_balance')
 ORDER BY p.proname;
SELECT has_function_privilege('credits_upgrade_app', 'credits_set_auto_reload(text, boolean, numeric, numeric,'
                              ' numeric, integer, integer, interval, text, interval, integer)', 'EXECUTE') AS reload,
       has_function_privilege('credits_upgrade_app', 'credits_claim_events(text, integer)', 'EXECUTE') AS claim,
       has_function_privilege('credits_upgrade_app', 'credits_prune_events(timestamptz)', 'EXECUTE') AS prune,
       has_table_privilege('credits_upgrade_app', 'credits_events', 'SELECT') AS events_view;
SELECT count(*) FILTER (WHERE watched) AS watched, count(*) FILTER (WHERE notify_emails IS NOT NULL) AS notified
  FROM credits_account;

-- 0.8.0 to 0.9.0: credits_accounts is made again (default_grant_ttl as ISO
-- 8601 text); the functions that return it keep their grants, the view its
-- readers.
GRANT SELECT ON credits_accounts TO credits_upgrade_app;
ALTER EXTENSION credits UPDATE TO '0.9.0';
SELECT extversion FROM pg_extension WHERE extname = 'credits';
SELECT p.oid::regprocedure AS function, has_function_privilege('credits_upgrade_app', p.oid, 'EXECUTE') AS granted
  FROM pg_proc p
 WHERE p.prorettype = 'credits_accounts'::regtype OR p.proname IN ('credits_list_entries', 'credits_list_accounts')
 ORDER BY p.proname;
SELECT has_table_privilege('credits_upgrade_app', 'credits_accounts', 'SELECT') AS view_readable,
       format_type(atttypid, NULL) AS default_grant_ttl
  FROM pg_attribute WHERE attrelid = 'credits_accounts'::regclass AND attname = 'default_grant_ttl';
SELECT external_id, balance, default_grant_ttl, total_count FROM credits_list_accounts() ORDER BY external_id;
-- Upgraded accounts take alerts.
SELECT external_id, balance, auto_reload_enabled FROM credits_balance('kept');
SELECT thresholds, thresholds_in_alarm FROM credits_set_alerts('kept', '{100}');
SELECT type, data->>'threshold' AS threshold FROM credits_events;
SELECT model, requests, balance FROM credits_record_usage('kept', 'gpt-4o', input_tokens => 10);
SELECT model, total_requests, input_tokens FROM credits_usage_summary('kept', group_by => '{model}');
SELECT * FROM credits_verify(all_tenants => true);

-- The upgraded accounts keep working: the hold settles from the grant, and
-- the frozen account of acme thaws.
SELECT amount, balance FROM credits_confirm('res_01ARZ3NDEKTSV4RRFFQ69G5FB4');
SELECT external_id, balance FROM credits_debit('kept', 2);
SELECT id, remaining, held, status FROM credits_grants WHERE external_id = 'kept';
SET credits.tenant = 'acme';
SELECT status FROM credits_unfreeze('kept');
SELECT external_id, balance FROM credits_credit('kept', 4);
RESET credits.tenant;
SELECT * FROM credits_verify(all_tenants => true);
DROP EXTENSION credits;
DROP OWNED BY credits_upgrade_app;
DROP ROLE credits_upgrade_app;
