// What a write to one of the extension's tables must respect, so that the
// direct writes of tables.h keep the contract an INSERT or UPDATE through the
// executor keeps (DESIGN.md section 11):
//
// - every index is maintained, including ones a DBA adds;
// - a column an INSERT leaves out gets its default (identity columns their
//   next value; a domain its NULL check), stored generated columns are
//   computed, and NOT NULL and CHECK constraints hold, with the executor's
//   own errors (23502, 23514);
// - an UPDATE passes the executor's replica-identity check for publications;
// - what credits cannot honour below the executor (user triggers and rules,
//   foreign keys from its tables, deferrable constraints, partitions and
//   inheritance children) stops every write with CR019, and the DDL that
//   adds it is refused (ddl_guard.cpp).
//
// All of it is worked out once per table and backend and rebuilt when the
// table's relcache entry is invalidated: a table nobody changed costs a few
// comparisons per write.
#pragma once

#include "tables.h"

namespace credits::tables::rules {

// CR019 unless credits can write the table as the executor would. Called
// before the first write to a table in a session.
void require_supported(Session &s, TableId id);

// Why credits cannot write `rel` (a table of the extension) below the
// executor, or nullptr when it can.
const char *unsupported_feature(Relation rel);

// Fills the columns an INSERT leaves unset, as the rewriter and planner do.
// The values live in per-row memory until finish_row().
void fill_defaults(Session &s, TableId id, Values &row);

// Computes the stored generated columns of the new row version in `slot`
// and checks NOT NULL and CHECK constraints, with the executor's errors;
// the slot may be re-stored. `values`: the whole row for an INSERT, the
// changes for an UPDATE (only what they touch can break a constraint the
// row met).
void check_new_row(Session &s, TableId id, TupleTableSlot *slot, const Values &values, CmdType command);

// Frees the per-row memory of fill_defaults() and check_new_row().
void finish_row(TableId id);

// The executor's checks before an UPDATE: replica identity for the table's
// publications (once per session and table).
void before_update(Session &s, TableId id);

// Index entries for the rows in slots (their tts_tid set by the heap insert
// or update), index by index.
void insert_index_entries(Session &s, TableId id, TupleTableSlot **slots, int n);

}  // namespace credits::tables::rules
