-- Tampering with the ledger is refused, and what gets past the guards (a
-- superuser disabling them, a raw INSERT) is caught by credits_verify().
\set ON_ERROR_STOP 1
\set QUIET 1
SET client_min_messages = warning;
BEGIN;
CREATE EXTENSION IF NOT EXISTS pgtap;
CREATE EXTENSION credits;
SELECT plan(51);

SELECT lives_ok($$SELECT credits_create_account('alice', initial_balance => 100)$$, 'alice has 100');
SELECT lives_ok($$SELECT credits_debit('alice', 30)$$, 'alice spends 30');
SELECT lives_ok($$SELECT credits_create_account('bob', initial_balance => 10)$$, 'bob has 10');
SELECT is_empty($$SELECT * FROM credits_verify()$$, 'a healthy ledger has no findings');

-- The guards.
SELECT throws_ok($$UPDATE credits_entry SET amount = 0$$, 'CR014', 'UPDATE on credits_entry is not allowed',
                 'ledger entries cannot be updated');
SELECT throws_ok($$DELETE FROM credits_entry$$, 'CR014', 'DELETE on credits_entry is not allowed',
                 'ledger entries cannot be deleted');
SELECT throws_ok($$TRUNCATE credits_entry$$, 'CR014', 'TRUNCATE on credits_entry is not allowed',
                 'the ledger cannot be truncated');
SELECT throws_ok($$UPDATE credits_account SET balance = 1000000 WHERE external_id = 'alice'$$, 'CR014',
                 'UPDATE on credits_account is not allowed', 'a balance cannot be set directly');
SELECT throws_ok($$UPDATE credits_account SET status = 'closed'$$, 'CR014', NULL,
                 'no account column can be set directly');
SELECT throws_ok($$DELETE FROM credits_account$$, 'CR014', NULL, 'accounts cannot be deleted');
SELECT throws_ok($$TRUNCATE credits_account$$, 'CR014', NULL, 'accounts cannot be truncated');
SELECT results_eq($$SELECT balance FROM credits_balance('alice')$$, $$VALUES (70::numeric)$$,
                  'the refused statements changed nothing');

-- A raw INSERT into the ledger (left open for pg_restore) is caught.
SAVEPOINT raw_insert;
INSERT INTO credits_entry (account_id, account_key, seq, transaction_id, type, amount, balance_after, available_after,
                           created_at)
SELECT id, account_key, entry_count + 1, 'txn_forged', 'credit', 1000, balance + 1000, balance + 1000, now()
  FROM credits_account WHERE external_id = 'alice';
SELECT set_eq($$SELECT invariant FROM credits_verify()$$, ARRAY['balance_matches_ledger', 'entry_count'],
              'a forged entry shows as balance and entry-count drift');
ROLLBACK TO raw_insert;

-- A superuser who disables the guards is caught.
SAVEPOINT bypass;
ALTER TABLE credits_account DISABLE TRIGGER credits_account_guard;
UPDATE credits_account SET balance = 1000000 WHERE external_id = 'alice';
SELECT results_eq($$SELECT external_id, invariant, expected, actual FROM credits_verify()$$,
                  $$VALUES ('alice'::text, 'balance_matches_ledger'::text, 70::numeric, 1000000::numeric)$$,
                  'a balance set behind the ledger''s back is reported with both numbers');
ROLLBACK TO bypass;

SAVEPOINT delete_entry;
ALTER TABLE credits_entry DISABLE TRIGGER credits_entry_append_only;
DELETE FROM credits_entry WHERE seq = 1 AND account_id = (SELECT id FROM credits_account WHERE external_id = 'alice');
SELECT set_eq($$SELECT invariant FROM credits_verify('alice')$$,
              ARRAY['balance_matches_ledger', 'entry_count', 'ledger_chain'],
              'a deleted entry breaks the balance, the count and the chain');
SELECT results_eq($$SELECT detail FROM credits_verify('alice') WHERE invariant = 'ledger_chain'$$,
                  $$VALUES ('entry 1 is missing')$$, 'the chain names the missing entry');
ROLLBACK TO delete_entry;

SAVEPOINT edit_entry;
ALTER TABLE credits_entry DISABLE TRIGGER credits_entry_append_only;
UPDATE credits_entry SET amount = -20
 WHERE seq = 2 AND account_id = (SELECT id FROM credits_account WHERE external_id = 'alice');
SELECT set_eq($$SELECT invariant FROM credits_verify('alice')$$, ARRAY['balance_matches_ledger', 'ledger_chain'],
              'an edited amount breaks the balance and the chain');
ROLLBACK TO edit_entry;

SAVEPOINT orphan;
INSERT INTO credits_entry (account_id, account_key, seq, transaction_id, type, amount, balance_after, available_after,
                           created_at)
