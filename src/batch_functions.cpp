// credits_apply(ops jsonb, atomic bool): many operations in one call.
//
// The operations are read from the JSON array straight into requests (no SQL
// is parsed or planned per operation), every account they touch is locked
// once, in id order, and they run in order against the in-memory accounts;
// each account row is written once at the end.
#include "across_shards.h"
#include "args.h"
#include "clock.h"
#include "cluster.h"
#include "errors.h"
#include "guard.h"
#include "ops.h"
#include "results.h"
#include "routing.h"
#include "spi.h"
#include "tenants.h"

extern "C" {
#include "access/xact.h"
#include "utils/jsonb.h"
}

using namespace credits;

namespace {

constexpr int max_operations = 100000;

enum Field {
    f_op, f_account, f_amount, f_description, f_reference, f_idempotency_key, f_metadata, f_reason, f_expires_in,
    f_expires_at, f_reservation, f_on_excess, f_transaction, f_force, f_from_account, f_to_account, f_priority,
    f_category, f_model, f_usage_type, f_endpoint, f_context, f_input_tokens, f_cached_input_tokens,
    f_cache_write_tokens, f_output_tokens, f_reasoning_tokens, f_units, f_requests, f_success, f_cost,
    f_occurred_at, f_count
};
constexpr const char *field_names[] = {
    "op",          "account",  "amount",       "description", "reference",   "idempotency_key",
    "metadata",    "reason",   "expires_in",   "expires_at",  "reservation", "on_excess",
    "transaction", "force",    "from_account", "to_account",  "priority",    "category",
    "model",       "usage_type", "endpoint",   "context",     "input_tokens", "cached_input_tokens",
    "cache_write_tokens", "output_tokens", "reasoning_tokens", "units", "requests", "success", "cost",
    "occurred_at"};
static_assert(sizeof(field_names) / sizeof(field_names[0]) == f_count);
static_assert(f_input_tokens + usage::bucket_count == f_units, "the token fields are in bucket order");

constexpr uint64 bit(Field f) { return uint64{1} << f; }
constexpr uint64 movement_fields =
    bit(f_account) | bit(f_amount) | bit(f_description) | bit(f_reference) | bit(f_idempotency_key) | bit(f_metadata);
constexpr uint64 usage_fields = bit(f_account) | bit(f_model) | bit(f_usage_type) | bit(f_endpoint) |
                                bit(f_context) | bit(f_input_tokens) | bit(f_cached_input_tokens) |
                                bit(f_cache_write_tokens) | bit(f_output_tokens) | bit(f_reasoning_tokens) |
                                bit(f_units) | bit(f_requests) | bit(f_success) | bit(f_reservation) |
                                bit(f_description) | bit(f_metadata) | bit(f_occurred_at) | bit(f_idempotency_key);

// The fields each op accepts besides "op", by ops::Kind.
constexpr uint64 accepted[] = {
    movement_fields | bit(f_expires_in) | bit(f_expires_at) | bit(f_priority) | bit(f_category),  // credit
    movement_fields,                                                                      // debit
    bit(f_account) | bit(f_amount) | bit(f_reason) | bit(f_idempotency_key),               // adjust
    movement_fields | bit(f_expires_in) | bit(f_expires_at),                              // reserve
    bit(f_reservation) | bit(f_amount) | bit(f_description) | bit(f_metadata) | bit(f_on_excess),  // confirm
    bit(f_reservation),                                                                   // cancel
    bit(f_transaction) | bit(f_amount) | bit(f_reason) | bit(f_idempotency_key) | bit(f_force),    // reverse
    (movement_fields & ~bit(f_account)) | bit(f_from_account) | bit(f_to_account),        // transfer
    usage_fields | bit(f_reference) | bit(f_on_excess),                                   // charge
    usage_fields | bit(f_cost) | bit(f_transaction),                                      // record_usage
};

// One operation object, read in a single pass over its fields.
struct Object {
    JsonbValue values[f_count];
    uint64 present;  // non-null fields
    uint64 named;    // every field named, null or not

