// Movements that involve a second account or an earlier transaction:
// transfers between accounts and reversals of earlier transactions.
#pragma once

#include "ledger.h"

namespace credits {

struct Transfer {
    Movement source;
    Posting posting;  // the source's entry; the destination's shares its transaction
    Movement destination;
    Posting destination_posting;
};

// Moves an amount between two locked accounts of the same unit (CR015) in one
// transaction with two entries. The source must be active with the funds
// (CR007, CR001), the destination not closed. The idempotency key belongs to
// the source.
Transfer transfer(tables::Session &s, Account &from, Account &to, Decimal amount,
                  std::optional<std::string_view> description, std::optional<std::string_view> reference,
                  std::optional<std::string_view> idempotency_key, std::optional<Datum> metadata);

struct Reversal {
    Account *account;  // the original's account (a transfer's source)
    Account *other;    // a transfer's destination, which gives the credits back
    Movement movement;
    Posting posting;
};

// Undoes all (NULL amount) or part of a transaction on its locked account(s)
// with a 'reversal' entry that names it. Reversals of one transaction never
// add up to more than it (CR010); taking back credits that were spent is
// CR001 unless `force` (then the overdraw is marked forced). `first` holds
// the original entry (the source of a transfer), `second` a transfer's
// destination. The idempotency key belongs to `first`.
Reversal reverse(tables::Session &s, Account &first, Account *second, std::string_view transaction_id,
                 std::optional<Decimal> amount, std::optional<std::string_view> reason,
                 std::optional<std::string_view> idempotency_key, bool force);

}  // namespace credits
