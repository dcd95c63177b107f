#!/bin/sh
# Tests of the Python client (clients/python) against the server in the
# environment (PG*; scripts/with-cluster.sh gives a throwaway one), in a
# database of their own (CREDITS_TEST_DATABASE, default credits_python_client).
# PYTHON: an interpreter with psycopg 3; else python3, then /usr/bin/python3
# (Debian's, which sees python3-psycopg where a pyenv python3 may not).
set -eu
cd "$(dirname "$0")"
py=""
for p in ${PYTHON:-} python3 /usr/bin/python3; do
    if "$p" -c 'import psycopg' 2>/dev/null; then
        py=$p
        break
    fi
done
if [ -z "$py" ]; then
    echo "clients/python: no python3 with psycopg 3 (apt-get install python3-psycopg)" >&2
    exit 1
fi
PYTHONDONTWRITEBYTECODE=1 exec "$py" -m unittest discover -s tests -t . "$@"
