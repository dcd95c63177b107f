-- The rate card and charges: credits_set_price (defaults, versions, replay,
-- conflicts, bad input), credits_quote's exact cost and rounding, and
-- credits_charge (debits, replays, reservations, every error).
\i sql/include/setup.sql
SET datestyle = ISO;
SET timezone = 'UTC';
SET intervalstyle = postgres;
\pset null '(null)'
SELECT external_id, balance FROM credits_create_account('cr', initial_balance => 1000);
SELECT external_id, balance FROM credits_create_account('usd', unit => 'USD', scale => 2, initial_balance => 100);
SELECT external_id, balance FROM credits_create_account('poor', unit => 'USD', scale => 2, initial_balance => 1);
SELECT date_trunc('second', now()) AS t0 \gset

-- Defaults: cached and cache-write tokens cost what input does, reasoning
-- tokens what output does; no request or unit price; per million tokens; up.
SELECT id ~ '^prc_[0-9A-HJKMNP-TV-Z]{26}$' AS prc_id, model, usage_type, per_tokens, input_price, cached_input_price,
       cache_write_price, output_price, reasoning_price, request_price, unit_price, rounding, effective_from = now() AS now,
       effective_until, description, metadata, created_at = now() AS created
  FROM credits_set_price('default-m', input_price => 3, output_price => 15);
-- Each price apart; an explicit 0 is kept (no fallback).
SELECT model, usage_type, per_tokens, input_price, cached_input_price, cache_write_price, output_price, reasoning_price,
       request_price, unit_price, rounding, description, metadata
  FROM credits_set_price('split', 'audio', input_price => 3.000, cached_input_price => 0.3, cache_write_price => 3.75,
                         output_price => 15, reasoning_price => 20, request_price => 0.001, unit_price => 0.04,
                         per_tokens => 1000, rounding => 'half_up', description => 'audio v1',
                         metadata => '{"source": "list"}');
SELECT model, input_price, cached_input_price, cache_write_price, output_price, reasoning_price
  FROM credits_set_price('zeros', input_price => 1, cached_input_price => 0, cache_write_price => 0, output_price => 2,
                         reasoning_price => 0);
SELECT model, input_price, cached_input_price, cache_write_price, output_price, reasoning_price, per_tokens, rounding
  FROM credits_set_price('nothing');
SELECT model, per_tokens, rounding FROM credits_set_price('per-one', per_tokens => 1, rounding => 'down');
-- Bad input: per_tokens, rounding, negative or non-finite prices, no model.
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_set_price('x', per_tokens => 0)$$),
    ($$SELECT credits_set_price('x', per_tokens => 100)$$),
    ($$SELECT credits_set_price('x', per_tokens => -1000)$$),
    ($$SELECT credits_set_price('x', per_tokens => 10000000)$$),
    ($$SELECT credits_set_price('x', rounding => 'nearest')$$),
    ($$SELECT credits_set_price('x', rounding => 'UP')$$),
    ($$SELECT credits_set_price('x', rounding => '')$$),
    ($$SELECT credits_set_price('x', input_price => -1)$$),
    ($$SELECT credits_set_price('x', cached_input_price => -0.1)$$),
    ($$SELECT credits_set_price('x', cache_write_price => -0.1)$$),
    ($$SELECT credits_set_price('x', output_price => -0.000001)$$),
    ($$SELECT credits_set_price('x', reasoning_price => -2)$$),
    ($$SELECT credits_set_price('x', request_price => -0.01)$$),
    ($$SELECT credits_set_price('x', unit_price => -3)$$),
    ($$SELECT credits_set_price('x', input_price => 'NaN')$$),
    ($$SELECT credits_set_price('x', output_price => 'Infinity')$$),
    ($$SELECT credits_set_price(NULL, input_price => 1)$$),
    ($$SELECT credits_set_price('', input_price => 1)$$),
    ($$SELECT credits_set_price('x', effective_from => 'infinity')$$),
    ($$SELECT credits_set_price('x', metadata => '[1]')$$)
) AS calls(call);
SELECT count(*) AS no_x FROM credits_prices WHERE model = 'x';

-- A version never changes: the same one again is a replay (same id); another
-- at the same effective_from is CR022.
SELECT id AS v1 FROM credits_set_price('replay', input_price => 2, output_price => 8, effective_from => :'t0',
                                       description => 'v1') \gset
