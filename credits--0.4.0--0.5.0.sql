-- credits 0.5.0: hardening. Every write keeps the executor's contract,
-- tenants become a security boundary, and no name in the extension's SQL can
-- be captured by objects a caller creates.
\echo Use "ALTER EXTENSION credits UPDATE TO '0.5.0'" to load this file. \quit

-- From here on nothing resolves outside pg_catalog unless it names the
-- extension's schema: a role that can create objects there (or anywhere)
-- cannot slip an operator, a function or a type into this script or into
-- the views it makes. (Reverted when the script ends.)
SELECT pg_catalog.set_config('search_path', 'pg_catalog, pg_temp', true);

-- Roles bound to tenants: such a role acts only in its tenants.
CREATE TABLE @extschema@.credits_role_tenant (
    role     regrole NOT NULL,
    tenant   text COLLATE "C" NOT NULL,
    bound_at timestamptz NOT NULL,
    PRIMARY KEY (role, tenant)
);
-- The access set a DBA granted each role (read, app or admin), so that an
-- upgrade that adds functions can grant them to the roles holding the set.
CREATE TABLE @extschema@.credits_access_set (
    role       regrole PRIMARY KEY,
    access     text NOT NULL CHECK (access IN ('read', 'app', 'admin')),
    granted_at timestamptz NOT NULL
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credits_role_tenant', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.credits_access_set', '');

-- Every backend reads a role's bindings once: any change to them, however
-- made, makes them all read again (at commit).
CREATE FUNCTION @extschema@.credits_role_bindings_changed() RETURNS trigger
    AS 'MODULE_PATHNAME', 'credits_role_bindings_changed' LANGUAGE C;
CREATE TRIGGER credits_role_tenant_changed
    AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON @extschema@.credits_role_tenant
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.credits_role_bindings_changed();

-- What the direct writes cannot honour as the executor would (user triggers
-- and rules, foreign keys from these tables, deferrable constraints,
-- partitions, child tables) is refused when it is added.
CREATE FUNCTION @extschema@.credits_refuse_unsupported_ddl() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'credits_refuse_unsupported_ddl' LANGUAGE C;
CREATE EVENT TRIGGER credits_refuse_unsupported_ddl ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'CREATE TABLE', 'CREATE TRIGGER', 'CREATE RULE')
    EXECUTE FUNCTION @extschema@.credits_refuse_unsupported_ddl();
ALTER EVENT TRIGGER credits_refuse_unsupported_ddl ENABLE ALWAYS;

-- Trigger functions run as triggers only.
REVOKE ALL ON FUNCTION @extschema@.credits_refuse_direct_write(), @extschema@.credits_refuse_ledger_change(),
    @extschema@.credits_role_bindings_changed(), @extschema@.credits_refuse_unsupported_ddl() FROM PUBLIC;

