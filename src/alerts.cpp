#include "alerts.h"

#include "args.h"
#include "clock.h"
#include "ids.h"
#include "tables.h"

extern "C" {
#include "utils/array.h"
#include "utils/date.h"
#include "utils/datetime.h"
}

namespace credits::alerts {

namespace {

enum {
    a_account_id, a_account_key, a_thresholds, a_in_alarm, a_depleted_alert, a_depleted, a_reload_enabled,
    a_reload_threshold, a_reload_amount, a_reload_target, a_max_per_day, a_max_per_month, a_cooldown, a_category,
    a_expires_in, a_max_failures, a_failures, a_day, a_day_count, a_month, a_month_count, a_last_at, a_pending,
    a_disabled_reason, a_updated_at, a_count
};
constexpr const char *alert_column_names[] = {
    "account_id",         "account_key",        "thresholds",          "in_alarm",         "depleted_alert",
    "depleted",           "reload_enabled",     "reload_threshold",    "reload_amount",    "reload_target",
    "reload_max_per_day", "reload_max_per_month", "reload_cooldown",   "reload_category",  "reload_expires_in",
    "reload_max_failures", "reload_failures",   "reload_day",          "reload_day_count", "reload_month",
    "reload_month_count", "reload_last_at",     "reload_pending",      "reload_disabled_reason", "updated_at"};
static_assert(sizeof(alert_column_names) / sizeof(alert_column_names[0]) == a_count);
tables::Columns<a_count> alert_columns{alert_column_names};

enum {
    r_id, r_account_id, r_account_key, r_amount, r_status, r_requested_at, r_completed_at, r_payment_reference,
    r_failure_reason, r_transaction_id, r_count
};
constexpr const char *request_column_names[] = {"id",           "account_id",        "account_key",    "amount",
                                                "status",       "requested_at",      "completed_at",   "payment_reference",
                                                "failure_reason", "transaction_id"};
static_assert(sizeof(request_column_names) / sizeof(request_column_names[0]) == r_count);
tables::Columns<r_count> request_columns{request_column_names};

struct Indexes {
    Oid alert_relid = InvalidOid, alert_pkey = InvalidOid;
    Oid request_relid = InvalidOid, request_pkey = InvalidOid;
} indexes;

Oid alert_index(tables::Session &s) {
    Relation rel = tables::rel(s, tables::TableId::Alert);
    if (indexes.alert_relid != RelationGetRelid(rel)) {
        indexes.alert_pkey = tables::index_oid(s, tables::TableId::Alert, "credits_alert_pkey");
        indexes.alert_relid = RelationGetRelid(rel);
    }
    return indexes.alert_pkey;
}

Oid request_index(tables::Session &s) {
    Relation rel = tables::rel(s, tables::TableId::ReloadRequest);
    if (indexes.request_relid != RelationGetRelid(rel)) {
        indexes.request_pkey = tables::index_oid(s, tables::TableId::ReloadRequest, "credits_reload_request_pkey");
        indexes.request_relid = RelationGetRelid(rel);
    }
    return indexes.request_pkey;
}

MaybeUnits nullable_units(TupleTableSlot *row, AttrNumber attnum, int scale) {
    auto v = tables::nullable(row, attnum);
    if (!v) return MaybeUnits{};
    return numeric_to_units(*v, scale);
}

std::optional<Datum> units_datum(MaybeUnits v, int scale) {
    if (!v) return std::nullopt;
    return units_to_numeric(*v, scale);
}

std::optional<int32> nullable_int(TupleTableSlot *row, AttrNumber attnum) {
    auto v = tables::nullable(row, attnum);
    if (!v) return std::nullopt;
    return DatumGetInt32(*v);
}

Datum interval_datum(const Interval &i) {
    auto *copy = static_cast<Interval *>(palloc(sizeof(Interval)));
    *copy = i;
    return IntervalPGetDatum(copy);
}

TimestampTz plus(TimestampTz t, const Interval &i) {
    return DatumGetTimestampTz(DirectFunctionCall2(timestamptz_pl_interval, TimestampTzGetDatum(t), interval_datum(i)));
}

// The UTC day of a moment, and the first day of its month.
DateADT utc_day(TimestampTz t) { return static_cast<DateADT>(t / USECS_PER_DAY - (t % USECS_PER_DAY < 0 ? 1 : 0)); }
DateADT month_of(DateADT day) {
    int y, m, d;
    j2date(day + POSTGRES_EPOCH_JDATE, &y, &m, &d);
    return date2j(y, m, 1) - POSTGRES_EPOCH_JDATE;
}

void emit_balance(tables::Session &s, const Account &a, Before before, const char *type, MaybeUnits threshold,
                  bool depleted) {
    events::Data data;
    if (threshold) data.amount("threshold", *threshold, a.scale);
    if (depleted) data.boolean("depleted", true);
    describe_balance(s, a, before, data);
    events::emit(s, a, type, data);
}

// Records an auto-reload request when one is due.
bool request_reload(tables::Session &s, Account &a, Settings &st, Before before) {
    if (!st.reload_enabled || !st.reload_threshold || st.pending) return false;
    Units available = a.available();
    if (available >= *st.reload_threshold) return false;
    TimestampTz now = clock::now();
    if (st.last_requested != DT_NOBEGIN && now < plus(st.last_requested, st.cooldown)) return false;
    DateADT day = utc_day(now), month = month_of(day);
    int32 day_count = st.day == day ? st.day_count : 0;
    int32 month_count = st.month == month ? st.month_count : 0;
    if ((st.max_per_day && day_count >= *st.max_per_day) || (st.max_per_month && month_count >= *st.max_per_month))
        return false;
    Units amount = st.reload_amount ? *st.reload_amount : *st.reload_target - available;
    if (amount < a.min_credit_amount) amount = a.min_credit_amount;

    ids::Id id = ids::make("rld_", a.key);
    Relation rel = tables::rel(s, tables::TableId::ReloadRequest);
    const auto &c = tables::columns(request_columns, rel);
    tables::Values row = tables::new_values(rel);
    row.set_text(c[r_id], id.view())
        .set_text(c[r_account_id], std::string_view(a.id))
        .set(c[r_account_key], Int32GetDatum(a.key))
        .set(c[r_amount], units_to_numeric(amount, a.scale))
        .set_text(c[r_status], std::string_view("pending"))
        .set(c[r_requested_at], TimestampTzGetDatum(now));
    tables::insert(s, tables::TableId::ReloadRequest, row);

    st.pending = std::string_view(pstrdup(id.text));
    st.last_requested = now;
    st.day = day;
    st.day_count = day_count + 1;
    st.month = month;
    st.month_count = month_count + 1;

    events::Data data;
    data.text("request_id", id.view()).amount("amount", amount, a.scale).amount("threshold", *st.reload_threshold, a.scale);
    if (st.reload_target) data.amount("target_balance", *st.reload_target, a.scale);
    describe_balance(s, a, before, data);
    events::emit(s, a, "auto_reload.requested", data);
    return true;
}

}  // namespace

void describe_balance(tables::Session &s, const Account &a, Before before, events::Data &data) {
    data.amount("balance_before", before.balance, a.scale)
        .amount("balance_after", a.balance, a.scale)
        .amount("available_before", before.available, a.scale)
        .amount("available_after", a.available(), a.scale)
        .text("unit", std::string_view(a.unit))
        .texts("notify_emails", tables::nullable(a.row, account_attnum(s, AccountColumn::notify_emails)));
}

Settings load(tables::Session &s, const Account &a) {
    Settings st{};
    st.last_requested = DT_NOBEGIN;
    st.max_failures = 3;
    st.cooldown = Interval{30 * USECS_PER_SEC, 0, 0};
    Datum key = tables::text_datum(a.id);
    TupleTableSlot *row = tables::find_to_update(s, tables::TableId::Alert, alert_index(s), &key, 1);
    st.row = row;
    if (!row) return st;
    const auto &c = tables::columns(alert_columns, tables::rel(s, tables::TableId::Alert));
    Datum *elems;
    bool *nulls;
    int n;
    deconstruct_array(DatumGetArrayTypeP(tables::value(row, c[a_thresholds])), NUMERICOID, -1, false, TYPALIGN_INT,
                      &elems, &nulls, &n);
    st.nthresholds = std::min(n, max_thresholds);
    for (int i = 0; i < st.nthresholds; i++) st.thresholds[i] = numeric_to_units(elems[i], a.scale);
    deconstruct_array(DatumGetArrayTypeP(tables::value(row, c[a_in_alarm])), BOOLOID, 1, true, TYPALIGN_CHAR, &elems,
                      &nulls, &n);
    for (int i = 0; i < st.nthresholds; i++) st.in_alarm[i] = i < n && !nulls[i] && DatumGetBool(elems[i]);
    st.depleted_alert = DatumGetBool(tables::value(row, c[a_depleted_alert]));
    st.depleted = DatumGetBool(tables::value(row, c[a_depleted]));
    st.reload_enabled = DatumGetBool(tables::value(row, c[a_reload_enabled]));
    st.reload_threshold = nullable_units(row, c[a_reload_threshold], a.scale);
    st.reload_amount = nullable_units(row, c[a_reload_amount], a.scale);
    st.reload_target = nullable_units(row, c[a_reload_target], a.scale);
    st.max_per_day = nullable_int(row, c[a_max_per_day]);
    st.max_per_month = nullable_int(row, c[a_max_per_month]);
    st.cooldown = *DatumGetIntervalP(tables::value(row, c[a_cooldown]));
    st.category = tables::copied_text(row, c[a_category]);
    if (auto e = tables::nullable(row, c[a_expires_in])) st.expires_in = *DatumGetIntervalP(*e);
    st.max_failures = DatumGetInt32(tables::value(row, c[a_max_failures]));
    st.failures = DatumGetInt32(tables::value(row, c[a_failures]));
    if (auto d = tables::nullable(row, c[a_day])) st.day = DatumGetDateADT(*d);
    st.day_count = DatumGetInt32(tables::value(row, c[a_day_count]));
    if (auto m = tables::nullable(row, c[a_month])) st.month = DatumGetDateADT(*m);
    st.month_count = DatumGetInt32(tables::value(row, c[a_month_count]));
    if (auto t = tables::nullable(row, c[a_last_at])) st.last_requested = DatumGetTimestampTz(*t);
    st.pending = tables::copied_text(row, c[a_pending]);
    st.disabled_reason = tables::copied_text(row, c[a_disabled_reason]);
    return st;
}

void save(tables::Session &s, const Account &a, Settings &st) {
    Relation rel = tables::rel(s, tables::TableId::Alert);
    const auto &c = tables::columns(alert_columns, rel);
    Datum thresholds[max_thresholds], alarms[max_thresholds];
    for (int i = 0; i < st.nthresholds; i++) {
        thresholds[i] = units_to_numeric(st.thresholds[i], a.scale);
        alarms[i] = BoolGetDatum(st.in_alarm[i]);
    }
    tables::Values row = tables::new_values(rel);
    row.set(c[a_thresholds], PointerGetDatum(construct_array(thresholds, st.nthresholds, NUMERICOID, -1, false,
                                                             TYPALIGN_INT)))
        .set(c[a_in_alarm], PointerGetDatum(construct_array(alarms, st.nthresholds, BOOLOID, 1, true, TYPALIGN_CHAR)))
        .set(c[a_depleted_alert], BoolGetDatum(st.depleted_alert))
        .set(c[a_depleted], BoolGetDatum(st.depleted))
        .set(c[a_reload_enabled], BoolGetDatum(st.reload_enabled))
        .set(c[a_reload_threshold], units_datum(st.reload_threshold, a.scale))
        .set(c[a_reload_amount], units_datum(st.reload_amount, a.scale))
        .set(c[a_reload_target], units_datum(st.reload_target, a.scale))
        .set(c[a_max_per_day], st.max_per_day ? std::optional<Datum>(Int32GetDatum(*st.max_per_day)) : std::nullopt)
        .set(c[a_max_per_month],
             st.max_per_month ? std::optional<Datum>(Int32GetDatum(*st.max_per_month)) : std::nullopt)
        .set(c[a_cooldown], interval_datum(st.cooldown))
        .set_text(c[a_category], st.category)
        .set(c[a_expires_in], st.expires_in ? std::optional<Datum>(interval_datum(*st.expires_in)) : std::nullopt)
        .set(c[a_max_failures], Int32GetDatum(st.max_failures))
        .set(c[a_failures], Int32GetDatum(st.failures))
        .set(c[a_day], st.day_count ? std::optional<Datum>(DateADTGetDatum(st.day)) : std::nullopt)
        .set(c[a_day_count], Int32GetDatum(st.day_count))
        .set(c[a_month], st.month_count ? std::optional<Datum>(DateADTGetDatum(st.month)) : std::nullopt)
        .set(c[a_month_count], Int32GetDatum(st.month_count))
        .set(c[a_last_at], st.last_requested == DT_NOBEGIN ? std::nullopt
                                                           : std::optional<Datum>(TimestampTzGetDatum(st.last_requested)))
        .set_text(c[a_pending], st.pending)
        .set_text(c[a_disabled_reason], st.disabled_reason)
        .set(c[a_updated_at], TimestampTzGetDatum(clock::now()));
    if (st.row) {
        tables::update(s, tables::TableId::Alert, st.row, row);
        return;
    }
    row.set_text(c[a_account_id], std::string_view(a.id)).set(c[a_account_key], Int32GetDatum(a.key));
    tables::insert(s, tables::TableId::Alert, row);
    tables::flush(s);
    Datum key = tables::text_datum(a.id);
    st.row = tables::find_to_update(s, tables::TableId::Alert, alert_index(s), &key, 1);
}

bool evaluate(tables::Session &s, Account &a, Settings &st, Before before) {
    Units available = a.available();
    bool changed = false;
    // Falling: the highest threshold first; rising: the lowest first.
    for (int i = 0; i < st.nthresholds; i++)
        if (!st.in_alarm[i] && available <= st.thresholds[i]) {
            st.in_alarm[i] = changed = true;
            emit_balance(s, a, before, "balance.low", st.thresholds[i], false);
        }
    if (st.depleted_alert && !st.depleted && available <= 0) {
        st.depleted = changed = true;
        emit_balance(s, a, before, "balance.depleted", MaybeUnits{}, false);
    }
    if (st.depleted && (available > 0 || !st.depleted_alert)) {
        st.depleted = false;
        changed = true;
        if (st.depleted_alert) emit_balance(s, a, before, "balance.recovered", Units(0), true);
    }
    for (int i = st.nthresholds - 1; i >= 0; i--)
        if (st.in_alarm[i] && available > st.thresholds[i]) {
            st.in_alarm[i] = false;
            changed = true;
            emit_balance(s, a, before, "balance.recovered", st.thresholds[i], false);
        }
    return request_reload(s, a, st, before) || changed;
}

void evaluate(tables::Session &s, Account &a, Before before) {
    Settings st = load(s, a);
    if (st.row && evaluate(s, a, st, before)) save(s, a, st);
}

std::optional<Request> find_request(tables::Session &s, std::string_view id) {
    Datum key = tables::text_datum(id);
    TupleTableSlot *row = tables::find_by_index(s, tables::TableId::ReloadRequest, request_index(s), &key, 1);
    if (!row) return std::nullopt;
    const auto &c = tables::columns(request_columns, tables::rel(s, tables::TableId::ReloadRequest));
    Request r{};
    r.id = args::cstr(*tables::text_value(row, c[r_id]));
    r.account_id = args::cstr(*tables::text_value(row, c[r_account_id]));
    tables::release_slot(row);
    return r;
}

Request lock_request(tables::Session &s, std::string_view id, const Account &a) {
    Datum key = tables::text_datum(id);
    TupleTableSlot *row = tables::find_to_update(s, tables::TableId::ReloadRequest, request_index(s), &key, 1);
    if (!row) elog(ERROR, "credits: auto-reload request %s vanished", args::cstr(id));
    const auto &c = tables::columns(request_columns, tables::rel(s, tables::TableId::ReloadRequest));
    Request r{};
    r.row = row;
    r.id = args::cstr(*tables::text_value(row, c[r_id]));
    r.account_id = a.id;
    r.amount = numeric_to_units(tables::value(row, c[r_amount]), a.scale);
    r.status = args::cstr(*tables::text_value(row, c[r_status]));
    r.payment_reference = tables::copied_text(row, c[r_payment_reference]);
    return r;
}

void complete_request(tables::Session &s, Request &r, bool succeeded,
                      std::optional<std::string_view> payment_reference, std::optional<std::string_view> failure_reason,
                      std::optional<std::string_view> transaction_id) {
    Relation rel = tables::rel(s, tables::TableId::ReloadRequest);
    const auto &c = tables::columns(request_columns, rel);
    r.status = succeeded ? "succeeded" : "failed";
    tables::Values changes = tables::new_values(rel);
    changes.set_text(c[r_status], r.status)
        .set(c[r_completed_at], TimestampTzGetDatum(clock::now()))
        .set_text(c[r_payment_reference], payment_reference)
        .set_text(c[r_failure_reason], failure_reason)
        .set_text(c[r_transaction_id], transaction_id);
    tables::update(s, tables::TableId::ReloadRequest, r.row, changes);
}

}  // namespace credits::alerts
