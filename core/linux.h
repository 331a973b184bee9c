/*
 * Booting an unmodified Linux kernel in a partition (the Linux x86 boot protocol, 32-bit
 * entry, as Documentation/arch/x86/boot.rst describes it).
 *
 * The partition's guest-physical view, all inside its own RAM:
 *   0x7000          zero page (struct boot_params): setup header, e820 map, RSDP address
 *   0x8000          kernel command line
 *   0xe0000         ACPI tables (RSDP first; core/guest_acpi.h)
 *   pref_address    the protected-mode kernel (16 MiB for Debian's), or the lowest aligned
 *                   address at or above 1 MiB, in any RAM region, where it fits
 *   end of RAM      the initrd, page aligned, below initrd_addr_max: at the top of the
 *                   kernel's region, else of the highest other RAM region (above 1 MiB)
 * The RAM may be several regions (a partition whose devices do DMA has its RAM mapped guest ==
 * host, e.g. 1 MiB at 0 and the rest at 128 MiB).
 * The e820 map lists only the partition's RAM regions, with [0x9f000, 0x100000) reserved for
 * the BIOS-era area the tables sit in; REGION_SHARED regions are listed as reserved, and so is
 * the MMCONFIG window its MCFG describes (guest_acpi_platform.mmcfg_base): Linux uses an MCFG
 * area only if it is reserved, and it checks the e820 map for that early in boot.
 */
#ifndef BULKHEAD_CORE_LINUX_H
#define BULKHEAD_CORE_LINUX_H

#include "arch/x86/arch.h"
#include "core/bzimage.h"
#include "core/guest_acpi.h"
#include "bulkhead/ptable.h"

#define LINUX_ZERO_PAGE_GPA 0x7000ULL
#define LINUX_CMDLINE_GPA   0x8000ULL
#define LINUX_CMDLINE_MAX   2048 /* bytes before the next page's contents, NUL included */
#define LINUX_ACPI_GPA	    0xe0000ULL
#define LINUX_LOW_RAM_END   0x9f000ULL
#define LINUX_HIGH_START    0x100000ULL
#define LINUX_E820_MAX	    128 /* entries in the zero page */

/* Put before the partition's own command line when the partition has no I/O APIC (no device
 * interrupt; its MADT lists none): "noapic" says so, and it keeps Linux 6.1 from switching
 * x2APIC off for want of interrupt remapping, after which it would look for an xAPIC page the
 * partition does not have. With an I/O APIC (guest_acpi_platform.ioapic), Linux must use it
 * to get its devices' interrupts, so nothing is put. */
#define LINUX_CMDLINE_NOAPIC "noapic "

struct linux_boot {
	struct bzimage bz;
	const u8 *kernel; /* the bzImage file, as GRUB loaded it */
	u64 kernel_len;
	const u8 *initrd; /* NULL when there is none */
	u64 initrd_len;
	u64 load_gpa;	/* where the protected-mode kernel runs from */
	u64 initrd_gpa; /* 0 when there is no initrd */
};

/*
 * Check a kernel (and optional initrd) against the partition's row and choose where each
 * goes. Returns 0, or a negative E_* code (error.h) with a one-line reason in `why` (the
 * bzImage parser has then logged its own line too).
 */
int linux_prepare(const struct partition_config *c, const void *kernel, u64 kernel_len,
		  const void *initrd, u64 initrd_len, struct linux_boot *lb, char *why,
		  size_t why_size);

/*
 * Write the kernel, initrd, zero page, command line and ACPI tables describing `plat` (its
 * CPUs, I/O APIC and PCI functions: guest_acpi.h) into the partition's RAM (already
 * scrubbed), and fill *e with the 32-bit entry state: EIP = the kernel's load address, ESI =
 * the zero page, CS 0x10 and data 0x18 (the protocol's __BOOT_CS/__BOOT_DS).
 */
void linux_load(const struct partition_config *c, const struct linux_boot *lb,
		const struct guest_acpi_platform *plat, const char *cmdline,
		struct arch_vm_entry *e);

/* Build the e820 map of the row, and of plat's MMCONFIG window when it has one (plat may be
 * NULL), into `out` (at most LINUX_E820_MAX); returns the count. */
u32 linux_e820(const struct partition_config *c, const struct guest_acpi_platform *plat, u8 *out);

#endif
