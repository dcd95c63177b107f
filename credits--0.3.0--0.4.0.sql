-- credits 0.4.0: expiring grants with a burn-down order, plans with recurring
-- allowances, and the scheduler.
\echo Use "ALTER EXTENSION credits UPDATE TO '0.4.0'" to load this file. \quit

-- Grants: credits with an expiry, a priority or a category. An account with
-- none pays nothing for them (grant_count = 0 skips all of it).
ALTER TABLE credits_account
    ADD COLUMN grant_count       int NOT NULL DEFAULT 0,   -- active grants
    ADD COLUMN next_grant_expiry timestamptz,              -- no active grant expires before this
    ADD COLUMN default_grant_ttl interval,                 -- every credit expires after this unless told
    ADD COLUMN min_credit_amount numeric,                  -- smaller credits are refused
    ADD COLUMN next_renewal      timestamptz;              -- the subscription's current period ends

-- Which grants a movement took from or gave to, signed like its amount:
-- {"grt_…": -50, "ungranted": -30}. The values add up to the entry's amount.
ALTER TABLE credits_entry ADD COLUMN grants jsonb;
-- Which grants a pending hold holds: {"grt_…": 30, "ungranted": 20}.
ALTER TABLE credits_reservation ADD COLUMN grants jsonb;

CREATE TABLE credits_grant (
    id             text COLLATE "C" NOT NULL,
    account_id     text COLLATE "C" NOT NULL,
    transaction_id text COLLATE "C" NOT NULL,   -- the credit that made it
    amount         numeric NOT NULL,
    remaining      numeric NOT NULL,            -- not yet spent or expired, held included
    held           numeric NOT NULL,            -- held by pending reservations
    expires_at     timestamptz,                 -- NULL: never
    priority       int NOT NULL,
    category       text,
    status         text NOT NULL,               -- active, depleted, expired
    period_start   timestamptz,                 -- plan allocations: the period they belong to
    created_at     timestamptz NOT NULL,
    ended_at       timestamptz,                 -- when it was depleted or expired
    PRIMARY KEY (account_id, id)                -- account first, as every account-scoped key
) WITH (fillfactor = 80);
-- The burn-down order: priority, soonest expiry (never last), oldest, id.
CREATE INDEX credits_grant_burn_down_idx ON credits_grant (account_id, priority, expires_at, created_at, id)
    WHERE status = 'active';
-- Background expiry finds due grants of every account.
CREATE INDEX credits_grant_expiry_idx ON credits_grant (expires_at) WHERE status = 'active' AND expires_at IS NOT NULL;
-- Exactly one allocation per subscription period.
CREATE UNIQUE INDEX credits_grant_allocation_idx ON credits_grant (account_id, period_start)
    WHERE period_start IS NOT NULL;

CREATE TABLE credits_plan (
    id         text COLLATE "C" PRIMARY KEY,
    tenant     text COLLATE "C" NOT NULL,
    code       text COLLATE "C" NOT NULL,
    name       text,
    allowance  numeric NOT NULL,
    period     text NOT NULL,                  -- day, week, month, year
    rollover   text NOT NULL,                  -- none, all, or a cap amount
    metadata   jsonb,
    created_at timestamptz NOT NULL,
    CONSTRAINT credits_plan_tenant_code_key UNIQUE (tenant, code)
);

CREATE TABLE credits_subscription (
    account_id           text COLLATE "C" PRIMARY KEY,
    plan_id              text COLLATE "C" NOT NULL,
    status               text NOT NULL,        -- active, cancelled
    anchor               timestamptz NOT NULL, -- periods are anchor + n * period
    current_period_start timestamptz,          -- NULL until the first period begins
    current_period_end   timestamptz NOT NULL, -- also: when the first period begins
    next_plan_id         text COLLATE "C",     -- takes over at current_period_end
    last_grant_id        text COLLATE "C",     -- the latest allocation, for rollover
    created_at           timestamptz NOT NULL,
    cancelled_at         timestamptz
);
CREATE INDEX credits_subscription_due_idx ON credits_subscription (current_period_end) WHERE status = 'active';

SELECT pg_catalog.pg_extension_config_dump('credits_grant', '');
SELECT pg_catalog.pg_extension_config_dump('credits_plan', '');
SELECT pg_catalog.pg_extension_config_dump('credits_subscription', '');

CREATE TRIGGER credits_grant_guard BEFORE UPDATE OR DELETE ON credits_grant
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_direct_write();
CREATE TRIGGER credits_grant_guard_truncate BEFORE TRUNCATE ON credits_grant
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_direct_write();
CREATE TRIGGER credits_plan_guard BEFORE UPDATE OR DELETE ON credits_plan
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_direct_write();
CREATE TRIGGER credits_plan_guard_truncate BEFORE TRUNCATE ON credits_plan
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_direct_write();
CREATE TRIGGER credits_subscription_guard BEFORE UPDATE OR DELETE ON credits_subscription
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_direct_write();
CREATE TRIGGER credits_subscription_guard_truncate BEFORE TRUNCATE ON credits_subscription
    FOR EACH STATEMENT EXECUTE FUNCTION credits_refuse_direct_write();

