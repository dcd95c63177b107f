-- credits 0.8.0: low-balance alerts, auto-reload requests and an event feed.
-- Alerts are evaluated in the transaction that moves the balance; events
-- are handed out in commit order, none skipped.
\echo Use "ALTER EXTENSION credits UPDATE TO '0.8.0'" to load this file. \quit

SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- Who to tell, and whether the account has alert or auto-reload settings
-- (watched): an account without them pays nothing for this feature.
ALTER TABLE @extschema@.credits_account
    ADD COLUMN notify_emails text[],
    ADD COLUMN watched boolean NOT NULL DEFAULT false;

-- An account's alert thresholds and auto-reload settings, and their state.
-- Every writer holds the account's row lock.
CREATE TABLE @extschema@.credits_alert (
    account_id           text COLLATE "C" NOT NULL,
    account_key          integer NOT NULL,
    thresholds           numeric[] NOT NULL,   -- descending
    in_alarm             boolean[] NOT NULL,   -- one per threshold
    depleted_alert       boolean NOT NULL,     -- balance.depleted at zero available
    depleted             boolean NOT NULL,
    reload_enabled       boolean NOT NULL,
    reload_threshold     numeric,
    reload_amount        numeric,              -- a fixed amount, or
    reload_target        numeric,              -- a balance to reload to
    reload_max_per_day   integer,
    reload_max_per_month integer,
    reload_cooldown      interval NOT NULL,
    reload_category      text,
    reload_expires_in    interval,
    reload_max_failures  integer NOT NULL,
    reload_failures      integer NOT NULL,     -- consecutive
    reload_day           date,                 -- UTC day and month of the counts
    reload_day_count     integer NOT NULL,
    reload_month         date,
    reload_month_count   integer NOT NULL,
    reload_last_at       timestamptz,
    reload_pending       text COLLATE "C",     -- the outstanding request
    reload_disabled_reason text,
    updated_at           timestamptz NOT NULL,
    PRIMARY KEY (account_id)
) WITH (fillfactor = 80);

-- Auto-reload requests: the app charges the amount (the id is its payment
-- idempotency key) and reports the outcome with credits_complete_reload.
CREATE TABLE @extschema@.credits_reload_request (
    id                text COLLATE "C" NOT NULL,
    account_id        text COLLATE "C" NOT NULL,
    account_key       integer NOT NULL,
    amount            numeric NOT NULL,
    status            text NOT NULL,           -- pending, succeeded, failed
    requested_at      timestamptz NOT NULL,
    completed_at      timestamptz,
    payment_reference text,
    failure_reason    text,
    transaction_id    text COLLATE "C",
    PRIMARY KEY (id)
);
-- At most one outstanding request per account.
CREATE UNIQUE INDEX credits_reload_request_pending_key ON @extschema@.credits_reload_request (account_id)
    WHERE status = 'pending';

-- The event feed. Rows are written by the transaction whose work they
-- report (written_by, ordinal: their order in it) and never updated. As it
-- commits, a transaction that wrote events takes the next position and
-- records it in credits_event_commit (one row per tenant it wrote events
-- for); a claim hands out only positions whose transactions, and every
-- earlier one's, have ended (events.h).
-- On Citus each node keeps the feed of the accounts it holds.
CREATE TABLE @extschema@.credits_event (
    written_by  xid8 NOT NULL,
    ordinal     integer NOT NULL,
    id          text COLLATE "C" NOT NULL,
    tenant      text COLLATE "C" NOT NULL,
    type        text COLLATE "C" NOT NULL,
    account_id  text COLLATE "C",
    external_id text COLLATE "C",
    occurred_at timestamptz NOT NULL,
    data        jsonb NOT NULL,
    PRIMARY KEY (written_by, ordinal)
);
CREATE UNIQUE INDEX credits_event_id_key ON @extschema@.credits_event (id);

CREATE SEQUENCE @extschema@.credits_event_position;

CREATE TABLE @extschema@.credits_event_commit (
    tenant       text COLLATE "C" NOT NULL,
    position     bigint NOT NULL,
    written_by   xid8 NOT NULL,
    committed_at timestamptz NOT NULL,
    PRIMARY KEY (tenant, position)
);
CREATE INDEX credits_event_commit_written_by_idx ON @extschema@.credits_event_commit (written_by);

