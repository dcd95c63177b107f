// The scheduler's background worker (shared_preload_libraries = 'credits').
#pragma once

namespace credits::worker {

// Registers the worker, from _PG_init in the postmaster (with
// shared_preload_libraries = 'credits').
void register_if_preloaded();

}  // namespace credits::worker
