#!/bin/sh
# Runs every test against the cluster in the environment: pg_regress
# (sql/, expected/), isolation specs (test/specs, test/expected), pgTAP
# (test/pgtap), the stress run, the fuzz run, PgBouncer's transaction
# pooling and the example webhook consumer (test/examples). Exits non-zero on the first suite that fails. (The background worker's test needs a server of its own: `make test`
# runs test/worker/run.sh after this.)
set -eu
cd "$(dirname "$0")/.."
rm -rf results output_iso regression.diffs regression.out

if ! make -s installcheck; then
    [ -f regression.diffs ] && cat regression.diffs
    [ -f output_iso/regression.diffs ] && cat output_iso/regression.diffs
    exit 1
fi

psql -X -q -c "DROP DATABASE IF EXISTS credits_tap" -c "CREATE DATABASE credits_tap"
PGDATABASE=credits_tap pg_prove --failures test/pgtap/*.sql

test/stress/run.sh
test/feed/run.sh
test/fuzz/run.sh
test/pgbouncer/run.sh
test/examples/run.sh
clients/python/run-tests.sh
clients/typescript/run-tests.sh
examples/app/run.sh
