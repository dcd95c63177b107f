// On Citus: the calls that span shards, split by shard and put together
// again on the node they were made on (see routing.h). Each lives with the
// function it splits.
#pragma once

#include "guard.h"

namespace credits {

// credits_transfer() between accounts whose shards differ: a side on each.
Datum transfer_across_shards(FunctionCallInfo fcinfo, int32 from_key, int32 to_key);

// The two sides of such a transfer, given credits_transfer()'s arguments
// (from_account, to_account, amount, description, reference,
// idempotency_key, metadata): the entries each side reports, as
// credits_transaction rows.
struct TransferSides {
    static constexpr int columns = 12;
    Datum source[columns];
    bool source_null[columns];
    Datum destination[columns];
    bool destination_null[columns];
};
TransferSides transfer_sides(FunctionCallInfo fcinfo, const Datum *args, const bool *nulls, int32 from_key,
                             int32 to_key);

// credits_reverse(): on the transaction's shard, or a leg on each of the two
// shards of a transfer.
Datum reverse_where_it_belongs(FunctionCallInfo fcinfo, FunctionBody body, int32 key);

// credits_apply(): the operations of each shard together, on its node.
Datum apply_across_shards(FunctionCallInfo fcinfo);

// credits_verify(): the account's shard, or every shard; then the transfers.
Datum verify_everywhere(FunctionCallInfo fcinfo);

// credits_run_due() and credits_expire_reservations(): on every shard.
Datum run_due_everywhere(FunctionCallInfo fcinfo);

// credits_prune_usage(): every shard's records, then the horizon.
Datum prune_usage_everywhere(FunctionCallInfo fcinfo);

}  // namespace credits
