// SQL functions that read usage: listings, summaries from the rollups, and
// the account summary.
#include "accounts.h"
#include "args.h"
#include "clock.h"
#include "guard.h"
#include "results.h"
#include "spi.h"
#include "tenants.h"
#include "usage_args.h"

extern "C" {
#include "pgtime.h"
#include "utils/array.h"
}

using namespace credits;

namespace {

// A listing or summary is of one account ($2 its id, $3 its key) or of the
// whole tenant ($1). Two statements, so that each has a plan that fits.
#define FOR_ACCOUNT " AND a.id = $2 AND a.account_key = $3"
#define FOR_TENANT " AND $2::text IS NULL AND $3::int IS NULL"


#define LIST_USAGE(WHICH)                                                                                          \
    "SELECT r.id, r.account_id, a.external_id, r.model, r.usage_type, r.endpoint, r.context, r.input_tokens,"     \
    " r.cached_input_tokens, r.cache_write_tokens, r.output_tokens, r.reasoning_tokens, r.units, r.requests,"     \
    " r.success, r.cost, r.charged, a.unit, r.price_id, r.transaction_id, r.reservation_id, r.description,"       \
    " r.metadata, r.idempotency_key, r.occurred_at, r.created_at, NULL::numeric, NULL::numeric, NULL::boolean"    \
    " FROM @extschema@.credits_usage_record r"                                                                    \
    " JOIN @extschema@.credits_account a ON a.id = r.account_id AND a.account_key = r.account_key"                \
    " WHERE a.tenant = $1" WHICH                                                                                  \
    " AND ($4::text IS NULL OR r.context = $4) AND ($5::text IS NULL OR r.model = $5)"                            \
    " AND ($6::timestamptz IS NULL OR r.occurred_at >= $6) AND ($7::timestamptz IS NULL OR r.occurred_at < $7)"   \
    " ORDER BY r.occurred_at DESC, r.id DESC LIMIT $8 OFFSET $9"
constexpr int list_nargs = 9;
#define LIST_TYPES {TEXTOID, TEXTOID, INT4OID, TEXTOID, TEXTOID, TIMESTAMPTZOID, TIMESTAMPTZOID, INT4OID, INT4OID}
spi::Statement list_for_account{LIST_USAGE(FOR_ACCOUNT), list_nargs, LIST_TYPES};
spi::Statement list_for_tenant{LIST_USAGE(FOR_TENANT), list_nargs, LIST_TYPES};

// The end of the period that begins at START: an hour later, or the same
// local time one period later (a day is 23 or 25 hours when clocks change).
#define PERIOD_END(START)                                                                                          \
    "CASE WHEN $4 = 'hour' THEN " START " + $12 ELSE ((" START " AT TIME ZONE $6) + $12) AT TIME ZONE $6 END"

// Periods (in time zone $6) that overlap [$5, $7], from the rollups; $4 the
// period, $8..$11 whether to group by model, usage_type, endpoint, context;
// $12 one period as an interval; $13, $14 filters on context and model. A
// UTC day in which no period begins lies within one period: its day rollup
// is read; of the days in which one begins (the edges), the quarter-hours.
#define SUMMARY(WHICH)                                                                                             \
    "WITH bounds AS ("                                                                                            \
    "  SELECT pg_catalog.date_trunc($4, $5, $6) AS low,"                                                          \
    "         " PERIOD_END("pg_catalog.date_trunc($4, $7, $6)") " AS high"                                         \
    "), edges AS ("                                                                                               \
    "  SELECT DISTINCT pg_catalog.date_bin('24 hours', p AT TIME ZONE $6, '2000-01-01 00:00:00+00') AS day"       \
    "    FROM bounds b CROSS JOIN pg_catalog.generate_series(b.low AT TIME ZONE $6, b.high AT TIME ZONE $6, $12) p" \
    "), scope AS ("                                                                                               \
    "  SELECT a.id, a.account_key FROM @extschema@.credits_account a WHERE a.tenant = $1" WHICH                    \
    "), rollups AS ("                                                                                             \
    "  SELECT r.* FROM scope s CROSS JOIN bounds b CROSS JOIN edges e CROSS JOIN LATERAL ("                       \
    "    SELECT * FROM @extschema@.credits_usage_rollup q"                                                        \
    "     WHERE q.account_id = s.id AND q.account_key = s.account_key AND q.span = interval '15 minutes'"         \
    "       AND q.bucket >= greatest(e.day, b.low) AND q.bucket < least(e.day + interval '24 hours', b.high)) r"   \
    "  UNION ALL"                                                                                                 \
    "  SELECT r.* FROM scope s CROSS JOIN bounds b JOIN @extschema@.credits_usage_rollup r"                       \
    "      ON r.account_id = s.id AND r.account_key = s.account_key"                                              \
    "   WHERE r.span = interval '1 day' AND r.bucket >= b.low AND r.bucket < b.high"                              \
    "     AND r.bucket NOT IN (SELECT day FROM edges)"                                                            \
    "), buckets AS ("                                                                                             \
    "  SELECT pg_catalog.date_trunc($4, r.bucket, $6) AS period_start,"                                           \
    "         CASE WHEN $8 THEN r.model END AS model, CASE WHEN $9 THEN r.usage_type END AS usage_type,"         \
    "         CASE WHEN $10 THEN r.endpoint END AS endpoint, CASE WHEN $11 THEN r.context END AS context,"       \
    "         r.endpoint AS by_endpoint, r.records, r.requests, r.successful_requests, r.failed_requests,"       \
    "         r.input_tokens, r.cached_input_tokens, r.cache_write_tokens, r.output_tokens, r.reasoning_tokens,"  \
    "         r.units, r.cost, r.charged"                                                                         \
    "    FROM rollups r"                                                                                          \
    "   WHERE ($13::text IS NULL OR r.context = $13) AND ($14::text IS NULL OR r.model = $14)"                    \
    "), per_endpoint AS ("                                                                                        \
    "  SELECT period_start, model, usage_type, endpoint, context, by_endpoint, sum(records) AS records,"          \
    "         sum(requests) AS requests, sum(successful_requests) AS successful_requests,"                        \
    "         sum(failed_requests) AS failed_requests, sum(input_tokens) AS input_tokens,"                        \
    "         sum(cached_input_tokens) AS cached_input_tokens, sum(cache_write_tokens) AS cache_write_tokens,"    \
    "         sum(output_tokens) AS output_tokens, sum(reasoning_tokens) AS reasoning_tokens,"                    \
    "         sum(units) AS units, sum(cost) AS cost, sum(charged) AS charged"                                    \
    "    FROM buckets GROUP BY period_start, model, usage_type, endpoint, context, by_endpoint"                   \
    ")"                                                                                                           \
    "SELECT period_start, " PERIOD_END("period_start") ","                                                     \
    "       nullif(model, ''), usage_type, nullif(endpoint, ''), context,"                                        \
    "       sum(requests)::bigint, sum(successful_requests)::bigint, sum(failed_requests)::bigint,"               \
    "       sum(input_tokens)::bigint, sum(cached_input_tokens)::bigint, sum(cache_write_tokens)::bigint,"        \
    "       sum(output_tokens)::bigint, sum(reasoning_tokens)::bigint, sum(units), sum(cost), sum(charged),"      \
    "       sum(records)::bigint, jsonb_object_agg(by_endpoint, requests)"                                        \
    "  FROM per_endpoint GROUP BY period_start, model, usage_type, endpoint, context"                             \
    " ORDER BY 1, 3, 4, 5, 6"  /* as shown: usage without a model or an endpoint last */
constexpr int summary_nargs = 14;
#define SUMMARY_TYPES                                                                                              \
    {TEXTOID, TEXTOID, INT4OID, TEXTOID, TIMESTAMPTZOID, TEXTOID, TIMESTAMPTZOID, BOOLOID, BOOLOID, BOOLOID,      \
     BOOLOID, INTERVALOID, TEXTOID, TEXTOID}
spi::Statement summary_for_account{SUMMARY(FOR_ACCOUNT), summary_nargs, SUMMARY_TYPES};
spi::Statement summary_for_tenant{SUMMARY(FOR_TENANT), summary_nargs, SUMMARY_TYPES};

// The account an optional argument names, as ($2, $3) of the statements
// above; both NULL for the whole tenant.
spi::Params &add_scope(spi::Params &params, std::optional<std::string_view> account) {
    params.add_text(tenants::current());
    if (!account) return params.add_null().add_null();
    FoundAccount found = find_account(*account);
    return params.add_text(found.id).add(Int32GetDatum(found.key));
}

const char *time_zone_arg(FunctionCallInfo fcinfo, int argno) {
    std::string_view zone = args::string(fcinfo, argno, "time_zone", 64).value_or("UTC");
    const char *name = args::cstr(zone);
    if (zone.empty() || !pg_tzset(name))
        fail(sqlstate::invalid_parameter, format("unknown time zone \"%s\"", args::shown(zone)),
             "Use a name from pg_timezone_names, such as UTC or America/New_York.");
    return name;
}

struct Period {
    const char *name;
    const char *length;
};
constexpr Period periods[] = {{"hour", "1 hour"}, {"day", "1 day"}, {"week", "7 days"}, {"month", "1 month"},
                              {"year", "1 year"}};

const Period &period_arg(FunctionCallInfo fcinfo, int argno) {
    std::string_view name = args::string(fcinfo, argno, "period", 16).value_or("month");
    for (const Period &p : periods)
        if (name == p.name) return p;
    fail(sqlstate::invalid_parameter, format("unknown period \"%s\"", args::shown(name)),
         "period is hour, day, week, month or year.");
}

Datum interval_of(const char *text) {
    return DirectFunctionCall3(interval_in, CStringGetDatum(text), ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1));
}

