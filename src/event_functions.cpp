// SQL functions of the event feed's consumers (events.h). The feed is a
// node's own: on Citus each node keeps the events of the accounts it holds,
// and a consumer claims on each node.
#include "args.h"
#include "clock.h"
#include "errors.h"
#include "events.h"
#include "guard.h"
#include "ids.h"
#include "results.h"
#include "spi.h"
#include "sql_writes.h"
#include "tables.h"
#include "tenants.h"

#include <algorithm>

extern "C" {
#include "storage/lmgr.h"
#include "utils/array.h"
}

using namespace credits;

namespace {

spi::Statement insert_consumer{
    "INSERT INTO @extschema@.credits_event_consumer (tenant, name, types, acked_position, acked_ordinal, created_at)"
    " SELECT $1, $2, $3, CASE WHEN $4 THEN coalesce(max(c.position), 0) ELSE 0 END,"
    "        CASE WHEN $4 THEN 2147483647 ELSE 0 END, $5"
    "   FROM @extschema@.credits_event_commit c WHERE c.tenant = $1"
    " ON CONFLICT DO NOTHING",
    5, {TEXTOID, TEXTOID, TEXTARRAYOID, BOOLOID, TIMESTAMPTZOID}};

spi::Statement same_consumer{
    "SELECT types IS NOT DISTINCT FROM $3 FROM @extschema@.credits_event_consumer WHERE tenant = $1 AND name = $2", 3,
    {TEXTOID, TEXTOID, TEXTARRAYOID}};

spi::Statement consumer_view_row{"SELECT * FROM @extschema@.credits_event_consumers WHERE name = $1", 1, {TEXTOID}};

spi::Statement delete_consumer{
    "DELETE FROM @extschema@.credits_event_consumer WHERE tenant = $1 AND name = $2", 2, {TEXTOID, TEXTOID}};

spi::Statement find_consumer{
    "SELECT acked_position, acked_ordinal, types FROM @extschema@.credits_event_consumer"
    " WHERE tenant = $1 AND name = $2",
    2, {TEXTOID, TEXTOID}};

// After the cursor, in commit order: each commit row is one transaction's
// events of one tenant.
spi::Statement next_events{
    "SELECT e.id, e.type, e.account_id, e.external_id, e.tenant, e.occurred_at, e.data, c.position, e.ordinal,"
    "       c.committed_at"
    "  FROM @extschema@.credits_event_commit c"
    "  JOIN @extschema@.credits_event e ON e.written_by = c.written_by AND e.tenant = c.tenant"
    " WHERE c.tenant = $1 AND c.position >= $2 AND (c.position > $2 OR e.ordinal > $3) AND c.position <= $6"
    "   AND ($4::text[] IS NULL OR e.type = ANY ($4))"
    " ORDER BY c.position, e.ordinal LIMIT $5",
    6, {TEXTOID, INT8OID, INT4OID, TEXTARRAYOID, INT8OID, INT8OID}};

spi::Statement last_position{
    "SELECT coalesce(pg_sequence_last_value('@extschema@.credits_event_position'::regclass), 0)", 0, {}};

// The highest position whose transaction, and every one before it, has
// ended. A transaction takes its position as it commits, with nextval(),
// whose lock on the sequence (RowExclusiveLock: writers share it) it keeps
// until it has ended. A ShareLock waits for the writers that are committing
// and, while the sequence is read, keeps new ones out: every position up to
// the one read belongs to a transaction that committed or never will. A
// reader that handed out a position has therefore seen every earlier one,
// and writers never wait for each other.
int64 committed_horizon(FunctionCallInfo fcinfo) {
    Oid sequence = get_relname_relid("credits_event_position", tables::extension_schema(fcinfo));
    bool lock = !RecoveryInProgress();  // a standby has no writers, and takes no such lock
    if (lock) LockRelationOid(sequence, ShareLock);
    spi::run(last_position, spi::Params());
    int64 horizon = spi::row(0).int64_value(1);
    if (lock) UnlockRelationOid(sequence, ShareLock);
    return horizon;
}

spi::Statement event_place{
    "SELECT c.position, e.ordinal FROM @extschema@.credits_event e"
    "  JOIN @extschema@.credits_event_commit c ON c.written_by = e.written_by AND c.tenant = e.tenant"
    " WHERE e.id = $1 AND e.tenant = $2",
    2, {TEXTOID, TEXTOID}};

spi::Statement move_cursor{
    "UPDATE @extschema@.credits_event_consumer SET acked_position = $3, acked_ordinal = $4, acked_event = $5,"
    "       acked_at = $6"
    " WHERE tenant = $1 AND name = $2 AND (acked_position, acked_ordinal) < ($3, $4)",
    6, {TEXTOID, TEXTOID, INT8OID, INT4OID, TEXTOID, TIMESTAMPTZOID}};

// Events of transactions that committed before `before` that no consumer of
// the tenant still has to see (one that takes other types never will), then
// the commit rows left without events.
spi::Statement prune_events{
    "DELETE FROM @extschema@.credits_event e USING @extschema@.credits_event_commit c"
    " WHERE c.written_by = e.written_by AND c.tenant = e.tenant AND c.tenant = $1 AND c.committed_at < $2"
    "   AND NOT EXISTS (SELECT FROM @extschema@.credits_event_consumer k"
    "                    WHERE k.tenant = $1 AND (k.acked_position, k.acked_ordinal) < (c.position, e.ordinal)"
    "                      AND (k.types IS NULL OR e.type = ANY (k.types)))",
    2, {TEXTOID, TIMESTAMPTZOID}};
spi::Statement prune_commits{
    "DELETE FROM @extschema@.credits_event_commit c"
    " WHERE c.tenant = $1 AND c.committed_at < $2"
    "   AND NOT EXISTS (SELECT FROM @extschema@.credits_event e WHERE e.written_by = c.written_by AND e.tenant = c.tenant)",
    2, {TEXTOID, TIMESTAMPTZOID}};

std::string_view consumer_arg(FunctionCallInfo fcinfo, int argno) {
    return args::required_identifier(fcinfo, argno, "consumer");
}

[[noreturn]] void consumer_not_found(std::string_view name) {
    fail(sqlstate::consumer_not_found, format("event consumer \"%s\" does not exist", args::shown(name)),
         format("Tenant \"%s\" has no consumer of that name.", args::cstr(tenants::current())),
         "Create it with credits_create_consumer().");
}

// types: NULL for every type, else known types, sorted, each once.
std::optional<Datum> types_arg(FunctionCallInfo fcinfo, int argno) {
    if (!args::given(fcinfo, argno)) return std::nullopt;
    ArrayType *array = PG_GETARG_ARRAYTYPE_P(argno);
    Datum *elems;
    bool *nulls;
    int n;
    deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
    if (n == 0 || ARR_NDIM(array) > 1)
        fail(sqlstate::invalid_parameter, "types must list event types", "Give NULL for every type.");
    const char **names = static_cast<const char **>(palloc(sizeof(char *) * n));
    for (int i = 0; i < n; i++) {
        if (nulls[i]) fail(sqlstate::invalid_parameter, "types must not contain NULL");
        names[i] = TextDatumGetCString(elems[i]);
        if (!events::known_type(names[i]))
            fail(sqlstate::invalid_parameter, format("unknown event type \"%s\"", args::shown(names[i])),
                 "Event types: balance.low, balance.depleted, balance.recovered, auto_reload.requested, "
                 "auto_reload.succeeded, auto_reload.failed, auto_reload.disabled, reservation.expired, "
                 "grant.expired, plan.renewed, account.status_changed.");
    }
    std::sort(names, names + n, [](const char *a, const char *b) { return strcmp(a, b) < 0; });
    int kept = 0;
    for (int i = 0; i < n; i++)
        if (kept == 0 || strcmp(names[kept - 1], names[i]) != 0) elems[kept++] = CStringGetTextDatum(names[i]);
    return PointerGetDatum(construct_array(elems, kept, TEXTOID, -1, false, TYPALIGN_INT));
}

bool start_at_now(FunctionCallInfo fcinfo, int argno) {
    std::string_view start = args::string(fcinfo, argno, "start_at", 32).value_or("beginning");
    if (start != "beginning" && start != "now")
        fail(sqlstate::invalid_parameter, format("unknown start_at \"%s\"", args::shown(start)),
             "start_at is beginning (every event kept) or now (events that commit from now on).");
    return start == "now";
}

Datum consumer_row(FunctionCallInfo fcinfo, std::string_view name) {
    return results::view_row(fcinfo, consumer_view_row, args::cstr(name));
}

// The feed's consumers and pruning write through SQL, which the tables'
// guard triggers let through for the statement.
uint64 run_permitted(spi::Statement &stmt, const spi::Params &params) {
    static constexpr const char *feed_tables[] = {"credits_event", "credits_event_commit", "credits_event_consumer"};
    sql_writes::permit(feed_tables, 3);
    uint64 n = spi::run(stmt, params);
    sql_writes::end();
    return n;
}

}  // namespace

