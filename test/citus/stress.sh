#!/bin/sh
# Many clients, random operations through the coordinator of the cluster in
# the environment (scripts/test-citus.sh) on 40 accounts and a hot one, with
# transfers within a shard and across shards; then every account's balance
# must be the sum of its ledger entries, and credits_verify() must find
# nothing.
#   CITUS_STRESS_SECONDS (default 15), CITUS_STRESS_CLIENTS (default 8)
set -eu
cd "$(dirname "$0")"
psql -X -q -f stress-setup.sql >/dev/null
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# stress_op() catches every error, so pgbench fails only when a server or a connection does.
if ! pgbench -n -c "${CITUS_STRESS_CLIENTS:-8}" -j 2 -T "${CITUS_STRESS_SECONDS:-15}" -f stress-op.sql >"$out" 2>&1; then
    cat "$out"
    exit 1
fi
grep -E "^(number of transactions actually processed|tps)" "$out"
rc=0
# The other errors were caught and reported: each kind once, with a count.
if grep -q "WARNING:  stress: unexpected" "$out"; then
    echo "stress: errors the workload does not expect:"
    sed -n 's/.*WARNING:  stress: unexpected //p' "$out" | sort | uniq -c | sort -rn | head -20
    rc=1
fi

sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
# The stored balance of every account against its entries (a join within
# each shard), whatever credits_verify() says.
unbalanced=$(sql "SELECT string_agg(format('%s: balance %s, entries %s', a.external_id, a.balance, e.total), '; ')
                    FROM credits_account a
                    JOIN (SELECT account_key, account_id, sum(amount) AS total FROM credits_entry
                           GROUP BY account_key, account_id) e ON e.account_key = a.account_key AND e.account_id = a.id
                   WHERE a.balance <> e.total")
if [ -n "$unbalanced" ]; then
    echo "stress: balances that are not the sum of their entries: $unbalanced"
    rc=1
fi
entries=$(sql "SELECT count(*) FROM credits_entry")
holds=$(sql "SELECT string_agg(status || ' ' || n, ', ') FROM (SELECT status, count(*) n FROM credits_reservation
              GROUP BY 1 ORDER BY 1) s")
transfers=$(sql "SELECT count(DISTINCT transaction_id) FROM credits_entry WHERE type = 'transfer'")
usage=$(sql "SELECT count(*) FROM credits_usage_record")
echo "stress: $entries ledger entries, $transfers transfers, $usage usage records, holds: $holds"
if ! findings=$(sql "SELECT count(*) FROM credits_verify(all_tenants => true)" 2>&1); then
    echo "stress: credits_verify() failed: $findings"
    exit 1
fi
echo "stress: $findings verify findings"
[ "$findings" -eq 0 ] || { psql -X -c "SELECT * FROM credits_verify(all_tenants => true)" | head -20; rc=1; }
exit $rc
