-- Plans: recurring allowances granted per period as 'allocation' grants that
-- expire at the period's end, with rollover; plan changes and cancels.
\i sql/include/setup.sql

CREATE TEMP VIEW allocations AS
SELECT g.external_id, g.amount, g.remaining, g.status, g.expires_at - g.period_start AS length,
       e.amount AS entry_amount, e.description AS plan
  FROM credits_grants g
  JOIN credits_entries e ON e.transaction_id = g.transaction_id AND e.account_id = g.account_id
 WHERE g.category = 'allocation';

-- Plans: a code, an allowance per period, a rollover rule.
SELECT id ~ '^pln_[0-9A-HJKMNP-TV-Z]{26}$' AS pln_id, code, name, allowance, period, rollover, metadata,
       created_at = now() AS now
  FROM credits_create_plan('daily', 'Daily', 100, 'day', metadata => '{"tier": 1}');
SELECT code, rollover FROM credits_create_plan('carry', 'Carry all', 100, 'day', rollover => 'all');
SELECT code, rollover FROM credits_create_plan('capped', 'Capped', 100, 'day', rollover => '30');
SELECT code, period FROM credits_create_plan('weekly', NULL, 500, 'week');
SELECT code, period FROM credits_create_plan('monthly', NULL, 10000, 'month');
SELECT code, period FROM credits_create_plan('yearly', NULL, 100000, 'year');
SELECT code, name, allowance, period, rollover FROM credits_plans ORDER BY created_at, code;

-- Bad plans: clear errors, nothing made.
SELECT pg_temp.fails($$SELECT credits_create_plan('daily', 'Again', 100, 'day')$$);
SELECT pg_temp.fails($$SELECT credits_create_plan('x', NULL, 0, 'day')$$);
SELECT pg_temp.fails($$SELECT credits_create_plan('x', NULL, -5, 'day')$$);
SELECT pg_temp.fails($$SELECT credits_create_plan('x', NULL, 5, 'fortnight')$$);
SELECT pg_temp.fails($$SELECT credits_create_plan('x', NULL, 5, 'day', rollover => 'some')$$);
SELECT pg_temp.fails($$SELECT credits_create_plan('x', NULL, 5, 'day', rollover => '-1')$$);
SELECT pg_temp.fails($$SELECT credits_create_plan(NULL, NULL, 5, 'day')$$);
SELECT pg_temp.fails($$SELECT credits_create_plan('x', NULL, NULL, 'day')$$);
SELECT pg_temp.fails($$SELECT credits_create_plan('x', NULL, 5, NULL)$$);
SELECT pg_temp.fails($$SELECT credits_create_plan('pln_01ARZ3NDEKTSV4RRFFQ69G5FAV', NULL, 5, 'day')$$);
SELECT pg_temp.fails($$SELECT credits_create_plan('x', NULL, 5, 'day', metadata => '[1]')$$);
SELECT count(*) AS plans FROM credits_plans;

-- Assigning starts the first period now, with its allocation: a grant that
-- expires at the period's end.
SELECT external_id FROM credits_create_account('ann', initial_balance => 5);
SELECT external_id, plan_code, status, current_period_start = now() AS starts_now,
       current_period_end = now() + interval '1 day' AS ends_in_a_day, next_plan_id, cancelled_at
  FROM credits_assign_plan('ann', 'daily');
SELECT * FROM allocations WHERE external_id = 'ann';
SELECT type, amount, balance_after, description FROM credits_entries WHERE external_id = 'ann' ORDER BY id;
SELECT balance FROM credits_balance('ann');

-- Allocations burn before the ungranted balance (they expire sooner).
SELECT amount, balance FROM credits_debit('ann', 30);
SELECT coalesce(category, 'ungranted') AS category, amount FROM credits_entry_grants
 WHERE external_id = 'ann' AND type = 'debit';

-- A period later: on the next touch the allowance is granted again; with
-- rollover 'none' the rest of the old one expires.
SELECT pg_temp.travel('1 day');
SELECT amount, balance FROM credits_debit('ann', 1);
SELECT type, amount, balance_after, description FROM credits_entries WHERE external_id = 'ann' ORDER BY id;
SELECT amount, remaining, status, length, plan FROM allocations WHERE external_id = 'ann' ORDER BY status, remaining;
SELECT current_period_end - current_period_start AS length, current_period_end > now() AS current
  FROM credits_subscriptions WHERE external_id = 'ann';

