#!/bin/sh
# The scheduler's background worker, on a server of its own, set up as a DBA
# who writes the settings first, then adds the library, then restarts does
# it (ALTER SYSTEM from a session that loaded credits). With no manual call
# it expires a grant, renews a plan and expires a hold; an account whose due
# work fails does not stop the others; after SIGTERM the postmaster starts it
# again; a reload that names another database moves it there; the server
# stops cleanly with it running.
set -eu
cd "$(dirname "$0")/../.."

if [ -z "${CREDITS_WORKER_CLUSTER:-}" ]; then
    CREDITS_WORKER_CLUSTER=1 exec scripts/with-cluster.sh "$0"
fi

export PGDATABASE=postgres
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

psql -X -q -v ON_ERROR_STOP=1 <<'SQL'
LOAD 'credits';
ALTER SYSTEM SET credits.scheduler_database = 'postgres';
ALTER SYSTEM SET credits.scheduler_interval = '1s';
ALTER SYSTEM SET shared_preload_libraries = 'credits';
SQL
pg_ctlcluster "$PGVERSION" "$(pg_lsclusters -h | awk '{ print $2; exit }')" restart
echo "ok - the settings were accepted before the library was preloaded"

# Waits up to 30 s for a query to return 't'.
wait_for() {
    i=0
    while [ "$(sql "$2")" != t ]; do
        i=$((i + 1))
        if [ $i -gt 60 ]; then
            echo "not ok - $1 (timed out)"
            exit 1
        fi
        sleep 0.5
    done
    echo "ok - $1"
}

worker_pid="SELECT pid FROM pg_stat_activity WHERE backend_type = 'credits scheduler'"
wait_for "the worker is running" "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'credits scheduler'"

# A role that may create in public plants what the worker's SQL could meet
# (it runs as a superuser): it must never run.
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 <<'SQL'
CREATE ROLE planter NOLOGIN;
GRANT CREATE ON SCHEMA public TO planter;
CREATE TABLE planted_log (what text, by_user text);
GRANT INSERT ON planted_log TO PUBLIC;
SET ROLE planter;
CREATE FUNCTION public.quote_ident(name) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.planted_log VALUES ('quote_ident(name)', current_user);
    RETURN pg_catalog.quote_ident($1::text);
END $$;
CREATE FUNCTION public.name_eq_text(name, text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.planted_log VALUES ('=(name, text)', current_user);
    RETURN $1::text OPERATOR(pg_catalog.=) $2;
END $$;
CREATE OPERATOR public.= (LEFTARG = name, RIGHTARG = text, FUNCTION = public.name_eq_text);
RESET ROLE;
SQL

psql -X -q -o /dev/null -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION credits;
SELECT credits_create_account('promo');
SELECT credits_credit('promo', 10);
SELECT credits_credit('promo', 50, 'welcome', expires_in => '2 seconds', category => 'promotional');
SELECT credits_create_plan('daily', NULL, 100, 'day');
SELECT credits_create_account('subscriber');
SELECT credits_assign_plan('subscriber', 'daily', anchor => now() + interval '2 seconds');
SELECT credits_create_account('caller', initial_balance => 20);
SELECT credits_reserve('caller', 5, expires_in => '2 seconds');
-- An account whose renewal cannot work: its subscription names a plan that
-- is gone (written past the guard triggers, as only a superuser can).
SELECT credits_create_account('broken');
SELECT credits_assign_plan('broken', 'daily', anchor => now() + interval '1 second');
SET session_replication_role = replica;
UPDATE credits_subscription SET plan_id = 'pln_gone'
 WHERE account_id = (SELECT id FROM credits_accounts WHERE external_id = 'broken');
SQL

wait_for "a grant expires with no manual call" \
    "SELECT EXISTS (SELECT 1 FROM credits_entries WHERE external_id = 'promo' AND type = 'expiry' AND amount = -50)"
wait_for "a plan renews with no manual call" \
    "SELECT EXISTS (SELECT 1 FROM credits_entries WHERE external_id = 'subscriber' AND type = 'allocation')"
wait_for "a hold expires with no manual call" \
    "SELECT status = 'expired' AND released_amount = 5 FROM credits_reservation"
wait_for "the failing account is left as it was" \
    "SELECT NOT EXISTS (SELECT 1 FROM credits_entries WHERE external_id = 'broken')"

old=$(sql "$worker_pid")
sql "SELECT pg_terminate_backend($old)" >/dev/null
wait_for "SIGTERM stops the worker and the postmaster starts it again" \
    "SELECT count(*) = 1 AND min(pid) <> $old FROM pg_stat_activity WHERE backend_type = 'credits scheduler'"

sql "SELECT credits_credit('promo', 7, 'second', expires_in => '1 second')" >/dev/null
wait_for "the restarted worker does the work" \
    "SELECT EXISTS (SELECT 1 FROM credits_entries WHERE external_id = 'promo' AND type = 'expiry' AND amount = -7)"
wait_for "every invariant holds" "SELECT count(*) = 0 FROM credits_verify() WHERE external_id <> 'broken'"
wait_for "no planted function ran in the worker" "SELECT count(*) = 0 FROM planted_log"

# A reload that names another database moves the worker there.
sql "CREATE DATABASE credits_other"
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d credits_other <<'SQL'
CREATE EXTENSION credits;
SELECT credits_create_account('elsewhere');
SELECT credits_credit('elsewhere', 3, 'brief', expires_in => '1 second');
SQL
sql "ALTER SYSTEM SET credits.scheduler_database = 'credits_other'"
sql "SELECT pg_reload_conf()" >/dev/null
wait_for "after a reload the worker serves the new database" \
    "SELECT count(*) = 1 FROM pg_stat_activity WHERE backend_type = 'credits scheduler' AND datname = 'credits_other'"
PGDATABASE=credits_other wait_for "and does the work there" \
    "SELECT EXISTS (SELECT 1 FROM credits_entries WHERE external_id = 'elsewhere' AND type = 'expiry')"
echo "ok - the server stops with the worker running (pg_virtualenv stops it next)"
