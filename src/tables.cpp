#include "tables.h"

extern "C" {
#include "access/genam.h"
#include "access/heapam.h"
#include "access/relscan.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/index.h"
#include "executor/executor.h"
#include "optimizer/optimizer.h"
#include "utils/inval.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/typcache.h"
}

namespace credits::tables {

namespace {

constexpr const char *table_names[] = {"credits_account", "credits_entry",  "credits_reservation",
                                       "credits_grant",   "credits_plan",   "credits_subscription"};
static_assert(sizeof(table_names) / sizeof(table_names[0]) == static_cast<size_t>(TableId::count));

[[noreturn]] void schema_out_of_date(const char *what, const char *name) {
    ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                    errmsg("credits %s \"%s\" is missing", what, name),
                    errhint("The installed credits library is newer than the schema: run ALTER EXTENSION credits UPDATE.")));
}

// What inserting index entries into one table needs, built once per backend
// and rebuilt after any relcache invalidation of the table or its indexes.
// The common case (plain column indexes, maybe partial) inserts with
// index_insert() directly; anything else (expression or exclusion indexes,
// deferrable uniqueness) goes through the executor's ExecInsertIndexTuples.
struct CachedIndex {
    Oid oid;
    IndexInfo *info;
    ExprState *predicate;      // null unless partial
    AttrNumber not_null_only;  // the predicate is just "column IS NOT NULL": that column
};
struct IndexCache {
    Oid relid;
    bool stale;
    bool use_executor;
    int count;
    CachedIndex *indexes;
};
IndexCache index_caches[static_cast<int>(TableId::count)];
MemoryContext cache_context = nullptr;
ExprContext *predicate_context = nullptr;

void on_relcache_invalidation(Datum, Oid relid) {
    // Only flag it: this can run in the middle of an insert that is still
    // using the cache (e.g. from index_open), which must not see it freed.
    for (IndexCache &c : index_caches) {
        bool hit = relid == InvalidOid || relid == c.relid;
        for (int i = 0; i < c.count && !hit; i++) hit = c.indexes[i].oid == relid;
        if (hit) c.stale = true;
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

void build_index_cache(IndexCache &c, Relation rel) {
    if (!cache_context) {
        cache_context = AllocSetContextCreate(CacheMemoryContext, "credits index cache", ALLOCSET_SMALL_SIZES);
        MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
        predicate_context = CreateStandaloneExprContext();
        MemoryContextSwitchTo(old);
        CacheRegisterRelcacheCallback(on_relcache_invalidation, 0);
    }
    if (c.indexes) pfree(c.indexes);
    c = IndexCache{};

    MemoryContext old = MemoryContextSwitchTo(cache_context);
    List *oids = RelationGetIndexList(rel);
    c.indexes = static_cast<CachedIndex *>(palloc0(sizeof(CachedIndex) * (list_length(oids) + 1)));
    ListCell *cell;
    foreach (cell, oids) {
        Relation index = index_open(lfirst_oid(cell), RowExclusiveLock);
        IndexInfo *info = BuildIndexInfo(index);
        if (info->ii_Expressions != NIL || info->ii_ExclusionOps != nullptr || !index->rd_index->indimmediate)
            c.use_executor = true;
        ExprState *predicate = nullptr;
        AttrNumber not_null_only = InvalidAttrNumber;
        if (info->ii_Predicate != NIL) {
            predicate = ExecInitQual(reinterpret_cast<List *>(expression_planner(
                                         static_cast<Expr *>(copyObjectImpl(info->ii_Predicate)))),
                                     nullptr);
            not_null_only = not_null_column(info->ii_Predicate);
        }
        c.indexes[c.count++] = CachedIndex{lfirst_oid(cell), info, predicate, not_null_only};
        index_close(index, NoLock);
    }
    MemoryContextSwitchTo(old);
    c.relid = RelationGetRelid(rel);
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

IndexCache &index_cache(Session &s, TableId id) {
    IndexCache &c = index_caches[static_cast<int>(id)];
    Relation rel = s.tables[static_cast<int>(id)].rel;
    if (c.stale || c.relid != RelationGetRelid(rel)) build_index_cache(c, rel);
    return c;
}

// Index entries for the rows in slots (their tts_tid set by the heap insert
// or update), index by index.
void insert_index_entries(Session &s, TableId id, TupleTableSlot **slots, int n) {
    Table &t = s.tables[static_cast<int>(id)];
    IndexCache &c = index_cache(s, id);
    if (c.count == 0) return;
    if (c.use_executor) {
        for (int j = 0; j < n; j++) insert_with_executor(s, t, slots[j]);
        return;
    }
    for (int i = 0; i < c.count; i++) {
        const CachedIndex &ci = c.indexes[i];
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
    insert_index_entries(s, id, t.pending, t.npending);
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

void open(Session &s, Oid schema) {
    s.schema = schema;
    s.estate = nullptr;
    s.locked = NIL;
    for (Table &t : s.tables) t = Table{nullptr, nullptr, nullptr, 0, 0, nullptr};
}

void close(Session &s) {
    for (int id = 0; id < static_cast<int>(TableId::count); id++) flush(s, static_cast<TableId>(id));
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
    if (!t.rel) t.rel = table_open(relation_oid(s.schema, table_names[static_cast<int>(id)]), RowExclusiveLock);
    return t;
}

Oid relation_oid(Oid schema, const char *name) {
    Oid oid = get_relname_relid(name, schema);
    if (!OidIsValid(oid)) schema_out_of_date("relation", name);
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

TupleTableSlot *lock_by_index(Session &s, TableId t, Oid index_oid, const Datum *keys, int nkeys, Wait wait) {
    IndexScan *scan = begin_index_scan(s, t, index_oid, keys, nkeys);
    Snapshot snapshot = RegisterSnapshot(scan->snapshot);  // the lock uses the snapshot that found the row
    TupleTableSlot *slot = take_first(scan);
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

void insert(Session &s, TableId t, const Values &row) {
    Table &table_ref = table(s, t);
    if (table_ref.npending == max_pending) flush(s, t);
    if (table_ref.npending == table_ref.capacity) {
        if (!table_ref.pending) {
            table_ref.pending = static_cast<TupleTableSlot **>(palloc(sizeof(TupleTableSlot *) * max_pending));
            table_ref.desc = CreateTupleDescCopy(RelationGetDescr(table_ref.rel));
        }
        table_ref.pending[table_ref.capacity++] = MakeSingleTupleTableSlot(table_ref.desc, &TTSOpsHeapTuple);
    }
    HeapTuple tuple = heap_form_tuple(table_ref.desc, row.values, row.nulls);
    ExecStoreHeapTuple(tuple, table_ref.pending[table_ref.npending++], true);
}

void update(Session &s, TableId t, TupleTableSlot *slot, const Values &changes) {
    Table &table_ref = table(s, t);
    HeapTuple old = ExecFetchSlotHeapTuple(slot, false, nullptr);
    HeapTuple tuple = heap_modify_tuple(old, RelationGetDescr(table_ref.rel), changes.values, changes.nulls,
                                        changes.changed);
    simple_heap_update(table_ref.rel, &slot->tts_tid, tuple);
    // The slot now holds the new version, so the row can be updated again.
    ExecForceStoreHeapTuple(tuple, slot, false);
    if (!HeapTupleIsHeapOnly(tuple)) insert_index_entries(s, t, &slot, 1);
    CommandCounterIncrement();
}

}  // namespace credits::tables
