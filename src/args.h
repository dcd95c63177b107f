// Reading and validating SQL arguments. Every check raises a documented
// SQLSTATE (CR012 invalid_parameter unless said otherwise) before anything is
// written.
#pragma once

#include "amount.h"

#include <optional>

namespace credits::args {

constexpr int max_key_length = 255;          // ids, external ids, references, keys
constexpr int max_text_length = 10000;       // descriptions, names

bool given(FunctionCallInfo fcinfo, int argno);

// NULL gives nullopt. Longer than max_length: CR012.
std::optional<std::string_view> string(FunctionCallInfo fcinfo, int argno, const char *name,
                                     int max_length = max_text_length);

// Like string(), but NULL or empty is CR012 "<name> is required".
std::string_view required_text(FunctionCallInfo fcinfo, int argno, const char *name,
                               int max_length = max_key_length);

// An idempotency key: NULL, or 1 to 255 characters.
std::optional<std::string_view> idempotency_key(FunctionCallInfo fcinfo, int argno);

// A jsonb argument that must be a JSON object when given.
std::optional<Datum> json_object(FunctionCallInfo fcinfo, int argno, const char *name);

// An amount-like numeric argument; see read_decimal() for the rules (CR008).
Decimal decimal(FunctionCallInfo fcinfo, int argno, const char *name, Sign sign);

std::optional<int32> int32_value(FunctionCallInfo fcinfo, int argno);
std::optional<TimestampTz> timestamp(FunctionCallInfo fcinfo, int argno);

// now + an interval argument; CR012 unless that lies in the future.
TimestampTz after_interval(FunctionCallInfo fcinfo, int argno, const char *name);

// An expiry from (expires_in, expires_at) arguments: expires_at when given
// (CR012 unless in the future), else now + expires_in; nullopt if neither.
std::optional<TimestampTz> expiry(FunctionCallInfo fcinfo, int expires_in_arg, int expires_at_arg);

// Formats a string_view for messages (palloc'd, NUL-terminated).
const char *cstr(std::string_view s);

}  // namespace credits::args
