// credits on Citus: which shards hold an account's rows, and which relations
// a call reads and writes.
//
// After credits_distribute() every account-scoped table is hash-distributed
// by account_key and colocated with credits_account, so that shard index i of
// every one of them covers the same hash range: "group" i holds all the rows
// of the accounts whose key hashes there. The small tenant-wide tables are
// reference tables, with a copy on every node. Citus never reads the tables
// themselves (the "shells") again, so a call writes the local shard relations
// of one group and never a shell; a writer first takes the lock Citus's own
// writers take, so that a shard move waits for it instead of losing its write.
//
// Without Citus none of this costs more than one cached check: the relations
// are the tables themselves.
#pragma once

#include "pg.h"

namespace credits::cluster {

// The extension's tables as Citus holds them: by account_key, colocated with
// credits_account; or as reference tables, a copy on every node. The event
// feed's tables are neither: each node keeps its own (events.h).
inline constexpr const char *account_scoped_tables[] = {
    "credits_account",       "credits_entry",        "credits_reservation",  "credits_grant",
    "credits_subscription",  "credits_status_change", "credits_usage_record", "credits_usage_rollup",
    "credits_alert",         "credits_reload_request"};
inline constexpr const char *reference_tables[] = {"credits_plan", "credits_role_tenant", "credits_access_set",
                                                   "credits_legacy_id", "credits_price", "credits_usage_horizon"};
inline constexpr int account_table_count = sizeof(account_scoped_tables) / sizeof(account_scoped_tables[0]);
inline constexpr int reference_table_count = sizeof(reference_tables) / sizeof(reference_tables[0]);

enum class Mode {
    Single,         // no Citus in this database
    Undistributed,  // Citus, but credits_distribute() has not run
    Partial,        // some tables distributed, not all (only while it runs)
    Distributed,
};
Mode mode();
inline bool distributed() { return mode() == Mode::Distributed; }

// This node is a Citus worker (not the coordinator).
bool on_worker();

// The session is one Citus opened from another node to run part of a query.
bool in_internal_connection();

// Whether the named table of the extension is hash-distributed by account
// (the others become reference tables).
bool is_account_scoped(const char *table);

// Shard groups (Distributed only).
int group_count();
int group_of(int32 key);
bool group_is_local(int group);
// A key that hashes into the group: a call made with it runs there.
int32 key_in_group(int group);

// The group the running call works on, or -1. enter() makes `group` the
// call's; it must be local to this node (CR020 otherwise: the shard moved
// away during the call, or the call reached the wrong node). With `writes`
// it first takes Citus's shard metadata lock in share mode, as Citus's
// writers do: a shard move waits for the transaction to end. leave() (and
// the end of the transaction) forgets the group.
void enter(int group, bool writes);
void leave();
int current_group();

// CR020 unless a row of this key belongs in the current group (if any): a
// row must never land on another key's shard.
void require_in_current_group(int32 key);

// The relation that stands for the extension's table `table`, or for its
// index `index` (nullptr: the table itself), in `schema`: the object itself
// without Citus; with it, the local shard of the current group, or the local
// copy of a reference table. An account-scoped table with no group entered
// is an internal error, never a write to the shell. InvalidOid if missing.
Oid relation(Oid schema, const char *table, const char *index = nullptr);

// The name of the relation that relation() returns for a table, for SQL
// text (nullptr: the table itself).
const char *relation_name(const char *table);

// Changes whenever the shard map is read anew: what was derived from an
// older one (shard names in prepared plans) is stale.
uint64 map_version();

// Forgets the current group when the (sub)transaction that entered it ends
// with an error (module.cpp): the call is over.
void forget_group_from(SubTransactionId subxact);

}  // namespace credits::cluster
