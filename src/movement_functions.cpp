// SQL functions that move credits: credit, debit, adjust, transfer, reverse.
#include "across_shards.h"
#include "args.h"
#include "cluster.h"
#include "guard.h"
#include "ops.h"
#include "results.h"
#include "routing.h"
#include "spi.h"
#include "tenants.h"
#include "transfers.h"

using namespace credits;

namespace {

// (account, amount, description, reference, idempotency_key, metadata, ...)
ops::Request movement_request(FunctionCallInfo fcinfo, ops::Kind kind) {
    ops::Request r = ops::request(kind);
    r.account = account_arg(fcinfo, 0);
    r.amount = args::decimal(fcinfo, 1, "amount", Sign::Positive);
    r.description = args::string(fcinfo, 2, "description");
    r.reference = args::identifier(fcinfo, 3, "reference");
    r.idempotency_key = args::idempotency_key(fcinfo, 4);
    r.metadata = args::json_object(fcinfo, 5, "metadata");
    return r;
}

ops::Request transfer_request(FunctionCallInfo fcinfo) {
    ops::Request r = ops::request(ops::Kind::Transfer);
    r.account = args::required_text(fcinfo, 0, "from_account");
    r.to_account = args::required_text(fcinfo, 1, "to_account");
    r.amount = args::decimal(fcinfo, 2, "amount", Sign::Positive);
    r.description = args::string(fcinfo, 3, "description");
    r.reference = args::identifier(fcinfo, 4, "reference");
    r.idempotency_key = args::idempotency_key(fcinfo, 5);
    r.metadata = args::json_object(fcinfo, 6, "metadata");
    return r;
}

ops::Request reverse_request(FunctionCallInfo fcinfo) {
    ops::Request r = ops::request(ops::Kind::Reverse);
    r.target = args::required_text(fcinfo, 0, "transaction");
    if (args::given(fcinfo, 1)) r.amount = args::decimal(fcinfo, 1, "amount", Sign::Positive);
    r.description = args::string(fcinfo, 2, "reason");
    r.idempotency_key = args::idempotency_key(fcinfo, 3);
    r.force = args::given(fcinfo, 4) && PG_GETARG_BOOL(4);
    return r;
}

Datum transaction_of(FunctionCallInfo fcinfo, const ops::Request &r) {
    ops::Result result = ops::run(fcinfo, r);
    return results::transaction(fcinfo, *result.account, result.movement, result.posting);
}

}  // namespace

// credits_credit(..., expires_at, expires_in, priority, category)
CREDITS_FUNCTION(credits_credit) {
    ops::Request r = movement_request(fcinfo, ops::Kind::Credit);
    r.grant_expires_at = args::expiry(fcinfo, 7, 6).value_or(no_expiry);
    r.priority = args::int32_value(fcinfo, 8).value_or(0);
    r.category = args::identifier(fcinfo, 9, "category");
    return transaction_of(fcinfo, r);
}

CREDITS_FUNCTION(credits_debit) { return transaction_of(fcinfo, movement_request(fcinfo, ops::Kind::Debit)); }

// credits_adjust(account, amount (signed), reason, idempotency_key)
CREDITS_FUNCTION(credits_adjust) {
    ops::Request r = ops::request(ops::Kind::Adjust);
    r.account = account_arg(fcinfo, 0);
    r.amount = args::decimal(fcinfo, 1, "amount", Sign::NonZero);
    r.description = args::string(fcinfo, 2, "reason");
    r.idempotency_key = args::idempotency_key(fcinfo, 3);

    ops::Result result = ops::run(fcinfo, r);
    return results::transaction(fcinfo, *result.account, result.movement, result.posting);
}

// credits_transfer(from_account, to_account, amount, description, reference,
//                  idempotency_key, metadata)
CREDITS_FUNCTION(credits_transfer) {
    ops::Request r = transfer_request(fcinfo);
    ops::Result result = ops::run(fcinfo, r);
    return results::transfer(fcinfo, *result.account, *result.to_account, result.movement, result.posting,
                             result.other_posting);
}

// credits_reverse(transaction, amount, reason, idempotency_key, force)
CREDITS_FUNCTION(credits_reverse) {
    ops::Request r = reverse_request(fcinfo);
    ops::Result result = ops::run(fcinfo, r);
    return results::reversal(fcinfo, *result.account, result.movement, result.posting);
}

// --- on Citus, between accounts on two shards ---
//
// A transfer: the destination's side is read where it lives (what the source
// side must check of it), the source side checks and writes on its node,
// the destination side on its own, all in the caller's transaction (Citus
// commits both nodes with two-phase commit). A reversal of such a transfer
// likewise. Replays: the source side finds the idempotency key; the other
// side, given the transaction the first side reports, finds its entry.

