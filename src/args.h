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

// Text for people (names, descriptions, reasons): anything but control
// characters other than tab and line breaks (which a terminal or a log
// would act on).
const char *text_problem(std::string_view s);

// An identifier-like value (external id, reference, idempotency key, plan
// code, category, unit, tenant): something people compare by eye and
// programs by byte, so it is not empty, not blank, has no space at either
// end and no control, bidirectional or invisible formatting character.
// nullptr when `s` is one, else why not.
const char *identifier_problem(std::string_view s);

// CR012 naming `name` and the problem, when there is one.
void check_text(std::string_view s, const char *name);
void check_identifier(std::string_view s, const char *name);

// Free text: NULL gives nullopt. Longer than max_length or with control
// characters (text_problem): CR012.
std::optional<std::string_view> string(FunctionCallInfo fcinfo, int argno, const char *name,
                                     int max_length = max_text_length);

// A reference to something (an account, a reservation, a plan): NULL or
// empty is CR012 "<name> is required"; only the length is checked, as a
// lookup creates nothing.
std::string_view required_text(FunctionCallInfo fcinfo, int argno, const char *name,
                               int max_length = max_key_length);
// The same, optional: NULL gives nullopt.
std::optional<std::string_view> reference(FunctionCallInfo fcinfo, int argno, const char *name);

// An identifier-like value that is stored (identifier_problem): NULL gives
// nullopt; anything else that is not one is CR012.
std::optional<std::string_view> identifier(FunctionCallInfo fcinfo, int argno, const char *name,
                                           int max_length = max_key_length);
// The same, required.
std::string_view required_identifier(FunctionCallInfo fcinfo, int argno, const char *name,
                                     int max_length = max_key_length);

// An idempotency key: NULL, or an identifier of 1 to 255 bytes.
std::optional<std::string_view> idempotency_key(FunctionCallInfo fcinfo, int argno);

// The most a metadata object may take, in bytes of its stored (jsonb) form.
constexpr int max_metadata_bytes = 64 * 1024;

// A jsonb metadata argument: a JSON object of at most max_metadata_bytes.
std::optional<Datum> json_object(FunctionCallInfo fcinfo, int argno, const char *name);
// CR012 unless the jsonb is such an object.
void check_metadata(Jsonb *json, const char *name);

// An amount-like numeric argument; see read_decimal() for the rules (CR008).
Decimal decimal(FunctionCallInfo fcinfo, int argno, const char *name, Sign sign);

std::optional<int32> int32_value(FunctionCallInfo fcinfo, int argno);

// A page of a listing: page_size 1 to 1000 (default 50), page_offset 0 or
// more (default 0); CR012 otherwise.
struct Page {
    int32 size;
    int32 offset;
};
Page page(FunctionCallInfo fcinfo, int size_arg, int offset_arg);
std::optional<TimestampTz> timestamp(FunctionCallInfo fcinfo, int argno);

// Expiries (of holds and grants, and default_grant_ttl) lie after now (a
// span that rounds to nothing is refused) and at most this far ahead; any
// other is CR012, never a date/time overflow.
constexpr int max_expiry_years = 100;
TimestampTz expiry_after(const Interval *span, const char *name);
TimestampTz expiry_at(TimestampTz at, const char *name);
TimestampTz expiry_after_seconds(Numeric seconds, const char *name);

// expiry_after() of an interval argument.
TimestampTz after_interval(FunctionCallInfo fcinfo, int argno, const char *name);

// An expiry from (expires_in, expires_at) arguments: expires_at when given,
// else now + expires_in; nullopt if neither.
std::optional<TimestampTz> expiry(FunctionCallInfo fcinfo, int expires_in_arg, int expires_at_arg);

// A palloc'd, NUL-terminated copy.
const char *cstr(std::string_view s);

// A value a caller gave, as an error message may quote it: at most 64 bytes,
// control and formatting characters written as \uXXXX (so that quoting it
// in a terminal or a log never does what they would).
const char *shown(std::string_view s);

}  // namespace credits::args