VALUES ('acc_nobody', 0, 1, 'txn_x', 'credit', 5, 5, 5, now());
SELECT results_eq($$SELECT invariant, account_id FROM credits_verify(all_tenants => true)
                     WHERE invariant = 'entry_has_account'$$,
                  $$VALUES ('entry_has_account'::text, 'acc_nobody'::text)$$,
                  'an entry without an account is reported (it belongs to no tenant: all_tenants)');
ROLLBACK TO orphan;

SAVEPOINT overdrawn;
ALTER TABLE credits_account DISABLE TRIGGER credits_account_guard;
UPDATE credits_account SET overdraft_limit = 0, balance = -5 WHERE external_id = 'bob';
SELECT ok('within_overdraft_limit' = ANY (ARRAY(SELECT invariant FROM credits_verify('bob'))),
          'an account below its overdraft limit is reported');
ROLLBACK TO overdrawn;

-- Reservations are guarded the same way, and their drift is caught.
SELECT lives_ok($$SELECT credits_reserve('alice', 20)$$, 'alice holds 20');
SELECT throws_ok($$UPDATE credits_reservation SET status = 'cancelled'$$, 'CR014', NULL,
                 'a hold cannot be resolved behind the ledger''s back');
SELECT throws_ok($$DELETE FROM credits_reservation$$, 'CR014', NULL, 'holds cannot be deleted');
SELECT throws_ok($$TRUNCATE credits_reservation$$, 'CR014', NULL, 'holds cannot be truncated');

SAVEPOINT drop_hold;
ALTER TABLE credits_reservation DISABLE TRIGGER credits_reservation_guard;
UPDATE credits_reservation SET status = 'cancelled';
SELECT set_eq($$SELECT invariant FROM credits_verify('alice')$$, ARRAY['reserved_matches_holds', 'hold_resolved_once'],
              'a hold cancelled behind the ledger''s back leaves reserved and the hold inconsistent');
ROLLBACK TO drop_hold;

SAVEPOINT fake_confirm;
ALTER TABLE credits_reservation DISABLE TRIGGER credits_reservation_guard;
UPDATE credits_reservation SET status = 'confirmed', confirmed_amount = 20, released_amount = 0;
ALTER TABLE credits_account DISABLE TRIGGER credits_account_guard;
UPDATE credits_account SET reserved = 0 WHERE external_id = 'alice';
SELECT results_eq($$SELECT invariant FROM credits_verify('alice')$$, $$VALUES ('hold_resolved_once')$$,
                  'a confirm without its debit is caught');
ROLLBACK TO fake_confirm;

SAVEPOINT later_expiry;
ALTER TABLE credits_account DISABLE TRIGGER credits_account_guard;
UPDATE credits_account SET next_hold_expiry = 'infinity' WHERE external_id = 'alice';
SELECT results_eq($$SELECT invariant FROM credits_verify('alice')$$, $$VALUES ('hold_expiry_tracked')$$,
                  'an expiry bound that would hide a lapsed hold is caught');
ROLLBACK TO later_expiry;

-- Reversals and transfers are checked too.
SELECT lives_ok($$SELECT credits_transfer('alice', 'bob', 5)$$, 'alice sends bob 5');
SAVEPOINT one_legged;
ALTER TABLE credits_entry DISABLE TRIGGER credits_entry_append_only;
DELETE FROM credits_entry WHERE type = 'transfer' AND amount > 0;
SELECT ok('transfer_balanced' = ANY (ARRAY(SELECT invariant FROM credits_verify())),
          'a transfer missing a leg is reported');
ROLLBACK TO one_legged;

SAVEPOINT over_reversed;
INSERT INTO credits_entry (account_id, account_key, seq, transaction_id, type, amount, balance_after, available_after,
                           reverses, created_at)
SELECT e.account_id, a.account_key, a.entry_count + 1, 'txn_forged', 'reversal', -e.amount * 2, a.balance - e.amount * 2,
       a.balance - e.amount * 2, e.transaction_id, now()
  FROM credits_entry e JOIN credits_account a ON a.id = e.account_id
 WHERE a.external_id = 'bob' AND e.seq = 1;
SELECT ok('reversal_within_original' = ANY (ARRAY(SELECT invariant FROM credits_verify('bob'))),
          'reversals adding up to more than the original are reported');
ROLLBACK TO over_reversed;

-- Grants, plans and subscriptions are guarded; a grant moved behind the
-- ledger's back is caught.
SELECT lives_ok($$SELECT credits_create_account('carol')$$, 'carol opens an account');
SELECT lives_ok($$SELECT credits_credit('carol', 40, 'promo', expires_in => '1 day', category => 'promotional')$$,
                'carol gets a 40 promo');
