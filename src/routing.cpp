#include "routing.h"

#include "accounts.h"
#include "across_shards.h"
#include "citus_views.h"
#include "clock.h"
#include "cluster.h"
#include "ids.h"
#include "results.h"
#include "spi.h"
#include "tables.h"
#include "tenants.h"

extern "C" {
#include "parser/parse_func.h"
#include "utils/hsearch.h"
}

namespace credits::routing {

namespace {

// How a function's arguments name the shard it works on.
enum class By {
    Here,        // no account's rows: runs where it is called
    Account,     // argument 0 is an account: an acc_ id or an external_id
    NewAccount,  // argument 0 is a new account's external_id
    Id,          // argument 0 is a reservation or transaction id
    Transfer,    // arguments 0 and 1 are the two accounts
    Reverse,     // argument 0 is a transaction, which may span two shards
    Split,       // its own function splits it
};

struct Route {
    const char *name;
    By by;
    bool writes;
    Datum (*split)(FunctionCallInfo);
};

constexpr Route routes[] = {
    {"credits_create_account", By::NewAccount, true, nullptr},
    {"credits_get_account", By::Account, false, nullptr},
    {"credits_balance", By::Account, false, nullptr},
    {"credits_update_account", By::Account, true, nullptr},
    {"credits_freeze", By::Account, true, nullptr},
    {"credits_unfreeze", By::Account, true, nullptr},
    {"credits_close", By::Account, true, nullptr},
    {"credits_reopen", By::Account, true, nullptr},
    {"credits_ledger", By::Account, false, nullptr},
    {"credits_list_entries", By::Account, false, nullptr},
    {"credits_credit", By::Account, true, nullptr},
    {"credits_debit", By::Account, true, nullptr},
    {"credits_adjust", By::Account, true, nullptr},
    {"credits_reserve", By::Account, true, nullptr},
    {"credits_assign_plan", By::Account, true, nullptr},
    {"credits_cancel_plan", By::Account, true, nullptr},
    {"credits_confirm", By::Id, true, nullptr},
    {"credits_cancel", By::Id, true, nullptr},
    {"credits_extend_reservation", By::Id, true, nullptr},
    {"credits_reverse", By::Reverse, true, nullptr},
    {"credits_transfer", By::Transfer, true, nullptr},
    {"credits_apply", By::Split, true, apply_across_shards},
    {"credits_run_due", By::Split, true, run_due_everywhere},
    {"credits_expire_reservations", By::Split, true, run_due_everywhere},
    {"credits_verify", By::Split, false, verify_everywhere},
    {"credits_record_usage", By::Account, true, nullptr},
    {"credits_charge", By::Account, true, nullptr},
    {"credits_prune_usage", By::Split, true, prune_usage_everywhere},
    {"credits_set_alerts", By::Account, true, nullptr},
    {"credits_set_auto_reload", By::Account, true, nullptr},
    {"credits_complete_reload", By::Id, true, nullptr},
    // The sides of what spans two shards (movement_functions.cpp): only
    // ever twins.
    {"credits_transfer_party", By::Account, false, nullptr},
    {"credits_transfer_out", By::Account, true, nullptr},
    {"credits_transfer_in", By::Account, true, nullptr},
    {"credits_transaction_parties", By::Id, false, nullptr},
    {"credits_reverse_out", By::Account, true, nullptr},
    {"credits_reverse_in", By::Account, true, nullptr},
};
constexpr Route here{"", By::Here, false, nullptr};
constexpr const char *twin_suffix = "_on_shard";
constexpr int twin_arguments = 3;  // account_key, tenant, at: before the public function's

// What a function is, kept in its FmgrInfo (fn_extra) for later calls.
struct Call {
    const Route *route;
    bool twin;  // the twin of route->name
};

const Call &call_of(FunctionCallInfo fcinfo) {
    FmgrInfo *flinfo = fcinfo->flinfo;
    if (flinfo->fn_extra) return *static_cast<Call *>(flinfo->fn_extra);
    auto *call = static_cast<Call *>(MemoryContextAllocZero(flinfo->fn_mcxt, sizeof(Call)));
    std::string_view name = get_func_name(flinfo->fn_oid);
    size_t suffix = strlen(twin_suffix);
    call->twin = name.size() > suffix && name.substr(name.size() - suffix) == twin_suffix;
    if (call->twin) name.remove_suffix(suffix);
    call->route = &here;
    for (const Route &r : routes)
        if (name == r.name) call->route = &r;
    flinfo->fn_extra = call;
    return *call;
}

std::optional<std::string_view> text_arg(FunctionCallInfo fcinfo, int argno) {
    if (argno >= PG_NARGS() || PG_ARGISNULL(argno)) return std::nullopt;
    text *t = PG_GETARG_TEXT_PP(argno);
    return std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

// Ids made before 0.6.0 do not carry their account's key: credits_distribute()
// lists them in credits_legacy_id (a reference table, so read here).
spi::Statement legacy_key{"SELECT account_key FROM @extschema@.credits_legacy_id WHERE id = $1", 1, {TEXTOID}};
spi::Statement any_legacy{"SELECT EXISTS (SELECT FROM @extschema@.credits_legacy_id)", 0, {}};
uint64 legacy_checked_for = 0;  // the cluster::map_version() any_legacy ran for
bool legacy_ids = false;

int32 key_in_id(FunctionCallInfo fcinfo, std::string_view id) {
    ids::Id canonical = ids::canonical(id);
    if (legacy_checked_for != cluster::map_version()) {
        spi::begin(fcinfo);
        spi::run(any_legacy, spi::Params());
        legacy_ids = spi::row(0).boolean(1);
        spi::end();
        legacy_checked_for = cluster::map_version();
    }
    if (legacy_ids) {
        spi::begin(fcinfo);
        std::optional<int32> key;
        if (spi::run(legacy_key, spi::Params().add_text(canonical.view())) == 1)
            key = DatumGetInt32(spi::row(0).datum(1));
        spi::end();
        if (key) return *key;
    }
    return ids::key_of(canonical.view());
}

// --- running here ---

// Runs the body on the local shards of `group`.
Datum run_in_group(FunctionCallInfo fcinfo, FunctionBody body, int group, bool writes) {
    cluster::enter(group, writes);
    Datum result;
    try {
        result = body(fcinfo);
    } catch (...) {
        cluster::leave();
        throw;
    }
    cluster::leave();
    return result;
}

// A twin's call: the body with the public function's arguments, in the
// forwarded tenant (none: an unbound caller's work across tenants), at the
// caller's moment, on the key's shards, which must be here.
Datum run_twin(FunctionCallInfo fcinfo, FunctionBody body, const Call &call) {
    if (PG_NARGS() < twin_arguments || PG_ARGISNULL(0) || PG_ARGISNULL(2))
        fail(ERRCODE_NULL_VALUE_NOT_ALLOWED, "account_key and at are required",
             format("%s%s() is what %s() forwards itself to on another node.", call.route->name, twin_suffix,
                    call.route->name));
    int32 key = PG_GETARG_INT32(0);
    auto tenant = text_arg(fcinfo, 1);
    TimestampTz at = PG_GETARG_TIMESTAMPTZ(2);
    // Citus delegates a twin's call to the shard's node, where it runs in a
    // connection of Citus's own. Run anywhere else, in the caller's own
    // session, Citus did not delegate it: Citus 13.2 stops delegating in a
    // session after a query whose subquery or CTE it failed to plan there
    // (its recursive planning depth is never reset).
    if (!cluster::in_internal_connection() && !cluster::group_is_local(cluster::group_of(key)))
        fail(sqlstate::shard_not_local,
             format("Citus did not forward %s() to the node of the account's shard", call.route->name),
             "Citus delegates no call whose distribution argument is not a constant, and (Citus 13.2) none in a "
             "session after a query whose subquery or CTE it failed to plan there.",
             "Call the function, not its twin; after such a query, open a new connection and retry (with a pooler, "
             "close this server connection).");

    int nargs = PG_NARGS() - twin_arguments;
    auto shifted = static_cast<FunctionCallInfo>(palloc0(SizeForFunctionCallInfo(nargs)));
    shifted->flinfo = fcinfo->flinfo;
    shifted->context = fcinfo->context;
    shifted->resultinfo = fcinfo->resultinfo;
    shifted->fncollation = fcinfo->fncollation;
    shifted->nargs = static_cast<short>(nargs);
    for (int i = 0; i < nargs; i++) shifted->args[i] = fcinfo->args[i + twin_arguments];

    if (tenant) tenants::act_in(*tenant);
    clock::act_at(at);
    Datum result;
    try {
        result = run_in_group(shifted, body, cluster::group_of(key), call.route->writes);
    } catch (...) {
        tenants::stop_acting();
        clock::forget();
        throw;
    }
    tenants::stop_acting();
    clock::forget();
    fcinfo->isnull = shifted->isnull;
    return result;
}

// --- calling twins ---

// A twin's call, prepared once per backend.
struct Twin {
    char name[NAMEDATALEN];  // the hash key: the public function's name
    Oid schema;
    int nargs;  // with account_key and tenant
    Oid argtypes[FUNC_MAX_ARGS];
    SPIPlanPtr plan;
};
HTAB *twins = nullptr;

Twin &twin_of(FunctionCallInfo fcinfo, const char *function) {
    if (!twins) {
        HASHCTL ctl{};
        ctl.keysize = NAMEDATALEN;
        ctl.entrysize = sizeof(Twin);
        twins = hash_create("credits twins", 32, &ctl, HASH_ELEM | HASH_STRINGS);
    }
    char key[NAMEDATALEN] = {};
    strlcpy(key, function, NAMEDATALEN);
    bool found;
    auto *twin = static_cast<Twin *>(hash_search(twins, key, HASH_ENTER, &found));
    Oid schema = tables::extension_schema(fcinfo);
    if (found && twin->plan && twin->schema == schema) return *twin;
    twin->plan = nullptr;

    const char *schema_name = quote_identifier(get_namespace_name(schema));
    const char *twin_name = psprintf("%s%s", function, twin_suffix);
    List *qualified = list_make2(makeString(get_namespace_name(schema)), makeString(const_cast<char *>(twin_name)));
    Oid oid = LookupFuncName(qualified, -1, nullptr, false);
    Oid *types;
    int nargs;
    get_func_signature(oid, &types, &nargs);
    twin->nargs = nargs;
    memcpy(twin->argtypes, types, sizeof(Oid) * nargs);

    // The form Citus delegates from inside a function: SELECT * FROM f(...)
    // with the distribution argument a constant (a custom plan makes it one).
    StringInfoData sql;
    initStringInfo(&sql);
    appendStringInfo(&sql, "SELECT * FROM %s.%s(", schema_name, quote_identifier(twin_name));
    for (int i = 1; i <= nargs; i++) appendStringInfo(&sql, "%s$%d", i > 1 ? ", " : "", i);
    appendStringInfoChar(&sql, ')');
    SPIPlanPtr plan = SPI_prepare_cursor(sql.data, nargs, twin->argtypes, CURSOR_OPT_CUSTOM_PLAN);
    if (!plan || SPI_keepplan(plan) != 0) elog(ERROR, "credits: could not prepare \"%s\"", sql.data);
    twin->schema = schema;
    twin->plan = plan;
    return *twin;
}

// Whether a line of an error's context is about the forwarding itself:
// Citus's note of the node, our statement calling the twin (or reading a
// view's rows as the owner, citus_views.h).
bool about_forwarding(std::string_view line) {
    bool ours = line.find(twin_suffix) != std::string_view::npos ||
                line.find(citus_views::suffix) != std::string_view::npos;
    return line.rfind("while executing command on", 0) == 0 ||
           (line.rfind("SQL statement \"SELECT * FROM ", 0) == 0 && ours);
}

}  // namespace

char *without_forwarding(const char *context) {
    if (!context) return nullptr;
    StringInfoData kept;
    initStringInfo(&kept);
    for (const char *line = context; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? static_cast<size_t>(end - line) : strlen(line);
        if (!about_forwarding({line, len}))
            appendStringInfo(&kept, "%s%.*s", kept.len ? "\n" : "", static_cast<int>(len), line);
        line += len + (end ? 1 : 0);
    }
    return kept.len ? kept.data : nullptr;
}

namespace {

// Runs the call on the shard of `key`: here if it is local, else through
// its twin on the node that holds it.
Datum run_for_key(FunctionCallInfo fcinfo, FunctionBody body, const Call &call, int32 key) {
    if (call.route->writes) tables::require_writable(fcinfo->flinfo->fn_oid);
    int group = cluster::group_of(key);
    if (cluster::group_is_local(group)) return run_in_group(fcinfo, body, group, call.route->writes);
    Arguments args = arguments_of(fcinfo);
    spi::begin(fcinfo);
    call_twin(fcinfo, call.route->name, key, tenants::current(), args.values, args.nulls);
    Datum result = forwarded_result(fcinfo);
    spi::end();
    return result;
}

}  // namespace

Datum run_for(FunctionCallInfo fcinfo, FunctionBody body, int32 key) {
    return run_for_key(fcinfo, body, call_of(fcinfo), key);
}

int32 account_key_of(FunctionCallInfo fcinfo, std::optional<std::string_view> account) {
    if (!account) return 0;
    if (ids::has_shape(*account, "acc_")) return key_in_id(fcinfo, *account);
    return account_key(tenants::current(), *account);
}

int32 id_key_of(FunctionCallInfo fcinfo, std::optional<std::string_view> id) {
    if (id && (ids::has_shape(*id, "res_") || ids::has_shape(*id, "txn_"))) return key_in_id(fcinfo, *id);
    // Auto-reload requests exist only since 0.8.0: their ids always carry the key.
    if (id && ids::has_shape(*id, "rld_")) return ids::key_of(*id);
    return 0;
}

Arguments arguments_of(FunctionCallInfo fcinfo) {
    Arguments args;
    for (int i = 0; i < PG_NARGS(); i++) {
        args.values[i] = fcinfo->args[i].value;
        args.nulls[i] = fcinfo->args[i].isnull;
    }
    return args;
}

void call_twin(FunctionCallInfo fcinfo, const char *function, int32 key, std::optional<std::string_view> tenant,
               const Datum *args, const bool *nulls) {
    Twin &twin = twin_of(fcinfo, function);
    Datum values[FUNC_MAX_ARGS];
    char flags[FUNC_MAX_ARGS];
    values[0] = Int32GetDatum(key);
    flags[0] = ' ';
    values[1] = tenant ? PointerGetDatum(cstring_to_text_with_len(tenant->data(), static_cast<int>(tenant->size()))) : 0;
    flags[1] = tenant ? ' ' : 'n';
    values[2] = TimestampTzGetDatum(clock::now());
    flags[2] = ' ';
    for (int i = twin_arguments; i < twin.nargs; i++) {
        values[i] = nulls[i - twin_arguments] ? 0 : args[i - twin_arguments];
        flags[i] = nulls[i - twin_arguments] ? 'n' : ' ';
    }
    MemoryContext caller = CurrentMemoryContext;
    PG_TRY();
    {
        int rc = SPI_execute_plan(twin.plan, values, flags, false, 0);
        if (rc < 0) elog(ERROR, "credits: calling %s%s() failed: %s", function, twin_suffix, SPI_result_code_string(rc));
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        ErrorData *error = CopyErrorData();
        FlushErrorState();
        error->context = without_forwarding(error->context);
        ReThrowError(error);
    }
    PG_END_TRY();
}

Datum forwarded_result(FunctionCallInfo fcinfo) {
    if (fcinfo->flinfo->fn_retset) {
        results::materialize_rows(fcinfo);
        return (Datum)0;
    }
    if (SPI_processed != 1) elog(ERROR, "credits: a forwarded call returned %d rows", static_cast<int>(SPI_processed));
    Oid type;
    TupleDesc desc;
    if (get_call_result_type(fcinfo, &type, &desc) == TYPEFUNC_COMPOSITE) return results::from_row(fcinfo, spi::row(0));
    spi::Row row = spi::row(0);
    if (row.is_null(1)) {
        fcinfo->isnull = true;
        return (Datum)0;
    }
    return spi::keep(row.datum(1), type);
}

Datum dispatch(FunctionCallInfo fcinfo, FunctionBody body) {
    const Call &call = call_of(fcinfo);
    if (call.route->by == By::Here) return body(fcinfo);
    if (!cluster::distributed()) {
        if (call.twin)
            fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE,
                 format("%s%s() runs only where credits is distributed with Citus", call.route->name, twin_suffix),
                 "credits' functions call it themselves, on the node that holds an account's shard.");
        return body(fcinfo);
    }
    if (call.twin) return run_twin(fcinfo, body, call);
    // Citus runs a query it splits across shards once per shard, on the
    // workers: a credits call inside one would run once per shard.
    if (cluster::in_internal_connection())
        fail(ERRCODE_FEATURE_NOT_SUPPORTED,
             format("%s() cannot run inside a query that Citus splits across shards", call.route->name),
             "Citus would run it once per shard.",
             format("Call it in a statement of its own (SELECT * FROM %s(...)), with its arguments computed first.",
                    call.route->name));

