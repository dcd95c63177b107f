// Account lifecycle: active, frozen (credits still arrive, nothing is spent
// or held), closed (nothing moves; only an empty account closes), reopened.
// Every change is recorded in credits_status_change.
#pragma once

#include "accounts.h"

namespace credits {

// Moves a locked account to `to`, adding the column change to `changes` and
// recording it with its reason (through SPI: call between spi::begin/end).
// A change to the current status changes and records nothing. CR013 when
// closing an account with a balance or holds; CR007 for a closed account to
// anything but active.
void change_status(tables::Session &s, Account &account, Status to, std::optional<std::string_view> reason,
                   tables::Values &changes);

}  // namespace credits
