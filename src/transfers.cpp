#include "transfers.h"

#include "args.h"
#include "errors.h"
#include "grants.h"

namespace credits {

namespace {

// A two-entry movement must not fail half-way: check both balances' range first.
void check_range(const Account &a, Units delta) { add_units(a.balance, delta, a.scale, a.external_id); }

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

Transfer transfer(tables::Session &s, Account &from, Account &to, Decimal amount,
                  std::optional<std::string_view> description, std::optional<std::string_view> reference,
                  std::optional<std::string_view> idempotency_key, std::optional<Datum> metadata) {
    Units out = to_units(amount, from.scale, "amount", from.external_id);
    Movement source{EntryType::Transfer, -out, description, reference, idempotency_key, metadata};
    source.counterparty_id = std::string_view(to.id);
    if (auto original = find_replay(s, from, source)) {
        Recorded other = find_transaction_on(s, to, original->transaction_id.view());
        return Transfer{source, *original, other.movement, other.posting};
    }

    if (strcmp(from.unit, to.unit) != 0)
        fail(sqlstate::unit_mismatch, "a transfer needs accounts of the same unit",
             format("Account %s counts %s, account %s counts %s.", from.external_id, from.unit, to.external_id,
                    to.unit));
    Units in = to_units(amount, to.scale, "amount", to.external_id);
    Movement destination{EntryType::Transfer, in, description, reference, std::nullopt, metadata};
    destination.counterparty_id = std::string_view(from.id);
    require_status(from, false, "debits");
    require_status(to, true, "credits");
    require_funds(from, out, "transfer");
    check_range(from, -out);
    check_range(to, in);

    source.grants = grants::to_jsonb(grants::spend(s, from, out), from.scale);
    Posting posting = append(s, from, source);
    Posting destination_posting = append(s, to, destination, &posting.transaction_id);
    return Transfer{source, posting, destination, destination_posting};
}

Reversal reverse(tables::Session &s, Account &first, Account *second, std::string_view transaction_id,
                 std::optional<Decimal> amount, std::optional<std::string_view> reason,
                 std::optional<std::string_view> idempotency_key, bool force) {
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
    if (second) back.counterparty_id = std::string_view(second->id);
    if (auto replay = find_replay(s, first, back)) return Reversal{&first, second, back, *replay};

    require_status(first, true, back.decreases() ? "debits" : "credits");
    grants::Funding was = grants::from_jsonb(original.movement.grants, first.scale);
    if (!second) {
        // Taking back a grant's credit needs that grant to still have them
        // (and, like any decrease, the account's funds).
        if (auto grant = grants::created_grant(was)) {
            Units left = grants::unspent(s, first, *grant);
            if (left < wanted && !force)
                fail(sqlstate::insufficient_credits, format("insufficient credits on account %s", first.external_id),
                     format("Grant %s made by transaction %s has %s left; the reversal needs %s.",
                            args::cstr(*grant), txn, units_to_string(left, first.scale),
                            units_to_string(wanted, first.scale)),
                     "Pass force => true to take the rest from the account's other credits.");
        }
        require_or_force(first, back, force);
        check_range(first, back.delta);
        back.grants = reversal_grants(s, first, original.movement, done, back, force);
        return Reversal{&first, nullptr, back, append(s, first, back)};
    }

    // A transfer: its destination gives the credits back.
    Units other_units = to_units(Decimal{wanted, first.scale}, second->scale, "amount", second->external_id);
    Movement give{EntryType::Reversal, -other_units, reason, original.movement.reference, std::nullopt,
                  original.movement.metadata};
    give.reverses = back.reverses;
    give.counterparty_id = std::string_view(first.id);
    require_status(*second, true, "debits");
    require_or_force(*second, give, force);
    check_range(first, back.delta);
    check_range(*second, give.delta);
    back.grants = reversal_grants(s, first, original.movement, done, back, force);
    Recorded received = find_transaction_on(s, *second, transaction_id);
    give.grants = reversal_grants(s, *second, received.movement, 0, give, force);
    Posting posting = append(s, first, back);
    append(s, *second, give, &posting.transaction_id);
    return Reversal{&first, second, back, posting};
}

}  // namespace credits
