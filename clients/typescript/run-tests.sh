#!/bin/sh
# The TypeScript client's tests: installs the locked dependencies, builds the
# package and its tests with tsc, creates a database with the extension and runs
# node's test runner against it. Runs against the server in the environment
# (PG* variables; scripts/with-cluster.sh gives a throwaway one):
#   scripts/with-cluster.sh clients/typescript/run-tests.sh
set -eu
cd "$(dirname "$0")"
for tool in node npm psql; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "clients/typescript: $tool is missing (scripts/install-deps.sh installs node and npm)" >&2
        exit 1
    fi
done
# package-lock.json pins every package; the npm cache serves them when it can.
npm ci --no-audit --no-fund --no-update-notifier --prefer-offline --loglevel=error
rm -rf dist build
npm run --silent build
npm run --silent build:test

db=credits_typescript
PGOPTIONS=--client-min-messages=warning psql -X -q -v ON_ERROR_STOP=1 \
    -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
PGDATABASE=$db psql -X -q -v ON_ERROR_STOP=1 -c "CREATE EXTENSION credits"
echo "clients/typescript: credits $(PGDATABASE=$db psql -X -A -t -c "SELECT extversion FROM pg_extension WHERE extname = 'credits'")"
PGDATABASE=$db node --test build/test/*.test.js test/*.test.mjs
