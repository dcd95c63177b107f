#include "usage_args.h"

#include "args.h"
#include "errors.h"

namespace credits::usage_args {

std::string_view label(FunctionCallInfo fcinfo, int argno, const char *name, const char *otherwise) {
    return args::identifier(fcinfo, argno, name, 255).value_or(otherwise);
}

std::string_view context(FunctionCallInfo fcinfo, int argno) { return label(fcinfo, argno, "context", "customer"); }

int64 tokens(FunctionCallInfo fcinfo, int argno) { return args::given(fcinfo, argno) ? PG_GETARG_INT64(argno) : 0; }

std::optional<Datum> quantity(FunctionCallInfo fcinfo, int argno, const char *name) {
    if (!args::given(fcinfo, argno)) return std::nullopt;
    args::decimal(fcinfo, argno, name, Sign::NonNegative);
    return DirectFunctionCall1(numeric_trim_scale, PG_GETARG_DATUM(argno));
}

void read_priced(FunctionCallInfo fcinfo, int first, usage::Usage &u) {
    u.model = args::identifier(fcinfo, first, "model");
    u.usage_type = label(fcinfo, first + 1, "usage_type", "text");
    for (int b = 0; b < usage::bucket_count; b++) u.tokens[b] = tokens(fcinfo, first + 2 + b);
    if (auto units = quantity(fcinfo, first + 7, "units")) u.units = *units;
    u.requests = args::int32_value(fcinfo, first + 8).value_or(1);
}

std::optional<TimestampTz> finite_timestamp(FunctionCallInfo fcinfo, int argno, const char *name) {
    auto t = args::timestamp(fcinfo, argno);
    if (t && TIMESTAMP_NOT_FINITE(*t)) fail(sqlstate::invalid_parameter, format("%s must be a finite timestamp", name));
    return t;
}

}  // namespace credits::usage_args
