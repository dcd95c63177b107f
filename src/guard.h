// The C++/PostgreSQL boundary for every SQL-callable function.
//
// CREDITS_FUNCTION(name) defines the extern "C" symbol, its
// PG_FUNCTION_INFO_V1 record, and runs the body inside guard(): every C++
// exception is caught there and re-raised with ereport(ERROR) only after the
// C++ frames have unwound, so no exception ever crosses a PostgreSQL frame.
#pragma once

#include "errors.h"

namespace credits {

using FunctionBody = Datum (*)(FunctionCallInfo);

Datum guard(FunctionCallInfo fcinfo, FunctionBody body);

// Raises a caught Error as a PostgreSQL error. Call it outside any catch block.
[[noreturn]] void raise(const Error &error);

}  // namespace credits

#define CREDITS_FUNCTION(name)                                                     \
    static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo);           \
    extern "C" {                                                                   \
    PG_FUNCTION_INFO_V1(name);                                                     \
    Datum name(PG_FUNCTION_ARGS) { return credits::guard(fcinfo, name##_body); } \
    }                                                                              \
    static Datum name##_body([[maybe_unused]] FunctionCallInfo fcinfo)
