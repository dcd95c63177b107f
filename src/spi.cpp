#include "spi.h"

#include "tables.h"

extern "C" {
#include "lib/stringinfo.h"
#include "utils/datum.h"
}

namespace credits::spi {

namespace {

struct Call {
    MemoryContext caller;  // where results that outlive the call must go
    SubTransactionId subxact;
    Oid schema;            // the extension's
};

constexpr int max_depth = 32;
Call calls[max_depth];
int depth = 0;

// pg_catalog alone: no schema a caller can create objects in, no pg_temp.
OverrideSearchPath catalog_only{NIL, true, false, 0};

// The statement's text with @extschema@ replaced by the quoted schema name.
const char *in_schema(const char *sql, Oid schema) {
    const char *marker = "@extschema@";
    const char *name = quote_identifier(get_namespace_name(schema));
    StringInfoData text;
    initStringInfo(&text);
    for (const char *p = sql; *p;) {
        const char *at = strstr(p, marker);
        if (!at) {
            appendStringInfoString(&text, p);
            break;
        }
        appendBinaryStringInfo(&text, p, static_cast<int>(at - p));
        appendStringInfoString(&text, name);
        p = at + strlen(marker);
    }
    return text.data;
}

void prepare(Statement &stmt, Oid schema) {
    if (stmt.plan) SPI_freeplan(stmt.plan);
    stmt.plan = nullptr;
    const char *sql = in_schema(stmt.sql, schema);
    SPIPlanPtr plan = SPI_prepare_cursor(sql, stmt.nargs, stmt.argtypes, CURSOR_OPT_GENERIC_PLAN);
    if (plan == nullptr)
        elog(ERROR, "credits: could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
    if (SPI_keepplan(plan) != 0) elog(ERROR, "credits: could not keep plan for \"%s\"", sql);
    stmt.plan = plan;
    stmt.schema = schema;
}

}  // namespace

Params &Params::add_text(std::string_view s) {
    return add(PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size()))));
}

void begin(FunctionCallInfo fcinfo) { begin_in_schema(tables::extension_schema(fcinfo)); }

void begin_in_schema(Oid schema) {
    if (depth == max_depth) elog(ERROR, "credits: calls nested too deeply");
    MemoryContext caller = CurrentMemoryContext;
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "credits: SPI_connect failed");
    PushOverrideSearchPath(&catalog_only);
    calls[depth++] = Call{caller, GetCurrentSubTransactionId(), schema};
}

void end() {
    depth--;
    PopOverrideSearchPath();
    if (SPI_finish() != SPI_OK_FINISH) elog(ERROR, "credits: SPI_finish failed");
}

void forget_calls_from(SubTransactionId subxact) {
    while (depth > 0 && calls[depth - 1].subxact >= subxact) depth--;
}

uint64 run(Statement &stmt, const Params &params, long limit) {
    Assert(params.count == stmt.nargs);
    Oid schema = calls[depth - 1].schema;
    if (stmt.plan == nullptr || stmt.schema != schema) prepare(stmt, schema);
    if (SPI_tuptable != nullptr) {
        SPI_freetuptable(SPI_tuptable);
        SPI_tuptable = nullptr;
    }
    int rc = SPI_execute_plan(stmt.plan, const_cast<Datum *>(params.values), params.nulls, false, limit);
    if (rc < 0) elog(ERROR, "credits: \"%s\" failed: %s", stmt.sql, SPI_result_code_string(rc));
    return SPI_processed;
}

Row row(uint64 index) {
    Assert(SPI_tuptable != nullptr && index < SPI_processed);
    return Row{SPI_tuptable->vals[index], SPI_tuptable->tupdesc};
}

bool Row::is_null(int col) const {
    bool isnull;
    SPI_getbinval(tuple, desc, col, &isnull);
    return isnull;
}

Datum Row::datum(int col) const {
    bool isnull;
    return SPI_getbinval(tuple, desc, col, &isnull);
}

std::optional<Datum> Row::nullable(int col) const {
    bool isnull;
    Datum d = SPI_getbinval(tuple, desc, col, &isnull);
    if (isnull) return std::nullopt;
    return d;
}

std::optional<std::string_view> Row::nullable_string(int col) const {
    bool isnull;
    Datum d = SPI_getbinval(tuple, desc, col, &isnull);
    if (isnull) return std::nullopt;
    text *t = DatumGetTextPP(d);
    return std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

std::string_view Row::string(int col) const { return nullable_string(col).value_or(std::string_view()); }

int64 Row::int64_value(int col) const { return DatumGetInt64(datum(col)); }

TimestampTz Row::timestamp(int col) const { return DatumGetTimestampTz(datum(col)); }

bool Row::boolean(int col) const { return DatumGetBool(datum(col)); }

MemoryContext caller_context() { return calls[depth - 1].caller; }

Datum keep(Datum value, Oid type) {
    int16 typlen;
    bool typbyval;
    get_typlenbyval(type, &typlen, &typbyval);
    if (typbyval) return value;
    MemoryContext old = MemoryContextSwitchTo(caller_context());
    Datum copy = typlen == -1 ? PointerGetDatum(PG_DETOAST_DATUM_COPY(value)) : datumCopy(value, false, typlen);
    MemoryContextSwitchTo(old);
    return copy;
}

std::string_view keep_text(std::string_view s) {
    char *copy = static_cast<char *>(MemoryContextAlloc(caller_context(), s.size() + 1));
    memcpy(copy, s.data(), s.size());
    copy[s.size()] = '\0';
    return {copy, s.size()};
}

}  // namespace credits::spi
