#!/bin/sh
# Installs the Debian packages credits needs to build, test and benchmark,
# when any is missing (apt-get update first, as a fresh machine needs).
set -eu
packages="g++ make postgresql-15 postgresql-server-dev-15 postgresql-15-pgtap \
libtap-parser-sourcehandler-pgtap-perl libipc-run-perl pgbouncer python3 python3-psycopg \
python3-psycopg2 python3-sqlalchemy"
missing=""
for p in $packages; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
# Node.js and npm for the TypeScript client (clients/typescript), from Debian,
# only when the commands are missing: NodeSource's nodejs brings its own npm,
# and Debian's npm package would conflict with it.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    missing="$missing nodejs npm"
fi
[ -z "$missing" ] && exit 0
echo "Installing:$missing"
"$(dirname "$0")/as-root.sh" sh -c "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing"
