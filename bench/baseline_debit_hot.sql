WITH a AS (
    UPDATE baseline_account SET balance = balance - 1, updated_at = now()
     WHERE id = 1 AND balance >= 1 RETURNING id, balance)
INSERT INTO baseline_ledger (account_id, amount, balance_after) SELECT id, -1, balance FROM a;
