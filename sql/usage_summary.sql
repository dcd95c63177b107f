-- credits_usage_summary on fixed dates: periods (hour, day, week, month,
-- year) and their edges in time zones (a month in New York, the New York
-- days of 23 and 25 hours and the hour that happens twice, days and hours of
-- Asia/Kolkata (+05:30) and Asia/Kathmandu (+05:45), a week in Berlin
-- across its change of clocks, years), grouping, filters,
-- requests_by_endpoint, one account against the whole tenant, and errors.
--
-- Usage can only be recorded within 35 days of now, so the records are
-- loaded directly (as pg_restore would) with the rollup rows of both spans
-- (UTC quarter-hour and UTC day), and credits_verify() checks that they
-- agree. Nothing printed depends on today's date.
--
-- Each scenario has its own account, and within a scenario each record's
-- input_tokens is a different power of ten: a sum of input_tokens shows
-- which records a row counts (1101: the first, third and fourth).
\i sql/include/setup.sql
SET datestyle = ISO;
SET timezone = 'UTC';
\pset null '(null)'

SELECT count(*) AS accounts
  FROM unnest('{month,spring,fall,india,berlin,years,idle}'::text[]) AS n,
       LATERAL credits_create_account(n);
SET credits.tenant = 'other';
SELECT external_id FROM credits_create_account('month');
RESET credits.tenant;

