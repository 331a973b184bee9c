/*
 * ptcheck: the build-time partition-table validator (a host program).
 *
 * The build compiles this file together with one layout from partitions/ and runs the result
 * before the hypervisor is linked (tools/ptcheck.sh FILE.c). A table that would break isolation
 * or could never boot fails the build here, on the host, with a line that names the file, the
 * partition, the field and the reason, instead of misbehaving later inside an emulator.
 *
 * Every problem is reported, not just the first, so one edit-build cycle shows them all:
 *   ptcheck: <file>: partition "<name>": <field>: <reason>
 *   ptcheck: <file>: partition #<index>: <field>: <reason>   (the partition has no name)
 *   ptcheck: <file>: table: <field>: <reason>                (about the table as a whole)
 *   ptcheck: <file>: <n> problems                            (last; "1 problem"; exit 1)
 * or, when all is well:
 *   ptcheck: <file>: ok: layout "<layout>", <n> partitions   (exit status 0)
 *
 * Each rejection class is one small check_* function in the `checks` list at the bottom.
 * The counts in the table are not trusted: a hand-written `.count` may exceed its array, so
 * every loop walks at most the array's length (the n_* helpers) and the count itself is
 * reported by its own check.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "bulkhead/channel_pci.h"
#include "bulkhead/payload_abi.h"
#include "bulkhead/ptable.h"
#include "core/lib/uart16550.h"

static const char *file = "<layout>";
static unsigned problems;

/* ------------------------------------------------------------------------------------------ */
/* Reporting                                                                                  */

static bool has_name(const struct partition_config *p)
{
	return p->name && p->name[0];
}

/*
 * How partition i is called in a message: by name when it has one, else by index, so that a
 * nameless partition can still be found in the file. Rotating buffers because one message
 * may name two partitions.
 */
static const char *who(const struct partition_table *t, u32 i)
{
	static char buf[4][128];
	static unsigned next;
	char *b = buf[next++ % 4];

	if (has_name(&t->parts.p[i]))
		snprintf(b, sizeof(buf[0]), "partition \"%s\"", t->parts.p[i].name);
	else
		snprintf(b, sizeof(buf[0]), "partition #%u", (unsigned)i);
	return b;
}

/* One problem line about the table as a whole. `fmt` is "<field>: <reason>". */
__attribute__((format(printf, 1, 2))) static void table_problem(const char *fmt, ...)
{
	va_list ap;

	printf("ptcheck: %s: table: ", file);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	problems++;
}

/* One problem line about partition i. `fmt` is "<field>: <reason>". */
__attribute__((format(printf, 3, 4))) static void problem(const struct partition_table *t, u32 i,
							  const char *fmt, ...)
{
	va_list ap;

	printf("ptcheck: %s: %s: ", file, who(t, i));
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	problems++;
}

/* ------------------------------------------------------------------------------------------ */
/* Helpers                                                                                    */

static u32 min_u32(u32 a, u32 b)
{
	return a < b ? a : b;
}

/* How many entries of each list may be read: the count, but never past the array. */
static u32 n_parts(const struct partition_table *t)
{
	return min_u32(t->parts.count, PT_MAX_PARTITIONS);
}

static u32 n_cpus(const struct partition_config *p)
{
	return min_u32(p->cpus.count, PT_MAX_CPUS);
}

static u32 n_regions(const struct partition_config *p)
{
	return min_u32(p->mem.count, PT_MAX_REGIONS);
}

static u32 n_ports(const struct partition_config *p)
{
	return min_u32(p->ports.count, PT_MAX_PORTS);
}

static u32 n_devices(const struct partition_config *p)
{
	return min_u32(p->devices.count, PT_MAX_DEVICES);
}

static bool nonempty(const char *s)
{
	return s && s[0];
}

/* How a device is called in a message: by name, so the line can be matched to the file. */
static const char *dev_who(const struct pt_device *d)
{
	static char buf[4][128];
	static unsigned next;
	char *b = buf[next++ % 4];

	if (nonempty(d->name))
		snprintf(b, sizeof(buf[0]), "device \"%s\"", d->name);
	else
		snprintf(b, sizeof(buf[0]), "a device without a name");
	return b;
}

/* An I/O BAR that lies inside the port space (its shape is bar_io_shape's business). */
static bool bar_io_fits(const struct pt_bar *b)
{
	return b->kind == BAR_IO && b->size != 0 && b->base < 0x10000 &&
	       b->size <= 0x10000 - b->base;
}

/* True when start + size wraps past 2^64 (an end of exactly 2^64 counts: it has no u64). */
static bool wraps(u64 start, u64 size)
{
	return size != 0 && start + size <= start;
}

/*
 * A region whose host and guest ranges can be compared at all: overlap checks skip the ones
 * check_region_shape already rejects, so one typo is reported once, not once per neighbour.
 */
static bool region_comparable(const struct pt_region *r)
{
	return r->size != 0 && !wraps(r->phys, r->size) && !wraps(r->guest, r->size);
}

static bool ranges_overlap(u64 a, u64 a_size, u64 b, u64 b_size)
{
	return a < b + b_size && b < a + a_size;
}

static bool is_memory(const struct pt_region *r)
{
	return r->kind == REGION_RAM || r->kind == REGION_SHARED;
}

static const char *region_kind_name(u32 kind)
{
	switch (kind) {
	case REGION_RAM:
		return "RAM";
	case REGION_SHARED:
		return "SHARED";
	case REGION_MMIO:
		return "MMIO";
	default:
		return "region";
	}
}

#define RANGE_FMT	 "0x%" PRIx64 "-0x%" PRIx64
#define RANGE(start, sz) (start), (start) + (sz)

/* ------------------------------------------------------------------------------------------ */
/* Table-wide checks                                                                          */

static void check_partition_count(const struct partition_table *t)
{
	if (t->parts.count == 0)
		table_problem("parts.count: no partitions");
	else if (t->parts.count > PT_MAX_PARTITIONS)
		table_problem("parts.count: %u partitions, at most %u (PT_MAX_PARTITIONS)",
			      (unsigned)t->parts.count, PT_MAX_PARTITIONS);
}

/* The layout name is printed on success and at boot: it must exist. */
static void check_layout_name(const struct partition_table *t)
{
	if (!t->layout || !t->layout[0])
		table_problem("layout: missing layout name");
}

/*
 * An entry filled in past its list's count is silently ignored by the hypervisor: that is
 * always a hand-written count that was not updated (the PT_* macros count for you).
 */
static void check_stale_entries(const struct partition_table *t)
{
	static const struct partition_config zero_part;
	static const struct pt_channel zero_channel;

	for (u32 i = t->parts.count; i < PT_MAX_PARTITIONS; i++)
		if (memcmp(&t->parts.p[i], &zero_part, sizeof(zero_part)) != 0)
			table_problem(
			    "parts[%u]: filled in past parts.count (%u); use PT_PARTITIONS() "
			    "or raise the count",
			    (unsigned)i, (unsigned)t->parts.count);

	for (u32 k = t->channels.count; k < PT_MAX_CHANNELS; k++)
		if (memcmp(&t->channels.c[k], &zero_channel, sizeof(zero_channel)) != 0)
			table_problem(
			    "channels[%u]: filled in past channels.count (%u); use PT_CHANNELS() "
			    "or raise the count",
			    (unsigned)k, (unsigned)t->channels.count);

	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];
		static const struct pt_region zero_region;
		static const struct pt_ports zero_ports;
		static const struct pt_device zero_device;

		for (u32 c = p->cpus.count; c < PT_MAX_CPUS; c++)
			if (p->cpus.apic_id[c] != 0)
				problem(
				    t, i,
				    "cpus[%u]: APIC ID %u set past cpus.count (%u); use PT_CPUS() "
				    "or raise the count",
				    (unsigned)c, (unsigned)p->cpus.apic_id[c],
				    (unsigned)p->cpus.count);
		for (u32 k = p->mem.count; k < PT_MAX_REGIONS; k++)
			if (memcmp(&p->mem.r[k], &zero_region, sizeof(zero_region)) != 0)
				problem(
				    t, i,
				    "mem[%u]: filled in past mem.count (%u); use PT_REGIONS() or "
				    "raise the count",
				    (unsigned)k, (unsigned)p->mem.count);
		for (u32 k = p->ports.count; k < PT_MAX_PORTS; k++)
			if (memcmp(&p->ports.p[k], &zero_ports, sizeof(zero_ports)) != 0)
				problem(
				    t, i,
				    "ports[%u]: filled in past ports.count (%u); use PT_PORTS() or "
				    "raise the count",
				    (unsigned)k, (unsigned)p->ports.count);
		for (u32 k = p->devices.count; k < PT_MAX_DEVICES; k++)
			if (memcmp(&p->devices.d[k], &zero_device, sizeof(zero_device)) != 0)
				problem(t, i,
					"devices[%u]: filled in past devices.count (%u); use "
					"PT_DEVICES() or raise the count",
					(unsigned)k, (unsigned)p->devices.count);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Names, kinds, modules, fault policy                                                        */

static void check_names(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++)
		if (!has_name(&t->parts.p[i]))
			problem(t, i, "name: missing name");
}

/* Names are how partitions are told apart on COM1 and in these messages. */
static void check_names_unique(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++)
		for (u32 j = 0; j < i; j++)
			if (has_name(&t->parts.p[i]) && has_name(&t->parts.p[j]) &&
			    strcmp(t->parts.p[i].name, t->parts.p[j].name) == 0) {
				problem(t, i,
					"name: \"%s\" is also the name of partition #%u (this is "
					"partition #%u)",
					t->parts.p[i].name, (unsigned)j, (unsigned)i);
				break;
			}
}

static void check_kind(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		u32 kind = t->parts.p[i].kind;

		if (kind == PART_KIND_INVALID)
			problem(t, i, "kind: not set; want PART_LINUX or PART_PAYLOAD");
		else if (kind != PART_LINUX && kind != PART_PAYLOAD)
			problem(t, i, "kind: unknown kind %u; want PART_LINUX or PART_PAYLOAD",
				(unsigned)kind);
	}
}

