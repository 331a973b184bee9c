/*
 * Fuzz the partition-table validator (tools/ptcheck.c, included here with PTCHECK_NO_MAIN so
 * its static checks are callable). The fuzz bytes are decoded into a struct partition_table:
 * names, module and initrd tags and the layout name are fixed strings chosen by byte value
 * (NULL, "", duplicates, ones with blanks); kinds, counts, APIC IDs, regions, port ranges and
 * devices come from the bytes, with counts that may disagree with how many entries are filled
 * in (unless the first byte asks for lean decoding, see `lean`). The devices are decoded after
 * every partition, so an input that ends there (as the first seeds do) has none; the channels
 * after every device, so an input that ends before them has none either. Every check runs;
 * when none reports a problem, check_good() must agree that the table is good: every rule
 * docs/partitions.md states, checked again without ptcheck's code or constants (the
 * documented numbers are written here as the docs give them).
 * ptcheck prints its problem lines on stdout: sent to /dev/null unless FUZZ_VERBOSE is set.
 */
#define PTCHECK_NO_MAIN
#include "tools/ptcheck.c"

#include <stdlib.h>

#include "tests/fuzz/fuzz.h"

/*
 * The numbers docs/partitions.md documents, for the oracle (check_good, below) and the
 * decoder: written here as the docs give them, not taken from ptcheck or bulkhead/ptable.h, so a
 * constant that drifts from the docs is caught too.
 */
#define DOC_MAX_PARTITIONS 8	       /* "at most PT_MAX_PARTITIONS (8) partitions" */
#define DOC_PAGE	   0x1000ULL   /* regions "all 4 KiB aligned, size non-zero" */
#define DOC_HV_START	   0x200000ULL /* "the hypervisor's range (...: 2-16 MiB)" */
#define DOC_HV_END	   0x1000000ULL
#define DOC_COM1_FIRST	   0x3f8u /* "COM1 (0x3f8-0x3ff) cannot be granted" */
#define DOC_COM1_LAST	   0x3ffu
#define DOC_PORT_LAST	   0xffffu /* "port ranges past 0xffff" */
/* docs/partitions.md, "what the table may not hand out": */
#define DOC_HOST_END  0x100000000ULL /* host ranges end by 4 GiB (Bulkhead's own map) */
#define DOC_GUEST_END (1ULL << 48)   /* guest ranges end by 2^48 (a 4-level EPT) */
static const struct {
	u64 start, size;
} doc_machine[] = {
    {0xfec00000, 0x100000}, /* I/O APIC */
    {0xfed90000, 0x2000},   /* VT-d (DMAR) registers */
    {0xfee00000, 0x100000}, /* local APIC */
};
static const struct {
	u32 base, count;
} doc_ports[] = {
    {0x60, 1},	{0x64, 1}, {0x92, 1}, /* keyboard controller, system control port A */
    {0xcf8, 8},			      /* PCI configuration, 0xcf9 the reset control register */
    {0x00, 16},			      /* "the 8237 DMA controllers": 0x00-0x0f, */
    {0x81, 15},			      /* their page registers 0x81-0x8f */
    {0xc0, 32},			      /* and 0xc0-0xdf */
    {0x2e, 2},	{0x4e, 2},	      /* the Super I/O configuration ports */
};
/* docs/partitions.md, devices: */
#define DOC_MAX_DEVICES 8   /* "at most PT_MAX_DEVICES (8)" */
#define DOC_MAX_GSI	240 /* "irq below PT_MAX_GSI (240)" */
#define DOC_COM1_IRQ	4   /* "not COM1's IRQ 4" */
/* docs/partitions.md, channels: */
#define DOC_MAX_CHANNELS      8	   /* "at most PT_MAX_CHANNELS (8) channels" */
#define DOC_CHAN_NAME_MAX     31   /* "at most 31 characters" */
#define DOC_VECTOR_FIRST      0x20 /* a doorbell's vector "0x20-0xff" */
#define DOC_VECTOR_LAST	      0xff
#define DOC_CHANNELS_PER_PART 4 /* "a partition is on at most 4 channels" */
/* for a Linux end, "no region of the partition ... with a guest-physical range in
 * 0xfec00000-0xfecfffff" */
#define DOC_LINUX_IOAPIC_FIRST 0xfec00000ULL
#define DOC_LINUX_IOAPIC_SIZE  0x100000ULL

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

/*
 * Lean decoding (bit 7 of the first byte; the seeds leave it clear): every field is one a
 * table may have on its own (a kind, access, fault policy or region kind that exists, a
 * string that is not NULL or empty, non-empty lists, counts as filled in, page-aligned
 * addresses, no initrd on a payload, Linux only first), so a table fails, if at all, on the
 * rules between fields and partitions. Without it ptcheck rejects all but about one decoded
 * table in 600, and check_good() seldom runs.
 */
