-- Usage metering: credits_record_usage (every field, links to transactions
-- and reservations, replays, every error), credits_list_usage, the
-- credits_usage view, credits_account_summary, usage in batches, and
-- credits_prune_usage. Only date-independent values are printed.
\i sql/include/setup.sql
SET datestyle = ISO;
SET timezone = 'UTC';  -- days of 24 hours: the usage window is 35 x 24 hours
\pset null '(null)'
SELECT external_id, balance FROM credits_create_account('alice', initial_balance => 100);
SELECT external_id, balance FROM credits_create_account('bob', unit => 'USD', scale => 2, initial_balance => 10);
SELECT external_id, balance FROM credits_create_account('frozen', initial_balance => 5);
SELECT status FROM credits_freeze('frozen');
SELECT external_id FROM credits_create_account('gone');
SELECT status FROM credits_close('gone');
SELECT id AS alice_id FROM credits_accounts WHERE external_id = 'alice' \gset
SELECT id AS bob_id FROM credits_accounts WHERE external_id = 'bob' \gset

-- Every field given: the record keeps them as given; cost is kept exact (trailing
-- zeros trimmed), charged and price_id stay NULL (nothing was charged).
SELECT id ~ '^use_[0-9A-HJKMNP-TV-Z]{26}$' AS use_id, account_id = :'alice_id' AS acc, external_id, model, usage_type,
       endpoint, context, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
       units, requests, success, cost, charged, unit, price_id, transaction_id, reservation_id, description, metadata,
       idempotency_key, occurred_at = now() - interval '10 minutes' AS occurred, created_at = now() AS created,
       balance, available, replayed
  FROM credits_record_usage('alice', 'gpt-4o', usage_type => 'text', endpoint => '/v1/chat/completions',
                            context => 'developer', input_tokens => 1200, cached_input_tokens => 300,
                            cache_write_tokens => 40, output_tokens => 512, reasoning_tokens => 128, units => 2.500,
                            requests => 3, success => false, cost => 0.012340, description => 'playground run',
                            metadata => '{"request_id": "r-1"}', occurred_at => now() - interval '10 minutes',
                            idempotency_key => 'full-1');
-- Defaults: text, customer, no tokens, one successful request, now, no cost.
SELECT model, usage_type, endpoint, context, input_tokens + cached_input_tokens + cache_write_tokens + output_tokens
       + reasoning_tokens AS tokens, units, requests, success, cost, transaction_id, reservation_id, description,
       metadata, idempotency_key, occurred_at = now() AS now, replayed
  FROM credits_record_usage('alice');
-- Reached by its account id too; usage_type and model are free labels.
SELECT external_id, model, usage_type, units FROM credits_record_usage(:'alice_id', 'dall-e-3', 'image', units => 4);
-- The boundaries are accepted: 10^15 tokens in a bucket, 0 and 10^6 requests,
-- 35 days back and 5 minutes ahead; the rollup sums them.
SELECT input_tokens, reasoning_tokens, requests
  FROM credits_record_usage('bob', 'big', input_tokens => 1000000000000000, reasoning_tokens => 1000000000000000,
                            requests => 1000000);
SELECT requests, success FROM credits_record_usage('bob', 'big', requests => 0);
SELECT occurred_at = now() - interval '35 days' AS oldest
  FROM credits_record_usage('bob', 'edge', occurred_at => now() - interval '35 days');
SELECT occurred_at = now() + interval '5 minutes' AS latest
  FROM credits_record_usage('bob', 'edge', occurred_at => now() + interval '5 minutes');
SELECT model, sum(records) AS records, sum(total_requests) AS requests, sum(input_tokens) AS input_tokens,
       sum(reasoning_tokens) AS reasoning_tokens
  FROM credits_usage_summary('bob', 'day', now() - interval '36 days', now() + interval '1 hour', '{model}')
 GROUP BY model ORDER BY model;
-- Recording usage moves no credits and writes no ledger entry.
SELECT balance, available FROM credits_balance('alice');
SELECT count(*) AS entries FROM credits_entries WHERE external_id = 'alice';

-- A transaction of the account: linked as given (any case of its id).
SELECT transaction_id AS debit FROM credits_debit('alice', 7, 'paid call') \gset
SELECT transaction_id = :'debit' AS linked, reservation_id, cost
  FROM credits_record_usage('alice', 'gpt-4o', transaction => lower(:'debit'), cost => 7);
