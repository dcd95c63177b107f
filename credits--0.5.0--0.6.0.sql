-- credits 0.6.0: the account key, so that credits can be distributed with
-- Citus: every row of an account carries it, and every id made for it.
\echo Use "ALTER EXTENSION credits UPDATE TO '0.6.0'" to load this file. \quit

SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- 32 bits of a hash of (tenant, external_id): fixed when an account is made,
-- the same on every platform and version.
CREATE FUNCTION @extschema@.credits_account_key(tenant text, external_id text) RETURNS integer
    AS 'MODULE_PATHNAME', 'credits_account_key' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.credits_account_key(text, text) IS
    'The account key of (tenant, external_id): the distribution column of credits'' tables on Citus.';

-- Existing rows get their account's key as their tables are rewritten once
-- (ALTER COLUMN TYPE ... USING: no dead rows, unlike an UPDATE).
CREATE FUNCTION @extschema@.credits_key_of_account(account_id text) RETURNS integer
LANGUAGE sql STABLE SET search_path = pg_catalog, pg_temp AS $$
    SELECT a.account_key FROM @extschema@.credits_account a WHERE a.id OPERATOR(pg_catalog.=) account_id
$$;

ALTER TABLE @extschema@.credits_account ADD COLUMN account_key integer;
ALTER TABLE @extschema@.credits_account ALTER COLUMN account_key TYPE integer
    USING @extschema@.credits_account_key(tenant, external_id);
ALTER TABLE @extschema@.credits_account ALTER COLUMN account_key SET NOT NULL;

ALTER TABLE @extschema@.credits_entry ADD COLUMN account_key integer;
ALTER TABLE @extschema@.credits_entry ALTER COLUMN account_key TYPE integer
    USING @extschema@.credits_key_of_account(account_id);
ALTER TABLE @extschema@.credits_entry ALTER COLUMN account_key SET NOT NULL;

ALTER TABLE @extschema@.credits_reservation ADD COLUMN account_key integer;
ALTER TABLE @extschema@.credits_reservation ALTER COLUMN account_key TYPE integer
    USING @extschema@.credits_key_of_account(account_id);
ALTER TABLE @extschema@.credits_reservation ALTER COLUMN account_key SET NOT NULL;

ALTER TABLE @extschema@.credits_grant ADD COLUMN account_key integer;
ALTER TABLE @extschema@.credits_grant ALTER COLUMN account_key TYPE integer
    USING @extschema@.credits_key_of_account(account_id);
ALTER TABLE @extschema@.credits_grant ALTER COLUMN account_key SET NOT NULL;

ALTER TABLE @extschema@.credits_subscription ADD COLUMN account_key integer;
ALTER TABLE @extschema@.credits_subscription ALTER COLUMN account_key TYPE integer
    USING @extschema@.credits_key_of_account(account_id);
ALTER TABLE @extschema@.credits_subscription ALTER COLUMN account_key SET NOT NULL;

ALTER TABLE @extschema@.credits_status_change ADD COLUMN account_key integer;
ALTER TABLE @extschema@.credits_status_change ALTER COLUMN account_key TYPE integer
    USING @extschema@.credits_key_of_account(account_id);
ALTER TABLE @extschema@.credits_status_change ALTER COLUMN account_key SET NOT NULL;

DROP FUNCTION @extschema@.credits_key_of_account(text);

-- The key an id carries (its last 32 bits; ids.h), for credits_distribute().
CREATE FUNCTION @extschema@.credits_key_in_id(id text) RETURNS integer
    AS 'MODULE_PATHNAME', 'credits_key_in_id' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
REVOKE ALL ON FUNCTION @extschema@.credits_key_in_id(text) FROM PUBLIC;

-- On Citus: the ids made before 0.6.0, which do not carry their account's
-- key, and that key (filled by credits_distribute(), a reference table).
CREATE TABLE @extschema@.credits_legacy_id (
    id          text COLLATE "C" PRIMARY KEY,
    account_key integer NOT NULL
);

-- The views join on the account key too, so that on Citus every join and
-- subquery stays within one shard group; the tenant is a scalar subquery,
-- which Citus evaluates once, on the node the query was sent to (a function
-- in the WHERE clause it would send to the workers, where the session's
-- credits.tenant is not set).
CREATE OR REPLACE VIEW @extschema@.credits_accounts WITH (security_barrier) AS
SELECT a.id, a.external_id, a.owner_id, a.name, a.email, a.unit, a.scale::integer AS scale,
       a.balance - lg.lapsed - lh.lapsed AS balance, h.reserved,
       a.balance - lg.lapsed - lh.lapsed - h.reserved AS available,
       a.overdraft_limit, a.status, a.metadata, a.created_at, a.updated_at, a.default_grant_ttl, a.min_credit_amount
  FROM @extschema@.credits_account a
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

