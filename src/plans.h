// Plans: a recurring allowance per period (day, week, month, year), granted
// as an 'allocation' grant that expires at the period's end, with what the
// last one left rolled over per the plan ('none', 'all', or up to a cap).
// Periods are counted from the subscription's anchor, in UTC.
#pragma once

#include "accounts.h"

namespace credits::plans {

enum class PeriodUnit { Day, Week, Month, Year };
std::optional<PeriodUnit> parse_period(std::string_view s);

struct Rollover {
    enum Kind { None, All, Cap } kind;
    Decimal cap;
};
std::optional<Rollover> parse_rollover(std::string_view s);

struct Period {
    TimestampTz start;
    TimestampTz end;
};
// The period, counted from `anchor` (<= now), that contains `now`.
Period period_containing(PeriodUnit unit, TimestampTz anchor, TimestampTz now);
// The start of the next calendar period after now (UTC; weeks start on Monday).
TimestampTz next_boundary(PeriodUnit unit, TimestampTz now);

struct Plan {
    const char *id;
    const char *code;
    Decimal allowance;
    PeriodUnit period;
    Rollover rollover;
};
// CR008 unless every amount the plan will grant or roll over fits the
// account's scale (checked when it is assigned, so that no renewal can fail
// on it later).
void require_fits(const Plan &plan, const Account &account);

// By id (pln_...) or code, within the session's tenant (any_tenant: by id,
// for background work).
std::optional<Plan> find_plan(tables::Session &s, std::string_view id_or_code, bool any_tenant = false);

struct Subscription {
    TupleTableSlot *row;  // nullptr: none yet
    const char *plan_id;
    bool active;
    TimestampTz anchor;
    TimestampTz current_period_start;  // no_expiry: not begun
    TimestampTz current_period_end;    // or when the first period begins
    const char *next_plan_id;          // takes over at current_period_end
    const char *last_grant_id;         // the latest allocation
    TimestampTz cancelled_at;          // no_expiry: not cancelled
};
std::optional<Subscription> find_subscription(tables::Session &s, const Account &account);
// Inserts or updates the account's subscription row.
void save_subscription(tables::Session &s, const Account &account, const Subscription &sub);

// Brings a locked account's subscription to the period that contains now:
// a plan change waiting for the period's end takes over, and each period's
// allocation is granted exactly once (the account is locked, the period's
// allocation is looked up first, and a unique index backs it). Periods
// nobody renewed in time are granted in turn when the plan rolls over, and
// skipped when it does not. Returns 1 if it renewed, else 0.
int renew(tables::Session &s, Account &account);

}  // namespace credits::plans
