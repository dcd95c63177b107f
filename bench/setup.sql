-- Benchmark data: 10,000 credits accounts and the same accounts in a raw-SQL
-- baseline (one UPDATE of the balance plus one INSERT into a ledger table);
-- 1,000 accounts with 10 active grants each and 1,000 with 100 each.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS credits CASCADE;
CREATE EXTENSION credits;
SELECT count(*) AS accounts
  FROM generate_series(1, 10000) i,
       LATERAL credits_create_account('user_' || i, initial_balance => 1000000000000) a;
-- Grants large enough never to run out, with priorities and expiries spread
-- so that the burn-down order has work to do.
SELECT count(*) AS grant_accounts
  FROM generate_series(1, 1000) i, unnest(ARRAY[10, 100]) n,
       LATERAL credits_create_account('grants' || n || '_' || i) a;
SELECT count(*) AS grants
  FROM generate_series(1, 1000) i, unnest(ARRAY[10, 100]) n, generate_series(1, n) g,
       LATERAL credits_credit('grants' || n || '_' || i, 1000000000, expires_in => (g || ' days')::interval,
                              priority => g % 3, category => 'promotional') c;

\ir baseline_setup.sql
VACUUM ANALYZE;

-- Batches of debits on the hot account for credits_apply, built once.
DROP TABLE IF EXISTS batch_ops;
CREATE TABLE batch_ops (size int PRIMARY KEY, ops jsonb NOT NULL);
INSERT INTO batch_ops
SELECT size, (SELECT jsonb_agg(jsonb_build_object('op', 'debit', 'account', 'user_1', 'amount', 1))
                FROM generate_series(1, size))
  FROM unnest(ARRAY[1, 10, 100, 1000, 8000]) size;
