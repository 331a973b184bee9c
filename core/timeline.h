/*
 * When a partition starts running, and how long that took (issue 19, "time to run"): for the
 * boot log and make bench, without costing the partition anything on its way in.
 *
 * Whoever starts a partition says why and when it was asked (timeline_asked); the CPU that
 * starts it stamps the TSC just before its first VM entry (timeline_entered), and the first
 * line it prints afterwards stamps another (timeline_line). The boot CPU's console loop says
 * them on COM1 (timeline_lines): the stamping CPUs print nothing, so a start is not slowed by
 * COM1. Each start is a record of its own in a ring of TIMELINE_STARTS: starts that come
 * faster than the boot CPU looks (a payload that faults and restarts while the boot CPU still
 * loads Linux) are each said. Lines (ms of guest TSC, microsecond resolution):
 *   at boot, counted from the boot loader's hand-off (Bulkhead's first instruction):
 *     bulkhead: partition <p> first entry at <t> ms
 *     bulkhead: partition <p> first line at <t> ms
 *   later starts, counted from what asked for them:
 *     bulkhead: partition <p> entry <t> ms after its fault (<b> ms of it back-off)
 *     bulkhead: partition <p> first line <t> ms after its fault
 *   (or "after the shell's start", "after its device's fault"), and if the ring overflowed:
 *     bulkhead: partition <p>: <n> starts not timed
 */
#ifndef BULKHEAD_CORE_TIMELINE_H
#define BULKHEAD_CORE_TIMELINE_H

#include "bulkhead/types.h"

#define TIMELINE_STARTS 16

enum start_cause { START_BOOT, START_FAULT, START_SHELL, START_DEVICE };

struct start_record {
	u64 asked;	/* TSC when it was asked for (boot: unused, the hand-off counts) */
	u64 backoff;	/* ticks of it spent in back-off */
	u64 entry;	/* TSC just before its first CPU's VM entry */
	u64 line;	/* TSC of its first line; 0 until then */
	u32 cause;	/* enum start_cause */
	bool said_line; /* the boot CPU's: its first line was said */
};

struct start_times {
	struct start_record rec[TIMELINE_STARTS]; /* start n in rec[n % TIMELINE_STARTS] */
	u32 starts;				  /* entries stamped (release: records done) */
	u32 said;				  /* the boot CPU's: entries said */
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
 * The boot CPU: the next thing to say about partition `name` (the oldest start not said, with
 * its first line if that is known, or the first line of the last start), as lines in `out`
 * (each ending in a newline); `boot_tsc` is the hand-off's TSC. Returns the number of lines:
 * call again until 0. `*entry_cause` is the cause of the start whose entry was said, -1 if
 * none was.
 */
u32 timeline_lines(struct start_times *t, const char *name, u64 boot_tsc, u64 khz, char *out,
		   size_t size, int *entry_cause);

#endif
