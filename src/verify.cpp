// credits_verify(): recomputes the invariants (DESIGN.md section 4) from the
// ledger and reports every discrepancy, one row each.
#include "accounts.h"
#include "across_shards.h"
#include "args.h"
#include "cluster.h"
#include "guard.h"
#include "ids.h"
#include "results.h"
#include "routing.h"
#include "spi.h"
#include "tenants.h"

using namespace credits;

namespace {

// $1: one account id, or NULL for every account; $2: their tenant, or NULL
// for every tenant. Rows of another scope never enter (the IN conditions).
spi::Statement findings{R"SQL(
WITH accounts AS (
    SELECT * FROM @extschema@.credits_account WHERE ($1::text IS NULL OR id = $1) AND ($2::text IS NULL OR tenant = $2)
), entries AS (
    SELECT e.account_id, e.account_key, e.seq, e.transaction_id, e.amount, e.balance_after, e.forced, e.reservation_id,
           e.reverses, row_number() OVER w AS position, coalesce(lag(e.balance_after) OVER w, 0) AS balance_before
      FROM @extschema@.credits_entry e
     WHERE ($1::text IS NULL OR e.account_id = $1) AND ($2::text IS NULL OR e.account_id IN (SELECT id FROM accounts))
    WINDOW w AS (PARTITION BY e.account_id ORDER BY e.seq)
), totals AS (
    SELECT account_id, sum(amount) AS total, count(*) AS entries FROM entries GROUP BY account_id
), holds AS (
    SELECT account_id, sum(amount) AS held, min(expires_at) AS first_expiry
      FROM @extschema@.credits_reservation
     WHERE status = 'pending' AND ($1::text IS NULL OR account_id = $1)
       AND ($2::text IS NULL OR account_id IN (SELECT id FROM accounts))
     GROUP BY account_id
), last_decrease AS (
    SELECT DISTINCT ON (account_id) account_id, forced FROM entries WHERE amount < 0 ORDER BY account_id, seq DESC
), settled AS (
    SELECT reservation_id, count(*) AS entries, -sum(amount) AS debited
      FROM entries WHERE reservation_id IS NOT NULL GROUP BY reservation_id
), reversals AS (
    SELECT account_id, reverses, sum(amount) AS total FROM entries WHERE reverses IS NOT NULL
     GROUP BY account_id, reverses
), grant_rows AS (
    SELECT * FROM @extschema@.credits_grant
     WHERE ($1::text IS NULL OR account_id = $1) AND ($2::text IS NULL OR account_id IN (SELECT id FROM accounts))
), fundings AS (
    SELECT e.account_id, e.seq, e.amount, f.key, f.value::numeric AS part
      FROM @extschema@.credits_entry e CROSS JOIN LATERAL jsonb_each_text(e.grants) f
     WHERE e.grants IS NOT NULL AND ($1::text IS NULL OR e.account_id = $1)
       AND ($2::text IS NULL OR e.account_id IN (SELECT id FROM accounts))
), grant_flows AS (
    SELECT key AS grant_id, sum(part) AS total FROM fundings WHERE key <> 'ungranted' GROUP BY key
), grant_holds AS (
    SELECT f.key AS grant_id, sum(f.value::numeric) AS held
      FROM @extschema@.credits_reservation r CROSS JOIN LATERAL jsonb_each_text(r.grants) f
     WHERE r.status = 'pending' AND r.grants IS NOT NULL AND f.key <> 'ungranted'
       AND ($1::text IS NULL OR r.account_id = $1) AND ($2::text IS NULL OR r.account_id IN (SELECT id FROM accounts))
     GROUP BY f.key
), active_grants AS (
    SELECT account_id, count(*) AS active FROM grant_rows WHERE status = 'active' GROUP BY account_id
)
SELECT a.tenant::text, a.id::text, a.external_id::text, 'balance_matches_ledger', coalesce(t.total, 0), a.balance,
       'balance differs from the sum of the ledger entries'
  FROM accounts a LEFT JOIN totals t ON t.account_id = a.id
 WHERE a.balance <> coalesce(t.total, 0)
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'entry_count', coalesce(t.entries, 0), a.entry_count,
       'entry_count differs from the number of ledger entries'
  FROM accounts a LEFT JOIN totals t ON t.account_id = a.id
 WHERE a.entry_count <> coalesce(t.entries, 0)
UNION ALL
SELECT * FROM (
    SELECT DISTINCT ON (e.account_id) a.tenant, e.account_id, a.external_id, 'ledger_chain',
           CASE WHEN e.seq <> e.position THEN e.position ELSE e.balance_before + e.amount END,
           CASE WHEN e.seq <> e.position THEN e.seq ELSE e.balance_after END,
           CASE WHEN e.seq <> e.position THEN format('entry %s is missing', e.position)
                ELSE format('entry %s: balance_after is not the previous balance plus amount', e.seq) END
      FROM entries e JOIN accounts a ON a.id = e.account_id
     WHERE e.seq <> e.position OR e.balance_after <> e.balance_before + e.amount
     ORDER BY e.account_id, e.seq) broken_chain
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'reserved_matches_holds', coalesce(h.held, 0), a.reserved,
       'reserved differs from the sum of pending reservations'
  FROM accounts a LEFT JOIN holds h ON h.account_id = a.id
 WHERE a.reserved <> coalesce(h.held, 0)
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'hold_expiry_tracked', NULL, NULL,
       format('a pending hold expires at %s but next_hold_expiry is %s', h.first_expiry,
              coalesce(a.next_hold_expiry::text, 'empty'))
  FROM accounts a JOIN holds h ON h.account_id = a.id
 WHERE h.first_expiry < coalesce(a.next_hold_expiry, 'infinity')
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'within_overdraft_limit', -a.overdraft_limit, a.balance - a.reserved,
       'available is below the negative overdraft limit'
  FROM accounts a LEFT JOIN last_decrease d ON d.account_id = a.id
 WHERE a.balance - a.reserved < -a.overdraft_limit AND NOT coalesce(d.forced, false)
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'hold_resolved_once', coalesce(r.confirmed_amount, 0), coalesce(s.debited, 0),
       format('reservation %s is %s with %s ledger entries', r.id, r.status, coalesce(s.entries, 0))
  FROM @extschema@.credits_reservation r
  JOIN accounts a ON a.id = r.account_id
  LEFT JOIN settled s ON s.reservation_id = r.id
 WHERE CASE r.status
         WHEN 'confirmed' THEN coalesce(s.entries, 0) <> 1 OR s.debited <> r.confirmed_amount
                               OR r.released_amount <> greatest(r.amount - r.confirmed_amount, 0)
         WHEN 'pending' THEN s.entries IS NOT NULL
         ELSE s.entries IS NOT NULL OR r.released_amount IS DISTINCT FROM r.amount
       END
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'reversal_within_original', abs(o.amount), abs(r.total),
       format('reversals of %s add up to %s against an original of %s', r.reverses, r.total, o.amount)
  FROM reversals r
  JOIN accounts a ON a.id = r.account_id
  LEFT JOIN @extschema@.credits_entry o ON o.account_id = r.account_id AND o.transaction_id = r.reverses
 WHERE o.amount IS NULL OR abs(r.total) > abs(o.amount) OR sign(r.total) = sign(o.amount)
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'funding_adds_up', x.amount, x.funded,
       format('entry %s records grants adding up to %s', x.seq, x.funded)
  FROM (SELECT account_id, seq, min(amount) AS amount, sum(part) AS funded FROM fundings GROUP BY account_id, seq) x
  JOIN accounts a ON a.id = x.account_id
 WHERE x.amount <> x.funded
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'grant_matches_ledger', coalesce(f.total, 0), g.remaining,
       format('grant %s: remaining differs from what the ledger gave it and took from it', g.id)
  FROM grant_rows g
  JOIN accounts a ON a.id = g.account_id
  LEFT JOIN grant_flows f ON f.grant_id = g.id
 WHERE g.remaining <> coalesce(f.total, 0)
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'grant_held_matches_holds', coalesce(h.held, 0), g.held,
       format('grant %s: held differs from what pending reservations hold of it', g.id)
  FROM grant_rows g
  JOIN accounts a ON a.id = g.account_id
  LEFT JOIN grant_holds h ON h.grant_id = g.id
 WHERE g.held <> coalesce(h.held, 0)
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'grant_state', NULL, NULL,
       format('grant %s is %s with amount %s, remaining %s, held %s', g.id, g.status, g.amount, g.remaining, g.held)
  FROM grant_rows g
  JOIN accounts a ON a.id = g.account_id
 WHERE g.held < 0 OR g.held > g.remaining OR g.remaining > g.amount OR (g.status = 'active') <> (g.remaining > 0)
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'grant_count', coalesce(c.active, 0), a.grant_count,
       'grant_count differs from the number of active grants'
  FROM accounts a LEFT JOIN active_grants c ON c.account_id = a.id
 WHERE a.grant_count <> coalesce(c.active, 0)
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'grant_expiry_tracked', NULL, NULL,
       format('grant %s expires at %s but next_grant_expiry is %s', g.id, g.expires_at,
              coalesce(a.next_grant_expiry::text, 'empty'))
  FROM grant_rows g
  JOIN accounts a ON a.id = g.account_id
 WHERE g.status = 'active' AND g.remaining > g.held AND g.expires_at < coalesce(a.next_grant_expiry, 'infinity')
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'account_key', @extschema@.credits_account_key(a.tenant, a.external_id),
       a.account_key, 'the account key is not the one of its tenant and external_id'
  FROM accounts a
 WHERE a.account_key <> @extschema@.credits_account_key(a.tenant, a.external_id)
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'account_key', a.account_key, k.account_key,
       format('%s rows of %s carry another account key', k.rows, k.relation)
  FROM accounts a
  JOIN (SELECT account_id, account_key, 'credits_entry' AS relation, count(*) AS rows FROM entries
         GROUP BY account_id, account_key
        UNION ALL
        SELECT account_id, account_key, 'credits_reservation', count(*) FROM @extschema@.credits_reservation
         WHERE account_id IN (SELECT id FROM accounts) GROUP BY account_id, account_key
        UNION ALL
        SELECT account_id, account_key, 'credits_grant', count(*) FROM grant_rows GROUP BY account_id, account_key
        UNION ALL
        SELECT account_id, account_key, 'credits_subscription', count(*) FROM @extschema@.credits_subscription
         WHERE account_id IN (SELECT id FROM accounts) GROUP BY account_id, account_key
        UNION ALL
        SELECT account_id, account_key, 'credits_status_change', count(*) FROM @extschema@.credits_status_change
         WHERE account_id IN (SELECT id FROM accounts) GROUP BY account_id, account_key) k
    ON k.account_id = a.id AND k.account_key <> a.account_key
UNION ALL
SELECT NULL, e.account_id, NULL, 'entry_has_account', NULL, NULL,
       format('%s ledger entries belong to no account', count(*))
  FROM entries e
 WHERE NOT EXISTS (SELECT 1 FROM @extschema@.credits_account a WHERE a.id = e.account_id)
 GROUP BY e.account_id
UNION ALL
-- A watched account's alert state is what its stored available says
-- (evaluated at every write of it).
SELECT a.tenant, a.id, a.external_id, 'alert_state', t.threshold, a.balance - a.reserved,
       format('threshold %s is %s but available is %s', t.threshold,
              CASE WHEN t.alarm THEN 'in alarm' ELSE 'ok' END, a.balance - a.reserved)
  FROM accounts a
  JOIN @extschema@.credits_alert al ON al.account_id = a.id AND al.account_key = a.account_key
 CROSS JOIN LATERAL unnest(al.thresholds || CASE WHEN al.depleted_alert THEN 0::numeric END,
                           al.in_alarm || CASE WHEN al.depleted_alert THEN al.depleted END) t (threshold, alarm)
 WHERE a.watched AND t.threshold IS NOT NULL AND t.alarm IS DISTINCT FROM (a.balance - a.reserved <= t.threshold)
UNION ALL
-- An account's outstanding auto-reload request is its one pending request.
SELECT a.tenant, a.id, a.external_id, 'reload_pending', NULL, NULL,
       format('the outstanding request is %s, the pending ones %s', coalesce(al.reload_pending, 'none'),
              coalesce(p.ids, 'none'))
  FROM accounts a
  JOIN @extschema@.credits_alert al ON al.account_id = a.id AND al.account_key = a.account_key
  LEFT JOIN (SELECT account_id, string_agg(id, ', ') AS ids FROM @extschema@.credits_reload_request
              WHERE status = 'pending' AND ($1::text IS NULL OR account_id = $1)
                AND ($2::text IS NULL OR account_id IN (SELECT id FROM accounts))
              GROUP BY account_id) p ON p.account_id = a.id
 WHERE al.reload_pending IS DISTINCT FROM p.ids
UNION ALL
SELECT a.tenant, a.id, a.external_id, 'usage_rollup', coalesce(u.records, 0), coalesce(r.records, 0),
       format('the rollup of %s from %s (model %s, usage_type %s, endpoint %s, context %s) differs from its %s records',
              coalesce(r.span, u.span), coalesce(r.bucket, u.bucket), coalesce(r.model, u.model), coalesce(r.usage_type, u.usage_type),
              coalesce(r.endpoint, u.endpoint), coalesce(r.context, u.context), coalesce(u.records, 0))
  FROM (SELECT * FROM @extschema@.credits_usage_rollup
         WHERE ($1::text IS NULL OR account_id = $1) AND ($2::text IS NULL OR account_id IN (SELECT id FROM accounts))) r
  FULL JOIN (
        SELECT account_id, s.span, date_bin(s.span, occurred_at, '2000-01-01 00:00:00+00') AS bucket,
               coalesce(model, '') AS model,
               usage_type, coalesce(endpoint, '') AS endpoint, context, count(*) AS records, sum(requests) AS requests,
               sum(requests) FILTER (WHERE success) AS successful_requests,
               sum(requests) FILTER (WHERE NOT success) AS failed_requests, sum(input_tokens) AS input_tokens,
               sum(cached_input_tokens) AS cached_input_tokens, sum(cache_write_tokens) AS cache_write_tokens,
               sum(output_tokens) AS output_tokens, sum(reasoning_tokens) AS reasoning_tokens, sum(units) AS units,
               coalesce(sum(cost), 0) AS cost, coalesce(sum(charged), 0) AS charged
          FROM @extschema@.credits_usage_record
         CROSS JOIN (VALUES (interval '15 minutes'), (interval '1 day')) s (span)
         WHERE ($1::text IS NULL OR account_id = $1) AND ($2::text IS NULL OR account_id IN (SELECT id FROM accounts))
         GROUP BY 1, 2, 3, 4, 5, 6, 7) u
    ON u.account_id = r.account_id AND u.span = r.span AND u.bucket = r.bucket AND u.model = r.model AND u.usage_type = r.usage_type
   AND u.endpoint = r.endpoint AND u.context = r.context
  JOIN accounts a ON a.id = coalesce(r.account_id, u.account_id)
 WHERE (r.records, r.requests, r.successful_requests, r.failed_requests, r.input_tokens, r.cached_input_tokens,
        r.cache_write_tokens, r.output_tokens, r.reasoning_tokens, r.units, r.cost, r.charged)
       IS DISTINCT FROM
       (u.records, u.requests, coalesce(u.successful_requests, 0), coalesce(u.failed_requests, 0), u.input_tokens,
        u.cached_input_tokens, u.cache_write_tokens, u.output_tokens, u.reasoning_tokens, u.units, u.cost, u.charged)
   -- what credits_prune_usage() took is in the rollups only
   AND coalesce(r.bucket, u.bucket) >= coalesce((SELECT h.pruned_before FROM @extschema@.credits_usage_horizon h
                                                  WHERE h.tenant = a.tenant), '-infinity')
)SQL",
                        2,
                        {TEXTOID, TEXTOID}};

