-- Low-balance alerts and auto-reload: notify_emails, thresholds that fire
-- once until they recover, depletion, evaluation by every operation that
-- moves available credits, reload requests with limits and cooldown,
-- completion (replay, conflicts, failures that disable), and every error.
\i sql/include/setup.sql
SET datestyle = ISO;
SET timezone = 'UTC';
\pset null '(null)'
-- The feed of this test, in commit order, with ids and times masked, and
-- without the fields every balance event repeats (shown once below).
CREATE VIEW pg_temp.feed AS
SELECT e.position, e.ordinal, e.type, e.external_id,
       regexp_replace(regexp_replace((e.data - '{unit,notify_emails,balance_before,balance_after}'::text[])::text,
                                     '([a-z]{3})_[0-9A-HJKMNP-TV-Z]{26}', '\1_<id>', 'g'),
                      '\d{4}-\d\d-\d\dT[0-9:.+]+', '<time>', 'g') AS data
  FROM credits_events e ORDER BY e.position, e.ordinal;
CREATE FUNCTION pg_temp.since(after bigint) RETURNS SETOF pg_temp.feed LANGUAGE sql AS
$$ SELECT * FROM pg_temp.feed WHERE position > after $$;
SELECT 0 AS seen \gset

-- notify_emails: on create and update, in the account row.
SELECT external_id, balance, notify_emails, auto_reload_enabled, auto_reload_threshold, auto_reload_amount,
       auto_reload_target_balance
  FROM credits_create_account('a', initial_balance => 100, notify_emails => '{ops@example.com,cfo@example.com}');
SELECT external_id, notify_emails FROM credits_update_account('a', notify_emails => '{ops@example.com}');
SELECT external_id, notify_emails FROM credits_update_account('a', name => 'kept');
SELECT external_id, notify_emails FROM credits_create_account('none', notify_emails => '{}');
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_create_account('bad1', notify_emails => '{not-an-email}')$$),
    ($$SELECT credits_create_account('bad2', notify_emails => '{"a@b.c, d@e.f"}')$$),
    ($$SELECT credits_create_account('bad2b', notify_emails => '{x@y@example.com}')$$),
    ($$SELECT credits_create_account('bad3', notify_emails => '{x@y.z,x@y.z}')$$),
    ($$SELECT credits_create_account('bad4', notify_emails => ARRAY[NULL]::text[])$$),
    ($$SELECT credits_create_account('bad5', notify_emails => '{{a@b.c},{d@e.f}}')$$),
    ($$SELECT credits_create_account('bad6', notify_emails => array_fill('x@y.z'::text, ARRAY[21]))$$),
    ($$SELECT credits_update_account('a', notify_emails => '{"<a@b.c>"}')$$)
) AS t(call);
SELECT count(*) AS bad_accounts FROM credits_accounts WHERE external_id LIKE 'bad%';

-- Thresholds: ok until available falls to or below them, then one
-- balance.low each; zero available is balance.depleted; rising above again
-- recovers. No event repeats while its threshold stays in alarm.
SELECT thresholds, thresholds_in_alarm, depleted_alert, depleted, notify_emails, auto_reload_enabled
  FROM credits_set_alerts('a', '{20, 50.0}');
SELECT watched FROM credits_account WHERE external_id = 'a';
SELECT * FROM pg_temp.feed;
SELECT balance FROM credits_debit('a', 50);
SELECT balance FROM credits_debit('a', 1);
SELECT balance FROM credits_debit('a', 29);
SELECT balance FROM credits_debit('a', 20);
SELECT * FROM pg_temp.feed;
SELECT data FROM credits_events ORDER BY position LIMIT 1;
SELECT max(position) AS seen FROM credits_events \gset
-- One credit that recovers both thresholds and the depletion: lowest first.
SELECT balance FROM credits_credit('a', 60);
SELECT * FROM pg_temp.since(:seen);
SELECT thresholds, thresholds_in_alarm, depleted FROM credits_alerts WHERE external_id = 'a';
SELECT max(position) AS seen FROM credits_events \gset

-- Every operation that moves available credits: a hold, its cancel, a
-- transfer out, its reversal, an adjustment.
SELECT external_id FROM credits_create_account('b', initial_balance => 10);
SELECT amount FROM credits_reserve('a', 15) \gset
SELECT id AS hold FROM credits_reservations WHERE external_id = 'a' AND status = 'pending' \gset
SELECT * FROM pg_temp.since(:seen);
SELECT max(position) AS seen FROM credits_events \gset
SELECT status FROM credits_cancel(:'hold');
SELECT transaction_id AS out FROM credits_transfer('a', 'b', 50) \gset
SELECT * FROM pg_temp.since(:seen);
SELECT max(position) AS seen FROM credits_events \gset
SELECT balance FROM credits_reverse(:'out', reason => 'undo');
SELECT balance FROM credits_adjust('a', -45, 'correction');
SELECT * FROM pg_temp.since(:seen);
SELECT max(position) AS seen FROM credits_events \gset

