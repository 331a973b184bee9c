/* Unit tests for core/channels.c: what a payload's information page lists, and doorbells:
 * to the other side's CPU with the table's vector, refused off the channel, rate-limited. */
#include <stdio.h>
#include <string.h>

#include "arch/x86/arch.h"
#include "core/channels.h"
#include "core/denied.h"
#include "core/log.h"
#include "core/partition.h"
#include "core/upcalls.h"
#include "tests/unit/check.h"

#define KHZ    1000000u /* 1 GHz: a millisecond is 1 000 000 ticks */
#define NPARTS 5
#define LX     3 /* the Linux partition */
#define RT3    4

const struct partition_table partition_table = {
    .layout = "test",
    .parts = PT_PARTITIONS({.name = "rt0",
			    .kind = PART_PAYLOAD,
			    .cpus = PT_CPUS(1),
			    .mem = PT_REGIONS({.phys = 0x4000000,
					       .size = 0x200000,
					       .guest = 0,
					       .access = MEM_RWX,
					       .kind = REGION_RAM},
					      {.phys = 0x4600000,
					       .size = 0x10000,
					       .guest = 0x800000,
					       .access = MEM_RW,
					       .kind = REGION_SHARED},
					      {.phys = 0x4700000,
					       .size = 0x1000,
					       .guest = 0x900000,
					       .access = MEM_R,
					       .kind = REGION_SHARED})},
			   {.name = "rt1",
			    .kind = PART_PAYLOAD,
			    .cpus = PT_CPUS(2, 3),
			    .mem = PT_REGIONS({.phys = 0x4200000,
					       .size = 0x200000,
					       .guest = 0,
					       .access = MEM_RWX,
					       .kind = REGION_RAM},
					      {.phys = 0x4600000,
					       .size = 0x10000,
					       .guest = 0xa00000,
					       .access = MEM_R,
					       .kind = REGION_SHARED},
					      {.phys = 0x4700000,
					       .size = 0x1000,
					       .guest = 0xb00000,
					       .access = MEM_RW,
					       .kind = REGION_SHARED})},
			   {.name = "rt2",
			    .kind = PART_PAYLOAD,
			    .cpus = PT_CPUS(4),
			    .mem = PT_REGIONS({.phys = 0x4400000,
					       .size = 0x200000,
					       .guest = 0,
					       .access = MEM_RWX,
					       .kind = REGION_RAM})},
			   /* a Linux side: its channels are PCI functions (core/vchan.c) */
			   {.name = "lx",
			    .kind = PART_LINUX,
			    .cpus = PT_CPUS(5, 6),
			    .mem = PT_REGIONS({.phys = 0x8000000,
					       .size = 0x4000000,
					       .guest = 0,
					       .access = MEM_RWX,
					       .kind = REGION_RAM},
					      {.phys = 0x4800000,
					       .size = 0x1000,
					       .guest = 0xc0000000,
					       .access = MEM_RW,
					       .kind = REGION_SHARED},
					      {.phys = 0x4900000,
					       .size = 0x1000,
					       .guest = 0xc0001000,
					       .access = MEM_R,
					       .kind = REGION_SHARED})},
			   {.name = "rt3",
			    .kind = PART_PAYLOAD,
			    .cpus = PT_CPUS(7),
			    .mem = PT_REGIONS({.phys = 0x4a00000,
					       .size = 0x200000,
					       .guest = 0,
					       .access = MEM_RWX,
					       .kind = REGION_RAM},
					      {.phys = 0x4800000,
					       .size = 0x1000,
					       .guest = 0x800000,
					       .access = MEM_R,
					       .kind = REGION_SHARED},
					      {.phys = 0x4900000,
					       .size = 0x1000,
					       .guest = 0x900000,
					       .access = MEM_RW,
					       .kind = REGION_SHARED})}),
    .channels =
	PT_CHANNELS({.name = "samples",
		     .phys = 0x4600000,
		     .size = 0x10000,
		     .end = {{.partition = "rt0", .access = MEM_RW, .vector = 0x60},
			     {.partition = "rt1", .access = MEM_R, .vector = 0x61}}},
		    {.name = "setpoints",
		     .phys = 0x4700000,
		     .size = 0x1000,
		     .end = {{.partition = "rt1", .access = MEM_RW, .vector = 0x70, .apic_id = 3},
			     {.partition = "rt0", .access = MEM_R, .vector = 0x71}}},
		    /* table channels 2 and 3: lx's 0 and 1, rt3's 0 and 1 */
		    {.name = "ctl",
		     .phys = 0x4800000,
		     .size = 0x1000,
		     .end = {{.partition = "lx", .access = MEM_RW, .vector = 0x40},
			     {.partition = "rt3", .access = MEM_R, .vector = 0x72}}},
		    {.name = "data",
		     .phys = 0x4900000,
		     .size = 0x1000,
		     .end = {{.partition = "rt3", .access = MEM_RW, .vector = 0x73},
			     {.partition = "lx", .access = MEM_R, .vector = 0x41}}}),
};

