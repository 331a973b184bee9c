/* Start times of partitions, said by the boot CPU (see timeline.h). */
#include "core/timeline.h"
#include "core/lib/format.h"
#include "core/lib/string.h"

static struct start_record *record(struct start_times *t, u32 n)
{
	return &t->rec[n % TIMELINE_STARTS];
}

void timeline_asked(struct start_times *t, enum start_cause cause, u64 asked_tsc, u64 backoff_ticks)
{
	struct start_record *r = record(t, t->starts); /* the next start's */

	r->asked = asked_tsc;
	r->backoff = backoff_ticks;
	r->cause = cause;
}

void timeline_entered(struct start_times *t, u64 tsc)
{
	struct start_record *r = record(t, t->starts);

	r->line = 0;
	r->said_line = false;
	r->entry = tsc;
	__atomic_add_fetch(&t->starts, 1, __ATOMIC_RELEASE);
}

void timeline_line(struct start_times *t, u64 tsc)
{
	u32 starts = __atomic_load_n(&t->starts, __ATOMIC_ACQUIRE);
	struct start_record *r = record(t, starts - 1);
	u64 none = 0;

	if (starts && !__atomic_load_n(&r->line, __ATOMIC_RELAXED))
		__atomic_compare_exchange_n(&r->line, &none, tsc, false, __ATOMIC_RELEASE,
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

/* A TSC value before `from` (a stamp older than an `asked` set by a racing start) counts as
 * 0, never as a huge unsigned difference. */
static u64 since(u64 tsc, u64 from)
{
	return tsc > from ? tsc - from : 0;
}

/* Where record `r`'s figures count from. */
static u64 origin(const struct start_record *r, u64 boot_tsc)
{
	return r->cause == START_BOOT ? boot_tsc : r->asked;
}

static int entry_line(const struct start_record *r, const char *name, u64 boot_tsc, u64 khz,
		      char *out, size_t size)
{
	char a[24], b[24];

	timeline_format_ms(since(r->entry, origin(r, boot_tsc)), khz, a, sizeof(a));
	if (r->cause == START_BOOT)
		return format(out, size, "bulkhead: partition %s first entry at %s ms\n", name, a);
	timeline_format_ms(r->backoff, khz, b, sizeof(b));
	return format(out, size,
		      "bulkhead: partition %s entry %s ms after %s (%s ms of it back-off)\n", name,
		      a, cause_name(r->cause), b);
}

static int first_line(const struct start_record *r, u64 line, const char *name, u64 boot_tsc,
		      u64 khz, char *out, size_t size)
{
	char a[24];

	timeline_format_ms(since(line, origin(r, boot_tsc)), khz, a, sizeof(a));
	if (r->cause == START_BOOT)
		return format(out, size, "bulkhead: partition %s first line at %s ms\n", name, a);
	return format(out, size, "bulkhead: partition %s first line %s ms after %s\n", name, a,
		      cause_name(r->cause));
}

/* Its first line, if it has one not said yet, after `len` bytes of `out` (whole or not at
 * all: what does not fit is said on the next call). */
static u32 add_first_line(struct start_record *r, const char *name, u64 boot_tsc, u64 khz,
			  char *out, size_t size, size_t len)
{
	u64 line = __atomic_load_n(&r->line, __ATOMIC_ACQUIRE);
	char text[160];
	int n;

	if (r->said_line || !line)
		return 0;
	n = first_line(r, line, name, boot_tsc, khz, text, sizeof(text));
	if (n <= 0 || len + (size_t)n >= size)
		return 0;
	memcpy(out + len, text, (size_t)n + 1);
	r->said_line = true;
	return 1;
}

u32 timeline_lines(struct start_times *t, const char *name, u64 boot_tsc, u64 khz, char *out,
		   size_t size, int *entry_cause)
{
	u32 starts = __atomic_load_n(&t->starts, __ATOMIC_ACQUIRE);
	struct start_record *r;
	int len;

	*entry_cause = -1;
	out[0] = '\0';
	if (starts - t->said > TIMELINE_STARTS) { /* overwritten before they were said */
		len = format(out, size, "bulkhead: partition %s: %u starts not timed\n", name,
			     starts - t->said - TIMELINE_STARTS);
		t->said = starts - TIMELINE_STARTS;
		return len > 0 ? 1 : 0;
	}
	if (t->said == starts) /* nothing new but, perhaps, the last start's first line */
		return starts ? add_first_line(record(t, starts - 1), name, boot_tsc, khz, out,
					       size, 0)
			      : 0;
	r = record(t, t->said++);
	len = entry_line(r, name, boot_tsc, khz, out, size);
	if (len <= 0 || (size_t)len >= size)
		return 0;
	*entry_cause = (int)r->cause;
	return 1 + add_first_line(r, name, boot_tsc, khz, out, size, (size_t)len);
}