-- Named consumers of a tenant's feed and how far each has acknowledged.
CREATE TABLE @extschema@.credits_event_consumer (
    tenant         text COLLATE "C" NOT NULL,
    name           text COLLATE "C" NOT NULL,
    types          text[],                    -- NULL: every type
    acked_position bigint NOT NULL,
    acked_ordinal  integer NOT NULL,
    acked_event    text COLLATE "C",
    acked_at       timestamptz,
    created_at     timestamptz NOT NULL,
    PRIMARY KEY (tenant, name)
);

SELECT pg_catalog.pg_extension_config_dump('@extschema@.credits_alert', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credits_reload_request', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credits_event', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credits_event_commit', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credits_event_consumer', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credits_event_position', '');

CREATE TRIGGER credits_alert_guard BEFORE UPDATE OR DELETE ON @extschema@.credits_alert
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_alert_guard_truncate BEFORE TRUNCATE ON @extschema@.credits_alert
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_reload_request_guard BEFORE UPDATE OR DELETE ON @extschema@.credits_reload_request
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_reload_request_guard_truncate BEFORE TRUNCATE ON @extschema@.credits_reload_request
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_event_guard BEFORE UPDATE OR DELETE ON @extschema@.credits_event
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_event_guard_truncate BEFORE TRUNCATE ON @extschema@.credits_event
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_event_commit_guard BEFORE UPDATE OR DELETE ON @extschema@.credits_event_commit
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_event_commit_guard_truncate BEFORE TRUNCATE ON @extschema@.credits_event_commit
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_event_consumer_guard BEFORE UPDATE OR DELETE ON @extschema@.credits_event_consumer
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();
CREATE TRIGGER credits_event_consumer_guard_truncate BEFORE TRUNCATE ON @extschema@.credits_event_consumer
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_refuse_direct_write();

-- Views.
CREATE OR REPLACE VIEW @extschema@.credits_accounts WITH (security_barrier) AS
SELECT a.id, a.external_id, a.owner_id, a.name, a.email, a.unit, a.scale::integer AS scale,
       a.balance - lg.lapsed - lh.lapsed AS balance, h.reserved,
       a.balance - lg.lapsed - lh.lapsed - h.reserved AS available,
       a.overdraft_limit, a.status, a.metadata, a.created_at, a.updated_at, a.default_grant_ttl, a.min_credit_amount,
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

CREATE VIEW @extschema@.credits_alerts WITH (security_barrier) AS
SELECT al.account_id, a.external_id, a.unit, al.thresholds,
       ARRAY(SELECT t.threshold FROM unnest(al.thresholds, al.in_alarm) AS t(threshold, alarm) WHERE t.alarm)
           AS thresholds_in_alarm,
       al.depleted_alert, al.depleted, a.notify_emails,
       al.reload_enabled AS auto_reload_enabled, al.reload_threshold AS auto_reload_threshold,
       al.reload_amount AS auto_reload_amount, al.reload_target AS auto_reload_target_balance,
       al.reload_max_per_day AS auto_reload_max_per_day, al.reload_max_per_month AS auto_reload_max_per_month,
       extract(epoch FROM al.reload_cooldown)::integer AS auto_reload_cooldown_seconds,
       al.reload_category AS auto_reload_category,
       extract(epoch FROM al.reload_expires_in)::bigint AS auto_reload_expires_in_seconds,
       al.reload_max_failures AS auto_reload_max_failures, al.reload_failures AS auto_reload_failures,
       al.reload_disabled_reason AS auto_reload_disabled_reason, al.reload_pending AS auto_reload_pending_request,
       al.reload_last_at AS auto_reload_last_requested_at, al.updated_at
  FROM @extschema@.credits_alert al
  JOIN @extschema@.credits_account a ON a.id = al.account_id AND a.account_key = al.account_key
 WHERE a.tenant = (SELECT @extschema@.credits_current_tenant());

CREATE VIEW @extschema@.credits_reload_requests WITH (security_barrier) AS
SELECT r.id, r.account_id, a.external_id, r.amount, a.unit, r.status, r.requested_at, r.completed_at,
       r.payment_reference, r.failure_reason, r.transaction_id
  FROM @extschema@.credits_reload_request r
  JOIN @extschema@.credits_account a ON a.id = r.account_id AND a.account_key = r.account_key
 WHERE a.tenant = (SELECT @extschema@.credits_current_tenant());

-- Committed events only, with their place in the feed.
CREATE VIEW @extschema@.credits_events WITH (security_barrier) AS
SELECT e.id, e.type, e.account_id, e.external_id, e.tenant, e.occurred_at, e.data, c.position, e.ordinal,
       c.committed_at
  FROM @extschema@.credits_event_commit c
  JOIN @extschema@.credits_event e ON e.written_by = c.written_by AND e.tenant = c.tenant
 WHERE c.tenant = (SELECT @extschema@.credits_current_tenant());

CREATE VIEW @extschema@.credits_event_consumers WITH (security_barrier) AS
SELECT c.name, c.types, c.acked_event, c.acked_position, c.acked_ordinal, c.acked_at, c.created_at
  FROM @extschema@.credits_event_consumer c
 WHERE c.tenant = (SELECT @extschema@.credits_current_tenant());

CREATE TYPE @extschema@.credits_reload_result AS (
    id                text,
    account_id        text,
    external_id       text,
    amount            numeric,
    unit              text,
    status            text,
    requested_at      timestamptz,
    completed_at      timestamptz,
    payment_reference text,
    failure_reason    text,
    transaction_id    text,
    replayed          boolean
);

-- Functions. credits_create_account and credits_update_account gain
-- notify_emails, credits_balance the auto-reload settings: the new ones are
-- made beside the old ones, take over the EXECUTE grants a DBA gave on them,
-- and the old ones (and their twins) go.
CREATE FUNCTION @extschema@.credits_create_account(
    external_id text DEFAULT NULL, name text DEFAULT NULL, email text DEFAULT NULL, metadata jsonb DEFAULT NULL,
    unit text DEFAULT 'credits', scale int DEFAULT 0, overdraft_limit numeric DEFAULT 0,
    initial_balance numeric DEFAULT 0, owner_id text DEFAULT NULL, default_grant_ttl interval DEFAULT NULL,
    min_credit_amount numeric DEFAULT NULL, notify_emails text[] DEFAULT NULL)
RETURNS @extschema@.credits_accounts
    AS 'MODULE_PATHNAME', 'credits_create_account' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_update_account(
    account text DEFAULT NULL, name text DEFAULT NULL, email text DEFAULT NULL, metadata jsonb DEFAULT NULL,
    overdraft_limit numeric DEFAULT NULL, status text DEFAULT NULL, default_grant_ttl interval DEFAULT NULL,
    min_credit_amount numeric DEFAULT NULL, notify_emails text[] DEFAULT NULL)
RETURNS @extschema@.credits_accounts
    AS 'MODULE_PATHNAME', 'credits_update_account' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_balance_v8(
    account text DEFAULT NULL,
    OUT account_id text, OUT external_id text, OUT balance numeric, OUT reserved numeric,
    OUT available numeric, OUT unit text, OUT updated_at timestamptz, OUT auto_reload_enabled boolean,
    OUT auto_reload_threshold numeric, OUT auto_reload_amount numeric)
    AS 'MODULE_PATHNAME', 'credits_balance' LANGUAGE C STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

DO $$
DECLARE
    pair record;
    grantee text;
BEGIN
    FOR pair IN
        SELECT old, new FROM (VALUES
            ('@extschema@.credits_create_account(text, text, text, jsonb, text, int, numeric, numeric, text, interval,'
             ' numeric)', '@extschema@.credits_create_account(text, text, text, jsonb, text, int, numeric, numeric,'
             ' text, interval, numeric, text[])'),
            ('@extschema@.credits_update_account(text, text, text, jsonb, numeric, text, interval, numeric)',
             '@extschema@.credits_update_account(text, text, text, jsonb, numeric, text, interval, numeric, text[])'),
            ('@extschema@.credits_balance(text)', '@extschema@.credits_balance_v8(text)')
        ) AS pairs(old, new)
    LOOP
        EXECUTE pg_catalog.format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', pair.new);
        FOR grantee IN
            SELECT DISTINCT r.rolname
              FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) x
              JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) x.grantee
             WHERE p.oid OPERATOR(pg_catalog.=) pair.old::pg_catalog.regprocedure::pg_catalog.oid
               AND x.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
               AND x.grantee OPERATOR(pg_catalog.<>) p.proowner
        LOOP
            EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I', pair.new, grantee);
        END LOOP;
        EXECUTE pg_catalog.format('DROP FUNCTION %s', pair.old);
    END LOOP;
    DROP FUNCTION @extschema@.credits_create_account_on_shard(integer, text, timestamptz, text, text, text, jsonb,
                                                              text, int, numeric, numeric, text, interval, numeric);
    DROP FUNCTION @extschema@.credits_update_account_on_shard(integer, text, timestamptz, text, text, text, jsonb,
                                                              numeric, text, interval, numeric);
    DROP FUNCTION @extschema@.credits_balance_on_shard(integer, text, timestamptz, text);
