// Background work: expiring holds and grants, renewing plans. Everything it
// does also happens lazily when an account is touched; this writes it down
// for accounts nobody touches. Bounded batches, SKIP LOCKED, idempotent:
// safe from many sessions, pg_cron, or the background worker (worker.cpp).
#include "accounts.h"
#include "across_shards.h"
#include "args.h"
#include "clock.h"
#include "cluster.h"
#include "errors.h"
#include "guard.h"
#include "results.h"
#include "routing.h"
#include "spi.h"
#include "tenants.h"

#include <algorithm>
#include <initializer_list>

using namespace credits;

namespace {

// Accounts with due work of each kind: $1 now, $2 at most this many, $3
// only this tenant's (NULL: every tenant's).
#define IN_TENANT " AND ($3::text IS NULL OR account_id IN (SELECT id FROM @extschema@.credits_account WHERE tenant = $3))"
spi::Statement due_holds{
    "SELECT DISTINCT account_id FROM @extschema@.credits_reservation WHERE status = 'pending' AND expires_at <= $1"
    IN_TENANT " LIMIT $2", 3, {TIMESTAMPTZOID, INT4OID, TEXTOID}};
spi::Statement due_grants{
    "SELECT DISTINCT account_id FROM @extschema@.credits_grant"
    " WHERE status = 'active' AND expires_at <= $1 AND remaining > held" IN_TENANT " LIMIT $2", 3,
    {TIMESTAMPTZOID, INT4OID, TEXTOID}};
spi::Statement due_renewals{
    "SELECT account_id FROM @extschema@.credits_subscription WHERE status = 'active' AND current_period_end <= $1"
    IN_TENANT " LIMIT $2", 3, {TIMESTAMPTZOID, INT4OID, TEXTOID}};
#undef IN_TENANT

// Adds the ids a due-work query returns to `ids`.
void collect(spi::Statement &query, int max, std::optional<std::string_view> tenant, List **ids) {
    uint64 n = spi::run(query, spi::Params()
                                   .add(TimestampTzGetDatum(clock::now()))
                                   .add(Int32GetDatum(max))
                                   .add_text(tenant));
    for (uint64 i = 0; i < n; i++) *ids = lappend(*ids, const_cast<char *>(args::cstr(spi::row(i).string(1))));
}

// One account's due work (none if someone else holds it).
CaughtUp catch_up_account(Oid schema, const char *id) {
    tables::Session s;
    tables::open(s, schema);
    CaughtUp done{0, 0, 0};
    std::optional<Account> account = lock_account_by_id(s, id, LockOptions{true, tables::Wait::Skip, false});
    if (account) done = catch_up(s, *account);
    tables::close(s);
    return done;
}

// One account in a subtransaction of its own: an account whose due work
// fails (a row damaged by hand, say) is reported with a WARNING and skipped,
// so that it cannot hold up every other account's.
void catch_up_isolated(Oid schema, const char *id, CaughtUp *total) {
    CaughtUp done{0, 0, 0};
    ErrorData *error = in_subtransaction([&] { done = catch_up_account(schema, id); });
    if (error) {
        ereport(WARNING, (errcode(error->sqlerrcode),
                          errmsg("credits: due work for account %s failed: %s", id, error->message),
                          errhint("The account is skipped until the cause is fixed; credits_verify() may say more.")));
        FreeErrorData(error);
        return;
    }
    total->expired_holds += done.expired_holds;
    total->renewals += done.renewals;
    total->expired_grants += done.expired_grants;
}

// Catches up each account once, in id order, skipping those someone else
// holds (their owner does the work when it touches them).
CaughtUp catch_up_all(Oid schema, List *ids) {
    int n = list_length(ids);
    const char **sorted = static_cast<const char **>(palloc(sizeof(char *) * (n + 1)));
    for (int i = 0; i < n; i++) sorted[i] = static_cast<const char *>(list_nth(ids, i));
    std::sort(sorted, sorted + n, [](const char *a, const char *b) { return strcmp(a, b) < 0; });
    CaughtUp total{0, 0, 0};
    for (int i = 0; i < n; i++)
        if (i == 0 || strcmp(sorted[i], sorted[i - 1]) != 0) catch_up_isolated(schema, sorted[i], &total);
    return total;
}

int max_arg(FunctionCallInfo fcinfo) {
    int max = args::int32_value(fcinfo, 0).value_or(1000);
    if (max < 1) fail(sqlstate::invalid_parameter, "max must be at least 1", format("max is %d.", max));
    return max;
}

// The due work of up to max (the first argument) accounts of each kind the
// queries find: of every tenant, or only of the current one for a role bound
// to tenants.
CaughtUp run_due(FunctionCallInfo fcinfo, std::initializer_list<spi::Statement *> kinds) {
    int max = max_arg(fcinfo);
    tables::require_writable(fcinfo->flinfo->fn_oid);  // before any account's own subtransaction
    std::optional<std::string_view> tenant;
    if (tenants::caller_is_bound()) tenant = tenants::current();
    spi::begin(fcinfo);
    List *ids = NIL;
    for (spi::Statement *query : kinds) collect(*query, max, tenant, &ids);
    CaughtUp done = catch_up_all(tables::extension_schema(fcinfo), ids);
    spi::end();
    return done;
}

}  // namespace

// credits_run_due(max): expires holds and grants, renews plans, for up to
// max accounts of each kind.
CREDITS_FUNCTION(credits_run_due) {
    CaughtUp done = run_due(fcinfo, {&due_holds, &due_grants, &due_renewals});

    TupleDesc desc = results::result_desc(fcinfo);
    Datum values[] = {Int32GetDatum(done.expired_holds), Int32GetDatum(done.expired_grants),
                      Int32GetDatum(done.renewals)};
    bool nulls[] = {false, false, false};
    return results::composite(desc, values, nulls);
}

// credits_expire_reservations(max): the reservation part of it, as 0.2.0
// offered it; returns how many holds expired.
CREDITS_FUNCTION(credits_expire_reservations) {
    CaughtUp done = run_due(fcinfo, {&due_holds});
    PG_RETURN_INT32(done.expired_holds);
}

namespace credits {

// On Citus: the due work of every shard, each on its node (max applies to
// each shard), added up.
Datum run_due_everywhere(FunctionCallInfo fcinfo) {
    max_arg(fcinfo);  // a bad max is refused before any shard is asked
    routing::Arguments args = routing::arguments_of(fcinfo);
    std::optional<std::string_view> tenant;
    if (tenants::caller_is_bound()) tenant = tenants::current();
    const char *function = get_func_name(fcinfo->flinfo->fn_oid);
    int64 sums[3] = {0, 0, 0};
    spi::begin(fcinfo);
    for (int group = 0; group < cluster::group_count(); group++) {
        routing::call_twin(fcinfo, function, cluster::key_in_group(group), tenant, args.values, args.nulls);
        spi::Row row = spi::row(0);
        for (int c = 0; c < row.desc->natts && c < 3; c++) sums[c] += DatumGetInt32(row.datum(c + 1));
    }
    spi::end();
    Datum values[3];
    bool nulls[] = {false, false, false};
    for (int c = 0; c < 3; c++) values[c] = Int32GetDatum(static_cast<int32>(std::min<int64>(sums[c], PG_INT32_MAX)));
    Oid type;
    TupleDesc desc;
    if (get_call_result_type(fcinfo, &type, &desc) != TYPEFUNC_COMPOSITE) return values[0];
    return results::composite(results::result_desc(fcinfo), values, nulls);
}

}  // namespace credits
