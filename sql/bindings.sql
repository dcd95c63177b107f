-- Tenants as a security boundary: a role bound to tenants acts only in them.
\i sql/include/setup.sql
SET client_min_messages = warning;
DROP ROLE IF EXISTS credits_acme, credits_multi, credits_boss;
RESET client_min_messages;
CREATE ROLE credits_acme;
CREATE ROLE credits_multi;
CREATE ROLE credits_boss;
SELECT count(*) > 0 AS granted FROM credits_grant_access('credits_acme', 'app');
SELECT count(*) > 0 AS granted FROM credits_grant_access('credits_multi', 'app');
SELECT count(*) > 0 AS granted FROM credits_grant_access('credits_boss', 'admin');

-- Accounts in three tenants.
SET credits.tenant = 'acme';
SELECT id AS acme_id FROM credits_create_account('a1', initial_balance => 100) \gset
SET credits.tenant = 'globex';
SELECT id AS globex_id FROM credits_create_account('g1', initial_balance => 100) \gset
SELECT id AS globex_hold FROM credits_reserve('g1', 10) \gset
RESET credits.tenant;
SELECT external_id FROM credits_create_account('d1', initial_balance => 100);

-- Binding: by an administrator bound to no tenant; a role cannot bind itself.
SELECT role, tenant, bound_at = now() AS now FROM credits_bind_role('credits_acme', 'acme');
SELECT role, tenant FROM credits_bind_role('credits_acme', 'acme');  -- again: nothing new
SELECT role, tenant FROM credits_bind_role('credits_multi', 'acme');
SELECT role, tenant FROM credits_bind_role('credits_multi', 'globex');
SELECT role, tenant FROM credits_bind_role('credits_boss', 'acme');
SELECT pg_temp.fails($$SELECT credits_bind_role(current_user::regrole, 'acme')$$);
SELECT pg_temp.fails($$SELECT credits_bind_role(NULL, 'acme')$$);
SELECT pg_temp.fails($$SELECT credits_bind_role('credits_acme', NULL)$$);
SELECT pg_temp.fails($$SELECT credits_bind_role('credits_acme', E'ac\nme')$$);
SELECT pg_temp.fails($$SELECT credits_bind_role('nobody_at_all', 'acme')$$);
SET credits.tenant = 'acme';
SELECT role, tenant FROM credits_role_tenants ORDER BY role;
RESET credits.tenant;

-- A role bound to one tenant needs no setting, and sees and touches only it.
SET ROLE credits_acme;
SELECT credits_current_tenant();
SELECT external_id, balance FROM credits_accounts;
SELECT external_id, balance FROM credits_debit('a1', 5);
SELECT pg_temp.fails(format('SELECT credits_debit(%L, 1)', :'globex_id'));
SELECT pg_temp.fails(format('SELECT credits_cancel(%L)', :'globex_hold'));
SELECT pg_temp.fails(format('SELECT credits_transfer(%L, %L, 1)', :'acme_id', :'globex_id'));
SELECT index, ok, sqlstate FROM credits_apply(
    format('[{"op": "debit", "account": "%s", "amount": 1}, {"op": "debit", "account": "a1", "amount": 1}]',
           :'globex_id')::jsonb, false);
SELECT pg_temp.fails($$SELECT credits_get_account('g1')$$);
-- Naming another tenant is refused (42501), whichever way.
SELECT pg_temp.fails($$SET credits.tenant = 'globex'$$);
SELECT pg_temp.fails($$SELECT set_config('credits.tenant', 'globex', true)$$);
SELECT credits_current_tenant();
SET credits.tenant = 'acme';  -- its own: fine
SELECT credits_current_tenant();
RESET credits.tenant;
-- In parallel workers too (the views call credits_current_tenant() there),
-- and checking a setting takes no snapshot a SET TRANSACTION would mind.
SET force_parallel_mode = on;
SET parallel_setup_cost = 0;
SELECT count(*) AS accounts, sum(balance) AS balance FROM credits_accounts;
SELECT count(*) AS entries FROM credits_entries;
RESET force_parallel_mode;
RESET parallel_setup_cost;
BEGIN;
SET LOCAL credits.tenant = 'acme';
SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;
SELECT external_id FROM credits_accounts;
COMMIT;
-- What only an administrator across tenants may do.
SELECT pg_temp.fails($$SELECT credits_unbind_role('credits_acme')$$);
RESET ROLE;

