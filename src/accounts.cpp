#include "accounts.h"

#include "args.h"
#include "errors.h"
#include "ids.h"
#include "settings.h"
#include "spi.h"

namespace credits {

namespace {

// Column numbers of credits_account, looked up once per table.
struct AccountColumns {
    Oid relid = InvalidOid;
    Oid pkey, tenant_external_id_key;
    AttrNumber id, tenant, external_id, status, scale, balance, reserved, overdraft_limit, entry_count, updated_at;
};
AccountColumns columns;

const AccountColumns &columns_of(tables::Session &s) {
    Relation rel = s.account.rel;
    if (columns.relid != RelationGetRelid(rel)) {
        columns.pkey = tables::relation_oid(s.schema, "credits_account_pkey");
        columns.tenant_external_id_key = tables::relation_oid(s.schema, "credits_account_tenant_external_id_key");
        columns.id = tables::column(rel, "id");
        columns.tenant = tables::column(rel, "tenant");
        columns.external_id = tables::column(rel, "external_id");
        columns.status = tables::column(rel, "status");
        columns.scale = tables::column(rel, "scale");
        columns.balance = tables::column(rel, "balance");
        columns.reserved = tables::column(rel, "reserved");
        columns.overdraft_limit = tables::column(rel, "overdraft_limit");
        columns.entry_count = tables::column(rel, "entry_count");
        columns.updated_at = tables::column(rel, "updated_at");
        columns.relid = RelationGetRelid(rel);
    }
    return columns;
}

std::string_view text_column(TupleTableSlot *slot, AttrNumber attnum) {
    bool isnull;
    Datum d = slot_getattr(slot, attnum, &isnull);
    if (isnull) return {};
    text *t = DatumGetTextPP(d);
    return {VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t)};
}

Datum text_datum(std::string_view s) { return PointerGetDatum(cstring_to_text_with_len(s.data(), s.size())); }

// The locked row of the account, or nullptr when the tenant has none.
TupleTableSlot *lock_row(tables::Session &s, const AccountColumns &c, std::string_view account) {
    std::string_view tenant = settings::tenant();
    if (!ids::has_shape(account, "acc_")) {
        Datum keys[] = {text_datum(tenant), text_datum(account)};
        return tables::lock_by_index(s, s.account, c.tenant_external_id_key, keys, 2);
    }
    Datum key = text_datum(ids::canonical(account).view());
    TupleTableSlot *slot = tables::lock_by_index(s, s.account, c.pkey, &key, 1);
    // Another tenant's account is as good as absent (its lock is held until
    // the call ends, like any row a query locks).
    return slot && text_column(slot, c.tenant) == tenant ? slot : nullptr;
}

[[noreturn]] void not_found(std::string_view account) {
    fail(sqlstate::account_not_found, format("account \"%s\" does not exist", args::cstr(account)),
         format("No account has that id or external_id in tenant \"%s\".", args::cstr(settings::tenant())),
         "Set credits.tenant if the account belongs to another tenant.");
}

spi::Statement id_by_id{"SELECT id FROM credits_account WHERE id = $1 AND tenant = $2", 2, {TEXTOID, TEXTOID}};

spi::Statement id_by_external_id{"SELECT id FROM credits_account WHERE tenant = $1 AND external_id = $2", 2,
                                 {TEXTOID, TEXTOID}};

}  // namespace

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

Account lock_account(tables::Session &s, std::string_view account) {
    const AccountColumns &c = columns_of(s);
    TupleTableSlot *row = lock_row(s, c, account);
    if (!row) not_found(account);
    slot_getallattrs(row);
    Account a;
    a.row = row;
    a.id = args::cstr(text_column(row, c.id));
    a.external_id = args::cstr(text_column(row, c.external_id));
    a.status = parse_status(text_column(row, c.status)).value_or(Status::Closed);
    a.scale = DatumGetInt16(row->tts_values[c.scale - 1]);
    a.balance = numeric_to_units(row->tts_values[c.balance - 1], a.scale);
    a.reserved = numeric_to_units(row->tts_values[c.reserved - 1], a.scale);
    a.overdraft_limit = numeric_to_units(row->tts_values[c.overdraft_limit - 1], a.scale);
    a.entry_count = DatumGetInt64(row->tts_values[c.entry_count - 1]);
    return a;
}

void save_balances(tables::Session &s, const Account &a) {
    const AccountColumns &c = columns_of(s);
    int cols[] = {c.balance, c.reserved, c.entry_count, c.updated_at};
    Datum values[] = {units_to_numeric(a.balance, a.scale), units_to_numeric(a.reserved, a.scale),
                      Int64GetDatum(a.entry_count), TimestampTzGetDatum(GetCurrentTransactionStartTimestamp())};
    bool nulls[] = {false, false, false, false};
    HeapTuple old = ExecFetchSlotHeapTuple(a.row, false, nullptr);
    HeapTuple updated = heap_modify_tuple_by_cols(old, RelationGetDescr(s.account.rel), 4, cols, values, nulls);
    tables::update(s, s.account, &a.row->tts_tid, updated);
}

const char *find_account_id(std::string_view account) {
    std::string_view tenant = settings::tenant();
    uint64 found = ids::has_shape(account, "acc_")
                       ? spi::run(id_by_id, spi::Params().add_text(ids::canonical(account).view()).add_text(tenant))
                       : spi::run(id_by_external_id, spi::Params().add_text(tenant).add_text(account));
    if (found == 0) not_found(account);
    return spi::keep_text(spi::row(0).string(1)).data();
}

void require_status(const Account &a, bool allowed_when_frozen, const char *operation) {
    if (a.status == Status::Active || (a.status == Status::Frozen && allowed_when_frozen)) return;
    fail(sqlstate::account_not_active, format("account %s is %s", a.external_id, status_name(a.status)),
         format("A %s account does not accept %s.", status_name(a.status), operation),
         a.status == Status::Frozen ? "Unfreeze the account with credits_update_account(status => 'active')." : nullptr);
}

}  // namespace credits
