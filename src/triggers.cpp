// Guard triggers: the tables are written only through the extension's
// functions, and ledger entries are never changed or removed.
#include "errors.h"
#include "guard.h"
#include "sql_writes.h"

using namespace credits;

namespace {

const char *event_name(TriggerEvent event) {
    if (TRIGGER_FIRED_BY_UPDATE(event)) return "UPDATE";
    if (TRIGGER_FIRED_BY_DELETE(event)) return "DELETE";
    if (TRIGGER_FIRED_BY_TRUNCATE(event)) return "TRUNCATE";
    return "INSERT";
}

// The table's name; on Citus, that of the table a shard belongs to
// (<table>_<shard id>), as the caller wrote it.
const char *table_name(Relation rel) {
    const char *name = RelationGetRelationName(rel);
    const char *underscore = strrchr(name, '_');
    if (!underscore || underscore[1] == '\0' || strspn(underscore + 1, "0123456789") != strlen(underscore + 1))
        return name;
    const char *table = pnstrdup(name, underscore - name);
    return OidIsValid(get_relname_relid(table, RelationGetNamespace(rel))) ? table : name;
}

TriggerData *trigger_data(FunctionCallInfo fcinfo) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        fail(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED,
             format("%s() is a trigger function", get_func_name(fcinfo->flinfo->fn_oid)),
             "It guards the credits tables; it cannot be called.");
    return reinterpret_cast<TriggerData *>(fcinfo->context);
}

}  // namespace

// The extension writes its tables below the executor, so these triggers
// only ever see other writers: refused, but for the SQL writes a credits
// function permits (sql_writes.h).
CREDITS_FUNCTION(credits_refuse_direct_write) {
    TriggerData *trigger = trigger_data(fcinfo);
    if (sql_writes::permitted(table_name(trigger->tg_relation))) return PointerGetDatum(nullptr);
    fail(sqlstate::write_refused,
         format("%s on %s is not allowed", event_name(trigger->tg_event), table_name(trigger->tg_relation)),
         "Balances move only through the ledger, so these tables change only through credits functions.",
         "Use credits_credit, credits_debit or credits_update_account.");
}

// Ledger entries are append-only, whoever asks.
CREDITS_FUNCTION(credits_refuse_ledger_change) {
    TriggerData *trigger = trigger_data(fcinfo);
    fail(sqlstate::write_refused,
         format("%s on %s is not allowed", event_name(trigger->tg_event), table_name(trigger->tg_relation)),
         "Ledger entries are append-only.", "Correct a mistake with a new entry, such as a credit or a debit.");
}
