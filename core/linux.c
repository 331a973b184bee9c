/* Linux loader: see linux.h for the guest-physical layout it builds. */
#include "core/linux.h"
#include "core/error.h"
#include "core/lib/format.h"
#include "core/guest_acpi.h"
#include "core/guestmem.h"
#include "core/lib/string.h"

/* struct boot_params offsets (Documentation/arch/x86/zero-page.rst) */
#define BP_ACPI_RSDP_ADDR      0x070 /* u64, protocol 2.14+ */
#define BP_EXT_RAMDISK_IMAGE   0x0c0
#define BP_EXT_RAMDISK_SIZE    0x0c4
#define BP_EXT_CMD_LINE_PTR    0x0c8
#define BP_E820_ENTRIES	       0x1e8
#define BP_TYPE_OF_LOADER      0x210
#define BP_LOADFLAGS	       0x211
#define BP_CODE32_START	       0x214
#define BP_RAMDISK_IMAGE       0x218
#define BP_RAMDISK_SIZE	       0x21c
#define BP_CMD_LINE_PTR	       0x228
#define BP_E820_TABLE	       0x2d0
#define E820_ENTRY_SIZE	       20
#define E820_RAM	       1
#define E820_RESERVED	       2
#define LOADER_UNDEFINED       0xff /* type_of_loader: no assigned ID */
#define LOADFLAGS_CAN_USE_HEAP 0x80
#define BOOT_CS		       0x10 /* __BOOT_CS */
#define BOOT_DS		       0x18 /* __BOOT_DS */
#define PAGE		       0x1000ULL
#define ACPI_AREA_SIZE	       (LINUX_HIGH_START - LINUX_ACPI_GPA)

static void put32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static void put64(u8 *p, u64 v)
{
	put32(p, (u32)v);
	put32(p + 4, (u32)(v >> 32));
}

/* The lowest address at or above 1 MiB, aligned for the kernel, in RAM region r where the
 * kernel fits; 0 if there is none. */
static u64 lowest_fit(const struct bzimage *bz, const struct pt_region *r)
{
	u64 at = align_up(r->guest > LINUX_HIGH_START ? r->guest : LINUX_HIGH_START,
			  bz->kernel_alignment);

	return r->kind == REGION_RAM && bzimage_fits(bz, at, r->guest, r->size) ? at : 0;
}

/* The protected-mode kernel goes to pref_address when that is at or above 1 MiB and it fits
 * there, else (relocatable only) to the lowest aligned address at or above 1 MiB in any RAM
 * region where it fits (the RAM may be several regions: mapped guest == host for DMA). */
static bool choose_load_address(const struct partition_config *c, struct linux_boot *lb)
{
	const struct bzimage *bz = &lb->bz;
	const struct pt_region *r = guest_ram_holding(c, bz->pref_address, 1);
	u64 best = 0;

	/* Below 1 MiB are the zero page, command line and ACPI tables: never the kernel. */
	if (r && bz->pref_address >= LINUX_HIGH_START &&
	    bzimage_fits(bz, bz->pref_address, r->guest, r->size)) {
		lb->load_gpa = bz->pref_address;
		return true;
	}
	if (!bz->relocatable)
		return false;
	for (u32 i = 0; i < c->mem.count; i++) {
		u64 at = lowest_fit(bz, &c->mem.r[i]);

		if (at && (!best || at < best))
			best = at;
	}
	lb->load_gpa = best;
	return best != 0;
}

/* Where an initrd of `len` bytes goes in region r: page aligned, as high as it can below
 * initrd_addr_max, at or above `floor`; 0 if it does not fit. */
static u64 initrd_top_fit(const struct pt_region *r, u64 len, u64 addr_max, u64 floor)
{
	u64 top = r->guest + r->size, at;

	if (r->kind != REGION_RAM || (r->guest && r->size > (u64)0 - r->guest))
		return 0;
	if (top > addr_max + 1)
		top = addr_max + 1;
	if (floor < r->guest)
		floor = r->guest;
	if (top < floor || len > top - floor)
		return 0;
	at = (top - len) & ~(PAGE - 1);
	return at >= floor ? at : 0;
}

/* The initrd goes at the top of the kernel's RAM region, clear of the memory the kernel
 * decompresses into, else in the highest other RAM region (above 1 MiB) it fits, always below
 * initrd_addr_max. */
