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
    hold text;
BEGIN
    IF dice < 0.25 THEN
        PERFORM credits_debit(account, amount, 'stress');
    ELSIF dice < 0.45 THEN
        PERFORM credits_credit(account, amount, 'stress');
    ELSIF dice < 0.60 THEN
        -- A small key space: many replays, some conflicts.
        PERFORM credits_debit(account, 1 + (amount % 3), 'keyed',
                              idempotency_key => 'k' || floor(random() * 50)::int);
    ELSIF dice < 0.75 THEN
        -- Short holds, so that some lapse while others race to settle them.
        PERFORM credits_reserve(account, amount, expires_in => ((1 + floor(random() * 1500)) || ' ms')::interval);
    ELSIF dice < 0.97 THEN
        SELECT r.id INTO hold FROM credits_reservation r JOIN credits_account a ON a.id = r.account_id
         WHERE a.external_id = account AND r.status = 'pending' LIMIT 1;
        IF hold IS NULL THEN
            RETURN 'no hold';
        ELSIF dice < 0.84 THEN
            PERFORM credits_confirm(hold, amount,
                                    on_excess => (ARRAY['reject', 'cap', 'allow'])[1 + floor(random() * 3)::int]);
        ELSIF dice < 0.92 THEN
            PERFORM credits_cancel(hold);
        ELSE
            PERFORM credits_extend_reservation(hold, '1 second');
        END IF;
    ELSIF dice < 0.98 THEN
        PERFORM credits_expire_reservations(10);
    ELSE
        PERFORM credits_update_account(account, status => CASE WHEN random() < 0.5 THEN 'frozen' ELSE 'active' END);
    END IF;
    RETURN 'ok';
EXCEPTION WHEN SQLSTATE 'CR001' OR SQLSTATE 'CR003' OR SQLSTATE 'CR004' OR SQLSTATE 'CR005' OR SQLSTATE 'CR006'
               OR SQLSTATE 'CR007' THEN
    RETURN SQLSTATE;
END $$;
