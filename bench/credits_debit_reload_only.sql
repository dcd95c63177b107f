-- credits_debit_crossing.sql on accounts with auto-reload and no alert
-- (auto_reload.requested, then auto_reload.succeeded).
\set aid 1 + :client_id + 100 * random(0, 99)
SELECT * FROM credits_debit('low_reloadonly_' || :aid, 10);
SELECT * FROM credits_complete_reload(
    (SELECT auto_reload_pending_request FROM credits_alerts WHERE external_id = 'low_reloadonly_' || :aid), true);