-- A confirmed reservation: its confirm's transaction fills transaction_id.
SELECT id AS hold FROM credits_reserve('alice', 20) \gset
SELECT transaction_id AS confirm FROM credits_confirm(:'hold', 12) \gset
SELECT transaction_id = :'confirm' AS from_confirm, reservation_id = :'hold' AS hold_linked, cost
  FROM credits_record_usage('alice', 'gpt-4o', reservation => :'hold', cost => 12);
-- ... the same transaction given with it is fine; another one is not.
SELECT transaction_id = :'confirm' AS same FROM credits_record_usage('alice', 'gpt-4o', reservation => :'hold',
                                                                       transaction => :'confirm');
SELECT pg_temp.fails(format('SELECT credits_record_usage(%L, %L, reservation => %L, transaction => %L)', 'alice',
                            'gpt-4o', :'hold', :'debit'));
-- A pending or cancelled reservation has no transaction.
SELECT id AS pending FROM credits_reserve('alice', 1) \gset
SELECT transaction_id, reservation_id = :'pending' AS hold_linked
  FROM credits_record_usage('alice', 'gpt-4o', reservation => :'pending');
SELECT status FROM credits_cancel(:'pending');
SELECT transaction_id, reservation_id = :'pending' AS hold_linked
  FROM credits_record_usage('alice', 'gpt-4o', reservation => :'pending');
SELECT balance, reserved, available FROM credits_balance('alice');

-- Idempotent replay: the first row again, replayed; no second row, the
-- rollup counts it once; balance and available are the account's now.
SELECT id AS first_id FROM credits_usage WHERE idempotency_key = 'full-1' \gset
SELECT id = :'first_id' AS same_row, input_tokens, cost,
       occurred_at = (SELECT occurred_at FROM credits_usage WHERE id = :'first_id') AS first_time, created_at < now() AS old,
       balance, available, replayed
  FROM credits_record_usage('alice', 'gpt-4o', usage_type => 'text', endpoint => '/v1/chat/completions',
                            context => 'developer', input_tokens => 1200, cached_input_tokens => 300,
                            cache_write_tokens => 40, output_tokens => 512, reasoning_tokens => 128, units => 2.5,
                            requests => 3, success => false, cost => 0.01234, description => 'playground run',
                            metadata => '{"request_id": "r-1"}', idempotency_key => 'full-1');
SELECT count(*) AS rows FROM credits_usage WHERE idempotency_key = 'full-1';
SELECT sum(records) AS records, sum(total_requests) AS requests, sum(successful_requests) AS successful_requests,
       sum(failed_requests) AS failed_requests, sum(input_tokens) AS input_tokens, sum(credits_consumed) AS cost
  FROM credits_usage_summary('alice', 'day', now() - interval '1 day', now(), '{endpoint}')
 WHERE endpoint = '/v1/chat/completions';
-- A key is per account: bob may use it too.
SELECT replayed FROM credits_record_usage('bob', 'gpt-4o', idempotency_key => 'full-1');

-- The same key with a different payload: CR003, naming what differs.
SELECT id AS hold2 FROM credits_reserve('alice', 1) \gset
SELECT regexp_replace(call, '([a-z]{3})_[0-9A-HJKMNP-TV-Z]{26}', '\1_<id>', 'g') AS call, pg_temp.fails(call)
  FROM (SELECT format('SELECT credits_record_usage(%L, %L, usage_type => %L, endpoint => %L, context => %L, '
                      'input_tokens => %s, cached_input_tokens => %s, cache_write_tokens => %s, output_tokens => %s, '
                      'reasoning_tokens => %s, units => %s, requests => %s, success => %s, cost => %s, '
                      'description => %L, metadata => %L, occurred_at => now() - %L::interval, idempotency_key => %L%s)',
                      'alice', m, ut, ep, ctx, i, ci, cw, o, r, un, rq, ok, c, d, md, ago, 'full-1', extra) AS call
          FROM (VALUES
            ('gpt-4o-mini', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 128, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'audio', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 128, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/responses', 'developer', 1200, 300, 40, 512, 128, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'customer', 1200, 300, 40, 512, 128, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1201, 300, 40, 512, 128, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 301, 40, 512, 128, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 41, 512, 128, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 513, 128, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 129, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 128, '2.51', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 128, '2.5', 4, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 128, '2.5', 3, 'true', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 128, '2.5', 3, 'false', '0.01235', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 128, '2.5', 3, 'false', 'NULL', 'playground run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 128, '2.5', 3, 'false', '0.01234', 'other run', '{"request_id": "r-1"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 128, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-2"}', '10 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 128, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '11 minutes', ''),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 128, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', format(', transaction => %L', :'debit')),
            ('gpt-4o', 'text', '/v1/chat/completions', 'developer', 1200, 300, 40, 512, 128, '2.5', 3, 'false', '0.01234', 'playground run', '{"request_id": "r-1"}', '10 minutes', format(', reservation => %L', :'hold2'))
          ) AS v(m, ut, ep, ctx, i, ci, cw, o, r, un, rq, ok, c, d, md, ago, extra)) calls;
