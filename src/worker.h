// The scheduler's background worker (shared_preload_libraries = 'credits').
#pragma once

namespace credits::worker {

// Registers the worker, from _PG_init in the postmaster, when
// credits.scheduler_database names a database.
void register_if_configured();

}  // namespace credits::worker
