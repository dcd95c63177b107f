-- Idempotency keys: a replay returns the original transaction and writes
-- nothing; the same key with different parameters is CR003.
\i sql/include/setup.sql

SELECT external_id FROM credits_create_account('alice', initial_balance => 100);
SELECT external_id FROM credits_create_account('bob', initial_balance => 100);

CREATE TEMP TABLE first AS
SELECT * FROM credits_debit('alice', 10, 'call', 'req_1', 'key_1', '{"model": "a"}');

-- Same key, same parameters: the original transaction, nothing new.
SELECT r.transaction_id = f.transaction_id AS same_txn, r.amount, r.balance, r.available,
       r.created_at = f.created_at AS same_time
  FROM credits_debit('alice', 10, 'call', 'req_1', 'key_1', '{"model": "a"}') r, first f;
SELECT count(*) AS entries, min(balance_after) AS balance FROM credits_entries WHERE external_id = 'alice';

-- The replay still answers after later movements, with the original balance.
SELECT balance FROM credits_debit('alice', 5);
SELECT transaction_id = (SELECT transaction_id FROM first) AS same_txn, balance
  FROM credits_debit('alice', 10, 'call', 'req_1', 'key_1', '{"model": "a"}');

-- Any other parameter: CR003, and nothing written.
SELECT pg_temp.fails($$SELECT credits_debit('alice', 11, 'call', 'req_1', 'key_1', '{"model": "a"}')$$);
SELECT pg_temp.fails($$SELECT credits_debit('alice', 10, 'other', 'req_1', 'key_1', '{"model": "a"}')$$);
SELECT pg_temp.fails($$SELECT credits_debit('alice', 10, 'call', 'req_2', 'key_1', '{"model": "a"}')$$);
SELECT pg_temp.fails($$SELECT credits_debit('alice', 10, 'call', NULL, 'key_1', '{"model": "a"}')$$);
SELECT pg_temp.fails($$SELECT credits_debit('alice', 10, 'call', 'req_1', 'key_1', '{"model": "b"}')$$);
SELECT pg_temp.fails($$SELECT credits_debit('alice', 10, 'call', 'req_1', 'key_1')$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', 10, 'call', 'req_1', 'key_1', '{"model": "a"}')$$);
SELECT balance, (SELECT count(*) FROM credits_entries WHERE external_id = 'alice') AS entries
  FROM credits_balance('alice');

-- JSON equality, not text equality.
SELECT balance FROM credits_credit('alice', 1, metadata => '{"a": 1, "b": 2}', idempotency_key => 'json');
SELECT balance FROM credits_credit('alice', 1, metadata => '{"b": 2,  "a": 1}', idempotency_key => 'json');

-- Keys belong to an account: another account may use the same key.
SELECT external_id, balance FROM credits_debit('bob', 10, 'call', 'req_1', 'key_1', '{"model": "a"}');

-- A call that failed wrote nothing, so its key is still free.
SELECT pg_temp.fails($$SELECT credits_debit('bob', 1000, idempotency_key => 'big')$$);
SELECT balance FROM credits_credit('bob', 1000);
SELECT type, amount, balance FROM credits_debit('bob', 1000, idempotency_key => 'big');

-- A replay answers even when the account could no longer do the operation.
SELECT status FROM credits_update_account('bob', status => 'frozen');
SELECT type, amount, balance FROM credits_debit('bob', 1000, idempotency_key => 'big');
SELECT pg_temp.fails($$SELECT credits_debit('bob', 1000, idempotency_key => 'big2')$$);

-- Replays within one transaction and one statement.
BEGIN;
SELECT balance FROM credits_credit('alice', 7, idempotency_key => 'tx');
SELECT balance FROM credits_credit('alice', 7, idempotency_key => 'tx');
COMMIT;
SELECT count(DISTINCT (credits_credit('alice', 3, idempotency_key => 'stmt')).transaction_id) AS distinct_txns
  FROM generate_series(1, 5);
SELECT count(*) FROM credits_entries WHERE idempotency_key IN ('tx', 'stmt');

SELECT * FROM credits_verify();
DROP EXTENSION credits;
