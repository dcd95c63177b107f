-- credits 0.9.0: for app developers. Every result a mainstream ORM can read
-- (no interval), retry-safe account creation, paginated listings with totals
-- and keyset cursors, and a comment on every object.
\echo Use "ALTER EXTENSION credits UPDATE TO '0.9.0'" to load this file. \quit

SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- Account creation remembers its idempotency key and what was asked, so that
-- a retry returns the account and a different request with the key is CR003.
ALTER TABLE @extschema@.credits_account
    ADD COLUMN creation_key text COLLATE "C",
    ADD COLUMN creation_request jsonb;

-- An interval as ISO 8601 text ('P30D'), whatever the session's IntervalStyle.
CREATE FUNCTION @extschema@.credits_iso_duration(span interval) RETURNS text
    AS 'MODULE_PATHNAME', 'credits_iso_duration' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- credits_accounts shows default_grant_ttl as ISO 8601 text: Prisma (and
-- others) cannot read interval. The view's row type changes, so the view and
-- the functions that return it are made again; the grants on them carry over.
DO $$
BEGIN
    PERFORM pg_catalog.set_config('credits_upgrade.grants', coalesce((
        SELECT pg_catalog.jsonb_agg(pg_catalog.jsonb_build_object('name', g.name, 'kind', g.kind, 'grantee', g.grantee))
          FROM (SELECT p.proname::text AS name, 'function' AS kind, r.rolname::text AS grantee
                  FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) x
                  JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) x.grantee
                 WHERE p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
                   AND p.prorettype OPERATOR(pg_catalog.=) '@extschema@.credits_accounts'::regtype
                   AND x.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
                   AND x.grantee OPERATOR(pg_catalog.<>) p.proowner
                UNION
                SELECT 'credits_accounts', 'view', r.rolname::text
                  FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) x
                  JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) x.grantee
                 WHERE c.oid OPERATOR(pg_catalog.=) '@extschema@.credits_accounts'::regclass
                   AND x.privilege_type OPERATOR(pg_catalog.=) 'SELECT'
                   AND x.grantee OPERATOR(pg_catalog.<>) c.relowner) g), '[]')::text, true);
END $$;

DROP VIEW @extschema@.credits_accounts CASCADE;

CREATE VIEW @extschema@.credits_accounts WITH (security_barrier) AS
SELECT a.id, a.external_id, a.owner_id, a.name, a.email, a.unit, a.scale::integer AS scale,
       a.balance - lg.lapsed - lh.lapsed AS balance, h.reserved,
       a.balance - lg.lapsed - lh.lapsed - h.reserved AS available,
       a.overdraft_limit, a.status, a.metadata, a.created_at, a.updated_at,
       @extschema@.credits_iso_duration(a.default_grant_ttl) AS default_grant_ttl, a.min_credit_amount,
       a.notify_emails, coalesce(al.reload_enabled, false) AS auto_reload_enabled,
       al.reload_threshold AS auto_reload_threshold, al.reload_amount AS auto_reload_amount,
       al.reload_target AS auto_reload_target_balance
  FROM @extschema@.credits_account a
  LEFT JOIN @extschema@.credits_alert al ON a.watched AND al.account_id = a.id AND al.account_key = a.account_key
 -- once a hold has lapsed: what the others reserve
 CROSS JOIN LATERAL (
       SELECT CASE WHEN a.next_hold_expiry <= now() THEN round(coalesce(sum(r.amount), 0), a.scale)
                   ELSE a.reserved END AS reserved
         FROM @extschema@.credits_reservation r
        WHERE a.next_hold_expiry <= now() AND r.account_id = a.id AND r.account_key = a.account_key
          AND r.status = 'pending' AND r.expires_at > now()) h
 -- what lapsed grants had left
 CROSS JOIN LATERAL (
       SELECT coalesce(sum(gr.remaining - gr.held), 0) AS lapsed
         FROM @extschema@.credits_grant gr
        WHERE a.next_grant_expiry <= now() AND gr.account_id = a.id AND gr.account_key = a.account_key
          AND gr.status = 'active' AND gr.expires_at <= now()) lg
 -- a lapsed hold holds nothing: what it held of a lapsed grant lapses too
 CROSS JOIN LATERAL (
       SELECT coalesce(sum(f.value::numeric), 0) AS lapsed
         FROM @extschema@.credits_reservation r
        CROSS JOIN LATERAL jsonb_each_text(r.grants) f
         JOIN @extschema@.credits_grant gr ON gr.account_id = r.account_id AND gr.account_key = r.account_key
                                          AND gr.id = f.key
        WHERE a.next_grant_expiry <= now() AND a.next_hold_expiry <= now()
          AND r.account_id = a.id AND r.account_key = a.account_key AND r.status = 'pending'
          AND r.expires_at <= now() AND gr.status = 'active' AND gr.expires_at <= now()) lh
 WHERE a.tenant = (SELECT @extschema@.credits_current_tenant());