CREATE OR REPLACE VIEW @extschema@.credits_entries WITH (security_barrier) AS
SELECT e.seq AS id, e.transaction_id, e.account_id, a.external_id, e.type, e.amount, e.balance_after,
       e.description, e.reference, e.idempotency_key, e.metadata, e.created_at, e.available_after, e.reservation_id,
       e.counterparty_id, e.reverses,
       (SELECT sum(abs(r.amount)) FROM @extschema@.credits_entry r
         WHERE r.reverses = e.transaction_id AND r.account_id = e.account_id
           AND r.account_key = e.account_key) AS reversed_amount,
       e.grants
  FROM @extschema@.credits_entry e
  JOIN @extschema@.credits_account a ON a.id = e.account_id AND a.account_key = e.account_key
 WHERE a.tenant = (SELECT @extschema@.credits_current_tenant());

CREATE OR REPLACE VIEW @extschema@.credits_reservations WITH (security_barrier) AS
SELECT r.id, r.account_id, a.external_id, r.amount,
       CASE WHEN r.status = 'pending' AND r.expires_at <= now() THEN 'expired' ELSE r.status END AS status,
       r.expires_at, r.description, r.reference, r.metadata, r.created_at,
       CASE WHEN r.status = 'pending' AND r.expires_at <= now() THEN r.expires_at ELSE r.resolved_at END
           AS resolved_at,
       r.requested_amount, r.confirmed_amount,
       CASE WHEN r.status = 'pending' AND r.expires_at <= now() THEN r.amount ELSE r.released_amount END
           AS released_amount,
       r.transaction_id, r.idempotency_key, r.grants
  FROM @extschema@.credits_reservation r
  JOIN @extschema@.credits_account a ON a.id = r.account_id AND a.account_key = r.account_key
 WHERE a.tenant = (SELECT @extschema@.credits_current_tenant());

CREATE OR REPLACE VIEW @extschema@.credits_status_history WITH (security_barrier) AS
SELECT c.id, c.account_id, a.external_id, c.from_status, c.to_status, c.reason, c.changed_at
  FROM @extschema@.credits_status_change c
  JOIN @extschema@.credits_account a ON a.id = c.account_id AND a.account_key = c.account_key
 WHERE a.tenant = (SELECT @extschema@.credits_current_tenant());

-- What a grant holds counts only for holds that have not lapsed themselves.
CREATE OR REPLACE VIEW @extschema@.credits_grants WITH (security_barrier) AS
SELECT g.id, g.account_id, a.external_id, g.amount,
       CASE WHEN g.status = 'active' AND g.expires_at <= now() THEN h.held ELSE g.remaining END AS remaining,
       h.held, g.expires_at, g.priority, g.category,
       CASE WHEN g.status = 'active' AND g.expires_at <= now() AND h.held = 0 THEN 'expired' ELSE g.status END
           AS status,
       g.transaction_id, g.period_start, g.created_at,
       CASE WHEN g.status = 'active' AND g.expires_at <= now() AND h.held = 0 THEN g.expires_at ELSE g.ended_at END
           AS ended_at
  FROM @extschema@.credits_grant g
  JOIN @extschema@.credits_account a ON a.id = g.account_id AND a.account_key = g.account_key
 -- once a hold has lapsed: what the others hold of the grant
 CROSS JOIN LATERAL (
       SELECT CASE WHEN g.held = 0 OR a.next_hold_expiry IS NULL OR a.next_hold_expiry > now() THEN g.held
                   ELSE coalesce(sum((r.grants ->> g.id)::numeric), 0) END AS held
         FROM @extschema@.credits_reservation r
        WHERE NOT (g.held = 0 OR a.next_hold_expiry IS NULL OR a.next_hold_expiry > now())
          AND r.account_id = g.account_id AND r.account_key = g.account_key AND r.status = 'pending'
          AND r.expires_at > now() AND r.grants ? g.id) h
 WHERE a.tenant = (SELECT @extschema@.credits_current_tenant());

CREATE OR REPLACE VIEW @extschema@.credits_entry_grants WITH (security_barrier) AS
SELECT e.account_id, a.external_id, e.seq AS entry_id, e.transaction_id, e.type,
       nullif(f.key, 'ungranted') AS grant_id, g.category, f.value::numeric AS amount, e.created_at
  FROM @extschema@.credits_entry e
  JOIN @extschema@.credits_account a ON a.id = e.account_id AND a.account_key = e.account_key
 CROSS JOIN LATERAL jsonb_each(e.grants) f
  LEFT JOIN @extschema@.credits_grant g ON g.account_id = e.account_id AND g.account_key = e.account_key
                                         AND g.id = f.key
 WHERE e.grants IS NOT NULL AND a.tenant = (SELECT @extschema@.credits_current_tenant());

CREATE OR REPLACE VIEW @extschema@.credits_plans WITH (security_barrier) AS
SELECT id, code, name, allowance, period, rollover, metadata, created_at
  FROM @extschema@.credits_plan
 WHERE tenant = (SELECT @extschema@.credits_current_tenant());

CREATE OR REPLACE VIEW @extschema@.credits_subscriptions WITH (security_barrier) AS
SELECT s.account_id, a.external_id, s.plan_id, p.code AS plan_code, s.status, s.current_period_start,
       s.current_period_end, s.next_plan_id, s.anchor, s.created_at, s.cancelled_at
  FROM @extschema@.credits_subscription s
  JOIN @extschema@.credits_account a ON a.id = s.account_id AND a.account_key = s.account_key
  LEFT JOIN @extschema@.credits_plan p ON p.id = s.plan_id
 WHERE a.tenant = (SELECT @extschema@.credits_current_tenant());

