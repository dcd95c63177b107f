// The event feed: what happened to accounts (balance alerts, auto-reload
// requests, expiries, renewals, status changes), written in the transaction
// that did it and handed to consumers in commit order.
//
// Ordering without skipping: ids are assigned when a row is written but a
// row becomes visible when its transaction commits, so a reader that follows
// ids can pass an id whose transaction commits later, and never see it. So
// the order is that of the commits instead: a transaction that wrote events
// takes, as it commits, the next position of the feed (on_commit) and
// records it in credits_event_commit. Taking it locks the position sequence
// in a mode writers share, until the transaction ends; a claim waits, with a
// mode that conflicts, for the writers committing at that moment, and hands
// out only positions up to the last one taken then: every transaction at or
// below it has ended, so a reader that hands out a position has seen every
// earlier one. Writers never wait for each other (their commits share WAL
// flushes); a claim waits at most for the commits in flight.
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

}  // namespace credits::events
