// The extension's configuration parameters (GUCs).
#pragma once

#include "pg.h"

namespace credits::settings {

void define();

// credits.tenant: scopes every account lookup and every new row.
std::string_view tenant();

// The background scheduler (worker.cpp): the database it works in ("" for
// no worker), seconds between rounds, and accounts per kind of work a round.
const char *scheduler_database();
int scheduler_interval();
int scheduler_batch();

}  // namespace credits::settings
