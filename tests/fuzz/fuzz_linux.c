/*
 * Fuzz the Linux loader's preparation (core/linux.c) over a fixed partition row, as
 * tests/unit/test_linux.c sets one up: two RAM regions backed by heap buffers (guest
 * [0, 2 MiB) and [16 MiB, 24 MiB)), CPUs {1, 2}. Byte 0 of the input says whether there is an
 * initrd (bit 0) and, if so, bytes 1-2 its length (taken from the end of the input); bit 1
 * gives the partition an I/O APIC and a PCI function (then no "noapic"), bit 2 an MMCONFIG
 * window (buses 0-63 at MMCFG_BASE, which the e820 map must reserve); the rest is the
 * kernel. linux_prepare() must either refuse it or choose the addresses linux.h
 * promises: in the row's RAM, clear of each other and of the low megabyte. linux_load() then
 * writes everything into the heap-backed RAM (ASan sees any write outside it), and what it
 * wrote is checked: kernel and initrd intact, command line bounded, zero page pointing at them,
 * entry state as promised.
 *
 * Every oracle here finds guest RAM by walking the row itself (ram_index), not through
 * core/guestmem.c, which the loader uses and which is therefore under test too.
 */
#include <string.h>

#include "core/linux.h"
#include "tests/fuzz/fuzz.h"

/* struct boot_params offsets (Documentation/arch/x86/zero-page.rst), written here rather than
 * taken from core/linux.c so the zero page is read the way the kernel reads it. */
#define ZP_ACPI_RSDP_ADDR  0x070
#define ZP_E820_ENTRIES	   0x1e8
#define ZP_CODE32_START	   0x214
#define ZP_RAMDISK_IMAGE   0x218
#define ZP_RAMDISK_SIZE	   0x21c
#define ZP_CMD_LINE_PTR	   0x228
#define ZP_E820_TABLE	   0x2d0
#define E820_ENTRY	   20
#define E820_RAM	   1
#define E820_RESERVED	   2
#define CMDLINE_PAGE_FILL  0xa5 /* poison for the command line's page before linux_load */
#define EXPECTED_CMDLINE   "noapic console=ttyS0" /* docs/linux.md: "noapic ", then .cmdline */
#define IOAPIC_CMDLINE	   "console=ttyS0"	  /* with an I/O APIC: .cmdline alone */
#define MMCFG_BASE	   0xb0000000ULL
#define MMCFG_BYTES	   (64 * MiB) /* buses 0-63, 1 MiB each (PCI Firmware 3.2 §4.1.2) */
#define ZERO_PAGE_BYTES	   4096
#define CMDLINE_PAGE_BYTES 4096

static struct partition_config cfg;

static void setup(void)
{
	static const struct {
		u64 guest, size;
	} regions[] = {{0, 2 * MiB}, {16 * MiB, 8 * MiB}};

	cfg.name = "linux";
	cfg.kind = PART_LINUX;
	cfg.cpus.apic_id[0] = 1;
	cfg.cpus.apic_id[1] = 2;
	cfg.cpus.count = 2;
	cfg.cmdline = "console=ttyS0";
	for (size_t i = 0; i < ARRAY_SIZE(regions); i++) {
		u8 *ram = calloc(1, regions[i].size);

		if (!ram)
			abort();
		cfg.mem.r[i] = (struct pt_region){.phys = (u64)(uintptr_t)ram,
						  .size = regions[i].size,
						  .guest = regions[i].guest,
						  .access = MEM_RWX,
						  .kind = REGION_RAM};
	}
	cfg.mem.count = ARRAY_SIZE(regions);
}

/*
 * The index of the REGION_RAM region of the row holding guest [gpa, gpa + len) whole, or -1.
 * A range whose end wraps past 2^64 is held by none (the row's own regions end far below).
 * An empty range at a region's very end counts as held: an empty initrd may sit there.
 */
static int ram_index(u64 gpa, u64 len)
{
	u64 end = gpa + len;

	if (end < gpa)
		return -1;
	for (u32 i = 0; i < cfg.mem.count; i++) {
		const struct pt_region *m = &cfg.mem.r[i];

		if (m->kind == REGION_RAM && gpa >= m->guest && end <= m->guest + m->size)
			return (int)i;
	}
	return -1;
}

/* Host address of guest [gpa, gpa + len), or NULL when no one RAM region holds it. */
static u8 *ram_at(u64 gpa, u64 len)
{
	int i = ram_index(gpa, len);

	return i < 0 ? NULL : (u8 *)(uintptr_t)(cfg.mem.r[i].phys + (gpa - cfg.mem.r[i].guest));
}

static u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static u64 get64(const u8 *p)
{
	return get32(p) | (u64)get32(p + 4) << 32;
}

/* Bytes the kernel needs from its load address (the larger of its file part and init_size). */
static u64 kernel_need(const struct linux_boot *lb)
{
	return lb->bz.init_size > lb->bz.kernel_size ? lb->bz.init_size : lb->bz.kernel_size;
}

