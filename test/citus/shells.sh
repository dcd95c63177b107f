#!/bin/sh
# After a run on the cluster in the environment (scripts/test-citus.sh):
# credits' rows are in the shards, on both workers, and none is in the
# tables Citus never reads again once they are distributed, the "shells":
# the extension's own tables on the coordinator and on each worker.
#
# A query cannot count a shell's rows: Citus plans every query of a
# distributed or reference table, on any node, as a query of its shards.
# pgstattuple() reads a relation's heap page by page, below the planner:
# each node counts every tuple in each table of the extension (members in
# pg_depend; shards are not members), live or in progress (tuple_count) and
# dead (dead_tuple_count: a write that was rolled back, or deleted), and a
# shell must have neither. The event feed's tables are no shells: each node
# keeps the feed of the accounts it holds (events.h).
set -eu
sql() { psql -X -q -At -v ON_ERROR_STOP=1 -c "$1"; }
rc=0

psql -X -q -v ON_ERROR_STOP=1 -c "SET client_min_messages = warning" -c "CREATE EXTENSION IF NOT EXISTS pgstattuple"
shells=$(sql "SELECT format('port %s: %s', n.nodeport, r.result) FROM run_command_on_all_nodes(\$\$
    SELECT format('%s shells, %s', count(*),
                  coalesce(string_agg(format('%s has %s rows, %s dead', c.relname, s.tuple_count, s.dead_tuple_count), ', ')
                             FILTER (WHERE s.tuple_count > 0 OR s.dead_tuple_count > 0), 'all empty'))
      FROM pg_catalog.pg_depend d
      JOIN pg_catalog.pg_class c ON c.oid = d.objid
     CROSS JOIN LATERAL pgstattuple(c.oid) s
     WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.refclassid = 'pg_catalog.pg_extension'::regclass
       AND d.refobjid = (SELECT oid FROM pg_catalog.pg_extension WHERE extname = 'credits') AND c.relkind = 'r'
       AND c.relname NOT LIKE 'credits\\_event%'
\$\$) r JOIN pg_dist_node n USING (nodeid) ORDER BY n.nodeport")
echo "$shells"
if echo "$shells" | grep -qv "shells, all empty"; then
    echo "shells: rows in a table Citus never reads"
    rc=1
fi
# Every node has the extension, with all its tables.
if [ "$(echo "$shells" | sed 's/^port [0-9]*: \([0-9]*\) shells.*/\1/' | sort -u)" != "$(sql "SELECT count(*)
        FROM pg_depend WHERE classid = 'pg_class'::regclass AND refclassid = 'pg_extension'::regclass
         AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'credits')
         AND objid IN (SELECT oid FROM pg_class WHERE relkind = 'r' AND relname NOT LIKE 'credits\\_event%')")" ]; then
    echo "shells: a node does not have all of credits' tables"
    rc=1
fi

# Rows per worker of each distributed table, from its shards.
spread=$(sql "SELECT format('%s: %s', t, string_agg(format('%s rows on %s', n, nodeport), ', ' ORDER BY nodeport))
                FROM (SELECT t, p.nodeport, sum(r.result::bigint) AS n
                        FROM unnest(ARRAY['credits_account', 'credits_entry']::regclass[]) t
                       CROSS JOIN LATERAL run_command_on_shards(t, 'SELECT count(*) FROM %s') r
                        JOIN pg_dist_shard_placement p ON p.shardid = r.shardid
                       GROUP BY 1, 2) x GROUP BY t ORDER BY t")
echo "$spread"
if echo "$spread" | grep -q " 0 rows on"; then
    echo "shells: a worker holds no rows of a table"
    rc=1
fi
exit $rc
