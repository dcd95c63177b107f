\set ECHO none
-- Shared by the pg_regress tests: a fresh extension and a helper that runs a
-- statement and reports its SQLSTATE and message instead of failing (with
-- generated ids and timestamps masked, so that outputs are stable).
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS credits CASCADE;
CREATE EXTENSION credits;
RESET client_min_messages;
SET credits.tenant = 'default';

CREATE FUNCTION pg_temp.fails(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    state text;
    message text;
    detail text;
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, detail = PG_EXCEPTION_DETAIL;
    RETURN regexp_replace(regexp_replace(state || ': ' || message || coalesce(nullif(' | ' || detail, ' | '), ''),
                                         '([a-z]{3})_[0-9A-HJKMNP-TV-Z]{26}', '\1_<id>', 'g'),
                          '\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?([+-]\d\d)?', '<time>', 'g');
END $$;

-- Time travel for tests of expiry and plan periods: moves every stored moment
-- that the clock acts on `by` into the past, as if that much time had gone
-- by. Superuser only (it writes past the guard triggers); entries keep their
-- created_at.
CREATE FUNCTION pg_temp.travel(by interval) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('session_replication_role', 'replica', true);
    -- period_start is unique per account: step far away first, so that no
    -- row lands on another's old value midway.
    UPDATE credits_grant SET period_start = period_start - interval '1000 years' WHERE period_start IS NOT NULL;
    UPDATE credits_grant SET expires_at = expires_at - by, period_start = period_start + interval '1000 years' - by,
                             created_at = created_at - by, ended_at = ended_at - by;
    UPDATE credits_subscription SET anchor = anchor - by, current_period_start = current_period_start - by,
                                    current_period_end = current_period_end - by, created_at = created_at - by,
                                    cancelled_at = cancelled_at - by;
    UPDATE credits_reservation SET expires_at = expires_at - by, created_at = created_at - by;
    UPDATE credits_account SET next_hold_expiry = next_hold_expiry - by, next_grant_expiry = next_grant_expiry - by,
                               next_renewal = next_renewal - by;
    -- Reload counts are of the UTC day and month of the last request.
    UPDATE credits_alert SET reload_last_at = reload_last_at - by,
                             reload_day = ((reload_last_at - by) AT TIME ZONE 'UTC')::date,
                             reload_month = date_trunc('month', (reload_last_at - by) AT TIME ZONE 'UTC')::date;
    PERFORM set_config('session_replication_role', 'origin', true);
END $$;
\set ECHO all