-- The views again, as security barriers (a caller's leaky function in WHERE
-- never sees another tenant's rows) and with every name resolved as above.
CREATE OR REPLACE VIEW @extschema@.credits_accounts WITH (security_barrier) AS
SELECT a.id, a.external_id, a.owner_id, a.name, a.email, a.unit, a.scale::integer AS scale,
       a.balance - g.lapsed AS balance, h.reserved, a.balance - g.lapsed - h.reserved AS available,
       a.overdraft_limit, a.status, a.metadata, a.created_at, a.updated_at, a.default_grant_ttl, a.min_credit_amount
  FROM @extschema@.credits_account a
 CROSS JOIN LATERAL (
       SELECT CASE WHEN a.next_hold_expiry <= now()
                   THEN round((SELECT coalesce(sum(r.amount), 0) FROM @extschema@.credits_reservation r
                                WHERE r.account_id = a.id AND r.status = 'pending' AND r.expires_at > now()),
                              a.scale)
                   ELSE a.reserved END AS reserved) h
 CROSS JOIN LATERAL (
       SELECT CASE WHEN a.next_grant_expiry <= now()
                   THEN (SELECT coalesce(sum(gr.remaining - gr.held), 0) FROM @extschema@.credits_grant gr
                          WHERE gr.account_id = a.id AND gr.status = 'active' AND gr.expires_at <= now())
                        -- a lapsed hold holds nothing: what it held of a lapsed grant lapses too
                        + CASE WHEN a.next_hold_expiry <= now()
                               THEN (SELECT coalesce(sum(f.value::numeric), 0)
                                       FROM @extschema@.credits_reservation r
                                      CROSS JOIN LATERAL jsonb_each_text(r.grants) f
                                       JOIN @extschema@.credits_grant gr ON gr.account_id = r.account_id
                                                                        AND gr.id = f.key
                                      WHERE r.account_id = a.id AND r.status = 'pending' AND r.expires_at <= now()
                                        AND gr.status = 'active' AND gr.expires_at <= now())
                               ELSE 0 END
                   ELSE 0 END AS lapsed) g
 WHERE a.tenant = @extschema@.credits_current_tenant();

CREATE OR REPLACE VIEW @extschema@.credits_entries WITH (security_barrier) AS
SELECT e.seq AS id, e.transaction_id, e.account_id, a.external_id, e.type, e.amount, e.balance_after,
       e.description, e.reference, e.idempotency_key, e.metadata, e.created_at, e.available_after, e.reservation_id,
       e.counterparty_id, e.reverses,
       (SELECT sum(abs(r.amount)) FROM @extschema@.credits_entry r
         WHERE r.reverses = e.transaction_id AND r.account_id = e.account_id) AS reversed_amount,
       e.grants
  FROM @extschema@.credits_entry e
  JOIN @extschema@.credits_account a ON a.id = e.account_id
 WHERE a.tenant = @extschema@.credits_current_tenant();

CREATE OR REPLACE VIEW @extschema@.credits_reservations WITH (security_barrier) AS
SELECT r.id, r.account_id, a.external_id, r.amount,
       CASE WHEN x.lapsed THEN 'expired' ELSE r.status END AS status, r.expires_at, r.description, r.reference,
       r.metadata, r.created_at,
       CASE WHEN x.lapsed THEN r.expires_at ELSE r.resolved_at END AS resolved_at,
       r.requested_amount, r.confirmed_amount,
       CASE WHEN x.lapsed THEN r.amount ELSE r.released_amount END AS released_amount,
       r.transaction_id, r.idempotency_key, r.grants
  FROM @extschema@.credits_reservation r
  JOIN @extschema@.credits_account a ON a.id = r.account_id
 CROSS JOIN LATERAL (SELECT r.status = 'pending' AND r.expires_at <= now() AS lapsed) x
 WHERE a.tenant = @extschema@.credits_current_tenant();

CREATE OR REPLACE VIEW @extschema@.credits_status_history WITH (security_barrier) AS
SELECT c.id, c.account_id, a.external_id, c.from_status, c.to_status, c.reason, c.changed_at
  FROM @extschema@.credits_status_change c
  JOIN @extschema@.credits_account a ON a.id = c.account_id
 WHERE a.tenant = @extschema@.credits_current_tenant();

-- What a grant holds counts only for holds that have not lapsed themselves.
CREATE OR REPLACE VIEW @extschema@.credits_grants WITH (security_barrier) AS
SELECT g.id, g.account_id, a.external_id, g.amount,
       CASE WHEN x.lapsed THEN h.held ELSE g.remaining END AS remaining,
       h.held, g.expires_at, g.priority, g.category,
       CASE WHEN x.lapsed AND h.held = 0 THEN 'expired' ELSE g.status END AS status,
       g.transaction_id, g.period_start, g.created_at,
       CASE WHEN x.lapsed AND h.held = 0 THEN g.expires_at ELSE g.ended_at END AS ended_at
  FROM @extschema@.credits_grant g
  JOIN @extschema@.credits_account a ON a.id = g.account_id
 CROSS JOIN LATERAL (SELECT g.status = 'active' AND g.expires_at <= now() AS lapsed) x
 CROSS JOIN LATERAL (
       SELECT CASE WHEN g.held = 0 OR a.next_hold_expiry IS NULL OR a.next_hold_expiry > now() THEN g.held
                   ELSE (SELECT coalesce(sum((r.grants ->> g.id)::numeric), 0) FROM @extschema@.credits_reservation r
                          WHERE r.account_id = g.account_id AND r.status = 'pending' AND r.expires_at > now()
                            AND r.grants ? g.id)
                   END AS held) h
 WHERE a.tenant = @extschema@.credits_current_tenant();

CREATE OR REPLACE VIEW @extschema@.credits_entry_grants WITH (security_barrier) AS
SELECT e.account_id, a.external_id, e.seq AS entry_id, e.transaction_id, e.type,
       nullif(f.key, 'ungranted') AS grant_id, g.category, f.value::numeric AS amount, e.created_at
  FROM @extschema@.credits_entry e
  JOIN @extschema@.credits_account a ON a.id = e.account_id
 CROSS JOIN LATERAL jsonb_each(e.grants) f
  LEFT JOIN @extschema@.credits_grant g ON g.account_id = e.account_id AND g.id = f.key
 WHERE e.grants IS NOT NULL AND a.tenant = @extschema@.credits_current_tenant();

CREATE OR REPLACE VIEW @extschema@.credits_plans WITH (security_barrier) AS
SELECT id, code, name, allowance, period, rollover, metadata, created_at
  FROM @extschema@.credits_plan
 WHERE tenant = @extschema@.credits_current_tenant();

CREATE OR REPLACE VIEW @extschema@.credits_subscriptions WITH (security_barrier) AS
SELECT s.account_id, a.external_id, s.plan_id, p.code AS plan_code, s.status, s.current_period_start,
       s.current_period_end, s.next_plan_id, s.anchor, s.created_at, s.cancelled_at
  FROM @extschema@.credits_subscription s
  JOIN @extschema@.credits_account a ON a.id = s.account_id
  LEFT JOIN @extschema@.credits_plan p ON p.id = s.plan_id
 WHERE a.tenant = @extschema@.credits_current_tenant();

-- The roles bound to the current tenant, and who holds which access set.
CREATE VIEW @extschema@.credits_role_tenants WITH (security_barrier) AS
SELECT b.role::text AS role, b.tenant, b.bound_at
  FROM @extschema@.credits_role_tenant b
 WHERE b.tenant = @extschema@.credits_current_tenant();

CREATE VIEW @extschema@.credits_role_access WITH (security_barrier) AS
SELECT a.role::text AS role, a.access, a.granted_at FROM @extschema@.credits_access_set a;

CREATE FUNCTION @extschema@.credits_bind_role(role regrole DEFAULT NULL, tenant text DEFAULT NULL)
RETURNS @extschema@.credits_role_tenants
AS 'MODULE_PATHNAME', 'credits_bind_role' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION @extschema@.credits_unbind_role(role regrole DEFAULT NULL, tenant text DEFAULT NULL) RETURNS integer
AS 'MODULE_PATHNAME', 'credits_unbind_role' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION @extschema@.credits_grant_access(role regrole DEFAULT NULL, access text DEFAULT 'app')
RETURNS TABLE (object text, privilege text)
AS 'MODULE_PATHNAME', 'credits_grant_access' LANGUAGE C VOLATILE SECURITY DEFINER;

CREATE FUNCTION @extschema@.credits_revoke_access(role regrole DEFAULT NULL) RETURNS boolean
AS 'MODULE_PATHNAME', 'credits_revoke_access' LANGUAGE C VOLATILE SECURITY DEFINER;

-- credits_verify gains all_tenants: without it, it checks the current tenant.
CREATE FUNCTION @extschema@.credits_verify(account text DEFAULT NULL, all_tenants boolean DEFAULT false)
RETURNS TABLE (tenant text, account_id text, external_id text, invariant text,
               expected numeric, actual numeric, detail text)
AS 'MODULE_PATHNAME', 'credits_verify' LANGUAGE C STABLE SECURITY DEFINER;

REVOKE ALL ON FUNCTION
    @extschema@.credits_bind_role(regrole, text),
    @extschema@.credits_unbind_role(regrole, text),
    @extschema@.credits_grant_access(regrole, text),
    @extschema@.credits_revoke_access(regrole),
    @extschema@.credits_verify(text, boolean)
FROM PUBLIC;

-- Carry over the EXECUTE grants of the replaced credits_verify, then drop it.
DO $$
DECLARE
    old regprocedure := '@extschema@.credits_verify(text)';
    grantee text;
BEGIN
    FOR grantee IN
        SELECT DISTINCT r.rolname
          FROM pg_catalog.pg_proc p, pg_catalog.aclexplode(p.proacl) x
          JOIN pg_catalog.pg_roles r ON r.oid = x.grantee
         WHERE p.oid = old::pg_catalog.oid AND x.privilege_type = 'EXECUTE' AND x.grantee <> p.proowner
    LOOP
        EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION @extschema@.credits_verify(text, boolean) TO %I',
                                  grantee);
    END LOOP;
    EXECUTE pg_catalog.format('DROP FUNCTION %s', old);
