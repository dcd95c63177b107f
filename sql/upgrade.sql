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
SELECT external_id, balance FROM credits_create_account('kept', initial_balance => 7);
GRANT EXECUTE ON FUNCTION credits_verify(text) TO credits_upgrade_app;
ALTER EXTENSION credits UPDATE TO '0.5.0';
SELECT extversion FROM pg_extension WHERE extname = 'credits';
SELECT p.oid::regprocedure AS function, has_function_privilege('credits_upgrade_app', p.oid, 'EXECUTE') AS granted
  FROM pg_proc p WHERE p.proname = 'credits_verify';
SELECT c.relname, c.reloptions FROM pg_class c
 WHERE c.relkind = 'v' AND c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'credits\_%'
 ORDER BY 1;
SELECT evtname, evtenabled, evttags FROM pg_event_trigger;
SELECT external_id, balance FROM credits_debit('kept', 2);
SELECT * FROM credits_verify();
DROP EXTENSION credits;
DROP ROLE credits_upgrade_app;