SELECT id = :'v1' AS same_id, input_price, output_price
  FROM credits_set_price('replay', input_price => 2.00, output_price => 8, effective_from => :'t0', description => 'v1');
-- (the defaults count as the values they stand for)
SELECT id = :'v1' AS same_id
  FROM credits_set_price('replay', input_price => 2, cached_input_price => 2, cache_write_price => 2, output_price => 8,
                         reasoning_price => 8, effective_from => :'t0', description => 'v1');
SELECT regexp_replace(call, '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+00', '<t0>') AS call, pg_temp.fails(call) FROM (VALUES
    (format('SELECT credits_set_price(%L, input_price => 3, output_price => 8, effective_from => %L, description => %L)', 'replay', :'t0', 'v1')),
    (format('SELECT credits_set_price(%L, input_price => 2, cached_input_price => 1, output_price => 8, effective_from => %L, description => %L)', 'replay', :'t0', 'v1')),
    (format('SELECT credits_set_price(%L, input_price => 2, output_price => 8, request_price => 0.01, effective_from => %L, description => %L)', 'replay', :'t0', 'v1')),
    (format('SELECT credits_set_price(%L, input_price => 2, output_price => 8, per_tokens => 1000, effective_from => %L, description => %L)', 'replay', :'t0', 'v1')),
    (format('SELECT credits_set_price(%L, input_price => 2, output_price => 8, rounding => %L, effective_from => %L, description => %L)', 'replay', 'down', :'t0', 'v1')),
    (format('SELECT credits_set_price(%L, input_price => 2, output_price => 8, effective_from => %L, description => %L)', 'replay', :'t0', 'v2')),
    (format('SELECT credits_set_price(%L, input_price => 2, output_price => 8, effective_from => %L, description => %L, metadata => %L)', 'replay', :'t0', 'v1', '{"a": 1}'))
) AS calls(call);
-- Another usage_type or a moment later is another version.
SELECT usage_type, input_price FROM credits_set_price('replay', 'image', input_price => 3, effective_from => :'t0');
SELECT count(*) AS versions FROM credits_prices WHERE model = 'replay';

-- Versions: each prices the usage that occurred while it was in force;
-- credits_prices shows when the next one took over.
SELECT id AS va FROM credits_set_price('ver', input_price => 1, per_tokens => 1, effective_from => :'t0'::timestamptz - interval '10 days') \gset
SELECT id AS vc FROM credits_set_price('ver', input_price => 3, per_tokens => 1, effective_from => :'t0'::timestamptz + interval '1 day') \gset
SELECT id AS vb FROM credits_set_price('ver', input_price => 2, per_tokens => 1, effective_from => :'t0'::timestamptz - interval '2 days') \gset
SELECT CASE id WHEN :'va' THEN 'A' WHEN :'vb' THEN 'B' WHEN :'vc' THEN 'C' END AS version, input_price,
       effective_from - :'t0'::timestamptz AS from_t0, effective_until - :'t0'::timestamptz AS until_t0
  FROM credits_prices WHERE model = 'ver' ORDER BY effective_from;
-- credits_set_price returns effective_until too.
SELECT effective_until - :'t0'::timestamptz AS until_t0
  FROM credits_set_price('ver', input_price => 1, per_tokens => 1, effective_from => :'t0'::timestamptz - interval '10 days');
SELECT CASE price_id WHEN :'va' THEN 'A' WHEN :'vb' THEN 'B' WHEN :'vc' THEN 'C' END AS version, cost, amount,
       effective_from - :'t0'::timestamptz AS from_t0
  FROM (VALUES (interval '-10 days'), (interval '-3 days'), (interval '-2 days'), (interval '-1 second'),
               (interval '1 day'), (interval '30 days')) AS at(offs),
       LATERAL credits_quote('cr', 'ver', input_tokens => 10, requests => 0, at => :'t0'::timestamptz + offs)
 ORDER BY offs;
SELECT CASE price_id WHEN :'va' THEN 'A' WHEN :'vb' THEN 'B' END AS version, cost, charged
  FROM credits_charge('cr', 'ver', input_tokens => 10, occurred_at => :'t0'::timestamptz - interval '5 days');
SELECT CASE price_id WHEN :'va' THEN 'A' WHEN :'vb' THEN 'B' END AS version, cost, charged
  FROM credits_charge('cr', 'ver', input_tokens => 10, occurred_at => :'t0'::timestamptz - interval '1 day');