static bool choose_initrd_address(const struct partition_config *c, struct linux_boot *lb)
{
	const struct pt_region *kr = guest_ram_holding(c, lb->load_gpa, 1);
	u64 need = lb->bz.init_size > lb->bz.kernel_size ? lb->bz.init_size : lb->bz.kernel_size;
	u64 max = lb->bz.initrd_addr_max, best, other_best = 0;

	best = initrd_top_fit(kr, lb->initrd_len, max, align_up(lb->load_gpa + need, PAGE));
	for (u32 i = 0; i < c->mem.count && !best; i++) {
		const struct pt_region *r = &c->mem.r[i];
		u64 at = r == kr ? 0 : initrd_top_fit(r, lb->initrd_len, max, LINUX_HIGH_START);

		if (at > other_best)
			other_best = at;
	}
	best = best ? best : other_best;
	lb->initrd_gpa = best;
	return best != 0;
}

int linux_prepare(const struct partition_config *c, const void *kernel, u64 kernel_len,
		  const void *initrd, u64 initrd_len, struct linux_boot *lb, char *why,
		  size_t why_size)
{
	memset(lb, 0, sizeof(*lb));
	lb->kernel = kernel;
	lb->kernel_len = kernel_len;
	lb->initrd = initrd;
	lb->initrd_len = initrd ? initrd_len : 0;
	if (!guest_ram_holding(c, 0, LINUX_HIGH_START)) {
		format(why, why_size,
		       "mem: Linux needs a RAM region covering guest 0x0-0x100000 (zero page, "
		       "ACPI tables, the trampoline that starts its other CPUs)");
		return ERR(E_RANGE);
	}
	if (bzimage_parse(kernel, kernel_len, c->name, &lb->bz)) {
		format(why, why_size, "module: %llu-byte kernel is not a bootable bzImage",
		       (unsigned long long)kernel_len);
		return ERR(E_INVAL);
	}
	if (!choose_load_address(c, lb)) {
		format(why, why_size,
		       "module: kernel needs %u bytes from an aligned address; it does not fit the "
		       "partition's RAM",
		       lb->bz.init_size);
		return ERR(E_RANGE);
	}
	if (lb->initrd && !choose_initrd_address(c, lb)) {
		format(why, why_size,
		       "initrd: %llu bytes do not fit the RAM above the kernel (0x%llx + %u bytes)",
		       (unsigned long long)lb->initrd_len, (unsigned long long)lb->load_gpa,
		       lb->bz.init_size);
		return ERR(E_RANGE);
	}
	return 0;
}

/* Is region r the memory behind one of its PCI functions' BARs (a channel's)? */
static bool behind_bar(const struct guest_acpi_platform *plat, const struct pt_region *r)
{
	for (u32 i = 0; plat && i < plat->pci_count; i++)
		if (plat->pci[i].ram_bar_size && plat->pci[i].ram_bar == r->guest &&
		    plat->pci[i].ram_bar_size == r->size)
			return true;
	return false;
}

static u32 e820_add(u8 *out, u32 n, u64 addr, u64 size, u32 type)
{
	if (n >= LINUX_E820_MAX || size == 0)
		return n;
	put64(out + n * E820_ENTRY_SIZE, addr);
	put64(out + n * E820_ENTRY_SIZE + 8, size);
	put32(out + n * E820_ENTRY_SIZE + 16, type);
	return n + 1;
}

u32 linux_e820(const struct partition_config *c, const struct guest_acpi_platform *plat, u8 *out)
{
	u32 n = 0;

	for (u32 i = 0; i < c->mem.count; i++) {
		const struct pt_region *r = &c->mem.r[i];
		u64 end = r->guest + r->size;

		if (r->kind == REGION_SHARED && behind_bar(plat, r)) {
			continue; /* a BAR: where devices are, not in the map (as on hardware) */
		} else if (r->kind == REGION_SHARED) {
			n = e820_add(out, n, r->guest, r->size, E820_RESERVED);
		} else if (r->kind != REGION_RAM) {
			continue;
		} else if (r->guest < LINUX_HIGH_START && end > LINUX_LOW_RAM_END) {
			/* the BIOS-era hole: reserved, so Linux keeps its hands off the tables */
			if (r->guest < LINUX_LOW_RAM_END)
				n = e820_add(out, n, r->guest, LINUX_LOW_RAM_END - r->guest,
					     E820_RAM);
			n = e820_add(
			    out, n, r->guest > LINUX_LOW_RAM_END ? r->guest : LINUX_LOW_RAM_END,
			    (end < LINUX_HIGH_START ? end : LINUX_HIGH_START) -
				(r->guest > LINUX_LOW_RAM_END ? r->guest : LINUX_LOW_RAM_END),
			    E820_RESERVED);
			if (end > LINUX_HIGH_START)
				n = e820_add(out, n, LINUX_HIGH_START, end - LINUX_HIGH_START,
					     E820_RAM);
		} else {
			n = e820_add(out, n, r->guest, r->size, E820_RAM);
		}
	}
	/* The MCFG's buses, 1 MiB of configuration space each (PCI Firmware 3.2 §4.1.2: the
	 * base address is bus 0's): reserved, or Linux will not use the window. */
	if (plat && plat->mmcfg_base && plat->mmcfg_start <= plat->mmcfg_end)
		n = e820_add(out, n, plat->mmcfg_base + ((u64)plat->mmcfg_start << 20),
			     (u64)(plat->mmcfg_end - plat->mmcfg_start + 1) << 20, E820_RESERVED);
	return n;
}

