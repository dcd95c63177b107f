#!/bin/sh
# Many clients, random operations on few accounts, then credits_verify()
# must find nothing. Runs against the cluster in the environment.
#   STRESS_SECONDS (default 5), STRESS_CLIENTS (default 16)
set -eu
cd "$(dirname "$0")"
psql -X -q -f setup.sql >/dev/null
pgbench -n -c "${STRESS_CLIENTS:-16}" -j 2 -T "${STRESS_SECONDS:-5}" -f ops.sql credits_stress \
    | grep -E "^(number of transactions actually processed|tps)"
findings=$(psql -X -At -d credits_stress -c "SELECT count(*) FROM credits_verify()")
entries=$(psql -X -At -d credits_stress -c "SELECT count(*) FROM credits_entries")
echo "stress: $entries ledger entries, $findings verify findings"
psql -X -d credits_stress -c "SELECT * FROM credits_verify()" | head -20
[ "$findings" -eq 0 ]