    explicit Object(JsonbContainer *container) : present(0), named(0) {
        JsonbIterator *it = JsonbIteratorInit(container);
        JsonbValue v;
        JsonbIteratorToken token;
        int field = -1;
        while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
            if (token == WJB_KEY) {
                std::string_view key(v.val.string.val, v.val.string.len);
                field = -1;
                for (int f = 0; f < f_count && field < 0; f++)
                    if (key == field_names[f]) field = f;
                if (field < 0)
                    fail(sqlstate::invalid_parameter,
                         format("unknown field \"%s\" in an operation", args::shown(key)));
                named |= bit(static_cast<Field>(field));
            } else if (token == WJB_VALUE && v.type != jbvNull) {
                values[field] = v;
                present |= bit(static_cast<Field>(field));
            }
        }
    }

    const JsonbValue *get(Field f) const { return (present & bit(f)) ? &values[f] : nullptr; }

    std::optional<std::string_view> string(Field f, int max_length = args::max_text_length) const {
        const JsonbValue *v = get(f);
        if (!v) return std::nullopt;
        if (v->type != jbvString)
            fail(sqlstate::invalid_parameter, format("%s must be a JSON string", field_names[f]));
        std::string_view s(v->val.string.val, v->val.string.len);
        if (static_cast<int>(s.size()) > max_length)
            fail(sqlstate::invalid_parameter, format("%s is too long", field_names[f]),
                 format("%s has %zu bytes; the limit is %d.", field_names[f], s.size(), max_length));
        return s;
    }

    // Free text (args::check_text).
    std::optional<std::string_view> text(Field f) const {
        auto s = string(f);
        if (s) args::check_text(*s, field_names[f]);
        return s;
    }

    // An identifier-like value that is stored (args::check_identifier).
    std::optional<std::string_view> identifier(Field f) const {
        auto s = string(f, args::max_key_length);
        if (s) args::check_identifier(*s, field_names[f]);
        return s;
    }

    // A reference to an account, a reservation or a transaction.
    std::string_view required(Field f) const {
        auto s = string(f, args::max_key_length);
        if (!s || s->empty()) fail(sqlstate::invalid_parameter, format("%s is required", field_names[f]));
        return *s;
    }

    std::optional<std::string_view> key() const {
        auto k = string(f_idempotency_key, args::max_key_length);
        if (k && k->empty()) fail(sqlstate::invalid_parameter, "idempotency_key must not be empty");
        if (k) args::check_identifier(*k, "idempotency_key");
        return k;
    }

    // A JSON number, or a string holding a plain decimal ("12.50").
    std::optional<Decimal> decimal(Field f, Sign sign) const {
        const JsonbValue *v = get(f);
        if (!v) return std::nullopt;
        if (v->type == jbvNumeric) return read_decimal(NumericGetDatum(v->val.numeric), false, field_names[f], sign);
        if (v->type == jbvString)
            return read_decimal_text(std::string_view(v->val.string.val, v->val.string.len), field_names[f], sign);
        fail(sqlstate::invalid_amount, format("%s must be a JSON number or a numeric string", field_names[f]));
    }
    std::optional<Decimal> amount(Sign sign) const { return decimal(f_amount, sign); }

