// credits_distribute(): makes credits' tables and functions Citus's (see
// cluster.h and routing.h for how they are used then).
//
// On the coordinator, once, after CREATE EXTENSION; again after adding nodes
// (it does what is left to do). In one transaction:
//   1. the ids made before 0.6.0 go to credits_legacy_id;
//   2. every primary key and unique index of an account-scoped table gains
//      account_key (it is a function of tenant and external_id, so nothing
//      that was unique stops being so);
//   3. the small tables become reference tables, the account-scoped ones are
//      distributed by account_key, colocated with credits_account; the rows
//      they had move to the shards, and their local copies are emptied;
//   4. the twins are distributed by account_key, force-delegated;
//   5. the status-change ids of each node get a range of their own;
//   6. the views read their rows as the extension's owner (citus_views.h).
#include "args.h"
#include "citus_views.h"
#include "cluster.h"
#include "errors.h"
#include "guard.h"
#include "results.h"
#include "spi.h"
#include "tables.h"
#include "tenants.h"

using namespace credits;

namespace {

spi::Statement citus_installed{"SELECT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus')", 0, {}};
spi::Statement on_coordinator{
    "SELECT citus_is_coordinator(), EXISTS (SELECT FROM pg_dist_node WHERE groupid = 0)", 0, {}};
spi::Statement is_distributed{
    "SELECT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = ('@extschema@.' || quote_ident($1))::regclass)",
    1, {TEXTOID}};

// Ids whose last 32 bits are not their account's key (ids.h): made before
// 0.6.0. Transactions: the source leg's key, as for new ones.
spi::Statement collect_legacy_ids{
    "INSERT INTO @extschema@.credits_legacy_id (id, account_key)"
    " SELECT id, account_key FROM @extschema@.credits_account WHERE @extschema@.credits_key_in_id(id) <> account_key"
    " UNION ALL"
    " SELECT id, account_key FROM @extschema@.credits_reservation"
    " WHERE @extschema@.credits_key_in_id(id) <> account_key"
    " UNION ALL"
    " (SELECT DISTINCT ON (transaction_id) transaction_id, account_key FROM @extschema@.credits_entry"
    " WHERE @extschema@.credits_key_in_id(transaction_id) <> account_key ORDER BY transaction_id, amount)"
    " ON CONFLICT DO NOTHING",
    0, {}};

// The DDL that gives each unique index of the account-scoped tables the
// distribution column, keeping its name, kind and predicate.
spi::Statement unique_keys_without_account_key{
    "SELECT CASE WHEN con.contype = 'p' THEN"
    "   format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I PRIMARY KEY (%s, account_key)',"
    "          i.indrelid::regclass, con.conname, con.conname, cols.list)"
    " WHEN con.contype = 'u' THEN"
    "   format('ALTER TABLE %s DROP CONSTRAINT %I, ADD CONSTRAINT %I UNIQUE (%s, account_key)',"
    "          i.indrelid::regclass, con.conname, con.conname, cols.list)"
    " ELSE format('DROP INDEX %s; CREATE UNIQUE INDEX %I ON %s (%s, account_key)%s',"
    "          i.indexrelid::regclass, c.relname, i.indrelid::regclass, cols.list,"
    "          coalesce(' WHERE ' || pg_get_expr(i.indpred, i.indrelid), ''))"
    " END"
    " FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
    " LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.contype IN ('p', 'u')"
    " CROSS JOIN LATERAL (SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n) AS list"
    "   FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n)"
    "   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum) cols"
    " WHERE i.indisunique AND i.indrelid = ANY ($1::regclass[])"
    "   AND NOT EXISTS (SELECT FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attname = 'account_key'"
    "                   AND a.attnum = ANY (i.indkey))"
    " ORDER BY 1",
    1, {TEXTARRAYOID}};

// Role bindings and access sets name roles by OID, which differ between
// nodes: they travel as names (copied out, emptied, distributed, written
// back through Citus, which sends each node the name).
spi::Statement saved_bindings{"SELECT role::text, tenant, bound_at FROM @extschema@.credits_role_tenant", 0, {}};
spi::Statement saved_access{"SELECT role::text, access, granted_at FROM @extschema@.credits_access_set", 0, {}};
spi::Statement restore_binding{
    "INSERT INTO @extschema@.credits_role_tenant (role, tenant, bound_at) VALUES ($1::regrole, $2, $3)", 3,
    {TEXTOID, TEXTOID, TIMESTAMPTZOID}};
spi::Statement restore_access{
    "INSERT INTO @extschema@.credits_access_set (role, access, granted_at) VALUES ($1::regrole, $2, $3)", 3,
    {TEXTOID, TEXTOID, TIMESTAMPTZOID}};

spi::Statement make_reference{"SELECT create_reference_table(('@extschema@.' || quote_ident($1))::regclass)", 1,
                              {TEXTOID}};
spi::Statement make_distributed{
    "SELECT create_distributed_table(('@extschema@.' || quote_ident($1))::regclass, 'account_key',"
    " colocate_with => CASE WHEN $1 = 'credits_account' THEN 'none' ELSE '@extschema@.credits_account' END)",
    1, {TEXTOID}};
spi::Statement empty_local_copy{
    "SELECT truncate_local_data_after_distributing_table(('@extschema@.' || quote_ident($1))::regclass)", 1,
    {TEXTOID}};

// The twins not yet delegated.
spi::Statement undistributed_twins{
    "SELECT p.oid::regprocedure::text FROM pg_proc p"
    " WHERE p.pronamespace = '@extschema@'::regnamespace AND p.proname LIKE 'credits\\_%\\_on\\_shard'"
    "   AND NOT EXISTS (SELECT FROM pg_dist_object o WHERE o.classid = 'pg_proc'::regclass AND o.objid = p.oid"
    "                   AND o.distribution_argument_index IS NOT NULL)"
    " ORDER BY 1",
    0, {}};
spi::Statement delegate{
    "SELECT create_distributed_function($1::regprocedure, '$1', colocate_with => '@extschema@.credits_account',"
    " force_delegation => true)",
    1, {TEXTOID}};

// Each node draws status-change ids from its own range (group << 48), as
// Citus does for the tables it creates itself: the extension's sequence is
// created on every node and would start at 1 everywhere.
spi::Statement spread_identity{
    "SELECT count(*) FILTER (WHERE success) FROM run_command_on_all_nodes(format("
    "'SELECT setval(%L, greatest((SELECT last_value FROM %s), (SELECT groupid FROM pg_dist_local_group)::bigint << 48))',"
    " pg_get_serial_sequence('@extschema@.credits_status_change', 'id'),"
    " pg_get_serial_sequence('@extschema@.credits_status_change', 'id')))",
    0, {}};

void put(ReturnSetInfo *rsinfo, const char *object, const char *distribution) {
    Datum values[] = {CStringGetTextDatum(object), CStringGetTextDatum(distribution)};
    bool nulls[] = {false, false};
    results::put_row(rsinfo, values, nulls);
}

bool distributed_already(const char *table) {
    spi::run(is_distributed, spi::Params().add_text(table));
    return spi::row(0).boolean(1);
}

void run_sql(const char *sql) {
    if (SPI_execute(sql, false, 0) < 0) elog(ERROR, "credits: \"%s\" failed", sql);
}

// Fetches (role, x, at) rows into palloc'd memory that outlives the next
// statements.
List *fetch_roles(spi::Statement &query) {
    uint64 n = spi::run(query, spi::Params());
    List *rows = NIL;
    for (uint64 i = 0; i < n; i++) {
        spi::Row r = spi::row(i);
        auto *row = static_cast<Datum *>(palloc(sizeof(Datum) * 3));
        row[0] = CStringGetTextDatum(args::cstr(r.string(1)));
        row[1] = CStringGetTextDatum(args::cstr(r.string(2)));
        row[2] = r.datum(3);
        rows = lappend(rows, row);
    }
    return rows;
}

void restore_roles(spi::Statement &insert, List *rows) {
    ListCell *cell;
    foreach (cell, rows) {
        auto *row = static_cast<Datum *>(lfirst(cell));
        spi::run(insert, spi::Params().add(row[0]).add(row[1]).add(row[2]));
    }
}

// Empties the local copy of a table Citus now holds in its shards (our
// guard triggers refuse a TRUNCATE: this one is not a change to the ledger).
void empty_local_copy_of(const char *table) {
    run_sql("SET LOCAL session_replication_role = replica");
    spi::run(empty_local_copy, spi::Params().add_text(table));
    run_sql("SET LOCAL session_replication_role = origin");
}

// Of the account-scoped tables not yet distributed (all of them the first
// time; those an upgrade added after that).
void add_account_key_to_unique_keys() {
    const char *schema = quote_identifier(get_namespace_name(tables::installed_schema()));
    Datum names[cluster::account_table_count];
    int n = 0;
    for (const char *table : cluster::account_scoped_tables)
        if (!distributed_already(table)) names[n++] = CStringGetTextDatum(psprintf("%s.%s", schema, table));
    if (n == 0) return;
    uint64 changes = spi::run(unique_keys_without_account_key,
                              spi::Params().add(PointerGetDatum(construct_array(names, n, TEXTOID, -1, false,
                                                                                TYPALIGN_INT))));
    List *ddl = NIL;
    for (uint64 i = 0; i < changes; i++) ddl = lappend(ddl, const_cast<char *>(args::cstr(spi::row(i).string(1))));
    ListCell *cell;
    foreach (cell, ddl) run_sql(static_cast<const char *>(lfirst(cell)));
}

void distribute_tables(ReturnSetInfo *rsinfo) {
    if (!distributed_already("credits_account")) spi::run(collect_legacy_ids, spi::Params());
    add_account_key_to_unique_keys();
    List *bindings = fetch_roles(saved_bindings);
    List *access = fetch_roles(saved_access);
    const char *schema = quote_identifier(get_namespace_name(tables::installed_schema()));
    for (const char *table : cluster::reference_tables) {
        if (distributed_already(table)) continue;
        bool binding_table = strcmp(table, "credits_role_tenant") == 0;
        bool access_table = strcmp(table, "credits_access_set") == 0;
        if (binding_table || access_table) run_sql(psprintf("TRUNCATE %s.%s", schema, table));
        spi::run(make_reference, spi::Params().add_text(table));
        if (binding_table) restore_roles(restore_binding, bindings);
        else if (access_table) restore_roles(restore_access, access);
        else empty_local_copy_of(table);
        put(rsinfo, table, "reference table");
    }
    for (const char *table : cluster::account_scoped_tables) {
        if (distributed_already(table)) continue;
        spi::run(make_distributed, spi::Params().add_text(table));
        empty_local_copy_of(table);
        put(rsinfo, table, "distributed by account_key, colocated with credits_account");
    }
}

}  // namespace

