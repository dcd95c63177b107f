#include "ledger.h"

#include "args.h"
#include "clock.h"
#include "errors.h"

namespace credits {

namespace {

constexpr const char *entry_type_names[] = {"credit",   "debit",  "adjustment", "reversal",
                                            "transfer", "expiry", "allocation"};

enum Col {
    c_account_id, c_seq, c_transaction_id, c_type, c_amount, c_balance_after, c_available_after, c_description,
    c_reference, c_idempotency_key, c_metadata, c_created_at, c_reservation_id, c_forced, c_counterparty_id,
    c_reverses, c_grants, c_account_key, c_count
};
constexpr const char *column_names[] = {
    "account_id", "seq",     "transaction_id", "type",           "amount",         "balance_after",
    "available_after", "description", "reference", "idempotency_key", "metadata",   "created_at",
    "reservation_id",  "forced",      "counterparty_id", "reverses", "grants",   "account_key"};
static_assert(sizeof(column_names) / sizeof(column_names[0]) == c_count);
tables::Columns<c_count> columns{column_names};

struct Indexes {
    Oid relid = InvalidOid;
    Oid idempotency_key, transaction, reverses;
} indexes;

const tables::Columns<c_count> &cols(tables::Session &s) {
    return tables::columns(columns, tables::rel(s, tables::TableId::Entry));
}

const Indexes &indexes_of(tables::Session &s) {
    Relation rel = tables::rel(s, tables::TableId::Entry);
    if (indexes.relid != RelationGetRelid(rel)) {
        indexes.idempotency_key = tables::index_oid(s, tables::TableId::Entry, "credits_entry_idempotency_key");
        indexes.transaction = tables::index_oid(s, tables::TableId::Entry, "credits_entry_transaction_idx");
        indexes.reverses = tables::index_oid(s, tables::TableId::Entry, "credits_entry_reverses_idx");
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

// The movement an entry row records; strings and metadata are copied out.
Movement movement_of(tables::Session &s, const Account &account, TupleTableSlot *row) {
    const auto &c = cols(s);
    Movement m{parse_entry_type(*tables::text_value(row, c[c_type])).value_or(EntryType::Debit),
               numeric_to_units(tables::value(row, c[c_amount]), account.scale),
               tables::copied_text(row, c[c_description]),
               tables::copied_text(row, c[c_reference]),
               tables::copied_text(row, c[c_idempotency_key]),
               std::nullopt};
    if (auto metadata = tables::nullable(row, c[c_metadata]))
        m.metadata = PointerGetDatum(PG_DETOAST_DATUM_COPY(*metadata));
    m.reservation_id = tables::copied_text(row, c[c_reservation_id]);
    m.counterparty_id = tables::copied_text(row, c[c_counterparty_id]);
    m.reverses = tables::copied_text(row, c[c_reverses]);
    m.forced = DatumGetBool(tables::value(row, c[c_forced]));
    if (auto funding = tables::nullable(row, c[c_grants])) m.grants = PointerGetDatum(PG_DETOAST_DATUM_COPY(*funding));
    return m;
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
        fail(sqlstate::invalid_parameter, format("unknown entry type \"%s\"", args::shown(s)),
             "Entry types are credit, debit, adjustment, reversal, transfer, expiry and allocation.");
    return *t;
}

void require_funds(const Account &account, Units amount, const char *operation) {
    if (account.available() - amount >= -account.overdraft_limit) return;
    fail(sqlstate::insufficient_credits, format("insufficient credits on account %s", account.external_id),
         format("The %s needs %s; available is %s with an overdraft limit of %s.", operation,
                units_to_string(amount, account.scale), units_to_string(account.available(), account.scale),
                units_to_string(account.overdraft_limit, account.scale)),
         format("At most %s can be spent now. Credit the account, reserve before the work so that it cannot "
                "run short, or raise its overdraft limit with credits_update_account(overdraft_limit => ...).",
                units_to_string(account.available() + account.overdraft_limit, account.scale)));
}

std::optional<Recorded> find_prior(tables::Session &s, const Account &account, const Movement &m, bool any_amount) {
    if (!m.idempotency_key) return std::nullopt;
    Datum keys[] = {tables::text_datum(account.id), tables::text_datum(*m.idempotency_key)};
    TupleTableSlot *row = tables::find_by_index(s, tables::TableId::Entry, indexes_of(s).idempotency_key, keys, 2);
    if (!row) return std::nullopt;
    Recorded prior{movement_of(s, account, row), posting_of(s, account, row)};
    tables::release_slot(row);
    const Movement &original = prior.movement;
    const char *differs = original.type != m.type                                ? "type"
                          : original.delta != m.delta && !any_amount             ? "amount"
                          : original.description != m.description               ? "description"
                          : original.reference != m.reference                    ? "reference"
                          : !same_json(original.metadata, m.metadata)            ? "metadata"
                          : original.counterparty_id != m.counterparty_id        ? "counterparty"
                          : original.reverses != m.reverses                      ? "reversed transaction"
                                                                                 : nullptr;
    if (differs)
        fail(sqlstate::idempotency_conflict,
             format("idempotency key \"%s\" was already used with different parameters",
                    args::shown(*m.idempotency_key)),
             format("Transaction %s on account %s: %s of %s; this call differs in %s.", prior.posting.transaction_id.text,
                    account.external_id, entry_type_name(original.type),
                    units_to_string(original.shown_amount(), account.scale), differs),
             "Use a new idempotency key for a new operation.");
    return prior;
}

std::optional<Posting> find_replay(tables::Session &s, const Account &account, const Movement &m) {
    std::optional<Recorded> prior = find_prior(s, account, m, false);
    if (!prior) return std::nullopt;
    return prior->posting;
}

Posting post(tables::Session &s, Account &account, const Movement &movement, bool allow_frozen,
             const grants::Spec *grant) {
    if (auto original = find_replay(s, account, movement)) return *original;
    require_status(account, !movement.decreases() || allow_frozen, movement.decreases() ? "debits" : "credits");
    if (movement.decreases()) require_funds(account, movement.magnitude(), entry_type_name(movement.type));
    add_units(account.balance, movement.delta, account.scale, account.external_id);  // fail before any write
    Movement m = movement;
    if (m.decreases()) {
        m.grants = grants::to_jsonb(grants::spend(s, account, m.magnitude()), account.scale);
    } else if (grant) {
        ids::Id transaction_id = ids::make("txn_", account.key);
        m.grants = grants::to_jsonb(grants::create(s, account, m.delta, *grant, transaction_id.view()), account.scale);
        return append(s, account, m, &transaction_id);
    }
    return append(s, account, m);
}

Posting append(tables::Session &s, Account &account, const Movement &m, const ids::Id *transaction_id) {
    const auto &c = cols(s);
    Posting p;
    p.transaction_id = transaction_id ? *transaction_id : ids::make("txn_", account.key);
    p.balance_after = add_units(account.balance, m.delta, account.scale, account.external_id);
    p.available_after = p.balance_after - account.reserved;
    p.created_at = clock::now();
    p.replayed = false;

    tables::Values row = tables::new_values(tables::rel(s, tables::TableId::Entry));
    row.set_text(c[c_account_id], std::string_view(account.id))
        .set(c[c_account_key], Int32GetDatum(account.key))
        .set(c[c_seq], Int64GetDatum(account.entry_count + 1))
        .set_text(c[c_transaction_id], p.transaction_id.view())
        .set_text(c[c_type], std::string_view(entry_type_name(m.type)))
        .set(c[c_amount], units_to_numeric(m.delta, account.scale))
        .set(c[c_balance_after], units_to_numeric(p.balance_after, account.scale))
        .set(c[c_available_after], units_to_numeric(p.available_after, account.scale))
        .set_text(c[c_description], m.description)
        .set_text(c[c_reference], m.reference)
        .set_text(c[c_idempotency_key], m.idempotency_key)
        .set(c[c_metadata], m.metadata)
        .set(c[c_created_at], TimestampTzGetDatum(p.created_at))
        .set_text(c[c_reservation_id], m.reservation_id)
        .set(c[c_forced], BoolGetDatum(m.forced))
        .set_text(c[c_counterparty_id], m.counterparty_id)
        .set_text(c[c_reverses], m.reverses)
        .set(c[c_grants], m.grants);
    tables::insert(s, tables::TableId::Entry, row);

    account.balance = p.balance_after;
    account.entry_count++;
    account.changed = true;
    return p;
}

int transaction_accounts(tables::Session &s, std::string_view transaction_id, const char *account_ids[2],
                         const char **counterparty) {
    const auto &c = cols(s);
    Datum key = tables::text_datum(transaction_id);
    int n = 0;
    *counterparty = nullptr;
    tables::scan_index(s, tables::TableId::Entry, indexes_of(s).transaction, &key, 1, [&](TupleTableSlot *row) {
        const char *id = args::cstr(*tables::text_value(row, c[c_account_id]));
        if (auto other = tables::text_value(row, c[c_counterparty_id])) *counterparty = args::cstr(*other);
        bool decreasing = numeric_normalize(DatumGetNumeric(tables::value(row, c[c_amount])))[0] == '-';
        if (n == 1 && decreasing) {  // the source of a transfer comes first
            account_ids[1] = account_ids[0];
            account_ids[0] = id;
        } else {
            account_ids[n] = id;
        }
        return ++n < 2;
    });
    if (n == 2) *counterparty = nullptr;
    return n;
}

std::optional<Recorded> transaction_on(tables::Session &s, const Account &account, std::string_view transaction_id) {
    const auto &c = cols(s);
    Datum key = tables::text_datum(transaction_id);
    std::optional<Recorded> found;
    tables::scan_index(s, tables::TableId::Entry, indexes_of(s).transaction, &key, 1, [&](TupleTableSlot *row) {
        if (tables::text_value(row, c[c_account_id]) != std::string_view(account.id)) return true;
        found = Recorded{movement_of(s, account, row), posting_of(s, account, row)};
        return false;
    });
    return found;
}

Recorded find_transaction_on(tables::Session &s, const Account &account, std::string_view transaction_id) {
    std::optional<Recorded> found = transaction_on(s, account, transaction_id);
    if (!found)
        elog(ERROR, "credits: transaction %s has no entry on account %s", args::cstr(transaction_id), account.id);
    return *found;
}

Units reversed_amount(tables::Session &s, const Account &account, std::string_view transaction_id) {
    const auto &c = cols(s);
    Datum key = tables::text_datum(transaction_id);
    Units total = 0;
    tables::scan_index(s, tables::TableId::Entry, indexes_of(s).reverses, &key, 1, [&](TupleTableSlot *row) {
        if (tables::text_value(row, c[c_account_id]) == std::string_view(account.id)) {
            Units amount = numeric_to_units(tables::value(row, c[c_amount]), account.scale);
            total += amount < 0 ? -amount : amount;
        }
        return true;
    });
    return total;
}

}  // namespace credits
