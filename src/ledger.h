// The ledger: appending entries to an account and replaying idempotent calls.
#pragma once

#include "accounts.h"
#include "grants.h"
#include "ids.h"

#include <optional>

namespace credits {

enum class EntryType { Credit, Debit, Adjustment, Reversal, Transfer, Expiry, Allocation };

const char *entry_type_name(EntryType t);
std::optional<EntryType> parse_entry_type(std::string_view s);
// CR012 unless s names an entry type.
EntryType entry_type_arg(std::string_view s);

// One movement on one account: an entry to append.
struct Movement {
    EntryType type;
    Units delta;  // signed: what the balance gains
    std::optional<std::string_view> description;
    std::optional<std::string_view> reference;
    std::optional<std::string_view> idempotency_key;
    std::optional<Datum> metadata;  // a jsonb object
    std::optional<std::string_view> reservation_id = std::nullopt;   // the hold a confirm settles
    std::optional<std::string_view> counterparty_id = std::nullopt;  // the other account of a transfer
    std::optional<std::string_view> reverses = std::nullopt;         // the transaction a reversal undoes
    std::optional<Datum> grants = std::nullopt;  // which grants it took from or gave to (grants.h)
    bool forced = false;  // explicitly allowed past the overdraft limit

    bool decreases() const { return delta < 0; }
    Units magnitude() const { return delta < 0 ? -delta : delta; }
    // What results show as "amount": signed for adjustments, positive otherwise.
    Units shown_amount() const { return type == EntryType::Adjustment ? delta : magnitude(); }
};

// What the ledger recorded for a movement (for a replay: what it had recorded).
struct Posting {
    ids::Id transaction_id;
    Units balance_after;
    Units available_after;
    TimestampTz created_at;
    bool replayed;
};

// The original posting when the movement's idempotency key was used on this
// account before (CR003 if with other parameters), else nullopt. The account
// is locked, so a racing call with the same key has finished by now.
std::optional<Posting> find_replay(tables::Session &s, const Account &account, const Movement &movement);

// A transaction's entry on this account, as recorded.
struct Recorded;

// The same, with what was recorded; `any_amount`: whatever its amount (a
// reversal of "the rest" asks for what the rest was then).
std::optional<Recorded> find_prior(tables::Session &s, const Account &account, const Movement &movement,
                                   bool any_amount);

// A movement with the usual rules: a replay returns the original; otherwise
// the status (CR007: credits need a not-closed account, decreases an active
// one unless allow_frozen) and the funds (CR001) are checked, a decrease is
// taken from the grants in burn-down order, a credit with a `grant` spec
// makes a grant, and the entry is appended.
Posting post(tables::Session &s, Account &account, const Movement &movement, bool allow_frozen = false,
             const grants::Spec *grant = nullptr);

// Appends the entry and applies it to the in-memory account, without any
// check. `transaction_id`: to share one transaction between entries.
Posting append(tables::Session &s, Account &account, const Movement &movement,
               const ids::Id *transaction_id = nullptr);

// The accounts a transaction has entries on: one, or two for a transfer
// (source first); 0 when there is no such transaction. On Citus a transfer
// between two shards shows one here: then *counterparty names the other.
int transaction_accounts(tables::Session &s, std::string_view transaction_id, const char *account_ids[2],
                         const char **counterparty);

// A transaction's entry on this account, as recorded.
struct Recorded {
    Movement movement;
    Posting posting;
};
Recorded find_transaction_on(tables::Session &s, const Account &account, std::string_view transaction_id);
// The same, when there may be none.
std::optional<Recorded> transaction_on(tables::Session &s, const Account &account, std::string_view transaction_id);

// How much of a transaction's entry on this account has been reversed.
Units reversed_amount(tables::Session &s, const Account &account, std::string_view transaction_id);

// CR001 unless the account can give `amount` without available falling below
// -overdraft_limit.
void require_funds(const Account &account, Units amount, const char *operation);

}  // namespace credits
