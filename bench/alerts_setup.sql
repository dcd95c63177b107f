-- Benchmark data for low-balance alerts and auto-reload: 10,000 accounts of
-- each kind below, all with a balance of 1,000, which the scripts debit by
-- 10 and bring back (so that with a threshold of 995 every debit crosses it
-- and every return crosses back):
--   low_plain_N    no settings
--   low_alerts_N   an alert at 995 (balance.low, balance.recovered)
--   low_reload_N   the same alert, and auto-reload below 995 of 10 at a time,
--                  no cooldown, no limits (auto_reload.requested, .succeeded)
--   low_quiet_N    an alert at 1 that the debits never reach (watched, but
--                  nothing to emit)
--   low_reloadonly_N  the auto-reload alone, no alert
-- Run after setup.sql.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
SELECT count(*) AS low_accounts
  FROM generate_series(1, 10000) i,
       unnest(ARRAY['plain', 'alerts', 'reload', 'quiet', 'reloadonly']) kind,
       LATERAL credits_create_account('low_' || kind || '_' || i, initial_balance => 1000) a;
SELECT count(*) AS alerts
  FROM generate_series(1, 10000) i, unnest(ARRAY['alerts', 'reload']) kind,
       LATERAL credits_set_alerts('low_' || kind || '_' || i, ARRAY[995]) a;
SELECT count(*) AS quiet_alerts
  FROM generate_series(1, 10000) i, LATERAL credits_set_alerts('low_quiet_' || i, ARRAY[1]) a;
SELECT count(*) AS auto_reloads
  FROM generate_series(1, 10000) i, unnest(ARRAY['reload', 'reloadonly']) kind,
       LATERAL credits_set_auto_reload('low_' || kind || '_' || i, threshold => 995, amount => 10,
                                       cooldown => '0') a;
VACUUM ANALYZE;
