/* expect: table: parts.count: no partitions */
/* A table with no partition at all. */
#include "bulkhead/ptable.h"

const struct partition_table partition_table = {
    .layout = "test",
    .parts = {.count = 0},
};
