-- After the writers have finished and the consumer has drained the feed:
-- one line of counts, every one but the first three must be 0.
--   events commits out_of_xid_order claims delivered missed phantom twice backwards moved
--   alert_sequence alert_data alert_state depleted_off
WITH
delivered AS (
    SELECT d.*, lag((d.position, d.ordinal)) OVER (ORDER BY d.claim, d.rank) AS prev
      FROM feed_delivery d
),
alert AS (
    SELECT d.claim, d.rank, e.account_id, e.type, e.data,
           CASE WHEN e.type = 'balance.depleted' OR (e.type = 'balance.recovered' AND (e.data->>'depleted')::boolean)
                THEN 'depleted' ELSE trim_scale((e.data->>'threshold')::numeric)::text END AS key
      FROM feed_delivery d JOIN credits_events e USING (id)
     WHERE e.type IN ('balance.low', 'balance.depleted', 'balance.recovered')
),
alert_seq AS (
    SELECT a.*, lag(a.type) OVER w AS prev_type,
           row_number() OVER (PARTITION BY a.account_id, a.key ORDER BY a.claim DESC, a.rank DESC) AS from_last
      FROM alert a WINDOW w AS (PARTITION BY a.account_id, a.key ORDER BY a.claim, a.rank)
),
state AS (
    SELECT al.account_id, trim_scale(t.threshold)::text AS key, t.threshold, t.threshold = ANY (al.thresholds_in_alarm) AS in_alarm,
           b.available
      FROM credits_alerts al CROSS JOIN LATERAL credits_balance(al.external_id) b
     CROSS JOIN LATERAL unnest(al.thresholds) t(threshold)
    UNION ALL
    SELECT al.account_id, 'depleted', 0, al.depleted, b.available
      FROM credits_alerts al CROSS JOIN LATERAL credits_balance(al.external_id) b
     WHERE al.depleted_alert
)
SELECT
    (SELECT count(*) FROM credits_events) AS events,
    (SELECT count(*) FROM credits_event_commit) AS commits,
    -- commits whose transaction began (took its xid) before one that committed earlier
    (SELECT count(*) FROM (
        SELECT written_by::text::numeric
               < max(written_by::text::numeric) OVER (ORDER BY position ROWS BETWEEN UNBOUNDED PRECEDING
                                                                          AND 1 PRECEDING) AS late
          FROM credits_event_commit) c WHERE late) AS out_of_xid_order,
    (SELECT count(DISTINCT claim) FROM feed_delivery) AS claims,
    (SELECT count(*) FROM feed_delivery) AS delivered,
    -- committed, never delivered: skipped
    (SELECT count(*) FROM credits_events e WHERE NOT EXISTS (SELECT FROM feed_delivery d WHERE d.id = e.id))
        AS missed,
    -- delivered, not committed (or delivered with another place in the feed)
    (SELECT count(*) FROM feed_delivery d
      WHERE NOT EXISTS (SELECT FROM credits_events e
                         WHERE e.id = d.id AND e.position = d.position AND e.ordinal = d.ordinal)) AS phantom,
    (SELECT count(*) - count(DISTINCT id) FROM feed_delivery) AS twice,
    -- delivery order (claim after claim) not strictly increasing in (position, ordinal)
    (SELECT count(*) FROM delivered WHERE (position, ordinal) <= prev) AS backwards,
    -- the cursor is not at the last event delivered
    (SELECT count(*) FROM credits_event_consumers c
      WHERE c.name = 'feed'
        AND (c.acked_position, c.acked_ordinal) IS DISTINCT FROM
            (SELECT (position, ordinal) FROM feed_delivery ORDER BY claim DESC, rank DESC LIMIT 1)) AS moved,
    -- per account and threshold, in feed order: low (or depleted) and recovered alternate, low first
    (SELECT count(*) FROM alert_seq
      WHERE (type = 'balance.recovered') = (prev_type IS NULL OR prev_type = 'balance.recovered')) AS alert_sequence,
    -- balance.low: available went from above the threshold to at or below it; recovered: the other way
    (SELECT count(*) FROM alert
      WHERE NOT CASE WHEN type = 'balance.recovered'
                     THEN (data->>'available_before')::numeric <= coalesce((data->>'threshold')::numeric, 0)
                          AND (data->>'available_after')::numeric > coalesce((data->>'threshold')::numeric, 0)
                     ELSE (data->>'available_before')::numeric > coalesce((data->>'threshold')::numeric, 0)
                          AND (data->>'available_after')::numeric <= coalesce((data->>'threshold')::numeric, 0)
                END IS TRUE) AS alert_data,
    -- the alarm state of each threshold: as the available balance says, and as the last event said
    (SELECT count(*) FROM state s
      WHERE s.in_alarm <> (s.available <= s.threshold)
         OR s.in_alarm <> coalesce((SELECT q.type <> 'balance.recovered' FROM alert_seq q
                                     WHERE q.account_id = s.account_id AND q.key = s.key AND q.from_last = 1), false))
        AS alert_state,
    -- balance.depleted for an account that turned it off
    (SELECT count(*) FROM alert a JOIN credits_alerts al USING (account_id)
      WHERE a.key = 'depleted' AND NOT al.depleted_alert) AS depleted_off;
