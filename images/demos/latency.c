/*
 * latency: timer interrupt latency. The local APIC timer in TSC-deadline mode fires hz times
 * a second (command line hz=<n>, default 10000); the handler's first act is to read the TSC,
 * and latency = that TSC - the deadline it had programmed. The next deadline is the last one
 * plus the period (never "now + period", so latency does not accumulate); deadlines already
 * past are skipped and counted as missed. Between interrupts the CPU halts.
 *
 * It measures in windows of report_ms (default 1000) of TSC time. After each window the
 * timer is stopped while it prints
 *	latency: n=<count> min=<ticks> avg=<ticks> p99=<ticks> max=<ticks> missed=<n>
 *	latency: hist <b0>/<b1>/<b2>/<b3>/<b4>/<b5>/<b6>/<b7>
 *	latency: hist1 <first>:<c0>,<c1>,... [over=<n>]
 * for that window, then the next window starts. Printing is left out of the windows on
 * purpose: bare, a line holds the CPU while it goes out at 115200 baud (about 87 us a
 * character); under Bulkhead it is a hypercall. Either would otherwise show up as latency.
 * Ticks are TSC ticks; with s = hist_shift (default 10),
 * bucket 0 counts latencies < 2^s, bucket i = 1..6 those in [2^(s+i-1), 2^(s+i)), bucket 7
 * those >= 2^(s+6). With settle_ms=<m> (default 0) each window starts m ms after the lines
 * before it: under Bulkhead a print only queues the line, and the boot CPU writes it to COM1
 * while the next window runs (in Bochs, another CPU's work changes the RT CPU's ticks: see
 * tests/bench_latency.sh). hist1 is the fine histogram, for plots: one bin per tick from 0 to
 * FINE_BINS - 1; <ci> counts the latencies of exactly <first> + i ticks, and over= those of
 * FINE_BINS ticks or more. Zero bins are left out: a line starts at a non-zero bin and ends
 * at its last non-zero one, and a run of FINE_GAP zero bins or a line of FINE_LINE characters
 * starts another hist1 line; the window's last hist1 line carries over= (a window whose
 * samples all overflowed prints "latency: hist1 over=<n>" alone). After seconds=<n> windows
 * (default 3) it prints "latency: done" and exits with 0.
 *
 * p99 is exact (nearest rank) over the window's first MAX_SAMPLES samples, i.e. for up to
 * 32768 interrupts per window; n, min, avg, max, missed and the histogram count them all.
 * Without TSC-deadline mode (bare on an old CPU or QEMU TCG) the SDK emulates each deadline
 * with a one-shot APIC-timer count, which is coarser; the "latency: timer" line says which.
 */
#include <bulkhead/sdk.h>

#define VEC_TIMER    0x41
#define HIST_BUCKETS 8
#define MAX_SAMPLES  32768
#define FINE_BINS    256
#define FINE_GAP     8
#define FINE_LINE    150 /* the SDK splits lines of more than 200 characters */

struct window {
	uint64_t n, min, max, sum, missed;
	uint64_t hist[HIST_BUCKETS];
	uint64_t fine[FINE_BINS], fine_over;
	uint32_t stored;
	uint32_t samples[MAX_SAMPLES];
};

/* The handler fills `win` until the window's end, then stops re-arming and bumps `closed`;
 * main reports it and starts the next window. */
static struct window win;
static volatile uint64_t closed;
static uint64_t period, window_ticks, window_end, deadline;
static unsigned hist_shift;

static unsigned bucket(uint64_t lat)
{
	unsigned log2 = 63 - (unsigned)__builtin_clzll(lat | 1);

	if (lat < (1ull << hist_shift))
		return 0;
	log2 = log2 - hist_shift + 1;
	return log2 < HIST_BUCKETS ? log2 : HIST_BUCKETS - 1;
}

static void reset(struct window *w)
{
	w->n = w->sum = w->max = w->missed = 0;
	w->min = ~0ull;
	w->stored = 0;
	for (unsigned i = 0; i < HIST_BUCKETS; i++)
		w->hist[i] = 0;
	for (unsigned i = 0; i < FINE_BINS; i++)
		w->fine[i] = 0;
	w->fine_over = 0;
}

