#include "spi.h"

#include "citus_views.h"
#include "cluster.h"
#include "tables.h"

extern "C" {
#include "catalog/pg_class.h"
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

SPIPlanPtr prepare_text(const char *sql, const Statement &stmt, int options = CURSOR_OPT_GENERIC_PLAN) {
    SPIPlanPtr plan = SPI_prepare_cursor(sql, stmt.nargs, const_cast<Oid *>(stmt.argtypes), options);
    if (plan == nullptr)
        elog(ERROR, "credits: could not prepare \"%s\": %s", sql, SPI_result_code_string(SPI_result));
    if (SPI_keepplan(plan) != 0) elog(ERROR, "credits: could not keep plan for \"%s\"", sql);
    return plan;
}

void prepare(Statement &stmt, Oid schema) {
    if (stmt.plan) SPI_freeplan(stmt.plan);
    stmt.plan = nullptr;
    stmt.plan = prepare_text(in_schema(stmt.sql, schema), stmt,
                             cluster::distributed() ? CURSOR_OPT_CUSTOM_PLAN : CURSOR_OPT_GENERIC_PLAN);
    stmt.schema = schema;
    stmt.plan_map = cluster::map_version();
}

bool is_identifier_char(char c) { return isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// `sql` with every schema.table of a distributed table replaced by its shard
// in the current group.
const char *with_shards(const char *sql, const char *schema_name) {
    StringInfoData out;
    initStringInfo(&out);
    size_t prefix = strlen(schema_name) + 1;
    for (const char *p = sql; *p;) {
        if (strncmp(p, schema_name, prefix - 1) == 0 && p[prefix - 1] == '.' && (p == sql || !is_identifier_char(p[-1]))) {
            const char *name = p + prefix;
            size_t len = 0;
            while (is_identifier_char(name[len])) len++;
            const char *shard = cluster::relation_name(pnstrdup(name, len));
            if (shard) {
                appendStringInfo(&out, "%s.%s", schema_name, shard);
                p = name + len;
                continue;
            }
        }
        appendStringInfoChar(&out, *p++);
    }
    return out.data;
}

// The statement for the current shard group: @extschema@ resolved, tables
// replaced by their shards, views by their definitions over the shards.
const char *in_group(const char *sql, Oid schema) {
    const char *marker = "@extschema@.";
    const char *schema_name = quote_identifier(get_namespace_name(schema));
    StringInfoData out;
    initStringInfo(&out);
    for (const char *p = sql; *p;) {
        const char *at = strstr(p, marker);
        if (!at) {
            appendStringInfoString(&out, p);
            break;
        }
        appendBinaryStringInfo(&out, p, static_cast<int>(at - p));
        const char *name = at + strlen(marker);
        size_t len = 0;
        while (is_identifier_char(name[len])) len++;
        const char *object = pnstrdup(name, len);
        Oid view = get_relname_relid(object, schema);
        // On Citus a view reads name_rows(); its own definition is kept aside.
        Oid kept = get_relname_relid(psprintf("%s%s", object, citus_views::suffix), schema);
        if (OidIsValid(kept)) view = kept;
        if (OidIsValid(view) && get_rel_relkind(view) == RELKIND_VIEW) {
            // Printed under our search path (pg_catalog alone), every name in
            // the definition is qualified.
            text *definition = DatumGetTextPP(
                DirectFunctionCall2(pg_get_viewdef_ext, ObjectIdGetDatum(view), BoolGetDatum(false)));
            char *body = text_to_cstring(definition);
            size_t end = strlen(body);
            while (end > 0 && (body[end - 1] == ';' || isspace(static_cast<unsigned char>(body[end - 1])))) end--;
            body[end] = '\0';
            appendStringInfo(&out, "(%s) AS %s", with_shards(body, schema_name), quote_identifier(object));
        } else {
            appendStringInfoString(&out, with_shards(psprintf("%s.%s", schema_name, object), schema_name));
        }
        p = name + len;
    }
    return out.data;
}

SPIPlanPtr plan_for(Statement &stmt, Oid schema) {
    int group = cluster::current_group();
    uint64 version = cluster::map_version();
    if (group < 0) {
        if (stmt.plan == nullptr || stmt.schema != schema || stmt.plan_map != version) prepare(stmt, schema);
        return stmt.plan;
    }
    if (stmt.shard_map != version || stmt.schema != schema || stmt.groups != cluster::group_count()) {
        for (int g = 0; g < stmt.groups; g++)
            if (stmt.group_plans[g]) SPI_freeplan(stmt.group_plans[g]);
        if (stmt.group_plans) pfree(stmt.group_plans);
        stmt.groups = cluster::group_count();
        stmt.group_plans = static_cast<SPIPlanPtr *>(MemoryContextAllocZero(TopMemoryContext, sizeof(SPIPlanPtr) * stmt.groups));
        stmt.shard_map = version;
        if (stmt.plan == nullptr || stmt.schema != schema) prepare(stmt, schema);
    }
    if (!stmt.group_plans[group]) stmt.group_plans[group] = prepare_text(in_group(stmt.sql, schema), stmt);
    return stmt.group_plans[group];
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
    SPIPlanPtr plan = plan_for(stmt, calls[depth - 1].schema);
    if (SPI_tuptable != nullptr) {
        SPI_freetuptable(SPI_tuptable);
        SPI_tuptable = nullptr;
    }
    int rc = SPI_execute_plan(plan, const_cast<Datum *>(params.values), params.nulls, false, limit);
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