/* ---- what core/channels.c asks of the rest -------------------------------------------------- */

static u64 now;
static bool running[NPARTS] = {true, true, true, true, true};
static struct {
	u32 apic, vector;
} sent[256];
static u32 nsent;
static u32 refusals;

u64 arch_tsc(void)
{
	return now;
}

u64 arch_tsc_khz(void)
{
	return KHZ;
}

void arch_send_vector(u32 apic_id, u8 vector)
{
	if (nsent < 256) {
		sent[nsent].apic = apic_id;
		sent[nsent].vector = vector;
	}
	nsent++;
}

const char *partition_name(u32 i)
{
	return i < NPARTS ? partition_table.parts.p[i].name : "?";
}

int partition_find(const char *name)
{
	for (u32 i = 0; i < NPARTS; i++)
		if (strcmp(partition_table.parts.p[i].name, name) == 0)
			return (int)i;
	return -1;
}

static u32 nrung;			 /* rings handed to a Linux side's channel function */
static u32 rung_partition, rung_channel; /* the last one's */

void partition_channel_rung(u32 i, u32 channel)
{
	rung_partition = i;
	rung_channel = channel;
	nrung++;
}

bool partition_running(u32 i)
{
	return i < NPARTS && running[i];
}

void partition_refused(u32 partition, u64 key, bool fault, const char *what, const char *outcome)
{
	static u64 seen[16];
	static u32 nseen;

	CHECK(!fault);
	for (u32 i = 0; i < nseen; i++)
		if (seen[i] == (key ^ (u64)partition << 60))
			return;
	if (nseen < 16)
		seen[nseen++] = key ^ (u64)partition << 60;
	refusals++;
	log_info("partition %s: %s not granted: %s (reported once)\n", partition_name(partition),
		 what, outcome);
}

/* ---- tests ---------------------------------------------------------------------------------- */

/* Each side lists its channels in table order: its own address of the memory, its access,
 * the vector it takes and on which CPU (its first unless the table names one). */
static void test_info(void)
{
	struct payload_info info;

	memset(&info, 0xee, sizeof(info));
	channels_info(&partition_table.parts.p[0], &info);
	CHECK_EQ(info.channel_count, 2);
	CHECK(strcmp(info.channels[0].name, "samples") == 0);
	CHECK_EQ(info.channels[0].gpa, 0x800000);
	CHECK_EQ(info.channels[0].size, 0x10000);
	CHECK_EQ(info.channels[0].access, MEM_RW);
	CHECK_EQ(info.channels[0].vector, 0x60);
	CHECK_EQ(info.channels[0].apic_id, 1);
	CHECK(strcmp(info.channels[1].name, "setpoints") == 0);
	CHECK_EQ(info.channels[1].gpa, 0x900000);
	CHECK_EQ(info.channels[1].access, MEM_R);
	CHECK_EQ(info.channels[1].vector, 0x71);

	channels_info(&partition_table.parts.p[1], &info);
	CHECK_EQ(info.channel_count, 2);
	CHECK_EQ(info.channels[0].gpa, 0xa00000);
	CHECK_EQ(info.channels[0].access, MEM_R);
	CHECK_EQ(info.channels[0].apic_id, 2);
	CHECK_EQ(info.channels[1].gpa, 0xb00000);
	CHECK_EQ(info.channels[1].apic_id, 3);

	channels_info(&partition_table.parts.p[2], &info);
	CHECK_EQ(info.channel_count, 0);
}

