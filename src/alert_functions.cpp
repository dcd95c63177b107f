// SQL functions for low-balance alerts and auto-reload (alerts.h).
#include "accounts.h"
#include "alerts.h"
#include "args.h"
#include "clock.h"
#include "errors.h"
#include "guard.h"
#include "ids.h"
#include "ops.h"
#include "results.h"
#include "spi.h"
#include "tables.h"
#include "tenants.h"

#include <algorithm>

extern "C" {
#include "utils/array.h"
}

using namespace credits;

namespace {

spi::Statement alerts_view_row{"SELECT * FROM @extschema@.credits_alerts WHERE account_id = $1", 1, {TEXTOID}};

spi::Statement reload_row{"SELECT *, $2 FROM @extschema@.credits_reload_requests WHERE id = $1", 2,
                          {TEXTOID, BOOLOID}};

// Settings are kept for any account that is not closed.
Account lock_for_settings(tables::Session &s, std::string_view account) {
    Account a = lock_account(s, account);
    require_status(a, true, "alert or auto-reload settings");
    return a;
}

// Writes the settings, and the account's watched flag when it no longer
// matches them (an account that watches nothing pays nothing).
void save_settings(tables::Session &s, Account &a, alerts::Settings &st) {
    alerts::save(s, a, st);
    if (a.watched == st.watches()) return;
    a.watched = st.watches();
    tables::Values changes = tables::new_values(tables::rel(s, tables::TableId::Account));
    changes.set(account_attnum(s, AccountColumn::watched), BoolGetDatum(a.watched));
    save_account(s, a, &changes);
}

Datum finish_settings(FunctionCallInfo fcinfo, tables::Session &s, Account &a, alerts::Settings &st) {
    alerts::evaluate(s, a, st, alerts::Before{a.balance, a.available()});
    save_settings(s, a, st);
    tables::close(s);
    return results::view_row(fcinfo, alerts_view_row, a.id);
}

bool bool_arg(FunctionCallInfo fcinfo, int argno, bool otherwise) {
    return args::given(fcinfo, argno) ? PG_GETARG_BOOL(argno) : otherwise;
}

// thresholds: at most max_thresholds distinct amounts, zero or more, in the
// account's scale; descending.
int thresholds_arg(FunctionCallInfo fcinfo, int argno, const Account &a, Units *out) {
    if (!args::given(fcinfo, argno))
        fail(sqlstate::invalid_parameter, "thresholds is required", "Give '{}' for none.");
    ArrayType *array = PG_GETARG_ARRAYTYPE_P(argno);
    if (ARR_NDIM(array) > 1) fail(sqlstate::invalid_parameter, "thresholds must be a one-dimensional array");
    Datum *elems;
    bool *nulls;
    int n;
    deconstruct_array(array, NUMERICOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
    if (n > alerts::max_thresholds)
        fail(sqlstate::invalid_parameter, "too many thresholds",
             format("%d were given; an account has at most %d.", n, alerts::max_thresholds));
    for (int i = 0; i < n; i++)
        out[i] = to_units(read_decimal(elems[i], nulls[i], "thresholds", Sign::NonNegative), a.scale, "thresholds",
                          a.external_id);
    std::sort(out, out + n, [](Units x, Units y) { return x > y; });
    for (int i = 1; i < n; i++)
        if (out[i] == out[i - 1])
            fail(sqlstate::invalid_parameter, "thresholds must be distinct",
                 format("%s is given twice.", units_to_string(out[i], a.scale)));
    return n;
}

std::optional<int32> limit_arg(FunctionCallInfo fcinfo, int argno, const char *name) {
    auto v = args::int32_value(fcinfo, argno);
    if (v && *v < 1)
        fail(sqlstate::invalid_parameter, format("%s must be at least 1", name),
             format("%s is %d; NULL means no limit.", name, *v));
    return v;
}

// cooldown: zero to 366 days, as interval comparison counts them (a month
// is 30 days); NULL: none.
Interval cooldown_arg(FunctionCallInfo fcinfo, int argno) {
    if (!args::given(fcinfo, argno)) return Interval{0, 0, 0};
    Interval *i = PG_GETARG_INTERVAL_P(argno);
    Interval zero{0, 0, 0}, most{0, 366, 0};
    if (DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(i), IntervalPGetDatum(&zero))) < 0 ||
        DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(i), IntervalPGetDatum(&most))) > 0)
        fail(sqlstate::invalid_parameter, "cooldown is out of range",
             "cooldown is zero or more, and at most 366 days (a month counts 30).");
    return *i;
}

Decimal decimal_of(Units units, int scale) {
    Decimal d{units, scale};
    while (d.decimals > 0 && d.digits % 10 == 0) {
        d.digits /= 10;
        d.decimals--;
    }
    return d;
}

}  // namespace