constexpr const char *dimensions[] = {"model", "usage_type", "endpoint", "context"};

// group_by: any of the dimensions, each at most once.
void group_by_arg(FunctionCallInfo fcinfo, int argno, bool grouped[4]) {
    for (int d = 0; d < 4; d++) grouped[d] = false;
    if (!args::given(fcinfo, argno)) return;
    Datum *items;
    bool *nulls;
    int n;
    deconstruct_array(PG_GETARG_ARRAYTYPE_P(argno), TEXTOID, -1, false, TYPALIGN_INT, &items, &nulls, &n);
    for (int i = 0; i < n; i++) {
        std::string_view item = nulls[i] ? std::string_view("NULL") : std::string_view(TextDatumGetCString(items[i]));
        int found = -1;
        for (int d = 0; d < 4; d++)
            if (item == dimensions[d]) found = d;
        if (found < 0)
            fail(sqlstate::invalid_parameter, format("cannot group usage by \"%s\"", args::shown(item)),
                 "group_by takes model, usage_type, endpoint and context.");
        grouped[found] = true;
    }
}

}  // namespace

// credits_list_usage(account, context, model, since, until, page_size,
//   page_offset): newest first.
CREDITS_FUNCTION(credits_list_usage) {
    auto account = args::reference(fcinfo, 0, "account");
    auto context = args::identifier(fcinfo, 1, "context");
    if (context) usage::check_context(*context);
    auto model = args::identifier(fcinfo, 2, "model");
    auto since = usage_args::finite_timestamp(fcinfo, 3, "since");
    auto until = usage_args::finite_timestamp(fcinfo, 4, "until");
    args::Page page = args::page(fcinfo, 5, 6);
    spi::begin(fcinfo);
    spi::Params params;
    add_scope(params, account)
        .add_text(context)
        .add_text(model)
        .add(since ? std::optional(TimestampTzGetDatum(*since)) : std::nullopt)
        .add(until ? std::optional(TimestampTzGetDatum(*until)) : std::nullopt)
        .add(Int32GetDatum(page.size))
        .add(Int32GetDatum(page.offset));
    spi::run(account ? list_for_account : list_for_tenant, params);
    results::materialize_rows(fcinfo);
    spi::end();
    return (Datum)0;
}