/* A ring sends the other side's vector to the other side's CPU: the ringer picks neither. */
static void test_ring_reaches_the_other_side(void)
{
	nsent = 0;
	now += 100ull * KHZ;
	CHECK_EQ(channel_ring(0, 0), 0); /* rt0 rings "samples": rt1's first CPU, 0x61 */
	CHECK_EQ(channel_ring(1, 0), 0); /* rt1 rings "samples": rt0, 0x60 */
	CHECK_EQ(channel_ring(1, 1), 0); /* rt1 rings "setpoints": rt0, 0x71 */
	CHECK_EQ(channel_ring(0, 1), 0); /* rt0 rings "setpoints": rt1's named CPU 3, 0x70 */
	CHECK_EQ(nsent, 4);
	CHECK_EQ(sent[0].apic, 2);
	CHECK_EQ(sent[0].vector, 0x61);
	CHECK_EQ(sent[1].apic, 1);
	CHECK_EQ(sent[1].vector, 0x60);
	CHECK_EQ(sent[2].apic, 1);
	CHECK_EQ(sent[2].vector, 0x71);
	CHECK_EQ(sent[3].apic, 3);
	CHECK_EQ(sent[3].vector, 0x70);
}

/* Not on a channel (or past its list): refused, named once per number; nothing sent. */
static void test_ring_refused(void)
{
	nsent = 0;
	capture_reset();
	for (u32 round = 0; round < 3; round++)
		for (u32 i = 0; i < 4; i++)
			CHECK_EQ(channel_ring(2, i), -1);
	CHECK_EQ(channel_ring(0, 2), -1);
	CHECK_EQ(channel_ring(2, 0xffffffffu), -1); /* the longest number: named whole */
	CHECK_EQ(nsent, 0);
	CHECK_LOG("partition rt2: doorbell on channel 4294967295 (not one of its channels) not "
		  "granted: refused (reported once)\n");
	CHECK_LOG("partition rt2: doorbell on channel 0 (not one of its channels) not granted: "
		  "refused (reported once)\n");
	CHECK_LOG("partition rt0: doorbell on channel 2 (not one of its channels) not granted: "
		  "refused (reported once)\n");
	CHECK_EQ(capture_lines(), 6);
}

/* A burst of CHANNEL_RING_BURST goes through, the rest of the millisecond is dropped and
 * named once; rings come back at CHANNEL_RINGS_PER_MS a millisecond. The other direction
 * has its own budget. */
static void test_ring_rate(void)
{
	u32 ok = 0;

	now += 100ull * KHZ; /* a full bucket */
	nsent = 0;
	capture_reset();
	for (u32 i = 0; i < 1000; i++)
		ok += channel_ring(0, 0) == 0;
	CHECK_EQ(ok, CHANNEL_RING_BURST);
	CHECK_EQ(nsent, CHANNEL_RING_BURST);
	CHECK_LOG("channel samples: rt0 rings faster than 16 a millisecond: doorbells dropped "
		  "(reported once)\n");
	CHECK_EQ(capture_lines(), 1);
	CHECK_EQ(channel_ring(1, 0), 0); /* rt1 -> rt0: not the same bell */
	now += KHZ / 2;			 /* half a millisecond: 8 more */
	ok = 0;
	for (u32 i = 0; i < 100; i++)
		ok += channel_ring(0, 0) == 0;
	CHECK_EQ(ok, CHANNEL_RINGS_PER_MS / 2);
	/* 1 kHz, as a sampler rings: never dropped */
	ok = 0;
	for (u32 i = 0; i < 2000; i++) {
		now += KHZ;
		ok += channel_ring(0, 0) == 0;
	}
	CHECK_EQ(ok, 2000);
	CHECK_EQ(capture_lines(), 1);
}

/* A side that is not running is not interrupted; the ring is not an error. */
static void test_ring_stopped_side(void)
{
	now += 100ull * KHZ;
	nsent = 0;
	running[1] = false;
	CHECK_EQ(channel_ring(0, 0), 0);
	CHECK_EQ(nsent, 0);
	running[1] = true;
	CHECK_EQ(channel_ring(0, 0), 0);
	CHECK_EQ(nsent, 1);
}