-- A grant past its expiry is never spendable, whatever has or has not run:
-- the views leave out its unheld remainder.
CREATE OR REPLACE VIEW credits_accounts AS
SELECT a.id, a.external_id, a.owner_id, a.name, a.email, a.unit, a.scale::int AS scale,
       a.balance - g.lapsed AS balance, h.reserved, a.balance - g.lapsed - h.reserved AS available,
       a.overdraft_limit, a.status, a.metadata, a.created_at, a.updated_at, a.default_grant_ttl, a.min_credit_amount
  FROM credits_account a
 CROSS JOIN LATERAL (
       SELECT CASE WHEN a.next_hold_expiry <= now()
                   THEN round((SELECT coalesce(sum(r.amount), 0) FROM credits_reservation r
                                WHERE r.account_id = a.id AND r.status = 'pending' AND r.expires_at > now()),
                              a.scale)
                   ELSE a.reserved END AS reserved) h
 CROSS JOIN LATERAL (
       SELECT CASE WHEN a.next_grant_expiry <= now()
                   THEN (SELECT coalesce(sum(gr.remaining - gr.held), 0) FROM credits_grant gr
                          WHERE gr.account_id = a.id AND gr.status = 'active' AND gr.expires_at <= now())
                   ELSE 0 END AS lapsed) g
 WHERE a.tenant = credits_current_tenant();

CREATE OR REPLACE VIEW credits_entries AS
SELECT e.seq AS id, e.transaction_id, e.account_id, a.external_id, e.type, e.amount, e.balance_after,
       e.description, e.reference, e.idempotency_key, e.metadata, e.created_at, e.available_after, e.reservation_id,
       e.counterparty_id, e.reverses,
       (SELECT sum(abs(r.amount)) FROM credits_entry r
         WHERE r.reverses = e.transaction_id AND r.account_id = e.account_id) AS reversed_amount,
       e.grants
  FROM credits_entry e
  JOIN credits_account a ON a.id = e.account_id
 WHERE a.tenant = credits_current_tenant();

CREATE OR REPLACE VIEW credits_reservations AS
SELECT r.id, r.account_id, a.external_id, r.amount,
       CASE WHEN x.lapsed THEN 'expired' ELSE r.status END AS status, r.expires_at, r.description, r.reference,
       r.metadata, r.created_at,
       CASE WHEN x.lapsed THEN r.expires_at ELSE r.resolved_at END AS resolved_at,
       r.requested_amount, r.confirmed_amount,
       CASE WHEN x.lapsed THEN r.amount ELSE r.released_amount END AS released_amount,
       r.transaction_id, r.idempotency_key, r.grants
  FROM credits_reservation r
  JOIN credits_account a ON a.id = r.account_id
 CROSS JOIN LATERAL (SELECT r.status = 'pending' AND r.expires_at <= now() AS lapsed) x
 WHERE a.tenant = credits_current_tenant();

CREATE VIEW credits_grants AS
SELECT g.id, g.account_id, a.external_id, g.amount,
       CASE WHEN x.lapsed THEN g.held ELSE g.remaining END AS remaining,
       g.held, g.expires_at, g.priority, g.category,
       CASE WHEN x.lapsed AND g.held = 0 THEN 'expired' ELSE g.status END AS status,
       g.transaction_id, g.period_start, g.created_at,
       CASE WHEN x.lapsed AND g.held = 0 THEN g.expires_at ELSE g.ended_at END AS ended_at
  FROM credits_grant g
  JOIN credits_account a ON a.id = g.account_id
 CROSS JOIN LATERAL (SELECT g.status = 'active' AND g.expires_at <= now() AS lapsed) x
 WHERE a.tenant = credits_current_tenant();

-- What funded each movement, grant by grant: "50 promotional, 30 paid".
CREATE VIEW credits_entry_grants AS
SELECT e.account_id, a.external_id, e.seq AS entry_id, e.transaction_id, e.type,
       nullif(f.key, 'ungranted') AS grant_id, g.category, f.value::numeric AS amount, e.created_at
  FROM credits_entry e
  JOIN credits_account a ON a.id = e.account_id
 CROSS JOIN LATERAL jsonb_each(e.grants) f
  LEFT JOIN credits_grant g ON g.account_id = e.account_id AND g.id = f.key
 WHERE e.grants IS NOT NULL AND a.tenant = credits_current_tenant();

CREATE VIEW credits_plans AS
SELECT id, code, name, allowance, period, rollover, metadata, created_at
  FROM credits_plan
 WHERE tenant = credits_current_tenant();

CREATE VIEW credits_subscriptions AS
SELECT s.account_id, a.external_id, s.plan_id, p.code AS plan_code, s.status, s.current_period_start,
       s.current_period_end, s.next_plan_id, s.anchor, s.created_at, s.cancelled_at
  FROM credits_subscription s
  JOIN credits_account a ON a.id = s.account_id
  JOIN credits_plan p ON p.id = s.plan_id
 WHERE a.tenant = credits_current_tenant();