END $$;
ALTER FUNCTION @extschema@.credits_balance_v8(text) RENAME TO credits_balance;

CREATE FUNCTION @extschema@.credits_set_alerts(
    account text DEFAULT NULL, thresholds numeric[] DEFAULT '{}', depleted boolean DEFAULT true)
RETURNS @extschema@.credits_alerts
    AS 'MODULE_PATHNAME', 'credits_set_alerts' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_set_auto_reload(
    account text DEFAULT NULL, enabled boolean DEFAULT true, threshold numeric DEFAULT NULL,
    amount numeric DEFAULT NULL, target_balance numeric DEFAULT NULL, max_per_day integer DEFAULT NULL,
    max_per_month integer DEFAULT NULL, cooldown interval DEFAULT '30 seconds', category text DEFAULT NULL,
    expires_in interval DEFAULT NULL, max_failures integer DEFAULT 3)
RETURNS @extschema@.credits_alerts
    AS 'MODULE_PATHNAME', 'credits_set_auto_reload' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_complete_reload(
    request text DEFAULT NULL, succeeded boolean DEFAULT NULL, payment_reference text DEFAULT NULL,
    failure_reason text DEFAULT NULL)
RETURNS @extschema@.credits_reload_result
    AS 'MODULE_PATHNAME', 'credits_complete_reload' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_create_consumer(
    name text DEFAULT NULL, types text[] DEFAULT NULL, start_at text DEFAULT 'beginning')