SELECT CASE price_id WHEN :'va' THEN 'A' WHEN :'vb' THEN 'B' END AS version, cost, charged, balance
  FROM credits_charge('cr', 'ver', input_tokens => 10);
-- Before the first version, or for a model or usage_type without a price: CR021.
SELECT (SELECT count(*) FROM credits_usage) AS usage_rows, (SELECT count(*) FROM credits_entries) AS entries,
       (SELECT sum(balance) FROM credits_accounts) AS balances \gset before_
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_quote('cr', 'ver', input_tokens => 1, at => now() - interval '11 days')$$),
    ($$SELECT credits_charge('cr', 'ver', input_tokens => 1, occurred_at => now() - interval '11 days')$$),
    ($$SELECT credits_charge('cr', 'unpriced', input_tokens => 1)$$),
    ($$SELECT credits_charge('cr', 'ver', 'image', input_tokens => 1)$$),
    ($$SELECT credits_quote('cr', 'unpriced')$$)
) AS calls(call);
SELECT (SELECT count(*) FROM credits_usage) = :before_usage_rows AND (SELECT count(*) FROM credits_entries) = :before_entries
       AND (SELECT sum(balance) FROM credits_accounts) = :before_balances AS nothing_written;
-- Another tenant has a rate card of its own.
SET credits.tenant = 'acme';
SELECT count(*) AS acme_prices FROM credits_prices;
SELECT external_id FROM credits_create_account('cr');
SELECT pg_temp.fails($$SELECT credits_quote('cr', 'ver', input_tokens => 1)$$);
RESET credits.tenant;

-- credits_quote: the exact cost, bucket by bucket and together (per million
-- tokens; requests and units priced apart).
SELECT (credits_set_price('q', input_price => 2.5, cached_input_price => 1.25, cache_write_price => 3.125,
                          output_price => 10, reasoning_price => 12, request_price => 0.0004,
                          unit_price => 0.02)).id AS q \gset
SELECT what, cost, amount, unit, scale, rounding, price_id = :'q' AS q, effective_from <= now() AS in_force
  FROM (VALUES
    ('input', 1234567, 0, 0, 0, 0, 0, 0),
    ('cached_input', 0, 1234567, 0, 0, 0, 0, 0),
    ('cache_write', 0, 0, 1234567, 0, 0, 0, 0),
    ('output', 0, 0, 0, 1234567, 0, 0, 0),
    ('reasoning', 0, 0, 0, 0, 1234567, 0, 0),
    ('requests', 0, 0, 0, 0, 0, 0, 7),
    ('units', 0, 0, 0, 0, 0, 2.5, 0),
    ('all', 1234567, 1234567, 1234567, 1234567, 1234567, 2.5, 7),
    ('nothing', 0, 0, 0, 0, 0, 0, 0),
    ('one token', 1, 0, 0, 0, 0, 0, 0),
    ('10^15', 1000000000000000, 0, 0, 0, 0, 0, 0)
  ) AS v(what, i, ci, cw, o, r, un, rq),
  LATERAL credits_quote('usd', 'q', input_tokens => i, cached_input_tokens => ci, cache_write_tokens => cw,
                        output_tokens => o, reasoning_tokens => r, units => un, requests => rq);
-- A request is priced by default (requests => 1).
SELECT cost, amount FROM credits_quote('usd', 'q', input_tokens => 1000);
-- per_tokens 1 and 1000.
SELECT (credits_set_price('per1', input_price => 0.002, output_price => 0.01, per_tokens => 1)).per_tokens;
SELECT (credits_set_price('per1k', input_price => 0.5, output_price => 1.5, per_tokens => 1000)).per_tokens;
SELECT model, cost, amount FROM (VALUES ('per1'), ('per1k')) AS m(model),
       LATERAL credits_quote('usd', model, input_tokens => 1500, output_tokens => 333, requests => 0);
-- Quote errors; a quote writes nothing and works in a read-only transaction.
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_quote('nobody', 'q')$$),
    ($$SELECT credits_quote('usd', NULL)$$),
    ($$SELECT credits_quote('usd', 'q', input_tokens => -1)$$),
    ($$SELECT credits_quote('usd', 'q', requests => 1000001)$$),
    ($$SELECT credits_quote('usd', 'q', units => -1)$$),
    ($$SELECT credits_quote('usd', 'q', at => 'infinity')$$)
) AS calls(call);
BEGIN READ ONLY;
SELECT cost, amount FROM credits_quote('usd', 'q', output_tokens => 1000);
COMMIT;
-- A cost more than one operation may move: CR008.
SELECT (credits_set_price('huge', input_price => 1000000000000, per_tokens => 1)).rounding;
SELECT pg_temp.fails($$SELECT credits_quote('cr', 'huge', input_tokens => 1001)$$);
SELECT pg_temp.fails($$SELECT credits_charge('cr', 'huge', input_tokens => 1001)$$);
SELECT cost, amount FROM credits_quote('cr', 'huge', input_tokens => 1000, requests => 0);