CREATE FUNCTION @extschema@.credits_create_account(
    external_id text DEFAULT NULL, name text DEFAULT NULL, email text DEFAULT NULL, metadata jsonb DEFAULT NULL,
    unit text DEFAULT 'credits', scale int DEFAULT 0, overdraft_limit numeric DEFAULT 0,
    initial_balance numeric DEFAULT 0, owner_id text DEFAULT NULL, default_grant_ttl interval DEFAULT NULL,
    min_credit_amount numeric DEFAULT NULL, notify_emails text[] DEFAULT NULL, idempotency_key text DEFAULT NULL)
RETURNS @extschema@.credits_accounts
    AS 'MODULE_PATHNAME', 'credits_create_account' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_get_account(account text DEFAULT NULL) RETURNS @extschema@.credits_accounts
    AS 'MODULE_PATHNAME', 'credits_get_account' LANGUAGE C STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_update_account(
    account text DEFAULT NULL, name text DEFAULT NULL, email text DEFAULT NULL, metadata jsonb DEFAULT NULL,
    overdraft_limit numeric DEFAULT NULL, status text DEFAULT NULL, default_grant_ttl interval DEFAULT NULL,
    min_credit_amount numeric DEFAULT NULL, notify_emails text[] DEFAULT NULL)
RETURNS @extschema@.credits_accounts
    AS 'MODULE_PATHNAME', 'credits_update_account' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_freeze(account text DEFAULT NULL, reason text DEFAULT NULL)
RETURNS @extschema@.credits_accounts
    AS 'MODULE_PATHNAME', 'credits_freeze' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_unfreeze(account text DEFAULT NULL, reason text DEFAULT NULL)
RETURNS @extschema@.credits_accounts
    AS 'MODULE_PATHNAME', 'credits_unfreeze' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_close(account text DEFAULT NULL, reason text DEFAULT NULL)
RETURNS @extschema@.credits_accounts
    AS 'MODULE_PATHNAME', 'credits_close' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_reopen(account text DEFAULT NULL, reason text DEFAULT NULL)
RETURNS @extschema@.credits_accounts
    AS 'MODULE_PATHNAME', 'credits_reopen' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

-- Listings with their total and a keyset cursor.
CREATE FUNCTION @extschema@.credits_list_entries(
    account text DEFAULT NULL, page_size integer DEFAULT 50, page_offset integer DEFAULT 0, after text DEFAULT NULL,
    entry_type text DEFAULT NULL, since timestamptz DEFAULT NULL, until timestamptz DEFAULT NULL)
RETURNS TABLE (id bigint, transaction_id text, account_id text, external_id text, type text, amount numeric,
               balance_after numeric, description text, reference text, idempotency_key text, metadata jsonb,
               created_at timestamptz, available_after numeric, reservation_id text, counterparty_id text,
               reverses text, reversed_amount numeric, grants jsonb, total_count bigint, cursor text)
    AS 'MODULE_PATHNAME', 'credits_list_entries' LANGUAGE C STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_list_accounts(
    owner_id text DEFAULT NULL, status text DEFAULT NULL, metadata jsonb DEFAULT NULL, page_size integer DEFAULT 50,
    page_offset integer DEFAULT 0, after text DEFAULT NULL)
RETURNS TABLE (id text, external_id text, owner_id text, name text, email text, unit text, scale integer,
               balance numeric, reserved numeric, available numeric, overdraft_limit numeric, status text,
               metadata jsonb, created_at timestamptz, updated_at timestamptz, default_grant_ttl text,
               min_credit_amount numeric, notify_emails text[], auto_reload_enabled boolean,
               auto_reload_threshold numeric, auto_reload_amount numeric, auto_reload_target_balance numeric,
               total_count bigint, cursor text)
    AS 'MODULE_PATHNAME', 'credits_list_accounts' LANGUAGE C STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION
    @extschema@.credits_create_account(text, text, text, jsonb, text, int, numeric, numeric, text, interval, numeric,
                                       text[], text),
    @extschema@.credits_get_account(text),
    @extschema@.credits_update_account(text, text, text, jsonb, numeric, text, interval, numeric, text[]),
    @extschema@.credits_freeze(text, text),
    @extschema@.credits_unfreeze(text, text),
    @extschema@.credits_close(text, text),
    @extschema@.credits_reopen(text, text),
    @extschema@.credits_list_entries(text, integer, integer, text, text, timestamptz, timestamptz),
    @extschema@.credits_list_accounts(text, text, jsonb, integer, integer, text)
    FROM PUBLIC;

