#include "settings.h"

extern "C" {
#include "miscadmin.h"
}

namespace credits::settings {

namespace {

char *tenant_setting = nullptr;
char *scheduler_database_setting = nullptr;
int scheduler_interval_setting = 10;
int scheduler_batch_setting = 1000;

bool check_tenant(char **newval, void **, GucSource) {
    size_t len = *newval ? strlen(*newval) : 0;
    if (len == 0 || len > 255) {
        GUC_check_errcode(MAKE_SQLSTATE('C', 'R', '0', '1', '2'));
        GUC_check_errdetail("credits.tenant must be between 1 and 255 characters.");
        return false;
    }
    return true;
}

}  // namespace

void define() {
    DefineCustomStringVariable("credits.tenant", "Tenant whose accounts this session sees and creates.",
                               "Account lookups, new accounts and the views are scoped to this tenant.",
                               &tenant_setting, "default", PGC_USERSET, 0, check_tenant, nullptr, nullptr);
    // Read once at server start; a library loaded later cannot define it.
    if (process_shared_preload_libraries_in_progress)
        DefineCustomStringVariable("credits.scheduler_database",
                                   "Database in which the credits background worker runs credits_run_due().",
                                   "Empty (the default): no worker. Needs shared_preload_libraries = 'credits'.",
                                   &scheduler_database_setting, "", PGC_POSTMASTER, 0, nullptr, nullptr, nullptr);
    DefineCustomIntVariable("credits.scheduler_interval", "Seconds between the background worker's rounds.", nullptr,
                            &scheduler_interval_setting, 10, 1, 86400, PGC_SIGHUP, GUC_UNIT_S, nullptr, nullptr,
                            nullptr);
    DefineCustomIntVariable("credits.scheduler_batch",
                            "Accounts per kind of due work (holds, grants, renewals) in one round.", nullptr,
                            &scheduler_batch_setting, 1000, 1, 1000000, PGC_SIGHUP, 0, nullptr, nullptr, nullptr);
}

const char *scheduler_database() { return scheduler_database_setting ? scheduler_database_setting : ""; }
int scheduler_interval() { return scheduler_interval_setting; }
int scheduler_batch() { return scheduler_batch_setting; }

std::string_view tenant() { return tenant_setting; }

}  // namespace credits::settings
