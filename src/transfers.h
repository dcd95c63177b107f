// Movements that involve a second account or an earlier transaction:
// transfers between accounts and reversals of earlier transactions.
#pragma once

#include "ledger.h"

namespace credits {

// What one side of a two-account movement knows of the other.
struct Party {
    const char *id;
    const char *external_id;
    const char *unit;
    int scale;
    Status status;
};
Party party_of(const Account &a);

// Each movement below comes in sides: the check_ functions write nothing
// (every check comes before the first write, so that a failed operation
// has changed nothing), the write_ functions check nothing. On one node
// transfer() and reverse() run both sides; on Citus, when the two accounts'
// shards differ, each side runs on its own node, in one distributed
// transaction (movement_functions.cpp).

// 22003 unless the account's balance can move by delta.
void check_range(const Account &a, Units delta);

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

// The source side of a transfer to `to`: its movement, or the original
// posting when the idempotency key was used before (nothing to write then).
struct Outgoing {
    Movement movement;
    std::optional<Posting> replay;
};
Outgoing check_transfer_out(tables::Session &s, const Account &from, const Party &to, Decimal amount,
                            std::optional<std::string_view> description, std::optional<std::string_view> reference,
                            std::optional<std::string_view> idempotency_key, std::optional<Datum> metadata);
Posting write_transfer_out(tables::Session &s, Account &from, Movement &movement, const ids::Id *transaction_id);

// The destination side of a transfer from `from`.
Movement check_transfer_in(const Account &to, const Party &from, Decimal amount,
                           std::optional<std::string_view> description, std::optional<std::string_view> reference,
                           std::optional<Datum> metadata);
Posting write_transfer_in(tables::Session &s, Account &to, const Movement &movement, const ids::Id &transaction_id);

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

// The first side of a reversal: what goes back to (or out of) the account
// that holds the original entry; `counterparty_id` for a transfer's.
struct Reversing {
    Movement back;
    Movement original;
    Units done;    // reversed before
    Units wanted;  // now, in the first account's scale
    std::optional<Posting> replay;
};
Reversing check_reversal(tables::Session &s, const Account &first, std::optional<std::string_view> counterparty_id,
                         std::string_view transaction_id, std::optional<Decimal> amount,
                         std::optional<std::string_view> reason, std::optional<std::string_view> idempotency_key);
Posting write_reversal(tables::Session &s, Account &first, Reversing &r, bool force, const ids::Id *transaction_id);

// The second side of a transfer's reversal: the destination gives back
// `wanted` (in the first account's scale) of transaction `transaction_id`.
Movement check_give_back(tables::Session &s, const Account &second, const Party &first, Decimal wanted,
                         std::string_view transaction_id, std::optional<std::string_view> reason, bool force);
Posting write_give_back(tables::Session &s, Account &second, Movement &give, const ids::Id &reversal_id, bool force);

}  // namespace credits
