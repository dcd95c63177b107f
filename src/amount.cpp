#include "amount.h"

#include "errors.h"

namespace credits {

namespace {

Units power_of_ten(int n) {
    Units p = 1;
    while (n-- > 0) p *= 10;
    return p;
}

// Parses the output of numeric_normalize(): [-]digits[.digits], no trailing
// fraction zeros. Counts every digit, but accumulates the value only while it
// fits; *fits tells whether it did.
Decimal parse_plain(const char *s, int *integer_digits, bool *fits) {
    bool negative = (*s == '-');
    if (negative) s++;
    Units v = 0;
    int int_digits = 0, decimals = 0;
    bool in_fraction = false;
    *fits = true;
    for (; *s; s++) {
        if (*s == '.') {
            in_fraction = true;
            continue;
        }
        if (in_fraction)
            decimals++;
        else if (int_digits > 0 || *s != '0')
            int_digits++;
        if (int_digits + decimals > 38)
            *fits = false;
        else
            v = v * 10 + (*s - '0');
    }
    *integer_digits = int_digits;
    return Decimal{negative ? -v : v, decimals};
}

}  // namespace

Decimal read_decimal(Datum numeric, bool isnull, const char *what, Sign sign) {
    if (isnull) fail(sqlstate::invalid_amount, format("%s must not be null", what));
    Numeric n = DatumGetNumeric(numeric);
    if (numeric_is_nan(n) || numeric_is_inf(n))
        fail(sqlstate::invalid_amount, format("%s must be a finite number", what),
             format("%s is %s.", what, numeric_normalize(n)));

    const char *text = numeric_normalize(n);
    int integer_digits = 0;
    bool fits = true;
    Decimal d = parse_plain(text, &integer_digits, &fits);
    if (d.decimals > max_scale)
        fail(sqlstate::invalid_amount, format("%s has too many decimal places", what),
             format("%s is %s; no account accepts more than %d decimal places.", what, text, max_scale));
    if (!fits || integer_digits > 16 || (d.negative() ? -d.digits : d.digits) > max_amount * power_of_ten(d.decimals))
        fail(sqlstate::invalid_amount, format("%s exceeds the maximum", what),
             format("%s is %s; the maximum is %lld.", what, text, static_cast<long long>(max_amount)));

    bool ok = (sign == Sign::Positive && d.digits > 0) || (sign == Sign::NonNegative && d.digits >= 0) ||
              (sign == Sign::NonZero && d.digits != 0);
    if (!ok) {
        const char *rule = sign == Sign::Positive      ? "greater than zero"
                           : sign == Sign::NonNegative ? "zero or more"
                                                       : "different from zero";
        fail(sqlstate::invalid_amount, format("%s must be %s", what, rule), format("%s is %s.", what, text));
    }
    return d;
}

Decimal read_decimal_text(std::string_view text, const char *what, Sign sign) {
    size_t i = (!text.empty() && (text[0] == '-' || text[0] == '+')) ? 1 : 0;
    size_t digits = 0, dots = 0;
    bool plain = text.size() <= 64;
    for (size_t j = i; j < text.size() && plain; j++) {
        if (text[j] == '.' && dots == 0 && digits > 0)
            dots++;
        else if (text[j] >= '0' && text[j] <= '9')
            digits++;
        else
            plain = false;
    }
    if (!plain || digits == 0 || text.back() == '.')
        fail(sqlstate::invalid_amount, format("%s is not a number", what),
             format("%s is \"%.*s\"; write it as digits with an optional decimal point.", what,
                    static_cast<int>(text.size() > 64 ? 64 : text.size()), text.data()));
    char *cstring = pnstrdup(text.data(), text.size());
    Datum n = DirectFunctionCall3(numeric_in, CStringGetDatum(cstring), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
    return read_decimal(n, false, what, sign);
}

Units to_units(Decimal d, int scale, const char *what, const char *account) {
    if (d.decimals > scale)
        fail(sqlstate::invalid_amount, format("%s has more decimal places than the account accepts", what),
             format("%s is %s; account %s has scale %d.", what, units_to_string(d.digits, d.decimals), account, scale),
             "Round the amount to the account's scale before passing it.");
    return d.digits * power_of_ten(scale - d.decimals);
}

Units numeric_to_units(Datum numeric, int scale) {
    int integer_digits = 0;
    bool fits = true;
    const char *text = numeric_normalize(DatumGetNumeric(numeric));
    Decimal d = parse_plain(text, &integer_digits, &fits);
    if (!fits || d.decimals > scale)
        elog(ERROR, "stored amount %s does not fit scale %d", text, scale);
    return d.digits * power_of_ten(scale - d.decimals);
}

Datum units_to_numeric(Units v, int scale) {
    if (v >= PG_INT64_MIN && v <= PG_INT64_MAX)
        return NumericGetDatum(int64_div_fast_to_numeric(static_cast<int64>(v), scale));
    return DirectFunctionCall3(numeric_in, CStringGetDatum(units_to_string(v, scale)),
                               ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

const char *units_to_string(Units v, int scale) {
    char buf[64];
    char *p = buf + sizeof(buf);
    *--p = '\0';
    bool negative = v < 0;
    unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
    int written = 0;
    do {
        if (written == scale && scale > 0) *--p = '.';
        *--p = static_cast<char>('0' + static_cast<int>(u % 10));
        u /= 10;
        written++;
    } while (u != 0 || written <= scale);
    if (negative) *--p = '-';
    return pstrdup(p);
}

Units add_units(Units a, Units b, int scale, const char *account) {
    Units sum = a + b;  // cannot overflow: both are far inside the int128 range
    Units limit = static_cast<Units>(max_balance) * power_of_ten(scale);
    if (sum > limit || sum < -limit)
        fail(sqlstate::balance_out_of_range, format("balance of account %s would leave the supported range", account),
             format("The result would be %s; balances are limited to +/-%lld.", units_to_string(sum, scale),
                    static_cast<long long>(max_balance)));
    return sum;
}

}  // namespace credits
