// SQL functions for reservations: reserve, confirm, cancel, extend, expire.
#include "args.h"
#include "clock.h"
#include "errors.h"
#include "guard.h"
#include "ops.h"
#include "results.h"

using namespace credits;

namespace {

constexpr int default_hold_minutes = 15;

std::string_view reservation_arg(FunctionCallInfo fcinfo, int argno) {
    return args::required_text(fcinfo, argno, "reservation");
}

// When the hold ends: expires_at when given, else now + expires_in (15
// minutes when that is NULL too).
TimestampTz hold_expiry(FunctionCallInfo fcinfo, int expires_in_arg, int expires_at_arg) {
    if (auto at = args::expiry(fcinfo, expires_in_arg, expires_at_arg)) return *at;
    return clock::now() + static_cast<TimestampTz>(default_hold_minutes) * 60 * USECS_PER_SEC;
}

}  // namespace

// credits_reserve(account, amount, expires_in, expires_at, description,
//                 reference, idempotency_key, metadata)
CREDITS_FUNCTION(credits_reserve) {
    ops::Request r = ops::request(ops::Kind::Reserve);
    r.account = account_arg(fcinfo, 0);
    r.amount = args::decimal(fcinfo, 1, "amount", Sign::Positive);
    r.expires_at = hold_expiry(fcinfo, 2, 3);
    r.description = args::string(fcinfo, 4, "description");
    r.reference = args::identifier(fcinfo, 5, "reference");
    r.idempotency_key = args::idempotency_key(fcinfo, 6);
    r.metadata = args::json_object(fcinfo, 7, "metadata");

    ops::Result result = ops::run(fcinfo, r);
    const Hold &h = result.hold;
    return results::reservation(fcinfo, *result.account, h, h.balance_after, h.available_after);
}

// credits_confirm(reservation, amount, description, metadata, on_excess)
CREDITS_FUNCTION(credits_confirm) {
    ops::Request r = ops::request(ops::Kind::Confirm);
    r.target = reservation_arg(fcinfo, 0);
    if (args::given(fcinfo, 1)) r.amount = args::decimal(fcinfo, 1, "amount", Sign::Positive);
    r.description = args::string(fcinfo, 2, "description");
    r.metadata = args::json_object(fcinfo, 3, "metadata");
    r.on_excess = on_excess_arg(args::string(fcinfo, 4, "on_excess", 32));

    ops::Result result = ops::run(fcinfo, r);
    return results::confirmation(fcinfo, *result.account, result.movement, result.posting, result.released);
}

// credits_cancel(reservation)
CREDITS_FUNCTION(credits_cancel) {
    ops::Request r = ops::request(ops::Kind::Cancel);
    r.target = reservation_arg(fcinfo, 0);

    ops::Result result = ops::run(fcinfo, r);
    const Account &a = *result.account;
    return results::reservation(fcinfo, a, result.hold, a.balance, a.available());
}

// credits_extend_reservation(reservation, expires_in): the hold lasts until
// at least now + expires_in.
CREDITS_FUNCTION(credits_extend_reservation) {
    std::string_view reservation = reservation_arg(fcinfo, 0);
    if (!args::given(fcinfo, 1)) fail(sqlstate::invalid_parameter, "expires_in is required");
    TimestampTz until = args::after_interval(fcinfo, 1, "expires_in");
    ops::Work w;
    ops::begin(w, fcinfo);
    LockedHold held = ops::lock_hold(w, reservation);
    extend(w.session, held, until);
    ops::finish(w);
    const Account &a = *held.account;
    return results::reservation(fcinfo, a, held.hold, a.balance, a.available());
}
