// Grants: credits with an expiry, a priority or a category (promo credits,
// plan allowances, paid packs), spent in burn-down order: priority
// ascending, soonest expiry (never-expiring last), oldest, then id; the
// account's ungranted balance comes after every grant.
//
// Every movement that touches grants records them in its entry's `grants`
// (signed amounts per grant id, "ungranted" for the rest, adding up to the
// entry's amount); a hold records what it sets aside the same way. An
// account with no active grant (grant_count = 0) skips all of this.
#pragma once

#include "accounts.h"

namespace credits::grants {

// What makes a credit a grant.
struct Spec {
    TimestampTz expires_at;  // no_expiry: never
    int priority;
    std::optional<std::string_view> category;
    TimestampTz period_start;  // plan allocations; no_expiry otherwise
};

// Amounts per grant, in the order they were taken; a null grant id is the
// ungranted balance.
struct Funding {
    int count;
    const char **grant_ids;
    Units *amounts;
};

// The jsonb an entry or hold records; NULL (nullopt) for empty funding.
std::optional<Datum> to_jsonb(const Funding &funding, int scale);
Funding from_jsonb(std::optional<Datum> json, int scale);

// Makes a grant for a credit of `amount` in transaction `transaction_id`;
// returns its funding ({grant: +amount}).
Funding create(tables::Session &s, Account &account, Units amount, const Spec &spec,
               std::string_view transaction_id);

// Takes `amount` for a movement that decreases the account. `held`: a
// hold's set-aside, spent first and released whole. Returns the (negative)
// funding; empty when the account has no grants.
Funding spend(tables::Session &s, Account &account, Units amount, const Funding *held = nullptr);

// Sets `amount` aside for a hold, in burn-down order; returns what it holds.
Funding hold(tables::Session &s, Account &account, Units amount);

// Releases what a hold set aside.
void release(tables::Session &s, Account &account, const Funding &held);

// Gives back `amount` of what a decrease took (`taken`, negative), the last
// taken first, after the `already` that earlier reversals gave back.
Funding restore(tables::Session &s, Account &account, const Funding &taken, Units already, Units amount);

// What an active grant still has to spend (its unheld remainder), and when
// it expires (no_expiry: never).
Units unspent(tables::Session &s, Account &account, std::string_view grant_id);
TimestampTz expires_at(tables::Session &s, Account &account, std::string_view grant_id);

// Whether the account already has the plan allocation of the period that
// starts at `period_start`.
bool has_allocation(tables::Session &s, const Account &account, TimestampTz period_start);

// Makes an active grant expire at `when` if it would expire later (a plan
// switched mid-period ends its allocation).
void expire_early(tables::Session &s, Account &account, std::string_view grant_id, TimestampTz when);

// Both fundings as one (amounts per grant added up).
Funding combine(const Funding &a, const Funding &b);

// Takes back `amount` of the credit that made a grant. What the grant no
// longer has is `*short_by`; with `force` it comes from the ungranted
// balance instead.
Funding take_back(tables::Session &s, Account &account, std::string_view grant_id, Units amount, bool force,
                  Units *short_by);

// Expires up to `limit` grants of a locked account that have lapsed: each
// one's unheld remainder leaves the balance with an 'expiry' entry. Returns
// how many.
int settle_expired(tables::Session &s, Account &account, int limit);

// `amount` of the ungranted balance, as a funding.
Funding ungranted(Units amount);

// The grant a credit made, if it made one.
std::optional<std::string_view> created_grant(const Funding &funding);

}  // namespace credits::grants
