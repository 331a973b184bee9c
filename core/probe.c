/*
 * The probe's layout generator (see probe.h): a description of the machine in, the text of a
 * partition table file out, line by line. Pure: no hardware, no allocation, no global state.
 *
 * The choices it makes are the constants below; the generated file explains each where it
 * applies, so that whoever edits the layout knows what may change and what may not.
 */
#include <stdarg.h>

#include "core/probe.h"
#include "core/lib/format.h"
#include "core/lib/string.h"

#define ULL(x) ((unsigned long long)(x))

/* RAM */
#define FLOOR		(64 * MiB)  /* partitions' RAM starts here at the lowest */
#define MODULE_ROOM	(16 * MiB)  /* and this far above the modules GRUB put below the floor */
#define CHUNK_ALIGN	(2 * MiB)   /* every range given: 2 MiB pages in the EPT */
#define BULKHEAD_FREE	(32 * MiB)  /* left free at the top of the main range for Bulkhead */
#define PAYLOAD_RAM	(2 * MiB)   /* what the demo payloads (images/demos) need */
#define LINUX_MIN	(32 * MiB)  /* less than this, and no Linux partition is written */
#define LINUX_WANT	(128 * MiB) /* what Debian's cloud kernel boots in (partitions/default.c) */
#define LINUX_EXTRA_MIN (16 * MiB)  /* another free range this large is Linux's RAM too */
#define LOW_MEG		(1 * MiB)
#define MAX_CHUNKS	32

/* Ranges no region or BAR may touch (tools/ptcheck.c's check_machine_ranges). */
#define IOAPIC_LO 0xfec00000ULL
#define IOAPIC_HI 0xfed00000ULL
#define DMAR_LO	  0xfed90000ULL
#define DMAR_HI	  0xfed92000ULL
#define LAPIC_LO  0xfee00000ULL
#define LAPIC_HI  0xfef00000ULL

#define LINUX_PORT_BASE	 0x70 /* the CMOS clock, granted to Linux */
#define LINUX_PORT_COUNT 2
#define COM1_GSI	 4

#define LINE_MAX 160
#define NBSP	 '\x1f' /* a space para() does not break a line at: "16 MiB" stays whole */
#define COLUMNS	 100	/* clang-format's limit: a generated layout can be committed as it is */

struct writer {
	probe_line_fn out;
	void *ctx;
};

static void emit(struct writer *w, char *line)
{
	for (char *c = line; *c; c++)
		if (*c == NBSP)
			*c = ' ';
	w->out(w->ctx, line);
}