-- A NULL model or endpoint against a given one; a charge reusing a record's key.
SELECT pg_temp.fails($$SELECT credits_record_usage('alice', NULL, idempotency_key => 'plain')$$) AS first;
SELECT pg_temp.fails($$SELECT credits_record_usage('alice', 'm', idempotency_key => 'plain')$$);
SELECT pg_temp.fails($$SELECT credits_record_usage('alice', NULL, endpoint => '/x', idempotency_key => 'plain')$$);
SELECT (credits_set_price('gpt-4o', input_price => 1)).id IS NOT NULL AS priced;
SELECT pg_temp.fails($$SELECT credits_charge('alice', 'gpt-4o', idempotency_key => 'full-1')$$);
SELECT count(*) AS rows FROM credits_usage WHERE idempotency_key IN ('full-1', 'plain');

-- Every error, and nothing written by any of them.
SELECT count(*) AS records_before FROM credits_usage_record \gset
SELECT sum(records) AS rollup_before FROM credits_usage_rollup \gset
SELECT id AS bob_hold FROM credits_reserve('bob', 1) \gset
SELECT transaction_id AS bob_debit FROM credits_debit('bob', 1) \gset
SELECT regexp_replace(call, '([a-z]{3})_[0-9A-HJKMNP-TV-Z]{26}', '\1_<id>', 'g') AS call, pg_temp.fails(call)
  FROM (VALUES
    -- CR002: no such account
    ($$SELECT credits_record_usage('nobody', 'm')$$),
    ($$SELECT credits_record_usage(NULL, 'm')$$),
    ($$SELECT credits_record_usage('acc_01M8MZQMDV97HRFH7QYQ2JFX97', 'm')$$),
    -- CR004: no such reservation, or another account's
    ($$SELECT credits_record_usage('alice', 'm', reservation => 'res_01M8MZQMDV97HRFH7QYQ2JFX97')$$),
    ($$SELECT credits_record_usage('alice', 'm', reservation => 'nope')$$),
    (format('SELECT credits_record_usage(%L, %L, reservation => %L)', 'alice', 'm', :'bob_hold')),
    -- CR007: a closed account (a frozen one records, below)
    ($$SELECT credits_record_usage('gone', 'm')$$),
    -- CR008: units and cost
    ($$SELECT credits_record_usage('alice', 'm', units => -1)$$),
    ($$SELECT credits_record_usage('alice', 'm', units => 'NaN')$$),
    ($$SELECT credits_record_usage('alice', 'm', units => 'Infinity')$$),
    ($$SELECT credits_record_usage('alice', 'm', units => 1000000000000001)$$),
    ($$SELECT credits_record_usage('alice', 'm', units => 0.0000000000000000001)$$),
    ($$SELECT credits_record_usage('alice', 'm', cost => -0.01)$$),
    ($$SELECT credits_record_usage('alice', 'm', cost => 'NaN')$$),
    ($$SELECT credits_record_usage('alice', 'm', cost => '-Infinity')$$),
    ($$SELECT credits_record_usage('alice', 'm', cost => 1000000000000001)$$),
    ($$SELECT credits_record_usage('alice', 'm', cost => 0.1234567890123456789)$$),
    -- CR009: no such transaction, or another account's
    ($$SELECT credits_record_usage('alice', 'm', transaction => 'txn_01M8MZQMDV97HRFH7QYQ2JFX97')$$),
    ($$SELECT credits_record_usage('alice', 'm', transaction => 'nope')$$),
    (format('SELECT credits_record_usage(%L, %L, transaction => %L)', 'alice', 'm', :'bob_debit')),
    -- CR012: token counts, requests, context
    ($$SELECT credits_record_usage('alice', 'm', input_tokens => 1000000000000001)$$),
    ($$SELECT credits_record_usage('alice', 'm', cached_input_tokens => -1)$$),
    ($$SELECT credits_record_usage('alice', 'm', cache_write_tokens => 1000000000000001)$$),
    ($$SELECT credits_record_usage('alice', 'm', output_tokens => -5)$$),
    ($$SELECT credits_record_usage('alice', 'm', reasoning_tokens => 9223372036854775807)$$),
    ($$SELECT credits_record_usage('alice', 'm', requests => -1)$$),
    ($$SELECT credits_record_usage('alice', 'm', requests => 1000001)$$),
    ($$SELECT credits_record_usage('alice', 'm', context => 'internal')$$),
    ($$SELECT credits_record_usage('alice', 'm', context => 'Customer')$$),
    ($$SELECT credits_record_usage('alice', E'bad\nmodel')$$),
    ($$SELECT credits_record_usage('alice', 'm', occurred_at => 'infinity')$$),
    -- CR023: more than 35 days back, more than 5 minutes ahead
    ($$SELECT credits_record_usage('alice', 'm', occurred_at => now() - interval '36 days')$$),
    ($$SELECT credits_record_usage('alice', 'm', occurred_at => now() - interval '35 days 1 second')$$),
    ($$SELECT credits_record_usage('alice', 'm', occurred_at => now() + interval '6 minutes')$$),
    ($$SELECT credits_record_usage('alice', 'm', occurred_at => now() + interval '5 minutes 0.001 seconds')$$)
) AS calls(call);
SELECT count(*) = :records_before AS no_record FROM credits_usage_record;
SELECT sum(records) = :rollup_before AS rollup_unchanged FROM credits_usage_rollup;
-- A frozen account still records usage (it was used; charging it is refused).
SELECT external_id, model, balance FROM credits_record_usage('frozen', 'm');

