/*
 * Fuzz the partition-table validator (tools/ptcheck.c, included here with PTCHECK_NO_MAIN so
 * its static checks are callable). The fuzz bytes are decoded into a struct partition_table:
 * names, module and initrd tags and the layout name are fixed strings chosen by byte value
 * (NULL, "", duplicates, ones with blanks); kinds, counts, APIC IDs, regions and port ranges
 * come from the bytes, with counts that may disagree with how many entries are filled in.
 * Every check runs; when none reports a problem, an independent check of the isolation rules
 * (CPUs, RAM, the hypervisor's range, ports) must agree that the table is good.
 * ptcheck prints its problem lines on stdout: sent to /dev/null unless FUZZ_VERBOSE is set.
 */
#define PTCHECK_NO_MAIN
#include "tools/ptcheck.c"

#include <stdlib.h>

#include "tests/fuzz/fuzz.h"

static const char *const strings[] = {
    NULL,
    "",
    "linux",
    "rt0",
    "rt1",
    "rt0",
    "initrd",
    "a b",
    "tab\there",
    "nl\n",
    "x",
    "a-rather-long-partition-name-that-still-fits-in-one-message-line-of-ptcheck-output",
};

static const char *pick_string(struct fuzz_reader *r)
{
	return strings[fuzz_u8(r) % ARRAY_SIZE(strings)];
}

/* Addresses and sizes: page-aligned small, MiB-aligned, arbitrary, or a little misaligned. */
static u64 pick_addr(struct fuzz_reader *r)
{
	u8 b = fuzz_u8(r);

	switch (b >> 6) {
	case 0:
		return (u64)fuzz_u16(r) << 12;
	case 1:
		return (u64)fuzz_u16(r) << 20;
	case 2:
		return fuzz_u64(r);
	default:
		return ((u64)fuzz_u16(r) << 12) + (b & 0x3f);
	}
}

/* A count byte with the top bit clear means "as many as were filled in"; set, any 0-127. */
static u32 pick_count(struct fuzz_reader *r, u32 filled)
{
	u8 b = fuzz_u8(r);

	return b & 0x80 ? b & 0x7fu : filled;
}

static void decode(struct fuzz_reader *r, struct partition_table *t)
{
	u32 nparts = fuzz_u8(r) % (PT_MAX_PARTITIONS + 1);

	memset(t, 0, sizeof(*t));
	t->layout = pick_string(r);
	t->parts.count = pick_count(r, nparts);
	for (u32 i = 0; i < nparts; i++) {
		struct partition_config *p = &t->parts.p[i];
		u32 n;
		u8 b;

		p->name = pick_string(r);
		b = fuzz_u8(r);
		p->kind = b < 0xf0 ? b % 3 : b;
		p->module = pick_string(r);
		p->initrd = pick_string(r);
		p->cmdline = pick_string(r);
		b = fuzz_u8(r);
		p->fault = b < 0xf0 ? b % 2 : b;
		n = fuzz_u8(r) % (PT_MAX_CPUS + 1);
		p->cpus.count = pick_count(r, n);
		for (u32 c = 0; c < n; c++)
			p->cpus.apic_id[c] = fuzz_u8(r);
		n = fuzz_u8(r) % (PT_MAX_REGIONS + 1);
		p->mem.count = pick_count(r, n);
		for (u32 k = 0; k < n; k++) {
			struct pt_region *m = &p->mem.r[k];

			m->phys = pick_addr(r);
			m->size = pick_addr(r);
			m->guest = pick_addr(r);
			b = fuzz_u8(r);
			m->access = b < 0xf0 ? b % 8 : b;
			b = fuzz_u8(r);
			m->kind = b < 0xf0 ? b % 4 : b;
		}
		n = fuzz_u8(r) % (PT_MAX_PORTS + 1);
		p->ports.count = pick_count(r, n);
		for (u32 k = 0; k < n; k++) {
			p->ports.p[k].base = fuzz_u16(r);
			b = fuzz_u8(r);
			p->ports.p[k].count = b < 0xf0 ? b % 16 : fuzz_u16(r);
		}
	}
}

