-- The ledger: credits_entries and credits_ledger().
\i sql/include/setup.sql

SELECT external_id FROM credits_create_account('alice', initial_balance => 100);
SELECT external_id FROM credits_create_account('bob', initial_balance => 5);
SELECT count(*) FROM (
    SELECT credits_debit('alice', i, 'call ' || i, 'req_' || i) FROM generate_series(1, 5) i
    UNION ALL
    SELECT credits_credit('alice', 50, 'top-up', 'order_1', 'order_1')) moves;

-- One row per movement, signed amounts, running balance.
SELECT id, transaction_id ~ '^txn_' AS txn, external_id, type, amount, balance_after, available_after, description,
       reference, idempotency_key
  FROM credits_entries ORDER BY external_id, id;

-- credits_ledger: newest first, paginated, filtered.
SELECT id, type, amount, balance_after FROM credits_ledger('alice');
SELECT id, type, amount FROM credits_ledger('alice', page_size => 2);
SELECT id, type, amount FROM credits_ledger('alice', page_size => 2, page_offset => 2);
SELECT id, type, amount FROM credits_ledger('alice', page_offset => 100);
SELECT id, type, amount FROM credits_ledger('alice', entry_type => 'credit');
SELECT id, type, amount FROM credits_ledger('alice', 'debit', page_size => 3);
SELECT count(*) FROM credits_ledger('alice', since => now());
SELECT count(*) FROM credits_ledger('alice', until => now());
SELECT count(*) FROM credits_ledger('alice', since => now() - interval '1 hour', until => now() + interval '1 hour');
SELECT count(*) FROM credits_ledger((SELECT id FROM credits_accounts WHERE external_id = 'bob'));
SELECT count(*) FROM credits_ledger('alice', page_size => 1000);

-- Bad arguments: CR012, CR002.
SELECT pg_temp.fails($$SELECT * FROM credits_ledger('alice', page_size => 0)$$);
SELECT pg_temp.fails($$SELECT * FROM credits_ledger('alice', page_size => 1001)$$);
SELECT pg_temp.fails($$SELECT * FROM credits_ledger('alice', page_offset => -1)$$);
SELECT pg_temp.fails($$SELECT * FROM credits_ledger('alice', entry_type => 'refund')$$);
SELECT pg_temp.fails($$SELECT * FROM credits_ledger('alice', since => '2026-01-02', until => '2026-01-01')$$);
SELECT pg_temp.fails($$SELECT * FROM credits_ledger('alice', since => 'infinity')$$);
SELECT pg_temp.fails($$SELECT * FROM credits_ledger('nobody')$$);
SELECT pg_temp.fails($$SELECT * FROM credits_ledger(NULL)$$);

DROP EXTENSION credits;
