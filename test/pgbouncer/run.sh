#!/bin/sh
# credits behind a real PgBouncer in transaction pooling mode, with one server
# connection per pool so that every client of a pool shares it:
# 1. the hazard: a session-level SET credits.tenant leaks to the next client;
# 2. the safe pattern: set_config('credits.tenant', ..., true) in each
#    transaction, with clients of different tenants interleaved;
# 3. roles bound to one tenant, which need no setting and cannot leave it,
#    each logging in itself (a pool per role) or all sharing one server
#    login and taking their role with SET LOCAL ROLE.
# Runs against the cluster in the environment (scripts/with-cluster.sh).
set -eu

dir=$(mktemp -d)
port=6432
failed=0

. "$(dirname "$0")/lib.sh"
trap pgbouncer_stop EXIT
trap 'exit 1' INT TERM

export PGDATABASE=credits_pool
direct() { psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$1"; }

# Runs each argument as one statement (a query message of its own), as a
# client of PgBouncer logging in as $1 to its database $2. Not stopping at an
# error lets a final ROLLBACK run, so that the server connection goes back to
# the pool instead of being dropped mid-transaction. Prints the rows and the
# SQLSTATE of each error.
client() {
    user=$1 db=$2
    shift 2
    for statement; do
        set -- "$@" -c "$statement"
        shift
    done
    psql -X -q -A -t -v VERBOSITY=sqlstate -h "$dir" -p $port -U "$user" -d "$db" "$@" 2>&1 || true
}
# The first SQLSTATE in client output.
first_error() { sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\)$/\1/p' | head -n 1; }

check() {
    if [ "$3" = "$2" ]; then
        echo "ok - $1"
    else
        echo "not ok - $1 (expected '$2', got '$3')"
        failed=1
    fi
}

# Login roles: app_acme and app_globex, bound to one tenant each; app_pool, a
# server login shared by both through SET ROLE. NOINHERIT, and holding no
# access set itself, app_pool can call nothing until it takes one of them.
psql -X -q -v ON_ERROR_STOP=1 -d postgres <<SQL
SET client_min_messages = warning;
DROP DATABASE IF EXISTS credits_pool;
DROP ROLE IF EXISTS app_acme, app_globex, app_pool;
CREATE DATABASE credits_pool;
CREATE ROLE app_acme LOGIN PASSWORD '$PGPASSWORD';
CREATE ROLE app_globex LOGIN PASSWORD '$PGPASSWORD';
CREATE ROLE app_pool LOGIN NOINHERIT PASSWORD '$PGPASSWORD';
GRANT app_acme, app_globex TO app_pool;
SQL
psql -X -q -o /dev/null -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION credits;
SELECT credits_bind_role('app_acme', 'acme');
SELECT credits_bind_role('app_globex', 'globex');
SELECT credits_grant_access('app_acme', 'app');
SELECT credits_grant_access('app_globex', 'app');
-- What each transaction of the interleaved clients saw.
CREATE TABLE seen (n serial, tenant text, current text, pid integer, accounts text);
SQL

# Clients reach PgBouncer only through its unix socket, so it trusts them;
# it logs in to the server over TCP with the passwords in its auth_file.
cat >"$dir/users.txt" <<EOF
"$PGUSER" "$PGPASSWORD"
"app_acme" "$PGPASSWORD"
"app_globex" "$PGPASSWORD"
"app_pool" "$PGPASSWORD"
EOF
# No listen_addr: no TCP listener. PgBouncer keeps a pool per database and
# user; credits_shared forces one server user, so all its clients share a pool.
pgbouncer_start <<EOF
credits_pool = host=$PGHOST port=$PGPORT dbname=credits_pool
credits_shared = host=$PGHOST port=$PGPORT dbname=credits_pool user=app_pool
EOF
ready() { [ "$(client "$PGUSER" credits_pool "SELECT 1")" = 1 ]; }
pgbouncer_wait ready
echo "ok - pgbouncer starts (transaction pooling, one server connection per pool)"

# 1. The hazard, PostgreSQL and PgBouncer behaving as designed: a session
# setting stays on the server connection, which the next client gets.
pid=$(client "$PGUSER" credits_pool "SELECT pg_backend_pid()")
client "$PGUSER" credits_pool "SET credits.tenant = 'acme'" >/dev/null
check "HAZARD: a session-level SET credits.tenant leaks to the next client" \
    "$pid acme" "$(client "$PGUSER" credits_pool "SELECT pg_backend_pid() || ' ' || credits_current_tenant()")"
client "$PGUSER" credits_pool "RESET credits.tenant" >/dev/null

# 2. The safe pattern: the setting ends with the transaction.
for tenant in acme:1000 globex:2000; do
    client "$PGUSER" credits_pool "BEGIN" "SELECT set_config('credits.tenant', '${tenant%:*}', true)" \
        "SELECT credits_create_account('${tenant%:*}-only', initial_balance => 7)" \
        "SELECT credits_create_account('user', initial_balance => ${tenant#*:})" "COMMIT" >/dev/null
done
check "after set_config(..., true) in a transaction the next client has the default tenant" \
    "$pid default" "$(client "$PGUSER" credits_pool "SELECT pg_backend_pid() || ' ' || credits_current_tenant()")"

# Two clients, each debiting its tenant's 'user' in 20 transactions; the
# sleep holds the server connection so that the other client queues for it.
transactions() {
    i=0
    while [ $i -lt 20 ]; do
        cat <<SQL
BEGIN;
SELECT set_config('credits.tenant', '$1', true);
SELECT credits_debit('user', 1);
INSERT INTO seen (tenant, current, pid, accounts)
SELECT '$1', credits_current_tenant(), pg_backend_pid(),
       (SELECT string_agg(external_id || '=' || balance, ',' ORDER BY external_id) FROM credits_accounts);
SELECT pg_sleep(0.01);
COMMIT;
SQL
        i=$((i + 1))
    done
}
transactions acme | psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -h "$dir" -p $port -f - &
acme=$!
transactions globex | psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -h "$dir" -p $port -f - &
globex=$!
status=0
wait $acme || status=1
wait $globex || status=1
check "interleaved clients of two tenants commit every transaction" 0 $status
check "they shared one server connection and took turns on it" "1 true" \
    "$(direct "SELECT count(DISTINCT pid) || ' ' || (count(*) FILTER (WHERE switched) >= 2)
                 FROM (SELECT pid, tenant <> lag(tenant) OVER (ORDER BY n) AS switched FROM seen) s")"
check "each transaction saw only its tenant's accounts" "40 0" \
    "$(direct "SELECT count(*) || ' ' || count(*) FILTER (WHERE current <> tenant
                   OR accounts !~ ('^' || tenant || '-only=7,user=[0-9]+$')) FROM seen")"
check "each debit landed in its tenant" "acme:980 globex:1980" \
    "$(direct "SELECT string_agg(tenant || ':' || balance, ' ' ORDER BY tenant) FROM credits_account WHERE external_id = 'user'")"

# 3a. Bound roles logging in themselves: no tenant setting at all.
check "app_acme creates and debits in its tenant with no setting" "acme 90" \
    "$(client app_acme credits_pool "BEGIN" "SELECT credits_create_account('shop', initial_balance => 100)" \
        "SELECT credits_create_account('acme-private', initial_balance => 50)" \
        "SELECT credits_current_tenant() || ' ' || balance FROM credits_debit('shop', 10)" "COMMIT" |
        tail -n 1)"