// credits_set_alerts(account, thresholds, depleted) -> credits_alerts
CREDITS_FUNCTION(credits_set_alerts) {
    std::string_view account = account_arg(fcinfo, 0);
    bool depleted = bool_arg(fcinfo, 2, true);
    spi::begin(fcinfo);
    tables::Session s;
    tables::open(s, fcinfo);
    Account a = lock_for_settings(s, account);
    Units thresholds[alerts::max_thresholds];
    int n = thresholds_arg(fcinfo, 1, a, thresholds);

    alerts::Settings st = alerts::load(s, a);
    // A threshold kept keeps its state: setting the same list again emits nothing.
    bool in_alarm[alerts::max_thresholds];
    for (int i = 0; i < n; i++) {
        in_alarm[i] = false;
        for (int j = 0; j < st.nthresholds; j++)
            if (st.thresholds[j] == thresholds[i]) in_alarm[i] = st.in_alarm[j];
    }
    st.nthresholds = n;
    std::copy(thresholds, thresholds + n, st.thresholds);
    std::copy(in_alarm, in_alarm + n, st.in_alarm);
    st.depleted_alert = depleted;
    return finish_settings(fcinfo, s, a, st);
}

namespace {

// The auto-reload settings an argument list gives, each checked whether or
// not auto-reload is being enabled: a bad value is an error either way.
struct ReloadArgs {
    alerts::MaybeUnits threshold, amount, target;
    std::optional<int32> max_per_day, max_per_month;
    Interval cooldown;
    std::optional<std::string_view> category;
    std::optional<Interval> expires_in;
    int32 max_failures;
};
static_assert(std::is_trivially_destructible_v<ReloadArgs>);

ReloadArgs reload_args(FunctionCallInfo fcinfo, const Account &a) {
    ReloadArgs r{};
    auto amount_arg = [&](int argno, const char *name, Sign sign) {
        return args::given(fcinfo, argno)
                   ? alerts::MaybeUnits(to_units(args::decimal(fcinfo, argno, name, sign), a.scale, name, a.external_id))
                   : alerts::MaybeUnits{};
    };
    r.threshold = amount_arg(2, "threshold", Sign::NonNegative);
    r.amount = amount_arg(3, "amount", Sign::Positive);
    r.target = amount_arg(4, "target_balance", Sign::Positive);
    if (r.amount && *r.amount < a.min_credit_amount)
        fail(sqlstate::invalid_amount, format("amount is below the minimum credit of account %s", a.external_id),
             format("amount is %s; the account takes credits of %s or more.", units_to_string(*r.amount, a.scale),
                    units_to_string(a.min_credit_amount, a.scale)));
    if (r.target && r.threshold && *r.target <= *r.threshold)
        fail(sqlstate::invalid_parameter, "target_balance must be above threshold",
             format("target_balance is %s and threshold %s.", units_to_string(*r.target, a.scale),
                    units_to_string(*r.threshold, a.scale)));
    r.max_per_day = limit_arg(fcinfo, 5, "max_per_day");
    r.max_per_month = limit_arg(fcinfo, 6, "max_per_month");
    r.cooldown = cooldown_arg(fcinfo, 7);
    r.category = args::identifier(fcinfo, 8, "category");
    if (args::given(fcinfo, 9)) {
        args::after_interval(fcinfo, 9, "expires_in");
        r.expires_in = *PG_GETARG_INTERVAL_P(9);
    }
    r.max_failures = args::int32_value(fcinfo, 10).value_or(3);
    if (r.max_failures < 1 || r.max_failures > 100)
        fail(sqlstate::invalid_parameter, "max_failures is out of range",
             format("max_failures is %d; it must be between 1 and 100.", r.max_failures));
    return r;
}

}  // namespace

// credits_set_auto_reload(account, enabled, threshold, amount, target_balance,
//                         max_per_day, max_per_month, cooldown, category,
//                         expires_in, max_failures) -> credits_alerts.
// Disabling keeps the stored settings (the ones given are checked, not kept).
CREDITS_FUNCTION(credits_set_auto_reload) {
    std::string_view account = account_arg(fcinfo, 0);
    bool enabled = bool_arg(fcinfo, 1, true);
    spi::begin(fcinfo);
    tables::Session s;
    tables::open(s, fcinfo);
    Account a = lock_for_settings(s, account);
    ReloadArgs r = reload_args(fcinfo, a);
    alerts::Settings st = alerts::load(s, a);
    st.reload_enabled = enabled;
    if (!enabled) return finish_settings(fcinfo, s, a, st);

    if (!r.threshold)
        fail(sqlstate::invalid_parameter, "threshold is required", "Auto-reload asks for credits below it.");
    if (bool(r.amount) == bool(r.target))
        fail(sqlstate::invalid_parameter, "give either amount or target_balance",
             "amount reloads a fixed amount; target_balance reloads up to a balance.");
    st.reload_threshold = r.threshold;
    st.reload_amount = r.amount;
    st.reload_target = r.target;
    st.max_per_day = r.max_per_day;
    st.max_per_month = r.max_per_month;
    st.cooldown = r.cooldown;
    st.category = r.category;
    st.expires_in = r.expires_in;
    st.max_failures = r.max_failures;
    // Enabling again starts the count of failures afresh.
    st.failures = 0;
    st.disabled_reason = std::nullopt;
    return finish_settings(fcinfo, s, a, st);
}