// credits_distribute() -> (object, distribution): what it distributed now.
CREDITS_FUNCTION(credits_distribute) {
    tables::require_writable(fcinfo->flinfo->fn_oid);
    tenants::require_unbound("credits_distribute()");
    spi::begin(fcinfo);
    spi::run(citus_installed, spi::Params());
    if (!spi::row(0).boolean(1))
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "Citus is not installed in this database",
             "credits_distribute() makes credits' tables Citus's.",
             "Preload citus (shared_preload_libraries) and run CREATE EXTENSION citus first.");
    spi::run(on_coordinator, spi::Params());
    if (!spi::row(0).boolean(1))
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "credits_distribute() runs on the coordinator",
             "This node is a Citus worker.");
    if (!spi::row(0).boolean(2))
        fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, "the coordinator is not in Citus's metadata",
             "credits reads its reference tables (role bindings, plans) on the node a call reaches.",
             "Run SELECT citus_set_coordinator_host('<host>', <port>) first.");

    InitMaterializedSRF(fcinfo, 0);
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    // Our guard triggers are statement triggers that refuse writes: safe on
    // shards, where they refuse writes through Citus too.
    run_sql("SET LOCAL client_min_messages = warning");  // Citus's notes on copying the rows
    run_sql("SET LOCAL citus.enable_unsafe_triggers = on");
    run_sql("SET LOCAL citus.multi_shard_modify_mode = sequential");
    distribute_tables(rsinfo);

    uint64 twins = spi::run(undistributed_twins, spi::Params());
    List *names = NIL;
    for (uint64 i = 0; i < twins; i++) names = lappend(names, const_cast<char *>(args::cstr(spi::row(i).string(1))));
    ListCell *cell;
    foreach (cell, names) {
        spi::run(delegate, spi::Params().add_text(static_cast<const char *>(lfirst(cell))));
        put(rsinfo, static_cast<const char *>(lfirst(cell)), "delegated by account_key");
    }
    spi::run(spread_identity, spi::Params());
    // The module_pathname of credits.control.
    if (int views = citus_views::wrap_views(tables::installed_schema(), "$libdir/credits"))
        put(rsinfo, psprintf("%d views", views), "read through name_rows(), as the extension's owner");
    spi::end();
    return (Datum)0;
}