/* Linux owns the legacy platform (PIC, PIT, RTC, PCI config space): only one can. */
static void check_linux_count(const struct partition_table *t)
{
	int first = -1;

	for (u32 i = 0; i < n_parts(t); i++) {
		if (t->parts.p[i].kind != PART_LINUX)
			continue;
		if (first < 0)
			first = (int)i;
		else
			problem(t, i,
				"kind: a second PART_LINUX partition (%s is one already); at most "
				"one is allowed",
				who(t, (u32)first));
	}
}

/*
 * The tag is how the hypervisor finds the partition's image among the GRUB modules: it is
 * the rest of the `module2 <file> <tag>` line, so it must be one word and name one module.
 */
static void check_modules(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const char *m = t->parts.p[i].module;

		if (!m || !m[0]) {
			problem(t, i, "module: missing module tag");
			continue;
		}
		for (const char *c = m; *c; c++) {
			if (*c == ' ') {
				problem(t, i, "module: tag \"%s\" contains a space", m);
				break;
			}
			if (*c == '\t' || *c == '\n' || *c == '\r' || *c == '\v' || *c == '\f') {
				/* Not printed: the tag would break the line. */
				problem(t, i,
					"module: tag contains whitespace (0x%02x at offset %u)",
					(unsigned)(unsigned char)*c, (unsigned)(c - m));
				break;
			}
		}
	}
}

static void check_modules_unique(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const char *m = t->parts.p[i].module;

		if (!m || !m[0])
			continue;
		for (u32 j = 0; j < i; j++) {
			const char *o = t->parts.p[j].module;

			if (o && strcmp(m, o) == 0) {
				problem(t, i, "module: tag \"%s\" is also the tag of %s", m,
					who(t, j));
				break;
			}
		}
	}
}

/* A Linux partition's initrd is a second GRUB module, found by its own tag. */
static bool tag_taken(const struct partition_table *t, u32 upto, const char *tag, u32 *owner)
{
	for (u32 j = 0; j < n_parts(t); j++) {
		const struct partition_config *q = &t->parts.p[j];

		if ((q->module && strcmp(q->module, tag) == 0) ||
		    (j < upto && q->initrd && strcmp(q->initrd, tag) == 0)) {
			*owner = j;
			return true;
		}
	}
	return false;
}

static void check_initrd(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const char *tag = t->parts.p[i].initrd;
		u32 owner;

		if (!tag || !tag[0])
			continue;
		if (t->parts.p[i].kind != PART_LINUX)
			problem(t, i,
				"initrd: tag \"%s\" on a partition that is not PART_LINUX; only "
				"Linux takes an initrd",
				tag);
		else if (strchr(tag, ' ') || strchr(tag, '\t'))
			problem(t, i, "initrd: tag \"%s\" contains whitespace", tag);
		else if (tag_taken(t, i, tag, &owner))
			problem(t, i, "initrd: tag \"%s\" is also a module tag of %s", tag,
				who(t, owner));
	}
}

static void check_fault(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		u32 f = t->parts.p[i].fault;

		if (f != FAULT_STOP && f != FAULT_RESTART)
			problem(t, i,
				"fault: unknown fault policy %u; want FAULT_STOP or FAULT_RESTART",
				(unsigned)f);
	}
}

/* What a DMA the IOMMU blocks does to the partition: one of enum dma_fault_policy. */
static void check_dma_fault(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		u32 f = t->parts.p[i].dma_fault;

		if (f != DMA_FAULT_AS_FAULT && f != DMA_FAULT_REPORT)
			problem(
			    t, i,
			    "dma_fault: unknown DMA fault policy %u; want DMA_FAULT_AS_FAULT or "
			    "DMA_FAULT_REPORT",
			    (unsigned)f);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* CPUs                                                                                       */

static void check_cpu_count(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		u32 n = t->parts.p[i].cpus.count;

		if (n == 0)
			problem(t, i, "cpus: no CPU (cpus.count is 0)");
		else if (n > PT_MAX_CPUS)
			problem(t, i, "cpus.count: %u CPUs, at most %u (PT_MAX_CPUS)", (unsigned)n,
				PT_MAX_CPUS);
	}
}

static void check_cpu_unique(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 c = 0; c < n_cpus(p); c++)
			for (u32 d = 0; d < c; d++)
				if (p->cpus.apic_id[c] == p->cpus.apic_id[d]) {
					problem(
					    t, i,
					    "cpus[%u]: APIC ID %u is listed twice (also cpus[%u])",
					    (unsigned)c, (unsigned)p->cpus.apic_id[c], (unsigned)d);
					break;
				}
	}
}

/* A CPU runs exactly one partition: that is the whole point of static partitioning. */
static void check_cpu_exclusive(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 c = 0; c < n_cpus(p); c++)
			for (u32 j = 0; j < i; j++) {
				const struct partition_config *q = &t->parts.p[j];

				for (u32 d = 0; d < n_cpus(q); d++)
					if (p->cpus.apic_id[c] == q->cpus.apic_id[d])
						problem(t, i,
							"cpus[%u]: APIC ID %u is also given to %s "
							"(cpus[%u])",
							(unsigned)c, (unsigned)p->cpus.apic_id[c],
							who(t, j), (unsigned)d);
			}
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Memory                                                                                     */

static void check_region_count(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		u32 n = t->parts.p[i].mem.count;

		if (n > PT_MAX_REGIONS)
			problem(t, i, "mem.count: %u regions, at most %u (PT_MAX_REGIONS)",
				(unsigned)n, PT_MAX_REGIONS);
	}
}

/* Without its own RAM a partition has nowhere to load its image. */
static void check_has_ram(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];
		bool ram = false;

		for (u32 k = 0; k < n_regions(p); k++)
			ram |= p->mem.r[k].kind == REGION_RAM;
		if (!ram)
			problem(t, i, "mem: no RAM (no REGION_RAM region)");
	}
}

/* EPT maps whole 4 KiB pages: anything smaller would leak or lose the rest of a page. */
static void check_region_shape(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_regions(p); k++) {
			const struct pt_region *r = &p->mem.r[k];

			if (r->size == 0)
				problem(t, i, "mem[%u].size: size is 0", (unsigned)k);
			else if (r->size % PAGE_SIZE)
				problem(t, i, "mem[%u].size: 0x%" PRIx64 " is not 4 KiB aligned",
					(unsigned)k, r->size);
			if (r->phys % PAGE_SIZE)
				problem(t, i, "mem[%u].phys: 0x%" PRIx64 " is not 4 KiB aligned",
					(unsigned)k, r->phys);
			if (r->guest % PAGE_SIZE)
				problem(t, i, "mem[%u].guest: 0x%" PRIx64 " is not 4 KiB aligned",
					(unsigned)k, r->guest);
			if (wraps(r->phys, r->size))
				problem(t, i,
					"mem[%u].size: phys 0x%" PRIx64 " + size 0x%" PRIx64
					" overflows 64 bits",
					(unsigned)k, r->phys, r->size);
			if (wraps(r->guest, r->size))
				problem(t, i,
					"mem[%u].size: guest 0x%" PRIx64 " + size 0x%" PRIx64
					" overflows 64 bits",
					(unsigned)k, r->guest, r->size);
		}
	}
}

static void check_region_kind(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_regions(p); k++) {
			u32 kind = p->mem.r[k].kind;

			if (kind != REGION_RAM && kind != REGION_SHARED && kind != REGION_MMIO)
				problem(t, i,
					"mem[%u].kind: unknown region kind %u; want REGION_RAM, "
					"REGION_SHARED or REGION_MMIO",
					(unsigned)k, (unsigned)kind);
		}
	}
}

static void check_region_access(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_regions(p); k++) {
			u32 a = p->mem.r[k].access;

			if (a == 0)
				problem(t, i, "mem[%u].access: no access rights (0)", (unsigned)k);
			else if (a & ~MEM_RWX)
				problem(
				    t, i,
				    "mem[%u].access: 0x%x has bits other than MEM_R|MEM_W|MEM_X "
				    "(0x%x)",
				    (unsigned)k, (unsigned)a, (unsigned)(a & ~MEM_RWX));
			else if ((a & MEM_W) && !(a & MEM_R)) /* SDM Vol. 3C §29.3.3.1 */
				problem(t, i,
					"mem[%u].access: MEM_W without MEM_R, which EPT cannot "
					"map (an EPT misconfiguration)",
					(unsigned)k);
		}
	}
}

/* One guest-physical address must mean one thing: the EPT can map it only once. */
static void check_guest_overlap(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_regions(p); k++)
			for (u32 l = 0; l < k; l++) {
				const struct pt_region *a = &p->mem.r[k], *b = &p->mem.r[l];

				if (region_comparable(a) && region_comparable(b) &&
				    ranges_overlap(a->guest, a->size, b->guest, b->size))
					problem(t, i,
						"mem[%u]: guest " RANGE_FMT
						" overlaps guest range of mem[%u] (" RANGE_FMT ")",
						(unsigned)k, RANGE(a->guest, a->size), (unsigned)l,
						RANGE(b->guest, b->size));
			}
	}
}

/*
 * Inside one partition, the same host memory mapped twice (two guest addresses, or once as
 * RAM and once as MMIO) is always a typo in a phys field, never a design.
 */
static void check_host_overlap_self(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_regions(p); k++)
			for (u32 l = 0; l < k; l++) {
				const struct pt_region *a = &p->mem.r[k], *b = &p->mem.r[l];

				if (region_comparable(a) && region_comparable(b) &&
				    ranges_overlap(a->phys, a->size, b->phys, b->size))
					problem(t, i,
						"mem[%u]: %s " RANGE_FMT
						" overlaps %s mem[%u] of the "
						"same partition (" RANGE_FMT ")",
						(unsigned)k, region_kind_name(a->kind),
						RANGE(a->phys, a->size), region_kind_name(b->kind),
						(unsigned)l, RANGE(b->phys, b->size));
			}
	}
}

/*
 * Memory of two partitions may meet only where both sides declared it SHARED: that is the
 * one deliberate channel between partitions. Reported on the later partition of each pair.
 */
