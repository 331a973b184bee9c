/* ACPI tables for a Linux partition: see guest_acpi.h for what they describe and why. */
#include "core/guest_acpi.h"
#include "core/lib/apic_regs.h"
#include "core/lib/string.h"

#define HDR_LEN	     36
#define RSDP_LEN     36
#define FADT_LEN     276 /* revision 6 (ACPI 6.0 and later, §5.2.9) */
#define MADT_FIXED   44	 /* header + local APIC address + flags (§5.2.12) */
#define OFF_XSDT     0x40
#define OFF_FADT     0x80
#define OFF_DSDT     0x1a0
#define OFF_MADT     0x200
#define XSDT_ENTRIES 2 /* FADT, MADT; then the MCFG when there is one */
#define MADT_LAPIC   0 /* Processor Local APIC structure, 8 bytes (§5.2.12.2) */
#define MADT_IOAPIC  1 /* I/O APIC structure, 12 bytes (§5.2.12.3) */
#define MADT_ISO     2 /* Interrupt Source Override structure, 10 bytes (§5.2.12.5) */
#define MADT_X2APIC  9 /* Processor Local x2APIC structure, 16 bytes (§5.2.12.12) */
#define MADT_ENABLED 1u
#define PCI_PINS     4 /* INTA#-INTD# */

/* PCI Firmware 3.2 §4.1.2, Tables 4-2 and 4-3: the MCFG is the header, 8 reserved bytes, then
 * 16-byte allocations: base address (8), PCI segment group (2), start bus, end bus, 4
 * reserved. One allocation here. */
#define MCFG_ALLOC    (HDR_LEN + 8)
#define MCFG_LEN      (MCFG_ALLOC + 16)
#define MCFG_REVISION 1
#define MCFG_MAX_BUS  0xff

/* FADT flags (§5.2.9, table 5.10) and IA-PC boot architecture flags (table 5.11). */
#define FADT_FORCE_APIC_PHYSICAL (1u << 19)
#define FADT_HW_REDUCED_ACPI	 (1u << 20)
#define BOOT_ARCH_NO_VGA	 (1u << 2)
#define BOOT_ARCH_NO_CMOS_RTC	 (1u << 5)

/* The DSDT's AML (ACPI 6.5 ch. 20) starts, inside Scope (\_SB), with COM1, hand-assembled:
 *     Device (COM1) {
 *       Name (_HID, EisaId ("PNP0501"))           // 16550-compatible UART
 *       Name (_UID, Zero)
 *       Name (_CRS, ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 1, 8) })
 *     }
 * No interrupt resource: Linux polls the port instead of waiting for IRQ 4, which nobody
 * would deliver (the partition owns no ISA interrupt). Package lengths are one byte each. */
static const u8 com1_aml[] = {
    0x5b, 0x82, 0x28, 'C',  'O',  'M',	'1',			/* Device (COM1), PkgLength 40 */
    0x08, '_',	'H',  'I',  'D',  0x0c, 0x41, 0xd0, 0x05, 0x01, /* DWord EISA ID PNP0501 */
    0x08, '_',	'U',  'I',  'D',  0x00,				/* Zero */
    0x08, '_',	'C',  'R',  'S',  0x11, 0x0d, 0x0a, 0x0a,	/* Buffer, PkgLength 13, 10 bytes */
    0x47, 0x01, 0xf8, 0x03, 0xf8, 0x03, 0x01, 0x08, /* I/O port descriptor (§6.4.2.5) */
    0x79, 0x00,					    /* End tag */
};

static void put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static void put32(u8 *p, u32 v)
{
	put16(p, (u16)v);
	put16(p + 2, (u16)(v >> 16));
}

static void put64(u8 *p, u64 v)
{
	put32(p, (u32)v);
	put32(p + 4, (u32)(v >> 32));
}

static u8 checksum(const u8 *p, size_t len)
{
	u8 sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = (u8)(sum + p[i]);
	return (u8)(0 - sum);
}

