-- Reservations: reserve, confirm, cancel, extend, expire, and every error.
\i sql/include/setup.sql

SELECT external_id FROM credits_create_account('alice', initial_balance => 100);
SELECT external_id FROM credits_create_account('bob', unit => 'USD', scale => 2, initial_balance => 10, overdraft_limit => 5);

-- A hold: reserved grows, balance does not move, no ledger entry.
SELECT id ~ '^res_[0-9A-HJKMNP-TV-Z]{26}$' AS res_id, account_id ~ '^acc_' AS acc_id, external_id, amount, status,
       expires_at = now() + interval '15 minutes' AS default_expiry, description, reference, metadata,
       created_at = now() AS now, balance, reserved, available
  FROM credits_reserve('alice', 30, description => 'gpt-4o call', reference => 'req_1', metadata => '{"model": "gpt-4o"}');
SELECT count(*) AS entries FROM credits_entries WHERE external_id = 'alice';
SELECT balance, reserved, available FROM credits_balance('alice');

-- Expiry by interval or by time.
SELECT expires_at = now() + interval '2 hours' AS two_hours FROM credits_reserve('alice', 1, expires_in => '2 hours');
SELECT expires_at = '2100-01-01'::timestamptz AS fixed FROM credits_reserve('alice', 1, expires_at => '2100-01-01');
SELECT expires_at = '2100-01-01'::timestamptz AS expires_at_wins
  FROM credits_reserve('alice', 1, expires_in => '1 minute', expires_at => '2100-01-01');
SELECT reserved, available FROM credits_balance('alice');

-- Available must cover a hold now (overdraft counts, as for debits).
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 68)$$);
SELECT amount, reserved, available FROM credits_reserve('bob', 15.00);
SELECT pg_temp.fails($$SELECT credits_reserve('bob', 0.01)$$);
SELECT pg_temp.fails($$SELECT credits_debit('bob', 0.01)$$);

-- Confirm: the actual cost is debited, the rest released.
SELECT id AS hold FROM credits_reserve('alice', 20, description => 'stream', reference => 'req_2') \gset
SELECT transaction_id ~ '^txn_' AS txn, external_id, type, amount, balance, available, description, reference,
       reservation_id = :'hold' AS same_hold, released
  FROM credits_confirm(:'hold', 12);
SELECT status, confirmed_amount, released_amount, resolved_at IS NOT NULL AS resolved, transaction_id ~ '^txn_' AS txn
  FROM credits_reservations WHERE id = :'hold';
SELECT type, amount, balance_after, description, reference, reservation_id = :'hold' AS linked
  FROM credits_entries WHERE external_id = 'alice' ORDER BY id DESC LIMIT 1;

-- The same confirm again returns the first result; any other is CR005.
SELECT amount, balance, released FROM credits_confirm(:'hold', 12);
SELECT pg_temp.fails(format('SELECT credits_confirm(%L, 13)', :'hold'));
SELECT pg_temp.fails(format('SELECT credits_confirm(%L)', :'hold'));
SELECT pg_temp.fails(format('SELECT credits_cancel(%L)', :'hold'));
SELECT pg_temp.fails(format('SELECT credits_extend_reservation(%L, %L)', :'hold', '1 hour'));

-- A NULL amount confirms the full hold; a confirm's description and metadata
-- override the hold's.
SELECT id AS hold FROM credits_reserve('alice', 5, description => 'held', metadata => '{"a": 1}') \gset
SELECT amount, released, description, metadata FROM credits_confirm(:'hold');
SELECT id AS hold FROM credits_reserve('alice', 5, description => 'held') \gset
SELECT amount, released, description, metadata FROM credits_confirm(:'hold', 5, 'actual', '{"tokens": 420}');

-- More than the hold: reject (the default) keeps the hold pending.
SELECT id AS hold FROM credits_reserve('alice', 10) \gset
SELECT pg_temp.fails(format('SELECT credits_confirm(%L, 11)', :'hold'));
SELECT status FROM credits_reservations WHERE id = :'hold';
-- cap: the hold plus whatever else is available.
SELECT balance, available FROM credits_balance('alice');
SELECT amount, balance, available, released FROM credits_confirm(:'hold', 1000, on_excess => 'cap');
-- cap when everything fits debits all of it.
SELECT balance FROM credits_credit('alice', 100);
SELECT id AS hold FROM credits_reserve('alice', 10) \gset
SELECT amount, balance, released FROM credits_confirm(:'hold', 15, on_excess => 'cap');
-- allow: overdraws if it must, and verify accepts the explicit overdraw.
SELECT id AS hold FROM credits_reserve('alice', 10) \gset
SELECT amount, balance, available FROM credits_confirm(:'hold', 500, on_excess => 'allow');
SELECT count(*) AS findings FROM credits_verify();
SELECT pg_temp.fails($$SELECT credits_debit('alice', 1)$$);
SELECT balance FROM credits_credit('alice', 500);