END $$;

-- Every SECURITY DEFINER function runs with search_path pinned as well: the
-- extension's own SQL already resolves nothing outside pg_catalog, and this
-- keeps it so for anything a DBA adds that runs inside them (a function in a
-- CHECK constraint or a column default of credits' tables, say), whatever
-- search_path the caller set. (Measured: no cost a benchmark can see.)
DO $$
DECLARE
    f regprocedure;
BEGIN
    FOR f IN
        SELECT p.oid
          FROM pg_catalog.pg_proc p
          JOIN pg_catalog.pg_depend d ON d.classid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.objid = p.oid
         WHERE d.refclassid = 'pg_catalog.pg_extension'::pg_catalog.regclass AND d.deptype = 'e'
           AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'credits')
           AND p.prosecdef
    LOOP
        EXECUTE pg_catalog.format('ALTER FUNCTION %s SET search_path = pg_catalog, pg_temp', f);
    END LOOP;
END $$;

COMMENT ON TABLE @extschema@.credits_role_tenant IS
    'Roles bound to tenants (credits_bind_role): a bound role acts only in its tenants.';
COMMENT ON TABLE @extschema@.credits_access_set IS
    'The access set (read, app or admin) each role was given with credits_grant_access.';
COMMENT ON VIEW @extschema@.credits_role_tenants IS 'The roles bound to the current tenant.';
COMMENT ON VIEW @extschema@.credits_role_access IS 'Which role holds which access set.';
COMMENT ON FUNCTION @extschema@.credits_bind_role(regrole, text) IS
    'Binds a role to a tenant: it then acts only in its tenants (42501 otherwise). Needs a role bound to no tenant.';
