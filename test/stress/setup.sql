-- Stress test data: 20 accounts, two plans, and one random operation per call that
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
SELECT count(*) FROM credits_create_plan('carry', NULL, 100, 'day', rollover => 'all');
SELECT count(*) FROM credits_create_plan('capped', NULL, 50, 'week', rollover => '10');
-- Alerts on every account, auto-reload on half of them (no cooldown, so
-- that requests and their completions race the debits).
SELECT count(*) FROM generate_series(1, 20) i, LATERAL credits_set_alerts('acct_' || i, '{900, 500, 100}') a;
SELECT count(*) FROM generate_series(1, 20, 2) i,
       LATERAL credits_set_auto_reload('acct_' || i, threshold => 400, amount => CASE WHEN i % 4 = 1 THEN 150 END,
                                       target_balance => CASE WHEN i % 4 = 3 THEN 800 END, cooldown => NULL,
                                       max_per_day => 100000, max_failures => 5) a;
SELECT count(*) FROM credits_set_price('model-a', input_price => 1000, output_price => 3000, per_tokens => 1000,
                                       effective_from => now() - interval '1 day');

CREATE FUNCTION stress_op() RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    n int := 1 + floor(random() * 20)::int;
    account text := 'acct_' || n;
    other text := 'acct_' || (1 + (n + floor(random() * 19)::int) % 20);
    amount int := 1 + floor(random() * 150)::int;
    dice float := random();
    hold text;
    txn text;
