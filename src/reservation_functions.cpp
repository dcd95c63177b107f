// SQL functions for reservations: reserve, confirm, cancel, extend, expire.
#include "args.h"
#include "errors.h"
#include "guard.h"
#include "reservations.h"
#include "results.h"
#include "spi.h"

using namespace credits;

namespace {

constexpr int default_hold_minutes = 15;

std::string_view reservation_arg(FunctionCallInfo fcinfo, int argno) {
    return args::required_text(fcinfo, argno, "reservation");
}

// now + interval; CR012 unless that lies in the future.
TimestampTz after_interval(FunctionCallInfo fcinfo, int argno, const char *name) {
    TimestampTz now = GetCurrentTransactionStartTimestamp();
    Interval *span = PG_GETARG_INTERVAL_P(argno);
    TimestampTz until = DatumGetTimestampTz(
        DirectFunctionCall2(timestamptz_pl_interval, TimestampTzGetDatum(now), IntervalPGetDatum(span)));
    if (until <= now || TIMESTAMP_NOT_FINITE(until))
        fail(sqlstate::invalid_parameter, format("%s must be a positive interval", name),
             format("%s is %s.", name, DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(span)))));
    return until;
}

// When the hold ends: expires_at when given, else now + expires_in (15
// minutes when that is NULL too).
TimestampTz hold_expiry(FunctionCallInfo fcinfo, int expires_in_arg, int expires_at_arg) {
    TimestampTz now = GetCurrentTransactionStartTimestamp();
    if (auto at = args::timestamp(fcinfo, expires_at_arg)) {
        if (*at <= now)
            fail(sqlstate::invalid_parameter, "expires_at must be in the future",
                 format("expires_at is %s.", timestamptz_to_str(*at)));
        return *at;
    }
    if (args::given(fcinfo, expires_in_arg)) return after_interval(fcinfo, expires_in_arg, "expires_in");
    return now + static_cast<TimestampTz>(default_hold_minutes) * 60 * USECS_PER_SEC;
}

}  // namespace

// credits_reserve(account, amount, expires_in, expires_at, description,
//                 reference, idempotency_key, metadata)
CREDITS_FUNCTION(credits_reserve) {
    std::string_view account_ref = account_arg(fcinfo, 0);
    Decimal amount = args::decimal(fcinfo, 1, "amount", Sign::Positive);
    HoldRequest request{0,
                        hold_expiry(fcinfo, 2, 3),
                        args::string(fcinfo, 4, "description"),
                        args::string(fcinfo, 5, "reference", args::max_key_length),
                        args::idempotency_key(fcinfo, 6),
                        args::json_object(fcinfo, 7, "metadata")};

    tables::Session s;
    tables::open(s, tables::extension_schema(fcinfo));
    Account account = lock_account(s, account_ref);
    request.amount = to_units(amount, account.scale, "amount", account.external_id);
    Hold hold = reserve(s, account, request);
    tables::close(s);
    return results::reservation(fcinfo, account, hold, hold.balance_after, hold.available_after);
}

// credits_confirm(reservation, amount, description, metadata, on_excess)
CREDITS_FUNCTION(credits_confirm) {
    std::string_view reservation = reservation_arg(fcinfo, 0);
    std::optional<Decimal> amount;
    if (args::given(fcinfo, 1)) amount = args::decimal(fcinfo, 1, "amount", Sign::Positive);
    auto description = args::string(fcinfo, 2, "description");
    auto metadata = args::json_object(fcinfo, 3, "metadata");
    OnExcess on_excess = on_excess_arg(args::string(fcinfo, 4, "on_excess", 32));

    tables::Session s;
    tables::open(s, tables::extension_schema(fcinfo));
    LockedHold held = lock_hold(s, reservation);
    Confirmation confirmation = confirm(s, held, amount, description, metadata, on_excess);
    tables::close(s);
    return results::confirmation(fcinfo, held.account, confirmation);
}

// credits_cancel(reservation)
CREDITS_FUNCTION(credits_cancel) {
    std::string_view reservation = reservation_arg(fcinfo, 0);
    tables::Session s;
    tables::open(s, tables::extension_schema(fcinfo));
    LockedHold held = lock_hold(s, reservation);
    cancel(s, held);
    tables::close(s);
    return results::reservation(fcinfo, held.account, held.hold, held.account.balance, held.account.available());
}

// credits_extend_reservation(reservation, expires_in): the hold lasts until
// at least now + expires_in.
CREDITS_FUNCTION(credits_extend_reservation) {
    std::string_view reservation = reservation_arg(fcinfo, 0);
    if (!args::given(fcinfo, 1)) fail(sqlstate::invalid_parameter, "expires_in is required");
    TimestampTz until = after_interval(fcinfo, 1, "expires_in");
    tables::Session s;
    tables::open(s, tables::extension_schema(fcinfo));
    LockedHold held = lock_hold(s, reservation);
    extend(s, held, until);
    tables::close(s);
    return results::reservation(fcinfo, held.account, held.hold, held.account.balance, held.account.available());
}

// credits_expire_reservations(max): one bounded batch of background expiry.
CREDITS_FUNCTION(credits_expire_reservations) {
    int max = args::int32_value(fcinfo, 0).value_or(1000);
    if (max < 1) fail(sqlstate::invalid_parameter, "max must be at least 1", format("max is %d.", max));
    spi::begin(fcinfo);
    tables::Session s;
    tables::open(s, tables::extension_schema(fcinfo));
    int expired = expire_holds(s, max);
    tables::close(s);
    spi::end();
    PG_RETURN_INT32(expired);
}