static bool lean;

static const char *pick_string(struct fuzz_reader *r)
{
	u8 b = fuzz_u8(r);

	if (lean)
		return strings[2 + b % (ARRAY_SIZE(strings) - 2)];
	return strings[b % ARRAY_SIZE(strings)];
}

/* An enum-like field whose known values are 0..n-1, the valid ones from `first`: any known
 * value, or from byte 0xf0 up the byte itself; lean, a valid one. */
static u32 pick_enum(struct fuzz_reader *r, u32 first, u32 n)
{
	u8 b = fuzz_u8(r);

	if (lean)
		return first + b % (n - first);
	return b < 0xf0 ? b % n : b;
}

/* How many entries of a list are filled in: 0..max; lean, 1..3 (longer lists of random
 * CPUs, regions and names almost always collide somewhere). */
static u32 pick_len(struct fuzz_reader *r, u32 max)
{
	u8 b = fuzz_u8(r);

	return lean ? 1 + b % 3 : b % (max + 1);
}

/*
 * Addresses and sizes: page-aligned small, MiB-aligned, arbitrary, a little misaligned, or
 * within 128 pages of an end of the hypervisor's range. The last makes the few addresses
 * where an off-by-some in ptcheck or a drifted HV_* constant shows as likely as any other:
 * the other encodings reach them by luck only (the seeds use the first three). It reads two
 * bytes (the offset is the first, signed), as the page and MiB encodings do, so one mutation
 * of a seed's encoding byte leaves the rest of the table in step.
 */
static u64 pick_raw_addr(struct fuzz_reader *r)
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
		if (b & 0x20)
			return (b & 1 ? DOC_HV_END : DOC_HV_START) +
			       (u64)(s64)(s8)(u8)fuzz_u16(r) * DOC_PAGE;
		return ((u64)fuzz_u16(r) << 12) + (b & 0x1f);
	}
}

/* Lean: page aligned and below 2^48, so no range wraps. */
static u64 pick_addr(struct fuzz_reader *r)
{
	u64 a = pick_raw_addr(r);

	return lean ? a & 0xfffffffff000ULL : a;
}

/* A count byte with the top bit clear means "as many as were filled in"; set, any 0-127. */
static u32 pick_count(struct fuzz_reader *r, u32 filled)
{
	u8 b = fuzz_u8(r);

	return b & 0x80 && !lean ? b & 0x7fu : filled;
}

/* Lean: at most one Linux partition, the first, and no initrd on a payload. */
static void decode_kind(struct fuzz_reader *r, struct partition_config *p, u32 index)
{
	p->kind = pick_enum(r, PART_LINUX, 3);
	if (lean && index > 0)
		p->kind = PART_PAYLOAD;
	p->module = pick_string(r);
	p->initrd = pick_string(r);
	if (lean && p->kind != PART_LINUX)
		p->initrd = NULL;
}

static void decode_region(struct fuzz_reader *r, struct pt_region *m)
{
	m->phys = pick_addr(r);
	m->size = pick_addr(r);
	m->guest = pick_addr(r);
	m->access = pick_enum(r, 1, 8);
	m->kind = pick_enum(r, REGION_RAM, 4);
}

/*
 * One byte holds both fault policies: .fault as pick_enum() decodes it, .dma_fault from bits
 * 1-2 (0xf0 and up: the byte itself, unknown), so the seeds' bytes 0 and 1 leave it
 * DMA_FAULT_AS_FAULT. Lean, both valid.
 */
static void decode_fault(struct fuzz_reader *r, struct partition_config *p)
{
	u8 b = fuzz_u8(r);

	if (lean) {
		p->fault = FAULT_STOP + b % 2;
		p->dma_fault = DMA_FAULT_AS_FAULT + (b >> 1) % 2;
	} else {
		p->fault = b < 0xf0 ? b % 2 : b;
		p->dma_fault = b < 0xf0 ? (b >> 1) % 3 : b;
	}
}

static void decode_partition(struct fuzz_reader *r, struct partition_config *p, u32 index)
{
	u32 n;
	u8 b;

	p->name = pick_string(r);
	decode_kind(r, p, index);
	p->cmdline = pick_string(r);
	decode_fault(r, p);
	n = pick_len(r, PT_MAX_CPUS);
	p->cpus.count = pick_count(r, n);
	for (u32 c = 0; c < n; c++)
		p->cpus.apic_id[c] = fuzz_u8(r);
	n = pick_len(r, PT_MAX_REGIONS);
	p->mem.count = pick_count(r, n);
	for (u32 k = 0; k < n; k++)
		decode_region(r, &p->mem.r[k]);
	n = fuzz_u8(r) % (lean ? 4 : PT_MAX_PORTS + 1); /* no ports is fine, lean or not */
	p->ports.count = pick_count(r, n);
	for (u32 k = 0; k < n; k++) {
		p->ports.p[k].base = fuzz_u16(r);
		b = fuzz_u8(r);
		p->ports.p[k].count = lean ? 1 + b % 16 : (b < 0xf0 ? b % 16 : fuzz_u16(r));
	}
}

