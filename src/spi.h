// Running the extension's SQL through SPI with plans prepared once per backend.
//
// Nothing a caller creates can capture a name in these statements (DESIGN.md
// section 12): while a call runs, the search path is exactly pg_catalog
// (pushed as an override; not even pg_temp), so every operator, function and
// type resolves there, and the statements name the extension's own objects
// as @extschema@.name, which becomes the extension's schema when the
// statement is prepared. A planted operator such as public.<(numeric,
// integer) is never a candidate, whatever schema a caller can create in.
#pragma once

#include "pg.h"

#include <optional>

namespace credits::spi {

constexpr int max_params = 24;

// One SQL statement of the extension. Declare it `static` next to the code
// that runs it; it is prepared (generic plan, kept) on first use, and again
// if the extension is found in another schema.
//
// On Citus, inside a shard group (cluster.h), the statement names that
// group's shard relations instead of the tables, and a view of the extension
// becomes its definition over them (a view must then not have an alias in
// the statement): its plan is prepared once per group. Outside a group the
// statement goes through Citus, which needs custom plans (it cannot plan
// most statements with parameters left in them).
struct Statement {
    const char *sql;  // our objects as @extschema@.name
    int nargs;
    Oid argtypes[max_params];
    SPIPlanPtr plan = nullptr;
    Oid schema = InvalidOid;  // the plan's @extschema@
    uint64 plan_map = 0;      // the cluster::map_version() it was made for
    SPIPlanPtr *group_plans = nullptr;  // by shard group
    int groups = 0;
    uint64 shard_map = 0;  // the cluster::map_version() they were made for
};

// Parameter values for one execution.
struct Params {
    Datum values[max_params];
    char nulls[max_params];
    int count = 0;

    Params &add(Datum value) {
        values[count] = value;
        nulls[count++] = ' ';
        return *this;
    }
    Params &add_null() {
        values[count] = 0;
        nulls[count++] = 'n';
        return *this;
    }
    Params &add(std::optional<Datum> value) { return value ? add(*value) : add_null(); }
    Params &add_text(std::string_view s);
    Params &add_text(const char *s) { return add_text(std::string_view(s)); }
    Params &add_text(std::optional<std::string_view> s) { return s ? add_text(*s) : add_null(); }
};

// Connects to SPI and installs the extension's search path for the call.
// Pair every begin() with end(); on an error, transaction abort cleans up.
void begin(FunctionCallInfo fcinfo);
void begin_in_schema(Oid schema);
void end();

// Forgets the calls begun in `subxact` or later, which an abort has ended
// (TopSubTransactionId: all of them).
void forget_calls_from(SubTransactionId subxact);

// Runs the statement; returns how many rows it processed or returned.
uint64 run(Statement &stmt, const Params &params, long limit = 0);

// Column readers for row `row` of the last run's result (columns from 1).
struct Row {
    HeapTuple tuple;
    TupleDesc desc;

    bool is_null(int col) const;
    Datum datum(int col) const;  // points into SPI memory
    std::optional<Datum> nullable(int col) const;
    std::string_view string(int col) const;  // "" for NULL
    std::optional<std::string_view> nullable_string(int col) const;
    int64 int64_value(int col) const;
    TimestampTz timestamp(int col) const;
    bool boolean(int col) const;
};
Row row(uint64 index);

// The memory context that was current when the innermost call began.
MemoryContext caller_context();

// Copies a Datum out of SPI memory into the caller's memory context, so it
// survives end().
Datum keep(Datum value, Oid type);
std::string_view keep_text(std::string_view s);

}  // namespace credits::spi