check "app_globex creates and debits in its tenant with no setting" "globex 180" \
    "$(client app_globex credits_pool "BEGIN" "SELECT credits_create_account('shop', initial_balance => 200)" \
        "SELECT credits_current_tenant() || ' ' || balance FROM credits_debit('shop', 20)" "COMMIT" | tail -n 1)"
acme_shop=$(direct "SELECT id FROM credits_account WHERE tenant = 'acme' AND external_id = 'shop'")

# A session-level SET by app_acme stays on app_acme's own server connection
# (its pool) and can only name its own tenant.
acme_pid=$(client app_acme credits_pool "SET credits.tenant = 'acme'" "SELECT pg_backend_pid()")
check "a role bound to acme cannot SET credits.tenant = 'globex' (42501)" 42501 \
    "$(client app_acme credits_pool "SET credits.tenant = 'globex'" | first_error)"
check "the next app_acme client gets the connection with the leaked setting: its own tenant" "$acme_pid acme" \
    "$(client app_acme credits_pool "SELECT pg_backend_pid() || ' ' || current_setting('credits.tenant')")"
check "app_globex, right after, is on another server connection and in its tenant" "true globex" \
    "$(client app_globex credits_pool "SELECT (pg_backend_pid() <> $acme_pid) || ' ' || credits_current_tenant()")"
