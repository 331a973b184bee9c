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
#define MADT_LAPIC   0 /* Processor Local APIC structure, 8 bytes (§5.2.12.2) */
#define MADT_X2APIC  9 /* Processor Local x2APIC structure, 16 bytes (§5.2.12.12) */
#define MADT_ENABLED 1u

/* FADT flags (§5.2.9, table 5.10) and IA-PC boot architecture flags (table 5.11). */
#define FADT_FORCE_APIC_PHYSICAL (1u << 19)
#define FADT_HW_REDUCED_ACPI	 (1u << 20)
#define BOOT_ARCH_NO_VGA	 (1u << 2)
#define BOOT_ARCH_NO_CMOS_RTC	 (1u << 5)

/* The DSDT's AML (ACPI 6.5 ch. 20), hand-assembled from:
 *   Scope (\_SB) {
 *     Device (COM1) {
 *       Name (_HID, EisaId ("PNP0501"))           // 16550-compatible UART
 *       Name (_UID, Zero)
 *       Name (_CRS, ResourceTemplate () { IO (Decode16, 0x3F8, 0x3F8, 1, 8) })
 *     }
 *   }
 * No interrupt resource: Linux polls the port instead of waiting for IRQ 4, which nobody
 * would deliver (Linux owns no interrupt controller). Package lengths are one byte each. */
static const u8 dsdt_aml[] = {
    0x10, 0x30, '\\', '_',  'S',  'B',	'_',			/* Scope (\_SB), PkgLength 48 */
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

static void build_xsdt(u8 *t, u64 gpa)
{
	header(t, "XSDT", HDR_LEN + 16, 1);
	put64(t + HDR_LEN, gpa + OFF_FADT);
	put64(t + HDR_LEN + 8, gpa + OFF_MADT);
	finish(t, HDR_LEN + 16);
}

static void build_fadt(u8 *t, u64 gpa)
{
	header(t, "FACP", FADT_LEN, 6);
	put32(t + 40, (u32)(gpa + OFF_DSDT));			  /* DSDT */
	put16(t + 109, BOOT_ARCH_NO_VGA | BOOT_ARCH_NO_CMOS_RTC); /* no legacy devices, no 8042 */
	put32(t + 112, FADT_HW_REDUCED_ACPI | FADT_FORCE_APIC_PHYSICAL);
	t[131] = 5;			/* FADT minor version: ACPI 6.5 */
	put64(t + 140, gpa + OFF_DSDT); /* X_DSDT */
	memcpy(t + 268, "Bulkhead", 8); /* hypervisor vendor identity */
	finish(t, FADT_LEN);
}

static void build_dsdt(u8 *t)
{
	u32 len = HDR_LEN + (u32)sizeof(dsdt_aml);

	header(t, "DSDT", len, 2);
	memcpy(t + HDR_LEN, dsdt_aml, sizeof(dsdt_aml));
	finish(t, len);
}

static u32 build_madt(u8 *t, const u32 *apic_ids, u32 count)
{
	u32 len = MADT_FIXED;

	put32(t + 36, APIC_BASE_DEFAULT);
	put32(t + 40, 0); /* no PCAT_COMPAT: there is no 8259 pair for this guest */
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
	header(t, "APIC", len, 5);
	finish(t, len);
	return len;
}

size_t guest_acpi_build(u8 *buf, size_t cap, u64 gpa, const u32 *apic_ids, u32 count)
{
	size_t need = OFF_MADT + MADT_FIXED + 16 * (size_t)count;

	if (cap < need || count == 0)
		return 0;
	memset(buf, 0, need);
	build_rsdp(buf, gpa);
	build_xsdt(buf + OFF_XSDT, gpa);
	build_fadt(buf + OFF_FADT, gpa);
	build_dsdt(buf + OFF_DSDT);
	return OFF_MADT + build_madt(buf + OFF_MADT, apic_ids, count);
}
