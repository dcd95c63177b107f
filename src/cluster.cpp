#include "cluster.h"

#include "errors.h"
#include "spi.h"
#include "tables.h"

extern "C" {
#include "catalog/pg_namespace.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "utils/inval.h"
#include "utils/snapmgr.h"
}

namespace credits::cluster {

namespace {

// Citus's lock class for the metadata of colocated shards (resource_lock.h:
// ADV_LOCKTAG_CLASS_CITUS_COLOCATED_SHARDS_METADATA).
constexpr uint16 colocated_shards_metadata = 8;

struct Shard {
    int64 id;
    int32 min, max;  // the hash range, inclusive
    bool local;      // placed on this node
};

// What Citus's metadata says about credits' tables here, rebuilt after
// Citus invalidates one of them (it does on every metadata change).
struct Map {
    bool valid;
    const char *partly;  // Partial: a table that is not distributed as it should be
    Oid shells[account_table_count + reference_table_count];  // the tables whose invalidation matters
    Mode mode;
    bool worker;
    Oid schema;
    uint32 colocation;
    int groups;
    Shard *shards[account_table_count];  // `groups` each, in hash order
    Shard reference[reference_table_count];
    int32 *group_keys;  // key_in_group(), found on first need
    bool *group_key_known;
};

MemoryContext map_context = nullptr;
Map map{};
uint64 invalidations = 0;
uint64 version = 0;
int current = -1;
SubTransactionId entered_in = InvalidSubTransactionId;

void on_relcache_invalidation(Datum, Oid relid) {
    // Citus invalidates a distributed table whenever its metadata changes
    // (distribution, placements). Only flag it: this may run in the middle of
    // a rebuild.
    bool ours = relid == InvalidOid;
    for (Oid shell : map.shells) ours = ours || shell == relid;
    if (!ours) return;
    map.valid = false;
    invalidations++;
}

// Read with SPI_execute_with_args, not spi::Statement: preparing one of
// those asks for the map (spi.h).
constexpr const char *shards_query =
    "SELECT c.relname::text, p.partmethod::text, p.colocationid::int8, s.shardid,"
    " s.shardminvalue::int4, s.shardmaxvalue::int4,"
    " EXISTS (SELECT FROM pg_dist_placement pl WHERE pl.shardid = s.shardid AND pl.groupid = g.groupid"
    " AND pl.shardstate = 1)"
    " FROM pg_dist_partition p JOIN pg_class c ON c.oid = p.logicalrelid"
    " JOIN pg_dist_shard s ON s.logicalrelid = p.logicalrelid CROSS JOIN pg_dist_local_group g"
    " WHERE c.relnamespace = $1 ORDER BY 1, 5 NULLS FIRST";
constexpr const char *local_group_query = "SELECT groupid FROM pg_dist_local_group";

// Read with the latest snapshot, whatever the transaction's isolation and
// however old its statement's snapshot: a writer that waited for a shard
// move must see where the move put the shard.
uint64 read_rows(const char *sql, int nargs, Oid *types, Datum *values) {
    PushActiveSnapshot(GetLatestSnapshot());
    int rc = SPI_execute_with_args(sql, nargs, types, values, nullptr, true, 0);
    PopActiveSnapshot();
    if (rc != SPI_OK_SELECT) elog(ERROR, "credits: reading Citus's metadata failed");
    return SPI_processed;
}

int index_of(const char *const *names, int n, std::string_view name) {
    for (int i = 0; i < n; i++)
        if (name == names[i]) return i;
    return -1;
}

[[noreturn]] void partly_distributed_error(const char *table) {
    fail(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE, format("credits is only partly distributed: %s is not", table),
         "Citus's metadata does not show every table of credits as credits_distribute() leaves them.",
         "Run SELECT * FROM credits_distribute() on the coordinator.");
}

// Reads the map; the name of a table that is not distributed as it should
// be, or nullptr.
const char *read_map() {
    map.mode = Mode::Single;
    map.schema = tables::installed_schema();
    if (!OidIsValid(map.schema)) return nullptr;
    for (int t = 0; t < account_table_count; t++) map.shells[t] = get_relname_relid(account_scoped_tables[t], map.schema);
    for (int r = 0; r < reference_table_count; r++)
        map.shells[account_table_count + r] = get_relname_relid(reference_tables[r], map.schema);
    if (!OidIsValid(get_relname_relid("pg_dist_partition", PG_CATALOG_NAMESPACE))) return nullptr;

    spi::begin_in_schema(map.schema);
    uint64 n = read_rows(local_group_query, 0, nullptr, nullptr);
    map.worker = n == 1 && DatumGetInt32(spi::row(0).datum(1)) > 0;
    Oid types[] = {OIDOID};
    Datum values[] = {ObjectIdGetDatum(map.schema)};
    n = read_rows(shards_query, 1, types, values);
    int counts[account_table_count] = {};
    for (uint64 i = 0; i < n; i++) {
        int t = index_of(account_scoped_tables, account_table_count, spi::row(i).string(1));
        if (t >= 0) counts[t]++;
    }
    map.mode = counts[0] > 0 ? Mode::Distributed : Mode::Undistributed;
    map.groups = counts[0];
    MemoryContext old = MemoryContextSwitchTo(map_context);
    for (auto &shards : map.shards) shards = static_cast<Shard *>(palloc0(sizeof(Shard) * (map.groups + 1)));
    map.group_keys = static_cast<int32 *>(palloc0(sizeof(int32) * (map.groups + 1)));
    map.group_key_known = static_cast<bool *>(palloc0(sizeof(bool) * (map.groups + 1)));
    MemoryContextSwitchTo(old);
    for (Shard &r : map.reference) r.id = -1;

    const char *problem = nullptr;
    int filled[account_table_count] = {};
    for (uint64 i = 0; i < n && map.mode == Mode::Distributed && !problem; i++) {
        spi::Row r = spi::row(i);
        std::string_view table = r.string(1);
        Shard shard{r.int64_value(4), 0, 0, r.boolean(7)};
        if (int t = index_of(account_scoped_tables, account_table_count, table); t >= 0) {
            auto colocation = static_cast<uint32>(r.int64_value(3));
            if (t == 0 && filled[0] == 0) map.colocation = colocation;
            if (r.string(2) != "h" || counts[t] != map.groups || colocation != map.colocation) {
                problem = account_scoped_tables[t];
                break;
            }
            shard.min = DatumGetInt32(r.datum(5));
            shard.max = DatumGetInt32(r.datum(6));
            map.shards[t][filled[t]++] = shard;
        } else if (int ref = index_of(reference_tables, reference_table_count, table); ref >= 0) {
            if (r.string(2) != "n") problem = reference_tables[ref];
            map.reference[ref] = shard;
        }
    }
    spi::end();
    if (map.mode != Mode::Distributed || problem) return problem;
    for (int t = 1; t < account_table_count; t++)
        for (int g = 0; g < map.groups; g++)
            if (map.shards[t][g].min != map.shards[0][g].min) return account_scoped_tables[t];
    for (int ref = 0; ref < reference_table_count; ref++)
        if (map.reference[ref].id < 0) return reference_tables[ref];
    return nullptr;
}

void rebuild() {
    if (!map_context) {
        map_context = AllocSetContextCreate(CacheMemoryContext, "credits shard map", ALLOCSET_SMALL_SIZES);
        CacheRegisterRelcacheCallback(on_relcache_invalidation, 0);
    }
    MemoryContextReset(map_context);
    map = Map{};
    version++;
    uint64 seen = invalidations;
    map.partly = read_map();
    if (map.partly) map.mode = Mode::Partial;
    // One more invalidation while reading: read again next time.
    map.valid = seen == invalidations;
}

const Map &current_map() {
    // The current group stays: a writer holds the metadata lock, so its
    // group cannot move away, and a reader keeps reading what it opened.
    if (!map.valid) rebuild();
    return map;
}

const Shard &shard_of(int table, int group) {
    const Map &m = current_map();
    if (group < 0 || group >= m.groups) elog(ERROR, "credits: shard group %d does not exist", group);
    return m.shards[table][group];
}

[[noreturn]] void not_local(const char *why) {
    fail(sqlstate::shard_not_local, "the account's shard is not on this node", why,
         "Retry the call: through the coordinator it goes where the shard is now.");
}

int32 hash_of(int32 key) { return DatumGetInt32(DirectFunctionCall1(hashint4, Int32GetDatum(key))); }

}  // namespace

Mode mode() { return current_map().mode; }

bool on_worker() { return current_map().worker; }

bool in_internal_connection() {
    // Citus names its own connections so (citus_internal gpid=...).
    const char *name = GetConfigOption("application_name", true, false);
    return name && strncmp(name, "citus_internal", strlen("citus_internal")) == 0;
}

bool is_account_scoped(const char *table) {
    return index_of(account_scoped_tables, account_table_count, table) >= 0;
}

int group_count() { return current_map().groups; }

int group_of(int32 key) {
    const Map &m = current_map();
    int32 hash = hash_of(key);
    int low = 0, high = m.groups - 1;
    while (low <= high) {
        int mid = (low + high) / 2;
        const Shard &s = m.shards[0][mid];
        if (hash < s.min)
            high = mid - 1;
        else if (hash > s.max)
            low = mid + 1;
        else
            return mid;
    }
    elog(ERROR, "credits: no shard of credits_account covers hash %d", hash);
}

bool group_is_local(int group) { return shard_of(0, group).local; }

int32 key_in_group(int group) {
    const Map &m = current_map();
    shard_of(0, group);
    if (!m.group_key_known[group]) {
        // About `groups` tries on average: the ranges split the hash space evenly.
        int32 key = 0;
        while (group_of(key) != group) key++;
        m.group_keys[group] = key;
        m.group_key_known[group] = true;
    }
    return m.group_keys[group];
}

void enter(int group, bool writes) {
    const Map &m = current_map();
    if (writes) {
        LOCKTAG tag;
        SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, static_cast<uint32>(group), m.colocation, colocated_shards_metadata);
        (void)LockAcquire(&tag, ShareLock, false, false);  // held to the end of the transaction
        // A move that finished while we waited has changed the placements.
        AcceptInvalidationMessages();
    }
    if (!group_is_local(group))
        not_local(format("Shard group %d of credits' tables is placed on another node.", group));
    current = group;
    entered_in = GetCurrentSubTransactionId();
}