-- The rollup rows of the records loaded here, in both spans: the UTC
-- quarter-hour and the UTC day each record falls in ('' for a NULL model or
-- endpoint; successful and failed requests, cost and charged 0 when none).
CREATE FUNCTION pg_temp.restore_rollups(ids text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    loaded bigint;
BEGIN
INSERT INTO credits_usage_rollup (account_id, account_key, span, bucket, model, usage_type, endpoint, context, records,
                                  requests, successful_requests, failed_requests, input_tokens, cached_input_tokens,
                                  cache_write_tokens, output_tokens, reasoning_tokens, units, cost, charged)
SELECT account_id, account_key, s.span, date_bin(s.span, occurred_at, timestamptz '2000-01-01 00:00:00+00'),
       coalesce(model, ''), usage_type, coalesce(endpoint, ''), context, count(*), sum(requests),
       coalesce(sum(requests) FILTER (WHERE success), 0), coalesce(sum(requests) FILTER (WHERE NOT success), 0),
       sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
       sum(units), coalesce(sum(cost), 0), coalesce(sum(charged), 0)
  FROM credits_usage_record CROSS JOIN (VALUES (interval '15 minutes'), (interval '1 day')) AS s(span)
 WHERE id LIKE ids
 GROUP BY account_id, account_key, s.span, date_bin(s.span, occurred_at, timestamptz '2000-01-01 00:00:00+00'),
          coalesce(model, ''), usage_type, coalesce(endpoint, ''), context;
GET DIAGNOSTICS loaded = ROW_COUNT;
RETURN loaded;
END $$;

-- The records: tag, tenant, account, model, usage_type, endpoint, context,
-- input_tokens, requests, success, cost, charged, occurred_at (UTC).
INSERT INTO credits_usage_record (id, account_id, account_key, model, usage_type, endpoint, context, input_tokens,
                                  cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, units,
                                  requests, success, cost, charged, occurred_at, created_at)
SELECT 'use_fx_' || v.tag, a.id, a.account_key, v.model, v.usage_type, v.endpoint, v.context, v.input_tokens,
       CASE WHEN v.tag = 'm2' THEN 7 ELSE 0 END, CASE WHEN v.tag = 'm2' THEN 8 ELSE 0 END,
       CASE WHEN v.tag = 'm2' THEN 9 ELSE 0 END, CASE WHEN v.tag = 'm2' THEN 11 ELSE 0 END,
       CASE WHEN v.tag = 'm2' THEN 1.5 ELSE 0 END, v.requests, v.success, v.cost, v.charged, (v.at || '+00')::timestamptz,
       (v.at || '+00')::timestamptz  -- UTC wherever the INSERT runs (on Citus: the workers)
  FROM (VALUES
    -- A month in New York (EST -05:00 until 2026-03-08, EDT -04:00 after).
    ('m1', 'default', 'month', 'gpt-4o', 'text', '/v1/chat', 'customer', 1, 1, true, 0.5, 1, '2026-03-01 04:59:59'),
    ('m2', 'default', 'month', 'gpt-4o', 'text', '/v1/chat', 'developer', 10, 2, true, 0.25, NULL, '2026-03-01 05:00:00'),
    ('m3', 'default', 'month', 'claude', 'text', '/v1/embed', 'customer', 100, 3, false, NULL, NULL, '2026-03-15 12:00:00'),
    ('m4', 'default', 'month', NULL, 'image', NULL, 'customer', 1000, 4, true, 1.125, 2, '2026-04-01 03:59:59.999'),
    ('m5', 'default', 'month', 'gpt-4o', 'image', '/v1/embed', 'developer', 10000, 5, false, 2, 2, '2026-04-01 04:00:00'),
    ('m6', 'default', 'month', 'claude', 'text', '/v1/chat', 'customer', 100000, 6, true, 0.75, 1, '2026-03-20 00:00:00'),
    -- The same name in another tenant: never in this tenant's summaries.
    ('o1', 'other', 'month', 'gpt-4o', 'text', '/v1/chat', 'customer', 7, 70, true, 7, 7, '2026-03-15 12:00:00'),
    -- New York's clocks go forward at 2026-03-08 02:00 EST (07:00 UTC).
    ('s1', 'default', 'spring', 'gpt-4o', 'text', '/v1/chat', 'customer', 1, 1, true, NULL, NULL, '2026-03-08 04:59:00'),
    ('s2', 'default', 'spring', 'gpt-4o', 'text', '/v1/chat', 'customer', 10, 1, true, NULL, NULL, '2026-03-08 05:00:00'),
    ('s3', 'default', 'spring', 'gpt-4o', 'text', '/v1/chat', 'customer', 100, 1, true, NULL, NULL, '2026-03-08 06:59:00'),
    ('s4', 'default', 'spring', 'gpt-4o', 'text', '/v1/chat', 'customer', 1000, 1, true, NULL, NULL, '2026-03-08 07:00:00'),
    ('s5', 'default', 'spring', 'gpt-4o', 'text', '/v1/chat', 'customer', 10000, 1, true, NULL, NULL, '2026-03-09 03:59:00'),
    ('s6', 'default', 'spring', 'gpt-4o', 'text', '/v1/chat', 'customer', 100000, 1, true, NULL, NULL, '2026-03-09 04:00:00'),
    -- ... and back at 2026-11-01 02:00 EDT (06:00 UTC): 01:00 to 02:00 twice.
    ('f1', 'default', 'fall', 'gpt-4o', 'text', '/v1/chat', 'customer', 1, 1, true, NULL, NULL, '2026-11-01 03:59:00'),
    ('f2', 'default', 'fall', 'gpt-4o', 'text', '/v1/chat', 'customer', 10, 1, true, NULL, NULL, '2026-11-01 04:00:00'),
    ('f3', 'default', 'fall', 'gpt-4o', 'text', '/v1/chat', 'customer', 100, 1, true, NULL, NULL, '2026-11-01 05:30:00'),
    ('f4', 'default', 'fall', 'gpt-4o', 'text', '/v1/chat', 'customer', 1000, 1, true, NULL, NULL, '2026-11-01 06:15:00'),
    ('f5', 'default', 'fall', 'gpt-4o', 'text', '/v1/chat', 'customer', 10000, 1, true, NULL, NULL, '2026-11-01 07:00:00'),
    ('f6', 'default', 'fall', 'gpt-4o', 'text', '/v1/chat', 'customer', 100000, 1, true, NULL, NULL, '2026-11-02 04:59:00'),
    ('f7', 'default', 'fall', 'gpt-4o', 'text', '/v1/chat', 'customer', 1000000, 1, true, NULL, NULL, '2026-11-02 05:00:00'),
    -- Days begin at 18:30 UTC in Kolkata (+05:30), at 18:15 UTC in Kathmandu (+05:45).
    ('k1', 'default', 'india', 'gpt-4o', 'text', '/v1/chat', 'customer', 1, 1, true, NULL, NULL, '2026-05-10 18:14:00'),
    ('k2', 'default', 'india', 'gpt-4o', 'text', '/v1/chat', 'customer', 10, 1, true, NULL, NULL, '2026-05-10 18:15:00'),
    ('k3', 'default', 'india', 'gpt-4o', 'text', '/v1/chat', 'customer', 100, 1, true, NULL, NULL, '2026-05-10 18:29:00'),
    ('k4', 'default', 'india', 'gpt-4o', 'text', '/v1/chat', 'customer', 1000, 1, true, NULL, NULL, '2026-05-10 18:30:00'),
    ('k5', 'default', 'india', 'gpt-4o', 'text', '/v1/chat', 'customer', 10000, 1, true, NULL, NULL, '2026-05-11 18:29:59'),
    -- Berlin weeks begin on Monday 00:00: 22:00 UTC on Sunday in summer
    -- (CEST), 23:00 UTC in winter (CET, from 2026-10-25 03:00 CEST).
    ('b1', 'default', 'berlin', 'gpt-4o', 'text', '/v1/chat', 'customer', 1, 1, true, NULL, NULL, '2026-10-18 21:59:00'),
    ('b2', 'default', 'berlin', 'gpt-4o', 'text', '/v1/chat', 'customer', 10, 1, true, NULL, NULL, '2026-10-18 22:00:00'),
    ('b3', 'default', 'berlin', 'gpt-4o', 'text', '/v1/chat', 'customer', 100, 1, true, NULL, NULL, '2026-10-22 12:00:00'),
    ('b4', 'default', 'berlin', 'gpt-4o', 'text', '/v1/chat', 'customer', 1000, 1, true, NULL, NULL, '2026-10-25 22:59:00'),
    ('b5', 'default', 'berlin', 'gpt-4o', 'text', '/v1/chat', 'customer', 10000, 1, true, NULL, NULL, '2026-10-25 23:00:00'),
    -- Years.
    ('y1', 'default', 'years', 'gpt-4o', 'text', '/v1/chat', 'customer', 1, 1, true, NULL, NULL, '2025-12-31 23:59:59'),
    ('y2', 'default', 'years', 'gpt-4o', 'text', '/v1/chat', 'customer', 10, 1, true, NULL, NULL, '2026-01-01 00:00:00'),
    ('y3', 'default', 'years', 'gpt-4o', 'text', '/v1/chat', 'customer', 100, 1, true, NULL, NULL, '2026-07-01 12:00:00'),
    ('y4', 'default', 'years', 'gpt-4o', 'text', '/v1/chat', 'customer', 1000, 1, true, NULL, NULL, '2026-12-31 20:00:00'),
    ('y5', 'default', 'years', 'gpt-4o', 'text', '/v1/chat', 'customer', 10000, 1, true, NULL, NULL, '2027-01-01 04:59:59')
  ) AS v(tag, tenant, account, model, usage_type, endpoint, context, input_tokens, requests, success, cost, charged, at)
  JOIN credits_account a ON a.tenant = v.tenant AND a.external_id = v.account;
SELECT pg_temp.restore_rollups('use\_fx\_%') AS rollup_rows;
SELECT span, count(*) AS rollup_rows, sum(records) AS records, sum(requests) AS requests
  FROM credits_usage_rollup GROUP BY span ORDER BY span;
-- The loaded rollups agree with the records, in every tenant.
SELECT count(*) AS findings FROM credits_verify();
SET credits.tenant = 'other';
SELECT count(*) AS findings FROM credits_verify();
RESET credits.tenant;

-- A summary, compactly: the period's start in its zone with the zone's
-- offset then, its length in hours, the dimensions and the sums.
CREATE FUNCTION pg_temp.show(account text, period text, since timestamptz, until timestamptz, group_by text[] = NULL,
                             zone text = 'UTC', only_context text = NULL, only_model text = NULL)
RETURNS TABLE (period_start text, hours numeric, model text, usage_type text, endpoint text, context text,
               records bigint, requests bigint, ok bigint, failed bigint, input_tokens bigint, cost numeric,
               charged numeric, by_endpoint jsonb)
LANGUAGE sql AS $$
SELECT to_char(s.period_start AT TIME ZONE zone, 'YYYY-MM-DD HH24:MI')
       || CASE WHEN m < 0 THEN '-' ELSE '+' END || lpad((abs(m) / 60)::text, 2, '0') || ':'
       || lpad((abs(m) % 60)::text, 2, '0'),
       trim_scale(extract(epoch FROM s.period_end - s.period_start) / 3600), s.model, s.usage_type, s.endpoint,
       s.context, s.records, s.total_requests, s.successful_requests, s.failed_requests, s.input_tokens,
       s.credits_consumed, s.credits_charged, s.requests_by_endpoint
  FROM credits_usage_summary(account, period, since, until, group_by, zone, only_context, only_model) s,
       LATERAL (SELECT (extract(epoch FROM (s.period_start AT TIME ZONE zone)
                                           - (s.period_start AT TIME ZONE 'UTC')) / 60)::int AS m) o
$$;

-- Every column once: the month account by UTC month. m1 (04:59:59 on
-- March 1st), m2, m3 and m6 fall in March; m4 (03:59:59.999 on April 1st)
-- and m5 in April. m2 alone has the other token buckets and units.
SELECT * FROM credits_usage_summary('month', 'month', '2026-03-01', '2026-04-30');

-- In New York the same records fall otherwise: m1 is still February
-- (23:59:59 EST) and m4 still March (23:59:59.999 EDT); March is 744 - 1
-- hours long (clocks went forward on the 8th). A whole period is counted
-- however little of it since and until cover.
SELECT * FROM pg_temp.show('month', 'month', '2026-02-15', '2026-04-15', zone => 'America/New_York');
SELECT * FROM pg_temp.show('month', 'month', '2026-03-10', '2026-03-11', zone => 'America/New_York');
-- since and until are both inclusive: until at the first moment of April
-- (00:00 EDT) takes April in, since at the last moment of February takes
-- February in.
SELECT * FROM pg_temp.show('month', 'month', '2026-03-01 04:59:59.999999', '2026-04-01 04:00',
                           zone => 'America/New_York');
-- since = until: the one period.
SELECT * FROM pg_temp.show('month', 'month', '2026-03-01 05:00', '2026-03-01 05:00', zone => 'America/New_York');

-- group_by: ungrouped dimensions are NULL, a NULL model or endpoint is NULL
-- too; rows are ordered by period, then the dimensions (a NULL model or
-- endpoint first: it is '' in the rollups); each row's requests_by_endpoint
-- has the endpoints of its own usage ("" for none).
SELECT * FROM pg_temp.show('month', 'month', '2026-02-15', '2026-04-15', '{model}', 'America/New_York');
SELECT * FROM pg_temp.show('month', 'month', '2026-02-15', '2026-04-15', '{usage_type}', 'America/New_York');
SELECT * FROM pg_temp.show('month', 'month', '2026-02-15', '2026-04-15', '{endpoint, context}', 'America/New_York');
SELECT * FROM pg_temp.show('month', 'month', '2026-02-15', '2026-04-15', '{context, model, endpoint, usage_type}',
                           'America/New_York');
-- The order in group_by does not matter, nor does naming one twice; an empty
-- group_by groups nothing.
SELECT (SELECT array_agg(s ORDER BY s::text) FROM pg_temp.show('month', 'month', '2026-02-15', '2026-04-15',
                                                                 '{model, endpoint}') s)
     = (SELECT array_agg(s ORDER BY s::text) FROM pg_temp.show('month', 'month', '2026-02-15', '2026-04-15',
                                                                 '{endpoint, model, endpoint}') s) AS same_grouping,
       (SELECT array_agg(s ORDER BY s::text) FROM pg_temp.show('month', 'month', '2026-02-15', '2026-04-15', '{}') s)
     = (SELECT array_agg(s ORDER BY s::text) FROM pg_temp.show('month', 'month', '2026-02-15', '2026-04-15') s)
       AS empty_is_none;

-- Filters: context, model, both; a filter with no usage gives no rows.
SELECT * FROM pg_temp.show('month', 'month', '2026-02-15', '2026-04-15', zone => 'America/New_York',
                           only_context => 'developer');
SELECT * FROM pg_temp.show('month', 'month', '2026-02-15', '2026-04-15', zone => 'America/New_York',
                           only_model => 'gpt-4o');
SELECT * FROM pg_temp.show('month', 'month', '2026-02-15', '2026-04-15', '{model, context}', 'America/New_York',
                           'customer', 'claude');
SELECT count(*) AS rows FROM credits_usage_summary('month', 'month', '2026-02-15', '2026-04-15', model => 'none');

-- The day clocks go forward in New York: 23 hours (s2 to s5); hours 00:00,
-- 01:00, then 03:00 EDT.
SELECT * FROM pg_temp.show('spring', 'day', '2026-03-07 12:00', '2026-03-09 12:00', zone => 'America/New_York');
SELECT * FROM pg_temp.show('spring', 'hour', '2026-03-08 05:00', '2026-03-08 07:59', zone => 'America/New_York');
-- The same records by UTC day and by the day in Kolkata.
SELECT * FROM pg_temp.show('spring', 'day', '2026-03-07 12:00', '2026-03-09 12:00');
SELECT * FROM pg_temp.show('spring', 'day', '2026-03-07 12:00', '2026-03-09 12:00', zone => 'Asia/Kolkata');

-- The day clocks go back: 25 hours (f2 to f6); 01:00 EDT (f3) and 01:00 EST
-- (f4) are two hours of their own, each one hour long.
SELECT * FROM pg_temp.show('fall', 'day', '2026-10-31 12:00', '2026-11-02 12:00', zone => 'America/New_York');
SELECT * FROM pg_temp.show('fall', 'hour', '2026-11-01 03:00', '2026-11-01 07:59', zone => 'America/New_York');
SELECT * FROM pg_temp.show('fall', 'month', '2026-10-15', '2026-11-15', zone => 'America/New_York');
-- Its week (Monday 2026-10-26 to Monday 2026-11-02 00:00 EST): 169 hours.
SELECT * FROM pg_temp.show('fall', 'week', '2026-10-31', '2026-11-01', zone => 'America/New_York');

-- Kolkata: k1 to k3 on the 10th, k4 and k5 (18:29:59 UTC) on the 11th.
SELECT * FROM pg_temp.show('india', 'day', '2026-05-09', '2026-05-12', zone => 'Asia/Kolkata');
-- Kathmandu: k1 on the 10th, k2 to k4 on the 11th, k5 on the 12th.
SELECT * FROM pg_temp.show('india', 'day', '2026-05-09', '2026-05-12', zone => 'Asia/Kathmandu');
SELECT * FROM pg_temp.show('india', 'day', '2026-05-09', '2026-05-12');
-- Their hours begin at half past and at a quarter past the UTC hour.
SELECT * FROM pg_temp.show('india', 'hour', '2026-05-10 17:00', '2026-05-10 19:00', zone => 'Asia/Kolkata');
SELECT * FROM pg_temp.show('india', 'hour', '2026-05-10 17:00', '2026-05-10 19:00', zone => 'Asia/Kathmandu');
SELECT * FROM pg_temp.show('india', 'month', '2026-05-01', '2026-05-31', zone => 'Asia/Kathmandu');

-- Berlin weeks: the week of Monday 2026-10-19 is 169 hours (b2 to b4); b1
-- (Sunday 23:59 CEST) is in the week before, b5 (Monday 00:00 CET) in the
-- next. UTC weeks split them otherwise.
SELECT * FROM pg_temp.show('berlin', 'week', '2026-10-12', '2026-10-27', zone => 'Europe/Berlin');
SELECT * FROM pg_temp.show('berlin', 'week', '2026-10-12', '2026-10-27');

-- Years: UTC, New York (y2 is still 2025 there, y5 still 2026) and Kolkata
-- (y4, 20:00 UTC on 2026-12-31, is already 2027 there).
SELECT * FROM pg_temp.show('years', 'year', '2025-06-01', '2027-06-01');
SELECT * FROM pg_temp.show('years', 'year', '2025-06-01', '2027-06-01', zone => 'America/New_York');
SELECT * FROM pg_temp.show('years', 'year', '2025-06-01', '2027-06-01', zone => 'Asia/Kolkata');

-- The whole tenant (account NULL): every account of this tenant, none of
-- another's; the same as the sums of the accounts' summaries.
SELECT period_start, hours, records, requests, ok, failed, cost, charged, by_endpoint
  FROM pg_temp.show(NULL, 'year', '2025-01-01', '2027-12-31');
SELECT * FROM pg_temp.show(NULL, 'year', '2025-01-01', '2027-12-31', '{context}');
SELECT count(*) AS periods, count(*) FILTER (WHERE (t.*) IS DISTINCT FROM (s.*)) AS differing
  FROM (SELECT period_start, records, total_requests, input_tokens, credits_consumed, credits_charged
          FROM credits_usage_summary(NULL, 'month', '2025-01-01', '2027-12-31', time_zone => 'Asia/Kathmandu')) t
  FULL JOIN (SELECT period_start, sum(records)::bigint AS records, sum(total_requests)::bigint AS total_requests,
                    sum(input_tokens)::bigint AS input_tokens, sum(credits_consumed) AS credits_consumed,
                    sum(credits_charged) AS credits_charged
               FROM credits_accounts a,
                    LATERAL credits_usage_summary(a.id, 'month', '2025-01-01', '2027-12-31',
                                                  time_zone => 'Asia/Kathmandu')
              GROUP BY period_start) s USING (period_start);
-- The other tenant sees its own account of that name.
SET credits.tenant = 'other';
SELECT * FROM pg_temp.show('month', 'month', '2026-01-01', '2026-12-31');
SELECT * FROM pg_temp.show(NULL, 'year', '2025-01-01', '2027-12-31');
RESET credits.tenant;
-- An account without usage, and a span without any: no rows.
SELECT count(*) AS rows FROM credits_usage_summary('idle', 'year', '2025-01-01', '2027-12-31');
SELECT count(*) AS rows FROM credits_usage_summary('month', 'day', '2026-03-02', '2026-03-14');
SELECT count(*) AS rows FROM credits_usage_summary(NULL, 'hour', '2026-06-01', '2026-06-30');
-- Reached by account id too.
SELECT count(*) AS rows, sum(records) AS records
  FROM credits_accounts a, LATERAL credits_usage_summary(a.id, 'month', '2026-02-15', '2026-04-15')
 WHERE a.external_id = 'month';
-- The default period is the month; since and until default to now (no
-- usage then; the dates here are long past or far off).
SELECT count(*) AS rows FROM credits_usage_summary('idle');
SELECT count(*) AS rows FROM credits_usage_summary('idle', 'day', now() - interval '1 year');
-- until defaults to since when since is later than now.
SELECT pg_temp.fails($$SELECT credits_usage_summary('idle', 'day', now() + interval '1 day')$$) AS future_since;

-- Errors.
SELECT call, pg_temp.fails(call) FROM (VALUES
    -- CR012: since after until, not finite
    ($$SELECT credits_usage_summary('month', 'day', '2026-03-02', '2026-03-01')$$),
    ($$SELECT credits_usage_summary('month', 'day', '2026-03-01 00:00:00.000001', '2026-03-01')$$),
    ($$SELECT credits_usage_summary('month', 'day', '-infinity', '2026-03-01')$$),
    ($$SELECT credits_usage_summary('month', 'day', '2026-03-01', 'infinity')$$),
    -- CR012: unknown period
    ($$SELECT credits_usage_summary('month', 'minute')$$),
    ($$SELECT credits_usage_summary('month', 'Month')$$),
    ($$SELECT credits_usage_summary('month', 'quarter')$$),
    ($$SELECT credits_usage_summary('month', '')$$),
    -- CR012: unknown group_by
    ($$SELECT credits_usage_summary('month', group_by => '{model, account}')$$),
    ($$SELECT credits_usage_summary('month', group_by => '{Model}')$$),
    ($$SELECT credits_usage_summary('month', group_by => '{""}')$$),
    ($$SELECT credits_usage_summary('month', group_by => ARRAY[NULL]::text[])$$),
    -- CR012: unknown time zone
    ($$SELECT credits_usage_summary('month', time_zone => 'Mars/Olympus_Mons')$$),
    ($$SELECT credits_usage_summary('month', time_zone => '')$$),
    -- CR012: since after until for the whole tenant too
    ($$SELECT credits_usage_summary(NULL::text, 'day', '2026-03-02', '2026-03-01')$$),
    -- CR002: unknown account
    ($$SELECT credits_usage_summary('nobody')$$),
    ($$SELECT credits_usage_summary('acc_01M8MZQMDV97HRFH7QYQ2JFX97')$$)
) AS calls(call);
-- CR002: another tenant's account, by its id.
SELECT id AS other_id FROM credits_account WHERE tenant = 'other' AND external_id = 'month' \gset
SELECT pg_temp.fails(format('SELECT credits_usage_summary(%L)', :'other_id')) AS other_tenants_account;

SELECT * FROM credits_verify();
DROP EXTENSION credits;