-- The rollup rows of records loaded directly (as pg_restore would), in
-- each span the rollup table keeps (a quarter-hour; a day where it has a
-- span column).
CREATE FUNCTION pg_temp.restore_rollups(ids text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    spanned boolean := EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'credits_usage_rollup'::regclass
                                                            AND attname = 'span' AND NOT attisdropped);
BEGIN
    EXECUTE format($q$
INSERT INTO credits_usage_rollup (account_id, account_key, %s bucket, model, usage_type, endpoint, context, records,
                                  requests, successful_requests, failed_requests, input_tokens, cached_input_tokens,
                                  cache_write_tokens, output_tokens, reasoning_tokens, units, cost, charged)
SELECT account_id, account_key, %s date_bin(s.span, occurred_at, timestamptz '2000-01-01 00:00:00+00'),
       coalesce(model, ''), usage_type, coalesce(endpoint, ''), context, count(*), sum(requests),
       coalesce(sum(requests) FILTER (WHERE success), 0), coalesce(sum(requests) FILTER (WHERE NOT success), 0),
       sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
       sum(units), coalesce(sum(cost), 0), coalesce(sum(charged), 0)
  FROM credits_usage_record CROSS JOIN unnest($1) AS s(span)
 WHERE id LIKE $2
 GROUP BY account_id, account_key, s.span, date_bin(s.span, occurred_at, timestamptz '2000-01-01 00:00:00+00'),
          coalesce(model, ''), usage_type, coalesce(endpoint, ''), context$q$,
                   CASE WHEN spanned THEN 'span,' ELSE '' END, CASE WHEN spanned THEN 's.span,' ELSE '' END)
    USING CASE WHEN spanned THEN '{00:15:00, 1 day}'::interval[] ELSE '{00:15:00}'::interval[] END, ids;
END $$;

