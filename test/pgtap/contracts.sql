-- The SQL surface is a contract: names, parameters, result columns,
-- SECURITY DEFINER, and privileges (nothing for PUBLIC, no table rights
-- needed by users).
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION credits;
SELECT plan(97);

SELECT has_function('credits_create_account',
    ARRAY['text', 'text', 'text', 'jsonb', 'text', 'integer', 'numeric', 'numeric', 'text', 'interval', 'numeric',
          'text[]', 'text']);
SELECT has_function('credits_get_account', ARRAY['text']);
SELECT has_function('credits_update_account',
    ARRAY['text', 'text', 'text', 'jsonb', 'numeric', 'text', 'interval', 'numeric', 'text[]']);
SELECT has_function('credits_balance', ARRAY['text']);
SELECT has_function('credits_credit', ARRAY['text', 'numeric', 'text', 'text', 'text', 'jsonb',
                                            'timestamp with time zone', 'interval', 'integer', 'text']);
SELECT has_function('credits_debit', ARRAY['text', 'numeric', 'text', 'text', 'text', 'jsonb']);
SELECT has_function('credits_ledger', ARRAY['text', 'text', 'timestamp with time zone', 'timestamp with time zone',
                                            'integer', 'integer']);
SELECT has_function('credits_verify', ARRAY['text', 'boolean']);
SELECT has_function('credits_reserve', ARRAY['text', 'numeric', 'interval', 'timestamp with time zone', 'text', 'text',
                                             'text', 'jsonb']);
SELECT has_function('credits_confirm', ARRAY['text', 'numeric', 'text', 'jsonb', 'text']);
SELECT has_function('credits_cancel', ARRAY['text']);
SELECT has_function('credits_extend_reservation', ARRAY['text', 'interval']);
SELECT has_function('credits_expire_reservations', ARRAY['integer']);
SELECT has_function('credits_reverse', ARRAY['text', 'numeric', 'text', 'text', 'boolean']);
SELECT has_function('credits_adjust', ARRAY['text', 'numeric', 'text', 'text']);
SELECT has_function('credits_transfer', ARRAY['text', 'text', 'numeric', 'text', 'text', 'text', 'jsonb']);
SELECT has_function('credits_freeze', ARRAY['text', 'text']);
SELECT has_function('credits_unfreeze', ARRAY['text', 'text']);
SELECT has_function('credits_close', ARRAY['text', 'text']);
SELECT has_function('credits_reopen', ARRAY['text', 'text']);
SELECT has_function('credits_apply', ARRAY['jsonb', 'boolean']);
SELECT has_function('credits_create_plan', ARRAY['text', 'text', 'numeric', 'text', 'text', 'jsonb']);
SELECT has_function('credits_assign_plan', ARRAY['text', 'text', 'text', 'timestamp with time zone']);
SELECT has_function('credits_cancel_plan', ARRAY['text']);
SELECT has_function('credits_run_due', ARRAY['integer']);
SELECT has_function('credits_bind_role', ARRAY['regrole', 'text']);
SELECT has_function('credits_unbind_role', ARRAY['regrole', 'text']);
SELECT has_function('credits_grant_access', ARRAY['regrole', 'text']);
SELECT has_function('credits_revoke_access', ARRAY['regrole']);
SELECT has_function('credits_account_key', ARRAY['text', 'text']);
SELECT is(
    (SELECT count(*)::int FROM pg_proc WHERE proname IN ('credits_credit', 'credits_create_account',
                                                        'credits_update_account')),
    3, 'functions that gained parameters have no old overload left');

SELECT is(
    (SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
      WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'credits\_%' AND NOT p.prosecdef
        AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)),
    ARRAY['credits_account_key', 'credits_current_tenant', 'credits_iso_duration', 'credits_key_in_id'],
    'every function but the four pure ones and the triggers is SECURITY DEFINER');

SELECT columns_are('credits_accounts', ARRAY['id', 'external_id', 'owner_id', 'name', 'email', 'unit', 'scale',
    'balance', 'reserved', 'available', 'overdraft_limit', 'status', 'metadata', 'created_at', 'updated_at',
    'default_grant_ttl', 'min_credit_amount', 'notify_emails', 'auto_reload_enabled', 'auto_reload_threshold',
    'auto_reload_amount', 'auto_reload_target_balance']);
