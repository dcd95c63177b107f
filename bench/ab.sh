#!/bin/sh
# A/B of two builds of credits on the same cluster: each in a database of its
# own (credits_ab_a, credits_ab_b) with its C functions pointed at a copy of
# its .so in $libdir, the same 10,000 accounts in both, then the same
# workloads alternating A and B (ABBA order), medians kept. Against the
# cluster in the environment (PGHOST etc.) as a superuser; copying into
# $libdir needs root (scripts/as-root.sh). E.g., 0.6.0 against this build:
#   git worktree add /tmp/wt060 657ea0b && make -C /tmp/wt060
#   bench/ab.sh /tmp/wt060/credits.so ./credits.so 0.6.0 0.7.0
# Both versions' install scripts must be installed (credits--*.sql).
#   DURATION  seconds per pgbench run (default 15)
#   ROUNDS    rounds, each running A and B once (default 6); the median is kept
#   CLIENTS   pgbench clients (default 8)
#   SCRIPTS   bench/ scripts to run (default credits_debit.sql)
set -eu
[ $# -ge 2 ] || { echo "usage: $0 a.so b.so [a-version [b-version]]" >&2; exit 2; }
here=$(cd "$(dirname "$0")" && pwd)
a_so=$(realpath "$1") b_so=$(realpath "$2")
a_version=${3:-$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$here/../credits.control")}
b_version=${4:-$a_version}
DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-6}
CLIENTS=${CLIENTS:-8}
SCRIPTS=${SCRIPTS:-credits_debit.sql}
PG_CONFIG=${PG_CONFIG:-$(ls /usr/lib/postgresql/15/bin/pg_config 2>/dev/null || echo pg_config)}
libdir=$($PG_CONFIG --pkglibdir)
cd "$here"
. ./lib.sh

cleanup() {
    for side in a b; do psql -X -q -d postgres -c "DROP DATABASE IF EXISTS credits_ab_$side" || true; done
    ../scripts/as-root.sh rm -f "$libdir/credits_ab_a.so" "$libdir/credits_ab_b.so"
}
trap cleanup EXIT

../scripts/as-root.sh cp --remove-destination "$a_so" "$libdir/credits_ab_a.so"
../scripts/as-root.sh cp --remove-destination "$b_so" "$libdir/credits_ab_b.so"
for side in a b; do
    eval "version=\$${side}_version"
    psql -X -q -d postgres -c "DROP DATABASE IF EXISTS credits_ab_$side" -c "CREATE DATABASE credits_ab_$side"
    psql -X -q -d "credits_ab_$side" -v version="$version" -v lib="credits_ab_$side" -f ab_setup.sql >/dev/null
    echo "$side: $(eval echo \$${side}_so) as credits_ab_$side.so, extension version $version"
done
# Which library a session of each database loads once it has debited.
for side in a b; do
    psql -X -At -d "credits_ab_$side" -c "SELECT '$side: a session maps ' || string_agg(DISTINCT regexp_replace(l, '.* ', ''), ' ')
        FROM (SELECT * FROM credits_debit('user_2', 1)) d,
             regexp_split_to_table(pg_read_file('/proc/' || pg_backend_pid() || '/maps'), E'\\n') l
       WHERE l LIKE '%credits%'"
done

row "workload (per second)" "A $a_version" "B $b_version" "B/A"
for script in $SCRIPTS; do
    as="" bs=""
    for r in $(seq "$ROUNDS"); do
        if [ $((r % 2)) -eq 1 ]; then
            as="$as $(tps "$script" "$CLIENTS" credits_ab_a)"
            bs="$bs $(tps "$script" "$CLIENTS" credits_ab_b)"
        else
            bs="$bs $(tps "$script" "$CLIENTS" credits_ab_b)"
            as="$as $(tps "$script" "$CLIENTS" credits_ab_a)"
        fi
    done
    a=$(echo "$as" | median | awk '{ printf "%.0f", $1 }')
    b=$(echo "$bs" | median | awk '{ printf "%.0f", $1 }')
    row "$script" "$a" "$b" "$(ratio "$b" "$a")"
    echo "  per-round tps, A:$as; B:$bs"
done
for side in a b; do
    psql -X -At -d "credits_ab_$side" -c "SELECT '$side verify findings: ' || count(*) FROM credits_verify(all_tenants => true)"
done
