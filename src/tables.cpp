#include "tables.h"

#include "cluster.h"
#include "write_rules.h"

extern "C" {
#include "access/genam.h"
#include "access/heapam.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "utils/fmgroids.h"
#include "executor/executor.h"
#include "optimizer/optimizer.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/typcache.h"
}

namespace credits::tables {

namespace {

constexpr const char *table_names[] = {"credits_account",      "credits_entry",        "credits_reservation",
                                       "credits_grant",        "credits_plan",         "credits_subscription",
                                       "credits_usage_record", "credits_usage_rollup", "credits_price",
                                       "credits_alert",        "credits_reload_request", "credits_event",
                                       "credits_event_commit", "credits_event_consumer"};
static_assert(sizeof(table_names) / sizeof(table_names[0]) == static_cast<size_t>(TableId::count));

[[noreturn]] void schema_out_of_date(const char *what, const char *name) {
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("credits %s \"%s\" is missing", what, name),
                    errhint("The installed credits library is newer than the schema: run ALTER EXTENSION credits UPDATE.")));
}

// Writes the rows insert() collected.
void flush(Session &s, TableId id) {
    Table &t = s.tables[static_cast<int>(id)];
    if (t.npending == 0) return;
    if (t.npending == 1) {  // the single-operation case: skip the batching machinery
        TupleTableSlot *slot = t.pending[0];
        HeapTuple tuple = ExecFetchSlotHeapTuple(slot, false, nullptr);
        simple_heap_insert(t.rel, tuple);
        slot->tts_tid = tuple->t_self;
    } else {
        heap_multi_insert(t.rel, t.pending, t.npending, GetCurrentCommandId(true), 0, nullptr);
    }
    rules::insert_index_entries(s, id, t.pending, t.npending);
    for (int j = 0; j < t.npending; j++) ExecClearTuple(t.pending[j]);
    t.npending = 0;
    CommandCounterIncrement();  // what follows, in this call or after it, sees the rows
}

constexpr int max_pending = 1000;

// Equality scan keys on the leading index columns. The type cache holds the
// equality function ready to call (our indexes use the default opclasses).
void make_scan_keys(Relation index, const Datum *keys, int nkeys, ScanKeyData *scankeys) {
    for (int i = 0; i < nkeys; i++) {
        Oid type = index->rd_opcintype[i];
        TypeCacheEntry *entry = lookup_type_cache(type, TYPECACHE_EQ_OPR_FINFO);
        ScanKeyEntryInitializeWithInfo(&scankeys[i], 0, static_cast<AttrNumber>(i + 1), BTEqualStrategyNumber, type,
                                       index->rd_indcollation[i], &entry->eq_opr_finfo, keys[i]);
    }
}

}  // namespace

struct IndexScan {
    Relation index;
    Snapshot snapshot;
    IndexScanDesc scan;
    TupleTableSlot *slot;
    ScanKeyData keys[INDEX_MAX_KEYS];
};

Oid extension_schema(FunctionCallInfo fcinfo) { return get_func_namespace(fcinfo->flinfo->fn_oid); }

Oid installed_schema() {
    // PostgreSQL 15 exports no get_extension_schema().
    Relation extensions = table_open(ExtensionRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber, F_NAMEEQ, CStringGetDatum("credits"));
    SysScanDesc scan = systable_beginscan(extensions, ExtensionNameIndexId, true, nullptr, 1, &key);
    HeapTuple tuple = systable_getnext(scan);
    Oid schema = tuple ? reinterpret_cast<Form_pg_extension>(GETSTRUCT(tuple))->extnamespace : InvalidOid;
    systable_endscan(scan);
    table_close(extensions, AccessShareLock);
    return schema;
}

void require_writable(Oid function) {
    if (XactReadOnly) PreventCommandIfReadOnly(psprintf("%s()", get_func_name(function)));
}

void open(Session &s, FunctionCallInfo fcinfo) {
    require_writable(fcinfo->flinfo->fn_oid);
    open(s, extension_schema(fcinfo));
    s.function = fcinfo->flinfo->fn_oid;
}

