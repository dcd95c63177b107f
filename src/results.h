// Building the rows that functions return.
#pragma once

#include "reservations.h"
#include "spi.h"

namespace credits::results {

// The function's declared composite result type, blessed.
TupleDesc result_desc(FunctionCallInfo fcinfo);

// A composite result that owns its values, in the current memory context:
// values stored out of line (TOAST) are fetched into it, so the row outlives
// the SPI call, the snapshot and the table it was read from.
Datum composite(TupleDesc desc, Datum *values, bool *nulls);

// Re-forms an SPI row (a view row) as the function's result, in the caller's
// memory. Call before spi::end().
Datum from_row(FunctionCallInfo fcinfo, const spi::Row &row);

// The one row a view query (`stmt`, with `id` as $1) returns, as the
// function's result; ends SPI.
Datum view_row(FunctionCallInfo fcinfo, spi::Statement &stmt, const char *id);

// Fills the leading columns shared by every transaction-shaped result
// (credits_transaction): transaction_id, account_id, external_id, type,
// amount, balance, available, description, reference, idempotency_key,
// metadata, created_at. `values`/`nulls` must have desc->natts slots; the
// remaining ones are set to NULL.
void fill_transaction(TupleDesc desc, Datum *values, bool *nulls, const Account &account,
                      const Movement &movement, const Posting &posting);

// A credits_transaction row. Call after spi::end().
Datum transaction(FunctionCallInfo fcinfo, const Account &account, const Movement &movement,
                  const Posting &posting);

// A credits_reservation_result row: the hold plus the account's balance,
// reserved and available. Call after spi::end().
Datum reservation(FunctionCallInfo fcinfo, const Account &account, const Hold &hold, Units balance, Units available);

// A credits_confirmation row: the transaction plus reservation_id and
// released.
Datum confirmation(FunctionCallInfo fcinfo, const Account &account, const Movement &movement, const Posting &posting,
                   Units released);

// A credits_reversal row: the transaction plus the id it reverses.
Datum reversal(FunctionCallInfo fcinfo, const Account &account, const Movement &movement, const Posting &posting);

// A credits_transfer_result row.
Datum transfer(FunctionCallInfo fcinfo, const Account &from, const Account &to, const Movement &movement,
               const Posting &posting, const Posting &to_posting);

// Adds a row to a materialized set-returning function's result; like
// composite(), its out-of-line values are fetched first.
void put_row(ReturnSetInfo *rsinfo, Datum *values, bool *nulls);

// Turns a set-returning function's SPI result into its materialized result.
// Call before spi::end().
void materialize_rows(FunctionCallInfo fcinfo);

// Adds the last SPI result's rows to a result materialize_rows() (or
// InitMaterializedSRF) began. Call before spi::end().
void append_rows(FunctionCallInfo fcinfo);

}  // namespace credits::results
