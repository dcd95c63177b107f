#!/bin/sh
# The Debian package postgresql-15-credits: its version is the extension's
# (debian/changelog, META.json and credits.control agree); `make deb` builds
# it; apt installs it; its files are the ones PostgreSQL 15 loads; a clean
# cluster creates the extension from them and opens an account.
#
# The package goes over what `make install` put in place (the same paths: dpkg
# takes over files that no package owns) and stays installed: removing it
# would delete those paths, and a test running meanwhile would find no
# credits. At the end `make install` puts the tree's build back over it, as
# it does on any later run (dpkg does not mind; `dpkg -V` then lists the
# files as changed, and `apt remove postgresql-15-credits` would delete them
# until the next `make install`).
set -eu
cd "$(dirname "$0")/../.."

fail() { echo "not ok - $1"; exit 1; }

if [ -n "${CREDITS_DEB_CLUSTER:-}" ]; then
    # In the clean cluster (scripts/with-cluster.sh).
    version=$CREDITS_DEB_CLUSTER
    # check WHAT QUERY EXPECTED
    check() {
        got=$(psql -X -q -A -t -v ON_ERROR_STOP=1 -c "$2")
        [ "$got" = "$3" ] || fail "$1 (got '$got', expected '$3')"
        echo "ok - $1"
    }
    check "the cluster offers credits $version" \
        "SELECT default_version FROM pg_available_extensions WHERE name = 'credits'" "$version"
    psql -X -q -x -v ON_ERROR_STOP=1 -c "CREATE EXTENSION credits" \
        -c "SELECT * FROM credits_create_account('deb_test', initial_balance => 5)"
    check "CREATE EXTENSION credits installed $version" \
        "SELECT extversion FROM pg_extension WHERE extname = 'credits'" "$version"
    check "credits_create_account('deb_test', initial_balance => 5) opened it with 5" \
        "SELECT balance FROM credits_balance('deb_test')" 5
    exit 0
fi

version=$(sed -n "s/^default_version *= *'\([^']*\)'.*/\1/p" credits.control)
changelog=$(dpkg-parsechangelog -S Version)
[ "$changelog" = "$version" ] ||
    fail "debian/changelog is at $changelog, credits.control at $version: add an entry for $version to debian/changelog"
meta=$(python3 -c 'import json; m = json.load(open("META.json")); print(m["version"], m["provides"]["credits"]["version"])')
[ "$meta" = "$version $version" ] ||
    fail "META.json gives $meta (version, provides.credits.version), credits.control $version"
echo "ok - debian/changelog, META.json and credits.control are at $version"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! make -s deb >"$log" 2>&1; then
    cat "$log"
    fail "make deb"
fi
deb=build/deb/postgresql-15-credits_${version}_$(dpkg --print-architecture).deb
[ -f "$deb" ] || { cat "$log"; fail "make deb built no $deb"; }
echo "ok - make deb built $deb"

if ! scripts/as-root.sh env DEBIAN_FRONTEND=noninteractive apt-get install -y --reinstall \
        --allow-downgrades --no-install-recommends "./$deb" >"$log" 2>&1; then
    cat "$log"
    fail "apt-get install ./$deb"
fi
[ "$(dpkg-query -W -f='${Status} ${Version}' postgresql-15-credits)" = "install ok installed $version" ] ||
    fail "postgresql-15-credits $version is not installed"
echo "ok - apt-get install ./$deb"

pg_config=/usr/lib/postgresql/15/bin/pg_config
so="$($pg_config --pkglibdir)/credits.so"
control="$($pg_config --sharedir)/extension/credits.control"
for f in "$so" "$control"; do
    [ "$(dpkg -S "$f")" = "postgresql-15-credits: $f" ] || fail "dpkg -S $f: $(dpkg -S "$f" 2>&1)"
done
changed=$(dpkg -V postgresql-15-credits) || true
[ -z "$changed" ] || fail "files differ from the package's: $changed"
echo "ok - $so and $control belong to postgresql-15-credits, unchanged (dpkg -S, dpkg -V)"

CREDITS_DEB_CLUSTER=$version scripts/with-cluster.sh "$0"

make -s all
scripts/as-root.sh make -s install >/dev/null
cmp -s credits.so "$so" || fail "make install did not put the tree's credits.so back"
echo "ok - make install puts the tree's build back over the package's files"