void open(Session &s, Oid schema) {
    s.schema = schema;
    s.function = InvalidOid;
    s.estate = nullptr;
    s.locked = NIL;
    s.reading = false;
    for (Table &t : s.tables) t = Table{nullptr, nullptr, nullptr, 0, 0, nullptr, false, false};
}

void open_for_reading(Session &s, FunctionCallInfo fcinfo) {
    open(s, extension_schema(fcinfo));
    s.function = fcinfo->flinfo->fn_oid;
    s.reading = true;
}

void flush(Session &s) {
    for (int id = 0; id < static_cast<int>(TableId::count); id++) flush(s, static_cast<TableId>(id));
}

void close(Session &s) {
    flush(s);
    ListCell *cell;
    foreach (cell, s.locked) ExecDropSingleTupleTableSlot(static_cast<TupleTableSlot *>(lfirst(cell)));
    list_free(s.locked);
    for (Table &t : s.tables) {
        if (!t.rel) continue;
        for (int j = 0; j < t.capacity; j++) ExecDropSingleTupleTableSlot(t.pending[j]);
        if (t.indexes) ExecCloseIndices(t.indexes);
        table_close(t.rel, NoLock);
    }
    if (s.estate) FreeExecutorState(s.estate);
}

Table &table(Session &s, TableId id) {
    Table &t = s.tables[static_cast<int>(id)];
    if (!t.rel) {
        const char *name = table_names[static_cast<int>(id)];
        Oid oid = cluster::relation(s.schema, name);
        if (!OidIsValid(oid)) schema_out_of_date("relation", name);
        t.rel = table_open(oid, s.reading ? AccessShareLock : RowExclusiveLock);
    }
    return t;
}

Oid index_oid(Session &s, TableId t, const char *name) {
    Oid oid = cluster::relation(s.schema, table_names[static_cast<int>(t)], name);
    if (!OidIsValid(oid)) schema_out_of_date("index", name);
    return oid;
}

void resolve_columns(Relation rel, const char *const *names, int n, AttrNumber *attnum) {
    TupleDesc desc = RelationGetDescr(rel);
    for (int c = 0; c < n; c++) {
        attnum[c] = InvalidAttrNumber;
        for (int i = 0; i < desc->natts; i++) {
            Form_pg_attribute attr = TupleDescAttr(desc, i);
            if (!attr->attisdropped && strcmp(NameStr(attr->attname), names[c]) == 0) attnum[c] = attr->attnum;
        }
        if (attnum[c] == InvalidAttrNumber) schema_out_of_date("column", names[c]);
    }
}

IndexScan *begin_index_scan(Session &s, TableId t, Oid index_oid, const Datum *keys, int nkeys) {
    flush(s, t);  // a read sees every row this call inserted
    auto *scan = static_cast<IndexScan *>(palloc(sizeof(IndexScan)));
    Relation heap = rel(s, t);
    scan->index = index_open(index_oid, AccessShareLock);
    scan->snapshot = RegisterSnapshot(GetTransactionSnapshot());  // fresh in READ COMMITTED
    make_scan_keys(scan->index, keys, nkeys, scan->keys);
    scan->scan = index_beginscan(heap, scan->index, scan->snapshot, nkeys, 0);
    index_rescan(scan->scan, scan->keys, nkeys, nullptr, 0);
    scan->slot = table_slot_create(heap, nullptr);
    return scan;
}

TupleTableSlot *next_in_scan(IndexScan *scan) {
    return index_getnext_slot(scan->scan, ForwardScanDirection, scan->slot) ? scan->slot : nullptr;
}

void end_index_scan(IndexScan *scan) {
    index_endscan(scan->scan);
    if (scan->slot) ExecDropSingleTupleTableSlot(scan->slot);
    UnregisterSnapshot(scan->snapshot);
    index_close(scan->index, NoLock);
    pfree(scan);
}

// The first row of the scan, owned by the caller; the scan is ended.
TupleTableSlot *take_first(IndexScan *scan) {
    TupleTableSlot *found = next_in_scan(scan);
    if (found) scan->slot = nullptr;
    end_index_scan(scan);
    return found;
}

