#include "ops.h"

#include "args.h"
#include "clock.h"
#include "errors.h"
#include "grants.h"
#include "pricing.h"
#include "tenants.h"
#include "transfers.h"

#include <algorithm>

extern "C" {
#include "utils/hsearch.h"
}

namespace credits::ops {

namespace {

constexpr const char *kind_names[] = {"credit",  "debit",    "adjust", "reserve",     "confirm",
                                      "cancel",  "reverse",  "transfer", "charge",     "record_usage"};

// What is known about a request before any lock: the accounts it needs, and
// rows read on the way there.
struct Plan {
    const char *account_ids[2];
    int count;
    TupleTableSlot *hold_row;    // confirm, cancel
    const char *transaction_id;  // reverse
};

[[noreturn]] void transaction_not_found(std::string_view id, const char *why = nullptr) {
    fail(sqlstate::transaction_not_found, format("transaction \"%s\" does not exist", args::shown(id)),
         why ? why : "No transaction has that id in this tenant.");
}

// The transaction a reverse request names: a transaction id, or a confirmed
// reservation (whose confirm it reverses).
const char *reversed_transaction(Work &w, std::string_view target, TupleTableSlot **hold_row) {
    if (!ids::has_shape(target, "res_")) return pstrdup(ids::canonical(target).text);
    *hold_row = find_hold_row(w.session, target);
    if (!*hold_row) reservation_not_found(target);
    auto txn = hold_transaction_id(w.session, *hold_row);
    if (!txn)
        transaction_not_found(target, "Only a confirmed reservation has a transaction to reverse.");
    return args::cstr(*txn);
}

// An account reference's id, looked up once per call.
const char *resolve(Work &w, std::string_view ref) {
    struct Entry {
        char ref[args::max_key_length + 1];
        const char *id;
    };
    if (!w.resolved) {
        HASHCTL ctl{};
        ctl.keysize = sizeof(Entry::ref);
        ctl.entrysize = sizeof(Entry);
        ctl.hcxt = CurrentMemoryContext;
        w.resolved = hash_create("credits account references", 64, &ctl, HASH_ELEM | HASH_STRINGS | HASH_CONTEXT);
    }
    char key[sizeof(Entry::ref)] = {};
    memcpy(key, ref.data(), ref.size() < sizeof(key) - 1 ? ref.size() : sizeof(key) - 1);
    bool found;
    auto *e = static_cast<Entry *>(hash_search(w.resolved, key, HASH_ENTER, &found));
    if (!found || !e->id) {
        e->id = nullptr;  // stays so if the lookup fails
        e->id = resolve_account_id(w.session, ref);
    }
    return e->id;
}

Plan make_plan(Work &w, const Request &r) {
    if (r.invalid) throw *r.invalid;
    Plan p{{nullptr, nullptr}, 0, nullptr, nullptr};
    tables::Session &s = w.session;
    switch (r.kind) {
        case Kind::Credit:
        case Kind::Debit:
        case Kind::Adjust:
        case Kind::Reserve:
        case Kind::Charge:
        case Kind::RecordUsage:
            p.account_ids[p.count++] = resolve(w, r.account);
            break;
        case Kind::Transfer:
            p.account_ids[p.count++] = resolve(w, r.account);
            p.account_ids[p.count++] = resolve(w, r.to_account);
            if (strcmp(p.account_ids[0], p.account_ids[1]) == 0)
                fail(sqlstate::invalid_parameter, "a transfer needs two different accounts",
                     format("Both sides are account %s.", p.account_ids[0]));
            break;
        case Kind::Confirm:
        case Kind::Cancel:
            p.hold_row = find_hold_row(s, r.target);
            if (!p.hold_row) reservation_not_found(r.target);
            p.account_ids[p.count++] = hold_account_id(s, p.hold_row);
            break;
        case Kind::Reverse: {
            TupleTableSlot *hold_row = nullptr;
            p.transaction_id = reversed_transaction(w, r.target, &hold_row);
            const char *elsewhere;
            p.count = transaction_accounts(s, p.transaction_id, p.account_ids, &elsewhere);
            if (p.count == 0) transaction_not_found(r.target);
            if (elsewhere)  // on Citus: credits_reverse() puts the two sides together
                fail(ERRCODE_FEATURE_NOT_SUPPORTED,
                     format("transaction %s is a transfer between accounts on different shards", p.transaction_id),
                     format("Its other side is on account %s.", elsewhere),
                     "Reverse it with credits_reverse(), not in a batch.");
            break;
        }
    }
    return p;
}

// Accounts are locked, and so listed, in id order: binary search.
Account *find_locked(Work &w, const char *id) {
    int low = 0, high = list_length(w.accounts) - 1;
    while (low <= high) {
        int mid = (low + high) / 2;
        auto *a = static_cast<Account *>(list_nth(w.accounts, mid));
        int cmp = strcmp(a->id, id);
        if (cmp == 0) return a;
        if (cmp < 0)
            low = mid + 1;
        else
            high = mid - 1;
    }
    return nullptr;
}

// Locks the account with this id (if this tenant has it) unless done already.
Account *lock_id(Work &w, const char *id) {
    if (Account *a = find_locked(w, id)) return a;
    std::optional<Account> locked = lock_account_by_id(w.session, id);
    if (!locked) return nullptr;
    auto *a = static_cast<Account *>(palloc(sizeof(Account)));
    *a = *locked;
    w.accounts = lappend(w.accounts, a);
    return a;
}

// The locked account a plan refers to, or the not-found error of its kind
// (an account of another tenant does not exist for this one).
Account &planned_account(Work &w, const Request &r, const Plan &p, int i) {
    Account *a = find_locked(w, p.account_ids[i]);
    if (a) return *a;
    switch (r.kind) {
        case Kind::Confirm:
        case Kind::Cancel: reservation_not_found(r.target);
        case Kind::Reverse: transaction_not_found(r.target);
        case Kind::Transfer: account_not_found(i == 0 ? r.account : r.to_account);
        default: account_not_found(r.account);
    }
}

Units amount_for(const Request &r, const Account &a) {
    return to_units(*r.amount, a.scale, "amount", a.external_id);
}

// A credit makes a grant when it has an expiry, a priority or a category, or
// when the account gives every credit an expiry.
std::optional<grants::Spec> grant_spec(const Request &r, const Account &a) {
    TimestampTz expires_at = r.grant_expires_at;
    if (expires_at == no_expiry && a.default_grant_ttl)
        expires_at = DatumGetTimestampTz(DirectFunctionCall2(
            timestamptz_pl_interval, TimestampTzGetDatum(clock::now()),
            IntervalPGetDatum(&*a.default_grant_ttl)));
    if (expires_at == no_expiry && r.priority == 0 && !r.category) return std::nullopt;
    return grants::Spec{expires_at, r.priority, r.category, no_expiry};
}

// A reservation a usage names: one of this account's (CR004 otherwise).
TupleTableSlot *usage_hold_row(tables::Session &s, const Account &account, std::string_view reservation_id) {
    TupleTableSlot *row = find_hold_row(s, reservation_id);
    if (!row || strcmp(hold_account_id(s, row), account.id) != 0) reservation_not_found(reservation_id);
    return row;
}

// A usage as it is recorded and compared with a replay: the ids it links to
// in their canonical spelling (ids are case-insensitive).
usage::Usage with_canonical_links(const usage::Usage &given) {
    usage::Usage u = given;
    if (u.reservation_id && ids::has_shape(*u.reservation_id, "res_"))
        u.reservation_id = args::cstr(ids::canonical(*u.reservation_id).view());
    if (u.transaction_id && ids::has_shape(*u.transaction_id, "txn_"))
        u.transaction_id = args::cstr(ids::canonical(*u.transaction_id).view());
    return u;
}

// credits_charge: prices the usage, debits it (or settles its reservation
// with it) and records it, every check before the first write.
void charge(tables::Session &s, Account &account, const Request &r, Result &result) {
    const usage::Usage u = with_canonical_links(*r.usage);
    if (auto replay = usage::find_replay(s, account, u, true)) {
        result.usage = *replay;
        return;
    }
    usage::check(u);
    if (!u.model) fail(sqlstate::invalid_parameter, "model is required", "A charge is priced by its model's price.");
    pricing::Price price = pricing::in_force(s, tenants::current(), *u.model, u.usage_type, usage::occurred_at(u));
    usage::Charge c{pricing::cost(price, u), 0, price.id, std::nullopt};
    c.charged = pricing::amount(c.cost, account.scale, price.rounding, account.external_id);
    std::optional<LockedHold> held;
    if (u.reservation_id) held = current_hold(s, account, usage_hold_row(s, account, *u.reservation_id));
    // Settling a hold is allowed on a frozen account, as credits_confirm is.
    require_status(account, held.has_value(), "charges");
    usage::RollupChange *rollup = usage::prepare(s, account, u);
    if (held && c.charged > 0) {
        Confirmation confirmed = confirm(s, *held, Decimal{c.charged, account.scale}, r.description, r.metadata,
                                         r.on_excess);
        c.charged = confirmed.movement.magnitude();  // on_excess => 'cap' may take less
        result.movement = confirmed.movement;
        result.posting = confirmed.posting;
        result.released = confirmed.released;
        result.has_posting = true;
    } else if (held) {
        cancel(s, *held);  // nothing to pay: the whole hold goes back
    } else if (c.charged > 0) {
        result.movement = Movement{EntryType::Debit, -c.charged, r.description, r.reference, std::nullopt, r.metadata};
        result.posting = post(s, account, result.movement);
        result.has_posting = true;
    }
    if (result.has_posting) c.transaction_id = result.posting.transaction_id;
    if (held) result.hold = held->hold;
    result.usage = usage::write(s, account, u, &c, rollup);
}

// credits_record_usage: records usage that was paid (or not) elsewhere; a
// transaction or reservation it names must be this account's.
void record_usage(tables::Session &s, Account &account, const Request &r, Result &result) {
    usage::Usage u = with_canonical_links(*r.usage);
    if (auto replay = usage::find_replay(s, account, u, false)) {
        result.usage = *replay;
        return;
    }
    usage::check(u);
    require_status(account, true, "usage records");
    if (u.reservation_id) {
        TupleTableSlot *row = usage_hold_row(s, account, *u.reservation_id);
        std::optional<std::string_view> paid_by = hold_transaction_id(s, row);
        if (u.transaction_id && paid_by != u.transaction_id)
            fail(sqlstate::invalid_parameter, "the transaction is not the one that settled the reservation",
                 format("Reservation %s was settled by %s.", args::shown(*u.reservation_id),
                        paid_by ? args::shown(*paid_by) : "no transaction"));
        if (!u.transaction_id && paid_by) u.transaction_id = args::cstr(*paid_by);
    } else if (u.transaction_id) {
        const char *ids[2] = {nullptr, nullptr};
        const char *elsewhere = nullptr;
        std::string_view txn = *u.transaction_id;
        int n = transaction_accounts(s, txn, ids, &elsewhere);
        bool ours = false;
        for (int i = 0; i < n; i++) ours = ours || strcmp(ids[i], account.id) == 0;
        if (!ours) transaction_not_found(*u.transaction_id, "No transaction of this account has that id.");
    }
    usage::RollupChange *rollup = usage::prepare(s, account, u);
    result.usage = usage::write(s, account, u, nullptr, rollup);
}

Result run_planned(Work &w, const Request &r, const Plan &p) {
    tables::Session &s = w.session;
    Result result{};
    Account &account = planned_account(w, r, p, 0);
    result.account = &account;
    switch (r.kind) {
        case Kind::Credit: {
            Units units = amount_for(r, account);
            if (units < account.min_credit_amount)
                fail(sqlstate::invalid_amount, format("amount is below the minimum credit of account %s",
                                                      account.external_id),
                     format("amount is %s; the account takes credits of at least %s.",
                            units_to_string(units, account.scale),
                            units_to_string(account.min_credit_amount, account.scale)));
            result.movement = Movement{EntryType::Credit, units, r.description, r.reference, r.idempotency_key,
                                       r.metadata};
            std::optional<grants::Spec> grant = grant_spec(r, account);
            result.posting = post(s, account, result.movement, false, grant ? &*grant : nullptr);
            result.has_posting = true;
            break;
        }
        case Kind::Debit:
            result.movement = Movement{EntryType::Debit, -amount_for(r, account), r.description, r.reference,
                                       r.idempotency_key, r.metadata};
            result.posting = post(s, account, result.movement);
            result.has_posting = true;
            break;
        case Kind::Adjust:
            // A correction: allowed on frozen accounts; a negative one obeys the
            // overdraft rule.
            result.movement = Movement{EntryType::Adjustment, amount_for(r, account), r.description, r.reference,
                                       r.idempotency_key, r.metadata};
            result.posting = post(s, account, result.movement, true);
            result.has_posting = true;
            break;
        case Kind::Reserve:
            result.hold = reserve(s, account, HoldRequest{amount_for(r, account), r.expires_at, r.description,
                                                          r.reference, r.idempotency_key, r.metadata});
            break;
        case Kind::Confirm: {
            LockedHold held = current_hold(s, account, p.hold_row);
            Confirmation c = confirm(s, held, r.amount, r.description, r.metadata, r.on_excess);
            result.movement = c.movement;
            result.posting = c.posting;
            result.released = c.released;
            result.hold = held.hold;
            result.has_posting = true;
            break;
        }
        case Kind::Cancel: {
            LockedHold held = current_hold(s, account, p.hold_row);
            cancel(s, held);
            result.hold = held.hold;
            break;
        }
        case Kind::Transfer: {
            Account &to = planned_account(w, r, p, 1);
            Transfer t = transfer(s, account, to, *r.amount, r.description, r.reference, r.idempotency_key, r.metadata);
            result.to_account = &to;
            result.movement = t.source;
            result.posting = t.posting;
            result.other_posting = t.destination_posting;
            result.has_posting = true;
            break;
        }
        case Kind::Charge:
            charge(s, account, r, result);
            result.has_usage = true;
            break;
        case Kind::RecordUsage:
            record_usage(s, account, r, result);
            result.has_usage = true;
            break;
        case Kind::Reverse: {
            Account *other = p.count == 2 ? &planned_account(w, r, p, 1) : nullptr;
            Reversal rev = reverse(s, account, other, p.transaction_id, r.amount, r.description, r.idempotency_key,
                                   r.force);
            result.account = rev.account;
            result.to_account = rev.other;
            result.movement = rev.movement;
            result.posting = rev.posting;
            result.has_posting = true;
            break;
        }
    }
    if (result.has_posting) {
        result.balance = result.posting.balance_after;
        result.available = result.posting.available_after;
    } else if (r.kind == Kind::Reserve) {
        result.balance = result.hold.balance_after;
        result.available = result.hold.available_after;
    } else {
        result.balance = result.account->balance;
        result.available = result.account->available();
    }
    return result;
}

}  // namespace

const char *kind_name(Kind kind) { return kind_names[static_cast<int>(kind)]; }

std::optional<Kind> parse_kind(std::string_view s) {
    for (size_t i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
        if (s == kind_names[i]) return static_cast<Kind>(i);
    return std::nullopt;
}

Request request(Kind kind) {
    Request r{};
    r.kind = kind;
    r.on_excess = OnExcess::Reject;
    r.grant_expires_at = no_expiry;
    return r;
}

void begin(Work &w, FunctionCallInfo fcinfo) {
    // A role bound to tenants that names another gets 42501 before any id is
    // looked up (no answer may tell it whether an id exists elsewhere).
    tenants::current();
    tables::open(w.session, fcinfo);
    w.accounts = NIL;
    w.resolved = nullptr;
}

void finish(Work &w) {
    TimestampTz now = clock::now();
    ListCell *cell;
    foreach (cell, w.accounts) {
        auto *a = static_cast<Account *>(lfirst(cell));
        // Credits a released hold freed from a lapsed grant expire now,
        // after the operation's own entries.
        if (a->next_grant_expiry <= now) grants::settle_expired(w.session, *a, PG_INT32_MAX);
        if (a->changed) save_account(w.session, *a);
    }
    tables::close(w.session);
}

Result run_one(Work &w, const Request &r) {
    bool by_reference = r.kind == Kind::Credit || r.kind == Kind::Debit || r.kind == Kind::Adjust ||
                        r.kind == Kind::Reserve || r.kind == Kind::Charge || r.kind == Kind::RecordUsage;
    if (by_reference) {
        // One account named by the caller: find and lock it in one probe.
        Plan p{{lock(w, r.account).id, nullptr}, 1, nullptr, nullptr};
        return run_planned(w, r, p);
    }
    Plan p = make_plan(w, r);
    const char *first = p.account_ids[0];
    const char *second = p.count == 2 ? p.account_ids[1] : nullptr;
    if (second && strcmp(second, first) < 0) std::swap(first, second);  // lock in id order
    lock_id(w, first);
    if (second) lock_id(w, second);
    return run_planned(w, r, p);
}

Result run(FunctionCallInfo fcinfo, const Request &r) {
    Work w;
    begin(w, fcinfo);
    Result result = run_one(w, r);
    finish(w);
    return result;
}

Account &lock(Work &w, std::string_view account) {
    auto *a = static_cast<Account *>(palloc(sizeof(Account)));
    *a = lock_account(w.session, account);
    w.accounts = lappend(w.accounts, a);
    return *a;
}

LockedHold lock_hold(Work &w, std::string_view reservation_id) {
    Request r = request(Kind::Cancel);
    r.target = reservation_id;
    Plan p = make_plan(w, r);
    lock_id(w, p.account_ids[0]);
    return current_hold(w.session, planned_account(w, r, p, 0), p.hold_row);
}

int run_all(Work &w, const Request *requests, int count, bool stop_at_first, Done done, void *context) {
    // Plan every request (a failure is reported in its turn, below), then
    // lock, then run.
    Plan *plans = static_cast<Plan *>(palloc(sizeof(Plan) * (count + 1)));
    Error *plan_errors = static_cast<Error *>(palloc(sizeof(Error) * (count + 1)));
    bool *planned = static_cast<bool *>(palloc(sizeof(bool) * (count + 1)));
    const char **ids = static_cast<const char **>(palloc(sizeof(char *) * (2 * count + 1)));
    int nids = 0;
    for (int i = 0; i < count; i++) {
        planned[i] = false;
        try {
            plans[i] = make_plan(w, requests[i]);
            planned[i] = true;
        } catch (const Error &e) {
            plan_errors[i] = e;
        }
        if (planned[i])
            for (int j = 0; j < plans[i].count; j++) ids[nids++] = plans[i].account_ids[j];
    }

    // Each account once, in id order: no deadlock with any other caller.
    std::sort(ids, ids + nids, [](const char *a, const char *b) { return strcmp(a, b) < 0; });
    for (int i = 0; i < nids; i++)
        if (i == 0 || strcmp(ids[i], ids[i - 1]) != 0) lock_id(w, ids[i]);

    int first_failure = -1;
    for (int i = 0; i < count; i++) {
        Result result;
        Error error = plan_errors[i];
        bool ok = false;
        if (planned[i]) {
            try {
                result = run_planned(w, requests[i], plans[i]);
                ok = true;
            } catch (const Error &e) {
                error = e;
            }
        }
        done(context, i, ok ? &result : nullptr, ok ? nullptr : &error);
        if (!ok) {
            if (first_failure < 0) first_failure = i;
            if (stop_at_first) return first_failure;
        }
    }
    return first_failure;
}

}  // namespace credits::ops
