#include "settings.h"

namespace credits::settings {

namespace {

char *tenant_setting = nullptr;

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
}

std::string_view tenant() { return tenant_setting; }

}  // namespace credits::settings