/* The common system description table header (§5.2.6); the checksum is set by finish(). */
static void header(u8 *t, const char *sig, u32 len, u8 rev)
{
	memcpy(t, sig, 4);
	put32(t + 4, len);
	t[8] = rev;
	memcpy(t + 10, "BULKHD", 6);
	memcpy(t + 16, "BULKHEAD", 8);
	put32(t + 24, 1);
	memcpy(t + 28, "BLKH", 4);
	put32(t + 32, 1);
}

static void finish(u8 *t, u32 len)
{
	t[9] = 0;
	t[9] = checksum(t, len);
}

static void build_rsdp(u8 *r, u64 gpa)
{
	memcpy(r, "RSD PTR ", 8);
	memcpy(r + 9, "BULKHD", 6);
	r[15] = 2; /* revision: ACPI 2.0+, XSDT */
	put32(r + 20, RSDP_LEN);
	put64(r + 24, gpa + OFF_XSDT);
	r[8] = checksum(r, 20);
	r[32] = checksum(r, RSDP_LEN);
}

_Static_assert(OFF_XSDT + HDR_LEN + 8 * (XSDT_ENTRIES + 1) <= OFF_FADT,
	       "the XSDT with an MCFG entry must end before the FADT");

/* §5.2.8: the XSDT lists the FADT, the MADT and, when mcfg_off is not 0, the MCFG. */
static void build_xsdt(u8 *t, u64 gpa, size_t mcfg_off)
{
	u32 len = HDR_LEN + 8 * (XSDT_ENTRIES + (mcfg_off ? 1 : 0));

	header(t, "XSDT", len, 1);
	put64(t + HDR_LEN, gpa + OFF_FADT);
	put64(t + HDR_LEN + 8, gpa + OFF_MADT);
	if (mcfg_off)
		put64(t + HDR_LEN + 16, gpa + mcfg_off);
	finish(t, len);
}

static void build_fadt(u8 *t, u64 gpa, u64 dsdt_off)
{
	header(t, "FACP", FADT_LEN, 6);
	put32(t + 40, (u32)(gpa + dsdt_off));			  /* DSDT */
	put16(t + 109, BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS_RTC); /* no legacy devices, no 8042 */
	put32(t + 112, FADT_HW_REDUCED_ACPI | FADT_FORCE_APIC_PHYSICAL);
	t[131] = 5;			/* FADT minor version: ACPI 6.5 */
	put64(t + 140, gpa + dsdt_off); /* X_DSDT */
	memcpy(t + 268, "Bulkhead", 8); /* hypervisor vendor identity */
	finish(t, FADT_LEN);
}

/* ---- AML writing (ACPI 6.5 ch. 20) ---------------------------------------------------- */

/* AML grammar encodings used below (§20.2). */
#define AML_ZERO      0x00
#define AML_ONE	      0x01
#define AML_BYTE      0x0a
#define AML_WORD      0x0b
#define AML_DWORD     0x0c
#define AML_NAME      0x08
#define AML_SCOPE     0x10
#define AML_BUFFER    0x11
#define AML_PACKAGE   0x12
#define AML_METHOD    0x14
#define AML_RETURN    0xa4
#define AML_EXT	      0x5b /* ExtOpPrefix; then 0x82: DeviceOp */
#define AML_DEVICE    0x82
#define AML_ROOT      '\\'
#define AML_DUAL_NAME 0x2e

/* Resource descriptors (§6.4): Extended Interrupt (§6.4.3.6) with one interrupt, End Tag. */
#define EXT_IRQ		 0x89
#define EXT_IRQ_LEN	 6
#define EXT_IRQ_CONSUMER (1u << 0)
#define EXT_IRQ_EDGE	 (1u << 1)
#define EXT_IRQ_LOW	 (1u << 2)
#define EXT_IRQ_SHARED	 (1u << 3)
#define END_TAG		 0x79
#define IRQ_TEMPLATE_LEN 11   /* the descriptor (9) and the end tag (2) */
#define STA_PRESENT	 0x0b /* §6.3.7: present, enabled, functioning */

/* AML written into p[0, cap); `full` once anything did not fit (the result is then unused). */
struct aml {
	u8 *p;
	size_t cap;
	size_t len;
	bool full;
};

static void aml_bytes(struct aml *a, const void *src, size_t n)
{
	if (a->full || n > a->cap - a->len) {
		a->full = true;
		return;
	}
	memcpy(a->p + a->len, src, n);
	a->len += n;
}

