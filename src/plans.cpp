#include "plans.h"

#include "events.h"
#include "args.h"
#include "clock.h"
#include "errors.h"
#include "grants.h"
#include "ids.h"
#include "ledger.h"
#include "tenants.h"

extern "C" {
#include "utils/datetime.h"
}

namespace credits::plans {

namespace {

enum PlanCol { p_id, p_tenant, p_code, p_allowance, p_period, p_rollover, p_count };
constexpr const char *plan_columns[] = {"id", "tenant", "code", "allowance", "period", "rollover"};
static_assert(sizeof(plan_columns) / sizeof(plan_columns[0]) == p_count);
tables::Columns<p_count> plan_cols{plan_columns};

enum SubCol {
    s_account_id, s_plan_id, s_status, s_anchor, s_current_period_start, s_current_period_end, s_next_plan_id,
    s_last_grant_id, s_created_at, s_cancelled_at, s_account_key, s_count
};
constexpr const char *subscription_columns[] = {
    "account_id", "plan_id", "status", "anchor", "current_period_start", "current_period_end", "next_plan_id",
    "last_grant_id", "created_at", "cancelled_at", "account_key"};
static_assert(sizeof(subscription_columns) / sizeof(subscription_columns[0]) == s_count);
tables::Columns<s_count> subscription_cols{subscription_columns};

const tables::Columns<p_count> &pc(tables::Session &s) {
    return tables::columns(plan_cols, tables::rel(s, tables::TableId::Plan));
}
const tables::Columns<s_count> &sc(tables::Session &s) {
    return tables::columns(subscription_cols, tables::rel(s, tables::TableId::Subscription));
}

TupleTableSlot *by_key(tables::Session &s, tables::TableId t, const char *index, std::string_view key) {
    Datum k = tables::text_datum(key);
    TupleTableSlot *row = tables::find_by_index(s, t, tables::index_oid(s, t, index), &k, 1);
    if (row) s.locked = lappend(s.locked, row);  // released with the session
    return row;
}

// Also date_trunc()'s names for these units.
constexpr const char *period_names[] = {"day", "week", "month", "year"};
constexpr int64 average_length[] = {USECS_PER_DAY, 7 * USECS_PER_DAY, 2629746LL * USECS_PER_SEC,
                                    31556952LL * USECS_PER_SEC};

// anchor + n periods, in UTC (timestamp arithmetic on the UTC value, so the
// session's time zone never moves a period).
TimestampTz period_start(PeriodUnit unit, TimestampTz anchor, int64 n) {
    Interval step{0, 0, 0};
    switch (unit) {
        case PeriodUnit::Day: step.day = static_cast<int32>(n); break;
        case PeriodUnit::Week: step.day = static_cast<int32>(7 * n); break;
        case PeriodUnit::Month: step.month = static_cast<int32>(n); break;
        case PeriodUnit::Year: step.month = static_cast<int32>(12 * n); break;
    }
    return DatumGetTimestamp(
        DirectFunctionCall2(timestamp_pl_interval, TimestampGetDatum(anchor), IntervalPGetDatum(&step)));
}

}  // namespace

std::optional<PeriodUnit> parse_period(std::string_view s) {
    for (PeriodUnit u : {PeriodUnit::Day, PeriodUnit::Week, PeriodUnit::Month, PeriodUnit::Year})
        if (s == period_names[static_cast<int>(u)]) return u;
    return std::nullopt;
}

std::optional<Rollover> parse_rollover(std::string_view s) {
    if (s == "none") return Rollover{Rollover::None, Decimal{0, 0}};
    if (s == "all") return Rollover{Rollover::All, Decimal{0, 0}};
    try {
        return Rollover{Rollover::Cap, read_decimal_text(s, "rollover", Sign::NonNegative)};
    } catch (const Error &) {
        return std::nullopt;
    }
}

Period period_containing(PeriodUnit unit, TimestampTz anchor, TimestampTz now) {
    // An estimate from the average length, then exact steps.
    int64 n = (now - anchor) / average_length[static_cast<int>(unit)];
    while (n > 0 && period_start(unit, anchor, n) > now) n--;
    while (period_start(unit, anchor, n + 1) <= now) n++;
    return Period{period_start(unit, anchor, n), period_start(unit, anchor, n + 1)};
}

TimestampTz next_boundary(PeriodUnit unit, TimestampTz now) {
    Datum start = DirectFunctionCall2(timestamp_trunc, CStringGetTextDatum(period_names[static_cast<int>(unit)]),
                                      TimestampGetDatum(now));
    return period_start(unit, DatumGetTimestamp(start), 1);
}

namespace {

Plan load_plan(tables::Session &s, TupleTableSlot *row) {
    const auto &c = pc(s);
    Plan p;
    p.id = args::cstr(*tables::text_value(row, c[p_id]));
    p.code = args::cstr(*tables::text_value(row, c[p_code]));
    p.allowance = read_decimal(tables::value(row, c[p_allowance]), false, "allowance", Sign::Positive);
    p.period = *parse_period(*tables::text_value(row, c[p_period]));
    p.rollover = *parse_rollover(*tables::text_value(row, c[p_rollover]));
    return p;
}

// What rolls over from `unspent` under the plan's rule.
Units rolled_over(const Rollover &rule, Units unspent, int scale, const char *account) {
    switch (rule.kind) {
        case Rollover::None: return 0;
        case Rollover::All: return unspent;
        case Rollover::Cap: return std::min(unspent, to_units(rule.cap, scale, "rollover", account));
    }
    return 0;
}

}  // namespace

void require_fits(const Plan &plan, const Account &account) {
    to_units(plan.allowance, account.scale, "allowance", account.external_id);
    if (plan.rollover.kind == Rollover::Cap) to_units(plan.rollover.cap, account.scale, "rollover", account.external_id);
}

std::optional<Plan> find_plan(tables::Session &s, std::string_view id_or_code, bool any_tenant) {
    TupleTableSlot *row;
    std::string_view tenant = tenants::current();
    if (ids::has_shape(id_or_code, "pln_")) {
        row = by_key(s, tables::TableId::Plan, "credits_plan_pkey", ids::canonical(id_or_code).view());
        if (row && !any_tenant && tables::text_value(row, pc(s)[p_tenant]) != tenant) row = nullptr;
    } else {
        Datum keys[] = {tables::text_datum(tenant), tables::text_datum(id_or_code)};
        row = tables::find_by_index(s, tables::TableId::Plan,
                                    tables::index_oid(s, tables::TableId::Plan, "credits_plan_tenant_code_key"), keys, 2);
        if (row) s.locked = lappend(s.locked, row);
    }
    if (!row) return std::nullopt;
    return load_plan(s, row);
}

std::optional<Subscription> find_subscription(tables::Session &s, const Account &account) {
    TupleTableSlot *row = by_key(s, tables::TableId::Subscription, "credits_subscription_pkey", account.id);
    if (!row) return std::nullopt;
    const auto &c = sc(s);
    auto optional_text = [&](AttrNumber attnum) -> const char * {
        auto t = tables::text_value(row, attnum);
        return t ? args::cstr(*t) : nullptr;
    };
    Subscription sub;
    sub.row = row;
    sub.plan_id = optional_text(c[s_plan_id]);
    sub.active = *tables::text_value(row, c[s_status]) == "active";
    sub.anchor = timestamp_or_never(row, c[s_anchor]);
    sub.current_period_start = timestamp_or_never(row, c[s_current_period_start]);
    sub.current_period_end = timestamp_or_never(row, c[s_current_period_end]);
    sub.next_plan_id = optional_text(c[s_next_plan_id]);
    sub.last_grant_id = optional_text(c[s_last_grant_id]);
    sub.cancelled_at = timestamp_or_never(row, c[s_cancelled_at]);
    return sub;
}

void save_subscription(tables::Session &s, const Account &account, const Subscription &sub) {
    const auto &c = sc(s);
    auto text = [](const char *t) -> std::optional<std::string_view> {
        if (!t) return std::nullopt;
        return std::string_view(t);
    };
    tables::Values v = tables::new_values(tables::rel(s, tables::TableId::Subscription));
    v.set_text(c[s_plan_id], text(sub.plan_id))
        .set_text(c[s_status], std::string_view(sub.active ? "active" : "cancelled"))
        .set(c[s_anchor], TimestampTzGetDatum(sub.anchor))
        .set(c[s_current_period_start], nullable_timestamp(sub.current_period_start))
        .set(c[s_current_period_end], TimestampTzGetDatum(sub.current_period_end))
        .set_text(c[s_next_plan_id], text(sub.next_plan_id))
        .set_text(c[s_last_grant_id], text(sub.last_grant_id))
        .set(c[s_cancelled_at], nullable_timestamp(sub.cancelled_at));
    if (sub.row) {
        tables::update(s, tables::TableId::Subscription, sub.row, v);
        return;
    }
    v.set_text(c[s_account_id], std::string_view(account.id))
        .set(c[s_account_key], Int32GetDatum(account.key))
        .set(c[s_created_at], TimestampTzGetDatum(clock::now()));
    tables::insert(s, tables::TableId::Subscription, v);
}

namespace {

// Grants `period`'s allocation (unless it was granted before), rolling
// over what the last allocation left if that ended where this begins.
void grant_period(tables::Session &s, Account &account, const Plan &plan, Subscription &sub, const Period &period) {
    sub.current_period_start = period.start;
    sub.current_period_end = period.end;
    if (grants::has_allocation(s, account, period.start)) return;
    Units allowance = to_units(plan.allowance, account.scale, "allowance", account.external_id);
    Units rolled = 0;
    grants::Funding moved{0, nullptr, nullptr};
    if (sub.last_grant_id && grants::expires_at(s, account, sub.last_grant_id) == period.start) {
        rolled = rolled_over(plan.rollover, grants::unspent(s, account, sub.last_grant_id), account.scale,
                             account.external_id);
        if (rolled > 0) {
            Units short_by = 0;
            moved = grants::take_back(s, account, sub.last_grant_id, rolled, false, &short_by);
        }
    }
    ids::Id transaction_id = ids::make("txn_", account.key);
    grants::Spec spec{period.end, 0, std::string_view("allocation"), period.start};
    grants::Funding made = grants::create(s, account, allowance + rolled, spec, transaction_id.view());
    Movement m{EntryType::Allocation, allowance, std::string_view(plan.code), std::nullopt, std::nullopt,
               std::nullopt};
    m.grants = grants::to_jsonb(grants::combine(made, moved), account.scale);
    append(s, account, m, &transaction_id);
    sub.last_grant_id = made.grant_ids[0];
    events::Data data;
    data.text("plan", std::string_view(plan.code))
        .timestamp("period_start", period.start)
        .timestamp("period_end", period.end)
        .amount("allocated", allowance, account.scale)
        .amount("rolled_over", rolled, account.scale)
        .text("transaction_id", transaction_id.view());
    events::emit(s, account, "plan.renewed", data);
}

}  // namespace

int renew(tables::Session &s, Account &account) {
    TimestampTz now = clock::now();
    std::optional<Subscription> found = find_subscription(s, account);
    account.changed = true;
    if (!found || !found->active) {
        account.next_renewal = no_expiry;
        return 0;
    }
    Subscription sub = *found;
    if (sub.current_period_end > now) {
        account.next_renewal = sub.current_period_end;
        return 0;
    }

    // A plan change waiting for this moment takes over, its periods counted
    // from here.
    if (sub.next_plan_id) {
        sub.plan_id = sub.next_plan_id;
        sub.anchor = sub.current_period_end;
        sub.next_plan_id = nullptr;
    }
    std::optional<Plan> plan = find_plan(s, sub.plan_id, true);
    if (!plan) elog(ERROR, "credits: plan %s of account %s is missing", sub.plan_id, account.id);

    // Every period since the last renewal, in turn, so that rollover carries
    // through them. Without rollover only the period that contains now
    // matters: nobody touched the account to spend what earlier ones gave.
    // A first period (even from a past anchor) starts at the one that
    // contains now.
    bool step = plan->rollover.kind != Rollover::None && sub.current_period_start != no_expiry;
    Period period = period_containing(plan->period, sub.anchor, step ? sub.current_period_end : now);
    for (;;) {
        grant_period(s, account, *plan, sub, period);
        if (period.end > now) break;
        period = period_containing(plan->period, sub.anchor, period.end);
    }
    save_subscription(s, account, sub);
    account.next_renewal = period.end;
    return 1;
}

}  // namespace credits::plans
