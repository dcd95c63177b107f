-- Benchmark data for bench/feed.sh, in a database of its own: :per accounts
-- with an alert at 995 and a balance of 1,000, then :txns transactions that
-- each debit every one of them by 10 (balance.low) or credit it back
-- (balance.recovered), in turn: :txns x :per events, :per to a commit.
-- Committed asynchronously: the fill is not what is measured.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION credits;
SELECT count(*) AS feed_accounts
  FROM generate_series(1, :per) i,
       LATERAL credits_create_account('feed_' || i, initial_balance => 1000) a,
       LATERAL credits_set_alerts(a.id, ARRAY[995]) s;
SELECT set_config('bench.txns', :'txns', false), set_config('bench.per', :'per', false) \gset
SET synchronous_commit = off;
DO $$
BEGIN
    FOR t IN 1..current_setting('bench.txns')::int LOOP
        IF t % 2 = 1 THEN
            PERFORM credits_debit('feed_' || i, 10) FROM generate_series(1, current_setting('bench.per')::int) i;
        ELSE
            PERFORM credits_credit('feed_' || i, 10) FROM generate_series(1, current_setting('bench.per')::int) i;
        END IF;
        COMMIT;
    END LOOP;
END $$;
RESET synchronous_commit;
VACUUM ANALYZE;
SELECT count(*) AS events, count(DISTINCT position) AS commits FROM credits_events;
