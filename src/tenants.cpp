#include "tenants.h"

#include "args.h"
#include "cluster.h"
#include "errors.h"
#include "settings.h"
#include "tables.h"

extern "C" {
#include "access/genam.h"
#include "access/table.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "access/parallel.h"
#include "utils/snapmgr.h"
}

namespace credits::tenants {

namespace {

// The tenants one role is bound to (count 0: unbound).
struct Bindings {
    Oid role;  // the hash key
    int count;
    char **tenants;
};

// Bindings read so far, per role, until the bindings table changes (its
// trigger invalidates its relcache entry in every backend) or goes.
MemoryContext cache_context = nullptr;
HTAB *cache = nullptr;
Oid table_oid = InvalidOid;   // credits_role_tenant
Oid index_oid = InvalidOid;   // its primary key (role, tenant)
const Bindings *last = nullptr;  // the role asked about last
bool stale = false;

void on_relcache_invalidation(Datum, Oid relid) {
    // Only flag it: this can run in the middle of reading bindings (from
    // table_open), which must not see the cache freed.
    if (relid == InvalidOid || relid == table_oid) {
        stale = true;
        last = nullptr;
        InvalidateCatalogSnapshot();  // the next read sees the change (see read_bindings)
    }
}

void forget_bindings() {
    stale = false;
    last = nullptr;
    table_oid = index_oid = InvalidOid;
    cache = nullptr;
    if (cache_context) MemoryContextReset(cache_context);
}

// Finds the bindings table of the extension in this database; false when
// there is none (the extension is not installed here, or older).
bool locate_table() {
    if (OidIsValid(table_oid)) return true;
    Oid schema = tables::installed_schema();
    if (!OidIsValid(schema)) return false;
    // On Citus: this node's copy of the reference table.
    Oid table = cluster::relation(schema, "credits_role_tenant");
    Oid index = cluster::relation(schema, "credits_role_tenant", "credits_role_tenant_pkey");
    if (!OidIsValid(table) || !OidIsValid(index)) return false;
    if (!cache_context) {
        cache_context = AllocSetContextCreate(CacheMemoryContext, "credits role bindings", ALLOCSET_SMALL_SIZES);
        CacheRegisterRelcacheCallback(on_relcache_invalidation, 0);
    }
    HASHCTL ctl{};
    ctl.keysize = sizeof(Oid);
    ctl.entrysize = sizeof(Bindings);
    ctl.hcxt = cache_context;
    cache = hash_create("credits role bindings", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    table_oid = table;
    index_oid = index;
    return true;
}

// Reads a role's bindings from the table, with the catalog snapshot as the
// catalogs are read: it is fresh whenever the table has changed (the
// invalidation drops it), takes no transaction snapshot (so it changes
// nothing for a SET TRANSACTION that follows), and works in parallel
// workers, where the views call credits_current_tenant().
void read_bindings(Bindings *b) {
    b->count = 0;
    b->tenants = nullptr;
    Relation rel = table_open(table_oid, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(b->role));
    SysScanDesc scan = systable_beginscan(rel, index_oid, true, nullptr, 1, &key);
    List *found = NIL;
    while (HeapTuple tuple = systable_getnext(scan)) {
        bool isnull;
        Datum tenant = heap_getattr(tuple, 2, RelationGetDescr(rel), &isnull);
        if (!isnull) found = lappend(found, MemoryContextStrdup(cache_context, TextDatumGetCString(tenant)));
    }
    systable_endscan(scan);
    table_close(rel, AccessShareLock);
    b->count = list_length(found);
    b->tenants = static_cast<char **>(MemoryContextAlloc(cache_context, sizeof(char *) * (b->count + 1)));
    for (int i = 0; i < b->count; i++) b->tenants[i] = static_cast<char *>(list_nth(found, i));
    list_free(found);
}

// The calling role's bindings, or nullptr when it has none.
const Bindings *caller_bindings() {
    Oid role = GetOuterUserId();
    if (last && last->role == role) return last->count > 0 ? last : nullptr;
    if (stale) forget_bindings();
    if (!locate_table()) return nullptr;
    bool found;
    auto *b = static_cast<Bindings *>(hash_search(cache, &role, HASH_ENTER, &found));
    if (!found) b->count = -1;  // an error while reading leaves it unread
    if (b->count < 0) read_bindings(b);
    last = b;
    return b->count > 0 ? b : nullptr;
}

bool binds(const Bindings *b, std::string_view tenant) {
    for (int i = 0; i < b->count; i++)
        if (tenant == b->tenants[i]) return true;
    return false;
}

const char *tenant_list(const Bindings *b) {
    StringInfoData list;
    initStringInfo(&list);
    for (int i = 0; i < b->count; i++) appendStringInfo(&list, "%s\"%s\"", i ? ", " : "", b->tenants[i]);
    return list.data;
}

const char *caller_name() { return GetUserNameFromId(GetOuterUserId(), false); }

// act_in()'s tenant, in TopMemoryContext, and the subtransaction it began in.
char *acting_tenant = nullptr;
SubTransactionId acting_since = InvalidSubTransactionId;

}  // namespace

void act_in(std::string_view tenant) {
    stop_acting();
    acting_tenant = MemoryContextStrdup(TopMemoryContext, args::cstr(tenant));
    acting_since = GetCurrentSubTransactionId();
}

void stop_acting() {
    if (acting_tenant) pfree(acting_tenant);
    acting_tenant = nullptr;
}

bool acting() { return acting_tenant != nullptr; }

void forget_acting_from(SubTransactionId subxact) {
    if (acting_tenant && acting_since >= subxact) stop_acting();
}

std::string_view current() {
    if (acting_tenant) return acting_tenant;
    settings::TenantSetting setting = settings::tenant_setting();
    if (!setting.valid)
        fail(sqlstate::invalid_parameter, "credits.tenant is not a valid tenant",
             format("credits.tenant is \"%s\", set before the credits library was loaded; it %s.",
                    args::shown(setting.name), args::identifier_problem(setting.name)),
             "SET credits.tenant to a tenant name.");
    const Bindings *b = caller_bindings();
    if (!b || binds(b, setting.name)) return setting.name;
    if (!setting.chosen && b->count == 1) return b->tenants[0];
    if (!setting.chosen)
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE, format("role \"%s\" must choose a tenant", caller_name()),
             format("It is bound to tenants %s.", tenant_list(b)),
             "Set credits.tenant to one of them, in the transaction: SELECT set_config('credits.tenant', ..., true).");
    fail(ERRCODE_INSUFFICIENT_PRIVILEGE,
         format("role \"%s\" may not act in tenant \"%s\"", caller_name(), args::shown(setting.name)),
         format("It is bound to %s %s.", b->count == 1 ? "tenant" : "tenants", tenant_list(b)));
}

bool caller_is_bound() { return acting_tenant || caller_bindings() != nullptr; }

void require_unbound(const char *what) {
    if (acting_tenant)
        fail(ERRCODE_INSUFFICIENT_PRIVILEGE, format("%s needs a role that is not bound to a tenant", what),
             format("The call acts in tenant \"%s\".", acting_tenant));
    const Bindings *b = caller_bindings();
    if (!b) return;
    fail(ERRCODE_INSUFFICIENT_PRIVILEGE, format("%s needs a role that is not bound to a tenant", what),
         format("Role \"%s\" is bound to %s %s.", caller_name(), b->count == 1 ? "tenant" : "tenants",
                tenant_list(b)));
}

const char *setting_refused(const char *tenant) {
    // A parallel worker takes its settings from a leader that checked them.
    if (!IsTransactionState() || IsParallelWorker()) return nullptr;
    const Bindings *b = caller_bindings();
    if (!b || binds(b, tenant)) return nullptr;
    return psprintf("role \"%s\" may not act in tenant \"%s\"", caller_name(), tenant);
}

}  // namespace credits::tenants
