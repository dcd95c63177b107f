#include "clock.h"

#include <optional>

namespace credits::clock {

namespace {

std::optional<TimestampTz> forwarded;
SubTransactionId forwarded_since = InvalidSubTransactionId;

}  // namespace

TimestampTz now() { return forwarded ? *forwarded : GetCurrentTransactionStartTimestamp(); }

void act_at(TimestampTz at) {
    forwarded = at;
    forwarded_since = GetCurrentSubTransactionId();
}

void forget() { forwarded.reset(); }

void forget_from(SubTransactionId subxact) {
    if (forwarded && forwarded_since >= subxact) forwarded.reset();
}

}  // namespace credits::clock
