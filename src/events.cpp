#include "events.h"

#include "clock.h"
#include "guard.h"
#include "ids.h"
#include "settings.h"
#include "tables.h"

extern "C" {
#include "commands/async.h"
#include "commands/sequence.h"
#include "utils/array.h"
#include "utils/json.h"
#include "utils/snapmgr.h"
#include "utils/xid8.h"
}

namespace credits::events {

namespace {

enum { e_written_by, e_ordinal, e_id, e_tenant, e_type, e_account_id, e_external_id, e_occurred_at, e_data, e_count };
constexpr const char *event_column_names[] = {"written_by", "ordinal",     "id",          "tenant", "type",
                                              "account_id", "external_id", "occurred_at", "data"};
static_assert(sizeof(event_column_names) / sizeof(event_column_names[0]) == e_count);
tables::Columns<e_count> event_columns{event_column_names};

enum { c_tenant, c_position, c_written_by, c_committed_at, c_count };
constexpr const char *commit_column_names[] = {"tenant", "position", "written_by", "committed_at"};
static_assert(sizeof(commit_column_names) / sizeof(commit_column_names[0]) == c_count);
tables::Columns<c_count> commit_columns{commit_column_names};

// What this transaction has written to the feed: the tenants it wrote for
// (a list of strings in TopTransactionContext) and its last ordinal.
struct Pending {
    Oid schema;
    int ordinal;
    List *tenants;
} pending;

void remember_tenant(std::string_view tenant) {
    ListCell *cell;
    foreach (cell, pending.tenants)
        if (tenant == static_cast<const char *>(lfirst(cell))) return;
    MemoryContext old = MemoryContextSwitchTo(TopTransactionContext);
    pending.tenants = lappend(pending.tenants, pnstrdup(tenant.data(), tenant.size()));
    MemoryContextSwitchTo(old);
}

// The commit rows: one per tenant, all at the next position. nextval() locks
// the sequence (RowExclusiveLock, which writers share) until the transaction
// ends, which is what a claim waits for (event_functions.cpp).
void record_commit(bool prepare) {
    Oid sequence = get_relname_relid("credits_event_position", pending.schema);
    if (!OidIsValid(sequence)) elog(ERROR, "credits: sequence credits_event_position is missing");
    int64 position = nextval_internal(sequence, false);
    PushActiveSnapshot(GetTransactionSnapshot());
    tables::Session s;
    tables::open(s, pending.schema);
    const auto &c = tables::columns(commit_columns, tables::rel(s, tables::TableId::EventCommit));
    Datum written_by = FullTransactionIdGetDatum(GetTopFullTransactionId());
    ListCell *cell;
    foreach (cell, pending.tenants) {
        tables::Values row = tables::new_values(tables::rel(s, tables::TableId::EventCommit));
        row.set_text(c[c_tenant], std::string_view(static_cast<const char *>(lfirst(cell))))
            .set(c[c_position], Int64GetDatum(position))
            .set(c[c_written_by], written_by)
            .set(c[c_committed_at], TimestampTzGetDatum(GetCurrentTimestamp()));
        tables::insert(s, tables::TableId::EventCommit, row);
    }
    tables::close(s);
    PopActiveSnapshot();
    // A prepared transaction may not notify; its listeners poll.
    if (!prepare && settings::notify()) Async_Notify("credits_events", "");
}

}  // namespace

bool known_type(std::string_view type) {
    for (const char *t : types)
        if (type == t) return true;
    return false;
}

Data::Data() {
    initStringInfo(&buf_);
    appendStringInfoChar(&buf_, '{');
}

void Data::key(const char *key) {
    if (buf_.len > 1) appendStringInfoChar(&buf_, ',');
    escape_json(&buf_, key);
    appendStringInfoChar(&buf_, ':');
}

Data &Data::text(const char *k, std::optional<std::string_view> value) {
    key(k);
    if (value)
        escape_json(&buf_, pnstrdup(value->data(), value->size()));
    else
        appendStringInfoString(&buf_, "null");
    return *this;
}

Data &Data::amount(const char *k, Units value, int scale) { return text(k, units_to_string(value, scale)); }

Data &Data::number(const char *k, int64 value) {
    key(k);
    appendStringInfo(&buf_, INT64_FORMAT, value);
    return *this;
}

Data &Data::boolean(const char *k, bool value) {
    key(k);
    appendStringInfoString(&buf_, value ? "true" : "false");
    return *this;
}

Data &Data::timestamp(const char *k, TimestampTz value) {
    key(k);
    appendStringInfo(&buf_, "\"%s\"", JsonEncodeDateTime(nullptr, TimestampTzGetDatum(value), TIMESTAMPTZOID, nullptr));
    return *this;
}

Data &Data::texts(const char *k, std::optional<Datum> array) {
    key(k);
    appendStringInfoChar(&buf_, '[');
    if (array) {
        Datum *elems;
        bool *nulls;
        int n;
        deconstruct_array(DatumGetArrayTypeP(*array), TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
        for (int i = 0; i < n; i++) {
            if (i > 0) appendStringInfoChar(&buf_, ',');
            if (nulls[i])
                appendStringInfoString(&buf_, "null");
            else
                escape_json(&buf_, text_to_cstring(reinterpret_cast<::text *>(DatumGetPointer(elems[i]))));
        }
    }
    appendStringInfoChar(&buf_, ']');
    return *this;
}

Datum Data::jsonb() {
    appendStringInfoChar(&buf_, '}');
    return DirectFunctionCall1(jsonb_in, CStringGetDatum(buf_.data));
}

void emit(tables::Session &s, const Account &account, const char *type, Data &data) {
    Relation rel = tables::rel(s, tables::TableId::Event);
    const auto &c = tables::columns(event_columns, rel);
    std::string_view tenant = account_tenant(s, account);
    pending.schema = s.schema;
    remember_tenant(tenant);
    ids::Id id = ids::make("evt_", account.key);
    tables::Values row = tables::new_values(rel);
    row.set(c[e_written_by], FullTransactionIdGetDatum(GetTopFullTransactionId()))
        .set(c[e_ordinal], Int32GetDatum(++pending.ordinal))
        .set_text(c[e_id], id.view())
        .set_text(c[e_tenant], tenant)
        .set_text(c[e_type], std::string_view(type))
        .set_text(c[e_account_id], std::string_view(account.id))
        .set_text(c[e_external_id], std::string_view(account.external_id))
        .set(c[e_occurred_at], TimestampTzGetDatum(clock::now()))
        .set(c[e_data], data.jsonb());
    tables::insert(s, tables::TableId::Event, row);
}

void on_commit(bool prepare) {
    if (pending.tenants == NIL) return;
    // No C++ exception may leave a transaction callback: a domain error of
    // the writes (a rule a DBA added, say) is raised as a PostgreSQL error.
    bool failed = false;
    Error error{};
    try {
        record_commit(prepare);
    } catch (...) {
        error = current_error();
        failed = true;
    }
    if (failed) raise(error);
    forget();
}

void forget() { pending = Pending{InvalidOid, 0, NIL}; }

}  // namespace credits::events
