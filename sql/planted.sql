-- Search-path attacks: a role with CREATE on the extension's schema plants
-- operators, functions, aggregates and views for the names and argument
-- types the extension's SQL uses, before the extension exists, and views in
-- the session's temporary schema named like the catalogs and the extension's
-- own relations. Installing the extension, upgrading it, and every function,
-- trigger and view, called by an application role, by the attacker and by a
-- superuser whose search path puts the attacker's schema first (even before
-- pg_catalog), must run none of them. Every plant only logs that it ran, and
-- as whom, in app.planted_log. (The test's own statements name the catalogs
-- and the extension's views with their schema: the temporary views would
-- catch them otherwise.)
\set VERBOSITY terse
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS credits CASCADE;
DROP SCHEMA IF EXISTS app, app2 CASCADE;
DROP ROLE IF EXISTS attacker, app_user;
RESET client_min_messages;
SET credits.tenant = 'default';

CREATE ROLE attacker NOLOGIN;
CREATE ROLE app_user NOLOGIN;
CREATE SCHEMA app;
GRANT CREATE, USAGE ON SCHEMA app TO attacker;
CREATE TABLE app.planted_log (what text, by_user text);
GRANT INSERT ON app.planted_log TO PUBLIC;

-- What the attacker plants in a schema: one row per plant, with a statement
-- that reaches it by name. Every plant calls <schema>.planted(what).
CREATE FUNCTION pg_temp.plant(target text) RETURNS TABLE (schema text, kind text, what text, call text)
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    s text := quote_ident(target);
    p record;
    n int := 0;
    fn text;
