-- The event feed: consumers (types, start, replay of the same events until
-- acknowledged, independent cursors), acknowledgement, pruning, tenants,
-- read-only transactions and every error.
\i sql/include/setup.sql
\pset null '(null)'
CREATE FUNCTION pg_temp.masked(t text) RETURNS text LANGUAGE sql AS
$$ SELECT regexp_replace(t, '([a-z]{3})_[0-9A-HJKMNP-TV-Z]{26}', '\1_<id>', 'g') $$;

-- Events to read: status changes (one per transaction) and balance alerts.
SELECT external_id FROM credits_create_account('e', initial_balance => 100);
SELECT status FROM credits_freeze('e', 'chargeback');
SELECT status FROM credits_unfreeze('e');
SELECT thresholds FROM credits_set_alerts('e', '{50, 10}');
SELECT balance FROM credits_debit('e', 95);
SELECT position, ordinal, type, external_id, tenant, pg_temp.masked(data::text) AS data,
       id ~ '^evt_[0-9A-HJKMNP-TV-Z]{26}$' AS evt_id, occurred_at = now() AS now, committed_at >= occurred_at AS later
  FROM credits_events ORDER BY position, ordinal;

-- Consumers: every type or some, from the beginning or from now. The same
-- definition again is the same consumer.
SELECT name, types, acked_event, acked_position, acked_ordinal, acked_at FROM credits_create_consumer('all');
SELECT name, types FROM credits_create_consumer('low', '{balance.low, balance.low, account.status_changed}');
SELECT name, types FROM credits_create_consumer('low', '{account.status_changed, balance.low}');
SELECT name, acked_position > 0 AS at_end FROM credits_create_consumer('late', start_at => 'now');
SELECT name, types FROM credits_event_consumers ORDER BY name;

-- Claiming hands out the oldest events not acknowledged, in commit order;
-- claiming again without acknowledging hands out the same ones.
SELECT position, ordinal, type FROM credits_claim_events('all', 2);
SELECT position, ordinal, type FROM credits_claim_events('all', 2);
SELECT id AS second FROM credits_claim_events('all', 2) ORDER BY position DESC, ordinal DESC LIMIT 1 \gset
SELECT name, acked_position, acked_ordinal, acked_event = :'second' AS acked, acked_at = now() AS now
  FROM credits_ack_events('all', :'second');
SELECT position, ordinal, type FROM credits_claim_events('all');
-- An older event acknowledged again moves nothing back.
SELECT id AS first FROM credits_events ORDER BY position, ordinal LIMIT 1 \gset
SELECT acked_position, acked_ordinal FROM credits_ack_events('all', :'first');
-- Consumers are independent; a filtered one gets its types only; a late one
-- only what commits after it was made.
SELECT position, ordinal, type FROM credits_claim_events('low');
SELECT count(*) AS late FROM credits_claim_events('late');
SELECT balance FROM credits_credit('e', 100);
SELECT position, ordinal, type FROM credits_claim_events('late');

-- Pruning deletes what no consumer still has to see: 'late' has seen
-- nothing, so only what it never will (what came before it) goes, apart
-- from what 'all' and 'low' have not acknowledged.
SELECT id AS last_low FROM credits_claim_events('low') ORDER BY position DESC, ordinal DESC LIMIT 1 \gset
SELECT acked_position FROM credits_ack_events('low', :'last_low');
SELECT id AS last_all FROM credits_claim_events('all', 10) ORDER BY position DESC, ordinal DESC LIMIT 1 \gset
SELECT acked_position FROM credits_ack_events('all', :'last_all');
SELECT credits_prune_events() AS pruned;
SELECT position, ordinal, type FROM credits_events ORDER BY position, ordinal;
SELECT id AS last_late FROM credits_claim_events('late') ORDER BY position DESC, ordinal DESC LIMIT 1 \gset
SELECT acked_position FROM credits_ack_events('late', :'last_late');
SELECT credits_prune_events(now() - interval '1 hour') AS pruned_before_an_hour_ago;
SELECT credits_prune_events() AS pruned;
SELECT count(*) AS events, (SELECT count(*) FROM credits_event_commit) AS commits FROM credits_events;
-- A pruned event cannot be acknowledged; the cursor stays.
SELECT pg_temp.masked(pg_temp.fails(format($$SELECT credits_ack_events('all', %L)$$, :'first')));

-- Tenants: another tenant's consumers and events are its own.
SET credits.tenant = 'acme';
SELECT external_id FROM credits_create_account('e', initial_balance => 10);
SELECT status FROM credits_freeze('e');
SELECT name FROM credits_create_consumer('all');
SELECT type, tenant FROM credits_claim_events('all');
SELECT id AS acme_event FROM credits_events \gset
RESET credits.tenant;
SELECT count(*) AS default_sees FROM credits_claim_events('all');
SELECT pg_temp.masked(pg_temp.fails(format($$SELECT credits_ack_events('all', %L)$$, :'acme_event')));
SELECT credits_drop_consumer('late') AS dropped, credits_drop_consumer('late') AS again;
SELECT name FROM credits_event_consumers ORDER BY name;

-- Claiming reads only: it works in a read-only transaction (and on a hot
-- standby); acknowledging and managing consumers do not.
BEGIN READ ONLY;
SELECT count(*) AS claimed FROM credits_claim_events('all');
SELECT pg_temp.fails($$SELECT credits_ack_events('all', 'evt_01ARZ3NDEKTSV4RRFFQ69G5FAV')$$);
SELECT pg_temp.fails($$SELECT credits_create_consumer('ro')$$);
SELECT pg_temp.fails($$SELECT credits_drop_consumer('all')$$);
SELECT pg_temp.fails($$SELECT credits_prune_events()$$);
ROLLBACK;

-- NOTIFY is on unless turned off.
SHOW credits.notify;

-- Bad input changes nothing.
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_create_consumer(NULL)$$),
    ($$SELECT credits_create_consumer(E'bad\nname')$$),
    ($$SELECT credits_create_consumer('x', '{}')$$),
    ($$SELECT credits_create_consumer('x', '{balance.lo}')$$),
    ($$SELECT credits_create_consumer('x', ARRAY[NULL]::text[])$$),
    ($$SELECT credits_create_consumer('x', '{{balance.low},{balance.depleted}}')$$),
    ($$SELECT credits_create_consumer('x', start_at => 'yesterday')$$),
    ($$SELECT credits_create_consumer('low', '{balance.low}')$$),
    ($$SELECT credits_claim_events('nobody')$$),
    ($$SELECT credits_claim_events(NULL)$$),
    ($$SELECT credits_claim_events('all', 0)$$),
    ($$SELECT credits_claim_events('all', 10001)$$),
    ($$SELECT credits_ack_events('nobody', 'evt_01ARZ3NDEKTSV4RRFFQ69G5FAV')$$),
    ($$SELECT credits_ack_events('all', NULL)$$),
    ($$SELECT credits_ack_events('all', 'txn_01ARZ3NDEKTSV4RRFFQ69G5FAV')$$),
    ($$SELECT credits_ack_events('all', 'evt_01ARZ3NDEKTSV4RRFFQ69G5FAV')$$),
    ($$SELECT credits_drop_consumer(NULL)$$)
) AS t(call);
SELECT name, types FROM credits_event_consumers ORDER BY name;

-- Only credits writes the feed.
SELECT pg_temp.fails($$DELETE FROM credits_event$$);
SELECT pg_temp.fails($$UPDATE credits_event_consumer SET acked_position = 0$$);
SELECT pg_temp.fails($$TRUNCATE credits_event_commit$$);