-- A read-only transaction: 25006, nothing written.
CREATE FUNCTION pg_temp.read_only(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    SET LOCAL transaction_read_only = on;
    RETURN pg_temp.fails(query);
END $$;
SELECT call, pg_temp.read_only(call) FROM (VALUES
    ($$SELECT credits_record_usage('alice', 'm')$$),
    ($$SELECT credits_record_usage('alice', 'm', idempotency_key => 'ro')$$),
    ($$SELECT credits_charge('alice', 'gpt-4o', input_tokens => 5)$$),
    ($$SELECT credits_apply('[{"op": "record_usage", "account": "alice", "model": "m"}]', false)$$),
    ($$SELECT credits_set_price('ro', input_price => 1)$$),
    ($$SELECT credits_prune_usage(now() - interval '40 days')$$)
) AS calls(call);
SELECT count(*) = :records_before + 1 AS only_frozen FROM credits_usage_record;
-- Reading works in one.
BEGIN READ ONLY;
SELECT count(*) > 0 AS listed FROM credits_list_usage('alice');
SELECT count(*) AS periods FROM credits_usage_summary('alice');
SELECT external_id FROM credits_account_summary('alice');
COMMIT;

-- Tenants: another tenant's account does not exist here, by id or by name.
SET credits.tenant = 'acme';
SELECT pg_temp.fails(format('SELECT credits_record_usage(%L, %L)', :'alice_id', 'm'));
SELECT pg_temp.fails($$SELECT credits_record_usage('bob', 'm')$$);
SELECT pg_temp.fails(format('SELECT credits_list_usage(%L)', :'alice_id'));
SELECT pg_temp.fails(format('SELECT credits_usage_summary(%L)', :'alice_id'));
SELECT pg_temp.fails(format('SELECT credits_account_summary(%L)', :'alice_id'));
SELECT external_id FROM credits_create_account('alice', initial_balance => 1);
SELECT external_id, model, replayed FROM credits_record_usage('alice', 'acme-model', idempotency_key => 'full-1');
SELECT external_id, model FROM credits_usage;
SELECT external_id, model FROM credits_list_usage();
SELECT records, total_requests FROM credits_usage_summary(period => 'day');
RESET credits.tenant;
SELECT count(*) AS acme_rows_here FROM credits_usage WHERE model = 'acme-model';
SELECT count(*) AS acme_rows_listed FROM credits_list_usage(model => 'acme-model');

-- The credits_usage view: the records of this tenant with their account's
-- external id and unit.
SELECT external_id, unit, count(*) AS records, sum(requests) AS requests FROM credits_usage
 GROUP BY external_id, unit ORDER BY external_id;
SELECT count(*) = (SELECT count(*) FROM credits_usage_record r JOIN credits_account a ON a.id = r.account_id AND a.account_key = r.account_key
                    WHERE a.tenant = 'default') AS all_default_records
  FROM credits_usage;

-- credits_list_usage: newest first (occurred_at, then id), pages, filters
-- (in one transaction: one now()).
BEGIN;
SELECT external_id FROM credits_create_account('lister');
SELECT count(*) AS made FROM generate_series(1, 7) n,
       LATERAL credits_record_usage('lister', CASE WHEN n % 2 = 0 THEN 'even' ELSE 'odd' END,
                                    context => CASE WHEN n > 5 THEN 'developer' ELSE 'customer' END,
                                    description => 'n' || n, occurred_at => now() - n * interval '1 minute');
-- Two at the same moment: ordered by id, descending.
SELECT count(*) AS made FROM generate_series(8, 9) n,
       LATERAL credits_record_usage('lister', 'odd', description => 'n' || n, occurred_at => now() - interval '20 minutes');
CREATE TEMP VIEW listed AS SELECT * FROM credits_usage WHERE external_id = 'lister';
SELECT string_agg(description, ' ' ORDER BY occurred_at DESC, id DESC) AS expected_order FROM listed;
SELECT string_agg(description, ' ') AS page FROM credits_list_usage('lister');
SELECT string_agg(description, ' ') AS page1 FROM credits_list_usage('lister', page_size => 3);
SELECT string_agg(description, ' ') AS page2 FROM credits_list_usage('lister', page_size => 3, page_offset => 3);
SELECT string_agg(description, ' ') AS page4 FROM credits_list_usage('lister', page_size => 3, page_offset => 9);
SELECT string_agg(description, ' ') AS even FROM credits_list_usage('lister', model => 'even');
SELECT string_agg(description, ' ') AS developer FROM credits_list_usage('lister', context => 'developer');
SELECT string_agg(description, ' ') AS odd_customer FROM credits_list_usage('lister', 'customer', 'odd');
-- since inclusive, until exclusive.
SELECT string_agg(description, ' ') AS n3_to_n5
  FROM credits_list_usage('lister', since => now() - interval '5 minutes', until => now() - interval '2 minutes');
SELECT string_agg(description, ' ') AS since_n1 FROM credits_list_usage('lister', since => now() - interval '1 minute');
SELECT count(*) AS until_n20 FROM credits_list_usage('lister', until => now() - interval '20 minutes');
SELECT count(*) AS nothing FROM credits_list_usage('lister', model => 'none');
-- Rows: what the view shows, with balance, available and replayed NULL.
SELECT (l.id, l.account_id, l.external_id, l.model, l.usage_type, l.endpoint, l.context, l.input_tokens,
        l.cached_input_tokens, l.cache_write_tokens, l.output_tokens, l.reasoning_tokens, l.units, l.requests,
        l.success, l.cost, l.charged, l.unit, l.price_id, l.transaction_id, l.reservation_id, l.description,
        l.metadata, l.idempotency_key, l.occurred_at, l.created_at) IS NOT DISTINCT FROM
       (v.id, v.account_id, v.external_id, v.model, v.usage_type, v.endpoint, v.context, v.input_tokens,
        v.cached_input_tokens, v.cache_write_tokens, v.output_tokens, v.reasoning_tokens, v.units, v.requests,
        v.success, v.cost, v.charged, v.unit, v.price_id, v.transaction_id, v.reservation_id, v.description,
        v.metadata, v.idempotency_key, v.occurred_at, v.created_at) AS as_view,
       l.balance, l.available, l.replayed, count(*)
  FROM credits_list_usage(NULL, page_size => 1000) l JOIN credits_usage v ON v.id = l.id
 GROUP BY 1, 2, 3, 4;
SELECT count(*) = (SELECT count(*) FROM credits_usage) AS whole_tenant FROM credits_list_usage(page_size => 1000);
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_list_usage('lister', page_size => 0)$$),
    ($$SELECT credits_list_usage('lister', page_size => 1001)$$),
    ($$SELECT credits_list_usage('lister', page_offset => -1)$$),
    ($$SELECT credits_list_usage('nobody')$$),
    ($$SELECT credits_list_usage('lister', since => '-infinity')$$)
) AS calls(call);
SELECT count(*) AS max_page FROM credits_list_usage('lister', page_size => 1000);
DROP VIEW listed;
COMMIT;