-- Rounding to the account's scale: up (never less than the cost), half_up,
-- down; on a step and between steps. The cost is tokens / 1000.
SELECT (credits_set_price('r-up', input_price => 0.001, per_tokens => 1, rounding => 'up')).rounding;
SELECT (credits_set_price('r-half_up', input_price => 0.001, per_tokens => 1, rounding => 'half_up')).rounding;
SELECT (credits_set_price('r-down', input_price => 0.001, per_tokens => 1, rounding => 'down')).rounding;
SELECT account, tokens, q.cost,
       max(q.amount) FILTER (WHERE q.rounding = 'up') AS up,
       max(q.amount) FILTER (WHERE q.rounding = 'half_up') AS half_up,
       max(q.amount) FILTER (WHERE q.rounding = 'down') AS down
  FROM (VALUES ('cr'), ('usd')) AS a(account),
       (VALUES (0), (1), (499), (500), (501), (2000), (2001), (2004), (2005), (2006), (2009), (2010), (2499), (2500),
               (2999)) AS t(tokens),
       (VALUES ('r-up'), ('r-half_up'), ('r-down')) AS m(model),
       LATERAL credits_quote(account, model, input_tokens => tokens, requests => 0) q
 GROUP BY account, tokens, q.cost ORDER BY account, tokens;

-- credits_charge: the exact cost and the rounded debit, through the ledger.
SELECT id ~ '^use_' AS use_id, external_id, model, usage_type, endpoint, context, input_tokens, output_tokens, requests,
       success, cost, charged, unit, price_id = :'q' AS q, transaction_id ~ '^txn_' AS txn, reservation_id, description,
       metadata, idempotency_key, occurred_at = now() AS now, balance, available, replayed
  FROM credits_charge('usd', 'q', input_tokens => 1000000, output_tokens => 100000, idempotency_key => 'c1',
                      endpoint => '/v1/chat', description => 'chat call', reference => 'req-1',
                      metadata => '{"trace": "t1"}');
SELECT transaction_id AS c1_txn FROM credits_usage WHERE idempotency_key = 'c1' \gset
SELECT type, amount, balance_after, description, reference, metadata, transaction_id = :'c1_txn' AS same_txn
  FROM credits_entries WHERE external_id = 'usd' ORDER BY id DESC LIMIT 1;
-- Replay: the first row, no second debit, the balance as it is.
SELECT cost, charged, transaction_id = :'c1_txn' AS same_txn, balance, replayed
  FROM credits_charge('usd', 'q', input_tokens => 1000000, output_tokens => 100000, idempotency_key => 'c1',
                      endpoint => '/v1/chat', description => 'chat call', reference => 'req-1',
                      metadata => '{"trace": "t1"}');
SELECT count(*) AS entries, (SELECT balance FROM credits_balance('usd')) FROM credits_entries WHERE external_id = 'usd';
SELECT records, credits_consumed AS cost, credits_charged AS charged
  FROM credits_usage_summary('usd', 'day', now() - interval '1 day', now(), '{model}') WHERE model = 'q';
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_charge('usd', 'q', input_tokens => 1000001, output_tokens => 100000, idempotency_key => 'c1', endpoint => '/v1/chat', description => 'chat call', reference => 'req-1', metadata => '{"trace": "t1"}')$$),
    ($$SELECT credits_charge('usd', 'q', input_tokens => 1000000, output_tokens => 100000, idempotency_key => 'c1', endpoint => '/v1/chat', description => 'chat call', reference => 'req-1', metadata => '{"trace": "t1"}', requests => 2)$$),
    ($$SELECT credits_charge('usd', 'q', input_tokens => 1000000, output_tokens => 100000, idempotency_key => 'c1', endpoint => '/v1/chat', description => 'chat call', reference => 'req-1', metadata => '{"trace": "t2"}')$$),
    ($$SELECT credits_charge('usd', 'split', input_tokens => 1000000, output_tokens => 100000, idempotency_key => 'c1', endpoint => '/v1/chat', description => 'chat call', reference => 'req-1', metadata => '{"trace": "t1"}')$$),
    ($$SELECT credits_record_usage('usd', 'q', input_tokens => 1000000, output_tokens => 100000, idempotency_key => 'c1', endpoint => '/v1/chat', description => 'chat call', metadata => '{"trace": "t1"}')$$)
) AS calls(call);

