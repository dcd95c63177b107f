// The views on Citus.
//
// Citus runs the shard queries of a view as the user who queried it, and so
// needs that user to hold privileges on the tables under the view (Citus
// issue 1683), which credits' roles never do: with them a role could read
// every tenant's rows. So credits_distribute() keeps each view's definition
// as name_across_shards (for the extension's owner alone) and makes the view
// itself read name_rows(), which runs that definition as the owner, for a
// caller who may read the view. The tenant is still the caller's; the rows
// still come from every shard, each filtered by tenant there. (A filter on
// the view applies on the node queried: to read one account, call
// credits_get_account(), credits_ledger() and the like, which go to its
// shard.)
#include "citus_views.h"

#include "errors.h"
#include "guard.h"
#include "results.h"
#include "routing.h"
#include "spi.h"
#include "tables.h"

extern "C" {
#include "utils/acl.h"
}

namespace credits::citus_views {

namespace {

constexpr const char *views[] = {"credits_accounts",      "credits_entries",  "credits_reservations",
                                 "credits_status_history", "credits_grants",   "credits_entry_grants",
                                 "credits_plans",          "credits_subscriptions", "credits_role_tenants",
                                 "credits_role_access",    "credits_usage",    "credits_prices",
                                 "credits_alerts",         "credits_reload_requests"};

void run_sql(const char *sql) {
    if (SPI_execute(sql, false, 0) < 0) elog(ERROR, "credits: \"%s\" failed", sql);
}

}  // namespace

const char *suffix = "_across_shards";

int wrap_views(Oid schema, const char *library) {
    const char *s = quote_identifier(get_namespace_name(schema));
    int wrapped = 0;
    for (const char *view : views) {
        const char *inner = psprintf("%s%s", view, suffix);
        if (OidIsValid(get_relname_relid(inner, schema))) continue;
        Oid oid = get_relname_relid(view, schema);
        if (!OidIsValid(oid)) elog(ERROR, "credits: view %s is missing", view);
        text *definition = DatumGetTextPP(DirectFunctionCall2(pg_get_viewdef_ext, ObjectIdGetDatum(oid), BoolGetDatum(false)));
        run_sql(psprintf("CREATE VIEW %s.%s AS %s", s, inner, text_to_cstring(definition)));
        run_sql(psprintf("REVOKE ALL ON %s.%s FROM PUBLIC", s, inner));
        run_sql(psprintf("CREATE FUNCTION %s.%s_rows() RETURNS SETOF %s.%s AS %s, 'credits_view_rows'"
                         " LANGUAGE C STABLE SECURITY DEFINER SET search_path = pg_catalog, pg_temp",
                         s, view, s, view, quote_literal_cstr(library)));
        run_sql(psprintf("CREATE OR REPLACE VIEW %s.%s WITH (security_barrier) AS SELECT * FROM %s.%s_rows()", s,
                         view, s, view));
        run_sql(psprintf("ALTER EXTENSION credits ADD VIEW %s.%s", s, inner));
        run_sql(psprintf("ALTER EXTENSION credits ADD FUNCTION %s.%s_rows()", s, view));
        wrapped++;
    }
    return wrapped;
}

}  // namespace credits::citus_views

using namespace credits;

// credits_<view>_rows(): the view's rows, read as the extension's owner, for
// a caller who holds SELECT on the view (PUBLIC may call it: the view's
// privileges decide).
CREDITS_FUNCTION(credits_view_rows) {
    std::string_view name = get_func_name(fcinfo->flinfo->fn_oid);
    name.remove_suffix(strlen("_rows"));
    Oid schema = tables::extension_schema(fcinfo);
    const char *view = pnstrdup(name.data(), name.size());
    Oid oid = get_relname_relid(view, schema);
    if (!OidIsValid(oid) || pg_class_aclcheck(oid, GetOuterUserId(), ACL_SELECT) != ACLCHECK_OK)
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE, format("permission denied for view %s", view));
    spi::begin(fcinfo);
    const char *sql = psprintf("SELECT * FROM %s.%s%s", quote_identifier(get_namespace_name(schema)), view,
                               citus_views::suffix);
    MemoryContext caller = CurrentMemoryContext;
    PG_TRY();
    {
        if (SPI_execute(sql, true, 0) != SPI_OK_SELECT) elog(ERROR, "credits: \"%s\" failed", sql);
    }
    PG_CATCH();
    {
        // As the view itself would raise it.
        MemoryContextSwitchTo(caller);
        ErrorData *error = CopyErrorData();
        FlushErrorState();
        error->context = routing::without_forwarding(error->context);
        ReThrowError(error);
    }
    PG_END_TRY();
    results::materialize_rows(fcinfo);
    spi::end();
    return (Datum)0;
}
