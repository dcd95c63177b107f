# credits: PostgreSQL extension built with PGXS.
#
#   make            build the library
#   make install    install it into the PostgreSQL found by pg_config
#   make demo       set up what is missing, build, install, run the quick start
#   make test       set up what is missing, build, install, run every test
#   make bench      run the pgbench benchmarks (bench/README.md)
#   make bench-usage  usage summaries against GROUP BY over 1,000,000 records
#   make bench-alerts  debits that cross low-balance thresholds, in detail
#   make bench-feed   claiming and acknowledging 200,000 events
#   make deb        the Debian package postgresql-15-credits, into build/deb/

EXTENSION = credits
MODULE_big = credits

SOURCES = \
	src/account_functions.cpp \
	src/accounts.cpp \
	src/alert_functions.cpp \
	src/alerts.cpp \
	src/amount.cpp \
	src/args.cpp \
	src/batch_functions.cpp \
	src/citus_views.cpp \
	src/clock.cpp \
	src/cluster.cpp \
	src/ddl_guard.cpp \
	src/distribute.cpp \
	src/event_functions.cpp \
	src/events.cpp \
	src/grants.cpp \
	src/guard.cpp \
	src/ids.cpp \
	src/ledger.cpp \
	src/ledger_functions.cpp \
	src/lifecycle.cpp \
	src/module.cpp \
	src/movement_functions.cpp \
	src/ops.cpp \
	src/plan_functions.cpp \
	src/plans.cpp \
	src/price_functions.cpp \
	src/pricing.cpp \
	src/reservation_functions.cpp \
	src/reservations.cpp \
	src/results.cpp \
	src/roles.cpp \
	src/routing.cpp \
	src/scheduler.cpp \
	src/settings.cpp \
	src/spi.cpp \
	src/sql_writes.cpp \
	src/tables.cpp \
	src/tenants.cpp \
	src/transfers.cpp \
	src/triggers.cpp \
	src/usage.cpp \
	src/usage_args.cpp \
	src/usage_functions.cpp \
	src/usage_reports.cpp \
	src/verify.cpp \
	src/worker.cpp \
	src/write_rules.cpp
OBJS = $(SOURCES:.cpp=.o)

DATA = \
	credits--0.1.0.sql \
	credits--0.1.0--0.2.0.sql \
	credits--0.2.0--0.3.0.sql \
	credits--0.3.0--0.4.0.sql \
	credits--0.4.0--0.5.0.sql \
	credits--0.5.0--0.6.0.sql \
	credits--0.6.0--0.7.0.sql \
	credits--0.7.0--0.8.0.sql \
	credits--0.8.0--0.9.0.sql

REGRESS = accounts credit_debit idempotency ledger tenants verify reservations transfers reversals lifecycle batch \
	grants plans upgrade toast write_contract bindings access bad_input planted usage pricing \
	usage_summary usage_random alerts events listing comments
ISOLATION = concurrent_debits idempotency_race debit_vs_freeze reserve_race reserve_vs_debit confirm_vs_cancel \
	confirm_vs_expiry transfer_deadlock reverse_vs_debit batch_vs_single debit_vs_expiry double_renewal tenant_lock \
	charge_race charge_vs_confirm record_usage_race alert_race reload_race complete_reload_race event_order
ISOLATION_OPTS = --inputdir=test

# PostgreSQL 15 from Debian; any pg_config when that one is not there.
PG_CONFIG ?= $(firstword $(wildcard /usr/lib/postgresql/15/bin/pg_config) pg_config)
# PostgreSQL's headers are system headers to us: our warnings are errors, theirs are not ours.
PG_CPPFLAGS = -I$(srcdir)/src -isystem $(includedir_server)
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Werror -MMD -MP
SHLIB_LINK = -lstdc++

# The JIT bitcode gains nothing for functions that run SPI, and Debian's
# clang would need the C++ flags again: build none.
override with_llvm = no

EXTRA_CLEAN = $(SOURCES:.cpp=.d) results/ regression.diffs regression.out output_iso/ tmp_check*/

# Until `make deps` has installed the server headers there is no PGXS; the
# demo and test targets call it first, then run make again.
PGXS := $(shell $(PG_CONFIG) --pgxs 2>/dev/null)
ifneq ($(PGXS),)
include $(PGXS)
endif

-include $(SOURCES:.cpp=.d)

.PHONY: deps demo test bench

FSYNC ?= on

deps:
	scripts/install-deps.sh

demo: deps
	$(MAKE) all
	scripts/as-root.sh $(MAKE) install
	scripts/with-cluster.sh psql -X -a -f demo/quickstart.sql

test: deps
	$(MAKE) all
	scripts/as-root.sh $(MAKE) install
	scripts/with-cluster.sh scripts/run-tests.sh
	test/worker/run.sh
	test/replication/run.sh
	test/standby/run.sh
	test/deb/run.sh

bench: deps
	$(MAKE) all
	scripts/as-root.sh $(MAKE) install
	CLUSTER_OPTS="-o fsync=$(FSYNC)" scripts/with-cluster.sh bench/run.sh

# credits_usage_summary (rollups) against the same GROUP BY over 1,000,000
# usage records of one account in one month (bench/usage_summary.sh).
.PHONY: bench-usage
bench-usage: deps
	$(MAKE) all
	scripts/as-root.sh $(MAKE) install
	CLUSTER_OPTS="-o fsync=$(FSYNC)" scripts/with-cluster.sh bench/usage_summary.sh

# Debits that cross a low-balance threshold, with alerts, auto-reload, both
# or neither, at 1 and 8 clients, with credits.notify on and off
# (bench/alerts.sh).
.PHONY: bench-alerts
bench-alerts: deps
	$(MAKE) all
	scripts/as-root.sh $(MAKE) install
	CLUSTER_OPTS="-o fsync=$(FSYNC)" scripts/with-cluster.sh bench/alerts.sh

# An event consumer claiming and acknowledging 200,000 events in batches
# (bench/feed.sh).
.PHONY: bench-feed
bench-feed: deps
	$(MAKE) all
	scripts/as-root.sh $(MAKE) install
	CLUSTER_OPTS="-o fsync=$(FSYNC)" scripts/with-cluster.sh bench/feed.sh

# credits on a local Citus cluster (scripts/test-citus.sh), after building
# Citus when it is not installed.
CITUS_BUILD ?= ../shared/vendor/citus/build.sh
.PHONY: test-citus
test-citus: deps
	[ -f "$$($(PG_CONFIG) --pkglibdir)/citus.so" ] || scripts/as-root.sh $(CITUS_BUILD) $(PG_CONFIG)
	$(MAKE) all
	scripts/as-root.sh $(MAKE) install
	scripts/test-citus.sh

# credits on Citus against one server: debits through the coordinator and
# called on the workers, against the same debit on a single server
# (bench/citus.sh), after building Citus when it is not installed.
.PHONY: bench-citus
bench-citus: deps
	[ -f "$$($(PG_CONFIG) --pkglibdir)/citus.so" ] || scripts/as-root.sh $(CITUS_BUILD) $(PG_CONFIG)
	$(MAKE) all
	scripts/as-root.sh $(MAKE) install
	FSYNC=$(FSYNC) bench/citus.sh

# The Debian package postgresql-15-credits (debian/, pg_buildext), built from
# a clean copy of the tree into build/deb/ (scripts/build-deb.sh), after
# installing what the build needs.
.PHONY: deb
deb:
	scripts/install-deb-deps.sh
	scripts/build-deb.sh