-- A hold that expires and a grant that lapses move available too; so does a
-- plan renewal.
SELECT balance FROM credits_adjust('a', 45, 'back');
SELECT status FROM credits_reserve('a', 40, expires_in => interval '1 minute');
SELECT pg_temp.travel(interval '2 minutes');
SELECT balance, available FROM credits_balance('a');
SELECT balance FROM credits_credit('a', 10, expires_in => interval '1 minute');
SELECT pg_temp.travel(interval '2 minutes');
SELECT balance, available FROM credits_balance('a');
SELECT balance FROM credits_debit('a', 1);
SELECT code FROM credits_create_plan('monthly', allowance => 100, period => 'month');
SELECT status FROM credits_assign_plan('a', 'monthly');
SELECT * FROM pg_temp.since(:seen);
SELECT max(position) AS seen FROM credits_events \gset

-- Setting thresholds again keeps the state of those kept: nothing repeats.
-- A new one that is already crossed fires at once; depleted => false stops
-- watching zero.
SELECT balance FROM credits_debit('a', 140);
SELECT thresholds, thresholds_in_alarm FROM credits_set_alerts('a', '{20, 50}');
SELECT thresholds, thresholds_in_alarm FROM credits_set_alerts('a', '{20, 50, 100}', depleted => false);
SELECT * FROM pg_temp.since(:seen);
SELECT max(position) AS seen FROM credits_events \gset
SELECT balance FROM credits_debit('a', 13);
SELECT * FROM pg_temp.since(:seen);
-- No thresholds and no depletion alert: the account is not watched any more.
SELECT thresholds, depleted_alert FROM credits_set_alerts('a', '{}', false);
SELECT watched FROM credits_account WHERE external_id = 'a';
SELECT balance FROM credits_credit('a', 200);
SELECT count(*) AS new_events FROM credits_events WHERE position > :seen;

-- Bad settings change nothing.
SELECT external_id FROM credits_create_account('usd', unit => 'USD', scale => 2, initial_balance => 10);
SELECT external_id FROM credits_create_account('gone');
SELECT status FROM credits_close('gone');
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_set_alerts('nobody', '{1}')$$),
    ($$SELECT credits_set_alerts(NULL, '{1}')$$),
    ($$SELECT credits_set_alerts('usd', NULL)$$),
    ($$SELECT credits_set_alerts('usd', '{-1}')$$),
    ($$SELECT credits_set_alerts('usd', '{0.001}')$$),
    ($$SELECT credits_set_alerts('usd', '{NaN}')$$),
    ($$SELECT credits_set_alerts('usd', ARRAY[NULL]::numeric[])$$),
    ($$SELECT credits_set_alerts('usd', '{5, 5.00}')$$),
    ($$SELECT credits_set_alerts('usd', '{{1},{2}}')$$),
    ($$SELECT credits_set_alerts('usd', ARRAY(SELECT generate_series(1, 21))::numeric[])$$),
    ($$SELECT credits_set_alerts('usd', '{1e16}')$$),
    ($$SELECT credits_set_alerts('gone', '{1}')$$)
) AS t(call);
SELECT count(*) AS settings FROM credits_alerts WHERE external_id IN ('usd', 'gone');

-- Auto-reload: below the threshold, one request (its id is the payment's
-- idempotency key) and one auto_reload.requested; never a second while one
-- is outstanding.
SELECT max(position) AS seen FROM credits_events \gset
SELECT external_id FROM credits_create_account('r', initial_balance => 100, notify_emails => '{billing@example.com}');
SELECT auto_reload_enabled, auto_reload_threshold, auto_reload_amount, auto_reload_target_balance,
       auto_reload_max_per_day, auto_reload_max_per_month, auto_reload_cooldown_seconds, auto_reload_category,
       auto_reload_expires_in_seconds, auto_reload_max_failures, auto_reload_failures, auto_reload_pending_request
  FROM credits_set_auto_reload('r', threshold => 50, amount => 100, max_per_day => 2, category => 'topup',
                               expires_in => interval '365 days', max_failures => 2);
SELECT auto_reload_enabled, auto_reload_threshold, auto_reload_amount FROM credits_balance('r');
SELECT balance FROM credits_debit('r', 50);
SELECT count(*) AS requests FROM credits_reload_requests;
SELECT balance FROM credits_debit('r', 1);
SELECT balance FROM credits_debit('r', 1);
SELECT amount, status, completed_at, payment_reference, transaction_id FROM credits_reload_requests;
SELECT * FROM pg_temp.since(:seen);
SELECT id AS request FROM credits_reload_requests WHERE status = 'pending' \gset
SELECT auto_reload_pending_request = :'request' AS pending FROM credits_alerts WHERE external_id = 'r';

