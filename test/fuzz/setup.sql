-- Fuzz test data: two tenants (fz_a at scale 0, fz_b at scale 2) with accounts
-- in every state, holds, grants, plans, transactions, auto-reload requests,
-- event consumers and events to point at; the roles the cases run as; and the
-- pools of good, bad and edge values the driver (fuzz.sql) draws every
-- argument from.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP DATABASE IF EXISTS credits_fuzz;
DROP ROLE IF EXISTS fuzz_app, fuzz_bound, fuzz_reader, fuzz_victim;
CREATE ROLE fuzz_app NOLOGIN;     -- the application: every function (admin set)
CREATE ROLE fuzz_bound NOLOGIN;   -- the same, bound to tenant fz_a
CREATE ROLE fuzz_reader NOLOGIN;  -- the read set only
CREATE ROLE fuzz_victim NOLOGIN;  -- a role to bind and grant to
CREATE DATABASE credits_fuzz;
\c credits_fuzz
SET client_min_messages = warning;
CREATE EXTENSION credits;
SELECT count(*) FROM credits_grant_access('fuzz_app', 'admin');
SELECT count(*) FROM credits_grant_access('fuzz_bound', 'admin');
SELECT count(*) FROM credits_grant_access('fuzz_reader', 'read');
SELECT count(*) FROM credits_bind_role('fuzz_bound', 'fz_a');

SET credits.tenant = 'fz_a';
SELECT count(*) FROM credits_create_account('a_main', initial_balance => 1000);
SELECT count(*) FROM credits_create_account('a_other', initial_balance => 500, overdraft_limit => 50);
SELECT count(*) FROM credits_create_account('a_frozen', initial_balance => 100);
SELECT count(*) FROM credits_freeze('a_frozen', 'fuzz');
SELECT count(*) FROM credits_create_account('a_closed');
SELECT count(*) FROM credits_close('a_closed', 'fuzz');
SELECT count(*) FROM credits_create_account('a_empty', min_credit_amount => 10);
SELECT count(*) FROM credits_create_account('a_usd', unit => 'USD', initial_balance => 20);
-- A balance at the +10^18 limit: any credit to it would overflow (22003).
SELECT count(*) FROM credits_create_account('a_full');
SELECT count(*) FROM credits_apply((SELECT jsonb_agg(jsonb_build_object('op', 'credit', 'account', 'a_full',
                                                                     'amount', 1000000000000000))
                                      FROM generate_series(1, 1000)));
SELECT count(*) FROM credits_credit('a_main', 100, 'promo', expires_in => '30 days', category => 'promotional');
SELECT count(*) FROM credits_credit('a_main', 50, 'paid', priority => 1, category => 'paid');
SELECT count(*) FROM credits_debit('a_main', 5, 'call', idempotency_key => 'k_used');
SELECT count(*) FROM credits_reserve('a_main', 10, expires_in => '1 day', idempotency_key => 'hold_1');
SELECT count(*) FROM credits_cancel((SELECT id FROM credits_reserve('a_other', 3, expires_in => '1 day')));
SELECT count(*) FROM credits_reverse((SELECT transaction_id FROM credits_debit('a_other', 7)), 2);
SELECT count(*) FROM credits_create_plan('basic_a', 'Basic', 100, 'month', rollover => 'all');
SELECT count(*) FROM credits_create_account('a_plan');
SELECT count(*) FROM credits_assign_plan('a_plan', 'basic_a');
SELECT count(*) FROM credits_set_price('gpt', input_price => 2.5, output_price => 10,
                                       effective_from => now() - interval '40 days');
SELECT count(*) FROM credits_charge('a_main', 'gpt', input_tokens => 1000, idempotency_key => 'u_used');
-- Alerts and auto-reload (a threshold above the available and no cooldown:
-- a request at once). a_watch has a failed request and a pending one,
-- a_reloaded one that succeeded; a_other has thresholds for the fuzz's calls
-- to cross.
SELECT count(*) FROM credits_create_account('a_watch', initial_balance => 100,
                                            notify_emails => '{ops@example.com,billing@example.com}');
SELECT count(*) FROM credits_set_alerts('a_watch', '{500, 50}');
SELECT count(*) FROM credits_set_auto_reload('a_watch', threshold => 200, amount => 100, cooldown => NULL);
SELECT count(*) FROM credits_complete_reload((SELECT id FROM credits_reload_requests WHERE external_id = 'a_watch'),
                                             false, failure_reason => 'card declined');
SELECT count(*) FROM credits_set_auto_reload('a_watch', threshold => 200, amount => 100, cooldown => NULL);
SELECT count(*) FROM credits_create_account('a_reloaded', initial_balance => 10);
SELECT count(*) FROM credits_set_auto_reload('a_reloaded', threshold => 50, target_balance => 150, cooldown => NULL,
                                             category => 'reload', expires_in => '30 days', max_per_day => 5);
SELECT count(*) FROM credits_complete_reload((SELECT id FROM credits_reload_requests WHERE external_id = 'a_reloaded'),
                                             true, 'pay_1');
SELECT count(*) FROM credits_set_alerts('a_other', '{490, 100}', depleted => false);
-- Consumers of the feed: one of every type that has acknowledged the first
-- event, one of two types from now on.
SELECT count(*) FROM credits_create_consumer('fz_a_feed');
SELECT count(*) FROM credits_ack_events('fz_a_feed', (SELECT id FROM credits_events ORDER BY position, ordinal LIMIT 1));
SELECT count(*) FROM credits_create_consumer('fz_a_low', '{balance.low,balance.depleted}', 'now');

SET credits.tenant = 'fz_b';
SELECT count(*) FROM credits_create_account('b_main', scale => 2, initial_balance => 1000.50);
SELECT count(*) FROM credits_create_account('b_other', scale => 2, initial_balance => 20.25);
SELECT count(*) FROM credits_create_account('b_frozen', scale => 2, initial_balance => 1);
SELECT count(*) FROM credits_freeze('b_frozen', 'fuzz');
SELECT count(*) FROM credits_create_account('b_closed', scale => 2);
SELECT count(*) FROM credits_close('b_closed', 'fuzz');
SELECT count(*) FROM credits_credit('b_main', 12.50, 'promo', expires_in => '30 days', category => 'promotional');
SELECT count(*) FROM credits_debit('b_main', 1.25, 'call', idempotency_key => 'k_used');
SELECT count(*) FROM credits_reserve('b_main', 2.50, expires_in => '1 day');
SELECT count(*) FROM credits_cancel((SELECT id FROM credits_reserve('b_other', 1, expires_in => '1 day')));
SELECT count(*) FROM credits_reverse((SELECT transaction_id FROM credits_debit('b_other', 3)), 1);
SELECT count(*) FROM credits_create_plan('basic_b', 'Basic', 10.50, 'week');
SELECT count(*) FROM credits_create_account('b_plan', scale => 2);
SELECT count(*) FROM credits_assign_plan('b_plan', 'basic_b');
SELECT count(*) FROM credits_set_price('gpt', input_price => 0.25, per_tokens => 1000,
                                       effective_from => now() - interval '40 days');
SELECT count(*) FROM credits_record_usage('b_main', 'gpt', input_tokens => 10, idempotency_key => 'u_used');
SELECT count(*) FROM credits_create_account('b_watch', scale => 2, initial_balance => 100.25,
                                            notify_emails => '{ops@example.com}');
SELECT count(*) FROM credits_set_alerts('b_watch', '{500, 0.50}');
SELECT count(*) FROM credits_set_auto_reload('b_watch', threshold => 200.50, amount => 100.25, cooldown => NULL);
SELECT count(*) FROM credits_complete_reload((SELECT id FROM credits_reload_requests WHERE external_id = 'b_watch'),
                                             false, 'pay_declined', 'card declined');
SELECT count(*) FROM credits_set_auto_reload('b_watch', threshold => 200.50, amount => 100.25, cooldown => NULL);
SELECT count(*) FROM credits_create_account('b_reloaded', scale => 2, initial_balance => 10);
SELECT count(*) FROM credits_set_auto_reload('b_reloaded', threshold => 50, target_balance => 150.75, cooldown => NULL,
                                             max_per_month => 10);
SELECT count(*) FROM credits_complete_reload((SELECT id FROM credits_reload_requests WHERE external_id = 'b_reloaded'),
                                             true, 'pay_1');
SELECT count(*) FROM credits_set_alerts('b_other', '{16.25, 1.50}');
SELECT count(*) FROM credits_create_consumer('fz_b_feed');
SELECT count(*) FROM credits_ack_events('fz_b_feed', (SELECT id FROM credits_events ORDER BY position, ordinal LIMIT 1));
SELECT count(*) FROM credits_create_consumer('fz_b_low', '{balance.low,balance.depleted}', 'now');
RESET credits.tenant;

