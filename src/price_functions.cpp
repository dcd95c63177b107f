// SQL functions of the rate card: setting a price version, and quoting the
// cost of usage.
#include "args.h"
#include "clock.h"
#include "guard.h"
#include "pricing.h"
#include "results.h"
#include "spi.h"
#include "tenants.h"
#include "usage_args.h"

using namespace credits;

namespace {

spi::Statement insert_price{
    "INSERT INTO @extschema@.credits_price (id, tenant, model, usage_type, per_tokens, input_price, cached_input_price,"
    " cache_write_price, output_price, reasoning_price, request_price, unit_price, rounding, effective_from,"
    " description, metadata, created_at)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, now())"
    " ON CONFLICT (tenant, model, usage_type, effective_from) DO NOTHING",
    16,
    {TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID, NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID,
     NUMERICOID, NUMERICOID, TEXTOID, TIMESTAMPTZOID, TEXTOID, JSONBOID}};

// The version at (tenant, model, usage_type, effective_from), and whether it
// is the one given ($5...$16 as in insert_price).
spi::Statement same_version{
    "SELECT id, per_tokens = $5 AND input_price = $6 AND cached_input_price = $7 AND cache_write_price = $8"
    " AND output_price = $9 AND reasoning_price = $10 AND request_price = $11 AND unit_price = $12"
    " AND rounding = $13 AND description IS NOT DISTINCT FROM $15 AND metadata IS NOT DISTINCT FROM $16"
    " FROM @extschema@.credits_price WHERE tenant = $2 AND model = $3 AND usage_type = $4 AND effective_from = $14",
    16,
    {TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT4OID, NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID, NUMERICOID,
     NUMERICOID, NUMERICOID, TEXTOID, TIMESTAMPTZOID, TEXTOID, JSONBOID}};

spi::Statement price_version{
    "SELECT p.id, p.model, p.usage_type, p.per_tokens, p.input_price, p.cached_input_price, p.cache_write_price,"
    " p.output_price, p.reasoning_price, p.request_price, p.unit_price, p.rounding, p.effective_from,"
    " (SELECT min(n.effective_from) FROM @extschema@.credits_price n WHERE n.tenant = p.tenant AND n.model = p.model"
    "   AND n.usage_type = p.usage_type AND n.effective_from > p.effective_from),"
    " p.description, p.metadata, p.created_at"
    " FROM @extschema@.credits_price p WHERE p.id = $1",
    1, {TEXTOID}};

Datum price_arg(FunctionCallInfo fcinfo, int argno, const char *name, std::optional<Datum> otherwise) {
    if (auto p = usage_args::quantity(fcinfo, argno, name)) return *p;
    if (otherwise) return *otherwise;
    return DirectFunctionCall1(int8_numeric, Int64GetDatum(0));
}

}  // namespace