-- On Citus: the twins of those that work on one account (routing.h).
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN
        SELECT p.proname, pg_catalog.pg_get_function_arguments(p.oid) AS arguments,
               pg_catalog.pg_get_function_result(p.oid) AS result, p.prosrc,
               CASE p.provolatile WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END AS volatility
          FROM pg_catalog.pg_proc p
         WHERE p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
           AND p.proname OPERATOR(pg_catalog.=) ANY (ARRAY[
               'credits_create_account', 'credits_get_account', 'credits_update_account', 'credits_freeze',
               'credits_unfreeze', 'credits_close', 'credits_reopen', 'credits_list_entries']::name[])
    LOOP
        EXECUTE pg_catalog.format(
            'CREATE FUNCTION @extschema@.%I(account_key integer, tenant text, at timestamptz, %s) RETURNS %s'
            ' AS %L, %L LANGUAGE C %s SECURITY DEFINER SET search_path = pg_catalog, pg_temp',
            f.proname OPERATOR(pg_catalog.||) '_on_shard', f.arguments, f.result, 'MODULE_PATHNAME', f.prosrc,
            f.volatility);
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION @extschema@.%I FROM PUBLIC',
                                  f.proname OPERATOR(pg_catalog.||) '_on_shard');
    END LOOP;
END $$;

-- The grants saved above, on the objects made again; and the access sets'
-- new functions (roles.cpp).
DO $$
DECLARE
    g record;
    r record;
BEGIN
    FOR g IN SELECT * FROM pg_catalog.jsonb_to_recordset(
                 pg_catalog.current_setting('credits_upgrade.grants')::jsonb) AS x(name text, kind text, grantee text)
    LOOP
        IF g.kind OPERATOR(pg_catalog.=) 'view' THEN
            EXECUTE pg_catalog.format('GRANT SELECT ON @extschema@.%I TO %I', g.name, g.grantee);
        ELSIF g.name NOT LIKE '%\_on\_shard' THEN
            EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION @extschema@.%I TO %I', g.name, g.grantee);
        END IF;
    END LOOP;
    FOR r IN SELECT s.role::text AS role FROM @extschema@.credits_access_set s LOOP
        EXECUTE pg_catalog.format(
            'GRANT EXECUTE ON FUNCTION @extschema@.credits_list_entries(text, integer, integer, text, text,'
            ' timestamptz, timestamptz), @extschema@.credits_list_accounts(text, text, jsonb, integer, integer, text)'
            ' TO %s', r.role);
    END LOOP;
END $$;

-- What \d+, \df+, \dT+ and obj_description() say of every object; the
-- comments test (sql/comments.sql) fails on one without.
COMMENT ON FUNCTION @extschema@.credits_iso_duration(interval) IS
    'An interval as ISO 8601 text (P30D), whatever the session''s IntervalStyle.';
COMMENT ON FUNCTION @extschema@.credits_create_account(text, text, text, jsonb, text, int, numeric, numeric, text,
                                                       interval, numeric, text[], text) IS
    'Creates an account (external_id unique in the tenant; optional initial balance, defaults for grants, '
    'notify_emails). A retry with the same idempotency_key and parameters returns the account. '
    'Errors: CR003, CR008, CR011, CR012.';
COMMENT ON FUNCTION @extschema@.credits_get_account(text) IS
    'The account with this id or external_id in the current tenant. Errors: CR002.';
COMMENT ON FUNCTION @extschema@.credits_update_account(text, text, text, jsonb, numeric, text, interval, numeric,
                                                       text[]) IS
    'Changes an account''s name, email, metadata, limits, status or notify_emails (NULL: unchanged). '
    'Errors: CR001, CR002, CR007, CR008, CR012, CR013.';
COMMENT ON FUNCTION @extschema@.credits_freeze(text, text) IS
    'Freezes an active account (it takes credits, nothing is spent or held), with a reason. Errors: CR002, CR007.';
COMMENT ON FUNCTION @extschema@.credits_unfreeze(text, text) IS
    'Makes a frozen account active again. Errors: CR002, CR007.';
COMMENT ON FUNCTION @extschema@.credits_close(text, text) IS
    'Closes an account whose balance and reserved are zero; nothing moves on it then. Errors: CR002, CR007, CR013.';