    // The same as a numeric, >= 0.
    std::optional<Datum> quantity(Field f) const {
        if (!decimal(f, Sign::NonNegative)) return std::nullopt;
        const JsonbValue *v = get(f);
        Datum n = v->type == jbvNumeric
                      ? NumericGetDatum(v->val.numeric)
                      : DirectFunctionCall3(numeric_in, CStringGetDatum(args::cstr({v->val.string.val,
                                                                                    static_cast<size_t>(v->val.string.len)})),
                                            ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
        return DirectFunctionCall1(numeric_trim_scale, n);
    }

    Decimal required_amount(Sign sign) const {
        auto a = amount(sign);
        if (!a) fail(sqlstate::invalid_amount, "amount must not be null");
        return *a;
    }

    std::optional<Datum> metadata() const {
        const JsonbValue *v = get(f_metadata);
        if (!v) return std::nullopt;
        if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
            fail(sqlstate::invalid_parameter, "metadata must be a JSON object");
        Jsonb *json = JsonbValueToJsonb(const_cast<JsonbValue *>(v));
        args::check_metadata(json, "metadata");
        return JsonbPGetDatum(json);
    }

    // A whole JSON number within int: 2.5 or -0.4 are refused, not rounded.
    int integer(Field f) const { return static_cast<int32>(whole(f, PG_INT32_MIN, PG_INT32_MAX)); }

    int64 whole(Field f, int64 low, int64 high) const {
        const JsonbValue *v = get(f);
        if (!v) return 0;
        bool bad = v->type != jbvNumeric || numeric_is_nan(v->val.numeric) || numeric_is_inf(v->val.numeric);
        int64 value = 0;
        if (!bad) {
            const char *digits = numeric_normalize(v->val.numeric);
            char *end;
            errno = 0;
            value = strtoll(digits, &end, 10);
            bad = *end != '\0' || errno == ERANGE;
        }
        if (bad || value < low || value > high)
            fail(sqlstate::invalid_parameter, format("%s must be a whole number", field_names[f]),
                 format("It must be an integer between " INT64_FORMAT " and " INT64_FORMAT ".", low, high));
        return value;
    }

    std::optional<bool> flag(Field f) const {
        const JsonbValue *v = get(f);
        if (!v) return std::nullopt;
        if (v->type != jbvBool) fail(sqlstate::invalid_parameter, format("%s must be true or false", field_names[f]));
        return v->val.boolean;
    }
    bool boolean(Field f) const { return flag(f).value_or(false); }
};

// Runs a type's input function on text from the JSON in a subtransaction, so
// that malformed text is this operation's error, not the whole batch's.
std::optional<Datum> try_input(PGFunction input, std::string_view text) {
    const char *cstring = args::cstr(text);
    Datum result = 0;
    ErrorData *error = in_subtransaction([&] {
        result = DirectFunctionCall3(input, CStringGetDatum(cstring), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
    });
    if (!error) return result;
    FreeErrorData(error);
    return std::nullopt;
}

// expires_at, else now + expires_in (an interval string or a number of
// seconds), else nullopt; the rules of args::expiry_at and expiry_after.
std::optional<TimestampTz> expiry(const Object &o) {
    if (auto at = o.string(f_expires_at, 64)) {
        auto value = try_input(timestamptz_in, *at);
        if (!value)
            fail(sqlstate::invalid_parameter, "expires_at is not a timestamp",
                 format("expires_at is \"%s\".", args::shown(*at)));
        return args::expiry_at(DatumGetTimestampTz(*value), "expires_at");
    }
    const JsonbValue *in = o.get(f_expires_in);
    if (!in) return std::nullopt;
    if (in->type == jbvNumeric) return args::expiry_after_seconds(in->val.numeric, "expires_in");
    if (in->type != jbvString)
        fail(sqlstate::invalid_parameter, "expires_in must be an interval string or a number of seconds");
    std::string_view text(in->val.string.val, in->val.string.len);
    auto span = try_input(interval_in, text);
    if (!span)
        fail(sqlstate::invalid_parameter, "expires_in is not an interval",
             format("expires_in is \"%s\".", args::shown(text)));
    return args::expiry_after(DatumGetIntervalP(*span), "expires_in");
}

// The usage of a charge or record_usage operation.
const usage::Usage *usage_of(const Object &o, ops::Kind kind) {
    auto *u = static_cast<usage::Usage *>(palloc(sizeof(usage::Usage)));
    *u = usage::defaults();
    u->model = o.identifier(f_model);
    u->usage_type = o.identifier(f_usage_type).value_or("text");
    u->endpoint = o.identifier(f_endpoint);
    u->context = o.identifier(f_context).value_or("customer");
    for (int b = 0; b < usage::bucket_count; b++)
        u->tokens[b] = o.whole(static_cast<Field>(f_input_tokens + b), PG_INT64_MIN, PG_INT64_MAX);
    if (auto units = o.quantity(f_units)) u->units = *units;
    if (o.get(f_requests)) u->requests = o.integer(f_requests);
    u->success = o.flag(f_success).value_or(true);
    u->reservation_id = o.identifier(f_reservation);
    u->description = o.text(f_description);
    u->metadata = o.metadata();
    if (auto at = o.string(f_occurred_at, 64)) {
        auto value = try_input(timestamptz_in, *at);
        if (!value || TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(*value)))
            fail(sqlstate::invalid_parameter, "occurred_at is not a timestamp",
                 format("occurred_at is \"%s\".", args::shown(*at)));
        u->occurred_at = DatumGetTimestampTz(*value);
    }
    u->idempotency_key = o.key();
    if (kind == ops::Kind::RecordUsage) {
        u->cost = o.quantity(f_cost);
        u->transaction_id = o.identifier(f_transaction);
    }
    return u;
}

ops::Request parse(JsonbValue element) {
    if (element.type != jbvBinary || !JsonContainerIsObject(element.val.binary.data))
        fail(sqlstate::invalid_parameter, "each operation must be a JSON object");
    Object o(element.val.binary.data);
    auto op = o.string(f_op, 32);
    if (!op) fail(sqlstate::invalid_parameter, "op is required", "Each operation names its \"op\".");
    auto kind = ops::parse_kind(*op);
    if (!kind)
        fail(sqlstate::invalid_parameter, format("unknown op \"%s\"", args::shown(*op)),
             "op is credit, debit, adjust, reserve, confirm, cancel, reverse, transfer, charge or record_usage.");
    // Every field must be one this op knows, even a null one: a typo is an
    // error, not a default.
    uint64 unknown = o.named & ~accepted[static_cast<int>(*kind)] & ~bit(f_op);
    for (int f = 0; f < f_count; f++)
        if (unknown & bit(static_cast<Field>(f)))
            fail(sqlstate::invalid_parameter, format("op %s takes no field \"%s\"", args::shown(*op), field_names[f]));

    ops::Request r = ops::request(*kind);
    switch (*kind) {
        case ops::Kind::Credit:
        case ops::Kind::Debit:
        case ops::Kind::Reserve:
            r.account = o.required(f_account);
            r.amount = o.required_amount(Sign::Positive);
            r.description = o.text(f_description);
            r.reference = o.identifier(f_reference);
            r.idempotency_key = o.key();
            r.metadata = o.metadata();
            if (*kind == ops::Kind::Reserve)
                r.expires_at = expiry(o).value_or(clock::now() + 15 * 60 * USECS_PER_SEC);
            if (*kind == ops::Kind::Credit) {
                r.grant_expires_at = expiry(o).value_or(no_expiry);
                r.priority = o.integer(f_priority);
                r.category = o.identifier(f_category);
            }
            break;
        case ops::Kind::Adjust:
            r.account = o.required(f_account);
            r.amount = o.required_amount(Sign::NonZero);
            r.description = o.text(f_reason);
            r.idempotency_key = o.key();
            break;
        case ops::Kind::Confirm:
            r.target = o.required(f_reservation);
            r.amount = o.amount(Sign::Positive);
            r.description = o.text(f_description);
            r.metadata = o.metadata();
            r.on_excess = on_excess_arg(o.string(f_on_excess, 32));
            break;
        case ops::Kind::Cancel:
            r.target = o.required(f_reservation);
            break;
        case ops::Kind::Reverse:
            r.target = o.required(f_transaction);
            r.amount = o.amount(Sign::Positive);
            r.description = o.text(f_reason);
            r.idempotency_key = o.key();
            r.force = o.boolean(f_force);
            break;
        case ops::Kind::Transfer:
            r.account = o.required(f_from_account);
            r.to_account = o.required(f_to_account);
            r.amount = o.required_amount(Sign::Positive);
            r.description = o.text(f_description);
            r.reference = o.identifier(f_reference);
            r.idempotency_key = o.key();
            r.metadata = o.metadata();
            break;
        case ops::Kind::Charge:
        case ops::Kind::RecordUsage:
            r.account = o.required(f_account);
            r.usage = usage_of(o, *kind);
            r.description = r.usage->description;
            r.metadata = r.usage->metadata;
            if (*kind == ops::Kind::Charge) {
                r.reference = o.identifier(f_reference);
                r.on_excess = on_excess_arg(o.string(f_on_excess, 32));
            }
            break;
    }
    return r;
}

// What a batch row reports about one operation.
struct Outcome {
    bool ok;
    Error error;
    ids::Id transaction_id;  // empty: none
    const char *reservation_id;
    const char *usage_id;
    Units balance;
    Units available;
    int scale;
};

void record(void *context, int index, const ops::Result *result, const Error *error) {
    Outcome &o = static_cast<Outcome *>(context)[index];
    o.ok = result != nullptr;
    if (error) {
        o.error = *error;
        return;
    }
    o.transaction_id.text[0] = '\0';
    if (result->has_posting) o.transaction_id = result->posting.transaction_id;
    o.reservation_id = result->hold.id;
    o.usage_id = result->has_usage ? usage::id_of(result->usage) : nullptr;
    o.balance = result->balance;
    o.available = result->available;
    o.scale = result->account->scale;
}

// The batch argument: a JSON array of at most max_operations.
Jsonb *ops_arg(FunctionCallInfo fcinfo) {
    if (!args::given(fcinfo, 0)) fail(sqlstate::invalid_parameter, "ops is required");
    Jsonb *json = PG_GETARG_JSONB_P(0);
    if (!JB_ROOT_IS_ARRAY(json) || JB_ROOT_IS_SCALAR(json))
        fail(sqlstate::invalid_parameter, "ops must be a JSON array of operations");
    int count = JB_ROOT_COUNT(json);
    if (count > max_operations)
        fail(sqlstate::invalid_parameter, "too many operations",
             format("ops has %d operations; one call takes at most %d.", count, max_operations));
    return json;
}

}  // namespace

