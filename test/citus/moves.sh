#!/bin/sh
# Shard moves under load, on the cluster in the environment
# (scripts/test-citus.sh): clients debit 40 accounts and a hot one through
# the coordinator while the hot account's shard group moves to the other
# worker (block_writes) and back (the default mode: logical replication).
# A call that reaches a node the shard has just left fails with CR020 and
# its retry goes where the shard is now (load_debit() does that). Then
# nothing is lost or doubled: the balances went down by exactly the
# number of debits pgbench saw succeed, there is one entry for each, and
# credits_verify() finds nothing.
#   CITUS_MOVE_SECONDS (default 10: the load; both moves must end within it)
set -eu
cd "$(dirname "$0")"
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }

psql -X -q -v ON_ERROR_STOP=1 >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP EXTENSION IF EXISTS credits CASCADE;
CREATE EXTENSION credits;
SELECT count(*) FROM credits_distribute();
SELECT count(*) FROM generate_series(1, 40) i,
       LATERAL credits_create_account('load_' || i, initial_balance => 1000000000) a;
SELECT count(*) FROM credits_create_account('hot', initial_balance => 1000000000);
CREATE OR REPLACE FUNCTION load_debit(account text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    FOR attempt IN 1..10 LOOP
        BEGIN
            PERFORM credits_debit(account, 1, 'load');
            RETURN;
        EXCEPTION WHEN SQLSTATE 'CR020' THEN
            IF attempt = 10 THEN
                RAISE;
            END IF;
            RAISE NOTICE 'load: retried after CR020';
        END;
    END LOOP;
END $$;
SQL
balances="SELECT sum(balance) FROM credits_account"
entries="SELECT count(*) FROM credits_entry"
balance_before=$(sql "$balances")
entries_before=$(sql "$entries")

hot_shard="get_shard_id_for_distribution_column('credits_account', credits_account_key(credits_current_tenant(), 'hot'))"
hot_node="SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid) WHERE p.shardid = $hot_shard"
home=$(sql "$hot_node")
# Moves the hot account's shard group to the other worker.
move() {
    started=$(date +%s.%N)
    if ! sql "SELECT citus_move_shard_placement(p.shardid, f.nodename, f.nodeport, t.nodename, t.nodeport,
                                                shard_transfer_mode => '$1')
                FROM pg_dist_placement p
                JOIN pg_dist_node f ON f.groupid = p.groupid
                JOIN pg_dist_node t ON t.groupid NOT IN (0, p.groupid) AND t.noderole = 'primary'
               WHERE p.shardid = $hot_shard" >/dev/null; then
        echo "moves: the $1 move failed"
        return 1
    fi
    echo "moves: $1 move to $(sql "$hot_node") took $(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $started }") s"
}

out=$(mktemp)
trap 'rm -f "$out"' EXIT
pgbench -n -c 6 -j 2 -T "${CITUS_MOVE_SECONDS:-10}" -f move-debit.sql@3 -f move-hot.sql@1 >"$out" 2>&1 &
load=$!
rc=0
sleep 2
move block_writes || rc=1
# The source placement is dropped later; the group can move back once it is gone.
psql -X -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "CALL citus_cleanup_orphaned_resources()"
sleep 1
move auto || rc=1
if ! kill -0 $load 2>/dev/null; then
    echo "moves: the load ended before the moves did: raise CITUS_MOVE_SECONDS"
    rc=1
fi
if ! wait $load; then
    echo "moves: pgbench failed:"
    grep -E "aborted|ERROR|DETAIL" "$out" | sort | uniq -c | head -20
    rc=1
fi
debits=$(sed -n 's/^number of transactions actually processed: //p' "$out")
echo "moves: $debits debits succeeded, $(grep -c "load: retried after CR020" "$out") calls were retried after CR020"
[ "$(sql "$hot_node")" = "$home" ] || { echo "moves: the hot account's shard is not back on $home"; rc=1; }

balance_after=$(sql "$balances")
entries_after=$(sql "$entries")
echo "moves: balances went down by $((balance_before - balance_after)), $((entries_after - entries_before)) entries were added"
if [ $((balance_before - balance_after)) -ne "$debits" ] || [ $((entries_after - entries_before)) -ne "$debits" ]; then
    echo "moves: a debit was lost or doubled"
    rc=1
fi
if ! findings=$(sql "SELECT count(*) FROM credits_verify(all_tenants => true)" 2>&1); then
    echo "moves: credits_verify() failed: $findings"
    exit 1
fi
echo "moves: $findings verify findings"
[ "$findings" -eq 0 ] || rc=1
exit $rc
