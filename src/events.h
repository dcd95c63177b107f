// The event feed: what happened to accounts (balance alerts, auto-reload
// requests, expiries, renewals, status changes), written in the transaction
// that did it and handed to consumers in commit order.
//
// Ordering without skipping: ids are assigned when a row is written but a
// row becomes visible when its transaction commits, so a reader that follows
// ids can pass an id whose transaction commits later, and never see it. So
// the order is the commit order instead: a transaction that wrote events
// takes, just before it commits, the next position of the feed under a lock
// it holds until its commit is visible (commit_hook), and records it in
// credits_event_commit. A reader that sees a position therefore sees every
// earlier one. The lock is taken only by transactions that wrote events, and
// only for the moment of their commit.
#pragma once

#include "accounts.h"

namespace credits::events {

// The types of event, as consumers name them.
inline constexpr const char *types[] = {
    "balance.low",           "balance.depleted",         "balance.recovered",    "auto_reload.requested",
    "auto_reload.succeeded", "auto_reload.failed",       "auto_reload.disabled", "reservation.expired",
    "grant.expired",         "plan.renewed",             "account.status_changed"};
bool known_type(std::string_view type);

// An event's data: a JSON object built key by key. Amounts are JSON strings,
// exact in every client.
class Data {
public:
    Data();
    Data &text(const char *key, std::optional<std::string_view> value);
    Data &amount(const char *key, Units value, int scale);
    Data &number(const char *key, int64 value);
    Data &boolean(const char *key, bool value);
    Data &timestamp(const char *key, TimestampTz value);
    Data &texts(const char *key, std::optional<Datum> array);  // a text[] (NULL: [])
    Datum jsonb();

private:
    void key(const char *key);
    StringInfoData buf_;
};
static_assert(std::is_trivially_destructible_v<Data>);

// Appends an event about a locked account to this transaction's events.
void emit(tables::Session &s, const Account &account, const char *type, Data &data);

// At the end of every transaction (module.cpp): one that wrote events takes
// its position before it commits (or is prepared), and wakes the listeners
// of channel credits_events unless credits.notify is off.
void on_commit(bool prepare);
void forget();

// The feed's own SQL writes (consumers, pruning), which the guard triggers
// let through while permitted (forget(): at abort).
void permit_sql_writes(bool permitted);
bool sql_writes_permitted(const char *table);

}  // namespace credits::events
