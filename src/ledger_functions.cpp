// Reading the ledger: credits_ledger().
#include "accounts.h"
#include "args.h"
#include "errors.h"
#include "guard.h"
#include "ledger.h"
#include "results.h"
#include "spi.h"

using namespace credits;

namespace {

// Through the view, so that the rows are exactly credits_entries rows.
spi::Statement ledger_page{
    "SELECT * FROM @extschema@.credits_entries"
    " WHERE account_id = $1 AND ($2::text IS NULL OR type = $2)"
    " AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)"
    " ORDER BY id DESC LIMIT $5 OFFSET $6",
    6, {TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID, INT4OID}};

// The same with the number of matching entries and each row's cursor (its
// entry number: newer entries never come after it, so a page after a cursor
// stays the same while entries arrive).
spi::Statement entries_page{
    "SELECT e.*, (SELECT count(*) FROM @extschema@.credits_entries c"
    "              WHERE c.account_id = $1 AND ($2::text IS NULL OR c.type = $2)"
    "                AND ($3::timestamptz IS NULL OR c.created_at >= $3)"
    "                AND ($4::timestamptz IS NULL OR c.created_at < $4)), e.id::text"
    "  FROM @extschema@.credits_entries e"
    " WHERE e.account_id = $1 AND ($2::text IS NULL OR e.type = $2)"
    "   AND ($3::timestamptz IS NULL OR e.created_at >= $3) AND ($4::timestamptz IS NULL OR e.created_at < $4)"
    "   AND ($7::bigint IS NULL OR e.id < $7)"
    " ORDER BY e.id DESC LIMIT $5 OFFSET $6",
    7, {TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID, INT4OID, INT8OID}};

// Which entries of an account a listing is of.
struct Filter {
    std::optional<std::string_view> type;
    std::optional<Datum> since, until;
};

Filter filter_args(FunctionCallInfo fcinfo, int type_arg, int since_arg, int until_arg) {
    Filter f;
    f.type = args::string(fcinfo, type_arg, "entry_type", 32);
    if (f.type) entry_type_arg(*f.type);
    auto since = args::timestamp(fcinfo, since_arg);
    auto until = args::timestamp(fcinfo, until_arg);
    if (since && until && *since >= *until) {
        const char *since_text = pstrdup(timestamptz_to_str(*since));  // the result is a static buffer
        const char *until_text = pstrdup(timestamptz_to_str(*until));
        fail(sqlstate::invalid_parameter, "since must be earlier than until",
             format("since is %s and until is %s.", since_text, until_text));
    }
    if (since) f.since = TimestampTzGetDatum(*since);
    if (until) f.until = TimestampTzGetDatum(*until);
    return f;
}

// A cursor a listing returned: the entry number, as text.
std::optional<Datum> entry_cursor_arg(FunctionCallInfo fcinfo, int argno) {
    auto cursor = args::string(fcinfo, argno, "after", 32);
    if (!cursor) return std::nullopt;
    char *end = nullptr;
    const char *text = args::cstr(*cursor);
    errno = 0;
    long long seq = strtoll(text, &end, 10);
    if (errno != 0 || *end != '\0' || end == text || seq < 1)
        fail(sqlstate::invalid_parameter, format("after is not a cursor of credits_list_entries: \"%s\"",
                                                 args::shown(*cursor)),
             "Pass the cursor column of a row that credits_list_entries returned.");
    return Int64GetDatum(seq);
}

Datum list(FunctionCallInfo fcinfo, spi::Statement &stmt, spi::Params &params) {
    spi::run(stmt, params);
    results::materialize_rows(fcinfo);
    spi::end();
    return (Datum)0;
}

}  // namespace

// credits_ledger(account, entry_type, since, until, page_size, page_offset):
// newest first; since is inclusive, until exclusive.
CREDITS_FUNCTION(credits_ledger) {
    std::string_view account = account_arg(fcinfo, 0);
    Filter f = filter_args(fcinfo, 1, 2, 3);
    args::Page page = args::page(fcinfo, 4, 5);
    spi::begin(fcinfo);
    spi::Params params;
    params.add_text(find_account_id(account))
        .add_text(f.type)
        .add(f.since)
        .add(f.until)
        .add(Int32GetDatum(page.size))
        .add(Int32GetDatum(page.offset));
    return list(fcinfo, ledger_page, params);
}

// credits_list_entries(account, page_size, page_offset, after, entry_type,
// since, until): credits_ledger's rows with total_count and cursor.
CREDITS_FUNCTION(credits_list_entries) {
    std::string_view account = account_arg(fcinfo, 0);
    args::Page page = args::page(fcinfo, 1, 2);
    std::optional<Datum> after = entry_cursor_arg(fcinfo, 3);
    Filter f = filter_args(fcinfo, 4, 5, 6);
    spi::begin(fcinfo);
    spi::Params params;
    params.add_text(find_account_id(account))
        .add_text(f.type)
        .add(f.since)
        .add(f.until)
        .add(Int32GetDatum(page.size))
        .add(Int32GetDatum(page.offset))
        .add(after);
    return list(fcinfo, entries_page, params);
}
