-- Stress test data: 20 accounts, and one random operation per call that
-- swallows the domain errors a random workload is bound to hit (each call
-- runs in a subtransaction, which exercises the abort paths too).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
DROP DATABASE IF EXISTS credits_stress;
CREATE DATABASE credits_stress;
\c credits_stress
CREATE EXTENSION credits;
SELECT count(*) FROM generate_series(1, 20) i,
       LATERAL credits_create_account('acct_' || i, initial_balance => 1000, overdraft_limit => (i % 3) * 50) a;

CREATE FUNCTION stress_op() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    account text := 'acct_' || (1 + floor(random() * 20))::int;
    amount int := 1 + floor(random() * 150)::int;
    dice float := random();
BEGIN
    IF dice < 0.35 THEN
        PERFORM credits_debit(account, amount, 'stress');
    ELSIF dice < 0.60 THEN
        PERFORM credits_credit(account, amount, 'stress');
    ELSIF dice < 0.95 THEN
        -- A small key space: many replays, some conflicts.
        PERFORM credits_debit(account, 1 + (amount % 3), 'keyed',
                              idempotency_key => 'k' || floor(random() * 50)::int);
    ELSE
        PERFORM credits_update_account(account, status => CASE WHEN random() < 0.5 THEN 'frozen' ELSE 'active' END);
    END IF;
    RETURN 'ok';
EXCEPTION WHEN SQLSTATE 'CR001' OR SQLSTATE 'CR003' OR SQLSTATE 'CR007' THEN
    RETURN SQLSTATE;
END $$;
