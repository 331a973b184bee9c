/*
 * chan: a channel between two partitions (docs/channels.md), one ELF in three roles, chosen
 * by the command line's role=producer|consumer|intruder (layout tests/layouts/channel.c,
 * emu case channel-samples in tests/emu/channel.sh).
 *
 * producer  samples hz=<n> times a second (default 1000) from the local APIC timer in
 *           TSC-deadline mode (absolute deadlines, as the heartbeat), pushes a record
 *           {seq, tsc} (seq from 1) into an SDK ring in channel "samples" and rings the
 *           other side once per sample. The consumer's end is read-only, so the ring is an
 *           overwrite ring (SDK_RING_OVERWRITE); the command line word `acked` makes one
 *           whose consumer publishes its tail (its end must be MEM_RW). After seconds=<n>
 *           (default 4) of samples:
 *	producer: done: <n> samples, <n> doorbells, <n> refused, <n> full
 *           and exit code 0. With setpoint=<channel> it also takes set-points from that
 *           channel (the other side writes {seq, value} at its start, then rings), and
 *           acknowledges each new one:
 *	producer: set-point <value> (request <seq>) acknowledged
 *           and with after_setpoint=<s> it samples until s seconds after the first
 *           set-point instead (the Linux demo: images/linux/chanmon.c, docs/channels.md).
 *           ring_every=<n> rings once every n samples (default 1): the consumer takes the
 *           n records with each doorbell (the Linux demo wakes Linux at 100 Hz).
 *           With flood_ms=<n> it floods instead (the throughput bench, tests/bench_channel.sh):
 *           it pushes 64-byte records {seq, tsc, filler} as fast as it can for n ms of its
 *           TSC, with interrupts off, ringing at most once every 64 records and 15 times a
 *           ms (under the doorbell's 16 a ms: none refused), then:
 *	producer: flood: done: <n> records of 64 bytes in <ms> ms: <x> MB/s, <n> doorbells,
 *	          <n> refused, <n> full                                    (one line)
 *           (MB = 10^6 bytes, per second of guest time; full: pushes an acked ring refused)
 *           and exit code 0.
 * consumer  takes the doorbell on its CPU and pops every record there is on each; it counts
 *           the records of each second of the producer's clock (by each record's tsc, from
 *           the first one's) and the gaps in seq (records never seen: overwritten, refused
 *           by a full ring, or pushed before it started listening and lost). After each
 *           second's line it works busy_ms=<n> (default 0) with interrupts off, as a
 *           consumer with other things to do: the doorbells rung meanwhile arrive as one,
 *           and the next handler takes all their records. After seconds=<n> (default 3):
 *	consumer: second <n>: <n> records, <n> gaps
 *	consumer: total: <n> records, <n> gaps, <n> doorbells, at most <n> a doorbell, <n> left
 *           (the most records one doorbell took, and the most a doorbell's handler left in
 *           the ring: 0, unless it falls behind)
 *	consumer: doorbell latency: n <n>, median <x>, p99 <y>, max <z> ticks
 *           (per doorbell: the TSC at its handler's entry minus the tsc of the newest record
 *           it popped that was written before that, i.e. from the producer's sample, taken
 *           just before its push and doorbell, to the handler; only records written after
 *           the consumer began to wait, not one whose doorbell waited for it to start; the
 *           first LATENCIES doorbells; nearest-rank percentiles; 0s when n is 0)
 *           and exit code 0. It halts between doorbells: receiving costs it no exit.
 *           With poll_ms=<n> it polls instead (the throughput bench): it attaches once the
 *           ring is there, and pops with interrupts off and no doorbell for n ms of its TSC
 *           from its first record, a flooding producer's 64-byte records, then:
 *	consumer: throughput: <n> records of 64 bytes in <ms> ms: <x> MB/s, <n> lost
 *           (lost: records the producer overwrote before they were popped, the ring's count).
 * intruder  a partition not on the channel: it does not find "samples", rings channel
 *           numbers 0-3 twice (each refused, -1; Bulkhead names each number once), then,
 *           unless peek=0, reads peek=<addr> (default 0x800000, where the producer has the
 *           channel's memory), which it has no mapping for: Bulkhead stops it.
 *	intruder: channel "samples": not found (-1)
 *	intruder: doorbells 0-3: -1 -1 -1 -1
 *	intruder: reading 0x800000 (the producer's channel memory, not mapped here)
 */
#include <bulkhead/sdk.h>