// A two-sided transaction (a transfer, or its reversal) has exactly two
// legs that add up to zero. On Citus the legs may be on two shards: this
// runs through Citus, on the node the call was made on. $1: one account (an
// id or an external_id; with $2), or NULL; $2: their tenant, or NULL.
spi::Statement transfer_findings{R"SQL(
SELECT a.tenant::text, a.id::text, a.external_id::text, 'transfer_balanced', 0::numeric, t.net,
       format('transaction %s has %s legs adding up to %s', t.transaction_id, t.legs, t.net)
  FROM (SELECT e.transaction_id, count(*) AS legs, sum(e.amount) AS net, min(e.account_id) AS account_id
          FROM @extschema@.credits_entry e
         WHERE e.counterparty_id IS NOT NULL
           AND ($1::text IS NULL OR e.transaction_id IN (
                SELECT x.transaction_id FROM @extschema@.credits_entry x
                  JOIN @extschema@.credits_account a ON a.id = x.account_id AND a.account_key = x.account_key
                 WHERE a.tenant = $2 AND (a.id = $1 OR a.external_id = $1)))
           AND ($2::text IS NULL OR e.transaction_id IN (
                SELECT x.transaction_id FROM @extschema@.credits_entry x
                  JOIN @extschema@.credits_account a ON a.id = x.account_id AND a.account_key = x.account_key
                 WHERE a.tenant = $2))
         GROUP BY e.transaction_id) t
  JOIN @extschema@.credits_account a ON a.id = t.account_id
 WHERE t.legs <> 2 OR t.net <> 0
)SQL",
                                 2,
                                 {TEXTOID, TEXTOID}};