namespace {

spi::Statement party_row{
    "SELECT id, external_id, unit, scale::int, status FROM @extschema@.credits_account"
    " WHERE tenant = $1 AND (id = $2 OR external_id = $2)",
    2, {TEXTOID, TEXTOID}};

spi::Statement transaction_parties{
    "SELECT e.account_id, e.counterparty_id FROM @extschema@.credits_entry e"
    " JOIN @extschema@.credits_account a ON a.id = e.account_id"
    " WHERE e.transaction_id = $1 AND a.tenant = $2 ORDER BY e.amount",
    2, {TEXTOID, TEXTOID}};

Datum text_of(std::string_view s) { return tables::text_datum(s); }

std::string_view canonical_id(std::string_view s) {
    return ids::has_shape(s, "acc_") ? std::string_view(args::cstr(ids::canonical(s).view())) : s;
}

Party party_arg(FunctionCallInfo fcinfo, int argno) {
    return Party{args::cstr(args::required_text(fcinfo, argno, "id")),
                 args::cstr(args::required_text(fcinfo, argno + 1, "external_id")),
                 args::cstr(args::required_text(fcinfo, argno + 2, "unit")), *args::int32_value(fcinfo, argno + 3),
                 *parse_status(args::required_text(fcinfo, argno + 4, "status"))};
}

ids::Id id_arg(FunctionCallInfo fcinfo, int argno) { return ids::canonical(args::required_text(fcinfo, argno, "id")); }

}  // namespace

// credits_transfer_party(account) -> (id, external_id, unit, scale, status),
// or no row: what a transfer's source side checks of its destination.
CREDITS_FUNCTION(credits_transfer_party) {
    std::string_view account = args::required_text(fcinfo, 0, "account");
    spi::begin(fcinfo);
    spi::run(party_row, spi::Params().add_text(tenants::current()).add_text(canonical_id(account)));
    results::materialize_rows(fcinfo);
    spi::end();
    return (Datum)0;
}

// credits_transfer_out(from_account, to_account, to_id, to_external_id,
// to_unit, to_scale, to_status (NULL: there is no such account), amount,
// description, reference, idempotency_key, metadata, transaction_id)
CREDITS_FUNCTION(credits_transfer_out) {
    std::string_view from_account = args::required_text(fcinfo, 0, "from_account");
    std::string_view to_account = args::required_text(fcinfo, 1, "to_account");
    std::optional<Party> to;
    if (args::given(fcinfo, 6)) to = party_arg(fcinfo, 2);
    Decimal amount = args::decimal(fcinfo, 7, "amount", Sign::Positive);
    auto description = args::string(fcinfo, 8, "description");
    auto reference = args::identifier(fcinfo, 9, "reference");
    auto idempotency_key = args::idempotency_key(fcinfo, 10);
    auto metadata = args::json_object(fcinfo, 11, "metadata");
    ids::Id transaction_id = id_arg(fcinfo, 12);

    ops::Work w;
    ops::begin(w, fcinfo);
    Account &from = ops::lock(w, from_account);
    if (!to) account_not_found(to_account);
    Outgoing out = check_transfer_out(w.session, from, *to, amount, description, reference, idempotency_key, metadata);
    Posting posting = out.replay ? *out.replay : write_transfer_out(w.session, from, out.movement, &transaction_id);
    ops::finish(w);
    return results::transaction(fcinfo, from, out.movement, posting);
}

// credits_transfer_in(to_account, from_id, amount, description, reference,
// metadata, transaction_id): the destination's entry (the one it has
// already, for a replay).
CREDITS_FUNCTION(credits_transfer_in) {
    std::string_view to_account = args::required_text(fcinfo, 0, "to_account");
    Party from{args::cstr(args::required_text(fcinfo, 1, "from_id")), "", "", 0, Status::Active};
    Decimal amount = args::decimal(fcinfo, 2, "amount", Sign::Positive);
    auto description = args::string(fcinfo, 3, "description");
    auto reference = args::identifier(fcinfo, 4, "reference");
    auto metadata = args::json_object(fcinfo, 5, "metadata");
    ids::Id transaction_id = id_arg(fcinfo, 6);

    ops::Work w;
    ops::begin(w, fcinfo);
    Account &to = ops::lock(w, to_account);
    std::optional<Recorded> done = transaction_on(w.session, to, transaction_id.view());
    Movement in = done ? done->movement : check_transfer_in(to, from, amount, description, reference, metadata);
    Posting posting = done ? done->posting : write_transfer_in(w.session, to, in, transaction_id);
    ops::finish(w);
    return results::transaction(fcinfo, to, in, posting);
}