#define VEC_TIMER     0x40
#define CHANNEL	      "samples"
#define MAX_SECONDS   64
#define INTRUDER_BELL 4	    /* channel numbers 0..3 */
#define LATENCIES     16384 /* doorbell latencies kept: 16 s at 1 kHz */
#define FLOOD_BATCH   64    /* a flooding producer's records per doorbell, at least */
#define FLOOD_RINGS   15    /* its doorbells a ms, at most: under Bulkhead's 16 (channels.md) */

struct sample {
	uint64_t seq;
	uint64_t tsc;
};

/* What a flooding producer pushes: a sample and filler, one cache line. */
struct flood_record {
	uint64_t seq;
	uint64_t tsc;
	uint64_t filler[6];
};
_Static_assert(sizeof(struct flood_record) == 64, "a flood record is 64 bytes");

/* bytes moved in `ticks` TSC ticks at tsc_khz, in tenths of MB/s (MB = 10^6 bytes) */
static uint64_t tenths_mb_s(uint64_t bytes, uint64_t ticks, uint64_t tsc_khz)
{
	return ticks ? bytes * tsc_khz / ticks / 100 : 0; /* bytes/ms = KB/s; / 100: 0.1 MB/s */
}

/* What the other side of a set-point channel writes at its start: value, then seq. */
struct setpoint {
	uint64_t seq;
	int64_t value;
};

static struct sdk_channel chan;

/* ---- producer ---------------------------------------------------------------------- */

static struct sdk_ring_writer writer;
static uint64_t period, deadline, hz, after_setpoint, ring_every;
static volatile uint64_t seq, samples_left, doorbells, refused, full;
static struct sdk_channel setpoint_chan;
static volatile uint64_t setpoint_seq, setpoint_shown;
static volatile int64_t setpoint_value;
static bool setpoint_counting; /* after_setpoint's run has begun */

/* A set-point doorbell: take the newest request (seq is written last, with release). */
static void on_setpoint(void)
{
	const struct setpoint *sp = (const struct setpoint *)(uintptr_t)setpoint_chan.mem;
	uint64_t s = __atomic_load_n(&sp->seq, __ATOMIC_ACQUIRE);

	if (s <= setpoint_seq)
		return;
	setpoint_value = sp->value;
	setpoint_seq = s;
	if (after_setpoint && !setpoint_counting) {
		setpoint_counting = true;
		samples_left = hz * after_setpoint; /* from the first one on, a fixed run */
	}
}

/* setpoint=<channel>: find it and take its doorbells; 0, or 1 with why printed. */
static int listen_setpoints(void)
{
	char name[32];

	if (!sdk_cmdline_arg("setpoint", name, sizeof(name)))
		return 0;
	if (sdk_channel_find(name, &setpoint_chan) != 0 ||
	    setpoint_chan.size < sizeof(struct setpoint) ||
	    sdk_channel_on_doorbell(&setpoint_chan, on_setpoint) != 0) {
		sdk_printf("producer: set-point channel \"%s\": not found, too small or its vector "
			   "is the SDK's",
			   name);
		return 1;
	}
	sdk_printf("producer: set-points from channel \"%s\" on vector 0x%x", name,
		   setpoint_chan.vector);
	return 0;
}

static void sample(unsigned vector)
{
	struct sample s = {.seq = seq + 1, .tsc = sdk_tsc()};

	seq = s.seq;
	if (!sdk_ring_push(&writer, &s))
		full++;
	if (s.seq % ring_every == 0) { /* else it goes with the next doorbell's */
		if (sdk_channel_ring(&chan) == 0)
			doorbells++;
		else
			refused++;
	}
	if (--samples_left == 0) {
		sdk_timer_stop();
		return;
	}
	/* The next deadline is the last plus the period: no drift; past ones are skipped. */
	deadline += period;
	while (deadline <= sdk_tsc())
		deadline += period;
	sdk_timer_deadline(vector, deadline);
}

