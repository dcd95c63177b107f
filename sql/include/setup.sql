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
\set ECHO all
