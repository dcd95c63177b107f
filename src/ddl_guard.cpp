// The DDL guard: an event trigger that runs after each command able to give
// a table a trigger, a rule, a foreign key, a deferrable constraint or a
// child. Every table of the extension must still be one that credits can
// write below the executor as the executor would (write_rules.h); if one is
// not, the command fails with CR019 and is rolled back. Writes refuse such
// a table too, so the guard being disabled never lets a guarantee slip.
#include "errors.h"
#include "guard.h"
#include "write_rules.h"

extern "C" {
#include "access/genam.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_class.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "commands/event_trigger.h"
#include "commands/extension.h"
#include "nodes/parsenodes.h"
#include "utils/fmgroids.h"
}

using namespace credits;

namespace {

// A CREATE TABLE can only matter to us when it inherits from a table or
// makes a partition.
bool may_matter(Node *command) {
    if (!IsA(command, CreateStmt)) return true;
    auto *create = reinterpret_cast<CreateStmt *>(command);
    return create->inhRelations != NIL || create->partbound != nullptr;
}

// The tables that belong to the extension.
List *extension_tables(Oid extension) {
    Relation depend = table_open(DependRelationId, AccessShareLock);
    ScanKeyData keys[2];
    ScanKeyInit(&keys[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(ExtensionRelationId));
    ScanKeyInit(&keys[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ, ObjectIdGetDatum(extension));
    SysScanDesc scan = systable_beginscan(depend, DependReferenceIndexId, true, nullptr, 2, keys);
    List *tables = NIL;
    while (HeapTuple tuple = systable_getnext(scan)) {
        auto *dep = reinterpret_cast<Form_pg_depend>(GETSTRUCT(tuple));
        if (dep->classid == RelationRelationId && dep->deptype == DEPENDENCY_EXTENSION &&
            get_rel_relkind(dep->objid) == RELKIND_RELATION)
            tables = lappend_oid(tables, dep->objid);
    }
    systable_endscan(scan);
    table_close(depend, AccessShareLock);
    return tables;
}

}  // namespace

// credits_refuse_unsupported_ddl(): the event trigger (ddl_command_end).
CREDITS_FUNCTION(credits_refuse_unsupported_ddl) {
    if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
        fail(ERRCODE_E_R_I_E_EVENT_TRIGGER_PROTOCOL_VIOLATED, "credits_refuse_unsupported_ddl() is an event trigger",
             "It runs by itself after DDL; it cannot be called.");
    auto *event = reinterpret_cast<EventTriggerData *>(fcinfo->context);
    Oid extension = get_extension_oid("credits", true);
    // The extension's own scripts are trusted (and run while it is half made).
    if (creating_extension || !OidIsValid(extension) || !may_matter(event->parsetree)) PG_RETURN_VOID();

    ListCell *cell;
    foreach (cell, extension_tables(extension)) {
        Relation rel = table_open(lfirst_oid(cell), AccessShareLock);
        const char *problem = tables::rules::unsupported_feature(rel);
        const char *name = pstrdup(RelationGetRelationName(rel));
        table_close(rel, NoLock);
        if (problem)
            fail(sqlstate::unsupported_table_change,
                 format("credits does not allow this change to its table %s: %s", name, problem),
                 "credits writes its tables below the executor and cannot honour user triggers, rules, foreign keys "
                 "from its tables, deferrable constraints, partitions or child tables there; the command is rolled "
                 "back.",
                 "See \"Security\" in the credits README for what a DBA can add (indexes, CHECK and NOT NULL "
                 "constraints, columns with defaults, generated columns, foreign keys that reference these tables).");
    }
    PG_RETURN_VOID();
}
