#include "ledger.h"

#include "args.h"
#include "errors.h"

namespace credits {

namespace {

constexpr const char *entry_type_names[] = {"credit", "debit"};

enum Col {
    c_account_id, c_seq, c_transaction_id, c_type, c_amount, c_balance_after, c_available_after, c_description,
    c_reference, c_idempotency_key, c_metadata, c_created_at, c_reservation_id, c_forced, c_count
};
constexpr const char *column_names[] = {"account_id", "seq", "transaction_id", "type", "amount", "balance_after",
                                        "available_after", "description", "reference", "idempotency_key",
                                        "metadata", "created_at", "reservation_id", "forced"};
static_assert(sizeof(column_names) / sizeof(column_names[0]) == c_count);
tables::Columns<c_count> columns{column_names};

struct Indexes {
    Oid relid = InvalidOid;
    Oid idempotency_key, transaction;
} indexes;

const tables::Columns<c_count> &cols(tables::Session &s) {
    return tables::columns(columns, tables::rel(s, tables::TableId::Entry));
}

const Indexes &indexes_of(tables::Session &s) {
    Relation rel = tables::rel(s, tables::TableId::Entry);
    if (indexes.relid != RelationGetRelid(rel)) {
        indexes.idempotency_key = tables::relation_oid(s.schema, "credits_entry_idempotency_key");
        indexes.transaction = tables::relation_oid(s.schema, "credits_entry_transaction_idx");
        indexes.relid = RelationGetRelid(rel);
    }
    return indexes;
}

bool same_json(std::optional<Datum> a, std::optional<Datum> b) {
    if (!a || !b) return !a && !b;
    return DatumGetBool(DirectFunctionCall2(jsonb_eq, *a, *b));
}

Posting posting_of(tables::Session &s, const Account &account, TupleTableSlot *row) {
    const auto &c = cols(s);
    std::string_view txn = *tables::text_value(row, c[c_transaction_id]);
    Posting p;
    memcpy(p.transaction_id.text, txn.data(), txn.size());
    p.transaction_id.text[txn.size()] = '\0';
    p.balance_after = numeric_to_units(tables::value(row, c[c_balance_after]), account.scale);
    p.available_after = numeric_to_units(tables::value(row, c[c_available_after]), account.scale);
    p.created_at = DatumGetTimestampTz(tables::value(row, c[c_created_at]));
    p.replayed = true;
    return p;
}

// The original posting for the movement's idempotency key on this account,
// if the key was used before; CR003 if it was used for something else. The
// account is locked, so a racing call with the same key has committed or
// rolled back by now, and a fresh snapshot sees its entry.
std::optional<Posting> find_replay(tables::Session &s, const Account &account, const Movement &m) {
    if (!m.idempotency_key) return std::nullopt;
    const auto &c = cols(s);
    Datum keys[] = {tables::text_datum(account.id), tables::text_datum(*m.idempotency_key)};
    TupleTableSlot *row = tables::find_by_index(s, tables::TableId::Entry, indexes_of(s).idempotency_key, keys, 2);
    if (!row) return std::nullopt;
    Units signed_amount = numeric_to_units(tables::value(row, c[c_amount]), account.scale);
    Units amount = signed_amount < 0 ? -signed_amount : signed_amount;
    std::string_view type = *tables::text_value(row, c[c_type]);
    const char *differs = type != entry_type_name(m.type)                                  ? "type"
                          : amount != m.amount                                             ? "amount"
                          : tables::text_value(row, c[c_description]) != m.description   ? "description"
                          : tables::text_value(row, c[c_reference]) != m.reference       ? "reference"
                          : !same_json(tables::nullable(row, c[c_metadata]), m.metadata) ? "metadata"
                                                                                         : nullptr;
    Posting p = posting_of(s, account, row);
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

Posting append(tables::Session &s, Account &account, const Movement &m) {
    const auto &c = cols(s);
    Units delta = m.decreases() ? -m.amount : m.amount;
    Posting p;
    p.transaction_id = ids::make("txn_");
    p.balance_after = add_units(account.balance, delta, account.scale, account.external_id);
    p.available_after = p.balance_after - account.reserved;
    p.created_at = GetCurrentTransactionStartTimestamp();
    p.replayed = false;

    tables::Values row = tables::new_values(tables::rel(s, tables::TableId::Entry));
    row.set_text(c[c_account_id], std::string_view(account.id))
        .set(c[c_seq], Int64GetDatum(account.entry_count + 1))
        .set_text(c[c_transaction_id], p.transaction_id.view())
        .set_text(c[c_type], std::string_view(entry_type_name(m.type)))
        .set(c[c_amount], units_to_numeric(delta, account.scale))
        .set(c[c_balance_after], units_to_numeric(p.balance_after, account.scale))
        .set(c[c_available_after], units_to_numeric(p.available_after, account.scale))
        .set_text(c[c_description], m.description)
        .set_text(c[c_reference], m.reference)
        .set_text(c[c_idempotency_key], m.idempotency_key)
        .set(c[c_metadata], m.metadata)
        .set(c[c_created_at], TimestampTzGetDatum(p.created_at))
        .set_text(c[c_reservation_id], m.reservation_id)
        .set(c[c_forced], BoolGetDatum(m.forced));
    tables::insert(s, tables::TableId::Entry, row);

    account.balance = p.balance_after;
    account.entry_count++;
    return p;
}

Recorded find_transaction(tables::Session &s, const Account &account, std::string_view transaction_id) {
    const auto &c = cols(s);
    Datum key = tables::text_datum(transaction_id);
    std::optional<Recorded> found;
    tables::scan_index(s, tables::TableId::Entry, indexes_of(s).transaction, &key, 1, [&](TupleTableSlot *row) {
        if (tables::text_value(row, c[c_account_id]) != std::string_view(account.id)) return true;
        auto copy = [](std::optional<std::string_view> t) -> std::optional<std::string_view> {
            if (!t) return t;
            return std::string_view(args::cstr(*t), t->size());
        };
        Units amount = numeric_to_units(tables::value(row, c[c_amount]), account.scale);
        Movement m{parse_entry_type(*tables::text_value(row, c[c_type])).value_or(EntryType::Debit),
                   amount < 0 ? -amount : amount,
                   copy(tables::text_value(row, c[c_description])),
                   copy(tables::text_value(row, c[c_reference])),
                   copy(tables::text_value(row, c[c_idempotency_key])),
                   std::nullopt,
                   copy(tables::text_value(row, c[c_reservation_id])),
                   DatumGetBool(tables::value(row, c[c_forced]))};
        if (auto metadata = tables::nullable(row, c[c_metadata]))
            m.metadata = PointerGetDatum(PG_DETOAST_DATUM_COPY(*metadata));
        found = Recorded{m, posting_of(s, account, row)};
        return false;
    });
    if (!found) elog(ERROR, "credits: transaction %s has no entry on account %s", args::cstr(transaction_id), account.id);
    return *found;
}

Posting post(tables::Session &s, Account &account, const Movement &m) {
    if (auto original = find_replay(s, account, m)) return *original;
    const char *operation = m.decreases() ? "debits" : "credits";
    require_status(account, !m.decreases(), operation);
    if (m.decreases()) require_funds(account, m.amount, entry_type_name(m.type));
    Posting p = append(s, account, m);
    save_account(s, account);
    return p;
}

}  // namespace credits
