// The background worker: every credits.scheduler_interval seconds it runs
// credits_run_due() in credits.scheduler_database (on Citus, on the
// coordinator only: there it runs on every shard). An error is logged and
// the next round goes on; SIGTERM stops it cleanly (and the postmaster
// starts it again unless the server is shutting down); SIGHUP rereads the
// settings, and a changed database makes it exit so that the postmaster
// starts it again there (with none set, it waits for one). C-style on
// purpose: it is called by PostgreSQL, not through the guard, and calls the
// extension only through SQL.
#include "worker.h"

#include "cluster.h"
#include "guard.h"
#include "settings.h"
#include "tables.h"

extern "C" {
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/tcopprot.h"
#include "utils/snapmgr.h"
#include "utils/wait_event.h"

PGDLLEXPORT void credits_scheduler_main(Datum);
}

namespace {

// On Citus the coordinator's scheduler does every shard's due work, each on
// its node: a worker's has nothing to do. (C++ exceptions stop here.)
bool coordinator_does_it() {
    credits::Error caught;
    try {
        return credits::cluster::distributed() && credits::cluster::on_worker();
    } catch (...) {
        caught = credits::current_error();
    }
    credits::raise(caught);
}

// One round in its own transaction; the extension's schema is found each
// time (in the catalog, not with SQL that a planted function could capture:
// the worker is a superuser), so installing, moving or dropping the
// extension needs no restart.
void run_once() {
    MemoryContext context = CurrentMemoryContext;
    SetCurrentStatementStartTimestamp();
    StartTransactionCommand();
    SPI_connect();
    PushActiveSnapshot(GetTransactionSnapshot());
    pgstat_report_activity(STATE_RUNNING, "credits_run_due()");
    Oid schema = credits::tables::installed_schema();
    if (OidIsValid(schema) && !coordinator_does_it()) {
        char *query = psprintf("SELECT * FROM %s.credits_run_due(%d)", quote_identifier(get_namespace_name(schema)),
                               credits::settings::scheduler_batch());
        int rc = SPI_execute(query, false, 0);
        if (rc == SPI_OK_SELECT && SPI_processed == 1) {
            HeapTuple row = SPI_tuptable->vals[0];
            TupleDesc desc = SPI_tuptable->tupdesc;
            elog(DEBUG1, "credits scheduler: %s reservations expired, %s grants expired, %s plans renewed",
                 SPI_getvalue(row, desc, 1), SPI_getvalue(row, desc, 2), SPI_getvalue(row, desc, 3));
        }
    }
    SPI_finish();
    PopActiveSnapshot();
    CommitTransactionCommand();
    pgstat_report_activity(STATE_IDLE, nullptr);
    MemoryContextSwitchTo(context);
}

}  // namespace

void credits_scheduler_main(Datum) {
    pqsignal(SIGHUP, SignalHandlerForConfigReload);
    pqsignal(SIGTERM, die);
    BackgroundWorkerUnblockSignals();
    char *database = pstrdup(credits::settings::scheduler_database());
    if (database[0] != '\0') BackgroundWorkerInitializeConnection(database, nullptr, 0);
    // Its SQL names everything with its schema; nothing else may resolve
    // through a search_path that the database's owner or users could set.
    SetConfigOption("search_path", "pg_catalog, pg_temp", PGC_SUSET, PGC_S_OVERRIDE);
    pgstat_report_appname("credits scheduler");
    MemoryContext context = CurrentMemoryContext;

    for (;;) {
        (void)WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
                        credits::settings::scheduler_interval() * 1000L, PG_WAIT_EXTENSION);
        ResetLatch(MyLatch);
        CHECK_FOR_INTERRUPTS();
        if (ConfigReloadPending) {
            ConfigReloadPending = false;
            ProcessConfigFile(PGC_SIGHUP);
            // Exit code 1: the postmaster starts the worker again, in the new database.
            if (strcmp(database, credits::settings::scheduler_database()) != 0) proc_exit(1);
        }
        if (database[0] == '\0') continue;
        PG_TRY();
        {
            run_once();
        }
        PG_CATCH();
        {
            // Log it and carry on with the next round.
            MemoryContextSwitchTo(context);
            EmitErrorReport();
            FlushErrorState();
            AbortCurrentTransaction();
            pgstat_report_activity(STATE_IDLE, nullptr);
        }
        PG_END_TRY();
    }
}

namespace credits::worker {

void register_if_preloaded() {
    if (!process_shared_preload_libraries_in_progress) return;
    BackgroundWorker worker;
    memset(&worker, 0, sizeof(worker));
    snprintf(worker.bgw_name, BGW_MAXLEN, "credits scheduler");
    snprintf(worker.bgw_type, BGW_MAXLEN, "credits scheduler");
    worker.bgw_flags = BGWORKER_SHMEM_ACCESS | BGWORKER_BACKEND_DATABASE_CONNECTION;
    worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
    worker.bgw_restart_time = 5;
    snprintf(worker.bgw_library_name, BGW_MAXLEN, "credits");
    snprintf(worker.bgw_function_name, BGW_MAXLEN, "credits_scheduler_main");
    RegisterBackgroundWorker(&worker);
}

}  // namespace credits::worker