// credits_create_consumer(name, types, start_at) -> credits_event_consumers
CREDITS_FUNCTION(credits_create_consumer) {
    std::string_view name = args::required_identifier(fcinfo, 0, "name");
    std::optional<Datum> types = types_arg(fcinfo, 1);
    bool now = start_at_now(fcinfo, 2);
    tables::require_writable(fcinfo->flinfo->fn_oid);
    std::string_view tenant = tenants::current();
    spi::begin(fcinfo);
    auto params = [&] { return spi::Params().add_text(tenant).add_text(name).add(types); };
    if (spi::run(insert_consumer, params().add(BoolGetDatum(now)).add(TimestampTzGetDatum(clock::now()))) == 0) {
        spi::run(same_consumer, params());
        if (!spi::row(0).boolean(1))
            fail(sqlstate::duplicate_consumer, format("event consumer \"%s\" already exists", args::shown(name)),
                 "It has other types.", "Drop it first, or use another name.");
    }
    return consumer_row(fcinfo, name);
}

// credits_drop_consumer(name) -> whether there was one
CREDITS_FUNCTION(credits_drop_consumer) {
    std::string_view name = args::required_identifier(fcinfo, 0, "name");
    tables::require_writable(fcinfo->flinfo->fn_oid);
    std::string_view tenant = tenants::current();
    spi::begin(fcinfo);
    bool dropped = run_permitted(delete_consumer, spi::Params().add_text(tenant).add_text(name)) > 0;
    spi::end();
    PG_RETURN_BOOL(dropped);
}

