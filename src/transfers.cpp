#include "transfers.h"

#include "args.h"
#include "errors.h"
#include "grants.h"

namespace credits {

namespace {

// A decrease that is not covered: CR001, or with force a marked overdraw.
void require_or_force(const Account &a, Movement &m, bool force) {
    if (!m.decreases()) return;
    if (force)
        m.forced = a.available() - m.magnitude() < -a.overdraft_limit;
    else
        require_funds(a, m.magnitude(), "reversal");
}

// Where a reversal's credits go to or come from, grant by grant: back to the
// grants the original took from, out of the grant a credit made, or the
// ungranted balance. Call after every check: it writes the grants.
std::optional<Datum> reversal_grants(tables::Session &s, Account &a, const Movement &original, Units done,
                                     const Movement &back, bool force) {
    grants::Funding was = grants::from_jsonb(original.grants, a.scale);
    if (original.decreases() && was.count > 0)
        return grants::to_jsonb(grants::restore(s, a, was, done, back.magnitude()), a.scale);
    if (auto grant = grants::created_grant(was)) {
        Units short_by = 0;
        return grants::to_jsonb(grants::take_back(s, a, *grant, back.magnitude(), force, &short_by), a.scale);
    }
    if (a.grant_count == 0) return std::nullopt;
    // An ungranted movement comes back to or out of the ungranted balance.
    return grants::to_jsonb(grants::ungranted(back.delta), a.scale);
}

}  // namespace

// A two-entry movement must not fail half-way: check both balances' range first.
void check_range(const Account &a, Units delta) { add_units(a.balance, delta, a.scale, a.external_id); }

Party party_of(const Account &a) { return Party{a.id, a.external_id, a.unit, a.scale, a.status}; }

Outgoing check_transfer_out(tables::Session &s, const Account &from, const Party &to, Decimal amount,
                            std::optional<std::string_view> description, std::optional<std::string_view> reference,
                            std::optional<std::string_view> idempotency_key, std::optional<Datum> metadata) {
    Units out = to_units(amount, from.scale, "amount", from.external_id);
    Movement source{EntryType::Transfer, -out, description, reference, idempotency_key, metadata};
    source.counterparty_id = std::string_view(to.id);
    if (auto original = find_replay(s, from, source)) return Outgoing{source, original};

    if (strcmp(from.unit, to.unit) != 0)
        fail(sqlstate::unit_mismatch, "a transfer needs accounts of the same unit",
             format("Account %s counts %s, account %s counts %s.", from.external_id, from.unit, to.external_id,
                    to.unit));
    to_units(amount, to.scale, "amount", to.external_id);
    require_status(from, false, "debits");
    require_status(to.external_id, to.status, true, "credits");
    require_funds(from, out, "transfer");
    check_range(from, -out);
    return Outgoing{source, std::nullopt};
}

Posting write_transfer_out(tables::Session &s, Account &from, Movement &movement, const ids::Id *transaction_id) {
    movement.grants = grants::to_jsonb(grants::spend(s, from, movement.magnitude()), from.scale);
    return append(s, from, movement, transaction_id);
}

Movement check_transfer_in(const Account &to, const Party &from, Decimal amount,
                           std::optional<std::string_view> description, std::optional<std::string_view> reference,
                           std::optional<Datum> metadata) {
    Units in = to_units(amount, to.scale, "amount", to.external_id);
    Movement destination{EntryType::Transfer, in, description, reference, std::nullopt, metadata};
    destination.counterparty_id = std::string_view(from.id);
    require_status(to, true, "credits");
    check_range(to, in);
    return destination;
}

Posting write_transfer_in(tables::Session &s, Account &to, const Movement &movement, const ids::Id &transaction_id) {
    return append(s, to, movement, &transaction_id);
}

Transfer transfer(tables::Session &s, Account &from, Account &to, Decimal amount,
                  std::optional<std::string_view> description, std::optional<std::string_view> reference,
                  std::optional<std::string_view> idempotency_key, std::optional<Datum> metadata) {
    Outgoing out = check_transfer_out(s, from, party_of(to), amount, description, reference, idempotency_key,
                                      metadata);
    if (out.replay) {
        Recorded other = find_transaction_on(s, to, out.replay->transaction_id.view());
        return Transfer{out.movement, *out.replay, other.movement, other.posting};
    }
    Movement in = check_transfer_in(to, party_of(from), amount, description, reference, metadata);
    Posting posting = write_transfer_out(s, from, out.movement, nullptr);
    Posting destination_posting = write_transfer_in(s, to, in, posting.transaction_id);
    return Transfer{out.movement, posting, in, destination_posting};
}

Reversing check_reversal(tables::Session &s, const Account &first, std::optional<std::string_view> counterparty_id,
                         std::string_view transaction_id, std::optional<Decimal> amount,
                         std::optional<std::string_view> reason, std::optional<std::string_view> idempotency_key) {
    Recorded original = find_transaction_on(s, first, transaction_id);
    const char *txn = args::cstr(transaction_id);
    if (original.movement.type == EntryType::Reversal)
        fail(sqlstate::invalid_parameter, "a reversal cannot be reversed",
             format("Transaction %s is itself a reversal (of %s).", txn, args::cstr(*original.movement.reverses)),
             "Make a new credit or debit instead.");
    if (original.movement.type == EntryType::Expiry || original.movement.type == EntryType::Allocation)
        fail(sqlstate::invalid_parameter, format("an %s cannot be reversed", entry_type_name(original.movement.type)),
             format("Transaction %s is a grant %s, made by credits itself.", txn,
                    original.movement.type == EntryType::Expiry ? "expiry" : "allocation of a plan"),
             "Correct it with credits_adjust().");

    // A retry gets what its key did, however much has been reversed since.
    if (idempotency_key) {
        Units asked = amount ? to_units(*amount, first.scale, "amount", first.external_id) : 0;
        Movement again{EntryType::Reversal, original.movement.decreases() ? asked : -asked, reason,
                       original.movement.reference, idempotency_key, original.movement.metadata};
        again.reverses = std::string_view(txn);
        again.counterparty_id = counterparty_id;
        if (auto prior = find_prior(s, first, again, !amount))
            return Reversing{prior->movement, original.movement, 0, prior->movement.magnitude(), prior->posting};
    }

    Units whole = original.movement.magnitude();
    Units done = reversed_amount(s, first, transaction_id);
    if (!amount && done == whole)
        fail(sqlstate::reversal_exceeds_original, format("transaction %s is already fully reversed", txn),
             format("It moved %s, and all of it has been reversed.", units_to_string(whole, first.scale)));
    Units wanted = amount ? to_units(*amount, first.scale, "amount", first.external_id) : whole - done;
    if (done + wanted > whole)
        fail(sqlstate::reversal_exceeds_original, format("reversal exceeds transaction %s", txn),
             format("The transaction moved %s; %s of it is already reversed; this reversal asks for %s.",
                    units_to_string(whole, first.scale), units_to_string(done, first.scale),
                    units_to_string(wanted, first.scale)));

    // The reversal moves the other way, on the original's reference.
    Movement back{EntryType::Reversal, original.movement.decreases() ? wanted : -wanted, reason,
                  original.movement.reference, idempotency_key, original.movement.metadata};
    back.reverses = std::string_view(txn);
    back.counterparty_id = counterparty_id;
    Reversing r{back, original.movement, done, wanted, find_replay(s, first, back)};
    if (!r.replay) require_status(first, true, back.decreases() ? "debits" : "credits");
    return r;
}

Posting write_reversal(tables::Session &s, Account &first, Reversing &r, bool force, const ids::Id *transaction_id) {
    r.back.grants = reversal_grants(s, first, r.original, r.done, r.back, force);
    return append(s, first, r.back, transaction_id);
}

Movement check_give_back(tables::Session &s, const Account &second, const Party &first, Decimal wanted,
                         std::string_view transaction_id, std::optional<std::string_view> reason, bool force) {
    Recorded received = find_transaction_on(s, second, transaction_id);
    Units units = to_units(wanted, second.scale, "amount", second.external_id);
    Movement give{EntryType::Reversal, -units, reason, received.movement.reference, std::nullopt,
                  received.movement.metadata};
    give.reverses = std::string_view(args::cstr(transaction_id));
    give.counterparty_id = std::string_view(first.id);
    require_status(second, true, "debits");
    require_or_force(second, give, force);
    check_range(second, give.delta);
    return give;
}

Posting write_give_back(tables::Session &s, Account &second, Movement &give, const ids::Id &reversal_id, bool force) {
    Recorded received = find_transaction_on(s, second, *give.reverses);
    give.grants = reversal_grants(s, second, received.movement, 0, give, force);
    return append(s, second, give, &reversal_id);
}

Reversal reverse(tables::Session &s, Account &first, Account *second, std::string_view transaction_id,
                 std::optional<Decimal> amount, std::optional<std::string_view> reason,
                 std::optional<std::string_view> idempotency_key, bool force) {
    std::optional<std::string_view> counterparty;
    if (second) counterparty = std::string_view(second->id);
    Reversing r = check_reversal(s, first, counterparty, transaction_id, amount, reason, idempotency_key);
    if (r.replay) return Reversal{&first, second, r.back, *r.replay};

    if (!second) {
        // Taking back a grant's credit needs that grant to still have them
        // (and, like any decrease, the account's funds).
        grants::Funding was = grants::from_jsonb(r.original.grants, first.scale);
        if (auto grant = grants::created_grant(was)) {
            Units left = grants::unspent(s, first, *grant);
            if (left < r.wanted && !force)
                fail(sqlstate::insufficient_credits, format("insufficient credits on account %s", first.external_id),
                     format("Grant %s made by transaction %s has %s left; the reversal needs %s.",
                            args::cstr(*grant), args::cstr(transaction_id), units_to_string(left, first.scale),
                            units_to_string(r.wanted, first.scale)),
                     "Pass force => true to take the rest from the account's other credits.");
        }
        require_or_force(first, r.back, force);
        check_range(first, r.back.delta);
        return Reversal{&first, nullptr, r.back, write_reversal(s, first, r, force, nullptr)};
    }

    // A transfer: its destination gives the credits back.
    Movement give = check_give_back(s, *second, party_of(first), Decimal{r.wanted, first.scale}, transaction_id,
                                    reason, force);
    check_range(first, r.back.delta);
    Posting posting = write_reversal(s, first, r, force, nullptr);
    write_give_back(s, *second, give, posting.transaction_id, force);
    return Reversal{&first, second, r.back, posting};
}

}  // namespace credits
