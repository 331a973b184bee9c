/* The hypervisor's console: whole log lines to COM1, one CPU at a time. */
#ifndef BULKHEAD_CORE_CONSOLE_H
#define BULKHEAD_CORE_CONSOLE_H

#include "bulkhead/types.h"

/* console_write() is declared in core/log.h. */

/* Called on a fatal path: if this CPU holds the console lock, drop it so the report
 * can still be printed. */
void console_break_lock(void);

#endif
