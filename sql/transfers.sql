-- credits_transfer: one transaction, two entries, both accounts locked in id order.
\i sql/include/setup.sql

SELECT external_id FROM credits_create_account('alice', initial_balance => 100);
SELECT external_id FROM credits_create_account('bob', initial_balance => 10);
SELECT external_id FROM credits_create_account('usd_cents', unit => 'USD', scale => 2, initial_balance => 50);
SELECT external_id FROM credits_create_account('usd_whole', unit => 'USD', initial_balance => 50);

SELECT transaction_id ~ '^txn_' AS txn, from_external_id, to_external_id, amount, from_balance, from_available,
       to_balance, to_available, description, reference, idempotency_key, metadata
  FROM credits_transfer('alice', 'bob', 30, 'gift', 'order_9', 'tr_1', '{"why": "birthday"}');
SELECT external_id, type, amount, balance_after, counterparty_id = (SELECT id FROM credits_accounts a
       WHERE a.external_id = CASE e.external_id WHEN 'alice' THEN 'bob' ELSE 'alice' END) AS names_other_side
  FROM credits_entries e WHERE type = 'transfer' ORDER BY external_id;
SELECT count(DISTINCT transaction_id) AS transactions FROM credits_entries WHERE type = 'transfer';

-- Replays and conflicts: the key belongs to the source.
SELECT from_balance, to_balance FROM credits_transfer('alice', 'bob', 30, 'gift', 'order_9', 'tr_1', '{"why": "birthday"}');
SELECT pg_temp.fails($$SELECT credits_transfer('alice', 'bob', 31, 'gift', 'order_9', 'tr_1', '{"why": "birthday"}')$$);
SELECT pg_temp.fails($$SELECT credits_transfer('alice', 'usd_whole', 30, 'gift', 'order_9', 'tr_1', '{"why": "birthday"}')$$);
SELECT count(*) AS transfers FROM credits_entries WHERE type = 'transfer';

-- Units must match; scales may differ when the amount fits both.
SELECT pg_temp.fails($$SELECT credits_transfer('alice', 'usd_whole', 1)$$);
SELECT from_balance, to_balance FROM credits_transfer('usd_cents', 'usd_whole', 5);
SELECT pg_temp.fails($$SELECT credits_transfer('usd_cents', 'usd_whole', 5.50)$$);
SELECT from_balance, to_balance FROM credits_transfer('usd_whole', 'usd_cents', 5);

-- The usual rules on each side.
SELECT pg_temp.fails($$SELECT credits_transfer('alice', 'bob', 71)$$);
SELECT pg_temp.fails($$SELECT credits_transfer('alice', 'alice', 1)$$);
SELECT pg_temp.fails($$SELECT credits_transfer('alice', (SELECT id FROM credits_accounts WHERE external_id = 'alice'), 1)$$);
SELECT status FROM credits_freeze('bob');
SELECT from_balance, to_balance FROM credits_transfer('alice', 'bob', 1);
SELECT pg_temp.fails($$SELECT credits_transfer('bob', 'alice', 1)$$);
SELECT status FROM credits_unfreeze('bob');
SELECT external_id FROM credits_create_account('closed_one');
SELECT status FROM credits_close('closed_one');
SELECT pg_temp.fails($$SELECT credits_transfer('alice', 'closed_one', 1)$$);
SELECT pg_temp.fails($$SELECT credits_transfer('nobody', 'bob', 1)$$);
SELECT pg_temp.fails($$SELECT credits_transfer('alice', 'nobody', 1)$$);
SELECT pg_temp.fails($$SELECT credits_transfer(NULL, 'bob', 1)$$);
SELECT pg_temp.fails($$SELECT credits_transfer('alice', NULL, 1)$$);
SELECT pg_temp.fails($$SELECT credits_transfer('alice', 'bob', 0)$$);
SELECT pg_temp.fails($$SELECT credits_transfer('alice', 'bob', NULL)$$);
SELECT pg_temp.fails($$SELECT credits_transfer('alice', 'bob', 1, metadata => '[]')$$);

SELECT external_id, balance FROM credits_accounts ORDER BY external_id;
SELECT * FROM credits_verify();
DROP EXTENSION credits;
