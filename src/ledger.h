// The ledger: appending entries to an account and replaying idempotent calls.
#pragma once

#include "accounts.h"
#include "ids.h"

#include <optional>

namespace credits {

enum class EntryType { Credit, Debit };

const char *entry_type_name(EntryType t);
std::optional<EntryType> parse_entry_type(std::string_view s);
// CR012 unless s names an entry type.
EntryType entry_type_arg(std::string_view s);

// A request to move credits on one account. `amount` is positive; the type
// gives the direction.
struct Movement {
    EntryType type;
    Units amount;
    std::optional<std::string_view> description;
    std::optional<std::string_view> reference;
    std::optional<std::string_view> idempotency_key;
    std::optional<Datum> metadata;  // a jsonb object
    std::optional<std::string_view> reservation_id = std::nullopt;  // the hold a confirm settles
    bool forced = false;  // explicitly allowed past the overdraft limit

    bool decreases() const { return type == EntryType::Debit; }
};

// What the ledger recorded for a movement (for a replay: what it had recorded).
struct Posting {
    ids::Id transaction_id;
    Units balance_after;
    Units available_after;
    TimestampTz created_at;
    bool replayed;
};

// The whole single-account operation on a locked account: an idempotent
// replay returns the original posting; otherwise the status and the funds are
// checked (CR007, CR001), the entry is appended and the account is saved.
Posting post(tables::Session &s, Account &account, const Movement &movement);

// Appends the entry and applies it to the in-memory account, without any
// check; the caller saves the account.
Posting append(tables::Session &s, Account &account, const Movement &movement);

// An existing transaction on this account, as it was recorded (for replays
// of calls that are idempotent by other means than a key).
struct Recorded {
    Movement movement;
    Posting posting;
};
Recorded find_transaction(tables::Session &s, const Account &account, std::string_view transaction_id);

// CR001 unless the account can give `amount` without available falling below
// -overdraft_limit.
void require_funds(const Account &account, Units amount, const char *operation);

}  // namespace credits
