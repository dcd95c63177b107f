-- A debit and a credit of the same amount on an account without alert or
-- auto-reload settings: the baseline of credits_debit_crossing.sql. Each
-- client keeps to accounts of its own (at most 100 clients), as there.
\set aid 1 + :client_id + 100 * random(0, 99)
SELECT * FROM credits_debit('low_plain_' || :aid, 10);
SELECT * FROM credits_credit('low_plain_' || :aid, 10);
