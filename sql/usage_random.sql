-- credits_usage_summary against a recomputation from the usage records, on
-- a few thousand random records made through credits_record_usage,
-- credits_charge (also settling holds) and credits_apply batches, over four
-- accounts, models and endpoints (some NULL), both contexts, successes and
-- failures, replays and failed operations, spread over the last 34 days.
-- Every variant is compared: each period, six time zones (among them
-- +05:30, +05:45, +08:45 and +12:45/+13:45), four group_by sets, each
-- account and the whole tenant, and some filters. The data is random but
-- fixed by the seed; only counts that do not depend on today's date are
-- printed (the records' times are relative to now, so how they fall into
-- periods is not).
\i sql/include/setup.sql
SET datestyle = ISO;
SET timezone = 'UTC';
\pset null '(null)'
SELECT setseed(0.20260308);

SELECT external_id, unit, scale FROM credits_create_account('r1', initial_balance => 1000000);
SELECT external_id, unit, scale FROM credits_create_account('r2', unit => 'USD', scale => 2, initial_balance => 1000000);
SELECT external_id, unit, scale FROM credits_create_account('r3', unit => 'USD', scale => 6, initial_balance => 1000000);
SELECT external_id, unit, scale FROM credits_create_account('r4', initial_balance => 1000000);
-- Prices from before the oldest record, and a new gpt-4o version halfway.
SELECT count(*) AS prices FROM (
    SELECT credits_set_price('gpt-4o', input_price => 2.5, cached_input_price => 1.25, output_price => 10,
                             effective_from => now() - interval '40 days')
    UNION ALL
    SELECT credits_set_price('gpt-4o', input_price => 3, output_price => 12, request_price => 0.001,
                             rounding => 'half_up', effective_from => now() - interval '17 days')
    UNION ALL
    SELECT credits_set_price('claude', input_price => 3, cache_write_price => 3.75, output_price => 15,
                             reasoning_price => 15, per_tokens => 1000, rounding => 'down',
                             effective_from => now() - interval '40 days')
    UNION ALL
    SELECT credits_set_price('dall-e', 'image', unit_price => 0.04, request_price => 0.5,
                             effective_from => now() - interval '40 days')) p;

-- The plan: what each operation does, drawn once from the seeded random().
-- kind: record (credits_record_usage), charge (credits_charge), held (a
-- charge that settles a hold), batch_record and batch_charge (credits_apply).
CREATE TEMP TABLE plan AS
SELECT n, kind, account, m.model, CASE WHEN m.model = 'dall-e' THEN 'image' ELSE 'text' END AS usage_type, endpoint,
       context, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
       CASE WHEN m.model = 'dall-e' THEN units ELSE 0 END AS units, requests, success,
       CASE WHEN kind IN ('record', 'batch_record') THEN cost END AS cost, ago, idempotency_key
  FROM (SELECT n,
               (ARRAY['record', 'record', 'record', 'charge', 'charge', 'held', 'batch_record', 'batch_charge'])
                 [1 + floor(random() * 8)::int] AS kind,
               (ARRAY['r1', 'r2', 'r3', 'r4', 'r1'])[1 + floor(random() * 5)::int] AS account,
               floor(random() * 4)::int AS model_no,
               (ARRAY['/v1/chat/completions', '/v1/responses', '/v1/embeddings', NULL])
                 [1 + floor(random() * 4)::int] AS endpoint,
               CASE WHEN random() < 0.7 THEN 'customer' ELSE 'developer' END AS context,
               CASE WHEN random() < 0.2 THEN 0 ELSE floor(random() * 20000)::bigint END AS input_tokens,
               CASE WHEN random() < 0.6 THEN 0 ELSE floor(random() * 5000)::bigint END AS cached_input_tokens,
               CASE WHEN random() < 0.8 THEN 0 ELSE floor(random() * 3000)::bigint END AS cache_write_tokens,
               floor(random() * 4000)::bigint AS output_tokens,
               CASE WHEN random() < 0.7 THEN 0 ELSE floor(random() * 2000)::bigint END AS reasoning_tokens,
               round((random() * 4)::numeric, 3) AS units,
               (ARRAY[0, 1, 1, 1, 2, 3, 7])[1 + floor(random() * 7)::int] AS requests,
               random() < 0.85 AS success,
               CASE WHEN random() < 0.3 THEN NULL ELSE round((random() * 0.05)::numeric, 9) END AS cost,
               random() * interval '34 days' AS ago,
               CASE WHEN random() < 0.1 THEN 'key-' || n END AS idempotency_key
          FROM generate_series(1, 3000) n) p,
       LATERAL (SELECT CASE WHEN model_no = 3 AND kind IN ('record', 'batch_record') THEN NULL
                            ELSE (ARRAY['gpt-4o', 'claude', 'dall-e', 'gpt-4o'])[1 + model_no] END AS model) m;
