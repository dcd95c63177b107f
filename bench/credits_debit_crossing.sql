-- A debit that crosses a threshold with alerts and auto-reload set
-- (balance.low, auto_reload.requested and the request), then the app reports
-- the reload paid, which credits the account back above it
-- (auto_reload.succeeded, balance.recovered): against the debit and credit
-- of credits_debit_plain_pair.sql. Each client keeps to accounts of its own
-- (at most 100 clients), so that the request it completes is its own.
\set aid 1 + :client_id + 100 * random(0, 99)
SELECT * FROM credits_debit('low_reload_' || :aid, 10);
SELECT * FROM credits_complete_reload(
    (SELECT auto_reload_pending_request FROM credits_alerts WHERE external_id = 'low_reload_' || :aid), true);
