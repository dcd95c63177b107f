#!/bin/sh
# credits on Citus against credits on one server, on this machine: a debit
# made through the coordinator (which forwards it to its twin on the worker
# that holds the account's shard) and the same debit called on the workers
# directly, against that debit on a single PostgreSQL server, and against the
# raw-SQL debit of bench/run.sh there. A Citus cluster (a coordinator and two
# workers, scripts/citus-cluster.sh) and the single server run side by side
# in a temporary directory, sharing this machine's cores, and are stopped and
# removed afterwards, also when the run fails. Each round runs every
# configuration of a workload once, in turn, because the disk is noisy; the
# median is kept. A debit on the 10,000 accounts picks its account from a
# table of the node it is called on (bench/citus_pick.sql): so a worker's
# calls stay on its own accounts. bench/run.sh's debit, without that lookup,
# runs on the single server too, to show what the lookup costs.
# Needs Citus and credits installed: `make bench-citus` installs both first.
#   FSYNC       fsync on every server (default on, as `make bench`)
#   DURATION    seconds per pgbench run (default 10)
#   ROUNDS      rounds (default 3)
#   CLIENTS     pgbench clients (default 8; called on the workers, half on each)
#   CITUS_PORT  the coordinator's (9850; the workers take the next two, the
#               single server the one after)
set -eu
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-8}
FSYNC=${FSYNC:-on}
CITUS_PORT=${CITUS_PORT:-9850}
export FSYNC CITUS_PORT
bin=$(${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config} --bindir)
began=$(date +%s)

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

