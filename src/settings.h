// The extension's configuration parameters (GUCs).
#pragma once

#include "pg.h"

namespace credits::settings {

void define();

// credits.tenant: scopes every account lookup and every new row.
std::string_view tenant();

}  // namespace credits::settings