/*
 * A BAR. Lean: a memory BAR of 4 KiB to 512 KiB or an I/O BAR of 4 to 128 ports, aligned to
 * its size, or none; else any kind, base and size.
 */
static void decode_bar(struct fuzz_reader *r, struct pt_bar *b)
{
	u8 shape;

	b->kind = pick_enum(r, BAR_NONE, 3);
	shape = fuzz_u8(r);
	if (!lean) {
		b->base = b->kind == BAR_IO ? fuzz_u16(r) : pick_raw_addr(r);
		b->size = b->kind == BAR_IO ? fuzz_u8(r) : pick_raw_addr(r);
	} else if (b->kind == BAR_MEM) {
		b->size = DOC_PAGE << (shape % 8);
		b->base = pick_addr(r) & ~(b->size - 1);
	} else if (b->kind == BAR_IO) {
		b->size = 4u << (shape % 6);
		b->base = fuzz_u16(r) & ~(b->size - 1);
	}
}

/*
 * A device. Lean: a PCI function has a bdf and up to two BARs and no ports, a legacy device
 * ports and no bdf or BARs, its irq is below 24; else every field is filled from the bytes.
 */
static void decode_device(struct fuzz_reader *r, struct pt_device *d)
{
	u8 shape = fuzz_u8(r);
	u32 nbars;

	d->kind = pick_enum(r, DEV_PCI, 3);
	d->name = pick_string(r);
	d->irq = lean ? fuzz_u8(r) % 24 : fuzz_u8(r);
	d->flags = lean ? shape & DEV_NO_DMA : shape & 3;
	if (!lean || d->kind == DEV_PCI)
		d->bdf = fuzz_u16(r) | (!lean && shape & 0x80 ? 0x10000u : 0);
	if (!lean || d->kind == DEV_LEGACY) {
		d->ports.base = fuzz_u16(r);
		d->ports.count = lean ? 1 + fuzz_u8(r) % 16 : fuzz_u8(r);
	}
	nbars = lean && d->kind != DEV_PCI ? 0 : (shape >> 2) % (lean ? 3 : PT_MAX_BARS + 1);
	for (u32 k = 0; k < nbars; k++)
		decode_bar(r, &d->bar[fuzz_u8(r) % PT_MAX_BARS]);
}

/* A byte of 0 (as past the end of the input) means no devices, lean or not. */
static void decode_devices(struct fuzz_reader *r, struct partition_config *p)
{
	u32 n = fuzz_u8(r) % (lean ? 3 : PT_MAX_DEVICES + 1);

	p->devices.count = pick_count(r, n);
	for (u32 k = 0; k < n; k++)
		decode_device(r, &p->devices.d[k]);
}

/*
 * A channel's end. The partition byte below 0x80 (lean: any) names partition byte % nparts
 * (NULL when there is none), else one of the fixed strings. Lean, the access is MEM_R or
 * MEM_RW, the vector 0x20-0xff (one byte) and the CPU 0 or one of that partition's, both 0
 * when that partition is Linux (the bytes are read all the same); else the access is any of
 * 0-7 (from 0xf0 the byte itself), the vector two bytes and the CPU one.
 * Returns the partition it took by index, or -1.
 */
static int decode_end(struct fuzz_reader *r, const struct partition_table *t, u32 nparts,
		      struct pt_channel_end *e)
{
	u8 b = fuzz_u8(r);
	int part = -1;

	if ((lean || b < 0x80) && nparts) {
		part = (int)(b % nparts);
		e->partition = t->parts.p[part].name;
	} else if (b >= 0x80) {
		e->partition = strings[b % ARRAY_SIZE(strings)];
	}
	b = fuzz_u8(r);
	e->access = lean ? (b & 1 ? MEM_RW : MEM_R) : (b < 0xf0 ? b % 8u : b);
	e->vector = lean ? 0x20u + fuzz_u8(r) % 0xe0u : fuzz_u16(r);
	b = fuzz_u8(r);
	e->apic_id = b;
	if (lean && part >= 0) {
		const struct partition_config *p = &t->parts.p[part];
		u32 n = min_u32(p->cpus.count, PT_MAX_CPUS) + 1;

		e->apic_id = b % n ? p->cpus.apic_id[b % n - 1] : 0;
		if (p->kind == PART_LINUX)
			e->vector = e->apic_id = 0;
	}
	return part;
}

/*
 * A channel: its name, its two ends, then its memory: a byte below 0x80 copies the range of
 * region byte % mem.count of end[0]'s partition (partition 0 when end[0] took none), which is
 * how a good channel is found; else phys and size are two addresses.
 */
