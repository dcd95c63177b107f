#!/bin/sh
# Where the time of a debit that crosses a low-balance threshold goes: each
# pair of calls of bench/alerts_setup.sql's accounts, at each client count
# and with credits.notify on and off, in alternating rounds, medians kept:
# pairs per second, the mean latency of each call (pgbench -r), the events
# written per pair, and throughput against the plain pair. Against the
# cluster in the environment (PGHOST etc.); it recreates the extension there
# (bench/setup.sql, then bench/alerts_setup.sql) unless SETUP=no.
#   DURATION  seconds per pgbench run (default 10)
#   ROUNDS    rounds (default 3); the median is kept
#   CLIENTS   client counts (default "1 8"; at most 100)
#   NOTIFY    credits.notify settings (default "on off")
set -eu
cd "$(dirname "$0")"
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-1 8}
NOTIFY=${NOTIFY:-on off}
SETUP=${SETUP:-yes}
. ./lib.sh

if [ "$SETUP" != no ]; then
    psql -X -q -f setup.sql >/dev/null
    psql -X -q -f alerts_setup.sql >/dev/null
fi
workloads="plain_pair quiet_pair alerts_pair reload_only crossing"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

events() { psql -X -At -c "SELECT count(*) FROM credits_event"; }

# script clients notify: appends tps, the latencies (ms) of the first two
# calls and the events per pair to $out/<workload>_<clients>_<notify>.
measure() {
    before=$(events)
    PGOPTIONS="${PGOPTIONS:-} -c credits.notify=$3" \
        pgbench -n -M prepared -c "$2" -j 2 -T "$DURATION" -r -f "credits_debit_$1.sql" 2>/dev/null |
        awk '/^number of transactions actually processed/ { n = $6 }
             /^tps = / { t = $3 }
             /^ +[0-9.]+ +[0-9]+ +SELECT/ { l[++k] = $1 }
             END { print n, t, l[1], l[2] }' >"$out/run"
    read -r pairs t l1 l2 <"$out/run"
    echo "$t" >>"$out/$1_$2_$3.t"
    echo "$l1" >>"$out/$1_$2_$3.l1"
    echo "$l2" >>"$out/$1_$2_$3.l2"
    echo "$pairs $before $(events)" | awk '{ printf "%.2f\n", ($3 - $2) / $1 }' >>"$out/$1_$2_$3.e"
}

for r in $(seq "$ROUNDS"); do
    for c in $CLIENTS; do
        for notify in $NOTIFY; do
            # Odd rounds in one order, even rounds in the other.
            list=$workloads
            [ $((r % 2)) -eq 0 ] && list=$(echo "$workloads" | tr ' ' '\n' | tac | tr '\n' ' ')
            for w in $list; do measure "$w" "$c" "$notify"; done
        done
    done
done

m() { median <"$out/$1"; }
printf '%-14s %7s %6s %9s %9s %9s %7s %7s\n' workload clients notify pairs/s "1st ms" "2nd ms" events ratio
for c in $CLIENTS; do
    for notify in $NOTIFY; do
        base=$(m "plain_pair_${c}_$notify.t")
        for w in $workloads; do
            k=${w}_${c}_$notify
            printf '%-14s %7s %6s %9.0f %9s %9s %7s %7s\n' "$w" "$c" "$notify" "$(m "$k.t")" "$(m "$k.l1")" "$(m "$k.l2")" \
                "$(m "$k.e")" "$(ratio "$(m "$k.t")" "$base")"
        done
    done
done