SELECT kind, count(*) AS planned FROM plan GROUP BY kind ORDER BY kind;

-- Another tenant's usage at the same times: never in these summaries.
SET credits.tenant = 'noise';
SELECT external_id FROM credits_create_account('r1');
SELECT count(*) AS noise FROM plan, LATERAL credits_record_usage('r1', plan.model, plan.usage_type, plan.endpoint,
                                                                  requests => 1000, occurred_at => now() - plan.ago)
 WHERE n % 10 = 0;
RESET credits.tenant;

-- Run the plan in one transaction (one now(), so that replays carry the
-- same occurred_at): the operations in order, batches of 25 (non-atomic,
-- each with one operation that fails: an unpriced model), then every
-- operation that has an idempotency key once more (but those that settled a
-- hold), replayed.
CREATE TEMP TABLE tally (what text, n bigint);
DO $$
DECLARE
    p record;
    batch jsonb := '[]';
    hold text;
    made bigint := 0;
    replayed bigint := 0;
    batch_ok bigint := 0;
    batch_failed bigint := 0;
    r record;
    op jsonb;
BEGIN
    FOR p IN SELECT * FROM plan ORDER BY n LOOP
        IF p.kind = 'record' THEN
            PERFORM credits_record_usage(p.account, p.model, p.usage_type, p.endpoint, p.context, p.input_tokens,
                                         p.cached_input_tokens, p.cache_write_tokens, p.output_tokens,
                                         p.reasoning_tokens, p.units, p.requests, p.success, p.cost,
                                         occurred_at => now() - p.ago, idempotency_key => p.idempotency_key);
            made := made + 1;
        ELSIF p.kind IN ('charge', 'held') THEN
            hold := NULL;
            IF p.kind = 'held' THEN
                hold := (credits_reserve(p.account, 1000)).id;
            END IF;
            PERFORM credits_charge(p.account, p.model, p.usage_type, p.input_tokens, p.cached_input_tokens,
                                   p.cache_write_tokens, p.output_tokens, p.reasoning_tokens, p.units, p.requests,
                                   p.idempotency_key, hold, p.endpoint, p.context, p.success,
                                   occurred_at => now() - p.ago);
            made := made + 1;
        ELSE
            op := jsonb_strip_nulls(jsonb_build_object(
                'op', CASE WHEN p.kind = 'batch_record' THEN 'record_usage' ELSE 'charge' END,
                'account', p.account, 'model', p.model, 'usage_type', p.usage_type, 'endpoint', p.endpoint,
                'context', p.context, 'input_tokens', p.input_tokens, 'cached_input_tokens', p.cached_input_tokens,
                'cache_write_tokens', p.cache_write_tokens, 'output_tokens', p.output_tokens,
                'reasoning_tokens', p.reasoning_tokens, 'units', p.units, 'requests', p.requests,
                'success', p.success, 'cost', p.cost, 'occurred_at', (now() - p.ago)::text,
                'idempotency_key', p.idempotency_key));
            batch := batch || jsonb_build_array(op);
            IF jsonb_array_length(batch) = 24 THEN
                batch := batch || jsonb_build_array(jsonb_build_object('op', 'charge', 'account', 'r1',
                                                                       'model', 'unpriced', 'requests', 5));
                FOR r IN SELECT * FROM credits_apply(batch, false) LOOP
                    IF r.ok THEN batch_ok := batch_ok + 1; ELSE batch_failed := batch_failed + 1; END IF;
                END LOOP;
                batch := '[]';
            END IF;
        END IF;
    END LOOP;
    FOR r IN SELECT * FROM credits_apply(batch, false) LOOP
        IF r.ok THEN batch_ok := batch_ok + 1; ELSE batch_failed := batch_failed + 1; END IF;
    END LOOP;
    -- Replays: the same calls again.
    FOR p IN SELECT * FROM plan WHERE idempotency_key IS NOT NULL AND kind <> 'held' ORDER BY n LOOP
        IF p.kind IN ('record', 'batch_record') THEN
            SELECT * INTO r FROM credits_record_usage(p.account, p.model, p.usage_type, p.endpoint, p.context,
                                                      p.input_tokens, p.cached_input_tokens, p.cache_write_tokens,
                                                      p.output_tokens, p.reasoning_tokens, p.units, p.requests,
                                                      p.success, p.cost, occurred_at => now() - p.ago,
                                                      idempotency_key => p.idempotency_key);
        ELSE
            SELECT * INTO r FROM credits_charge(p.account, p.model, p.usage_type, p.input_tokens,
                                                p.cached_input_tokens, p.cache_write_tokens, p.output_tokens,
                                                p.reasoning_tokens, p.units, p.requests, p.idempotency_key,
                                                endpoint => p.endpoint, context => p.context, success => p.success,
                                                occurred_at => now() - p.ago);
        END IF;
        IF r.replayed THEN replayed := replayed + 1; END IF;
    END LOOP;
    INSERT INTO tally VALUES ('direct', made), ('batched ok', batch_ok), ('batched failed', batch_failed),
                             ('replayed', replayed);
