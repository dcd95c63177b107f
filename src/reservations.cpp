#include "reservations.h"

#include "events.h"
#include "args.h"
#include "clock.h"
#include "grants.h"
#include "errors.h"

namespace credits {

namespace {

constexpr const char *status_names[] = {"pending", "confirmed", "cancelled", "expired"};

enum Col {
    c_id, c_account_id, c_amount, c_status, c_expires_at, c_description, c_reference, c_idempotency_key, c_metadata,
    c_created_at, c_resolved_at, c_requested_amount, c_confirmed_amount, c_released_amount, c_transaction_id,
    c_balance_after, c_available_after, c_grants, c_account_key, c_count
};
constexpr const char *column_names[] = {
    "id", "account_id", "amount", "status", "expires_at", "description", "reference", "idempotency_key", "metadata",
    "created_at", "resolved_at", "requested_amount", "confirmed_amount", "released_amount", "transaction_id",
    "balance_after", "available_after", "grants", "account_key"};
static_assert(sizeof(column_names) / sizeof(column_names[0]) == c_count);
tables::Columns<c_count> columns{column_names};

struct Indexes {
    Oid relid = InvalidOid;
    Oid pkey, idempotency_key, pending;
} indexes;

const tables::Columns<c_count> &cols(tables::Session &s) {
    return tables::columns(columns, tables::rel(s, tables::TableId::Reservation));
}

const Indexes &indexes_of(tables::Session &s) {
    Relation rel = tables::rel(s, tables::TableId::Reservation);
    if (indexes.relid != RelationGetRelid(rel)) {
        indexes.pkey = tables::index_oid(s, tables::TableId::Reservation, "credits_reservation_pkey");
        indexes.idempotency_key = tables::index_oid(s, tables::TableId::Reservation, "credits_reservation_idempotency_key");
        indexes.pending = tables::index_oid(s, tables::TableId::Reservation, "credits_reservation_pending_idx");
        indexes.relid = RelationGetRelid(rel);
    }
    return indexes;
}

// NULL reads as zero (std::optional would drop Units' 8-byte alignment).
Units units_or_zero(TupleTableSlot *row, AttrNumber attnum, int scale) {
    auto d = tables::nullable(row, attnum);
    return d ? numeric_to_units(*d, scale) : 0;
}

Hold load(tables::Session &s, TupleTableSlot *row, int scale) {
    const auto &c = cols(s);
    Hold h;
    h.id = args::cstr(*tables::text_value(row, c[c_id]));
    h.account_id = args::cstr(*tables::text_value(row, c[c_account_id]));
    h.amount = numeric_to_units(tables::value(row, c[c_amount]), scale);
    std::string_view status = *tables::text_value(row, c[c_status]);
    h.status = HoldStatus::Expired;
    for (int i = 0; i < 4; i++)
        if (status == status_names[i]) h.status = static_cast<HoldStatus>(i);
    h.expires_at = DatumGetTimestampTz(tables::value(row, c[c_expires_at]));
    h.created_at = DatumGetTimestampTz(tables::value(row, c[c_created_at]));
    h.description = tables::copied_text(row, c[c_description]);
    h.reference = tables::copied_text(row, c[c_reference]);
    h.idempotency_key = tables::copied_text(row, c[c_idempotency_key]);
    auto metadata = tables::nullable(row, c[c_metadata]);
    if (metadata) h.metadata = PointerGetDatum(PG_DETOAST_DATUM_COPY(*metadata));
    h.requested = units_or_zero(row, c[c_requested_amount], scale);
    h.transaction_id = tables::copied_text(row, c[c_transaction_id]);
    h.released = units_or_zero(row, c[c_released_amount], scale);
    h.balance_after = numeric_to_units(tables::value(row, c[c_balance_after]), scale);
    h.available_after = numeric_to_units(tables::value(row, c[c_available_after]), scale);
    h.grants = std::nullopt;
    if (auto held = tables::nullable(row, c[c_grants])) h.grants = PointerGetDatum(PG_DETOAST_DATUM_COPY(*held));
    return h;
}

// Writes a hold's resolution: its status, when, and what it released (and,
// for a confirm, what it debited).
void resolve(tables::Session &s, TupleTableSlot *row, Hold &h, HoldStatus status, TimestampTz when, Units released,
             int scale, Units debited = 0) {
    const auto &c = cols(s);
    h.status = status;
    h.released = released;
    tables::Values changes = tables::new_values(tables::rel(s, tables::TableId::Reservation));
    changes.set_text(c[c_status], std::string_view(hold_status_name(status)))
        .set(c[c_resolved_at], TimestampTzGetDatum(when))
        .set(c[c_released_amount], units_to_numeric(released, scale));
    if (status == HoldStatus::Confirmed) changes.set(c[c_requested_amount], units_to_numeric(h.requested, scale));
    if (h.transaction_id) changes.set_text(c[c_transaction_id], h.transaction_id);
    if (status == HoldStatus::Confirmed) changes.set(c[c_confirmed_amount], units_to_numeric(debited, scale));
    tables::update(s, tables::TableId::Reservation, row, changes);
}

// Takes a resolved hold out of the account's reserved amount.
void release(Account &account, Units amount) {
    account.reserved -= amount;
    if (account.reserved == 0) account.next_hold_expiry = no_expiry;
    account.changed = true;
}

bool same_json(std::optional<Datum> a, std::optional<Datum> b) {
    if (!a || !b) return !a && !b;
    return DatumGetBool(DirectFunctionCall2(jsonb_eq, *a, *b));
}

std::optional<Hold> find_replay(tables::Session &s, const Account &account, const HoldRequest &r) {
    if (!r.idempotency_key) return std::nullopt;
    Datum keys[] = {tables::text_datum(account.id), tables::text_datum(*r.idempotency_key)};
    TupleTableSlot *row =
        tables::find_by_index(s, tables::TableId::Reservation, indexes_of(s).idempotency_key, keys, 2);
    if (!row) return std::nullopt;
    Hold original = load(s, row, account.scale);
    tables::release_slot(row);
    const char *differs = original.amount != r.amount                  ? "amount"
                          : original.description != r.description     ? "description"
                          : original.reference != r.reference         ? "reference"
                          : !same_json(original.metadata, r.metadata) ? "metadata"
                                                                      : nullptr;
    if (differs)
        fail(sqlstate::idempotency_conflict,
             format("idempotency key \"%s\" was already used with different parameters",
                    args::shown(*r.idempotency_key)),
             format("Reservation %s on account %s holds %s; this call differs in %s.", original.id,
                    account.external_id, units_to_string(original.amount, account.scale), differs),
             "Use a new idempotency key for a new reservation.");
    // The original answer: the hold as it was made.
    original.status = HoldStatus::Pending;
    return original;
}


// The reservation id goes to DETAIL: the caller knows which one it passed.
[[noreturn]] void not_pending(const Hold &h, const char *operation) {
    fail(sqlstate::reservation_not_pending, format("reservation is %s", hold_status_name(h.status)),
         format("Reservation %s is %s; a reservation is resolved only once, so it can no longer be %s.", h.id,
                hold_status_name(h.status), operation));
}

[[noreturn]] void expired(const Hold &h, const char *operation) {
    fail(sqlstate::reservation_expired, "reservation has expired",
         format("Reservation %s expired at %s; an expired hold cannot be %s.", h.id,
                timestamptz_to_str(h.expires_at), operation),
         "Reserve again, or extend holds before they expire.");
}

}  // namespace

const char *hold_status_name(HoldStatus s) { return status_names[static_cast<int>(s)]; }

void reservation_not_found(std::string_view id) {
    fail(sqlstate::reservation_not_found, format("reservation \"%s\" does not exist", args::shown(id)),
         "No reservation has that id in this tenant.");
}

int settle_expired_holds(tables::Session &s, Account &account, int limit) {
    TimestampTz now = clock::now();
    const auto &c = cols(s);
    // The account is locked, so nobody else can change its holds: collect the
    // expired ones (in expiry order) and the next expiry, then write.
    List *expired_rows = NIL;
    TimestampTz next = no_expiry;
    Datum key = tables::text_datum(account.id);
    tables::scan_index(s, tables::TableId::Reservation, indexes_of(s).pending, &key, 1, [&](TupleTableSlot *row) {
        TimestampTz expires_at = DatumGetTimestampTz(tables::value(row, c[c_expires_at]));
        if (expires_at > now || list_length(expired_rows) == limit) {
            next = expires_at;
            return false;
        }
        TupleTableSlot *copy = MakeSingleTupleTableSlot(row->tts_tupleDescriptor, row->tts_ops);
        ExecCopySlot(copy, row);
        expired_rows = lappend(expired_rows, copy);
        return true;
    });
    ListCell *cell;
    foreach (cell, expired_rows) {
        auto *row = static_cast<TupleTableSlot *>(lfirst(cell));
        Hold h = load(s, row, account.scale);
        resolve(s, row, h, HoldStatus::Expired, h.expires_at, h.amount, account.scale);
        if (h.grants) grants::release(s, account, grants::from_jsonb(h.grants, account.scale));
        account.reserved -= h.amount;
        events::Data data;
        data.text("reservation_id", std::string_view(h.id))
            .amount("amount", h.amount, account.scale)
            .timestamp("expires_at", h.expires_at);
        events::emit(s, account, "reservation.expired", data);
        tables::release_slot(row);
    }
    if (account.next_hold_expiry != next) account.changed = true;
    account.next_hold_expiry = next;
    int settled = list_length(expired_rows);
    list_free(expired_rows);
    return settled;
}

Hold reserve(tables::Session &s, Account &account, const HoldRequest &r) {
    if (auto original = find_replay(s, account, r)) return *original;
    require_status(account, false, "reservations");
    require_funds(account, r.amount, "reservation");

    const auto &c = cols(s);
    ids::Id id = ids::make("res_", account.key);
    Hold h{};
    h.id = pstrdup(id.text);
    h.account_id = account.id;
    h.amount = r.amount;
    h.status = HoldStatus::Pending;
    h.expires_at = r.expires_at;
    h.created_at = clock::now();
    h.description = r.description;
    h.reference = r.reference;
    h.idempotency_key = r.idempotency_key;
    h.metadata = r.metadata;
    h.grants = grants::to_jsonb(grants::hold(s, account, r.amount), account.scale);
    account.reserved += r.amount;
    account.changed = true;
    h.balance_after = account.balance;
    h.available_after = account.available();

    tables::Values row = tables::new_values(tables::rel(s, tables::TableId::Reservation));
    row.set_text(c[c_id], id.view())
        .set_text(c[c_account_id], std::string_view(account.id))
        .set(c[c_account_key], Int32GetDatum(account.key))
        .set(c[c_amount], units_to_numeric(r.amount, account.scale))
        .set_text(c[c_status], std::string_view(hold_status_name(HoldStatus::Pending)))
        .set(c[c_expires_at], TimestampTzGetDatum(r.expires_at))
        .set_text(c[c_description], r.description)
        .set_text(c[c_reference], r.reference)
        .set_text(c[c_idempotency_key], r.idempotency_key)
        .set(c[c_metadata], r.metadata)
        .set(c[c_created_at], TimestampTzGetDatum(h.created_at))
        .set(c[c_balance_after], units_to_numeric(h.balance_after, account.scale))
        .set(c[c_available_after], units_to_numeric(h.available_after, account.scale))
        .set(c[c_grants], h.grants);
    tables::insert(s, tables::TableId::Reservation, row);

    if (r.expires_at < account.next_hold_expiry) account.next_hold_expiry = r.expires_at;
    return h;
}

TupleTableSlot *find_hold_row(tables::Session &s, std::string_view reservation_id) {
    if (!ids::has_shape(reservation_id, "res_")) return nullptr;
    Datum key = tables::text_datum(ids::canonical(reservation_id).view());
    TupleTableSlot *row = tables::find_by_index(s, tables::TableId::Reservation, indexes_of(s).pkey, &key, 1);
    if (row) s.locked = lappend(s.locked, row);  // released with the session
    return row;
}

const char *hold_account_id(tables::Session &s, TupleTableSlot *row) {
    return args::cstr(*tables::text_value(row, cols(s)[c_account_id]));
}

std::optional<std::string_view> hold_transaction_id(tables::Session &s, TupleTableSlot *row) {
    return tables::text_value(row, cols(s)[c_transaction_id]);
}

LockedHold current_hold(tables::Session &s, Account &account, TupleTableSlot *row) {
    if (!tables::refresh(s, tables::TableId::Reservation, row)) {
        Datum key = tables::text_datum(*tables::text_value(row, cols(s)[c_id]));
        row = tables::find_by_index(s, tables::TableId::Reservation, indexes_of(s).pkey, &key, 1);
        s.locked = lappend(s.locked, row);
    }
    return LockedHold{&account, load(s, row, account.scale), row};
}

OnExcess on_excess_arg(std::optional<std::string_view> s) {
    if (!s || *s == "reject") return OnExcess::Reject;
    if (*s == "cap") return OnExcess::Cap;
    if (*s == "allow") return OnExcess::Allow;
    fail(sqlstate::invalid_parameter, format("unknown on_excess \"%s\"", args::shown(*s)),
         "on_excess is reject, cap or allow.");
}

Confirmation confirm(tables::Session &s, LockedHold &lh, std::optional<Decimal> amount,
                     std::optional<std::string_view> description, std::optional<Datum> metadata, OnExcess on_excess) {
    Account &account = *lh.account;
    Hold &h = lh.hold;
    Units requested = amount ? to_units(*amount, account.scale, "amount", account.external_id) : h.amount;

    if (h.status == HoldStatus::Confirmed) {
        if (h.requested != requested)
            fail(sqlstate::reservation_not_pending, "reservation is already confirmed",
                 format("Reservation %s was confirmed for %s; this call asks for %s.", h.id,
                        units_to_string(h.requested, account.scale),
                        units_to_string(requested, account.scale)),
                 "Repeat a confirm with the same amount to get its result again.");
        Recorded original = find_transaction_on(s, account, *h.transaction_id);
        return Confirmation{original.movement, original.posting, h.released};
    }
    if (h.status == HoldStatus::Expired) expired(h, "confirmed");
    if (h.status != HoldStatus::Pending) not_pending(h, "confirmed");

    // What to debit: the request, or for an excess over the hold, what
    // on_excess allows. The hold itself is released first.
    Units debit = requested;
    bool forced = false;
    Units available_without_hold = account.available() + h.amount;
    if (requested > h.amount) {
        switch (on_excess) {
            case OnExcess::Reject:
                fail(sqlstate::insufficient_credits, "confirm exceeds the reservation",
                     format("Reservation %s holds %s; the confirm asks for %s.", h.id,
                            units_to_string(h.amount, account.scale), units_to_string(requested, account.scale)),
                     "Pass on_excess => 'cap' to debit what is available, or 'allow' to overdraw.");
            case OnExcess::Cap: {
                Units most = available_without_hold + account.overdraft_limit;
                debit = requested < most ? requested : most;
                break;
            }
            case OnExcess::Allow:
                forced = available_without_hold - requested < -account.overdraft_limit;
                break;
        }
    }
    Units released = h.amount > debit ? h.amount - debit : 0;
    release(account, h.amount);

    Confirmation result;
    result.movement = Movement{EntryType::Debit, -debit, description ? description : h.description,
                               h.reference, std::nullopt, metadata ? metadata : h.metadata};
    result.movement.reservation_id = std::string_view(h.id);
    result.movement.forced = forced;
    add_units(account.balance, -debit, account.scale, account.external_id);  // fail before any write
    grants::Funding held = grants::from_jsonb(h.grants, account.scale);
    result.movement.grants = grants::to_jsonb(grants::spend(s, account, debit, &held), account.scale);
    result.posting = append(s, account, result.movement);
    result.released = released;
    h.requested = requested;
    h.transaction_id = std::string_view(pstrdup(result.posting.transaction_id.text));
    resolve(s, lh.row, h, HoldStatus::Confirmed, clock::now(), released, account.scale, debit);
    return result;
}

void cancel(tables::Session &s, LockedHold &lh) {
    Hold &h = lh.hold;
    if (h.status != HoldStatus::Pending) not_pending(h, "cancelled");
    release(*lh.account, h.amount);
    if (h.grants) grants::release(s, *lh.account, grants::from_jsonb(h.grants, lh.account->scale));
    resolve(s, lh.row, h, HoldStatus::Cancelled, clock::now(), h.amount, lh.account->scale);
}

void extend(tables::Session &s, LockedHold &lh, TimestampTz until) {
    Hold &h = lh.hold;
    if (h.status == HoldStatus::Expired) expired(h, "extended");
    if (h.status != HoldStatus::Pending) not_pending(h, "extended");
    if (until <= h.expires_at) return;
    h.expires_at = until;
    tables::Values changes = tables::new_values(tables::rel(s, tables::TableId::Reservation));
    changes.set(cols(s)[c_expires_at], TimestampTzGetDatum(until));
    tables::update(s, tables::TableId::Reservation, lh.row, changes);
}

}  // namespace credits