-- Exactly one allocation per period: touching and running again grant none.
SELECT * FROM credits_run_due();
SELECT amount FROM credits_debit('ann', 1);
SELECT count(*) AS allocations FROM allocations WHERE external_id = 'ann';

-- Renewal with nobody touching the account: credits_run_due does it.
SELECT pg_temp.travel('1 day');
SELECT * FROM credits_run_due();
SELECT * FROM credits_run_due();
SELECT count(*) AS allocations, sum(remaining) AS remaining FROM allocations WHERE external_id = 'ann';

-- Rollover 'all': what the last allocation left comes along (as part of the
-- new grant, so it now expires with the new period).
SELECT external_id FROM credits_create_account('bob');
SELECT plan_code FROM credits_assign_plan('bob', 'carry');
SELECT amount FROM credits_debit('bob', 40);
SELECT pg_temp.travel('1 day');
SELECT * FROM credits_run_due();
SELECT type, amount, balance_after FROM credits_entries WHERE external_id = 'bob' ORDER BY id;
SELECT amount, remaining, status, entry_amount FROM allocations WHERE external_id = 'bob' ORDER BY status, amount;
SELECT coalesce(category, 'ungranted') AS category, amount FROM credits_entry_grants
 WHERE external_id = 'bob' AND type = 'allocation' ORDER BY entry_id, amount;

-- Rollover up to a cap: 30 of the 100 left roll over, the rest expires.
SELECT external_id FROM credits_create_account('cat');
SELECT plan_code FROM credits_assign_plan('cat', 'capped');
SELECT pg_temp.travel('1 day');
SELECT * FROM credits_run_due();
SELECT type, amount, balance_after FROM credits_entries WHERE external_id = 'cat' ORDER BY id;
SELECT amount, remaining, status FROM allocations WHERE external_id = 'cat' ORDER BY status, amount;

-- Periods nobody renewed in time are granted in turn, so that rollover
-- carries through them (three idle days: three allocations, each rolling 30
-- over and expiring the rest).
SELECT pg_temp.travel('3 days');
SELECT balance FROM credits_balance('cat');
SELECT * FROM credits_run_due();
SELECT type, amount, balance_after FROM credits_entries WHERE external_id = 'cat' ORDER BY id;
SELECT now() - current_period_start < interval '1 day' AS current FROM credits_subscriptions WHERE external_id = 'cat';
-- Without rollover, only the period that contains now is granted: nobody
-- could have spent what the ones before it gave.
SELECT external_id FROM credits_create_account('cal');
SELECT plan_code FROM credits_assign_plan('cal', 'daily');
SELECT pg_temp.travel('3 days');
SELECT amount, balance FROM credits_debit('cal', 1);
SELECT type, amount, balance_after FROM credits_entries WHERE external_id = 'cal' ORDER BY id;