-- Raw values of each tenant that pools and batch templates refer to.
CREATE TABLE fuzz_ref (tenant text, name text, value text, PRIMARY KEY (tenant, name));
INSERT INTO fuzz_ref
SELECT t, n, v FROM (VALUES ('fz_a', 'a'), ('fz_b', 'b')) x(t, p), LATERAL (VALUES
    ('main', p || '_main'),
    ('other', p || '_other'),
    ('main_id', (SELECT id FROM credits_account WHERE tenant = t AND external_id = p || '_main')),
    ('hold', (SELECT r.id FROM credits_reservation r JOIN credits_account a ON a.id = r.account_id
               WHERE a.tenant = t AND r.status = 'pending')),
    ('cancelled_hold', (SELECT r.id FROM credits_reservation r JOIN credits_account a ON a.id = r.account_id
                         WHERE a.tenant = t AND r.status = 'cancelled')),
    ('credit_txn', (SELECT e.transaction_id FROM credits_entry e JOIN credits_account a ON a.id = e.account_id
                     WHERE a.tenant = t AND a.external_id = p || '_main' AND e.seq = 1)),
    ('debit_txn', (SELECT e.transaction_id FROM credits_entry e JOIN credits_account a ON a.id = e.account_id
                    WHERE a.tenant = t AND e.idempotency_key = 'k_used')),
    ('reversal_txn', (SELECT e.transaction_id FROM credits_entry e JOIN credits_account a ON a.id = e.account_id
                       WHERE a.tenant = t AND e.type = 'reversal')),
    ('plan', 'basic_' || p),
    ('plan_id', (SELECT id FROM credits_plan WHERE tenant = t)),
    -- An amount finer than the tenant's scale, and a fine one.
    ('frac', CASE p WHEN 'a' THEN '1.5' ELSE '1.005' END),
    ('amount', CASE p WHEN 'a' THEN '1' ELSE '1.25' END),
    -- Auto-reload requests (pending, failed, succeeded), consumers and the
    -- first and last events of the feed.
    ('reload_pending', (SELECT q.id FROM credits_reload_request q JOIN credits_account a ON a.id = q.account_id
                         WHERE a.tenant = t AND q.status = 'pending')),
    ('reload_failed', (SELECT q.id FROM credits_reload_request q JOIN credits_account a ON a.id = q.account_id
                        WHERE a.tenant = t AND q.status = 'failed')),
    ('reload_done', (SELECT q.id FROM credits_reload_request q JOIN credits_account a ON a.id = q.account_id
                      WHERE a.tenant = t AND q.status = 'succeeded')),
    ('consumer', 'fz_' || p || '_feed'),
    ('consumer_typed', 'fz_' || p || '_low'),
    ('event_first', (SELECT e.id FROM credits_event e JOIN credits_event_commit c ON c.written_by = e.written_by
                                                                                  AND c.tenant = e.tenant
                      WHERE e.tenant = t ORDER BY c.position, e.ordinal LIMIT 1)),
    ('event_last', (SELECT e.id FROM credits_event e JOIN credits_event_commit c ON c.written_by = e.written_by
                                                                                 AND c.tenant = e.tenant
                     WHERE e.tenant = t ORDER BY c.position DESC, e.ordinal DESC LIMIT 1))) r(n, v);
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM fuzz_ref WHERE value IS NULL) THEN
        RAISE EXCEPTION 'fuzz_ref misses %', (SELECT string_agg(tenant || ' ' || name, ', ') FROM fuzz_ref
                                              WHERE value IS NULL);
    END IF;
END $$;