    // A bound role naming another tenant is refused here, before anything
    // is looked up anywhere.
    std::string_view tenant = tenants::current();
    switch (call.route->by) {
        case By::Account:
            return run_for_key(fcinfo, body, call, account_key_of(fcinfo, text_arg(fcinfo, 0)));
        case By::NewAccount: {
            auto external_id = text_arg(fcinfo, 0);
            return run_for_key(fcinfo, body, call, external_id ? account_key(tenant, *external_id) : 0);
        }
        case By::Id:
            return run_for_key(fcinfo, body, call, id_key_of(fcinfo, text_arg(fcinfo, 0)));
        case By::Transfer: {
            int32 from = account_key_of(fcinfo, text_arg(fcinfo, 0));
            int32 to = account_key_of(fcinfo, text_arg(fcinfo, 1));
            if (cluster::group_of(from) == cluster::group_of(to)) return run_for_key(fcinfo, body, call, from);
            tables::require_writable(fcinfo->flinfo->fn_oid);
            return transfer_across_shards(fcinfo, from, to);
        }
        case By::Reverse:
            tables::require_writable(fcinfo->flinfo->fn_oid);
            return reverse_where_it_belongs(fcinfo, body, id_key_of(fcinfo, text_arg(fcinfo, 0)));
        case By::Split:
            if (call.route->writes) tables::require_writable(fcinfo->flinfo->fn_oid);
            return call.route->split(fcinfo);
        case By::Here:
            break;
    }
    return body(fcinfo);
}

}  // namespace credits::routing
