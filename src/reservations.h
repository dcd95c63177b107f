// Reservations (holds): credits set aside before an expensive call and
// settled exactly once: confirmed (debited), cancelled, or expired.
#pragma once

#include "ledger.h"

namespace credits {

enum class HoldStatus { Pending, Confirmed, Cancelled, Expired };
const char *hold_status_name(HoldStatus s);

// A credits_reservation row.
struct Hold {
    const char *id;
    const char *account_id;
    Units amount;  // held
    HoldStatus status;
    TimestampTz expires_at;
    TimestampTz created_at;
    std::optional<std::string_view> description;
    std::optional<std::string_view> reference;
    std::optional<std::string_view> idempotency_key;
    std::optional<Datum> metadata;
    Units requested;        // what the confirm asked for (0: not confirmed)
    std::optional<std::string_view> transaction_id;  // the confirm's debit
    Units released;
    Units balance_after;    // the account right after the hold was made
    Units available_after;
    std::optional<Datum> grants;  // what it holds of which grants (grants.h)
};

struct HoldRequest {
    Units amount;
    TimestampTz expires_at;
    std::optional<std::string_view> description;
    std::optional<std::string_view> reference;
    std::optional<std::string_view> idempotency_key;
    std::optional<Datum> metadata;
};

// Marks up to `limit` holds of a locked account that have expired by now as
// expired (resolved at their expires_at) and takes them out of `reserved`.
// Returns how many. The caller saves the account.
int settle_expired_holds(tables::Session &s, Account &account, int limit);

// Places a hold (CR007 unless active, CR001 without the funds) or, for a
// reused idempotency key, returns the original (CR003 if it differs).
Hold reserve(tables::Session &s, Account &account, const HoldRequest &request);

// The row of a hold, or nullptr when there is none (in any tenant: the
// account lock checks that).
TupleTableSlot *find_hold_row(tables::Session &s, std::string_view reservation_id);
const char *hold_account_id(tables::Session &s, TupleTableSlot *row);
// The transaction of a confirmed hold's debit.
std::optional<std::string_view> hold_transaction_id(tables::Session &s, TupleTableSlot *row);

// A hold as it is now that its account is locked: `row` (from
// find_hold_row, before the lock) is reloaded, or read again if whoever held
// the lock before us changed it.
struct LockedHold {
    Account *account;
    Hold hold;
    TupleTableSlot *row;
};
LockedHold current_hold(tables::Session &s, Account &account, TupleTableSlot *row);

[[noreturn]] void reservation_not_found(std::string_view reservation_id);

enum class OnExcess { Reject, Cap, Allow };
OnExcess on_excess_arg(std::optional<std::string_view> s);

struct Confirmation {
    Movement movement;
    Posting posting;
    Units released;
};

// Debits the actual cost and releases the rest; a confirm repeated with the
// same amount returns the first one. CR006 expired, CR005 otherwise resolved,
// CR001 when the amount exceeds the hold and on_excess is Reject.
Confirmation confirm(tables::Session &s, LockedHold &h, std::optional<Decimal> amount,
                     std::optional<std::string_view> description, std::optional<Datum> metadata, OnExcess on_excess);

// Releases the whole hold (CR005 unless pending).
void cancel(tables::Session &s, LockedHold &h);

// Keeps a pending hold until at least now + `by` (CR006 expired, CR005
// resolved).
void extend(tables::Session &s, LockedHold &h, TimestampTz until);

}  // namespace credits
