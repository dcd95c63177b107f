-- credits_credit and credits_debit: results, rules and every input error.
\i sql/include/setup.sql

SELECT external_id FROM credits_create_account('alice', initial_balance => 100);
SELECT external_id FROM credits_create_account('bob', unit => 'USD', scale => 2, overdraft_limit => 50);

-- What a transaction returns.
SELECT transaction_id ~ '^txn_[0-9A-HJKMNP-TV-Z]{26}$' AS txn_id, account_id ~ '^acc_' AS acc_id, external_id, type,
       amount, balance, available, description, reference, idempotency_key, metadata, created_at = now() AS now
  FROM credits_credit('alice', 50, 'Credit pack', 'order_1', 'order_1', '{"pack": "small"}');
SELECT type, amount, balance, available, description, reference, idempotency_key, metadata
  FROM credits_debit('alice', 30, 'gpt-4o call', 'req_1', NULL, '{"model": "gpt-4o"}');
SELECT type, amount, balance, available FROM credits_debit(account => 'alice', amount => 120);
SELECT type, amount, balance FROM credits_credit((SELECT id FROM credits_accounts WHERE external_id = 'alice'), 1);
SELECT type, amount, balance FROM credits_debit((SELECT id FROM credits_accounts WHERE external_id = 'alice'), 1);

-- Decimal accounts keep their scale; trailing zeros are not decimals.
SELECT amount, balance FROM credits_credit('bob', 10.5);
SELECT amount, balance FROM credits_credit('bob', 1.00);
SELECT amount, balance FROM credits_debit('bob', 0.01);

-- Overdraft: bob may go down to -50.00 and no further.
SELECT balance, available FROM credits_debit('bob', 61.49);
SELECT pg_temp.fails($$SELECT credits_debit('bob', 0.01)$$);
SELECT balance FROM credits_credit('bob', 0.01);
SELECT balance FROM credits_debit('bob', 0.01);

-- Insufficient credits: CR001, nothing written.
SELECT pg_temp.fails($$SELECT credits_debit('alice', 1)$$);

-- Bad amounts: CR008.
SELECT pg_temp.fails($$SELECT credits_debit('alice', NULL)$$);
SELECT pg_temp.fails($$SELECT credits_debit('alice')$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', 0)$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', -5)$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', 'NaN')$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', 'Infinity')$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', '-Infinity')$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', 1.5)$$);
SELECT pg_temp.fails($$SELECT credits_credit('bob', 0.001)$$);
SELECT pg_temp.fails($$SELECT credits_credit('bob', 0.0000000000000000001)$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', 1000000000000001)$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', 1e40)$$);
SELECT amount FROM credits_credit('alice', 1000000000000000);
SELECT amount, balance FROM credits_debit('alice', 1000000000000000);

-- Balances stay within +/-10^18: 22003 beyond.
SELECT external_id FROM credits_create_account('whale');
SELECT max((credits_credit('whale', 1000000000000000)).balance) FROM generate_series(1, 1000);
SELECT pg_temp.fails($$SELECT credits_credit('whale', 1)$$);
SELECT balance FROM credits_balance('whale');

-- Bad accounts and arguments.
SELECT pg_temp.fails($$SELECT credits_debit(NULL, 1)$$);
SELECT pg_temp.fails($$SELECT credits_debit(amount => 1)$$);
SELECT pg_temp.fails($$SELECT credits_debit('nobody', 1)$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', 1, metadata => '[]')$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', 1, reference => repeat('r', 256))$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', 1, description => repeat('d', 10001))$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', 1, idempotency_key => '')$$);
SELECT pg_temp.fails($$SELECT credits_credit('alice', 1, idempotency_key => repeat('k', 256))$$);

-- Frozen accounts take credits but no debits; closed ones take nothing.
SELECT status FROM credits_update_account('alice', status => 'frozen');
SELECT pg_temp.fails($$SELECT credits_debit('alice', 1)$$);
SELECT type, balance FROM credits_credit('alice', 5);
SELECT balance FROM credits_debit('alice', 5) WHERE false;
SELECT status FROM credits_update_account('alice', status => 'active');
SELECT balance FROM credits_debit('alice', 5);
SELECT external_id FROM credits_create_account('carol');
SELECT status FROM credits_update_account('carol', status => 'closed');
SELECT pg_temp.fails($$SELECT credits_credit('carol', 1)$$);
SELECT pg_temp.fails($$SELECT credits_debit('carol', 1)$$);

-- Nothing above wrote an entry it should not have: the ledger adds up.
SELECT external_id, balance, (SELECT count(*) FROM credits_entries e WHERE e.account_id = a.id) AS entries
  FROM credits_accounts a ORDER BY external_id;
SELECT * FROM credits_verify();

-- Several movements in one statement see each other.
SELECT balance FROM credits_create_account('dave', initial_balance => 10);
SELECT i, (credits_debit('dave', 2)).balance FROM generate_series(1, 3) i;
SELECT pg_temp.fails($$SELECT (credits_debit('dave', 1)).balance FROM generate_series(1, 6)$$);
SELECT balance FROM credits_balance('dave');

DROP EXTENSION credits;
