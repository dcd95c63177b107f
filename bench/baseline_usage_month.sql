-- What credits_usage_summary('usage_heavy', 'month', ...) returns, from the
-- month's usage records: one pass grouping by endpoint, then the month.
WITH e AS (
    SELECT date_trunc('month', occurred_at, 'UTC') AS period_start, coalesce(endpoint, '') AS endpoint,
           count(*) AS records, sum(requests) AS requests,
           coalesce(sum(requests) FILTER (WHERE success), 0) AS successful_requests,
           coalesce(sum(requests) FILTER (WHERE NOT success), 0) AS failed_requests,
           sum(input_tokens) AS input_tokens, sum(cached_input_tokens) AS cached_input_tokens,
           sum(cache_write_tokens) AS cache_write_tokens, sum(output_tokens) AS output_tokens,
           sum(reasoning_tokens) AS reasoning_tokens, sum(units) AS units, coalesce(sum(cost), 0) AS cost,
           coalesce(sum(charged), 0) AS charged
      FROM credits_usage_record
     WHERE account_id = (SELECT id FROM bench_usage_account)
       AND occurred_at >= '2025-01-01 00:00+00' AND occurred_at < '2025-02-01 00:00+00'
     GROUP BY 1, 2)
SELECT period_start, period_start + interval '1 month' AS period_end, NULL::text AS model, NULL::text AS usage_type,
       NULL::text AS endpoint, NULL::text AS context, sum(requests)::bigint AS total_requests,
       sum(successful_requests)::bigint AS successful_requests, sum(failed_requests)::bigint AS failed_requests,
       sum(input_tokens)::bigint AS input_tokens, sum(cached_input_tokens)::bigint AS cached_input_tokens,
       sum(cache_write_tokens)::bigint AS cache_write_tokens, sum(output_tokens)::bigint AS output_tokens,
       sum(reasoning_tokens)::bigint AS reasoning_tokens, sum(units) AS units, sum(cost) AS credits_consumed,
       sum(charged) AS credits_charged, sum(records)::bigint AS records,
       jsonb_object_agg(endpoint, requests) AS requests_by_endpoint
  FROM e
 GROUP BY period_start;