static void tick(unsigned vector)
{
	uint64_t now = sdk_tsc();
	uint64_t lat = now > deadline ? now - deadline : 0; /* one-shot can be a hair early */
	struct window *w = &win;
	uint64_t next = deadline + period;

	w->n++;
	w->sum += lat;
	if (lat < w->min)
		w->min = lat;
	if (lat > w->max)
		w->max = lat;
	w->hist[bucket(lat)]++;
	if (lat < FINE_BINS)
		w->fine[lat]++;
	else
		w->fine_over++;
	if (w->stored < MAX_SAMPLES)
		w->samples[w->stored++] = lat > 0xffffffffu ? 0xffffffffu : (uint32_t)lat;

	now = sdk_tsc();
	while (next <= now) {
		next += period;
		w->missed++;
	}
	if (next >= window_end) { /* the window is over: stop until main has reported it */
		sdk_timer_stop();
		closed++;
		return;
	}
	deadline = next;
	sdk_timer_deadline(vector, deadline);
}

/* The k-th smallest of a[0..n) (0-based), by quickselect; reorders a. */
static uint32_t select_kth(uint32_t *a, uint32_t n, uint32_t k)
{
	uint32_t lo = 0, hi = n - 1;

	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2, pivot, i = lo, j = hi, t;

		/* median of three as pivot */
		if (a[mid] < a[lo])
			t = a[mid], a[mid] = a[lo], a[lo] = t;
		if (a[hi] < a[lo])
			t = a[hi], a[hi] = a[lo], a[lo] = t;
		if (a[hi] < a[mid])
			t = a[hi], a[hi] = a[mid], a[mid] = t;
		pivot = a[mid];
		while (i <= j) {
			while (a[i] < pivot)
				i++;
			while (a[j] > pivot)
				j--;
			if (i <= j) {
				t = a[i], a[i] = a[j], a[j] = t;
				i++;
				if (j == 0)
					break;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return a[k];
}

/* The next non-zero fine bin at or after i; FINE_BINS if none. */
static unsigned next_fine(const struct window *w, unsigned i)
{
	while (i < FINE_BINS && w->fine[i] == 0)
		i++;
	return i;
}

/* The window's hist1 lines (see the top of this file). */
static void report_fine(const struct window *w)
{
	char line[SDK_LINE_MAX];
	unsigned i = next_fine(w, 0);

	while (i < FINE_BINS) {
		int len = sdk_snprintf(line, sizeof(line), "latency: hist1 %u:%llu", i,
				       (unsigned long long)w->fine[i]);
		unsigned next = next_fine(w, i + 1);

		/* Extend the line over the zeros up to the next non-zero bin while the gap is
		 * short and the line has room. */
		while (next < FINE_BINS && next - i <= FINE_GAP && len < FINE_LINE) {
			while (++i < next)
				len += sdk_snprintf(line + len, sizeof(line) - (size_t)len, ",0");
			len += sdk_snprintf(line + len, sizeof(line) - (size_t)len, ",%llu",
					    (unsigned long long)w->fine[i]);
			next = next_fine(w, i + 1);
		}
		if (next >= FINE_BINS)
			sdk_printf("%s over=%llu", line, (unsigned long long)w->fine_over);
		else
			sdk_printf("%s", line);
		i = next;
	}
	if (next_fine(w, 0) >= FINE_BINS)
		sdk_printf("latency: hist1 over=%llu", (unsigned long long)w->fine_over);
}

static void report(struct window *w)
{
	uint64_t p99 = 0;

	if (w->stored) /* nearest rank: the ceil(0.99 n)-th smallest */
		p99 = select_kth(w->samples, w->stored,
				 (uint32_t)(((uint64_t)w->stored * 99 + 99) / 100 - 1));
	sdk_printf("latency: n=%llu min=%llu avg=%llu p99=%llu max=%llu missed=%llu",
		   (unsigned long long)w->n, (unsigned long long)(w->n ? w->min : 0),
		   (unsigned long long)(w->n ? w->sum / w->n : 0), (unsigned long long)p99,
		   (unsigned long long)w->max, (unsigned long long)w->missed);
	sdk_printf("latency: hist %llu/%llu/%llu/%llu/%llu/%llu/%llu/%llu",
		   (unsigned long long)w->hist[0], (unsigned long long)w->hist[1],
		   (unsigned long long)w->hist[2], (unsigned long long)w->hist[3],
		   (unsigned long long)w->hist[4], (unsigned long long)w->hist[5],
		   (unsigned long long)w->hist[6], (unsigned long long)w->hist[7]);
	report_fine(w);
}

/* busy=<n>: the partition's CPUs 1..n spin with interrupts off while the timer runs, a
 * busy neighbour on the same machine when the demo runs bare (cpus=<n+1>), to compare with
 * a busy neighbour partition under Bulkhead on equal terms. */
#define SWEEP_DWORDS 65536
static uint32_t sweep_area[2][SWEEP_DWORDS]; /* 256 KiB per busy CPU */

/*
 * The same load as the test payload's "spin" neighbour (images/payloads/testpay.asm,
 * fill_pattern), instruction for instruction: sweep 256 KiB with interrupts off, a dword
 * (address ^ key) at a time with STOSD and LOOP. The same instructions matter under Bochs,
 * which advances the TSC by the mean number of instructions its CPUs ran in a round: a
 * neighbour's loop of another length changes how many ticks the RT CPU's own path takes.
 */
static void spin(unsigned index)
{
	uint32_t *a = sweep_area[(index - 1) % 2];

	sdk_irq_disable();
	for (uint32_t key = 0;; key++) {
		uint64_t dst = (uint64_t)(uintptr_t)a, count = SWEEP_DWORDS;

		__asm__ volatile("1:\n\t"
				 "mov %%edi, %%eax\n\t"
				 "xor %%edx, %%eax\n\t"
				 "stosl\n\t"
				 "loop 1b"
				 : "+D"(dst), "+c"(count)
				 : "d"(key)
				 : "eax", "memory", "cc");
	}
}

static void start_busy_cpus(const struct sdk_env *env, uint64_t busy)
{
	for (unsigned i = 1; i <= busy && i < env->cpu_count; i++)
		if (sdk_start_cpu(i, spin) == 0)
			sdk_printf("latency: cpu %u (apic id %u) spins with interrupts off", i,
				   env->apic_ids[i]);
}

int main(const struct sdk_env *env)
{
	uint64_t hz = sdk_cmdline_u64("hz", 10000);
	uint64_t report_ms = sdk_cmdline_u64("report_ms", 1000);
	uint64_t windows = sdk_cmdline_u64("seconds", 3);
	uint64_t settle = sdk_cmdline_u64("settle_ms", 0) * env->tsc_khz;

	hist_shift = (unsigned)sdk_cmdline_u64("hist_shift", 10);
	sdk_printf("latency: start, apic id %u, tsc %llu kHz, %s", sdk_apic_id(),
		   (unsigned long long)env->tsc_khz, env->bulkhead ? "bulkhead" : "bare");
	if (hz == 0)
		hz = 10000;
	if (report_ms == 0)
		report_ms = 1000;
	if (windows == 0)
		windows = 3;
	if (hist_shift > 56)
		hist_shift = 10;
	period = env->tsc_khz * 1000 / hz;
	if (period == 0)
		period = 1;
	window_ticks = report_ms * env->tsc_khz;
	sdk_printf("latency: timer %s, %llu Hz, period %llu ticks, window %llu ms, hist_shift %u",
		   sdk_has_tsc_deadline() ? "tsc-deadline" : "one-shot", (unsigned long long)hz,
		   (unsigned long long)period, (unsigned long long)report_ms, hist_shift);

	start_busy_cpus(env, sdk_cmdline_u64("busy", 0));
	sdk_irq_register(VEC_TIMER, tick);
	for (uint64_t k = 0; k < windows; k++) {
		for (uint64_t until = sdk_tsc() + settle; sdk_tsc() < until;)
			__asm__ volatile("pause");
		sdk_irq_disable();
		reset(&win);
		deadline = sdk_tsc() + period;
		window_end = deadline + window_ticks;
		sdk_timer_deadline(VEC_TIMER, deadline);
		while (closed <= k)
			sdk_wait();
		sdk_irq_enable();
		report(&win);
	}
	sdk_printf("latency: done");
	return 0;
}
