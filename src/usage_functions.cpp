// SQL functions that write usage: recording it, charging it, and pruning
// old records.
#include "across_shards.h"
#include "args.h"
#include "clock.h"
#include "cluster.h"
#include "guard.h"
#include "ops.h"
#include "results.h"
#include "routing.h"
#include "spi.h"
#include "sql_writes.h"
#include "tenants.h"
#include "usage_args.h"

using namespace credits;

namespace {

Datum usage_result(FunctionCallInfo fcinfo, const ops::Result &result) {
    Account account = *result.account;
    account.balance = result.balance;
    account.reserved = result.balance - result.available;
    return usage::result(results::result_desc(fcinfo), result.usage, account);
}

}  // namespace

// credits_record_usage(account, model, usage_type, endpoint, context,
//   input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
//   reasoning_tokens, units, requests, success, cost, transaction,
//   reservation, description, metadata, occurred_at, idempotency_key)
CREDITS_FUNCTION(credits_record_usage) {
    usage::Usage u = usage::defaults();
    ops::Request r = ops::request(ops::Kind::RecordUsage);
    r.account = account_arg(fcinfo, 0);
    u.model = args::identifier(fcinfo, 1, "model");
    u.usage_type = usage_args::label(fcinfo, 2, "usage_type", "text");
    u.endpoint = args::identifier(fcinfo, 3, "endpoint", 1000);
    u.context = usage_args::context(fcinfo, 4);
    for (int b = 0; b < usage::bucket_count; b++) u.tokens[b] = usage_args::tokens(fcinfo, 5 + b);
    if (auto units = usage_args::quantity(fcinfo, 10, "units")) u.units = *units;
    u.requests = args::int32_value(fcinfo, 11).value_or(1);
    u.success = !args::given(fcinfo, 12) || PG_GETARG_BOOL(12);
    u.cost = usage_args::quantity(fcinfo, 13, "cost");
    u.transaction_id = args::reference(fcinfo, 14, "transaction");
    u.reservation_id = args::reference(fcinfo, 15, "reservation");
    u.description = args::string(fcinfo, 16, "description");
    u.metadata = args::json_object(fcinfo, 17, "metadata");
    u.occurred_at = usage_args::finite_timestamp(fcinfo, 18, "occurred_at");
    u.idempotency_key = args::idempotency_key(fcinfo, 19);
    r.usage = &u;
    return usage_result(fcinfo, ops::run(fcinfo, r));
}

// credits_charge(account, model, usage_type, input_tokens, cached_input_tokens,
//   cache_write_tokens, output_tokens, reasoning_tokens, units, requests,
//   idempotency_key, reservation, endpoint, context, success, description,
//   reference, metadata, occurred_at, on_excess)
CREDITS_FUNCTION(credits_charge) {
    usage::Usage u = usage::defaults();
    ops::Request r = ops::request(ops::Kind::Charge);
    r.account = account_arg(fcinfo, 0);
    usage_args::read_priced(fcinfo, 1, u);
    u.idempotency_key = args::idempotency_key(fcinfo, 10);
    u.reservation_id = args::reference(fcinfo, 11, "reservation");
    u.endpoint = args::identifier(fcinfo, 12, "endpoint", 1000);
    u.context = usage_args::context(fcinfo, 13);
    u.success = !args::given(fcinfo, 14) || PG_GETARG_BOOL(14);
    u.description = args::string(fcinfo, 15, "description");
    r.description = u.description;
    r.reference = args::identifier(fcinfo, 16, "reference");
    u.metadata = args::json_object(fcinfo, 17, "metadata");
    r.metadata = u.metadata;
    u.occurred_at = usage_args::finite_timestamp(fcinfo, 18, "occurred_at");
    r.on_excess = on_excess_arg(args::string(fcinfo, 19, "on_excess", 32));
    r.usage = &u;
    return usage_result(fcinfo, ops::run(fcinfo, r));
}

// --- pruning ---

namespace {

spi::Statement prune_records{
    "DELETE FROM @extschema@.credits_usage_record r USING @extschema@.credits_account a"
    " WHERE a.id = r.account_id AND a.account_key = r.account_key AND a.tenant = $1 AND r.occurred_at < $2",
    2, {TEXTOID, TIMESTAMPTZOID}};

spi::Statement move_horizon{
    "INSERT INTO @extschema@.credits_usage_horizon AS h (tenant, pruned_before, pruned_at) VALUES ($1, $2, now())"
    " ON CONFLICT (tenant) DO UPDATE SET pruned_before = greatest(h.pruned_before, excluded.pruned_before),"
    " pruned_at = excluded.pruned_at",
    2, {TEXTOID, TIMESTAMPTZOID}};

TimestampTz before_arg(FunctionCallInfo fcinfo) {
    auto before = usage_args::finite_timestamp(fcinfo, 0, "before");
    if (!before) fail(sqlstate::invalid_parameter, "before is required", "Records that occurred before it go.");
    TimestampTz newest = clock::now() - usage::max_age;
    if (*before > newest)
        fail(sqlstate::invalid_parameter, "before is too recent",
             format("before is %s; usage may still arrive for anything after %s.", pstrdup(timestamptz_to_str(*before)),
                    timestamptz_to_str(newest)),
             "Prune only what is more than 35 days old.");
    return *before;
}

void begin_prune(FunctionCallInfo fcinfo) {
    tables::require_writable(fcinfo->flinfo->fn_oid);
    spi::begin(fcinfo);
}

// The records of this node's shard (or of the one server), deleted under the
// guard's one exception.
int64 prune_here(std::string_view tenant, TimestampTz before) {
    static constexpr const char *records[] = {"credits_usage_record"};
    sql_writes::permit(records, 1);
    int64 n = static_cast<int64>(spi::run(prune_records, spi::Params().add_text(tenant).add(TimestampTzGetDatum(before))));
    sql_writes::end();
    return n;
}

}  // namespace

// credits_prune_usage(before) -> how many records went. Their rollups stay,
// so summaries do not change; credits_verify() checks rollups only after
// the horizon.
CREDITS_FUNCTION(credits_prune_usage) {
    TimestampTz before = before_arg(fcinfo);
    std::string_view tenant = tenants::current();
    begin_prune(fcinfo);
    int64 n = prune_here(tenant, before);
    if (cluster::current_group() < 0) spi::run(move_horizon, spi::Params().add_text(tenant).add(TimestampTzGetDatum(before)));
    spi::end();
    PG_RETURN_INT64(n);
}

namespace credits {

// On Citus: every shard group's records, then the horizon (a reference
// table) once.
Datum prune_usage_everywhere(FunctionCallInfo fcinfo) {
    TimestampTz before = before_arg(fcinfo);
    std::string_view tenant = tenants::current();
    routing::Arguments args = routing::arguments_of(fcinfo);
    begin_prune(fcinfo);
    int64 n = 0;
    for (int group = 0; group < cluster::group_count(); group++) {
        routing::call_twin(fcinfo, "credits_prune_usage", cluster::key_in_group(group), tenant, args.values,
                           args.nulls);
        n += spi::row(0).int64_value(1);
    }
    spi::run(move_horizon, spi::Params().add_text(tenant).add(TimestampTzGetDatum(before)));
    spi::end();
    PG_RETURN_INT64(n);
}

}  // namespace credits
