#!/bin/sh
# The event feed under many writers, read by one consumer as they write:
# pgbench clients debit and credit 20 accounts across their alert
# thresholds, some in transactions that take their xid, sleep and commit
# after later ones (out of xid order), some that roll back; meanwhile one
# consumer claims batches of random size, records them and acknowledges. At
# the end every committed event was delivered, none twice, none of a rolled
# back transaction, in strictly increasing (position, ordinal) order across
# claims (nothing ever turned up behind the cursor: nothing skipped); each
# threshold's balance.low and balance.recovered alternate and agree with the
# alarm state and the balance. Then a consumer that claims and dies before
# it acknowledges gets the same events again after its restart.
# credits_verify() must find nothing. Runs against the cluster in the
# environment.
#   FEED_SECONDS (default 10), FEED_CLIENTS (default 8)
set -eu
cd "$(dirname "$0")"
seconds=${FEED_SECONDS:-10}
start=$(date +%s)
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d credits_feed -c "$1"; }

psql -X -q -v ON_ERROR_STOP=1 -f setup.sql >/dev/null
consumer_log=$(mktemp)
bench_log=$(mktemp)
trap 'rm -f "$consumer_log" "$bench_log"' EXIT

psql -X -q -v ON_ERROR_STOP=1 -d credits_feed -c "CALL feed_consume('$((seconds + 30)) seconds')" \
    >"$consumer_log" 2>&1 &
consumer=$!
# A client that hits an error the workload does not expect aborts: that fails the run.
bench_ok=1
pgbench -n -c "${FEED_CLIENTS:-8}" -j 4 -T "$seconds" -f single.sql@6 -f multi.sql@3 -f rollback.sql@1 \
    credits_feed >"$bench_log" 2>&1 || bench_ok=0
# The writers have finished: the consumer drains the feed and stops.
sql "INSERT INTO feed_stop VALUES (now())"
consumer_ok=1
wait "$consumer" || consumer_ok=0
if [ $bench_ok -eq 0 ] || [ $consumer_ok -eq 0 ]; then
    cat "$bench_log" "$consumer_log"
    echo "feed: the writers or the consumer failed"
    exit 1
fi

set -- $(psql -X -q -A -t -F ' ' -v ON_ERROR_STOP=1 -d credits_feed -f check.sql)
events=$1 commits=$2 late=$3 claims=$4 delivered=$5
missed=$6 phantom=$7 twice=$8 backwards=$9
shift 9
moved=$1 alert_sequence=$2 alert_data=$3 alert_state=$4 depleted_off=$5
failed=0
for v in "missed $missed" "phantom $phantom" "twice $twice" "backwards $backwards" "moved $moved" \
         "alert_sequence $alert_sequence" "alert_data $alert_data" "alert_state $alert_state" \
         "depleted_off $depleted_off"; do
    set -- $v
    if [ "$2" -ne 0 ]; then
        echo "not ok - $1: $2"
        failed=1
    fi
done
# Without commits out of xid order the run proved nothing about them.
if [ "$late" -eq 0 ] || [ "$events" -eq 0 ]; then
    echo "not ok - the writers committed nothing out of xid order ($events events)"
    failed=1
fi

# A crash: one transaction writes nine balance.low events; the consumer
# claims five and dies before it acknowledges; after its restart it claims
# the same five; it acknowledges the fifth and gets the other four.
psql -X -q -v ON_ERROR_STOP=1 -d credits_feed -o /dev/null <<'SQL'
SELECT credits_create_account('crash', initial_balance => 100);
SELECT credits_set_alerts('crash', '{90,80,70,60,50,40,30,20,10}', depleted => false);
SELECT credits_debit('crash', 95);
SQL
claim="SELECT coalesce(string_agg(id || '@' || position || '.' || ordinal, ' ' ORDER BY ordinality), '')
         FROM credits_claim_events('feed', 5) WITH ORDINALITY"
first=$(sql "$claim")
second=$(sql "$claim")
last=${first##* }
sql "SELECT credits_ack_events('feed', '${last%@*}')" >/dev/null
third=$(sql "$claim")
expected=$(sql "SELECT string_agg(id || '@' || position || '.' || ordinal, ' ' ORDER BY position, ordinal)
                  FROM credits_events WHERE external_id = 'crash'")
replayed=$(echo "$first" | wc -w)
if [ "$replayed" -ne 5 ] || [ "$first" != "$second" ] || [ "$first $third" != "$expected" ]; then
    echo "not ok - after the crash: claimed [$first], after the restart [$second], after the ack [$third];" \
         "the events were [$expected]"
    failed=1
fi

findings=$(sql "SELECT count(*) FROM credits_verify(all_tenants => true)")
if [ "$findings" -ne 0 ]; then
    sql "SELECT * FROM credits_verify(all_tenants => true)" | head -20
    failed=1
fi
echo "feed: $events events in $commits commits ($late out of xid order) by ${FEED_CLIENTS:-8} writers in" \
     "$seconds s, delivered in $claims claims: $missed missed, $twice twice, $phantom phantom," \
     "$backwards out of order; alerts: $alert_sequence/$alert_data/$alert_state wrong;" \
     "after a crash $replayed replayed; $findings verify findings ($(($(date +%s) - start)) s)"
exit $failed
