#include "accounts.h"

#include "alerts.h"

#include "args.h"
#include "clock.h"
#include "errors.h"
#include "guard.h"
#include "ids.h"
#include "grants.h"
#include "plans.h"
#include "reservations.h"
#include "tenants.h"
#include "spi.h"

namespace credits {

namespace {

constexpr const char *column_names[] = {
    "id",           "tenant",           "external_id", "name",        "email",
    "status",       "unit",             "scale",       "balance",     "reserved",
    "overdraft_limit", "metadata",      "entry_count", "updated_at",  "next_hold_expiry",
    "grant_count",  "next_grant_expiry", "default_grant_ttl", "min_credit_amount", "next_renewal",
    "account_key",  "notify_emails",    "watched",     "creation_key"};
constexpr int column_count = static_cast<int>(AccountColumn::count);
static_assert(sizeof(column_names) / sizeof(column_names[0]) == column_count);
tables::Columns<column_count> columns{column_names};

// Index OIDs, looked up once per table like the columns.
struct Indexes {
    Oid relid = InvalidOid;
    Oid pkey, tenant_external_id;
} indexes;

const Indexes &indexes_of(tables::Session &s) {
    Relation rel = tables::rel(s, tables::TableId::Account);
    if (indexes.relid != RelationGetRelid(rel)) {
        indexes.pkey = tables::index_oid(s, tables::TableId::Account, "credits_account_pkey");
        indexes.tenant_external_id = tables::index_oid(s, tables::TableId::Account, "credits_account_tenant_external_id_key");
        indexes.relid = RelationGetRelid(rel);
    }
    return indexes;
}

struct TenantFilter {
    AttrNumber attnum;
    std::string_view tenant;
};

bool in_tenant(TupleTableSlot *row, const void *context) {
    auto *f = static_cast<const TenantFilter *>(context);
    return tables::text_value(row, f->attnum) == f->tenant;
}

TupleTableSlot *lock_row_by_id(tables::Session &s, std::string_view id, std::optional<std::string_view> tenant,
                               tables::Wait wait) {
    Datum key = tables::text_datum(id);
    // Another tenant's account is as good as absent, and is never locked (an
    // account's tenant never changes, so the version found decides).
    TenantFilter f{account_attnum(s, AccountColumn::tenant), tenant.value_or("")};
    tables::Filter filter;
    if (tenant) filter = tables::Filter{in_tenant, &f};
    return tables::lock_by_index(s, tables::TableId::Account, indexes_of(s).pkey, &key, 1, wait, filter);
}

// The locked row of the account, or nullptr when the tenant has none.
TupleTableSlot *lock_row(tables::Session &s, std::string_view account) {
    std::string_view tenant = tenants::current();
    if (ids::has_shape(account, "acc_"))
        return lock_row_by_id(s, ids::canonical(account).view(), tenant, tables::Wait::Block);
    Datum keys[] = {tables::text_datum(tenant), tables::text_datum(account)};
    return tables::lock_by_index(s, tables::TableId::Account, indexes_of(s).tenant_external_id, keys, 2);
}

Account load(tables::Session &s, TupleTableSlot *row) {
    auto col = [&](AccountColumn c) { return account_attnum(s, c); };
    Account a;
    a.row = row;
    a.key = DatumGetInt32(tables::value(row, col(AccountColumn::account_key)));
    a.id = args::cstr(*tables::text_value(row, col(AccountColumn::id)));
    a.external_id = args::cstr(*tables::text_value(row, col(AccountColumn::external_id)));
    a.unit = args::cstr(*tables::text_value(row, col(AccountColumn::unit)));
    a.status = parse_status(*tables::text_value(row, col(AccountColumn::status))).value_or(Status::Closed);
    a.scale = DatumGetInt16(tables::value(row, col(AccountColumn::scale)));
    a.balance = numeric_to_units(tables::value(row, col(AccountColumn::balance)), a.scale);
    a.reserved = numeric_to_units(tables::value(row, col(AccountColumn::reserved)), a.scale);
    a.overdraft_limit = numeric_to_units(tables::value(row, col(AccountColumn::overdraft_limit)), a.scale);
    a.entry_count = DatumGetInt64(tables::value(row, col(AccountColumn::entry_count)));
    a.next_hold_expiry = timestamp_or_never(row, col(AccountColumn::next_hold_expiry));
    a.grant_count = DatumGetInt32(tables::value(row, col(AccountColumn::grant_count)));
    a.next_grant_expiry = timestamp_or_never(row, col(AccountColumn::next_grant_expiry));
    a.next_renewal = timestamp_or_never(row, col(AccountColumn::next_renewal));
    a.default_grant_ttl = std::nullopt;
    if (auto ttl = tables::nullable(row, col(AccountColumn::default_grant_ttl)))
        a.default_grant_ttl = *DatumGetIntervalP(*ttl);
    auto minimum = tables::nullable(row, col(AccountColumn::min_credit_amount));
    a.min_credit_amount = minimum ? numeric_to_units(*minimum, a.scale) : 0;
    a.watched = DatumGetBool(tables::value(row, col(AccountColumn::watched)));
    a.saved_balance = a.balance;
    a.saved_reserved = a.reserved;
    a.changed = false;
    return a;
}

// Lazy correctness: an account is never used with expired holds or grants
// in it, or with a plan period that has ended, whether or not background
// work has run.
Account bring_up_to_date(tables::Session &s, Account a) {
    TimestampTz now = clock::now();
    if (a.next_hold_expiry <= now || a.next_renewal <= now || a.next_grant_expiry <= now) catch_up(s, a);
    return a;
}

spi::Statement id_by_id{"SELECT id, account_key FROM @extschema@.credits_account WHERE id = $1 AND tenant = $2", 2,
                        {TEXTOID, TEXTOID}};

spi::Statement id_by_external_id{
    "SELECT id, account_key FROM @extschema@.credits_account WHERE tenant = $1 AND external_id = $2", 2,
    {TEXTOID, TEXTOID}};

}  // namespace

int32 account_key(std::string_view tenant, std::string_view external_id) {
    // Our own hash, not PostgreSQL's (whose hash_bytes differs between byte
    // orders): keys are stored and must not change when a dump moves. FNV-1a
    // over tenant, a zero byte (which text cannot hold, so no two pairs give
    // the same bytes) and external_id, then MurmurHash3's finalizer to mix
    // the high bits into the low 32 that we keep.
    uint64 h = 0xcbf29ce484222325ULL;
    auto feed = [&h](unsigned char byte) { h = (h ^ byte) * 0x100000001b3ULL; };
    for (char c : tenant) feed(static_cast<unsigned char>(c));
    feed(0);
    for (char c : external_id) feed(static_cast<unsigned char>(c));
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb53fe63ad6b1ULL;
    h ^= h >> 33;
    return static_cast<int32>(static_cast<uint32>(h));
}

TimestampTz timestamp_or_never(TupleTableSlot *row, AttrNumber attnum) {
    auto t = tables::nullable(row, attnum);
    return t ? DatumGetTimestampTz(*t) : no_expiry;
}

std::optional<Datum> nullable_timestamp(TimestampTz t) {
    if (t == no_expiry) return std::nullopt;
    return TimestampTzGetDatum(t);
}

namespace {

// A plan renewal runs in a subtransaction of its own, on a copy of the
// account: one that fails (a plan that no longer fits the account, a balance
// that would leave its range, a damaged row) is reported with a WARNING and
// tried again on the next touch and by the scheduler, and never blocks the
// account's other operations. Expiries are not optional, so they run as
// part of the operation.
int renew_isolated(tables::Session &s, Account &a) {
    tables::flush(s);  // the renewal reads what this call has written
    Account copy = a;
    int renewed = 0;
    ErrorData *error = in_subtransaction([&] {
        tables::Session own;
        tables::open(own, s.schema);
        own.function = s.function;
        renewed = plans::renew(own, copy);
        tables::close(own);
    });
    if (!error) {
        a = copy;
        return renewed;
    }
    ereport(WARNING, (errcode(error->sqlerrcode),
                      errmsg("credits: the plan renewal of account %s failed: %s", a.external_id, error->message),
                      errdetail("Its other operations go on; the renewal is tried again when it is touched and by "
                                "credits_run_due()."),
                      errhint("Assign the account a plan that fits it, or cancel its plan.")));
    FreeErrorData(error);
    return 0;
}

}  // namespace

CaughtUp catch_up(tables::Session &s, Account &a) {
    TimestampTz now = clock::now();
    CaughtUp done{0, 0, 0};
    if (a.next_hold_expiry <= now) done.expired_holds = settle_expired_holds(s, a, PG_INT32_MAX);
    if (a.next_renewal <= now) done.renewals = renew_isolated(s, a);
    if (a.next_grant_expiry <= now) done.expired_grants = grants::settle_expired(s, a, PG_INT32_MAX);
    if (a.changed) save_account(s, a);
    return done;
}

AttrNumber account_attnum(tables::Session &s, AccountColumn c) {
    return tables::columns(columns, tables::rel(s, tables::TableId::Account))[static_cast<int>(c)];
}

const char *status_name(Status s) {
    switch (s) {
        case Status::Active: return "active";
        case Status::Frozen: return "frozen";
        case Status::Closed: return "closed";
    }
    return "?";
}

std::optional<Status> parse_status(std::string_view s) {
    for (Status st : {Status::Active, Status::Frozen, Status::Closed})
        if (s == status_name(st)) return st;
    return std::nullopt;
}

std::string_view account_arg(FunctionCallInfo fcinfo, int argno) {
    return args::required_text(fcinfo, argno, "account");
}

void account_not_found(std::string_view account) {
    fail(sqlstate::account_not_found, format("account \"%s\" does not exist", args::shown(account)),
         format("No account has that id or external_id in tenant \"%s\".", args::cstr(tenants::current())),
         "Set credits.tenant if the account belongs to another tenant.");
}

Account lock_account(tables::Session &s, std::string_view account) {
    TupleTableSlot *row = lock_row(s, account);
    if (!row) account_not_found(account);
    return bring_up_to_date(s, load(s, row));
}

std::optional<Account> lock_account_by_id(tables::Session &s, std::string_view id, LockOptions options) {
    std::optional<std::string_view> tenant;
    if (!options.any_tenant) tenant = tenants::current();
    TupleTableSlot *row = lock_row_by_id(s, id, tenant, options.wait);
    if (!row) return std::nullopt;
    Account a = load(s, row);
    return options.settle ? bring_up_to_date(s, a) : a;
}

void save_account(tables::Session &s, Account &a, tables::Values *extra) {
    auto col = [&](AccountColumn c) { return account_attnum(s, c); };
    tables::Values changes = extra ? *extra : tables::new_values(tables::rel(s, tables::TableId::Account));
    changes.set(col(AccountColumn::balance), units_to_numeric(a.balance, a.scale))
        .set(col(AccountColumn::reserved), units_to_numeric(a.reserved, a.scale))
        .set(col(AccountColumn::entry_count), Int64GetDatum(a.entry_count))
        .set(col(AccountColumn::next_hold_expiry), nullable_timestamp(a.next_hold_expiry))
        .set(col(AccountColumn::grant_count), Int32GetDatum(a.grant_count))
        .set(col(AccountColumn::next_grant_expiry), nullable_timestamp(a.next_grant_expiry))
        .set(col(AccountColumn::next_renewal), nullable_timestamp(a.next_renewal))
        .set(col(AccountColumn::updated_at), TimestampTzGetDatum(clock::now()));
    tables::update(s, tables::TableId::Account, a.row, changes);
    a.changed = false;
    Units balance_before = a.saved_balance, available_before = a.saved_balance - a.saved_reserved;
    a.saved_balance = a.balance;
    a.saved_reserved = a.reserved;
    if (a.watched && (a.balance != balance_before || a.available() != available_before))
        alerts::evaluate(s, a, alerts::Before{balance_before, available_before});
}

std::string_view account_tenant(tables::Session &s, const Account &a) {
    return *tables::text_value(a.row, account_attnum(s, AccountColumn::tenant));
}

const char *resolve_account_id(tables::Session &s, std::string_view account) {
    if (ids::has_shape(account, "acc_")) return pstrdup(ids::canonical(account).text);
    Datum keys[] = {tables::text_datum(tenants::current()), tables::text_datum(account)};
    TupleTableSlot *row =
        tables::find_by_index(s, tables::TableId::Account, indexes_of(s).tenant_external_id, keys, 2);
    if (!row) account_not_found(account);
    const char *id = args::cstr(*tables::text_value(row, account_attnum(s, AccountColumn::id)));
    tables::release_slot(row);
    return id;
}

FoundAccount find_account(std::string_view account) {
    std::string_view tenant = tenants::current();
    uint64 found = ids::has_shape(account, "acc_")
                       ? spi::run(id_by_id, spi::Params().add_text(ids::canonical(account).view()).add_text(tenant))
                       : spi::run(id_by_external_id, spi::Params().add_text(tenant).add_text(account));
    if (found == 0) account_not_found(account);
    return FoundAccount{spi::keep_text(spi::row(0).string(1)).data(), DatumGetInt32(spi::row(0).datum(2))};
}

const char *find_account_id(std::string_view account) { return find_account(account).id; }

void require_status(const Account &a, bool allowed_when_frozen, const char *operation) {
    require_status(a.external_id, a.status, allowed_when_frozen, operation);
}

void require_status(const char *external_id, Status status, bool allowed_when_frozen, const char *operation) {
    if (status == Status::Active || (status == Status::Frozen && allowed_when_frozen)) return;
    fail(sqlstate::account_not_active, format("account %s is %s", external_id, status_name(status)),
         format("A %s account does not accept %s.", status_name(status), operation),
         status == Status::Frozen
             ? "A frozen account takes credits only. Unfreeze it with credits_unfreeze(account) (or "
               "credits_update_account(status => 'active')); credits_status_history says why it was frozen."
             : "A closed account takes nothing. Reopen it with credits_reopen(account) (or "
               "credits_update_account(status => 'active')).");
}

}  // namespace credits
