// Who may do what: roles bound to tenants (tenants.h), and the access sets a
// DBA grants a role in one call: read (views, balances, the ledger), app
// (read, plus moving credits and managing its accounts), admin (app, plus
// plans, verification, the scheduler, role bindings and access sets).
// Granted sets are recorded, so that an upgrade that adds functions can
// grant them to the roles that hold the set.
#include "args.h"
#include "errors.h"
#include "guard.h"
#include "results.h"
#include "spi.h"
#include "tables.h"
#include "tenants.h"

extern "C" {
#include "utils/acl.h"
#include "utils/inval.h"
}

using namespace credits;

namespace {

enum Access { Read, App, Admin, access_count };
constexpr const char *access_names[] = {"read", "app", "admin"};

// What each set adds to the one below it.
struct Set {
    const char *const *functions;
    int nfunctions;
    const char *const *views;
    int nviews;
};
constexpr const char *read_functions[] = {"credits_get_account",   "credits_balance",    "credits_ledger",
                                          "credits_current_tenant", "credits_quote",      "credits_list_usage",
                                          "credits_usage_summary",  "credits_account_summary", "credits_list_entries",
                                          "credits_list_accounts"};
constexpr const char *read_views[] = {"credits_accounts", "credits_entries",      "credits_reservations",
                                      "credits_status_history", "credits_grants", "credits_entry_grants",
                                      "credits_plans",    "credits_subscriptions", "credits_usage",
                                      "credits_prices",   "credits_alerts",       "credits_reload_requests",
                                      "credits_events",   "credits_event_consumers"};
constexpr const char *app_functions[] = {
    "credits_create_account", "credits_update_account", "credits_credit",   "credits_debit",
    "credits_reserve",        "credits_confirm",        "credits_cancel",   "credits_extend_reservation",
    "credits_reverse",        "credits_adjust",         "credits_transfer", "credits_freeze",
    "credits_unfreeze",       "credits_close",          "credits_reopen",   "credits_apply",
    "credits_assign_plan",    "credits_cancel_plan",    "credits_record_usage", "credits_charge",
    "credits_set_alerts",     "credits_set_auto_reload", "credits_complete_reload", "credits_create_consumer",
    "credits_drop_consumer",  "credits_claim_events",   "credits_ack_events"};
constexpr const char *admin_functions[] = {"credits_create_plan",  "credits_verify",        "credits_run_due",
                                           "credits_expire_reservations", "credits_bind_role", "credits_unbind_role",
                                           "credits_grant_access", "credits_revoke_access", "credits_set_price",
                                           "credits_prune_usage", "credits_prune_events"};
constexpr const char *admin_views[] = {"credits_role_tenants", "credits_role_access"};

template <typename T, int N>
constexpr int count(T (&)[N]) { return N; }

const Set sets[access_count] = {
    {read_functions, count(read_functions), read_views, count(read_views)},
    {app_functions, count(app_functions), nullptr, 0},
    {admin_functions, count(admin_functions), admin_views, count(admin_views)},
};

Access access_arg(FunctionCallInfo fcinfo, int argno) {
    std::string_view name = args::string(fcinfo, argno, "access", 16).value_or("app");
    for (int a = 0; a < access_count; a++)
        if (name == access_names[a]) return static_cast<Access>(a);
    fail(sqlstate::invalid_parameter, format("unknown access \"%s\"", args::shown(name)),
         "access is read, app or admin.");
}

Oid role_arg(FunctionCallInfo fcinfo, int argno) {
    if (!args::given(fcinfo, argno)) fail(sqlstate::invalid_parameter, "role is required");
    Oid role = PG_GETARG_OID(argno);
    if (!OidIsValid(role)) fail(sqlstate::invalid_parameter, "role must be a role, not PUBLIC");
    return role;
}

// What only a role that is not bound to a tenant may change, in a
// transaction that may write.
void begin_admin(FunctionCallInfo fcinfo, const char *what) {
    tables::require_writable(fcinfo->flinfo->fn_oid);
    tenants::require_unbound(what);
    spi::begin(fcinfo);
}

Datum text_array(const char *const *names, int n) {
    Datum *items = static_cast<Datum *>(palloc(sizeof(Datum) * (n + 1)));
    for (int i = 0; i < n; i++) items[i] = CStringGetTextDatum(names[i]);
    return PointerGetDatum(construct_array(items, n, TEXTOID, -1, false, TYPALIGN_INT));
}

// The privileges of one set, as GRANT objects: "FUNCTION f(args)", "TABLE v".
spi::Statement set_objects{
    "SELECT 'FUNCTION ' || p.oid::regprocedure::text, 'EXECUTE' FROM pg_proc p"
    " WHERE p.pronamespace = $1 AND p.proname = ANY ($2)"
    " UNION ALL "
    "SELECT 'TABLE ' || c.oid::regclass::text, 'SELECT' FROM pg_class c"
    " WHERE c.relnamespace = $1 AND c.relname = ANY ($3) ORDER BY 1",
    3, {OIDOID, TEXTARRAYOID, TEXTARRAYOID}};

spi::Statement record_access{
    "INSERT INTO @extschema@.credits_access_set (role, access, granted_at) VALUES ($1, $2, now())"
    " ON CONFLICT (role) DO UPDATE SET access = excluded.access, granted_at = excluded.granted_at",
    2, {REGROLEOID, TEXTOID}};
spi::Statement forget_access{"DELETE FROM @extschema@.credits_access_set WHERE role = $1", 1, {REGROLEOID}};

// GRANTs (or REVOKEs) one set's privileges; returns the objects as rows of
// (object, privilege) in `granted` when given.
void apply_set(Oid schema, Access a, Oid role, bool grant, ReturnSetInfo *granted) {
    const Set &set = sets[a];
    uint64 n = spi::run(set_objects, spi::Params()
                                         .add(ObjectIdGetDatum(schema))
                                         .add(text_array(set.functions, set.nfunctions))
                                         .add(text_array(set.views, set.nviews)));
    const char *grantee = quote_identifier(GetUserNameFromId(role, false));
    List *statements = NIL;
    for (uint64 i = 0; i < n; i++) {
        spi::Row row = spi::row(i);
        const char *object = args::cstr(row.string(1));
        const char *privilege = args::cstr(row.string(2));
        statements = lappend(statements, psprintf(grant ? "GRANT %s ON %s TO %s" : "REVOKE %s ON %s FROM %s",
                                                  privilege, object, grantee));
        if (granted) {
            Datum values[] = {CStringGetTextDatum(object), CStringGetTextDatum(privilege)};
            bool nulls[] = {false, false};
            results::put_row(granted, values, nulls);
        }
    }
    ListCell *cell;
    foreach (cell, statements)
        if (SPI_execute(static_cast<const char *>(lfirst(cell)), false, 0) != SPI_OK_UTILITY)
            elog(ERROR, "credits: \"%s\" failed", static_cast<const char *>(lfirst(cell)));
}

spi::Statement insert_binding{
    "INSERT INTO @extschema@.credits_role_tenant (role, tenant, bound_at) VALUES ($1, $2, now())"
    " ON CONFLICT DO NOTHING",
    2, {REGROLEOID, TEXTOID}};
spi::Statement binding_row{"SELECT role::text, tenant, bound_at FROM @extschema@.credits_role_tenant"
                           " WHERE role = $1 AND tenant = $2", 2, {REGROLEOID, TEXTOID}};
spi::Statement delete_bindings{
    "DELETE FROM @extschema@.credits_role_tenant WHERE role = $1 AND ($2::text IS NULL OR tenant = $2)", 2,
    {REGROLEOID, TEXTOID}};

}  // namespace

