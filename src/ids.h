// Prefixed, time-sortable identifiers: "acc_" + a 26-character ULID
// (48-bit millisecond timestamp, 80 random bits, Crockford base32).
#pragma once

#include "pg.h"

namespace credits::ids {

constexpr int ulid_length = 26;
constexpr int max_id_length = 4 + ulid_length;

struct Id {
    char text[max_id_length + 1];  // NUL-terminated
    std::string_view view() const { return {text, strlen(text)}; }
};

// A new id such as "txn_01JD...". Within one backend ids are strictly
// increasing, even within one millisecond.
Id make(const char *prefix);

// True when s is prefix + a ULID, ignoring case (ULIDs are case-insensitive).
bool has_shape(std::string_view s, std::string_view prefix);

// The canonical spelling (lower-case prefix, upper-case ULID) of an id that
// has_shape() accepted.
Id canonical(std::string_view s);

}  // namespace credits::ids
