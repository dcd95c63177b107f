#!/bin/sh
# Runs a command against a throwaway PostgreSQL 15 cluster (pg_virtualenv sets
# PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE); the cluster is dropped
# afterwards. Extra server settings: CLUSTER_OPTS="-o name=value ...".
# pg_virtualenv turns fsync off; benchmarks turn it back on.
set -eu
# -t keeps the cluster in a temporary directory, even as root, so a run that
# was killed leaves nothing behind for the next one to trip over.
exec pg_virtualenv -t -v 15 ${CLUSTER_OPTS:-} "$@"
