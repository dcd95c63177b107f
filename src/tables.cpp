#include "tables.h"

extern "C" {
#include "access/genam.h"
#include "access/heapam.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "executor/executor.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

namespace credits::tables {

namespace {

[[noreturn]] void schema_out_of_date(const char *what, const char *name) {
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("credits %s \"%s\" is missing", what, name),
                    errhint("The installed credits library is newer than the schema: run ALTER EXTENSION credits UPDATE.")));
}

Table open_table(Oid schema, const char *name) {
    return Table{table_open(relation_oid(schema, name), RowExclusiveLock), nullptr};
}

void open_indexes(Session &s, Table &t) {
    if (t.indexes) return;
    if (!s.estate) s.estate = CreateExecutorState();
    MemoryContext old = MemoryContextSwitchTo(s.estate->es_query_cxt);
    t.indexes = makeNode(ResultRelInfo);
    InitResultRelInfo(t.indexes, t.rel, 0, nullptr, 0);
    ExecOpenIndices(t.indexes, false);
    MemoryContextSwitchTo(old);
}

void insert_index_entries(Session &s, Table &t, HeapTuple tuple) {
    open_indexes(s, t);
    if (t.indexes->ri_NumIndices == 0) return;
    TupleTableSlot *slot = MakeSingleTupleTableSlot(RelationGetDescr(t.rel), &TTSOpsHeapTuple);
    ExecStoreHeapTuple(tuple, slot, false);
    // update = false: the flag only feeds bottom-up deletion hints, and
    // computing it needs a range table we do not have.
    ExecInsertIndexTuples(t.indexes, slot, s.estate, false, false, nullptr, NIL);
    ExecDropSingleTupleTableSlot(slot);
    ResetPerTupleExprContext(s.estate);
}

// Starts an index scan for equality on every key column.
IndexScanDesc begin_scan(Table &t, Relation index, Snapshot snapshot, const Datum *keys, int nkeys,
                         ScanKeyData *scankeys) {
    for (int i = 0; i < nkeys; i++) {
        Oid opfamily = index->rd_opfamily[i];
        Oid type = index->rd_opcintype[i];
        Oid op = get_opfamily_member(opfamily, type, type, BTEqualStrategyNumber);
        ScanKeyEntryInitialize(&scankeys[i], 0, static_cast<AttrNumber>(i + 1), BTEqualStrategyNumber, type,
                               index->rd_indcollation[i], get_opcode(op), keys[i]);
    }
    IndexScanDesc scan = index_beginscan(t.rel, index, snapshot, nkeys, 0);
    index_rescan(scan, scankeys, nkeys, nullptr, 0);
    return scan;
}

}  // namespace

Oid relation_oid(Oid schema, const char *name) {
    Oid oid = get_relname_relid(name, schema);
    if (!OidIsValid(oid)) schema_out_of_date("relation", name);
    return oid;
}

AttrNumber column(Relation rel, const char *name) {
    TupleDesc desc = RelationGetDescr(rel);
    for (int i = 0; i < desc->natts; i++) {
        Form_pg_attribute attr = TupleDescAttr(desc, i);
        if (!attr->attisdropped && strcmp(NameStr(attr->attname), name) == 0) return attr->attnum;
    }
    schema_out_of_date("column", name);
}

Oid extension_schema(FunctionCallInfo fcinfo) { return get_func_namespace(fcinfo->flinfo->fn_oid); }

void open(Session &s, Oid schema) {
    s.schema = schema;
    s.estate = nullptr;
    s.locked = NIL;
    s.account = open_table(schema, "credits_account");
    s.entry = open_table(schema, "credits_entry");
}

void close(Session &s) {
    ListCell *cell;
    foreach (cell, s.locked) ExecDropSingleTupleTableSlot(static_cast<TupleTableSlot *>(lfirst(cell)));
    list_free(s.locked);
    for (Table *t : {&s.account, &s.entry}) {
        if (t->indexes) ExecCloseIndices(t->indexes);
        table_close(t->rel, NoLock);
    }
    if (s.estate) FreeExecutorState(s.estate);
    // Later statements of this transaction, ours included, must see the writes.
    CommandCounterIncrement();
}

TupleTableSlot *find_by_index(Session &, Table &t, Oid index_oid, const Datum *keys, int nkeys) {
    Relation index = index_open(index_oid, AccessShareLock);
    Snapshot snapshot = RegisterSnapshot(GetTransactionSnapshot());
    ScanKeyData scankeys[INDEX_MAX_KEYS];
    IndexScanDesc scan = begin_scan(t, index, snapshot, keys, nkeys, scankeys);
    TupleTableSlot *slot = table_slot_create(t.rel, nullptr);
    bool found = index_getnext_slot(scan, ForwardScanDirection, slot);
    index_endscan(scan);
    UnregisterSnapshot(snapshot);
    index_close(index, NoLock);
    if (found) return slot;
    ExecDropSingleTupleTableSlot(slot);
    return nullptr;
}

TupleTableSlot *lock_by_index(Session &s, Table &t, Oid index_oid, const Datum *keys, int nkeys) {
    TupleTableSlot *slot = find_by_index(s, t, index_oid, keys, nkeys);
    if (!slot) return nullptr;

    // As ExecLockRows: in READ COMMITTED follow the chain to the newest
    // version; with a transaction snapshot a concurrent update is a
    // serialization failure.
    int flags = TUPLE_LOCK_FLAG_LOCK_UPDATE_IN_PROGRESS;
    if (!IsolationUsesXactSnapshot()) flags |= TUPLE_LOCK_FLAG_FIND_LAST_VERSION;
    Snapshot snapshot = RegisterSnapshot(GetTransactionSnapshot());
    ItemPointerData tid = slot->tts_tid;
    TM_FailureData failure;
    TM_Result result = table_tuple_lock(t.rel, &tid, snapshot, slot, GetCurrentCommandId(true),
                                        LockTupleNoKeyExclusive, LockWaitBlock, flags, &failure);
    UnregisterSnapshot(snapshot);
    switch (result) {
        case TM_Ok:
            s.locked = lappend(s.locked, slot);
            return slot;
        case TM_Updated:
        case TM_Deleted:
            if (IsolationUsesXactSnapshot())
                ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                                errmsg("could not serialize access due to concurrent update")));
            if (result == TM_Deleted) break;
            elog(ERROR, "credits: unexpected tuple lock result %d", static_cast<int>(result));
        default:
            elog(ERROR, "credits: unexpected tuple lock result %d", static_cast<int>(result));
    }
    ExecDropSingleTupleTableSlot(slot);
    return nullptr;
}

void release_slot(TupleTableSlot *slot) { ExecDropSingleTupleTableSlot(slot); }

void insert(Session &s, Table &t, HeapTuple tuple) {
    simple_heap_insert(t.rel, tuple);
    insert_index_entries(s, t, tuple);
}

void update(Session &s, Table &t, ItemPointer old_tid, HeapTuple tuple) {
    simple_heap_update(t.rel, old_tid, tuple);
    if (!HeapTupleIsHeapOnly(tuple)) insert_index_entries(s, t, tuple);
}

}  // namespace credits::tables
