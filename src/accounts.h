// Accounts: finding them (by internal id or external_id, within the session's
// tenant), locking them, and writing their balance columns back.
#pragma once

#include "amount.h"
#include "tables.h"

#include <optional>

namespace credits {

enum class Status { Active, Frozen, Closed };

const char *status_name(Status s);
std::optional<Status> parse_status(std::string_view s);

// The account row as the ledger needs it, loaded under its row lock.
struct Account {
    TupleTableSlot *row;      // the locked row version
    const char *id;           // palloc'd copies
    const char *external_id;
    Status status;
    int scale;
    Units balance;
    Units reserved;
    Units overdraft_limit;
    int64 entry_count;        // seq of the newest entry

    Units available() const { return balance - reserved; }
};
static_assert(std::is_trivially_destructible_v<Account>);

// Reads the `account` argument of a function: required, at most 255 bytes.
std::string_view account_arg(FunctionCallInfo fcinfo, int argno);

// Locks the account row (FOR NO KEY UPDATE) and loads it. CR002 when no
// account of the session's tenant has that id or external_id.
Account lock_account(tables::Session &s, std::string_view account);

// Writes balance, reserved, entry_count and updated_at of a locked account.
// Once per account and call: the locked row version is replaced.
void save_balances(tables::Session &s, const Account &account);

// The internal id of an account of the session's tenant, without locking
// (through SPI, for the functions that read views).
const char *find_account_id(std::string_view account);

// CR007 unless the account allows the operation ("debits", "credits", ...).
// Frozen accounts still take credits; closed ones take nothing.
void require_status(const Account &account, bool allowed_when_frozen, const char *operation);

}  // namespace credits