// credits_bind_role(role, tenant) -> the binding: from then on the role acts
// only in its tenants.
CREDITS_FUNCTION(credits_bind_role) {
    Oid role = role_arg(fcinfo, 0);
    std::string_view tenant = args::required_identifier(fcinfo, 1, "tenant");
    if (role == GetOuterUserId())
        fail(sqlstate::invalid_parameter, "a role cannot bind itself to a tenant",
             "It could not undo it: only roles that are not bound change bindings.");
    begin_admin(fcinfo, "credits_bind_role()");
    spi::run(insert_binding, spi::Params().add(ObjectIdGetDatum(role)).add_text(tenant));
    spi::run(binding_row, spi::Params().add(ObjectIdGetDatum(role)).add_text(tenant));
    Datum result = results::from_row(fcinfo, spi::row(0));
    spi::end();
    return result;
}

// credits_unbind_role(role, tenant = NULL: every tenant) -> bindings removed.
CREDITS_FUNCTION(credits_unbind_role) {
    Oid role = role_arg(fcinfo, 0);
    auto tenant = args::reference(fcinfo, 1, "tenant");
    begin_admin(fcinfo, "credits_unbind_role()");
    uint64 removed = spi::run(delete_bindings, spi::Params().add(ObjectIdGetDatum(role)).add_text(tenant));
    spi::end();
    PG_RETURN_INT32(static_cast<int32>(removed));
}

// credits_grant_access(role, access = 'app') -> (object, privilege), what the
// role now holds through credits. Gives the role that set (and the ones it
// includes), takes away the sets above it, and records it.
CREDITS_FUNCTION(credits_grant_access) {
    Oid role = role_arg(fcinfo, 0);
    Access access = access_arg(fcinfo, 1);
    begin_admin(fcinfo, "credits_grant_access()");
    Oid schema = tables::extension_schema(fcinfo);
    InitMaterializedSRF(fcinfo, 0);
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    const char *usage = psprintf("GRANT USAGE ON SCHEMA %s TO %s", quote_identifier(get_namespace_name(schema)),
                                 quote_identifier(GetUserNameFromId(role, false)));
    if (SPI_execute(usage, false, 0) != SPI_OK_UTILITY) elog(ERROR, "credits: \"%s\" failed", usage);
    for (int a = 0; a < access_count; a++) {
        bool in_set = a <= access;
        apply_set(schema, static_cast<Access>(a), role, in_set, in_set ? rsinfo : nullptr);
    }
    spi::run(record_access, spi::Params().add(ObjectIdGetDatum(role)).add_text(access_names[access]));
    spi::end();
    return (Datum)0;
}

// credits_revoke_access(role) -> whether the role had a set: takes away every
// set (USAGE on the schema stays: it may serve more than credits).
CREDITS_FUNCTION(credits_revoke_access) {
    Oid role = role_arg(fcinfo, 0);
    begin_admin(fcinfo, "credits_revoke_access()");
    Oid schema = tables::extension_schema(fcinfo);
    for (int a = 0; a < access_count; a++) apply_set(schema, static_cast<Access>(a), role, false, nullptr);
    uint64 forgotten = spi::run(forget_access, spi::Params().add(ObjectIdGetDatum(role)));
    spi::end();
    PG_RETURN_BOOL(forgotten > 0);
}

// The bindings table's trigger: every backend forgets the bindings it read
// (at commit), whoever changed the table and however.
CREDITS_FUNCTION(credits_role_bindings_changed) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        fail(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED, "credits_role_bindings_changed() is a trigger function",
             "It runs by itself when role bindings change; it cannot be called.");
    CacheInvalidateRelcache(reinterpret_cast<TriggerData *>(fcinfo->context)->tg_relation);
    return PointerGetDatum(nullptr);
}
