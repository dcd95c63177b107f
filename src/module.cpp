// Library entry point: configuration and transaction hooks.
#include "clock.h"
#include "events.h"
#include "cluster.h"
#include "settings.h"
#include "tenants.h"
#include "spi.h"
#include "sql_writes.h"
#include "worker.h"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
}

namespace {

// What a call that an error ended had set up for itself.
void forget_calls_from(SubTransactionId subxact) {
    credits::spi::forget_calls_from(subxact);
    credits::cluster::forget_group_from(subxact);
    credits::tenants::forget_acting_from(subxact);
    credits::clock::forget_from(subxact);
    credits::sql_writes::forget();
}

void on_xact(XactEvent event, void *) {
    switch (event) {
        case XACT_EVENT_PRE_COMMIT: credits::events::on_commit(false); break;
        case XACT_EVENT_PRE_PREPARE: credits::events::on_commit(true); break;
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PARALLEL_ABORT:
            forget_calls_from(TopSubTransactionId);
            credits::events::forget();
            break;
        default: break;
    }
}

void on_subxact(SubXactEvent event, SubTransactionId subxact, SubTransactionId, void *) {
    if (event == SUBXACT_EVENT_ABORT_SUB) forget_calls_from(subxact);
}

}  // namespace

void _PG_init(void) {
    credits::settings::define();
    MarkGUCPrefixReserved("credits");
    RegisterXactCallback(on_xact, nullptr);
    RegisterSubXactCallback(on_subxact, nullptr);
    credits::worker::register_if_preloaded();
}