static void aml_byte(struct aml *a, u8 v)
{
	aml_bytes(a, &v, 1);
}

/* Where a PkgLength-prefixed term's body starts; aml_close() then inserts the PkgLength. */
static size_t aml_open(struct aml *a)
{
	return a->len;
}

/* §20.2.4: PkgLength counts itself. One byte holds up to 63; two hold up to 4095 (bits 7:6
 * of the lead byte = 1 following byte, its bits 3:0 the low nibble, the next byte the rest),
 * more than the largest DSDT written here needs. */
static void aml_close(struct aml *a, size_t at)
{
	size_t body = a->len - at;
	u32 n = body + 1 <= 0x3f ? 1 : 2;
	u32 total = (u32)body + n;

	if (a->full || body + 2 > 0xfff || n > a->cap - a->len) {
		a->full = true;
		return;
	}
	memmove(a->p + at + n, a->p + at, body);
	a->len += n;
	a->p[at] = (u8)(n == 1 ? total : 0x40 | (total & 0xf));
	if (n == 2)
		a->p[at + 1] = (u8)(total >> 4);
}

/* The shortest integer encoding (§20.2.3): ZeroOp, OneOp, ByteConst, WordConst, DWordConst. */
static void aml_int(struct aml *a, u32 v)
{
	u8 b[5];

	if (v <= 1) {
		aml_byte(a, v ? AML_ONE : AML_ZERO);
		return;
	}
	b[0] = v <= 0xff ? AML_BYTE : v <= 0xffff ? AML_WORD : AML_DWORD;
	put32(b + 1, v);
	aml_bytes(a, b, b[0] == AML_BYTE ? 2 : b[0] == AML_WORD ? 3 : 5);
}

/* A NameSeg: two letters and a byte in upper-case hex (LK0A, PC1F). */
static void aml_seg_hex(struct aml *a, const char *prefix, u8 v)
{
	static const char hex[] = "0123456789ABCDEF";

	aml_bytes(a, prefix, 2);
	aml_byte(a, (u8)hex[v >> 4]);
	aml_byte(a, (u8)hex[v & 0xf]);
}

static void aml_name_int(struct aml *a, const char *seg, u32 v)
{
	aml_byte(a, AML_NAME);
	aml_bytes(a, seg, 4);
	aml_int(a, v);
}

/* Name (seg, EisaId ("PNPxxxx")) for a PNP id: EISA compresses "PNP" to 0x41d0 (§6.1.5). */
static void aml_name_pnp(struct aml *a, const char *seg, u16 product)
{
	const u8 id[] = {0x41, 0xd0, (u8)(product >> 8), (u8)product};

	aml_byte(a, AML_NAME);
	aml_bytes(a, seg, 4);
	aml_byte(a, AML_DWORD);
	aml_bytes(a, id, sizeof(id));
}

/* Device (<prefix><hex v>) { ... }: returns where aml_close() must end it. */
static size_t aml_device(struct aml *a, const char *prefix, u8 v)
{
	size_t at;

	aml_byte(a, AML_EXT);
	aml_byte(a, AML_DEVICE);
	at = aml_open(a);
	aml_seg_hex(a, prefix, v);
	return at;
}

/* ---- the partition's PCI interrupts ---------------------------------------------------- */

/* One interrupt link: a device's pin (functions of a device share their pins' wires). */
struct link {
	u8 bus, dev, pin;
	u32 gsi;
	bool level, active_low;
};

/* Group p->pci by (bus, device, pin); false if two functions disagree on a shared pin's
 * wiring or a pin is out of range. */
static bool collect_links(const struct guest_acpi_platform *p, struct link *l, u32 *n)
{
	*n = 0;
	for (u32 i = 0; i < p->pci_count; i++) {
		const struct guest_acpi_pci *f = &p->pci[i];
		struct link k = {
		    (u8)PT_BDF_BUS(f->bdf), (u8)PT_BDF_DEV(f->bdf), f->pin, f->gsi, f->level,
		    f->active_low};
		u32 j = 0;

		if (f->pin > PCI_PINS)
			return false;
		while (j < *n && !(l[j].bus == k.bus && l[j].dev == k.dev && l[j].pin == k.pin))
			j++;
		if (j < *n &&
		    (l[j].gsi != k.gsi || l[j].level != k.level || l[j].active_low != k.active_low))
			return false;
		if (j == *n && k.pin)
			l[(*n)++] = k;
	}
	return true;
}

