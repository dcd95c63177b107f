#!/bin/sh
# Runs the benchmarks against the cluster in the environment (PGHOST etc.):
# each credits workload and its raw-SQL baseline, alternating, in one run.
#   DURATION  seconds per pgbench run (default 15)
#   ROUNDS    alternations of each pair (default 3); the median tps is kept
#   CLIENTS   pgbench clients (default 8)
set -eu
cd "$(dirname "$0")"
DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-8}

psql -X -q -f setup.sql >/dev/null

tps() {
    pgbench -n -M prepared -c "$CLIENTS" -j 2 -T "$DURATION" -f "$1" 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

compare() {  # name credits-script baseline-script
    ours="" theirs=""
    for _ in $(seq "$ROUNDS"); do
        ours="$ours $(tps "$2")"
        theirs="$theirs $(tps "$3")"
    done
    o=$(echo "$ours" | median)
    t=$(echo "$theirs" | median)
    printf '%-28s %12s %12s %8s\n' "$1" "$o" "$t" "$(echo "$o $t" | awk '{ printf "%.2f", $1 / $2 }')"
}

printf '%-28s %12s %12s %8s\n' workload "credits tps" "raw-SQL tps" ratio
compare "debit, 10,000 accounts" credits_debit.sql baseline_debit.sql
compare "debit, one hot account" credits_debit_hot.sql baseline_debit_hot.sql
# Two transactions per cycle, as an application does it, against one debit.
compare "reserve+confirm cycle" credits_reserve_confirm.sql baseline_debit.sql
psql -X -q -c "SELECT count(*) AS verify_findings FROM credits_verify()"
