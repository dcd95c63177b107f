// SQL functions that create, read and change accounts.
#include "accounts.h"
#include "args.h"
#include "clock.h"
#include "cluster.h"
#include "errors.h"
#include "guard.h"
#include "ids.h"
#include "ledger.h"
#include "lifecycle.h"
#include "results.h"
#include "tenants.h"
#include "spi.h"

#include <initializer_list>

extern "C" {
#include "catalog/pg_collation.h"
#include "utils/datetime.h"
#include "utils/array.h"
}

using namespace credits;

namespace {

spi::Statement insert_account{
    "INSERT INTO @extschema@.credits_account (id, tenant, external_id, owner_id, name, email, unit, scale, balance, reserved,"
    " overdraft_limit, status, metadata, entry_count, created_at, updated_at, default_grant_ttl, min_credit_amount,"
    " account_key, notify_emails, creation_key, creation_request)"
    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, 0, $9, 'active', $10, 0, $11, $11, $12, $13, $14, $15, $16, $17)"
    // No conflict target: on Citus the unique key includes account_key.
    " ON CONFLICT DO NOTHING",
    17,
    {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, TEXTOID, INT2OID, NUMERICOID, JSONBOID, TIMESTAMPTZOID,
     INTERVALOID, NUMERICOID, INT4OID, TEXTARRAYOID, TEXTOID, JSONBOID}};

// What a creation with an idempotency key asked for, to tell a retry from
// another request with the same key.
spi::Statement creation_request{
    "SELECT jsonb_build_object('name', $1::text, 'email', $2::text, 'metadata', $3::jsonb, 'unit', $4::text,"
    " 'scale', $5::int, 'overdraft_limit', $6::numeric, 'initial_balance', $7::numeric, 'owner_id', $8::text,"
    " 'default_grant_ttl', @extschema@.credits_iso_duration($9::interval), 'min_credit_amount', $10::numeric,"
    " 'notify_emails', $11::text[])",
    11,
    {TEXTOID, TEXTOID, JSONBOID, TEXTOID, INT4OID, NUMERICOID, NUMERICOID, TEXTOID, INTERVALOID, NUMERICOID,
     TEXTARRAYOID}};

// The account that took the external_id, and which of the parameters its
// creation with this key had differently (NULL: another key, or none).
spi::Statement prior_creation{
    "SELECT id, CASE WHEN creation_key = $3 THEN coalesce((SELECT string_agg(k.key, ', ' ORDER BY k.key)"
    "                  FROM jsonb_each(creation_request) k WHERE k.value IS DISTINCT FROM $4 -> k.key), '') END"
    "  FROM @extschema@.credits_account WHERE tenant = $1 AND external_id = $2",
    4, {TEXTOID, TEXTOID, TEXTOID, JSONBOID}};

// A page of the tenant's accounts; the count reads the table (the view's
// lateral joins are for balances, which a count does not need).
spi::Statement accounts_page{
    "SELECT a.*, (SELECT count(*) FROM @extschema@.credits_account c"
    "              WHERE c.tenant = $1 AND ($2::text IS NULL OR c.owner_id = $2)"
    "                AND ($3::text IS NULL OR c.status = $3) AND ($4::jsonb IS NULL OR c.metadata @> $4)), a.id"
    "  FROM @extschema@.credits_accounts a"
    " WHERE ($2::text IS NULL OR a.owner_id = $2) AND ($3::text IS NULL OR a.status = $3)"
    "   AND ($4::jsonb IS NULL OR a.metadata @> $4) AND ($7::text IS NULL OR a.id > $7)"
    " ORDER BY a.id LIMIT $5 OFFSET $6",
    7, {TEXTOID, TEXTOID, TEXTOID, JSONBOID, INT4OID, INT4OID, TEXTOID}};

spi::Statement account_view_row{"SELECT * FROM @extschema@.credits_accounts WHERE id = $1", 1, {TEXTOID}};

spi::Statement balance_view_row{
    "SELECT id, external_id, balance, reserved, available, unit, updated_at, auto_reload_enabled, auto_reload_threshold,"
    " auto_reload_amount FROM @extschema@.credits_accounts WHERE id = $1",
    1, {TEXTOID}};

std::string_view external_id_arg(FunctionCallInfo fcinfo, int argno) {
    std::string_view id = args::required_identifier(fcinfo, argno, "external_id");
    if (ids::has_shape(id, "acc_"))
        fail(sqlstate::invalid_parameter, "external_id must not look like an internal account id",
             format("\"%s\" has the shape acc_<ULID> reserved for ids that credits generates.", args::shown(id)));
    return id;
}

