# What the benchmark scripts share (sourced by run.sh, usage_summary.sh and
# ab.sh): pgbench throughput, medians, and a credits/baseline pair measured in
# alternating rounds. Reads DURATION, ROUNDS and CLIENTS.

tps() {  # script clients [more pgbench arguments, e.g. a database name]
    s=$1 c=$2
    shift 2
    pgbench -n -M prepared -c "$c" -j 2 -T "$DURATION" -f "$s" "$@" 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\) .*/\1/p'
}

median() { tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

ratio() { echo "$1 $2" | awk '{ printf "%.2f", $1 / $2 }'; }

row() { printf '%-32s %12s %12s %8s\n' "$@"; }

# name credits-script credits-clients operations-per-run baseline-script
compare() {
    ours="" theirs=""
    for _ in $(seq "$ROUNDS"); do
        ours="$ours $(tps "$2" "$3")"
        theirs="$theirs $(tps "$5" "$CLIENTS")"
    done
    o=$(echo "$ours" | median | awk -v n="$4" '{ printf "%.0f", $1 * n }')
    t=$(echo "$theirs" | median | awk '{ printf "%.0f", $1 }')
    row "$1" "$o" "$t" "$(ratio "$o" "$t")"
}
