-- The fuzz driver (run after setup.sql, in credits_fuzz): a fixed-seed run of
-- generated calls to every credits function a role can call, each with at
-- least one bad argument or made in a way that must be refused (a read-only
-- transaction, a role without the privilege, a role bound to another tenant,
-- a bad tenant name), and every eighth case a call with good and edge values
-- only, which may succeed. A case must end in a documented SQLSTATE, leave
-- the ledger's fingerprint as it was unless it succeeded, and leave
-- credits_verify() clean. Each case runs in a subtransaction that is rolled
-- back at its end, so every case meets the same ledger. Results go to
-- fuzz_result; the summary is printed at the end.
--   :seed (default 0.42), :cases (default 2500)
\set ON_ERROR_STOP 1
\if :{?seed}
\else
\set seed 0.42
\endif
\if :{?cases}
\else
\set cases 2500
\endif
SET client_min_messages = notice;

CREATE TABLE fuzz_result (
    n int PRIMARY KEY,
    flavour text,        -- hostile: must fail; edge: may succeed
    mode text,           -- who calls, and how
    fn text,
    repro text,          -- the case as psql statements
    bad_args text[],     -- the bad arguments, as kind: expression
    cast_error text,     -- the caller's own cast failed: no call was made
    state text,          -- SQLSTATE of the call, 00000 when it returned
    message text,
    batch_states text[], -- credits_apply: each operation's sqlstate, or ok
    ms numeric,
    finding text         -- what went wrong, if anything
);

-- md5 of every row of every table of the extension, in a fixed order.
CREATE FUNCTION fuzz_fingerprint() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    t regclass;
    part text;
    whole text := '';
