-- credits_apply: many operations in one call, atomic or not.
\i sql/include/setup.sql

SELECT external_id FROM credits_create_account('alice', initial_balance => 100);
SELECT external_id FROM credits_create_account('bob', initial_balance => 10);
SELECT external_id FROM credits_create_account('carol', unit => 'USD', scale => 2);

-- Atomic (the default): one row per operation, in order.
SELECT index, ok, sqlstate, message, transaction_id ~ '^txn_' AS txn, reservation_id ~ '^res_' AS res, balance,
       available
  FROM credits_apply('[
    {"op": "debit",  "account": "alice", "amount": 5, "description": "call", "idempotency_key": "b1"},
    {"op": "credit", "account": "bob",   "amount": "2", "reference": "order_1"},
    {"op": "credit", "account": "carol", "amount": "12.50"},
    {"op": "adjust", "account": "alice", "amount": -1, "reason": "fix"},
    {"op": "reserve", "account": "alice", "amount": 10, "expires_in": "1 hour"},
    {"op": "reserve", "account": "bob", "amount": 1, "expires_in": 90},
    {"op": "transfer", "from_account": "alice", "to_account": "bob", "amount": 4, "metadata": {"k": "v"}},
    {"op": "debit",  "account": "alice", "amount": 5, "description": "call", "idempotency_key": "b1"}
  ]');
SELECT external_id, balance, reserved, available FROM credits_accounts ORDER BY external_id;

-- Holds and transactions made earlier can be settled in a batch.
SELECT id AS hold1 FROM credits_reservations WHERE external_id = 'alice' \gset
SELECT id AS hold2 FROM credits_reservations WHERE external_id = 'bob' \gset
SELECT transaction_id AS debit_txn FROM credits_entries WHERE idempotency_key = 'b1' \gset
SELECT index, ok, transaction_id IS NOT NULL AS txn, reservation_id IS NOT NULL AS res, balance, available
  FROM credits_apply(jsonb_build_array(
    jsonb_build_object('op', 'confirm', 'reservation', :'hold1', 'amount', 7),
    jsonb_build_object('op', 'cancel', 'reservation', :'hold2'),
    jsonb_build_object('op', 'reverse', 'transaction', :'debit_txn', 'amount', 2, 'reason', 'refund')));
SELECT status, confirmed_amount FROM credits_reservations ORDER BY external_id;

-- Atomic: the first failure raises its own error; nothing is written.
SELECT count(*) AS entries_before FROM credits_entries \gset
SELECT * FROM credits_apply('[
    {"op": "debit", "account": "alice", "amount": 1},
    {"op": "debit", "account": "alice", "amount": 1000},
    {"op": "debit", "account": "nobody", "amount": 1}
  ]');
SELECT * FROM credits_apply('[{"op": "debit", "account": "alice", "amount": 1}, {"op": "refund"}]');
SELECT count(*) = :entries_before AS nothing_written FROM credits_entries;

-- Not atomic: each operation succeeds or fails on its own; failed ones write
-- nothing.
SELECT index, ok, sqlstate, message, balance
  FROM credits_apply('[
    {"op": "debit", "account": "alice", "amount": 1},
    {"op": "debit", "account": "alice", "amount": 1000},
    {"op": "debit", "account": "nobody", "amount": 1},
    {"op": "debit", "account": "alice", "amount": 0},
    {"op": "debit", "account": "alice", "amount": 1.5},
    {"op": "debit", "account": "alice", "amount": "ten"},
    {"op": "debit", "account": "alice", "amont": 1},
    {"op": "debit"},
    {"op": "refund", "account": "alice"},
    {"account": "alice"},
    "debit",
    {"op": "transfer", "from_account": "alice", "to_account": "carol", "amount": 1},
    {"op": "confirm", "reservation": "res_01ARZ3NDEKTSV4RRFFQ69G5FAV"},
    {"op": "reverse", "transaction": "txn_01ARZ3NDEKTSV4RRFFQ69G5FAV"},
    {"op": "reserve", "account": "alice", "amount": 1, "expires_in": "soon"},
    {"op": "reserve", "account": "alice", "amount": 1, "expires_in": -5},
    {"op": "reserve", "account": "alice", "amount": 1, "expires_at": "2000-01-01"},
    {"op": "credit", "account": "alice", "amount": 1, "metadata": [1]},
    {"op": "reverse", "transaction": "txn_01ARZ3NDEKTSV4RRFFQ69G5FAV", "force": "yes"},
    {"op": "debit", "account": "alice", "amount": 2}
  ]', atomic => false)
 ORDER BY index;
SELECT count(*) - :entries_before AS entries_written FROM credits_entries;

-- Keys repeat within a batch like across calls.
SELECT index, ok, sqlstate, balance FROM credits_apply('[
    {"op": "credit", "account": "bob", "amount": 3, "idempotency_key": "dup"},
    {"op": "credit", "account": "bob", "amount": 3, "idempotency_key": "dup"},
    {"op": "credit", "account": "bob", "amount": 4, "idempotency_key": "dup"}
  ]', false);
SELECT count(*) AS credited_once FROM credits_entries WHERE idempotency_key = 'dup';

-- Bad calls.
SELECT pg_temp.fails($$SELECT * FROM credits_apply(NULL)$$);
SELECT pg_temp.fails($$SELECT * FROM credits_apply('{"op": "debit"}')$$);
SELECT pg_temp.fails($$SELECT * FROM credits_apply('5')$$);
SELECT count(*) AS empty FROM credits_apply('[]');

-- Many operations on one account: one lock, one account write.
SELECT count(*) FILTER (WHERE ok) AS ok, min(balance) AS final_balance
  FROM credits_apply((SELECT jsonb_agg(jsonb_build_object('op', 'credit', 'account', 'carol', 'amount', 0.01))
                        FROM generate_series(1, 5000)));
SELECT balance, (SELECT count(*) FROM credits_entries WHERE external_id = 'carol') AS entries
  FROM credits_balance('carol');

SELECT * FROM credits_verify();
DROP EXTENSION credits;
