// Direct access to the extension's tables for the hot path.
//
// A debit through SPI costs three executor start-ups; here it is one index
// probe, one tuple lock, one heap insert and one (normally HOT) heap update,
// done with the same table-AM and index calls the executor makes. These
// writes keep the executor's contract (DESIGN.md section 11): a read-only
// transaction refuses them (25006), and write_rules.h keeps indexes,
// defaults, generated columns, constraints and publications' rules, and
// refuses what only the executor could honour. The extension's own guard
// triggers exist to stop other writers and do not fire here.
//
// Resource discipline: relations, slots and the EState opened for a call are
// released by close(); on an error, transaction abort releases them. Nothing
// here throws a C++ exception while it holds a scan or a snapshot.
#pragma once

#include "pg.h"

#include <optional>

namespace credits::tables {

enum class TableId {
    Account, Entry, Reservation, Grant, Plan, Subscription, Usage, UsageRollup, Price,
    Alert, ReloadRequest, Event, EventCommit, EventConsumer, count
};

struct Table {
    Relation rel;
    ResultRelInfo *indexes;   // for the executor's index path, opened on first need
    TupleTableSlot **pending; // inserted rows not yet written (see insert); the
    int npending;             // slots are reused, `capacity` of them made so far
    int capacity;
    TupleDesc desc;           // an unpinned copy for those slots
    bool written;             // write_rules::require_supported() passed
    bool updated;             // write_rules::before_update() passed
};

// The tables one SQL call works on, opened on first use.
struct Session {
    Oid schema;
    Oid function;    // the SQL function writing (InvalidOid: background work)
    EState *estate;  // for index maintenance; created on first need
    List *locked;    // slots of the rows locked by lock_by_index()
    bool reading;    // open_for_reading(): nothing is written, so it works on a standby too
    Table tables[static_cast<int>(TableId::count)];
};

// The schema the extension lives in: that of the function being called.
Oid extension_schema(FunctionCallInfo fcinfo);
// The same found in the catalog, for code that no function of the
// extension called (InvalidOid: not installed in this database).
Oid installed_schema();

// 25006 (read_only_sql_transaction) in a read-only transaction, on a hot
// standby included, naming `function`: nothing is written or locked.
void require_writable(Oid function);

// A session for the SQL function being called (which must be allowed to
// write: require_writable), or for background work in `schema`.
void open(Session &s, FunctionCallInfo fcinfo);
void open(Session &s, Oid schema);
// A session that only reads (find_by_index, scan_index), in any transaction.
void open_for_reading(Session &s, FunctionCallInfo fcinfo);
// Releases what the call opened.
void close(Session &s);
// Writes the rows insert() has collected so far.
void flush(Session &s);

Table &table(Session &s, TableId id);
inline Relation rel(Session &s, TableId id) { return table(s, id).rel; }

// The OID of an index of one of the session's tables, by name: of the
// table itself, or on Citus of the shard the session uses (cluster.h). An
// error when it is missing, which means the schema is older than the library.
Oid index_oid(Session &s, TableId t, const char *name);

// Attribute numbers of a table's columns, looked up by name once per table
// (an error names a missing column).
template <int N>
struct Columns {
    const char *const (&names)[N];
    Oid relid = InvalidOid;
    AttrNumber attnum[N] = {};