-- A setting made before SET ROLE does not carry a bound role elsewhere.
SET credits.tenant = 'globex';
SET ROLE credits_acme;
SELECT pg_temp.fails($$SELECT credits_current_tenant()$$);
SELECT pg_temp.fails($$SELECT count(*) FROM credits_accounts$$);
SELECT pg_temp.fails($$SELECT credits_debit('a1', 1)$$);
-- Ids that exist nowhere get the same answer as ids of other tenants: 42501.
SELECT pg_temp.fails($$SELECT credits_cancel('res_00000000000000000000000000')$$);
SELECT pg_temp.fails(format('SELECT credits_cancel(%L)', :'globex_hold'));
SELECT pg_temp.fails($$SELECT credits_reverse('txn_00000000000000000000000000')$$);
SELECT pg_temp.fails($$SELECT credits_extend_reservation('res_00000000000000000000000000', '1 hour')$$);
RESET ROLE;
RESET credits.tenant;

-- A role bound to several tenants chooses one.
SET ROLE credits_multi;
SELECT pg_temp.fails($$SELECT credits_debit('a1', 1)$$);
SET credits.tenant = 'globex';
SELECT external_id, balance FROM credits_accounts;
SET credits.tenant = 'acme';
SELECT external_id, balance FROM credits_accounts;
SELECT pg_temp.fails($$SET credits.tenant = 'default'$$);
RESET credits.tenant;
RESET ROLE;

-- A bound administrator verifies and runs due work in its tenant only; what
-- spans tenants is refused.
SELECT pg_temp.travel('1 hour');  -- the globex hold lapses
SET ROLE credits_boss;
SELECT count(*) AS findings FROM credits_verify();
SELECT pg_temp.fails($$SELECT count(*) FROM credits_verify(all_tenants => true)$$);
SELECT * FROM credits_run_due();
SELECT pg_temp.fails($$SELECT credits_bind_role('credits_multi', 'acme')$$);
SELECT pg_temp.fails($$SELECT credits_grant_access('credits_multi', 'admin')$$);
RESET ROLE;
SET credits.tenant = 'globex';
SELECT status FROM credits_reservation WHERE id = :'globex_hold';
SELECT * FROM credits_run_due();
RESET credits.tenant;

-- The views are security barriers: a caller's function in WHERE never sees
-- another tenant's rows.
CREATE FUNCTION leak(text) RETURNS boolean LANGUAGE plpgsql COST 0.0000001 AS $$
BEGIN
    RAISE NOTICE 'leak saw %', $1;
    RETURN true;
END $$;
SET credits.tenant = 'acme';
SELECT count(*) FROM credits_accounts WHERE leak(external_id);
SELECT count(*) FROM credits_entries WHERE leak(external_id);
SELECT count(*) FROM credits_reservations WHERE leak(external_id);
RESET credits.tenant;
DROP FUNCTION leak(text);

-- Unbinding: the role is unbound again (every backend rereads bindings).
SELECT credits_unbind_role('credits_acme');
SELECT credits_unbind_role('credits_multi', 'globex');
SET ROLE credits_acme;
SELECT credits_current_tenant();
RESET ROLE;
SET ROLE credits_multi;
SELECT credits_current_tenant();
RESET ROLE;

-- credits.tenant set before the library is loaded: an invalid name is kept
-- but never used (CR012 at first use), never silently another tenant.
\c
SET credits.tenant = '';
DO $$
BEGIN
    PERFORM credits_create_account('ghost');
EXCEPTION WHEN OTHERS THEN
    RAISE NOTICE '% %', SQLSTATE, SQLERRM;
END $$;
SET credits.tenant = 'default';
SELECT count(*) AS ghosts FROM credits_accounts WHERE external_id = 'ghost';

SELECT credits_revoke_access(r) FROM unnest(ARRAY['credits_acme', 'credits_multi', 'credits_boss']::regrole[]) r;
SELECT credits_unbind_role(r) FROM unnest(ARRAY['credits_multi', 'credits_boss']::regrole[]) r;
DROP OWNED BY credits_acme, credits_multi, credits_boss;
DROP ROLE credits_acme, credits_multi, credits_boss;
SELECT count(*) AS findings FROM credits_verify(all_tenants => true);
