// Accounts: finding them (by internal id or external_id, within the session's
// tenant), locking them, and writing them back.
#pragma once

#include "amount.h"
#include "tables.h"

#include <optional>

namespace credits {

enum class Status { Active, Frozen, Closed };

const char *status_name(Status s);
std::optional<Status> parse_status(std::string_view s);

// Columns of credits_account that the C++ code reads or writes.
enum class AccountColumn {
    id, tenant, external_id, name, email, status, unit, scale, balance, reserved, overdraft_limit, metadata,
    entry_count, updated_at, next_hold_expiry, grant_count, next_grant_expiry, default_grant_ttl,
    min_credit_amount, next_renewal, account_key, notify_emails, watched,
    creation_key,  // written through SPI; listed so that an older schema is reported as such
    count
};
AttrNumber account_attnum(tables::Session &s, AccountColumn c);

// No pending hold (grant, renewal): the column is NULL.
constexpr TimestampTz no_expiry = DT_NOEND;
// A nullable timestamp column, read with NULL as no_expiry, and written back.
TimestampTz timestamp_or_never(TupleTableSlot *row, AttrNumber attnum);
std::optional<Datum> nullable_timestamp(TimestampTz t);

// The account key: 32 bits of a hash of (tenant, external_id), fixed when
// the account is made. Every row of the account carries it (the column
// account_key, Citus's distribution column), and so does every id made for
// it (ids.h), so that both ways of naming an account, and the ids of its
// holds, transactions and grants, name its shard without a lookup.
int32 account_key(std::string_view tenant, std::string_view external_id);

// The account row as the ledger needs it, loaded under its row lock.
struct Account {
    TupleTableSlot *row;      // the locked row version
    int32 key;                // account_key
    const char *id;           // palloc'd copies
    const char *external_id;
    const char *unit;
    Status status;
    int scale;
    Units balance;
    Units reserved;           // pending, unexpired holds once settled
    Units overdraft_limit;
    int64 entry_count;        // seq of the newest entry
    TimestampTz next_hold_expiry;  // no pending hold expires before this
    int grant_count;               // active grants; with none, grants cost nothing
    TimestampTz next_grant_expiry; // no active grant expires before this
    TimestampTz next_renewal;      // the subscription's period ends (no_expiry: none)
    std::optional<Interval> default_grant_ttl;  // every credit expires after this unless told
    Units min_credit_amount;       // smaller credits are refused (0: any)
    bool watched;             // has alert or auto-reload settings (alerts.h)
    Units saved_balance;      // as the row last written says, for alerts
    Units saved_reserved;
    bool changed;             // differs from the row: save_account() it

    Units available() const { return balance - reserved; }
};
static_assert(std::is_trivially_destructible_v<Account>);

// Reads the `account` argument of a function: required, at most 255 bytes.
std::string_view account_arg(FunctionCallInfo fcinfo, int argno);

// Locks the account row (FOR NO KEY UPDATE) and brings it up to date: holds
// that have expired are released (and saved) first. CR002 when no account of
// the session's tenant has that id or external_id.
Account lock_account(tables::Session &s, std::string_view account);

struct LockOptions {
    bool any_tenant = false;  // background work serves every tenant
    tables::Wait wait = tables::Wait::Block;  // Skip: nullopt if someone else holds it
    bool settle = true;       // do the due work (false: the caller calls catch_up)
};

// What catch_up did.
struct CaughtUp {
    int expired_holds;
    int renewals;
    int expired_grants;
};

// The work due on a locked account: holds past their expiry are released
// (which frees grant credits), a subscription whose period ended is renewed
// (which may roll over what a lapsing allocation left), and grants past
// their expiry leave the balance. Saves the account if anything changed.
CaughtUp catch_up(tables::Session &s, Account &account);

// The same by internal id; nullopt when there is none (or it was skipped).
std::optional<Account> lock_account_by_id(tables::Session &s, std::string_view id, LockOptions options = {});

// Writes the ledger state of a locked account (balance, reserved,
// entry_count, the next expiries and renewal, grant_count, updated_at), plus
// any `extra` columns. A watched account's alerts see the change then.
void save_account(tables::Session &s, Account &account, tables::Values *extra = nullptr);

// The internal id of an account reference, without locking: an id-shaped
// reference is only normalised (the lock checks it exists in this tenant);
// an external_id is looked up in the session's tenant (CR002 if absent).
const char *resolve_account_id(tables::Session &s, std::string_view account);

// The internal id of an account of the session's tenant, without locking
// (through SPI, for the functions that read views).
const char *find_account_id(std::string_view account);
// The same with its account key (which ids made before 0.6.0 do not carry).
struct FoundAccount {
    const char *id;
    int32 key;
};
FoundAccount find_account(std::string_view account);

// CR007 unless the account allows the operation ("debits", "credits", ...).
// Frozen accounts still take credits; closed ones take nothing.
void require_status(const Account &account, bool allowed_when_frozen, const char *operation);
// The same for an account known only by what another node said of it.
void require_status(const char *external_id, Status status, bool allowed_when_frozen, const char *operation);

// The tenant the account belongs to (background work serves every tenant).
std::string_view account_tenant(tables::Session &s, const Account &account);

[[noreturn]] void account_not_found(std::string_view account);

}  // namespace credits