-- The roles bound to the current tenant, and who holds which access set.
CREATE OR REPLACE VIEW @extschema@.credits_role_tenants WITH (security_barrier) AS
SELECT b.role::text AS role, b.tenant, b.bound_at
  FROM @extschema@.credits_role_tenant b
 WHERE b.tenant = (SELECT @extschema@.credits_current_tenant());

-- On Citus: the twins. A function that works on accounts forwards itself to
-- name_on_shard(account_key, tenant, at, <its arguments>) on the node that
-- holds the account's shard (routing.h), with the caller's tenant and the
-- start of the caller's transaction; the twin runs the same C function there.
-- Only the extension's owner runs them: PUBLIC may not.
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
               'credits_create_account', 'credits_get_account', 'credits_balance', 'credits_update_account',
               'credits_freeze', 'credits_unfreeze', 'credits_close', 'credits_reopen', 'credits_ledger',
               'credits_credit', 'credits_debit', 'credits_adjust', 'credits_reserve', 'credits_assign_plan',
               'credits_cancel_plan', 'credits_confirm', 'credits_cancel', 'credits_extend_reservation',
               'credits_reverse', 'credits_transfer', 'credits_apply', 'credits_run_due',
               'credits_expire_reservations', 'credits_verify']::name[])
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

-- On Citus, the sides of a transfer (and of its reversal) between accounts
-- on two shards, each run on its account's node (movement_functions.cpp).
CREATE FUNCTION @extschema@.credits_transfer_party_on_shard(
    account_key integer, tenant text, at timestamptz, account text)
RETURNS TABLE (id text, external_id text, unit text, scale integer, status text)
    AS 'MODULE_PATHNAME', 'credits_transfer_party' LANGUAGE C STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_transfer_out_on_shard(
    account_key integer, tenant text, at timestamptz, from_account text, to_account text, to_id text, to_external_id text,
    to_unit text, to_scale integer, to_status text, amount numeric, description text, reference text,
    idempotency_key text, metadata jsonb, transaction_id text)
RETURNS @extschema@.credits_transaction
    AS 'MODULE_PATHNAME', 'credits_transfer_out' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_transfer_in_on_shard(
    account_key integer, tenant text, at timestamptz, to_account text, from_id text, amount numeric, description text,
    reference text, metadata jsonb, transaction_id text)
RETURNS @extschema@.credits_transaction
    AS 'MODULE_PATHNAME', 'credits_transfer_in' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_transaction_parties_on_shard(
    account_key integer, tenant text, at timestamptz, transaction text)
RETURNS TABLE (account_id text, counterparty_id text)
    AS 'MODULE_PATHNAME', 'credits_transaction_parties' LANGUAGE C STABLE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_reverse_out_on_shard(
    account_key integer, tenant text, at timestamptz, account text, counterparty_id text, transaction text, amount numeric,
    reason text, idempotency_key text, force boolean, reversal_id text)
RETURNS @extschema@.credits_reversal
    AS 'MODULE_PATHNAME', 'credits_reverse_out' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
CREATE FUNCTION @extschema@.credits_reverse_in_on_shard(
    account_key integer, tenant text, at timestamptz, account text, counterparty_id text, transaction text, amount numeric,
    reason text, force boolean, reversal_id text)
RETURNS @extschema@.credits_transaction
    AS 'MODULE_PATHNAME', 'credits_reverse_in' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION @extschema@.credits_transfer_party_on_shard(integer, text, timestamptz, text),
    @extschema@.credits_transfer_out_on_shard(integer, text, timestamptz, text, text, text, text, text, integer, text, numeric,
                                              text, text, text, jsonb, text),
    @extschema@.credits_transfer_in_on_shard(integer, text, timestamptz, text, text, numeric, text, text, jsonb, text),
    @extschema@.credits_transaction_parties_on_shard(integer, text, timestamptz, text),
    @extschema@.credits_reverse_out_on_shard(integer, text, timestamptz, text, text, text, numeric, text, text, boolean, text),
    @extschema@.credits_reverse_in_on_shard(integer, text, timestamptz, text, text, text, numeric, text, boolean, text)
    FROM PUBLIC;

-- Distributes credits with Citus (on the coordinator, once; again after
-- adding nodes): the account-scoped tables by account_key, colocated, the
-- others as reference tables, the twins delegated by account_key.
CREATE FUNCTION @extschema@.credits_distribute() RETURNS TABLE (object text, distribution text)
    AS 'MODULE_PATHNAME', 'credits_distribute' LANGUAGE C VOLATILE SECURITY DEFINER
    SET search_path = pg_catalog, pg_temp;
REVOKE ALL ON FUNCTION @extschema@.credits_distribute() FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.credits_distribute() IS
    'Distributes credits with Citus: run on the coordinator after CREATE EXTENSION (and again after adding nodes).';
