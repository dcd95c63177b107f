#include "args.h"

#include "clock.h"
#include "errors.h"

extern "C" {
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
}

namespace credits::args {

namespace {

// The next character of UTF-8 text (the server checked it is well formed),
// or of any other server encoding byte by byte.
char32_t next_char(std::string_view s, size_t *i) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char first = byte(*i);
    if (GetDatabaseEncoding() != PG_UTF8 || first < 0x80) {
        (*i)++;
        return first;
    }
    int length = pg_utf_mblen(&first);
    if (*i + length > s.size()) length = static_cast<int>(s.size() - *i);
    char32_t c = first & (0x7F >> length);
    for (int k = 1; k < length; k++) c = (c << 6) | (byte(*i + k) & 0x3F);
    *i += length;
    return c;
}

bool is_control(char32_t c) { return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0x2028 || c == 0x2029; }

// Characters that change how text around them looks without being seen:
// bidirectional marks, overrides and isolates, zero-width characters, the
// byte order mark, soft hyphens, tags.
bool is_invisible_format(char32_t c) {
    return c == 0x00AD || c == 0x061C || c == 0x180E || (c >= 0x200B && c <= 0x200F) ||
           (c >= 0x202A && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x206F) ||
           c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFB) || (c >= 0xE0000 && c <= 0xE007F);
}

bool is_space(char32_t c) {
    return c == ' ' || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F ||
           c == 0x3000;
}

}  // namespace

const char *shown(std::string_view s) {
    StringInfoData out;
    initStringInfo(&out);
    for (size_t i = 0; i < s.size() && i < 64;) {
        size_t start = i;
        char32_t c = next_char(s, &i);
        if (is_control(c) || is_invisible_format(c))
            appendStringInfo(&out, "\\u%04X", static_cast<unsigned>(c));
        else
            appendBinaryStringInfo(&out, s.data() + start, static_cast<int>(i - start));
    }
    if (s.size() > 64) appendStringInfoString(&out, "...");
    return out.data;
}

namespace {

[[noreturn]] void refuse(const char *name, const char *problem, std::string_view s) {
    fail(sqlstate::invalid_parameter, format("%s %s", name, problem), format("%s is \"%s\".", name, shown(s)));
}

}  // namespace

bool given(FunctionCallInfo fcinfo, int argno) { return argno < PG_NARGS() && !PG_ARGISNULL(argno); }

const char *text_problem(std::string_view s) {
    for (size_t i = 0; i < s.size();) {
        char32_t c = next_char(s, &i);
        if (is_control(c) && c != '\t' && c != '\n' && c != '\r')
            return format("contains a control character (U+%04X)", static_cast<unsigned>(c));
    }
    return nullptr;
}

const char *identifier_problem(std::string_view s) {
    if (s.empty()) return "is empty";
    bool blank = true, edge_space = false;
    for (size_t i = 0; i < s.size();) {
        bool at_start = i == 0;
        char32_t c = next_char(s, &i);
        if (is_control(c)) return format("contains a control character (U+%04X)", static_cast<unsigned>(c));
        if (is_invisible_format(c))
            return format("contains an invisible or bidirectional formatting character (U+%04X)",
                          static_cast<unsigned>(c));
        if (is_space(c) && (at_start || i == s.size())) edge_space = true;
        blank = blank && is_space(c);
    }
    if (blank) return "is blank";
    if (edge_space) return "starts or ends with a space";
    return nullptr;
}

void check_text(std::string_view s, const char *name) {
    if (const char *problem = text_problem(s)) refuse(name, problem, s);
}

void check_identifier(std::string_view s, const char *name) {
    if (const char *problem = identifier_problem(s)) refuse(name, problem, s);
}