-- credits_account_summary: the account, its usage this month (in a time
-- zone) and in all.
SELECT external_id FROM credits_create_account('summed', name => 'Summed Inc', unit => 'USD', scale => 2,
                                               initial_balance => 50);
SELECT count(*) FROM credits_reserve('summed', 5);
SELECT count(*) FROM credits_record_usage('summed', 'a', endpoint => '/v1/a', input_tokens => 10, output_tokens => 3,
                                          requests => 2, cost => 0.5);
SELECT count(*) FROM credits_record_usage('summed', 'b', endpoint => '/v1/b', cached_input_tokens => 7, requests => 3,
                                          success => false, cost => 0.25, units => 1.5);
SELECT count(*) FROM credits_record_usage('summed', 'b', requests => 1, context => 'developer');
SELECT external_id, name, status, unit, scale, balance, reserved, available, plan_id, plan_code, plan_name,
       current_period_start, current_period_end, total_requests, successful_requests, failed_requests,
       credits_consumed, last_activity_at >= created_at AS active
  FROM credits_account_summary('summed');
SELECT jsonb_pretty(usage_this_month - 'period_start' - 'period_end') AS usage_this_month,
       (usage_this_month->>'period_start')::timestamptz = date_trunc('month', now(), 'UTC') AS month_start,
       (usage_this_month->>'period_end')::timestamptz = date_trunc('month', now(), 'UTC') + interval '1 month'
         AS month_end
  FROM credits_account_summary('summed');
SELECT (usage_this_month->>'period_start')::timestamptz = date_trunc('month', now(), 'Asia/Kolkata') AS kolkata_month,
       usage_this_month->'total_requests' AS total_requests
  FROM credits_account_summary('summed', 'Asia/Kolkata');