static void check_ram_overlap(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++)
		for (u32 j = 0; j < i; j++) {
			const struct partition_config *p = &t->parts.p[i], *q = &t->parts.p[j];

			for (u32 k = 0; k < n_regions(p); k++)
				for (u32 l = 0; l < n_regions(q); l++) {
					const struct pt_region *a = &p->mem.r[k], *b = &q->mem.r[l];

					if (!is_memory(a) || !is_memory(b) ||
					    !region_comparable(a) || !region_comparable(b))
						continue;
					if (a->kind == REGION_SHARED && b->kind == REGION_SHARED)
						continue;
					if (ranges_overlap(a->phys, a->size, b->phys, b->size))
						problem(t, i,
							"mem[%u]: %s " RANGE_FMT
							" overlaps %s of %s (" RANGE_FMT ")",
							(unsigned)k, region_kind_name(a->kind),
							RANGE(a->phys, a->size),
							region_kind_name(b->kind), who(t, j),
							RANGE(b->phys, b->size));
				}
		}
}

/*
 * A device's registers belong to one partition, and must not sit on another partition's
 * memory: either way one partition could reach into another. Reported on the MMIO side.
 */
static void check_mmio_overlap(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++)
		for (u32 j = 0; j < n_parts(t); j++) {
			const struct partition_config *p = &t->parts.p[i], *q = &t->parts.p[j];

			if (i == j)
				continue;
			for (u32 k = 0; k < n_regions(p); k++)
				for (u32 l = 0; l < n_regions(q); l++) {
					const struct pt_region *a = &p->mem.r[k], *b = &q->mem.r[l];

					if (a->kind != REGION_MMIO || !region_comparable(a) ||
					    !region_comparable(b))
						continue;
					/* MMIO against MMIO: report the pair once, on the later
					 * one. */
					if (b->kind == REGION_MMIO && j > i)
						continue;
					if (!is_memory(b) && b->kind != REGION_MMIO)
						continue;
					if (ranges_overlap(a->phys, a->size, b->phys, b->size))
						problem(t, i,
							"mem[%u]: MMIO " RANGE_FMT
							" overlaps %s of %s (" RANGE_FMT ")",
							(unsigned)k, RANGE(a->phys, a->size),
							region_kind_name(b->kind), who(t, j),
							RANGE(b->phys, b->size));
				}
		}
}

/* The hypervisor's own image, stacks and tables live there: no partition may map it. */
static void check_hypervisor_overlap(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_regions(p); k++) {
			const struct pt_region *r = &p->mem.r[k];

			if (region_comparable(r) &&
			    ranges_overlap(r->phys, r->size, HV_LOAD_ADDR, HV_MAX_SIZE))
				problem(t, i,
					"mem[%u]: %s " RANGE_FMT
					" overlaps the hypervisor (" RANGE_FMT ")",
					(unsigned)k, region_kind_name(r->kind),
					RANGE(r->phys, r->size),
					RANGE((u64)HV_LOAD_ADDR, (u64)HV_MAX_SIZE));
		}
	}
}

/*
 * The interrupt controllers and the IOMMU are the machine's, not a partition's: whoever maps
 * a local APIC can send any interrupt (INIT, SIPI, NMI) to any CPU, whoever maps an I/O APIC
 * routes every device interrupt, and the VT-d registers decide which memory every device may
 * reach by DMA. No region of any kind may cover them. The VT-d range is where chipsets
 * usually put their DMAR units; a machine's own DMAR table may name others (docs/partitions.md).
 */
static const struct {
	u64 start, size;
	const char *what;
} machine_ranges[] = {
    {0xfec00000, 0x100000, "the I/O APIC range (0xfec00000-0xfecfffff)"},
    {0xfed90000, 0x2000, "the usual VT-d (DMAR) register area (0xfed90000-0xfed91fff)"},
    {0xfee00000, 0x100000, "the local APIC range (0xfee00000-0xfeefffff)"},
};

static void check_machine_ranges(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_regions(p); k++) {
			const struct pt_region *r = &p->mem.r[k];

			if (!region_comparable(r))
				continue;
			for (size_t m = 0; m < ARRAY_SIZE(machine_ranges); m++)
				if (ranges_overlap(r->phys, r->size, machine_ranges[m].start,
						   machine_ranges[m].size))
					problem(t, i,
						"mem[%u]: %s " RANGE_FMT
						" overlaps %s; the interrupt controllers and the "
						"IOMMU stay with Bulkhead",
						(unsigned)k, region_kind_name(r->kind),
						RANGE(r->phys, r->size), machine_ranges[m].what);
		}
	}
}

/* A 4-level EPT translates 48 bits: a guest address above would alias one 2^48 lower. */
static void check_guest_limit(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_regions(p); k++) {
			const struct pt_region *r = &p->mem.r[k];

			if (region_comparable(r) && r->guest + r->size > PT_GUEST_LIMIT)
				problem(t, i,
					"mem[%u].guest: " RANGE_FMT
					" ends past 0x%llx (2^48), the most guest-physical memory "
					"a 4-level EPT maps",
					(unsigned)k, RANGE(r->guest, r->size),
					(unsigned long long)PT_GUEST_LIMIT);
		}
	}
}

/*
 * Bulkhead maps only the low 4 GiB for itself: it loads and scrubs RAM and reads guest text
 * (the print hypercall, from the partition's RAM) there. A region above it would fault the
 * hypervisor, not the partition.
 */
static void check_host_limit(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_regions(p); k++) {
			const struct pt_region *r = &p->mem.r[k];

			if (region_comparable(r) && r->phys + r->size > PT_HOST_LIMIT)
				problem(t, i,
					"mem[%u].phys: %s " RANGE_FMT
					" ends past 0x%llx (4 GiB): Bulkhead maps only the low "
					"4 GiB for itself (boot/entry.asm) and reaches partition "
					"memory through that map",
					(unsigned)k, region_kind_name(r->kind),
					RANGE(r->phys, r->size), (unsigned long long)PT_HOST_LIMIT);
		}
	}
}

/* ------------------------------------------------------------------------------------------ */
/* I/O ports                                                                                  */

/* The range as written, last port included, as people write port ranges. */
#define PORTS_FMT      "0x%x-0x%x"
#define PORTS(base, n) (unsigned)(base), (unsigned)((base) + (n)-1)

static bool ports_valid(const struct pt_ports *r)
{
	return r->count != 0 && (u32)r->base + r->count <= 0x10000;
}

static void check_ports(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		if (p->ports.count > PT_MAX_PORTS)
			problem(t, i, "ports.count: %u ranges, at most %u (PT_MAX_PORTS)",
				(unsigned)p->ports.count, PT_MAX_PORTS);
		for (u32 k = 0; k < n_ports(p); k++) {
			const struct pt_ports *r = &p->ports.p[k];

			if (r->count == 0)
				problem(t, i, "ports[%u].count: no ports in the range at 0x%x",
					(unsigned)k, (unsigned)r->base);
			else if ((u32)r->base + r->count > 0x10000)
				problem(t, i,
					"ports[%u]: 0x%x + %u ports runs past port 0xffff (ends at "
					"0x%x)",
					(unsigned)k, (unsigned)r->base, (unsigned)r->count,
					(unsigned)((u32)r->base + r->count - 1));
		}
	}
}

/*
 * Every port range a partition is granted, wherever the table grants it: `.ports`, a legacy
 * device's `.ports` and a PCI function's I/O BARs all open the same I/O bitmap, so the rules
 * below apply to each alike. Only ranges that fit the port space are listed; the checks of
 * their own fields report the others, once.
 */
struct port_grant {
	u32 part;
	u32 base, count;
	char field[32]; /* "ports[2]", "devices[1].ports", "devices[0].bar[4]" */
	char of[160];	/* "" for .ports, else ` (device "com2")` */
};

#define MAX_PORT_GRANTS (PT_MAX_PARTITIONS * (PT_MAX_PORTS + PT_MAX_DEVICES * PT_MAX_BARS))

static void add_grant(struct port_grant *g, u32 part, u64 base, u64 count,
		      const struct pt_device *d)
{
	g->part = part;
	g->base = (u32)base;
	g->count = (u32)count;
	g->of[0] = 0;
	if (d)
		snprintf(g->of, sizeof(g->of), " (%s)", dev_who(d));
}

/* A legacy device's ports, or a PCI function's I/O BARs, that fit the port space. */
static u32 device_grants(const struct partition_table *t, u32 i, u32 k, struct port_grant *g)
{
	const struct pt_device *d = &t->parts.p[i].devices.d[k];
	u32 n = 0;

	if (d->kind == DEV_LEGACY && ports_valid(&d->ports)) {
		add_grant(&g[n], i, d->ports.base, d->ports.count, d);
		snprintf(g[n++].field, sizeof(g->field), "devices[%u].ports", (unsigned)k);
	}
	for (u32 b = 0; d->kind == DEV_PCI && b < PT_MAX_BARS; b++)
		if (bar_io_fits(&d->bar[b])) {
			add_grant(&g[n], i, d->bar[b].base, d->bar[b].size, d);
			snprintf(g[n++].field, sizeof(g->field), "devices[%u].bar[%u]", (unsigned)k,
				 (unsigned)b);
		}
	return n;
}

/* All the table's grants, partition by partition, each one's `.ports` before its devices. */
static u32 port_grants(const struct partition_table *t, struct port_grant *g)
{
	u32 n = 0;

	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_ports(p); k++)
			if (ports_valid(&p->ports.p[k])) {
				add_grant(&g[n], i, p->ports.p[k].base, p->ports.p[k].count, NULL);
				snprintf(g[n++].field, sizeof(g->field), "ports[%u]", (unsigned)k);
			}
		for (u32 k = 0; k < n_devices(p); k++)
			n += device_grants(t, i, k, &g[n]);
	}
	return n;
}

static struct port_grant grants[MAX_PORT_GRANTS];

/* COM1 is Bulkhead's console: every partition gets an emulated one at these ports. */
#define COM1_PORTS 8

