#!/bin/sh
# Runs the benchmarks against the cluster in the environment (PGHOST etc.):
# each credits workload and its raw-SQL baseline, alternating, in one run.
#   DURATION  seconds per pgbench run (default 15)
#   ROUNDS    alternations of each pair (default 3); the median is kept
#   CLIENTS   pgbench clients (default 8)
set -eu
cd "$(dirname "$0")"
DURATION=${DURATION:-15}
ROUNDS=${ROUNDS:-3}
CLIENTS=${CLIENTS:-8}

psql -X -q -f setup.sql >/dev/null
psql -X -q -f usage_setup.sql >/dev/null

. ./lib.sh

printf '%-32s %12s %12s %8s\n' "workload (per second)" credits raw-SQL ratio
compare "debits, 10,000 accounts" credits_debit.sql "$CLIENTS" 1 baseline_debit.sql
# A charge prices, debits and records usage (with its rollup) in one call,
# against the same debit in raw SQL; then with an idempotency key per call.
compare "charges, 10,000 accounts" credits_charge.sql "$CLIENTS" 1 baseline_debit.sql
compare "charges with a key each" credits_charge_key.sql "$CLIENTS" 1 baseline_debit.sql
# A usage record (and its rollup) against one INSERT into a plain table with
# credits_usage_record's columns and indexes.
compare "usage records, 10,000 accounts" credits_record_usage.sql "$CLIENTS" 1 baseline_usage_insert.sql
compare "debits, one hot account" credits_debit_hot.sql "$CLIENTS" 1 baseline_debit_hot.sql
# Two transactions per cycle, as an application makes them, against one debit.
compare "reserve+confirm cycles" credits_reserve_confirm.sql "$CLIENTS" 1 baseline_debit.sql
# One client sending batches to the hot account, against single debits on it.
for size in 1 10 100 1000 8000; do
    compare "debits in batches of $size" "credits_apply_$size.sql" 1 "$size" baseline_debit_hot.sql
done
# Debits on accounts with active grants, against debits on accounts with none.
printf '%-32s %12s %12s %8s\n' "grants (per second)" credits no-grants ratio
compare "debits, 10 grants per account" credits_debit_grants_10.sql "$CLIENTS" 1 credits_debit_grants_0.sql
compare "debits, 100 grants per account" credits_debit_grants_100.sql "$CLIENTS" 1 credits_debit_grants_0.sql
# A debit that crosses a low-balance threshold with alerts and auto-reload
# set, then the reload's completion crediting the account back above it
# (four events, one reload request), against a debit and a credit of the same
# amount on accounts with no settings (bench/alerts_setup.sql; bench/alerts.sh
# breaks it down).
psql -X -q -f alerts_setup.sql >/dev/null
printf '%-32s %12s %12s %8s\n' "alerts (pairs per second)" crossing plain ratio
compare "debit+reload, both crossing" credits_debit_crossing.sql "$CLIENTS" 1 credits_debit_plain_pair.sql
psql -X -q -c "SELECT count(*) AS verify_findings FROM credits_verify(all_tenants => true)"
