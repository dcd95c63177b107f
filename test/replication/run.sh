#!/bin/sh
# Logical replication of credits' tables, on a server of its own with
# wal_level = logical: a pgoutput subscriber sees every change the credits
# functions make; an UPDATE a publication cannot replicate (a row filter on a
# column outside the replica identity, REPLICA IDENTITY NOTHING) is refused
# as a plain UPDATE is, and writes nothing; with REPLICA IDENTITY FULL a row
# filter works, a row leaving or entering it reaching the subscriber as a
# DELETE or an INSERT.
set -eu
cd "$(dirname "$0")/../.."

# wal_retrieve_retry_interval: the launcher starts the second subscription's
# worker that long after the first one (5 s by default).
if [ -z "${CREDITS_REPLICATION_CLUSTER:-}" ]; then
    CREDITS_REPLICATION_CLUSTER=1 CLUSTER_OPTS="-o wal_level=logical -o max_wal_senders=4 \
        -o max_replication_slots=4 -o wal_retrieve_retry_interval=200ms" exec scripts/with-cluster.sh "$0"
fi

# Not the NOTICEs of DROP SUBSCRIPTION.
export PGOPTIONS="-c client_min_messages=warning"
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -d "$1" -c "$2"; }

# Fails unless query $3 on the publisher fails with SQLSTATE $2 and leaves
# every published table as it was (so there is nothing to replicate).
fails_with() {
    before=$(state credits_pub)
    err=$(psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=sqlstate -d credits_pub -c "$3" 2>&1 >/dev/null || true)
    if [ "$err" != "ERROR:  $2" ]; then
        echo "not ok - $1 (expected $2, got: ${err:-no error})"
        exit 1
    fi
    if [ "$(state credits_pub)" != "$before" ]; then
        echo "not ok - $1 (a table changed)"
        exit 1
    fi
    echo "ok - $1"
}

# Waits up to 30 s for query $4 in database $3 to return what query $2 returns
# in credits_pub.
wait_same() {
    i=0
    while [ "$(sql credits_pub "$2")" != "$(sql "$3" "$4")" ]; do
        i=$((i + 1))
        if [ $i -gt 60 ]; then
            echo "not ok - $1 (timed out)"
            printf 'publisher:  %s\nsubscriber: %s\n' "$(sql credits_pub "$2")" "$(sql "$3" "$4")"
            exit 1
        fi
        sleep 0.5
    done
    echo "ok - $1"
}

check() {
    if [ "$(sql "$2" "$3")" = t ]; then echo "ok - $1"; else echo "not ok - $1"; exit 1; fi
}

tables="credits_account credits_entry credits_reservation credits_grant credits_plan credits_subscription"
tables="$tables credits_status_change credits_price credits_usage_record credits_usage_rollup"
# Every row of every published table, as text.
all_rows=$(for t in $tables; do
    printf "SELECT '%s', count(*), md5(coalesce(string_agg(r::text, ',' ORDER BY r::text), '')) FROM %s r UNION ALL " "$t" "$t"
done)
all_rows="${all_rows% UNION ALL }"
state() { sql "$1" "$all_rows"; }

# The apply workers connect back to this server.
conninfo="host=$PGHOST port=$(sql postgres 'SHOW port') user=$PGUSER password=$PGPASSWORD dbname=credits_pub"

# DROP SUBSCRIPTION also drops the slot, and the server then stops at once.
cleanup() {
    for db in credits_sub credits_sub_filtered; do
        psql -X -q -d "$db" -c "DROP SUBSCRIPTION IF EXISTS ${db#credits_}" 2>/dev/null || true
    done
}
trap cleanup EXIT

for db in credits_pub credits_sub credits_sub_filtered; do
    sql postgres "CREATE DATABASE $db"
    sql "$db" "CREATE EXTENSION credits"
done

# On one server CREATE SUBSCRIPTION cannot create its slot (it would wait for
# its own transaction): the slot is made first. The tables are still empty,
# so there is nothing to copy.
sql credits_pub "CREATE PUBLICATION p_all FOR TABLE $(echo "$tables" | sed 's/ /, /g')"
sql credits_pub "SELECT pg_create_logical_replication_slot('sub', 'pgoutput')" >/dev/null
sql credits_sub "CREATE SUBSCRIPTION sub CONNECTION '$conninfo' PUBLICATION p_all
                 WITH (create_slot = false, slot_name = 'sub', copy_data = false)"

psql -X -q -o /dev/null -v ON_ERROR_STOP=1 -d credits_pub <<'SQL'
SELECT credits_create_account('alice', initial_balance => 100);
SELECT credits_create_account('bob');
SELECT credits_credit('bob', 40, 'top-up');
SELECT credits_debit('alice', 15, 'usage');
SELECT id AS hold FROM credits_reserve('alice', 20) \gset
SELECT credits_confirm(:'hold', 12);
SELECT credits_transfer('alice', 'bob', 25);
SELECT credits_credit('bob', 30, 'welcome', expires_in => '30 days', category => 'promotional');
SELECT credits_debit('bob', 50, 'usage');
SELECT credits_create_plan('monthly', NULL, 100, 'month');
SELECT credits_assign_plan('bob', 'monthly');
SELECT credits_freeze('alice', 'audit');
SELECT credits_unfreeze('alice', 'audit done');
SELECT credits_create_account('filtered', initial_balance => 100);
SELECT credits_set_price('gpt', input_price => 1, per_tokens => 1000, effective_from => now() - interval '1 day');
SELECT credits_charge('bob', 'gpt', input_tokens => 3000, idempotency_key => 'call-1');
SELECT credits_charge('bob', 'gpt', input_tokens => 2000, endpoint => '/v1/chat');
SELECT credits_record_usage('alice', 'gpt', input_tokens => 10, success => false);
SQL

