// The rate card: versioned prices per (tenant, model, usage_type), and the
// exact cost of usage under the version in force when it occurred.
//
// A cost is exact: every token bucket times its price per `per_tokens`
// tokens, plus requests times the request price, plus units times the unit
// price, in numeric arithmetic (no rounding, no floats). Only the amount a
// charge debits is rounded, once, to the account's scale, the way the price
// version says (up by default: never less than the usage cost).
#pragma once

#include "usage.h"

namespace credits::pricing {

enum class Rounding { Up, HalfUp, Down };
const char *rounding_name(Rounding r);
std::optional<Rounding> parse_rounding(std::string_view s);

struct Price {
    const char *id;
    int32 per_tokens;
    Datum token_prices[usage::bucket_count];  // numeric, per per_tokens tokens
    Datum request_price;
    Datum unit_price;
    Rounding rounding;
    TimestampTz effective_from;
};

// The version in force at `at` in this tenant; CR021 when there is none.
Price in_force(tables::Session &s, std::string_view tenant, std::string_view model, std::string_view usage_type,
               TimestampTz at);

// The exact cost of the usage (numeric, trailing zeros trimmed).
Datum cost(const Price &p, const usage::Usage &u);

// The cost in units of an account with `scale` decimals, rounded as the
// price says; CR008 when that is more than one operation may move.
Units amount(Datum cost, int scale, Rounding rounding, const char *account);

}  // namespace credits::pricing