static void check_ports_console(const struct partition_table *t)
{
	u32 n = port_grants(t, grants);

	for (u32 k = 0; k < n; k++) {
		const struct port_grant *g = &grants[k];

		if (ranges_overlap(g->base, g->count, COM1_PORT, COM1_PORTS))
			problem(t, g->part,
				"%s: " PORTS_FMT
				"%s includes COM1 (0x3f8-0x3ff), which Bulkhead keeps for its "
				"console; each partition has an emulated COM1 there",
				g->field, PORTS(g->base, g->count), g->of);
	}
}

/*
 * Ports of the whole machine. Those that reset it: every partition, and Bulkhead, would go
 * down with it; the keyboard controller is refused whole: command 0xfe on 0x64 pulses the
 * reset line, and command 0xd1 then a byte on 0x60 writes its output port (bit 0 reset, bit 1
 * A20). The 8259 PICs and their edge/level register: reprogrammed and unmasked, they deliver
 * their vectors to the boot CPU, Bulkhead's own. The APM/SMI command port: a write raises an
 * SMI, which stalls every CPU while firmware runs. The ISA DMA controllers (two 8237s, and the
 * page registers that give their addresses bits 16-23): a channel programmed by a partition
 * writes any memory below 16 MiB, the hypervisor's included, with no IOMMU in the way.
 */
static const struct {
	u16 port, count;
	const char *what, *why;
} machine_ports[] = {
    {0x60, 1, "0x60 (keyboard controller data: after command 0xd1 it drives reset and A20)",
     "no partition may reset the machine"},
    {0x64, 1, "0x64 (keyboard controller command: 0xfe resets the machine)",
     "no partition may reset the machine"},
    {0x92, 1, "0x92 (system control port A: bit 0 resets the machine)",
     "no partition may reset the machine"},
    {0xcf9, 1, "0xcf9 (the chipset's reset control register)",
     "no partition may reset the machine"},
    {0x20, 2, "0x20-0x21 (the master 8259 PIC)", "its interrupts would reach Bulkhead's own CPU"},
    {0xa0, 2, "0xa0-0xa1 (the slave 8259 PIC)", "its interrupts would reach Bulkhead's own CPU"},
    {0x4d0, 2, "0x4d0-0x4d1 (the PICs' edge/level control)",
     "its interrupts would reach Bulkhead's own CPU"},
    {0xb2, 2, "0xb2-0xb3 (the APM/SMI command port: a write raises an SMI)",
     "an SMI stalls every CPU"},
    {0x00, 16, "0x00-0x0f (the first 8237 DMA controller)",
     "the 8237 DMA controllers reach all memory"},
    {0x81, 15, "0x81-0x8f (the DMA page registers)", "the 8237 DMA controllers reach all memory"},
    {0xc0, 32, "0xc0-0xdf (the second 8237 DMA controller)",
     "the 8237 DMA controllers reach all memory"},
    {0x2e, 2, "0x2e-0x2f (the Super I/O chip's configuration ports)",
     "they move or turn off its devices, COM1 among them"},
    {0x4e, 2, "0x4e-0x4f (the Super I/O chip's second configuration ports)",
     "they move or turn off its devices, COM1 among them"},
};

static void check_ports_machine(const struct partition_table *t)
{
	u32 n = port_grants(t, grants);

	for (u32 k = 0; k < n; k++) {
		const struct port_grant *g = &grants[k];

		for (size_t m = 0; m < ARRAY_SIZE(machine_ports); m++)
			if (ranges_overlap(g->base, g->count, machine_ports[m].port,
					   machine_ports[m].count))
				problem(t, g->part, "%s: " PORTS_FMT "%s includes %s; %s", g->field,
					PORTS(g->base, g->count), g->of, machine_ports[m].what,
					machine_ports[m].why);
	}
}

/* PCI configuration mechanism #1: CONFIG_ADDRESS 0xcf8-0xcfb, CONFIG_DATA 0xcfc-0xcff. */
#define PCI_CONFIG_BASE	 0xcf8
#define PCI_CONFIG_PORTS 8

/*
 * Through these ports a partition reaches every device's configuration space: it can move
 * any BAR (over another partition's memory), turn on bus mastering (DMA anywhere) or turn a
 * device off. A partition is given its PCI functions by `.devices`, never these ports.
 */
static void check_ports_pci_config(const struct partition_table *t)
{
	u32 n = port_grants(t, grants);

	for (u32 k = 0; k < n; k++) {
		const struct port_grant *g = &grants[k];

		if (ranges_overlap(g->base, g->count, PCI_CONFIG_BASE, PCI_CONFIG_PORTS))
			problem(t, g->part,
				"%s: " PORTS_FMT
				"%s includes the PCI configuration ports (0xcf8-0xcff), which "
				"reach every device on the machine; give a partition its PCI "
				"functions by .devices instead",
				g->field, PORTS(g->base, g->count), g->of);
	}
}

/*
 * A port is a device register with no memory behind it to share: two partitions driving one
 * device corrupt each other. Never allowed, and twice in one partition is a typo. Each pair
 * is reported once, on the later grant.
 */
static void check_port_unique(const struct partition_table *t)
{
	u32 n = port_grants(t, grants);

	for (u32 k = 0; k < n; k++)
		for (u32 l = 0; l < k; l++) {
			const struct port_grant *a = &grants[k], *b = &grants[l];

			if (!ranges_overlap(a->base, a->count, b->base, b->count))
				continue;
			if (a->part == b->part)
				problem(t, a->part,
					"%s: " PORTS_FMT "%s overlaps %s%s of the same partition "
					"(" PORTS_FMT ")",
					a->field, PORTS(a->base, a->count), a->of, b->field, b->of,
					PORTS(b->base, b->count));
			else
				problem(t, a->part,
					"%s: " PORTS_FMT "%s overlaps %s%s of %s (" PORTS_FMT
					"); ports are never shared",
					a->field, PORTS(a->base, a->count), a->of, b->field, b->of,
					who(t, b->part), PORTS(b->base, b->count));
		}
}

/* ------------------------------------------------------------------------------------------ */
/* Devices: each one's own fields                                                             */

#define BDF_FMT	    "%02x:%02x.%x"
#define BDF(bdf)    (unsigned)PT_BDF_BUS(bdf), (unsigned)PT_BDF_DEV(bdf), (unsigned)PT_BDF_FN(bdf)
#define BAR_MEM_MIN PAGE_SIZE /* EPT maps whole pages */
#define BAR_IO_MIN  4	      /* the smallest I/O BAR (PCI Local Bus 3.0, 6.2.5.1) */

static bool is_pow2(u64 x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

static void check_device_count(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		u32 n = t->parts.p[i].devices.count;

		if (n > PT_MAX_DEVICES)
			problem(t, i, "devices.count: %u devices, at most %u (PT_MAX_DEVICES)",
				(unsigned)n, PT_MAX_DEVICES);
	}
}

static void check_device_kind(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_devices(p); k++) {
			u32 kind = p->devices.d[k].kind;

			if (kind == DEV_INVALID)
				problem(t, i,
					"devices[%u].kind: not set; want DEV_PCI or DEV_LEGACY",
					(unsigned)k);
			else if (kind != DEV_PCI && kind != DEV_LEGACY)
				problem(t, i,
					"devices[%u].kind: unknown device kind %u; want DEV_PCI or "
					"DEV_LEGACY",
					(unsigned)k, (unsigned)kind);
		}
	}
}

/* Only DEV_NO_DMA exists: another bit is a typo, or a flag this checker does not know. */
static void check_device_flags(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_devices(p); k++) {
			u32 f = p->devices.d[k].flags;

			if (f & ~DEV_NO_DMA)
				problem(t, i,
					"devices[%u].flags: 0x%x has bits other than DEV_NO_DMA "
					"(0x%x)",
					(unsigned)k, (unsigned)f, (unsigned)(f & ~DEV_NO_DMA));
		}
	}
}

/* The name is how COM1 lines and these messages tell a partition's devices apart. */
static void check_device_names(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_devices(p); k++) {
			const char *name = p->devices.d[k].name;

			if (!nonempty(name)) {
				problem(t, i, "devices[%u].name: missing name", (unsigned)k);
				continue;
			}
			for (u32 l = 0; l < k; l++)
				if (nonempty(p->devices.d[l].name) &&
				    strcmp(name, p->devices.d[l].name) == 0) {
					problem(t, i,
						"devices[%u].name: \"%s\" is also the name of "
						"devices[%u] of the same partition",
						(unsigned)k, name, (unsigned)l);
					break;
				}
		}
	}
}

/*
 * 00:00.0 is the host bridge: its configuration space holds the chipset's memory map (where
 * RAM, the PCI hole and the hypervisor are), which stays with Bulkhead. PT_BDF() makes 16
 * bits; anything above is a hand-written number.
 */
static void check_pci_bdf(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_devices(p); k++) {
			const struct pt_device *d = &p->devices.d[k];

			if (d->kind != DEV_PCI)
				continue;
			if (d->bdf > 0xffff)
				problem(t, i,
					"devices[%u].bdf: 0x%x (%s) is not a bus:device.function; "
					"write PT_BDF(bus, device, function)",
					(unsigned)k, (unsigned)d->bdf, dev_who(d));
			else if (d->bdf == 0)
				problem(
				    t, i,
				    "devices[%u].bdf: 00:00.0 (%s) is the PCI host bridge, which "
				    "stays with Bulkhead",
				    (unsigned)k, dev_who(d));
		}
	}
}

/* A PCI function has one driver: two partitions programming it corrupt each other. */
static void check_pci_bdf_unique(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++)
		for (u32 k = 0; k < n_devices(&t->parts.p[i]); k++) {
			const struct pt_device *a = &t->parts.p[i].devices.d[k];

			for (u32 j = 0; j <= i && a->kind == DEV_PCI; j++)
				for (u32 l = 0; l < n_devices(&t->parts.p[j]); l++) {
					const struct pt_device *b = &t->parts.p[j].devices.d[l];

					if ((j == i && l >= k) || b->kind != DEV_PCI ||
					    a->bdf != b->bdf)
						continue;
					if (j == i)
						problem(t, i,
							"devices[%u].bdf: " BDF_FMT
							" (%s) is also devices[%u] of the same "
							"partition",
							(unsigned)k, BDF(a->bdf), dev_who(a),
							(unsigned)l);
					else
						problem(t, i,
							"devices[%u].bdf: " BDF_FMT
							" (%s) is also devices[%u] (%s) of %s; a "
							"device is never shared",
							(unsigned)k, BDF(a->bdf), dev_who(a),
							(unsigned)l, dev_who(b), who(t, j));
				}
		}
}

