// The moment a call acts at: its transaction's start, as now() says. On
// Citus, for a call another node forwarded here, the start of the caller's
// transaction there: every row one transaction writes on any node carries
// the same time, the time the caller's now() shows.
#pragma once

#include "pg.h"

namespace credits::clock {

TimestampTz now();

// For a forwarded call: act at `at` until forget() or the end of the
// subtransaction that began it.
void act_at(TimestampTz at);
void forget();
void forget_from(SubTransactionId subxact);

}  // namespace credits::clock
