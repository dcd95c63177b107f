// Prefixed, time-sortable identifiers: "acc_" + a 26-character ULID in
// Crockford base32: a 48-bit millisecond timestamp, 48 random bits (a
// counter within one millisecond), and 32 bits of the account key, so that
// an id names the shard of its account on Citus without a lookup (see
// accounts.h). Ids made before 0.6.0 end in 32 random bits instead.
#pragma once

#include "pg.h"

namespace credits::ids {

constexpr int ulid_length = 26;
constexpr int max_id_length = 4 + ulid_length;

struct Id {
    char text[max_id_length + 1];  // NUL-terminated
    std::string_view view() const { return {text, strlen(text)}; }
};

// A new id such as "txn_01JD..." carrying `key`. Within one backend ids are
// strictly increasing, even within one millisecond.
Id make(const char *prefix, int32 key);

// The key an id carries (what make() was given, for ids since 0.6.0; 0 for
// what is not an id).
int32 key_of(std::string_view id);

// True when s is prefix + a ULID, ignoring case (ULIDs are case-insensitive).
bool has_shape(std::string_view s, std::string_view prefix);

// The canonical spelling (lower-case prefix, upper-case ULID) of an id that
// has_shape() accepted.
Id canonical(std::string_view s);

}  // namespace credits::ids