SELECT columns_are('credits_entries', ARRAY['id', 'transaction_id', 'account_id', 'external_id', 'type', 'amount',
    'balance_after', 'description', 'reference', 'idempotency_key', 'metadata', 'created_at', 'available_after',
    'reservation_id', 'counterparty_id', 'reverses', 'reversed_amount', 'grants']);
SELECT columns_are('credits_reservations', ARRAY['id', 'account_id', 'external_id', 'amount', 'status', 'expires_at',
    'description', 'reference', 'metadata', 'created_at', 'resolved_at', 'requested_amount', 'confirmed_amount',
    'released_amount', 'transaction_id', 'idempotency_key', 'grants']);
SELECT columns_are('credits_grants', ARRAY['id', 'account_id', 'external_id', 'amount', 'remaining', 'held',
    'expires_at', 'priority', 'category', 'status', 'transaction_id', 'period_start', 'created_at', 'ended_at']);
SELECT columns_are('credits_entry_grants', ARRAY['account_id', 'external_id', 'entry_id', 'transaction_id', 'type',
    'grant_id', 'category', 'amount', 'created_at']);
SELECT columns_are('credits_plans', ARRAY['id', 'code', 'name', 'allowance', 'period', 'rollover', 'metadata',
    'created_at']);
SELECT columns_are('credits_subscriptions', ARRAY['account_id', 'external_id', 'plan_id', 'plan_code', 'status',
    'current_period_start', 'current_period_end', 'next_plan_id', 'anchor', 'created_at', 'cancelled_at']);
SELECT is(
    (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
      WHERE attrelid = 'credits_due_work'::regclass AND attnum > 0),
    ARRAY['expired_reservations', 'expired_grants', 'renewed_subscriptions'],
    'credits_due_work has the documented columns');
SELECT is(
    (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
      WHERE attrelid = 'credits_transaction'::regclass AND attnum > 0),
    ARRAY['transaction_id', 'account_id', 'external_id', 'type', 'amount', 'balance', 'available', 'description',
          'reference', 'idempotency_key', 'metadata', 'created_at'],
    'credits_transaction has the documented columns');
SELECT is(
    (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
      WHERE attrelid = 'credits_reservation_result'::regclass AND attnum > 0),
    ARRAY['id', 'account_id', 'external_id', 'amount', 'status', 'expires_at', 'description', 'reference', 'metadata',
          'created_at', 'balance', 'reserved', 'available'],
    'credits_reservation_result has the documented columns');
SELECT is(
    (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
      WHERE attrelid = 'credits_confirmation'::regclass AND attnum > 0),
    ARRAY['transaction_id', 'account_id', 'external_id', 'type', 'amount', 'balance', 'available', 'description',
          'reference', 'idempotency_key', 'metadata', 'created_at', 'reservation_id', 'released'],
    'credits_confirmation is credits_transaction plus reservation_id and released');
SELECT is(
    (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
      WHERE attrelid = 'credits_reversal'::regclass AND attnum > 0),
    ARRAY['transaction_id', 'account_id', 'external_id', 'type', 'amount', 'balance', 'available', 'description',
          'reference', 'idempotency_key', 'metadata', 'created_at', 'reverses'],
    'credits_reversal is credits_transaction plus reverses');
SELECT is(
    (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
      WHERE attrelid = 'credits_apply_result'::regclass AND attnum > 0),
    ARRAY['index', 'ok', 'sqlstate', 'message', 'transaction_id', 'reservation_id', 'balance', 'available',
          'usage_id'],
    'credits_apply_result has the documented columns');
SELECT is(
    (SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
      WHERE attrelid = 'credits_usage_result'::regclass AND attnum > 0),
    ARRAY['id', 'account_id', 'external_id', 'model', 'usage_type', 'endpoint', 'context', 'input_tokens',
          'cached_input_tokens', 'cache_write_tokens', 'output_tokens', 'reasoning_tokens', 'units', 'requests',
          'success', 'cost', 'charged', 'unit', 'price_id', 'transaction_id', 'reservation_id', 'description',
          'metadata', 'idempotency_key', 'occurred_at', 'created_at', 'balance', 'available', 'replayed'],
    'credits_usage_result has the documented columns');
