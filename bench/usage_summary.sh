#!/bin/sh
# Usage summaries from rollups against the same GROUP BY over usage records:
# 1,000,000 records of one account in one month (bench/usage_setup_1m.sql),
# credits_usage_summary(..., 'month') and the raw SQL that computes the same
# rows, alternating, medians kept. Against the cluster in the environment
# (PGHOST etc.); it recreates the extension there, as bench/setup.sql does.
#   DURATION  seconds per pgbench run (default 10)
#   ROUNDS    alternations of each pair (default 5); the median is kept
#   MODELS, ENDPOINTS, CONTEXTS  dimensions of the records (default 3, 2, 1:
#             6 combinations: 2,976 x 6 quarter-hour rollup rows; at most 3, 2, 2)
set -eu
cd "$(dirname "$0")"
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-5}
MODELS=${MODELS:-3}
ENDPOINTS=${ENDPOINTS:-2}
CONTEXTS=${CONTEXTS:-1}
. ./lib.sh

started=$(date +%s)
psql -X -q -v models="$MODELS" -v endpoints="$ENDPOINTS" -v contexts="$CONTEXTS" -f usage_setup_1m.sql
echo "loaded and verified in $(($(date +%s) - started)) s"

# The two give the same rows (not a timing: the benchmark compares like with like).
for q in month month_model; do
    psql -X -q -At -c "SELECT count(*) AS differing_rows FROM (
        (SELECT * FROM ($(sed 's/;$//' usage_summary_$q.sql)) s EXCEPT ALL SELECT * FROM ($(grep -v '^--' baseline_usage_$q.sql | sed 's/;$//')) b)
        UNION ALL
        (SELECT * FROM ($(grep -v '^--' baseline_usage_$q.sql | sed 's/;$//')) b EXCEPT ALL SELECT * FROM ($(sed 's/;$//' usage_summary_$q.sql)) s)) d" |
        sed "s/^/rows that differ, $q: /"
done

# name credits-script baseline-script: milliseconds per call, medians of
# alternating rounds, and how many times faster credits is.
compare_ms() {
    ours="" theirs=""
    for _ in $(seq "$ROUNDS"); do
        ours="$ours $(tps "$2" 1)"
        theirs="$theirs $(tps "$3" 1)"
    done
    o=$(echo "$ours" | median | awk '{ printf "%.2f", 1000 / $1 }')
    t=$(echo "$theirs" | median | awk '{ printf "%.2f", 1000 / $1 }')
    row "$1" "$o" "$t" "$(ratio "$t" "$o")"
    echo "  per-round calls/s, credits:$ours; raw SQL:$theirs"
}

row "summary, 1M records (ms/call)" credits raw-SQL speed-up
compare_ms "month" usage_summary_month.sql baseline_usage_month.sql
compare_ms "month, by model" usage_summary_month_model.sql baseline_usage_month_model.sql
