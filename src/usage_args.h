// Reading the arguments of the usage functions (usage_functions.cpp,
// price_functions.cpp, usage_reports.cpp): what they share beyond args.h.
#pragma once

#include "usage.h"

#include <optional>

namespace credits::usage_args {

// An identifier-like label (a usage type, a context), `otherwise` for NULL.
std::string_view label(FunctionCallInfo fcinfo, int argno, const char *name, const char *otherwise);
// A context ('customer' for NULL; usage::check_quantities() checks it).
std::string_view context(FunctionCallInfo fcinfo, int argno);
// A token count, 0 for NULL (usage::check_quantities() checks the range).
int64 tokens(FunctionCallInfo fcinfo, int argno);

// A non-negative numeric argument (units, a cost, a price) as given, trailing
// zeros trimmed; nullopt for NULL. CR008 as for amounts.
std::optional<Datum> quantity(FunctionCallInfo fcinfo, int argno, const char *name);

// What a charge and a quote share, from argument `first` on: model,
// usage_type, the five token buckets, units, requests.
void read_priced(FunctionCallInfo fcinfo, int first, usage::Usage &u);

// A timestamp argument that must be finite (CR012); nullopt for NULL.
std::optional<TimestampTz> finite_timestamp(FunctionCallInfo fcinfo, int argno, const char *name);

}  // namespace credits::usage_args