// credits_apply(ops, atomic) -> index, ok, sqlstate, message, transaction_id,
//                               reservation_id, balance, available
CREDITS_FUNCTION(credits_apply) {
    Jsonb *json = ops_arg(fcinfo);
    bool atomic = !args::given(fcinfo, 1) || PG_GETARG_BOOL(1);
    int count = JB_ROOT_COUNT(json);

    // A malformed operation fails in its turn like any other failure.
    auto *outcomes = static_cast<Outcome *>(palloc0(sizeof(Outcome) * (count + 1)));
    auto *requests = static_cast<ops::Request *>(palloc(sizeof(ops::Request) * (count + 1)));
    for (int i = 0; i < count; i++) {
        try {
            requests[i] = parse(*getIthJsonbValueFromContainer(&json->root, i));
        } catch (const Error &e) {
            requests[i] = ops::request(ops::Kind::Credit);
            requests[i].invalid = static_cast<Error *>(palloc(sizeof(Error)));
            *const_cast<Error *>(requests[i].invalid) = e;
        }
    }

    ops::Work w;
    ops::begin(w, fcinfo);
    int first_failure = ops::run_all(w, requests, count, atomic, record, outcomes);
    if (atomic && first_failure >= 0) {
        Error e = outcomes[first_failure].error;
        e.context = format("credits_apply operation %d", first_failure);
        raise(e);
    }
    ops::finish(w);

    InitMaterializedSRF(fcinfo, 0);
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    for (int i = 0; i < count; i++) {
        const Outcome &o = outcomes[i];
        Datum values[9];
        bool nulls[9] = {false, false, true, true, true, true, true, true, true};
        values[0] = Int32GetDatum(i);
        values[1] = BoolGetDatum(o.ok);
        if (!o.ok) {
            values[2] = PointerGetDatum(cstring_to_text(unpack_sql_state(o.error.sqlstate)));
            values[3] = PointerGetDatum(cstring_to_text(o.error.message));
            nulls[2] = nulls[3] = false;
        } else {
            if (o.transaction_id.text[0]) {
                values[4] = tables::text_datum(o.transaction_id.view());
                nulls[4] = false;
            }
            if (o.reservation_id) {
                values[5] = tables::text_datum(o.reservation_id);
                nulls[5] = false;
            }
            values[6] = units_to_numeric(o.balance, o.scale);
            values[7] = units_to_numeric(o.available, o.scale);
            nulls[6] = nulls[7] = false;
            if (o.usage_id) {
                values[8] = CStringGetTextDatum(o.usage_id);
                nulls[8] = false;
            }
        }
        results::put_row(rsinfo, values, nulls);
    }
    return (Datum)0;
}

