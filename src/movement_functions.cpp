// credits_credit and credits_debit: the hot path.
#include "accounts.h"
#include "args.h"
#include "guard.h"
#include "ledger.h"
#include "results.h"

using namespace credits;

namespace {

// (account, amount, description, reference, idempotency_key, metadata)
Datum move(FunctionCallInfo fcinfo, EntryType type) {
    std::string_view account_ref = account_arg(fcinfo, 0);
    Decimal amount = args::decimal(fcinfo, 1, "amount", Sign::Positive);
    Movement m{type,
               0,
               args::string(fcinfo, 2, "description"),
               args::string(fcinfo, 3, "reference", args::max_key_length),
               args::idempotency_key(fcinfo, 4),
               args::json_object(fcinfo, 5, "metadata")};

    tables::Session s;
    tables::open(s, tables::extension_schema(fcinfo));
    Account account = lock_account(s, account_ref);
    m.amount = to_units(amount, account.scale, "amount", account.external_id);
    Posting posting = post(s, account, m);
    tables::close(s);
    return results::transaction(fcinfo, account, m, posting);
}

}  // namespace

CREDITS_FUNCTION(credits_credit) { return move(fcinfo, EntryType::Credit); }

CREDITS_FUNCTION(credits_debit) { return move(fcinfo, EntryType::Debit); }
