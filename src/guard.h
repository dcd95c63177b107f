// The C++/PostgreSQL boundary for every SQL-callable function.
//
// CREDITS_FUNCTION(name) defines the extern "C" symbol, its
// PG_FUNCTION_INFO_V1 record, and runs the body inside guard(): every C++
// exception is caught there and re-raised with ereport(ERROR) only after the
// C++ frames have unwound, so no exception ever crosses a PostgreSQL frame.
#pragma once

#include "errors.h"

#include <type_traits>

namespace credits {

using FunctionBody = Datum (*)(FunctionCallInfo);

Datum guard(FunctionCallInfo fcinfo, FunctionBody body);

// The exception being handled, as an Error (a domain error as it is, any
// other as out of memory or an internal error). Call inside a catch block.
Error current_error();

// Raises a caught Error as a PostgreSQL error. Call it outside any catch block.
[[noreturn]] void raise(const Error &error);

// Runs body(context) in a subtransaction of its own: kept if it returns,
// rolled back if it raises an error (a C++ exception counts). Returns that
// error, copied into the caller's memory, or nullptr. A cancel and the errors
// of class 40 (serialization failure, deadlock) propagate: they end the
// caller's transaction too.
ErrorData *run_in_subtransaction(void (*body)(void *), void *context);

template <typename F>
ErrorData *in_subtransaction(F &&f) {
    using Body = std::remove_reference_t<F>;
    return run_in_subtransaction([](void *context) { (*static_cast<Body *>(context))(); }, &f);
}

}  // namespace credits

#define CREDITS_FUNCTION(name)                                                     \
    static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo);           \
    extern "C" {                                                                   \
    PG_FUNCTION_INFO_V1(name);                                                     \
    Datum name(PG_FUNCTION_ARGS) { return credits::guard(fcinfo, name##_body); } \
    }                                                                              \
    static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)