__attribute__((format(printf, 2, 3))) static void put(struct writer *w, const char *fmt, ...)
{
	char line[LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vformat(line, sizeof(line), fmt, ap);
	va_end(ap);
	emit(w, line);
}

/* ---- the plan ------------------------------------------------------------------------------ */

struct plan {
	const struct probe_machine *m;
	const char *name; /* the layout's */
	u32 boot_apic;

	/* CPUs, by APIC ID, ascending. */
	u32 linux_cpu[PT_MAX_CPUS], n_linux_cpu;
	bool has_payload_cpu;
	u32 payload_cpu;
	u32 idle[MAX_CPUS], n_idle; /* the payload's core's other threads, left idle */
	u32 over[MAX_CPUS], n_over; /* more than a partition may have */
	bool payload_shares_boot_core;
	bool linux_on_payload_core; /* it took the payload's siblings: there was nothing else */

	/* RAM */
	u64 floor, low_end;
	struct probe_range chunk[MAX_CHUNKS];
	u32 n_chunk, chunks_dropped;
	int main; /* the largest chunk, -1 if there is none */
	bool linux_ok, payload_ok;
	u64 low_phys;				     /* Linux's first megabyte */
	struct probe_range lram[PT_MAX_REGIONS - 1]; /* Linux's RAM, guest == host */
	u32 n_lram;
	u64 payload_phys;
	u64 free_start, free_end; /* left for Bulkhead */
	u64 above_limit;	  /* usable RAM above PT_HOST_LIMIT */
	bool piix;		  /* PCI pins go through ISA IRQs (i440FX/BX host bridge) */
};

static u64 min_u64(u64 a, u64 b)
{
	return a < b ? a : b;
}

static u64 max_u64(u64 a, u64 b)
{
	return a > b ? a : b;
}

static bool overlap(u64 s1, u64 e1, u64 s2, u64 e2)
{
	return s1 < e2 && s2 < e1;
}

static u32 core_of(const struct plan *p, u32 apic)
{
	return p->m->smt_known ? apic >> p->m->smt_shift : apic;
}

static void sort_u32(u32 *v, u32 n)
{
	for (u32 i = 1; i < n; i++)
		for (u32 j = i; j > 0 && v[j - 1] > v[j]; j--) {
			u32 t = v[j];

			v[j] = v[j - 1];
			v[j - 1] = t;
		}
}

/* The payload gets one thread of the last core that is not the boot CPU's (its siblings
 * idle); Linux the rest, at most PT_MAX_CPUS. With one CPU to give, Linux gets it. */
static void plan_cpus(struct plan *p)
{
	const struct probe_machine *m = p->m;
	u32 avail[MAX_CPUS], n = 0, boot_core, pay_core = 0;
	bool found = false;

	p->boot_apic = m->cpus[0].apic_id;
	boot_core = core_of(p, p->boot_apic);
	for (u32 i = 1; i < m->cpu_count && i < MAX_CPUS; i++)
		if (m->cpus[i].online && m->cpus[i].apic_id != p->boot_apic)
			avail[n++] = m->cpus[i].apic_id;
	sort_u32(avail, n);
	if (n >= 2) {
		for (u32 i = n; i-- > 0;)
			if (core_of(p, avail[i]) != boot_core) {
				pay_core = core_of(p, avail[i]);
				found = true;
				break;
			}
		p->has_payload_cpu = true;
		if (!found) {
			p->payload_cpu = avail[n - 1];
			p->payload_shares_boot_core = true;
		} else {
			for (u32 i = 0; i < n; i++)
				if (core_of(p, avail[i]) == pay_core) {
					p->payload_cpu = avail[i];
					break;
				}
		}
	}
	for (u32 i = 0; i < n; i++) {
		u32 a = avail[i];

		if (p->has_payload_cpu && a == p->payload_cpu)
			continue;
		if (p->has_payload_cpu && found && core_of(p, a) == pay_core)
			p->idle[p->n_idle++] = a;
		else if (p->n_linux_cpu < PT_MAX_CPUS)
			p->linux_cpu[p->n_linux_cpu++] = a;
		else
			p->over[p->n_over++] = a;
	}
	if (p->n_linux_cpu == 0 && p->n_idle > 0) {
		for (u32 i = 0; i < p->n_idle && i < PT_MAX_CPUS; i++)
			p->linux_cpu[p->n_linux_cpu++] = p->idle[i];
		p->n_idle = 0;
		p->linux_on_payload_core = true;
	}
}

/* Keep [s, e) in address order, merged with a neighbour it touches. */
static void add_range(struct probe_range *r, u32 *n, u32 max, u32 *dropped, u64 s, u64 e)
{
	u32 i = 0;

	if (s >= e)
		return;
	while (i < *n && r[i].end < s)
		i++;
	if (i < *n && r[i].start <= e) {
		r[i].start = min_u64(r[i].start, s);
		r[i].end = max_u64(r[i].end, e);
		while (i + 1 < *n && r[i + 1].start <= r[i].end) {
			r[i].end = max_u64(r[i].end, r[i + 1].end);
			memmove(&r[i + 1], &r[i + 2], (*n - i - 2) * sizeof(r[0]));
			(*n)--;
		}
		return;
	}
	if (*n == max) {
		(*dropped)++;
		return;
	}
	memmove(&r[i + 1], &r[i], (*n - i) * sizeof(r[0]));
	r[i].start = s;
	r[i].end = e;
	(*n)++;
}

/* [s, e) minus every reservation from `from` on, into the chunks (2 MiB aligned inward). */
static void carve(struct plan *p, u64 s, u64 e, u32 from)
{
	const struct probe_machine *m = p->m;

	for (u32 k = from; k < m->resv_count && k < PROBE_MAX_RESV; k++) {
		if (overlap(s, e, m->resv[k].start, m->resv[k].end)) {
			if (m->resv[k].start > s)
				carve(p, s, m->resv[k].start, k + 1);
			if (m->resv[k].end < e)
				carve(p, m->resv[k].end, e, k + 1);
			return;
		}
	}
	s = align_up(s, CHUNK_ALIGN);
	e = align_down(e, CHUNK_ALIGN);
	if (s < e) {
		u32 dummy = 0;

		add_range(p->chunk, &p->n_chunk, MAX_CHUNKS, &dummy, s, e);
		p->chunks_dropped += dummy;
	}
}

static u64 chunk_size(const struct plan *p, u32 i)
{
	return p->chunk[i].end - p->chunk[i].start;
}

static void sort_lram(struct plan *p)
{
	for (u32 i = 1; i < p->n_lram; i++)
		for (u32 j = i; j > 0 && p->lram[j - 1].start > p->lram[j].start; j--) {
			struct probe_range t = p->lram[j];

			p->lram[j] = p->lram[j - 1];
			p->lram[j - 1] = t;
		}
}

static void plan_ram(struct plan *p)
{
	const struct probe_machine *m = p->m;
	struct probe_range ram[PROBE_MAX_RANGES];
	u32 n = 0, dropped = 0;
	u64 top, a, b;

	/* Usable RAM, merged and sorted, cut to whole pages. */
	for (u32 i = 0; i < m->ram_count && i < PROBE_MAX_RANGES; i++) {
		u64 s = align_up(m->ram[i].start, PAGE_SIZE),
		    e = align_down(m->ram[i].end, PAGE_SIZE);

		if (e > PT_HOST_LIMIT)
			p->above_limit += e - max_u64(s, PT_HOST_LIMIT);
		add_range(ram, &n, PROBE_MAX_RANGES, &dropped, s, min_u64(e, PT_HOST_LIMIT));
	}
	/* Above the floor, and room above the modules GRUB put just above Bulkhead. */
	for (u32 k = 0; k < m->resv_count && k < PROBE_MAX_RESV; k++)
		if (m->resv[k].start < FLOOR)
			p->low_end = max_u64(p->low_end, m->resv[k].end);
	p->floor = FLOOR;
	if (p->low_end + MODULE_ROOM > FLOOR)
		p->floor = align_up(p->low_end + MODULE_ROOM, CHUNK_ALIGN);
	for (u32 i = 0; i < n; i++)
		if (ram[i].end > p->floor)
			carve(p, max_u64(ram[i].start, p->floor), ram[i].end, 0);
	p->main = -1;
	for (u32 i = 0; i < p->n_chunk; i++)
		if (p->main < 0 || chunk_size(p, i) > chunk_size(p, (u32)p->main))
			p->main = (int)i;
	if (p->main < 0)
		return;

	/* The main chunk, from the top: Bulkhead's free RAM, the payload, Linux. */
	a = p->chunk[p->main].start;
	b = p->chunk[p->main].end;
	if (b - a < BULKHEAD_FREE + (p->has_payload_cpu ? PAYLOAD_RAM : 0))
		return;
	top = b - BULKHEAD_FREE;
	p->free_start = top;
	p->free_end = b;
	if (p->has_payload_cpu) {
		top -= PAYLOAD_RAM;
		p->payload_phys = top;
		p->payload_ok = true;
	}
	if (p->n_linux_cpu && top - a >= CHUNK_ALIGN + LINUX_MIN) {
		p->linux_ok = true;
		p->low_phys = a + CHUNK_ALIGN - LOW_MEG;
		p->lram[p->n_lram++] = (struct probe_range){a + CHUNK_ALIGN, top};
		for (u32 i = 0; i < p->n_chunk && p->n_lram < ARRAY_SIZE(p->lram); i++)
			if ((int)i != p->main && chunk_size(p, i) >= LINUX_EXTRA_MIN)
				p->lram[p->n_lram++] = p->chunk[i];
		sort_lram(p);
	}
}

static bool chunk_given(const struct plan *p, u32 i)
{
	if ((int)i == p->main)
		return p->payload_ok || p->linux_ok;
	for (u32 k = 0; p->linux_ok && k < p->n_lram; k++)
		if (p->lram[k].start == p->chunk[i].start)
			return true;
	return false;
}

static u64 linux_bytes(const struct plan *p)
{
	u64 sum = LOW_MEG;

	for (u32 k = 0; k < p->n_lram; k++)
		sum += p->lram[k].end - p->lram[k].start;
	return sum;
}

/* ---- PCI ----------------------------------------------------------------------------------- */

static const struct probe_pci_fn *pci_at(const struct probe_machine *m, u32 bdf)
{
	for (u32 i = 0; i < m->pci_count && i < PROBE_MAX_PCI; i++)
		if (m->pci[i].bdf == bdf)
			return &m->pci[i];
	return NULL;
}

/* The i440FX and i440BX host bridges' PIIX routes each PCI pin to an ISA IRQ, the one firmware
 * wrote in the function's interrupt line; the I/O APIC sees ISA IRQs on their GSIs. */
static bool piix_chipset(const struct probe_machine *m)
{
	const struct probe_pci_fn *h = pci_at(m, 0);

	return h && h->vendor == 0x8086 &&
	       (h->device == 0x1237 || h->device == 0x7190 || h->device == 0x7192);
}

static bool kept_by_bulkhead(const struct probe_pci_fn *f)
{
	return f->bdf == 0 || f->header_type != 0 || (f->class_code >> 16) == 0x06;
}

static const char *class_name(u32 class_code, bool short_name)
{
	static const char *const names[][2] = {
	    {"device", "device"},
	    {"storage", "storage controller"},
	    {"net", "network controller"},
	    {"display", "display controller"},
	    {"media", "multimedia controller"},
	    {"memory", "memory controller"},
	    {"bridge", "bridge"},
	    {"comm", "communication controller"},
	    {"system", "system peripheral"},
	    {"input", "input device"},
	    {"dock", "docking station"},
	    {"cpu", "processor"},
	    {"serialbus", "serial bus controller"},
	    {"wireless", "wireless controller"},
	    {"io", "intelligent I/O controller"},
	    {"satellite", "satellite controller"},
	    {"crypto", "encryption controller"},
	    {"signal", "signal processing controller"},
	    {"accel", "processing accelerator"},
	};
	u32 base = class_code >> 16, sub = (class_code >> 8) & 0xff;

	if (base == 0x0c && sub == 0x03)
		return short_name ? "usb" : "USB controller";
	if (base == 0x0c && sub == 0x05)
		return short_name ? "smbus" : "SMBus controller";
	if (base == 0x01 && sub == 0x01)
		return short_name ? "ide" : "IDE controller";
	if (base == 0x01 && sub == 0x06)
		return short_name ? "sata" : "SATA controller";
	if (base == 0x01 && sub == 0x08)
		return short_name ? "nvme" : "NVMe controller";
	if (base < ARRAY_SIZE(names))
		return names[base][short_name ? 0 : 1];
	return short_name ? "pci" : "device";
}

enum irq_source {
	IRQ_NO_PIN,
	IRQ_PIIX,    /* pin -> ISA IRQ (the line) -> GSI */
	IRQ_LINE,    /* the line register holds an I/O APIC input */
	IRQ_UNKNOWN, /* only ACPI's _PRT knows */
};

static bool gsi_usable(const struct probe_machine *m, u32 gsi)
{
	return gsi != 0 && gsi != COM1_GSI && gsi < PT_MAX_GSI && gsi < m->ioapic_pins;
}

static enum irq_source pci_irq(const struct plan *p, const struct probe_pci_fn *f, u32 *gsi)
{
	const struct probe_machine *m = p->m;

	*gsi = 0;
	if (f->pin == 0 || f->pin > 4)
		return IRQ_NO_PIN;
	if (p->piix && f->line >= 1 && f->line < 16 && gsi_usable(m, m->isa_gsi[f->line])) {
		*gsi = m->isa_gsi[f->line];
		return IRQ_PIIX;
	}
	if (f->line >= 16 && f->line != 0xff && gsi_usable(m, f->line)) {
		*gsi = f->line;
		return IRQ_LINE;
	}
	return IRQ_UNKNOWN;
}

struct port_range {
	u32 lo, hi; /* inclusive */
	const char *what;
};

/* The ports ptcheck never grants (check_ports_console, _machine, _pci_config). */
static const struct port_range kept_ports[] = {
    {0x00, 0x0f, "the 8237 DMA controller"},
    {0x20, 0x21, "the 8259 PIC"},
    {0x2e, 0x2f, "the Super I/O configuration ports"},
    {0x4e, 0x4f, "the Super I/O configuration ports"},
    {0x60, 0x60, "the keyboard controller"},
    {0x64, 0x64, "the keyboard controller"},
    {0x81, 0x8f, "the DMA page registers"},
    {0x92, 0x92, "system control port A"},
    {0xa0, 0xa1, "the 8259 PIC"},
    {0xb2, 0xb3, "the SMI command port"},
    {0xc0, 0xdf, "the second 8237 DMA controller"},
    {0x3f8, 0x3ff, "COM1"},
    {0x4d0, 0x4d1, "the 8259 PIC's ELCR"},
    {0xcf8, 0xcff, "PCI configuration space"},
    {LINUX_PORT_BASE, LINUX_PORT_BASE + LINUX_PORT_COUNT - 1, "Linux's CMOS clock"},
};

static bool pow2(u64 v)
{
	return v && !(v & (v - 1));
}

/* Would the BAR pass ptcheck in Linux's row of this layout? If not, why, into `why`. */
static bool bar_ready(const struct plan *p, const struct pt_bar *b, char *why, size_t size)
{
	u64 s = b->base, e = b->base + b->size;

	if (b->kind == BAR_IO) {
		if (!s) {
			format(why, size, "unassigned (firmware left it at 0)");
			return false;
		}
		if (!pow2(b->size) || b->size < 4 || (s & (b->size - 1)) || e > 0x10000) {
			format(why, size,
			       "not 4 ports or more, a power of two aligned to its size");
			return false;
		}
		for (u32 k = 0; k < ARRAY_SIZE(kept_ports); k++)
			if (overlap(s, e, kept_ports[k].lo, kept_ports[k].hi + 1ULL)) {
				format(why, size, "over the ports of %s", kept_ports[k].what);
				return false;
			}
		return true;
	}
	if (!s) {
		format(why, size, "unassigned (firmware left it at 0)");
		return false;
	}
	if (b->size < PAGE_SIZE) {
		format(why, size, "smaller than a page: a partition maps its BARs' whole pages");
		return false;
	}
	if (!pow2(b->size) || (s & (b->size - 1)) || e > PT_GUEST_LIMIT) {
		format(why, size, "not a power of two aligned to its size, below 2^48");
		return false;
	}
	if (overlap(s, e, IOAPIC_LO, IOAPIC_HI) || overlap(s, e, DMAR_LO, DMAR_HI) ||
	    overlap(s, e, LAPIC_LO, LAPIC_HI) ||
	    overlap(s, e, HV_LOAD_ADDR, HV_LOAD_ADDR + HV_MAX_SIZE)) {
		format(why, size, "over a range Bulkhead keeps");
		return false;
	}
	if (overlap(s, e, 0, LOW_MEG) ||
	    (p->linux_ok && overlap(s, e, p->low_phys, p->low_phys + LOW_MEG)) ||
	    (p->payload_ok && overlap(s, e, p->payload_phys, p->payload_phys + PAYLOAD_RAM))) {
		format(why, size, "over RAM of this layout");
		return false;
	}
	for (u32 k = 0; k < p->n_lram; k++)
		if (overlap(s, e, p->lram[k].start, p->lram[k].end)) {
			format(why, size, "over RAM of this layout");
			return false;
		}
	return true;
}

static bool pci_ready(const struct plan *p, const struct probe_pci_fn *f, char *why, size_t size)
{
	char r[96];

	for (u32 i = 0; i < PT_MAX_BARS; i++)
		if (f->bar[i].kind != BAR_NONE && !bar_ready(p, &f->bar[i], r, sizeof(r))) {
			format(why, size, "BAR %u is %s", i, r);
			return false;
		}
	return true;
}

static void bdf_text(u32 bdf, char *buf, size_t size)
{
	format(buf, size, "%02x:%02x.%u", PT_BDF_BUS(bdf), PT_BDF_DEV(bdf), PT_BDF_FN(bdf));
}

/* Untrusted text (module words, the loader's name) inside a comment: no comment delimiters,
 * trigraphs or line splices, printable ASCII only. */
static void comment_safe(const char *in, char *out, size_t size)
{
	size_t i = 0;

	for (; in[i] && i + 1 < size; i++) {
		char c = in[i];

		out[i] = (c < 0x20 || c > 0x7e || c == '*' || c == '/' || c == '\\' || c == '?')
			     ? '.'
			     : c;
	}
	out[i] = '\0';
}

/* "1022 MiB", "636 KiB", "256 bytes" (MiB rounded down from 10 MiB on), never broken */
static void size_text(u64 bytes, char *buf, size_t size)
{
	if (bytes >= 10 * MiB || (bytes >= MiB && bytes % MiB == 0))
		format(buf, size, "%llu%cMiB", ULL(bytes / MiB), NBSP);
	else if (bytes >= KiB)
		format(buf, size, "%llu%cKiB", ULL(bytes / KiB), NBSP);
	else
		format(buf, size, "%llu%cbytes", ULL(bytes), NBSP);
}

/* ---- writing ------------------------------------------------------------------------------- */

/* A list of APIC IDs, "1, 2 and 3". */
static void ids_text(const u32 *v, u32 n, char *buf, size_t size)
{
	size_t at = 0;

	buf[0] = '\0';
	for (u32 i = 0; i < n && at < size; i++)
		at += (size_t)format(buf + at, size - at, "%s%u",
				     i == 0	  ? ""
				     : i + 1 == n ? " and "
						  : ", ",
				     v[i]);
}

static void ids_c(const u32 *v, u32 n, char *buf, size_t size)
{
	size_t at = 0;

	buf[0] = '\0';
	for (u32 i = 0; i < n && at < size; i++)
		at += (size_t)format(buf + at, size - at, "%s%u", i ? ", " : "", v[i]);
}

static size_t columns(const char *s)
{
	size_t c = 0;

	for (; *s; s++)
		c = *s == '\t' ? (c / 8 + 1) * 8 : c + 1;
	return c;
}

/* A paragraph of comment text wrapped at spaces to COLUMNS: its first line starts with
 * `first`, the others with `cont`. */
__attribute__((format(printf, 4, 5))) static void para(struct writer *w, const char *first,
						       const char *cont, const char *fmt, ...)
{
	char text[1024], line[LINE_MAX];
	const char *p = text, *prefix = first;
	va_list ap;

	va_start(ap, fmt);
	vformat(text, sizeof(text), fmt, ap);
	va_end(ap);
	while (*p) {
		size_t room = COLUMNS - columns(prefix), cut = strlen(p);

		if (cut > room) {
			for (cut = room; cut > 0 && p[cut] != ' ';)
				cut--;
			if (cut == 0) /* one word longer than the line: it stays whole */
				while (p[cut] && p[cut] != ' ')
					cut++;
		}
		while (cut > 0 && p[cut - 1] == ' ')
			cut--;
		format(line, sizeof(line), "%s%.*s", prefix, (int)cut, p);
		emit(w, line);
		p += cut;
		while (*p == ' ')
			p++;
		prefix = cont;
	}
}

#define MACHINE_ITEM " *             "
#define LISTED	     " *               "

static void write_cpus(struct writer *w, const struct plan *p)
{
	const struct probe_machine *m = p->m;
	u32 ids[MAX_CPUS], n = 0;
	char buf[MAX_CPUS * 6];

	for (u32 i = 0; i < m->cpu_count && i < MAX_CPUS; i++)
		ids[n++] = m->cpus[i].apic_id;
	sort_u32(ids, n);
	ids_c(ids, n, buf, sizeof(buf));
	para(w, " *   CPUs      ", MACHINE_ITEM,
	     "%u usable (APIC IDs %s); the boot CPU is APIC ID %u", m->cpu_count, buf,
	     p->boot_apic);
	for (u32 i = 1; i < m->cpu_count && i < MAX_CPUS; i++)
		if (!m->cpus[i].online)
			put(w, MACHINE_ITEM "APIC ID %u did not start at this boot: not given",
			    m->cpus[i].apic_id);
	if (!m->smt_known) {
		put(w,
		    " *   SMT       unknown (the CPU has no CPUID leaf 0xb): each CPU is taken as "
		    "a core");
		return;
	}
	if (m->smt_shift == 0) {
		put(w, " *   SMT       none: one thread a core (CPUID leaf 0xb)");
		return;
	}
	put(w, " *   SMT       up to %u threads a core (CPUID leaf 0xb); siblings:",
	    1u << m->smt_shift);
	for (u32 i = 0, j; i < n; i = j) {
		size_t at = 0;

		buf[0] = '\0';
		for (j = i; j < n && core_of(p, ids[j]) == core_of(p, ids[i]); j++)
			at += (size_t)format(buf + at, sizeof(buf) - at, "%s%u", j > i ? "+" : "",
					     ids[j]);
		para(w, LISTED, LISTED "  ", "core %u: APIC IDs %s", core_of(p, ids[i]), buf);
	}
}

static void write_memory(struct writer *w, const struct plan *p)
{
	const struct probe_machine *m = p->m;
	char t[32], safe[PROBE_NAME_LEN * 2];
	u64 usable = 0;

	for (u32 i = 0; i < m->ram_count && i < PROBE_MAX_RANGES; i++)
		usable += m->ram[i].end - m->ram[i].start;
	size_text(usable, t, sizeof(t));
	put(w, " *   RAM       %s usable (the Multiboot2 memory map's type 1 ranges):", t);
	for (u32 i = 0; i < m->ram_count && i < PROBE_MAX_RANGES; i++) {
		size_text(m->ram[i].end - m->ram[i].start, t, sizeof(t));
		put(w, LISTED "0x%09llx-0x%09llx  %s", ULL(m->ram[i].start), ULL(m->ram[i].end), t);
	}
	if (p->above_limit) {
		size_text(p->above_limit, t, sizeof(t));
		put(w,
		    MACHINE_ITEM "%s of it above 4 GiB: not given (Bulkhead maps only the low "
				 "4 GiB)",
		    t);
	}
	put(w, " *   Reserved  by Bulkhead at this boot, out of every partition's reach:");
	for (u32 k = 0; k < m->resv_count && k < PROBE_MAX_RESV; k++) {
		if (strncmp(m->resv[k].name, "module ", 7) == 0)
			continue;
		comment_safe(m->resv[k].name, safe, sizeof(safe));
		put(w, LISTED "0x%09llx-0x%09llx  %s", ULL(m->resv[k].start), ULL(m->resv[k].end),
		    safe);
	}
	put(w, " *   Modules   %u (GRUB's module2 lines: where GRUB put each, its tag and words):",
	    m->module_count);
	for (u32 i = 0; i < m->module_count && i < MAX_MODULES; i++) {
		comment_safe(m->modules[i].cmdline, safe, sizeof(safe));
		size_text(m->modules[i].end - m->modules[i].start, t, sizeof(t));
		put(w, LISTED "0x%09llx-0x%09llx  \"%s\" (%s)", ULL(m->modules[i].start),
		    ULL(m->modules[i].end), safe, t);
	}
}

static void write_machine(struct writer *w, const struct plan *p)
{
	const struct probe_machine *m = p->m;
	char safe[PROBE_NAME_LEN * 2];
	u32 kept = 0;

	comment_safe(m->loader, safe, sizeof(safe));
	para(w, " * ", " * ",
	     "The machine, as Bulkhead saw it at this boot (loader \"%s\", %s):", safe,
	     m->uefi ? "UEFI" : "BIOS");
	write_cpus(w, p);
	write_memory(w, p);
	if (m->ioapic_pins) {
		put(w, " *   I/O APIC  %u inputs (GSI 0-%u)", m->ioapic_pins, m->ioapic_pins - 1);
		for (u32 irq = 0; irq < 16; irq++)
			if (m->isa_gsi[irq] != irq)
				put(w,
				    MACHINE_ITEM "ISA IRQ %u arrives on GSI %u (the MADT says so)",
				    irq, m->isa_gsi[irq]);
	} else {
		put(w, " *   I/O APIC  none: no device interrupt can be given");
	}
	put(w, " *   IOMMU     %s",
	    m->iommu ? "VT-d: a device reaches only its partition's memory"
		     : "none (no VT-d): a device's DMA reaches any address");
	for (u32 i = 0; i < m->pci_count && i < PROBE_MAX_PCI; i++)
		kept += kept_by_bulkhead(&m->pci[i]);
	put(w, " *   PCI       %u function%s: %u bridge%s (Bulkhead's), %u other%s (in %s's row)",
	    m->pci_count, m->pci_count == 1 ? "" : "s", kept, kept == 1 ? "" : "s",
	    m->pci_count - kept, m->pci_count - kept == 1 ? "" : "s",
	    p->linux_ok ? "linux" : "rt0");
	for (u32 i = 0; i < m->pci_count && i < PROBE_MAX_PCI; i++) {
		const struct probe_pci_fn *f = &m->pci[i];
		char bdf[16];

		if (!kept_by_bulkhead(f))
			continue;
		bdf_text(f->bdf, bdf, sizeof(bdf));
		put(w, LISTED "%s %04x:%04x %s (class 0x%06x)", bdf, f->vendor, f->device,
		    f->bdf == 0 ? "host bridge" : class_name(f->class_code, false), f->class_code);
	}
	if (m->pci_dropped)
		put(w, LISTED "(%u more functions not looked at)", m->pci_dropped);
}

static void write_cpu_choices(struct writer *w, const struct plan *p)
{
	char buf[MAX_CPUS * 8], more[MAX_CPUS * 8 + 160] = "";
	bool smt = p->m->smt_known && p->m->smt_shift;

	if (p->has_payload_cpu && p->payload_shares_boot_core)
		format(
		    more, sizeof(more),
		    "rt0, the payload, gets APIC ID %u, a sibling of the boot CPU: every CPU "
		    "left is a thread of the boot CPU's core (the boot CPU mostly sleeps in HLT).",
		    p->payload_cpu);
	else if (p->has_payload_cpu && !smt)
		format(more, sizeof(more), "rt0, the payload, gets APIC ID %u, the last CPU%s.",
		       p->payload_cpu,
		       p->m->smt_known ? " (a core of its own)"
				       : " (a core of its own if no thread "
					 "shares it: the CPU does not say)");
	else if (p->has_payload_cpu && p->n_idle) {
		ids_text(p->idle, p->n_idle, buf, sizeof(buf));
		format(
		    more, sizeof(more),
		    "rt0, the payload, gets APIC ID %u, a thread of the last core that is not "
		    "the boot CPU's. Its sibling%s %s %s left idle (halted in Bulkhead, in no "
		    "partition), so that the payload has the core's execution units and caches "
		    "to itself; add %s to rt0's .cpus for a payload that starts more CPUs (a core "
		    "of its own still).",
		    p->payload_cpu, p->n_idle > 1 ? "s" : "", buf, p->n_idle > 1 ? "are" : "is",
		    p->n_idle > 1 ? "them" : "it");
	} else if (p->has_payload_cpu && p->linux_on_payload_core)
		format(more, sizeof(more),
		       "rt0, the payload, gets APIC ID %u, a thread of the last core that is not "
		       "the boot CPU's. Its sibling runs Linux: no other CPU was left for Linux, "
		       "so the payload shares its core (a real-time loop then feels the sibling's "
		       "load).",
		       p->payload_cpu);
	else if (p->has_payload_cpu)
		format(more, sizeof(more),
		       "rt0, the payload, gets APIC ID %u, a thread of the last core that is not "
		       "the boot CPU's (its siblings did not start at this boot).",
		       p->payload_cpu);
	else
		format(more, sizeof(more),
		       "No CPU is left for a payload: there is one CPU besides the boot CPU at "
		       "most.");
	put(w, " * CPUs. Bulkhead keeps the boot CPU, APIC ID %u: its console and shell run there.",
	    p->boot_apic);
	para(w, " *   ", " *   ", "%s", more);
	if (p->n_linux_cpu) {
		ids_text(p->linux_cpu, p->n_linux_cpu, buf, sizeof(buf));
		para(w, " *   ", " *   ", "Linux gets %s %s%s%s",
		     p->n_linux_cpu > 1 ? "the others," : "the other,", buf,
		     p->n_linux_cpu > 1 ? " (the first starts it)" : "",
		     p->linux_ok ? "." : ", but there is no RAM for it (below): it is left out.");
		for (u32 i = 0; smt && i < p->n_linux_cpu; i++)
			if (core_of(p, p->linux_cpu[i]) == core_of(p, p->boot_apic)) {
				para(
				    w, " *   ", " *   ",
				    "APIC ID %u shares the boot CPU's core (harmless: the boot CPU "
				    "mostly sleeps).",
				    p->linux_cpu[i]);
				break;
			}
	}
	if (p->n_over) {
		ids_text(p->over, p->n_over, buf, sizeof(buf));
		para(w, " *   ", " *   ",
		     "Left idle: %s (a partition has at most PT_MAX_CPUS, %u, CPUs).", buf,
		     PT_MAX_CPUS);
	}
}

struct map_row {
	u64 s, e;
	const char *who;
	char guest[48];
};

static struct map_row *map_add(struct map_row *row, u32 *n, u64 s, u64 e, const char *who)
{
	struct map_row *r = &row[(*n)++];

	r->s = s;
	r->e = e;
	r->who = who;
	return r;
}

static void write_map(struct writer *w, const struct plan *p)
{
	struct map_row row[PT_MAX_REGIONS + 2], t, *r;
	u32 n = 0;
	char sz[32];

	if (p->linux_ok) {
		r = map_add(row, &n, p->low_phys, p->low_phys + LOW_MEG, "linux");
		format(r->guest, sizeof(r->guest), "0x0-0x100000 (1 MiB)");
		for (u32 k = 0; k < p->n_lram; k++) {
			size_text(p->lram[k].end - p->lram[k].start, sz, sizeof(sz));
			r = map_add(row, &n, p->lram[k].start, p->lram[k].end, "linux");
			format(r->guest, sizeof(r->guest), "the same (%s)", sz);
		}
	}
	if (p->payload_ok) {
		r = map_add(row, &n, p->payload_phys, p->payload_phys + PAYLOAD_RAM, "rt0");
		format(r->guest, sizeof(r->guest), "0x0-0x%llx (%llu MiB)", ULL(PAYLOAD_RAM),
		       ULL(PAYLOAD_RAM / MiB));
	}
	r = map_add(row, &n, p->free_start, p->free_end, "-");
	format(r->guest, sizeof(r->guest), "free, for Bulkhead");
	for (u32 i = 1; i < n; i++)
		for (u32 j = i; j > 0 && row[j - 1].s > row[j].s; j--) {
			t = row[j];
			row[j] = row[j - 1];
			row[j - 1] = t;
		}
	put(w, " *   host-physical           partition   guest-physical");
	for (u32 i = 0; i < n; i++)
		put(w, " *   0x%08llx-0x%08llx   %-10s  %s", ULL(row[i].s), ULL(row[i].e),
		    row[i].who, row[i].guest);
}

static void write_ram_choices(struct writer *w, const struct plan *p)
{
	char t[32];
	const struct probe_range *mc;

	para(w, " * ", " *   ",
	     "RAM. Partitions' RAM starts at 0x%llx (%llu MiB): at 64 MiB, or higher to leave "
	     "%llu MiB above the modules GRUB put just above Bulkhead (they end at 0x%llx at this "
	     "boot), so that a larger kernel or initrd still fits there next time; modules "
	     "elsewhere are left out where they are. Every range is 2 MiB aligned (2 MiB pages in "
	     "the EPT) and below 4 GiB (Bulkhead maps only the low 4 GiB).",
	     ULL(p->floor), ULL(p->floor / MiB), ULL(MODULE_ROOM / MiB), ULL(p->low_end));
	if (p->main < 0 || (!p->linux_ok && !p->payload_ok)) {
		para(w, " *   ", " *   ",
		     "There is not enough free RAM above that for a partition: no partition is "
		     "written.");
		return;
	}
	mc = &p->chunk[p->main];
	size_text(mc->end - mc->start, t, sizeof(t));
	para(w, " *   ", " *   ",
	     "The largest free range, 0x%llx-0x%llx (%s), holds from its top:", ULL(mc->start),
	     ULL(mc->end), t);
	para(w, " *   - ", " *     ",
	     "%llu MiB left free for Bulkhead's own allocations at each boot (page tables, per-CPU "
	     "stacks, VMCS and EPT tables: it takes them from the top of free RAM);",
	     ULL(BULKHEAD_FREE / MiB));
	if (p->payload_ok)
		para(w, " *   - ", " *     ",
		     "rt0's %llu MiB, at guest-physical 0 (its information page is at 0x1000, its "
		     "image at 1 MiB): the demo payloads (heartbeat, latency, ...) fit in it; give "
		     "a larger image more;",
		     ULL(PAYLOAD_RAM / MiB));
	if (p->linux_ok)
		para(w, " *   - ", " *     ",
		     "Linux's RAM, mapped guest-physical == host-physical, so that a PCI device "
		     "given to it can do DMA on a machine without VT-d (docs/devices.md, \"DMA\"); "
		     "Linux's first megabyte (zero page, ACPI tables, the trampoline that starts "
		     "its "
		     "other CPUs), which Linux never uses for DMA, is the 1 MiB just below it, "
		     "mapped "
		     "at guest 0.");
	if (p->linux_ok && p->n_lram > 1)
		para(
		    w, " *   ", " *   ",
		    "Every other free range of %llu MiB or more is Linux's RAM too, guest == host.",
		    ULL(LINUX_EXTRA_MIN / MiB));
	if (p->linux_ok && linux_bytes(p) < LINUX_WANT)
		para(w, " *   ", " *   ",
		     "Linux has less than %llu MiB: a distribution's kernel may not boot in it.",
		     ULL(LINUX_WANT / MiB));
	for (u32 i = 0; i < p->n_chunk; i++)
		if (!chunk_given(p, i)) {
			size_text(chunk_size(p, i), t, sizeof(t));
			para(w, " *   ", " *   ", "Free but not given: 0x%llx-0x%llx (%s)%s.",
			     ULL(p->chunk[i].start), ULL(p->chunk[i].end), t,
			     p->linux_ok ? ", less than Linux takes as another range" : "");
		}
	if (p->chunks_dropped)
		put(w, " *   (%u more free ranges not looked at)", p->chunks_dropped);
	put(w, " *");
	write_map(w, p);
}

static void write_grub(struct writer *w, const struct plan *p)
{
	put(w,
	    " * The GRUB entry (make install writes one for the built layout: docs/install.md):");
	put(w, " *");
	put(w, " *   menuentry \"Bulkhead\" {");
	put(w, " *           multiboot2 /boot/bulkhead.bin loglevel=info");
	if (p->linux_ok) {
		put(w, " *           module2 /boot/vmlinuz linux");
		put(w, " *           module2 /boot/initrd.img linux-initrd");
	}
	if (p->payload_ok)
		put(w, " *           module2 /boot/heartbeat.elf rt0 period_ms=1000");
	put(w, " *           boot");
	put(w, " *   }");
}

static void write_header(struct writer *w, const struct plan *p)
{
	put(w, "/*");
	para(w, " * ", " * ",
	     "Layout \"%s\", written by Bulkhead's probe (the boot option `probe`) on the machine "
	     "below: %s. tools/layout-from-log.sh took it from COM1; check it with "
	     "tools/ptcheck.sh and build it with `make LAYOUT=<this file>`. The choices are "
	     "explained below: change what you like, ptcheck says if a rule breaks. "
	     "docs/partitions.md explains every field, and the probe in its section \"Probe\".",
	     p->name,
	     p->linux_ok && p->payload_ok ? "Linux beside one real-time payload"
	     : p->linux_ok		  ? "Linux alone (no CPU for a payload)"
	     : p->payload_ok		  ? "one real-time payload (no RAM for Linux)"
					  : "no partition (nothing to give)");
	put(w, " *");
	write_machine(w, p);
	put(w, " *");
	para(w, " * ", " * ",
	     "What Bulkhead keeps: the boot CPU; 2-16 MiB (its image may span that much); its "
	     "reservations above, and the RAM left free below; COM1 and its IRQ 4; the I/O APIC "
	     "and the local APICs; PCI configuration space and the bridges; the reset, 8259, "
	     "DMA-controller and SMI ports (docs/devices.md, \"What Bulkhead keeps\").");
	put(w, " *");
	write_cpu_choices(w, p);
	put(w, " *");
	write_ram_choices(w, p);
	put(w, " *");
	write_grub(w, p);
	put(w, " */");
}

static void region(struct writer *w, u64 phys, u64 size, u64 guest)
{
	put(w, "\t\t{");
	put(w, "\t\t    .phys = 0x%llx,", ULL(phys));
	if (size % MiB == 0)
		put(w, "\t\t    .size = %llu * MiB,", ULL(size / MiB));
	else
		put(w, "\t\t    .size = 0x%llx,", ULL(size));
	put(w, "\t\t    .guest = 0x%llx,", ULL(guest));
	put(w, "\t\t    .access = MEM_RWX,");
	put(w, "\t\t    .kind = REGION_RAM,");
}

#define DEV_FIRST "\t    /* "
#define DEV_CONT  "\t     * "

static void bars_text(const struct probe_pci_fn *f, char *buf, size_t size)
{
	size_t at = 0;
	char t[32];

	buf[0] = '\0';
	for (u32 i = 0; i < PT_MAX_BARS && at < size; i++) {
		const struct pt_bar *b = &f->bar[i];

		if (b->kind == BAR_NONE)
			continue;
		if (b->kind == BAR_IO)
			format(t, sizeof(t), "%llu ports", ULL(b->size));
		else
			size_text(b->size, t, sizeof(t));
		at += (size_t)format(buf + at, size - at, "%sBAR %u %s 0x%llx, %s%s%s",
				     at ? "; " : "", i, b->kind == BAR_IO ? "ports" : "memory",
				     ULL(b->base), t, (f->bar64 & (1u << i)) ? ", 64-bit" : "",
				     (f->prefetch & (1u << i)) ? ", prefetchable" : "");
	}
	if (!at)
		format(buf, size, "no BARs");
}

static void irq_text(const struct probe_pci_fn *f, enum irq_source src, u32 gsi, char *buf,
		     size_t size)
{
	char pin = (char)('A' + (f->pin - 1) % 4);

	switch (src) {
	case IRQ_NO_PIN:
		format(buf, size, "No interrupt pin: .irq 0 (MSI only, or no interrupt).");
		break;
	case IRQ_PIIX:
		format(
		    buf, size,
		    "Pin INT%c, which the PIIX routes to ISA IRQ %u (its interrupt line): GSI %u.",
		    pin, f->line, gsi);
		break;
	case IRQ_LINE:
		format(
		    buf, size,
		    "Pin INT%c; firmware wrote %u in its interrupt line, an I/O APIC input: taken "
		    "as its GSI (check /proc/interrupts, docs/devices.md).",
		    pin, f->line);
		break;
	case IRQ_UNKNOWN:
		format(
		    buf, size,
		    "Pin INT%c (interrupt line %u, the 8259's): the I/O APIC input it arrives on "
		    "is ACPI's _PRT's to say. Find the GSI on Linux as docs/devices.md says "
		    "(/proc/interrupts) and write it in .irq; with 0 its pin stays silenced "
		    "(MSI still works).",
		    pin, f->line);
		break;
	}
}

static void write_pci_fn(struct writer *w, const struct plan *p, const struct probe_pci_fn *f)
{
	char bdf[16], why[160], bars[200], irq[300], fn0[160] = "";
	enum irq_source src;
	const struct probe_pci_fn *f0 = pci_at(p->m, f->bdf & ~7u);
	u32 gsi;
	bool ready = pci_ready(p, f, why, sizeof(why));

	src = pci_irq(p, f, &gsi);
	bdf_text(f->bdf, bdf, sizeof(bdf));
	bars_text(f, bars, sizeof(bars));
	irq_text(f, src, gsi, irq, sizeof(irq));
	if (PT_BDF_FN(f->bdf) != 0 && f0 && kept_by_bulkhead(f0))
		format(fn0, sizeof(fn0),
		       " Function 0 of its device is a bridge, Bulkhead's: Linux looks for the "
		       "other functions only behind function 0 (a payload's driver finds it).");
	else if (PT_BDF_FN(f->bdf) != 0 && f0)
		format(fn0, sizeof(fn0),
		       " Give function 0 too: Linux looks for the others only behind it.");
	if (!ready) {
		para(w, DEV_FIRST, DEV_CONT,
		     "%s %04x:%04x, %s (class 0x%06x): %s. %s%s Not ready "
		     "to give as it is: %s. */",
		     bdf, f->vendor, f->device, class_name(f->class_code, false), f->class_code,
		     bars, irq, fn0, why);
		return;
	}
	para(w, DEV_FIRST, DEV_CONT, "%s %04x:%04x, %s (class 0x%06x): %s. %s%s", bdf, f->vendor,
	     f->device, class_name(f->class_code, false), f->class_code, bars, irq, fn0);
	put(w, "\t     */");
	put(w, "\t    // .devices = PT_DEVICES({");
	put(w, "\t    //     .kind = DEV_PCI,");
	put(w, "\t    //     .name = \"%s-%s\",", class_name(f->class_code, true), bdf);
	put(w, "\t    //     .bdf = PT_BDF(0x%02x, 0x%02x, 0x%x),", PT_BDF_BUS(f->bdf),
	    PT_BDF_DEV(f->bdf), PT_BDF_FN(f->bdf));
	for (u32 i = 0; i < PT_MAX_BARS; i++)
		if (f->bar[i].kind != BAR_NONE)
			put(w,
			    "\t    //     .bar[%u] = {.kind = %s, .base = 0x%llx, .size = 0x%llx},",
			    i, f->bar[i].kind == BAR_IO ? "BAR_IO" : "BAR_MEM", ULL(f->bar[i].base),
			    ULL(f->bar[i].size));
	if (src == IRQ_UNKNOWN)
		put(w, "\t    //     .irq = 0, /* its GSI: docs/devices.md */");
	else
		put(w, "\t    //     .irq = %u,", gsi);
	put(w, "\t    // }),");
}

static void write_devices(struct writer *w, const struct plan *p)
{
	const struct probe_machine *m = p->m;
	u32 n = 0;

	for (u32 i = 0; i < m->pci_count && i < PROBE_MAX_PCI; i++)
		n += !kept_by_bulkhead(&m->pci[i]);
	if (!n)
		return;
	para(w, DEV_FIRST, DEV_CONT,
	     "The PCI functions of this machine (docs/devices.md): each entry, uncommented, gives "
	     "one to this partition, its BARs as firmware assigned them and its interrupt as said. "
	     "To give several, list them in one PT_DEVICES({...}, {...})%s",
	     !p->linux_ok ? "."
	     : m->iommu	  ? "; to give one to rt0, move it to rt0's row. This machine has VT-d: a "
			    "device's DMA reaches only its partition's memory."
			  : "; to give one to rt0, move it to rt0's row with .flags = DEV_NO_DMA "
			    "(without VT-d a device that does DMA needs RAM at guest == host, "
			    "which rt0's is not).");
	put(w, "\t     */");
	for (u32 i = 0; i < m->pci_count && i < PROBE_MAX_PCI; i++)
		if (!kept_by_bulkhead(&m->pci[i]))
			write_pci_fn(w, p, &m->pci[i]);
}

static void write_linux(struct writer *w, const struct plan *p, bool last)
{
	char buf[PT_MAX_CPUS * 6];

	ids_c(p->linux_cpu, p->n_linux_cpu, buf, sizeof(buf));
	put(w, "\t{");
	put(w, "\t    .name = \"linux\",");
	put(w, "\t    .kind = PART_LINUX,");
	put(w, "\t    .cpus = PT_CPUS(%s),", buf);
	put(w, "\t    .mem = PT_REGIONS(");
	put(w, "\t\t/* Linux's first megabyte: never a DMA buffer, so not guest == host. */");
	region(w, p->low_phys, LOW_MEG, 0);
	for (u32 k = 0; k < p->n_lram; k++) {
		put(w, "\t\t},");
		if (k == 0)
			put(w, "\t\t/* The rest of its RAM: guest-physical == host-physical. */");
		region(w, p->lram[k].start, p->lram[k].end - p->lram[k].start, p->lram[k].start);
	}
	put(w, "\t\t}),");
	put(w, "\t    /* The CMOS clock, read for the wall-clock time at boot. */");
	put(w, "\t    .ports = PT_PORTS({.base = 0x%x, .count = %u}),", LINUX_PORT_BASE,
	    LINUX_PORT_COUNT);
	write_devices(w, p);
	para(w, DEV_FIRST, DEV_CONT,
	     "GRUB: `module2 /boot/vmlinuz linux` and `module2 /boot/initrd.img linux-initrd`; "
	     "words after the kernel's tag are added to .cmdline. nokaslr: the kernel stays where "
	     "Bulkhead loads it (its decompressor finds no place to randomize to in RAM that does "
	     "not start at guest 0, and says so otherwise). */");
	put(w, "\t    .module = \"linux\",");
	put(w, "\t    .initrd = \"linux-initrd\",");
	put(w, "\t    .cmdline = \"console=ttyS0,115200 earlyprintk=serial,ttyS0,115200 "
	       "nokaslr\",");
	put(w, "\t    .fault = FAULT_STOP,");
	put(w, "\t}%s", last ? ")," : ",");
}

static void write_payload(struct writer *w, const struct plan *p)
{
	put(w, "\t{");
	put(w, "\t    .name = \"rt0\",");
	put(w, "\t    .kind = PART_PAYLOAD,");
	put(w, "\t    .cpus = PT_CPUS(%u),", p->payload_cpu);
	put(w, "\t    .mem = PT_REGIONS({");
	put(w, "\t\t.phys = 0x%llx,", ULL(p->payload_phys));
	put(w, "\t\t.size = %llu * MiB,", ULL(PAYLOAD_RAM / MiB));
	put(w, "\t\t.guest = 0x0,");
	put(w, "\t\t.access = MEM_RWX,");
	put(w, "\t\t.kind = REGION_RAM,");
	put(w, "\t    }),");
	if (!p->linux_ok)
		write_devices(w, p);
	put(w, "\t    /* GRUB: `module2 /boot/heartbeat.elf rt0 period_ms=1000` (any payload "
	       "image). */");
	put(w, "\t    .module = \"rt0\",");
	put(w, "\t    .cmdline = \"\",");
	put(w, "\t    .fault = FAULT_STOP,");
	put(w, "\t}),");
}

void probe_write_layout(const struct probe_machine *m, probe_line_fn out, void *ctx)
{
	struct plan p;
	struct writer w = {out, ctx};

	memset(&p, 0, sizeof(p));
	p.m = m;
	p.piix = piix_chipset(m);
	if (m->cpu_count)
		plan_cpus(&p);
	plan_ram(&p);
	p.name = probe_layout_name_ok(m->layout) ? m->layout : PROBE_LAYOUT_NAME;
	write_header(&w, &p);
	put(&w, "#include \"bulkhead/ptable.h\"");
	put(&w, "%s", "");
	put(&w, "const struct partition_table partition_table = {");
	put(&w, "    .layout = \"%s\",", p.name);
	if (p.linux_ok || p.payload_ok) {
		put(&w, "    .parts = PT_PARTITIONS(");
		if (p.linux_ok)
			write_linux(&w, &p, !p.payload_ok);
		if (p.payload_ok)
			write_payload(&w, &p);
	}
	put(&w, "};");
}

void probe_summary(const struct probe_machine *m, char *buf, size_t size)
{
	u64 usable = 0;

	for (u32 i = 0; i < m->ram_count && i < PROBE_MAX_RANGES; i++)
		usable += m->ram[i].end - m->ram[i].start;
	format(buf, size,
	       "%u cpus (boot cpu apic id %u, smt %s), %llu MiB usable ram in %u ranges, %u "
	       "modules, i/o apic %u inputs, %s, %u pci functions",
	       m->cpu_count, m->cpu_count ? m->cpus[0].apic_id : 0,
	       !m->smt_known  ? "unknown"
	       : m->smt_shift ? "yes"
			      : "no",
	       ULL(usable / MiB), m->ram_count, m->module_count, m->ioapic_pins,
	       m->iommu ? "vt-d" : "no iommu", m->pci_count);
}

bool probe_layout_name_ok(const char *name)
{
	size_t n = strnlen(name, PROBE_NAME_LEN);

	if (n == 0 || n >= PROBE_NAME_LEN)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
	}
	return true;
}
