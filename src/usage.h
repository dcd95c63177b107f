// Usage records: what an account used (tokens, requests, units), when, and
// what it cost, with the rollups that summaries read.
//
// A record and the change to its rollup row are written in the same call,
// under the account's row lock, so rollups are exact at every commit and a
// summary never has to read the records. The lock also serialises records
// with the same idempotency key: the second finds the first and returns it.
#pragma once

#include "accounts.h"
#include "ids.h"

#include <optional>

namespace credits::usage {

// Token counts come in disjoint buckets (input_tokens excludes cached ones),
// so each is priced once.
enum Bucket { input, cached_input, cache_write, output, reasoning, bucket_count };
extern const char *const bucket_names[bucket_count];  // "input_tokens", ...

constexpr int64 max_tokens = 1000000000000000LL;  // per bucket and record: 10^15
constexpr int32 max_requests = 1000000;
// occurred_at may lie this far before the call, and this far after it.
constexpr int64 max_age = 35 * USECS_PER_DAY;
constexpr int64 max_lead = 5 * 60 * USECS_PER_SEC;

// What a call says about usage.
struct Usage {
    std::optional<std::string_view> model;
    std::string_view usage_type;
    std::optional<std::string_view> endpoint;
    std::string_view context;
    int64 tokens[bucket_count];
    Datum units;  // numeric >= 0: what a per-unit price prices (images, seconds)
    int32 requests;
    bool success;
    std::optional<Datum> cost;  // numeric >= 0, as a caller of credits_record_usage knows it
    std::optional<std::string_view> transaction_id;  // what paid for it
    std::optional<std::string_view> reservation_id;
    std::optional<std::string_view> description;
    std::optional<Datum> metadata;
    std::optional<TimestampTz> occurred_at;  // nullopt: now
    std::optional<std::string_view> idempotency_key;
};

// A usage with the defaults: 'text', 'customer', one successful request.
Usage defaults();

// Checks what the argument readers cannot check alone: CR012 for a token
// count or a request count out of range; check() also gives CR023 for an
// occurred_at outside [now - 35 days, now + 5 minutes].
void check_quantities(const Usage &u);
void check_context(std::string_view context);  // customer or developer
void check(const Usage &u);
TimestampTz occurred_at(const Usage &u);

// What credits_charge priced and paid.
struct Charge {
    Datum cost;          // exact numeric
    Units charged;       // at the account's scale; 0: nothing was debited
    const char *price_id;
    std::optional<ids::Id> transaction_id;  // of the debit or the confirm
};

// A usage row as recorded: its columns' values, in the table's order, owned
// by the caller (they outlive the call's tables).
struct Record {
    TupleDesc desc;
    Datum *values;
    bool *nulls;
    bool replayed;
};

// The record an earlier call made with the usage's idempotency key on this
// account, or nullopt. CR003 when that call described other usage (`charge`:
// compare what a charge is given; else what a record is given).
std::optional<Record> find_replay(tables::Session &s, const Account &account, const Usage &u, bool charge);

// The rollup rows a usage adds to, read and their counts summed before
// anything is written, so that an overflow fails the call before its first
// write.
struct RollupChange;
RollupChange *prepare(tables::Session &s, const Account &account, const Usage &u);

// Inserts the record and applies the prepared rollup change with the charge
// (what was debited, known only once it was); the account is marked changed
// (its updated_at tells its last activity).
Record write(tables::Session &s, Account &account, const Usage &u, const Charge *charge, RollupChange *rollup);

// The usage id of a record.
const char *id_of(const Record &r);

// The row a usage function returns (credits_usage_result), with the
// account's balance and available after the call.
Datum result(TupleDesc desc, const Record &r, const Account &account);

}  // namespace credits::usage