static void decode_channel(struct fuzz_reader *r, const struct partition_table *t, u32 nparts,
			   struct pt_channel *c)
{
	int part;
	u8 b;

	c->name = pick_string(r);
	part = decode_end(r, t, nparts, &c->end[0]);
	decode_end(r, t, nparts, &c->end[1]);
	b = fuzz_u8(r);
	if (b < 0x80 && nparts) {
		const struct partition_config *p = &t->parts.p[part < 0 ? 0 : part];
		u32 n = min_u32(p->mem.count, PT_MAX_REGIONS);
		const struct pt_region *m = &p->mem.r[n ? b % n : 0];

		c->phys = m->phys;
		c->size = m->size;
	} else {
		c->phys = pick_addr(r);
		c->size = pick_addr(r);
	}
}

/* A byte of 0 (as past the end of the input) means no channels, lean or not. */
static void decode_channels(struct fuzz_reader *r, struct partition_table *t, u32 nparts)
{
	u32 n = fuzz_u8(r) % (lean ? 3 : PT_MAX_CHANNELS + 1);

	t->channels.count = pick_count(r, n);
	for (u32 k = 0; k < n; k++)
		decode_channel(r, t, nparts, &t->channels.c[k]);
}

static void decode(struct fuzz_reader *r, struct partition_table *t)
{
	u8 b = fuzz_u8(r);
	u32 nparts;

	lean = b & 0x80;
	nparts = lean ? 1 + b % 3 : (b & 0x7f) % (PT_MAX_PARTITIONS + 1);
	memset(t, 0, sizeof(*t));
	t->layout = pick_string(r);
	t->parts.count = pick_count(r, nparts);
	for (u32 i = 0; i < nparts; i++)
		decode_partition(r, &t->parts.p[i], i);
	for (u32 i = 0; i < nparts; i++)
		decode_devices(r, &t->parts.p[i]);
	decode_channels(r, t, nparts);
}

/*
 * The oracle: the rules docs/partitions.md states (its field table and its "Checked twice"
 * list), checked again without ptcheck's code. List maxima the docs give no number for are
 * the arrays' own lengths. A table reaches it only when ptcheck found no problem, so each
 * assertion is one rule ptcheck must have enforced.
 */
static bool has_text(const char *s)
{
	return s && s[0];
}

/* A GRUB module tag is one word of the `module2 <file> <tag> [words...]` line. */
static bool one_word(const char *s)
{
	return has_text(s) && !strpbrk(s, " \t\n\r\v\f");
}

static bool same_tag(const char *a, const char *b)
{
	return has_text(a) && has_text(b) && strcmp(a, b) == 0;
}

/* [a, a + as) and [b, b + bs) share a byte; callers have checked neither end wraps. */
static bool meet(u64 a, u64 as, u64 b, u64 bs)
{
	return !(a + as <= b || b + bs <= a);
}

/* "zero-sized or unaligned regions, overflowing ranges, unknown kinds, access", and "any
 * region overlapping the hypervisor's range". An end of exactly 2^64 does not fit a u64:
 * overflowing too. */
static void good_region(const struct pt_region *m)
{
	FUZZ_ASSERT(m->size != 0 && m->size % DOC_PAGE == 0);
	FUZZ_ASSERT(m->phys % DOC_PAGE == 0 && m->guest % DOC_PAGE == 0);
	FUZZ_ASSERT(m->phys + m->size > m->phys && m->guest + m->size > m->guest);
	FUZZ_ASSERT(m->kind == REGION_RAM || m->kind == REGION_SHARED || m->kind == REGION_MMIO);
	/* access MEM_R/MEM_W/MEM_X: no other bit, and some right (tests/ptcheck/
	 * bad_mem_access_none.c). */
	FUZZ_ASSERT(m->access != 0 && (m->access & ~(u32)(MEM_R | MEM_W | MEM_X)) == 0);
	FUZZ_ASSERT(m->phys + m->size <= DOC_HV_START || m->phys >= DOC_HV_END);
	FUZZ_ASSERT(m->phys + m->size <= DOC_HOST_END && m->guest + m->size <= DOC_GUEST_END);
	for (size_t i = 0; i < ARRAY_SIZE(doc_machine); i++)
		FUZZ_ASSERT(!meet(m->phys, m->size, doc_machine[i].start, doc_machine[i].size));
}

/* "a partition with no CPU", "a CPU ... twice in one", lists "filled past their count". */
static void good_cpus(const struct partition_config *p)
{
	FUZZ_ASSERT(p->cpus.count >= 1 && p->cpus.count <= ARRAY_SIZE(p->cpus.apic_id));
	for (u32 c = 0; c < p->cpus.count; c++)
		for (u32 d = 0; d < c; d++)
			FUZZ_ASSERT(p->cpus.apic_id[c] != p->cpus.apic_id[d]);
	for (size_t c = p->cpus.count; c < ARRAY_SIZE(p->cpus.apic_id); c++)
		FUZZ_ASSERT(p->cpus.apic_id[c] == 0);
}