/* Package () { 0xDDDDFFFF, pin - 1, \_SB.LKnn, 0 }: §6.2.13 Table 6.94, any function of the
 * device, the link's current resource (index 0) is the GSI. */
static void prt_entry(struct aml *a, const struct link *l, u8 index)
{
	static const u8 sb[] = {AML_ROOT, AML_DUAL_NAME, '_', 'S', 'B', '_'};
	size_t at;

	aml_byte(a, AML_PACKAGE);
	at = aml_open(a);
	aml_byte(a, 4);
	aml_int(a, (u32)l->dev << 16 | 0xffff);
	aml_int(a, l->pin - 1u);
	aml_bytes(a, sb, sizeof(sb));
	aml_seg_hex(a, "LK", index);
	aml_int(a, 0);
	aml_close(a, at);
}

/* Device (PCbb): a PCI root bridge for bus bb of segment 0 (§6.5.5 _BBN, §6.5.6 _SEG), with
 * its devices' pins routed (§6.2.13 _PRT). No PNP0A08: nothing extended-config is offered
 * (an MMCONFIG window reads 0 above the first 256 bytes). */
static void root_bridge(struct aml *a, u8 bus, const struct link *l, u32 n)
{
	size_t dev = aml_device(a, "PC", bus), pkg;
	u8 entries = 0;

	aml_name_pnp(a, "_HID", 0x0a03);
	aml_name_int(a, "_UID", bus);
	aml_name_int(a, "_BBN", bus);
	aml_name_int(a, "_SEG", 0);
	aml_byte(a, AML_NAME);
	aml_bytes(a, "_PRT", 4);
	aml_byte(a, AML_PACKAGE);
	pkg = aml_open(a);
	for (u32 i = 0; i < n; i++)
		entries += l[i].bus == bus;
	aml_byte(a, entries);
	for (u32 i = 0; i < n; i++)
		if (l[i].bus == bus)
			prt_entry(a, &l[i], (u8)i);
	aml_close(a, pkg);
	aml_close(a, dev);
}

/* Name (seg, ResourceTemplate () { Interrupt (ResourceConsumer, trigger, polarity, Shared)
 * { gsi } }): §6.4.3.6, then the end tag (checksum 0: "treated as correct", §6.4.2.9). */
static void irq_template(struct aml *a, const char *seg, const struct link *l)
{
	u8 d[IRQ_TEMPLATE_LEN] = {EXT_IRQ, EXT_IRQ_LEN, 0, EXT_IRQ_CONSUMER | EXT_IRQ_SHARED, 1};
	size_t at;

	d[3] |= (l->level ? 0 : EXT_IRQ_EDGE) | (l->active_low ? EXT_IRQ_LOW : 0);
	put32(d + 5, l->gsi);
	d[9] = END_TAG;
	aml_byte(a, AML_NAME);
	aml_bytes(a, seg, 4);
	aml_byte(a, AML_BUFFER);
	at = aml_open(a);
	aml_int(a, IRQ_TEMPLATE_LEN);
	aml_bytes(a, d, sizeof(d));
	aml_close(a, at);
}

/* Device (LKnn): a PCI interrupt link (§6.2.16 PNP0C0F) whose only possible and current
 * setting is the GSI. _SRS accepts what Linux writes back (it always does, allocating the
 * link): the wire cannot change. */
static void link_device(struct aml *a, const struct link *l, u8 index)
{
	static const u8 srs[] = {'_', 'S', 'R', 'S', 1};
	static const u8 sta[] = {'_', 'S', 'T', 'A', 0, AML_RETURN, AML_BYTE, STA_PRESENT};
	size_t dev = aml_device(a, "LK", index), m;

	aml_name_pnp(a, "_HID", 0x0c0f);
	aml_name_int(a, "_UID", index);
	irq_template(a, "_PRS", l);
	irq_template(a, "_CRS", l);
	aml_byte(a, AML_METHOD);
	m = aml_open(a);
	aml_bytes(a, srs, sizeof(srs));
	aml_close(a, m);
	aml_byte(a, AML_METHOD);
	m = aml_open(a);
	aml_bytes(a, sta, sizeof(sta));
	aml_close(a, m);
	aml_close(a, dev);
}