// What a call checks: one account of this tenant, every account of this
// tenant, or (for a role bound to no tenant) every account.
struct Scope {
    std::optional<std::string_view> account;
    bool all_tenants;
    std::optional<std::string_view> tenant;  // nullopt: every tenant
};

Scope scope_of(FunctionCallInfo fcinfo) {
    Scope scope{args::reference(fcinfo, 0, "account"), args::given(fcinfo, 1) && PG_GETARG_BOOL(1), std::nullopt};
    if (scope.account && scope.all_tenants)
        fail(sqlstate::invalid_parameter, "pass either account or all_tenants",
             "all_tenants => true checks every account of every tenant.");
    if (scope.all_tenants) tenants::require_unbound("credits_verify(all_tenants => true)");
    else scope.tenant = tenants::current();
    return scope;
}

void add_transfer_findings(FunctionCallInfo fcinfo, std::optional<std::string_view> account,
                           std::optional<std::string_view> tenant) {
    spi::run(transfer_findings, spi::Params().add_text(account).add_text(tenant));
    results::append_rows(fcinfo);
}

}  // namespace

// credits_verify(account, all_tenants): one account of this tenant, every
// account of this tenant, or (for a role bound to no tenant) every account.
// On Citus this runs on one shard (verify_everywhere() puts them together).
CREDITS_FUNCTION(credits_verify) {
    Scope scope = scope_of(fcinfo);
    spi::begin(fcinfo);
    std::optional<std::string_view> id;
    if (scope.account) id = std::string_view(find_account_id(*scope.account));
    spi::run(findings, spi::Params().add_text(id).add_text(scope.tenant));
    results::materialize_rows(fcinfo);
    if (!cluster::distributed()) add_transfer_findings(fcinfo, id, scope.tenant);
    spi::end();
    return (Datum)0;
}

namespace credits {

// On Citus: the account's shard, or every shard, then the transfers, whose
// legs may be on two shards.
Datum verify_everywhere(FunctionCallInfo fcinfo) {
    Scope scope = scope_of(fcinfo);
    routing::Arguments args = routing::arguments_of(fcinfo);
    InitMaterializedSRF(fcinfo, 0);
    spi::begin(fcinfo);
    std::optional<std::string_view> account;
    if (scope.account) {
        account = ids::has_shape(*scope.account, "acc_") ? args::cstr(ids::canonical(*scope.account).view())
                                                         : *scope.account;
        routing::call_twin(fcinfo, "credits_verify", routing::account_key_of(fcinfo, scope.account), scope.tenant,
                           args.values, args.nulls);
        results::append_rows(fcinfo);
    } else {
        for (int group = 0; group < cluster::group_count(); group++) {
            routing::call_twin(fcinfo, "credits_verify", cluster::key_in_group(group), scope.tenant, args.values,
                               args.nulls);
            results::append_rows(fcinfo);
        }
    }
    add_transfer_findings(fcinfo, account, scope.tenant);
    spi::end();
    return (Datum)0;
}

}  // namespace credits
