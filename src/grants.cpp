#include "grants.h"

#include "events.h"
#include "args.h"
#include "clock.h"
#include "errors.h"
#include "ledger.h"

#include <algorithm>

namespace credits::grants {

namespace {

constexpr const char *ungranted_key = "ungranted";

enum Col {
    c_id, c_account_id, c_transaction_id, c_amount, c_remaining, c_held, c_expires_at, c_priority, c_category,
    c_status, c_period_start, c_created_at, c_ended_at, c_account_key, c_count
};
constexpr const char *column_names[] = {"id",         "account_id", "transaction_id", "amount",  "remaining",
                                        "held",       "expires_at", "priority",       "category", "status",
                                        "period_start", "created_at", "ended_at",     "account_key"};
static_assert(sizeof(column_names) / sizeof(column_names[0]) == c_count);
tables::Columns<c_count> columns{column_names};

struct Indexes {
    Oid relid = InvalidOid;
    Oid pkey, burn_down, allocation;
} indexes;

const tables::Columns<c_count> &cols(tables::Session &s) {
    return tables::columns(columns, tables::rel(s, tables::TableId::Grant));
}

const Indexes &indexes_of(tables::Session &s) {
    Relation rel = tables::rel(s, tables::TableId::Grant);
    if (indexes.relid != RelationGetRelid(rel)) {
        indexes.pkey = tables::index_oid(s, tables::TableId::Grant, "credits_grant_pkey");
        indexes.burn_down = tables::index_oid(s, tables::TableId::Grant, "credits_grant_burn_down_idx");
        indexes.allocation = tables::index_oid(s, tables::TableId::Grant, "credits_grant_allocation_idx");
        indexes.relid = RelationGetRelid(rel);
    }
    return indexes;
}

enum class State { Active, Depleted, Expired };
constexpr const char *state_names[] = {"active", "depleted", "expired"};

// A grant row loaded for one operation, changed in memory and then written.
struct Grant {
    TupleTableSlot *row;  // a copy of the current version
    const char *id;
    Units remaining;
    Units held;
    TimestampTz expires_at;  // no_expiry: never
    TimestampTz created_at;
    int priority;
    State state;
    bool dirty;

    Units unheld() const { return remaining - held; }
    bool lapsed(TimestampTz now) const { return expires_at <= now; }
};

bool burns_before(const Grant *a, const Grant *b) {
    if (a->priority != b->priority) return a->priority < b->priority;
    if (a->expires_at != b->expires_at) return a->expires_at < b->expires_at;
    if (a->created_at != b->created_at) return a->created_at < b->created_at;
    return strcmp(a->id, b->id) < 0;
}

Grant *load(tables::Session &s, TupleTableSlot *row, int scale) {
    const auto &c = cols(s);
    auto *g = static_cast<Grant *>(palloc(sizeof(Grant)));
    g->row = MakeSingleTupleTableSlot(row->tts_tupleDescriptor, row->tts_ops);
    ExecCopySlot(g->row, row);
    s.locked = lappend(s.locked, g->row);  // released with the session
    g->id = args::cstr(*tables::text_value(row, c[c_id]));
    g->remaining = numeric_to_units(tables::value(row, c[c_remaining]), scale);
    g->held = numeric_to_units(tables::value(row, c[c_held]), scale);
    g->expires_at = timestamp_or_never(row, c[c_expires_at]);
    g->created_at = DatumGetTimestampTz(tables::value(row, c[c_created_at]));
    g->priority = DatumGetInt32(tables::value(row, c[c_priority]));
    std::string_view state = *tables::text_value(row, c[c_status]);
    g->state = state == "active" ? State::Active : state == "depleted" ? State::Depleted : State::Expired;
    g->dirty = false;
    return g;
}

// The grants an operation works on, each loaded once.
struct Working {
    List *grants = NIL;  // Grant *

