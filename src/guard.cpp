#include "guard.h"

#include "routing.h"

#include <cstdarg>
#include <new>

extern "C" {
#include "access/xact.h"
#include "utils/resowner.h"
}

namespace credits {

const char *format(const char *fmt, ...) {
    // The same loop as psprintf(), which has no va_list variant.
    size_t len = 128;
    for (;;) {
        char *buf = static_cast<char *>(palloc(len));
        va_list args;
        va_start(args, fmt);
        size_t needed = pvsnprintf(buf, len, fmt, args);
        va_end(args);
        if (needed < len) return buf;
        pfree(buf);
        len = needed;
    }
}

void fail(int sqlstate, const char *message, const char *detail, const char *hint) {
    throw Error{sqlstate, message, detail, hint, nullptr};
}

void raise(const Error &error) {
    ereport(ERROR, (errcode(error.sqlstate), errmsg_internal("%s", error.message),
                    error.detail ? errdetail_internal("%s", error.detail) : 0,
                    error.hint ? errhint("%s", error.hint) : 0,
                    error.context ? errcontext("%s", error.context) : 0));
    pg_unreachable();
}

Error current_error() {
    try {
        throw;
    } catch (const Error &error) {
        return error;
    } catch (const std::bad_alloc &) {
        return Error{ERRCODE_OUT_OF_MEMORY, "out of memory", nullptr, nullptr, nullptr};
    } catch (...) {
        return Error{sqlstate::internal, "unexpected C++ exception in credits", nullptr, nullptr, nullptr};
    }
}

namespace {

// Runs body; a C++ exception leaves it as a PostgreSQL error.
void run_raising(void (*body)(void *), void *context) {
    Error caught;
    try {
        body(context);
        return;
    } catch (...) {
        caught = current_error();
    }
    raise(caught);
}

}  // namespace

ErrorData *run_in_subtransaction(void (*body)(void *), void *context) {
    MemoryContext caller = CurrentMemoryContext;
    ResourceOwner owner = CurrentResourceOwner;
    ErrorData *volatile error = nullptr;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(caller);
    PG_TRY();
    {
        run_raising(body, context);
        ReleaseCurrentSubTransaction();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller);
        error = CopyErrorData();
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
    }
    PG_END_TRY();
    MemoryContextSwitchTo(caller);
    CurrentResourceOwner = owner;
    // A cancel, and the errors that doom the whole transaction (a
    // serialization failure, a deadlock), are never the body's to absorb.
    if (error && (error->sqlerrcode == ERRCODE_QUERY_CANCELED ||
                  ERRCODE_TO_CATEGORY(error->sqlerrcode) == ERRCODE_TRANSACTION_ROLLBACK))
        ReThrowError(error);
    return error;
}

Datum guard(FunctionCallInfo fcinfo, FunctionBody body) {
    Error caught;
    try {
        return routing::dispatch(fcinfo, body);
    } catch (...) {
        caught = current_error();
    }
    // Outside the catch blocks: ereport() longjmps, which must not leave a
    // C++ exception half-handled.
    raise(caught);
}

}  // namespace credits
