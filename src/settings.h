// The extension's configuration parameters (GUCs).
#pragma once

#include "pg.h"

namespace credits::settings {

void define();

// credits.tenant: scopes every account lookup and every new row (through
// tenants::current(), which holds it against the caller's bindings).
struct TenantSetting {
    std::string_view name;
    bool chosen;  // set for the role, the client or the session (not a server or database default)
    bool valid;   // false: a value set before the library was loaded that is no tenant name
};
TenantSetting tenant_setting();

// The background scheduler (worker.cpp): the database it works in ("" for
// no worker), seconds between rounds, and accounts per kind of work a round.
const char *scheduler_database();
int scheduler_interval();
int scheduler_batch();

// credits.notify: a transaction that wrote events sends NOTIFY credits_events
// (an empty payload) as it commits. Off: consumers only poll.
bool notify();

}  // namespace credits::settings