/* Every region well formed, at least one REGION_RAM, no "guest-physical or host overlaps
 * inside one partition" (whatever the kinds), nothing past the count. */
static void good_memory(const struct partition_config *p)
{
	static const struct pt_region unused;
	bool ram = false;

	FUZZ_ASSERT(p->mem.count <= ARRAY_SIZE(p->mem.r));
	for (u32 k = 0; k < p->mem.count; k++) {
		good_region(&p->mem.r[k]);
		ram |= p->mem.r[k].kind == REGION_RAM;
	}
	FUZZ_ASSERT(ram);
	for (u32 k = 0; k < p->mem.count; k++)
		for (u32 l = 0; l < k; l++) {
			const struct pt_region *a = &p->mem.r[k], *b = &p->mem.r[l];

			FUZZ_ASSERT(!meet(a->guest, a->size, b->guest, b->size));
			FUZZ_ASSERT(!meet(a->phys, a->size, b->phys, b->size));
		}
	for (size_t k = p->mem.count; k < ARRAY_SIZE(p->mem.r); k++)
		FUZZ_ASSERT(memcmp(&p->mem.r[k], &unused, sizeof(unused)) == 0);
}

/* A range of ports or addresses: a port grant or a memory BAR. */
struct doc_range {
	u64 base, size;
};

/* At most 8 port ranges, and 8 devices of 6 BARs each (the arrays' lengths). */
#define DOC_MAX_RANGES (8 + 8 * 6)

/* "Device ports follow the .ports rules": the partition's .ports, each legacy device's ports
 * and each PCI function's I/O BARs. Called once the counts are known to fit. */
static u32 doc_port_ranges(const struct partition_config *p, struct doc_range *out)
{
	u32 n = 0;

	for (u32 k = 0; k < p->ports.count; k++)
		out[n++] = (struct doc_range){p->ports.p[k].base, p->ports.p[k].count};
	for (u32 k = 0; k < p->devices.count; k++) {
		const struct pt_device *d = &p->devices.d[k];

		if (d->kind == DEV_LEGACY && d->ports.count != 0)
			out[n++] = (struct doc_range){d->ports.base, d->ports.count};
		for (size_t b = 0; d->kind == DEV_PCI && b < ARRAY_SIZE(d->bar); b++)
			if (d->bar[b].kind == BAR_IO)
				out[n++] = (struct doc_range){d->bar[b].base, d->bar[b].size};
	}
	return n;
}

/* The partition's PCI functions' memory BARs. */
static u32 doc_mem_bars(const struct partition_config *p, struct doc_range *out)
{
	u32 n = 0;

	for (u32 k = 0; k < p->devices.count; k++) {
		const struct pt_device *d = &p->devices.d[k];

		for (size_t b = 0; d->kind == DEV_PCI && b < ARRAY_SIZE(d->bar); b++)
			if (d->bar[b].kind == BAR_MEM)
				out[n++] = (struct doc_range){d->bar[b].base, d->bar[b].size};
	}
	return n;
}

/* Non-empty ranges ending by 0xffff, none touching COM1 or the machine's ports, no "port
 * granted twice" inside the partition (devices' ports included), nothing past the count. */
static void good_ports(const struct partition_config *p)
{
	static const struct pt_ports unused;
	struct doc_range r[DOC_MAX_RANGES];
	u32 n;

	FUZZ_ASSERT(p->ports.count <= ARRAY_SIZE(p->ports.p));
	for (size_t k = p->ports.count; k < ARRAY_SIZE(p->ports.p); k++)
		FUZZ_ASSERT(memcmp(&p->ports.p[k], &unused, sizeof(unused)) == 0);
	n = doc_port_ranges(p, r);
	for (u32 k = 0; k < n; k++) {
		u64 last = r[k].base + r[k].size - 1;

		FUZZ_ASSERT(r[k].size >= 1 && last <= DOC_PORT_LAST);
		FUZZ_ASSERT(last < DOC_COM1_FIRST || r[k].base > DOC_COM1_LAST);
		for (size_t i = 0; i < ARRAY_SIZE(doc_ports); i++)
			FUZZ_ASSERT(
			    !meet(r[k].base, r[k].size, doc_ports[i].base, doc_ports[i].count));
		for (u32 l = 0; l < k; l++)
			FUZZ_ASSERT(!meet(r[k].base, r[k].size, r[l].base, r[l].size));
	}
}

