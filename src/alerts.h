// Low-balance alerts and auto-reload, evaluated under the account's row lock
// in the transaction that moves its balance: no poll, no lag, no double
// request.
//
// Each threshold is ok or in alarm: available falling to or below it emits
// balance.low once, rising above it again emits balance.recovered; zero
// available does the same with balance.depleted. Auto-reload asks for one
// top-up at a time: below its threshold, with no request outstanding, past
// the cooldown and within the daily and monthly limits, it records a
// request (its id is the payment's idempotency key) and emits
// auto_reload.requested. Only accounts with settings (watched) pay for any
// of this: save_account() calls evaluate() for them alone.
#pragma once

#include "accounts.h"
#include "events.h"

extern "C" {
#include "utils/date.h"
}

namespace credits::alerts {

constexpr int max_thresholds = 20;

// An amount that may be unset (std::optional cannot hold an int128).
struct MaybeUnits {
    bool set = false;
    Units value = 0;
    MaybeUnits() = default;
    MaybeUnits(Units v) : set(true), value(v) {}
    explicit operator bool() const { return set; }
    Units operator*() const { return value; }
};

// An account's settings and their state (credits_alert).
struct Settings {
    TupleTableSlot *row;  // nullptr: the account has none yet
    int nthresholds;
    Units thresholds[max_thresholds];  // descending
    bool in_alarm[max_thresholds];
    bool depleted_alert;
    bool depleted;
    bool reload_enabled;
    MaybeUnits reload_threshold;
    MaybeUnits reload_amount;  // one of amount and target
    MaybeUnits reload_target;
    std::optional<int32> max_per_day;
    std::optional<int32> max_per_month;
    Interval cooldown;
    std::optional<std::string_view> category;
    std::optional<Interval> expires_in;
    int32 max_failures;
    int32 failures;  // consecutive
    DateADT day;     // the UTC day and month the counts are of
    int32 day_count;
    DateADT month;
    int32 month_count;
    TimestampTz last_requested;  // DT_NOBEGIN: never
    std::optional<std::string_view> pending;
    std::optional<std::string_view> disabled_reason;

    bool watches() const { return nthresholds > 0 || depleted_alert || reload_enabled; }
};
static_assert(std::is_trivially_destructible_v<Settings>);

// The settings of a locked account (new, empty ones when it has none).
Settings load(tables::Session &s, const Account &account);
// Writes them (inserting the row the first time).
void save(tables::Session &s, const Account &account, Settings &settings);

struct Before {
    Units balance;
    Units available;
};
// Brings the alerts and auto-reload of a locked account up to its balance,
// which was `before` when last written; emits what changed.
void evaluate(tables::Session &s, Account &account, Before before);
// The same on settings the caller holds (and then saves).
bool evaluate(tables::Session &s, Account &account, Settings &settings, Before before);

// An auto-reload request (credits_reload_request).
struct Request {
    TupleTableSlot *row;
    const char *id;
    const char *account_id;
    Units amount;
    std::string_view status;  // pending, succeeded, failed
    std::optional<std::string_view> payment_reference;
};
// The request with this (canonical) id, read without locking: every writer
// of it holds its account's lock, which the caller takes next.
std::optional<Request> find_request(tables::Session &s, std::string_view id);
// Re-reads it under the account's lock.
Request lock_request(tables::Session &s, std::string_view id, const Account &account);
// Records its outcome.
void complete_request(tables::Session &s, Request &request, bool succeeded,
                      std::optional<std::string_view> payment_reference, std::optional<std::string_view> failure_reason,
                      std::optional<std::string_view> transaction_id);

// Event data that every balance event carries.
void describe_balance(tables::Session &s, const Account &account, Before before, events::Data &data);

}  // namespace credits::alerts