dir=$(mktemp -d "${TMPDIR:-/tmp}/credits-bench-citus.XXXXXX")
single=$dir/single
cleanup() {
    rc=$?
    trap - EXIT
    scripts/citus-cluster.sh stop "$dir" || rc=1
    if [ -f "$single/postmaster.pid" ]; then
        as_pg "$bin/pg_ctl" -D "$single" -m fast -w stop >/dev/null || rc=1
    fi
    rm -rf "$dir"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

scripts/citus-cluster.sh start "$dir"
eval "$(scripts/citus-cluster.sh env "$dir")"
coordinator=$PGPORT

# The single server has the Citus nodes' settings, Citus aside, so that Citus
# is all that differs.
single_port=$((CITUS_PORT + 3))
as_pg "$bin/initdb" -D "$single" -U postgres -A trust -E UTF8 --no-sync >"$dir/single.initdb.log" 2>&1
as_pg sh -c "cat >> '$single/postgresql.conf'" <<EOF
port = $single_port
listen_addresses = ''
unix_socket_directories = '$dir'
fsync = $FSYNC
wal_level = logical
max_prepared_transactions = 100
EOF
as_pg "$bin/pg_ctl" -D "$single" -l "$dir/single.log" -w start >/dev/null

psql_on() {  # port, psql arguments
    port=$1
    shift
    "$bin/psql" -X -q -At -v ON_ERROR_STOP=1 -p "$port" "$@"
}
psql_on "$single_port" -d postgres -c "CREATE DATABASE \"$PGDATABASE\""
psql_on "$single_port" -v citus=off -f bench/citus_setup.sql >/dev/null
psql_on "$coordinator" -v citus=on -f bench/citus_setup.sql >/dev/null
single_accounts=$(psql_on "$single_port" -v worker=off -f bench/citus_pick.sql)
coordinator_accounts=$(psql_on "$coordinator" -v worker=off -f bench/citus_pick.sql)
worker1_accounts=$(psql_on "$WORKER1_PORT" -v worker=on -f bench/citus_pick.sql)
worker2_accounts=$(psql_on "$WORKER2_PORT" -v worker=on -f bench/citus_pick.sql)
hot_worker=$(psql_on "$coordinator" -c "
    SELECT n.nodeport FROM pg_dist_placement p JOIN pg_dist_node n USING (groupid)
     WHERE p.shardid = get_shard_id_for_distribution_column('credits_account',
                                                            credits_account_key('default', 'user_1'))")
echo "citus bench: fsync $FSYNC, $CLIENTS clients, $ROUNDS rounds of $DURATION s;" \
     "accounts on worker $WORKER1_PORT: $worker1_accounts, on $WORKER2_PORT: $worker2_accounts;" \
     "user_1 on $hot_worker"

# One pgbench run; prints its tps. Any client's error fails it, with the log.
pgb() {  # port, clients, threads, accounts to pick from, script
    log=$dir/pgbench.$1.log
    if ! "$bin/pgbench" -n -M prepared -p "$1" -c "$2" -j "$3" -T "$DURATION" -D accounts="$4" -f "bench/$5" \
            >"$log" 2>&1; then
        echo "citus bench: pgbench -f bench/$5 on port $1 failed:" >&2
        head -40 "$log" >&2
        # A server that crashed says why in its log.
        grep -h -B2 -A2 'terminated by signal' "$dir"/coordinator.log "$dir"/worker?.log "$dir"/single.log >&2 || true
        return 1
    fi
    sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$log"
}

# Where a script runs.
on_single() { pgb "$single_port" "$CLIENTS" 2 "$single_accounts" "$1"; }
on_coordinator() { pgb "$coordinator" "$CLIENTS" 2 "$coordinator_accounts" "$1"; }
on_hot_worker() { pgb "$hot_worker" "$CLIENTS" 2 0 "$1"; }
# Half the clients on each worker, on its own accounts, at the same time:
# the whole cluster works, as it does through the coordinator.
on_workers() {
    pgb "$WORKER1_PORT" $((CLIENTS / 2)) 1 "$worker1_accounts" "$1" >"$dir/worker1.tps" &
    one=$!
    pgb "$WORKER2_PORT" $((CLIENTS - CLIENTS / 2)) 1 "$worker2_accounts" "$1" >"$dir/worker2.tps" &
    two=$!
    rc=0
    wait $one || rc=1
    wait $two || rc=1
    [ $rc -eq 0 ]
    cat "$dir/worker1.tps" "$dir/worker2.tps" | awk '{ s += $1 } END { print s }'
}

# Runs each "where script" once per round, in turn; the tps of the n-th go
# to the file tps.<workload>.<n>.
measure() {  # workload, then "where script" per configuration
    workload=$1
    shift
    for _ in $(seq "$ROUNDS"); do
        n=0
        for run in "$@"; do
            n=$((n + 1))
            tps=$($run)
            echo "$tps" >>"$dir/tps.$workload.$n"
        done
    done
}
median() { sort -n "$dir/tps.$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
row() {  # label, then the workload.n of the row, of its single-server credits debit and of its raw SQL
    awk -v label="$1" -v t="$(median "$2")" -v c="$(median "$3")" -v r="$(median "$4")" \
        'BEGIN { printf "  %-46s %9.0f %12.2f %12.2f\n", label, t, t / c, t / r }'
}

measure accounts "on_single citus_debit.sql" "on_coordinator citus_debit.sql" "on_workers citus_debit.sql" \
    "on_single credits_debit.sql" "on_single baseline_debit.sql"
measure hot "on_single credits_debit_hot.sql" "on_coordinator credits_debit_hot.sql" "on_hot_worker credits_debit_hot.sql" \
    "on_single baseline_debit_hot.sql"

printf '%-48s %9s %12s %12s\n' "debits per second (median)" tps "vs credits" "vs raw SQL"
echo "10,000 accounts, picked from bench_account where the call is made:"
row "credits, single server" accounts.1 accounts.1 accounts.5
row "credits, through the coordinator" accounts.2 accounts.1 accounts.5
row "credits, on the workers directly" accounts.3 accounts.1 accounts.5
echo "10,000 accounts, as bench/run.sh picks them (no lookup):"
row "credits, single server" accounts.4 accounts.1 accounts.5
row "raw SQL, single server" accounts.5 accounts.1 accounts.5
echo "one hot account (user_1):"
row "credits, single server" hot.1 hot.1 hot.4
row "credits, through the coordinator" hot.2 hot.1 hot.4
row "credits, on its worker directly" hot.3 hot.1 hot.4
row "raw SQL, single server" hot.4 hot.1 hot.4

findings() { psql_on "$1" -c "SELECT count(*) FROM credits_verify(all_tenants => true)"; }
single_findings=$(findings "$single_port")
citus_findings=$(findings "$coordinator")
echo "credits_verify findings: single server $single_findings, Citus $citus_findings"
echo "citus bench: took $(($(date +%s) - began)) s"
[ "$single_findings" -eq 0 ] && [ "$citus_findings" -eq 0 ]
