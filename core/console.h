/* The hypervisor's console: whole log lines to COM1, one CPU at a time. */
#ifndef BULKHEAD_CORE_CONSOLE_H
#define BULKHEAD_CORE_CONSOLE_H

#include "bulkhead/types.h"

/* console_write() is declared in core/log.h. */

/* Called on a fatal path (a trap in Bulkhead): if this CPU holds the console lock or waits for
 * it, give it up, so that the report can still be printed and no other CPU waits for ever. */
void console_trap_release(void);

#ifdef HOST_TEST
/* The unit test takes its "trap" here, while a CPU waits its turn (tests/unit/test_console.c). */
void console_test_waiting(void);
#endif

#endif