void leave() { current = -1; }

void require_in_current_group(int32 key) {
    if (current >= 0 && group_of(key) != current)
        not_local(format("Account key %d belongs to shard group %d, not to group %d.", key, group_of(key), current));
}

int current_group() { return current; }

const char *relation_name(const char *table) {
    const Map &m = current_map();
    if (m.mode != Mode::Distributed) return nullptr;
    if (int t = index_of(account_scoped_tables, account_table_count, table); t >= 0)
        return current < 0 ? nullptr : psprintf("%s_" INT64_FORMAT, table, m.shards[t][current].id);
    if (int ref = index_of(reference_tables, reference_table_count, table); ref >= 0)
        return psprintf("%s_" INT64_FORMAT, table, m.reference[ref].id);
    return nullptr;
}

Oid relation(Oid schema, const char *table, const char *index) {
    const char *name = index ? index : table;
    const Map &m = current_map();
    if (m.mode == Mode::Partial) partly_distributed_error(m.partly);
    if (m.mode == Mode::Undistributed && m.worker)
        fail(sqlstate::shard_not_local, "credits is not distributed in this Citus cluster",
             "Its tables on a worker hold nothing that Citus reads.",
             "Run SELECT * FROM credits_distribute() on the coordinator, or call credits there.");
    if (m.mode != Mode::Distributed) return get_relname_relid(name, schema);

    int64 shard;
    if (int t = index_of(account_scoped_tables, account_table_count, table); t >= 0) {
        if (current < 0) elog(ERROR, "credits: %s needs a shard group, and none was chosen", table);
        shard = m.shards[t][current].id;
    } else if (int ref = index_of(reference_tables, reference_table_count, table); ref >= 0) {
        if (!m.reference[ref].local) not_local(format("This node holds no copy of %s.", table));
        shard = m.reference[ref].id;
    } else {
        return get_relname_relid(name, schema);
    }
    Oid oid = get_relname_relid(psprintf("%s_" INT64_FORMAT, name, shard), schema);
    if (!OidIsValid(oid)) not_local(format("Shard " INT64_FORMAT " of %s is not on this node.", shard, table));
    return oid;
}

uint64 map_version() {
    current_map();
    return version;
}

void forget_group_from(SubTransactionId subxact) {
    if (current >= 0 && entered_in >= subxact) current = -1;
}

}  // namespace credits::cluster
