#include "ledger.h"

#include "args.h"
#include "errors.h"

namespace credits {

namespace {

constexpr const char *entry_type_names[] = {"credit", "debit"};

// Column numbers of credits_entry, looked up once per table.
struct EntryColumns {
    Oid relid = InvalidOid;
    Oid idempotency_key_index;
    AttrNumber account_id, seq, transaction_id, type, amount, balance_after, available_after, description, reference,
        idempotency_key, metadata, created_at;
};
EntryColumns columns;

const EntryColumns &columns_of(tables::Session &s) {
    Relation rel = s.entry.rel;
    if (columns.relid != RelationGetRelid(rel)) {
        columns.idempotency_key_index = tables::relation_oid(s.schema, "credits_entry_idempotency_key");
        columns.account_id = tables::column(rel, "account_id");
        columns.seq = tables::column(rel, "seq");
        columns.transaction_id = tables::column(rel, "transaction_id");
        columns.type = tables::column(rel, "type");
        columns.amount = tables::column(rel, "amount");
        columns.balance_after = tables::column(rel, "balance_after");
        columns.available_after = tables::column(rel, "available_after");
        columns.description = tables::column(rel, "description");
        columns.reference = tables::column(rel, "reference");
        columns.idempotency_key = tables::column(rel, "idempotency_key");
        columns.metadata = tables::column(rel, "metadata");
        columns.created_at = tables::column(rel, "created_at");
        columns.relid = RelationGetRelid(rel);
    }
    return columns;
}

Datum text_datum(std::string_view s) { return PointerGetDatum(cstring_to_text_with_len(s.data(), s.size())); }

std::optional<std::string_view> text_column(TupleTableSlot *slot, AttrNumber attnum) {
    if (slot->tts_isnull[attnum - 1]) return std::nullopt;
    text *t = DatumGetTextPP(slot->tts_values[attnum - 1]);
    return std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
}

bool same_json(std::optional<Datum> a, std::optional<Datum> b) {
    if (!a || !b) return !a && !b;
    return DatumGetBool(DirectFunctionCall2(jsonb_eq, *a, *b));
}

// The original posting for the movement's idempotency key on this account,
// if the key was used before; CR003 if it was used for something else. The
// account is locked, so a racing call with the same key has committed or
// rolled back by now, and a fresh snapshot sees its entry.
std::optional<Posting> find_replay(tables::Session &s, const Account &account, const Movement &m) {
    if (!m.idempotency_key) return std::nullopt;
    const EntryColumns &c = columns_of(s);
    Datum keys[] = {text_datum(account.id), text_datum(*m.idempotency_key)};
    TupleTableSlot *row = tables::find_by_index(s, s.entry, c.idempotency_key_index, keys, 2);
    if (!row) return std::nullopt;
    slot_getallattrs(row);
    Units signed_amount = numeric_to_units(row->tts_values[c.amount - 1], account.scale);
    Units amount = signed_amount < 0 ? -signed_amount : signed_amount;
    std::string_view type = *text_column(row, c.type);
    std::optional<Datum> metadata;
    if (!row->tts_isnull[c.metadata - 1]) metadata = row->tts_values[c.metadata - 1];
    const char *differs = type != entry_type_name(m.type)                    ? "type"
                          : amount != m.amount                               ? "amount"
                          : text_column(row, c.description) != m.description ? "description"
                          : text_column(row, c.reference) != m.reference     ? "reference"
                          : !same_json(metadata, m.metadata)                 ? "metadata"
                                                                             : nullptr;
    std::string_view txn = *text_column(row, c.transaction_id);
    Posting p;
    memcpy(p.transaction_id.text, txn.data(), txn.size());
    p.transaction_id.text[txn.size()] = '\0';
    p.balance_after = numeric_to_units(row->tts_values[c.balance_after - 1], account.scale);
    p.available_after = numeric_to_units(row->tts_values[c.available_after - 1], account.scale);
    p.created_at = DatumGetTimestampTz(row->tts_values[c.created_at - 1]);
    p.replayed = true;
    const char *original_type = args::cstr(type);
    tables::release_slot(row);
    if (differs)
        fail(sqlstate::idempotency_conflict,
             format("idempotency key \"%s\" was already used with different parameters",
                    args::cstr(*m.idempotency_key)),
             format("Transaction %s on account %s was a %s of %s; this call differs in %s.", p.transaction_id.text,
                    account.external_id, original_type, units_to_string(amount, account.scale), differs),
             "Use a new idempotency key for a new operation.");
    return p;
}

Posting append(tables::Session &s, Account &account, const Movement &m) {
    const EntryColumns &c = columns_of(s);
    Units delta = m.decreases() ? -m.amount : m.amount;
    Posting p;
    p.transaction_id = ids::make("txn_");
    p.balance_after = add_units(account.balance, delta, account.scale, account.external_id);
    p.available_after = p.balance_after - account.reserved;
    p.created_at = GetCurrentTransactionStartTimestamp();
    p.replayed = false;

    TupleDesc desc = RelationGetDescr(s.entry.rel);
    Datum *values = static_cast<Datum *>(palloc(desc->natts * sizeof(Datum)));
    bool *nulls = static_cast<bool *>(palloc(desc->natts * sizeof(bool)));
    for (int i = 0; i < desc->natts; i++) nulls[i] = true;
    auto set = [&](AttrNumber attnum, Datum value) {
        values[attnum - 1] = value;
        nulls[attnum - 1] = false;
    };
    auto set_text = [&](AttrNumber attnum, std::optional<std::string_view> value) {
        if (value) set(attnum, text_datum(*value));
    };
    set(c.account_id, text_datum(account.id));
    set(c.seq, Int64GetDatum(account.entry_count + 1));
    set(c.transaction_id, text_datum(p.transaction_id.view()));
    set(c.type, text_datum(entry_type_name(m.type)));
    set(c.amount, units_to_numeric(delta, account.scale));
    set(c.balance_after, units_to_numeric(p.balance_after, account.scale));
    set(c.available_after, units_to_numeric(p.available_after, account.scale));
    set_text(c.description, m.description);
    set_text(c.reference, m.reference);
    set_text(c.idempotency_key, m.idempotency_key);
    if (m.metadata) set(c.metadata, *m.metadata);
    set(c.created_at, TimestampTzGetDatum(p.created_at));
    tables::insert(s, s.entry, heap_form_tuple(desc, values, nulls));

    account.balance = p.balance_after;
    account.entry_count++;
    return p;
}

}  // namespace

const char *entry_type_name(EntryType t) { return entry_type_names[static_cast<int>(t)]; }

std::optional<EntryType> parse_entry_type(std::string_view s) {
    for (size_t i = 0; i < sizeof(entry_type_names) / sizeof(entry_type_names[0]); i++)
        if (s == entry_type_names[i]) return static_cast<EntryType>(i);
    return std::nullopt;
}

EntryType entry_type_arg(std::string_view s) {
    auto t = parse_entry_type(s);
    if (!t)
        fail(sqlstate::invalid_parameter, format("unknown entry type \"%s\"", args::cstr(s)),
             "Entry types are credit and debit.");
    return *t;
}

void require_funds(const Account &account, Units amount, const char *operation) {
    if (account.available() - amount >= -account.overdraft_limit) return;
    fail(sqlstate::insufficient_credits, format("insufficient credits on account %s", account.external_id),
         format("The %s needs %s; available is %s with an overdraft limit of %s.", operation,
                units_to_string(amount, account.scale), units_to_string(account.available(), account.scale),
                units_to_string(account.overdraft_limit, account.scale)));
}

Posting post(tables::Session &s, Account &account, const Movement &m) {
    if (auto original = find_replay(s, account, m)) return *original;
    const char *operation = m.decreases() ? "debits" : "credits";
    require_status(account, !m.decreases(), operation);
    if (m.decreases()) require_funds(account, m.amount, entry_type_name(m.type));
    Posting p = append(s, account, m);
    save_balances(s, account);
    return p;
}

}  // namespace credits