/* A PCI function's ports are its I/O BARs: a second list would grant ports it never decodes. */
static void check_pci_ports(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_devices(p); k++) {
			const struct pt_device *d = &p->devices.d[k];

			if (d->kind == DEV_PCI && (d->ports.base || d->ports.count))
				problem(t, i,
					"devices[%u].ports: set on a PCI function (%s); its ports "
					"are its I/O BARs (BAR_IO)",
					(unsigned)k, dev_who(d));
		}
	}
}

static void check_bar_kind(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_devices(p); k++) {
			const struct pt_device *d = &p->devices.d[k];

			for (u32 b = 0; d->kind == DEV_PCI && b < PT_MAX_BARS; b++) {
				u32 kind = d->bar[b].kind;

				if (kind != BAR_NONE && kind != BAR_MEM && kind != BAR_IO)
					problem(t, i,
						"devices[%u].bar[%u].kind: unknown BAR kind %u "
						"(%s); want BAR_NONE, BAR_MEM or BAR_IO",
						(unsigned)k, (unsigned)b, (unsigned)kind,
						dev_who(d));
			}
		}
	}
}

/*
 * A memory BAR is mapped whole pages at a time, at its own address in the guest too: a
 * PCI memory BAR is a naturally aligned power of two (PCI Local Bus 3.0, 6.2.5.1), and a
 * guest address above 2^48 has no EPT entry.
 */
static void bar_mem_shape(const struct partition_table *t, u32 i, u32 k, u32 b)
{
	const struct pt_device *d = &t->parts.p[i].devices.d[k];
	const struct pt_bar *r = &d->bar[b];

	if (r->base % PAGE_SIZE)
		problem(t, i, "devices[%u].bar[%u].base: 0x%" PRIx64 " (%s) is not 4 KiB aligned",
			(unsigned)k, (unsigned)b, r->base, dev_who(d));
	if (!is_pow2(r->size) || r->size < BAR_MEM_MIN)
		problem(t, i,
			"devices[%u].bar[%u].size: 0x%" PRIx64
			" (%s) is not a power of two of at least 4 KiB",
			(unsigned)k, (unsigned)b, r->size, dev_who(d));
	else if (r->base % r->size)
		problem(t, i,
			"devices[%u].bar[%u].base: 0x%" PRIx64
			" (%s) is not aligned to its size 0x%" PRIx64,
			(unsigned)k, (unsigned)b, r->base, dev_who(d), r->size);
	if (wraps(r->base, r->size) || r->base + r->size > PT_GUEST_LIMIT)
		problem(
		    t, i,
		    "devices[%u].bar[%u]: memory BAR at 0x%" PRIx64 " + 0x%" PRIx64
		    " (%s) ends past 0x%llx (2^48), where it cannot be mapped at its own address",
		    (unsigned)k, (unsigned)b, r->base, r->size, dev_who(d),
		    (unsigned long long)PT_GUEST_LIMIT);
}

/* An I/O BAR too is a naturally aligned power of two, at least 4 ports, inside 0-0xffff. */
static void bar_io_shape(const struct partition_table *t, u32 i, u32 k, u32 b)
{
	const struct pt_device *d = &t->parts.p[i].devices.d[k];
	const struct pt_bar *r = &d->bar[b];

	if (!is_pow2(r->size) || r->size < BAR_IO_MIN)
		problem(t, i,
			"devices[%u].bar[%u].size: 0x%" PRIx64
			" (%s) is not a power of two of at least 4 ports",
			(unsigned)k, (unsigned)b, r->size, dev_who(d));
	else if (r->base % r->size)
		problem(t, i,
			"devices[%u].bar[%u].base: 0x%" PRIx64
			" (%s) is not aligned to its size 0x%" PRIx64,
			(unsigned)k, (unsigned)b, r->base, dev_who(d), r->size);
	if (!bar_io_fits(r))
		problem(t, i,
			"devices[%u].bar[%u]: I/O BAR at 0x%" PRIx64 " + 0x%" PRIx64
			" ports (%s) runs past port 0xffff",
			(unsigned)k, (unsigned)b, r->base, r->size, dev_who(d));
}

static void check_bar_shape(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_devices(p); k++)
			for (u32 b = 0; p->devices.d[k].kind == DEV_PCI && b < PT_MAX_BARS; b++) {
				if (p->devices.d[k].bar[b].kind == BAR_MEM)
					bar_mem_shape(t, i, k, b);
				else if (p->devices.d[k].bar[b].kind == BAR_IO)
					bar_io_shape(t, i, k, b);
			}
	}
}

static void check_legacy_ports(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_devices(p); k++) {
			const struct pt_device *d = &p->devices.d[k];

			if (d->kind != DEV_LEGACY)
				continue;
			/* An interrupt line alone is a device too (the HPET's: its registers
			 * are a REGION_MMIO); ports given must be a range. */
			if (d->ports.count == 0 && d->ports.base != 0)
				problem(t, i, "devices[%u].ports.count: no ports (%s)", (unsigned)k,
					dev_who(d));
			else if (d->ports.count == 0 && d->irq == 0)
				problem(
				    t, i,
				    "devices[%u]: neither ports nor an interrupt (%s): nothing to "
				    "give",
				    (unsigned)k, dev_who(d));
			else if (d->ports.count != 0 && !ports_valid(&d->ports))
				problem(t, i,
					"devices[%u].ports: 0x%x + %u ports (%s) runs past port "
					"0xffff",
					(unsigned)k, (unsigned)d->ports.base,
					(unsigned)d->ports.count, dev_who(d));
		}
	}
}

/* A legacy device is not on PCI: a bdf or BAR there is a PCI function miswritten. */
static void check_legacy_not_pci(const struct partition_table *t)
{
	static const struct pt_bar no_bar;

	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_devices(p); k++) {
			const struct pt_device *d = &p->devices.d[k];

			if (d->kind != DEV_LEGACY)
				continue;
			if (d->bdf)
				problem(
				    t, i,
				    "devices[%u].bdf: set on a legacy device (%s); only DEV_PCI "
				    "has one",
				    (unsigned)k, dev_who(d));
			for (u32 b = 0; b < PT_MAX_BARS; b++)
				if (memcmp(&d->bar[b], &no_bar, sizeof(no_bar)) != 0)
					problem(t, i,
						"devices[%u].bar[%u]: set on a legacy device (%s); "
						"its ports are .ports",
						(unsigned)k, (unsigned)b, dev_who(d));
		}
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Devices: memory BARs against everything else mapped                                        */

/* A memory BAR of a PCI function, in table order; only the ones whose range can be compared. */
struct mem_bar {
	u32 part, dev, bar;
	u64 base, size;
};

static u32 mem_bars(const struct partition_table *t, struct mem_bar *out)
{
	u32 n = 0;

	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_devices(p); k++)
			for (u32 b = 0; p->devices.d[k].kind == DEV_PCI && b < PT_MAX_BARS; b++) {
				const struct pt_bar *r = &p->devices.d[k].bar[b];

				if (r->kind == BAR_MEM && r->size && !wraps(r->base, r->size))
					out[n++] = (struct mem_bar){i, k, b, r->base, r->size};
			}
	}
	return n;
}

static struct mem_bar bars[PT_MAX_PARTITIONS * PT_MAX_DEVICES * PT_MAX_BARS];

static const struct pt_device *bar_dev(const struct partition_table *t, const struct mem_bar *m)
{
	return &t->parts.p[m->part].devices.d[m->dev];
}

/*
 * A BAR's range holds its device's registers and nothing else: RAM there would be reachable
 * through the device's mapping (or the registers through the RAM's), and a region of another
 * partition there would hand it this device. Any region of any partition, this one's too.
 */
static void check_bar_regions(const struct partition_table *t)
{
	u32 n = mem_bars(t, bars);

	for (u32 m = 0; m < n; m++)
		for (u32 j = 0; j < n_parts(t); j++) {
			const struct partition_config *q = &t->parts.p[j];

			for (u32 l = 0; l < n_regions(q); l++) {
				const struct pt_region *r = &q->mem.r[l];

				if (region_comparable(r) &&
				    ranges_overlap(bars[m].base, bars[m].size, r->phys, r->size))
					problem(t, bars[m].part,
						"devices[%u].bar[%u]: memory BAR " RANGE_FMT
						" (%s) overlaps %s mem[%u] of %s (" RANGE_FMT
						"); a device BAR overlapping RAM or another "
						"mapping is refused",
						(unsigned)bars[m].dev, (unsigned)bars[m].bar,
						RANGE(bars[m].base, bars[m].size),
						dev_who(bar_dev(t, &bars[m])),
						region_kind_name(r->kind), (unsigned)l, who(t, j),
						RANGE(r->phys, r->size));
			}
		}
}

/* Two BARs on one address: whichever device decodes it, one partition reaches the other's. */
static void check_bar_unique(const struct partition_table *t)
{
	u32 n = mem_bars(t, bars);

	for (u32 m = 0; m < n; m++)
		for (u32 o = 0; o < m; o++)
			if (ranges_overlap(bars[m].base, bars[m].size, bars[o].base, bars[o].size))
				problem(t, bars[m].part,
					"devices[%u].bar[%u]: memory BAR " RANGE_FMT
					" (%s) overlaps devices[%u].bar[%u] (%s) of %s (" RANGE_FMT
					")",
					(unsigned)bars[m].dev, (unsigned)bars[m].bar,
					RANGE(bars[m].base, bars[m].size),
					dev_who(bar_dev(t, &bars[m])), (unsigned)bars[o].dev,
					(unsigned)bars[o].bar, dev_who(bar_dev(t, &bars[o])),
					who(t, bars[o].part), RANGE(bars[o].base, bars[o].size));
}

