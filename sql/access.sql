-- Access sets: one call gives a role what it needs (read, app or admin);
-- nothing is open to PUBLIC, and no call a role can make ends in an internal
-- error.
\i sql/include/setup.sql
SET client_min_messages = warning;
DROP ROLE IF EXISTS credits_reader, credits_appuser, credits_admin;
RESET client_min_messages;
CREATE ROLE credits_reader;
CREATE ROLE credits_appuser;
CREATE ROLE credits_admin;
SELECT external_id FROM credits_create_account('shop', initial_balance => 50);

-- What each set holds.
SELECT access, count(*) FILTER (WHERE privilege = 'EXECUTE') AS functions,
       count(*) FILTER (WHERE privilege = 'SELECT') AS views
  FROM (VALUES ('read'), ('app'), ('admin')) a(access),
       LATERAL credits_grant_access('credits_admin', a.access) g
 GROUP BY access ORDER BY functions;
SELECT object, privilege FROM credits_grant_access('credits_reader', 'read') ORDER BY object;
SELECT count(*) AS app_privileges FROM credits_grant_access('credits_appuser');
SELECT count(*) AS admin_privileges FROM credits_grant_access('credits_admin', 'admin');
SELECT role, access FROM credits_role_access ORDER BY role;

-- read: the views and the balance, nothing that writes.
SET ROLE credits_reader;
SELECT external_id, balance FROM credits_accounts;
SELECT balance FROM credits_balance('shop');
SELECT count(*) AS entries FROM credits_ledger('shop');
SELECT pg_temp.fails($$SELECT credits_debit('shop', 1)$$);
SELECT pg_temp.fails($$SELECT count(*) FROM credits_account$$);
RESET ROLE;

-- app: moves credits and manages its accounts, but no plans or verification.
SET ROLE credits_appuser;
SELECT balance FROM credits_debit('shop', 1);
SELECT external_id FROM credits_create_account('app_made');
SELECT pg_temp.fails($$SELECT credits_create_plan('p', NULL, 1, 'day')$$);
SELECT pg_temp.fails($$SELECT count(*) FROM credits_verify()$$);
SELECT pg_temp.fails($$SELECT count(*) FROM credits_role_access$$);
RESET ROLE;

-- admin: plans, verification, the scheduler, roles.
SET ROLE credits_admin;
SELECT code FROM credits_create_plan('p', NULL, 1, 'day');
SELECT count(*) AS findings FROM credits_verify(all_tenants => true);
SELECT expired_reservations FROM credits_run_due();
SELECT count(*) > 0 AS granted FROM credits_grant_access('credits_reader', 'read');
RESET ROLE;

-- A lower set takes away what the higher one gave; revoking takes all.
SELECT count(*) AS read_privileges FROM credits_grant_access('credits_admin', 'read');
SELECT has_function_privilege('credits_admin', 'credits_debit(text, numeric, text, text, text, jsonb)', 'EXECUTE')
       AS can_debit,
       has_function_privilege('credits_admin', 'credits_balance(text)', 'EXECUTE') AS can_read;
SELECT credits_revoke_access('credits_admin'), credits_revoke_access('credits_admin');
SELECT has_function_privilege('credits_admin', 'credits_balance(text)', 'EXECUTE') AS can_read,
       has_table_privilege('credits_admin', 'credits_accounts', 'SELECT') AS can_view;
SELECT role, access FROM credits_role_access ORDER BY role;

-- Bad calls.
SELECT pg_temp.fails($$SELECT credits_grant_access('credits_reader', 'root')$$);
SELECT pg_temp.fails($$SELECT credits_grant_access(NULL, 'read')$$);
SELECT pg_temp.fails($$SELECT credits_grant_access(0::regrole, 'read')$$);
SELECT pg_temp.fails($$SELECT credits_revoke_access(NULL)$$);

-- Nothing is open to PUBLIC, trigger functions included; calling one
-- directly is a clear error, not an internal one.
SELECT p.proname FROM pg_proc p
 WHERE p.proname LIKE 'credits\_%' AND has_function_privilege('public', p.oid, 'EXECUTE') ORDER BY 1;
SELECT pg_temp.fails($$SELECT credits_refuse_direct_write()$$);
SELECT pg_temp.fails($$SELECT credits_refuse_ledger_change()$$);
SELECT pg_temp.fails($$SELECT credits_role_bindings_changed()$$);

-- What exists for Citus: the twins only the owner may run, and only where
-- credits is distributed; credits_distribute() needs Citus; an admin role
-- may run neither.
SELECT pg_temp.fails($$SELECT credits_debit_on_shard(0, 'default', now(), 'alice', 1)$$);
SELECT pg_temp.fails($$SELECT credits_transfer_out_on_shard(0, 'default', now(), 'a', 'b', NULL, NULL, NULL, NULL, NULL,
                                                           1, NULL, NULL, NULL, NULL, 'txn_x')$$);
SELECT pg_temp.fails($$SELECT * FROM credits_distribute()$$);
SELECT count(*) > 0 AS granted FROM credits_grant_access('credits_admin', 'admin');
SET ROLE credits_admin;
SELECT pg_temp.fails($$SELECT credits_debit_on_shard(0, 'default', now(), 'alice', 1)$$);
SELECT pg_temp.fails($$SELECT * FROM credits_distribute()$$);
RESET ROLE;
SELECT count(*) AS twins, bool_and(p.prosecdef) AS definer,
       bool_and(p.proconfig @> ARRAY['search_path=pg_catalog, pg_temp']) AS pinned
  FROM pg_proc p WHERE p.proname LIKE 'credits\_%\_on\_shard';

SELECT credits_revoke_access(r) FROM unnest(ARRAY['credits_reader', 'credits_appuser', 'credits_admin']::regrole[]) r;
DROP OWNED BY credits_reader, credits_appuser, credits_admin;
DROP ROLE credits_reader, credits_appuser, credits_admin;