    AttrNumber operator[](int i) const { return attnum[i]; }
};
void resolve_columns(Relation rel, const char *const *names, int n, AttrNumber *attnum);
template <int N>
const Columns<N> &columns(Columns<N> &c, Relation rel) {
    if (c.relid != RelationGetRelid(rel)) {
        resolve_columns(rel, c.names, N, c.attnum);
        c.relid = RelationGetRelid(rel);
    }
    return c;
}

enum class Wait { Block, Skip };

// Decides on a row before it is locked (on columns no update changes):
// false treats it as absent, so that it is never locked.
struct Filter {
    bool (*keep)(TupleTableSlot *row, const void *context) = nullptr;
    const void *context = nullptr;
};

// Finds the row whose index key equals `keys` (one Datum per index column)
// and locks it FOR NO KEY UPDATE, following the update chain as SELECT ...
// FOR UPDATE does in READ COMMITTED. Returns a slot holding the locked row
// version, which close() releases, or nullptr when there is none, the
// filter refuses it, or (with Wait::Skip) another transaction holds it.
TupleTableSlot *lock_by_index(Session &s, TableId t, Oid index, const Datum *keys, int nkeys,
                              Wait wait = Wait::Block, Filter filter = {});

// Reads the row whose index key equals `keys` without locking it, with a
// fresh snapshot. Release the slot with release_slot().
TupleTableSlot *find_by_index(Session &s, TableId t, Oid index, const Datum *keys, int nkeys);

// Calls visit(slot) for each row whose leading index columns equal `keys`,
// in index order, with a fresh snapshot, until it returns false. The slot is
// only valid during the call.
template <typename Visit>
void scan_index(Session &s, TableId t, Oid index, const Datum *keys, int nkeys, Visit visit);

// The same for a row to update() without a row lock, when every writer of
// it holds another lock this caller holds too (a usage rollup: its
// account's). close() releases the slot.
TupleTableSlot *find_to_update(Session &s, TableId t, Oid index, const Datum *keys, int nkeys);

// Reloads the row version the slot holds, if a fresh snapshot still sees it
// (nobody has updated it since); false otherwise.
bool refresh(Session &s, TableId t, TupleTableSlot *slot);

void release_slot(TupleTableSlot *slot);

// Values of a row.
bool is_null(TupleTableSlot *slot, AttrNumber attnum);
Datum value(TupleTableSlot *slot, AttrNumber attnum);
std::optional<Datum> nullable(TupleTableSlot *slot, AttrNumber attnum);
std::optional<std::string_view> text_value(TupleTableSlot *slot, AttrNumber attnum);
// The same copied into CurrentMemoryContext, to outlive the slot.
std::optional<std::string_view> copied_text(TupleTableSlot *slot, AttrNumber attnum);

Datum text_datum(std::string_view s);

// A row being built for insert(), or the changed columns for update().
struct Values {
    int natts;
    Datum *values;
    bool *nulls;
    bool *changed;

    Values &set(AttrNumber attnum, Datum value);
    Values &set(AttrNumber attnum, std::optional<Datum> value);
    Values &set_null(AttrNumber attnum);
    Values &set_text(AttrNumber attnum, std::optional<std::string_view> value);
};
Values new_values(Relation rel);  // every column NULL and unchanged

// Every write is followed by CommandCounterIncrement, so the reads that come
// after it, in this call or in later statements, see it.

// Inserts a row and its index entries; the columns it leaves unset get what
// an INSERT would give them (write_rules.h). Rows are collected and written
// together (heap_multi_insert: one WAL record per page) before the next read
// of the table through this session, and at close().
void insert(Session &s, TableId t, Values &row);

// Replaces the locked row version in `slot` by it with the changed columns;
// index entries are added when the update could not be HOT. The slot then
// holds the new version.
void update(Session &s, TableId t, TupleTableSlot *slot, const Values &changes);

// --- implementation of the template ---

struct IndexScan;
IndexScan *begin_index_scan(Session &s, TableId t, Oid index, const Datum *keys, int nkeys);
TupleTableSlot *next_in_scan(IndexScan *scan);
void end_index_scan(IndexScan *scan);

template <typename Visit>
void scan_index(Session &s, TableId t, Oid index, const Datum *keys, int nkeys, Visit visit) {
    IndexScan *scan = begin_index_scan(s, t, index, keys, nkeys);
    while (TupleTableSlot *slot = next_in_scan(scan))
        if (!visit(slot)) break;
    end_index_scan(scan);
}

}  // namespace credits::tables
