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

constexpr int max_page_size = 1000;

// Through the view, so that the rows are exactly credits_entries rows.
spi::Statement ledger_page{
    "SELECT * FROM @extschema@.credits_entries"
    " WHERE account_id = $1 AND ($2::text IS NULL OR type = $2)"
    " AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::timestamptz IS NULL OR created_at < $4)"
    " ORDER BY id DESC LIMIT $5 OFFSET $6",
    6, {TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID, INT4OID}};

}  // namespace

// credits_ledger(account, entry_type, since, until, page_size, page_offset):
// newest first; since is inclusive, until exclusive.
CREDITS_FUNCTION(credits_ledger) {
    std::string_view account = account_arg(fcinfo, 0);
    auto type = args::string(fcinfo, 1, "entry_type", 32);
    if (type) entry_type_arg(*type);
    auto since = args::timestamp(fcinfo, 2);
    auto until = args::timestamp(fcinfo, 3);
    if (since && until && *since >= *until) {
        const char *since_text = pstrdup(timestamptz_to_str(*since));  // the result is a static buffer
        const char *until_text = pstrdup(timestamptz_to_str(*until));
        fail(sqlstate::invalid_parameter, "since must be earlier than until",
             format("since is %s and until is %s.", since_text, until_text));
    }
    int page_size = args::int32_value(fcinfo, 4).value_or(50);
    int page_offset = args::int32_value(fcinfo, 5).value_or(0);
    if (page_size < 1 || page_size > max_page_size)
        fail(sqlstate::invalid_parameter, "page_size is out of range",
             format("page_size is %d; it must be between 1 and %d.", page_size, max_page_size));
    if (page_offset < 0)
        fail(sqlstate::invalid_parameter, "page_offset must not be negative", format("page_offset is %d.", page_offset));

    spi::begin(fcinfo);
    const char *id = find_account_id(account);
    std::optional<Datum> since_value, until_value;
    if (since) since_value = TimestampTzGetDatum(*since);
    if (until) until_value = TimestampTzGetDatum(*until);
    spi::run(ledger_page, spi::Params()
                              .add_text(id)
                              .add_text(type)
                              .add(since_value)
                              .add(until_value)
                              .add(Int32GetDatum(page_size))
                              .add(Int32GetDatum(page_offset)));
    results::materialize_rows(fcinfo);
    spi::end();
    return (Datum)0;
}