wait_same "the subscriber has every change" "$all_rows" credits_sub "$all_rows"
check "every published table has rows there" credits_sub "SELECT bool_and(count > 0) FROM ($all_rows) s"
accounts="SELECT string_agg(concat_ws(' ', id, balance, reserved, entry_count), ', ' ORDER BY id) FROM credits_account"
entries="SELECT count(*) || ' ' || sum(amount) FROM credits_entry"
check "the same balances" credits_sub "SELECT ($accounts) = '$(sql credits_pub "$accounts")'"
check "the same ledger" credits_sub "SELECT ($entries) = '$(sql credits_pub "$entries")'"
check "credits_verify finds nothing on the publisher" credits_pub \
    "SELECT count(*) = 0 FROM credits_verify(all_tenants => true)"
check "credits_verify finds nothing on the subscriber" credits_sub \
    "SELECT count(*) = 0 FROM credits_verify(all_tenants => true)"

# A row filter on balance, which is not in the replica identity (the key).
# The initial copy takes the rows in the filter.
sql credits_pub "CREATE PUBLICATION p_filtered FOR TABLE credits_account WHERE (balance > 50)"
sql credits_pub "SELECT pg_create_logical_replication_slot('sub_filtered', 'pgoutput')" >/dev/null
sql credits_sub_filtered "CREATE SUBSCRIPTION sub_filtered CONNECTION '$conninfo' PUBLICATION p_filtered
                          WITH (create_slot = false, slot_name = 'sub_filtered')"
in_filter="SELECT string_agg(r::text, ', ' ORDER BY id) FROM credits_account r"
wait_same "the filtered subscriber copies the rows in the filter" \
    "$in_filter WHERE balance > 50" credits_sub_filtered "$in_filter"

fails_with "a plain UPDATE is refused for the row filter" 42P10 \
    "UPDATE credits_account SET balance = balance WHERE false"
fails_with "credits_debit is refused for the row filter and writes nothing" 42P10 \
    "SELECT credits_debit('filtered', 60)"

# With the whole old row in the WAL the filter can be evaluated: pgoutput
# sends an UPDATE leaving the filter as a DELETE, one entering it as an INSERT.
sql credits_pub "ALTER TABLE credits_account REPLICA IDENTITY FULL"
sql credits_pub "SELECT credits_debit('filtered', 60)" >/dev/null
wait_same "a debit out of the filter deletes the row on the filtered subscriber" \
    "$in_filter WHERE balance > 50" credits_sub_filtered "$in_filter"
check "the row is gone there" credits_sub_filtered \
    "SELECT NOT EXISTS (SELECT 1 FROM credits_account WHERE external_id = 'filtered')"
sql credits_pub "SELECT credits_credit('filtered', 30)" >/dev/null
wait_same "a credit into the filter inserts the row again" \
    "$in_filter WHERE balance > 50" credits_sub_filtered "$in_filter"
check "with its new balance" credits_sub_filtered \
    "SELECT balance = 70 FROM credits_account WHERE external_id = 'filtered'"
sql credits_pub "SELECT credits_debit('alice', 5)" >/dev/null
wait_same "the other subscriber has every change" "$all_rows" credits_sub "$all_rows"

# REPLICA IDENTITY NOTHING on a table whose updates are published. (With the
# row filter still there its 42P10 would come first.)
sql credits_sub_filtered "DROP SUBSCRIPTION sub_filtered"
sql credits_pub "DROP PUBLICATION p_filtered"
sql credits_pub "ALTER TABLE credits_account REPLICA IDENTITY NOTHING"
fails_with "a plain UPDATE is refused without a replica identity" 55000 \
    "UPDATE credits_account SET balance = balance WHERE false"
fails_with "credits_debit is refused without a replica identity and writes nothing" 55000 \
    "SELECT credits_debit('alice', 1)"

sql credits_pub "ALTER TABLE credits_account REPLICA IDENTITY DEFAULT"
# The same for the usage rollups, which a record updates (at the moment of a
# record made before, its rows exist).
sql credits_pub "ALTER TABLE credits_usage_rollup REPLICA IDENTITY NOTHING"
fails_with "credits_record_usage is refused without a replica identity of the rollups and writes nothing" 55000 \
    "SELECT credits_record_usage('alice', 'gpt', occurred_at => (SELECT max(occurred_at) FROM credits_usage_record))"
sql credits_pub "ALTER TABLE credits_usage_rollup REPLICA IDENTITY DEFAULT"
sql credits_pub "SELECT credits_debit('alice', 1)" >/dev/null
wait_same "with the key as replica identity again the subscriber follows" "$all_rows" credits_sub "$all_rows"
check "credits_verify finds nothing on the subscriber at the end" credits_sub \
    "SELECT count(*) = 0 FROM credits_verify(all_tenants => true)"
