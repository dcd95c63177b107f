-- Data for bench/usage_summary.sh: 1,000,000 usage records of one account
-- (usage_heavy) spread over one month (2025-01, UTC), written straight into
-- credits_usage_record, and the credits_usage_rollup rows they sum to,
-- computed with GROUP BY, per UTC quarter-hour and per UTC day. :models
-- models (up to 3, the third one images), :endpoints endpoints (up to 2) and
-- :contexts contexts (1: customer, 2: a fifth of it developer): 2,976
-- quarter-hours (and 31 days) times that many combinations of rollup rows.
-- credits_verify() then proves that records and rollups agree.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS credits CASCADE;
CREATE EXTENSION credits;
SELECT id AS account FROM credits_create_account('usage_heavy') \gset
-- An account alongside with a little usage in the same month, so that the
-- tables hold more than the one account.
SELECT id AS other FROM credits_create_account('usage_light') \gset

CREATE TEMP TABLE usage_gen AS
SELECT i, a.id AS account_id, a.account_key,
       (ARRAY['model-a', 'model-b', 'image-c'])[i % :models + 1] AS model,
       CASE i % :models WHEN 2 THEN 'image' ELSE 'text' END AS usage_type,
       (ARRAY['/v1/chat', '/v1/responses'])[(i / :models) % :endpoints + 1] AS endpoint,
       CASE WHEN :contexts = 2 AND (i / (:models * :endpoints)) % 5 = 0 THEN 'developer' ELSE 'customer' END AS context,
       timestamptz '2025-01-01 00:00:00+00' + (i - 1) * interval '2678400 microseconds' AS occurred_at
  FROM generate_series(1, 1000000) i, credits_account a
 WHERE a.id = :'account'
UNION ALL
SELECT i, a.id, a.account_key, 'model-a', 'text', '/v1/chat', 'customer',
       timestamptz '2025-01-01 00:00:00+00' + (i - 1) * interval '2678400000 microseconds'
  FROM generate_series(1, 1000) i, credits_account a
 WHERE a.id = :'other';

INSERT INTO credits_usage_record (id, account_id, account_key, model, usage_type, endpoint, context, input_tokens,
                                  cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, units,
                                  requests, success, cost, charged, occurred_at, created_at)
SELECT 'use_' || lpad(i::text, 26, '0'), account_id, account_key, model, usage_type, endpoint, context,
       CASE WHEN usage_type = 'text' THEN 100 + i % 900 ELSE 0 END,
       CASE WHEN usage_type = 'text' THEN (i % 7) * 10 ELSE 0 END,
       CASE WHEN usage_type = 'text' THEN i % 13 ELSE 0 END,
       CASE WHEN usage_type = 'text' THEN 50 + i % 400 ELSE 0 END,
       CASE WHEN model = 'model-b' THEN i % 200 ELSE 0 END,
       CASE WHEN usage_type = 'image' THEN 1 + i % 4 ELSE 0 END,
       1 + i % 3, i % 50 <> 0,
       CASE WHEN usage_type = 'image' THEN (1 + i % 4) * 0.04 ELSE ((100 + i % 900) * 0.5 + (50 + i % 400) * 1.5) / 1000 END,
       NULL, occurred_at, occurred_at
  FROM usage_gen;

INSERT INTO credits_usage_rollup (account_id, account_key, span, bucket, model, usage_type, endpoint, context, records,
                                  requests, successful_requests, failed_requests, input_tokens, cached_input_tokens,
                                  cache_write_tokens, output_tokens, reasoning_tokens, units, cost, charged)
SELECT account_id, account_key, s.span, date_bin(s.span, occurred_at, '2000-01-01 00:00:00+00'), coalesce(model, ''),
       usage_type, coalesce(endpoint, ''), context, count(*), sum(requests),
       coalesce(sum(requests) FILTER (WHERE success), 0), coalesce(sum(requests) FILTER (WHERE NOT success), 0),
       sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
       sum(units), coalesce(sum(cost), 0), coalesce(sum(charged), 0)
  FROM credits_usage_record CROSS JOIN (VALUES (interval '15 minutes'), (interval '1 day')) s (span)
 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8;
VACUUM ANALYZE credits_usage_record, credits_usage_rollup;

SELECT count(*) AS records FROM credits_usage_record WHERE account_id = :'account';
SELECT span, count(*) AS rollup_rows, count(DISTINCT bucket) AS buckets
  FROM credits_usage_rollup WHERE account_id = :'account' GROUP BY span ORDER BY span;
SELECT count(*) AS verify_findings FROM credits_verify('usage_heavy');

-- The account's id for the raw-SQL queries.
DROP TABLE IF EXISTS bench_usage_account;
CREATE TABLE bench_usage_account AS SELECT :'account'::text AS id;
