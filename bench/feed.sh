#!/bin/sh
# Event feed consumers: fills the feed of a database of its own
# (credits_feed, dropped afterwards) with EVENTS events, PER to a commit
# (bench/feed_setup.sql), then for each batch size a consumer that claims a
# batch and acknowledges its last event in one transaction, from the
# beginning of the feed to its end (bench/feed_claim.sql, one client): events
# per second, end to end. Then a consumer of balance.low alone (half of the
# events), and what a claim costs a consumer whose types the feed has none of
# (it has nothing to acknowledge, so its cursor stays where it is). Against
# the cluster in the environment (PGHOST etc.).
#   EVENTS   events in the feed (default 200000)
#   PER      events per transaction (default 10; EVENTS / PER transactions)
#   BATCHES  claim sizes (default "1000 100")
set -eu
cd "$(dirname "$0")"
EVENTS=${EVENTS:-200000}
PER=${PER:-10}
BATCHES=${BATCHES:-1000 100}
db=credits_feed
. ./lib.sh

cleanup() { psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" || true; }
trap cleanup EXIT
psql -X -q -d postgres -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
started=$(date +%s)
psql -X -q -d "$db" -v txns=$((EVENTS / PER)) -v per="$PER" -f feed_setup.sql
echo "filled in $(($(date +%s) - started)) s"

# consumer types batch: claims (and acknowledgements) from the beginning of
# the feed until it is drained; prints a row.
consume() {
    psql -X -q -At -d "$db" -c "SELECT FROM credits_create_consumer('$1', $2)"
    total=$(psql -X -At -d "$db" -c "SELECT count(*) FROM credits_events WHERE $2 IS NULL OR type = ANY ($2)")
    rounds=$(((total + $3 - 1) / $3))
    t=$(pgbench -n -M prepared -c 1 -t "$rounds" -D consumer="$1" -D batch="$3" -f feed_claim.sql "$db" 2>/dev/null |
        sed -n 's/^tps = \([0-9.]*\) .*/\1/p')
    left=$(psql -X -At -d "$db" -c "SELECT count(*) FROM credits_claim_events('$1', 10000)")
    [ "$left" -eq 0 ] || echo "consumer $1: $left events left unclaimed" >&2
    row "$1" "$3" "$(echo "$rounds $t" | awk '{ printf "%.2f", $1 / $2 }')" \
        "$(echo "$total $rounds $t" | awk '{ printf "%.0f", $1 / ($2 / $3) }')"
}

row "consumer ($EVENTS events)" batch seconds events/s
for batch in $BATCHES; do
    consume "all_$batch" NULL "$batch"
done
consume low_1000 "ARRAY['balance.low']" 1000

# A claim that finds nothing, by a consumer at the end of the feed and by one
# whose types the feed has none of (its cursor is at the beginning).
psql -X -q -At -d "$db" -c "SELECT FROM credits_create_consumer('none', ARRAY['auto_reload.failed'])"
for consumer in all_1000 none; do
    t=$(DURATION=5 tps feed_peek.sql 1 -D consumer=$consumer -D batch=1000 "$db")
    echo "an empty claim, consumer $consumer: $(echo "$t" | awk '{ printf "%.2f", 1000 / $1 }') ms"
done
