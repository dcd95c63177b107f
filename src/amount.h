// Exact amounts. SQL sees numeric; inside we count in the account's smallest
// unit (value * 10^scale) as a 128-bit integer, so arithmetic is exact, fast
// and overflow-checked, and nothing is ever rounded.
#pragma once

#include "pg.h"

namespace credits {

// PostgreSQL's int128 is aligned to 8 bytes, not 16, so structs holding it
// are safe in palloc'd memory.
typedef int128 Units;
static_assert(alignof(Units) <= MAXIMUM_ALIGNOF);

constexpr int max_scale = 18;
// In whole units of the account: the largest amount one operation may move,
// and the largest magnitude a balance may reach.
constexpr int64 max_amount = 1000000000000000LL;        // 10^15
constexpr int64 max_balance = 1000000000000000000LL;    // 10^18

// A finite decimal read from a numeric argument, not yet tied to an account:
// value = digits / 10^decimals, with no trailing zeros in the fraction.
struct Decimal {
    Units digits;
    int decimals;
    bool negative() const { return digits < 0; }
    bool zero() const { return digits == 0; }
};

enum class Sign { Positive, NonNegative, NonZero };

// Reads a numeric argument for `what` ("amount", "overdraft_limit", ...):
// NULL, NaN, infinities, the wrong sign, more than max_scale decimals or a
// magnitude above max_amount raise CR008 invalid_amount.
Decimal read_decimal(Datum numeric, bool isnull, const char *what, Sign sign);

// The same for a decimal written as text, "[+-]digits[.digits]" (as JSON
// APIs send amounts); any other text is CR008.
Decimal read_decimal_text(std::string_view text, const char *what, Sign sign);

// The decimal in units of an account with `scale` decimal places; CR008 when
// it has more decimals than the account accepts.
Units to_units(Decimal d, int scale, const char *what, const char *account);

Units numeric_to_units(Datum numeric, int scale);
Datum units_to_numeric(Units v, int scale);
const char *units_to_string(Units v, int scale);

// a + b, raising 22003 when the result leaves the balance range.
Units add_units(Units a, Units b, int scale, const char *account);

}  // namespace credits
