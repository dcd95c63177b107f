// Tenants as a security boundary.
//
// Every lookup, every new row and every view is scoped to one tenant: the
// credits.tenant setting. An administrator can bind a role to tenants
// (credits_bind_role); a bound role acts only in them. "The role" is the one
// the session acts as (the login role, or the one SET ROLE chose), never the
// owner that a SECURITY DEFINER function runs as, and never anything it
// merely belongs to. Unbound roles may name any tenant.
#pragma once

#include "pg.h"

namespace credits::tenants {

// The tenant the caller acts in: credits.tenant (for a role bound to exactly
// one tenant that did not set it, that tenant). 42501 when the role is bound
// and the setting names another tenant (or it is bound to several and did
// not choose); CR012 when the setting was invalid (as a SET made before the
// library was loaded can be).
std::string_view current();

// On Citus, for a call another node forwarded here: act in the tenant that
// node resolved (it checked the role there; here the call runs as the
// extension's owner), as a role bound to that tenant would. Until
// stop_acting() or the end of the subtransaction that began it.
void act_in(std::string_view tenant);
void stop_acting();
bool acting();
void forget_acting_from(SubTransactionId subxact);

// Whether the calling role is bound to any tenant (or acts in one).
bool caller_is_bound();

// 42501 unless the calling role is unbound: what an administrator across
// tenants may do (role bindings, access sets, every tenant's verification).
void require_unbound(const char *what);

// For the credits.tenant check hook: nullptr when the calling role may set
// `tenant` (always outside a transaction or without the extension), else
// why not.
const char *setting_refused(const char *tenant);

}  // namespace credits::tenants
