#include "settings.h"

#include "args.h"
#include "errors.h"
#include "tenants.h"

extern "C" {
#include "miscadmin.h"
}

namespace credits::settings {

namespace {

// What the check hook learnt about a credits.tenant value; PostgreSQL keeps
// it with the value (through SET LOCAL, RESET and rollbacks alike).
struct TenantExtra {
    bool chosen;
    bool valid;
};

char *tenant_value = nullptr;
const TenantExtra *tenant_extra = nullptr;
bool defining = false;  // the library is being loaded: values set before it are re-applied
char *scheduler_database_setting = nullptr;
int scheduler_interval_setting = 10;
int scheduler_batch_setting = 1000;
bool notify_setting = true;

const char *tenant_problem(const char *value) {
    if (strlen(value) > args::max_key_length) return "is longer than 255 bytes";
    return args::identifier_problem(value);
}

// An invalid name is refused when it is set, and so is a tenant the role is
// not bound to. A value set before the library was loaded cannot be refused
// any more: it is kept, marked, and every use of it fails instead (never
// silently another tenant).
bool check_tenant(char **newval, void **extra, GucSource source) {
    const char *value = *newval ? *newval : "";
    const char *problem = tenant_problem(value);
    bool chosen = source >= PGC_S_USER;
    if (!defining) {
        if (problem) {
            GUC_check_errcode(sqlstate::invalid_parameter);
            GUC_check_errdetail("credits.tenant %s.", problem);
            return false;
        }
        if (chosen) {
            if (const char *refused = tenants::setting_refused(value)) {
                GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
                GUC_check_errmsg("%s", refused);
                return false;
            }
        }
    }
    // PostgreSQL frees it with free() (guc.c's guc_malloc is not exported).
    auto *e = static_cast<TenantExtra *>(malloc(sizeof(TenantExtra)));
    if (!e) {
        GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
        return false;
    }
    *e = TenantExtra{chosen, problem == nullptr};
    *extra = e;
    return true;
}

void assign_tenant(const char *, void *extra) { tenant_extra = static_cast<const TenantExtra *>(extra); }

bool check_database_name(char **newval, void **, GucSource) {
    if (*newval && strlen(*newval) >= NAMEDATALEN) {
        GUC_check_errdetail("A database name has at most %d bytes.", NAMEDATALEN - 1);
        return false;
    }
    return true;
}

}  // namespace

void define() {
    defining = true;
    DefineCustomStringVariable("credits.tenant", "Tenant whose accounts this session sees and creates.",
                               "Account lookups, new accounts and the views are scoped to this tenant.",
                               &tenant_value, "default", PGC_USERSET, 0, check_tenant, assign_tenant, nullptr);
    defining = false;
    // Defined wherever the library is loaded (a PGC_POSTMASTER setting could
    // only be defined while preloading), so that ALTER SYSTEM accepts it
    // before shared_preload_libraries names credits; the worker reads it.
    DefineCustomStringVariable("credits.scheduler_database",
                               "Database in which the credits background worker runs credits_run_due().",
                               "Empty (the default): the worker waits. Needs shared_preload_libraries = 'credits'.",
                               &scheduler_database_setting, "", PGC_SIGHUP, 0, check_database_name, nullptr,
                               nullptr);
    DefineCustomIntVariable("credits.scheduler_interval", "Seconds between the background worker's rounds.", nullptr,
                            &scheduler_interval_setting, 10, 1, 86400, PGC_SIGHUP, GUC_UNIT_S, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("credits.scheduler_batch",
                            "Accounts per kind of due work (holds, grants, renewals) in one round.", nullptr,
                            &scheduler_batch_setting, 1000, 1, 1000000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable("credits.notify", "Wake the listeners of channel credits_events when events commit.",
                             "NOTIFY takes a lock at commit that serialises committing writers, and does not pass "
                             "PgBouncer's transaction pooling; consumers poll as well.",
                             &notify_setting, true, PGC_USERSET, 0, nullptr, nullptr, nullptr);
}

const char *scheduler_database() { return scheduler_database_setting ? scheduler_database_setting : ""; }
int scheduler_interval() { return scheduler_interval_setting; }
int scheduler_batch() { return scheduler_batch_setting; }
bool notify() { return notify_setting; }

TenantSetting tenant_setting() {
    return TenantSetting{tenant_value, tenant_extra && tenant_extra->chosen, !tenant_extra || tenant_extra->valid};
}

}  // namespace credits::settings
