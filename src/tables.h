// Direct access to the extension's tables for the hot path.
//
// A debit through SPI costs three executor start-ups; here it is one index
// probe, one tuple lock, one heap insert and one (normally HOT) heap update,
// done with the same table-AM and index calls the executor makes. Index
// maintenance goes through ExecInsertIndexTuples, so every index on the table
// is kept, including ones a DBA adds. Triggers on these tables do not fire
// for these writes: the extension's own guard triggers exist to stop other
// writers.
//
// Resource discipline: relations, slots and the EState opened for a call are
// released by close(); on an error, transaction abort releases them. Nothing
// here throws a C++ exception while it holds a scan or a snapshot.
#pragma once

#include "pg.h"

namespace credits::tables {

struct Table {
    Relation rel;
    ResultRelInfo *indexes;  // opened on the first write that needs them
};

// The tables one SQL call works on.
struct Session {
    Oid schema;
    EState *estate;  // for index maintenance; created on first need
    List *locked;    // slots of the rows locked by lock_by_index()
    Table account;
    Table entry;
};

// The schema the extension lives in: that of the function being called.
Oid extension_schema(FunctionCallInfo fcinfo);

void open(Session &s, Oid schema);
// Releases what the call opened and makes its writes visible to the
// statements that follow (CommandCounterIncrement).
void close(Session &s);

// The OID of a relation of the extension (table or index) by name; an error
// when it is missing, which means the schema is older than the library.
Oid relation_oid(Oid schema, const char *name);

// The attribute number of a column; an error when it is missing.
AttrNumber column(Relation rel, const char *name);

// Finds the row whose index key equals `keys` (one Datum per index column)
// and locks it FOR NO KEY UPDATE, following the update chain as SELECT ...
// FOR UPDATE does in READ COMMITTED. Returns a slot holding the locked row
// version, which close() releases, or nullptr when there is none.
TupleTableSlot *lock_by_index(Session &s, Table &t, Oid index, const Datum *keys, int nkeys);

// Reads the row whose index key equals `keys` without locking it, with a
// fresh snapshot. Release the slot with release_slot().
TupleTableSlot *find_by_index(Session &s, Table &t, Oid index, const Datum *keys, int nkeys);

void release_slot(TupleTableSlot *slot);

// Inserts a tuple and its index entries.
void insert(Session &s, Table &t, HeapTuple tuple);

// Replaces the locked row version `old_tid` with `tuple`; index entries are
// added when the update could not be HOT.
void update(Session &s, Table &t, ItemPointer old_tid, HeapTuple tuple);

}  // namespace credits::tables