COMMENT ON FUNCTION @extschema@.credits_reopen(text, text) IS 'Reopens a closed account. Errors: CR002, CR007.';
COMMENT ON FUNCTION @extschema@.credits_list_entries(text, integer, integer, text, text, timestamptz, timestamptz) IS
    'A page of an account''s ledger, newest first, with the total of matching entries and a keyset cursor '
    '(pass a row''s cursor as after). Errors: CR002, CR012.';
COMMENT ON FUNCTION @extschema@.credits_list_accounts(text, text, jsonb, integer, integer, text) IS
    'A page of the tenant''s accounts, oldest first, filtered by owner, status and metadata containment, with the '
    'total and a keyset cursor (pass a row''s cursor as after). Errors: CR012.';
COMMENT ON FUNCTION @extschema@.credits_adjust(text, numeric, text, text) IS
    'Corrects a balance by a signed amount, with a reason (an adjustment entry). Idempotent per key. '
    'Errors: CR001, CR002, CR003, CR007, CR008, CR012.';
COMMENT ON FUNCTION @extschema@.credits_apply(jsonb, boolean) IS
    'Runs a batch of operations (credit, debit, adjust, reserve, confirm, cancel, reverse, transfer, charge, '
    'record_usage) in one call, atomically or each on its own; one result row per operation.';
COMMENT ON FUNCTION @extschema@.credits_assign_plan(text, text, text, timestamptz) IS
    'Subscribes an account to a plan (immediately or from the next period); each period grants its allowance. '
    'Errors: CR002, CR007, CR008, CR012, CR016.';
COMMENT ON FUNCTION @extschema@.credits_cancel(text) IS
    'Cancels a pending reservation, releasing what it held. Errors: CR004, CR005.';
COMMENT ON FUNCTION @extschema@.credits_cancel_plan(text) IS
    'Ends an account''s plan at the end of its period. Errors: CR002, CR018.';
COMMENT ON FUNCTION @extschema@.credits_confirm(text, numeric, text, jsonb, text) IS
    'Settles a reservation: debits the amount (NULL: all it holds) and releases the rest; on_excess says what a '
    'larger amount does. Replay-safe. Errors: CR001, CR004, CR005, CR006, CR008, CR012.';
COMMENT ON FUNCTION @extschema@.credits_create_plan(text, text, numeric, text, text, jsonb) IS
    'Creates a plan: an allowance per period (day, week, month, year) with a rollover rule. '
    'Errors: CR008, CR012, CR017.';
COMMENT ON FUNCTION @extschema@.credits_credit(text, numeric, text, text, text, jsonb, timestamptz, interval, integer,
                                               text) IS
    'Adds credits to an account; with an expiry, priority or category they form a grant spent in burn-down order. '
    'Idempotent per key. Errors: CR002, CR003, CR007, CR008, CR012.';
COMMENT ON FUNCTION @extschema@.credits_current_tenant() IS
    'The tenant of this session (credits.tenant), as checked against the role''s bindings.';
COMMENT ON FUNCTION @extschema@.credits_debit(text, numeric, text, text, text, jsonb) IS
    'Spends credits (grants first, in burn-down order). Idempotent per key. '
    'Errors: CR001, CR002, CR003, CR007, CR008, CR012.';
COMMENT ON FUNCTION @extschema@.credits_expire_reservations(integer) IS
    'Releases reservations past their expiry (at most max accounts), as the scheduler does.';
COMMENT ON FUNCTION @extschema@.credits_extend_reservation(text, interval) IS
    'Moves a pending reservation''s expiry. Errors: CR004, CR005, CR006, CR012.';
COMMENT ON FUNCTION @extschema@.credits_ledger(text, text, timestamptz, timestamptz, integer, integer) IS
    'A page of an account''s ledger entries, newest first, by type and time. Errors: CR002, CR012.';
COMMENT ON FUNCTION @extschema@.credits_refuse_direct_write() IS
    'Trigger: refuses UPDATE, DELETE and TRUNCATE on credits'' tables by anyone but credits'' functions (CR014).';
COMMENT ON FUNCTION @extschema@.credits_refuse_ledger_change() IS
    'Trigger: refuses any change to a ledger entry or a status change (CR014).';
COMMENT ON FUNCTION @extschema@.credits_reserve(text, numeric, interval, timestamptz, text, text, text, jsonb) IS
    'Holds credits until confirmed, cancelled or expired (for LLM calls). Idempotent per key. '
    'Errors: CR001, CR002, CR003, CR007, CR008, CR012.';
COMMENT ON FUNCTION @extschema@.credits_reverse(text, numeric, text, text, boolean) IS
    'Reverses a transaction in whole or in part (a transfer on both sides). Idempotent per key. '
    'Errors: CR001, CR003, CR008, CR009, CR010, CR012.';
