#!/bin/sh
# Many clients, random operations on few accounts, then credits_verify()
# must find nothing. Runs against the cluster in the environment.
#   STRESS_SECONDS (default 5), STRESS_CLIENTS (default 16)
set -eu
cd "$(dirname "$0")"
psql -X -q -f setup.sql >/dev/null
# A client that hits an error the workload does not expect aborts: that fails the run.
out=$(mktemp)
if ! pgbench -n -c "${STRESS_CLIENTS:-16}" -j 2 -T "${STRESS_SECONDS:-5}" -f ops.sql credits_stress >"$out" 2>&1; then
    cat "$out"
    rm -f "$out"
    exit 1
fi
grep -E "^(number of transactions actually processed|tps)" "$out"
rm -f "$out"
findings=$(psql -X -At -d credits_stress -c "SELECT count(*) FROM credits_verify(all_tenants => true)")
entries=$(psql -X -At -d credits_stress -c "SELECT count(*) FROM credits_entries")
grants=$(psql -X -At -d credits_stress -c "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM credits_grants GROUP BY 1 ORDER BY 1) s")
renewals=$(psql -X -At -d credits_stress -c "SELECT count(*) FROM credits_entries WHERE type = 'allocation'")
holds=$(psql -X -At -d credits_stress -c "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM credits_reservations GROUP BY 1 ORDER BY 1) s")
usage=$(psql -X -At -d credits_stress -c "SELECT count(*) FROM credits_usage_record")
events=$(psql -X -At -d credits_stress -c "SELECT string_agg(type || ' ' || n, ', ') FROM (SELECT type, count(*) n FROM credits_events GROUP BY 1 ORDER BY 1) s")
reloads=$(psql -X -At -d credits_stress -c "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM credits_reload_requests GROUP BY 1 ORDER BY 1) s")
echo "stress: $entries ledger entries, holds: $holds; grants: $grants; $renewals allocations; $usage usage records; $findings verify findings"
echo "stress: events: $events; reload requests: $reloads"
psql -X -d credits_stress -c "SELECT * FROM credits_verify(all_tenants => true)" | head -20
[ "$findings" -eq 0 ]
