#!/bin/sh
# The examples of README "From your application", one per client, against the
# server in the environment (PG* variables; scripts/with-cluster.sh gives a
# throwaway one):   scripts/with-cluster.sh examples/app/run.sh
# Each prints what it did; its output must match expected/<example>.out
# (balances, SQLSTATEs), so that the examples cannot rot. node-postgres runs
# twice: directly and through a real PgBouncer in transaction pooling mode,
# which the PgBouncer example uses too.
# PYTHON: an interpreter with psycopg 3, psycopg2 and SQLAlchemy (default:
# Debian's /usr/bin/python3, which sees python3-psycopg, python3-psycopg2 and
# python3-sqlalchemy).
set -eu
cd "$(dirname "$0")"
app=$(pwd)
py=${PYTHON:-/usr/bin/python3}
for tool in node npm psql pgbouncer "$py"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "examples/app: $tool is missing (scripts/install-deps.sh installs it)" >&2
        exit 1
    fi
done
if ! "$py" -c 'import psycopg, psycopg2, sqlalchemy' 2>/dev/null; then
    echo "examples/app: $py lacks psycopg, psycopg2 or sqlalchemy (scripts/install-deps.sh installs them)" >&2
    exit 1
fi

dir=$(mktemp -d)
port=6432
failed=0
. ../../test/pgbouncer/lib.sh
trap pgbouncer_stop EXIT
trap 'exit 1' INT TERM

# The locked node dependencies (the npm cache serves them when it can).
for d in node-postgres prisma; do
    (cd "$d" && npm ci --no-audit --no-fund --no-update-notifier --prefer-offline --loglevel=error)
done
# Prisma 7 runs queries in WebAssembly from the npm package; only its schema
# engine (migrate, db push: not used here) is a native binary, which the CLI
# downloads from binaries.prisma.sh even for `prisma generate`, which does not
# run it. Naming a stand-in spares that download (and a machine without access).
(cd prisma && CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1 PRISMA_SCHEMA_ENGINE_BINARY=/bin/false \
    npx --no-install prisma generate >"$dir/prisma-generate.log" 2>&1) || {
    cat "$dir/prisma-generate.log"
    exit 1
}

# credits_app for the direct runs, credits_app_pooled behind PgBouncer.
for db in credits_app credits_app_pooled; do
    PGOPTIONS=--client-min-messages=warning psql -X -q -v ON_ERROR_STOP=1 -d postgres \
        -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
    psql -X -q -v ON_ERROR_STOP=1 -d $db -c "CREATE EXTENSION credits"
done

# Runs an example (the command after its name) and compares its output.
example() {
    name=$1 expected=$2
    shift 2
    if ! "$@" >"$dir/output" 2>&1; then
        echo "not ok - $name (failed)"
        cat "$dir/output"
        failed=1
    elif diff -u "$app/expected/$expected.out" "$dir/output"; then
        echo "ok - $name"
    else
        echo "not ok - $name (output differs)"
        failed=1
    fi
}

export PGDATABASE=credits_app PYTHONDONTWRITEBYTECODE=1
example node-postgres node-postgres node node-postgres/example.mjs
example psycopg psycopg "$py" psycopg/example.py
example sqlalchemy sqlalchemy "$py" sqlalchemy/example.py
example prisma prisma node prisma/example.mjs

# PgBouncer in transaction pooling mode, one server connection per pool, as in
# test/pgbouncer/run.sh: clients on its unix socket (trusted), PgBouncer on
# the server with the password in its auth_file.
printf '"%s" "%s"\n' "$PGUSER" "$PGPASSWORD" >"$dir/users.txt"
pgbouncer_start <<EOF
credits_app_pooled = host=$PGHOST port=$PGPORT dbname=credits_app_pooled
EOF
export PGHOST=$dir PGPORT=$port PGDATABASE=credits_app_pooled
pgbouncer_wait psql -X -q -A -t -c "SELECT 1"
example "node-postgres through PgBouncer" node-postgres node node-postgres/example.mjs
example "psycopg through PgBouncer (pgbouncer/example.py)" pgbouncer "$py" pgbouncer/example.py

exit $failed