RETURNS @extschema@.credits_event_consumers
    AS 'MODULE_PATHNAME', 'credits_create_consumer' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_drop_consumer(name text DEFAULT NULL)
RETURNS boolean
    AS 'MODULE_PATHNAME', 'credits_drop_consumer' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_claim_events(consumer text DEFAULT NULL, max integer DEFAULT 100)
RETURNS SETOF @extschema@.credits_events
    AS 'MODULE_PATHNAME', 'credits_claim_events' LANGUAGE C STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_ack_events(consumer text DEFAULT NULL, through text DEFAULT NULL)
RETURNS @extschema@.credits_event_consumers
    AS 'MODULE_PATHNAME', 'credits_ack_events' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

CREATE FUNCTION @extschema@.credits_prune_events(before timestamptz DEFAULT NULL)
RETURNS bigint
    AS 'MODULE_PATHNAME', 'credits_prune_events' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;

REVOKE ALL ON FUNCTION
    @extschema@.credits_set_alerts(text, numeric[], boolean),
    @extschema@.credits_set_auto_reload(text, boolean, numeric, numeric, numeric, integer, integer, interval, text,
                                        interval, integer),
    @extschema@.credits_complete_reload(text, boolean, text, text),
    @extschema@.credits_create_consumer(text, text[], text),
    @extschema@.credits_drop_consumer(text),
    @extschema@.credits_claim_events(text, integer),
    @extschema@.credits_ack_events(text, text),
    @extschema@.credits_prune_events(timestamptz)
    FROM PUBLIC;

-- On Citus: the twins of the functions that work on one account (routing.h).
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
               'credits_create_account', 'credits_update_account', 'credits_balance', 'credits_set_alerts',
               'credits_set_auto_reload', 'credits_complete_reload']::name[])
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

-- Roles that hold an access set get what it now includes (roles.cpp).
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT s.role::text AS role, s.access FROM @extschema@.credits_access_set s LOOP
        EXECUTE pg_catalog.format(
            'GRANT SELECT ON @extschema@.credits_alerts, @extschema@.credits_reload_requests,'
            ' @extschema@.credits_events, @extschema@.credits_event_consumers TO %s', r.role);
        IF r.access OPERATOR(pg_catalog.<>) 'read' THEN
            EXECUTE pg_catalog.format(
                'GRANT EXECUTE ON FUNCTION @extschema@.credits_set_alerts(text, numeric[], boolean),'
                ' @extschema@.credits_set_auto_reload(text, boolean, numeric, numeric, numeric, integer, integer,'
                ' interval, text, interval, integer), @extschema@.credits_complete_reload(text, boolean, text, text),'
                ' @extschema@.credits_create_consumer(text, text[], text), @extschema@.credits_drop_consumer(text),'
                ' @extschema@.credits_claim_events(text, integer), @extschema@.credits_ack_events(text, text)'
                ' TO %s', r.role);
        END IF;
        IF r.access OPERATOR(pg_catalog.=) 'admin' THEN
            EXECUTE pg_catalog.format(
                'GRANT EXECUTE ON FUNCTION @extschema@.credits_prune_events(timestamptz) TO %s', r.role);
        END IF;
    END LOOP;
