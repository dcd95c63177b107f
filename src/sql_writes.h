// The guard triggers refuse UPDATE, DELETE and TRUNCATE on credits' tables
// from anyone but credits. credits' own writes go below the executor and
// never fire them; the few it makes through SQL (credits_prune_usage's
// deletes, the event feed's consumers and pruning) are let through while the
// function that runs them permits writes to the tables it names.
#pragma once

#include "pg.h"

namespace credits::sql_writes {

// Permits SQL writes to these tables (a static array of `count` names)
// until end(); forget() at abort (module.cpp).
void permit(const char *const *tables, int count);
void end();
void forget();

// Whether a guard trigger lets a write to `table` through.
bool permitted(const char *table);

}  // namespace credits::sql_writes