TupleTableSlot *find_by_index(Session &s, TableId t, Oid index_oid, const Datum *keys, int nkeys) {
    return take_first(begin_index_scan(s, t, index_oid, keys, nkeys));
}

TupleTableSlot *find_to_update(Session &s, TableId t, Oid index_oid, const Datum *keys, int nkeys) {
    TupleTableSlot *slot = find_by_index(s, t, index_oid, keys, nkeys);
    if (slot) s.locked = lappend(s.locked, slot);
    return slot;
}

TupleTableSlot *lock_by_index(Session &s, TableId t, Oid index_oid, const Datum *keys, int nkeys, Wait wait,
                              Filter filter) {
    IndexScan *scan = begin_index_scan(s, t, index_oid, keys, nkeys);
    Snapshot snapshot = RegisterSnapshot(scan->snapshot);  // the lock uses the snapshot that found the row
    TupleTableSlot *slot = take_first(scan);
    if (slot && filter.keep && !filter.keep(slot, filter.context)) {
        ExecDropSingleTupleTableSlot(slot);
        slot = nullptr;
    }
    if (!slot) {
        UnregisterSnapshot(snapshot);
        return nullptr;
    }

    // As ExecLockRows: in READ COMMITTED follow the chain to the newest
    // version; with a transaction snapshot a concurrent update is a
    // serialization failure.
    int flags = TUPLE_LOCK_FLAG_LOCK_UPDATE_IN_PROGRESS;
    if (!IsolationUsesXactSnapshot()) flags |= TUPLE_LOCK_FLAG_FIND_LAST_VERSION;
    ItemPointerData tid = slot->tts_tid;
    TM_FailureData failure;
    TM_Result result = table_tuple_lock(rel(s, t), &tid, snapshot, slot, GetCurrentCommandId(true),
                                        LockTupleNoKeyExclusive, wait == Wait::Skip ? LockWaitSkip : LockWaitBlock,
                                        flags, &failure);
    UnregisterSnapshot(snapshot);
    switch (result) {
        case TM_Ok:
            s.locked = lappend(s.locked, slot);
            return slot;
        case TM_WouldBlock:
            break;
        case TM_Updated:
        case TM_Deleted:
            if (IsolationUsesXactSnapshot())
                ereport(ERROR, (errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
                                errmsg("could not serialize access due to concurrent update")));
            if (result == TM_Updated) elog(ERROR, "credits: unexpected tuple lock result %d", static_cast<int>(result));
            break;
        default:
            elog(ERROR, "credits: unexpected tuple lock result %d", static_cast<int>(result));
    }
    ExecDropSingleTupleTableSlot(slot);
    return nullptr;
}

bool refresh(Session &s, TableId t, TupleTableSlot *slot) {
    Snapshot snapshot = RegisterSnapshot(GetTransactionSnapshot());
    ItemPointerData tid = slot->tts_tid;
    bool visible = table_tuple_fetch_row_version(rel(s, t), &tid, snapshot, slot);
    UnregisterSnapshot(snapshot);
    return visible;
}

void release_slot(TupleTableSlot *slot) { ExecDropSingleTupleTableSlot(slot); }

bool is_null(TupleTableSlot *slot, AttrNumber attnum) {
    slot_getsomeattrs(slot, attnum);
    return slot->tts_isnull[attnum - 1];
}

Datum value(TupleTableSlot *slot, AttrNumber attnum) {
    slot_getsomeattrs(slot, attnum);
    return slot->tts_values[attnum - 1];
}

std::optional<Datum> nullable(TupleTableSlot *slot, AttrNumber attnum) {
    if (is_null(slot, attnum)) return std::nullopt;
    return slot->tts_values[attnum - 1];
}

