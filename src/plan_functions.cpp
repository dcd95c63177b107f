// SQL functions for plans: create a plan, assign one to an account, cancel.
#include "args.h"
#include "clock.h"
#include "errors.h"
#include "grants.h"
#include "guard.h"
#include "ids.h"
#include "plans.h"
#include "results.h"
#include "tenants.h"
#include "spi.h"

#include <algorithm>

using namespace credits;
using namespace credits::plans;

namespace {

spi::Statement insert_plan{
    "INSERT INTO @extschema@.credits_plan (id, tenant, code, name, allowance, period, rollover, metadata, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (tenant, code) DO NOTHING",
    9, {TEXTOID, TEXTOID, TEXTOID, TEXTOID, NUMERICOID, TEXTOID, TEXTOID, JSONBOID, TIMESTAMPTZOID}};

spi::Statement plan_view_row{"SELECT * FROM @extschema@.credits_plans WHERE id = $1", 1, {TEXTOID}};
spi::Statement subscription_view_row{"SELECT * FROM @extschema@.credits_subscriptions WHERE account_id = $1", 1, {TEXTOID}};

[[noreturn]] void plan_not_found(std::string_view plan) {
    fail(sqlstate::plan_not_found, format("plan \"%s\" does not exist", args::shown(plan)),
         format("No plan has that id or code in tenant \"%s\".", args::cstr(tenants::current())));
}

}  // namespace

// credits_create_plan(code, name, allowance, period, rollover, metadata)
CREDITS_FUNCTION(credits_create_plan) {
    std::string_view code = args::required_identifier(fcinfo, 0, "code");
    if (ids::has_shape(code, "pln_"))
        fail(sqlstate::invalid_parameter, "code must not look like a plan id",
             format("\"%s\" has the shape pln_<ULID> reserved for ids that credits generates.", args::shown(code)));
    auto name = args::string(fcinfo, 1, "name", args::max_key_length);
    Decimal allowance = args::decimal(fcinfo, 2, "allowance", Sign::Positive);
    std::string_view period = args::required_text(fcinfo, 3, "period", 16);
    if (!parse_period(period))
        fail(sqlstate::invalid_parameter, format("unknown period \"%s\"", args::shown(period)),
             "period is day, week, month or year.");
    std::string_view rollover = args::string(fcinfo, 4, "rollover", 64).value_or("none");
    if (!parse_rollover(rollover))
        fail(sqlstate::invalid_parameter, format("unknown rollover \"%s\"", args::shown(rollover)),
             "rollover is none, all, or the most that may roll over (a non-negative amount).");
    auto metadata = args::json_object(fcinfo, 5, "metadata");

    tables::require_writable(fcinfo->flinfo->fn_oid);
    spi::begin(fcinfo);
    ids::Id id = ids::make("pln_", account_key(tenants::current(), code));
    uint64 inserted = spi::run(insert_plan, spi::Params()
                                                .add_text(id.view())
                                                .add_text(tenants::current())
                                                .add_text(code)
                                                .add_text(name)
                                                .add(units_to_numeric(allowance.digits, allowance.decimals))
                                                .add_text(period)
                                                .add_text(rollover)
                                                .add(metadata)
                                                .add(TimestampTzGetDatum(clock::now())));
    if (inserted == 0)
        fail(sqlstate::duplicate_plan, format("plan \"%s\" already exists", args::shown(code)),
             format("Tenant \"%s\" already has a plan with that code.", args::cstr(tenants::current())));
    return results::view_row(fcinfo, plan_view_row, id.text);
}

// credits_assign_plan(account, plan, start_mode, anchor): 'immediate' starts
// now (or at anchor) with the first allocation; 'next_period' switches at the
// end of the current period, or starts at the next calendar period. The plan
// the account already has stays as it is (unless re-anchored).
CREDITS_FUNCTION(credits_assign_plan) {
    std::string_view account_ref = account_arg(fcinfo, 0);
    std::string_view plan_ref = args::required_text(fcinfo, 1, "plan");
    std::string_view mode = args::string(fcinfo, 2, "start_mode", 32).value_or("immediate");
    if (mode != "immediate" && mode != "next_period")
        fail(sqlstate::invalid_parameter, format("unknown start_mode \"%s\"", args::shown(mode)),
             "start_mode is immediate or next_period.");
    auto anchor = args::timestamp(fcinfo, 3);
    // Periods are counted from it: one beyond the expiry horizon could only
    // ever overflow.
    if (anchor && *anchor > clock::now()) args::expiry_at(*anchor, "anchor");

    spi::begin(fcinfo);
    tables::Session s;
    tables::open(s, fcinfo);
    Account account = lock_account(s, account_ref);
    require_status(account, false, "new plans");
    std::optional<plans::Plan> plan = find_plan(s, plan_ref);
    if (!plan) plan_not_found(plan_ref);
    require_fits(*plan, account);

    TimestampTz now = clock::now();
    std::optional<Subscription> existing = find_subscription(s, account);
    Subscription sub = existing.value_or(Subscription{nullptr, nullptr, false, now, no_expiry, now, nullptr,
                                                      nullptr, no_expiry});
    bool current = existing && existing->active && strcmp(existing->plan_id, plan->id) == 0;
    if (mode == "next_period" && existing && existing->active) {
        sub.next_plan_id = current ? nullptr : plan->id;  // takes over when the current period ends
    } else if (current && !anchor) {
        sub.next_plan_id = nullptr;  // already on it: nothing to start
    } else {
        TimestampTz start = anchor ? *anchor : mode == "immediate" ? now : next_boundary(plan->period, now);
        // Switching ends the current period: its allocation expires when the
        // new plan starts, or rolls over into it by the new plan's rule (so
        // assigning again never grants a period twice).
        if (existing && existing->last_grant_id)
            grants::expire_early(s, account, existing->last_grant_id, std::max(start, now));
        sub.plan_id = plan->id;
        sub.active = true;
        sub.anchor = start;
        sub.current_period_start = no_expiry;
        sub.current_period_end = start;  // the first renewal begins the first period
        sub.next_plan_id = nullptr;
        sub.cancelled_at = no_expiry;
    }
    save_subscription(s, account, sub);
    account.next_renewal = sub.current_period_end;
    account.changed = true;
    catch_up(s, account);  // the first period, if it has begun; what the switch expired
    tables::close(s);
    return results::view_row(fcinfo, subscription_view_row, account.id);
}

// credits_cancel_plan(account): no more renewals; the current allocation
// stays until its period ends.
CREDITS_FUNCTION(credits_cancel_plan) {
    std::string_view account_ref = account_arg(fcinfo, 0);
    spi::begin(fcinfo);
    tables::Session s;
    tables::open(s, fcinfo);
    Account account = lock_account(s, account_ref);
    std::optional<Subscription> sub = find_subscription(s, account);
    if (!sub || !sub->active)
        fail(sqlstate::subscription_not_found, format("account %s has no active plan", account.external_id));
    sub->active = false;
    sub->next_plan_id = nullptr;
    sub->cancelled_at = clock::now();
    save_subscription(s, account, *sub);
    account.next_renewal = no_expiry;
    save_account(s, account);
    tables::close(s);
    return results::view_row(fcinfo, subscription_view_row, account.id);
}
