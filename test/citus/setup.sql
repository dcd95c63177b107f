\set ECHO none
-- sql/include/setup.sql for a Citus cluster (test/citus/run.sh puts it in its
-- place): the same fresh extension, distributed, and the same helpers. The
-- time travel writes the shards themselves: Citus sends an UPDATE of a
-- distributed table to the shards as a plain UPDATE, which the guard
-- triggers there refuse, and session_replication_role does not travel with it.
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS credits CASCADE;
CREATE EXTENSION credits;
SELECT count(*) AS distributed FROM credits_distribute() \gset
RESET client_min_messages;
SET credits.tenant = 'default';
-- Temporary objects (these helpers, the tests' temp views) stay on the
-- coordinator; Citus would warn about each one.
SET citus.enable_unsupported_feature_messages = off;

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

-- Time travel, as in sql/include/setup.sql, on every shard: each runs the
-- same UPDATEs in one transaction of its own, past its guard triggers
-- (run_command_on_shards puts the shard's name for %1$s).
CREATE FUNCTION pg_temp.travel(by interval) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    change record;
    failure text;
BEGIN
    FOR change IN
        SELECT * FROM (VALUES
            -- period_start is unique per account: step far away first, so
            -- that no row lands on another's old value midway.
            ('credits_grant', 'UPDATE %1$s SET period_start = period_start - interval ''1000 years''
                                WHERE period_start IS NOT NULL;
                               UPDATE %1$s SET expires_at = expires_at - :by,
                                               period_start = period_start + interval ''1000 years'' - :by,
                                               created_at = created_at - :by, ended_at = ended_at - :by'),
            ('credits_subscription', 'UPDATE %1$s SET anchor = anchor - :by,
                                                      current_period_start = current_period_start - :by,
                                                      current_period_end = current_period_end - :by,
                                                      created_at = created_at - :by, cancelled_at = cancelled_at - :by'),
            ('credits_reservation', 'UPDATE %1$s SET expires_at = expires_at - :by, created_at = created_at - :by'),
            ('credits_account', 'UPDATE %1$s SET next_hold_expiry = next_hold_expiry - :by,
                                                 next_grant_expiry = next_grant_expiry - :by,
                                                 next_renewal = next_renewal - :by')) t(tab, statements)
    LOOP
        SELECT string_agg(r.result, '; ') INTO failure
          FROM run_command_on_shards(change.tab,
                   'BEGIN; SET LOCAL session_replication_role = replica; '
                   || replace(change.statements, ':by', quote_literal(by) || '::interval') || '; COMMIT') r
         WHERE NOT r.success;
        IF failure IS NOT NULL THEN
            RAISE EXCEPTION 'travel: %: %', change.tab, failure;
        END IF;
    END LOOP;
END $$;
\set ECHO all
