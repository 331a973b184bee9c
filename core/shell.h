/* The hypervisor's shell on the console (when the console's focus is on it; core/conmux.h).
 * A command runs when Enter is typed; the command line is shown then, as "bulkhead> <line>",
 * so that partitions' lines keep flowing whole while it is typed. Commands: help, list,
 * stats, devices, stop <p>, start <p>, restart <p>, log <level>|bulkhead|<p>, focus-only,
 * mem, version, reboot. docs/console.md. */
#ifndef BULKHEAD_CORE_SHELL_H
#define BULKHEAD_CORE_SHELL_H

#include "bulkhead/types.h"

#define SHELL_LINE 80

void shell_input(u8 c);
/* Run one command line (also for tests). */
void shell_run(const char *line);
/* The keyboard goes elsewhere: a question the shell asked (reboot's) is no longer pending, and
 * a line half typed is dropped. */
void shell_cancel_pending(void);
/* "42s", "3m05s", "2h07m", "5d03h": a duration for list. */
void shell_format_duration(u64 seconds, char *buf, size_t size);

#endif
