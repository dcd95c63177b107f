// Domain errors: the SQLSTATEs of README's error table and how to raise them.
//
// An Error is a plain struct (trivially destructible, strings in palloc'd
// memory) thrown as a C++ exception. Only the guard (guard.h) catches it and
// turns it into ereport(ERROR) after the C++ stack has unwound; the batch API
// also catches it to report a failed operation and carry on.
#pragma once

#include "pg.h"

namespace credits {

namespace sqlstate {
constexpr int insufficient_credits = MAKE_SQLSTATE('C', 'R', '0', '0', '1');
constexpr int account_not_found = MAKE_SQLSTATE('C', 'R', '0', '0', '2');
constexpr int idempotency_conflict = MAKE_SQLSTATE('C', 'R', '0', '0', '3');
constexpr int reservation_not_found = MAKE_SQLSTATE('C', 'R', '0', '0', '4');
constexpr int reservation_not_pending = MAKE_SQLSTATE('C', 'R', '0', '0', '5');
constexpr int reservation_expired = MAKE_SQLSTATE('C', 'R', '0', '0', '6');
constexpr int account_not_active = MAKE_SQLSTATE('C', 'R', '0', '0', '7');
constexpr int invalid_amount = MAKE_SQLSTATE('C', 'R', '0', '0', '8');
constexpr int transaction_not_found = MAKE_SQLSTATE('C', 'R', '0', '0', '9');
constexpr int reversal_exceeds_original = MAKE_SQLSTATE('C', 'R', '0', '1', '0');
constexpr int duplicate_account = MAKE_SQLSTATE('C', 'R', '0', '1', '1');
constexpr int invalid_parameter = MAKE_SQLSTATE('C', 'R', '0', '1', '2');
constexpr int account_not_empty = MAKE_SQLSTATE('C', 'R', '0', '1', '3');
constexpr int write_refused = MAKE_SQLSTATE('C', 'R', '0', '1', '4');
constexpr int unit_mismatch = MAKE_SQLSTATE('C', 'R', '0', '1', '5');
constexpr int plan_not_found = MAKE_SQLSTATE('C', 'R', '0', '1', '6');
constexpr int duplicate_plan = MAKE_SQLSTATE('C', 'R', '0', '1', '7');
constexpr int subscription_not_found = MAKE_SQLSTATE('C', 'R', '0', '1', '8');
constexpr int unsupported_table_change = MAKE_SQLSTATE('C', 'R', '0', '1', '9');
constexpr int shard_not_local = MAKE_SQLSTATE('C', 'R', '0', '2', '0');
constexpr int price_not_found = MAKE_SQLSTATE('C', 'R', '0', '2', '1');
constexpr int price_conflict = MAKE_SQLSTATE('C', 'R', '0', '2', '2');
constexpr int usage_time_out_of_range = MAKE_SQLSTATE('C', 'R', '0', '2', '3');
constexpr int reload_request_not_found = MAKE_SQLSTATE('C', 'R', '0', '2', '4');
constexpr int reload_request_completed = MAKE_SQLSTATE('C', 'R', '0', '2', '5');
constexpr int consumer_not_found = MAKE_SQLSTATE('C', 'R', '0', '2', '6');
constexpr int event_not_found = MAKE_SQLSTATE('C', 'R', '0', '2', '7');
constexpr int duplicate_consumer = MAKE_SQLSTATE('C', 'R', '0', '2', '8');
constexpr int balance_out_of_range = ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
constexpr int internal = ERRCODE_INTERNAL_ERROR;
}  // namespace sqlstate

struct Error {
    int sqlstate;
    const char *message;
    const char *detail;   // may be null
    const char *hint;     // may be null
    const char *context = nullptr;  // where, e.g. which operation of a batch
};
static_assert(std::is_trivially_destructible_v<Error>);

// psprintf, for building messages. The result lives in CurrentMemoryContext.
const char *format(const char *fmt, ...) pg_attribute_printf(1, 2);

[[noreturn]] void fail(int sqlstate, const char *message, const char *detail = nullptr,
                       const char *hint = nullptr);

}  // namespace credits