/* The hypervisor's range and the machine's registers are no BAR's: a BAR there is a typo
 * that would map them into the partition. */
static void check_bar_machine(const struct partition_table *t)
{
	u32 n = mem_bars(t, bars);

	for (u32 m = 0; m < n; m++) {
		const struct mem_bar *b = &bars[m];

		if (ranges_overlap(b->base, b->size, HV_LOAD_ADDR, HV_MAX_SIZE))
			problem(t, b->part,
				"devices[%u].bar[%u]: memory BAR " RANGE_FMT
				" (%s) overlaps the hypervisor (" RANGE_FMT ")",
				(unsigned)b->dev, (unsigned)b->bar, RANGE(b->base, b->size),
				dev_who(bar_dev(t, b)), RANGE((u64)HV_LOAD_ADDR, (u64)HV_MAX_SIZE));
		for (size_t r = 0; r < ARRAY_SIZE(machine_ranges); r++)
			if (ranges_overlap(b->base, b->size, machine_ranges[r].start,
					   machine_ranges[r].size))
				problem(
				    t, b->part,
				    "devices[%u].bar[%u]: memory BAR " RANGE_FMT
				    " (%s) overlaps %s; the interrupt controllers and the IOMMU "
				    "stay with Bulkhead",
				    (unsigned)b->dev, (unsigned)b->bar, RANGE(b->base, b->size),
				    dev_who(bar_dev(t, b)), machine_ranges[r].what);
	}
}

/* A BAR is mapped at its own address in the guest: that address must be free there. */
static void check_bar_guest(const struct partition_table *t)
{
	u32 n = mem_bars(t, bars);

	for (u32 m = 0; m < n; m++) {
		const struct mem_bar *b = &bars[m];
		const struct partition_config *p = &t->parts.p[b->part];

		for (u32 l = 0; l < n_regions(p); l++) {
			const struct pt_region *r = &p->mem.r[l];

			if (region_comparable(r) &&
			    ranges_overlap(b->base, b->size, r->guest, r->size))
				problem(t, b->part,
					"devices[%u].bar[%u]: memory BAR " RANGE_FMT
					" (%s) is mapped at the same guest address, where mem[%u] "
					"is already (guest " RANGE_FMT ")",
					(unsigned)b->dev, (unsigned)b->bar, RANGE(b->base, b->size),
					dev_who(bar_dev(t, b)), (unsigned)l,
					RANGE(r->guest, r->size));
		}
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Devices: interrupts                                                                        */

/*
 * The I/O APIC inputs a device may name; COM1's IRQ is Bulkhead's console input, which it
 * keeps whatever the partitions' devices are.
 */
static void check_device_irq(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_devices(p); k++) {
			const struct pt_device *d = &p->devices.d[k];

			if (d->irq >= PT_MAX_GSI)
				problem(t, i,
					"devices[%u].irq: %u (%s) is not below %u (PT_MAX_GSI)",
					(unsigned)k, (unsigned)d->irq, dev_who(d), PT_MAX_GSI);
			else if (d->irq == COM1_ISA_IRQ)
				problem(
				    t, i,
				    "devices[%u].irq: %u (%s) is COM1's IRQ, Bulkhead's console "
				    "input",
				    (unsigned)k, (unsigned)d->irq, dev_who(d));
		}
	}
}

/*
 * One I/O APIC input is one redirection entry, routed to one partition's CPUs: devices of
 * one partition may share a level-triggered line, devices of two cannot. Reported on the
 * later partition, naming the first device of the earlier one that has the line.
 */
static void check_irq_exclusive(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++)
		for (u32 k = 0; k < n_devices(&t->parts.p[i]); k++) {
			const struct pt_device *a = &t->parts.p[i].devices.d[k];
			bool found = false;

			for (u32 j = 0; j < i && a->irq && !found; j++)
				for (u32 l = 0; l < n_devices(&t->parts.p[j]) && !found; l++) {
					const struct pt_device *b = &t->parts.p[j].devices.d[l];

					if (b->irq != a->irq)
						continue;
					found = true;
					problem(t, i,
						"devices[%u].irq: %u (%s) is also the irq of "
						"devices[%u] (%s) of %s; an interrupt line may be "
						"shared only inside one partition",
						(unsigned)k, (unsigned)a->irq, dev_who(a),
						(unsigned)l, dev_who(b), who(t, j));
				}
		}
}

/* ------------------------------------------------------------------------------------------ */
/* Channels                                                                                   */

/*
 * A channel (docs/channels.md) connects two partitions: memory both map, as a REGION_SHARED
 * region each over exactly its range, and a doorbell each way. A channel belongs to neither
 * side: its problems are about the table as a whole, and name the channel by index and, when
 * it has a printable one, by name (only a partition on too many channels is that partition's).
 */

/* The most a channel's name may hold: a payload reads it from a NUL-terminated char[32]. */
#define CHANNEL_NAME_MAX (sizeof(((struct payload_channel *)0)->name) - 1)
/* A doorbell's vector: 0-0x1f are the CPU's exceptions. */
#define CHANNEL_VECTOR_MIN 0x20u
#define CHANNEL_VECTOR_MAX 0xffu

static u32 n_channels(const struct partition_table *t)
{
	return min_u32(t->channels.count, PT_MAX_CHANNELS);
}

/* Printable ASCII, space to tilde: a name goes into messages and a payload's info page. */
static bool printable(char c)
{
	return c >= 0x20 && c < 0x7f;
}

/* The offset of the first character of s that is not printable, or -1. */
static long unprintable_at(const char *s)
{
	for (const char *c = s; *c; c++)
		if (!printable(*c))
			return c - s;
	return -1;
}

static const char *chan_who(const struct pt_channel *c)
{
	static char buf[4][128];
	static unsigned next;
	char *b = buf[next++ % 4];

	if (!nonempty(c->name))
		snprintf(b, sizeof(buf[0]), "a channel without a name");
	else if (unprintable_at(c->name) >= 0)
		snprintf(b, sizeof(buf[0]), "a channel whose name is not printable");
	else
		snprintf(b, sizeof(buf[0]), "channel \"%s\"", c->name);
	return b;
}