COMMENT ON FUNCTION @extschema@.credits_unbind_role(regrole, text) IS
    'Removes a role''s binding to a tenant (NULL: to every tenant); returns how many. Needs a role bound to no tenant.';
COMMENT ON FUNCTION @extschema@.credits_grant_access(regrole, text) IS
    'Gives a role the read, app or admin set of privileges in one call (taking away a higher one); returns what it holds.';
COMMENT ON FUNCTION @extschema@.credits_revoke_access(regrole) IS
    'Takes every access set away from a role; returns whether it had one.';
COMMENT ON FUNCTION @extschema@.credits_verify(text, boolean) IS
    'Recomputes the invariants from the ledger for one account, the current tenant, or (all_tenants) every tenant; one row per discrepancy.';
COMMENT ON FUNCTION @extschema@.credits_refuse_unsupported_ddl() IS
    'Event trigger: refuses DDL that gives credits'' tables what its direct writes cannot honour (CR019).';
COMMENT ON FUNCTION @extschema@.credits_role_bindings_changed() IS
    'Trigger: makes every backend reread role bindings when they change.';
COMMENT ON EVENT TRIGGER credits_refuse_unsupported_ddl IS
    'Refuses triggers, rules, outgoing foreign keys, deferrable constraints and inheritance on credits'' tables (CR019).';