SELECT is(
    (SELECT array_agg(a ORDER BY n) FROM unnest(
        (SELECT proargnames FROM pg_proc WHERE proname = 'credits_balance')) WITH ORDINALITY AS t(a, n)),
    ARRAY['account', 'account_id', 'external_id', 'balance', 'reserved', 'available', 'unit', 'updated_at',
          'auto_reload_enabled', 'auto_reload_threshold', 'auto_reload_amount'],
    'credits_balance returns the documented columns');
SELECT function_returns('credits_create_account', 'credits_accounts');
SELECT function_returns('credits_debit', 'credits_transaction');
SELECT function_returns('credits_ledger', 'setof credits_entries');
SELECT function_returns('credits_reserve', 'credits_reservation_result');
SELECT function_returns('credits_confirm', 'credits_confirmation');
SELECT function_returns('credits_expire_reservations', 'integer');
SELECT function_returns('credits_reverse', 'credits_reversal');
SELECT function_returns('credits_transfer', 'credits_transfer_result');
SELECT function_returns('credits_apply', 'setof credits_apply_result');
SELECT function_returns('credits_freeze', 'credits_accounts');
SELECT function_returns('credits_create_plan', 'credits_plans');
SELECT function_returns('credits_assign_plan', 'credits_subscriptions');
SELECT function_returns('credits_cancel_plan', 'credits_subscriptions');
SELECT function_returns('credits_run_due', 'credits_due_work');

-- Every view is a security barrier; the DDL guard is on, whatever
-- session_replication_role says; trigger functions are not PUBLIC.
SELECT is(
    (SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
      WHERE c.relkind = 'v' AND c.relnamespace = 'public'::regnamespace AND c.relname LIKE 'credits\_%'
        AND NOT coalesce(c.reloptions @> ARRAY['security_barrier=true'], false)),
    NULL, 'every view is a security barrier');