void check_email(std::string_view email, const char *name) {
    args::check_identifier(email, name);
    size_t at = email.find('@');
    bool plausible = email.size() <= 320 && at != std::string_view::npos && at > 0 && at + 1 < email.size() &&
                     email.find('@', at + 1) == std::string_view::npos &&
                     email.find_first_of(" \t\r\n,;<>") == std::string_view::npos;
    if (!plausible)
        fail(sqlstate::invalid_parameter, format("%s is not an email address", name),
             format("\"%s\" needs one name, an @ and a domain, without spaces, commas or angle brackets.",
                    args::shown(email)));
}

std::optional<std::string_view> email_arg(FunctionCallInfo fcinfo, int argno) {
    auto email = args::identifier(fcinfo, argno, "email", 320);
    if (email) check_email(*email, "email");
    return email;
}

// notify_emails: who the app tells of the account's alerts; at most 20
// addresses, each once. An empty array means none (stored as NULL).
constexpr int max_notify_emails = 20;
struct NotifyEmails {
    bool given;
    std::optional<Datum> list;  // nullopt: none
};
NotifyEmails notify_emails_arg(FunctionCallInfo fcinfo, int argno) {
    if (!args::given(fcinfo, argno)) return NotifyEmails{false, std::nullopt};
    ArrayType *array = PG_GETARG_ARRAYTYPE_P(argno);
    Datum *elems;
    bool *nulls;
    int n;
    deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &elems, &nulls, &n);
    if (ARR_NDIM(array) > 1) fail(sqlstate::invalid_parameter, "notify_emails must be a one-dimensional array");
    if (n > max_notify_emails)
        fail(sqlstate::invalid_parameter, "too many notify_emails",
             format("%d were given; an account has at most %d.", n, max_notify_emails));
    for (int i = 0; i < n; i++) {
        if (nulls[i]) fail(sqlstate::invalid_parameter, "notify_emails must not contain NULL");
        text *t = DatumGetTextPP(elems[i]);
        std::string_view email(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
        check_email(email, "notify_emails");
        for (int j = 0; j < i; j++)
            if (DatumGetBool(DirectFunctionCall2Coll(texteq, C_COLLATION_OID, elems[i], elems[j])))
                fail(sqlstate::invalid_parameter, "notify_emails must be distinct",
                     format("\"%s\" is given twice.", args::shown(email)));
    }
    if (n == 0) return NotifyEmails{true, std::nullopt};
    return NotifyEmails{true, PointerGetDatum(construct_array(elems, n, TEXTOID, -1, false, TYPALIGN_INT))};
}

std::optional<Status> status_arg(FunctionCallInfo fcinfo, int argno) {
    auto s = args::string(fcinfo, argno, "status", 32);
    if (!s) return std::nullopt;
    auto status = parse_status(*s);
    if (!status)
        fail(sqlstate::invalid_parameter, format("unknown account status \"%s\"", args::shown(*s)),
             "Account status is active, frozen or closed.");
    return status;
}

int scale_arg(FunctionCallInfo fcinfo, int argno) {
    int scale = args::int32_value(fcinfo, argno).value_or(0);
    if (scale < 0 || scale > max_scale)
        fail(sqlstate::invalid_parameter, "scale is out of range",
             format("scale is %d; it must be between 0 and %d decimal places.", scale, max_scale));
    return scale;
}

// default_grant_ttl: a positive interval; zero (or NULL) means none.
std::optional<Datum> ttl_arg(FunctionCallInfo fcinfo, int argno) {
    if (!args::given(fcinfo, argno)) return std::nullopt;
    Interval *ttl = PG_GETARG_INTERVAL_P(argno);
    if (ttl->time == 0 && ttl->day == 0 && ttl->month == 0) return std::nullopt;
    args::after_interval(fcinfo, argno, "default_grant_ttl");
    return IntervalPGetDatum(ttl);
}

// min_credit_amount: zero or more, in the account's scale; zero clears it.
std::optional<Datum> min_credit_arg(FunctionCallInfo fcinfo, int argno, int scale, const char *account) {
    Units units = to_units(args::decimal(fcinfo, argno, "min_credit_amount", Sign::NonNegative), scale,
                           "min_credit_amount", account);
    if (units == 0) return std::nullopt;
    return units_to_numeric(units, scale);
}

