/*
 * When a partition starts running, and how long that took (issue 19, "time to run"): for the
 * boot log and make bench, without costing the partition anything on its way in.
 *
 * Whoever starts a partition says why and when it was asked (timeline_asked); the CPU that
 * starts it stamps the TSC just before its first VM entry (timeline_entered), and the first
 * line it prints afterwards stamps another (timeline_line). The boot CPU's console loop says
 * them on COM1 (timeline_lines): the stamping CPUs print nothing, so a start is not slowed by
 * COM1. Lines (ms of guest TSC, microsecond resolution):
 *   at boot, counted from the boot loader's hand-off (Bulkhead's first instruction):
 *     bulkhead: partition <p> first entry at <t> ms
 *     bulkhead: partition <p> first line at <t> ms
 *   later starts, counted from what asked for them:
 *     bulkhead: partition <p> entry <t> ms after its fault (<b> ms of it back-off)
 *     bulkhead: partition <p> first line <t> ms after its fault
 *   (or "after the shell's start", "after its device's fault").
 */
#ifndef BULKHEAD_CORE_TIMELINE_H
#define BULKHEAD_CORE_TIMELINE_H

#include "bulkhead/types.h"

enum start_cause { START_BOOT, START_FAULT, START_SHELL, START_DEVICE };

struct start_times {
	u64 asked;	 /* TSC when this start was asked for (boot: the hand-off) */
	u64 backoff;	 /* ticks of it spent in back-off */
	u64 entry;	 /* TSC just before its first CPU's VM entry */
	u64 line;	 /* TSC of its first line since; 0 until then */
	u32 starts;	 /* entries stamped so far (release: the above are set) */
	u32 cause;	 /* enum start_cause */
	u32 said_starts; /* the boot CPU's: entries it has said */
	bool said_line;	 /* and whether it said the first line of the last one */
};

/* Before the partition is released to start: why, when, and how much back-off. */
void timeline_asked(struct start_times *t, enum start_cause cause, u64 asked_tsc,
		    u64 backoff_ticks);
/* On the CPU that starts it, just before its VM entry. */
void timeline_entered(struct start_times *t, u64 tsc);
/* A line of its output, on one of its CPUs: only the first after an entry is kept. */
void timeline_line(struct start_times *t, u64 tsc);

/* "12.345": `ticks` in ms at `khz`, to the microsecond. */
void timeline_format_ms(u64 ticks, u64 khz, char *buf, size_t size);

/*
 * The boot CPU: what there is to say about partition `name` that was not said yet, as up to
 * two lines in `out` (each ending in a newline); `boot_tsc` is the hand-off's TSC. Returns the
 * number of lines. `entered` is set when an entry was said (the caller says on which CPUs).
 */
u32 timeline_lines(struct start_times *t, const char *name, u64 boot_tsc, u64 khz, char *out,
		   size_t size, bool *entered);

#endif
