#!/bin/sh
# A local Citus cluster for tests: a coordinator and two workers, data directories
# under DIR, each on its own port, reachable only through the unix socket directory
# DIR. Needs Citus installed (../shared/vendor/citus/build.sh).
#   citus-cluster.sh start DIR   creates what is missing, starts, registers the nodes
#   citus-cluster.sh stop DIR    stops all three (fast)
#   citus-cluster.sh env DIR     prints the exports that point psql at the coordinator
# Settings (read by start, the ports only when a node is created; a node that is
# already running keeps its settings until it is stopped):
#   CITUS_PORT (9700; the workers take the next two), CITUS_DB (credits_citus, created
#   on every node besides postgres; env reads it too), CITUS_SHARD_COUNT (8), FSYNC (off),
#   CITUS_PRELOAD_EXTRA (a library preloaded after citus, e.g. credits).
# As root the servers run as the postgres user; otherwise as the caller.
set -eu
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
bin=$($PG_CONFIG --bindir)
nodes="coordinator worker1 worker2"
db=${CITUS_DB:-credits_citus}

usage() { echo "usage: $0 start|stop|env DIR" >&2; exit 2; }
[ $# -eq 2 ] || usage
cmd=$1
[ "$cmd" != start ] || mkdir -p "$2"
dir=$(cd "$2" && pwd)

as_pg() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
port_of() { sed -n "s/^port = //p" "$dir/$1/postgresql.conf"; }
running() { [ -f "$dir/$1/PG_VERSION" ] && as_pg "$bin/pg_ctl" -D "$dir/$1" status >/dev/null 2>&1; }
psql_on() {
    node=$1 database=$2
    shift 2
    PGOPTIONS="-c client_min_messages=warning" as_pg "$bin/psql" -X -q -v ON_ERROR_STOP=1 \
        -h "$dir" -p "$(port_of "$node")" -U postgres -d "$database" "$@"
}

# Writes the settings a start may change into a file postgresql.conf includes.
write_settings() {
    preload=citus
    [ -z "${CITUS_PRELOAD_EXTRA:-}" ] || preload="citus,$CITUS_PRELOAD_EXTRA"
    as_pg sh -c "cat > '$dir/$1/citus-cluster.conf'" <<EOF
shared_preload_libraries = '$preload'
wal_level = logical
max_prepared_transactions = 100
fsync = ${FSYNC:-off}
citus.shard_count = ${CITUS_SHARD_COUNT:-8}
# A node connects to itself (shard moves do) through this host, by default
# localhost: TCP, which is off.
citus.local_hostname = '$dir'
EOF
}

# What this run created or started, undone if it fails.
created="" started=""
cleanup() {
    rc=$?
    trap - EXIT
    if [ $rc -ne 0 ]; then
        for n in $started; do as_pg "$bin/pg_ctl" -D "$dir/$n" -m fast -w stop >/dev/null 2>&1 || true; done
        for n in $created; do rm -rf "${dir:?}/$n"; done
        echo "$0: start failed; see $dir/*.log" >&2
    fi
    exit $rc
}

start() {
    [ "$(id -u)" -ne 0 ] || chown postgres: "$dir"
    as_pg test -w "$dir" || { echo "$0: the server user cannot write $dir" >&2; exit 1; }
    trap cleanup EXIT
    port=${CITUS_PORT:-9700}
    for n in $nodes; do
        if [ ! -f "$dir/$n/PG_VERSION" ]; then
            created="$created $n"
            as_pg "$bin/initdb" -D "$dir/$n" -U postgres -A trust -E UTF8 --no-sync >"$dir/$n.initdb.log" 2>&1
            # Only the socket in DIR: ports of several clusters never collide.
            as_pg sh -c "cat >> '$dir/$n/postgresql.conf'" <<EOF
port = $port
listen_addresses = ''
unix_socket_directories = '$dir'
include 'citus-cluster.conf'
EOF
        fi
        port=$((port + 1))
        write_settings "$n"
        if ! running "$n"; then
            started="$started $n"
            as_pg "$bin/pg_ctl" -D "$dir/$n" -l "$dir/$n.log" -w start >/dev/null
        fi
    done
    # Citus's metadata is per database: citus in both, on every node.
    for n in $nodes; do
        psql_on "$n" postgres <<EOF
CREATE EXTENSION IF NOT EXISTS citus;
SELECT format('CREATE DATABASE %I', '$db')
WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = '$db') \gexec
EOF
        psql_on "$n" "$db" -c "CREATE EXTENSION IF NOT EXISTS citus"
    done
    # Both calls return the existing node when it is already registered.
    for d in postgres "$db"; do
        psql_on coordinator "$d" >/dev/null <<EOF
SELECT citus_set_coordinator_host('$dir', $(port_of coordinator));
SELECT citus_add_node('$dir', $(port_of worker1));
SELECT citus_add_node('$dir', $(port_of worker2));
EOF
    done
}

case $cmd in
start) start ;;
stop)
    for n in $nodes; do
        if running "$n"; then as_pg "$bin/pg_ctl" -D "$dir/$n" -m fast -w stop >/dev/null; fi
    done ;;
env)
    [ -f "$dir/coordinator/postgresql.conf" ] || { echo "$0: no cluster in $dir" >&2; exit 1; }
    echo "export PGHOST=$dir PGPORT=$(port_of coordinator) PGUSER=postgres PGDATABASE=$db"
    echo "export WORKER1_PORT=$(port_of worker1) WORKER2_PORT=$(port_of worker2)" ;;
*) usage ;;
esac
