// The operations of the ledger API, and the unit of work they run in.
//
// Every SQL function that moves credits, and every element of a
// credits_apply() batch, is a Request run by the same code: the accounts it
// touches are locked once each in id order, the request runs against those
// in-memory accounts (every check before the first write, so a request that
// fails has changed nothing), and each changed account row is written once
// when the work finishes.
#pragma once

#include "errors.h"
#include "reservations.h"
#include "usage.h"

namespace credits::ops {

enum class Kind { Credit, Debit, Adjust, Reserve, Confirm, Cancel, Reverse, Transfer, Charge, RecordUsage };

const char *kind_name(Kind kind);
std::optional<Kind> parse_kind(std::string_view s);

struct Request {
    Kind kind;
    std::string_view account;     // credit, debit, adjust, reserve; transfer: the source
    std::string_view to_account;  // transfer
    std::string_view target;      // confirm, cancel: reservation id; reverse: transaction id
    std::optional<Decimal> amount;  // adjust: signed; confirm, reverse: NULL for "all"
    std::optional<std::string_view> description;  // reverse, adjust: the reason
    std::optional<std::string_view> reference;
    std::optional<std::string_view> idempotency_key;
    std::optional<Datum> metadata;
    TimestampTz expires_at;  // reserve
    OnExcess on_excess;      // confirm, charge
    bool force;              // reverse
    const Error *invalid;    // a request that could not be read: fails with this in its turn
    // credit: what makes it a grant (any of them, or the account's default TTL)
    TimestampTz grant_expires_at;  // no_expiry: none given
    int priority;
    std::optional<std::string_view> category;
    // charge, record_usage: the usage (a charge's reservation is its
    // reservation_id; description, reference and metadata go on its debit too)
    const usage::Usage *usage;
};
Request request(Kind kind);  // everything else empty

struct Result {
    Account *account;     // the request's account after it (a transfer's source)
    Account *to_account;  // a transfer's destination
    Movement movement;    // credit, debit, adjust, confirm, reverse, transfer (source leg)
    Posting posting;
    Posting other_posting;  // a transfer's destination leg
    Hold hold;            // reserve, cancel
    Units released;       // confirm
    bool has_posting;
    Units balance;        // the account's balance and available right after the request
    Units available;
    usage::Record usage;  // charge, record_usage: the record (made, or replayed)
    bool has_usage;
};

// The accounts one call has locked, and its tables.
struct Work {
    tables::Session session;
    List *accounts;  // Account *, in lock order
    HTAB *resolved;  // account reference -> id, for batches that repeat them
};

void begin(Work &work, FunctionCallInfo fcinfo);
// Writes every changed account once and releases the tables.
void finish(Work &work);

// Runs one request: locks its accounts, then runs it. Throws its Error.
Result run_one(Work &work, const Request &request);

// A whole SQL call of one request: begin, run_one, finish.
Result run(FunctionCallInfo fcinfo, const Request &request);

// Locks the account a reference (an id or an external_id) names, once per
// call, and brings it up to date (CR002 if none in this tenant).
Account &lock(Work &work, std::string_view account);

// A hold and its locked account, current (CR004 if none in this tenant).
LockedHold lock_hold(Work &work, std::string_view reservation_id);

// Runs requests in order after locking all their accounts in id order, and
// reports each one's outcome to done(context, index, result, error): exactly
// one of result and error is set. With stop_at_first it stops at the first
// failure. Returns the index of the first failure, or -1.
using Done = void (*)(void *context, int index, const Result *result, const Error *error);
int run_all(Work &work, const Request *requests, int count, bool stop_at_first, Done done, void *context);

}  // namespace credits::ops