/* linux.h: "pref_address, or the lowest aligned address at or above 1 MiB, in any RAM region,
 * where it fits". bzimage.h: a relocatable kernel's kernel_alignment is a non-zero power of
 * two. */
static bool load_address_promised(const struct bzimage *bz, u64 gpa, u64 need)
{
	u64 a = bz->kernel_alignment, lowest = 0;

	if (gpa == bz->pref_address)
		return true;
	for (u32 i = 0; bz->relocatable && i < cfg.mem.count; i++) {
		u64 g =
		    cfg.mem.r[i].guest > LINUX_HIGH_START ? cfg.mem.r[i].guest : LINUX_HIGH_START;
		u64 at = (g + a - 1) / a * a;

		if (ram_index(at, need) == (int)i && (!lowest || at < lowest))
			lowest = at;
	}
	return lowest && gpa == lowest;
}

/* The kernel's region has no room for the initrd above the kernel, below initrd_addr_max. */
static bool kernel_region_full(const struct linux_boot *lb, u64 need, u64 initrd_len)
{
	const struct pt_region *m = &cfg.mem.r[ram_index(lb->load_gpa, need)];
	u64 top = m->guest + m->size,
	    floor = (lb->load_gpa + need + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1);

	if (top > (u64)lb->bz.initrd_addr_max + 1)
		top = (u64)lb->bz.initrd_addr_max + 1;
	return top < floor || top - floor < initrd_len;
}

/* What linux.h promises about the addresses a successful linux_prepare() chose. */
static void check_placement(const struct linux_boot *lb, const u8 *initrd, u64 initrd_len)
{
	u64 need = kernel_need(lb);

	FUZZ_ASSERT(ram_index(lb->load_gpa, need) >= 0);
	/* The zero page, command line, ACPI tables and AP trampoline live below 1 MiB. */
	FUZZ_ASSERT(lb->load_gpa >= LINUX_HIGH_START);
	FUZZ_ASSERT(load_address_promised(&lb->bz, lb->load_gpa, need));
	if (!initrd) {
		FUZZ_ASSERT(lb->initrd_gpa == 0);
		return;
	}
	/* "end of RAM: the initrd, page aligned, below initrd_addr_max", in the kernel's region
	 * unless that has no room left. */
	FUZZ_ASSERT(lb->initrd_gpa && lb->initrd_gpa % PAGE_SIZE == 0);
	FUZZ_ASSERT(ram_index(lb->initrd_gpa, initrd_len) >= 0);
	FUZZ_ASSERT(ram_index(lb->initrd_gpa, initrd_len) == ram_index(lb->load_gpa, need) ||
		    kernel_region_full(lb, need, initrd_len));
	FUZZ_ASSERT(lb->initrd_gpa >= LINUX_HIGH_START);
	FUZZ_ASSERT(lb->initrd_gpa >= lb->load_gpa + need ||
		    lb->initrd_gpa + initrd_len <= lb->load_gpa);
	FUZZ_ASSERT(lb->initrd_gpa + initrd_len - 1 <= lb->bz.initrd_addr_max);
}

/* The command line at LINUX_CMDLINE_GPA: "noapic " and the row's, cut to what the kernel's
 * cmdline_size and LINUX_CMDLINE_MAX allow, NUL-terminated, nothing written past that. */
static void check_cmdline(const struct bzimage *bz, const char *expected)
{
	const char *cl = (const char *)ram_at(LINUX_CMDLINE_GPA, CMDLINE_PAGE_BYTES);
	size_t room =
	    bz->cmdline_size < LINUX_CMDLINE_MAX ? (size_t)bz->cmdline_size + 1 : LINUX_CMDLINE_MAX;
	size_t want = strlen(expected) < room ? strlen(expected) : room - 1;
	const char *nul = memchr(cl, 0, room);

	FUZZ_ASSERT(nul && (size_t)(nul - cl) == want && memcmp(cl, expected, want) == 0);
	for (size_t i = room; i < CMDLINE_PAGE_BYTES; i++)
		FUZZ_ASSERT((u8)cl[i] == CMDLINE_PAGE_FILL);
}

/* linux.h: the e820 map lists only the row's RAM, with [LINUX_LOW_RAM_END, 1 MiB) reserved.
 * The kernel's setup header is copied up to 0x301, over the map's start: the map must win. */
