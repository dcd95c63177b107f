-- credits_debit_alerts_pair.sql on accounts whose alert (at 1) the debits
-- never reach: watched accounts, nothing to emit.
\set aid 1 + :client_id + 100 * random(0, 99)
SELECT * FROM credits_debit('low_quiet_' || :aid, 10);
SELECT * FROM credits_credit('low_quiet_' || :aid, 10);