namespace {

std::optional<std::string_view> raw_string(FunctionCallInfo fcinfo, int argno, const char *name, int max_length) {
    if (!given(fcinfo, argno)) return std::nullopt;
    ::text *t = PG_GETARG_TEXT_PP(argno);
    std::string_view s(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    if (static_cast<int>(s.size()) > max_length)
        fail(sqlstate::invalid_parameter, format("%s is too long", name),
             format("%s has %zu bytes; the limit is %d.", name, s.size(), max_length));
    return s;
}

}  // namespace

std::optional<std::string_view> string(FunctionCallInfo fcinfo, int argno, const char *name, int max_length) {
    auto s = raw_string(fcinfo, argno, name, max_length);
    if (s) check_text(*s, name);
    return s;
}

std::string_view required_text(FunctionCallInfo fcinfo, int argno, const char *name, int max_length) {
    auto s = raw_string(fcinfo, argno, name, max_length);
    if (!s || s->empty()) fail(sqlstate::invalid_parameter, format("%s is required", name));
    return *s;
}

std::optional<std::string_view> reference(FunctionCallInfo fcinfo, int argno, const char *name) {
    return raw_string(fcinfo, argno, name, max_key_length);
}

std::optional<std::string_view> identifier(FunctionCallInfo fcinfo, int argno, const char *name, int max_length) {
    auto s = raw_string(fcinfo, argno, name, max_length);
    if (s) check_identifier(*s, name);
    return s;
}

std::string_view required_identifier(FunctionCallInfo fcinfo, int argno, const char *name, int max_length) {
    std::string_view s = required_text(fcinfo, argno, name, max_length);
    check_identifier(s, name);
    return s;
}

std::optional<std::string_view> idempotency_key(FunctionCallInfo fcinfo, int argno) {
    auto key = raw_string(fcinfo, argno, "idempotency_key", max_key_length);
    if (key && key->empty())
        fail(sqlstate::invalid_parameter, "idempotency_key must not be empty",
             nullptr, "Pass NULL for an operation without an idempotency key.");
    if (key) check_identifier(*key, "idempotency_key");
    return key;
}

void check_metadata(Jsonb *j, const char *name) {
    if (!JB_ROOT_IS_OBJECT(j) || JB_ROOT_IS_SCALAR(j))
        fail(sqlstate::invalid_parameter, format("%s must be a JSON object", name),
             format("%s is %s.", name, cstr(std::string_view(JsonbToCString(nullptr, &j->root, VARSIZE(j))).substr(0, 64))));
    if (VARSIZE(j) > max_metadata_bytes)
        fail(sqlstate::invalid_parameter, format("%s is too large", name),
             format("%s takes %u bytes; the limit is %d.", name, static_cast<unsigned>(VARSIZE(j)),
                    max_metadata_bytes),
             "Keep large documents in your own tables and put their key in metadata.");
}

std::optional<Datum> json_object(FunctionCallInfo fcinfo, int argno, const char *name) {
    if (!given(fcinfo, argno)) return std::nullopt;
    Jsonb *j = PG_GETARG_JSONB_P(argno);
    check_metadata(j, name);
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

namespace {

TimestampTz latest_expiry() {
    Interval most{0, 0, 12 * max_expiry_years};
    return DatumGetTimestampTz(DirectFunctionCall2(
        timestamptz_pl_interval, TimestampTzGetDatum(clock::now()), IntervalPGetDatum(&most)));
}

const char *interval_text(const Interval *span) {
    return DatumGetCString(DirectFunctionCall1(interval_out, IntervalPGetDatum(const_cast<Interval *>(span))));
}

}  // namespace

TimestampTz expiry_at(TimestampTz at, const char *name) {
    if (TIMESTAMP_NOT_FINITE(at))
        fail(sqlstate::invalid_parameter, format("%s must be finite", name),
             format("%s is %s.", name, timestamptz_to_str(at)), "Leave the expiry out for credits that never expire.");
    if (at <= clock::now())
        fail(sqlstate::invalid_parameter, format("%s must be in the future", name),
             format("%s is %s.", name, timestamptz_to_str(at)));
    if (at > latest_expiry())
        fail(sqlstate::invalid_parameter, format("%s is too far in the future", name),
             format("%s is %s; expiries lie at most %d years ahead.", name, timestamptz_to_str(at), max_expiry_years),
             "Leave the expiry out for credits that never expire.");
    return at;
}

TimestampTz expiry_after(const Interval *span, const char *name) {
    // Bounded before it is added, so that no span can overflow a timestamp.
    constexpr int64 most_days = 366LL * max_expiry_years;
    bool huge = span->month > 12 * max_expiry_years || span->month < -12 * max_expiry_years ||
                span->day > most_days || span->day < -most_days || span->time > most_days * USECS_PER_DAY ||
                span->time < -most_days * USECS_PER_DAY;
    if (huge)
        fail(sqlstate::invalid_parameter, format("%s is too long", name),
             format("%s is %s; expiries lie at most %d years ahead.", name, interval_text(span), max_expiry_years),
             "Leave the expiry out for credits that never expire.");
    TimestampTz now = clock::now();
    TimestampTz until = DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval, TimestampTzGetDatum(now),
                                                                IntervalPGetDatum(const_cast<Interval *>(span))));
    if (until <= now)
        fail(sqlstate::invalid_parameter, format("%s must be a positive interval", name),
             format("%s is %s.", name, interval_text(span)));
    if (until > latest_expiry())
        fail(sqlstate::invalid_parameter, format("%s is too long", name),
             format("%s is %s; expiries lie at most %d years ahead.", name, interval_text(span), max_expiry_years),
             "Leave the expiry out for credits that never expire.");
    return until;
}