static bool doc_pow2(u64 x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* "a memory BAR: 4 KiB aligned, a power of two of at least 4 KiB, aligned to its size, ending
 * by 2^48, clear of the hypervisor and the machine's ranges"; "an I/O BAR: a power of two of
 * at least 4 ports, aligned to its size, ending by 0xffff". */
static void good_bar(const struct pt_bar *b)
{
	FUZZ_ASSERT(b->kind == BAR_NONE || b->kind == BAR_MEM || b->kind == BAR_IO);
	if (b->kind == BAR_MEM) {
		FUZZ_ASSERT(doc_pow2(b->size) && b->size >= DOC_PAGE && b->base % b->size == 0);
		FUZZ_ASSERT(b->base + b->size > b->base && b->base + b->size <= DOC_GUEST_END);
		FUZZ_ASSERT(b->base + b->size <= DOC_HV_START || b->base >= DOC_HV_END);
		for (size_t i = 0; i < ARRAY_SIZE(doc_machine); i++)
			FUZZ_ASSERT(
			    !meet(b->base, b->size, doc_machine[i].start, doc_machine[i].size));
	} else if (b->kind == BAR_IO) {
		FUZZ_ASSERT(doc_pow2(b->size) && b->size >= 4 && b->base % b->size == 0);
	}
}

/* One device on its own: kind, name, flags, irq, and the fields of its kind only. */
static void good_device(const struct pt_device *d)
{
	static const struct pt_bar none;

	FUZZ_ASSERT(d->kind == DEV_PCI || d->kind == DEV_LEGACY);
	FUZZ_ASSERT(has_text(d->name));
	FUZZ_ASSERT((d->flags & ~(u32)DEV_NO_DMA) == 0);
	FUZZ_ASSERT(d->irq < DOC_MAX_GSI && d->irq != DOC_COM1_IRQ);
	if (d->kind == DEV_PCI) {
		FUZZ_ASSERT(d->bdf != 0 && d->bdf <= 0xffff); /* not 00:00.0, the host bridge */
		FUZZ_ASSERT(d->ports.base == 0 && d->ports.count == 0);
		for (size_t b = 0; b < ARRAY_SIZE(d->bar); b++)
			good_bar(&d->bar[b]);
	} else {
		/* "ports, an interrupt, or both": no ports is base and count 0 */
		FUZZ_ASSERT(d->ports.count != 0 || (d->ports.base == 0 && d->irq != 0));
		FUZZ_ASSERT(d->bdf == 0);
		for (size_t b = 0; b < ARRAY_SIZE(d->bar); b++)
			FUZZ_ASSERT(memcmp(&d->bar[b], &none, sizeof(none)) == 0);
	}
}

/* Every device well formed, names and bdfs unique, memory BARs on nothing else the partition
 * maps (host or guest) nor on each other, nothing past the count. */
static void good_devices(const struct partition_config *p)
{
	static const struct pt_device unused;
	struct doc_range bar[DOC_MAX_RANGES];
	u32 n;

	FUZZ_ASSERT(p->devices.count <= DOC_MAX_DEVICES);
	for (size_t k = p->devices.count; k < ARRAY_SIZE(p->devices.d); k++)
		FUZZ_ASSERT(memcmp(&p->devices.d[k], &unused, sizeof(unused)) == 0);
	for (u32 k = 0; k < p->devices.count; k++) {
		const struct pt_device *a = &p->devices.d[k];

		good_device(a);
		for (u32 l = 0; l < k; l++) {
			FUZZ_ASSERT(strcmp(a->name, p->devices.d[l].name) != 0);
			FUZZ_ASSERT(a->kind != DEV_PCI || p->devices.d[l].kind != DEV_PCI ||
				    a->bdf != p->devices.d[l].bdf);
		}
	}
	n = doc_mem_bars(p, bar);
	for (u32 k = 0; k < n; k++) {
		for (u32 l = 0; l < k; l++)
			FUZZ_ASSERT(!meet(bar[k].base, bar[k].size, bar[l].base, bar[l].size));
		for (u32 l = 0; l < p->mem.count; l++) {
			const struct pt_region *m = &p->mem.r[l];

			FUZZ_ASSERT(!meet(bar[k].base, bar[k].size, m->phys, m->size));
			FUZZ_ASSERT(!meet(bar[k].base, bar[k].size, m->guest, m->size));
		}
	}
}

/* One partition on its own: name, kind, module and initrd tags, fault policy, resources. */
static void good_partition(const struct partition_config *p)
{
	FUZZ_ASSERT(has_text(p->name));
	FUZZ_ASSERT(p->kind == PART_LINUX || p->kind == PART_PAYLOAD);
	FUZZ_ASSERT(one_word(p->module));
	/* "an initrd tag on a payload or equal to another tag" (its own module's included) */
	FUZZ_ASSERT(!has_text(p->initrd) || p->kind == PART_LINUX);
	FUZZ_ASSERT(!same_tag(p->initrd, p->module));
	FUZZ_ASSERT(p->fault == FAULT_STOP || p->fault == FAULT_RESTART);
	FUZZ_ASSERT(p->dma_fault == DMA_FAULT_AS_FAULT || p->dma_fault == DMA_FAULT_REPORT);
	good_cpus(p);
	good_memory(p);
	good_devices(p);
	good_ports(p);
}

/* Two partitions' devices: "a device is never shared", nor a port, an interrupt line or a
 * BAR's range; a memory BAR lies on no region of the other partition. */
static void good_pair_devices(const struct partition_config *p, const struct partition_config *q)
{
	struct doc_range a[DOC_MAX_RANGES], b[DOC_MAX_RANGES];
	u32 na = doc_port_ranges(p, a), nb = doc_port_ranges(q, b);

	for (u32 k = 0; k < na; k++)
		for (u32 l = 0; l < nb; l++)
			FUZZ_ASSERT(!meet(a[k].base, a[k].size, b[l].base, b[l].size));
	for (u32 k = 0; k < p->devices.count; k++)
		for (u32 l = 0; l < q->devices.count; l++) {
			const struct pt_device *d = &p->devices.d[k], *e = &q->devices.d[l];

			FUZZ_ASSERT(d->kind != DEV_PCI || e->kind != DEV_PCI || d->bdf != e->bdf);
			FUZZ_ASSERT(d->irq == 0 || d->irq != e->irq);
		}
	na = doc_mem_bars(p, a);
	nb = doc_mem_bars(q, b);
	for (u32 k = 0; k < na; k++) {
		for (u32 l = 0; l < nb; l++)
			FUZZ_ASSERT(!meet(a[k].base, a[k].size, b[l].base, b[l].size));
		for (u32 l = 0; l < q->mem.count; l++)
			FUZZ_ASSERT(
			    !meet(a[k].base, a[k].size, q->mem.r[l].phys, q->mem.r[l].size));
	}
	for (u32 k = 0; k < nb; k++)
		for (u32 l = 0; l < p->mem.count; l++)
			FUZZ_ASSERT(
			    !meet(b[k].base, b[k].size, p->mem.r[l].phys, p->mem.r[l].size));
}

/* Two partitions: nothing of one may be the other's, except memory both declared SHARED. */
static void good_pair(const struct partition_config *p, const struct partition_config *q)
{
	FUZZ_ASSERT(strcmp(p->name, q->name) != 0 && strcmp(p->module, q->module) != 0);
	FUZZ_ASSERT(!same_tag(p->initrd, q->module) && !same_tag(q->initrd, p->module));
	FUZZ_ASSERT(!same_tag(p->initrd, q->initrd));
	for (u32 c = 0; c < p->cpus.count; c++)
		for (u32 d = 0; d < q->cpus.count; d++)
			FUZZ_ASSERT(p->cpus.apic_id[c] != q->cpus.apic_id[d]);
	/* RAM, SHARED over RAM, and MMIO over anything of another partition break isolation. */
	for (u32 k = 0; k < p->mem.count; k++)
		for (u32 l = 0; l < q->mem.count; l++) {
			const struct pt_region *a = &p->mem.r[k], *b = &q->mem.r[l];

			FUZZ_ASSERT((a->kind == REGION_SHARED && b->kind == REGION_SHARED) ||
				    !meet(a->phys, a->size, b->phys, b->size));
		}
	good_pair_devices(p, q);
}

/* The partition called `name`: there must be one (callers have checked names are unique). */
static u32 doc_part(const struct partition_table *t, const char *name)
{
	for (u32 i = 0; i < t->parts.count; i++)
		if (strcmp(t->parts.p[i].name, name) == 0)
			return i;
	FUZZ_ASSERT(!"a channel end names no partition");
	return 0;
}

/* A payload end: "vector 0x20-0xff; apic_id 0 or one of that partition's CPUs". */
static void good_payload_doorbell(const struct partition_config *p, const struct pt_channel_end *e)
{
	bool cpu = e->apic_id == 0;

	FUZZ_ASSERT(e->vector >= DOC_VECTOR_FIRST && e->vector <= DOC_VECTOR_LAST);
	for (u32 n = 0; n < p->cpus.count; n++)
		cpu |= p->cpus.apic_id[n] == e->apic_id;
	FUZZ_ASSERT(cpu);
}

/* "for a Linux end: .vector and .apic_id 0; the channel's .size a power of two; the guest
 * address of the partition's region over the channel aligned to that size; and no region of
 * the partition, of any kind, with a guest-physical range in 0xfec00000-0xfecfffff". */
static void good_linux_end(const struct partition_config *p, const struct pt_channel *c,
			   const struct pt_channel_end *e)
{
	FUZZ_ASSERT(e->vector == 0 && e->apic_id == 0);
	FUZZ_ASSERT(doc_pow2(c->size));
	for (u32 l = 0; l < p->mem.count; l++) {
		const struct pt_region *m = &p->mem.r[l];

		FUZZ_ASSERT(
		    !meet(m->guest, m->size, DOC_LINUX_IOAPIC_FIRST, DOC_LINUX_IOAPIC_SIZE));
		if (m->kind == REGION_SHARED && m->phys == c->phys && m->size == c->size)
			FUZZ_ASSERT(m->guest % c->size == 0);
	}
}

/* "each end: partition names an existing partition, the two differ; access exactly MEM_R
 * or MEM_RW; a REGION_SHARED region exactly over the channel, its MEM_R and MEM_W the end's
 * access"; then the doorbell rules of a payload's end or a Linux end. */
static u32 good_end(const struct partition_table *t, const struct pt_channel *c,
		    const struct pt_channel_end *e)
{
	u32 i;
	const struct partition_config *p;
	bool region = false;

	FUZZ_ASSERT(has_text(e->partition));
	i = doc_part(t, e->partition);
	p = &t->parts.p[i];
	FUZZ_ASSERT(e->access == MEM_R || e->access == (MEM_R | MEM_W));
	if (p->kind == PART_LINUX)
		good_linux_end(p, c, e);
	else
		good_payload_doorbell(p, e);
	for (u32 l = 0; l < p->mem.count; l++) {
		const struct pt_region *m = &p->mem.r[l];

		region |= m->kind == REGION_SHARED && m->phys == c->phys && m->size == c->size &&
			  (m->access & (MEM_R | MEM_W)) == e->access;
	}
	FUZZ_ASSERT(region);
	return i;
}

/* "Channels": at most 8, named (unique, 1-31 printable characters), page-aligned memory
 * that no partition but its two ends maps and no other channel covers, a partition on at
 * most 4, nothing past the count. */
static void good_channels(const struct partition_table *t)
{
	static const struct pt_channel unused;
	u32 on[ARRAY_SIZE(t->parts.p)] = {0};

	FUZZ_ASSERT(t->channels.count <= DOC_MAX_CHANNELS);
	for (size_t k = t->channels.count; k < ARRAY_SIZE(t->channels.c); k++)
		FUZZ_ASSERT(memcmp(&t->channels.c[k], &unused, sizeof(unused)) == 0);
	for (u32 k = 0; k < t->channels.count; k++) {
		const struct pt_channel *c = &t->channels.c[k];
		u32 a, b;

		FUZZ_ASSERT(has_text(c->name) && strlen(c->name) <= DOC_CHAN_NAME_MAX);
		for (const char *s = c->name; *s; s++)
			FUZZ_ASSERT(*s >= ' ' && *s <= '~');
		FUZZ_ASSERT(c->size != 0 && c->size % DOC_PAGE == 0 && c->phys % DOC_PAGE == 0);
		FUZZ_ASSERT(c->phys + c->size > c->phys);
		a = good_end(t, c, &c->end[0]);
		b = good_end(t, c, &c->end[1]);
		FUZZ_ASSERT(a != b);
		on[a]++;
		on[b]++;
		for (u32 j = 0; j < t->parts.count; j++)
			for (u32 l = 0; j != a && j != b && l < t->parts.p[j].mem.count; l++)
				FUZZ_ASSERT(!meet(c->phys, c->size, t->parts.p[j].mem.r[l].phys,
						  t->parts.p[j].mem.r[l].size));
		for (u32 l = 0; l < k; l++) {
			FUZZ_ASSERT(strcmp(c->name, t->channels.c[l].name) != 0);
			FUZZ_ASSERT(
			    !meet(c->phys, c->size, t->channels.c[l].phys, t->channels.c[l].size));
		}
	}
	for (u32 i = 0; i < t->parts.count; i++)
		FUZZ_ASSERT(on[i] <= DOC_CHANNELS_PER_PART);
}

static void check_good(const struct partition_table *t)
{
	static const struct partition_config unused;
	u32 linux = 0;

	FUZZ_ASSERT(t->parts.count >= 1 && t->parts.count <= DOC_MAX_PARTITIONS);
	FUZZ_ASSERT(has_text(t->layout));
	for (u32 i = 0; i < t->parts.count; i++) {
		good_partition(&t->parts.p[i]);
		linux += t->parts.p[i].kind == PART_LINUX;
		for (u32 j = 0; j < i; j++)
			good_pair(&t->parts.p[i], &t->parts.p[j]);
	}
	FUZZ_ASSERT(linux <= 1); /* "more than one Linux partition" */
	for (size_t i = t->parts.count; i < ARRAY_SIZE(t->parts.p); i++)
		FUZZ_ASSERT(memcmp(&t->parts.p[i], &unused, sizeof(unused)) == 0);
	good_channels(t);
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