-- No usage: zeros.
SELECT external_id FROM credits_create_account('idle');
SELECT usage_this_month - 'period_start' - 'period_end' AS usage_this_month,
       (usage_this_month->>'period_start')::timestamptz = date_trunc('month', now(), 'America/New_York') AS ny_month,
       (usage_this_month->>'period_end')::timestamptz
         = (date_trunc('month', now(), 'America/New_York') AT TIME ZONE 'America/New_York' + interval '1 month')
           AT TIME ZONE 'America/New_York' AS ny_month_end,
       total_requests, successful_requests, failed_requests, credits_consumed
  FROM credits_account_summary('idle', 'America/New_York');
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_account_summary('nobody')$$),
    ($$SELECT credits_account_summary(NULL)$$),
    ($$SELECT credits_account_summary('idle', 'Mars/Olympus_Mons')$$),
    ($$SELECT credits_account_summary('idle', '')$$)
) AS calls(call);

-- Batches: record_usage and charge operations report their usage id. In a
-- batch that is not atomic a failing operation writes nothing of itself.
SELECT external_id FROM credits_create_account('batcher', initial_balance => 10);
SELECT (credits_set_price('flat', request_price => 4)).id IS NOT NULL AS priced;
SELECT id AS batch_hold FROM credits_reserve('batcher', 2) \gset
SELECT index, ok, sqlstate, regexp_replace(message, ' at \d{4}-.*', ' at <time>') AS message, transaction_id IS NOT NULL AS txn, reservation_id, balance, available,
       usage_id ~ '^use_' AS usage
  FROM credits_apply(format('[
    {"op": "record_usage", "account": "batcher", "model": "m", "endpoint": "/b", "input_tokens": 5, "cost": 0.5,
     "idempotency_key": "b1"},
    {"op": "charge", "account": "batcher", "model": "flat", "endpoint": "/b", "idempotency_key": "b2",
     "reference": "ref-b2"},
    {"op": "charge", "account": "batcher", "model": "flat", "endpoint": "/b", "requests": 2},
    {"op": "charge", "account": "batcher", "model": "flat", "endpoint": "/b", "reservation": "%s", "on_excess": "reject"},
    {"op": "record_usage", "account": "batcher", "model": "m", "transaction": "txn_01M8MZQMDV97HRFH7QYQ2JFX97"},
    {"op": "record_usage", "account": "batcher", "model": "m", "input_tokens": -1},
    {"op": "charge", "account": "batcher", "model": "unpriced"},
    {"op": "charge", "account": "batcher", "model": "flat", "tokens": 5},
    {"op": "record_usage", "account": "batcher", "model": "m", "endpoint": "/b", "input_tokens": 7},
    {"op": "record_usage", "account": "batcher", "model": "m", "endpoint": "/b", "input_tokens": 5, "cost": 0.5,
     "idempotency_key": "b1"},
    {"op": "charge", "account": "batcher", "model": "flat", "idempotency_key": "b1"}
  ]', :'batch_hold')::jsonb, false);
-- Three records: b1, b2 (a debit of 4) and the 7 tokens. Index 2 needs 8 with 4
-- available; index 3 confirms 4 on a hold of 2 with on_excess reject: CR001, the
-- hold stays pending; index 9 replays b1; index 10 reuses b1 for a charge.
SELECT description, model, endpoint, input_tokens, requests, cost, charged, transaction_id IS NOT NULL AS txn,
       idempotency_key
  FROM credits_usage WHERE external_id = 'batcher' ORDER BY created_at, input_tokens;
SELECT status FROM credits_reservations WHERE id = :'batch_hold';
SELECT type, amount, reference FROM credits_entries WHERE external_id = 'batcher' ORDER BY id;
SELECT model, sum(records) AS records, sum(total_requests) AS requests, sum(input_tokens) AS input_tokens,
       sum(credits_consumed) AS cost, sum(credits_charged) AS charged
  FROM credits_usage_summary('batcher', 'day', now() - interval '1 day', now(), '{model}')
 GROUP BY model ORDER BY model;
SELECT balance, reserved, available FROM credits_balance('batcher');
-- Atomic: the first failure fails the batch and nothing stays.
SELECT pg_temp.fails($$SELECT credits_apply('[
    {"op": "record_usage", "account": "batcher", "model": "m"},
    {"op": "charge", "account": "batcher", "model": "flat", "requests": 100}]')$$);
SELECT count(*) AS records FROM credits_usage WHERE external_id = 'batcher';
SELECT index, ok, usage_id IS NOT NULL AS usage, balance FROM credits_apply('[
    {"op": "record_usage", "account": "batcher", "model": "m"},
    {"op": "charge", "account": "batcher", "model": "flat"}]');
SELECT count(*) AS records FROM credits_usage WHERE external_id = 'batcher';

-- Direct writes: INSERT stays open (pg_restore); UPDATE, DELETE and TRUNCATE
-- are refused with CR014.
SELECT count(*) AS records_all FROM credits_usage_record \gset
SELECT call, pg_temp.fails(call) FROM (VALUES
    ('DELETE FROM credits_usage_record'),
    ('UPDATE credits_usage_record SET cost = 0'),
    ('TRUNCATE credits_usage_record'),
    ('DELETE FROM credits_usage_rollup'),
    ('UPDATE credits_usage_rollup SET records = records + 1'),
    ('TRUNCATE credits_usage_rollup'),
    ('DELETE FROM credits_price'),
    ('UPDATE credits_price SET input_price = 0')
) AS calls(call);
SELECT count(*) = :records_all AS every_record_stays FROM credits_usage_record;

-- Pruning: old records (inserted as a restore would, with their rollups) go;
-- the rollups stay, so summaries do not change, and verify stays clean.
SELECT account_key AS alice_key FROM credits_account WHERE id = :'alice_id' \gset
INSERT INTO credits_usage_record (id, account_id, account_key, model, usage_type, endpoint, context, input_tokens,
                                  cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, units,
                                  requests, success, cost, charged, occurred_at, created_at)
SELECT 'use_old' || n, :'alice_id', :alice_key, 'old', 'text', NULL, 'customer', n * 100, 0, 0, n, 0, 0, 1, n <> 3,
       n * 0.5, NULL, date_trunc('hour', now()) - interval '50 days' + n * interval '20 minutes',
       date_trunc('hour', now()) - interval '50 days'
  FROM generate_series(1, 4) n;
SELECT pg_temp.restore_rollups('use_old%');
SELECT count(*) AS findings FROM credits_verify();
CREATE TEMP TABLE before_prune AS
SELECT * FROM credits_usage_summary('alice', 'day', now() - interval '60 days', now(), '{model}');
SELECT model, total_requests, successful_requests, failed_requests, input_tokens, output_tokens, credits_consumed, records
  FROM before_prune WHERE model = 'old';
SELECT total_requests, credits_consumed FROM credits_account_summary('alice') \gset before_
-- before must be at least 35 days ago.
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_prune_usage()$$),
    ($$SELECT credits_prune_usage(NULL)$$),
    ($$SELECT credits_prune_usage(now() - interval '34 days 23 hours')$$),
    ($$SELECT credits_prune_usage(now())$$),
    ($$SELECT credits_prune_usage('infinity')$$)
) AS calls(call);
SELECT credits_prune_usage(now() - interval '40 days') AS pruned;
SELECT credits_prune_usage(now() - interval '35 days') AS pruned_again;
SELECT count(*) AS old_records FROM credits_usage_record WHERE model = 'old';
SELECT count(*) AS listed FROM credits_list_usage('alice', model => 'old');
-- The second took the record made 35 days back in an earlier transaction (now
-- older than that); the one made 5 minutes ahead stays.
SELECT count(*) AS edge_records FROM credits_usage WHERE model = 'edge';
SELECT (SELECT count(*) FROM before_prune) = count(*) AS same_rows,
       count(*) FILTER (WHERE (b.*) IS DISTINCT FROM (s.*)) AS changed_rows
  FROM credits_usage_summary('alice', 'day', now() - interval '60 days', now(), '{model}') s
  FULL JOIN before_prune b ON b.period_start = s.period_start AND b.model IS NOT DISTINCT FROM s.model;
SELECT total_requests = :before_total_requests AS same_requests, credits_consumed = :before_credits_consumed AS same_consumed
  FROM credits_account_summary('alice');
SELECT tenant, pruned_before <= now() - interval '35 days' AND pruned_before > now() - interval '35 days 1 minute' AS horizon,
       pruned_at <= now() AS pruned_at
  FROM credits_usage_horizon;
SELECT count(*) AS findings FROM credits_verify();
-- Another tenant's records are not pruned by this one.
SET credits.tenant = 'acme';
SELECT count(*) AS acme_records FROM credits_usage;
SELECT credits_prune_usage(now() - interval '35 days') AS acme_pruned;
RESET credits.tenant;

SELECT * FROM credits_verify();
DROP EXTENSION credits;
