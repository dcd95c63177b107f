#include "args.h"

#include "errors.h"

namespace credits::args {

bool given(FunctionCallInfo fcinfo, int argno) { return argno < PG_NARGS() && !PG_ARGISNULL(argno); }

std::optional<std::string_view> string(FunctionCallInfo fcinfo, int argno, const char *name, int max_length) {
    if (!given(fcinfo, argno)) return std::nullopt;
    ::text *t = PG_GETARG_TEXT_PP(argno);
    std::string_view s(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    if (static_cast<int>(s.size()) > max_length)
        fail(sqlstate::invalid_parameter, format("%s is too long", name),
             format("%s has %zu bytes; the limit is %d.", name, s.size(), max_length));
    return s;
}

std::string_view required_text(FunctionCallInfo fcinfo, int argno, const char *name, int max_length) {
    auto s = string(fcinfo, argno, name, max_length);
    if (!s || s->empty()) fail(sqlstate::invalid_parameter, format("%s is required", name));
    return *s;
}

std::optional<std::string_view> idempotency_key(FunctionCallInfo fcinfo, int argno) {
    auto key = string(fcinfo, argno, "idempotency_key", max_key_length);
    if (key && key->empty())
        fail(sqlstate::invalid_parameter, "idempotency_key must not be empty",
             nullptr, "Pass NULL for an operation without an idempotency key.");
    return key;
}

std::optional<Datum> json_object(FunctionCallInfo fcinfo, int argno, const char *name) {
    if (!given(fcinfo, argno)) return std::nullopt;
    Jsonb *j = PG_GETARG_JSONB_P(argno);
    if (!JB_ROOT_IS_OBJECT(j) || JB_ROOT_IS_SCALAR(j))
        fail(sqlstate::invalid_parameter, format("%s must be a JSON object", name),
             format("%s is %s.", name, JsonbToCString(nullptr, &j->root, VARSIZE(j))));
    return JsonbPGetDatum(j);
}

Decimal decimal(FunctionCallInfo fcinfo, int argno, const char *name, Sign sign) {
    bool isnull = !given(fcinfo, argno);
    return read_decimal(isnull ? 0 : PG_GETARG_DATUM(argno), isnull, name, sign);
}

std::optional<int32> int32_value(FunctionCallInfo fcinfo, int argno) {
    if (!given(fcinfo, argno)) return std::nullopt;
    return PG_GETARG_INT32(argno);
}

std::optional<TimestampTz> timestamp(FunctionCallInfo fcinfo, int argno) {
    if (!given(fcinfo, argno)) return std::nullopt;
    TimestampTz t = PG_GETARG_TIMESTAMPTZ(argno);
    if (TIMESTAMP_NOT_FINITE(t))
        fail(sqlstate::invalid_parameter, "timestamps must be finite", format("Got %s.", timestamptz_to_str(t)));
    return t;
}

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

std::optional<TimestampTz> expiry(FunctionCallInfo fcinfo, int expires_in_arg, int expires_at_arg) {
    if (auto at = timestamp(fcinfo, expires_at_arg)) {
        if (*at <= GetCurrentTransactionStartTimestamp())
            fail(sqlstate::invalid_parameter, "expires_at must be in the future",
                 format("expires_at is %s.", timestamptz_to_str(*at)));
        return *at;
    }
    if (given(fcinfo, expires_in_arg)) return after_interval(fcinfo, expires_in_arg, "expires_in");
    return std::nullopt;
}

const char *cstr(std::string_view s) { return pnstrdup(s.data(), s.size()); }

}  // namespace credits::args