-- Cancel releases everything and writes no entry.
SELECT id AS hold FROM credits_reserve('alice', 7) \gset
SELECT count(*) AS entries_before FROM credits_entries WHERE external_id = 'alice' \gset
SELECT amount, status, balance, reserved FROM credits_cancel(:'hold');
SELECT count(*) = :entries_before AS no_entry FROM credits_entries WHERE external_id = 'alice';
SELECT status, released_amount, resolved_at IS NOT NULL AS resolved FROM credits_reservations WHERE id = :'hold';
SELECT pg_temp.fails(format('SELECT credits_cancel(%L)', :'hold'));
SELECT pg_temp.fails(format('SELECT credits_confirm(%L)', :'hold'));

-- Extend keeps a hold alive, never shortens it.
SELECT id AS hold FROM credits_reserve('alice', 3, expires_in => '1 minute') \gset
SELECT expires_at = now() + interval '1 hour' AS one_hour, expires_at AS extended
  FROM credits_extend_reservation(:'hold', '1 hour') \gset
SELECT :'one_hour' AS one_hour;
SELECT expires_at = :'extended' AS unchanged FROM credits_extend_reservation(:'hold', '5 minutes');
SELECT pg_temp.fails(format('SELECT credits_extend_reservation(%L, %L)', :'hold', '0 seconds'));
SELECT pg_temp.fails(format('SELECT credits_extend_reservation(%L, %L)', :'hold', '-1 hour'));
SELECT pg_temp.fails(format('SELECT credits_extend_reservation(%L)', :'hold'));
SELECT status FROM credits_cancel(:'hold');

-- Idempotent reserve: the same key returns the original hold.
SELECT id AS hold, reserved AS reserved_then FROM credits_reserve('alice', 4, reference => 'r', idempotency_key => 'rk') \gset
SELECT id = :'hold' AS same_hold, reserved = :reserved_then AS original_balances, status
  FROM credits_reserve('alice', 4, reference => 'r', idempotency_key => 'rk');
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 5, reference => 'r', idempotency_key => 'rk')$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 4, reference => 's', idempotency_key => 'rk')$$);
SELECT status FROM credits_confirm(:'hold') c, credits_reservations r WHERE r.id = c.reservation_id;
SELECT status, id = :'hold' AS same_hold FROM credits_reserve('alice', 4, reference => 'r', idempotency_key => 'rk');
SELECT count(*) AS holds_with_key FROM credits_reservations WHERE idempotency_key = 'rk';

-- Frozen accounts confirm and cancel holds but take no new ones.
SELECT id AS hold1 FROM credits_reserve('alice', 2) \gset
SELECT id AS hold2 FROM credits_reserve('alice', 2) \gset
SELECT status FROM credits_update_account('alice', status => 'frozen');
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 1)$$);
SELECT amount, released FROM credits_confirm(:'hold1', 1);
SELECT status FROM credits_cancel(:'hold2');
SELECT status FROM credits_update_account('alice', status => 'active');

-- An account with a pending hold cannot close.
SELECT external_id FROM credits_create_account('carol', initial_balance => 5);
SELECT balance FROM credits_debit('carol', 5);
SELECT balance FROM credits_credit('carol', 1);
SELECT id AS hold FROM credits_reserve('carol', 1) \gset
SELECT pg_temp.fails($$SELECT credits_update_account('carol', status => 'closed')$$);
SELECT amount FROM credits_confirm(:'hold');
SELECT status FROM credits_update_account('carol', status => 'closed');