// An optional non-negative amount argument that defaults to zero.
Decimal non_negative_arg(FunctionCallInfo fcinfo, int argno, const char *name) {
    if (!args::given(fcinfo, argno)) return Decimal{0, 0};
    return args::decimal(fcinfo, argno, name, Sign::NonNegative);
}

}  // namespace

CREDITS_FUNCTION(credits_current_tenant) {
    // On a Citus worker, for a query the coordinator sent, the session's
    // credits.tenant is the worker connection's, not the caller's: never
    // answer with it (the views read the tenant once, on the coordinator).
    if (!tenants::acting() && cluster::distributed() && cluster::in_internal_connection())
        fail(ERRCODE_FEATURE_NOT_SUPPORTED, "Citus sent a query on credits' views to a worker",
             "The caller's tenant is known only on the node the query was sent to.",
             "Filter the views on other columns than account_key, or call credits' functions instead.");
    std::string_view tenant = tenants::current();
    PG_RETURN_TEXT_P(cstring_to_text_with_len(tenant.data(), tenant.size()));
}

// credits_account_key(tenant, external_id): STRICT, so both are given.
CREDITS_FUNCTION(credits_account_key) {
    text *tenant = PG_GETARG_TEXT_PP(0);
    text *external_id = PG_GETARG_TEXT_PP(1);
    PG_RETURN_INT32(account_key({VARDATA_ANY(tenant), VARSIZE_ANY_EXHDR(tenant)},
                                {VARDATA_ANY(external_id), VARSIZE_ANY_EXHDR(external_id)}));
}

// credits_key_in_id(id): the account key an id carries (since 0.6.0).
CREDITS_FUNCTION(credits_key_in_id) {
    text *id = PG_GETARG_TEXT_PP(0);
    PG_RETURN_INT32(ids::key_of({VARDATA_ANY(id), VARSIZE_ANY_EXHDR(id)}));
}

// credits_create_account(external_id, name, email, metadata, unit, scale,
//                        overdraft_limit, initial_balance, owner_id,
//                        default_grant_ttl, min_credit_amount, notify_emails,
//                        idempotency_key)
CREDITS_FUNCTION(credits_create_account) {
    std::string_view external_id = external_id_arg(fcinfo, 0);
    auto name = args::string(fcinfo, 1, "name", args::max_key_length);
    auto email = email_arg(fcinfo, 2);
    auto metadata = args::json_object(fcinfo, 3, "metadata");
    std::string_view unit = args::identifier(fcinfo, 4, "unit", 32).value_or("credits");
    int scale = scale_arg(fcinfo, 5);
    const char *label = args::cstr(external_id);
    Units overdraft_limit = to_units(non_negative_arg(fcinfo, 6, "overdraft_limit"), scale, "overdraft_limit", label);
    Units initial_balance = to_units(non_negative_arg(fcinfo, 7, "initial_balance"), scale, "initial_balance", label);
    auto owner_id = args::identifier(fcinfo, 8, "owner_id");
    auto ttl = ttl_arg(fcinfo, 9);
    std::optional<Datum> min_credit;
    if (args::given(fcinfo, 10)) min_credit = min_credit_arg(fcinfo, 10, scale, label);
    std::optional<Datum> notify_emails = notify_emails_arg(fcinfo, 11).list;
    auto idempotency_key = args::idempotency_key(fcinfo, 12);

    spi::begin(fcinfo);
    std::optional<Datum> request;
    if (idempotency_key) {
        spi::run(creation_request, spi::Params()
                                       .add_text(name)
                                       .add_text(email)
                                       .add(metadata)
                                       .add_text(unit)
                                       .add(Int32GetDatum(scale))
                                       .add(units_to_numeric(overdraft_limit, scale))
                                       .add(units_to_numeric(initial_balance, scale))
                                       .add_text(owner_id)
                                       .add(ttl)
                                       .add(min_credit)
                                       .add(notify_emails));
        request = spi::keep(spi::row(0).datum(1), JSONBOID);
    }
    tables::Session s;
    tables::open(s, fcinfo);
    account_attnum(s, AccountColumn::id);  // an out-of-date schema says so here
    int32 key = account_key(tenants::current(), external_id);
    cluster::require_in_current_group(key);
    ids::Id id = ids::make("acc_", key);
    uint64 inserted = spi::run(insert_account, spi::Params()
                                                   .add_text(id.view())
                                                   .add_text(tenants::current())
                                                   .add_text(external_id)
                                                   .add_text(owner_id)
                                                   .add_text(name)
                                                   .add_text(email)
                                                   .add_text(unit)
                                                   .add(Int16GetDatum(scale))
                                                   .add(units_to_numeric(overdraft_limit, scale))
                                                   .add(metadata)
                                                   .add(TimestampTzGetDatum(clock::now()))
                                                   .add(ttl)
                                                   .add(min_credit)
                                                   .add(Int32GetDatum(key))
                                                   .add(notify_emails)
                                                   .add_text(idempotency_key)
                                                   .add(request));
    if (inserted == 0) {
        spi::run(prior_creation, spi::Params()
                                     .add_text(tenants::current())
                                     .add_text(external_id)
                                     .add_text(idempotency_key)
                                     .add(request));
        // A retry of the creation that made it: the account as it is now.
        if (idempotency_key && !spi::row(0).is_null(2) && spi::row(0).string(2).empty()) {
            const char *existing = args::cstr(spi::row(0).string(1));
            tables::close(s);
            return results::view_row(fcinfo, account_view_row, existing);
        }
        if (idempotency_key && !spi::row(0).is_null(2))
            fail(sqlstate::idempotency_conflict,
                 format("idempotency key \"%s\" was used to create account %s with other parameters",
                        args::shown(*idempotency_key), label),
                 format("These differ: %s.", args::cstr(spi::row(0).string(2))),
                 "Retry with the same parameters, or use another key for another request.");
        fail(sqlstate::duplicate_account, format("account \"%s\" already exists", label),
             format("Tenant \"%s\" already has an account with that external_id.",
                    args::cstr(tenants::current())),
             idempotency_key ? "It was not created with this idempotency key." : nullptr);
    }
    if (initial_balance > 0) {
        Account account = lock_account(s, id.view());
        post(s, account, Movement{EntryType::Credit, initial_balance, std::string_view("initial balance"),
                                  std::nullopt, std::nullopt, std::nullopt});
        save_account(s, account);
    }
    tables::close(s);
    return results::view_row(fcinfo, account_view_row, id.text);
}

