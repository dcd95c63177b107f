#!/bin/sh
# The example webhook consumer (examples/webhook_consumer.py) against a
# receiver of the test's own on 127.0.0.1: every event delivered once, in
# commit order, correctly signed; retries after a 500 and a dropped
# connection; giving up (exit 3) without an ack; kill -9 between delivery
# and ack (that event, and only it, sent again); --types, --tenant; a NOTIFY
# waking a running consumer; SIGTERM. Runs against the cluster in the
# environment (scripts/with-cluster.sh). PYTHON: an interpreter with psycopg 3.
set -eu
cd "$(dirname "$0")"
py=""
for p in ${PYTHON:-python3 /usr/bin/python3}; do
    if "$p" -c 'import psycopg' 2>/dev/null; then
        py=$p
        break
    fi
done
if [ -z "$py" ]; then
    echo "examples: no python3 with psycopg 3 (apt-get install python3-psycopg)" >&2
    exit 1
fi
PGOPTIONS=--client-min-messages=warning psql -X -q -c "DROP DATABASE IF EXISTS credits_examples" -c "CREATE DATABASE credits_examples"
PGDATABASE=credits_examples psql -X -q -v ON_ERROR_STOP=1 -f setup.sql >/dev/null
PGDATABASE=credits_examples PYTHONDONTWRITEBYTECODE=1 "$py" check.py ../../examples/webhook_consumer.py
