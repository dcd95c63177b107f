// Where a call runs, on Citus.
//
// Every SQL function that works on accounts has a twin, name_on_shard(
// account_key, tenant, at, <the same arguments>), distributed with Citus by its
// first argument, colocated with credits_account and force-delegated: a call
// of the twin runs on the node that holds that key's shard. A function
// called on a node that does not hold its account's shard forwards itself to
// its twin there (one round trip, in the caller's transaction), carrying the
// tenant it resolved, since Citus does not carry session settings, and the
// moment of the caller's transaction (clock.h); when the
// shard is local it runs right here. The twin runs the same C++ body on that
// node's shard relations (cluster.h). Errors come back as they would have
// been raised here.
//
// What spans shards is split by shard and put together again here, by the
// module it belongs to: transfers and reversals between accounts on two
// shards (transfers.h), batches (credits_apply), the scheduler's and the
// verification's work on every shard.
//
// Without Citus, dispatch() costs one cached check and runs the body.
#pragma once

#include "guard.h"

#include <optional>

namespace credits::routing {

// Runs a call of a credits SQL function where it belongs (see above).
Datum dispatch(FunctionCallInfo fcinfo, FunctionBody body);

// --- for the calls that span shards ---

// Runs the call on the shard of `key`: here when it is local, else through
// its twin there.
Datum run_for(FunctionCallInfo fcinfo, FunctionBody body, int32 key);

// The account key of what an argument names, in the caller's tenant: an
// account (an acc_ id or an external_id), or a reservation or transaction
// id. Something that names nothing gets 0: a call made with it goes
// wherever that is, and reports the argument there.
int32 account_key_of(FunctionCallInfo fcinfo, std::optional<std::string_view> account);
int32 id_key_of(FunctionCallInfo fcinfo, std::optional<std::string_view> id);

// Runs the twin of `function` (its SQL name) for `key`, with `args` (NULL
// where `nulls` says so), in `tenant` (nullopt: an unbound caller's work
// across tenants). Its rows are left in SPI_tuptable: call between
// spi::begin() and spi::end().
void call_twin(FunctionCallInfo fcinfo, const char *function, int32 key, std::optional<std::string_view> tenant,
               const Datum *args, const bool *nulls);

// The twin's rows, as the calling function's result (a set, a row or a
// value). Call before spi::end().
Datum forwarded_result(FunctionCallInfo fcinfo);

// An error's context as the caller would have got it had the call run on
// this node: without the lines about forwarding it.
char *without_forwarding(const char *context);

// The arguments the calling function got, to pass on.
struct Arguments {
    Datum values[FUNC_MAX_ARGS];
    bool nulls[FUNC_MAX_ARGS];
};
Arguments arguments_of(FunctionCallInfo fcinfo);

}  // namespace credits::routing