END $$;

-- What \d+, \df+ and obj_description() say of them.
COMMENT ON TABLE @extschema@.credits_alert IS
    'Alert thresholds and auto-reload settings of accounts, and their state. Write with credits_set_alerts and '
    'credits_set_auto_reload.';
COMMENT ON TABLE @extschema@.credits_reload_request IS
    'Auto-reload requests: one pending per account at most. Complete with credits_complete_reload.';
COMMENT ON TABLE @extschema@.credits_event IS
    'The event feed: rows written by the transaction whose work they report, never updated.';
COMMENT ON TABLE @extschema@.credits_event_commit IS
    'The commit position of each transaction that wrote events, per tenant: the order of the feed.';
COMMENT ON TABLE @extschema@.credits_event_consumer IS
    'Named consumers of a tenant''s event feed and what each has acknowledged.';
COMMENT ON VIEW @extschema@.credits_alerts IS 'Alert and auto-reload settings and state of the current tenant''s accounts.';
COMMENT ON VIEW @extschema@.credits_reload_requests IS 'Auto-reload requests of the current tenant''s accounts.';
COMMENT ON VIEW @extschema@.credits_events IS
    'Committed events of the current tenant; (position, ordinal) is commit order.';
COMMENT ON VIEW @extschema@.credits_event_consumers IS
    'Event consumers of the current tenant and what each has acknowledged.';
COMMENT ON TYPE @extschema@.credits_reload_result IS
    'An auto-reload request as credits_complete_reload left it (replayed: it had been completed so already).';
COMMENT ON FUNCTION @extschema@.credits_create_account(text, text, text, jsonb, text, int, numeric, numeric, text,
                                                       interval, numeric, text[]) IS
    'Creates an account (notify_emails: who the app tells of its alerts). '
    'Errors: CR008, CR011, CR012.';
COMMENT ON FUNCTION @extschema@.credits_update_account(text, text, text, jsonb, numeric, text, interval, numeric,
                                                       text[]) IS
    'Changes an account''s name, email, metadata, limits, status or notify_emails (NULL: unchanged). '
    'Errors: CR002, CR007, CR008, CR012.';
COMMENT ON FUNCTION @extschema@.credits_balance(text) IS
    'The balance, reservations and available credits of an account, with its auto-reload settings. Errors: CR002.';
COMMENT ON FUNCTION @extschema@.credits_set_alerts(text, numeric[], boolean) IS
    'Sets an account''s low-balance thresholds (balance.low, balance.recovered) and whether zero available emits '
    'balance.depleted. Errors: CR002, CR008, CR012.';
COMMENT ON FUNCTION @extschema@.credits_set_auto_reload(text, boolean, numeric, numeric, numeric, integer, integer,
                                                        interval, text, interval, integer) IS
    'Sets an account''s auto-reload: below threshold, one auto_reload.requested event for amount (or up to '
    'target_balance), within the limits and cooldown. Errors: CR002, CR008, CR012.';
COMMENT ON FUNCTION @extschema@.credits_complete_reload(text, boolean, text, text) IS
    'Reports the outcome of an auto-reload request: success credits the account once; failures count towards '
    'disabling auto-reload. Replay-safe. Errors: CR007, CR012, CR024, CR025.';
COMMENT ON FUNCTION @extschema@.credits_create_consumer(text, text[], text) IS
    'Creates a named consumer of the tenant''s event feed, for some event types or all, from the beginning of the '
    'feed or from now. Errors: CR012, CR028.';
COMMENT ON FUNCTION @extschema@.credits_drop_consumer(text) IS
    'Drops an event consumer; false when there was none.';
COMMENT ON FUNCTION @extschema@.credits_claim_events(text, integer) IS
    'The next events (at most max) a consumer has not acknowledged, in commit order. Errors: CR012, CR026.';
COMMENT ON FUNCTION @extschema@.credits_ack_events(text, text) IS
    'Acknowledges a consumer''s events up to and including an event id. Errors: CR012, CR026, CR027.';
COMMENT ON FUNCTION @extschema@.credits_prune_events(timestamptz) IS
    'Deletes events committed before `before` (default: now) that no consumer of their tenant still has to see; '
    'returns how many.';
