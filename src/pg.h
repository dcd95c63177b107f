// The one place that includes PostgreSQL's headers.
//
// C++ standard headers come first: PostgreSQL's port.h turns snprintf, printf
// and friends into macros that would break <cstdio> if it came later.
//
// The rule for every file that includes this (DESIGN.md section 7): a
// PostgreSQL error is a longjmp, so no object with a non-trivial destructor may
// be alive in a frame that calls into PostgreSQL. Our types are trivially
// destructible (palloc'd memory, string_view, PODs); domain errors are C++
// exceptions that only the guard in guard.h catches.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <type_traits>

extern "C" {
#include "postgres.h"

#include "access/htup_details.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"
}
