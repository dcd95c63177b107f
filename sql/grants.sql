-- Grants: credits with an expiry, a priority or a category; the burn-down
-- order; which grants funded each movement; expiry with and without holds.
\i sql/include/setup.sql

-- Grants and fundings named by the description of the credit that made them.
CREATE TEMP VIEW grant_state AS
SELECT g.external_id, c.description AS source, g.amount, g.remaining, g.held, g.priority, g.category, g.status,
       g.expires_at IS NOT NULL AS expires
  FROM credits_grants g
  JOIN credits_entries c ON c.transaction_id = g.transaction_id AND c.account_id = g.account_id;
CREATE TEMP VIEW funded AS
SELECT f.external_id, f.entry_id, f.type, coalesce(c.description, 'ungranted') AS source, f.amount
  FROM credits_entry_grants f
  LEFT JOIN credits_grants g ON g.id = f.grant_id
  LEFT JOIN credits_entries c ON c.transaction_id = g.transaction_id AND c.account_id = g.account_id;

-- A plain credit makes no grant; an expiry, a priority or a category does.
SELECT external_id FROM credits_create_account('ann', initial_balance => 10);
SELECT type, amount, balance FROM credits_credit('ann', 5, 'plain');
SELECT type, amount, balance FROM credits_credit('ann', 30, 'paid', category => 'paid');
SELECT type, amount, balance FROM credits_credit('ann', 50, 'promo', expires_in => '30 days', category => 'promotional');
SELECT type, amount, balance FROM credits_credit('ann', 20, 'goodwill', expires_in => '10 days', category => 'goodwill');
SELECT type, amount, balance FROM credits_credit('ann', 25, 'late pack', expires_in => '1 day', priority => 1);
SELECT type, amount, balance FROM credits_credit('ann', 5, 'old fixed', expires_at => '2100-01-01');
SELECT type, amount, balance FROM credits_credit('ann', 5, 'new fixed', expires_at => '2100-01-01');
SELECT id ~ '^grt_[0-9A-HJKMNP-TV-Z]{26}$' AS grt_id, external_id, amount, remaining, expires_at IS NULL AS never,
       priority, category, status, transaction_id ~ '^txn_' AS txn
  FROM credits_grants ORDER BY created_at;
SELECT grants IS NULL AS plain FROM credits_entries WHERE description = 'plain';
SELECT jsonb_typeof(grants) AS funding, (SELECT sum(v::numeric) FROM jsonb_each_text(grants) x(k, v)) AS total
  FROM credits_entries WHERE description = 'promo';

-- Burn-down: priority ascending, then soonest expiry (never last), then
-- oldest, then id; the ungranted balance after every grant. Spends run
-- across grants.
SELECT amount, balance FROM credits_debit('ann', 15, 'd1');
SELECT amount, balance FROM credits_debit('ann', 60, 'd2');
SELECT amount, balance FROM credits_debit('ann', 3, 'd3');
SELECT amount, balance FROM credits_debit('ann', 40, 'd4');
SELECT amount, balance FROM credits_debit('ann', 30, 'd5');
SELECT e.description AS debit, f.source, f.amount
  FROM funded f JOIN credits_entries e ON e.account_id = (SELECT id FROM credits_accounts WHERE external_id = 'ann')
                                      AND e.id = f.entry_id
 WHERE f.type = 'debit' ORDER BY f.entry_id, f.amount DESC, f.source;
SELECT * FROM grant_state WHERE external_id = 'ann' AND source <> 'bonus' ORDER BY source;
-- The account's history by category: what paid for its debits.
SELECT coalesce(category, 'ungranted') AS category, -sum(amount) AS spent
  FROM credits_entry_grants WHERE external_id = 'ann' AND type = 'debit' GROUP BY 1 ORDER BY 2 DESC, 1;

-- A reversal gives back the last taken first (d4 took new fixed 2, paid 30,
-- late pack 8); a depleted grant becomes active again.
SELECT transaction_id AS d4 FROM credits_entries WHERE description = 'd4' \gset
SELECT amount, balance FROM credits_reverse(:'d4', 10);
SELECT amount, balance FROM credits_reverse(:'d4');
SELECT f.source, f.amount FROM funded f JOIN credits_entries e ON e.id = f.entry_id AND e.external_id = f.external_id
 WHERE f.external_id = 'ann' AND f.type = 'reversal' ORDER BY f.entry_id, f.amount DESC;
SELECT source, remaining, status FROM grant_state WHERE source IN ('late pack', 'paid', 'new fixed')
   AND external_id = 'ann' ORDER BY source;

