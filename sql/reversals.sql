-- credits_reverse: undo all or part of a credit, a debit, a confirmed hold,
-- an adjustment or a transfer, never more than the original.
\i sql/include/setup.sql

SELECT external_id FROM credits_create_account('alice', initial_balance => 100);
SELECT external_id FROM credits_create_account('bob', initial_balance => 10);

-- A debit, reversed in two parts.
SELECT transaction_id AS debit FROM credits_debit('alice', 40, 'call', 'req_1', metadata => '{"m": 1}') \gset
SELECT transaction_id ~ '^txn_' AS txn, type, amount, balance, description, reference, metadata,
       reverses = :'debit' AS links_back
  FROM credits_reverse(:'debit', 15, 'partial refund');
SELECT type, amount, balance, description FROM credits_reverse(:'debit', reason => 'rest of it');
SELECT pg_temp.fails(format('SELECT credits_reverse(%L)', :'debit'));
SELECT pg_temp.fails(format('SELECT credits_reverse(%L, 1)', :'debit'));
SELECT type, amount, reversed_amount, reverses IS NOT NULL AS is_reversal
  FROM credits_entries WHERE external_id = 'alice' ORDER BY id;

-- A credit can be taken back only while its credits are unspent...
SELECT transaction_id AS credit FROM credits_credit('bob', 50, 'promo') \gset
SELECT balance FROM credits_debit('bob', 55);
SELECT pg_temp.fails(format('SELECT credits_reverse(%L)', :'credit'));
SELECT type, amount, balance FROM credits_reverse(:'credit', 5);
-- ...or with force, which overdraws and is marked so; verify accepts it.
SELECT type, amount, balance, available FROM credits_reverse(:'credit', force => true);
SELECT count(*) AS findings FROM credits_verify();
SELECT pg_temp.fails($$SELECT credits_debit('bob', 1)$$);
SELECT balance FROM credits_credit('bob', 100);

-- A confirmed reservation, by its id or by its transaction.
SELECT id AS hold FROM credits_reserve('alice', 30) \gset
SELECT transaction_id AS confirm_txn FROM credits_confirm(:'hold', 20) \gset
SELECT type, amount, balance, reverses = :'confirm_txn' AS reverses_confirm FROM credits_reverse(:'hold', 5);
SELECT type, amount, balance FROM credits_reverse(:'confirm_txn');
SELECT id AS pending_hold FROM credits_reserve('alice', 5) \gset
SELECT pg_temp.fails(format('SELECT credits_reverse(%L)', :'pending_hold'));
SELECT status FROM credits_cancel(:'pending_hold');

-- An adjustment.
SELECT transaction_id AS adj FROM credits_adjust('alice', -7, 'correction') \gset
SELECT type, amount, balance FROM credits_reverse(:'adj');

-- A transfer: the destination gives the credits back, in one transaction.
SELECT transaction_id AS tr FROM credits_transfer('alice', 'bob', 25) \gset
SELECT type, amount, balance, reverses = :'tr' AS links_back FROM credits_reverse(:'tr', 10, 'partly back');
SELECT external_id, type, amount, counterparty_id IS NOT NULL AS two_sided
  FROM credits_entries WHERE reverses = :'tr' ORDER BY external_id;
SELECT pg_temp.fails(format('SELECT credits_reverse(%L, 16)', :'tr'));
SELECT type, amount FROM credits_reverse(:'tr');

-- A reversal cannot itself be reversed.
SELECT transaction_id AS rev FROM credits_reverse((SELECT transaction_id FROM credits_debit('alice', 1))) \gset
SELECT pg_temp.fails(format('SELECT credits_reverse(%L)', :'rev'));

-- Idempotency.
SELECT transaction_id AS d2 FROM credits_debit('alice', 10) \gset
SELECT transaction_id AS r2 FROM credits_reverse(:'d2', 4, idempotency_key => 'refund_1') \gset
SELECT transaction_id = :'r2' AS replayed, amount FROM credits_reverse(:'d2', 4, idempotency_key => 'refund_1');
SELECT pg_temp.fails(format('SELECT credits_reverse(%L, 5, idempotency_key => %L)', :'d2', 'refund_1'));
SELECT reversed_amount FROM credits_entries WHERE transaction_id = :'d2';

-- Frozen accounts can be corrected; closed ones cannot.
SELECT transaction_id AS d3 FROM credits_debit('bob', 3) \gset
SELECT status FROM credits_freeze('bob');
SELECT type, amount FROM credits_reverse(:'d3', 1);
SELECT status FROM credits_unfreeze('bob');

-- Bad input.
SELECT pg_temp.fails($$SELECT credits_reverse('txn_01ARZ3NDEKTSV4RRFFQ69G5FAV')$$);
SELECT pg_temp.fails($$SELECT credits_reverse('not a transaction')$$);
SELECT pg_temp.fails($$SELECT credits_reverse(NULL)$$);
SELECT pg_temp.fails($$SELECT credits_reverse('res_01ARZ3NDEKTSV4RRFFQ69G5FAV')$$);
SELECT pg_temp.fails(format('SELECT credits_reverse(%L, 0)', :'d3'));
SELECT pg_temp.fails(format('SELECT credits_reverse(%L, -1)', :'d3'));
SELECT pg_temp.fails(format('SELECT credits_reverse(%L, 0.5)', :'d3'));
SELECT pg_temp.fails(format('SELECT credits_reverse(%L, 3)', :'d3'));
SELECT pg_temp.fails(format('SELECT credits_reverse(%L, idempotency_key => %L)', :'d3', ''));
SET credits.tenant = 'other';
SELECT pg_temp.fails(format('SELECT credits_reverse(%L, 1)', :'d3'));
RESET credits.tenant;

-- A retry gets what its key did, however much has been reversed since: the
-- whole (then nothing was left), or the part; another amount is CR003.
SELECT external_id FROM credits_create_account('retry', initial_balance => 10);
SELECT transaction_id AS r1 FROM credits_debit('retry', 4) \gset
SELECT amount, balance FROM credits_reverse(:'r1', idempotency_key => 'all_of_it');
SELECT amount, balance FROM credits_reverse(:'r1', idempotency_key => 'all_of_it');
SELECT pg_temp.fails(format('SELECT credits_reverse(%L, 1, idempotency_key => %L)', :'r1', 'all_of_it'));
SELECT transaction_id AS r2 FROM credits_debit('retry', 6) \gset
SELECT amount, balance FROM credits_reverse(:'r2', 2, idempotency_key => 'part');
SELECT amount, balance FROM credits_reverse(:'r2', idempotency_key => 'rest');
SELECT amount, balance FROM credits_reverse(:'r2', 2, idempotency_key => 'part');
SELECT amount, balance FROM credits_reverse(:'r2', idempotency_key => 'rest');
SELECT count(*) AS reversals FROM credits_entries WHERE external_id = 'retry' AND type = 'reversal';

SELECT external_id, balance FROM credits_accounts ORDER BY external_id;
SELECT * FROM credits_verify();
DROP EXTENSION credits;