// --- on Citus ---

namespace {

// Where an operation runs: a shard group, read from its fields alone (a
// malformed operation goes anywhere: it fails there in its turn), or, for
// a transfer between two shards, on both (group -1).
struct Placement {
    int group;
    int32 from_key, to_key;
    ops::Request transfer;
};

Placement placement_of(FunctionCallInfo fcinfo, JsonbValue element) {
    Placement p{0, 0, 0, {}};
    std::optional<std::string_view> first, second;
    bool by_id = false;
    try {
        if (element.type != jbvBinary || !JsonContainerIsObject(element.val.binary.data)) return p;
        Object o(element.val.binary.data);
        auto op = o.string(f_op, 32);
        auto kind = op ? ops::parse_kind(*op) : std::nullopt;
        if (!kind) return p;
        switch (*kind) {
            case ops::Kind::Confirm:
            case ops::Kind::Cancel: first = o.string(f_reservation, args::max_key_length); by_id = true; break;
            case ops::Kind::Reverse: first = o.string(f_transaction, args::max_key_length); by_id = true; break;
            case ops::Kind::Transfer:
                first = o.string(f_from_account, args::max_key_length);
                second = o.string(f_to_account, args::max_key_length);
                break;
            default: first = o.string(f_account, args::max_key_length); break;
        }
    } catch (const Error &) {
        return p;
    }
    p.from_key = by_id ? routing::id_key_of(fcinfo, first) : routing::account_key_of(fcinfo, first);
    p.group = cluster::group_of(p.from_key);
    if (!second) return p;
    p.to_key = routing::account_key_of(fcinfo, *second);
    if (cluster::group_of(p.to_key) == p.group) return p;
    try {
        p.transfer = parse(element);  // a transfer that does not read fails on its source's shard
        p.group = -1;
    } catch (const Error &) {
    }
    return p;
}

// Replaces the operation's index in an error's context ("credits_apply
// operation <i>", from a part of the batch, or none) by its index in the
// whole batch.
void renumber_operation(ErrorData *error, const int *indexes, int count) {
    const char *prefix = "credits_apply operation ";
    if (count == 1 && !error->context) {
        error->context = psprintf("%s%d", prefix, indexes[0]);
        return;
    }
    if (!error->context || strncmp(error->context, prefix, strlen(prefix)) != 0) return;
    int i = atoi(error->context + strlen(prefix));
    if (i >= 0 && i < count) error->context = psprintf("%s%d", prefix, indexes[i]);
}

// Runs a shard's part of the batch (`indexes`: its operations' in the
// whole); its rows are in SPI_tuptable.
void apply_part(FunctionCallInfo fcinfo, int group, std::string_view tenant, Datum *part, const int *indexes, int n) {
    bool nulls[] = {false, false};
    MemoryContext caller = CurrentMemoryContext;
    PG_TRY();
    {
        routing::call_twin(fcinfo, "credits_apply", cluster::key_in_group(group), tenant, part, nulls);
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        ErrorData *error = CopyErrorData();
        FlushErrorState();
        renumber_operation(error, indexes, n);
        ReThrowError(error);
    }
    PG_END_TRY();
}

// credits_transfer()'s arguments for a batch's transfer.
void transfer_arguments(const ops::Request &r, Datum *args, bool *nulls) {
    auto text = [](std::optional<std::string_view> s, Datum *d, bool *isnull) {
        *isnull = !s;
        if (s) *d = tables::text_datum(*s);
    };
    text(r.account, &args[0], &nulls[0]);
    text(r.to_account, &args[1], &nulls[1]);
    args[2] = units_to_numeric(r.amount->digits, r.amount->decimals);
    nulls[2] = false;
    text(r.description, &args[3], &nulls[3]);
    text(r.reference, &args[4], &nulls[4]);
    text(r.idempotency_key, &args[5], &nulls[5]);
    nulls[6] = !r.metadata;
    if (r.metadata) args[6] = *r.metadata;
}

// A transfer between two shards, operation `index` of the batch: its row.
// Atomic: its error is the batch's; otherwise it is its row.
HeapTuple transfer_in_batch(FunctionCallInfo fcinfo, const Placement &p, int index, bool atomic, TupleDesc desc) {
    Datum args[7];
    bool nulls[7];
    transfer_arguments(p.transfer, args, nulls);
    TransferSides sides;
    Datum values[8];
    bool isnull[8] = {false, false, true, true, true, true, true, true};
    values[0] = Int32GetDatum(index);
    if (atomic) {
        MemoryContext caller = CurrentMemoryContext;
        PG_TRY();
        {
            sides = transfer_sides(fcinfo, args, nulls, p.from_key, p.to_key);
        }
        PG_CATCH();
        {
            MemoryContextSwitchTo(caller);
            ErrorData *error = CopyErrorData();
            FlushErrorState();
            renumber_operation(error, &index, 1);
            ReThrowError(error);
        }
        PG_END_TRY();
    } else if (ErrorData *error = in_subtransaction([&] { sides = transfer_sides(fcinfo, args, nulls, p.from_key, p.to_key); })) {
        values[1] = BoolGetDatum(false);
        values[2] = PointerGetDatum(cstring_to_text(unpack_sql_state(error->sqlerrcode)));
        values[3] = PointerGetDatum(cstring_to_text(error->message));
        isnull[2] = isnull[3] = false;
        return heap_form_tuple(desc, values, isnull);
    }
    values[1] = BoolGetDatum(true);
    values[4] = sides.source[0];  // transaction_id, balance, available
    values[6] = sides.source[5];
    values[7] = sides.source[6];
    isnull[4] = isnull[6] = isnull[7] = false;
    return heap_form_tuple(desc, values, isnull);
}

}  // namespace