-- Bad input: CR008, CR012, CR002, CR004; nothing is written.
SELECT pg_temp.fails($$SELECT credits_reserve('alice', NULL)$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 0)$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', -1)$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 'NaN')$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 'Infinity')$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 1.5)$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 1, expires_in => '0 minutes')$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 1, expires_in => '-5 minutes')$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 1, expires_at => now() - interval '1 second')$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 1, expires_at => 'infinity')$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 1, metadata => '[]')$$);
SELECT pg_temp.fails($$SELECT credits_reserve('alice', 1, idempotency_key => '')$$);
SELECT pg_temp.fails($$SELECT credits_reserve(NULL, 1)$$);
SELECT pg_temp.fails($$SELECT credits_reserve('nobody', 1)$$);
SELECT pg_temp.fails($$SELECT credits_reserve('carol', 1)$$);
SELECT id AS hold FROM credits_reserve('alice', 5) \gset
SELECT pg_temp.fails(format('SELECT credits_confirm(%L, 0)', :'hold'));
SELECT pg_temp.fails(format('SELECT credits_confirm(%L, -1)', :'hold'));
SELECT pg_temp.fails(format('SELECT credits_confirm(%L, %L)', :'hold', 'NaN'));
SELECT pg_temp.fails(format('SELECT credits_confirm(%L, 1.5)', :'hold'));
SELECT pg_temp.fails(format('SELECT credits_confirm(%L, on_excess => %L)', :'hold', 'sometimes'));
SELECT pg_temp.fails($$SELECT credits_confirm(NULL)$$);
SELECT pg_temp.fails($$SELECT credits_confirm('res_01ARZ3NDEKTSV4RRFFQ69G5FAV')$$);
SELECT pg_temp.fails($$SELECT credits_confirm('nothing like an id')$$);
SELECT pg_temp.fails($$SELECT credits_cancel('res_01ARZ3NDEKTSV4RRFFQ69G5FAV')$$);
SELECT pg_temp.fails($$SELECT credits_extend_reservation('res_01ARZ3NDEKTSV4RRFFQ69G5FAV', '1 hour')$$);
SELECT pg_temp.fails($$SELECT credits_expire_reservations(0)$$);
SELECT status, amount FROM credits_reservations WHERE id = :'hold';
SELECT status FROM credits_cancel(lower(:'hold'));

-- Another tenant cannot see or settle the hold.
SELECT id AS hold FROM credits_reserve('alice', 5) \gset
SET credits.tenant = 'other';
SELECT pg_temp.fails(format('SELECT credits_confirm(%L)', :'hold'));
SELECT count(*) FROM credits_reservations;
RESET credits.tenant;
SELECT status FROM credits_cancel(:'hold');

-- Expiry: a lapsed hold stops counting at once, whether or not anything has
-- run; confirming it is CR006; the sweeper marks it expired at its expiry.
SELECT id AS short FROM credits_reserve('alice', 40, expires_in => '1 second') \gset
SELECT id AS long FROM credits_reserve('alice', 1, expires_in => '1 hour') \gset
SELECT reserved AS reserved_before FROM credits_accounts WHERE external_id = 'alice' \gset
SELECT pg_sleep(1.2);
SELECT reserved = :reserved_before - 40 AS lapsed_hold_free, available = balance - reserved AS consistent
  FROM credits_accounts WHERE external_id = 'alice';
SELECT reserved = :reserved_before - 40 AS lapsed_hold_free FROM credits_balance('alice');
SELECT status, resolved_at = expires_at AS at_expiry, released_amount FROM credits_reservations WHERE id = :'short';
SELECT pg_temp.fails(format('SELECT credits_confirm(%L)', :'short'));
SELECT pg_temp.fails(format('SELECT credits_extend_reservation(%L, %L)', :'short', '1 hour'));
SELECT pg_temp.fails(format('SELECT credits_cancel(%L)', :'short'));
SELECT credits_expire_reservations();
SELECT credits_expire_reservations();
SELECT r.status, r.resolved_at = r.expires_at AS at_expiry, a.reserved
  FROM credits_reservations r JOIN credits_account a ON a.id = r.account_id WHERE r.id = :'short';
-- Touching the account releases lapsed holds too.
SELECT id AS short FROM credits_reserve('alice', 40, expires_in => '1 second') \gset
SELECT pg_sleep(1.2);
SELECT reserved AS stored_reserved FROM credits_account WHERE external_id = 'alice' \gset
SELECT available = balance - (:stored_reserved - 40) AS released_first FROM credits_debit('alice', 1);
SELECT reserved = :stored_reserved - 40 AS stored FROM credits_account WHERE external_id = 'alice';
SELECT status FROM credits_reservation WHERE id = :'short';
SELECT status FROM credits_cancel(:'long');

SELECT * FROM credits_verify();
DROP EXTENSION credits;
