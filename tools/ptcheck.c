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

#include "bulkhead/ptable.h"

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

	for (u32 i = t->parts.count; i < PT_MAX_PARTITIONS; i++)
		if (memcmp(&t->parts.p[i], &zero_part, sizeof(zero_part)) != 0)
			table_problem(
			    "parts[%u]: filled in past parts.count (%u); use PT_PARTITIONS() "
			    "or raise the count",
			    (unsigned)i, (unsigned)t->parts.count);

	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];
		static const struct pt_region zero_region;
		static const struct pt_ports zero_ports;

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
 * (the print hypercall, through any mapping, MMIO too) there. A region above it would fault
 * the hypervisor, not the partition.
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

/* COM1 is Bulkhead's console: every partition gets an emulated one at these ports. */
#define COM1_BASE  0x3f8
#define COM1_PORTS 8

static void check_ports_console(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_ports(p); k++) {
			const struct pt_ports *r = &p->ports.p[k];

			if (ports_valid(r) &&
			    ranges_overlap(r->base, r->count, COM1_BASE, COM1_PORTS))
				problem(t, i,
					"ports[%u]: " PORTS_FMT
					" includes COM1 (0x3f8-0x3ff), which "
					"Bulkhead keeps for its console; each partition has an "
					"emulated COM1 there",
					(unsigned)k, PORTS(r->base, r->count));
		}
	}
}

/*
 * Ports of the whole machine. Those that reset it: every partition, and Bulkhead, would go
 * down with it; the keyboard controller is refused whole: command 0xfe on 0x64 pulses the
 * reset line, and command 0xd1 then a byte on 0x60 writes its output port (bit 0 reset, bit 1
 * A20). The 8259 PICs and their edge/level register: reprogrammed and unmasked, they deliver
 * their vectors to the boot CPU, Bulkhead's own. The APM/SMI command port: a write raises an
 * SMI, which stalls every CPU while firmware runs.
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
};

static void check_ports_machine(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_ports(p); k++) {
			const struct pt_ports *r = &p->ports.p[k];

			if (!ports_valid(r))
				continue;
			for (size_t m = 0; m < ARRAY_SIZE(machine_ports); m++)
				if (ranges_overlap(r->base, r->count, machine_ports[m].port,
						   machine_ports[m].count))
					problem(t, i, "ports[%u]: " PORTS_FMT " includes %s; %s",
						(unsigned)k, PORTS(r->base, r->count),
						machine_ports[m].what, machine_ports[m].why);
		}
	}
}

/* PCI configuration mechanism #1: CONFIG_ADDRESS 0xcf8-0xcfb, CONFIG_DATA 0xcfc-0xcff. */
#define PCI_CONFIG_BASE	 0xcf8
#define PCI_CONFIG_PORTS 8

/*
 * Through these ports a partition reaches every device's configuration space: it can move
 * any BAR (over another partition's memory), turn on bus mastering (DMA anywhere) or turn a
 * device off. Refused until Bulkhead can assign devices and filter configuration space.
 */
static void check_ports_pci_config(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_ports(p); k++) {
			const struct pt_ports *r = &p->ports.p[k];

			if (ports_valid(r) &&
			    ranges_overlap(r->base, r->count, PCI_CONFIG_BASE, PCI_CONFIG_PORTS))
				problem(
				    t, i,
				    "ports[%u]: " PORTS_FMT
				    " includes the PCI configuration ports (0xcf8-0xcff), which "
				    "reach every device on the machine; not granted until "
				    "devices can be assigned",
				    (unsigned)k, PORTS(r->base, r->count));
		}
	}
}

/*
 * A port is a device register with no memory behind it to share: two partitions driving one
 * device corrupt each other. Never allowed, and twice in one partition is a typo.
 */
static void check_port_unique(const struct partition_table *t)
{
	for (u32 i = 0; i < n_parts(t); i++) {
		const struct partition_config *p = &t->parts.p[i];

		for (u32 k = 0; k < n_ports(p); k++) {
			const struct pt_ports *a = &p->ports.p[k];

			if (!ports_valid(a))
				continue;
			for (u32 l = 0; l < k; l++) {
				const struct pt_ports *b = &p->ports.p[l];

				if (ports_valid(b) &&
				    ranges_overlap(a->base, a->count, b->base, b->count))
					problem(
					    t, i,
					    "ports[%u]: " PORTS_FMT
					    " overlaps ports[%u] of the same partition (" PORTS_FMT
					    ")",
					    (unsigned)k, PORTS(a->base, a->count), (unsigned)l,
					    PORTS(b->base, b->count));
			}
			for (u32 j = 0; j < i; j++) {
				const struct partition_config *q = &t->parts.p[j];

				for (u32 l = 0; l < n_ports(q); l++) {
					const struct pt_ports *b = &q->ports.p[l];

					if (ports_valid(b) &&
					    ranges_overlap(a->base, a->count, b->base, b->count))
						problem(t, i,
							"ports[%u]: " PORTS_FMT
							" overlaps ports[%u] of %s (" PORTS_FMT
							"); ports are never shared",
							(unsigned)k, PORTS(a->base, a->count),
							(unsigned)l, who(t, j),
							PORTS(b->base, b->count));
				}
			}
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
};

/* tests/fuzz/fuzz_ptcheck.c includes this file with PTCHECK_NO_MAIN and runs `checks` itself. */
#ifndef PTCHECK_NO_MAIN
int main(int argc, char **argv)
{
	const struct partition_table *t = &partition_table;

	if (argc > 1 && argv[1][0])
		file = argv[1];
	for (size_t c = 0; c < ARRAY_SIZE(checks); c++)
		checks[c](t);
	if (problems) {
		printf("ptcheck: %s: %u problem%s\n", file, problems, problems == 1 ? "" : "s");
		return 1;
	}
	printf("ptcheck: %s: ok: layout \"%s\", %u partition%s\n", file, t->layout,
	       (unsigned)t->parts.count, t->parts.count == 1 ? "" : "s");
	return 0;
}
#endif