check "app_globex sees only its accounts" "globex-only,shop,user" \
    "$(client app_globex credits_pool "SELECT string_agg(external_id, ',' ORDER BY external_id) FROM credits_accounts")"
check "app_globex cannot look up acme's account (CR002)" CR002 \
    "$(client app_globex credits_pool "SELECT credits_balance('acme-private')" | first_error)"
check "app_globex cannot debit acme's account by id (CR002)" CR002 \
    "$(client app_globex credits_pool "SELECT credits_debit('$acme_shop', 1)" | first_error)"
check "app_globex cannot SET LOCAL credits.tenant = 'acme' (42501)" 42501 \
    "$(client app_globex credits_pool "BEGIN" "SET LOCAL credits.tenant = 'acme'" \
        "SELECT credits_balance('acme-private')" "ROLLBACK" | first_error)"
check "app_globex cannot set_config('credits.tenant', 'acme', true) (42501)" 42501 \
    "$(client app_globex credits_pool "BEGIN" "SELECT set_config('credits.tenant', 'acme', true)" \
        "SELECT credits_balance('acme-private')" "ROLLBACK" | first_error)"

# 3b. One server login for both roles: each transaction takes its role with
# SET LOCAL ROLE. Here app_globex does get the server connection on which an
# app_acme client left a session-level SET.
shared_pid=$(client app_acme credits_shared "BEGIN" "SET LOCAL ROLE app_acme" "SET credits.tenant = 'acme'" \
    "SELECT pg_backend_pid()" "COMMIT")
check "SHARED: app_globex gets the connection on which app_acme left credits.tenant = 'acme'" "$shared_pid acme" \
    "$(client app_globex credits_shared "BEGIN" "SET LOCAL ROLE app_globex" \
        "SELECT pg_backend_pid() || ' ' || current_setting('credits.tenant')" "COMMIT")"
check "SHARED: app_globex refuses to act in the leaked tenant (42501)" 42501 \
    "$(client app_globex credits_shared "BEGIN" "SET LOCAL ROLE app_globex" \
        "SELECT credits_balance('acme-private')" "ROLLBACK" | first_error)"
check "SHARED: app_globex cannot set_config('credits.tenant', 'acme', true) (42501)" 42501 \
    "$(client app_globex credits_shared "BEGIN" "SET LOCAL ROLE app_globex" \
        "SELECT set_config('credits.tenant', 'acme', true)" "SELECT credits_balance('acme-private')" "ROLLBACK" |
        first_error)"
check "SHARED: app_globex cannot SET LOCAL credits.tenant = 'acme' (42501)" 42501 \
    "$(client app_globex credits_shared "BEGIN" "SET LOCAL ROLE app_globex" "SET LOCAL credits.tenant = 'acme'" \
        "SELECT credits_balance('acme-private')" "ROLLBACK" | first_error)"
check "SHARED: with set_config('credits.tenant', 'globex', true) app_globex works in its tenant" "$shared_pid 179" \
    "$(client app_globex credits_shared "BEGIN" "SET LOCAL ROLE app_globex" \
        "SELECT set_config('credits.tenant', 'globex', true)" \
        "SELECT pg_backend_pid() || ' ' || balance FROM credits_debit('shop', 1)" "COMMIT" | tail -n 1)"
check "SHARED: ... and still cannot debit acme's account by id (CR002)" CR002 \
    "$(client app_globex credits_shared "BEGIN" "SET LOCAL ROLE app_globex" \
        "SELECT set_config('credits.tenant', 'globex', true)" "SELECT credits_debit('$acme_shop', 1)" "ROLLBACK" |
        first_error)"
check "SHARED: a client that forgets SET LOCAL ROLE can call nothing (42501)" 42501 \
    "$(client app_globex credits_shared "SELECT credits_balance('acme-private')" | first_error)"
check "acme's accounts are untouched" "acme-private:50 shop:90" \
    "$(direct "SELECT string_agg(external_id || ':' || balance, ' ' ORDER BY external_id)
                 FROM credits_account WHERE tenant = 'acme' AND external_id IN ('shop', 'acme-private')")"
check "every invariant holds" 0 "$(direct "SELECT count(*) FROM credits_verify(all_tenants => true)")"

exit $failed
