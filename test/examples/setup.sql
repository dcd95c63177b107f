-- Events for test/examples/check.py: alerts crossed one at a time, several
-- in one transaction (so that ordinals matter), depletion and recovery.
CREATE EXTENSION credits;

SELECT id FROM credits_create_account('alice', name => 'Alice', initial_balance => 1000,
                                      notify_emails => '{alice@example.com,billing@example.com}');
SELECT thresholds FROM credits_set_alerts('alice', '{500,100}');
SELECT balance FROM credits_debit('alice', 500, 'usage');    -- 500: balance.low 500
SELECT balance FROM credits_debit('alice', 450, 'usage');    -- 50: balance.low 100
SELECT balance FROM credits_debit('alice', 50, 'usage');     -- 0: balance.depleted
SELECT balance FROM credits_credit('alice', 1000, 'top-up'); -- 1000: three balance.recovered

SELECT id FROM credits_create_account('bob', initial_balance => 200, notify_emails => '{bob@example.com}');
SELECT thresholds FROM credits_set_alerts('bob', '{150,100}');
SELECT balance FROM credits_debit('bob', 150, 'usage');      -- 50: balance.low 150 and 100 at once