-- Not enough credits: CR001, and nothing written (no usage row, no rollup
-- change, no entry); the key stays free.
SELECT count(*) AS entries_before FROM credits_entries WHERE external_id = 'poor' \gset
SELECT pg_temp.fails($$SELECT credits_charge('poor', 'q', input_tokens => 1000000, output_tokens => 100000, idempotency_key => 'p1')$$);
SELECT count(*) AS records FROM credits_usage WHERE external_id = 'poor';
SELECT count(*) AS rollups FROM credits_usage_rollup r JOIN credits_accounts a ON a.id = r.account_id
 WHERE a.external_id = 'poor';
SELECT count(*) AS periods FROM credits_usage_summary('poor', 'day', now() - interval '1 day', now());
SELECT count(*) = :entries_before AS no_entry, (SELECT balance FROM credits_balance('poor'))
  FROM credits_entries WHERE external_id = 'poor';
SELECT balance FROM credits_credit('poor', 10);
SELECT cost, charged, balance, replayed
  FROM credits_charge('poor', 'q', input_tokens => 1000000, output_tokens => 100000, idempotency_key => 'p1');

-- Zero cost: a usage row with charged 0 and no entry.
SELECT (credits_set_price('free')).id AS free_price \gset
SELECT count(*) AS entries_before FROM credits_entries WHERE external_id = 'usd' \gset
SELECT cost, charged, transaction_id, balance FROM credits_charge('usd', 'free', input_tokens => 1000000);
-- A cost that rounds down to nothing: no entry either.
SELECT cost, charged, transaction_id FROM credits_charge('usd', 'r-down', input_tokens => 9, requests => 0);
SELECT count(*) = :entries_before AS no_entry FROM credits_entries WHERE external_id = 'usd';

-- With a reservation: the charge confirms it with the cost and releases the rest.
SELECT id AS hold FROM credits_reserve('usd', 5) \gset
SELECT balance, reserved, available FROM credits_balance('usd');
SELECT cost, charged, reservation_id = :'hold' AS hold, transaction_id ~ '^txn_' AS txn, balance, available
  FROM credits_charge('usd', 'q', input_tokens => 1000000, output_tokens => 100000, reservation => :'hold',
                      description => 'held call');
SELECT status, amount, confirmed_amount, released_amount,
       transaction_id = (SELECT transaction_id FROM credits_usage WHERE reservation_id = :'hold') AS usage_txn
  FROM credits_reservations WHERE id = :'hold';
SELECT type, amount, description, reservation_id = :'hold' AS linked FROM credits_entries
 WHERE external_id = 'usd' ORDER BY id DESC LIMIT 1;
SELECT balance, reserved, available FROM credits_balance('usd');
-- A settled reservation cannot be charged again (CR005); another account's is CR004.
SELECT pg_temp.fails(format('SELECT credits_charge(%L, %L, input_tokens => 1, reservation => %L)', 'usd', 'q', :'hold'));
SELECT id AS poor_hold FROM credits_reserve('poor', 1) \gset
SELECT pg_temp.fails(format('SELECT credits_charge(%L, %L, input_tokens => 1, reservation => %L)', 'usd', 'q', :'poor_hold'));
SELECT pg_temp.fails($$SELECT credits_charge('usd', 'q', input_tokens => 1, reservation => 'res_01M8MZQMDV97HRFH7QYQ2JFX97')$$);
SELECT status FROM credits_cancel(:'poor_hold');
-- More than the hold (3.51 on 1.00): reject (the default, as for
-- credits_confirm) refuses and keeps the hold, allow debits it all, cap takes
-- the hold and what else is available.
SELECT id AS hold FROM credits_reserve('usd', 1) \gset
SELECT pg_temp.fails(format('SELECT credits_charge(%L, %L, input_tokens => 1000000, output_tokens => 100000, reservation => %L, on_excess => %L)', 'usd', 'q', :'hold', 'reject'));
SELECT status FROM credits_reservations WHERE id = :'hold';
SELECT count(*) AS records FROM credits_usage WHERE reservation_id = :'hold';
SELECT balance FROM credits_balance('usd') \gset before_
SELECT cost, charged, balance, balance = :before_balance - 3.51 AS debited_all
  FROM credits_charge('usd', 'q', input_tokens => 1000000, output_tokens => 100000, reservation => :'hold',
                      on_excess => 'allow');