/* flood_ms=<n>: 64-byte records as fast as they go for ms of the TSC, no timer. */
static int flood(const struct sdk_env *env, uint64_t ms, uint32_t flags)
{
	struct flood_record rec = {.seq = 0};
	uint64_t start, end, now, last_ring, batch = 0, rang = 0, no = 0, full_pushes = 0;
	uint64_t ring_gap = env->tsc_khz / FLOOD_RINGS, tenths; /* ticks between doorbells */
	uint32_t cap;

	cap = sdk_ring_writer_init(&writer, chan.mem, chan.size, sizeof(rec), flags);
	if (!cap) {
		sdk_printf("producer: no ring fits in channel \"%s\"", chan.name);
		return 1;
	}
	for (unsigned i = 0; i < 6; i++)
		rec.filler[i] = 0x5a5a5a5a5a5a5a5aull + i;
	sdk_printf("producer: flood: 64-byte records for %llu ms into a ring of %u records (%s), "
		   "doorbell %u",
		   (unsigned long long)ms, cap, flags ? "overwrite" : "acked", chan.index);
	sdk_irq_disable();
	start = sdk_tsc();
	end = start + ms * env->tsc_khz;
	last_ring = start;
	while ((now = sdk_tsc()) < end) {
		rec.seq++;
		rec.tsc = now;
		if (!sdk_ring_push(&writer, &rec)) {
			rec.seq--; /* an acked ring the consumer has not emptied: again */
			full_pushes++;
			continue;
		}
		if (++batch < FLOOD_BATCH || now - last_ring < ring_gap)
			continue;
		if (sdk_channel_ring(&chan) == 0)
			rang++;
		else
			no++;
		batch = 0;
		last_ring = now;
	}
	now -= start;
	tenths = tenths_mb_s(rec.seq * sizeof(rec), now, env->tsc_khz);
	sdk_printf("producer: flood: done: %llu records of 64 bytes in %llu ms: %llu.%llu MB/s, "
		   "%llu doorbells, %llu refused, %llu full",
		   (unsigned long long)rec.seq, (unsigned long long)(now / env->tsc_khz),
		   (unsigned long long)tenths / 10, (unsigned long long)tenths % 10,
		   (unsigned long long)rang, (unsigned long long)no,
		   (unsigned long long)full_pushes);
	return 0;
}

static int producer(const struct sdk_env *env)
{
	uint64_t seconds = sdk_cmdline_u64("seconds", 4);
	uint64_t flood_ms = sdk_cmdline_u64("flood_ms", 0);
	uint32_t flags = sdk_cmdline_arg("acked", NULL, 0) ? 0 : SDK_RING_OVERWRITE;
	uint32_t cap;

	if (!chan.writable) {
		sdk_printf("producer: channel \"%s\" is read-only here", chan.name);
		return 1;
	}
	if (flood_ms)
		return flood(env, flood_ms, flags);
	cap = sdk_ring_writer_init(&writer, chan.mem, chan.size, sizeof(struct sample), flags);
	if (!cap) {
		sdk_printf("producer: no ring fits in channel \"%s\"", chan.name);
		return 1;
	}
	hz = sdk_cmdline_u64("hz", 1000);
	after_setpoint = sdk_cmdline_u64("after_setpoint", 0);
	ring_every = sdk_cmdline_u64("ring_every", 1);
	if (ring_every == 0)
		ring_every = 1;
	if (hz == 0)
		hz = 1000;
	if (seconds == 0)
		seconds = 4;
	if (listen_setpoints())
		return 1;
	period = env->tsc_khz * 1000 / hz;
	samples_left = after_setpoint ? ~0ull : hz * seconds;
	if (after_setpoint)
		sdk_printf("producer: %llu Hz until %llu s after the first set-point into a ring "
			   "of %u records (%s), doorbell %u",
			   (unsigned long long)hz, (unsigned long long)after_setpoint, cap,
			   flags ? "overwrite" : "acked", chan.index);
	else
		sdk_printf("producer: %llu Hz for %llu s into a ring of %u records (%s), "
			   "doorbell %u",
			   (unsigned long long)hz, (unsigned long long)seconds, cap,
			   flags ? "overwrite" : "acked", chan.index);
	sdk_irq_register(VEC_TIMER, sample);
	sdk_irq_disable();
	deadline = sdk_tsc() + period;
	sdk_timer_deadline(VEC_TIMER, deadline);
	while (samples_left) {
		sdk_wait();
		if (setpoint_seq != setpoint_shown) {
			setpoint_shown = setpoint_seq;
			sdk_printf("producer: set-point %lld (request %llu) acknowledged",
				   (long long)setpoint_value, (unsigned long long)setpoint_shown);
		}
	}
	sdk_irq_enable();
	sdk_printf("producer: done: %llu samples, %llu doorbells, %llu refused, %llu full",
		   (unsigned long long)seq, (unsigned long long)doorbells,
		   (unsigned long long)refused, (unsigned long long)full);
	return 0;
}

/* ---- consumer ---------------------------------------------------------------------- */

