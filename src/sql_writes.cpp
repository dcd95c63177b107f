#include "sql_writes.h"

namespace credits::sql_writes {

namespace {
const char *const *permitted_tables = nullptr;
int permitted_count = 0;
}  // namespace

void permit(const char *const *tables, int count) {
    permitted_tables = tables;
    permitted_count = count;
}

void end() { forget(); }

void forget() {
    permitted_tables = nullptr;
    permitted_count = 0;
}

bool permitted(const char *table) {
    for (int i = 0; i < permitted_count; i++)
        if (strcmp(table, permitted_tables[i]) == 0) return true;
    return false;
}

}  // namespace credits::sql_writes