    Grant *find(const char *id) const {
        ListCell *cell;
        foreach (cell, grants)
            if (strcmp(static_cast<Grant *>(lfirst(cell))->id, id) == 0) return static_cast<Grant *>(lfirst(cell));
        return nullptr;
    }
};

Grant *by_id(tables::Session &s, Working &w, const Account &account, const char *id) {
    if (Grant *g = w.find(id)) return g;
    Datum keys[] = {tables::text_datum(account.id), tables::text_datum(id)};
    TupleTableSlot *row = tables::find_by_index(s, tables::TableId::Grant, indexes_of(s).pkey, keys, 2);
    if (!row) elog(ERROR, "credits: grant %s of account %s is missing", id, account.id);
    Grant *g = load(s, row, account.scale);
    tables::release_slot(row);
    w.grants = lappend(w.grants, g);
    return g;
}

// The account's active grants in burn-down order (the index's order),
// loaded until `enough` unheld credits are found (all of them when enough
// is 0): a debit on an account with many grants reads only the first few.
void load_active(tables::Session &s, Working &w, const Account &account, Units enough) {
    Datum key = tables::text_datum(account.id);
    TimestampTz now = clock::now();
    Units found = 0;
    tables::IndexScan *scan = tables::begin_index_scan(s, tables::TableId::Grant, indexes_of(s).burn_down, &key, 1);
    try {
        while (TupleTableSlot *row = tables::next_in_scan(scan)) {
            const char *id = args::cstr(*tables::text_value(row, cols(s)[c_id]));
            Grant *g = w.find(id);
            if (!g) {
                g = load(s, row, account.scale);
                w.grants = lappend(w.grants, g);
            }
            if (!g->lapsed(now) && g->unheld() > 0) found += g->unheld();
            if (enough > 0 && found >= enough) break;
        }
    } catch (...) {
        tables::end_index_scan(scan);  // a damaged row must not leave the scan open
        throw;
    }
    tables::end_index_scan(scan);
}

// The working grants in burn-down order.
Grant **in_burn_order(const Working &w, int *n) {
    *n = list_length(w.grants);
    auto **sorted = static_cast<Grant **>(palloc(sizeof(Grant *) * (*n + 1)));
    for (int i = 0; i < *n; i++) sorted[i] = static_cast<Grant *>(list_nth(w.grants, i));
    std::sort(sorted, sorted + *n, burns_before);
    return sorted;
}

void write(tables::Session &s, Account &account, Grant *g) {
    if (!g->dirty) return;
    const auto &c = cols(s);
    State was = g->state;
    TimestampTz now = clock::now();
    if (g->remaining == 0 && g->held == 0 && g->state == State::Active)
        g->state = g->lapsed(now) ? State::Expired : State::Depleted;
    else if (g->remaining > 0 && g->state != State::Active)
        g->state = State::Active;  // a reversal gave credits back
    tables::Values changes = tables::new_values(tables::rel(s, tables::TableId::Grant));
    changes.set(c[c_remaining], units_to_numeric(g->remaining, account.scale))
        .set(c[c_held], units_to_numeric(g->held, account.scale))
        .set_text(c[c_status], std::string_view(state_names[static_cast<int>(g->state)]));
    if (g->state != was) {
        if (g->state == State::Active) {
            changes.set_null(c[c_ended_at]);
            account.grant_count++;
            if (g->expires_at < account.next_grant_expiry) account.next_grant_expiry = g->expires_at;
        } else {
            changes.set(c[c_ended_at], TimestampTzGetDatum(g->state == State::Expired ? g->expires_at : now));
            if (was == State::Active) account.grant_count--;
        }
    }
    tables::update(s, tables::TableId::Grant, g->row, changes);
    g->dirty = false;
    account.changed = true;
}

// A hold released from a grant that lapsed under it frees credits that
// expire right away: the operation settles them once its own entries are
// written (ops::finish, accounts::catch_up).
void track_expiry(Account &account, const Grant *g) {
    if (g->expires_at < account.next_grant_expiry) account.next_grant_expiry = g->expires_at;
}

void write_all(tables::Session &s, Account &account, Working &w) {
    ListCell *cell;
    foreach (cell, w.grants) write(s, account, static_cast<Grant *>(lfirst(cell)));
}

// Collects signed amounts per grant, merging repeats.
struct Builder {
    Funding f;
    int capacity;

