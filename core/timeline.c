/* Start times of partitions, said by the boot CPU (see timeline.h). */
#include "core/timeline.h"
#include "core/lib/format.h"
#include "core/lib/string.h"

void timeline_asked(struct start_times *t, enum start_cause cause, u64 asked_tsc, u64 backoff_ticks)
{
	t->asked = asked_tsc;
	t->backoff = backoff_ticks;
	t->cause = cause;
}

void timeline_entered(struct start_times *t, u64 tsc)
{
	__atomic_store_n(&t->line, 0, __ATOMIC_RELAXED);
	t->entry = tsc;
	__atomic_add_fetch(&t->starts, 1, __ATOMIC_RELEASE);
}

void timeline_line(struct start_times *t, u64 tsc)
{
	u64 none = 0;

	if (!__atomic_load_n(&t->line, __ATOMIC_RELAXED))
		__atomic_compare_exchange_n(&t->line, &none, tsc, false, __ATOMIC_RELEASE,
					    __ATOMIC_RELAXED);
}

void timeline_format_ms(u64 ticks, u64 khz, char *buf, size_t size)
{
	u64 us = khz ? ticks * 1000 / khz : 0;

	/* ticks * 1000 overflows only after 2^64 / 1000 ticks: months at any clock. */
	format(buf, size, "%llu.%03llu", (unsigned long long)(us / 1000),
	       (unsigned long long)(us % 1000));
}

static const char *cause_name(u32 cause)
{
	static const char *const names[] = {"boot", "its fault", "the shell's start",
					    "its device's fault"};

	return cause < sizeof(names) / sizeof(names[0]) ? names[cause] : "?";
}

/* A TSC value before `from` (the stamping CPUs' TSCs agree, but a stamp can be older than
 * an `asked` set later by a racing start) counts as 0. */
static u64 since(u64 tsc, u64 from)
{
	return tsc > from ? tsc - from : 0;
}

u32 timeline_lines(struct start_times *t, const char *name, u64 boot_tsc, u64 khz, char *out,
		   size_t size, bool *entered)
{
	u32 starts = __atomic_load_n(&t->starts, __ATOMIC_ACQUIRE), n = 0;
	bool boot = t->cause == START_BOOT;
	u64 from = boot ? boot_tsc : t->asked, line;
	char a[24], b[24];
	int len = 0;

	*entered = false;
	out[0] = '\0';
	if (starts != t->said_starts) {
		t->said_starts = starts;
		t->said_line = false;
		*entered = true;
		timeline_format_ms(since(t->entry, from), khz, a, sizeof(a));
		if (boot) {
			len = format(out, size, "bulkhead: partition %s first entry at %s ms\n",
				     name, a);
		} else {
			timeline_format_ms(t->backoff, khz, b, sizeof(b));
			len = format(out, size,
				     "bulkhead: partition %s entry %s ms after %s (%s ms of it "
				     "back-off)\n",
				     name, a, cause_name(t->cause), b);
		}
		n++;
	}
	line = __atomic_load_n(&t->line, __ATOMIC_ACQUIRE);
	if (starts && !t->said_line && line && len >= 0) {
		char second[160];
		int len2;

		timeline_format_ms(since(line, from), khz, a, sizeof(a));
		len2 = format(second, sizeof(second),
			      boot ? "bulkhead: partition %s first line at %s ms\n"
				   : "bulkhead: partition %s first line %s ms after %s\n",
			      name, a, cause_name(t->cause));
		/* whole or not at all: what does not fit is said on the next pass */
		if (len2 > 0 && (size_t)len + (size_t)len2 < size) {
			memcpy(out + len, second, (size_t)len2 + 1);
			t->said_line = true;
			n++;
		}
	}
	return n;
}
