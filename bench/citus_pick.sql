-- The accounts bench/citus_debit.sql picks from on the node it runs on,
-- numbered from 1 in a plain table of that node: all of them, or on a Citus
-- worker (psql -v worker=on) those whose shard is there, so that every call
-- made there runs there. Then this node's statistics, as bench/setup.sql
-- leaves them, and how many accounts there are to pick (pgbench -D accounts=).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE TABLE bench_account (i int PRIMARY KEY, name text NOT NULL);
\if :worker
INSERT INTO bench_account
SELECT row_number() OVER (ORDER BY n), 'user_' || n
  FROM generate_series(1, 10000) n
 WHERE EXISTS (SELECT FROM pg_dist_placement p
                WHERE p.shardid = get_shard_id_for_distribution_column(
                                      'credits_account', credits_account_key('default', 'user_' || n))
                  AND p.groupid = (SELECT groupid FROM pg_dist_local_group));
\else
INSERT INTO bench_account SELECT n, 'user_' || n FROM generate_series(1, 10000) n;
\endif
VACUUM ANALYZE;
SELECT count(*) FROM bench_account;