// credits_transaction_parties(transaction) -> (account_id, counterparty_id):
// the transaction's entries on this shard, the source first.
CREDITS_FUNCTION(credits_transaction_parties) {
    ids::Id transaction_id = id_arg(fcinfo, 0);
    spi::begin(fcinfo);
    spi::run(transaction_parties, spi::Params().add_text(transaction_id.view()).add_text(tenants::current()));
    results::materialize_rows(fcinfo);
    spi::end();
    return (Datum)0;
}

// credits_reverse_out(account, counterparty_id, transaction, amount, reason,
// idempotency_key, force, reversal_id): the first side of a transfer's
// reversal, on the account that holds the original's source entry.
CREDITS_FUNCTION(credits_reverse_out) {
    std::string_view account = args::required_text(fcinfo, 0, "account");
    std::string_view counterparty_id = args::required_text(fcinfo, 1, "counterparty_id");
    ids::Id transaction_id = id_arg(fcinfo, 2);
    std::optional<Decimal> amount;
    if (args::given(fcinfo, 3)) amount = args::decimal(fcinfo, 3, "amount", Sign::Positive);
    auto reason = args::string(fcinfo, 4, "reason");
    auto idempotency_key = args::idempotency_key(fcinfo, 5);
    bool force = args::given(fcinfo, 6) && PG_GETARG_BOOL(6);
    ids::Id reversal_id = id_arg(fcinfo, 7);

    ops::Work w;
    ops::begin(w, fcinfo);
    Account &first = ops::lock(w, account);
    Reversing r = check_reversal(w.session, first, counterparty_id, transaction_id.view(), amount, reason,
                                 idempotency_key);
    if (!r.replay) check_range(first, r.back.delta);
    Posting posting = r.replay ? *r.replay : write_reversal(w.session, first, r, force, &reversal_id);
    ops::finish(w);
    return results::reversal(fcinfo, first, r.back, posting);
}

// credits_reverse_in(account, counterparty_id, transaction, amount (in the
// first side's scale), reason, force, reversal_id): the destination gives
// the credits back (its entry is there already for a replay).
CREDITS_FUNCTION(credits_reverse_in) {
    std::string_view account = args::required_text(fcinfo, 0, "account");
    Party first{args::cstr(args::required_text(fcinfo, 1, "counterparty_id")), "", "", 0, Status::Active};
    ids::Id transaction_id = id_arg(fcinfo, 2);
    Decimal wanted = args::decimal(fcinfo, 3, "amount", Sign::Positive);
    auto reason = args::string(fcinfo, 4, "reason");
    bool force = args::given(fcinfo, 5) && PG_GETARG_BOOL(5);
    ids::Id reversal_id = id_arg(fcinfo, 6);

    ops::Work w;
    ops::begin(w, fcinfo);
    Account &second = ops::lock(w, account);
    std::optional<Recorded> done = transaction_on(w.session, second, reversal_id.view());
    Movement give = done ? done->movement
                         : check_give_back(w.session, second, first, wanted, transaction_id.view(), reason, force);
    Posting posting = done ? done->posting : write_give_back(w.session, second, give, reversal_id, force);
    ops::finish(w);
    return results::transaction(fcinfo, second, give, posting);
}

namespace credits {

TransferSides transfer_sides(FunctionCallInfo fcinfo, const Datum *args, const bool *nulls, int32 from_key,
                             int32 to_key) {
    std::string_view tenant = tenants::current();
    TransferSides sides;
    spi::begin(fcinfo);
    // What the source's side checks of the destination (none: no such account).
    Datum party_args[] = {args[1]};
    bool party_nulls[] = {false};
    routing::call_twin(fcinfo, "credits_transfer_party", to_key, tenant, party_args, party_nulls);
    bool found = SPI_processed == 1;
    Datum out_args[13];
    bool out_nulls[13] = {};
    out_args[0] = args[0];
    out_args[1] = args[1];
    for (int i = 0; i < 5; i++) {
        out_nulls[2 + i] = !found;
        if (found) out_args[2 + i] = spi::keep(spi::row(0).datum(i + 1), SPI_gettypeid(SPI_tuptable->tupdesc, i + 1));
    }
    for (int i = 2; i < 7; i++) {
        out_args[i + 5] = args[i];
        out_nulls[i + 5] = nulls[i];
    }
    ids::Id transaction_id = ids::make("txn_", from_key);
    out_args[12] = text_of(transaction_id.view());

    auto keep_row = [](Datum *values, bool *isnull) {
        for (int i = 0; i < SPI_tuptable->tupdesc->natts && i < TransferSides::columns; i++) {
            values[i] = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, i + 1, &isnull[i]);
            if (!isnull[i]) values[i] = spi::keep(values[i], SPI_gettypeid(SPI_tuptable->tupdesc, i + 1));
        }
    };
    routing::call_twin(fcinfo, "credits_transfer_out", from_key, tenant, out_args, out_nulls);
    keep_row(sides.source, sides.source_null);
    // The destination's side, in the transaction the source's side reports
    // (the original one, for a replay).
    Datum in_args[] = {out_args[2], sides.source[1], args[2], args[3], args[4], args[6], sides.source[0]};
    bool in_nulls[] = {false, false, false, nulls[3], nulls[4], nulls[6], false};
    routing::call_twin(fcinfo, "credits_transfer_in", to_key, tenant, in_args, in_nulls);
    keep_row(sides.destination, sides.destination_null);
    spi::end();
    return sides;
}