    explicit Builder(int n) : f{0, nullptr, nullptr}, capacity(n + 1) {
        f.grant_ids = static_cast<const char **>(palloc(sizeof(char *) * capacity));
        f.amounts = static_cast<Units *>(palloc(sizeof(Units) * capacity));
    }
    void add(const char *grant_id, Units amount) {
        if (amount == 0) return;
        for (int i = 0; i < f.count; i++)
            if ((f.grant_ids[i] == nullptr) == (grant_id == nullptr) &&
                (!grant_id || strcmp(f.grant_ids[i], grant_id) == 0)) {
                f.amounts[i] += amount;
                return;
            }
        f.grant_ids[f.count] = grant_id;
        f.amounts[f.count++] = amount;
    }
};
static_assert(std::is_trivially_destructible_v<Builder>);

Units held_portion(const Funding *held, const char *grant_id) {
    if (!held) return 0;
    for (int i = 0; i < held->count; i++)
        if ((held->grant_ids[i] == nullptr) == (grant_id == nullptr) &&
            (!grant_id || strcmp(held->grant_ids[i], grant_id) == 0))
            return held->amounts[i];
    return 0;
}

}  // namespace

std::optional<Datum> to_jsonb(const Funding &f, int scale) {
    if (f.count == 0) return std::nullopt;
    JsonbParseState *state = nullptr;
    pushJsonbValue(&state, WJB_BEGIN_OBJECT, nullptr);
    for (int i = 0; i < f.count; i++) {
        const char *key = f.grant_ids[i] ? f.grant_ids[i] : ungranted_key;
        JsonbValue k;
        k.type = jbvString;
        k.val.string.val = const_cast<char *>(key);
        k.val.string.len = static_cast<int>(strlen(key));
        pushJsonbValue(&state, WJB_KEY, &k);
        JsonbValue v;
        v.type = jbvNumeric;
        v.val.numeric = DatumGetNumeric(units_to_numeric(f.amounts[i], scale));
        pushJsonbValue(&state, WJB_VALUE, &v);
    }
    JsonbValue *result = pushJsonbValue(&state, WJB_END_OBJECT, nullptr);
    return JsonbPGetDatum(JsonbValueToJsonb(result));
}

Funding from_jsonb(std::optional<Datum> json, int scale) {
    if (!json) return Funding{0, nullptr, nullptr};
    Jsonb *j = DatumGetJsonbP(*json);
    Builder b(JB_ROOT_COUNT(j));
    JsonbIterator *it = JsonbIteratorInit(&j->root);
    JsonbValue v;
    JsonbIteratorToken token;
    const char *key = nullptr;
    while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (token == WJB_KEY) {
            std::string_view k(v.val.string.val, v.val.string.len);
            key = k == ungranted_key ? nullptr : args::cstr(k);
        } else if (token == WJB_VALUE && v.type == jbvNumeric) {
            b.add(key, numeric_to_units(NumericGetDatum(v.val.numeric), scale));
        }
    }
    return b.f;
}

Funding ungranted(Units amount) {
    Builder b(1);
    b.add(nullptr, amount);
    return b.f;
}

std::optional<std::string_view> created_grant(const Funding &f) {
    if (f.count == 1 && f.grant_ids[0] && f.amounts[0] > 0) return std::string_view(f.grant_ids[0]);
    return std::nullopt;
}

Funding create(tables::Session &s, Account &account, Units amount, const Spec &spec, std::string_view transaction_id) {
    const auto &c = cols(s);
    ids::Id id = ids::make("grt_", account.key);
    TimestampTz now = clock::now();
    tables::Values row = tables::new_values(tables::rel(s, tables::TableId::Grant));
    row.set_text(c[c_id], id.view())
        .set_text(c[c_account_id], std::string_view(account.id))
        .set(c[c_account_key], Int32GetDatum(account.key))
        .set_text(c[c_transaction_id], transaction_id)
        .set(c[c_amount], units_to_numeric(amount, account.scale))
        .set(c[c_remaining], units_to_numeric(amount, account.scale))
        .set(c[c_held], units_to_numeric(0, account.scale))
        .set(c[c_expires_at], nullable_timestamp(spec.expires_at))
        .set(c[c_priority], Int32GetDatum(spec.priority))
        .set_text(c[c_category], spec.category)
        .set_text(c[c_status], std::string_view(state_names[0]))
        .set(c[c_period_start], nullable_timestamp(spec.period_start))
        .set(c[c_created_at], TimestampTzGetDatum(now));
    tables::insert(s, tables::TableId::Grant, row);
    account.grant_count++;
    if (spec.expires_at < account.next_grant_expiry) account.next_grant_expiry = spec.expires_at;
    account.changed = true;
    Builder b(1);
    b.add(pstrdup(id.text), amount);
    return b.f;
}