-- Replaying a grant's credit makes no second grant.
SELECT amount FROM credits_credit('ann', 9, 'bonus', idempotency_key => 'bonus-1', category => 'goodwill');
SELECT amount FROM credits_credit('ann', 9, 'bonus', idempotency_key => 'bonus-1', category => 'goodwill');
SELECT count(*) AS bonus_grants FROM grant_state WHERE source = 'bonus';

-- Taking back a grant's credit takes it out of that grant; what the grant no
-- longer has needs force, and then comes from the account's other credits.
SELECT external_id FROM credits_create_account('kai', initial_balance => 20);
SELECT transaction_id AS gift FROM credits_credit('kai', 30, 'gift', category => 'goodwill') \gset
SELECT amount, balance FROM credits_debit('kai', 25);
SELECT amount, balance FROM credits_reverse(:'gift', 3);
SELECT pg_temp.fails(format('SELECT credits_reverse(%L)', :'gift'));
SELECT amount, balance FROM credits_reverse(:'gift', force => true);
SELECT source, amount FROM funded WHERE external_id = 'kai' AND type = 'reversal' ORDER BY entry_id, amount;
SELECT source, remaining, status FROM grant_state WHERE external_id = 'kai';

-- Expiry without holds: a lapsed grant leaves the balance at once (the views
-- never show it), and the next touch writes its 'expiry' entry first.
SELECT external_id FROM credits_create_account('bea', initial_balance => 10);
SELECT amount FROM credits_credit('bea', 20, 'promo', expires_in => '1 day', category => 'promotional');
SELECT pg_temp.travel('2 days');
SELECT balance, reserved, available FROM credits_accounts WHERE external_id = 'bea';
SELECT remaining, status, ended_at = expires_at AS ended_at_expiry FROM credits_grants WHERE external_id = 'bea';
SELECT count(*) AS entries FROM credits_entries WHERE external_id = 'bea';
SELECT amount, balance FROM credits_debit('bea', 5);
SELECT type, amount, balance_after, description FROM credits_entries WHERE external_id = 'bea' ORDER BY id;
SELECT source, amount FROM funded WHERE external_id = 'bea' AND type = 'expiry';

-- An expired grant is never spendable, whether or not anything ran.
SELECT external_id FROM credits_create_account('cat');
SELECT amount FROM credits_credit('cat', 20, 'promo', expires_in => '1 day');
SELECT pg_temp.travel('2 days');
SELECT pg_temp.fails($$SELECT credits_debit('cat', 5)$$);
SELECT pg_temp.fails($$SELECT credits_reserve('cat', 5)$$);
SELECT balance, available FROM credits_balance('cat');

-- Background expiry writes it down for accounts nobody touches.
SELECT * FROM credits_run_due();
SELECT type, amount, balance_after FROM credits_entries WHERE external_id = 'cat' ORDER BY id;
SELECT * FROM credits_run_due();

-- Expiry with holds: held credits do not expire under a pending hold; they
-- expire when the hold lets them go (confirm, cancel or hold expiry).
SELECT external_id FROM credits_create_account('eve');
SELECT amount FROM credits_credit('eve', 50, 'promo', expires_in => '1 day', category => 'promotional');
SELECT amount FROM credits_credit('eve', 30, 'paid', category => 'paid');
SELECT id AS hold_a FROM credits_reserve('eve', 40, expires_in => '4 days') \gset
SELECT id AS hold_b FROM credits_reserve('eve', 5, expires_in => '4 days') \gset
SELECT id AS hold_c FROM credits_reserve('eve', 10, expires_in => '60 hours') \gset
SELECT f.key = g.id AS promo, f.value FROM credits_reservations r CROSS JOIN jsonb_each(r.grants) f
  LEFT JOIN credits_grants g ON g.id = f.key WHERE r.external_id = 'eve' ORDER BY r.created_at, f.value;
SELECT source, remaining, held, status FROM grant_state WHERE external_id = 'eve' ORDER BY source;
SELECT pg_temp.travel('2 days');
SELECT balance, reserved, available FROM credits_accounts WHERE external_id = 'eve';
SELECT remaining, held, status FROM credits_grants WHERE external_id = 'eve' AND category = 'promotional';
SELECT amount, balance FROM credits_debit('eve', 1, 'touch');
SELECT amount, balance, available, released FROM credits_confirm(:'hold_a', 25);
SELECT balance, reserved, available FROM credits_cancel(:'hold_b');
SELECT pg_temp.travel('1 day');
SELECT * FROM credits_run_due();
SELECT status FROM credits_reservations WHERE id = :'hold_c';
SELECT type, amount, balance_after, description FROM credits_entries WHERE external_id = 'eve' ORDER BY id;
SELECT remaining, held, status FROM credits_grants WHERE external_id = 'eve' ORDER BY category;
SELECT balance, reserved, available FROM credits_balance('eve');

