#include "write_rules.h"

#include "errors.h"

extern "C" {
#include "access/genam.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/index.h"
#include "catalog/pg_proc.h"
#include "commands/extension.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_trigger.h"
#include "executor/executor.h"
#include "executor/nodeModifyTable.h"
#include "nodes/makefuncs.h"
#include "optimizer/optimizer.h"
#include "parser/parse_coerce.h"
#include "rewrite/rewriteHandler.h"
#include "utils/fmgroids.h"
#include "utils/inval.h"
#include "utils/rel.h"
}

namespace credits::tables::rules {

namespace {

// One index of a table. The common case (plain column indexes, maybe
// partial) inserts with index_insert() directly; anything else (expression
// or exclusion indexes) goes through the executor's ExecInsertIndexTuples.
struct CachedIndex {
    Oid oid;
    IndexInfo *info;
    ExprState *predicate;      // null unless partial
    AttrNumber not_null_only;  // the predicate is just "column IS NOT NULL": that column
};

// A column an INSERT that leaves it out fills: its default, or a NULL
// checked against its domain.
struct Fill {
    AttrNumber attnum;
    ExprState *value;
};

// A CHECK constraint, and what an UPDATE must change for it to need
// evaluating again: one that is validated and immutable holds for a row
// whose columns it reads are unchanged (it held when the row was written).
struct Check {
    ExprState *test;
    Bitmapset *reads;  // attribute numbers, offset by FirstLowInvalidHeapAttributeNumber
    bool always;       // not validated, mutable, or reads the whole row or system columns
};

// Everything about one table, built once per backend and rebuilt after any
// relcache invalidation of the table or its indexes. (On Citus, one per
// shard relation the backend has written.)
struct TableRules {
    Oid relid;  // the hash key
    bool stale;
    const char *unsupported;  // why credits cannot write it, or nullptr
    bool use_executor;        // for index entries
    int nindexes;
    CachedIndex *indexes;
    int nfills;
    Fill *fills;
    bool has_generated;
    int nnot_null;
    AttrNumber *not_null;     // columns with NOT NULL
    int nchecks;
    Check *checks;
    // The executor's state for ExecConstraints (which reports a violation
    // the checks above found, with the executor's own error) and for
    // ExecComputeStoredGenerated, kept across calls so that their
    // expressions are prepared once.
    EState *estate;
    ResultRelInfo *result;
    MemoryContext context;    // all of the above
};
HTAB *cache = nullptr;  // relid -> TableRules
TableRules *in_use[static_cast<int>(TableId::count)];  // by the current call, per table
MemoryContext cache_context = nullptr;
ExprContext *predicate_context = nullptr;

void on_relcache_invalidation(Datum, Oid relid) {
    // Only flag it: this can run in the middle of a write that is still using
    // the rules (e.g. from index_open), which must not see them freed.
    if (!cache) return;
    HASH_SEQ_STATUS scan;
    hash_seq_init(&scan, cache);
    while (auto *r = static_cast<TableRules *>(hash_seq_search(&scan))) {
        bool hit = relid == InvalidOid || relid == r->relid;
        for (int i = 0; i < r->nindexes && !hit; i++) hit = r->indexes[i].oid == relid;
        if (hit) r->stale = true;
    }
}

// The column of a predicate that is exactly "column IS NOT NULL" (the
// common partial index, tested without the expression machinery).
AttrNumber not_null_column(List *predicate) {
    if (list_length(predicate) != 1 || !IsA(linitial(predicate), NullTest)) return InvalidAttrNumber;
    auto *test = static_cast<NullTest *>(linitial(predicate));
    if (test->nulltesttype != IS_NOT_NULL || !IsA(test->arg, Var)) return InvalidAttrNumber;
    return reinterpret_cast<Var *>(test->arg)->varattno;
}

ExprState *prepare(Node *expr) {
    return ExecInitExpr(expression_planner(reinterpret_cast<Expr *>(expr)), nullptr);
}

void build_indexes(TableRules &r, Relation rel) {
    List *oids = RelationGetIndexList(rel);
    r.indexes = static_cast<CachedIndex *>(palloc0(sizeof(CachedIndex) * (list_length(oids) + 1)));
    ListCell *cell;
    foreach (cell, oids) {
        Relation index = index_open(lfirst_oid(cell), RowExclusiveLock);
        IndexInfo *info = BuildIndexInfo(index);
        if (info->ii_Expressions != NIL || info->ii_ExclusionOps != nullptr || !index->rd_index->indimmediate)
            r.use_executor = true;
        ExprState *predicate = nullptr;
        AttrNumber not_null_only = InvalidAttrNumber;
        if (info->ii_Predicate != NIL) {
            predicate = ExecInitQual(reinterpret_cast<List *>(expression_planner(
                                         static_cast<Expr *>(copyObjectImpl(info->ii_Predicate)))),
                                     nullptr);
            not_null_only = not_null_column(info->ii_Predicate);
        }
        r.indexes[r.nindexes++] = CachedIndex{lfirst_oid(cell), info, predicate, not_null_only};
        index_close(index, NoLock);
    }
}

// What an INSERT puts in the columns it is not given (rewriteTargetListIU
// and expand_insert_targetlist): the default, an identity's next value, or
// for a domain a NULL that must pass the domain's checks.
void build_fills(TableRules &r, Relation rel) {
    TupleDesc desc = RelationGetDescr(rel);
    r.fills = static_cast<Fill *>(palloc0(sizeof(Fill) * (desc->natts + 1)));
    for (int i = 0; i < desc->natts; i++) {
        Form_pg_attribute attr = TupleDescAttr(desc, i);
        if (attr->attisdropped || attr->attgenerated) continue;
        Node *value = build_column_default(rel, attr->attnum);
        if (!value && get_typtype(attr->atttypid) == TYPTYPE_DOMAIN)
            value = coerce_to_domain(reinterpret_cast<Node *>(makeNullConst(attr->atttypid, -1, attr->attcollation)),
                                     InvalidOid, -1, attr->atttypid, COERCION_IMPLICIT, COERCE_IMPLICIT_CAST, -1,
                                     false);
        if (value) r.fills[r.nfills++] = Fill{attr->attnum, prepare(value)};
    }
}

void build_constraints(TableRules &r, Relation rel) {
    TupleDesc desc = RelationGetDescr(rel);
    r.not_null = static_cast<AttrNumber *>(palloc(sizeof(AttrNumber) * (desc->natts + 1)));
    for (int i = 0; i < desc->natts; i++)
        if (TupleDescAttr(desc, i)->attnotnull) r.not_null[r.nnot_null++] = TupleDescAttr(desc, i)->attnum;
    TupleConstr *constr = desc->constr;
    int n = constr ? constr->num_check : 0;
    r.checks = static_cast<Check *>(palloc0(sizeof(Check) * (n + 1)));
    for (int i = 0; i < n; i++) {
        Node *expr = static_cast<Node *>(stringToNode(constr->check[i].ccbin));
        Check &c = r.checks[r.nchecks++];
        pull_varattnos(expr, 1, &c.reads);
        bool system_or_row = false;
        for (int a = bms_next_member(c.reads, -1); a >= 0 && !system_or_row; a = bms_next_member(c.reads, a))
            system_or_row = a + FirstLowInvalidHeapAttributeNumber <= 0;
        c.always = !constr->check[i].ccvalid || system_or_row || contain_mutable_functions(expr);
        c.test = prepare(expr);
    }
}

void build(TableRules &r, Relation rel) {
    if (r.estate) FreeExecutorState(r.estate);
    if (r.context) MemoryContextDelete(r.context);
    r = TableRules{};
    r.context = AllocSetContextCreate(cache_context, "credits table rules", ALLOCSET_SMALL_SIZES);
    MemoryContext old = MemoryContextSwitchTo(r.context);
    r.relid = RelationGetRelid(rel);
    r.unsupported = unsupported_feature(rel);
    build_indexes(r, rel);
    build_fills(r, rel);
    build_constraints(r, rel);
    TupleConstr *constr = RelationGetDescr(rel)->constr;
    r.has_generated = constr && constr->has_generated_stored;
    r.estate = CreateExecutorState();
    r.result = makeNode(ResultRelInfo);
    InitResultRelInfo(r.result, rel, 0, nullptr, 0);
    MemoryContextSwitchTo(old);
}

TableRules &rules_of(Session &s, TableId id) {
    if (!cache) {
        cache_context = AllocSetContextCreate(CacheMemoryContext, "credits write rules", ALLOCSET_SMALL_SIZES);
        MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
        predicate_context = CreateStandaloneExprContext();
        MemoryContextSwitchTo(old);
        HASHCTL ctl{};
        ctl.keysize = sizeof(Oid);
        ctl.entrysize = sizeof(TableRules);
        ctl.hcxt = cache_context;
        cache = hash_create("credits write rules", 16, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
        CacheRegisterRelcacheCallback(on_relcache_invalidation, 0);
    }
    Relation rel = tables::rel(s, id);
    Oid relid = RelationGetRelid(rel);
    TableRules *r = in_use[static_cast<int>(id)];
    if (!r || r->relid != relid) {
        bool found;
        r = static_cast<TableRules *>(hash_search(cache, &relid, HASH_ENTER, &found));
        if (!found) {
            *r = TableRules{};
            r->stale = true;
        }
        in_use[static_cast<int>(id)] = r;
    }
    if (r->stale) build(*r, rel);
    r->result->ri_RelationDesc = rel;  // the relcache entry this call has open
    return *r;
}

void insert_with_executor(Session &s, Table &t, TupleTableSlot *slot) {
    if (!t.indexes) {
        if (!s.estate) s.estate = CreateExecutorState();
        MemoryContext old = MemoryContextSwitchTo(s.estate->es_query_cxt);
        t.indexes = makeNode(ResultRelInfo);
        InitResultRelInfo(t.indexes, t.rel, 0, nullptr, 0);
        ExecOpenIndices(t.indexes, false);
        MemoryContextSwitchTo(old);
    }
    // update = false: the flag only feeds bottom-up deletion hints, and
    // computing it needs a range table we do not have.
    ExecInsertIndexTuples(t.indexes, slot, s.estate, false, false, nullptr, NIL);
    ResetPerTupleExprContext(s.estate);
}

// Triggers of the extension's own (the guards) call functions that belong to
// the extension (a DBA's function may live in the same schema).
bool is_own_trigger(const Trigger &trigger) {
    return getExtensionOfObject(ProcedureRelationId, trigger.tgfoid) == get_extension_oid("credits", true);
}

// The triggers PostgreSQL puts on a table that another table's foreign key
// references: they act only when a key changes or a row goes, and credits
// never changes a key or deletes a row.
bool is_referenced_key_action(Oid function) {
    switch (function) {
        case F_RI_FKEY_NOACTION_DEL: case F_RI_FKEY_NOACTION_UPD:
        case F_RI_FKEY_RESTRICT_DEL: case F_RI_FKEY_RESTRICT_UPD:
        case F_RI_FKEY_CASCADE_DEL: case F_RI_FKEY_CASCADE_UPD:
        case F_RI_FKEY_SETNULL_DEL: case F_RI_FKEY_SETNULL_UPD:
        case F_RI_FKEY_SETDEFAULT_DEL: case F_RI_FKEY_SETDEFAULT_UPD:
            return true;
        default:
            return false;
    }
}

const char *trigger_problem(const Trigger &trigger) {
    if (is_own_trigger(trigger)) return nullptr;
    // Fires on TRUNCATE alone (Citus puts one on its tables): credits never
    // truncates.
    if ((trigger.tgtype & TRIGGER_TYPE_EVENT_MASK) == TRIGGER_TYPE_TRUNCATE) return nullptr;
    if (trigger.tgisinternal && is_referenced_key_action(trigger.tgfoid)) return nullptr;
    if (trigger.tgfoid == F_RI_FKEY_CHECK_INS || trigger.tgfoid == F_RI_FKEY_CHECK_UPD)
        return format("it has foreign key constraint \"%s\"", get_constraint_name(trigger.tgconstraint));
    if (trigger.tgfoid == F_UNIQUE_KEY_RECHECK)
        return format("it has deferrable constraint \"%s\"", get_constraint_name(trigger.tgconstraint));
    return format("it has trigger \"%s\"", trigger.tgname);
}

// Whether the new row in `slot` breaks a NOT NULL or CHECK constraint: on
// an UPDATE only what the changed columns can break (see Check).
bool breaks_constraint(TableRules &r, TupleTableSlot *slot, const Values &values, bool update) {
    for (int i = 0; i < r.nnot_null; i++) {
        AttrNumber a = r.not_null[i];
        if ((!update || values.changed[a - 1]) && values.nulls[a - 1]) return true;
    }
    ExprContext *econtext = GetPerTupleExprContext(r.estate);
    econtext->ecxt_scantuple = slot;
    for (int i = 0; i < r.nchecks; i++) {
        const Check &c = r.checks[i];
        bool affected = !update || c.always;
        for (int a = bms_next_member(c.reads, -1); a >= 0 && !affected; a = bms_next_member(c.reads, a))
            affected = values.changed[a + FirstLowInvalidHeapAttributeNumber - 1];
        if (affected && !ExecCheck(c.test, econtext)) return true;
    }
    return false;
}

}  // namespace

const char *unsupported_feature(Relation rel) {
    if (rel->rd_rel->relispartition) return "it is a partition of another table";
    if (rel->rd_rel->relhassubclass && find_inheritance_children(RelationGetRelid(rel), NoLock) != NIL)
        return "other tables inherit from it";
    if (rel->rd_rules && rel->rd_rules->numLocks > 0) return "it has a rule (CREATE RULE)";
    if (rel->trigdesc)
        for (int i = 0; i < rel->trigdesc->numtriggers; i++)
            if (const char *problem = trigger_problem(rel->trigdesc->triggers[i])) return problem;
    return nullptr;
}

void require_supported(Session &s, TableId id) {
    TableRules &r = rules_of(s, id);
    if (!r.unsupported) return;
    Relation rel = tables::rel(s, id);
    fail(sqlstate::unsupported_table_change,
         format("credits cannot write table %s: %s", RelationGetRelationName(rel), r.unsupported),
         "credits writes its tables below the executor and cannot honour user triggers, rules, foreign keys from "
         "its tables, deferrable constraints, partitions or child tables there.",
         "Remove it (see \"Security\" in the credits README); read changes through the views or logical "
         "decoding instead.");
}

void fill_defaults(Session &s, TableId id, Values &row) {
    TableRules &r = rules_of(s, id);
    if (r.nfills == 0) return;
    ExprContext *econtext = GetPerTupleExprContext(r.estate);
    for (int i = 0; i < r.nfills; i++) {
        AttrNumber attnum = r.fills[i].attnum;
        if (row.changed[attnum - 1]) continue;
        bool isnull;
        Datum value = ExecEvalExprSwitchContext(r.fills[i].value, econtext, &isnull);
        row.values[attnum - 1] = value;
        row.nulls[attnum - 1] = isnull;
    }
}

void check_new_row(Session &s, TableId id, TupleTableSlot *slot, const Values &values, CmdType command) {
    TableRules &r = rules_of(s, id);
    slot->tts_tableOid = r.relid;  // constraints and generated columns may read tableoid
    if (r.has_generated) {
        // Generated columns may be NOT NULL or checked themselves: the
        // executor's own routine checks the row they make, rare as it is.
        ExecComputeStoredGenerated(r.result, r.estate, slot, command);
        if (r.nnot_null > 0 || r.nchecks > 0) ExecConstraints(r.result, slot, r.estate);
        return;
    }
    // A violation is reported by the executor's routine, with its error.
    if (breaks_constraint(r, slot, values, command == CMD_UPDATE)) ExecConstraints(r.result, slot, r.estate);
}

void finish_row(TableId id) {
    TableRules *r = in_use[static_cast<int>(id)];
    if (r && r->estate) ResetPerTupleExprContext(r->estate);
}

void before_update(Session &s, TableId id) {
    Table &t = s.tables[static_cast<int>(id)];
    if (t.updated) return;
    CheckCmdReplicaIdentity(t.rel, CMD_UPDATE);
    t.updated = true;
}

void insert_index_entries(Session &s, TableId id, TupleTableSlot **slots, int n) {
    Table &t = s.tables[static_cast<int>(id)];
    TableRules &r = rules_of(s, id);
    if (r.nindexes == 0) return;
    if (r.use_executor) {
        for (int j = 0; j < n; j++) insert_with_executor(s, t, slots[j]);
        return;
    }
    for (int i = 0; i < r.nindexes; i++) {
        const CachedIndex &ci = r.indexes[i];
        if (!ci.info->ii_ReadyForInserts) continue;
        Relation index = index_open(ci.oid, RowExclusiveLock);
        for (int j = 0; j < n; j++) {
            if (ci.not_null_only != InvalidAttrNumber) {
                if (slot_attisnull(slots[j], ci.not_null_only)) continue;
            } else if (ci.predicate) {
                predicate_context->ecxt_scantuple = slots[j];
                if (!ExecQual(ci.predicate, predicate_context)) continue;
            }
            Datum values[INDEX_MAX_KEYS];
            bool isnull[INDEX_MAX_KEYS];
            FormIndexDatum(ci.info, slots[j], nullptr, values, isnull);
            index_insert(index, values, isnull, &slots[j]->tts_tid, t.rel,
                         ci.info->ii_Unique ? UNIQUE_CHECK_YES : UNIQUE_CHECK_NO, false, ci.info);
        }
        index_close(index, NoLock);
        ResetExprContext(predicate_context);
    }
}

}  // namespace credits::tables::rules
