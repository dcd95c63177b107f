#include "guard.h"

#include <cstdarg>
#include <new>

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

Datum guard(FunctionCallInfo fcinfo, FunctionBody body) {
    Error caught;
    try {
        return body(fcinfo);
    } catch (const Error &error) {
        caught = error;
    } catch (const std::bad_alloc &) {
        caught = Error{ERRCODE_OUT_OF_MEMORY, "out of memory", nullptr, nullptr, nullptr};
    } catch (...) {
        caught = Error{sqlstate::internal, "unexpected C++ exception in credits", nullptr, nullptr, nullptr};
    }
    // Outside the catch blocks: ereport() longjmps, which must not leave a
    // C++ exception half-handled.
    raise(caught);
}

}  // namespace credits