SELECT is(
    (SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_proc p
      WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'credits\_%' AND p.prosecdef
        AND NOT coalesce(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp'], false)),
    NULL, 'every SECURITY DEFINER function pins search_path');
SELECT is((SELECT evtenabled::text FROM pg_event_trigger WHERE evtname = 'credits_refuse_unsupported_ddl'), 'A',
          'the DDL guard fires always');
SELECT is(
    (SELECT array_agg(p.proname::text) FROM pg_proc p
      WHERE p.proname LIKE 'credits\_%' AND p.prorettype IN ('trigger'::regtype, 'event_trigger'::regtype)
        AND has_function_privilege('public', p.oid, 'EXECUTE')),
    NULL, 'no trigger function is executable by PUBLIC');

-- Tables are dumped with their data.
SELECT is((SELECT array_length(extconfig, 1) FROM pg_extension WHERE extname = 'credits'), 20,
          'pg_dump backs up every table (and the sequences of status changes and event positions)');

-- Privileges.
CREATE ROLE credits_app NOLOGIN;
GRANT USAGE ON SCHEMA public TO credits_app;
SET ROLE credits_app;
SELECT throws_ok($$SELECT credits_create_account('x')$$, '42501', NULL, 'PUBLIC cannot call credits functions');
SELECT throws_ok($$SELECT * FROM credits_accounts$$, '42501', NULL, 'PUBLIC cannot read the views');
RESET ROLE;

GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO credits_app;
GRANT SELECT ON credits_accounts, credits_entries, credits_reservations, credits_status_history, credits_grants,
                credits_entry_grants, credits_plans, credits_subscriptions TO credits_app;
SET ROLE credits_app;
SELECT lives_ok($$SELECT credits_create_account('app_user', initial_balance => 50)$$, 'a granted role creates accounts');
SELECT lives_ok($$SELECT credits_debit('app_user', 20)$$, 'a granted role debits');
SELECT results_eq($$SELECT balance FROM credits_accounts WHERE external_id = 'app_user'$$, $$VALUES (30::numeric)$$,
                  'a granted role reads the views');
SELECT results_eq($$SELECT count(*) FROM credits_ledger('app_user')$$, $$VALUES (2::bigint)$$,
                  'a granted role reads the ledger');
SELECT lives_ok($$SELECT credits_cancel((SELECT id FROM credits_reserve('app_user', 5)))$$,
                'a granted role reserves and cancels');
SELECT results_eq($$SELECT status FROM credits_reservations$$, $$VALUES ('cancelled')$$,
                  'a granted role reads the reservations');
SELECT lives_ok($$SELECT credits_freeze('app_user', 'review')$$, 'a granted role freezes (and so writes history)');
SELECT lives_ok($$SELECT credits_unfreeze('app_user')$$, 'and unfreezes');
SELECT results_eq($$SELECT count(*) FROM credits_status_history$$, $$VALUES (2::bigint)$$,
                  'a granted role reads the status history');
SELECT throws_ok($$INSERT INTO credits_status_change (account_id, from_status, to_status, changed_at)
                   VALUES ('a', 'x', 'y', now())$$, '42501', NULL, 'it cannot forge history');
SELECT lives_ok($$SELECT credits_credit('app_user', 5, expires_in => '1 day', category => 'promotional')$$,
                'a granted role makes grants');
SELECT results_eq($$SELECT category FROM credits_grants$$, $$VALUES ('promotional')$$,
                  'a granted role reads the grants');
SELECT lives_ok($$SELECT credits_create_plan('app_plan', NULL, 10, 'month')$$, 'a granted role makes plans');
SELECT lives_ok($$SELECT credits_assign_plan('app_user', 'app_plan')$$, 'and assigns them');
SELECT results_eq($$SELECT plan_code COLLATE "default" FROM credits_subscriptions$$, $$VALUES ('app_plan')$$,
                  'a granted role reads the subscriptions');
SELECT results_eq($$SELECT count(*) FROM credits_entry_grants$$, $$VALUES (2::bigint)$$,
                  'a granted role reads what funded what');
SELECT lives_ok($$SELECT credits_run_due()$$, 'a granted role runs the due work');
SELECT throws_ok($$SELECT * FROM credits_grant$$, '42501', NULL, 'the grant table stays closed to it');
SELECT throws_ok($$SELECT * FROM credits_account$$, '42501', NULL, 'the tables stay closed to it');
SELECT throws_ok($$UPDATE credits_account SET balance = 0$$, '42501', NULL, 'it cannot write a table');
SELECT throws_ok($$INSERT INTO credits_entry (account_id, seq, transaction_id, type, amount, balance_after,
                   available_after, created_at) VALUES ('a', 1, 't', 'credit', 1, 1, 1, now())$$,
                 '42501', NULL, 'it cannot forge an entry');
SELECT is_empty($$SELECT * FROM credits_verify()$$, 'verify works for it too');
RESET ROLE;

-- The search_path of the caller cannot redirect the functions.
CREATE SCHEMA evil;
CREATE TABLE evil.credits_account (id text);
SET search_path = evil, public;
SELECT lives_ok($$SELECT credits_debit('app_user', 1)$$, 'a shadowing table on the search_path is ignored');
RESET search_path;
SELECT results_eq($$SELECT balance FROM credits_balance('app_user')$$, $$VALUES (44::numeric)$$,
                  'the debit went to the real ledger');

-- Indexes a DBA adds are maintained by the direct writes: a plain one, and an
-- expression index (which takes the executor's path).
CREATE INDEX entry_reference_idx ON credits_entry (reference);
CREATE INDEX entry_lower_reference_idx ON credits_entry (lower(reference));
SELECT lives_ok($$SELECT credits_debit('app_user', 1, reference => 'Order-77')$$, 'debits with extra indexes');
SET LOCAL enable_seqscan = off;
SET LOCAL enable_bitmapscan = off;
SELECT results_eq($$SELECT count(*) FROM credits_entry WHERE reference = 'Order-77'$$, $$VALUES (1::bigint)$$,
                  'the plain index has the new entry');
SELECT results_eq($$SELECT count(*) FROM credits_entry WHERE lower(reference) = 'order-77'$$, $$VALUES (1::bigint)$$,
                  'the expression index has the new entry');
RESET enable_seqscan;
RESET enable_bitmapscan;
DROP INDEX entry_reference_idx, entry_lower_reference_idx;

-- The extension can be dropped and created again in the same session.
DROP EXTENSION credits;
CREATE EXTENSION credits;
SELECT lives_ok($$SELECT credits_create_account('again', initial_balance => 1)$$, 'recreated extension works');
SELECT lives_ok($$SELECT credits_debit('again', 1)$$, 'and debits with freshly looked-up tables');

SELECT * FROM finish();
ROLLBACK;