END $$;
SELECT what, n FROM tally;
SELECT count(*) AS records, count(*) FILTER (WHERE charged IS NOT NULL) AS charged,
       count(*) FILTER (WHERE reservation_id IS NOT NULL) AS settled_holds, count(*) FILTER (WHERE model IS NULL)
       AS no_model, count(*) FILTER (WHERE endpoint IS NULL) AS no_endpoint, count(*) FILTER (WHERE NOT success)
       AS failed, count(*) FILTER (WHERE requests = 0) AS no_requests,
       count(*) = (SELECT count(*) FROM plan) AS one_per_operation
  FROM credits_usage;
SELECT min(occurred_at) > now() - interval '34 days 1 minute' AND max(occurred_at) <= now() AS within_34_days
  FROM credits_usage;
SELECT count(*) AS findings FROM credits_verify();

-- The summary recomputed from the records (of this tenant): periods by
-- date_trunc in the zone, a period ending an hour later or the same local
-- time one period later, sums of 0 where nothing adds up, endpoints ""
-- where NULL in requests_by_endpoint.
CREATE FUNCTION pg_temp.recomputed(account text, period text, zone text, group_by text[], only_context text,
                                   only_model text)
RETURNS TABLE (period_start timestamptz, period_end timestamptz, model text, usage_type text, endpoint text,
               context text, total_requests bigint, successful_requests bigint, failed_requests bigint,
               input_tokens bigint, cached_input_tokens bigint, cache_write_tokens bigint, output_tokens bigint,
               reasoning_tokens bigint, units numeric, credits_consumed numeric, credits_charged numeric,
               records bigint, requests_by_endpoint jsonb)