// credits_usage_summary(account, period, since, until, group_by, time_zone,
//   context, model): one row per period (and group) with usage.
CREDITS_FUNCTION(credits_usage_summary) {
    auto account = args::reference(fcinfo, 0, "account");
    const Period &period = period_arg(fcinfo, 1);
    TimestampTz now = clock::now();
    TimestampTz since = usage_args::finite_timestamp(fcinfo, 2, "since").value_or(now);
    TimestampTz until = usage_args::finite_timestamp(fcinfo, 3, "until").value_or(std::max(since, now));
    constexpr int64 max_span = 100 * 366 * USECS_PER_DAY;
    if (since < now - max_span || until > now + max_span)
        fail(sqlstate::invalid_parameter, "since and until must lie within 100 years of now",
             format("since is %s and until is %s.", pstrdup(timestamptz_to_str(since)), timestamptz_to_str(until)));
    if (since > until)
        fail(sqlstate::invalid_parameter, "since is after until",
             format("since is %s and until is %s.", pstrdup(timestamptz_to_str(since)), timestamptz_to_str(until)));
    bool grouped[4];
    group_by_arg(fcinfo, 4, grouped);
    const char *zone = time_zone_arg(fcinfo, 5);
    auto context = args::identifier(fcinfo, 6, "context");
    if (context) usage::check_context(*context);
    auto model = args::identifier(fcinfo, 7, "model");
    spi::begin(fcinfo);
    spi::Params params;
    add_scope(params, account)
        .add_text(period.name)
        .add(TimestampTzGetDatum(since))
        .add_text(zone)
        .add(TimestampTzGetDatum(until));
    for (bool g : grouped) params.add(BoolGetDatum(g));
    params.add(interval_of(period.length)).add_text(context).add_text(model);
    spi::run(account ? summary_for_account : summary_for_tenant, params);
    results::materialize_rows(fcinfo);
    spi::end();
    return (Datum)0;
}