namespace credits {

// In the batch's order: between two transfers across shards (which run a
// side on each), the operations of each shard together on its node (in
// their order; shards in the order of their first operation: operations on
// different shards touch different accounts). Atomic: the first part to
// fail raises its error (all of it is rolled back).
Datum apply_across_shards(FunctionCallInfo fcinfo) {
    Jsonb *json = ops_arg(fcinfo);
    bool atomic = !args::given(fcinfo, 1) || PG_GETARG_BOOL(1);
    int count = JB_ROOT_COUNT(json);
    std::string_view tenant = tenants::current();
    auto *placements = static_cast<Placement *>(palloc(sizeof(Placement) * (count + 1)));
    List *groups = NIL;
    bool across = false;
    for (int i = 0; i < count; i++) {
        placements[i] = placement_of(fcinfo, *getIthJsonbValueFromContainer(&json->root, i));
        across = across || placements[i].group < 0;
        if (placements[i].group >= 0 && !list_member_int(groups, placements[i].group))
            groups = lappend_int(groups, placements[i].group);
    }

    routing::Arguments given = routing::arguments_of(fcinfo);
    if (!across && list_length(groups) <= 1) {
        spi::begin(fcinfo);
        routing::call_twin(fcinfo, "credits_apply", cluster::key_in_group(groups ? linitial_int(groups) : 0), tenant,
                           given.values, given.nulls);
        Datum result = routing::forwarded_result(fcinfo);
        spi::end();
        return result;
    }

    InitMaterializedSRF(fcinfo, 0);
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    auto *indexes = static_cast<int *>(palloc(sizeof(int) * (count + 1)));
    auto *rows = static_cast<HeapTuple *>(palloc0(sizeof(HeapTuple) * (count + 1)));  // by index
    for (int start = 0; start < count;) {
        int end = start;
        while (end < count && placements[end].group >= 0) end++;
        // Operations start..end-1, each shard's together.
        List *order = NIL;
        for (int i = start; i < end; i++)
            if (!list_member_int(order, placements[i].group)) order = lappend_int(order, placements[i].group);
        ListCell *cell;
        foreach (cell, order) {
            int group = lfirst_int(cell);
            JsonbParseState *state = nullptr;
            pushJsonbValue(&state, WJB_BEGIN_ARRAY, nullptr);
            int n = 0;
            for (int i = start; i < end; i++) {
                if (placements[i].group != group) continue;
                pushJsonbValue(&state, WJB_ELEM, getIthJsonbValueFromContainer(&json->root, i));
                indexes[n++] = i;
            }
            Datum part[] = {JsonbPGetDatum(JsonbValueToJsonb(pushJsonbValue(&state, WJB_END_ARRAY, nullptr))),
                            BoolGetDatum(atomic)};
            spi::begin(fcinfo);
            apply_part(fcinfo, group, tenant, part, indexes, n);
            MemoryContext old = MemoryContextSwitchTo(spi::caller_context());
            for (uint64 r = 0; r < SPI_processed; r++) {
                Datum values[8];
                bool isnull[8];
                heap_deform_tuple(SPI_tuptable->vals[r], SPI_tuptable->tupdesc, values, isnull);
                int index = indexes[DatumGetInt32(values[0])];
                values[0] = Int32GetDatum(index);
                rows[index] = heap_form_tuple(rsinfo->setDesc, values, isnull);
            }
            MemoryContextSwitchTo(old);
            spi::end();
        }
        if (end < count) rows[end] = transfer_in_batch(fcinfo, placements[end], end, atomic, rsinfo->setDesc);
        start = end + 1;
    }
    for (int i = 0; i < count; i++)
        if (rows[i]) tuplestore_puttuple(rsinfo->setResult, rows[i]);
    return (Datum)0;
}

}  // namespace credits
