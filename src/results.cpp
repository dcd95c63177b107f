#include "results.h"

extern "C" {
#include "access/detoast.h"
}

namespace credits::results {

namespace {

using tables::text_datum;

// Replaces each value stored out of line by a copy of it in the current
// memory context (a TOAST pointer is only good while its table and the
// memory it was read into are).
void fetch_out_of_line(TupleDesc desc, Datum *values, const bool *nulls) {
    for (int i = 0; i < desc->natts; i++) {
        if (nulls[i] || TupleDescAttr(desc, i)->attlen != -1) continue;
        auto *value = reinterpret_cast<struct varlena *>(DatumGetPointer(values[i]));
        if (VARATT_IS_EXTERNAL(value)) values[i] = PointerGetDatum(detoast_external_attr(value));
    }
}

void set_text(Datum *values, bool *nulls, int i, std::optional<std::string_view> s) {
    nulls[i] = !s;
    if (s) values[i] = text_datum(*s);
}

}  // namespace

TupleDesc result_desc(FunctionCallInfo fcinfo) {
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "credits: function must return a composite type");
    return BlessTupleDesc(desc);
}

Datum composite(TupleDesc desc, Datum *values, bool *nulls) {
    fetch_out_of_line(desc, values, nulls);
    return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

void put_row(ReturnSetInfo *rsinfo, Datum *values, bool *nulls) {
    fetch_out_of_line(rsinfo->setDesc, values, nulls);
    tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

Datum from_row(FunctionCallInfo fcinfo, const spi::Row &row) {
    // Everything in the caller's memory: SPI's is freed by spi::end().
    MemoryContext old = MemoryContextSwitchTo(spi::caller_context());
    TupleDesc desc = result_desc(fcinfo);
    if (desc->natts != row.desc->natts)
        elog(ERROR, "credits: result has %d columns, expected %d", row.desc->natts, desc->natts);
    Datum *values = static_cast<Datum *>(palloc(desc->natts * sizeof(Datum)));
    bool *nulls = static_cast<bool *>(palloc(desc->natts * sizeof(bool)));
    heap_deform_tuple(row.tuple, row.desc, values, nulls);
    Datum result = composite(desc, values, nulls);
    MemoryContextSwitchTo(old);
    return result;
}

Datum view_row(FunctionCallInfo fcinfo, spi::Statement &stmt, const char *id) {
    if (spi::run(stmt, spi::Params().add_text(id)) != 1)
        elog(ERROR, "credits: %s is missing from the view its function returns (a damaged row?)", id);
    Datum result = from_row(fcinfo, spi::row(0));
    spi::end();
    return result;
}

void fill_transaction(TupleDesc desc, Datum *values, bool *nulls, const Account &account, const Movement &m,
                      const Posting &p) {
    for (int i = 0; i < desc->natts; i++) nulls[i] = true;
    set_text(values, nulls, 0, p.transaction_id.view());
    set_text(values, nulls, 1, std::string_view(account.id));
    set_text(values, nulls, 2, std::string_view(account.external_id));
    set_text(values, nulls, 3, std::string_view(entry_type_name(m.type)));
    values[4] = units_to_numeric(m.shown_amount(), account.scale);
    values[5] = units_to_numeric(p.balance_after, account.scale);
    values[6] = units_to_numeric(p.available_after, account.scale);
    nulls[4] = nulls[5] = nulls[6] = false;
    set_text(values, nulls, 7, m.description);
    set_text(values, nulls, 8, m.reference);
    set_text(values, nulls, 9, m.idempotency_key);
    nulls[10] = !m.metadata;
    if (m.metadata) values[10] = *m.metadata;
    values[11] = TimestampTzGetDatum(p.created_at);
    nulls[11] = false;
}


namespace {

struct Row {
    TupleDesc desc;
    Datum *values;
    bool *nulls;

    explicit Row(FunctionCallInfo fcinfo)
        : desc(result_desc(fcinfo)),
          values(static_cast<Datum *>(palloc(desc->natts * sizeof(Datum)))),
          nulls(static_cast<bool *>(palloc(desc->natts * sizeof(bool)))) {
        for (int i = 0; i < desc->natts; i++) nulls[i] = true;
    }
    void set(int i, Datum value) {
        values[i] = value;
        nulls[i] = false;
    }
    void set(int i, std::optional<Datum> value) {
        if (value) set(i, *value);
    }
    void set_text(int i, std::optional<std::string_view> s) {
        if (s) set(i, text_datum(*s));
    }
    Datum datum() const { return composite(desc, values, nulls); }
};
static_assert(std::is_trivially_destructible_v<Row>);

}  // namespace

Datum reservation(FunctionCallInfo fcinfo, const Account &account, const Hold &h, Units balance, Units available) {
    Row row(fcinfo);
    row.set_text(0, std::string_view(h.id));
    row.set_text(1, std::string_view(account.id));
    row.set_text(2, std::string_view(account.external_id));
    row.set(3, units_to_numeric(h.amount, account.scale));
    row.set_text(4, std::string_view(hold_status_name(h.status)));
    row.set(5, TimestampTzGetDatum(h.expires_at));
    row.set_text(6, h.description);
    row.set_text(7, h.reference);
    row.set(8, h.metadata);
    row.set(9, TimestampTzGetDatum(h.created_at));
    row.set(10, units_to_numeric(balance, account.scale));
    row.set(11, units_to_numeric(balance - available, account.scale));
    row.set(12, units_to_numeric(available, account.scale));
    return row.datum();
}

Datum confirmation(FunctionCallInfo fcinfo, const Account &account, const Movement &m, const Posting &p,
                   Units released) {
    Row row(fcinfo);
    fill_transaction(row.desc, row.values, row.nulls, account, m, p);
    row.set_text(12, m.reservation_id);
    row.set(13, units_to_numeric(released, account.scale));
    return row.datum();
}

Datum reversal(FunctionCallInfo fcinfo, const Account &account, const Movement &m, const Posting &p) {
    Row row(fcinfo);
    fill_transaction(row.desc, row.values, row.nulls, account, m, p);
    row.set_text(12, m.reverses);
    return row.datum();
}

Datum transfer(FunctionCallInfo fcinfo, const Account &from, const Account &to, const Movement &m, const Posting &p,
               const Posting &to_posting) {
    Row row(fcinfo);
    row.set_text(0, p.transaction_id.view());
    row.set_text(1, std::string_view(from.id));
    row.set_text(2, std::string_view(from.external_id));
    row.set_text(3, std::string_view(to.id));
    row.set_text(4, std::string_view(to.external_id));
    row.set(5, units_to_numeric(m.magnitude(), from.scale));
    row.set(6, units_to_numeric(p.balance_after, from.scale));
    row.set(7, units_to_numeric(p.available_after, from.scale));
    row.set(8, units_to_numeric(to_posting.balance_after, to.scale));
    row.set(9, units_to_numeric(to_posting.available_after, to.scale));
    row.set_text(10, m.description);
    row.set_text(11, m.reference);
    row.set_text(12, m.idempotency_key);
    row.set(13, m.metadata);
    row.set(14, TimestampTzGetDatum(p.created_at));
    return row.datum();
}

Datum transaction(FunctionCallInfo fcinfo, const Account &account, const Movement &m, const Posting &p) {
    Row row(fcinfo);
    fill_transaction(row.desc, row.values, row.nulls, account, m, p);
    return row.datum();
}

void materialize_rows(FunctionCallInfo fcinfo) {
    InitMaterializedSRF(fcinfo, 0);
    append_rows(fcinfo);
}

void append_rows(FunctionCallInfo fcinfo) {
    auto *rsinfo = reinterpret_cast<ReturnSetInfo *>(fcinfo->resultinfo);
    Datum *values = static_cast<Datum *>(palloc(rsinfo->setDesc->natts * sizeof(Datum)));
    bool *nulls = static_cast<bool *>(palloc(rsinfo->setDesc->natts * sizeof(bool)));
    for (uint64 i = 0; i < SPI_processed; i++) {
        spi::Row row = spi::row(i);
        if (row.desc->natts != rsinfo->setDesc->natts)
            elog(ERROR, "credits: rows of %d columns for a result of %d", row.desc->natts, rsinfo->setDesc->natts);
        heap_deform_tuple(row.tuple, row.desc, values, nulls);
        put_row(rsinfo, values, nulls);
    }
}

}  // namespace credits::results
