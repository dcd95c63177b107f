#include "usage.h"

#include "args.h"
#include "clock.h"
#include "errors.h"
#include "results.h"

extern "C" {
#include "utils/datetime.h"
#include "utils/datum.h"
}

namespace credits::usage {

const char *const bucket_names[bucket_count] = {"input_tokens", "cached_input_tokens", "cache_write_tokens",
                                                "output_tokens", "reasoning_tokens"};

namespace {

// credits_usage_record
enum Col {
    c_id, c_account_id, c_account_key, c_model, c_usage_type, c_endpoint, c_context, c_input_tokens,
    c_cached_input_tokens, c_cache_write_tokens, c_output_tokens, c_reasoning_tokens, c_units, c_requests,
    c_success, c_cost, c_charged, c_price_id, c_transaction_id, c_reservation_id, c_description, c_metadata,
    c_idempotency_key, c_occurred_at, c_created_at, c_count
};
constexpr const char *column_names[] = {
    "id",          "account_id",     "account_key",       "model",           "usage_type",    "endpoint",
    "context",     "input_tokens",   "cached_input_tokens", "cache_write_tokens", "output_tokens",
    "reasoning_tokens", "units",     "requests",          "success",         "cost",          "charged",
    "price_id",    "transaction_id", "reservation_id",    "description",     "metadata",      "idempotency_key",
    "occurred_at", "created_at"};
static_assert(sizeof(column_names) / sizeof(column_names[0]) == c_count);
tables::Columns<c_count> columns{column_names};

// credits_usage_rollup
enum RollupCol {
    r_account_id, r_account_key, r_span, r_bucket, r_model, r_usage_type, r_endpoint, r_context, r_records, r_requests,
    r_successful_requests, r_failed_requests, r_input_tokens, r_cached_input_tokens, r_cache_write_tokens,
    r_output_tokens, r_reasoning_tokens, r_units, r_cost, r_charged, r_count
};
constexpr const char *rollup_column_names[] = {
    "account_id",    "account_key",     "span",            "bucket",          "model",          "usage_type",
    "endpoint",      "context",         "records",         "requests",       "successful_requests",
    "failed_requests", "input_tokens",  "cached_input_tokens", "cache_write_tokens", "output_tokens",
    "reasoning_tokens", "units",        "cost",            "charged"};
static_assert(sizeof(rollup_column_names) / sizeof(rollup_column_names[0]) == r_count);
tables::Columns<r_count> rollup_columns{rollup_column_names};

// The rollup's counters, in column order from r_records.
constexpr int first_counter = r_records;
constexpr int counter_count = r_reasoning_tokens - r_records + 1;
// Its numeric sums, from r_units.
constexpr int first_sum = r_units;
constexpr int sum_count = r_count - r_units;

const tables::Columns<c_count> &cols(tables::Session &s) {
    return tables::columns(columns, tables::rel(s, tables::TableId::Usage));
}
const tables::Columns<r_count> &rollup_cols(tables::Session &s) {
    return tables::columns(rollup_columns, tables::rel(s, tables::TableId::UsageRollup));
}

struct Indexes {
    Oid relid = InvalidOid;
    Oid idempotency_key;
} indexes;
struct RollupIndexes {
    Oid relid = InvalidOid;
    Oid key;
} rollup_indexes;

Oid idempotency_index(tables::Session &s) {
    Relation rel = tables::rel(s, tables::TableId::Usage);
    if (indexes.relid != RelationGetRelid(rel)) {
        indexes.idempotency_key =
            tables::index_oid(s, tables::TableId::Usage, "credits_usage_record_idempotency_key");
        indexes.relid = RelationGetRelid(rel);
    }
    return indexes.idempotency_key;
}

Oid rollup_index(tables::Session &s) {
    Relation rel = tables::rel(s, tables::TableId::UsageRollup);
    if (rollup_indexes.relid != RelationGetRelid(rel)) {
        rollup_indexes.key = tables::index_oid(s, tables::TableId::UsageRollup, "credits_usage_rollup_pkey");
        rollup_indexes.relid = RelationGetRelid(rel);
    }
    return rollup_indexes.key;
}

Datum numeric_zero() { return DirectFunctionCall1(int8_numeric, Int64GetDatum(0)); }

bool same_numeric(Datum a, Datum b) { return DatumGetBool(DirectFunctionCall2(numeric_eq, a, b)); }

bool same_json(std::optional<Datum> a, std::optional<Datum> b) {
    if (!a || !b) return !a && !b;
    return DatumGetBool(DirectFunctionCall2(jsonb_eq, *a, *b));
}

std::optional<std::string_view> text_at(const Record &r, int col) {
    if (r.nulls[columns[col] - 1]) return std::nullopt;
    text *t = DatumGetTextPP(r.values[columns[col] - 1]);
    return std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}
Datum value_at(const Record &r, int col) { return r.values[columns[col] - 1]; }
bool null_at(const Record &r, int col) { return r.nulls[columns[col] - 1]; }

// The spans of rollups: a UTC quarter-hour and a UTC day.
constexpr int span_count = 2;
const Interval spans[span_count] = {{15 * 60 * USECS_PER_SEC, 0, 0}, {0, 1, 0}};
constexpr int64 span_usecs[span_count] = {15 * 60 * USECS_PER_SEC, USECS_PER_DAY};

// The bucket of a span a moment falls in (TimestampTz counts from midnight
// UTC, 2000-01-01).
TimestampTz bucket_of(TimestampTz t, int64 width) {
    int64 r = t % width;
    return t - (r < 0 ? r + width : r);
}

// What differs between a recorded usage and a new call's, or nullptr.
const char *difference(const Record &r, const Usage &u, bool charge) {
    if (null_at(r, c_charged) == charge) return "operation (credits_charge or credits_record_usage)";
    if (text_at(r, c_model) != u.model) return "model";
    if (text_at(r, c_usage_type) != std::optional(u.usage_type)) return "usage_type";
    if (text_at(r, c_endpoint) != u.endpoint) return "endpoint";
    if (text_at(r, c_context) != std::optional(u.context)) return "context";
    for (int b = 0; b < bucket_count; b++)
        if (DatumGetInt64(value_at(r, c_input_tokens + b)) != u.tokens[b]) return bucket_names[b];
    if (!same_numeric(value_at(r, c_units), u.units)) return "units";
    if (DatumGetInt32(value_at(r, c_requests)) != u.requests) return "requests";
    if (DatumGetBool(value_at(r, c_success)) != u.success) return "success";
    if (!charge) {
        if (null_at(r, c_cost) != !u.cost || (u.cost && !same_numeric(value_at(r, c_cost), *u.cost))) return "cost";
        if (u.transaction_id && text_at(r, c_transaction_id) != u.transaction_id) return "transaction";
    }
    if (text_at(r, c_reservation_id) != u.reservation_id) return "reservation";
    if (text_at(r, c_description) != u.description) return "description";
    std::optional<Datum> metadata;
    if (!null_at(r, c_metadata)) metadata = value_at(r, c_metadata);
    if (!same_json(metadata, u.metadata)) return "metadata";
    if (u.occurred_at && DatumGetTimestampTz(value_at(r, c_occurred_at)) != *u.occurred_at) return "occurred_at";
    return nullptr;
}

}  // namespace

Usage defaults() {
    Usage u{};
    u.usage_type = "text";
    u.context = "customer";
    u.units = numeric_zero();
    u.requests = 1;
    u.success = true;
    return u;
}

void check_context(std::string_view context) {
    if (context != "customer" && context != "developer")
        fail(sqlstate::invalid_parameter, format("unknown context \"%s\"", args::shown(context)),
             "context is customer or developer.");
}

void check_quantities(const Usage &u) {
    check_context(u.context);
    for (int b = 0; b < bucket_count; b++)
        if (u.tokens[b] < 0 || u.tokens[b] > max_tokens)
            fail(sqlstate::invalid_parameter, format("%s is out of range", bucket_names[b]),
                 format("%s is " INT64_FORMAT "; it must be between 0 and " INT64_FORMAT ".", bucket_names[b],
                        u.tokens[b], max_tokens));
    if (u.requests < 0 || u.requests > max_requests)
        fail(sqlstate::invalid_parameter, "requests is out of range",
             format("requests is %d; it must be between 0 and %d.", u.requests, max_requests));
}

void check(const Usage &u) {
    check_quantities(u);
    if (!u.occurred_at) return;
    TimestampTz now = clock::now();
    if (*u.occurred_at < now - max_age || *u.occurred_at > now + max_lead)
        fail(sqlstate::usage_time_out_of_range, "occurred_at is outside the window usage may be recorded in",
             format("occurred_at is %s and now is %s: usage may be recorded from 35 days (840 hours) before now "
                    "to 5 minutes after it.",
                    pstrdup(timestamptz_to_str(*u.occurred_at)), timestamptz_to_str(now)),
             "Record usage as it happens; correct older usage with a credit or an adjustment.");
}

TimestampTz occurred_at(const Usage &u) { return u.occurred_at.value_or(clock::now()); }

std::optional<Record> find_replay(tables::Session &s, const Account &account, const Usage &u, bool charge) {
    if (!u.idempotency_key) return std::nullopt;
    Datum keys[] = {tables::text_datum(account.id), tables::text_datum(*u.idempotency_key)};
    TupleTableSlot *row = tables::find_by_index(s, tables::TableId::Usage, idempotency_index(s), keys, 2);
    if (!row) return std::nullopt;
    cols(s);
    slot_getallattrs(row);
    int natts = row->tts_tupleDescriptor->natts;
    Record r{CreateTupleDescCopy(row->tts_tupleDescriptor), static_cast<Datum *>(palloc(natts * sizeof(Datum))),
             static_cast<bool *>(palloc(natts * sizeof(bool))), true};
    for (int i = 0; i < natts; i++) {
        Form_pg_attribute attr = TupleDescAttr(row->tts_tupleDescriptor, i);
        r.nulls[i] = row->tts_isnull[i];
        r.values[i] = r.nulls[i] ? 0 : datumCopy(row->tts_values[i], attr->attbyval, attr->attlen);
        if (!r.nulls[i] && attr->attlen == -1) r.values[i] = PointerGetDatum(PG_DETOAST_DATUM_COPY(r.values[i]));
    }
    tables::release_slot(row);
    if (const char *differs = difference(r, u, charge))
        fail(sqlstate::idempotency_conflict,
             format("idempotency key \"%s\" was already used with different parameters",
                    args::shown(*u.idempotency_key)),
             format("Usage %s on account %s; this call differs in %s.", args::cstr(*text_at(r, c_id)),
                    account.external_id, differs),
             "Use a new idempotency key for new usage.");
    return r;
}

struct RollupChange {
    struct Row {
        TupleTableSlot *row;  // the rollup row as it is, or nullptr: insert one
        tables::Values values;
    } rows[span_count];
};

RollupChange *prepare(tables::Session &s, const Account &account, const Usage &u) {
    const auto &c = rollup_cols(s);
    auto *change = static_cast<RollupChange *>(palloc(sizeof(RollupChange)));
    int64 adds[counter_count] = {1, u.requests, u.success ? u.requests : 0, u.success ? 0 : u.requests};
    for (int b = 0; b < bucket_count; b++) adds[r_input_tokens - first_counter + b] = u.tokens[b];
    for (int span = 0; span < span_count; span++) {
        TimestampTz bucket = bucket_of(occurred_at(u), span_usecs[span]);
        Datum keys[] = {tables::text_datum(account.id),
                        IntervalPGetDatum(&spans[span]),
                        TimestampTzGetDatum(bucket),
                        tables::text_datum(u.model.value_or("")),
                        tables::text_datum(u.usage_type),
                        tables::text_datum(u.endpoint.value_or("")),
                        tables::text_datum(u.context)};
        constexpr int nkeys = sizeof(keys) / sizeof(keys[0]);
        RollupChange::Row &r = change->rows[span];
        // No row lock: every writer of an account's rollups holds the
        // account's lock, so the version read (fresh, after it) is current.
        r.row = tables::find_to_update(s, tables::TableId::UsageRollup, rollup_index(s), keys, nkeys);
        r.values = tables::new_values(tables::rel(s, tables::TableId::UsageRollup));
        for (int i = 0; i < counter_count; i++) {
            AttrNumber attnum = c[first_counter + i];
            int64 total = adds[i];
            if (r.row && pg_add_s64_overflow(DatumGetInt64(tables::value(r.row, attnum)), adds[i], &total))
                fail(sqlstate::balance_out_of_range,
                     format("the usage rollup of account %s overflows", account.external_id),
                     format("Its %s from %s would exceed the bigint range.", rollup_column_names[first_counter + i],
                            timestamptz_to_str(bucket)));
            r.values.set(attnum, Int64GetDatum(total));
        }
        if (r.row) continue;
        // The key columns follow account_key: keys[k] is column k + 1 from there.
        r.values.set(c[r_account_id], keys[0]).set(c[r_account_key], Int32GetDatum(account.key));
        for (int k = 1; k < nkeys; k++) r.values.set(c[r_account_key + k], keys[k]);
    }
    return change;
}

Record write(tables::Session &s, Account &account, const Usage &u, const Charge *charge, RollupChange *rollup) {
    const auto &c = cols(s);
    ids::Id id = ids::make("use_", account.key);
    tables::Values row = tables::new_values(tables::rel(s, tables::TableId::Usage));
    row.set_text(c[c_id], id.view())
        .set_text(c[c_account_id], std::string_view(account.id))
        .set(c[c_account_key], Int32GetDatum(account.key))
        .set_text(c[c_model], u.model)
        .set_text(c[c_usage_type], u.usage_type)
        .set_text(c[c_endpoint], u.endpoint)
        .set_text(c[c_context], u.context)
        .set(c[c_units], u.units)
        .set(c[c_requests], Int32GetDatum(u.requests))
        .set(c[c_success], BoolGetDatum(u.success))
        .set_text(c[c_reservation_id], u.reservation_id)
        .set_text(c[c_description], u.description)
        .set(c[c_metadata], u.metadata)
        .set_text(c[c_idempotency_key], u.idempotency_key)
        .set(c[c_occurred_at], TimestampTzGetDatum(occurred_at(u)))
        .set(c[c_created_at], TimestampTzGetDatum(clock::now()));
    for (int b = 0; b < bucket_count; b++) row.set(c[c_input_tokens + b], Int64GetDatum(u.tokens[b]));
    if (charge) {
        row.set(c[c_cost], charge->cost)
            .set(c[c_charged], units_to_numeric(charge->charged, account.scale))
            .set_text(c[c_price_id], std::string_view(charge->price_id));
        if (charge->transaction_id) row.set_text(c[c_transaction_id], charge->transaction_id->view());
    } else {
        row.set(c[c_cost], u.cost).set_text(c[c_transaction_id], u.transaction_id);
    }
    tables::insert(s, tables::TableId::Usage, row);

    // The sums (numeric: they cannot overflow), now that what was charged is known.
    const auto &rc = rollup_cols(s);
    Datum sums[sum_count] = {u.units, charge ? charge->cost : u.cost.value_or(numeric_zero()),
                             charge ? units_to_numeric(charge->charged, account.scale) : numeric_zero()};
    for (RollupChange::Row &r : rollup->rows) {
        for (int i = 0; i < sum_count; i++) {
            AttrNumber attnum = rc[first_sum + i];
            r.values.set(attnum, r.row ? DirectFunctionCall2(numeric_add, tables::value(r.row, attnum), sums[i]) : sums[i]);
        }
        if (r.row)
            tables::update(s, tables::TableId::UsageRollup, r.row, r.values);
        else
            tables::insert(s, tables::TableId::UsageRollup, r.values);
    }
    account.changed = true;
    return Record{CreateTupleDescCopy(RelationGetDescr(tables::rel(s, tables::TableId::Usage))), row.values, row.nulls,
                  false};
}

const char *id_of(const Record &r) {
    int attnum = SPI_fnumber(r.desc, "id");
    return TextDatumGetCString(r.values[attnum - 1]);
}

namespace {

// Where each column of credits_usage_result comes from: a column of the
// record (its attribute number), or the account (the negative codes).
enum Source { external_id = -1, unit = -2, balance = -3, available = -4, replayed = -5 };
constexpr const char *account_columns[] = {"external_id", "unit", "balance", "available", "replayed"};

struct ResultMap {
    Oid type = InvalidOid;  // of the result, with the record's
    int record_natts = 0;   // number of columns, for which it was made
    int natts = 0;
    int source[64];
} result_map;

const ResultMap &map_for(TupleDesc desc, TupleDesc record) {
    if (result_map.type == desc->tdtypeid && result_map.record_natts == record->natts && desc->natts <= 64)
        return result_map;
    if (desc->natts > 64) elog(ERROR, "credits_usage_result has more columns than credits knows");
    for (int i = 0; i < desc->natts; i++) {
        const char *name = NameStr(TupleDescAttr(desc, i)->attname);
        int source = 0;
        for (int a = 0; a < 5 && source == 0; a++)
            if (strcmp(name, account_columns[a]) == 0) source = -(a + 1);
        if (source == 0) source = SPI_fnumber(record, name);
        if (source == SPI_ERROR_NOATTRIBUTE || source == 0)
            elog(ERROR, "credits_usage_result has a column \"%s\" that usage lacks", name);
        result_map.source[i] = source;
    }
    result_map.natts = desc->natts;
    result_map.record_natts = record->natts;
    result_map.type = desc->tdtypeid;
    return result_map;
}

}  // namespace

Datum result(TupleDesc desc, const Record &r, const Account &account) {
    const ResultMap &map = map_for(desc, r.desc);
    Datum *values = static_cast<Datum *>(palloc0(desc->natts * sizeof(Datum)));
    bool *nulls = static_cast<bool *>(palloc0(desc->natts * sizeof(bool)));
    for (int i = 0; i < desc->natts; i++) {
        switch (map.source[i]) {
            case external_id: values[i] = CStringGetTextDatum(account.external_id); break;
            case unit: values[i] = CStringGetTextDatum(account.unit); break;
            case balance: values[i] = units_to_numeric(account.balance, account.scale); break;
            case available: values[i] = units_to_numeric(account.available(), account.scale); break;
            case replayed: values[i] = BoolGetDatum(r.replayed); break;
            default:
                nulls[i] = r.nulls[map.source[i] - 1];
                values[i] = r.values[map.source[i] - 1];
        }
    }
    return results::composite(desc, values, nulls);
}

}  // namespace credits::usage