COMMENT ON FUNCTION @extschema@.credits_run_due(integer) IS
    'Does the due work of at most max accounts per kind: expired holds and grants, plan renewals.';
COMMENT ON FUNCTION @extschema@.credits_transfer(text, text, numeric, text, text, text, jsonb) IS
    'Moves credits between two accounts of the same unit in one transaction. Idempotent per key. '
    'Errors: CR001, CR002, CR003, CR007, CR008, CR012, CR015.';

DO $$
DECLARE
    f record;
BEGIN
    -- The twins say what they are; only the extension's owner may run them.
    FOR f IN SELECT p.oid::regprocedure AS fn, pg_catalog.left(p.proname, -9) AS name
               FROM pg_catalog.pg_proc p
              WHERE p.pronamespace OPERATOR(pg_catalog.=) '@extschema@'::regnamespace
                AND p.proname LIKE 'credits\_%\_on\_shard'
    LOOP
        EXECUTE pg_catalog.format(
            'COMMENT ON FUNCTION %s IS %L', f.fn,
            pg_catalog.format('On Citus: %s() run on the node of an account''s shard, for the account key, tenant '
                              'and moment given. credits calls it itself; only the extension''s owner may.', f.name));
    END LOOP;
END $$;

COMMENT ON TABLE @extschema@.credits_account IS
    'Accounts: balance, reserved, limits and status. Read credits_accounts; write with credits'' functions.';
COMMENT ON TABLE @extschema@.credits_entry IS
    'The ledger: one append-only entry per movement of an account. Read credits_entries.';
COMMENT ON TABLE @extschema@.credits_grant IS
    'Grants: credits with an expiry, priority or category, spent in burn-down order. Read credits_grants.';
COMMENT ON TABLE @extschema@.credits_plan IS 'Plans: an allowance per period and a rollover rule. Read credits_plans.';
COMMENT ON TABLE @extschema@.credits_reservation IS
    'Reservations (holds) and how they ended. Read credits_reservations.';
COMMENT ON TABLE @extschema@.credits_status_change IS
    'Every change of an account''s status, with its reason. Read credits_status_history.';
COMMENT ON TABLE @extschema@.credits_subscription IS
    'Accounts'' plans and their current periods. Read credits_subscriptions.';
COMMENT ON SEQUENCE @extschema@.credits_status_change_id_seq IS 'Ids of status changes (on Citus, per node ranges).';
COMMENT ON SEQUENCE @extschema@.credits_event_position IS
    'Commit positions of the event feed; a claim waits for the transactions committing with one.';
COMMENT ON VIEW @extschema@.credits_accounts IS
    'Accounts of the current tenant with balance, reserved and available as of now (default_grant_ttl as ISO 8601).';
COMMENT ON VIEW @extschema@.credits_entries IS 'Ledger entries of the current tenant''s accounts.';
COMMENT ON VIEW @extschema@.credits_entry_grants IS 'Which grants each ledger entry took from or gave to.';
COMMENT ON VIEW @extschema@.credits_grants IS 'Grants of the current tenant''s accounts, with what is left.';
COMMENT ON VIEW @extschema@.credits_plans IS 'Plans of the current tenant.';
COMMENT ON VIEW @extschema@.credits_reservations IS
    'Reservations of the current tenant''s accounts (a pending one past its expiry shows as expired).';
COMMENT ON VIEW @extschema@.credits_status_history IS 'Status changes of the current tenant''s accounts.';
COMMENT ON VIEW @extschema@.credits_subscriptions IS 'Plans of the current tenant''s accounts.';
COMMENT ON TYPE @extschema@.credits_apply_result IS
    'One operation of a credits_apply batch: its index, op, outcome (ok or the SQLSTATE and message) and result.';
COMMENT ON TYPE @extschema@.credits_confirmation IS
    'A confirmed reservation: the debit it made, what it released, the balance after.';
COMMENT ON TYPE @extschema@.credits_due_work IS 'What credits_run_due did: holds expired, grants expired, renewals.';
COMMENT ON TYPE @extschema@.credits_reservation_result IS 'A reservation as its function left it.';
COMMENT ON TYPE @extschema@.credits_reversal IS 'A reversal: the entries it made and the balance after.';
COMMENT ON TYPE @extschema@.credits_transaction IS
    'A movement (credit, debit, adjustment): transaction id, amount, balance and available after, replayed or not.';
COMMENT ON TYPE @extschema@.credits_transfer_result IS 'A transfer: its transaction and both accounts'' balances after.';