TimestampTz expiry_after_seconds(Numeric seconds, const char *name) {
    auto compare = [&](int64 than) {
        return DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(seconds),
                                                 NumericGetDatum(int64_to_numeric(than))));
    };
    constexpr int64 most_seconds = 366LL * max_expiry_years * SECS_PER_DAY;
    if (numeric_is_nan(seconds) || compare(0) <= 0)
        fail(sqlstate::invalid_parameter, format("%s must be a positive interval", name),
             format("%s is %s seconds.", name, numeric_normalize(seconds)));
    if (numeric_is_inf(seconds) || compare(most_seconds) > 0)
        fail(sqlstate::invalid_parameter, format("%s is too long", name),
             format("%s is %s seconds; expiries lie at most %d years ahead.", name, numeric_normalize(seconds),
                    max_expiry_years));
    double value = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(seconds)));
    Interval span{static_cast<TimeOffset>(value * USECS_PER_SEC + 0.5), 0, 0};
    return expiry_after(&span, name);
}

TimestampTz after_interval(FunctionCallInfo fcinfo, int argno, const char *name) {
    return expiry_after(PG_GETARG_INTERVAL_P(argno), name);
}

std::optional<TimestampTz> expiry(FunctionCallInfo fcinfo, int expires_in_arg, int expires_at_arg) {
    if (given(fcinfo, expires_at_arg)) return expiry_at(PG_GETARG_TIMESTAMPTZ(expires_at_arg), "expires_at");
    if (given(fcinfo, expires_in_arg)) return after_interval(fcinfo, expires_in_arg, "expires_in");
    return std::nullopt;
}

Page page(FunctionCallInfo fcinfo, int size_arg, int offset_arg) {
    constexpr int32 max_page_size = 1000;
    Page p{int32_value(fcinfo, size_arg).value_or(50), int32_value(fcinfo, offset_arg).value_or(0)};
    if (p.size < 1 || p.size > max_page_size)
        fail(sqlstate::invalid_parameter, "page_size is out of range",
             format("page_size is %d; it must be between 1 and %d.", p.size, max_page_size));
    if (p.offset < 0)
        fail(sqlstate::invalid_parameter, "page_offset must not be negative", format("page_offset is %d.", p.offset));
    return p;
}

const char *cstr(std::string_view s) { return pnstrdup(s.data(), s.size()); }

}  // namespace credits::args
