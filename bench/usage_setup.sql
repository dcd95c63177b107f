-- Usage metering data for bench/run.sh, after bench/setup.sql: a price for
-- credits_charge, and the raw-SQL baseline of credits_record_usage, a plain
-- table with credits_usage_record's columns and indexes (its primary key
-- (account_id, id), the partial unique index on (account_id,
-- idempotency_key), the (account_id, occurred_at) index) that
-- baseline_usage_insert.sql adds one row to per call.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
-- 1,000 input tokens and 500 output tokens cost 1.25 credits, charged 2.
SELECT id AS price FROM credits_set_price('bench-model', input_price => 0.5, output_price => 1.5, per_tokens => 1000);
DROP TABLE IF EXISTS baseline_usage;
DROP SEQUENCE IF EXISTS baseline_usage_id;
CREATE TABLE baseline_usage (LIKE credits_usage_record INCLUDING ALL);
-- Ids that grow with time, as credits' do, of the same length (30).
CREATE SEQUENCE baseline_usage_id;
VACUUM ANALYZE baseline_usage;