// credits_iso_duration(interval) -> ISO 8601 text, whatever the session's
// IntervalStyle (STRICT: never NULL here).
CREDITS_FUNCTION(credits_iso_duration) {
    struct pg_itm itm;
    interval2itm(*PG_GETARG_INTERVAL_P(0), &itm);
    char text[MAXDATELEN + 1];
    EncodeInterval(&itm, INTSTYLE_ISO_8601, text);
    PG_RETURN_TEXT_P(cstring_to_text(text));
}

// credits_list_accounts(owner_id, status, metadata, page_size, page_offset,
// after): the tenant's accounts, oldest first (ids are time-ordered, so a
// page after a cursor stays the same while accounts are created), with the
// number that match.
CREDITS_FUNCTION(credits_list_accounts) {
    auto owner_id = args::identifier(fcinfo, 0, "owner_id");
    auto status = status_arg(fcinfo, 1);
    std::optional<Datum> metadata;
    if (args::given(fcinfo, 2)) metadata = PG_GETARG_DATUM(2);
    args::Page page = args::page(fcinfo, 3, 4);
    auto after = args::string(fcinfo, 5, "after", args::max_key_length);
    if (after && !ids::has_shape(*after, "acc_"))
        fail(sqlstate::invalid_parameter, format("after is not a cursor of credits_list_accounts: \"%s\"",
                                                 args::shown(*after)),
             "Pass the cursor column of a row that credits_list_accounts returned.");
    spi::begin(fcinfo);
    spi::run(accounts_page, spi::Params()
                                .add_text(tenants::current())
                                .add_text(owner_id)
                                .add_text(status ? std::optional<std::string_view>(status_name(*status)) : std::nullopt)
                                .add(metadata)
                                .add(Int32GetDatum(page.size))
                                .add(Int32GetDatum(page.offset))
                                .add_text(after ? std::optional<std::string_view>(ids::canonical(*after).view())
                                                : std::nullopt));
    results::materialize_rows(fcinfo);
    spi::end();
    return (Datum)0;
}

// credits_get_account(account)
CREDITS_FUNCTION(credits_get_account) {
    std::string_view account = account_arg(fcinfo, 0);
    spi::begin(fcinfo);
    return results::view_row(fcinfo, account_view_row, find_account_id(account));
}

// credits_balance(account) -> account_id, external_id, balance, reserved, available, unit, updated_at,
//                             auto_reload_enabled, auto_reload_threshold, auto_reload_amount
CREDITS_FUNCTION(credits_balance) {
    std::string_view account = account_arg(fcinfo, 0);
    spi::begin(fcinfo);
    return results::view_row(fcinfo, balance_view_row, find_account_id(account));
}

