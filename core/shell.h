/* The hypervisor's shell on COM1 (when the console's focus is on it; core/conmux.h). A
 * command runs when Enter is typed; the command line is shown then, as "bulkhead> <line>",
 * so that partitions' lines keep flowing whole while it is typed. Commands: help, list,
 * stats, stop <p>, start <p>, restart <p>, log <level>, mem, version. docs/console.md. */
#ifndef BULKHEAD_CORE_SHELL_H
#define BULKHEAD_CORE_SHELL_H

#include "bulkhead/types.h"

#define SHELL_LINE 80

void shell_input(u8 c);
/* Run one command line (also for tests). */
void shell_run(const char *line);

#endif