static struct sdk_ring_reader reader;
static bool attached;
static uint64_t second_ticks, t0, last_seq;
static volatile uint64_t rings, most, left, current; /* current: the second records now fall in */
static volatile uint64_t records[MAX_SECONDS], gaps[MAX_SECONDS];
static uint64_t latency[LATENCIES], latencies; /* handler entry - newest record's tsc */
static uint64_t listening; /* TSC when the consumer began to wait for doorbells */

/* The doorbell: everything new, however many rings it stands for. */
static void doorbell(void)
{
	uint64_t entry = sdk_tsc(), newest = 0; /* first: the latency's end */
	struct sample s;
	uint64_t n = 0;

	rings++;
	if (!attached) {
		if (sdk_ring_reader_init(&reader, chan.mem, chan.size, sizeof(struct sample),
					 chan.writable) != 0)
			return; /* not made yet: the next doorbell comes after it is */
		attached = true;
	}
	while (sdk_ring_pop(&reader, &s)) {
		uint64_t sec;

		if (!t0)
			t0 = s.tsc;
		sec = s.tsc >= t0 ? (s.tsc - t0) / second_ticks : 0;
		if (sec >= MAX_SECONDS)
			sec = MAX_SECONDS - 1;
		if (sec > current)
			current = sec;
		records[sec]++;
		if (s.seq > last_seq + 1)
			gaps[sec] += s.seq - last_seq - 1;
		if (s.seq > last_seq)
			last_seq = s.seq;
		if (s.tsc <= entry) /* not one pushed while this handler ran */
			newest = s.tsc;
		n++;
	}
	if (newest >= listening && newest && latencies < LATENCIES)
		latency[latencies++] = entry - newest;
	if (n > most)
		most = n;
	n = sdk_ring_pending(&reader); /* a record pushed since the last pop, or a lazy pop */
	if (n > left)
		left = n;
}

/* Sorts latency[0..latencies) (Shell sort: no allocation, fast enough for LATENCIES). */
static void sort_latencies(void)
{
	for (uint64_t gap = latencies / 2; gap; gap /= 2)
		for (uint64_t i = gap; i < latencies; i++) {
			uint64_t v = latency[i], j = i;

			for (; j >= gap && latency[j - gap] > v; j -= gap)
				latency[j] = latency[j - gap];
			latency[j] = v;
		}
}

/* The nearest-rank percentile pct of the sorted latencies (as chanmon's). */
static uint64_t latency_rank(unsigned pct)
{
	uint64_t k = (latencies * pct + 99) / 100;

	return latencies ? latency[k ? k - 1 : 0] : 0;
}

/* poll_ms=<n>: a flooding producer's records, popped with no doorbell for ms of the TSC. */
static int poll_flood(const struct sdk_env *env, uint64_t ms)
{
	struct flood_record rec;
	uint64_t start, end, now, got = 1, lost0, tenths;
	int rc;

	sdk_printf("consumer: polling for %llu ms from the first record; channel %s",
		   (unsigned long long)ms, chan.writable ? "read-write" : "read-only");
	sdk_irq_disable(); /* doorbells wait in the APIC, unserved: no handler, no cost */
	while ((rc = sdk_ring_reader_init(&reader, chan.mem, chan.size, sizeof(rec),
					  chan.writable)) == -1)
		__builtin_ia32_pause(); /* not made yet */
	if (rc != 0) {
		/* -4: records of another size, not a flooding producer's */
		sdk_printf("consumer: no ring of 64-byte records in channel \"%s\" (%d)", chan.name,
			   rc);
		return 1;
	}
	while (!sdk_ring_pop(&reader, &rec))
		__builtin_ia32_pause();
	lost0 = reader.lost;
	start = sdk_tsc();
	end = start + ms * env->tsc_khz;
	while ((now = sdk_tsc()) < end)
		if (sdk_ring_pop(&reader, &rec))
			got++;
	now -= start;
	tenths = tenths_mb_s(got * sizeof(rec), now, env->tsc_khz);
	sdk_printf("consumer: throughput: %llu records of 64 bytes in %llu ms: %llu.%llu MB/s, "
		   "%llu lost",
		   (unsigned long long)got, (unsigned long long)(now / env->tsc_khz),
		   (unsigned long long)tenths / 10, (unsigned long long)tenths % 10,
		   (unsigned long long)(reader.lost - lost0));
	return 0;
}

