#!/bin/sh
# The pg_regress suites that apply to Citus, run with --use-existing through
# the coordinator of the cluster in the environment (scripts/test-citus.sh).
# They run from a copy of sql/ and expected/ in which test/citus/setup.sql
# stands for sql/include/setup.sql (it also distributes credits, and travels
# in time on the shards) and test/citus/expected/ replaces the outputs that
# differ on Citus for a reason of Citus's own.
#   CITUS_REGRESS (the suites)
set -eu
cd "$(dirname "$0")/../.."
PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/15/bin/pg_config}
suites=${CITUS_REGRESS:-accounts credit_debit idempotency ledger tenants reservations transfers reversals \
lifecycle batch grants plans usage pricing usage_summary citus}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R sql expected "$work/"
cp test/citus/setup.sql "$work/sql/include/setup.sql"
cp test/citus/sql/*.sql "$work/sql/"  # what only Citus has
# An error raised on a worker by a statement Citus ran there (not a credits
# call: those come back as if raised here) gains a line naming the node:
# pg_regress runs this psql, which drops it.
bin=$($PG_CONFIG --bindir)
mkdir "$work/bin"
cat >"$work/bin/psql" <<EOF
#!/bin/sh
"$bin/psql" "\$@" 2>&1 | sed '/^CONTEXT:  while executing command on [^ ]*:[0-9]*\$/d'
EOF
chmod +x "$work/bin/psql"
for f in test/citus/expected/*.out; do [ ! -e "$f" ] || cp "$f" "$work/expected/"; done
# Citus does not drop the shards' triggers with the extension's functions:
# the suites end with DROP EXTENSION ... CASCADE there.
sed -i 's/^DROP EXTENSION credits;$/SET client_min_messages = warning; DROP EXTENSION credits CASCADE;/' "$work"/sql/*.sql "$work"/expected/*.out

# pg_regress sets these for its psql sessions, on the coordinator only; a
# call forwarded to a worker formats its messages there.
psql -X -q -v ON_ERROR_STOP=1 <<EOF
ALTER DATABASE "$PGDATABASE" SET timezone = 'PST8PDT';
ALTER DATABASE "$PGDATABASE" SET datestyle = 'Postgres, MDY';
ALTER DATABASE "$PGDATABASE" SET intervalstyle = 'postgres_verbose';
EOF

cd "$work"
rc=0
"$($PG_CONFIG --pkglibdir)/pgxs/src/test/regress/pg_regress" --use-existing --dbname="$PGDATABASE" \
    --inputdir=. --outputdir=. --bindir=bin $suites || rc=$?
[ $rc -eq 0 ] || [ ! -f regression.diffs ] || cat regression.diffs

psql -X -q -v ON_ERROR_STOP=1 <<EOF
ALTER DATABASE "$PGDATABASE" RESET timezone;
ALTER DATABASE "$PGDATABASE" RESET datestyle;
ALTER DATABASE "$PGDATABASE" RESET intervalstyle;
EOF
exit $rc