Datum transfer_across_shards(FunctionCallInfo fcinfo, int32 from_key, int32 to_key) {
    transfer_request(fcinfo);  // the argument errors a call on one node gives, first
    routing::Arguments given = routing::arguments_of(fcinfo);
    TransferSides t = transfer_sides(fcinfo, given.values, given.nulls, from_key, to_key);
    // credits_transaction: transaction_id, account_id, external_id, type,
    // amount, balance, available, description, reference, idempotency_key,
    // metadata, created_at.
    Datum values[15] = {t.source[0],      t.source[1],      t.source[2],      t.destination[1], t.destination[2],
                        t.source[4],      t.source[5],      t.source[6],      t.destination[5], t.destination[6],
                        t.source[7],      t.source[8],      t.source[9],      t.source[10],     t.source[11]};
    bool nulls[15] = {false, false, false, false, false, false, false, false, false, false,
                      t.source_null[7], t.source_null[8], t.source_null[9], t.source_null[10], false};
    return results::composite(results::result_desc(fcinfo), values, nulls);
}

Datum reverse_where_it_belongs(FunctionCallInfo fcinfo, FunctionBody body, int32 key) {
    ops::Request r = reverse_request(fcinfo);  // the argument errors a call on one node gives, first
    // A reservation's confirm, or a transaction on one account, is on one shard.
    if (!ids::has_shape(r.target, "txn_")) return routing::run_for(fcinfo, body, key);
    std::string_view tenant = tenants::current();
    ids::Id transaction_id = ids::canonical(r.target);
    spi::begin(fcinfo);
    Datum parties_args[] = {text_of(transaction_id.view())};
    bool parties_nulls[] = {false};
    routing::call_twin(fcinfo, "credits_transaction_parties", key, tenant, parties_args, parties_nulls);
    std::optional<std::string_view> first, counterparty;
    if (SPI_processed == 1 && !spi::row(0).is_null(2)) {
        first = spi::keep_text(spi::row(0).string(1));
        counterparty = spi::keep_text(spi::row(0).string(2));
    }
    int32 other_key = counterparty ? routing::account_key_of(fcinfo, counterparty) : key;
    if (cluster::group_of(other_key) == cluster::group_of(key)) {
        spi::end();
        return routing::run_for(fcinfo, body, key);
    }

    routing::Arguments given = routing::arguments_of(fcinfo);
    ids::Id reversal_id = ids::make("txn_", key);
    Datum out_args[] = {text_of(*first),  text_of(*counterparty), text_of(transaction_id.view()), given.values[1],
                        given.values[2], given.values[3],        given.values[4],                text_of(reversal_id.view())};
    bool out_nulls[] = {false, false, false, given.nulls[1], given.nulls[2], given.nulls[3], given.nulls[4], false};
    routing::call_twin(fcinfo, "credits_reverse_out", key, tenant, out_args, out_nulls);
    Datum result = results::from_row(fcinfo, spi::row(0));
    // The reversal's transaction (the original one's, for a replay), and how much.
    Datum reversal = spi::keep(spi::row(0).datum(1), TEXTOID);
    Datum wanted = spi::keep(spi::row(0).datum(5), NUMERICOID);

    Datum in_args[] = {text_of(*counterparty), text_of(*first), text_of(transaction_id.view()), wanted,
                       given.values[2],        given.values[4], reversal};
    bool in_nulls[] = {false, false, false, false, given.nulls[2], given.nulls[4], false};
    routing::call_twin(fcinfo, "credits_reverse_in", other_key, tenant, in_args, in_nulls);
    spi::end();
    return result;
}

}  // namespace credits