BEGIN
    FOR t IN SELECT c.oid FROM pg_depend d JOIN pg_class c ON c.oid = d.objid
              WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_extension'::regclass
                AND d.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'credits') AND c.relkind = 'r'
              ORDER BY c.relname
    LOOP
        EXECUTE format('SELECT %L || md5(coalesce(string_agg(x::text, E''\n'' ORDER BY x::text), '''')) FROM %s x',
                       t, t) INTO part;
        whole := whole || part || ' ';
    END LOOP;
    RETURN md5(whole);
END $$;

-- An expression of one kind and class for tenant t (NULL if none): the
-- turn-th (round and round), or a random one.
CREATE FUNCTION fuzz_pick(k text, t text, c text, turn int DEFAULT NULL) RETURNS text LANGUAGE sql AS $$
    SELECT expr FROM fuzz_pool WHERE kind = k AND class = c AND coalesce(tenant, t) = t ORDER BY id
    OFFSET (SELECT coalesce(turn, floor(random() * count(*))::int) % nullif(count(*), 0)
              FROM fuzz_pool WHERE kind = k AND class = c AND coalesce(tenant, t) = t)
     LIMIT 1
$$;

CREATE FUNCTION fuzz_size(k text, c text, t text) RETURNS int LANGUAGE sql AS $$
    SELECT count(*)::int FROM fuzz_pool WHERE kind = k AND class = c AND coalesce(tenant, t) = t
$$;

-- How many values of a kind and class (say 'amount bad') were drawn so far.
CREATE FUNCTION fuzz_turn(turns jsonb, key text) RETURNS int LANGUAGE sql AS $$
    SELECT coalesce((turns->>key)::int, 0)
$$;

-- One operation of a batch, broken: not an object, a bad op, a field the op
-- does not take, or a field with a bad value (or left out when required).
CREATE FUNCTION fuzz_break(item jsonb, t text) RETURNS jsonb LANGUAGE plpgsql AS $$
DECLARE
    dice float8 := random();
    candidates text[];
    fld text;
    k text;
    v jsonb;
BEGIN
    IF dice < 0.08 THEN
        k := 'element';
    ELSIF dice < 0.18 THEN
        fld := 'op';
        k := 'op';
    ELSIF dice < 0.30 THEN
        -- A typo, or another op's field.
        SELECT array_agg(u.f ORDER BY u.i) INTO candidates
          FROM unnest('{amout,Account,tenant,"op ","",account,amount,reservation,transaction,from_account,expires_in,'
                      'priority,force,on_excess,reason,description,category}'::text[]) WITH ORDINALITY u(f, i)
         WHERE NOT EXISTS (SELECT 1 FROM fuzz_op_field o WHERE o.op = item->>'op' AND o.field = u.f);
        RETURN item || jsonb_build_object(candidates[1 + floor(random() * cardinality(candidates))::int], 1);
    ELSE
        SELECT array_agg(o.field ORDER BY o.field) INTO candidates FROM fuzz_op_field o WHERE o.op = item->>'op';
        fld := candidates[1 + floor(random() * cardinality(candidates))::int];
        SELECT o.kind INTO k FROM fuzz_op_field o WHERE o.op = item->>'op' AND o.field = fld;
    END IF;
    SELECT j.value INTO v FROM fuzz_json j WHERE j.kind = k AND coalesce(j.tenant, t) = t ORDER BY j.id
    OFFSET floor(random() * (SELECT count(*) FROM fuzz_json j WHERE j.kind = k AND coalesce(j.tenant, t) = t)) LIMIT 1;
    IF k = 'element' THEN
        RETURN v;
    ELSIF v IS NULL THEN
        RETURN item - fld;
    END IF;
    RETURN jsonb_set(item, ARRAY[fld], v);
END $$;

-- A batch of 1 to 5 operations of tenant t, as an SQL expression. broken:
-- all (every operation), some (at least one), none.
CREATE FUNCTION fuzz_batch(t text, broken text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n int := 1 + floor(random() * 5)::int;
    must int := floor(random() * n)::int;
    batch jsonb := '[]';
    item jsonb;
BEGIN
    FOR i IN 0 .. n - 1 LOOP
        SELECT o.op INTO item FROM fuzz_op o WHERE o.tenant = t ORDER BY o.id
        OFFSET floor(random() * (SELECT count(*) FROM fuzz_op o WHERE o.tenant = t)) LIMIT 1;
        IF broken = 'all' OR (broken = 'some' AND (i = must OR random() < 0.25)) THEN
            item := fuzz_break(item, t);
        END IF;
        batch := batch || jsonb_build_array(item);
    END LOOP;
    RETURN quote_literal(batch::text);
END $$;

-- The run: `cases` cases from `seed`.
CREATE FUNCTION fuzz_run(seed float8, cases int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    baseline text := fuzz_fingerprint();
    ok_states constant text := '^(CR...|25006|42501)$';  -- documented, besides 22003 on a balance overflow
    fns text[];
    dice float8;
    flavour text;
    mode text;
    fname text;
    access text;
    tenant text;
    role text;
    tenant_first bool;  -- the superuser chose tenant fz_b before switching to the role
    set_tenant text;    -- what the role sets credits.tenant to before the call (an expression)
    expected text;      -- the SQLSTATEs the case may end with (a regular expression)
    forced bool;        -- the way the call is made must make it fail
    must_fail bool;
    nbad int;
    bad int[];
    edge int;
    cast_at int;
    names text[];
    types text[];
    kinds text[];
    classes text[];
    exprs text[];
    at_in int;
    at_at int;
    args text;
    call text;
    repro text;
    cast_error text;
    state text;
    message text;
    batch text[];       -- credits_apply: each operation's sqlstate, or ok
    accepted text;      -- credits_apply: an operation that succeeded
    undocumented text;  -- credits_apply: an operation that failed with an undocumented or unexpected SQLSTATE
    fp text;
    broken text;
    started timestamptz;
    ms numeric;
    finding text;
    isnull bool;
    turns jsonb := '{}';  -- how many bad and edge values of each kind were drawn
    turn text;
BEGIN
    PERFORM setseed(seed);
    FOR n IN 1 .. cases LOOP
        flavour := CASE WHEN n % 8 = 0 THEN 'edge' ELSE 'hostile' END;
        dice := random();
        mode := CASE WHEN flavour = 'edge' THEN CASE WHEN dice < 0.7 THEN 'app' ELSE 'super' END
                     WHEN dice < 0.50 THEN 'app'          -- fuzz_app
                     WHEN dice < 0.60 THEN 'super'        -- the superuser
                     WHEN dice < 0.68 THEN 'bound_own'    -- fuzz_bound in its tenant fz_a
                     WHEN dice < 0.78 THEN 'bound_other'  -- fuzz_bound naming tenant fz_b
                     WHEN dice < 0.84 THEN 'reader'       -- fuzz_reader, read set only
                     WHEN dice < 0.95 THEN 'readonly'     -- fuzz_app in a read-only transaction
                     ELSE 'bad_tenant' END;               -- credits.tenant set to a bad name
        -- The tenant whose things the arguments name.
        tenant := CASE WHEN mode = 'bound_own' THEN 'fz_a' WHEN mode = 'bound_other' OR random() < 0.5 THEN 'fz_b'
                       ELSE 'fz_a' END;

        -- credits_apply comes up four times as often: its batches hold the most input.
        SELECT array_agg(f.fn ORDER BY f.fn, g) INTO fns
          FROM fuzz_fn f, generate_series(1, CASE f.fn WHEN 'credits_apply' THEN 4 ELSE 1 END) g
         WHERE CASE mode WHEN 'readonly' THEN f.writes
                         WHEN 'bound_other' THEN true
                         WHEN 'bad_tenant' THEN true
                         ELSE f.fn <> 'credits_current_tenant' END;  -- it has no argument to break
        fname := fns[1 + floor(random() * cardinality(fns))::int];
        SELECT f.access INTO access FROM fuzz_fn f WHERE f.fn = fname;

        role := CASE mode WHEN 'super' THEN NULL
                          WHEN 'reader' THEN 'fuzz_reader'
                          WHEN 'bound_own' THEN 'fuzz_bound'
                          WHEN 'bound_other' THEN 'fuzz_bound'
                          WHEN 'bad_tenant' THEN CASE WHEN random() < 0.5 THEN 'fuzz_app' END
                          ELSE 'fuzz_app' END;
        set_tenant := quote_literal(tenant);
        tenant_first := false;
        expected := NULL;
        forced := mode IN ('readonly', 'bound_other', 'bad_tenant') OR (mode = 'reader' AND access <> 'read');
        IF mode = 'reader' AND access <> 'read' THEN
            expected := '42501';           -- no EXECUTE
        ELSIF mode = 'bound_other' AND random() < 0.5 THEN
            expected := '42501';           -- refused when set
        ELSIF mode = 'bound_other' THEN
            -- Set before the role took over: refused when used, before
            -- anything is looked up (only the arguments' own checks may come
            -- first), so that nothing of the tenant shows.
            tenant_first := true;
            set_tenant := NULL;
            expected := '42501|25006|CR008|CR012';
        ELSIF mode = 'bad_tenant' THEN
            set_tenant := fuzz_pick('session_tenant', tenant, 'bad', fuzz_turn(turns, 'session_tenant bad'));
            turns := turns || jsonb_build_object('session_tenant bad', fuzz_turn(turns, 'session_tenant bad') + 1);
            expected := 'CR012';
        ELSIF mode = 'bound_own' THEN
            IF random() < 0.5 THEN
                set_tenant := NULL;        -- its binding says which
            END IF;
            -- What only unbound roles may do.
            forced := fname IN ('credits_bind_role', 'credits_unbind_role', 'credits_grant_access',
                                'credits_revoke_access');
        END IF;

        -- Arguments: nbad of them bad (one or two; none or one where the way
        -- of calling is the fault; one in another tenant, where any other
        -- refusal than 42501 would tell; none where the call is refused
        -- before its arguments are read), those of kinds whose bad values
        -- have come up the fewest rounds first; in edge cases one at a limit;
        -- now and then one the caller's own cast refuses.
        SELECT coalesce(array_agg(p.name ORDER BY p.pos), '{}'), coalesce(array_agg(p.type ORDER BY p.pos), '{}'),
               coalesce(array_agg(p.kind ORDER BY p.pos), '{}')
          INTO names, types, kinds FROM fuzz_param p WHERE p.fn = fname;
        nbad := CASE WHEN expected IN ('42501', 'CR012') THEN 0
                     WHEN tenant_first THEN 1
                     WHEN forced THEN floor(random() * 2)::int
                     WHEN flavour = 'hostile' THEN CASE WHEN random() < 0.75 THEN 1 ELSE 2 END
                     ELSE 0 END;
        SELECT coalesce((array_agg(i ORDER BY r))[1:nbad], '{}') INTO bad
          FROM (SELECT i, fuzz_turn(turns, kinds[i] || ' bad')::float8 / greatest(fuzz_size(kinds[i], 'bad', tenant), 1)
                          + random() r
                  FROM generate_subscripts(kinds, 1) i
                 WHERE kinds[i] = 'ops' OR fuzz_size(kinds[i], 'bad', tenant) > 0) s;
        edge := NULL;
        IF flavour = 'edge' THEN
            SELECT i INTO edge FROM (SELECT i, random() r FROM generate_subscripts(kinds, 1) i
                                      WHERE fuzz_size(kinds[i], 'edge', tenant) > 0) s ORDER BY r LIMIT 1;
        END IF;
        cast_at := NULL;
        IF random() < 0.06 THEN
            SELECT i INTO cast_at FROM (SELECT i, random() r FROM generate_subscripts(kinds, 1) i
                                         WHERE fuzz_size(kinds[i], 'cast', tenant) > 0) s ORDER BY r LIMIT 1;
        END IF;
        classes := '{}';
        exprs := '{}';
        FOR i IN 1 .. cardinality(kinds) LOOP
            classes[i] := CASE WHEN i = cast_at THEN 'cast'
                               WHEN i = ANY (bad) THEN 'bad'
                               WHEN i = edge THEN 'edge'
                               WHEN random() < CASE flavour WHEN 'edge' THEN 0.3 ELSE 0.1 END
                                    AND fuzz_size(kinds[i], 'edge', tenant) > 0 THEN 'edge'
                               ELSE 'good' END;
            -- Bad and edge values in turn, so that every one comes up.
            IF classes[i] IN ('bad', 'edge') THEN
                turn := kinds[i] || ' ' || classes[i];
                exprs[i] := fuzz_pick(kinds[i], tenant, classes[i], fuzz_turn(turns, turn));
                turns := turns || jsonb_build_object(turn, fuzz_turn(turns, turn) + 1);
            ELSE
                exprs[i] := fuzz_pick(kinds[i], tenant, classes[i]);
            END IF;
        END LOOP;
        IF fname = 'credits_apply' THEN
            -- With atomic => false each failed operation is reported and the
            -- others stand: there every operation is broken.
            exprs[1] := CASE WHEN classes[1] = 'cast' THEN exprs[1]
                             WHEN classes[1] = 'bad' AND random() < 0.3 THEN exprs[1]
                             WHEN classes[1] = 'bad'
                                 THEN fuzz_batch(tenant, CASE WHEN exprs[2] = 'false' THEN 'all' ELSE 'some' END)
                             WHEN classes[1] = 'edge' AND random() < 0.3 THEN exprs[1]
                             ELSE fuzz_batch(tenant, 'none') END;
        ELSIF fname IN ('credits_credit', 'credits_reserve') THEN
            -- expires_at wins over expires_in: a bad expires_in counts only without it.
            at_in := array_position(names, 'expires_in');
            at_at := array_position(names, 'expires_at');
            IF classes[at_in] = 'bad' AND classes[at_at] <> 'bad' THEN
                exprs[at_at] := 'NULL';
            END IF;
        ELSIF fname = 'credits_verify' AND mode = 'bound_own' AND random() < 0.5 THEN
            -- Every tenant's verification is for unbound roles.
            exprs := '{NULL,true}';
            classes := '{good,good}';
            forced := true;
        END IF;
        must_fail := forced OR 'bad' = ANY (classes);

        cast_error := NULL;
        FOR i IN 1 .. cardinality(exprs) LOOP
            BEGIN
                EXECUTE format('SELECT (%s)::%s IS NULL', exprs[i], types[i]) INTO isnull;
            EXCEPTION WHEN OTHERS THEN
                cast_error := format('%s %s: %s', SQLSTATE, names[i], SQLERRM);
                EXIT;
            END;
        END LOOP;

        SELECT coalesce(string_agg(format('%s => (%s)::%s', names[i], exprs[i], types[i]), ', ' ORDER BY i), '')
          INTO args FROM generate_subscripts(names, 1) i;
        repro := concat_ws(' ',
                           CASE WHEN mode = 'readonly' THEN 'BEGIN READ ONLY;' END,
                           CASE WHEN tenant_first THEN 'SET credits.tenant = fz_b;' END,
                           CASE WHEN role IS NOT NULL THEN format('SET ROLE %s;', role) END,
                           CASE WHEN set_tenant IS NOT NULL
                                THEN format('SELECT set_config(''credits.tenant'', %s, false);', set_tenant) END,
                           format('SELECT * FROM %s(%s);', fname, args));
        IF fname = 'credits_apply' THEN
            call := format($q$SELECT array_agg(coalesce(sqlstate, 'ok') ORDER BY index),
                                     'operation ' || min(index) FILTER (WHERE ok) || ' succeeded',
                                     min('operation ' || index || ': ' || sqlstate || ' ' || message)
                                         FILTER (WHERE NOT ok AND (sqlstate !~ %L OR sqlstate !~ %L)
                                                 AND NOT (sqlstate = '22003'
                                                          AND message ~ 'would leave the supported range'))
                                FROM credits_apply(%s)$q$, ok_states, coalesce('^(' || expected || ')$', ''), args);
        ELSE
            call := format('SELECT count(*) FROM %s(%s)', fname, args);
        END IF;

        state := NULL;
        message := NULL;
        batch := NULL;
        accepted := NULL;
        undocumented := NULL;
        fp := NULL;
        broken := NULL;
        finding := NULL;
        started := clock_timestamp();
        ms := NULL;
        IF cast_error IS NULL THEN
            -- For the log: a crash leaves the case that caused it last.
            RAISE NOTICE 'case %: %', n, left(repro, 300);
            BEGIN
                IF tenant_first THEN
                    PERFORM set_config('credits.tenant', 'fz_b', true);
                END IF;
                IF mode = 'readonly' THEN
                    SET LOCAL transaction_read_only = on;
                END IF;
                IF role IS NOT NULL THEN
                    EXECUTE format('SET LOCAL ROLE %I', role);
                END IF;
                BEGIN
                    IF set_tenant IS NOT NULL THEN
                        EXECUTE format('SELECT set_config(''credits.tenant'', %s, true)', set_tenant);
                    END IF;
                    IF fname = 'credits_apply' THEN
                        EXECUTE call INTO batch, accepted, undocumented;
                    ELSE
                        EXECUTE call;
                    END IF;
                    state := '00000';
                EXCEPTION WHEN OTHERS THEN
                    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT;
                END;
                RESET ROLE;
                fp := fuzz_fingerprint();
                SELECT string_agg(concat_ws(' ', v.invariant, v.account_id, v.detail), '; ') INTO broken
                  FROM credits_verify(all_tenants => true) v;
                -- Undo the case, whatever it did.
                RAISE SQLSTATE 'FZ000';
            EXCEPTION
                WHEN SQLSTATE 'FZ000' THEN NULL;
                WHEN OTHERS THEN
                    finding := format('the checks after the call failed: %s %s', SQLSTATE, SQLERRM);
            END;
            ms := round((extract(epoch FROM clock_timestamp() - started) * 1000)::numeric, 1);
            finding := nullif(concat_ws('; ', finding,
                CASE WHEN state <> '00000' AND state !~ ok_states
                          AND NOT (state = '22003' AND message ~ 'would leave the supported range')
                     THEN 'undocumented SQLSTATE ' || state END,
                CASE WHEN state <> '00000' AND state !~ ('^(' || expected || ')$')
                     THEN format('expected %s', expected) END,
                CASE WHEN state = '00000' AND must_fail AND fname <> 'credits_apply'
                     THEN 'a call that must fail returned' END,
                CASE WHEN state = '00000' AND must_fail THEN accepted END,
                undocumented,
                CASE WHEN fp <> baseline AND (state <> '00000' OR must_fail) THEN 'the ledger changed' END,
                CASE WHEN broken IS NOT NULL THEN 'credits_verify: ' || broken END,
                CASE WHEN ms > 5000 THEN format('took %s ms', ms) END), '');
        END IF;
        INSERT INTO fuzz_result
        VALUES (n, flavour, mode, fname, repro,
                ARRAY(SELECT kinds[i] || ': ' || exprs[i] FROM generate_subscripts(kinds, 1) i WHERE classes[i] = 'bad')
                || CASE WHEN mode = 'bad_tenant' THEN ARRAY['session_tenant: ' || set_tenant] END,
                cast_error, state, message, batch, ms, finding);
    END LOOP;
    IF fuzz_fingerprint() <> baseline THEN
        INSERT INTO fuzz_result (n, finding) VALUES (0, 'the ledger differs after the run');
    END IF;
END $$;

SELECT fuzz_run(:seed, :cases);

\pset footer off
SELECT count(*) AS cases,
       count(*) FILTER (WHERE flavour = 'hostile') AS hostile,
       count(*) FILTER (WHERE flavour = 'edge') AS edge,
       count(*) FILTER (WHERE cast_error IS NOT NULL) AS caller_cast_errors,
       count(*) FILTER (WHERE cast_error IS NULL) AS calls,
       count(*) FILTER (WHERE state = '00000') AS returned,
       count(DISTINCT fn) AS functions,
       count(*) FILTER (WHERE finding IS NOT NULL) AS findings
  FROM fuzz_result WHERE n > 0;
-- How many of the pools' bad values (batches aside) the calls used.
SELECT count(DISTINCT b) AS bad_values_used,
       (SELECT count(DISTINCT kind || ': ' || expr) FROM fuzz_pool WHERE class = 'bad' AND kind <> 'ops') AS bad_values
  FROM fuzz_result, unnest(bad_args) b WHERE cast_error IS NULL AND b NOT LIKE 'ops: %';
SELECT state AS sqlstate, count(*) AS calls, count(*) FILTER (WHERE flavour = 'hostile') AS hostile
  FROM fuzz_result WHERE cast_error IS NULL GROUP BY 1 ORDER BY 1;
SELECT mode, count(*) AS calls, string_agg(DISTINCT state, ' ' ORDER BY state) AS sqlstates
  FROM fuzz_result WHERE cast_error IS NULL GROUP BY 1 ORDER BY 1;
SELECT left(cast_error, 5) AS caller_cast_error, count(*)
  FROM fuzz_result WHERE cast_error IS NOT NULL GROUP BY 1 ORDER BY 1;
SELECT s AS batch_operation, count(*) AS operations, count(DISTINCT n) AS batches
  FROM fuzz_result, unnest(batch_states) s GROUP BY 1 ORDER BY 1;
SELECT n AS slowest_case, fn, ms FROM fuzz_result WHERE n > 0 ORDER BY ms DESC NULLS LAST LIMIT 3;
\x on
SELECT n, mode, fn, state, regexp_replace(message, '[[:cntrl:]]', '?', 'g') AS message, finding,
       left(repro, 800) AS repro
  FROM fuzz_result WHERE finding IS NOT NULL ORDER BY n;