// credits_claim_events(consumer, max) -> the next events it has not
// acknowledged, in commit order. Nothing moves: claiming again without
// acknowledging hands out the same events (at-least-once delivery).
CREDITS_FUNCTION(credits_claim_events) {
    std::string_view name = consumer_arg(fcinfo, 0);
    int32 max = args::int32_value(fcinfo, 1).value_or(100);
    if (max < 1 || max > 10000)
        fail(sqlstate::invalid_parameter, "max is out of range", format("max is %d; it must be 1 to 10000.", max));
    std::string_view tenant = tenants::current();
    spi::begin(fcinfo);
    if (spi::run(find_consumer, spi::Params().add_text(tenant).add_text(name)) == 0) consumer_not_found(name);
    spi::Row consumer = spi::row(0);
    Datum position = consumer.datum(1), ordinal = consumer.datum(2);
    std::optional<Datum> types = consumer.nullable(3);
    if (types) types = spi::keep(*types, TEXTARRAYOID);
    int64 horizon = committed_horizon(fcinfo);
    spi::run(next_events, spi::Params()
                              .add_text(tenant)
                              .add(position)
                              .add(ordinal)
                              .add(types)
                              .add(Int64GetDatum(max))
                              .add(Int64GetDatum(horizon)));
    results::materialize_rows(fcinfo);
    spi::end();
    return (Datum)0;
}

// credits_ack_events(consumer, through) -> credits_event_consumers: every
// event up to and including `through` is done (the cursor never moves back).
CREDITS_FUNCTION(credits_ack_events) {
    std::string_view name = consumer_arg(fcinfo, 0);
    std::string_view through = args::required_text(fcinfo, 1, "through");
    tables::require_writable(fcinfo->flinfo->fn_oid);
    std::string_view tenant = tenants::current();
    auto not_found = [&] {
        fail(sqlstate::event_not_found, format("event \"%s\" does not exist", args::shown(through)),
             format("Tenant \"%s\" has no committed event with that id (a pruned one is gone).",
                    args::cstr(tenant)),
             "Acknowledge an id that credits_claim_events() returned.");
    };
    spi::begin(fcinfo);
    if (spi::run(find_consumer, spi::Params().add_text(tenant).add_text(name)) == 0) consumer_not_found(name);
    if (!ids::has_shape(through, "evt_")) not_found();
    ids::Id id = ids::canonical(through);
    if (spi::run(event_place, spi::Params().add_text(id.view()).add_text(tenant)) == 0) not_found();
    int64 position = spi::row(0).int64_value(1);
    int32 ordinal = DatumGetInt32(spi::row(0).datum(2));
    run_permitted(move_cursor, spi::Params()
                                   .add_text(tenant)
                                   .add_text(name)
                                   .add(Int64GetDatum(position))
                                   .add(Int32GetDatum(ordinal))
                                   .add_text(id.view())
                                   .add(TimestampTzGetDatum(clock::now())));
    return consumer_row(fcinfo, name);
}

// credits_prune_events(before) -> how many events went.
CREDITS_FUNCTION(credits_prune_events) {
    TimestampTz before = args::timestamp(fcinfo, 0).value_or(clock::now());
    tables::require_writable(fcinfo->flinfo->fn_oid);
    std::string_view tenant = tenants::current();
    spi::begin(fcinfo);
    auto params = [&] { return spi::Params().add_text(tenant).add(TimestampTzGetDatum(before)); };
    int64 n = static_cast<int64>(run_permitted(prune_events, params()));
    run_permitted(prune_commits, params());
    spi::end();
    PG_RETURN_INT64(n);
}
