// SQL functions that move credits: credit, debit, adjust, transfer, reverse.
#include "args.h"
#include "guard.h"
#include "ops.h"
#include "results.h"

using namespace credits;

namespace {

// (account, amount, description, reference, idempotency_key, metadata, ...)
ops::Request movement_request(FunctionCallInfo fcinfo, ops::Kind kind) {
    ops::Request r = ops::request(kind);
    r.account = account_arg(fcinfo, 0);
    r.amount = args::decimal(fcinfo, 1, "amount", Sign::Positive);
    r.description = args::string(fcinfo, 2, "description");
    r.reference = args::identifier(fcinfo, 3, "reference");
    r.idempotency_key = args::idempotency_key(fcinfo, 4);
    r.metadata = args::json_object(fcinfo, 5, "metadata");
    return r;
}

Datum transaction_of(FunctionCallInfo fcinfo, const ops::Request &r) {
    ops::Result result = ops::run(fcinfo, r);
    return results::transaction(fcinfo, *result.account, result.movement, result.posting);
}

}  // namespace

// credits_credit(..., expires_at, expires_in, priority, category)
CREDITS_FUNCTION(credits_credit) {
    ops::Request r = movement_request(fcinfo, ops::Kind::Credit);
    r.grant_expires_at = args::expiry(fcinfo, 7, 6).value_or(no_expiry);
    r.priority = args::int32_value(fcinfo, 8).value_or(0);
    r.category = args::identifier(fcinfo, 9, "category");
    return transaction_of(fcinfo, r);
}

CREDITS_FUNCTION(credits_debit) { return transaction_of(fcinfo, movement_request(fcinfo, ops::Kind::Debit)); }

// credits_adjust(account, amount (signed), reason, idempotency_key)
CREDITS_FUNCTION(credits_adjust) {
    ops::Request r = ops::request(ops::Kind::Adjust);
    r.account = account_arg(fcinfo, 0);
    r.amount = args::decimal(fcinfo, 1, "amount", Sign::NonZero);
    r.description = args::string(fcinfo, 2, "reason");
    r.idempotency_key = args::idempotency_key(fcinfo, 3);

    ops::Result result = ops::run(fcinfo, r);
    return results::transaction(fcinfo, *result.account, result.movement, result.posting);
}

// credits_transfer(from_account, to_account, amount, description, reference,
//                  idempotency_key, metadata)
CREDITS_FUNCTION(credits_transfer) {
    ops::Request r = ops::request(ops::Kind::Transfer);
    r.account = args::required_text(fcinfo, 0, "from_account");
    r.to_account = args::required_text(fcinfo, 1, "to_account");
    r.amount = args::decimal(fcinfo, 2, "amount", Sign::Positive);
    r.description = args::string(fcinfo, 3, "description");
    r.reference = args::identifier(fcinfo, 4, "reference");
    r.idempotency_key = args::idempotency_key(fcinfo, 5);
    r.metadata = args::json_object(fcinfo, 6, "metadata");

    ops::Result result = ops::run(fcinfo, r);
    return results::transfer(fcinfo, *result.account, *result.to_account, result.movement, result.posting,
                             result.other_posting);
}

// credits_reverse(transaction, amount, reason, idempotency_key, force)
CREDITS_FUNCTION(credits_reverse) {
    ops::Request r = ops::request(ops::Kind::Reverse);
    r.target = args::required_text(fcinfo, 0, "transaction");
    if (args::given(fcinfo, 1)) r.amount = args::decimal(fcinfo, 1, "amount", Sign::Positive);
    r.description = args::string(fcinfo, 2, "reason");
    r.idempotency_key = args::idempotency_key(fcinfo, 3);
    r.force = args::given(fcinfo, 4) && PG_GETARG_BOOL(4);

    ops::Result result = ops::run(fcinfo, r);
    return results::reversal(fcinfo, *result.account, result.movement, result.posting);
}
