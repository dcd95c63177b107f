#!/bin/sh
# Runs the benchmarks against the cluster in the environment (PGHOST etc.):
# each credits workload and its raw-SQL baseline, alternating, in one run.
#   DURATION  seconds per pgbench run (default 15)
#   ROUNDS    alternations of each pair (default 3); the median is kept
#   CLIENTS   pgbench clients (default 8)
set -eu
cd "$(dirname "$0")"
DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-8}

psql -X -q -f setup.sql >/dev/null

tps() {  # script clients
    pgbench -n -M prepared -c "$2" -j 2 -T "$DURATION" -f "$1" 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# name credits-script credits-clients operations-per-run baseline-script
compare() {
    ours="" theirs=""
    for _ in $(seq "$ROUNDS"); do
        ours="$ours $(tps "$2" "$3")"
        theirs="$theirs $(tps "$5" "$CLIENTS")"
    done
    o=$(echo "$ours" | median | awk -v n="$4" '{ printf "%.0f", $1 * n }')
    t=$(echo "$theirs" | median | awk '{ printf "%.0f", $1 }')
    printf '%-32s %12s %12s %8s\n' "$1" "$o" "$t" "$(echo "$o $t" | awk '{ printf "%.2f", $1 / $2 }')"
}

printf '%-32s %12s %12s %8s\n' "workload (per second)" credits raw-SQL ratio
compare "debits, 10,000 accounts" credits_debit.sql "$CLIENTS" 1 baseline_debit.sql
compare "debits, one hot account" credits_debit_hot.sql "$CLIENTS" 1 baseline_debit_hot.sql
# Two transactions per cycle, as an application makes them, against one debit.
compare "reserve+confirm cycles" credits_reserve_confirm.sql "$CLIENTS" 1 baseline_debit.sql
# One client sending batches to the hot account, against single debits on it.
for size in 1 10 100 1000 8000; do
    compare "debits in batches of $size" "credits_apply_$size.sql" 1 "$size" baseline_debit_hot.sql
done
# Debits on accounts with active grants, against debits on accounts with none.
printf '%-32s %12s %12s %8s\n' "grants (per second)" credits no-grants ratio
compare "debits, 10 grants per account" credits_debit_grants_10.sql "$CLIENTS" 1 credits_debit_grants_0.sql
compare "debits, 100 grants per account" credits_debit_grants_100.sql "$CLIENTS" 1 credits_debit_grants_0.sql
psql -X -q -c "SELECT count(*) AS verify_findings FROM credits_verify(all_tenants => true)"