CREATE TYPE credits_due_work AS (
    expired_reservations  int,
    expired_grants        int,
    renewed_subscriptions int
);

-- credits_credit, credits_create_account and credits_update_account gain
-- parameters: the new ones are made beside the old ones, take over the
-- EXECUTE grants a DBA gave on them (at the end), and the old ones go.
CREATE FUNCTION credits_credit(
    account text DEFAULT NULL, amount numeric DEFAULT NULL, description text DEFAULT NULL,
    reference text DEFAULT NULL, idempotency_key text DEFAULT NULL, metadata jsonb DEFAULT NULL,
    expires_at timestamptz DEFAULT NULL, expires_in interval DEFAULT NULL, priority int DEFAULT 0,
    category text DEFAULT NULL)
RETURNS credits_transaction
AS 'MODULE_PATHNAME', 'credits_credit' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_create_account(
    external_id text DEFAULT NULL, name text DEFAULT NULL, email text DEFAULT NULL, metadata jsonb DEFAULT NULL,
    unit text DEFAULT 'credits', scale int DEFAULT 0, overdraft_limit numeric DEFAULT 0,
    initial_balance numeric DEFAULT 0, owner_id text DEFAULT NULL, default_grant_ttl interval DEFAULT NULL,
    min_credit_amount numeric DEFAULT NULL)
RETURNS credits_accounts
AS 'MODULE_PATHNAME', 'credits_create_account' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_update_account(
    account text DEFAULT NULL, name text DEFAULT NULL, email text DEFAULT NULL, metadata jsonb DEFAULT NULL,
    overdraft_limit numeric DEFAULT NULL, status text DEFAULT NULL, default_grant_ttl interval DEFAULT NULL,
    min_credit_amount numeric DEFAULT NULL)
RETURNS credits_accounts
AS 'MODULE_PATHNAME', 'credits_update_account' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_create_plan(
    code text DEFAULT NULL, name text DEFAULT NULL, allowance numeric DEFAULT NULL, period text DEFAULT NULL,
    rollover text DEFAULT 'none', metadata jsonb DEFAULT NULL)
RETURNS credits_plans
AS 'MODULE_PATHNAME', 'credits_create_plan' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_assign_plan(
    account text DEFAULT NULL, plan text DEFAULT NULL, start_mode text DEFAULT 'immediate',
    anchor timestamptz DEFAULT NULL)
RETURNS credits_subscriptions
AS 'MODULE_PATHNAME', 'credits_assign_plan' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_cancel_plan(account text DEFAULT NULL) RETURNS credits_subscriptions
AS 'MODULE_PATHNAME', 'credits_cancel_plan' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION credits_run_due(max int DEFAULT 1000) RETURNS credits_due_work
AS 'MODULE_PATHNAME', 'credits_run_due' LANGUAGE C VOLATILE SECURITY DEFINER;

REVOKE ALL ON FUNCTION
    credits_credit(text, numeric, text, text, text, jsonb, timestamptz, interval, int, text),
    credits_create_account(text, text, text, jsonb, text, int, numeric, numeric, text, interval, numeric),
    credits_update_account(text, text, text, jsonb, numeric, text, interval, numeric),
    credits_create_plan(text, text, numeric, text, text, jsonb),
    credits_assign_plan(text, text, text, timestamptz),
    credits_cancel_plan(text),
    credits_run_due(int)
FROM PUBLIC;

-- Carry over the EXECUTE grants of the replaced functions, then drop them.
DO $$
DECLARE
    pair record;
    grantee text;
BEGIN
    FOR pair IN
        SELECT old, new FROM (VALUES
            ('credits_credit(text, numeric, text, text, text, jsonb)'::regprocedure,
             'credits_credit(text, numeric, text, text, text, jsonb, timestamptz, interval, int, text)'::regprocedure),
            ('credits_create_account(text, text, text, jsonb, text, int, numeric, numeric, text)'::regprocedure,
             'credits_create_account(text, text, text, jsonb, text, int, numeric, numeric, text, interval, numeric)'
                 ::regprocedure),
            ('credits_update_account(text, text, text, jsonb, numeric, text)'::regprocedure,
             'credits_update_account(text, text, text, jsonb, numeric, text, interval, numeric)'::regprocedure)
        ) AS pairs(old, new)
    LOOP
        FOR grantee IN
            -- Every operator and relation named in pg_catalog: this runs as a
            -- superuser, and oid = regprocedure has no exact match there that a
            -- plant in the extension's schema could not beat.
            SELECT DISTINCT r.rolname
              FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) x
              JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) x.grantee
             WHERE p.oid OPERATOR(pg_catalog.=) pair.old::pg_catalog.oid
               AND x.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
               AND x.grantee OPERATOR(pg_catalog.<>) p.proowner
        LOOP
            EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I', pair.new, grantee);
        END LOOP;
        EXECUTE pg_catalog.format('DROP FUNCTION %s', pair.old);
    END LOOP;
END $$;