-- Success credits the account once, as a grant of the settings' category
-- and expiry; a replay credits nothing and says so.
SELECT max(position) AS seen FROM credits_events \gset
SELECT amount, unit, status, payment_reference, failure_reason, transaction_id IS NOT NULL AS credited, replayed
  FROM credits_complete_reload(:'request', true, 'pi_123');
SELECT amount, status, payment_reference, replayed FROM credits_complete_reload(:'request', true, 'pi_123');
SELECT amount, status, replayed FROM credits_complete_reload(upper(:'request'), true);
SELECT balance, available FROM credits_balance('r');
SELECT category, amount, expires_at - created_at AS lifetime FROM credits_grants WHERE external_id = 'r';
SELECT type, description, reference, idempotency_key = :'request' AS keyed FROM credits_entries
 WHERE external_id = 'r' ORDER BY id DESC LIMIT 1;
SELECT * FROM pg_temp.since(:seen);
SELECT regexp_replace(pg_temp.fails(format('SELECT credits_complete_reload(%L, false)', :'request')),
                      'rld_\w+', 'rld_<id>') AS other_outcome,
       regexp_replace(pg_temp.fails(format('SELECT credits_complete_reload(%L, true, %L)', :'request', 'pi_other')),
                      'rld_\w+', 'rld_<id>') AS other_payment;

-- The cooldown (30 seconds) holds the next request back, then one comes.
SELECT max(position) AS seen FROM credits_events \gset
SELECT balance FROM credits_debit('r', 100);
SELECT count(*) AS requests FROM credits_reload_requests;
SELECT pg_temp.travel(interval '31 seconds');
SELECT balance FROM credits_debit('r', 1);
SELECT count(*) AS requests, count(*) FILTER (WHERE status = 'pending') AS pending FROM credits_reload_requests;

-- A failure is counted and replay-safe.
SELECT id AS request FROM credits_reload_requests WHERE status = 'pending' \gset
SELECT status, failure_reason, replayed FROM credits_complete_reload(:'request', false, failure_reason => 'card_declined');
SELECT status, failure_reason, replayed FROM credits_complete_reload(:'request', false);
SELECT auto_reload_enabled, auto_reload_failures, auto_reload_pending_request FROM credits_alerts WHERE external_id = 'r';
-- The daily limit (2) is reached: no request, however long ago the last one.
SELECT pg_temp.travel(interval '1 minute');
SELECT balance FROM credits_debit('r', 1);
SELECT count(*) AS requests FROM credits_reload_requests;
-- A day later one comes; its failure is the second in a row (max_failures):
-- auto-reload is disabled, with an event, until it is set again.
SELECT pg_temp.travel(interval '1 day');
SELECT balance FROM credits_debit('r', 1);
SELECT id AS request FROM credits_reload_requests WHERE status = 'pending' \gset
SELECT status FROM credits_complete_reload(:'request', false);
SELECT auto_reload_enabled, auto_reload_failures, auto_reload_disabled_reason, auto_reload_pending_request
  FROM credits_alerts WHERE external_id = 'r';
-- With no alerts either, the account is no longer watched.
SELECT watched FROM credits_account WHERE external_id = 'r';
SELECT balance FROM credits_debit('r', 1);
SELECT count(*) AS requests FROM credits_reload_requests;
SELECT * FROM pg_temp.since(:seen);

-- The monthly limit.
SELECT external_id FROM credits_create_account('m', initial_balance => 100);
SELECT auto_reload_max_per_month FROM credits_set_auto_reload('m', threshold => 50, amount => 10, max_per_month => 1,
                                                              cooldown => NULL);
SELECT balance FROM credits_debit('m', 60);
SELECT id AS request FROM credits_reload_requests WHERE external_id = 'm' \gset
SELECT status FROM credits_complete_reload(:'request', true);
SELECT balance FROM credits_debit('m', 1);
SELECT count(*) AS requests FROM credits_reload_requests WHERE external_id = 'm';