static void check_e820(const u8 *zp, bool mmcfg)
{
	u32 n = zp[ZP_E820_ENTRIES], windows = 0;
	bool hole = false;

	FUZZ_ASSERT(n >= 1 && n <= LINUX_E820_MAX);
	for (u32 i = 0; i < n; i++) {
		const u8 *e = zp + ZP_E820_TABLE + i * E820_ENTRY;
		u64 addr = get64(e), size = get64(e + 8);
		u32 type = get32(e + 16);

		FUZZ_ASSERT(type == E820_RAM || type == E820_RESERVED);
		if (type == E820_RAM)
			FUZZ_ASSERT(ram_index(addr, size) >= 0 &&
				    (addr + size <= LINUX_LOW_RAM_END || addr >= LINUX_HIGH_START));
		else
			hole |= addr <= LINUX_LOW_RAM_END && addr + size >= LINUX_HIGH_START;
		windows += type == E820_RESERVED && addr == MMCFG_BASE && size == MMCFG_BYTES;
	}
	FUZZ_ASSERT(hole);
	FUZZ_ASSERT(windows == (mmcfg ? 1u : 0u));
}

/* The zero page points the kernel at its command line, initrd and ACPI tables. */
static void check_zero_page(const struct linux_boot *lb, u64 initrd_len, bool mmcfg)
{
	const u8 *zp = ram_at(LINUX_ZERO_PAGE_GPA, ZERO_PAGE_BYTES);

	FUZZ_ASSERT(get32(zp + ZP_CMD_LINE_PTR) == LINUX_CMDLINE_GPA);
	FUZZ_ASSERT(get32(zp + ZP_CODE32_START) == lb->load_gpa);
	FUZZ_ASSERT(get32(zp + ZP_RAMDISK_IMAGE) == lb->initrd_gpa);
	FUZZ_ASSERT(get32(zp + ZP_RAMDISK_SIZE) == initrd_len);
	FUZZ_ASSERT(get64(zp + ZP_ACPI_RSDP_ADDR) == LINUX_ACPI_GPA);
	FUZZ_ASSERT(memcmp(ram_at(LINUX_ACPI_GPA, 8), "RSD PTR ", 8) == 0); /* "RSDP first" */
	check_e820(zp, mmcfg);
}

/* After linux_load(): every part in place and none written over another. bzimage.h: the
 * protected-mode kernel is the last kernel_size bytes of the file. */
static void check_loaded(const struct linux_boot *lb, const u8 *kernel, u64 kernel_len,
			 const u8 *initrd, u64 initrd_len, const struct arch_vm_entry *e,
			 const struct guest_acpi_platform *plat)
{
	u64 ksize = lb->bz.kernel_size;

	FUZZ_ASSERT(memcmp(ram_at(lb->load_gpa, ksize), kernel + kernel_len - ksize, ksize) == 0);
	if (initrd)
		FUZZ_ASSERT(memcmp(ram_at(lb->initrd_gpa, initrd_len), initrd, initrd_len) == 0);
	check_cmdline(&lb->bz, plat->ioapic ? IOAPIC_CMDLINE : EXPECTED_CMDLINE);
	check_zero_page(lb, initrd_len, plat->mmcfg_base != 0);
	/* linux.h: EIP = the load address, ESI = the zero page, CS 0x10, data 0x18. */
	FUZZ_ASSERT(e->rip == lb->load_gpa && e->esi == LINUX_ZERO_PAGE_GPA);
	FUZZ_ASSERT(e->cs == 0x10 && e->ds == 0x18);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader r = {data, size};
	struct linux_boot lb;
	struct arch_vm_entry e;
	static const struct guest_acpi_pci fn = {PT_BDF(0, 3, 0), 1, 11, true, false, 0, 0};
	struct guest_acpi_platform plat = {.apic_ids = cfg.cpus.apic_id, .cpu_count = 2};
	const u8 *initrd = NULL;
	u64 initrd_len = 0;
	char why[160];
	u8 flags;

	if (!cfg.mem.count)
		setup();
	fuzz_begin();
	flags = fuzz_u8(&r);
	if (flags & 2)
		plat = (struct guest_acpi_platform){.apic_ids = cfg.cpus.apic_id,
						    .cpu_count = 2,
						    .ioapic = true,
						    .pci = &fn,
						    .pci_count = 1};
	if (flags & 4) {
		plat.mmcfg_base = MMCFG_BASE;
		plat.mmcfg_end = 63;
	}
	if (flags & 1) {
		initrd_len = fuzz_u16(&r);
		if (initrd_len > r.left)
			initrd_len = r.left;
		initrd = r.p + r.left - initrd_len;
		r.left -= initrd_len;
	}
	why[0] = 0;
	if (linux_prepare(&cfg, r.p, r.left, initrd, initrd_len, &lb, why, sizeof(why)) != 0) {
		FUZZ_ASSERT(why[0] && memchr(why, 0, sizeof(why)));
		return 0;
	}
	check_placement(&lb, initrd, initrd_len);
	/* Anything linux_load() writes past the command line's end shows up in this poison. */
	memset(ram_at(LINUX_CMDLINE_GPA, CMDLINE_PAGE_BYTES), CMDLINE_PAGE_FILL,
	       CMDLINE_PAGE_BYTES);
	linux_load(&cfg, &lb, &plat, cfg.cmdline, &e);
	check_loaded(&lb, r.p, r.left, initrd, initrd_len, &e, &plat);
	return 0;
}