-- Periods count from the anchor: months keep their day of month (clamped to
-- the month's end), weeks are seven days, years twelve months.
SELECT external_id FROM credits_create_account('dan');
SET TIME ZONE 'UTC';
SELECT current_period_start = now() - interval '3 days' AS start,
       current_period_end = now() - interval '3 days' + interval '1 month' AS end
  FROM credits_assign_plan('dan', 'monthly', anchor => now() - interval '1 month 3 days');
SELECT to_char(current_period_end, 'HH24:MI') AS at,
       extract(day FROM current_period_end)
         = least(31, extract(day FROM date_trunc('month', current_period_end) + interval '1 month - 1 day'))
         AS day_31_or_month_end
  FROM credits_assign_plan('dan', 'monthly', anchor => '2024-01-31 12:00+00');
SELECT count(*) FILTER (WHERE status = 'active') AS active, count(*) FILTER (WHERE status = 'expired') AS expired
  FROM allocations WHERE external_id = 'dan';
-- Those periods end on a date that depends on today: move dan to a yearly
-- plan so that the time travel below renews the same accounts on any day.
SELECT plan_code FROM credits_assign_plan('dan', 'yearly');
SELECT external_id FROM credits_create_account('eli');
SELECT current_period_end - current_period_start AS week FROM credits_assign_plan('eli', 'weekly');
SELECT external_id FROM credits_create_account('fox');
SELECT current_period_end = current_period_start + interval '1 year' AS year FROM credits_assign_plan('fox', 'yearly');
RESET TIME ZONE;

-- Changing plans at the next period: the current one runs to its end, then
-- the new plan's periods start there.
SELECT external_id FROM credits_create_account('gil');
SELECT plan_code FROM credits_assign_plan('gil', 'daily');
SELECT plan_code, p.code AS next_plan FROM credits_assign_plan('gil', 'weekly', start_mode => 'next_period') s
  JOIN credits_plans p ON p.id = s.next_plan_id;
SELECT count(*) AS allocations FROM allocations WHERE external_id = 'gil';
SELECT pg_temp.travel('1 day');
SELECT * FROM credits_run_due();
SELECT plan_code, next_plan_id, current_period_end - current_period_start AS length
  FROM credits_subscriptions WHERE external_id = 'gil';
SELECT amount, status, length, plan FROM allocations WHERE external_id = 'gil' ORDER BY status, plan;

-- Assigning the plan an account already has changes nothing (an anchor
-- re-anchors it). Changing plans at once ends the current period: the new
-- plan's first period starts now, and what the old allocation left expires
-- or rolls over by the new plan's rule.
SELECT external_id FROM credits_create_account('hal');
SELECT plan_code FROM credits_assign_plan('hal', 'daily');
SELECT amount FROM credits_debit('hal', 10);
SELECT plan_code, current_period_start = now() AS unchanged FROM credits_assign_plan('hal', 'daily');
SELECT balance FROM credits_balance('hal');
SELECT plan_code FROM credits_assign_plan('hal', 'carry');
SELECT balance FROM credits_balance('hal');
SELECT plan_code FROM credits_assign_plan('hal', 'daily');
SELECT balance FROM credits_balance('hal');
SELECT type, amount, balance_after, description FROM credits_entries WHERE external_id = 'hal' ORDER BY id;
SELECT amount, remaining, status, plan FROM allocations WHERE external_id = 'hal' ORDER BY status, plan, amount;
-- Switching at the next period to the plan it already has drops the switch.
SELECT plan_code, next_plan_id IS NOT NULL AS switching FROM credits_assign_plan('hal', 'carry', start_mode => 'next_period');
SELECT plan_code, next_plan_id IS NOT NULL AS switching FROM credits_assign_plan('hal', 'daily', start_mode => 'next_period');

-- A plan can start at the next calendar period (UTC: tomorrow, next Monday,
-- the 1st of next month, next 1 January): nothing is granted until then.
SELECT external_id FROM credits_create_account('ida');
SELECT current_period_start,
       current_period_end = (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC'
         AS first_of_next_month
  FROM credits_assign_plan('ida', 'monthly', start_mode => 'next_period');
SELECT count(*) AS allocations FROM allocations WHERE external_id = 'ida';
SELECT status, current_period_start FROM credits_subscriptions WHERE external_id = 'ida';
-- Its first period begins on a date that depends on today: cancel it so that
-- the time travel below renews the same accounts on any day.
SELECT status FROM credits_cancel_plan('ida');

-- Cancelling: no more renewals; the current allocation lasts to its end.
SELECT status, cancelled_at = now() AS now, next_plan_id FROM credits_cancel_plan('ann');
SELECT pg_temp.travel('1 day');
SELECT * FROM credits_run_due();
SELECT count(*) AS allocations, count(*) FILTER (WHERE status = 'active') AS active
  FROM allocations WHERE external_id = 'ann';
SELECT pg_temp.fails($$SELECT credits_cancel_plan('ann')$$);
-- Assigning again after a cancel starts afresh (and ends what was left).
SELECT plan_code, status FROM credits_assign_plan('ann', 'daily');

-- Bad assignments: clear errors, nothing changes.
SELECT pg_temp.fails($$SELECT credits_assign_plan('ann', 'nope')$$);
SELECT pg_temp.fails($$SELECT credits_assign_plan('ann', 'pln_01ARZ3NDEKTSV4RRFFQ69G5FAV')$$);
SELECT pg_temp.fails($$SELECT credits_assign_plan('nobody', 'daily')$$);
SELECT pg_temp.fails($$SELECT credits_assign_plan('ann', 'daily', start_mode => 'later')$$);
SELECT pg_temp.fails($$SELECT credits_assign_plan('ann', NULL)$$);
SELECT pg_temp.fails($$SELECT credits_cancel_plan('bea')$$);
SELECT external_id FROM credits_create_account('jon', scale => 0);
SELECT code FROM credits_create_plan('fractional', NULL, 2.5, 'day');
SELECT pg_temp.fails($$SELECT credits_assign_plan('jon', 'fractional')$$);
SELECT status FROM credits_update_account('jon', status => 'frozen');
SELECT pg_temp.fails($$SELECT credits_assign_plan('jon', 'daily')$$);
SELECT count(*) AS subscriptions FROM credits_subscriptions WHERE external_id = 'jon';
SELECT pg_temp.fails($$SELECT credits_run_due(0)$$);
-- Everything a plan will grant later must fit the account now: a rollover
-- cap of 0.5 on a scale-0 account would fail at every renewal.
SELECT code FROM credits_create_plan('half', 'x', 10, 'day', rollover => '0.5');
SELECT status FROM credits_update_account('jon', status => 'active');
SELECT pg_temp.fails($$SELECT credits_assign_plan('jon', 'half')$$);
SELECT pg_temp.fails($$SELECT credits_assign_plan('jon', 'half', start_mode => 'next_period')$$);
SELECT count(*) AS subscriptions FROM credits_subscriptions WHERE external_id = 'jon';

-- Plans belong to a tenant.
SET credits.tenant = 'other';
SELECT count(*) AS plans FROM credits_plans;
SELECT external_id FROM credits_create_account('ann');
SELECT pg_temp.fails($$SELECT credits_assign_plan('ann', 'daily')$$);
SELECT code FROM credits_create_plan('daily', 'Their daily', 7, 'day');
SELECT plan_code, external_id FROM credits_assign_plan('ann', 'daily');
SELECT amount FROM allocations;
SET credits.tenant = 'default';

-- A renewal that fails (here the subscription names a plan that is gone,
-- written past the guard triggers) gets a WARNING and is left for later: the
-- account's other due work is done (its allocation expires), and so is the
-- other accounts'.
SELECT external_id FROM credits_create_account('kim');
SELECT plan_code FROM credits_assign_plan('kim', 'daily');
SELECT external_id FROM credits_create_account('lea');
SELECT plan_code FROM credits_assign_plan('lea', 'daily');
SELECT set_config('session_replication_role', 'replica', false);
UPDATE credits_subscription SET plan_id = 'pln_gone'
 WHERE account_id = (SELECT id FROM credits_accounts WHERE external_id = 'kim');
RESET session_replication_role;
SELECT pg_temp.travel('1 day');
SET client_min_messages = error;  -- the WARNINGs name kim's generated id
SELECT * FROM credits_run_due();
SELECT external_id, count(*) AS allocations FROM allocations WHERE external_id IN ('kim', 'lea')
 GROUP BY 1 ORDER BY 1;
SELECT status FROM credits_grants WHERE external_id = 'kim';

-- Nor does it block the account: everything else works, with a WARNING
-- until the plan is fixed.
SELECT external_id, balance FROM credits_credit('kim', 10);
SELECT external_id, balance FROM credits_debit('kim', 3);
SELECT status FROM credits_cancel((SELECT id FROM credits_reserve('kim', 2)));
SELECT status FROM credits_freeze('kim', 'review');
SELECT status FROM credits_unfreeze('kim');
SELECT status FROM credits_update_account('kim', name => 'Kim');
SELECT ok FROM credits_apply('[{"op": "debit", "account": "kim", "amount": 1}]');
SELECT status FROM credits_cancel_plan('kim');
RESET client_min_messages;
SELECT balance FROM credits_balance('kim');

SELECT * FROM credits_verify();