-- Reload to a target: the whole shortfall in one request (and never less
-- than the account's minimum credit); disabling keeps the settings.
SELECT max(position) AS seen FROM credits_events \gset
SELECT external_id FROM credits_create_account('t', initial_balance => 100, min_credit_amount => 10);
SELECT auto_reload_amount, auto_reload_target_balance, auto_reload_cooldown_seconds
  FROM credits_set_auto_reload('t', threshold => 20, target_balance => 500, cooldown => interval '0');
SELECT balance FROM credits_debit('t', 95);
SELECT amount FROM credits_reload_requests WHERE external_id = 't';
SELECT id AS request FROM credits_reload_requests WHERE external_id = 't' \gset
SELECT balance, replayed FROM credits_complete_reload(:'request', true) JOIN credits_balance('t') USING (account_id);
SELECT auto_reload_enabled, auto_reload_threshold, auto_reload_target_balance FROM credits_set_auto_reload('t', false);
SELECT balance FROM credits_debit('t', 490);
SELECT count(*) AS requests FROM credits_reload_requests WHERE external_id = 't';
-- Enabling on an account already below the threshold requests at once.
SELECT auto_reload_pending_request IS NOT NULL AS requested
  FROM credits_set_auto_reload('t', threshold => 20, amount => 10, cooldown => NULL);
SELECT amount FROM credits_reload_requests WHERE external_id = 't' AND status = 'pending';

-- Bad settings and completions change nothing.
SELECT call, pg_temp.fails(call) FROM (VALUES
    ($$SELECT credits_set_auto_reload('usd', threshold => 5)$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, amount => 10, target_balance => 20)$$),
    ($$SELECT credits_set_auto_reload('usd', amount => 10)$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, target_balance => 5)$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, amount => 0)$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, amount => 0.001)$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => -1, amount => 1)$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, amount => 1, max_per_day => 0)$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, amount => 1, max_per_month => -3)$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, amount => 1, cooldown => interval '-1 second')$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, amount => 1, cooldown => interval '2 years')$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, amount => 1, cooldown => interval '1 year 7 days')$$),
    ($$SELECT credits_set_auto_reload('usd', false, threshold => -1)$$),
    ($$SELECT credits_set_auto_reload('usd', false, max_failures => 0)$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, amount => 1, max_failures => 0)$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, amount => 1, max_failures => 101)$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, amount => 1, expires_in => interval '0')$$),
    ($$SELECT credits_set_auto_reload('usd', threshold => 5, amount => 1, category => E'bad\ncategory')$$),
    ($$SELECT credits_set_auto_reload('t', threshold => 5, amount => 1)$$),
    ($$SELECT credits_set_auto_reload('nobody', threshold => 5, amount => 1)$$),
    ($$SELECT credits_set_auto_reload('gone', threshold => 5, amount => 1)$$),
    ($$SELECT credits_complete_reload(NULL, true)$$),
    ($$SELECT credits_complete_reload('pi_123', true)$$),
    ($$SELECT credits_complete_reload('rld_01ARZ3NDEKTSV4RRFFQ69G5FAV', true)$$),
    ($$SELECT credits_complete_reload('rld_01ARZ3NDEKTSV4RRFFQ69G5FAV', NULL)$$),
    ($$SELECT credits_complete_reload('rld_01ARZ3NDEKTSV4RRFFQ69G5FAV', true, E'pay\x01ctrl')$$)
) AS t(call);
SELECT count(*) AS settings FROM credits_alerts WHERE external_id IN ('usd', 'gone');

-- Another tenant's request does not exist for this one.
SET credits.tenant = 'other';
SELECT pg_temp.fails(format($$SELECT credits_complete_reload(%L, true)$$, :'request'));
SELECT count(*) AS visible FROM credits_reload_requests;
RESET credits.tenant;

-- A read-only transaction changes no settings.
BEGIN READ ONLY;
SELECT pg_temp.fails($$SELECT credits_set_alerts('usd', '{1}')$$);
SELECT pg_temp.fails($$SELECT credits_set_auto_reload('usd', threshold => 1, amount => 1)$$);
ROLLBACK;

-- Events of a transaction that rolls back never appear, and a rolled-back
-- savepoint takes its events with it.
SELECT max(position) AS seen FROM credits_events \gset
SELECT thresholds FROM credits_set_alerts('usd', '{5}');
BEGIN;
SELECT balance FROM credits_debit('usd', 6);
ROLLBACK;
BEGIN;
SAVEPOINT s;
SELECT balance FROM credits_debit('usd', 6);
ROLLBACK TO SAVEPOINT s;
SELECT balance FROM credits_debit('usd', 5);
COMMIT;
SELECT * FROM pg_temp.since(:seen);
SELECT * FROM credits_verify();

-- credits_verify() finds alert states and outstanding requests that
-- disagree with the account.
SET session_replication_role = replica;
UPDATE credits_alert SET in_alarm = '{f}' WHERE account_id = (SELECT id FROM credits_account WHERE external_id = 'usd');
UPDATE credits_alert SET reload_pending = NULL WHERE account_id = (SELECT id FROM credits_account WHERE external_id = 't');
RESET session_replication_role;
SELECT external_id, invariant, expected, actual, regexp_replace(detail, 'rld_\w+', 'rld_<id>') AS detail
  FROM credits_verify() ORDER BY 1, 2;
