#!/bin/sh
# Runs credits on Citus: a coordinator and two workers made for this run
# (scripts/citus-cluster.sh), stopped and removed afterwards, also when a
# test fails or the run is interrupted. Through the coordinator: the
# pg_regress suites that apply, a concurrent stress run, shard moves under
# load, and after each of the last two a check that the rows are in the
# shards on both workers and none is in a table Citus never reads
# (test/citus/). Every part runs even when an earlier one failed; the run
# fails if any did.
# Needs Citus and credits installed: `make test-citus` does both first.
#   CITUS_PORT (9750; the workers take the next two)
set -eu
cd "$(dirname "$0")/.."

dir=$(mktemp -d "${TMPDIR:-/tmp}/credits-citus.XXXXXX")
cleanup() {
    rc=$?
    trap - EXIT
    scripts/citus-cluster.sh stop "$dir" || rc=1
    rm -rf "$dir"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Four shards, two on each worker: every query that reads all of them (the
# views do) has half the tasks it would have with the default eight.
CITUS_PORT=${CITUS_PORT:-9750} CITUS_PRELOAD_EXTRA=credits CITUS_SHARD_COUNT=4 scripts/citus-cluster.sh start "$dir"
eval "$(scripts/citus-cluster.sh env "$dir")"

failed=""
for part in regress stress shells moves shells; do
    echo "== citus: $part"
    test/citus/$part.sh || failed="$failed $part"
done
if [ -n "$failed" ]; then
    echo "citus: failed:$failed"
    exit 1
fi
echo "citus: all passed"