/* The zero page: the kernel's own setup header, then what the loader fills in. */
static void build_zero_page(const struct partition_config *c, const struct linux_boot *lb,
			    const struct guest_acpi_platform *plat, u8 *zp)
{
	u32 hdr_end = lb->bz.header_end;

	memset(zp, 0, PAGE);
	memcpy(zp + BZIMAGE_HDR_START, lb->kernel + BZIMAGE_HDR_START, hdr_end - BZIMAGE_HDR_START);
	zp[BP_TYPE_OF_LOADER] = LOADER_UNDEFINED;
	zp[BP_LOADFLAGS] &= (u8)~LOADFLAGS_CAN_USE_HEAP; /* no real-mode heap: no 16-bit entry */
	put32(zp + BP_CODE32_START, (u32)lb->load_gpa);
	put32(zp + BP_RAMDISK_IMAGE, (u32)lb->initrd_gpa);
	put32(zp + BP_RAMDISK_SIZE, (u32)lb->initrd_len);
	put32(zp + BP_EXT_RAMDISK_IMAGE, (u32)(lb->initrd_gpa >> 32));
	put32(zp + BP_EXT_RAMDISK_SIZE, (u32)(lb->initrd_len >> 32));
	put32(zp + BP_CMD_LINE_PTR, (u32)LINUX_CMDLINE_GPA);
	put32(zp + BP_EXT_CMD_LINE_PTR, 0);
	put64(zp + BP_ACPI_RSDP_ADDR, LINUX_ACPI_GPA);
	zp[BP_E820_ENTRIES] = (u8)linux_e820(c, plat, zp + BP_E820_TABLE);
}

/* The tables must fit the BIOS-era area they are given, whatever the partition has. */
_Static_assert(GUEST_ACPI_MAX_BYTES(PT_MAX_CPUS) <= ACPI_AREA_SIZE,
	       "ACPI tables may outgrow 0xe0000-0xfffff");

void linux_load(const struct partition_config *c, const struct linux_boot *lb,
		const struct guest_acpi_platform *plat, const char *cmdline,
		struct arch_vm_entry *e)
{
	u64 kernel_size = lb->bz.kernel_size;
	size_t max = lb->bz.cmdline_size < LINUX_CMDLINE_MAX ? (size_t)lb->bz.cmdline_size + 1
							     : LINUX_CMDLINE_MAX;

	memcpy(guest_host_ptr(c, lb->load_gpa, kernel_size), lb->kernel + lb->bz.kernel_offset,
	       kernel_size);
	if (lb->initrd)
		memcpy(guest_host_ptr(c, lb->initrd_gpa, lb->initrd_len), lb->initrd,
		       lb->initrd_len);
	format((char *)guest_host_ptr(c, LINUX_CMDLINE_GPA, max), max, "%s%s",
	       plat->ioapic ? "" : LINUX_CMDLINE_NOAPIC, cmdline);
	build_zero_page(c, lb, plat, guest_host_ptr(c, LINUX_ZERO_PAGE_GPA, PAGE));
	guest_acpi_build(guest_host_ptr(c, LINUX_ACPI_GPA, ACPI_AREA_SIZE), ACPI_AREA_SIZE,
			 LINUX_ACPI_GPA, plat);
	*e = (struct arch_vm_entry){
	    .rip = lb->load_gpa, .esi = (u32)LINUX_ZERO_PAGE_GPA, .cs = BOOT_CS, .ds = BOOT_DS};
}