std::optional<std::string_view> text_value(TupleTableSlot *slot, AttrNumber attnum) {
    if (is_null(slot, attnum)) return std::nullopt;
    text *t = DatumGetTextPP(slot->tts_values[attnum - 1]);
    return std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

std::optional<std::string_view> copied_text(TupleTableSlot *slot, AttrNumber attnum) {
    auto t = text_value(slot, attnum);
    if (!t) return t;
    return std::string_view(pnstrdup(t->data(), t->size()), t->size());
}

Datum text_datum(std::string_view s) { return PointerGetDatum(cstring_to_text_with_len(s.data(), s.size())); }

Values new_values(Relation rel) {
    int natts = RelationGetDescr(rel)->natts;
    Values v{natts, static_cast<Datum *>(palloc0(natts * sizeof(Datum))),
             static_cast<bool *>(palloc(natts * sizeof(bool))), static_cast<bool *>(palloc0(natts * sizeof(bool)))};
    memset(v.nulls, true, natts * sizeof(bool));
    return v;
}

Values &Values::set(AttrNumber attnum, Datum value) {
    values[attnum - 1] = value;
    nulls[attnum - 1] = false;
    changed[attnum - 1] = true;
    return *this;
}

Values &Values::set(AttrNumber attnum, std::optional<Datum> value) {
    return value ? set(attnum, *value) : set_null(attnum);
}

Values &Values::set_null(AttrNumber attnum) {
    nulls[attnum - 1] = true;
    changed[attnum - 1] = true;
    return *this;
}

Values &Values::set_text(AttrNumber attnum, std::optional<std::string_view> value) {
    return value ? set(attnum, text_datum(*value)) : set_null(attnum);
}

namespace {

// Before the first write to a table in a call: the transaction may write
// (a background session checked before it began) and the table has nothing
// only the executor could honour.
Table &table_to_write(Session &s, TableId id) {
    if (s.reading) elog(ERROR, "credits: a write through a session opened for reading");
    Table &t = table(s, id);
    if (!t.written) {
        if (OidIsValid(s.function)) require_writable(s.function);
        rules::require_supported(s, id);
        t.written = true;
    }
    return t;
}

}  // namespace

void insert(Session &s, TableId t, Values &row) {
    Table &table_ref = table_to_write(s, t);
    if (table_ref.npending == max_pending) flush(s, t);
    if (table_ref.npending == table_ref.capacity) {
        if (!table_ref.pending) {
            table_ref.pending = static_cast<TupleTableSlot **>(palloc(sizeof(TupleTableSlot *) * max_pending));
            table_ref.desc = CreateTupleDescCopy(RelationGetDescr(table_ref.rel));
        }
        table_ref.pending[table_ref.capacity++] = MakeSingleTupleTableSlot(table_ref.desc, &TTSOpsHeapTuple);
    }
    rules::fill_defaults(s, t, row);
    TupleTableSlot *slot = table_ref.pending[table_ref.npending];
    ExecStoreHeapTuple(heap_form_tuple(table_ref.desc, row.values, row.nulls), slot, true);
    rules::check_new_row(s, t, slot, row, CMD_INSERT);
    rules::finish_row(t);
    table_ref.npending++;
}

void update(Session &s, TableId t, TupleTableSlot *slot, const Values &changes) {
    Table &table_ref = table_to_write(s, t);
    rules::before_update(s, t);
    HeapTuple old = ExecFetchSlotHeapTuple(slot, false, nullptr);
    ItemPointerData old_tid = slot->tts_tid;
    // The slot holds the new version from here on, so the row can be updated again.
    ExecForceStoreHeapTuple(heap_modify_tuple(old, RelationGetDescr(table_ref.rel), changes.values, changes.nulls,
                                              changes.changed),
                            slot, true);
    rules::check_new_row(s, t, slot, changes, CMD_UPDATE);
    HeapTuple tuple = ExecFetchSlotHeapTuple(slot, true, nullptr);
    simple_heap_update(table_ref.rel, &old_tid, tuple);
    slot->tts_tid = tuple->t_self;
    rules::finish_row(t);
    if (!HeapTupleIsHeapOnly(tuple)) rules::insert_index_entries(s, t, &slot, 1);
    CommandCounterIncrement();
}

}  // namespace credits::tables