// credits_update_account(account, name, email, metadata, overdraft_limit, status,
//                        default_grant_ttl, min_credit_amount, notify_emails)
CREDITS_FUNCTION(credits_update_account) {
    std::string_view account_ref = account_arg(fcinfo, 0);
    auto name = args::string(fcinfo, 1, "name", args::max_key_length);
    auto email = email_arg(fcinfo, 2);
    auto metadata = args::json_object(fcinfo, 3, "metadata");
    std::optional<Decimal> limit;
    if (args::given(fcinfo, 4)) limit = args::decimal(fcinfo, 4, "overdraft_limit", Sign::NonNegative);
    auto status = status_arg(fcinfo, 5);
    bool ttl = args::given(fcinfo, 6);
    std::optional<Datum> ttl_value = ttl_arg(fcinfo, 6);

    spi::begin(fcinfo);
    tables::Session s;
    tables::open(s, fcinfo);
    Account account = lock_account(s, account_ref);
    auto col = [&](AccountColumn c) { return account_attnum(s, c); };
    tables::Values changes = tables::new_values(tables::rel(s, tables::TableId::Account));
    if (name) changes.set_text(col(AccountColumn::name), name);
    if (email) changes.set_text(col(AccountColumn::email), email);
    if (metadata) changes.set(col(AccountColumn::metadata), *metadata);
    if (limit) {
        Units units = to_units(*limit, account.scale, "overdraft_limit", account.external_id);
        if (account.available() < -units)
            fail(sqlstate::insufficient_credits,
                 format("overdraft_limit of account %s cannot go below its deficit", account.external_id),
                 format("available is %s; an overdraft limit of %s would leave it below the limit.",
                        units_to_string(account.available(), account.scale), units_to_string(units, account.scale)),
                 "Credit the account first, or freeze it to stop spending.");
        changes.set(col(AccountColumn::overdraft_limit), units_to_numeric(units, account.scale));
    }
    if (ttl) changes.set(col(AccountColumn::default_grant_ttl), ttl_value);
    bool min_credit = args::given(fcinfo, 7);
    if (min_credit)
        changes.set(col(AccountColumn::min_credit_amount),
                    min_credit_arg(fcinfo, 7, account.scale, account.external_id));
    NotifyEmails notify_emails = notify_emails_arg(fcinfo, 8);
    if (notify_emails.given) changes.set(col(AccountColumn::notify_emails), notify_emails.list);
    if (status) change_status(s, account, *status, std::nullopt, changes);

    if (name || email || metadata || limit || ttl || min_credit || notify_emails.given || account.changed)
        save_account(s, account, &changes);
    tables::close(s);
    return results::view_row(fcinfo, account_view_row, account.id);
}

namespace {

// (account, reason): moves an account from one of the `from` statuses to
// `to` (already there: nothing happens); the account row after it.
Datum set_status(FunctionCallInfo fcinfo, std::initializer_list<Status> from, Status to, const char *operation) {
    std::string_view account_ref = account_arg(fcinfo, 0);
    auto reason = args::string(fcinfo, 1, "reason");
    spi::begin(fcinfo);
    tables::Session s;
    tables::open(s, fcinfo);
    Account account = lock_account(s, account_ref);
    bool allowed = account.status == to;
    for (Status st : from) allowed = allowed || account.status == st;
    if (!allowed)
        fail(sqlstate::account_not_active, format("account %s is %s", account.external_id, status_name(account.status)),
             format("A %s account cannot be %s.", status_name(account.status), operation));
    tables::Values changes = tables::new_values(tables::rel(s, tables::TableId::Account));
    change_status(s, account, to, reason, changes);
    if (account.changed) save_account(s, account, &changes);
    tables::close(s);
    return results::view_row(fcinfo, account_view_row, account.id);
}

}  // namespace

CREDITS_FUNCTION(credits_freeze) { return set_status(fcinfo, {Status::Active}, Status::Frozen, "frozen"); }

CREDITS_FUNCTION(credits_unfreeze) { return set_status(fcinfo, {Status::Frozen}, Status::Active, "unfrozen"); }

CREDITS_FUNCTION(credits_close) {
    return set_status(fcinfo, {Status::Active, Status::Frozen}, Status::Closed, "closed");
}

CREDITS_FUNCTION(credits_reopen) { return set_status(fcinfo, {Status::Closed}, Status::Active, "reopened"); }