-- Argument values as SQL expressions, by kind. class: good (valid, though it
-- may still fail on the state it meets), bad (the call must fail), edge (a
-- limit the call may accept or refuse, but only with a documented error),
-- cast (fails the caller's own cast, before any call). tenant NULL: any.
CREATE TABLE fuzz_pool (id serial PRIMARY KEY, kind text NOT NULL, tenant text, class text NOT NULL,
                        expr text NOT NULL);

-- Adds expressions, one per line, to the pools of several kinds.
CREATE FUNCTION pg_temp.pool(kinds text[], class text, exprs text, tenant text DEFAULT NULL) RETURNS void
LANGUAGE sql AS $$
    INSERT INTO fuzz_pool (kind, tenant, class, expr)
    SELECT k, tenant, class, trim(e)
      FROM unnest(kinds) k, regexp_split_to_table(exprs, '\n') WITH ORDINALITY x(e, i)
     WHERE trim(e) <> '' ORDER BY k, i
$$;

-- Hostile strings, shared by the kinds below.
CREATE TEMP TABLE strings (name text PRIMARY KEY, expr text);
INSERT INTO strings VALUES
    ('empty', $$''$$), ('blank', $$'   '$$), ('long', $$repeat('x', 300)$$), ('huge', $$repeat('x', 1000000)$$),
    ('newline', $$E'ab\ncd'$$), ('tab', $$E'ab\tcd'$$), ('ctrl', $$E'ab\x01cd'$$), ('del', $$E'ab\x7fcd'$$),
    ('esc', $$E'\x1b[31mred'$$), ('bidi', $$E'ab\u202Ecd'$$), ('zwsp', $$E'ab\u200Bcd'$$),
    ('bom', $$E'\uFEFFab'$$), ('linesep', $$E'ab\u2028cd'$$), ('c1', $$E'ab\u0085cd'$$),
    ('lead', $$' ab'$$), ('trail', $$'ab '$$), ('nbsp', $$E'\u00A0ab'$$),
    ('inject', $$'''; DROP TABLE credits_entry; --'$$), ('inject2', $$'x'' OR ''1''=''1'$$),
    ('inject3', $$'); SELECT pg_sleep(10); --'$$);
-- The named strings, one expression per line.
CREATE FUNCTION pg_temp.s(VARIADIC names text[]) RETURNS text LANGUAGE sql AS $$
    SELECT string_agg(expr, E'\n' ORDER BY i) FROM unnest(names) WITH ORDINALITY n(name, i) JOIN strings USING (name)
$$;

-- References to things that exist (or not) in the current tenant; another
-- tenant's are bad.
SELECT pg_temp.pool('{account,reservation,transaction,plan,reload_request,consumer,event}', 'bad',
                    'NULL' || E'\n' || pg_temp.s('empty', 'blank', 'long', 'huge', 'newline', 'ctrl', 'bidi', 'zwsp',
                                                 'lead', 'trail', 'inject', 'inject2', 'inject3'));
SELECT pg_temp.pool('{account}', 'bad', $$
    'nobody'
    'A_MAIN'
    E'a_main\n'
    ' a_main'
    'acc_00000000000000000000000000'
$$);
SELECT pg_temp.pool('{reservation}', 'bad', $$'res_00000000000000000000000000'$$);
SELECT pg_temp.pool('{transaction}', 'bad', $$'txn_00000000000000000000000000'$$);
SELECT pg_temp.pool('{plan}', 'bad', $$
    'nope'
    'pln_00000000000000000000000000'
$$);
SELECT pg_temp.pool('{reload_request}', 'bad', $$
    'nope'
    'rld_00000000000000000000000000'
    'rld_'
$$);
SELECT pg_temp.pool('{consumer}', 'bad', $$
    'nobody'
    'FZ_A_FEED'
    'fz_new_feed'
$$);
SELECT pg_temp.pool('{event}', 'bad', $$
    'nope'
    'evt_00000000000000000000000000'
    'evt_'
$$);
INSERT INTO fuzz_pool (kind, tenant, class, expr)
SELECT x.kind, t.tenant, CASE WHEN r.tenant = t.tenant THEN 'good' ELSE 'bad' END, quote_literal(r.value)
  FROM (VALUES ('fz_a'), ('fz_b')) t(tenant)
 CROSS JOIN (VALUES ('account', 'main'), ('account', 'other'), ('account', 'main_id'), ('reservation', 'hold'),
                    ('transaction', 'credit_txn'), ('transaction', 'debit_txn'), ('plan', 'plan'),
                    ('plan', 'plan_id'), ('reload_request', 'reload_pending'), ('reload_request', 'reload_failed'),
                    ('reload_request', 'reload_done'), ('consumer', 'consumer'), ('consumer', 'consumer_typed'),
                    ('event', 'event_first'), ('event', 'event_last')) x(kind, name)
  JOIN fuzz_ref r ON r.name = x.name
 ORDER BY t.tenant, x.kind, x.name, r.tenant;
-- Ids of other kinds of things: a hold is no reload request, a request or a
-- transaction no event.
INSERT INTO fuzz_pool (kind, tenant, class, expr)
SELECT x.kind, r.tenant, 'bad', quote_literal(r.value)
  FROM (VALUES ('reload_request', 'hold'), ('reload_request', 'credit_txn'), ('event', 'hold'),
               ('event', 'reload_pending')) x(kind, name)
  JOIN fuzz_ref r ON r.name = x.name
 ORDER BY r.tenant, x.kind, x.name;
-- Stateful: a cancelled hold cannot be settled, a reversal not reversed.
INSERT INTO fuzz_pool (kind, tenant, class, expr)
SELECT CASE name WHEN 'cancelled_hold' THEN 'reservation' ELSE 'transaction' END, tenant, 'bad', quote_literal(value)
  FROM fuzz_ref WHERE name IN ('cancelled_hold', 'reversal_txn') ORDER BY tenant, name;
SELECT pg_temp.pool('{account}', 'good', $$
    'a_frozen'
    'a_closed'
    'a_empty'
    'a_usd'
    'a_full'
    'a_plan'
    'a_watch'
    'a_reloaded'
$$, 'fz_a');
SELECT pg_temp.pool('{account}', 'good', $$
    'b_frozen'
    'b_closed'
    'b_plan'
    'b_watch'
    'b_reloaded'
$$, 'fz_b');

-- Amounts: every numeric edge.
SELECT pg_temp.pool('{amount,amount_opt,amount_signed,nonneg,nonneg_acct,allowance}', 'bad', $$
    'NaN'
    'Infinity'
    '-Infinity'
    1000000000000001
    -1000000000000001
    1e-20
    0.0000000000000000001
    99999999999999999999999
$$);
SELECT pg_temp.pool('{amount,amount_opt,allowance}', 'bad', $$
    -1
    0
    '-0'
    -0.5
$$);
SELECT pg_temp.pool('{amount,amount_signed,allowance}', 'bad', 'NULL');
SELECT pg_temp.pool('{amount_signed}', 'bad', $$
    0
    '-0'
    0.000
$$);
SELECT pg_temp.pool('{nonneg,nonneg_acct}', 'bad', $$
    -1
    -0.5
$$);
SELECT pg_temp.pool('{amount,amount_opt,amount_signed,nonneg,nonneg_acct,allowance}', 'cast', $$
    'abc'
    '1,5'
    ''
    '1e1000000'
    '0x10'
$$);
SELECT pg_temp.pool('{amount,amount_opt,amount_signed,nonneg_acct}', 'bad', value || E'\n-' || value, tenant)
  FROM fuzz_ref WHERE name = 'frac' ORDER BY tenant;
SELECT pg_temp.pool('{amount,amount_opt,amount_signed}', 'good', value || E'\n5.00', tenant)
  FROM fuzz_ref WHERE name = 'amount' ORDER BY tenant;
SELECT pg_temp.pool('{amount_signed}', 'good', '-' || value, tenant)
  FROM fuzz_ref WHERE name = 'amount' ORDER BY tenant;
SELECT pg_temp.pool('{amount_opt}', 'good', 'NULL');
SELECT pg_temp.pool('{amount,amount_opt,amount_signed}', 'edge', $$
    1000000000000000
    999999999999999.99
    0.01
$$);
SELECT pg_temp.pool('{amount_signed}', 'edge', '-1000000000000000');
SELECT pg_temp.pool('{nonneg,nonneg_acct}', 'good', $$
    NULL
    0
    10
$$);
SELECT pg_temp.pool('{nonneg,nonneg_acct,allowance}', 'edge', $$
    1000000000000000
    0.000000000000000001
$$);
SELECT pg_temp.pool('{allowance}', 'good', $$
    100
    12.5
$$);

-- Free text (descriptions and reasons: 10,000 bytes; names: 255): anything
-- but control characters.
SELECT pg_temp.pool('{text,name}', 'good',
                    E'NULL\n''plain''\n' || pg_temp.s('empty', 'blank', 'long', 'newline', 'tab', 'bidi', 'zwsp', 'bom',
                                                      'lead', 'trail', 'nbsp', 'inject', 'inject2', 'inject3'));
SELECT pg_temp.pool('{text}', 'good', $$E'a\r\nb'$$);
SELECT pg_temp.pool('{text,name}', 'bad', pg_temp.s('ctrl', 'del', 'esc', 'linesep', 'c1'));
SELECT pg_temp.pool('{text}', 'bad', E'repeat(''x'', 10001)\nrepeat(''é'', 5001)\n' || pg_temp.s('huge'));
SELECT pg_temp.pool('{text}', 'edge', $$
    repeat('x', 10000)
    repeat('é', 5000)
$$);
SELECT pg_temp.pool('{name}', 'bad', $$
    repeat('x', 256)
    repeat('é', 128)
$$);
SELECT pg_temp.pool('{name}', 'edge', $$
    repeat('x', 255)
    repeat('é', 127)
$$);

-- Identifiers that are stored (references, categories, owner ids, keys,
-- external ids, plan codes, units, tenants): no control, bidirectional or
-- invisible character, no space at either end, not blank, 255 bytes at most.
SELECT pg_temp.pool('{ident,key,external_id,plan_code,unit,tenant_name,session_tenant,consumer_name}', 'bad',
                    pg_temp.s('empty', 'blank', 'long', 'huge', 'newline', 'tab', 'ctrl', 'del', 'esc', 'bidi', 'zwsp',
                              'bom', 'linesep', 'c1', 'lead', 'trail', 'nbsp'));
SELECT pg_temp.pool('{ident,key,external_id,plan_code,tenant_name,session_tenant,consumer_name}', 'bad',
                    $$repeat('é', 128)$$);
SELECT pg_temp.pool('{ident,key,external_id,plan_code,tenant_name,consumer_name}', 'edge', $$
    repeat('x', 255)
    repeat('é', 127)
$$);
SELECT pg_temp.pool('{ident,key,external_id,plan_code,tenant_name,consumer_name}', 'good',
                    E'''ünïcødé-1''\n' || pg_temp.s('inject', 'inject2', 'inject3'));
SELECT pg_temp.pool('{ident,key}', 'good', E'NULL\n''ref-1''');
SELECT pg_temp.pool('{external_id,plan_code,tenant_name,consumer_name}', 'bad', 'NULL');
SELECT pg_temp.pool('{external_id}', 'good', $$'fz_new_account'$$);
SELECT pg_temp.pool('{external_id}', 'bad', $$'acc_01ARZ3NDEKTSV4RRFFQ69G5FAV'$$);
SELECT pg_temp.pool('{external_id}', 'bad', quote_literal(value), tenant)
  FROM fuzz_ref WHERE name = 'main' ORDER BY tenant;
SELECT pg_temp.pool('{plan_code}', 'good', $$'fz_new_plan'$$);
SELECT pg_temp.pool('{plan_code}', 'bad', $$'pln_01ARZ3NDEKTSV4RRFFQ69G5FAV'$$);
SELECT pg_temp.pool('{plan_code}', 'bad', quote_literal(value), tenant)
  FROM fuzz_ref WHERE name = 'plan' ORDER BY tenant;
SELECT pg_temp.pool('{unit}', 'good', $$
    NULL
    'credits'
    'USD'
$$);
SELECT pg_temp.pool('{unit}', 'bad', $$repeat('u', 33)$$);
SELECT pg_temp.pool('{unit}', 'edge', $$repeat('u', 32)$$);
SELECT pg_temp.pool('{tenant_name}', 'good', $$
    'fz_a'
    'fz_b'
    'fz_new'
$$);
-- credits_unbind_role's tenant is a lookup: only its length matters.
SELECT pg_temp.pool('{tenant_ref}', 'good', E'NULL\n''fz_a''\n' || pg_temp.s('empty', 'ctrl', 'bidi', 'inject'));
SELECT pg_temp.pool('{tenant_ref}', 'bad', pg_temp.s('long', 'huge'));

SELECT pg_temp.pool('{email}', 'good', $$
    NULL
    'x@example.com'
$$);
SELECT pg_temp.pool('{email}', 'edge', $$
    'a@b'
    repeat('x', 300) || '@example.com'
$$);
SELECT pg_temp.pool('{email}', 'bad', $$
    ''
    '   '
    'no-at-sign'
    '@example.com'
    'x@'
    'a b@example.com'
    E'x\x01@example.com'
    E'x\u202E@example.com'
    E'x@example.com\n'
    ' x@example.com'
    repeat('x', 330) || '@example.com'
$$);

-- Integers and booleans.
SELECT pg_temp.pool('{scale,priority,page_size,page_offset,max,claim_max,reload_limit,max_failures}', 'cast', $$
    '99999999999999999999999'
    '2.5'
    ''
    'two'
$$);
SELECT pg_temp.pool('{scale}', 'good', E'NULL\n0\n2');
SELECT pg_temp.pool('{scale}', 'edge', '18');
SELECT pg_temp.pool('{scale}', 'bad', E'-1\n19\n2147483647\n-2147483648');
SELECT pg_temp.pool('{priority}', 'good', E'NULL\n0\n1\n-1');
SELECT pg_temp.pool('{priority}', 'edge', E'2147483647\n-2147483648');
SELECT pg_temp.pool('{page_size}', 'good', E'NULL\n1\n50');
-- Listing cursors and filters (credits_list_entries, credits_list_accounts).
SELECT pg_temp.pool('{entry_cursor}', 'good', E'NULL\n''1''\n''3''\n''9223372036854775807''');
SELECT pg_temp.pool('{entry_cursor}', 'bad', E'''0''\n''-1''\n''x''\n''1.5''\n''99999999999999999999''\n'
                    || pg_temp.s('empty', 'ctrl', 'huge'));
SELECT pg_temp.pool('{account_cursor}', 'good', E'NULL\n''acc_00000000000000000000000000''');
SELECT pg_temp.pool('{account_cursor}', 'bad', E'''12''\n''res_00000000000000000000000000''\n'
                    || pg_temp.s('empty', 'ctrl', 'huge'));
SELECT pg_temp.pool('{filter_json}', 'good', E'NULL\n''{}''\n''{"plan": "pro"}''\n''[]''\n''"x"''');
SELECT pg_temp.pool('{page_size}', 'edge', '1000');
SELECT pg_temp.pool('{page_size}', 'bad', E'0\n-1\n1001\n2147483647\n-2147483648');
SELECT pg_temp.pool('{page_offset}', 'good', E'NULL\n0\n10');
SELECT pg_temp.pool('{page_offset}', 'edge', '2147483647');
SELECT pg_temp.pool('{page_offset}', 'bad', E'-1\n-2147483648');
SELECT pg_temp.pool('{max}', 'good', E'NULL\n1\n1000');
SELECT pg_temp.pool('{max}', 'edge', '2147483647');
SELECT pg_temp.pool('{max}', 'bad', E'0\n-1\n-2147483648');
SELECT pg_temp.pool('{bool}', 'good', E'NULL\ntrue\nfalse');
SELECT pg_temp.pool('{bool}', 'cast', E'''maybe''\n''2''');
-- credits_verify: all_tenants together with an account is refused (its
-- account is never NULL here).
SELECT pg_temp.pool('{verify_all}', 'good', E'NULL\nfalse');
SELECT pg_temp.pool('{verify_all}', 'bad', 'true');

-- Words from a fixed set.
SELECT pg_temp.pool(ARRAY[kind], 'good', words) FROM (VALUES
    ('on_excess', E'NULL\n''reject''\n''cap''\n''allow'''),
    ('status', E'NULL\n''active''\n''frozen''\n''closed'''),
    ('entry_type', E'NULL\n''credit''\n''debit''\n''allocation''\n''expiry'''),
    ('period', E'''day''\n''week''\n''month''\n''year'''),
    ('rollover', E'NULL\n''none''\n''all''\n''0''\n''10''\n''12.5'''),
    ('start_mode', E'NULL\n''immediate''\n''next_period'''),
    ('access', E'NULL\n''read''\n''app''\n''admin''')) w(kind, words);
SELECT pg_temp.pool('{on_excess,status,entry_type,period,rollover,start_mode,access}', 'bad',
                    E'''''\n''nonsense''\n''ALL''\n'' all''\n''all ''\nrepeat(''c'', 70)\n'
                    || pg_temp.s('ctrl', 'inject'));
SELECT pg_temp.pool('{on_excess}', 'bad', E'''REJECT''\n''deny''\n''cap ''');
SELECT pg_temp.pool('{status}', 'bad', E'''deleted''\n''ACTIVE''\n'' active''');
SELECT pg_temp.pool('{entry_type}', 'bad', E'''credits''\n''CREDIT''\n'' debit''');
SELECT pg_temp.pool('{period}', 'bad', E'NULL\n''fortnight''\n''DAY''\n''days''\n'' month''');
SELECT pg_temp.pool('{rollover}', 'bad', $$
    '-1'
    'NaN'
    'Infinity'
    '1e3'
    '1.'
    '.5'
    ' 10'
    '1000000000000001'
    '0.0000000000000000001'
$$);
SELECT pg_temp.pool('{rollover}', 'edge', E'''1000000000000000''\n''0.000000000000000001''');
SELECT pg_temp.pool('{start_mode}', 'bad', E'''now''\n''IMMEDIATE''\n'' immediate''');
SELECT pg_temp.pool('{access}', 'bad', E'''superuser''\n''ADMIN''\n'' app''');

SELECT pg_temp.pool('{role}', 'good', E'''fuzz_victim''\n''fuzz_bound''\n''fuzz_app''');
SELECT pg_temp.pool('{role}', 'bad', E'NULL\n''-''');
SELECT pg_temp.pool('{role}', 'cast', E'''no_such_role''\n''"; DROP ROLE fuzz_app; --''');

-- jsonb metadata: an object of at most 64 kB.
SELECT pg_temp.pool('{metadata}', 'good', $$
    NULL
    '{}'
    '{"k": "v"}'
    '{"a": {"b": [1, 2, {"c": null}]}}'
    '{"''; DROP TABLE credits_entry; --": "\u202e"}'
$$);
SELECT pg_temp.pool('{metadata}', 'edge', $$
    repeat('{"a": ', 1000) || '1' || repeat('}', 1000)
    jsonb_build_object('k', repeat('x', 65400))
    jsonb_build_object('k', repeat('x', 65500))
$$);
SELECT pg_temp.pool('{metadata}', 'bad', $$
    '[]'
    '[{"k": "v"}]'
    '1'
    '"text"'
    'null'
    'true'
    jsonb_build_object('k', repeat('x', 70000))
    jsonb_build_object('a', (SELECT jsonb_agg(i) FROM generate_series(1, 20000) i))
$$);
SELECT pg_temp.pool('{metadata,ops}', 'cast', $$
    '{"a":'
    '{bad}'
    ''
    '{"a": "\u0000"}'
    repeat('[', 100000) || repeat(']', 100000)
$$);

-- Intervals and timestamps at their limits. Expiries lie after now and at
-- most 100 years ahead.
SELECT pg_temp.pool('{ttl}', 'good', E'NULL\n''30 days''\n''0''\n''0.0000001 seconds''');
SELECT pg_temp.pool('{expires_in}', 'good', E'NULL\n''1 hour''\n''30 days''');
SELECT pg_temp.pool('{expires_in_req}', 'good', E'''1 hour''\n''30 days''');
SELECT pg_temp.pool('{ttl,expires_in,expires_in_req}', 'edge', $$
    '100 years'
    '1 microsecond'
    '99 years 11 mons 30 days'
$$);
SELECT pg_temp.pool('{ttl,expires_in,expires_in_req}', 'bad', $$
    '-1 day'
    '-1 microsecond'
    '178000000 years'
    '-178000000 years'
    '101 years'
    '100 years 1 day'
    '2147483647 days'
    '-2147483648 days'
    '1 mon -40 days'
    '2562047788 hours'
$$);
SELECT pg_temp.pool('{expires_in,expires_in_req}', 'bad', E'''0''\n''0.0000001 seconds''');
SELECT pg_temp.pool('{expires_in_req}', 'bad', 'NULL');
SELECT pg_temp.pool('{ttl,expires_in,expires_in_req}', 'cast', E'''200000000 years''\n''forever''\n''infinity''');
SELECT pg_temp.pool('{expires_at}', 'good', E'NULL\nnow() + interval ''1 day''');
SELECT pg_temp.pool('{expires_at}', 'edge', E'now() + interval ''100 years''\nnow() + interval ''1 microsecond''');
SELECT pg_temp.pool('{expires_at}', 'bad', $$
    'infinity'
    '-infinity'
    now()
    now() - interval '1 second'
    '4713-01-01 BC'
    '294276-12-31'
    now() + interval '101 years'
    '2000-01-01'
    'epoch'
$$);
SELECT pg_temp.pool('{expires_at,anchor,ts}', 'cast', E'''294277-01-01''\n''not a date''\n''4714-11-23 BC''');
SELECT pg_temp.pool('{anchor}', 'good', E'NULL\nnow()\nnow() - interval ''1 day''\nnow() + interval ''1 day''');
SELECT pg_temp.pool('{anchor}', 'edge', $$
    '294276-12-31'
    '4713-01-01 BC'
    '1970-01-01'
    '2000-02-29'
    now() + interval '1000 years'
    now() - interval '1000 years'
$$);
SELECT pg_temp.pool('{anchor,ts}', 'bad', E'''infinity''\n''-infinity''');
SELECT pg_temp.pool('{ts}', 'good', E'NULL\nnow() - interval ''1 day''\nnow() + interval ''1 day''');
SELECT pg_temp.pool('{ts}', 'edge', E'''4713-01-01 BC''\n''294276-12-31 23:59:59''');

-- Batches that are broken as a whole (the driver makes the others).
SELECT pg_temp.pool('{ops}', 'bad', $$
    NULL
    '{}'
    '1'
    '"ops"'
    'null'
    'true'
    '{"op": "debit", "account": "a_main", "amount": 1}'
    (SELECT jsonb_agg('{"op": "debit", "account": "a_main", "amount": 1}'::jsonb) FROM generate_series(1, 100001))
    (SELECT jsonb_agg('{"op": "debit", "account": "nobody", "amount": 1}'::jsonb) FROM generate_series(1, 2000))
$$);
SELECT pg_temp.pool('{ops}', 'edge', $$'[]'$$);

-- credits_verify's account: a non-NULL account reference.
INSERT INTO fuzz_pool (kind, tenant, class, expr)
SELECT 'account_nn', tenant, class, expr FROM fuzz_pool WHERE kind = 'account' AND expr <> 'NULL' ORDER BY id;

-- Usage metering. A usage record may name any hold or transaction of its
-- account, settled or not (what failed usage was held by, say), or none.
INSERT INTO fuzz_pool (kind, tenant, class, expr)
SELECT p.kind || '_link', p.tenant,
       CASE WHEN p.expr = 'NULL' OR p.expr IN (SELECT quote_literal(value) FROM fuzz_ref r
                                               WHERE r.tenant = p.tenant AND r.name IN ('cancelled_hold', 'reversal_txn'))
            THEN 'good' ELSE p.class END, p.expr
  FROM fuzz_pool p WHERE p.kind IN ('reservation', 'transaction') ORDER BY p.id;
-- Listings and summaries of the whole tenant take no account.
INSERT INTO fuzz_pool (kind, tenant, class, expr)
SELECT 'account_opt', tenant, CASE WHEN expr = 'NULL' THEN 'good' ELSE class END, expr
  FROM fuzz_pool WHERE kind = 'account' ORDER BY id;
SELECT pg_temp.pool('{model}', 'good', E'''gpt''\n''no_price''');
SELECT pg_temp.pool('{model}', 'bad', E'NULL\n' || pg_temp.s('empty', 'blank', 'long', 'ctrl', 'bidi', 'lead'));
SELECT pg_temp.pool('{model_new}', 'good', E'''gpt''\n''fz_model''');
SELECT pg_temp.pool('{model_new}', 'bad', E'NULL\n' || pg_temp.s('empty', 'blank', 'long', 'ctrl', 'bidi', 'lead'));
SELECT pg_temp.pool('{label}', 'good', E'NULL\n''text''\n''image''');
SELECT pg_temp.pool('{label}', 'bad', pg_temp.s('empty', 'blank', 'long', 'ctrl', 'bidi', 'trail'));
SELECT pg_temp.pool('{context}', 'good', E'NULL\n''customer''\n''developer''');
SELECT pg_temp.pool('{context}', 'bad', E'''admin''\n''CUSTOMER''\n' || pg_temp.s('empty', 'ctrl', 'inject'));
SELECT pg_temp.pool('{tokens}', 'good', E'NULL\n0\n1000');
SELECT pg_temp.pool('{tokens}', 'edge', '1000000000000000');
SELECT pg_temp.pool('{tokens}', 'bad', E'-1\n1000000000000001\n9223372036854775807\n-9223372036854775808');
SELECT pg_temp.pool('{requests}', 'good', E'NULL\n0\n1\n3');
SELECT pg_temp.pool('{requests}', 'edge', '1000000');
SELECT pg_temp.pool('{requests}', 'bad', E'-1\n1000001\n2147483647\n-2147483648');
SELECT pg_temp.pool('{per_tokens}', 'good', E'NULL\n1\n1000\n1000000');
SELECT pg_temp.pool('{per_tokens}', 'bad', E'0\n-1\n10\n999\n2147483647');
SELECT pg_temp.pool('{rounding}', 'good', E'NULL\n''up''\n''half_up''\n''down''');
SELECT pg_temp.pool('{rounding}', 'bad', E'''ceil''\n''UP''\n' || pg_temp.s('empty', 'ctrl', 'huge'));
SELECT pg_temp.pool('{summary_period}', 'good', E'NULL\n''hour''\n''day''\n''week''\n''month''\n''year''');
SELECT pg_temp.pool('{summary_period}', 'bad', E'''decade''\n''MONTH''\n' || pg_temp.s('empty', 'ctrl', 'huge'));
SELECT pg_temp.pool('{time_zone}', 'good', E'NULL\n''UTC''\n''America/New_York''\n''Asia/Kathmandu''');
SELECT pg_temp.pool('{time_zone}', 'bad', E'''Mars/Olympus''\n' || pg_temp.s('empty', 'ctrl', 'long', 'inject'));
SELECT pg_temp.pool('{group_by}', 'good', E'NULL\n''{}''\n''{model}''\n''{model,usage_type,endpoint,context}''');
SELECT pg_temp.pool('{group_by}', 'bad', E'''{tenant}''\n''{NULL}''\n''{""model ""}''');
SELECT pg_temp.pool('{occurred_at}', 'good', E'NULL\nnow()\nnow() - interval ''34 days''');
SELECT pg_temp.pool('{occurred_at}', 'bad', E'now() - interval ''36 days''\nnow() + interval ''1 hour''\n''infinity''\n''-infinity''');
SELECT pg_temp.pool('{occurred_at}', 'cast', E'''not a date''');
SELECT pg_temp.pool('{before}', 'good', E'now() - interval ''40 days''\nnow() - interval ''10 years''');
SELECT pg_temp.pool('{before}', 'bad', E'NULL\nnow()\nnow() - interval ''1 day''\n''infinity''\n''-infinity''');

-- Alerts, auto-reload and the event feed.
-- notify_emails: at most 20 distinct addresses (a name, an @ and a domain,
-- no space, comma, semicolon or angle bracket); '{}' or NULL: none.
SELECT pg_temp.pool('{emails}', 'good', $$
    NULL
    '{}'
    '{x@example.com}'
    '{ops@example.com,billing@sub.example.org}'
    ARRAY(SELECT 'u' || i || '@example.com' FROM generate_series(1, 20) i)
    '{"o''brien+tag@example.com"}'
$$);
SELECT pg_temp.pool('{emails}', 'edge', $$
    '{a@b}'
    ARRAY[repeat('x', 308) || '@example.com']
    '[0:1]={a@example.com,b@example.com}'
    '{x@example.com,X@EXAMPLE.COM}'
$$);
SELECT pg_temp.pool('{emails}', 'bad', $$
    '{x@y@example.com}'
    '{NULL}'
    '{x@example.com,NULL}'
    '{x@example.com,x@example.com}'
    '{{x@example.com}}'
    '{{x@example.com},{y@example.com}}'
    ARRAY(SELECT 'u' || i || '@example.com' FROM generate_series(1, 21) i)
    '{""}'
    '{"   "}'
    '{no-at-sign}'
    '{@example.com}'
    '{x@}'
    '{"a,b@example.com"}'
    '{"a b@example.com"}'
    '{<x@example.com>}'
    '{"x@example.com;y@example.com"}'
    '{" x@example.com"}'
    ARRAY[E'x\x01@example.com']
    ARRAY[E'x\u202E@example.com']
    ARRAY[E'x@example.com\n']
    ARRAY[repeat('x', 309) || '@example.com']
$$);
SELECT pg_temp.pool('{emails,event_types}', 'cast', $$
    'x@example.com'
    '{unterminated'
    '{{a},b}'
$$);
-- Alert thresholds: at most 20 distinct amounts, zero or more, in the
-- account's scale (what is too fine for fz_a may suit fz_b).
SELECT pg_temp.pool('{thresholds}', 'good', $$
    '{}'
    '{100, 10}'
    '{0}'
    '{10, 500, 50}'
    ARRAY(SELECT i * 10 FROM generate_series(1, 20) i)
$$);
SELECT pg_temp.pool('{thresholds}', 'good', format('''{%s}''', value), tenant)
  FROM fuzz_ref WHERE name = 'amount' ORDER BY tenant;
SELECT pg_temp.pool('{thresholds}', 'good', $$'{1.5, 0.25}'$$, 'fz_b');
SELECT pg_temp.pool('{thresholds}', 'edge', $$
    '{1000000000000000}'
    '{1000000000000000, 0}'
$$);
SELECT pg_temp.pool('{thresholds}', 'bad', $$
    NULL
    '{NULL}'
    '{100, NULL}'
    '{-1}'
    '{100, -0.5}'
    '{NaN}'
    '{Infinity}'
    '{-Infinity}'
    '{1000000000000001}'
    '{1e-20}'
    '{0.000000000000000001}'
    '{{100}, {10}}'
    '{{100, 10}}'
    '{10, 10}'
    '{10, 10.0, 5}'
    ARRAY(SELECT i FROM generate_series(1, 21) i)
    ARRAY(SELECT 7 FROM generate_series(1, 21) i)
$$);
SELECT pg_temp.pool('{thresholds}', 'bad', format('''{%s}''', value) || E'\n' || format('''{100, %s}''', value), tenant)
  FROM fuzz_ref WHERE name = 'frac' ORDER BY tenant;
SELECT pg_temp.pool('{thresholds}', 'bad', $$'{1.5, 1.50}'$$, 'fz_b');
SELECT pg_temp.pool('{thresholds}', 'cast', $$
    '{abc}'
    '{1,5'
    '{1e1000000}'
$$);
-- Auto-reload: limits NULL or at least 1, a cooldown of zero to 366 days
-- (a month counts 30), max_failures 1 to 100.
SELECT pg_temp.pool('{reload_limit}', 'good', E'NULL\n1\n10');
SELECT pg_temp.pool('{reload_limit}', 'edge', '2147483647');
SELECT pg_temp.pool('{reload_limit}', 'bad', E'0\n-1\n-2147483648');
SELECT pg_temp.pool('{max_failures}', 'good', E'NULL\n1\n3');
SELECT pg_temp.pool('{max_failures}', 'edge', '100');
SELECT pg_temp.pool('{max_failures}', 'bad', E'0\n-1\n101\n2147483647\n-2147483648');
SELECT pg_temp.pool('{cooldown}', 'good', $$
    NULL
    '30 seconds'
    '0'
    '1 hour'
$$);
SELECT pg_temp.pool('{cooldown}', 'edge', $$
    '1 year'
    '12 mons'
    '365 days'
    '0.000001 seconds'
    '1 day -1 hour'
    '1 year 1 day'
    '366 days'
$$);
SELECT pg_temp.pool('{cooldown}', 'bad', $$
    '-1 second'
    '-1 microsecond'
    '-1 day'
    '1 mon -40 days'
    '2 years'
    '13 mons'
    '367 days'
    '8785 hours'
    '12 mons 366 days'
    '178000000 years'
    '-178000000 years'
    '2147483647 days'
    '2562047788 hours'
$$);
SELECT pg_temp.pool('{cooldown}', 'cast', E'''200000000 years''\n''forever''\n''infinity''');
-- credits_complete_reload: succeeded is required.
SELECT pg_temp.pool('{succeeded}', 'good', E'true\nfalse');
SELECT pg_temp.pool('{succeeded}', 'bad', 'NULL');
SELECT pg_temp.pool('{succeeded}', 'cast', E'''maybe''\n''2''');
-- Consumers: any name may be created or dropped (another tenant's is new
-- here); types NULL (every one) or known types.
INSERT INTO fuzz_pool (kind, class, expr)
SELECT 'consumer_name', 'good', quote_literal(value) FROM fuzz_ref WHERE name IN ('consumer', 'consumer_typed')
 ORDER BY tenant, name;
SELECT pg_temp.pool('{consumer_name}', 'good', $$'fz_new_feed'$$);
SELECT pg_temp.pool('{event_types}', 'good', $$
    NULL
    '{balance.low}'
    '{balance.low,balance.depleted}'
    '{balance.depleted,balance.low,balance.low}'
    '{balance.low,balance.depleted,balance.recovered,auto_reload.requested,auto_reload.succeeded,auto_reload.failed,auto_reload.disabled,reservation.expired,grant.expired,plan.renewed,account.status_changed}'
$$);
SELECT pg_temp.pool('{event_types}', 'bad', $$
    '{}'
    '{nope}'
    ARRAY[NULL]
    '{balance.low,NULL}'
    '{BALANCE.LOW}'
    '{" balance.low"}'
    '{balance}'
    '{""}'
    '{{balance.low}}'
    '{{balance.low},{balance.depleted}}'
    ARRAY[E'balance.low\n']
    ARRAY[repeat('x', 1000000)]
$$);
SELECT pg_temp.pool('{start_at}', 'good', E'NULL\n''beginning''\n''now''');
SELECT pg_temp.pool('{start_at}', 'bad', E'''yesterday''\n''NOW''\n'' now''\n''now ''\n''end''\nrepeat(''n'', 33)\n'
                                          || pg_temp.s('empty', 'ctrl', 'huge', 'inject'));
-- credits_claim_events: 1 to 10,000 events.
SELECT pg_temp.pool('{claim_max}', 'good', E'NULL\n1\n100');
SELECT pg_temp.pool('{claim_max}', 'edge', '10000');
SELECT pg_temp.pool('{claim_max}', 'bad', E'0\n-1\n10001\n2147483647\n-2147483648');

-- Every function a role can call (not the trigger functions), the access set
-- that grants it and whether it writes; its parameters and their kinds.
CREATE TABLE fuzz_fn (fn text PRIMARY KEY, access text NOT NULL, writes bool NOT NULL);
CREATE TABLE fuzz_param (fn text REFERENCES fuzz_fn, pos int, name text, type text, kind text, PRIMARY KEY (fn, pos));
INSERT INTO fuzz_fn VALUES
    ('credits_get_account', 'read', false), ('credits_balance', 'read', false), ('credits_ledger', 'read', false),
    ('credits_current_tenant', 'read', false), ('credits_verify', 'admin', false),
    ('credits_create_account', 'app', true), ('credits_update_account', 'app', true),
    ('credits_credit', 'app', true), ('credits_debit', 'app', true), ('credits_reserve', 'app', true),
    ('credits_confirm', 'app', true), ('credits_cancel', 'app', true), ('credits_extend_reservation', 'app', true),
    ('credits_reverse', 'app', true), ('credits_adjust', 'app', true), ('credits_transfer', 'app', true),
    ('credits_freeze', 'app', true), ('credits_unfreeze', 'app', true), ('credits_close', 'app', true),
    ('credits_reopen', 'app', true), ('credits_apply', 'app', true), ('credits_assign_plan', 'app', true),
    ('credits_cancel_plan', 'app', true), ('credits_create_plan', 'admin', true), ('credits_run_due', 'admin', true),
    ('credits_expire_reservations', 'admin', true), ('credits_bind_role', 'admin', true),
    ('credits_unbind_role', 'admin', true), ('credits_grant_access', 'admin', true),
    ('credits_revoke_access', 'admin', true), ('credits_record_usage', 'app', true),
    ('credits_charge', 'app', true), ('credits_set_price', 'admin', true), ('credits_prune_usage', 'admin', true),
    ('credits_quote', 'read', false), ('credits_list_usage', 'read', false),
    ('credits_usage_summary', 'read', false), ('credits_account_summary', 'read', false),
    ('credits_list_entries', 'read', false), ('credits_list_accounts', 'read', false),
    ('credits_set_alerts', 'app', true), ('credits_set_auto_reload', 'app', true),
    ('credits_complete_reload', 'app', true), ('credits_create_consumer', 'app', true),
    ('credits_drop_consumer', 'app', true), ('credits_claim_events', 'app', false),
    ('credits_ack_events', 'app', true), ('credits_prune_events', 'admin', true);
INSERT INTO fuzz_param
SELECT fn, i, split_part(p, ' ', 1), split_part(p, ' ', 2), split_part(p, ' ', 3)
  FROM (VALUES
    ('credits_adjust', 'account text account,amount numeric amount_signed,reason text text,idempotency_key text key'),
    ('credits_apply', 'ops jsonb ops,atomic boolean bool'),
    ('credits_assign_plan', 'account text account,plan text plan,start_mode text start_mode,anchor timestamptz anchor'),
    ('credits_balance', 'account text account'),
    ('credits_bind_role', 'role regrole role,tenant text tenant_name'),
    ('credits_cancel', 'reservation text reservation'),
    ('credits_cancel_plan', 'account text account'),
    ('credits_close', 'account text account,reason text text'),
    ('credits_confirm', 'reservation text reservation,amount numeric amount_opt,description text text,'
                        'metadata jsonb metadata,on_excess text on_excess'),
    ('credits_create_account', 'external_id text external_id,name text name,email text email,metadata jsonb metadata,'
                               'unit text unit,scale integer scale,overdraft_limit numeric nonneg,'
                               'initial_balance numeric nonneg,owner_id text ident,default_grant_ttl interval ttl,'
                               'min_credit_amount numeric nonneg,notify_emails text[] emails,idempotency_key text key'),
    ('credits_list_entries', 'account text account,page_size integer page_size,page_offset integer page_offset,'
                             'after text entry_cursor,entry_type text entry_type,since timestamptz ts,'
                             'until timestamptz ts'),
    ('credits_list_accounts', 'owner_id text ident,status text status,metadata jsonb filter_json,'
                              'page_size integer page_size,page_offset integer page_offset,after text account_cursor'),
    ('credits_create_plan', 'code text plan_code,name text name,allowance numeric allowance,period text period,'
                            'rollover text rollover,metadata jsonb metadata'),
    ('credits_credit', 'account text account,amount numeric amount,description text text,reference text ident,'
                       'idempotency_key text key,metadata jsonb metadata,expires_at timestamptz expires_at,'
                       'expires_in interval expires_in,priority integer priority,category text ident'),
    ('credits_current_tenant', ''),
    ('credits_debit', 'account text account,amount numeric amount,description text text,reference text ident,'
                      'idempotency_key text key,metadata jsonb metadata'),
    ('credits_expire_reservations', 'max integer max'),
    ('credits_extend_reservation', 'reservation text reservation,expires_in interval expires_in_req'),
    ('credits_freeze', 'account text account,reason text text'),
    ('credits_get_account', 'account text account'),
    ('credits_grant_access', 'role regrole role,access text access'),
    ('credits_ledger', 'account text account,entry_type text entry_type,since timestamptz ts,until timestamptz ts,'
                       'page_size integer page_size,page_offset integer page_offset'),
    ('credits_reopen', 'account text account,reason text text'),
    ('credits_reserve', 'account text account,amount numeric amount,expires_in interval expires_in,'
                        'expires_at timestamptz expires_at,description text text,reference text ident,'
                        'idempotency_key text key,metadata jsonb metadata'),
    ('credits_reverse', 'transaction text transaction,amount numeric amount_opt,reason text text,'
                        'idempotency_key text key,force boolean bool'),
    ('credits_revoke_access', 'role regrole role'),
    ('credits_run_due', 'max integer max'),
    ('credits_transfer', 'from_account text account,to_account text account,amount numeric amount,'
                         'description text text,reference text ident,idempotency_key text key,metadata jsonb metadata'),
    ('credits_unbind_role', 'role regrole role,tenant text tenant_ref'),
    ('credits_unfreeze', 'account text account,reason text text'),
    ('credits_update_account', 'account text account,name text name,email text email,metadata jsonb metadata,'
                               'overdraft_limit numeric nonneg_acct,status text status,default_grant_ttl interval ttl,'
                               'min_credit_amount numeric nonneg_acct,notify_emails text[] emails'),
    ('credits_verify', 'account text account_nn,all_tenants boolean verify_all'),
    ('credits_record_usage', 'account text account,model text ident,usage_type text label,endpoint text ident,'
                             'context text context,input_tokens bigint tokens,cached_input_tokens bigint tokens,'
                             'cache_write_tokens bigint tokens,output_tokens bigint tokens,'
                             'reasoning_tokens bigint tokens,units numeric nonneg,requests integer requests,'
                             'success boolean bool,cost numeric nonneg,transaction text transaction_link,'
                             'reservation text reservation_link,description text text,metadata jsonb metadata,'
                             'occurred_at timestamptz occurred_at,idempotency_key text key'),
    ('credits_charge', 'account text account,model text model,usage_type text label,input_tokens bigint tokens,'
                       'cached_input_tokens bigint tokens,cache_write_tokens bigint tokens,'
                       'output_tokens bigint tokens,reasoning_tokens bigint tokens,units numeric nonneg,'
                       'requests integer requests,idempotency_key text key,reservation text reservation,'
                       'endpoint text ident,context text context,success boolean bool,description text text,'
                       'reference text ident,metadata jsonb metadata,occurred_at timestamptz occurred_at,'
                       'on_excess text on_excess'),
    ('credits_set_price', 'model text model_new,usage_type text label,input_price numeric nonneg,'
                          'cached_input_price numeric nonneg,cache_write_price numeric nonneg,'
                          'output_price numeric nonneg,reasoning_price numeric nonneg,request_price numeric nonneg,'
                          'unit_price numeric nonneg,per_tokens integer per_tokens,rounding text rounding,'
                          'effective_from timestamptz ts,description text text,metadata jsonb metadata'),
    ('credits_quote', 'account text account,model text model,usage_type text label,input_tokens bigint tokens,'
                      'cached_input_tokens bigint tokens,cache_write_tokens bigint tokens,'
                      'output_tokens bigint tokens,reasoning_tokens bigint tokens,units numeric nonneg,'
                      'requests integer requests,at timestamptz ts'),
    ('credits_list_usage', 'account text account_opt,context text context,model text ident,since timestamptz ts,'
                           'until timestamptz ts,page_size integer page_size,page_offset integer page_offset'),
    ('credits_usage_summary', 'account text account_opt,period text summary_period,since timestamptz ts,'
                              'until timestamptz ts,group_by text[] group_by,time_zone text time_zone,'
                              'context text context,model text ident'),
    ('credits_account_summary', 'account text account,time_zone text time_zone'),
    ('credits_prune_usage', 'before timestamptz before'),
    ('credits_set_alerts', 'account text account,thresholds numeric[] thresholds,depleted boolean bool'),
    ('credits_set_auto_reload', 'account text account,enabled boolean bool,threshold numeric nonneg_acct,'
                                'amount numeric amount_opt,target_balance numeric amount_opt,'
                                'max_per_day integer reload_limit,max_per_month integer reload_limit,'
                                'cooldown interval cooldown,category text ident,expires_in interval expires_in,'
                                'max_failures integer max_failures'),
    ('credits_complete_reload', 'request text reload_request,succeeded boolean succeeded,'
                                'payment_reference text ident,failure_reason text text'),
    ('credits_create_consumer', 'name text consumer_name,types text[] event_types,start_at text start_at'),
    ('credits_drop_consumer', 'name text consumer_name'),
    ('credits_claim_events', 'consumer text consumer,max integer claim_max'),
    ('credits_ack_events', 'consumer text consumer,through text event'),
    ('credits_prune_events', 'before timestamptz ts')) f(fn, params),
  unnest(string_to_array(params, ',')) WITH ORDINALITY x(p, i);

-- The tables above match the installed extension: every function a role can
-- call, with its parameters' names and types, and a good value for each kind.
-- Left out: credits_account_key() (a pure hash of any two texts, it reads
-- and refuses nothing), credits_iso_duration() (an interval as text), and what only the extension's owner may run: the
-- twins (routing.h), credits_distribute() and credits_key_in_id().
DO $$
DECLARE
    mismatch text;
BEGIN
    SELECT string_agg(p.oid::regprocedure::text, ', ') INTO mismatch
      FROM pg_proc p
     WHERE p.proname LIKE 'credits\_%' AND p.prorettype NOT IN ('trigger'::regtype, 'event_trigger'::regtype)
       AND p.proname NOT IN ('credits_account_key', 'credits_iso_duration', 'credits_distribute', 'credits_key_in_id')
       AND p.proname NOT LIKE '%\_on\_shard'
       AND coalesce((SELECT string_agg(f.name || ' ' || f.type::regtype, ',' ORDER BY f.pos)
                       FROM fuzz_param f WHERE f.fn = p.proname), '')
           IS DISTINCT FROM
           coalesce((SELECT string_agg(a.n || ' ' || a.t::regtype, ',' ORDER BY a.i)
                       FROM unnest(p.proargnames[1:p.pronargs], p.proargtypes::oid[]) WITH ORDINALITY a(n, t, i)), '');
    IF mismatch IS NOT NULL THEN
        RAISE EXCEPTION 'fuzz_param does not match %', mismatch;
    END IF;
    SELECT string_agg(DISTINCT kind, ', ') INTO mismatch FROM fuzz_param f
     WHERE kind <> 'ops' AND NOT EXISTS (SELECT 1 FROM fuzz_pool WHERE fuzz_pool.kind = f.kind AND class = 'good');
    IF mismatch IS NOT NULL THEN
        RAISE EXCEPTION 'no good value for %', mismatch;
    END IF;
END $$;

-- Batches: one good operation of each kind per tenant, the kind of each field
-- each op takes, and the values that break a field (jsonb; NULL: the field
-- left out).
CREATE TABLE fuzz_op (id serial PRIMARY KEY, tenant text, op jsonb);
INSERT INTO fuzz_op (tenant, op)
SELECT r.tenant, o.op
  FROM (SELECT tenant, jsonb_object_agg(name, value) v FROM fuzz_ref GROUP BY tenant) r,
       LATERAL (VALUES
    (1, jsonb_build_object('op', 'credit', 'account', r.v->'main', 'amount', r.v->'amount', 'description', 'top up',
                           'reference', 'ref-1', 'idempotency_key', 'fz-k1', 'metadata', '{"k": "v"}'::jsonb,
                           'expires_in', '1 day', 'priority', 1, 'category', 'promo')),
    (2, jsonb_build_object('op', 'debit', 'account', r.v->'main', 'amount', (r.v->>'amount')::numeric,
                           'description', 'call', 'reference', 'req-1', 'metadata', '{}'::jsonb)),
    (3, jsonb_build_object('op', 'adjust', 'account', r.v->'other', 'amount', -(r.v->>'amount')::numeric,
                           'reason', 'fix')),
    (4, jsonb_build_object('op', 'reserve', 'account', r.v->'main', 'amount', r.v->'amount', 'expires_in', 60,
                           'description', 'hold', 'idempotency_key', 'fz-h1')),
    (5, jsonb_build_object('op', 'confirm', 'reservation', r.v->'hold', 'amount', 1, 'on_excess', 'cap',
                           'description', 'done', 'metadata', '{"m": 1}'::jsonb)),
    (6, jsonb_build_object('op', 'cancel', 'reservation', r.v->'hold')),
    (7, jsonb_build_object('op', 'reverse', 'transaction', r.v->'credit_txn', 'amount', 1, 'reason', 'refund',
                           'idempotency_key', 'fz-r1', 'force', false)),
    (8, jsonb_build_object('op', 'transfer', 'from_account', r.v->'main', 'to_account', r.v->'other',
                           'amount', r.v->'amount', 'reference', 'tr-1'))) o(i, op)
 ORDER BY r.tenant, o.i;

CREATE TABLE fuzz_op_field (op text, field text, kind text, PRIMARY KEY (op, field));
INSERT INTO fuzz_op_field
SELECT op, split_part(f, ':', 1), coalesce(nullif(split_part(f, ':', 2), ''), split_part(f, ':', 1))
  FROM (VALUES
    ('credit', 'account,amount,description:text,reference:ident,idempotency_key:key,metadata,expires_in,expires_at,'
               'priority,category:ident'),
    ('debit', 'account,amount,description:text,reference:ident,idempotency_key:key,metadata'),
    ('adjust', 'account,amount:amount_signed,reason:text,idempotency_key:key'),
    ('reserve', 'account,amount,expires_in,expires_at,description:text,reference:ident,idempotency_key:key,metadata'),
    ('confirm', 'reservation,amount:amount_opt,description:text,metadata,on_excess'),
    ('cancel', 'reservation'),
    ('reverse', 'transaction,amount:amount_opt,reason:text,idempotency_key:key,force'),
    ('transfer', 'from_account:account,to_account:account,amount,description:text,reference:ident,'
                 'idempotency_key:key,metadata')) o(op, fields),
  unnest(string_to_array(fields, ',')) f;

CREATE TABLE fuzz_json (id serial PRIMARY KEY, kind text NOT NULL, tenant text, value jsonb);
-- Adds jsonb values, one SQL expression per line, to several kinds.
CREATE FUNCTION pg_temp.json(kinds text[], exprs text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    k text;
    e text;
    v jsonb;
BEGIN
    FOREACH k IN ARRAY kinds LOOP
        FOR e IN SELECT trim(x) FROM regexp_split_to_table(exprs, '\n') WITH ORDINALITY t(x, i)
                  WHERE trim(x) <> '' ORDER BY i
        LOOP
            EXECUTE format('SELECT (%s)::jsonb', e) INTO v;
            INSERT INTO fuzz_json (kind, value) VALUES (k, v);
        END LOOP;
    END LOOP;
END $$;
SELECT pg_temp.json('{element}', $$
    '1'
    '"debit"'
    '[]'
    'null'
    'true'
    '[{"op": "debit"}]'
    '{}'
$$);
SELECT pg_temp.json('{op}', $$
    NULL
    'null'
    '"steal"'
    '""'
    '"DEBIT"'
    '" debit"'
    '1'
    '["debit"]'
    '"credit\n"'
    '"debit\u202e"'
$$);
SELECT pg_temp.json('{account,reservation,transaction}', $$
    NULL
    'null'
    '""'
    '"   "'
    '"nobody"'
    '42'
    'true'
    '[]'
    '{}'
    '"a_main\n"'
    to_jsonb(repeat('x', 300))
    to_jsonb('''; DROP TABLE credits_entry; --'::text)
$$);
SELECT pg_temp.json('{reservation}', $$'"res_00000000000000000000000000"'$$);
SELECT pg_temp.json('{transaction}', $$'"txn_00000000000000000000000000"'$$);
-- Another tenant's things, and this tenant's settled ones.
INSERT INTO fuzz_json (kind, tenant, value)
SELECT x.kind, t.tenant, to_jsonb(r.value)
  FROM (VALUES ('fz_a'), ('fz_b')) t(tenant)
 CROSS JOIN (VALUES ('account', 'main', false), ('account', 'main_id', false), ('reservation', 'hold', false),
                    ('transaction', 'credit_txn', false), ('reservation', 'cancelled_hold', true),
                    ('transaction', 'reversal_txn', true)) x(kind, name, own)
  JOIN fuzz_ref r ON r.name = x.name AND (r.tenant = t.tenant) = x.own
 ORDER BY t.tenant, x.kind, x.name;
SELECT pg_temp.json('{amount,amount_opt,amount_signed}', $$
    '"NaN"'
    '"Infinity"'
    '1000000000000001'
    '1e-20'
    '1e400'
    '-1e400'
    '"1e3"'
    '"12.5.5"'
    '""'
    'true'
    '[]'
    '{}'
    '"abc"'
    '" 5"'
    '"5."'
    '99999999999999999999999'
$$);
SELECT pg_temp.json('{amount,amount_opt}', $$
    '"-1"'
    '-1'
    '0'
    '"0"'
    '-0'
$$);
SELECT pg_temp.json('{amount,amount_signed}', E'NULL\n''null''');
SELECT pg_temp.json('{amount_signed}', $$
    '0'
    '"0"'
    '"-0"'
    '-1000000000000001'
$$);
INSERT INTO fuzz_json (kind, tenant, value)
SELECT k, tenant, v
  FROM fuzz_ref, unnest('{amount,amount_opt,amount_signed}'::text[]) k,
       unnest(ARRAY[value::jsonb, to_jsonb(value), ('-' || value)::jsonb]) WITH ORDINALITY x(v, i)
 WHERE name = 'frac' ORDER BY tenant, k, i;
SELECT pg_temp.json('{text}', $$
    to_jsonb(repeat('x', 10001))
    '"a\u0001b"'
    '"a\u007fb"'
    '"a\u2028b"'
    '"\u001b[31mred"'
    '42'
    'true'
    '{}'
    '[]'
$$);
SELECT pg_temp.json('{ident,key}', $$
    '""'
    '"   "'
    '" x"'
    '"x "'
    '"a\nb"'
    '"a\tb"'
    '"a\u0001b"'
    '"a\u202eb"'
    '"a\u200bb"'
    '"\ufeffa"'
    to_jsonb(repeat('x', 300))
    '42'
    'true'
    '[]'
$$);
SELECT pg_temp.json('{metadata}', $$
    '[]'
    '"x"'
    '1'
    'true'
    '[{"a": 1}]'
    jsonb_build_object('k', repeat('x', 70000))
$$);
SELECT pg_temp.json('{expires_in}', $$
    '-5'
    '0'
    '1e400'
    '-1e400'
    '1e-20'
    '3200000000'
    '"forever"'
    '"-1 day"'
    '"0"'
    '"178000000 years"'
    '"101 years"'
    '"0.0000001 seconds"'
    '""'
    'true'
    '[]'
    '{}'
$$);
SELECT pg_temp.json('{expires_at}', $$
    '"infinity"'
    '"-infinity"'
    '"2000-01-01"'
    '"294276-12-31"'
    '"294277-01-01"'
    '"not a date"'
    '5'
    '"4713-01-01 BC"'
    'true'
    '""'
    '"epoch"'
    to_jsonb(repeat('2', 100))
$$);
SELECT pg_temp.json('{priority}', $$
    '2.5'
    '1e10'
    '"1"'
    'true'
    '-2147483649'
    '2147483648'
    '[]'
    '1e400'
    '-0.5'
    '"high"'
$$);
SELECT pg_temp.json('{on_excess}', $$
    '"deny"'
    '""'
    '"CAP"'
    '5'
    'true'
    '" cap"'
$$);
SELECT pg_temp.json('{force}', $$
    '"yes"'
    '1'
    '"true"'
    '[]'
    '0'
    '{}'
$$);
