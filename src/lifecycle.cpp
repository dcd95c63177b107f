#include "lifecycle.h"

#include "clock.h"
#include "errors.h"
#include "events.h"
#include "spi.h"

namespace credits {

namespace {

spi::Statement record_change{
    // The id from the identity's sequence by name: on Citus a shard has no
    // identity, and each node's sequence draws from a range of its own.
    "INSERT INTO @extschema@.credits_status_change (id, account_id, from_status, to_status, reason, changed_at,"
    " account_key) OVERRIDING SYSTEM VALUE"
    " VALUES (nextval('@extschema@.credits_status_change_id_seq'), $1, $2, $3, $4, $5, $6)",
    6, {TEXTOID, TEXTOID, TEXTOID, TEXTOID, TIMESTAMPTZOID, INT4OID}};

}  // namespace

void change_status(tables::Session &s, Account &a, Status to, std::optional<std::string_view> reason,
                   tables::Values &changes) {
    if (a.status == to) return;
    if (to == Status::Closed && (a.balance != 0 || a.reserved != 0))
        fail(sqlstate::account_not_empty, format("account %s cannot be closed", a.external_id),
             format("balance is %s and reserved is %s; both must be zero.", units_to_string(a.balance, a.scale),
                    units_to_string(a.reserved, a.scale)),
             "Debit or transfer the remaining balance first, and settle pending reservations.");
    if (a.status == Status::Closed && to != Status::Active)
        fail(sqlstate::account_not_active, format("account %s is closed", a.external_id),
             format("A closed account can only be reopened, not %s.", to == Status::Frozen ? "frozen" : "changed"),
             "Reopen it first with credits_reopen().");

    spi::run(record_change, spi::Params()
                                .add_text(a.id)
                                .add_text(status_name(a.status))
                                .add_text(status_name(to))
                                .add_text(reason)
                                .add(TimestampTzGetDatum(clock::now()))
                                .add(Int32GetDatum(a.key)));
    changes.set_text(account_attnum(s, AccountColumn::status), std::string_view(status_name(to)));
    events::Data data;
    data.text("from", std::string_view(status_name(a.status))).text("to", std::string_view(status_name(to))).text("reason", reason);
    events::emit(s, a, "account.status_changed", data);
    a.status = to;
    a.changed = true;
}

}  // namespace credits
