/* The hardware report in the hypervisor: core/lib/hwcheck.c's lines, to the log (the table at
 * info level, CPUs that differ as warnings). */
#include "arch/x86/hwcheck.h"
#include "core/log.h"

static void log_line(void *ctx, bool warning, const char *text)
{
	(void)ctx;
	log_msg(warning ? LOG_WARN : LOG_INFO, "%s", text);
}

bool hwcheck_report(const struct hw_caps *caps, const u32 *apic_ids, u32 n, char *why,
		    size_t why_size)
{
	static const struct hw_printer to_log = {log_line, NULL};

	return hw_report(caps, apic_ids, n, &to_log, why, why_size, NULL) == HW_RUNS;
}
