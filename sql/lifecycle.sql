-- Adjustments and the account lifecycle: freeze, unfreeze, close, reopen,
-- each change recorded.
\i sql/include/setup.sql

SELECT external_id FROM credits_create_account('alice', initial_balance => 10, overdraft_limit => 5);

-- Adjustments: signed corrections with a reason.
SELECT type, amount, balance, description FROM credits_adjust('alice', 7, 'support ticket 12');
SELECT type, amount, balance FROM credits_adjust('alice', -20, 'clawback');
SELECT pg_temp.fails($$SELECT credits_adjust('alice', -3, 'too far')$$);
SELECT pg_temp.fails($$SELECT credits_adjust('alice', 0)$$);
SELECT pg_temp.fails($$SELECT credits_adjust('alice', NULL)$$);
SELECT pg_temp.fails($$SELECT credits_adjust('alice', 0.5)$$);
SELECT pg_temp.fails($$SELECT credits_adjust('nobody', 1)$$);
SELECT amount, balance FROM credits_adjust('alice', 8, 'fix', idempotency_key => 'adj_1');
SELECT amount, balance FROM credits_adjust('alice', 8, 'fix', idempotency_key => 'adj_1');
SELECT pg_temp.fails($$SELECT credits_adjust('alice', -8, 'fix', idempotency_key => 'adj_1')$$);
SELECT type, amount FROM credits_ledger('alice', entry_type => 'adjustment');

-- Freeze: no debits or holds; credits and corrections still arrive.
SELECT status FROM credits_freeze('alice', 'chargeback review');
SELECT status FROM credits_freeze('alice', 'again: no change');
SELECT pg_temp.fails($$SELECT credits_debit('alice', 1)$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 1)$$);
SELECT balance FROM credits_credit('alice', 5);
SELECT balance FROM credits_adjust('alice', -1, 'correction while frozen');
SELECT pg_temp.fails($$SELECT credits_reopen('alice')$$);
SELECT status FROM credits_unfreeze('alice', 'review done');
SELECT status FROM credits_unfreeze('alice');

-- Close: only at zero with no pending holds; nothing moves afterwards.
SELECT pg_temp.fails($$SELECT credits_close('alice')$$);
SELECT balance FROM credits_debit('alice', 9);
SELECT id AS hold FROM credits_reserve('alice', 1) \gset
SELECT balance FROM credits_credit('alice', 1);
SELECT pg_temp.fails($$SELECT credits_close('alice')$$);
SELECT status FROM credits_cancel(:'hold');
SELECT balance FROM credits_debit('alice', 1);
SELECT status, balance FROM credits_close('alice', 'customer left');
SELECT status FROM credits_close('alice');
SELECT pg_temp.fails($$SELECT credits_credit('alice', 1)$$);
SELECT pg_temp.fails($$SELECT credits_adjust('alice', 1)$$);
SELECT pg_temp.fails($$SELECT credits_freeze('alice')$$);
SELECT pg_temp.fails($$SELECT credits_unfreeze('alice')$$);
SELECT pg_temp.fails($$SELECT credits_update_account('alice', status => 'frozen')$$);
SELECT status FROM credits_reopen('alice', 'came back');
SELECT balance FROM credits_credit('alice', 3);

-- update_account(status) goes through the same rules and is recorded too.
SELECT status FROM credits_update_account('alice', status => 'frozen');
SELECT status FROM credits_update_account('alice', status => 'active');

SELECT from_status, to_status, reason, changed_at IS NOT NULL AS timed
  FROM credits_status_history WHERE external_id = 'alice' ORDER BY id;
SELECT pg_temp.fails($$SELECT credits_freeze(NULL)$$);
SELECT pg_temp.fails($$SELECT credits_close('nobody')$$);
SELECT pg_temp.fails($$UPDATE credits_status_change SET reason = 'rewritten'$$);
SELECT pg_temp.fails($$DELETE FROM credits_status_change$$);

-- The errors say what the account's status is and how to change it, and
-- what could be spent.
SELECT external_id FROM credits_create_account('hinted', initial_balance => 5, overdraft_limit => 2);
SELECT credits_debit('hinted', 8);
SELECT status FROM credits_freeze('hinted', 'review');
SELECT credits_debit('hinted', 1);
SELECT status FROM credits_unfreeze('hinted');
SELECT balance FROM credits_debit('hinted', 5);
SELECT status FROM credits_close('hinted');
SELECT credits_credit('hinted', 1);

SELECT * FROM credits_verify();
DROP EXTENSION credits;