BEGIN
    IF random() < 0.25 THEN
        -- Corrections, transfers and batches, then the everyday operations.
        dice := random();
        IF dice < 0.25 THEN
            PERFORM credits_transfer(account, other, amount);
        ELSIF dice < 0.50 THEN
            SELECT e.transaction_id INTO txn FROM credits_entry e JOIN credits_account a ON a.id = e.account_id
             WHERE a.external_id = account AND e.type NOT IN ('reversal', 'expiry', 'allocation')
             ORDER BY e.seq DESC LIMIT 1;
            IF txn IS NOT NULL THEN
                PERFORM credits_reverse(txn, CASE WHEN random() < 0.5 THEN NULL ELSE 1 END,
                                        force => random() < 0.2);
            END IF;
        ELSIF dice < 0.55 THEN
            PERFORM credits_adjust(account, CASE WHEN random() < 0.5 THEN amount ELSE -amount END, 'stress');
        ELSIF dice < 0.60 THEN
            -- The payment of an auto-reload went through, or not (some
            -- reported twice); now and then auto-reload is set again.
            SELECT r.id INTO hold FROM credits_reload_request r JOIN credits_account a ON a.id = r.account_id
             WHERE a.external_id = account AND r.status = 'pending';
            IF hold IS NOT NULL THEN
                PERFORM credits_complete_reload(hold, random() < 0.7, 'pay_' || hold);
                IF random() < 0.2 THEN
                    PERFORM credits_complete_reload(hold, true, 'pay_' || hold);
                END IF;
            ELSIF n % 2 = 1 AND random() < 0.3 THEN
                PERFORM credits_set_auto_reload(account, threshold => 400, amount => 150, cooldown => NULL,
                                                max_per_day => 100000, max_failures => 5);
            END IF;
        ELSIF dice < 0.70 THEN
            -- Plans whose first period begins during the run, so renewals
            -- race the operations; some are cancelled or switched again.
            IF random() < 0.2 THEN
                PERFORM credits_cancel_plan(account);
            ELSE
                PERFORM credits_assign_plan(account, (ARRAY['carry', 'capped'])[1 + floor(random() * 2)::int],
                                            start_mode => (ARRAY['immediate', 'next_period'])[1 + floor(random() * 2)::int],
                                            anchor => now() + ((floor(random() * 2000)) || ' ms')::interval);
            END IF;
        ELSE
            PERFORM credits_apply(jsonb_build_array(
                jsonb_build_object('op', 'debit', 'account', account, 'amount', amount),
                jsonb_build_object('op', 'credit', 'account', other, 'amount', amount),
                jsonb_build_object('op', 'transfer', 'from_account', other, 'to_account', account, 'amount', 1),
                jsonb_build_object('op', 'reserve', 'account', account, 'amount', 2, 'expires_in', 1),
                jsonb_build_object('op', 'debit', 'account', account, 'amount', 1,
                                   'idempotency_key', 'k' || floor(random() * 50)::int)),
                atomic => random() < 0.5);
        END IF;
        RETURN 'ok';
    END IF;
    IF dice < 0.25 THEN
        PERFORM credits_debit(account, amount, 'stress');
    ELSIF dice < 0.35 THEN
        PERFORM credits_credit(account, amount, 'stress');
    ELSIF dice < 0.45 THEN
        -- Grants that lapse during the run, in every burn-down position.
        PERFORM credits_credit(account, amount, 'grant',
                               expires_in => CASE WHEN random() < 0.8
                                                  THEN ((1 + floor(random() * 3000)) || ' ms')::interval END,
                               priority => floor(random() * 3)::int,
                               category => (ARRAY['paid', 'promotional', NULL])[1 + floor(random() * 3)::int]);
    ELSIF dice < 0.52 THEN
        -- A small key space: many replays, some conflicts.
        PERFORM credits_debit(account, 1 + (amount % 3), 'keyed',
                              idempotency_key => 'k' || floor(random() * 50)::int);
    ELSIF dice < 0.56 THEN
        -- Usage priced and debited, some replayed; and usage only recorded.
        PERFORM credits_charge(account, 'model-a', input_tokens => amount, output_tokens => amount % 7,
                               endpoint => (ARRAY['/chat', '/embed', NULL])[1 + floor(random() * 3)::int],
                               idempotency_key => CASE WHEN random() < 0.5 THEN 'u' || floor(random() * 50)::int END);
    ELSIF dice < 0.60 THEN
        PERFORM credits_record_usage(account, (ARRAY['model-a', 'model-b', NULL])[1 + floor(random() * 3)::int],
                                     input_tokens => amount, requests => amount % 3, success => random() < 0.9,
                                     occurred_at => now() - ((floor(random() * 3000)) || ' s')::interval,
                                     idempotency_key => CASE WHEN random() < 0.5 THEN 'r' || floor(random() * 50)::int END);
    ELSIF dice < 0.75 THEN
        -- Short holds, so that some lapse while others race to settle them.
        PERFORM credits_reserve(account, amount, expires_in => ((1 + floor(random() * 1500)) || ' ms')::interval);
    ELSIF dice < 0.97 THEN
        SELECT r.id INTO hold FROM credits_reservation r JOIN credits_account a ON a.id = r.account_id
         WHERE a.external_id = account AND r.status = 'pending' LIMIT 1;
        IF hold IS NULL THEN
            RETURN 'no hold';
        ELSIF dice < 0.80 THEN
            PERFORM credits_confirm(hold, amount,
                                    on_excess => (ARRAY['reject', 'cap', 'allow'])[1 + floor(random() * 3)::int]);
        ELSIF dice < 0.84 THEN
            PERFORM credits_charge(account, 'model-a', input_tokens => amount, reservation => hold,
                                   on_excess => (ARRAY['reject', 'cap', 'allow'])[1 + floor(random() * 3)::int]);
        ELSIF dice < 0.92 THEN
            PERFORM credits_cancel(hold);
        ELSE
            PERFORM credits_extend_reservation(hold, '1 second');
        END IF;
    ELSIF dice < 0.98 THEN
        IF random() < 0.5 THEN
            PERFORM credits_expire_reservations(10);
        ELSE
            PERFORM credits_run_due(10);
        END IF;
    ELSE
        PERFORM credits_update_account(account, status => CASE WHEN random() < 0.5 THEN 'frozen' ELSE 'active' END);
    END IF;
    RETURN 'ok';
EXCEPTION WHEN SQLSTATE 'CR001' OR SQLSTATE 'CR003' OR SQLSTATE 'CR004' OR SQLSTATE 'CR005' OR SQLSTATE 'CR006'
               OR SQLSTATE 'CR007' OR SQLSTATE 'CR010' OR SQLSTATE 'CR018' OR SQLSTATE 'CR025' THEN
    RETURN SQLSTATE;
END $$;
