#!/bin/sh
# Hostile input to every credits function, generated from a fixed seed
# (fuzz.sql on the data of setup.sql): every failure must be a documented
# SQLSTATE, a failing call must leave the ledger as it was, credits_verify()
# must stay clean and the server must not restart. Runs against the cluster
# in the environment.
#   FUZZ_SEED (default 0.42), FUZZ_CASES (default 2500)
set -eu
cd "$(dirname "$0")"
start=$(date +%s)
psql -X -q -f setup.sql >/dev/null
# A crashed backend makes the postmaster restart the checkpointer (its own
# start time stays).
restarts="SELECT pg_postmaster_start_time() || ' ' || backend_start FROM pg_stat_activity
           WHERE backend_type = 'checkpointer'"
before=$(psql -X -At -d credits_fuzz -c "$restarts")
# Each case is logged as it starts (NOTICE): on a crash the last one is the culprit.
log=$(mktemp)
if ! PGOPTIONS="-c statement_timeout=110s" psql -X -q -d credits_fuzz -v seed="${FUZZ_SEED:-0.42}" \
        -v cases="${FUZZ_CASES:-2500}" -f fuzz.sql 2>"$log"; then
    tail -n 5 "$log"
    rm -f "$log"
    echo "fuzz: the run did not finish; the last cases it started are above"
    exit 1
fi
rm -f "$log"
after=$(psql -X -At -d credits_fuzz -c "$restarts")
if [ "$before" != "$after" ]; then
    echo "fuzz: the server restarted"
    exit 1
fi
findings=$(psql -X -At -d credits_fuzz -c "SELECT count(*) FROM fuzz_result WHERE finding IS NOT NULL")
echo "fuzz: ${FUZZ_CASES:-2500} cases in $(($(date +%s) - start)) s, server not restarted, findings: $findings"
[ "$findings" -eq 0 ]