SELECT status, confirmed_amount, released_amount FROM credits_reservations WHERE id = :'hold';
-- on_excess defaults to reject.
SELECT id AS hold FROM credits_reserve('usd', 1) \gset
SELECT pg_temp.fails(format('SELECT credits_charge(%L, %L, input_tokens => 1000000, output_tokens => 100000, reservation => %L)', 'usd', 'q', :'hold'));
SELECT status, confirmed_amount FROM credits_reservations WHERE id = :'hold';
SELECT status FROM credits_cancel(:'hold');
-- cap on an account that has 0.60 more than the hold: 1.00 + 0.60 is debited,
-- and the usage row says what was debited.
SELECT external_id, balance FROM credits_create_account('capped', unit => 'USD', scale => 2, initial_balance => 1.60);
SELECT id AS hold FROM credits_reserve('capped', 1) \gset
SELECT cost, charged, balance FROM credits_charge('capped', 'q', input_tokens => 1000000, output_tokens => 100000,
                                                  reservation => :'hold', on_excess => 'cap');
SELECT status, confirmed_amount, released_amount FROM credits_reservations WHERE id = :'hold';
SELECT type, amount FROM credits_entries WHERE external_id = 'capped' ORDER BY id;
-- The usage row and its rollup say what was debited.
SELECT cost, charged FROM credits_usage WHERE external_id = 'capped';
SELECT credits_consumed AS cost, credits_charged AS charged
  FROM credits_usage_summary('capped', 'day', now() - interval '1 day', now());
SELECT on_excess, pg_temp.fails(format('SELECT credits_charge(%L, %L, reservation => %L, on_excess => %L)', 'usd', 'q',
                                       :'hold', on_excess))
  FROM (VALUES ('refuse'), ('')) AS v(on_excess);
-- Zero cost with a reservation: the reservation is cancelled, nothing debited.
SELECT id AS hold FROM credits_reserve('usd', 2) \gset
SELECT balance FROM credits_balance('usd') \gset before_
SELECT cost, charged, transaction_id, reservation_id = :'hold' AS hold, balance = :before_balance AS same_balance,
       available = balance AS released
  FROM credits_charge('usd', 'free', input_tokens => 500, reservation => :'hold');
SELECT status, confirmed_amount, released_amount FROM credits_reservations WHERE id = :'hold';

-- Frozen and closed accounts are not charged (CR007), not even nothing.
SELECT status FROM credits_freeze('cr');
SELECT (SELECT count(*) FROM credits_usage) AS usage_rows, (SELECT count(*) FROM credits_entries) AS entries,
       (SELECT sum(balance) FROM credits_accounts) AS balances \gset before_
SELECT pg_temp.fails($$SELECT credits_charge('cr', 'ver', input_tokens => 1)$$);
SELECT pg_temp.fails($$SELECT credits_charge('cr', 'free')$$);
SELECT external_id FROM credits_create_account('shut');
SELECT status FROM credits_close('shut');
SELECT pg_temp.fails($$SELECT credits_charge('shut', 'free')$$);
-- The rest of the charge errors.
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_charge('nobody', 'q')$$),
    ($$SELECT credits_charge('usd', NULL)$$),
    ($$SELECT credits_charge('usd', 'q', input_tokens => -1)$$),
    ($$SELECT credits_charge('usd', 'q', requests => -1)$$),
    ($$SELECT credits_charge('usd', 'q', units => -0.5)$$),
    ($$SELECT credits_charge('usd', 'q', context => 'staff')$$),
    ($$SELECT credits_charge('usd', 'q', occurred_at => now() + interval '6 minutes')$$),
    ($$SELECT credits_charge('usd', 'q', occurred_at => now() - interval '36 days')$$)
) AS calls(call);
SELECT (SELECT count(*) FROM credits_usage) = :before_usage_rows AND (SELECT count(*) FROM credits_entries) = :before_entries
       AND (SELECT sum(balance) FROM credits_accounts) = :before_balances AS nothing_written;

SELECT count(*) AS findings FROM credits_verify();
DROP EXTENSION credits;