static int consumer(const struct sdk_env *env)
{
	uint64_t seconds = sdk_cmdline_u64("seconds", 3), total = 0, lost = 0;
	uint64_t busy_us = sdk_cmdline_u64("busy_ms", 0) * 1000;
	uint64_t poll_ms = sdk_cmdline_u64("poll_ms", 0);

	if (poll_ms)
		return poll_flood(env, poll_ms);
	if (seconds == 0 || seconds >= MAX_SECONDS)
		seconds = 3;
	second_ticks = env->tsc_khz * 1000;
	if (chan.apic_id != sdk_apic_id()) {
		sdk_printf("consumer: the doorbell goes to apic id %u, this is %u", chan.apic_id,
			   sdk_apic_id());
		return 1;
	}
	if (sdk_channel_on_doorbell(&chan, doorbell) != 0) {
		sdk_printf("consumer: vector 0x%x is the SDK's", chan.vector);
		return 1;
	}
	sdk_printf("consumer: doorbell on vector 0x%x, apic id %u; channel %s", chan.vector,
		   chan.apic_id, chan.writable ? "read-write" : "read-only");
	sdk_irq_disable();
	listening = sdk_tsc();
	for (uint64_t shown = 0; shown < seconds; shown++) {
		/* second `shown` is over once a record of a later one has come */
		while (current <= shown)
			sdk_wait();
		total += records[shown];
		lost += gaps[shown];
		sdk_printf("consumer: second %llu: %llu records, %llu gaps",
			   (unsigned long long)shown + 1, (unsigned long long)records[shown],
			   (unsigned long long)gaps[shown]);
		if (shown + 1 < seconds)
			sdk_delay_us(busy_us); /* interrupts off: doorbells wait, and collapse */
	}
	sdk_printf("consumer: total: %llu records, %llu gaps, %llu doorbells, at most %llu a "
		   "doorbell, %llu left",
		   (unsigned long long)total, (unsigned long long)lost, (unsigned long long)rings,
		   (unsigned long long)most, (unsigned long long)left);
	sort_latencies();
	sdk_printf("consumer: doorbell latency: n %llu, median %llu, p99 %llu, max %llu ticks",
		   (unsigned long long)latencies, (unsigned long long)latency_rank(50),
		   (unsigned long long)latency_rank(99),
		   (unsigned long long)(latencies ? latency[latencies - 1] : 0));
	return 0;
}

/* ---- intruder ---------------------------------------------------------------------- */

static int intruder(void)
{
	uint64_t peek = sdk_cmdline_u64("peek", 0x800000);
	struct sdk_channel found;
	int rc[INTRUDER_BELL];

	sdk_printf("intruder: channel \"%s\": %s (%d)", CHANNEL,
		   sdk_channel_find(CHANNEL, &found) == 0 ? "FOUND" : "not found",
		   sdk_channel_find(CHANNEL, &found));
	for (int round = 0; round < 2; round++) {
		for (unsigned i = 0; i < INTRUDER_BELL; i++) {
			struct sdk_channel guess = {.index = i};

			rc[i] = sdk_channel_ring(&guess);
		}
		sdk_printf("intruder: doorbells 0-3: %d %d %d %d", rc[0], rc[1], rc[2], rc[3]);
	}
	if (peek) {
		sdk_printf("intruder: reading 0x%llx (the producer's channel memory, not mapped "
			   "here)",
			   (unsigned long long)peek);
		sdk_printf("intruder: READ 0x%llx",
			   (unsigned long long)*(volatile uint64_t *)(uintptr_t)peek);
	}
	return 0;
}

int main(const struct sdk_env *env)
{
	char role[16] = "";

	sdk_cmdline_arg("role", role, sizeof(role));
	sdk_printf("chan: start, apic id %u, tsc %llu kHz, %s, role %s", sdk_apic_id(),
		   (unsigned long long)env->tsc_khz, env->bulkhead ? "bulkhead" : "bare",
		   role[0] ? role : "none");
	if (strncmp(role, "intruder", sizeof(role)) == 0)
		return intruder();
	if (strncmp(role, "producer", sizeof(role)) != 0 &&
	    strncmp(role, "consumer", sizeof(role)) != 0) {
		sdk_printf("chan: role=producer, role=consumer or role=intruder");
		return 2;
	}
	if (sdk_channel_find(CHANNEL, &chan) != 0) {
		sdk_printf("%s: no channel \"%s\"", role, CHANNEL);
		return 1;
	}
	return role[0] == 'p' ? producer(env) : consumer(env);
}