/* The other side is a Linux partition: the ring goes to its channel's PCI function
 * (partition_channel_rung, with the partition and the table's channel index), and no vector
 * is sent from here; the table's vector of a Linux end is not used. */
static void test_ring_linux_side(void)
{
	now += 100ull * KHZ;
	nsent = nrung = 0;
	CHECK_EQ(channel_ring(RT3, 0), 0); /* rt3's 0: "ctl", table channel 2 */
	CHECK_EQ(nrung, 1);
	CHECK_EQ(rung_partition, LX);
	CHECK_EQ(rung_channel, 2);
	CHECK_EQ(channel_ring(RT3, 1), 0); /* rt3's 1: "data", table channel 3 */
	CHECK_EQ(nrung, 2);
	CHECK_EQ(rung_partition, LX);
	CHECK_EQ(rung_channel, 3);
	CHECK_EQ(nsent, 0);
	/* the Linux side rings (its Doorbell register): a payload, a vector as usual */
	CHECK_EQ(channel_ring(LX, 0), 0);
	CHECK_EQ(channel_ring(LX, 1), 0);
	CHECK_EQ(nrung, 2);
	CHECK_EQ(nsent, 2);
	CHECK_EQ(sent[0].apic, 7);
	CHECK_EQ(sent[0].vector, 0x72);
	CHECK_EQ(sent[1].apic, 7);
	CHECK_EQ(sent[1].vector, 0x73);
	/* not one of its channels: refused, nobody rung */
	CHECK_EQ(channel_ring(LX, 2), -1);
	CHECK_EQ(channel_ring(RT3, 2), -1);
	CHECK_EQ(nrung, 2);
	CHECK_EQ(nsent, 2);
}

/* Rings to a Linux side are rate-limited as any: a burst, then CHANNEL_RINGS_PER_MS. */
static void test_ring_linux_side_rate(void)
{
	u32 ok = 0;

	now += 100ull * KHZ;
	nsent = nrung = 0;
	capture_reset();
	for (u32 i = 0; i < 1000; i++)
		ok += channel_ring(RT3, 1) == 0;
	CHECK_EQ(ok, CHANNEL_RING_BURST);
	CHECK_EQ(nrung, CHANNEL_RING_BURST);
	CHECK_EQ(nsent, 0);
	CHECK_LOG("channel data: rt3 rings faster than 16 a millisecond: doorbells dropped "
		  "(reported once)\n");
	CHECK_EQ(capture_lines(), 1);
	/* the other direction, and the other channel, have their own budgets */
	CHECK_EQ(channel_ring(LX, 1), 0);
	CHECK_EQ(channel_ring(RT3, 0), 0);
	CHECK_EQ(nrung, CHANNEL_RING_BURST + 1);
	now += KHZ / 2;
	ok = nrung = 0;
	for (u32 i = 0; i < 100; i++)
		ok += channel_ring(RT3, 1) == 0;
	CHECK_EQ(ok, CHANNEL_RINGS_PER_MS / 2);
	CHECK_EQ(nrung, CHANNEL_RINGS_PER_MS / 2);
	CHECK_EQ(nsent, 1);
	CHECK_EQ(capture_lines(), 1);
}

/* A stopped Linux side is not rung; the ring is not an error. */
static void test_ring_linux_side_stopped(void)
{
	now += 100ull * KHZ;
	nsent = nrung = 0;
	running[LX] = false;
	CHECK_EQ(channel_ring(RT3, 0), 0);
	CHECK_EQ(channel_ring(RT3, 1), 0);
	CHECK_EQ(nrung, 0);
	CHECK_EQ(nsent, 0);
	running[LX] = true;
	CHECK_EQ(channel_ring(RT3, 1), 0);
	CHECK_EQ(nrung, 1);
	CHECK_EQ(rung_partition, LX);
	CHECK_EQ(rung_channel, 3);
	CHECK_EQ(nsent, 0);
}

int main(void)
{
	RUN(test_info);
	RUN(test_ring_reaches_the_other_side);
	RUN(test_ring_refused);
	RUN(test_ring_rate);
	RUN(test_ring_stopped_side);
	RUN(test_ring_linux_side);
	RUN(test_ring_linux_side_rate);
	RUN(test_ring_linux_side_stopped);
	CHECK_MAIN_END();
}