static bool overlap(u64 a, u64 as, u64 b, u64 bs)
{
	return a < b + bs && b < a + as;
}

/* The isolation rules docs/partitions.md states, checked again without ptcheck's code. */
static void check_good(const struct partition_table *t)
{
	u32 linux = 0;

	FUZZ_ASSERT(t->parts.count >= 1 && t->parts.count <= PT_MAX_PARTITIONS);
	FUZZ_ASSERT(t->layout && t->layout[0]);
	for (u32 i = 0; i < t->parts.count; i++) {
		const struct partition_config *p = &t->parts.p[i];

		FUZZ_ASSERT(p->name && p->name[0] && p->module && p->module[0]);
		FUZZ_ASSERT(!strchr(p->module, ' ') && !strchr(p->module, '\t') &&
			    !strchr(p->module, '\n'));
		FUZZ_ASSERT(p->kind == PART_LINUX || p->kind == PART_PAYLOAD);
		linux += p->kind == PART_LINUX;
		FUZZ_ASSERT(p->cpus.count >= 1 && p->cpus.count <= PT_MAX_CPUS);
		FUZZ_ASSERT(p->mem.count <= PT_MAX_REGIONS && p->ports.count <= PT_MAX_PORTS);
		for (u32 k = 0; k < p->mem.count; k++) {
			const struct pt_region *a = &p->mem.r[k];

			FUZZ_ASSERT(a->size && a->size % PAGE_SIZE == 0 &&
				    a->phys % PAGE_SIZE == 0 && a->guest % PAGE_SIZE == 0);
			FUZZ_ASSERT(a->phys + a->size > a->phys && a->guest + a->size > a->guest);
			FUZZ_ASSERT(!overlap(a->phys, a->size, HV_LOAD_ADDR, HV_MAX_SIZE));
		}
		for (u32 k = 0; k < p->ports.count; k++) {
			const struct pt_ports *a = &p->ports.p[k];

			FUZZ_ASSERT(a->count && (u32)a->base + a->count <= 0x10000);
			FUZZ_ASSERT(!overlap(a->base, a->count, 0x3f8, 8));
		}
		for (u32 j = 0; j < i; j++) {
			const struct partition_config *q = &t->parts.p[j];

			FUZZ_ASSERT(strcmp(p->name, q->name) != 0 &&
				    strcmp(p->module, q->module) != 0);
			for (u32 c = 0; c < p->cpus.count; c++)
				for (u32 d = 0; d < q->cpus.count; d++)
					FUZZ_ASSERT(p->cpus.apic_id[c] != q->cpus.apic_id[d]);
			for (u32 k = 0; k < p->mem.count; k++)
				for (u32 l = 0; l < q->mem.count; l++) {
					const struct pt_region *a = &p->mem.r[k], *b = &q->mem.r[l];

					if (a->kind == REGION_SHARED && b->kind == REGION_SHARED)
						continue;
					FUZZ_ASSERT(!overlap(a->phys, a->size, b->phys, b->size));
				}
			for (u32 k = 0; k < p->ports.count; k++)
				for (u32 l = 0; l < q->ports.count; l++)
					FUZZ_ASSERT(
					    !overlap(p->ports.p[k].base, p->ports.p[k].count,
						     q->ports.p[l].base, q->ports.p[l].count));
		}
	}
	FUZZ_ASSERT(linux <= 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (!getenv("FUZZ_VERBOSE") && !freopen("/dev/null", "w", stdout))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct partition_table t;
	struct fuzz_reader r = {data, size};

	fuzz_begin();
	decode(&r, &t);
	problems = 0;
	file = "fuzz.c";
	for (size_t c = 0; c < ARRAY_SIZE(checks); c++)
		checks[c](&t);
	if (!problems)
		check_good(&t);
	return 0;
}
