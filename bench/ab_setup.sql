-- One side of bench/ab.sh, in a database of its own: credits at version
-- :'version' with its C functions pointed at $libdir/:'lib' (a copy of that
-- side's build), and the 10,000 accounts of bench/setup.sql, none with usage.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
CREATE EXTENSION credits VERSION :'version';
UPDATE pg_proc SET probin = '$libdir/' || :'lib' WHERE probin = '$libdir/credits';
SELECT count(*) AS functions_on_other_library FROM pg_proc WHERE probin = '$libdir/credits';
\c
SELECT count(*) AS accounts
  FROM generate_series(1, 10000) i,
       LATERAL credits_create_account('user_' || i, initial_balance => 1000000000000) a;
VACUUM ANALYZE;
