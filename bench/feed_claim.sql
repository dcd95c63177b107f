-- One round of an event consumer (bench/feed.sh): claim the next :batch
-- events of consumer :consumer, then acknowledge the last of them, in one
-- transaction. Needs -M prepared (the id is passed as a parameter).
BEGIN;
SELECT id AS last FROM credits_claim_events(:consumer, :batch) \aset
SELECT acked_position FROM credits_ack_events(:consumer, :last);
COMMIT;