-- A hold that lapses with the grant it holds lets go of it: the views show
-- what the next touch writes (nothing of either is left), before it runs.
SELECT external_id FROM credits_create_account('dee');
SELECT amount FROM credits_credit('dee', 6, 'promo', expires_in => '1 day');
SELECT amount FROM credits_reserve('dee', 4, expires_in => '1 day');
SELECT pg_temp.travel('2 days');
SELECT balance, reserved, available FROM credits_accounts WHERE external_id = 'dee';
SELECT remaining, held, status FROM credits_grants WHERE external_id = 'dee';
SELECT pg_temp.fails($$SELECT credits_debit('dee', 1)$$);
SELECT balance, reserved, available FROM credits_balance('dee');
SELECT remaining, held, status FROM credits_grants WHERE external_id = 'dee';

-- Account defaults: every credit expires after default_grant_ttl unless told
-- otherwise; credits below min_credit_amount are refused.
SELECT external_id, default_grant_ttl, min_credit_amount
  FROM credits_create_account('fay', default_grant_ttl => '7 days', min_credit_amount => 10);
SELECT pg_temp.fails($$SELECT credits_credit('fay', 9)$$);
SELECT amount FROM credits_credit('fay', 10, 'ttl');
SELECT amount FROM credits_credit('fay', 10, 'own', expires_in => '1 day');
SELECT source, expires FROM grant_state WHERE source IN ('ttl', 'own') ORDER BY source;
SELECT expires_at - g.created_at = interval '7 days' AS seven_days FROM credits_grants g
  JOIN credits_entries c ON c.transaction_id = g.transaction_id WHERE c.description = 'ttl';
SELECT pg_temp.fails($$SELECT credits_update_account('fay', min_credit_amount => 2.5)$$) AS whole_units_only;
SELECT default_grant_ttl, min_credit_amount FROM credits_update_account('fay', min_credit_amount => 3);
SELECT default_grant_ttl, min_credit_amount
  FROM credits_update_account('fay', default_grant_ttl => '0', min_credit_amount => 0);
SELECT amount FROM credits_credit('fay', 1, 'plain again');
SELECT count(*) AS grants FROM grant_state WHERE source = 'plain again';

-- Bad grant parameters: clear errors, nothing changes.
SELECT pg_temp.fails($$SELECT credits_credit('ann', 1, expires_at => now() - interval '1 second')$$);
SELECT pg_temp.fails($$SELECT credits_credit('ann', 1, expires_at => 'infinity')$$);
SELECT pg_temp.fails($$SELECT credits_credit('ann', 1, expires_in => '-1 day')$$);
SELECT pg_temp.fails($$SELECT credits_credit('ann', 1, expires_in => '0')$$);
SELECT pg_temp.fails($$SELECT credits_credit('ann', 1, category => repeat('c', 300))$$);
SELECT pg_temp.fails($$SELECT credits_create_account('gus', default_grant_ttl => '-1 day')$$);
SELECT pg_temp.fails($$SELECT credits_create_account('gus', min_credit_amount => -1)$$);
SELECT pg_temp.fails($$SELECT credits_create_account('gus', min_credit_amount => 0.5)$$);
SELECT pg_temp.fails($$SELECT credits_update_account('ann', default_grant_ttl => '-1 day')$$);
SELECT count(*) AS gus FROM credits_accounts WHERE external_id = 'gus';

-- Transfers spend the sender's grants; the receiver's credit is ungranted;
-- reversing gives the sender's grants back.
SELECT external_id FROM credits_create_account('hal');
SELECT external_id FROM credits_create_account('ivy');
SELECT amount FROM credits_credit('hal', 10, 'hal promo', category => 'promotional');
SELECT amount FROM credits_credit('hal', 10);
SELECT transaction_id AS move FROM credits_transfer('hal', 'ivy', 15) \gset
SELECT external_id, source, amount FROM funded WHERE external_id IN ('hal', 'ivy') AND type = 'transfer'
 ORDER BY external_id, amount;
SELECT amount FROM credits_reverse(:'move');
SELECT source, remaining, status FROM grant_state WHERE source = 'hal promo';

-- Batches take the same grant fields.
SELECT index, ok, sqlstate, message FROM credits_apply($$[
  {"op": "credit", "account": "ivy", "amount": 4, "description": "batch promo", "category": "promotional",
   "expires_in": "1 day", "priority": 2},
  {"op": "credit", "account": "ivy", "amount": 1, "description": "bad", "expires_in": "-1 day"},
  {"op": "debit", "account": "ivy", "amount": 2}
]$$, atomic => false);
SELECT source, amount, remaining, priority, category, expires FROM grant_state WHERE source = 'batch promo';

SELECT * FROM credits_verify();