// credits_set_price(model, usage_type, input_price, cached_input_price,
//   cache_write_price, output_price, reasoning_price, request_price,
//   unit_price, per_tokens, rounding, effective_from, description, metadata)
CREDITS_FUNCTION(credits_set_price) {
    tables::require_writable(fcinfo->flinfo->fn_oid);
    std::string_view tenant = tenants::current();
    std::string_view model = args::required_identifier(fcinfo, 0, "model");
    std::string_view usage_type = usage_args::label(fcinfo, 1, "usage_type", "text");
    Datum input = price_arg(fcinfo, 2, "input_price", std::nullopt);
    Datum output = price_arg(fcinfo, 5, "output_price", std::nullopt);
    // Cached and cache-write tokens cost what input does, reasoning tokens
    // what output does, unless priced apart.
    Datum prices[] = {input,
                      price_arg(fcinfo, 3, "cached_input_price", input),
                      price_arg(fcinfo, 4, "cache_write_price", input),
                      output,
                      price_arg(fcinfo, 6, "reasoning_price", output),
                      price_arg(fcinfo, 7, "request_price", std::nullopt),
                      price_arg(fcinfo, 8, "unit_price", std::nullopt)};
    int32 per_tokens = args::int32_value(fcinfo, 9).value_or(1000000);
    if (per_tokens != 1 && per_tokens != 1000 && per_tokens != 1000000)
        fail(sqlstate::invalid_parameter, "per_tokens must be 1, 1000 or 1000000",
             format("per_tokens is %d: token prices are per token, per thousand or per million tokens.", per_tokens));
    std::string_view rounding = args::string(fcinfo, 10, "rounding", 32).value_or("up");
    if (!pricing::parse_rounding(rounding))
        fail(sqlstate::invalid_parameter, format("unknown rounding \"%s\"", args::shown(rounding)),
             "rounding is up, half_up or down.");
    TimestampTz from = usage_args::finite_timestamp(fcinfo, 11, "effective_from").value_or(clock::now());
    auto description = args::string(fcinfo, 12, "description");
    auto metadata = args::json_object(fcinfo, 13, "metadata");

    spi::begin(fcinfo);
    ids::Id id = ids::make("prc_", 0);
    spi::Params params;
    params.add_text(id.view()).add_text(tenant).add_text(model).add_text(usage_type).add(Int32GetDatum(per_tokens));
    for (Datum p : prices) params.add(p);
    params.add_text(rounding).add(TimestampTzGetDatum(from)).add_text(description).add(metadata);
    const char *version = id.text;
    if (spi::run(insert_price, params) == 0) {
        // That version exists: the same price again is a replay; another is
        // a conflict, since usage may have been priced by it.
        spi::run(same_version, params);
        spi::Row row = spi::row(0);
        version = args::cstr(row.string(1));
        if (!row.boolean(2))
            fail(sqlstate::price_conflict,
                 format("a different price for model \"%s\" (%s) takes effect at that moment", args::shown(model),
                        args::shown(usage_type)),
                 format("Price version %s begins at %s.", version, timestamptz_to_str(from)),
                 "A version never changes: set a new one with a later effective_from.");
    }
    return results::view_row(fcinfo, price_version, version);
}

// credits_quote(account, model, usage_type, input_tokens, ...,
//   reasoning_tokens, units, requests, at) -> cost, amount, unit, scale,
//   rounding, price_id, effective_from
CREDITS_FUNCTION(credits_quote) {
    static spi::Statement account_scale{
        "SELECT a.external_id, a.unit, a.scale::int FROM @extschema@.credits_account a"
        " WHERE a.id = $1 AND a.account_key = $2",
        2, {TEXTOID, INT4OID}};
    std::string_view account = account_arg(fcinfo, 0);
    usage::Usage u = usage::defaults();
    usage_args::read_priced(fcinfo, 1, u);
    if (!u.model) fail(sqlstate::invalid_parameter, "model is required", "A quote is priced by its model's price.");
    u.occurred_at = usage_args::finite_timestamp(fcinfo, 10, "at");
    usage::check_quantities(u);
    spi::begin(fcinfo);
    FoundAccount found = find_account(account);
    spi::run(account_scale, spi::Params().add_text(found.id).add(Int32GetDatum(found.key)));
    spi::Row row = spi::row(0);
    const char *external_id = args::cstr(row.string(1));
    const char *unit = args::cstr(row.string(2));
    int scale = DatumGetInt32(row.datum(3));

    tables::Session s;
    tables::open_for_reading(s, fcinfo);
    pricing::Price price = pricing::in_force(s, tenants::current(), *u.model, u.usage_type, usage::occurred_at(u));
    tables::close(s);
    Datum cost = pricing::cost(price, u);
    Units amount = pricing::amount(cost, scale, price.rounding, external_id);
    spi::end();

    Datum values[] = {cost, units_to_numeric(amount, scale), CStringGetTextDatum(unit), Int32GetDatum(scale),
                      CStringGetTextDatum(pricing::rounding_name(price.rounding)), CStringGetTextDatum(price.id),
                      TimestampTzGetDatum(price.effective_from)};
    bool nulls[] = {false, false, false, false, false, false, false};
    InitMaterializedSRF(fcinfo, 0);
    results::put_row(reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo), values, nulls);
    return (Datum)0;
}

