-- The README's quick start: accounts, credit, debit, grants, a plan, usage metering, balance and the ledger.
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

-- Promo credits that expire in 30 days are spent before paid ones; the ledger
-- says which grant paid for what.
SELECT type, amount, balance
  FROM credits_credit('user_123', 100, 'Welcome bonus', expires_in => '30 days', category => 'promotional');
SELECT type, amount, balance FROM credits_debit('user_123', 40, 'gpt-4o call');
SELECT coalesce(category, 'ungranted') AS paid_by, amount FROM credits_entry_grants
 WHERE external_id = 'user_123' AND type = 'debit';

-- A monthly allowance: 10,000 credits each month that lapse at the period's end.
SELECT code, allowance, period FROM credits_create_plan('pro', 'Pro', 10000, 'month');
SELECT plan_code, current_period_start, current_period_end FROM credits_assign_plan('user_123', 'pro');

-- Meter AI calls: a rate card (credits per million tokens), then one call that
-- prices the usage, debits it and records it; summaries read rollups.
SELECT model, input_price, cached_input_price, output_price
  FROM credits_set_price('gpt-4o', input_price => 250, cached_input_price => 125, output_price => 1000);
SELECT cost, charged, transaction_id, balance
  FROM credits_charge('user_123', 'gpt-4o', input_tokens => 1200, cached_input_tokens => 800,
                      output_tokens => 350, description => 'gpt-4o call', idempotency_key => 'req_def');
SELECT period_start, model, total_requests, input_tokens, output_tokens, credits_consumed, credits_charged
  FROM credits_usage_summary('user_123', group_by => '{model}');

SELECT balance, reserved, available FROM credits_balance('user_123');

-- The ledger, newest first.
SELECT id, type, amount, balance_after, description, reference FROM credits_ledger('user_123');

-- Invariants recomputed from the ledger: no rows means healthy.
SELECT * FROM credits_verify();
