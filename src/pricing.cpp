#include "pricing.h"

#include "args.h"
#include "errors.h"

extern "C" {
#include "utils/datetime.h"
}

namespace credits::pricing {

namespace {

constexpr const char *rounding_names[] = {"up", "half_up", "down"};

enum Col {
    c_id, c_per_tokens, c_input_price, c_cached_input_price, c_cache_write_price, c_output_price, c_reasoning_price,
    c_request_price, c_unit_price, c_rounding, c_effective_from, c_count
};
constexpr const char *column_names[] = {"id",           "per_tokens",      "input_price",   "cached_input_price",
                                        "cache_write_price", "output_price", "reasoning_price", "request_price",
                                        "unit_price",   "rounding",        "effective_from"};
static_assert(sizeof(column_names) / sizeof(column_names[0]) == c_count);
tables::Columns<c_count> columns{column_names};

struct Indexes {
    Oid relid = InvalidOid;
    Oid version;
} indexes;

Oid version_index(tables::Session &s) {
    Relation rel = tables::rel(s, tables::TableId::Price);
    if (indexes.relid != RelationGetRelid(rel)) {
        indexes.version = tables::index_oid(s, tables::TableId::Price, "credits_price_version_key");
        indexes.relid = RelationGetRelid(rel);
    }
    return indexes.version;
}

Datum copied_numeric(TupleTableSlot *row, AttrNumber attnum) {
    return PointerGetDatum(PG_DETOAST_DATUM_COPY(tables::value(row, attnum)));
}

Datum numeric_of(int64 v) { return DirectFunctionCall1(int8_numeric, Int64GetDatum(v)); }
Datum add(Datum a, Datum b) { return DirectFunctionCall2(numeric_add, a, b); }
Datum mul(Datum a, Datum b) { return DirectFunctionCall2(numeric_mul, a, b); }

// 10^-n (n = 0, 3 or 6), exact.
Datum per(int32 per_tokens) {
    return DirectFunctionCall2(numeric_div, numeric_of(1), numeric_of(per_tokens));
}

Datum power_of_ten(int n) {
    return DirectFunctionCall2(numeric_power, numeric_of(10), numeric_of(n));
}

}  // namespace

const char *rounding_name(Rounding r) { return rounding_names[static_cast<int>(r)]; }

std::optional<Rounding> parse_rounding(std::string_view s) {
    for (int i = 0; i < 3; i++)
        if (s == rounding_names[i]) return static_cast<Rounding>(i);
    return std::nullopt;
}

Price in_force(tables::Session &s, std::string_view tenant, std::string_view model, std::string_view usage_type,
               TimestampTz at) {
    const auto &c = tables::columns(columns, tables::rel(s, tables::TableId::Price));
    Datum keys[] = {tables::text_datum(tenant), tables::text_datum(model), tables::text_datum(usage_type)};
    std::optional<Price> found;
    // Versions come in effective_from order: the last that began by `at`.
    tables::scan_index(s, tables::TableId::Price, version_index(s), keys, 3, [&](TupleTableSlot *row) {
        TimestampTz from = DatumGetTimestampTz(tables::value(row, c[c_effective_from]));
        if (from > at) return false;
        Price p;
        p.id = args::cstr(*tables::text_value(row, c[c_id]));
        p.per_tokens = DatumGetInt32(tables::value(row, c[c_per_tokens]));
        for (int b = 0; b < usage::bucket_count; b++) p.token_prices[b] = copied_numeric(row, c[c_input_price + b]);
        p.request_price = copied_numeric(row, c[c_request_price]);
        p.unit_price = copied_numeric(row, c[c_unit_price]);
        p.rounding = parse_rounding(*tables::text_value(row, c[c_rounding])).value_or(Rounding::Up);
        p.effective_from = from;
        found = p;
        return true;
    });
    if (!found)
        fail(sqlstate::price_not_found,
             format("no price for model \"%s\" (%s) at %s", args::shown(model), args::shown(usage_type),
                    timestamptz_to_str(at)),
             "The rate card of this tenant has no version of that price in force then.",
             "Set one with credits_set_price(model => ..., usage_type => ..., effective_from => ...).");
    return *found;
}

Datum cost(const Price &p, const usage::Usage &u) {
    Datum tokens = numeric_of(0);
    for (int b = 0; b < usage::bucket_count; b++)
        if (u.tokens[b] != 0) tokens = add(tokens, mul(numeric_of(u.tokens[b]), p.token_prices[b]));
    Datum total = mul(tokens, per(p.per_tokens));
    total = add(total, mul(numeric_of(u.requests), p.request_price));
    total = add(total, mul(u.units, p.unit_price));
    return DirectFunctionCall1(numeric_trim_scale, total);
}

Units amount(Datum cost, int scale, Rounding rounding, const char *account) {
    Datum scaled = mul(cost, power_of_ten(scale));
    Datum whole = rounding == Rounding::Up     ? DirectFunctionCall1(numeric_ceil, scaled)
                  : rounding == Rounding::Down ? DirectFunctionCall1(numeric_floor, scaled)
                                               : DirectFunctionCall2(numeric_round, scaled, Int32GetDatum(0));
    Datum limit = mul(numeric_of(max_amount), power_of_ten(scale));
    if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, whole, limit)) > 0)
        fail(sqlstate::invalid_amount, format("the cost is more than one operation may move on account %s", account),
             format("The cost is %s; one operation moves at most " INT64_FORMAT ".",
                    DatumGetCString(DirectFunctionCall1(numeric_out, cost)), max_amount));
    return numeric_to_units(whole, 0);
}

}  // namespace credits::pricing
