#!/bin/sh
# A hot standby, streaming from a server of its own: what only reads works
# there (balances, ledgers, views, usage listings, summaries, quotes, the
# account summary, credits_verify, the event feed and claiming it), and
# everything that writes is refused with 25006 before it does anything.
set -eu
cd "$(dirname "$0")/../.."

if [ -z "${CREDITS_STANDBY_CLUSTER:-}" ]; then
    CREDITS_STANDBY_CLUSTER=1 exec scripts/with-cluster.sh "$0"
fi

export PGDATABASE=postgres
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
bin=$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)
[ -x "$bin/pg_ctl" ] || bin=/usr/lib/postgresql/15/bin

psql -X -q -o /dev/null -v ON_ERROR_STOP=1 <<'SQL'
CREATE EXTENSION credits;
SELECT credits_create_account('alice', initial_balance => 100);
SELECT credits_set_price('gpt', input_price => 1, per_tokens => 1000, effective_from => now() - interval '1 day');
SELECT credits_charge('alice', 'gpt', input_tokens => 3000, endpoint => '/v1/chat', idempotency_key => 'c1');
SELECT credits_record_usage('alice', 'gpt', input_tokens => 5, success => false);
SELECT credits_set_alerts('alice', '{95}');
SELECT credits_reserve('alice', 10);
SELECT credits_create_consumer('hooks');
SQL

dir=$(mktemp -d)
chmod 755 "$dir"
chown postgres "$dir" 2>/dev/null || true
port=$((PGPORT + 1))
cleanup() {
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
}
trap cleanup EXIT
as_pg env PGPASSWORD="${PGPASSWORD:-}" "$bin/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" \
    -D "$dir/data" -R -X stream -c fast
# Debian keeps a cluster's configuration outside its data directory: the
# copy gets a minimal one of its own.
as_pg sh -c "echo 'local all all trust' > '$dir/data/pg_hba.conf'; : > '$dir/data/pg_ident.conf';
             : > '$dir/data/postgresql.conf'"
if ! as_pg "$bin/pg_ctl" -D "$dir/data" -o "-p $port -k $dir -c hot_standby=on" -l "$dir/log" -w start >/dev/null; then
    cat "$dir/log"
    exit 1
fi

standby() { psql -X -q -A -t -h "$dir" -p "$port" -v ON_ERROR_STOP=1 -c "$1"; }
check() {
    if [ "$(standby "$2")" = t ]; then echo "ok - $1"; else echo "not ok - $1"; exit 1; fi
}
refused() {
    err=$(psql -X -q -h "$dir" -p "$port" -v ON_ERROR_STOP=1 -v VERBOSITY=sqlstate -c "$2" 2>&1 >/dev/null || true)
    if [ "$err" = "ERROR:  25006" ]; then echo "ok - $1"; else echo "not ok - $1 (got: ${err:-no error})"; exit 1; fi
}

i=0
until [ "$(standby "SELECT pg_is_in_recovery() AND EXISTS (SELECT FROM pg_extension WHERE extname = 'credits')" 2>/dev/null)" = t ]; do
    i=$((i + 1))
    [ $i -lt 60 ] || { echo "not ok - the standby is up (timed out)"; cat "$dir/log"; exit 1; }
    sleep 0.5
done
echo "ok - the standby is up and in recovery"

check "credits_get_account and credits_balance" \
    "SELECT (SELECT balance FROM credits_get_account('alice')) = (SELECT balance FROM credits_balance('alice'))"
check "credits_ledger" "SELECT count(*) = 2 FROM credits_ledger('alice')"
check "the views" "SELECT (SELECT count(*) FROM credits_accounts) = 1 AND (SELECT count(*) FROM credits_entries) = 2
                     AND (SELECT count(*) FROM credits_reservations) = 1 AND (SELECT count(*) FROM credits_usage) = 2
                     AND (SELECT count(*) FROM credits_prices) = 1"
check "credits_list_usage" "SELECT count(*) = 2 FROM credits_list_usage('alice')"
check "credits_usage_summary" \
    "SELECT total_requests = 2 AND failed_requests = 1 AND credits_charged = 3 FROM credits_usage_summary('alice', 'day')"
check "credits_account_summary" \
    "SELECT total_requests = 2 AND (usage_this_month->>'records')::int = 2 FROM credits_account_summary('alice')"
check "credits_quote" "SELECT cost = 2 AND amount = 2 FROM credits_quote('alice', 'gpt', input_tokens => 2000)"
check "credits_verify" "SELECT count(*) = 0 FROM credits_verify()"
check "the event feed and credits_claim_events" \
    "SELECT (SELECT count(*) FROM credits_events) = 1 AND (SELECT type FROM credits_claim_events('hooks')) = 'balance.low'
        AND (SELECT count(*) FROM credits_alerts) = 1"

refused "credits_debit is refused" "SELECT credits_debit('alice', 1)"
refused "credits_charge is refused" "SELECT credits_charge('alice', 'gpt', input_tokens => 1)"
refused "credits_record_usage is refused" "SELECT credits_record_usage('alice', 'gpt')"
refused "credits_create_account is refused" "SELECT credits_create_account('bob')"
refused "credits_set_price is refused" "SELECT credits_set_price('other', input_price => 1)"
refused "credits_prune_usage is refused" "SELECT credits_prune_usage(now() - interval '40 days')"
refused "credits_set_alerts is refused" "SELECT credits_set_alerts('alice', '{1}')"
refused "credits_ack_events is refused" "SELECT credits_ack_events('hooks', (SELECT id FROM credits_events))"
refused "credits_create_consumer is refused" "SELECT credits_create_consumer('other')"
refused "credits_apply is refused" "SELECT * FROM credits_apply('[{\"op\": \"debit\", \"account\": \"alice\", \"amount\": 1}]')"