Funding spend(tables::Session &s, Account &account, Units amount, const Funding *held) {
    if (account.grant_count == 0 && (!held || held->count == 0)) return Funding{0, nullptr, nullptr};
    Working w;
    Units left = amount;
    Builder taken((held ? held->count : 0) + account.grant_count + 1);
    TimestampTz now = clock::now();

    // What the hold set aside goes first, in burn-down order; all of it is
    // released, spent or not.
    if (held) {
        for (int i = 0; i < held->count; i++)
            if (held->grant_ids[i]) by_id(s, w, account, held->grant_ids[i]);
        int n;
        Grant **order = in_burn_order(w, &n);
        for (int i = 0; i < n; i++) {
            Units portion = held_portion(held, order[i]->id);
            Units take = std::min(portion, left);
            order[i]->held -= portion;
            order[i]->remaining -= take;
            order[i]->dirty = true;
            left -= take;
            taken.add(order[i]->id, -take);
            track_expiry(account, order[i]);
        }
        Units take = std::min(held_portion(held, nullptr), left);
        left -= take;
        taken.add(nullptr, -take);
    }

    // Then the grants in burn-down order, then the ungranted balance.
    if (left > 0 && account.grant_count > 0) {
        load_active(s, w, account, left);
        int n;
        Grant **order = in_burn_order(w, &n);
        for (int i = 0; i < n && left > 0; i++) {
            Grant *g = order[i];
            if (g->state != State::Active || g->lapsed(now) || g->unheld() <= 0) continue;
            Units take = std::min(g->unheld(), left);
            g->remaining -= take;
            g->dirty = true;
            left -= take;
            taken.add(g->id, -take);
        }
    }
    taken.add(nullptr, -left);
    write_all(s, account, w);
    return taken.f;
}

Funding hold(tables::Session &s, Account &account, Units amount) {
    if (account.grant_count == 0) return Funding{0, nullptr, nullptr};
    Working w;
    load_active(s, w, account, amount);
    int n;
    Grant **order = in_burn_order(w, &n);
    Builder held(n + 1);
    Units left = amount;
    TimestampTz now = clock::now();
    for (int i = 0; i < n && left > 0; i++) {
        Grant *g = order[i];
        if (g->lapsed(now) || g->unheld() <= 0) continue;
        Units h = std::min(g->unheld(), left);
        g->held += h;
        g->dirty = true;
        left -= h;
        held.add(g->id, h);
    }
    held.add(nullptr, left);
    write_all(s, account, w);
    return held.f;
}

void release(tables::Session &s, Account &account, const Funding &held) {
    Working w;
    for (int i = 0; i < held.count; i++) {
        if (!held.grant_ids[i]) continue;
        Grant *g = by_id(s, w, account, held.grant_ids[i]);
        g->held -= held.amounts[i];
        g->dirty = true;
        track_expiry(account, g);
    }
    write_all(s, account, w);
}

Funding restore(tables::Session &s, Account &account, const Funding &taken, Units already, Units amount) {
    Working w;
    for (int i = 0; i < taken.count; i++)
        if (taken.grant_ids[i]) by_id(s, w, account, taken.grant_ids[i]);
    // The last taken goes back first: the ungranted part, then the grants in
    // reverse burn-down order; the first `already` units went back before.
    Builder given(taken.count + 1);
    Units skip = already, left = amount;
    auto give = [&](const char *grant_id, Units took, Grant *g) {
        Units back = std::min(std::max<Units>(took - skip, 0), left);
        skip = std::max<Units>(skip - took, 0);
        if (back == 0) return;
        left -= back;
        given.add(grant_id, back);
        if (g) {
            g->remaining += back;
            g->dirty = true;
        }
    };
    give(nullptr, -held_portion(&taken, nullptr), nullptr);
    int n;
    Grant **order = in_burn_order(w, &n);
    for (int i = n - 1; i >= 0; i--) give(order[i]->id, -held_portion(&taken, order[i]->id), order[i]);
    given.add(nullptr, left);  // beyond what was taken (cannot happen: reversals are capped)
    write_all(s, account, w);
    return given.f;
}