/* A root bridge per bus used (first use first), then the links. */
static void pci_devices(struct aml *a, const struct guest_acpi_platform *p, const struct link *l,
			u32 n)
{
	for (u32 i = 0; i < p->pci_count; i++) {
		u32 bus = PT_BDF_BUS(p->pci[i].bdf), j = 0;

		while (j < i && PT_BDF_BUS(p->pci[j].bdf) != bus)
			j++;
		if (j == i)
			root_bridge(a, (u8)bus, l, n);
	}
	for (u32 i = 0; i < n; i++)
		link_device(a, &l[i], (u8)i);
}

/* ---- the tables ------------------------------------------------------------------------- */

/* The DSDT in t[0, cap): Scope (\_SB) { COM1, and with an I/O APIC the PCI devices }.
 * Returns its length, or 0 if it does not fit. */
static u32 build_dsdt(u8 *t, size_t cap, const struct guest_acpi_platform *p, const struct link *l,
		      u32 n)
{
	struct aml a = {t + HDR_LEN, cap > HDR_LEN ? cap - HDR_LEN : 0, 0, cap <= HDR_LEN};
	size_t scope;

	aml_byte(&a, AML_SCOPE);
	scope = aml_open(&a);
	aml_bytes(&a, "\\_SB_", 5);
	aml_bytes(&a, com1_aml, sizeof(com1_aml));
	if (p->ioapic)
		pci_devices(&a, p, l, n);
	aml_close(&a, scope);
	if (a.full)
		return 0;
	header(t, "DSDT", (u32)(HDR_LEN + a.len), 2);
	finish(t, (u32)(HDR_LEN + a.len));
	return (u32)(HDR_LEN + a.len);
}

static u32 madt_size(const struct guest_acpi_platform *p)
{
	u32 len = MADT_FIXED;

	for (u32 i = 0; i < p->cpu_count; i++)
		len += p->apic_ids[i] < 0xff ? 8 : 16;
	return p->ioapic ? len + 12 + 10 * p->iso_count : len;
}

static u32 madt_cpus(u8 *t, u32 len, const u32 *apic_ids, u32 count)
{
	for (u32 i = 0; i < count; i++) {
		u8 *e = t + len;

		if (apic_ids[i] < 0xff) {
			e[0] = MADT_LAPIC;
			e[1] = 8;
			e[2] = (u8)i; /* ACPI processor UID */
			e[3] = (u8)apic_ids[i];
			put32(e + 4, MADT_ENABLED);
			len += 8;
		} else {
			e[0] = MADT_X2APIC;
			e[1] = 16;
			put32(e + 4, apic_ids[i]);
			put32(e + 8, MADT_ENABLED);
			put32(e + 12, i);
			len += 16;
		}
	}
	return len;
}

/* §5.2.12.3 I/O APIC, then §5.2.12.5 overrides as the machine's MADT has them (bus 0: ISA). */
static u32 madt_ioapic(u8 *t, u32 len, const struct guest_acpi_platform *p)
{
	u8 *e = t + len;

	e[0] = MADT_IOAPIC;
	e[1] = 12;
	e[2] = (u8)p->ioapic_id;
	e[3] = 0;
	put32(e + 4, (u32)GUEST_IOAPIC_GPA);
	put32(e + 8, p->ioapic_gsi_base);
	len += 12;
	for (u32 i = 0; i < p->iso_count; i++) {
		e = t + len;
		e[0] = MADT_ISO;
		e[1] = 10;
		e[2] = 0;
		e[3] = p->iso[i].bus_irq;
		put32(e + 4, p->iso[i].gsi);
		put16(e + 8, p->iso[i].flags);
		len += 10;
	}
	return len;
}

