-- How many events consumer :consumer would be handed (at most :batch),
-- without acknowledging them (bench/feed.sh).
SELECT count(*) FROM credits_claim_events(:consumer, :batch);
