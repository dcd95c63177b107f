// The views on Citus (see citus_views.cpp).
#pragma once

#include "pg.h"

namespace credits::citus_views {

// A view's own definition is kept as <view><suffix>.
extern const char *suffix;

// Makes every view of the extension read its rows through name_rows(), in
// the extension's owner's name; returns how many it changed (none once
// done). `library`: where credits_view_rows() is.
int wrap_views(Oid schema, const char *library);

}  // namespace credits::citus_views
