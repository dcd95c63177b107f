-- The README's quick start: accounts, credit, debit, balance and the ledger.
\set ON_ERROR_STOP 1
\pset footer off
CREATE EXTENSION credits;

-- An account per customer, addressed by your own id.
SELECT id, external_id, balance FROM credits_create_account('user_123', name => 'Alice', email => 'alice@example.com');

-- Top up after a purchase; the idempotency key makes retries safe.
SELECT transaction_id, type, amount, balance
  FROM credits_credit('user_123', 1000, 'Credit pack', reference => 'order_42', idempotency_key => 'order_42');

-- Spend per AI call.
SELECT type, amount, balance, available
  FROM credits_debit('user_123', 25, 'gpt-4o call', reference => 'req_abc', idempotency_key => 'req_abc');

-- A retry with the same key returns the original transaction and moves nothing.
SELECT type, amount, balance FROM credits_debit('user_123', 25, 'gpt-4o call', reference => 'req_abc', idempotency_key => 'req_abc');

-- Too much is refused with SQLSTATE CR001.
\set ON_ERROR_STOP 0
SELECT * FROM credits_debit('user_123', 5000);
\set ON_ERROR_STOP 1

SELECT balance, reserved, available FROM credits_balance('user_123');

-- The ledger, newest first.
SELECT id, type, amount, balance_after, description, reference FROM credits_ledger('user_123');

-- Invariants recomputed from the ledger: no rows means healthy.
SELECT * FROM credits_verify();