LANGUAGE plpgsql STABLE AS $$
#variable_conflict use_column
BEGIN
RETURN QUERY
WITH usage AS (
    SELECT date_trunc(period, u.occurred_at, zone) AS period_start,
           CASE WHEN 'model' = ANY (group_by) THEN u.model END COLLATE "default" AS model,
           CASE WHEN 'usage_type' = ANY (group_by) THEN u.usage_type END COLLATE "default" AS usage_type,
           CASE WHEN 'endpoint' = ANY (group_by) THEN u.endpoint END COLLATE "default" AS endpoint,
           CASE WHEN 'context' = ANY (group_by) THEN u.context END COLLATE "default" AS context,
           coalesce(u.endpoint, '') AS by_endpoint, u.requests, u.success, u.input_tokens, u.cached_input_tokens,
           u.cache_write_tokens, u.output_tokens, u.reasoning_tokens, u.units, u.cost, u.charged
      FROM credits_usage_record u JOIN credits_account a ON a.id = u.account_id AND a.account_key = u.account_key
     WHERE a.tenant = 'default' AND (account IS NULL OR a.external_id = account)
       AND (only_context IS NULL OR u.context = only_context) AND (only_model IS NULL OR u.model = only_model)
), per_endpoint AS (
    SELECT usage.period_start, usage.model, usage.usage_type, usage.endpoint, usage.context, by_endpoint,
           sum(requests) AS requests, coalesce(sum(requests) FILTER (WHERE success), 0) AS successful_requests,
           coalesce(sum(requests) FILTER (WHERE NOT success), 0) AS failed_requests,
           sum(usage.input_tokens) AS input_tokens, sum(usage.cached_input_tokens) AS cached_input_tokens,
           sum(usage.cache_write_tokens) AS cache_write_tokens, sum(usage.output_tokens) AS output_tokens,
           sum(usage.reasoning_tokens) AS reasoning_tokens, sum(usage.units) AS units,
           coalesce(sum(cost), 0) AS cost, coalesce(sum(charged), 0) AS charged, count(*) AS records
      FROM usage GROUP BY 1, 2, 3, 4, 5, 6
)
SELECT e.period_start,
       CASE WHEN period = 'hour' THEN e.period_start + interval '1 hour'
            ELSE ((e.period_start AT TIME ZONE zone) + ('1 ' || period)::interval) AT TIME ZONE zone END,
       e.model, e.usage_type, e.endpoint, e.context, sum(requests)::bigint, sum(successful_requests)::bigint,
       sum(failed_requests)::bigint, sum(e.input_tokens)::bigint, sum(e.cached_input_tokens)::bigint,
       sum(e.cache_write_tokens)::bigint, sum(e.output_tokens)::bigint, sum(e.reasoning_tokens)::bigint,
       sum(e.units), sum(cost), sum(charged), sum(records)::bigint, jsonb_object_agg(by_endpoint, requests)
  FROM per_endpoint e
 GROUP BY e.period_start, e.model, e.usage_type, e.endpoint, e.context;
END $$;

-- One variant: the rows of the summary (since and until spanning all the
-- data) that differ from the recomputation or have no counterpart in it,
-- and both row counts.
CREATE FUNCTION pg_temp.compare(account text, period text, zone text, group_by text[], only_context text = NULL,
                                only_model text = NULL)