BEGIN
    schema := target;
    EXECUTE format('CREATE FUNCTION %s.planted(what text) RETURNS boolean LANGUAGE plpgsql AS %L', s,
                   'BEGIN INSERT INTO app.planted_log VALUES (what, current_user); RETURN true; END');

    -- Operators: comparisons of every pair the SQL could meet (mixed types
    -- that pg_catalog has no exact operator for, and the exact ones too),
    -- arithmetic and concatenation.
    kind := 'operator';
    FOR p IN
        SELECT o.op, t.l, t.r, 'bool' AS result
          FROM unnest(ARRAY['=', '<>', '<', '<=', '>', '>=']) o(op)
         CROSS JOIN (VALUES ('numeric', 'int4'), ('int4', 'numeric'), ('numeric', 'int8'), ('int8', 'numeric'),
                            ('numeric', 'int2'), ('int2', 'numeric'), ('int2', 'int4'), ('int4', 'int2'),
                            ('int8', 'int4'), ('int4', 'int8'), ('numeric', 'numeric'), ('int8', 'int8'),
                            ('int4', 'int4'), ('text', 'text'), ('name', 'text'), ('text', 'name'),
                            ('timestamptz', 'timestamptz'), ('timestamptz', 'timestamp'),
                            ('timestamp', 'timestamptz'), ('timestamptz', 'date'), ('jsonb', 'jsonb'),
                            ('jsonb', 'text'), ('text', 'jsonb'), ('bool', 'bool'), ('oid', 'oid'),
                            ('oid', 'regprocedure'), ('regprocedure', 'oid'), ('oid', 'regclass'),
                            ('regclass', 'oid'), ('oid', 'regrole'), ('regrole', 'oid'), ('regrole', 'regrole'),
                            ('oid', 'regnamespace'), ('regnamespace', 'oid')) t(l, r)
        UNION ALL
        SELECT * FROM (VALUES ('+', 'numeric', 'numeric', 'numeric'), ('+', 'numeric', 'int4', 'numeric'),
                              ('+', 'int4', 'numeric', 'numeric'), ('-', 'numeric', 'numeric', 'numeric'),
                              ('-', 'numeric', 'int4', 'numeric'), ('-', 'int4', 'numeric', 'numeric'),
                              ('-', NULL, 'numeric', 'numeric'), ('-', NULL, 'int8', 'int8'),
                              ('||', 'text', 'text', 'text')) x
    LOOP
        n := n + 1;
        fn := format('%s.plant_op%s', s, n);
        what := format('operator %s.%s(%s, %s)', target, p.op, coalesce(p.l, 'none'), p.r);
        EXECUTE format('CREATE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                       fn, concat_ws(', ', p.l, p.r), p.result,
                       format('BEGIN PERFORM %s.planted(%L); RETURN NULL; END', s, what));
        EXECUTE format('CREATE OPERATOR %s.%s (%s RIGHTARG = %s, FUNCTION = %s)',
                       s, p.op, CASE WHEN p.l IS NOT NULL THEN format('LEFTARG = %s,', p.l) END, p.r, fn);
        call := format('SELECT %s %s NULL::%s', CASE WHEN p.l IS NOT NULL THEN 'NULL::' || p.l END, p.op, p.r);
        RETURN NEXT;
    END LOOP;

    -- Functions: what the SQL calls, with its signatures and near misses
    -- (format's fixed-argument forms beat its variadic one), function-style
    -- casts, and names that are syntax (coalesce, greatest, nullif). Names
    -- are spelled as SQL would write them.
    kind := 'function';
    FOR p IN
        SELECT * FROM (VALUES
            ('round', 'numeric, int2', 'numeric'), ('round', 'numeric, int4', 'numeric'),
            ('round', 'numeric, int8', 'numeric'), ('abs', 'numeric', 'numeric'), ('abs', 'int8', 'int8'),
            ('sign', 'numeric', 'numeric'), ('sign', 'int8', 'int8'), ('now', '', 'timestamptz'),
            ('lower', 'text', 'text'), ('quote_ident', 'name', 'text'), ('quote_ident', 'text', 'text'),
            ('set_config', 'text, text, bool', 'text'), ('current_setting', 'text', 'text'),
            ('format', 'text, int8', 'text'), ('format', 'text, text', 'text'),
            ('format', 'text, text, text', 'text'), ('format', 'text, text, timestamptz, text', 'text'),
            ('format', 'text, text, text, int8', 'text'), ('format', 'text, text, numeric, numeric', 'text'),
            ('format', 'text, text, int8, numeric', 'text'), ('format', 'text, int8, numeric', 'text'),
            ('format', 'text, text, text, numeric, numeric, numeric', 'text'),
            ('jsonb_each_text', 'jsonb', 'TABLE (key text, value text)'),
            ('jsonb_each_text', 'json', 'TABLE (key text, value text)'),
            ('jsonb_each', 'jsonb', 'TABLE (key text, value jsonb)'),
            ('aclexplode', 'aclitem[]', 'TABLE (grantor oid, grantee oid, privilege_type text, is_grantable bool)'),
            ('pg_extension_config_dump', 'text, text', 'bool'),
            ('pg_extension_config_dump', 'regclass, text', 'bool'),
            ('"numeric"', 'jsonb', 'numeric'), ('"numeric"', 'text', 'numeric'), ('text', 'regrole', 'text'),
            ('int4', 'int2', 'int4'), ('coalesce', 'numeric, int4', 'numeric'),
            ('greatest', 'numeric, int4', 'numeric'), ('nullif', 'text, text', 'text')) f(name, args, result)
    LOOP
        what := format('function %s.%s(%s)', target, p.name, p.args);
        EXECUTE format('CREATE FUNCTION %s.%s(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                       s, p.name, p.args, p.result,
                       format('BEGIN PERFORM %s.planted(%L); RETURN%s; END', s, what,
                              CASE WHEN p.result NOT LIKE 'TABLE%' THEN ' NULL' ELSE '' END));
        call := format('SELECT %s(%s)', p.name,
                       (SELECT string_agg('NULL::' || a, ', ') FROM unnest(string_to_array(p.args, ', ')) a));
        RETURN NEXT;
    END LOOP;

    -- Aggregates (window functions too: lag is used as one), whose state
    -- function logs.
    kind := 'aggregate';
    FOR p IN
        SELECT * FROM (VALUES ('sum', 'numeric'), ('sum', 'int8'), ('sum', 'int4'), ('count', '*'),
                              ('count', 'text'), ('min', 'numeric'), ('min', 'timestamptz'), ('min', 'text'),
                              ('max', 'int8'), ('lag', 'numeric')) a(name, arg)
    LOOP
        n := n + 1;
        fn := format('%s.plant_step%s', s, n);
        what := format('aggregate %s.%s(%s)', target, p.name, p.arg);
        EXECUTE format('CREATE FUNCTION %s(%s) RETURNS %s LANGUAGE plpgsql AS %L',
                       fn, CASE WHEN p.arg = '*' THEN 'int8' ELSE format('%s, %s', p.arg, p.arg) END,
                       CASE WHEN p.arg = '*' THEN 'int8' ELSE p.arg END,
                       format('BEGIN PERFORM %s.planted(%L); RETURN NULL; END', s, what));
        EXECUTE format('CREATE AGGREGATE %s.%I(%s) (SFUNC = %s, STYPE = %s)',
                       s, p.name, p.arg, fn, CASE WHEN p.arg = '*' THEN 'int8' ELSE p.arg END);
        call := format('SELECT %s(%s)', p.name, CASE WHEN p.arg = '*' THEN '*' ELSE 'NULL::' || p.arg END);
        RETURN NEXT;
    END LOOP;

    -- Views named like the catalogs that SQL reads.
    kind := 'view';
    FOR p IN
        SELECT * FROM unnest(ARRAY['pg_proc', 'pg_class', 'pg_roles', 'pg_namespace', 'pg_extension', 'pg_depend',
                                   'pg_type', 'pg_operator', 'pg_settings']) v(name)
    LOOP
        what := format('view %s.%s', target, p.name);
        EXECUTE format('CREATE VIEW %s.%I AS SELECT * FROM pg_catalog.%I WHERE %s.planted(%L)',
                       s, p.name, p.name, s, what);
        call := format('SELECT FROM %I', p.name);
        RETURN NEXT;
    END LOOP;
END $$;

-- Views in the session's temporary schema, which comes first for relation
-- names (even before pg_catalog) unless a path names it.
CREATE FUNCTION pg_temp.plant_temp() RETURNS TABLE (schema text, kind text, what text, call text)
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    name text;
BEGIN
    schema := 'pg_temp';
    kind := 'temp view';
    FOR name IN
        SELECT unnest(ARRAY['pg_proc', 'pg_class', 'pg_roles', 'pg_namespace', 'pg_extension', 'pg_depend',
                            'pg_type', 'pg_operator', 'pg_settings', 'credits_account', 'credits_entry',
                            'credits_reservation', 'credits_grant', 'credits_plan', 'credits_subscription',
                            'credits_status_change', 'credits_role_tenant', 'credits_access_set',
                            'credits_accounts', 'credits_entries', 'credits_reservations', 'credits_status_history',
                            'credits_grants', 'credits_entry_grants', 'credits_plans', 'credits_subscriptions',
                            'credits_role_tenants', 'credits_role_access'])
    LOOP
        what := format('temp view %s', name);
        EXECUTE format('CREATE TEMP VIEW %I AS SELECT * FROM pg_catalog.%I WHERE app.planted(%L)',
                       name, CASE WHEN name LIKE 'pg\_%' THEN name ELSE 'pg_class' END, what);
        call := format('SELECT FROM %I', name);
        RETURN NEXT;
    END LOOP;
END $$;

-- Runs each plant's statement with `path` as the search path: how many of
-- each kind a query naming them would run, and which ones no query runs.
-- (Call it in a transaction that is rolled back, to leave no log.)
CREATE FUNCTION pg_temp.reachable(target text, path text)
RETURNS TABLE (kind text, planted bigint, reached bigint, unreached text)
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT * FROM pg_temp.plants WHERE schema = target LOOP
        PERFORM pg_catalog.set_config('search_path', path, true);
        BEGIN
            EXECUTE p.call;
        EXCEPTION WHEN OTHERS THEN
            NULL;  -- pg_catalog's function ran, not the plant, and refused the NULLs
        END;
        PERFORM pg_catalog.set_config('search_path', 'pg_catalog', true);
    END LOOP;
    RETURN QUERY
    SELECT x.kind, count(*), count(*) FILTER (WHERE x.ran),
           string_agg(x.what, '; ' ORDER BY x.what) FILTER (WHERE NOT x.ran)
      FROM (SELECT l.kind, l.what, EXISTS (SELECT 1 FROM app.planted_log g WHERE g.what = l.what) AS ran
              FROM pg_temp.plants l WHERE l.schema = target) x
     GROUP BY x.kind ORDER BY x.kind;
END $$;

-- The plants that ran so far, and whether as a superuser.
CREATE FUNCTION pg_temp.ran() RETURNS TABLE (what text, ran_as text, times bigint)
LANGUAGE sql SET search_path = pg_catalog AS $$
SELECT l.what, CASE WHEN r.rolsuper THEN 'a superuser' ELSE l.by_user END, count(*)
  FROM app.planted_log l LEFT JOIN pg_catalog.pg_roles r ON r.rolname = l.by_user
 GROUP BY 1, 2 ORDER BY 1, 2
$$;

-- What of the extension (views, constraints, defaults, functions) refers to
-- a plant: none may, whatever path was in force when it was made.
CREATE FUNCTION pg_temp.captured() RETURNS TABLE (object text, uses text)
LANGUAGE sql SET search_path = pg_catalog AS $$
WITH plant(classid, objid) AS (
    SELECT 'pg_catalog.pg_operator'::regclass::oid, oid FROM pg_catalog.pg_operator
     WHERE oprowner = 'attacker'::regrole
    UNION ALL
    SELECT 'pg_catalog.pg_proc'::regclass::oid, oid FROM pg_catalog.pg_proc WHERE proowner = 'attacker'::regrole
    UNION ALL
    SELECT 'pg_catalog.pg_class'::regclass::oid, oid FROM pg_catalog.pg_class WHERE relowner = 'attacker'::regrole
    UNION ALL
    SELECT 'pg_catalog.pg_rewrite'::regclass::oid, w.oid FROM pg_catalog.pg_rewrite w
      JOIN pg_catalog.pg_class c ON c.oid = w.ev_class WHERE c.relowner = 'attacker'::regrole
)
SELECT pg_describe_object(d.classid, d.objid, d.objsubid), pg_describe_object(d.refclassid, d.refobjid, 0)
  FROM pg_catalog.pg_depend d
 WHERE d.deptype = 'n' AND (d.refclassid, d.refobjid) IN (SELECT * FROM plant)
   AND (d.classid, d.objid) NOT IN (SELECT * FROM plant)
 ORDER BY 1, 2
$$;

-- The attacker plants, before anything else.
SET ROLE attacker;
CREATE TEMP TABLE plants AS SELECT * FROM pg_temp.plant('app');
-- Operators and functions on `unknown` (a quoted literal) cannot be made,
-- nor casts between types the attacker does not own.
CREATE FUNCTION app.eq_unknown(text, unknown) RETURNS boolean LANGUAGE plpgsql AS 'BEGIN RETURN true; END';
CREATE FUNCTION app.eq_unknown(text, unknown) RETURNS boolean LANGUAGE sql AS 'SELECT true';
CREATE CAST (jsonb AS numeric) WITH FUNCTION app.numeric(jsonb);
CREATE CAST (text AS numeric) WITH FUNCTION app.numeric(text);
CREATE CAST (smallint AS integer) WITH FUNCTION app.int4(smallint);
CREATE CAST (regrole AS text) WITH FUNCTION app.text(regrole);
CREATE CAST (text AS numeric) WITH INOUT;
-- Objects with the extension's own names make it refuse to install.
CREATE FUNCTION app.credits_current_tenant() RETURNS text LANGUAGE sql AS $$SELECT 'default'$$;
CREATE TABLE app.credits_account (id text);
RESET ROLE;
SELECT kind, count(*) AS plants FROM plants GROUP BY kind ORDER BY kind;

-- The plants are live: with app first in the path, even before pg_catalog,
-- a query naming them runs every one but the syntax ones; with pg_catalog
-- first (as it is unless a path names it), the near misses still run.
BEGIN;
SELECT * FROM pg_temp.reachable('app', 'app, pg_catalog, public');
ROLLBACK;
BEGIN;
SELECT kind, planted, reached FROM pg_temp.reachable('app', 'app, public');
ROLLBACK;

-- The temporary views come first whatever the path (from here on they also
-- hide the attacker's views of the same names in this session).
SET ROLE attacker;
INSERT INTO plants SELECT * FROM pg_temp.plant_temp();
RESET ROLE;
BEGIN;
SELECT * FROM pg_temp.reachable('pg_temp', 'public');
ROLLBACK;
SELECT * FROM pg_temp.ran();

-- Scenario 1: CREATE EXTENSION into the planted schema runs the whole chain
-- of scripts (0.1.0 and every upgrade) with the plants there. From here on
-- the superuser's search path, like the callers', puts app first.
SET search_path = app, pg_catalog, public;
CREATE EXTENSION credits SCHEMA app;
DROP FUNCTION app.credits_current_tenant();
CREATE EXTENSION credits SCHEMA app;
DROP TABLE app.credits_account;
CREATE EXTENSION credits SCHEMA app;
SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'credits';
SELECT * FROM pg_temp.ran();
SELECT * FROM pg_temp.captured();

-- Access: app_user and the attacker get the app set; the attacker may still
-- create objects in the schema.
SELECT DISTINCT privilege FROM credits_grant_access('app_user') ORDER BY 1;
SELECT DISTINCT privilege FROM credits_grant_access('attacker') ORDER BY 1;
SELECT code FROM credits_create_plan('basic', 'Basic', 100, 'month');

-- As app_user, every function it may call, and every view.
SET ROLE app_user;
SELECT credits_current_tenant();
SELECT external_id, balance
  FROM credits_create_account('u1', 'U', 'u@example.com', '{"k": 1}', initial_balance => 100);
SELECT external_id, balance
  FROM credits_create_account('u2', min_credit_amount => 1, default_grant_ttl => '30 days');
SELECT external_id, name, overdraft_limit FROM credits_update_account('u1', name => 'U1', overdraft_limit => 5);
SELECT external_id, status FROM credits_get_account('u1');
SELECT external_id, balance, available FROM credits_balance('u1');
SELECT transaction_id AS u_credit FROM credits_credit('u1', 20, 'pack', 'inv-1', 'uc1', '{"a": 1}') \gset
SELECT type, amount, balance
  FROM credits_credit('u1', 10, 'promo', expires_in => '1 day', category => 'promotional');
SELECT type, amount, balance FROM credits_debit('u1', 15, 'use', 'r-1', 'ud1', '{"b": 2}');
SELECT id AS u_hold1 FROM credits_reserve('u1', 10, description => 'h1') \gset
SELECT id AS u_hold2 FROM credits_reserve('u1', 5, expires_at => '2100-01-01') \gset
SELECT id AS u_hold3 FROM credits_reserve('u1', 3) \gset
SELECT amount, released FROM credits_confirm(:'u_hold1', 7);
SELECT status FROM credits_cancel(:'u_hold2');
SELECT status FROM credits_extend_reservation(:'u_hold3', '1 hour');
SELECT amount, balance FROM credits_reverse(:'u_credit', 5, 'partly');
SELECT amount, balance FROM credits_adjust('u1', -2, 'fix');
SELECT amount, from_balance, to_balance FROM credits_transfer('u1', 'u2', 4, 'move');
SELECT status FROM credits_freeze('u2', 'check');
SELECT status FROM credits_unfreeze('u2', 'ok');
SELECT external_id FROM credits_create_account('u3');
SELECT status FROM credits_close('u3', 'gone');
SELECT status FROM credits_reopen('u3', 'back');
SELECT plan_code, status FROM credits_assign_plan('u2', 'basic');
SELECT plan_code, status FROM credits_cancel_plan('u2');
SELECT id, type, amount, balance_after FROM credits_ledger('u1', page_size => 3);
SELECT id AS u_hold4 FROM credits_reserve('u1', 2) \gset
SELECT id AS u_hold5 FROM credits_reserve('u1', 1) \gset
\set ops '[{"op": "credit", "account": "u1", "amount": 3, "expires_in": "2 days", "category": "goodwill"},'
\set ops :ops '{"op": "debit", "account": "u1", "amount": "1.0"}, {"op": "adjust", "account": "u1", "amount": 1},'
\set ops :ops '{"op": "reserve", "account": "u1", "amount": 1, "expires_in": 90},'
\set ops :ops '{"op": "confirm", "reservation": "' :u_hold4 '"}, {"op": "cancel", "reservation": "' :u_hold5 '"},'
\set ops :ops '{"op": "reverse", "transaction": "' :u_credit '", "amount": 1},'
\set ops :ops '{"op": "transfer", "from_account": "u1", "to_account": "u2", "amount": 1}]'
SELECT index, ok, sqlstate FROM credits_apply(:'ops');
SELECT index, ok, sqlstate FROM credits_apply(:'ops', false);
SELECT external_id, balance, reserved, available FROM app.credits_accounts ORDER BY external_id;
SELECT external_id, id, type, amount FROM app.credits_entries ORDER BY external_id, id;
SELECT external_id, amount, status FROM app.credits_reservations ORDER BY external_id, amount, status;
SELECT external_id, from_status, to_status FROM app.credits_status_history ORDER BY id;
SELECT external_id, amount, remaining, category, status FROM app.credits_grants
 ORDER BY external_id, amount, category;
SELECT external_id, entry_id, category, amount FROM app.credits_entry_grants
 ORDER BY external_id, entry_id, amount, category;
SELECT code, allowance FROM app.credits_plans;
SELECT external_id, plan_code, status FROM app.credits_subscriptions;
-- The administrator's functions and views are not its to call (42501).
SELECT credits_create_plan('pro', NULL, 10, 'day');
SELECT * FROM credits_verify();
SELECT * FROM credits_run_due();
SELECT credits_expire_reservations();
SELECT credits_bind_role('attacker', 'default');
SELECT credits_unbind_role('attacker');
SELECT credits_grant_access('attacker', 'admin');
SELECT credits_revoke_access('attacker');
SELECT role FROM app.credits_role_tenants;
SELECT role FROM app.credits_role_access;
RESET ROLE;
SELECT * FROM pg_temp.ran();

-- As the attacker, the same: whatever it planted, the calls it may make run
-- none of it, and the others are refused (42501) before they run.
SET ROLE attacker;
SELECT credits_current_tenant();
SELECT external_id, balance
  FROM credits_create_account('a1', 'A', 'a@example.com', '{"k": 1}', initial_balance => 100);
SELECT external_id, balance
  FROM credits_create_account('a2', min_credit_amount => 1, default_grant_ttl => '30 days');
SELECT external_id, name, overdraft_limit FROM credits_update_account('a1', name => 'A1', overdraft_limit => 5);
SELECT external_id, status FROM credits_get_account('a1');
SELECT external_id, balance, available FROM credits_balance('a1');
SELECT transaction_id AS a_credit FROM credits_credit('a1', 20, 'pack', 'inv-1', 'ac1', '{"a": 1}') \gset
SELECT type, amount, balance
  FROM credits_credit('a1', 10, 'promo', expires_in => '1 day', category => 'promotional');
SELECT type, amount, balance FROM credits_debit('a1', 15, 'use', 'r-1', 'ad1', '{"b": 2}');
SELECT id AS a_hold1 FROM credits_reserve('a1', 10, description => 'h1') \gset
SELECT id AS a_hold2 FROM credits_reserve('a1', 5, expires_at => '2100-01-01') \gset
SELECT id AS a_hold3 FROM credits_reserve('a1', 3) \gset
SELECT amount, released FROM credits_confirm(:'a_hold1', 12, on_excess => 'cap');
SELECT status FROM credits_cancel(:'a_hold2');
SELECT status FROM credits_extend_reservation(:'a_hold3', '1 hour');
SELECT amount, balance FROM credits_reverse(:'a_credit', 5, 'partly');
SELECT amount, balance FROM credits_adjust('a1', -2, 'fix');
SELECT amount, from_balance, to_balance FROM credits_transfer('a1', 'a2', 4, 'move');
SELECT status FROM credits_freeze('a2', 'check');
SELECT status FROM credits_unfreeze('a2', 'ok');
SELECT external_id FROM credits_create_account('a3');
SELECT status FROM credits_close('a3', 'gone');
SELECT status FROM credits_reopen('a3', 'back');
SELECT plan_code, status FROM credits_assign_plan('a2', 'basic');
SELECT plan_code, status FROM credits_cancel_plan('a2');
SELECT id, type, amount, balance_after FROM credits_ledger('a1', page_size => 3);
SELECT id AS a_hold4 FROM credits_reserve('a1', 2) \gset
SELECT id AS a_hold5 FROM credits_reserve('a1', 1) \gset
\set ops '[{"op": "credit", "account": "a1", "amount": 3, "expires_in": "2 days", "category": "goodwill"},'
\set ops :ops '{"op": "debit", "account": "a1", "amount": "1.0"}, {"op": "adjust", "account": "a1", "amount": 1},'
\set ops :ops '{"op": "reserve", "account": "a1", "amount": 1, "expires_in": 90},'
\set ops :ops '{"op": "confirm", "reservation": "' :a_hold4 '"}, {"op": "cancel", "reservation": "' :a_hold5 '"},'
\set ops :ops '{"op": "reverse", "transaction": "' :a_credit '", "amount": 1},'
\set ops :ops '{"op": "transfer", "from_account": "a1", "to_account": "a2", "amount": 1}]'
SELECT index, ok, sqlstate FROM credits_apply(:'ops');
SELECT external_id, balance, reserved, available FROM app.credits_accounts ORDER BY external_id;
SELECT external_id, id, type, amount FROM app.credits_entries ORDER BY external_id, id;
SELECT external_id, amount, status FROM app.credits_reservations ORDER BY external_id, amount, status;
SELECT external_id, from_status, to_status FROM app.credits_status_history ORDER BY id;
SELECT external_id, amount, remaining, category, status FROM app.credits_grants
 ORDER BY external_id, amount, category;
SELECT external_id, entry_id, category, amount FROM app.credits_entry_grants
 ORDER BY external_id, entry_id, amount, category;
SELECT code, allowance FROM app.credits_plans;
SELECT external_id, plan_code, status FROM app.credits_subscriptions ORDER BY external_id;
SELECT credits_create_plan('pro', NULL, 10, 'day');
SELECT * FROM credits_verify();
SELECT * FROM credits_verify(all_tenants => true);
SELECT * FROM credits_run_due();
SELECT credits_expire_reservations();
SELECT credits_bind_role('app_user', 'default');
SELECT credits_unbind_role('app_user');
SELECT credits_grant_access('attacker', 'admin');
SELECT credits_revoke_access('app_user');
SELECT role FROM app.credits_role_tenants;
SELECT role FROM app.credits_role_access;
-- Nor can it reach the tables or the trigger functions.
SELECT id FROM app.credits_account;
UPDATE app.credits_account SET name = name;
SELECT credits_refuse_direct_write();
-- New plants, now that the extension exists (its DDL guard runs on them).
CREATE TABLE app.late_plant (what text);
CREATE FUNCTION app.credits_current_tenant(text) RETURNS text LANGUAGE sql AS $$SELECT 'other'$$;
RESET ROLE;
SELECT * FROM pg_temp.ran();

-- As the superuser (the DBA), with the attacker's schema first: every
-- function, the views, verification and due work (a hold and a grant that
-- expire first, on accounts nothing else touches), the guard triggers and
-- the DDL guard.
SELECT credits_current_tenant();
SELECT external_id, balance
  FROM credits_create_account('d1', 'D', 'd@example.com', '{"k": 1}', initial_balance => 100);
SELECT external_id, balance FROM credits_create_account('d2', scale => 2, unit => 'credits');
SELECT external_id, balance
  FROM credits_create_account('d3', min_credit_amount => 1, default_grant_ttl => '30 days');
SELECT external_id FROM credits_create_account('d4');
SELECT type, amount FROM credits_credit('d4', 6, 'short', expires_in => '1 second', priority => 1);
SELECT external_id FROM credits_create_account('d5', initial_balance => 10);
SELECT amount, status FROM credits_reserve('d5', 4, expires_in => '1 second');
SELECT external_id, name, overdraft_limit FROM credits_update_account('d1', name => 'D1', overdraft_limit => 5,
                                                                        default_grant_ttl => '0');
SELECT external_id, status FROM credits_get_account('d1');
SELECT external_id, balance FROM credits_balance('d1');
SELECT transaction_id AS d_credit FROM credits_credit('d1', 20, 'pack', 'inv-1', 'dc1', '{"a": 1}') \gset
SELECT type, amount, balance FROM credits_credit('d3', 10, 'promo', category => 'promotional');
SELECT type, amount, balance FROM credits_debit('d1', 15, 'use', 'r-1', 'dd1', '{"b": 2}');
SELECT id AS d_hold1 FROM credits_reserve('d1', 10) \gset
SELECT id AS d_hold2 FROM credits_reserve('d1', 5) \gset
SELECT id AS d_hold3 FROM credits_reserve('d1', 3) \gset
SELECT amount, released FROM credits_confirm(:'d_hold1', 20, on_excess => 'allow');
SELECT status FROM credits_cancel(:'d_hold2');
SELECT status FROM credits_extend_reservation(:'d_hold3', '1 hour');
SELECT amount, balance FROM credits_reverse(:'d_credit', 5, force => true);
SELECT amount, balance FROM credits_adjust('d1', 30, 'fix');
SELECT amount, from_balance, to_balance FROM credits_transfer('d1', 'd3', 4, 'move');
SELECT status FROM credits_freeze('d3', 'check');
SELECT status FROM credits_unfreeze('d3', 'ok');
SELECT status FROM credits_close('d2', 'gone');
SELECT status FROM credits_reopen('d2', 'back');
SELECT code FROM credits_create_plan('daily', NULL, 10, 'day', 'all', '{"tier": 2}');
SELECT plan_code, status FROM credits_assign_plan('d3', 'daily');
SELECT plan_code, status FROM credits_assign_plan('d3', 'basic', 'next_period');
SELECT plan_code, status FROM credits_cancel_plan('d3');
SELECT id, type, amount FROM credits_ledger('d1', 'credit');
SELECT id AS d_hold4 FROM credits_reserve('d1', 2) \gset
SELECT id AS d_hold5 FROM credits_reserve('d1', 1) \gset
\set ops '[{"op": "credit", "account": "d1", "amount": 3, "priority": 2},'
\set ops :ops '{"op": "debit", "account": "d1", "amount": "1.0"}, {"op": "adjust", "account": "d1", "amount": -1},'
\set ops :ops '{"op": "reserve", "account": "d1", "amount": 1, "expires_in": "1 hour"},'
\set ops :ops '{"op": "confirm", "reservation": "' :d_hold4 '", "amount": 1},'
\set ops :ops '{"op": "cancel", "reservation": "' :d_hold5 '"},'
\set ops :ops '{"op": "reverse", "transaction": "' :d_credit '", "amount": 1},'
\set ops :ops '{"op": "transfer", "from_account": "d1", "to_account": "d3", "amount": 1}]'
SELECT index, ok, sqlstate FROM credits_apply(:'ops', false);
SELECT pg_sleep(1.1);
SELECT external_id, balance, reserved, available FROM app.credits_accounts ORDER BY external_id;
SELECT external_id, id, type, amount, reversed_amount FROM app.credits_entries ORDER BY external_id, id;
SELECT external_id, amount, status, released_amount FROM app.credits_reservations
 ORDER BY external_id, amount, status;
SELECT external_id, from_status, to_status FROM app.credits_status_history ORDER BY id;
SELECT external_id, amount, remaining, held, category, status FROM app.credits_grants
 ORDER BY external_id, amount, category;
SELECT external_id, entry_id, category, amount FROM app.credits_entry_grants
 ORDER BY external_id, entry_id, amount, category;
SELECT code, allowance, period, rollover FROM app.credits_plans ORDER BY code;
SELECT external_id, plan_code, status FROM app.credits_subscriptions ORDER BY external_id;
SELECT credits_expire_reservations();
SELECT * FROM credits_run_due();
SELECT * FROM credits_verify();
SELECT * FROM credits_verify('d1');
SELECT * FROM credits_verify(all_tenants => true);
SELECT role, tenant FROM credits_bind_role('app_user', 'default');
SELECT role, tenant FROM app.credits_role_tenants;
SELECT credits_unbind_role('app_user', 'default');
SELECT role, access FROM app.credits_role_access ORDER BY role;
SELECT credits_revoke_access('attacker');
-- The trigger functions run only as triggers; the guards refuse direct
-- writes, and the DDL guard a user trigger on a table.
SELECT credits_refuse_direct_write();
SELECT credits_refuse_ledger_change();
SELECT credits_role_bindings_changed();
SELECT credits_refuse_unsupported_ddl();
UPDATE app.credits_account SET name = name;
DELETE FROM app.credits_entry;
TRUNCATE app.credits_grant;
CREATE TRIGGER late BEFORE UPDATE ON app.credits_account
    FOR EACH ROW EXECUTE FUNCTION suppress_redundant_updates_trigger();
CREATE TABLE app.dba_notes (note text);
RESET search_path;
SELECT * FROM pg_temp.ran();
SELECT * FROM pg_temp.captured();

-- Scenario 2: the same plants in app2, then credits 0.4.0 installed there and
-- updated to 0.5.0 (the upgrade script runs with the plants present).
DROP EXTENSION credits;
CREATE SCHEMA app2;
GRANT CREATE, USAGE ON SCHEMA app2 TO attacker;
SET ROLE attacker;
INSERT INTO plants SELECT * FROM pg_temp.plant('app2');
RESET ROLE;
SELECT kind, count(*) AS plants FROM plants WHERE schema = 'app2' GROUP BY kind ORDER BY kind;
SET search_path = app2, pg_catalog, public;
CREATE EXTENSION credits VERSION '0.4.0' SCHEMA app2;
SELECT * FROM pg_temp.ran();
ALTER EXTENSION credits UPDATE;
SELECT extversion FROM pg_catalog.pg_extension WHERE extname = 'credits';
SELECT * FROM pg_temp.ran();
SELECT * FROM pg_temp.captured();

-- The upgraded extension, called with app2 first.
SELECT DISTINCT privilege FROM credits_grant_access('app_user') ORDER BY 1;
SET ROLE app_user;
SELECT external_id, balance FROM credits_create_account('v1', initial_balance => 50);
SELECT id AS v_hold FROM credits_reserve('v1', 10) \gset
SELECT amount, balance FROM credits_confirm(:'v_hold', 4);
SELECT type, amount, balance FROM credits_credit('v1', 5, expires_in => '1 day', category => 'promotional');
SELECT index, ok FROM credits_apply('[{"op": "debit", "account": "v1", "amount": 2}]');
SELECT external_id, balance, reserved, available FROM app2.credits_accounts;
SELECT external_id, id, type, amount FROM app2.credits_entries ORDER BY id;
SELECT external_id, amount, status FROM app2.credits_reservations;
SELECT external_id, amount, remaining, status FROM app2.credits_grants;
SELECT external_id, entry_id, category, amount FROM app2.credits_entry_grants ORDER BY entry_id, amount;
RESET ROLE;
SELECT * FROM credits_run_due();
SELECT * FROM credits_verify(all_tenants => true);
RESET search_path;
SELECT * FROM pg_temp.ran();

-- Nobody gained anything.
SELECT rolname, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls FROM pg_catalog.pg_roles
 WHERE rolname IN ('attacker', 'app_user') ORDER BY rolname;
SELECT roleid::regrole AS member_of FROM pg_catalog.pg_auth_members
 WHERE member IN ('attacker'::regrole, 'app_user'::regrole);
SELECT count(*) AS planted_code_ran FROM app.planted_log;

SET client_min_messages = warning;
DROP EXTENSION credits;
DROP SCHEMA app, app2 CASCADE;
DROP OWNED BY attacker, app_user;
DROP ROLE attacker, app_user;