/* The partition called `name`, or -1 (no name, or none called so). */
static int part_by_name(const struct partition_table *t, const char *name)
{
	if (!nonempty(name))
		return -1;
	for (u32 i = 0; i < n_parts(t); i++)
		if (has_name(&t->parts.p[i]) && strcmp(t->parts.p[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* A channel whose range can be compared with regions and other channels at all. */
static bool channel_comparable(const struct pt_channel *c)
{
	return c->size != 0 && !wraps(c->phys, c->size);
}

/*
 * The two partitions a channel connects, when both ends name one and not the same one:
 * the checks between a channel's memory and the partitions' run only then, so that an end
 * naming no partition is reported once, by check_channel_ends.
 */
static bool channel_parts(const struct partition_table *t, const struct pt_channel *c, int part[2])
{
	part[0] = part_by_name(t, c->end[0].partition);
	part[1] = part_by_name(t, c->end[1].partition);
	return part[0] >= 0 && part[1] >= 0 && part[0] != part[1];
}

static void check_channel_count(const struct partition_table *t)
{
	if (t->channels.count > PT_MAX_CHANNELS)
		table_problem("channels.count: %u channels, at most %u (PT_MAX_CHANNELS)",
			      (unsigned)t->channels.count, PT_MAX_CHANNELS);
}

/* Each side finds its channel by name: it must be there, fit the info page, and be one. */
static void check_channel_names(const struct partition_table *t)
{
	for (u32 k = 0; k < n_channels(t); k++) {
		const char *name = t->channels.c[k].name;
		long bad;

		if (!nonempty(name)) {
			table_problem("channels[%u].name: missing name", (unsigned)k);
			continue;
		}
		bad = unprintable_at(name);
		if (bad >= 0) {
			/* Not printed: the name would break the line. */
			table_problem("channels[%u].name: contains 0x%02x at offset %ld, which is "
				      "not printable ASCII (0x20-0x7e)",
				      (unsigned)k, (unsigned)(unsigned char)name[bad], bad);
			continue;
		}
		if (strlen(name) > CHANNEL_NAME_MAX)
			table_problem("channels[%u].name: \"%s\" is %zu characters, at most %zu (a "
				      "payload reads it from a 32-byte field)",
				      (unsigned)k, name, strlen(name), CHANNEL_NAME_MAX);
		for (u32 l = 0; l < k; l++)
			if (nonempty(t->channels.c[l].name) &&
			    strcmp(name, t->channels.c[l].name) == 0) {
				table_problem("channels[%u].name: \"%s\" is also the name of "
					      "channels[%u]",
					      (unsigned)k, name, (unsigned)l);
				break;
			}
	}
}

/* The memory is mapped whole pages at a time into both sides, as their regions are. */
static void check_channel_shape(const struct partition_table *t)
{
	for (u32 k = 0; k < n_channels(t); k++) {
		const struct pt_channel *c = &t->channels.c[k];

		if (c->size == 0)
			table_problem("channels[%u].size: size is 0 (%s)", (unsigned)k,
				      chan_who(c));
		else if (c->size % PAGE_SIZE)
			table_problem("channels[%u].size: 0x%" PRIx64 " (%s) is not 4 KiB aligned",
				      (unsigned)k, c->size, chan_who(c));
		if (c->phys % PAGE_SIZE)
			table_problem("channels[%u].phys: 0x%" PRIx64 " (%s) is not 4 KiB aligned",
				      (unsigned)k, c->phys, chan_who(c));
		if (wraps(c->phys, c->size))
			table_problem("channels[%u].size: phys 0x%" PRIx64 " + size 0x%" PRIx64
				      " (%s) overflows 64 bits",
				      (unsigned)k, c->phys, c->size, chan_who(c));
	}
}

/* Whose an end is: a partition of the table, not end[0]'s. i is part_by_name's answer. */
static void channel_end_partition(const struct partition_table *t, u32 k, u32 e, int i)
{
	const struct pt_channel *c = &t->channels.c[k];
	const struct pt_channel_end *end = &c->end[e];

	if (!nonempty(end->partition))
		table_problem("channels[%u].end[%u].partition: missing partition name (%s)",
			      (unsigned)k, (unsigned)e, chan_who(c));
	else if (unprintable_at(end->partition) >= 0)
		table_problem("channels[%u].end[%u].partition: a name that is not printable "
			      "(%s) is not the name of any partition",
			      (unsigned)k, (unsigned)e, chan_who(c));
	else if (i < 0)
		table_problem("channels[%u].end[%u].partition: \"%s\" (%s) is not the name of "
			      "any partition",
			      (unsigned)k, (unsigned)e, end->partition, chan_who(c));
	else if (e == 1 && i == part_by_name(t, c->end[0].partition))
		table_problem("channels[%u].end[1].partition: \"%s\" (%s) is end[0]'s partition "
			      "too; a channel connects two partitions",
			      (unsigned)k, end->partition, chan_who(c));
}

/* A payload's doorbell: the table names the vector its CPU takes and which CPU takes it. */
static void channel_end_payload_doorbell(const struct partition_table *t, u32 k, u32 e, int i)
{
	const struct pt_channel *c = &t->channels.c[k];
	const struct pt_channel_end *end = &c->end[e];

	if (end->vector < CHANNEL_VECTOR_MIN || end->vector > CHANNEL_VECTOR_MAX)
		table_problem("channels[%u].end[%u].vector: 0x%x (%s) is not in 0x%x-0x%x (below "
			      "0x20 are the CPU's exceptions)",
			      (unsigned)k, (unsigned)e, (unsigned)end->vector, chan_who(c),
			      CHANNEL_VECTOR_MIN, CHANNEL_VECTOR_MAX);
	if (i >= 0 && end->apic_id != 0) {
		const struct partition_config *p = &t->parts.p[i];
		bool found = false;

		for (u32 n = 0; n < n_cpus(p); n++)
			found |= p->cpus.apic_id[n] == end->apic_id;
		if (!found)
			table_problem("channels[%u].end[%u].apic_id: %u (%s) is not a CPU of %s; "
				      "0 means its first",
				      (unsigned)k, (unsigned)e, (unsigned)end->apic_id, chan_who(c),
				      who(t, (u32)i));
	}
}

/*
 * Linux's doorbell is INTA of the channel's PCI function (bulkhead/channel_pci.h), routed by
 * its ACPI to an input of its virtual I/O APIC: Linux writes the vector and the CPU there
 * itself, so a vector or CPU in the table would be one that nothing uses.
 */
static void channel_end_linux_doorbell(const struct partition_table *t, u32 k, u32 e, u32 i)
{
	const struct pt_channel *c = &t->channels.c[k];
	const struct pt_channel_end *end = &c->end[e];

	if (end->vector != 0)
		table_problem("channels[%u].end[%u].vector: 0x%x (%s) on %s, a PART_LINUX "
			      "partition: Linux routes a doorbell's interrupt itself, through its "
			      "I/O APIC: leave .vector and .apic_id 0",
			      (unsigned)k, (unsigned)e, (unsigned)end->vector, chan_who(c),
			      who(t, i));
	if (end->apic_id != 0)
		table_problem("channels[%u].end[%u].apic_id: %u (%s) on %s, a PART_LINUX "
			      "partition: Linux routes a doorbell's interrupt itself, through its "
			      "I/O APIC: leave .vector and .apic_id 0",
			      (unsigned)k, (unsigned)e, (unsigned)end->apic_id, chan_who(c),
			      who(t, i));
}

/* The partition an end names when that partition is PART_LINUX, or -1. */
static int linux_end(const struct partition_table *t, const struct pt_channel_end *end)
{
	int i = part_by_name(t, end->partition);

	return i >= 0 && t->parts.p[i].kind == PART_LINUX ? i : -1;
}

/* One end on its own: whose it is, how it maps the memory, where its doorbell lands. */
static void channel_end(const struct partition_table *t, u32 k, u32 e)
{
	const struct pt_channel *c = &t->channels.c[k];
	const struct pt_channel_end *end = &c->end[e];
	int i = part_by_name(t, end->partition);

	channel_end_partition(t, k, e, i);
	if (end->access != MEM_R && end->access != MEM_RW)
		table_problem("channels[%u].end[%u].access: 0x%x (%s) is neither MEM_R (0x%x) "
			      "nor MEM_RW (0x%x)",
			      (unsigned)k, (unsigned)e, (unsigned)end->access, chan_who(c), MEM_R,
			      MEM_RW);
	if (i >= 0 && t->parts.p[i].kind == PART_LINUX)
		channel_end_linux_doorbell(t, k, e, (u32)i);
	else
		channel_end_payload_doorbell(t, k, e, i);
}

static void check_channel_ends(const struct partition_table *t)
{
	for (u32 k = 0; k < n_channels(t); k++)
		for (u32 e = 0; e < 2; e++)
			channel_end(t, k, e);
}

static const char *end_access_name(u32 access)
{
	return access == MEM_R ? "MEM_R" : access == MEM_RW ? "MEM_RW" : "?";
}

/*
 * Each side maps the memory as the table says it does: a REGION_SHARED region over exactly
 * [phys, phys + size) (at any guest address), whose read and write rights are the end's.
 * What is found instead is named: another region over the range, or nothing.
 */
static void channel_region(const struct partition_table *t, u32 k, u32 e, u32 i)
{
	const struct pt_channel *c = &t->channels.c[k];
	const struct pt_channel_end *end = &c->end[e];
	const struct partition_config *p = &t->parts.p[i];
	int near = -1;

	for (u32 l = 0; l < n_regions(p); l++) {
		const struct pt_region *r = &p->mem.r[l];

		if (r->kind == REGION_SHARED && r->phys == c->phys && r->size == c->size) {
			if ((r->access & MEM_RW) != end->access &&
			    (end->access == MEM_R || end->access == MEM_RW))
				table_problem("channels[%u].end[%u].access: %s (%s), but mem[%u] "
					      "of %s (SHARED " RANGE_FMT ") has access 0x%x; its "
					      "MEM_R and MEM_W bits must be the end's",
					      (unsigned)k, (unsigned)e,
					      end_access_name(end->access), chan_who(c),
					      (unsigned)l, who(t, i), RANGE(r->phys, r->size),
					      (unsigned)r->access);
			return;
		}
		if (near < 0 && region_comparable(r) &&
		    ranges_overlap(r->phys, r->size, c->phys, c->size))
			near = (int)l;
	}
	if (near < 0)
		table_problem("channels[%u].end[%u]: %s has no region over " RANGE_FMT
			      " (%s); it needs a REGION_SHARED region exactly there",
			      (unsigned)k, (unsigned)e, who(t, i), RANGE(c->phys, c->size),
			      chan_who(c));
	else
		table_problem("channels[%u].end[%u]: %s has %s mem[%u] " RANGE_FMT
			      " over " RANGE_FMT " (%s); it needs a REGION_SHARED region "
			      "exactly there",
			      (unsigned)k, (unsigned)e, who(t, i),
			      region_kind_name(p->mem.r[near].kind), (unsigned)near,
			      RANGE(p->mem.r[near].phys, p->mem.r[near].size),
			      RANGE(c->phys, c->size), chan_who(c));
}

static void check_channel_regions(const struct partition_table *t)
{
	for (u32 k = 0; k < n_channels(t); k++) {
		const struct pt_channel *c = &t->channels.c[k];
		int part[2];

		if (!channel_comparable(c) || !channel_parts(t, c, part))
			continue;
		for (u32 e = 0; e < 2; e++)
			channel_region(t, k, e, (u32)part[e]);
	}
}

/*
 * The memory is the two named partitions' and no one else's: a third partition with any
 * region over it (shared or not) would read or write what the two exchange.
 */
static void check_channel_exclusive(const struct partition_table *t)
{
	for (u32 k = 0; k < n_channels(t); k++) {
		const struct pt_channel *c = &t->channels.c[k];
		int part[2];

		if (!channel_comparable(c) || !channel_parts(t, c, part))
			continue;
		for (u32 j = 0; j < n_parts(t); j++) {
			const struct partition_config *q = &t->parts.p[j];

			if ((int)j == part[0] || (int)j == part[1])
				continue;
			for (u32 l = 0; l < n_regions(q); l++) {
				const struct pt_region *r = &q->mem.r[l];

				if (region_comparable(r) &&
				    ranges_overlap(r->phys, r->size, c->phys, c->size))
					table_problem(
					    "channels[%u]: " RANGE_FMT " (%s) overlaps %s mem[%u] "
					    "of %s (" RANGE_FMT "), which is not on the channel; "
					    "its memory is shared by its two partitions only",
					    (unsigned)k, RANGE(c->phys, c->size), chan_who(c),
					    region_kind_name(r->kind), (unsigned)l, who(t, j),
					    RANGE(r->phys, r->size));
			}
		}
	}
}

/* One memory, one channel: two channels over it would be two pairs sharing it. */
static void check_channel_overlap(const struct partition_table *t)
{
	for (u32 k = 0; k < n_channels(t); k++)
		for (u32 l = 0; l < k; l++) {
			const struct pt_channel *a = &t->channels.c[k], *b = &t->channels.c[l];

			if (channel_comparable(a) && channel_comparable(b) &&
			    ranges_overlap(a->phys, a->size, b->phys, b->size))
				table_problem("channels[%u]: " RANGE_FMT " (%s) overlaps "
					      "channels[%u] (%s, " RANGE_FMT "); channels do not "
					      "share memory",
					      (unsigned)k, RANGE(a->phys, a->size), chan_who(a),
					      (unsigned)l, chan_who(b), RANGE(b->phys, b->size));
		}
}

/* A partition finds its channels in its information page, which lists at most this many. */
static void check_channels_per_partition(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		u32 on = 0;

		if (!has_name(&t->parts.p[i]))
			continue;
		for (u32 k = 0; k < n_channels(t); k++) {
			const struct pt_channel *c = &t->channels.c[k];

			for (u32 e = 0; e < 2; e++)
				if (part_by_name(t, c->end[e].partition) == (int)i &&
				    (e == 0 || part_by_name(t, c->end[0].partition) != (int)i) &&
				    ++on == PAYLOAD_MAX_CHANNELS + 1)
					problem(
					    t, i,
					    "channels: on more than %u channels (channels[%u], "
					    "%s, is one too many); its information page lists at "
					    "most %u (PAYLOAD_MAX_CHANNELS)",
					    PAYLOAD_MAX_CHANNELS, (unsigned)k, chan_who(c),
					    PAYLOAD_MAX_CHANNELS);
		}
	}
}

/*
 * A Linux end sees its channel as a PCI function modelled on QEMU's ivshmem
 * (bulkhead/channel_pci.h): the memory is its BAR2, at the guest address of the partition's
 * REGION_SHARED region over it, and its registers are BAR0 at CHANNEL_REGS_GPA(k), inside the
 * guest's I/O APIC range, where its virtual I/O APIC is too. That range stays free of the
 * partition's regions, and must hold a register page for as many channels as a table has.
 */
#define LINUX_IOAPIC_GPA  0xfec00000ULL
#define LINUX_IOAPIC_SIZE 0x100000ULL
_Static_assert(CHANNEL_REGS_GPA(0) >= LINUX_IOAPIC_GPA &&
		   CHANNEL_REGS_GPA(PT_MAX_CHANNELS - 1) + PAGE_SIZE <=
		       LINUX_IOAPIC_GPA + LINUX_IOAPIC_SIZE,
	       "the channels' BAR0s lie in the guest's I/O APIC range");

static bool pow2(u64 x)
{
	return x != 0 && (x & (x - 1)) == 0;
}

/* The first end of channel k that is a Linux partition's, or -1. */
static int channel_linux_end(const struct partition_table *t, u32 k)
{
	for (u32 e = 0; e < 2; e++)
		if (linux_end(t, &t->channels.c[k].end[e]) >= 0)
			return (int)e;
	return -1;
}

/* A channel check_channel_shape accepts; any other it reports, so the Linux rules skip it. */
static bool channel_shaped(const struct pt_channel *c)
{
	return channel_comparable(c) && c->size % PAGE_SIZE == 0 && c->phys % PAGE_SIZE == 0;
}

/* A PCI BAR's size is a power of two (PCI Local Bus 3.0 §6.2.5.1): so is a Linux end's. */
static void check_channel_linux_size(const struct partition_table *t)
{
	for (u32 k = 0; k < n_channels(t); k++) {
		const struct pt_channel *c = &t->channels.c[k];
		int e = channel_linux_end(t, k);

		if (e >= 0 && channel_shaped(c) && !pow2(c->size))
			table_problem("channels[%u].size: 0x%" PRIx64 " (%s) is not a power of "
				      "two, and end[%d] is %s, a PART_LINUX partition: Linux sees "
				      "the memory as a PCI BAR, whose size is a power of two",
				      (unsigned)k, c->size, chan_who(c), e,
				      who(t, (u32)linux_end(t, &c->end[e])));
	}
}

/* The Linux end's region over channel k, or -1 (then check_channel_regions says so). */
static int channel_linux_region(const struct partition_config *p, const struct pt_channel *c)
{
	for (u32 l = 0; l < n_regions(p); l++) {
		const struct pt_region *r = &p->mem.r[l];

		if (r->kind == REGION_SHARED && r->phys == c->phys && r->size == c->size)
			return (int)l;
	}
	return -1;
}

/* A BAR is aligned to its size, so the region that is BAR2 sits at such a guest address. */
static void channel_linux_align(const struct partition_table *t, u32 k, u32 e)
{
	const struct pt_channel *c = &t->channels.c[k];
	int i = linux_end(t, &c->end[e]);
	int l = i < 0 ? -1 : channel_linux_region(&t->parts.p[i], c);
	const struct pt_region *r;

	if (l < 0 || !channel_shaped(c) || !pow2(c->size))
		return;
	r = &t->parts.p[i].mem.r[l];
	if (r->guest % c->size)
		table_problem("channels[%u].end[%u]: %s maps " RANGE_FMT " (%s) at guest 0x%llx "
			      "(mem[%u]), not a multiple of its size 0x%llx: Linux sees the "
			      "memory as a PCI BAR, which is aligned to its size",
			      (unsigned)k, (unsigned)e, who(t, (u32)i), RANGE(c->phys, c->size),
			      chan_who(c), (unsigned long long)r->guest, (unsigned)l,
			      (unsigned long long)c->size);
}

static void check_channel_linux_align(const struct partition_table *t)
{
	for (u32 k = 0; k < n_channels(t); k++)
		for (u32 e = 0; e < 2; e++)
			channel_linux_align(t, k, e);
}

/* Channel k's end e, the first end of any channel on Linux partition i; false if none. */
static bool first_linux_channel(const struct partition_table *t, u32 i, u32 *k, u32 *e)
{
	for (*k = 0; *k < n_channels(t); (*k)++)
		for (*e = 0; *e < 2; (*e)++)
			if (part_by_name(t, t->channels.c[*k].end[*e].partition) == (int)i)
				return true;
	return false;
}

/*
 * check_machine_ranges keeps every region's host range off the I/O APICs; this keeps a Linux
 * partition's guest range off them too: there it finds its virtual I/O APIC, which routes
 * the doorbell, and its channels' registers. Reported once per region, on its first channel.
 */
static void check_channel_linux_ioapic(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];
		u32 k, e;

		if (p->kind != PART_LINUX || !first_linux_channel(t, i, &k, &e))
			continue;
		for (u32 l = 0; l < n_regions(p); l++) {
			const struct pt_region *r = &p->mem.r[l];

			if (region_comparable(r) &&
			    ranges_overlap(r->guest, r->size, LINUX_IOAPIC_GPA, LINUX_IOAPIC_SIZE))
				table_problem(
				    "channels[%u].end[%u]: %s has %s mem[%u] at guest " RANGE_FMT
				    " (%s), in 0xfec00000-0xfecfffff, where a Linux partition on a "
				    "channel has its virtual I/O APIC and the channels' registers "
				    "(BAR0); no region of it may map guest addresses there",
				    (unsigned)k, (unsigned)e, who(t, i), region_kind_name(r->kind),
				    (unsigned)l, RANGE(r->guest, r->size),
				    chan_who(&t->channels.c[k]));
		}
	}
}

/* ------------------------------------------------------------------------------------------ */

static void (*const checks[])(const struct partition_table *) = {
    check_partition_count,
    check_layout_name,
    check_stale_entries,
    check_names,
    check_names_unique,
    check_kind,
    check_linux_count,
    check_modules,
    check_modules_unique,
    check_initrd,
    check_fault,
    check_dma_fault,
    check_cpu_count,
    check_cpu_unique,
    check_cpu_exclusive,
    check_region_count,
    check_has_ram,
    check_region_shape,
    check_region_kind,
    check_region_access,
    check_guest_overlap,
    check_host_overlap_self,
    check_ram_overlap,
    check_mmio_overlap,
    check_hypervisor_overlap,
    check_machine_ranges,
    check_guest_limit,
    check_host_limit,
    check_ports,
    check_ports_console,
    check_ports_machine,
    check_ports_pci_config,
    check_port_unique,
    check_device_count,
    check_device_kind,
    check_device_flags,
    check_device_names,
    check_pci_bdf,
    check_pci_bdf_unique,
    check_pci_ports,
    check_bar_kind,
    check_bar_shape,
    check_legacy_ports,
    check_legacy_not_pci,
    check_bar_regions,
    check_bar_unique,
    check_bar_machine,
    check_bar_guest,
    check_device_irq,
    check_irq_exclusive,
    check_channel_count,
    check_channel_names,
    check_channel_shape,
    check_channel_ends,
    check_channel_regions,
    check_channel_exclusive,
    check_channel_overlap,
    check_channels_per_partition,
    check_channel_linux_size,
    check_channel_linux_align,
    check_channel_linux_ioapic,
};

/* tests/fuzz/fuzz_ptcheck.c includes this file with PTCHECK_NO_MAIN and runs `checks` itself. */
#ifndef PTCHECK_NO_MAIN
/* A name as the rest of a line: a character outside printable ASCII would break the line. */
static void print_rest(const char *s)
{
	for (; *s; s++)
		putchar(printable(*s) ? *s : '?');
	putchar('\n');
}

/*
 * `--modules`: the GRUB modules the layout takes, in its order (a partition's image, then its
 * initrd), for make install and the GRUB script it installs (docs/install.md):
 *   layout <layout name>
 *   module <tag> <kind> <partition name>     kind: kernel (a Linux bzImage), initrd or payload
 * Only a good table is printed: the tags are then words without whitespace.
 */
static void print_modules(const struct partition_table *t)
{
	printf("layout ");
	print_rest(t->layout);
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		printf("module %s %s ", p->module, p->kind == PART_LINUX ? "kernel" : "payload");
		print_rest(p->name);
		if (p->initrd && p->initrd[0]) {
			printf("module %s initrd ", p->initrd);
			print_rest(p->name);
		}
	}
}

/* ptcheck [--modules] [FILE.c]: FILE.c only names the layout in the messages. */
int main(int argc, char **argv)
{
	const struct partition_table *t = &partition_table;
	bool modules = argc > 1 && strcmp(argv[1], "--modules") == 0;

	if (modules) {
		argc--;
		argv++;
	}
	if (argc > 1 && argv[1][0])
		file = argv[1];
	for (size_t c = 0; c < ARRAY_SIZE(checks); c++)
		checks[c](t);
	if (problems) {
		printf("ptcheck: %s: %u problem%s\n", file, problems, problems == 1 ? "" : "s");
		return 1;
	}
	if (modules) {
		print_modules(t);
		return 0;
	}
	printf("ptcheck: %s: ok: layout \"%s\", %u partition%s\n", file, t->layout,
	       (unsigned)t->parts.count, t->parts.count == 1 ? "" : "s");
	return 0;
}
#endif