RETURNS TABLE (mismatches bigint, summary_rows bigint, recomputed_rows bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
BEGIN
RETURN QUERY
SELECT count(*) FILTER (WHERE (s.*) IS DISTINCT FROM (r.*)), count(s.period_start), count(r.period_start)
  FROM credits_usage_summary(account, period, now() - interval '35 days', now() + interval '1 hour', group_by, zone,
                             only_context, only_model) s
  FULL JOIN pg_temp.recomputed(account, period, zone, group_by, only_context, only_model) r
    ON (r.period_start, coalesce(r.model, '-'), coalesce(r.usage_type, '-'), coalesce(r.endpoint, '-'),
        coalesce(r.context, '-'))
     = (s.period_start, coalesce(s.model, '-'), coalesce(s.usage_type, '-'), coalesce(s.endpoint, '-'),
        coalesce(s.context, '-'));
END $$;

CREATE TEMP TABLE variants AS
SELECT p.period, z.zone, g.group_by, a.account, c.*
  FROM unnest('{hour,day,week,month,year}'::text[]) WITH ORDINALITY AS p(period, pn),
       unnest('{UTC,America/New_York,Asia/Kolkata,Asia/Kathmandu,Australia/Eucla,Pacific/Chatham}'::text[])
         WITH ORDINALITY AS z(zone, zn),
       (VALUES (1, '{}'::text[]), (2, '{model}'), (3, '{endpoint,context}'), (4, '{model,usage_type,endpoint,context}'))
         AS g(gn, group_by),
       unnest(ARRAY['r1', 'r2', 'r3', 'r4', NULL]) AS a(account),
       LATERAL pg_temp.compare(a.account, p.period, z.zone, g.group_by) c
 ORDER BY pn, zn, gn;
-- Mismatching rows per variant: each account, the whole tenant; whether
-- every variant's summary has as many rows as the recomputation, and some.
SELECT period, zone, group_by, sum(mismatches) FILTER (WHERE account = 'r1') AS r1,
       sum(mismatches) FILTER (WHERE account = 'r2') AS r2, sum(mismatches) FILTER (WHERE account = 'r3') AS r3,
       sum(mismatches) FILTER (WHERE account = 'r4') AS r4, sum(mismatches) FILTER (WHERE account IS NULL) AS tenant,
       bool_and(summary_rows = recomputed_rows AND summary_rows > 0) AS same_rows
  FROM variants
 GROUP BY period, zone, group_by
 ORDER BY array_position('{hour,day,week,month,year}'::text[], period),
          array_position('{UTC,America/New_York,Asia/Kolkata,Asia/Kathmandu,Australia/Eucla,Pacific/Chatham}'::text[],
                         zone), cardinality(group_by), group_by;
SELECT count(*) AS variants, sum(mismatches) AS mismatches FROM variants;
-- A whole-tenant row is the sum of the accounts' rows.
SELECT count(*) AS variants, sum(d.differing) AS differing, bool_and(d.rows > 0) AS some_rows
  FROM unnest('{hour,day,week,month,year}'::text[]) AS p(period),
       unnest('{UTC,America/New_York,Asia/Kolkata,Asia/Kathmandu,Australia/Eucla,Pacific/Chatham}'::text[]) AS z(zone),
       LATERAL (
         SELECT count(*) AS rows, count(*) FILTER (WHERE (t.*) IS DISTINCT FROM (a.*)) AS differing
           FROM (SELECT period_start, coalesce(endpoint, '-') AS endpoint, total_requests, successful_requests,
                        failed_requests, output_tokens, units, credits_consumed, credits_charged, records
                   FROM credits_usage_summary(NULL, p.period, now() - interval '35 days', now() + interval '1 hour',
                                              '{endpoint}', z.zone)) t
           FULL JOIN (SELECT period_start, coalesce(endpoint, '-') AS endpoint, sum(total_requests)::bigint,
                             sum(successful_requests)::bigint, sum(failed_requests)::bigint,
                             sum(output_tokens)::bigint, sum(units), sum(credits_consumed), sum(credits_charged),
                             sum(records)::bigint
                        FROM unnest('{r1,r2,r3,r4}'::text[]) AS acc(account),
                             LATERAL credits_usage_summary(acc.account, p.period, now() - interval '35 days',
                                                           now() + interval '1 hour', '{endpoint}', z.zone)
                       GROUP BY 1, 2) a USING (period_start, endpoint)) d;

-- Filters on context and model (a model's usage only; NULL model usage is
-- in no model's).
SELECT f.only_context, f.only_model, count(*) AS variants, sum(c.mismatches) AS mismatches,
       bool_and(c.summary_rows = c.recomputed_rows AND c.summary_rows > 0) AS same_rows
  FROM (VALUES ('developer', NULL), ('customer', NULL), (NULL, 'gpt-4o'), (NULL, 'dall-e'), ('developer', 'claude'))
         AS f(only_context, only_model),
       unnest('{hour,day,week,month,year}'::text[]) AS p(period),
       unnest('{UTC,America/New_York,Asia/Kathmandu,Pacific/Chatham}'::text[]) AS z(zone),
       (VALUES ('{}'::text[]), ('{model,usage_type,endpoint,context}')) AS g(group_by),
       unnest(ARRAY['r1', NULL]) AS a(account),
       LATERAL pg_temp.compare(a.account, p.period, z.zone, g.group_by, f.only_context, f.only_model) c
 GROUP BY f.only_context, f.only_model ORDER BY f.only_context, f.only_model;

-- A narrower window: the periods that overlap [since, until], whole.
SELECT count(*) FILTER (WHERE (s.*) IS DISTINCT FROM (r.*)) AS mismatches,
       count(s.period_start) = count(r.period_start) AS same_rows
  FROM credits_usage_summary(NULL, 'day', now() - interval '10 days 5 hours', now() - interval '3 days 5 hours',
                             '{model}', 'Asia/Kathmandu') s
  FULL JOIN (SELECT * FROM pg_temp.recomputed(NULL, 'day', 'Asia/Kathmandu', '{model}', NULL, NULL)
              WHERE period_start >= date_trunc('day', now() - interval '10 days 5 hours', 'Asia/Kathmandu')
                AND period_start <= date_trunc('day', now() - interval '3 days 5 hours', 'Asia/Kathmandu')) r
    ON r.period_start = s.period_start AND r.model IS NOT DISTINCT FROM s.model;

SELECT * FROM credits_verify();
DROP EXTENSION credits;
