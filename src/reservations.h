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
    std::optional<Units> requested;  // what the confirm asked for
    std::optional<std::string_view> transaction_id;  // the confirm's debit
    Units released;
    Units balance_after;    // the account right after the hold was made
    Units available_after;
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
// reused idempotency key, returns the original (CR003 if it differs). Saves
// the account.
Hold reserve(tables::Session &s, Account &account, const HoldRequest &request);

// A hold and its account, both current, the account locked. CR004 when the
// hold does not exist in the session's tenant.
struct LockedHold {
    Account account;
    Hold hold;
    TupleTableSlot *row;
};
LockedHold lock_hold(tables::Session &s, std::string_view reservation_id);

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

// Background expiry over every tenant: releases up to `max` expired holds,
// skipping accounts other sessions have locked. Returns how many.
int expire_holds(tables::Session &s, int max);

}  // namespace credits