namespace {

// A lapsed grant keeps its unheld remainder until it is settled (which
// happens before any operation runs), so plan renewal can roll it over.
Units unspent_of(const Grant *g) { return g->state == State::Active ? std::max<Units>(g->unheld(), 0) : 0; }

}  // namespace

Units unspent(tables::Session &s, Account &account, std::string_view grant_id) {
    Working w;
    return unspent_of(by_id(s, w, account, args::cstr(grant_id)));
}

TimestampTz expires_at(tables::Session &s, Account &account, std::string_view grant_id) {
    Working w;
    return by_id(s, w, account, args::cstr(grant_id))->expires_at;
}

bool has_allocation(tables::Session &s, const Account &account, TimestampTz period_start) {
    Datum keys[] = {tables::text_datum(account.id), TimestampTzGetDatum(period_start)};
    TupleTableSlot *row = tables::find_by_index(s, tables::TableId::Grant, indexes_of(s).allocation, keys, 2);
    if (!row) return false;
    tables::release_slot(row);
    return true;
}

void expire_early(tables::Session &s, Account &account, std::string_view grant_id, TimestampTz when) {
    Working w;
    Grant *g = by_id(s, w, account, args::cstr(grant_id));
    if (g->state != State::Active || g->expires_at <= when) return;
    g->expires_at = when;
    track_expiry(account, g);
    tables::Values changes = tables::new_values(tables::rel(s, tables::TableId::Grant));
    changes.set(cols(s)[c_expires_at], TimestampTzGetDatum(when));
    tables::update(s, tables::TableId::Grant, g->row, changes);
    account.changed = true;
}

Funding combine(const Funding &a, const Funding &b) {
    Builder both(a.count + b.count);
    for (int i = 0; i < a.count; i++) both.add(a.grant_ids[i], a.amounts[i]);
    for (int i = 0; i < b.count; i++) both.add(b.grant_ids[i], b.amounts[i]);
    return both.f;
}

Funding take_back(tables::Session &s, Account &account, std::string_view grant_id, Units amount, bool force,
                  Units *short_by) {
    Working w;
    Grant *g = by_id(s, w, account, args::cstr(grant_id));
    Units from_grant = std::min(unspent_of(g), amount);
    *short_by = amount - from_grant;
    Builder back(2);
    if (*short_by > 0 && !force) return back.f;
    g->remaining -= from_grant;
    g->dirty = from_grant > 0;
    back.add(g->id, -from_grant);
    back.add(nullptr, -*short_by);
    write_all(s, account, w);
    return back.f;
}

int settle_expired(tables::Session &s, Account &account, int limit) {
    TimestampTz now = clock::now();
    TimestampTz next = no_expiry;
    Working w;
    load_active(s, w, account, 0);
    int n, expired = 0;
    Grant **order = in_burn_order(w, &n);
    for (int i = 0; i < n; i++) {
        Grant *g = order[i];
        if (!g->lapsed(now)) {
            if (g->expires_at < next) next = g->expires_at;
            continue;
        }
        if (g->unheld() <= 0 || expired == limit) {
            if (g->unheld() > 0 && g->expires_at < next) next = g->expires_at;  // left for later
            continue;
        }
        Units gone = g->unheld();
        g->remaining -= gone;
        g->dirty = true;
        Builder f(1);
        f.add(g->id, -gone);
        Movement m{EntryType::Expiry, -gone, std::string_view("grant expired"), std::nullopt, std::nullopt,
                   std::nullopt};
        m.grants = to_jsonb(f.f, account.scale);
        append(s, account, m);
        events::Data data;
        data.text("grant_id", std::string_view(g->id)).amount("amount", gone, account.scale).timestamp("expires_at", g->expires_at);
        events::emit(s, account, "grant.expired", data);
        expired++;
    }
    account.next_grant_expiry = next;
    account.changed = true;
    write_all(s, account, w);
    return expired;
}

}  // namespace credits::grants