static u32 build_madt(u8 *t, const struct guest_acpi_platform *p)
{
	u32 len;

	put32(t + 36, APIC_BASE_DEFAULT);
	put32(t + 40, 0); /* no PCAT_COMPAT: there is no 8259 pair for this guest */
	len = madt_cpus(t, MADT_FIXED, p->apic_ids, p->cpu_count);
	if (p->ioapic)
		len = madt_ioapic(t, len, p);
	header(t, "APIC", len, 5);
	finish(t, len);
	return len;
}

/* The MCFG (PCI Firmware 3.2 §4.1.2) with one allocation: segment 0, p's buses. */
static void build_mcfg(u8 *t, const struct guest_acpi_platform *p)
{
	u8 *a = t + MCFG_ALLOC;

	memset(t, 0, MCFG_LEN); /* the reserved fields */
	header(t, "MCFG", MCFG_LEN, MCFG_REVISION);
	put64(a, p->mmcfg_base);
	put16(a + 8, 0);
	a[10] = (u8)p->mmcfg_start;
	a[11] = (u8)p->mmcfg_end;
	finish(t, MCFG_LEN);
}

static bool describable(const struct guest_acpi_platform *p, struct link *l, u32 *n)
{
	*n = 0;
	if (!p || !p->apic_ids || p->cpu_count == 0)
		return false;
	if (p->mmcfg_base && (p->mmcfg_start > p->mmcfg_end || p->mmcfg_end > MCFG_MAX_BUS))
		return false;
	if (!p->ioapic)
		return true;
	return p->pci_count <= GUEST_ACPI_MAX_PCI && (p->pci || !p->pci_count) &&
	       p->iso_count <= GUEST_ACPI_MAX_ISO && (p->iso || !p->iso_count) &&
	       p->ioapic_id <= 0xff && collect_links(p, l, n);
}

/* The DSDT goes in the gap before the MADT when it fits (it does without PCI devices), else
 * after the MADT. Returns the end of the tables, or 0 if cap is too small. */
static size_t place_dsdt(u8 *buf, size_t cap, size_t madt_end, const struct guest_acpi_platform *p,
			 const struct link *l, u32 n, size_t *off)
{
	u32 len = build_dsdt(buf + OFF_DSDT, OFF_MADT - OFF_DSDT, p, l, n);

	*off = OFF_DSDT;
	if (len)
		return madt_end;
	memset(buf + OFF_DSDT, 0, OFF_MADT - OFF_DSDT);
	*off = (madt_end + 15) & ~(size_t)15;
	if (*off >= cap)
		return 0;
	memset(buf + madt_end, 0, *off - madt_end);
	len = build_dsdt(buf + *off, cap - *off, p, l, n);
	return len ? *off + len : 0;
}

/* The MCFG goes after the last other table, 16-byte aligned. Returns the new end (end itself
 * without a window), or 0 if cap is too small; *off is 0 without a window. */
static size_t place_mcfg(u8 *buf, size_t cap, size_t end, const struct guest_acpi_platform *p,
			 size_t *off)
{
	*off = 0;
	if (!p->mmcfg_base)
		return end;
	*off = (end + 15) & ~(size_t)15;
	if (*off > cap || cap - *off < MCFG_LEN)
		return 0;
	memset(buf + end, 0, *off - end);
	build_mcfg(buf + *off, p);
	return *off + MCFG_LEN;
}

size_t guest_acpi_build(u8 *buf, size_t cap, u64 gpa, const struct guest_acpi_platform *p)
{
	struct link links[GUEST_ACPI_MAX_PCI];
	size_t end, dsdt_off, mcfg_off = 0;
	u32 n;

	if (!describable(p, links, &n) || cap < OFF_MADT + (size_t)madt_size(p))
		return 0;
	memset(buf, 0, OFF_MADT + madt_size(p)); /* reserved fields and the gaps stay 0 */
	end = OFF_MADT + build_madt(buf + OFF_MADT, p);
	end = place_dsdt(buf, cap, end, p, links, n, &dsdt_off);
	if (end)
		end = place_mcfg(buf, cap, end, p, &mcfg_off);
	if (!end)
		return 0;
	build_rsdp(buf, gpa);
	build_xsdt(buf + OFF_XSDT, gpa, mcfg_off);
	build_fadt(buf + OFF_FADT, gpa, dsdt_off);
	return end;
}