// credits_complete_reload(request, succeeded, payment_reference,
// failure_reason) -> credits_reload_result
CREDITS_FUNCTION(credits_complete_reload) {
    // A role bound to tenants that names another gets 42501 before anything
    // else is looked at.
    tenants::current();
    std::string_view request_ref = args::required_text(fcinfo, 0, "request");
    if (!args::given(fcinfo, 1))
        fail(sqlstate::invalid_parameter, "succeeded is required", "true when the payment went through.");
    bool succeeded = PG_GETARG_BOOL(1);
    auto payment_reference = args::identifier(fcinfo, 2, "payment_reference");
    auto failure_reason = args::string(fcinfo, 3, "failure_reason");
    auto not_found = [&] {
        fail(sqlstate::reload_request_not_found,
             format("auto-reload request \"%s\" does not exist", args::shown(request_ref)),
             "No account of this tenant has a request with that id.");
    };
    if (!ids::has_shape(request_ref, "rld_")) not_found();
    ids::Id id = ids::canonical(request_ref);

    spi::begin(fcinfo);
    ops::Work w;
    ops::begin(w, fcinfo);
    tables::Session &s = w.session;
    auto found = alerts::find_request(s, id.view());
    // Another tenant's request is as good as absent (the account's lock
    // settles it once, below).
    if (!found || !lock_account_by_id(s, found->account_id, LockOptions{false, tables::Wait::Block, false})) not_found();
    Account &a = ops::lock(w, found->account_id);
    alerts::Request r = alerts::lock_request(s, id.view(), a);

    bool replayed = r.status != "pending";
    if (replayed) {
        bool same = r.status == (succeeded ? "succeeded" : "failed") &&
                    (!succeeded || !payment_reference || payment_reference == r.payment_reference);
        if (!same)
            fail(sqlstate::reload_request_completed,
                 format("auto-reload request %s is already %s", id.text, args::cstr(r.status)),
                 succeeded && r.status == "succeeded"
                     ? format("It succeeded with payment_reference %s.",
                              r.payment_reference ? args::cstr(*r.payment_reference) : "NULL")
                     : nullptr,
                 "A request completes once; an auto-reload that is due again makes a new request.");
    } else {
        alerts::Settings st = alerts::load(s, a);
        events::Data data;
        data.text("request_id", id.view()).amount("amount", r.amount, a.scale);
        std::optional<std::string_view> transaction_id;
        if (succeeded) {
            ops::Request credit = ops::request(ops::Kind::Credit);
            credit.account = a.id;
            credit.amount = decimal_of(r.amount, a.scale);
            credit.description = std::string_view("auto-reload");
            credit.reference = payment_reference;
            credit.idempotency_key = id.view();
            credit.category = st.category;
            credit.grant_expires_at = st.expires_in ? args::expiry_after(&*st.expires_in, "expires_in") : no_expiry;
            ops::Result done = ops::run_one(w, credit);
            transaction_id = std::string_view(pstrdup(done.posting.transaction_id.text));
            st.failures = 0;
            data.text("transaction_id", transaction_id).text("payment_reference", payment_reference);
        } else {
            st.failures++;
            data.text("failure_reason", failure_reason).number("consecutive_failures", st.failures);
        }
        if (st.pending == id.view()) st.pending = std::nullopt;
        alerts::complete_request(s, r, succeeded, payment_reference, failure_reason, transaction_id);
        events::emit(s, a, succeeded ? "auto_reload.succeeded" : "auto_reload.failed", data);
        if (!succeeded && st.reload_enabled && st.failures >= st.max_failures) {
            st.reload_enabled = false;
            st.disabled_reason = format("%d consecutive failed payments", st.failures);
            events::Data disabled;
            disabled.text("reason", st.disabled_reason).number("consecutive_failures", st.failures);
            events::emit(s, a, "auto_reload.disabled", disabled);
        }
        if (st.row) save_settings(s, a, st);
    }
    ops::finish(w);
    if (spi::run(reload_row, spi::Params().add_text(id.view()).add(BoolGetDatum(replayed))) != 1)
        elog(ERROR, "credits: auto-reload request %s is missing from its view", id.text);
    Datum result = results::from_row(fcinfo, spi::row(0));
    spi::end();
    return result;
}