SELECT lives_ok($$SELECT credits_debit('carol', 15)$$, 'carol spends 15 of it');
SELECT lives_ok($$SELECT credits_reserve('carol', 5)$$, 'carol holds 5 of it');
SELECT lives_ok($$SELECT credits_create_plan('tamper', NULL, 10, 'month')$$, 'a plan');
SELECT lives_ok($$SELECT credits_assign_plan('carol', 'tamper')$$, 'carol subscribes');
SELECT is_empty($$SELECT * FROM credits_verify('carol')$$, 'carol''s grants are consistent');
SELECT throws_ok($$UPDATE credits_grant SET remaining = 1000$$, 'CR014', NULL, 'a grant cannot be refilled');
SELECT throws_ok($$DELETE FROM credits_grant$$, 'CR014', NULL, 'grants cannot be deleted');
SELECT throws_ok($$TRUNCATE credits_grant$$, 'CR014', NULL, 'grants cannot be truncated');
SELECT throws_ok($$UPDATE credits_plan SET allowance = 1000000$$, 'CR014', NULL, 'a plan cannot be changed');
SELECT throws_ok($$DELETE FROM credits_subscription$$, 'CR014', NULL, 'subscriptions cannot be deleted');

SAVEPOINT refill;
ALTER TABLE credits_grant DISABLE TRIGGER credits_grant_guard;
UPDATE credits_grant SET remaining = 40 WHERE category = 'promotional';
SELECT results_eq($$SELECT invariant, expected, actual FROM credits_verify('carol')$$,
                  $$VALUES ('grant_matches_ledger'::text, 25::numeric, 40::numeric)$$,
                  'a refilled grant is reported with both numbers');
ROLLBACK TO refill;

SAVEPOINT unhold;
ALTER TABLE credits_grant DISABLE TRIGGER credits_grant_guard;
UPDATE credits_grant SET held = 0 WHERE category = 'promotional';
SELECT results_eq($$SELECT invariant FROM credits_verify('carol')$$, $$VALUES ('grant_held_matches_holds')$$,
                  'a grant whose hold was dropped is reported');
ROLLBACK TO unhold;

SAVEPOINT resurrect;
ALTER TABLE credits_grant DISABLE TRIGGER credits_grant_guard;
UPDATE credits_grant SET status = 'expired' WHERE category = 'promotional';
SELECT set_eq($$SELECT invariant FROM credits_verify('carol')$$, ARRAY['grant_state', 'grant_count'],
              'a grant marked expired with credits left is reported, and the count drifts');
ROLLBACK TO resurrect;

SAVEPOINT hide_expiry;
ALTER TABLE credits_account DISABLE TRIGGER credits_account_guard;
UPDATE credits_account SET next_grant_expiry = NULL WHERE external_id = 'carol';
SELECT results_eq($$SELECT DISTINCT invariant FROM credits_verify('carol')$$, $$VALUES ('grant_expiry_tracked')$$,
                  'an expiry bound that would hide a lapsed grant is caught');
ROLLBACK TO hide_expiry;

SAVEPOINT bad_funding;
INSERT INTO credits_entry (account_id, account_key, seq, transaction_id, type, amount, balance_after, available_after,
                           grants, created_at)
SELECT id, account_key, entry_count + 1, 'txn_forged', 'debit', -1, balance - 1, balance - 1, '{"ungranted": -3}', now()
  FROM credits_account WHERE external_id = 'carol';
SELECT ok('funding_adds_up' = ANY (ARRAY(SELECT invariant FROM credits_verify('carol'))),
          'an entry whose grants do not add up to its amount is reported');
ROLLBACK TO bad_funding;

-- On Citus the account key places a row on its shard: a row with another
-- key, or an account whose key is not its own, is reported.
SAVEPOINT wrong_key;
INSERT INTO credits_status_change (account_id, account_key, from_status, to_status, changed_at)
SELECT id, account_key + 1, 'active', 'frozen', now() FROM credits_account WHERE external_id = 'carol';
SELECT results_eq($$SELECT invariant, detail FROM credits_verify('carol')$$,
                  $$VALUES ('account_key', '1 rows of credits_status_change carry another account key')$$,
                  'a row carrying another account key is reported');
ALTER TABLE credits_account DISABLE TRIGGER credits_account_guard;
UPDATE credits_account SET account_key = account_key + 1 WHERE external_id = 'bob';
SELECT results_eq($$SELECT invariant, detail FROM credits_verify('bob')$$,
                  $$VALUES ('account_key', 'the account key is not the one of its tenant and external_id'),
                           ('account_key', '2 rows of credits_entry carry another account key')$$,
                  'an account whose key is not the one of its tenant and external_id is reported');
ROLLBACK TO wrong_key;

SELECT is_empty($$SELECT * FROM credits_verify()$$, 'after every rollback the ledger is healthy again');
SELECT lives_ok($$SELECT credits_debit('alice', 45)$$, 'the extension still writes normally');
SELECT is_empty($$SELECT * FROM credits_verify()$$, 'and stays healthy');

SELECT * FROM finish();
ROLLBACK;
