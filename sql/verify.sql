-- credits_verify(): nothing to report on a healthy ledger; drift is found.
-- (test/pgtap/tamper.sql covers tampering in depth.)
\i sql/include/setup.sql

SELECT external_id FROM credits_create_account('alice', initial_balance => 100, overdraft_limit => 10);
SELECT balance FROM credits_debit('alice', 105);
SELECT external_id FROM credits_create_account('bob');
SELECT * FROM credits_verify();
SELECT * FROM credits_verify('alice');
SELECT pg_temp.fails($$SELECT * FROM credits_verify('nobody')$$);

-- A superuser who bypasses the guards is caught.
ALTER TABLE credits_account DISABLE TRIGGER credits_account_guard;
UPDATE credits_account SET balance = balance + 1000, reserved = 3 WHERE external_id = 'bob';
ALTER TABLE credits_account ENABLE TRIGGER credits_account_guard;
SELECT tenant, external_id, invariant, expected, actual, detail FROM credits_verify() ORDER BY invariant;
SELECT invariant FROM credits_verify('alice');

DROP EXTENSION credits;