// credits_account_summary(account, time_zone): the account, its balance, its
// plan, its usage this month and in all. Three statements, each of which
// Citus can plan (the views run where they are read, the rollups where the
// account's shard is).
CREDITS_FUNCTION(credits_account_summary) {
    static spi::Statement account_and_plan{
        "SELECT a.id, a.external_id, a.name, a.status, a.unit, a.scale, a.balance, a.reserved, a.available,"
        " s.plan_id, p.code, p.name, s.current_period_start, s.current_period_end, a.created_at, a.updated_at"
        " FROM @extschema@.credits_accounts a"
        " LEFT JOIN @extschema@.credits_subscriptions s ON s.account_id = a.id AND s.status = 'active'"
        " LEFT JOIN @extschema@.credits_plans p ON p.id = s.plan_id"
        " WHERE a.id = $1",
        1, {TEXTOID}};
    static spi::Statement this_month{
        "SELECT coalesce((SELECT to_jsonb(m) FROM @extschema@.credits_usage_summary($1, 'month', time_zone => $2) m),"
        " jsonb_build_object('period_start', pg_catalog.date_trunc('month', now(), $2),"
        "  'period_end', ((pg_catalog.date_trunc('month', now(), $2) AT TIME ZONE $2) + interval '1 month')"
        "   AT TIME ZONE $2,"
        "  'model', NULL, 'usage_type', NULL, 'endpoint', NULL, 'context', NULL, 'total_requests', 0,"
        "  'successful_requests', 0, 'failed_requests', 0, 'input_tokens', 0, 'cached_input_tokens', 0,"
        "  'cache_write_tokens', 0, 'output_tokens', 0, 'reasoning_tokens', 0, 'units', 0, 'credits_consumed', 0,"
        "  'credits_charged', 0, 'records', 0, 'requests_by_endpoint', '{}'::jsonb))",
        2, {TEXTOID, TEXTOID}};
    static spi::Statement all_time{
        "SELECT coalesce(sum(requests), 0)::bigint, coalesce(sum(successful_requests), 0)::bigint,"
        " coalesce(sum(failed_requests), 0)::bigint, coalesce(sum(cost), 0)"
        " FROM @extschema@.credits_usage_rollup WHERE account_id = $1 AND account_key = $2 AND span = interval '1 day'",
        2, {TEXTOID, INT4OID}};
    std::string_view account = account_arg(fcinfo, 0);
    const char *zone = time_zone_arg(fcinfo, 1);
    Datum values[21];
    bool nulls[21];
    spi::begin(fcinfo);
    FoundAccount found = find_account(account);
    auto copy = [&](int from, int to, int count) {
        for (int i = 0; i < count; i++) {
            spi::Row row = spi::row(0);
            nulls[to + i] = row.is_null(from + i + 1);
            Form_pg_attribute attr = TupleDescAttr(row.desc, from + i);
            values[to + i] = nulls[to + i] ? 0 : spi::keep(row.datum(from + i + 1), attr->atttypid);
        }
    };
    spi::run(account_and_plan, spi::Params().add_text(found.id));
    copy(0, 0, 14);
    copy(14, 19, 2);
    spi::run(this_month, spi::Params().add_text(found.id).add_text(zone));
    copy(0, 14, 1);
    spi::run(all_time, spi::Params().add_text(found.id).add(Int32GetDatum(found.key)));
    copy(0, 15, 4);
    spi::end();
    InitMaterializedSRF(fcinfo, 0);
    results::put_row(reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo), values, nulls);
    return (Datum)0;
}

