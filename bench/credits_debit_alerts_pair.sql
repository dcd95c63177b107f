-- The debit and credit of credits_debit_plain_pair.sql on accounts with an
-- alert at 995: the debit crosses it (balance.low), the credit crosses back
-- (balance.recovered).
\set aid 1 + :client_id + 100 * random(0, 99)
SELECT * FROM credits_debit('low_alerts_' || :aid, 10);
SELECT * FROM credits_credit('low_alerts_' || :aid, 10);
