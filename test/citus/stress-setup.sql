-- Data for test/citus/stress.sh: 40 accounts spread over the shards, one hot
-- account, and one random operation per call that swallows the domain
-- errors a random workload is bound to hit (each call runs in a
-- subtransaction, which exercises the abort paths too) and reports any other
-- error as a WARNING, which fails the run.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS credits CASCADE;
DROP TABLE IF EXISTS stress_account;
CREATE EXTENSION credits;
SELECT count(*) FROM credits_distribute();
SELECT count(*) FROM generate_series(1, 40) i,
       LATERAL credits_create_account('acct_' || i, initial_balance => 1000, overdraft_limit => (i % 3) * 50) a;
SELECT count(*) FROM credits_create_account('hot', initial_balance => 1000000);
SELECT count(*) FROM credits_set_price('model-a', input_price => 1000, output_price => 3000, per_tokens => 1000,
                                       effective_from => now() - interval '1 day');

-- Each account's shard, so that a transfer can stay in one shard or cross
-- (a plain table on the coordinator).
CREATE TABLE stress_account AS
SELECT 'acct_' || i AS name,
       get_shard_id_for_distribution_column('credits_account',
                                            credits_account_key(credits_current_tenant(), 'acct_' || i)) AS shard
  FROM generate_series(1, 40) i;

CREATE OR REPLACE FUNCTION stress_op() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    account text := 'acct_' || (1 + floor(random() * 40)::int);
    key int := credits_account_key(credits_current_tenant(), account);
    amount int := 1 + floor(random() * 150)::int;
    dice float := random();
    other text;
    hold text;
    txn text;
BEGIN
    IF dice < 0.15 THEN
        -- Everyone's account: debits, top-ups and transfers race on one row.
        dice := random();
        IF dice < 0.6 THEN
            PERFORM credits_debit('hot', 1 + amount % 5, 'hot');
        ELSIF dice < 0.8 THEN
            PERFORM credits_credit('hot', amount, 'hot');
        ELSE
            PERFORM credits_transfer('hot', account, amount);
        END IF;
    ELSIF dice < 0.27 THEN
        PERFORM credits_debit(account, amount, 'stress');
    ELSIF dice < 0.31 THEN
        -- Usage priced and debited on the account's node, some replayed.
        PERFORM credits_charge(account, 'model-a', input_tokens => amount, output_tokens => amount % 7,
                               endpoint => (ARRAY['/chat', '/embed', NULL])[1 + floor(random() * 3)::int],
                               idempotency_key => CASE WHEN random() < 0.5 THEN 'u' || floor(random() * 50)::int END);
    ELSIF dice < 0.35 THEN
        PERFORM credits_record_usage(account, (ARRAY['model-a', 'model-b', NULL])[1 + floor(random() * 3)::int],
                                     input_tokens => amount, requests => amount % 3, success => random() < 0.9,
                                     idempotency_key => CASE WHEN random() < 0.5 THEN 'r' || floor(random() * 50)::int END);
    ELSIF dice < 0.45 THEN
        PERFORM credits_credit(account, amount, 'stress');
    ELSIF dice < 0.50 THEN
        -- A small key space: many replays, some conflicts.
        PERFORM credits_debit(account, 1 + (amount % 3), 'keyed', idempotency_key => 'k' || floor(random() * 50)::int);
    ELSIF dice < 0.58 THEN
        -- Transfers to an account of the same shard, then of another one.
        SELECT s.name INTO other FROM stress_account s
         WHERE s.shard = (SELECT shard FROM stress_account WHERE name = account) AND s.name <> account
         ORDER BY random() LIMIT 1;
        PERFORM credits_transfer(account, other, amount);
    ELSIF dice < 0.66 THEN
        SELECT s.name INTO other FROM stress_account s
         WHERE s.shard <> (SELECT shard FROM stress_account WHERE name = account)
         ORDER BY random() LIMIT 1;
        PERFORM credits_transfer(account, other, amount);
    ELSIF dice < 0.70 THEN
        SELECT e.transaction_id INTO txn FROM credits_entry e
         WHERE e.account_key = key AND e.type = 'debit' ORDER BY e.seq DESC LIMIT 1;
        IF txn IS NOT NULL THEN
            PERFORM credits_reverse(txn, CASE WHEN random() < 0.5 THEN NULL ELSE 1 END);
        END IF;
    ELSIF dice < 0.82 THEN
        -- Short holds, so that some lapse while others race to settle them.
        PERFORM credits_reserve(account, amount, expires_in => ((1 + floor(random() * 1500)) || ' ms')::interval);
    ELSE
        SELECT r.id INTO hold FROM credits_reservation r WHERE r.account_key = key AND r.status = 'pending' LIMIT 1;
        IF hold IS NULL THEN
            RETURN 'no hold';
        ELSIF dice < 0.88 THEN
            PERFORM credits_confirm(hold, amount,
                                    on_excess => (ARRAY['reject', 'cap', 'allow'])[1 + floor(random() * 3)::int]);
        ELSIF dice < 0.92 THEN
            PERFORM credits_charge(account, 'model-a', input_tokens => amount, reservation => hold,
                                   on_excess => (ARRAY['reject', 'cap', 'allow'])[1 + floor(random() * 3)::int]);
        ELSIF dice < 0.97 THEN
            PERFORM credits_cancel(hold);
        ELSE
            PERFORM credits_extend_reservation(hold, '1 second');
        END IF;
    END IF;
    RETURN 'ok';
EXCEPTION
    -- 40P01: two transfers across the same two shards in opposite directions
    -- can deadlock, and Citus cancels one (README, Running on Citus).
    WHEN SQLSTATE 'CR001' OR SQLSTATE 'CR003' OR SQLSTATE 'CR004' OR SQLSTATE 'CR005' OR SQLSTATE 'CR006'
         OR SQLSTATE 'CR010' OR SQLSTATE '40P01' THEN
        RETURN SQLSTATE;
    WHEN OTHERS THEN
        RAISE WARNING 'stress: unexpected % %', SQLSTATE, SQLERRM;
        RETURN SQLSTATE;
END $$;
