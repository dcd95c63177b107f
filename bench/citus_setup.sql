-- Data for bench/citus.sh, the same on the single server and through the
-- Citus coordinator (psql -v citus=on): the 10,000 accounts of
-- bench/setup.sql, user_1 also being the hot one; on the single server the
-- raw-SQL baseline's tables too, as bench/setup.sql makes them.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION credits;
\if :citus
SELECT count(*) AS distributed FROM credits_distribute();
\endif
SELECT count(*) AS accounts
  FROM generate_series(1, 10000) i,
       LATERAL credits_create_account('user_' || i, initial_balance => 1000000000000) a;

\if :citus
\else
\ir baseline_setup.sql
\endif
