// Library entry point: configuration and transaction hooks.
#include "settings.h"
#include "spi.h"
#include "worker.h"

extern "C" {
PG_MODULE_MAGIC;

void _PG_init(void);
}

namespace {

void on_xact(XactEvent event, void *) {
    if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT)
        credits::spi::forget_calls_from(TopSubTransactionId);
}

void on_subxact(SubXactEvent event, SubTransactionId subxact, SubTransactionId, void *) {
    if (event == SUBXACT_EVENT_ABORT_SUB) credits::spi::forget_calls_from(subxact);
}

}  // namespace

void _PG_init(void) {
    credits::settings::define();
    MarkGUCPrefixReserved("credits");
    RegisterXactCallback(on_xact, nullptr);
    RegisterSubXactCallback(on_subxact, nullptr);
    credits::worker::register_if_preloaded();
}
