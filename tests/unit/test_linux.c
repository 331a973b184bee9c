/*
 * Unit tests for core/linux.c, the Linux loader. The kernel is a synthetic bzImage built as
 * in test_bzimage.c; the partition's RAM is a host heap buffer that its REGION_RAM row points
 * at (phys = the buffer's address), so linux_load() writes into memory the test can read
 * back as guest-physical addresses. Zero-page offsets are spelled out here from
 * Documentation/arch/x86/zero-page.rst and boot.rst, not taken from core/linux.c.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/linux.h"
#include "tests/unit/bzimage_layout.h"
#include "tests/unit/check.h"
#include "tests/unit/le.h"

/* ---- setup header (boot.rst) ------------------------------------------------------------ */

/* ---- struct boot_params (zero-page.rst) -------------------------------------------------- */

enum {
	ZP_ACPI_RSDP_ADDR = 0x070,    /* u64 */
	ZP_EXT_RAMDISK_IMAGE = 0x0c0, /* u32 */
	ZP_EXT_RAMDISK_SIZE = 0x0c4,  /* u32 */
	ZP_EXT_CMD_LINE_PTR = 0x0c8,  /* u32 */
	ZP_E820_ENTRIES = 0x1e8,      /* u8 */
	ZP_SENTINEL = 0x1ef,	      /* u8 */
	ZP_TYPE_OF_LOADER = 0x210,    /* u8 */
	ZP_LOADFLAGS = 0x211,	      /* u8 */
	ZP_CODE32_START = 0x214,      /* u32 */
	ZP_RAMDISK_IMAGE = 0x218,     /* u32 */
	ZP_RAMDISK_SIZE = 0x21c,      /* u32 */
	ZP_HEAP_END_PTR = 0x224,      /* u16 */
	ZP_CMD_LINE_PTR = 0x228,      /* u32 */
	ZP_E820_TABLE = 0x2d0,	      /* struct boot_e820_entry[128], 20 bytes each */
	E820_SIZE = 20,
	E820_RAM = 1,
	E820_RESERVED = 2,
};

#define SETUP_SECTS  27
#define SETUP_SIZE   ((SETUP_SECTS + 1) * 512) /* 0x3800 */
#define KERNEL_SIZE  0x1230ULL
#define IMAGE_LEN    (SETUP_SIZE + KERNEL_SIZE)
#define PREF_ADDRESS 0x1000000ULL
#define ALIGNMENT    0x200000u
#define INIT_SIZE    0x2000000u
#define XLOADFLAGS   0x7f
#define CMDLINE_SIZE 2047
#define INITRD_MAX   0x7fffffffu

static u8 image[IMAGE_LEN];

/* A 2.15 header as a current x86_64 kernel has it, and a patterned protected-mode part. */
static void build_kernel(void)
{
	u8 *h = image;

	memset(image, 0, sizeof(image));
	h[0] = 'M';
	h[1] = 'Z';
	for (size_t i = 2; i < H_SETUP_SECTS; i++)
		h[i] = (u8)(0x90 + i); /* junk before the header: must not reach the zero page */
	h[H_SETUP_SECTS] = SETUP_SECTS;
	put32(h + H_SYSSIZE, (u32)((KERNEL_SIZE + 15) / 16));
	put16(h + H_BOOT_FLAG, 0xaa55);
	h[H_JUMP] = 0xeb;
	h[H_JUMP + 1] = (u8)(H_END - H_HEADER);
	memcpy(h + H_HEADER, "HdrS", 4);
	put16(h + H_VERSION, 0x020f);
	h[H_LOADFLAGS] = 0x01; /* LOADED_HIGH */
	put32(h + H_CODE32_START, 0x100000);
	put32(h + H_INITRD_ADDR_MAX, INITRD_MAX);
	put32(h + H_KERNEL_ALIGN, ALIGNMENT);
	h[H_RELOCATABLE] = 1;
	h[H_MIN_ALIGNMENT] = 21;
	put16(h + H_XLOADFLAGS, XLOADFLAGS);
	put32(h + H_CMDLINE_SIZE, CMDLINE_SIZE);
	put64(h + H_PREF_ADDRESS, PREF_ADDRESS);
	put32(h + H_INIT_SIZE, INIT_SIZE);
	put32(h + H_HANDOVER, 0x190);
	put32(h + H_KERNEL_INFO, 0x1000);
	for (size_t i = H_END; i < SETUP_SIZE; i++)
		h[i] = (u8)(0x31 + i * 7); /* real-mode code after the header: not copied */
	for (size_t i = 0; i < KERNEL_SIZE; i++)
		h[SETUP_SIZE + i] = (u8)(0x48 + i * 13);
}

/* ---- the partition ---------------------------------------------------------------------- */

static struct partition_config cfg;
static u8 *ram[PT_MAX_REGIONS];
static struct linux_boot lb;
static char why[160];
static struct guest_acpi_platform plat; /* the row's CPUs, no I/O APIC (cfg_begin) */

static void cfg_free(void)
{
	for (int i = 0; i < PT_MAX_REGIONS; i++) {
		free(ram[i]);
		ram[i] = NULL;
	}
	memset(&cfg, 0, sizeof(cfg));
}

/* A Linux row with CPUs {1, 2} and no memory yet. */
static void cfg_begin(void)
{
	cfg_free();
	cfg.name = "linux";
	cfg.kind = PART_LINUX;
	cfg.cpus.apic_id[0] = 1;
	cfg.cpus.apic_id[1] = 2;
	cfg.cpus.count = 2;
	cfg.cmdline = "console=ttyS0";
	plat = (struct guest_acpi_platform){.apic_ids = cfg.cpus.apic_id, .cpu_count = 2};
}

/* A region of `size` bytes at guest `guest`, backed by zeroed heap memory. */
static void cfg_region(u64 guest, u64 size, u32 kind)
{
	u32 i = cfg.mem.count++;

	ram[i] = calloc(1, size);
	if (!ram[i])
		abort();
	cfg.mem.r[i] = (struct pt_region){.phys = (u64)(uintptr_t)ram[i],
					  .size = size,
					  .guest = guest,
					  .access = MEM_RWX,
					  .kind = kind};
}

/* The host byte behind guest-physical `gpa` of the RAM region holding it. */
static u8 *guest(u64 gpa)
{
	for (u32 i = 0; i < cfg.mem.count; i++) {
		const struct pt_region *r = &cfg.mem.r[i];

		if (r->kind == REGION_RAM && gpa >= r->guest && gpa - r->guest < r->size)
			return ram[i] + (gpa - r->guest);
	}
	CHECK(!"guest address outside RAM");
	abort();
}

static int prepare(const void *initrd, u64 initrd_len)
{
	memset(why, 0, sizeof(why));
	capture_reset();
	return linux_prepare(&cfg, image, IMAGE_LEN, initrd, initrd_len, &lb, why, sizeof(why));
}

#define CHECK_WHY(s)                                                                               \
	do {                                                                                       \
		if (!strstr(why, s)) {                                                             \
			printf("  check failed: why has \"%s\" (%s:%d)\n  why was: %s\n", s,       \
			       __FILE__, __LINE__, why);                                           \
			check_failed_in_test = 1;                                                  \
		}                                                                                  \
	} while (0)

/* ---- linux_prepare: where the kernel goes ---------------------------------------------- */

static void test_load_at_pref_address(void)
{
	build_kernel();
	cfg_begin();
	cfg_region(0, 64 * MiB, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(why[0], 0);
	CHECK_EQ(lb.load_gpa, 0x1000000);
	CHECK_EQ(lb.initrd_gpa, 0);
	CHECK_EQ(lb.initrd_len, 0);
	CHECK(lb.initrd == NULL);
	CHECK(lb.kernel == image);
	CHECK_EQ(lb.kernel_len, IMAGE_LEN);
	CHECK_EQ(lb.bz.protocol, 0x020f);
	CHECK_EQ(lb.bz.init_size, INIT_SIZE);
	CHECK_EQ(capture_text()[0], 0);

	/* 16 MiB + init_size (32 MiB) ends exactly at the end of 48 MiB of RAM. */
	cfg_begin();
	cfg_region(0, 48 * MiB, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(lb.load_gpa, 0x1000000);
	cfg_free();
}

static void test_load_low_when_small(void)
{
	build_kernel();
	/* 40 MiB: 16 MiB + 32 MiB does not fit, 2 MiB (1 MiB aligned up to 2 MiB) + 32 MiB does. */
	cfg_begin();
	cfg_region(0, 40 * MiB, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(lb.load_gpa, 0x200000);
	/* One page short of pref_address + init_size. */
	cfg_begin();
	cfg_region(0, 48 * MiB - 4096, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(lb.load_gpa, 0x200000);
	/* Exactly 2 MiB + init_size. */
	cfg_begin();
	cfg_region(0, 34 * MiB, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(lb.load_gpa, 0x200000);
	/* A smaller alignment moves the low address down to 1 MiB itself. */
	put32(image + H_KERNEL_ALIGN, 0x100000);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(lb.load_gpa, 0x100000);
	cfg_free();
}

static void test_does_not_fit(void)
{
	build_kernel();
	/* 34 MiB - 4 KiB: too small for 2 MiB + init_size. */
	cfg_begin();
	cfg_region(0, 34 * MiB - 4096, REGION_RAM);
	CHECK(prepare(NULL, 0) != 0);
	CHECK_WHY("does not fit");
	CHECK_WHY("33554432 bytes"); /* init_size, in the reason */
	cfg_begin();
	cfg_region(0, 32 * MiB, REGION_RAM);
	CHECK(prepare(NULL, 0) != 0);
	CHECK_WHY("does not fit");
	/* A kernel that is not relocatable goes to pref_address or nowhere. */
	image[H_RELOCATABLE] = 0;
	cfg_begin();
	cfg_region(0, 40 * MiB, REGION_RAM);
	CHECK(prepare(NULL, 0) != 0);
	CHECK_WHY("does not fit");
	cfg_begin();
	cfg_region(0, 48 * MiB, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(lb.load_gpa, PREF_ADDRESS);
	cfg_free();
}

/* pref_address may be in a second RAM region; the first still holds the low megabyte. */
static void test_load_in_second_region(void)
{
	build_kernel();
	cfg_begin();
	cfg_region(0, 2 * MiB, REGION_RAM);
	cfg_region(16 * MiB, 32 * MiB, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(lb.load_gpa, PREF_ADDRESS);
	/* A shared region there is not RAM the kernel may use. */
	cfg_begin();
	cfg_region(0, 2 * MiB, REGION_RAM);
	cfg_region(16 * MiB, 32 * MiB, REGION_SHARED);
	CHECK(prepare(NULL, 0) != 0);
	CHECK_WHY("does not fit");
	cfg_free();
}

/* Found by tests/fuzz/fuzz_linux.c: a pref_address below 1 MiB put the kernel on the zero
 * page, command line and ACPI tables. A fixed kernel is refused; a relocatable one goes to
 * the first aligned address at or above 1 MiB. */
static void test_pref_address_below_1mib(void)
{
	build_kernel();
	put32(image + H_INIT_SIZE, 0x100000);
	put64(image + H_PREF_ADDRESS, 0);
	cfg_begin();
	cfg_region(0, 64 * MiB, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(lb.load_gpa, 0x200000);
	put64(image + H_PREF_ADDRESS, LINUX_ZERO_PAGE_GPA);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(lb.load_gpa, 0x200000);
	image[H_RELOCATABLE] = 0;
	CHECK(prepare(NULL, 0) != 0);
	CHECK_WHY("does not fit");
	put64(image + H_PREF_ADDRESS, LINUX_HIGH_START);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(lb.load_gpa, LINUX_HIGH_START);
	cfg_free();
}

static void test_needs_ram_at_zero(void)
{
	build_kernel();
	cfg_begin();
	cfg_region(0x100000, 64 * MiB, REGION_RAM);
	CHECK(prepare(NULL, 0) != 0);
	CHECK_WHY("guest 0x0-0x100000");
	/* RAM at 0, but not the whole first megabyte. */
	cfg_begin();
	cfg_region(0, 0xff000, REGION_RAM);
	cfg_region(0x100000, 64 * MiB, REGION_RAM);
	CHECK(prepare(NULL, 0) != 0);
	CHECK_WHY("guest 0x0-0x100000");
	/* Shared memory at 0 is not the partition's RAM. */
	cfg_begin();
	cfg_region(0, 1 * MiB, REGION_SHARED);
	cfg_region(1 * MiB, 64 * MiB, REGION_RAM);
	CHECK(prepare(NULL, 0) != 0);
	CHECK_WHY("guest 0x0-0x100000");
	/* No memory at all. */
	cfg_begin();
	CHECK(prepare(NULL, 0) != 0);
	CHECK_WHY("guest 0x0-0x100000");
	cfg_free();
}

static void test_corrupt_kernel(void)
{
	build_kernel();
	cfg_begin();
	cfg_region(0, 64 * MiB, REGION_RAM);
	memcpy(image + H_HEADER, "HdrX", 4);
	CHECK(prepare(NULL, 0) != 0);
	CHECK_WHY("not a bootable bzImage");
	CHECK_WHY("18992-byte kernel");		      /* IMAGE_LEN */
	CHECK_LOG("bzimage: linux: no setup header"); /* the parser's own line, named by row */
	build_kernel();
	put16(image + H_BOOT_FLAG, 0);
	CHECK(prepare(NULL, 0) != 0);
	CHECK_WHY("not a bootable bzImage");
	/* Too short to be anything. */
	build_kernel();
	memset(why, 0, sizeof(why));
	CHECK(linux_prepare(&cfg, image, 0x100, NULL, 0, &lb, why, sizeof(why)) != 0);
	CHECK_WHY("256-byte kernel is not a bootable bzImage");
	cfg_free();
}

/* ---- linux_prepare: the initrd ---------------------------------------------------------- */

static void test_initrd_at_top(void)
{
	static const u8 rd[16];

	build_kernel();
	cfg_begin();
	cfg_region(0, 64 * MiB, REGION_RAM);
	/* Page aligned, as high as it goes: 64 MiB - 0x12345, rounded down to a page. */
	CHECK_EQ(prepare(rd, 0x12345), 0);
	CHECK(lb.initrd == rd);
	CHECK_EQ(lb.initrd_len, 0x12345);
	CHECK_EQ(lb.initrd_gpa, 0x3fed000);
	CHECK_EQ(lb.initrd_gpa % 4096, 0);
	CHECK(lb.initrd_gpa + lb.initrd_len <= 64 * MiB);
	/* Exactly a page: the last page. */
	CHECK_EQ(prepare(rd, 4096), 0);
	CHECK_EQ(lb.initrd_gpa, 64 * MiB - 4096);
	/* A length without an initrd is ignored. */
	CHECK_EQ(prepare(NULL, 0x12345), 0);
	CHECK_EQ(lb.initrd_len, 0);
	CHECK_EQ(lb.initrd_gpa, 0);
	/* Below initrd_addr_max + 1 when that is lower than the end of RAM. */
	put32(image + H_INITRD_ADDR_MAX, 60 * MiB - 1);
	CHECK_EQ(prepare(rd, 0x12345), 0);
	CHECK_EQ(lb.initrd_gpa, (60 * MiB - 0x12345) & ~0xfffULL);
	cfg_free();
}

static void test_initrd_overlap_refused(void)
{
	static const u8 rd[16];

	build_kernel();
	cfg_begin();
	cfg_region(0, 64 * MiB, REGION_RAM);
	/* The kernel uses [16 MiB, 48 MiB): 16 MiB of initrd ends exactly there ... */
	CHECK_EQ(prepare(rd, 16 * MiB), 0);
	CHECK_EQ(lb.initrd_gpa, 48 * MiB);
	/* ... one byte more would overlap init_size. */
	CHECK(prepare(rd, 16 * MiB + 1) != 0);
	CHECK(strncmp(why, "initrd:", 7) == 0);
	CHECK_WHY("initrd:");
	CHECK(prepare(rd, 63 * MiB) != 0);
	CHECK_WHY("initrd:");
	/* Larger than all of RAM (must not wrap around). */
	CHECK(prepare(rd, 65 * MiB) != 0);
	CHECK_WHY("initrd:");
	CHECK(prepare(rd, ~0ULL) != 0);
	CHECK_WHY("initrd:");
	/* initrd_addr_max below the end of the kernel leaves no room at all. */
	put32(image + H_INITRD_ADDR_MAX, 48 * MiB - 1);
	CHECK(prepare(rd, 4096) != 0);
	CHECK_WHY("initrd:");
	/* Loaded low, the same RAM has room for more. */
	build_kernel();
	cfg_begin();
	cfg_region(0, 40 * MiB, REGION_RAM);
	CHECK_EQ(prepare(rd, 6 * MiB), 0);
	CHECK_EQ(lb.load_gpa, 0x200000);
	CHECK_EQ(lb.initrd_gpa, 34 * MiB);
	CHECK(prepare(rd, 6 * MiB + 1) != 0);
	CHECK_WHY("initrd:");
	cfg_free();
}

/* ---- several RAM regions (guest == host for DMA) ------------------------------------------ */

/* 1 MiB at 0 and 128 MiB at 128 MiB: pref_address (16 MiB) is no RAM, so the kernel goes to
 * the first aligned address of the big region and the initrd to its top. */
static void test_split_ram(void)
{
	static const u8 rd[16];

	build_kernel();
	cfg_begin();
	cfg_region(0, 1 * MiB, REGION_RAM);
	cfg_region(0x8000000, 128 * MiB, REGION_RAM);
	CHECK_EQ(prepare(rd, 0x12345), 0);
	CHECK_EQ(lb.load_gpa, 0x8000000);
	CHECK_EQ(lb.initrd_gpa, (0x10000000 - 0x12345) & ~0xfffULL);
	/* Not relocatable: pref_address or nothing. */
	image[H_RELOCATABLE] = 0;
	CHECK(prepare(NULL, 0) != 0);
	CHECK_WHY("does not fit");
	cfg_free();
}

/* The lowest fitting address wins, whatever the regions' order; a region too small for the
 * kernel, or shared, is passed over. */
static void test_lowest_region(void)
{
	build_kernel();
	put64(image + H_PREF_ADDRESS, 0x40000000); /* in no region */
	cfg_begin();
	cfg_region(0, 1 * MiB, REGION_RAM);
	cfg_region(0x8000000, 128 * MiB, REGION_RAM);
	cfg_region(0x4000000, 32 * MiB, REGION_RAM);	    /* exactly init_size: fits */
	cfg_region(0x2000000, 32 * MiB - 4096, REGION_RAM); /* one page short */
	cfg_region(0x100000, 64 * MiB, REGION_SHARED);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(lb.load_gpa, 0x4000000);
	/* An unaligned region start is aligned up inside the region. */
	cfg_begin();
	cfg_region(0, 1 * MiB, REGION_RAM);
	cfg_region(0x3100000, 40 * MiB, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	CHECK_EQ(lb.load_gpa, 0x3200000);
	cfg_free();
}

/* No room for the initrd above the kernel in its region: the highest other region where it
 * fits, below initrd_addr_max and never below 1 MiB. */
static void test_initrd_other_region(void)
{
	static const u8 rd[16];

	build_kernel();
	cfg_begin();
	cfg_region(0, 2 * MiB, REGION_RAM);
	cfg_region(0x1000000, 32 * MiB, REGION_RAM); /* the kernel fills it */
	cfg_region(0x4000000, 8 * MiB, REGION_RAM);
	cfg_region(0x8000000, 8 * MiB, REGION_RAM);
	CHECK_EQ(prepare(rd, 0x5000), 0);
	CHECK_EQ(lb.load_gpa, PREF_ADDRESS);
	CHECK_EQ(lb.initrd_gpa, 0x8800000 - 0x5000);
	/* initrd_addr_max below the highest region: the next one down. */
	put32(image + H_INITRD_ADDR_MAX, 0x7ffffff);
	CHECK_EQ(prepare(rd, 0x5000), 0);
	CHECK_EQ(lb.initrd_gpa, 0x4800000 - 0x5000);
	/* ... or cutting through it. */
	put32(image + H_INITRD_ADDR_MAX, 0x8003fff);
	CHECK_EQ(prepare(rd, 0x4000), 0);
	CHECK_EQ(lb.initrd_gpa, 0x8000000);
	/* Too big for every region: refused. */
	build_kernel();
	CHECK(prepare(rd, 8 * MiB + 1) != 0);
	CHECK_WHY("initrd:");
	/* Only the low region is left: its part above 1 MiB serves, never what is below. */
	cfg_begin();
	cfg_region(0, 2 * MiB, REGION_RAM);
	cfg_region(0x1000000, 32 * MiB, REGION_RAM);
	CHECK_EQ(prepare(rd, 0x5000), 0);
	CHECK_EQ(lb.initrd_gpa, 2 * MiB - 0x5000);
	CHECK(prepare(rd, 1 * MiB + 1) != 0);
	CHECK_WHY("initrd:");
	cfg_begin();
	cfg_region(0, 1 * MiB, REGION_RAM);
	cfg_region(0x1000000, 32 * MiB, REGION_RAM);
	CHECK(prepare(rd, 0x5000) != 0);
	CHECK_WHY("initrd:");
	cfg_free();
}

/* With an I/O APIC the partition's Linux must use it: no "noapic", and its MADT lists it. */
static void test_load_with_ioapic(void)
{
	static const struct guest_acpi_pci fn = {PT_BDF(0, 3, 0), 1, 11, true, false, 0, 0};
	struct arch_vm_entry e;
	const u8 *x, *m;
	bool found = false;

	build_kernel();
	cfg_begin();
	cfg_region(0, 64 * MiB, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	linux_load(&cfg, &lb, &plat, "console=ttyS0", &e);
	CHECK(strcmp((const char *)guest(0x8000), "noapic console=ttyS0") == 0);
	plat.ioapic = true;
	plat.ioapic_id = 3;
	plat.pci = &fn;
	plat.pci_count = 1;
	memset(guest(0x8000), 0x5a, 4096);
	linux_load(&cfg, &lb, &plat, "console=ttyS0", &e);
	CHECK(strcmp((const char *)guest(0x8000), "console=ttyS0") == 0);
	/* RSDP -> XSDT -> its second entry, the MADT: an I/O APIC entry (type 1) at 0xfec00000. */
	x = guest(get64(guest(0xe0000) + 24));
	CHECK(memcmp(x, "XSDT", 4) == 0);
	m = guest(get64(x + 44));
	CHECK(memcmp(m, "APIC", 4) == 0);
	for (u32 off = 44; off + 2 <= get32(m + 4) && m[off + 1] >= 2; off += m[off + 1])
		if (m[off] == 1 && m[off + 2] == 3 && get32(m + off + 4) == 0xfec00000u)
			found = true;
	CHECK(found);
	cfg_free();
}

/* ---- linux_load ------------------------------------------------------------------------- */

struct e820 {
	u64 addr, size;
	u32 type;
};

static struct e820 e820_at(const u8 *table, u32 i)
{
	const u8 *e = table + i * E820_SIZE;

	return (struct e820){get64(e), get64(e + 8), get32(e + 16)};
}

#define CHECK_E820(table, i, a, s, t)                                                              \
	do {                                                                                       \
		struct e820 e_ = e820_at(table, i);                                                \
		CHECK_EQ(e_.addr, a);                                                              \
		CHECK_EQ(e_.size, s);                                                              \
		CHECK_EQ(e_.type, t);                                                              \
	} while (0)

static void test_load(void)
{
	static const char cmdline[] = "console=ttyS0,115200 earlyprintk=serial rdinit=/init";
	const u64 rd_len = 0x2345;
	u8 *rd = malloc(rd_len);
	struct arch_vm_entry e;
	const u8 *zp, *rsdp, *xsdt;

	for (u64 i = 0; i < rd_len; i++)
		rd[i] = (u8)(i * 7 + 3);
	build_kernel();
	image[H_LOADFLAGS] = 0x81; /* LOADED_HIGH | CAN_USE_HEAP: the loader clears the heap */
	cfg_begin();
	cfg_region(0, 64 * MiB, REGION_RAM);
	CHECK_EQ(prepare(rd, rd_len), 0);
	memset(&e, 0xa5, sizeof(e));
	linux_load(&cfg, &lb, &plat, cmdline, &e);

	/* The protected-mode kernel, at load_gpa and nothing beyond it. */
	CHECK_EQ(lb.load_gpa, 0x1000000);
	CHECK(memcmp(guest(lb.load_gpa), image + SETUP_SIZE, KERNEL_SIZE) == 0);
	CHECK_EQ(*guest(lb.load_gpa + KERNEL_SIZE), 0);
	CHECK_EQ(*guest(lb.load_gpa - 1), 0);
	/* The initrd. */
	CHECK_EQ(lb.initrd_gpa, (64 * MiB - rd_len) & ~0xfffULL);
	CHECK(memcmp(guest(lb.initrd_gpa), rd, rd_len) == 0);

	/* The zero page. */
	zp = guest(0x7000);
	CHECK_EQ(zp[0], 0); /* nothing before the header is copied ("MZ" and junk) */
	CHECK_EQ(zp[0x1f0], 0);
	CHECK_EQ(zp[ZP_SENTINEL], 0);
	CHECK_EQ(zp[0x1f1], SETUP_SECTS);
	CHECK_EQ(get16(zp + 0x1fe), 0xaa55);
	CHECK(memcmp(zp + 0x202, "HdrS", 4) == 0);
	CHECK_EQ(get16(zp + 0x206), 0x020f);
	CHECK(memcmp(zp + H_SETUP_SECTS, image + H_SETUP_SECTS, 0x210 - H_SETUP_SECTS) == 0);
	CHECK_EQ(get32(zp + H_INIT_SIZE), INIT_SIZE);
	CHECK_EQ(get64(zp + H_PREF_ADDRESS), PREF_ADDRESS);
	CHECK_EQ(get32(zp + H_KERNEL_INFO), 0x1000);
	for (u32 i = H_END; i < ZP_E820_TABLE; i++) /* the real-mode code after the header */
		if (zp[i] != 0) {
			CHECK_EQ(i, 0);
			break;
		}
	CHECK_EQ(zp[ZP_TYPE_OF_LOADER], 0xff);
	CHECK_EQ(zp[ZP_LOADFLAGS], 0x01); /* LOADED_HIGH kept, CAN_USE_HEAP cleared */
	CHECK_EQ(get16(zp + ZP_HEAP_END_PTR), 0);
	CHECK_EQ(get32(zp + ZP_CODE32_START), lb.load_gpa);
	CHECK_EQ(get32(zp + ZP_RAMDISK_IMAGE), lb.initrd_gpa);
	CHECK_EQ(get32(zp + ZP_RAMDISK_SIZE), rd_len);
	CHECK_EQ(get32(zp + ZP_EXT_RAMDISK_IMAGE), 0);
	CHECK_EQ(get32(zp + ZP_EXT_RAMDISK_SIZE), 0);
	CHECK_EQ(get32(zp + ZP_CMD_LINE_PTR), 0x8000);
	CHECK_EQ(get32(zp + ZP_EXT_CMD_LINE_PTR), 0);
	/* "noapic " first: the partition has no I/O APIC (core/linux.h) */
	CHECK(strncmp((const char *)guest(0x8000), "noapic ", 7) == 0);
	CHECK(strcmp((const char *)guest(0x8000) + 7, cmdline) == 0);
	CHECK_EQ(get64(zp + ZP_ACPI_RSDP_ADDR), 0xe0000);

	/* The e820 map. */
	CHECK_EQ(zp[ZP_E820_ENTRIES], 3);
	CHECK_E820(zp + ZP_E820_TABLE, 0, 0, 0x9f000, E820_RAM);
	CHECK_E820(zp + ZP_E820_TABLE, 1, 0x9f000, 0x100000 - 0x9f000, E820_RESERVED);
	CHECK_E820(zp + ZP_E820_TABLE, 2, 0x100000, 64 * MiB - 0x100000, E820_RAM);
	CHECK_EQ(get64(zp + ZP_E820_TABLE + 3 * E820_SIZE), 0);

	/* The ACPI tables at 0xe0000, inside the reserved range. */
	rsdp = guest(0xe0000);
	CHECK(memcmp(rsdp, "RSD PTR ", 8) == 0);
	CHECK_EQ(sum(rsdp, 20), 0);
	CHECK_EQ(sum(rsdp, 36), 0);
	CHECK(get64(rsdp + 24) > 0xe0000 && get64(rsdp + 24) < 0x100000);
	xsdt = guest(get64(rsdp + 24));
	CHECK(memcmp(xsdt, "XSDT", 4) == 0);
	CHECK_EQ(sum(xsdt, get32(xsdt + 4)), 0);
	{
		const u8 *madt = guest(get64(xsdt + 44));

		CHECK(memcmp(madt, "APIC", 4) == 0);
		CHECK_EQ(get32(madt + 4), 44 + 2 * 8);
		CHECK_EQ(madt[44 + 3], 1); /* the row's APIC IDs */
		CHECK_EQ(madt[52 + 3], 2);
	}

	/* The 32-bit entry. */
	CHECK_EQ(e.rip, lb.load_gpa);
	CHECK_EQ(e.esi, 0x7000);
	CHECK_EQ(e.cs, 0x10);
	CHECK_EQ(e.ds, 0x18);
	CHECK_EQ(e.eax, 0);
	CHECK_EQ(e.ebx, 0);
	CHECK_EQ(e.rsp, 0);
	free(rd);
	cfg_free();
}

static void test_load_low_no_initrd(void)
{
	struct arch_vm_entry e;
	const u8 *zp;

	build_kernel();
	cfg_begin();
	cfg_region(0, 40 * MiB, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	linux_load(&cfg, &lb, &plat, "", &e);
	CHECK_EQ(e.rip, 0x200000);
	CHECK(memcmp(guest(0x200000), image + SETUP_SIZE, KERNEL_SIZE) == 0);
	zp = guest(0x7000);
	CHECK_EQ(get32(zp + ZP_CODE32_START), 0x200000);
	CHECK_EQ(get32(zp + ZP_RAMDISK_IMAGE), 0);
	CHECK_EQ(get32(zp + ZP_RAMDISK_SIZE), 0);
	CHECK_EQ(get32(zp + ZP_CMD_LINE_PTR), 0x8000);
	CHECK(strcmp((const char *)guest(0x8000), "noapic ") == 0);
	CHECK_EQ(zp[ZP_E820_ENTRIES], 3);
	CHECK_E820(zp + ZP_E820_TABLE, 2, 0x100000, 40 * MiB - 0x100000, E820_RAM);
	cfg_free();
}

/* The command line is cut to cmdline_size bytes, and never past the page it sits in. */
static void test_cmdline_limits(void)
{
	char long_line[3000];
	struct arch_vm_entry e;

	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = 0;
	build_kernel();
	cfg_begin();
	cfg_region(0, 64 * MiB, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	memset(guest(0x8000), 0x5a, 4096);
	linux_load(&cfg, &lb, &plat, long_line, &e);
	CHECK_EQ(strlen((const char *)guest(0x8000)), 2047);
	CHECK_EQ(*guest(0x8000 + 2048), 0x5a); /* nothing written past the NUL */

	put32(image + H_CMDLINE_SIZE, 15);
	CHECK_EQ(prepare(NULL, 0), 0);
	memset(guest(0x8000), 0x5a, 4096);
	linux_load(&cfg, &lb, &plat, "console=ttyS0 quiet", &e);
	CHECK(strcmp((const char *)guest(0x8000), "noapic console=") == 0);
	CHECK_EQ(*guest(0x8000 + 16), 0x5a);

	/* A kernel claiming more than the page still gets at most 2047 characters. */
	put32(image + H_CMDLINE_SIZE, 0x7fffffff);
	CHECK_EQ(prepare(NULL, 0), 0);
	memset(guest(0x8000), 0x5a, 4096);
	linux_load(&cfg, &lb, &plat, long_line, &e);
	CHECK_EQ(strlen((const char *)guest(0x8000)), 2047);
	/* The largest value the field can hold: also 2047 (cmdline_size + 1 must not wrap). */
	put32(image + H_CMDLINE_SIZE, 0xffffffff);
	CHECK_EQ(prepare(NULL, 0), 0);
	memset(guest(0x8000), 0x5a, 4096);
	linux_load(&cfg, &lb, &plat, long_line, &e);
	CHECK_EQ(strnlen((const char *)guest(0x8000), 4096), 2047);
	/* cmdline_size 0: an empty command line. */
	put32(image + H_CMDLINE_SIZE, 0);
	CHECK_EQ(prepare(NULL, 0), 0);
	memset(guest(0x8000), 0x5a, 4096);
	linux_load(&cfg, &lb, &plat, "console=ttyS0", &e);
	CHECK_EQ(*guest(0x8000), 0);
	CHECK_EQ(*guest(0x8000 + 1), 0x5a);
	cfg_free();
}

static void test_load_shared_region(void)
{
	struct arch_vm_entry e;
	const u8 *zp;

	build_kernel();
	cfg_begin();
	cfg_region(0, 64 * MiB, REGION_RAM);
	cfg_region(0x8000000, 2 * MiB, REGION_SHARED);
	CHECK_EQ(prepare(NULL, 0), 0);
	linux_load(&cfg, &lb, &plat, "x", &e);
	zp = guest(0x7000);
	CHECK_EQ(zp[ZP_E820_ENTRIES], 4);
	CHECK_E820(zp + ZP_E820_TABLE, 0, 0, 0x9f000, E820_RAM);
	CHECK_E820(zp + ZP_E820_TABLE, 1, 0x9f000, 0x61000, E820_RESERVED);
	CHECK_E820(zp + ZP_E820_TABLE, 2, 0x100000, 64 * MiB - 0x100000, E820_RAM);
	CHECK_E820(zp + ZP_E820_TABLE, 3, 0x8000000, 2 * MiB, E820_RESERVED);
	cfg_free();
}

/* A partition given an MMCONFIG window: the zero page's e820 map reserves exactly the buses
 * its MCFG (PCI Firmware 3.2 §4.1.2) lists, and nothing else changes. */
static void test_load_mmcfg(void)
{
	static const struct guest_acpi_pci fn = {PT_BDF(0, 3, 0), 1, 11, true, false, 0, 0};
	struct arch_vm_entry e;
	const u8 *zp, *x, *m;
	u64 base;

	build_kernel();
	cfg_begin();
	cfg_region(0, 64 * MiB, REGION_RAM);
	CHECK_EQ(prepare(NULL, 0), 0);
	plat.ioapic = true;
	plat.pci = &fn;
	plat.pci_count = 1;
	plat.mmcfg_base = 0xb0000000ULL;
	plat.mmcfg_start = 0;
	plat.mmcfg_end = 0x3f;
	linux_load(&cfg, &lb, &plat, "x", &e);
	zp = guest(0x7000);
	CHECK_EQ(zp[ZP_E820_ENTRIES], 4);
	CHECK_E820(zp + ZP_E820_TABLE, 0, 0, 0x9f000, E820_RAM);
	CHECK_E820(zp + ZP_E820_TABLE, 1, 0x9f000, 0x61000, E820_RESERVED);
	CHECK_E820(zp + ZP_E820_TABLE, 2, 0x100000, 64 * MiB - 0x100000, E820_RAM);
	CHECK_E820(zp + ZP_E820_TABLE, 3, 0xb0000000ULL, 64 * MiB, E820_RESERVED);
	/* RSDP -> XSDT -> its third entry, the MCFG: the entry above is its allocation's buses
	 * (base address + start bus << 20 to base + (end bus + 1) << 20). */
	x = guest(get64(guest(0xe0000) + 24));
	CHECK(memcmp(x, "XSDT", 4) == 0);
	CHECK_EQ(get32(x + 4), 36 + 3 * 8);
	m = guest(get64(x + 52));
	CHECK(memcmp(m, "MCFG", 4) == 0);
	base = get64(m + 44);
	CHECK_EQ(base, 0xb0000000ULL);
	CHECK_EQ(get16(m + 52), 0);
	CHECK_E820(zp + ZP_E820_TABLE, 3, base + ((u64)m[54] << 20), (u64)(m[55] + 1 - m[54]) << 20,
		   E820_RESERVED);

	/* No window: no entry, and the XSDT lists no MCFG. */
	plat.mmcfg_base = 0;
	memset(guest(0x7000), 0x5a, 4096);
	linux_load(&cfg, &lb, &plat, "x", &e);
	CHECK_EQ(zp[ZP_E820_ENTRIES], 3);
	CHECK_EQ(get32(x + 4), 36 + 2 * 8);
	cfg_free();
}

/* ---- linux_e820 alone ------------------------------------------------------------------- */

static void set_region(u32 i, u64 guest_addr, u64 size, u32 kind)
{
	cfg.mem.r[i] = (struct pt_region){.phys = 0x40000000ULL + i * 0x10000000ULL,
					  .size = size,
					  .guest = guest_addr,
					  .access = MEM_RW,
					  .kind = kind};
	if (cfg.mem.count <= i)
		cfg.mem.count = i + 1;
}

static void test_e820_two_ram_regions(void)
{
	u8 t[LINUX_E820_MAX * E820_SIZE];

	cfg_begin();
	set_region(0, 0, 64 * MiB, REGION_RAM);
	set_region(1, 4 * GiB, 256 * MiB, REGION_RAM);
	memset(t, 0xee, sizeof(t));
	CHECK_EQ(linux_e820(&cfg, &plat, t), 4);
	CHECK_E820(t, 0, 0, 0x9f000, E820_RAM);
	CHECK_E820(t, 1, 0x9f000, 0x61000, E820_RESERVED);
	CHECK_E820(t, 2, 0x100000, 63 * MiB, E820_RAM);
	CHECK_E820(t, 3, 4 * GiB, 256 * MiB, E820_RAM);
	CHECK_EQ(t[4 * E820_SIZE], 0xee); /* nothing written past the last entry */

	/* MMIO is not listed; SHARED is reserved; a RAM region above 1 MiB is listed whole. */
	cfg_begin();
	set_region(0, 0, 2 * MiB, REGION_RAM);
	set_region(1, 0xfe000000ULL, 0x1000, REGION_MMIO);
	set_region(2, 16 * MiB, 16 * MiB, REGION_RAM);
	set_region(3, 0xc0000000ULL, 0x200000, REGION_SHARED);
	memset(t, 0xee, sizeof(t));
	CHECK_EQ(linux_e820(&cfg, &plat, t), 5);
	CHECK_E820(t, 0, 0, 0x9f000, E820_RAM);
	CHECK_E820(t, 1, 0x9f000, 0x61000, E820_RESERVED);
	CHECK_E820(t, 2, 0x100000, 1 * MiB, E820_RAM);
	CHECK_E820(t, 3, 16 * MiB, 16 * MiB, E820_RAM);
	CHECK_E820(t, 4, 0xc0000000ULL, 0x200000, E820_RESERVED);
	cfg_free();
}

/* The window's entry follows the row's: from bus start's 1 MiB to the end of bus end's, a
 * 64-bit base as it is; none without a base or a platform. */
static void test_e820_mmcfg(void)
{
	u8 t[LINUX_E820_MAX * E820_SIZE];

	cfg_begin();
	set_region(0, 0, 64 * MiB, REGION_RAM);
	set_region(1, 4 * GiB, 256 * MiB, REGION_RAM);
	plat.mmcfg_base = 0xe0000000ULL;
	plat.mmcfg_start = 2;
	plat.mmcfg_end = 0x1f;
	memset(t, 0xee, sizeof(t));
	CHECK_EQ(linux_e820(&cfg, &plat, t), 5);
	CHECK_E820(t, 3, 4 * GiB, 256 * MiB, E820_RAM);
	CHECK_E820(t, 4, 0xe0000000ULL + 2 * MiB, 30 * MiB, E820_RESERVED);
	CHECK_EQ(t[5 * E820_SIZE], 0xee); /* nothing written past the last entry */

	/* One bus; all 256 at a base above 4 GiB. */
	plat.mmcfg_start = plat.mmcfg_end = 7;
	CHECK_EQ(linux_e820(&cfg, &plat, t), 5);
	CHECK_E820(t, 4, 0xe0000000ULL + 7 * MiB, 1 * MiB, E820_RESERVED);
	plat.mmcfg_base = 0x3f00000000ULL;
	plat.mmcfg_start = 0;
	plat.mmcfg_end = 0xff;
	CHECK_EQ(linux_e820(&cfg, &plat, t), 5);
	CHECK_E820(t, 4, 0x3f00000000ULL, 256 * MiB, E820_RESERVED);

	/* No base (whatever the buses say), no platform: the row's entries alone. */
	plat.mmcfg_base = 0;
	memset(t, 0xee, sizeof(t));
	CHECK_EQ(linux_e820(&cfg, &plat, t), 4);
	CHECK_EQ(t[4 * E820_SIZE], 0xee);
	CHECK_EQ(linux_e820(&cfg, NULL, t), 4);
	CHECK_EQ(t[4 * E820_SIZE], 0xee);
	cfg_free();
}

/* A channel's memory is a PCI function's BAR (core/vchan.c): the REGION_SHARED region a
 * function's ram_bar and ram_bar_size cover exactly is left out of the map, as a BAR is on
 * hardware; one no function covers exactly is still listed as reserved (a BAR's size at
 * another base, its base with another size, a base without a size). */
static void test_e820_channel_bar(void)
{
	u8 t[LINUX_E820_MAX * E820_SIZE];
	struct guest_acpi_pci fn[4] = {
	    {.bdf = PT_BDF(0, 2, 0), .pin = 1, .gsi = 11}, /* a device of its own: no RAM BAR */
	    {.bdf = PT_BDF(0, 0x10, 0),
	     .pin = 1,
	     .gsi = 24,
	     .ram_bar = 0xc0000000ULL,
	     .ram_bar_size = 64 * 1024},
	    {.bdf = PT_BDF(0, 0x11, 0),
	     .pin = 1,
	     .gsi = 25,
	     .ram_bar = 0x440200000ULL,
	     .ram_bar_size = 2 * MiB},
	    {.bdf = PT_BDF(0, 0x12, 0),
	     .pin = 1,
	     .gsi = 26,
	     .ram_bar = 0xf0000000ULL,
	     .ram_bar_size = 0x20000},
	};

	cfg_begin();
	set_region(0, 0, 64 * MiB, REGION_RAM);
	set_region(1, 0xc0000000ULL, 64 * 1024, REGION_SHARED); /* fn[1]'s BAR */
	set_region(2, 0xd0000000ULL, 0x200000, REGION_SHARED);	/* nobody's BAR */
	set_region(3, 0x440200000ULL, 2 * MiB, REGION_SHARED);	/* fn[2]'s BAR */
	set_region(4, 0xe0000000ULL, 0x10000, REGION_SHARED);	/* fn[0]'s base, no size */
	set_region(5, 0x440000000ULL, 2 * MiB, REGION_SHARED);	/* fn[2]'s size, not base */
	set_region(6, 0xf0000000ULL, 0x10000, REGION_SHARED);	/* fn[3]'s base, not size */
	plat.pci = fn;
	plat.pci_count = 4;
	fn[0].ram_bar = 0xe0000000ULL; /* a base without a size is no RAM BAR */
	memset(t, 0xee, sizeof(t));
	CHECK_EQ(linux_e820(&cfg, &plat, t), 7);
	CHECK_E820(t, 0, 0, 0x9f000, E820_RAM);
	CHECK_E820(t, 1, 0x9f000, 0x61000, E820_RESERVED);
	CHECK_E820(t, 2, 0x100000, 63 * MiB, E820_RAM);
	CHECK_E820(t, 3, 0xd0000000ULL, 0x200000, E820_RESERVED);
	CHECK_E820(t, 4, 0xe0000000ULL, 0x10000, E820_RESERVED);
	CHECK_E820(t, 5, 0x440000000ULL, 2 * MiB, E820_RESERVED);
	CHECK_E820(t, 6, 0xf0000000ULL, 0x10000, E820_RESERVED);
	CHECK_EQ(t[7 * E820_SIZE], 0xee); /* nothing written past the last entry */
	for (u32 i = 0; i < 7; i++) {
		CHECK(e820_at(t, i).addr != 0xc0000000ULL);
		CHECK(e820_at(t, i).addr != 0x440200000ULL);
	}

	/* the same rows without the functions (or without a platform): every region listed */
	plat.pci_count = 0;
	CHECK_EQ(linux_e820(&cfg, &plat, t), 9);
	CHECK_E820(t, 3, 0xc0000000ULL, 64 * 1024, E820_RESERVED);
	CHECK_E820(t, 5, 0x440200000ULL, 2 * MiB, E820_RESERVED);
	CHECK_EQ(linux_e820(&cfg, NULL, t), 9);
	/* a RAM region is RAM, whatever a function says */
	plat.pci_count = 4;
	cfg.mem.r[1].kind = REGION_RAM;
	CHECK_EQ(linux_e820(&cfg, &plat, t), 8);
	CHECK_E820(t, 3, 0xc0000000ULL, 64 * 1024, E820_RAM);
	plat.pci = NULL;
	plat.pci_count = 0;
	cfg_free();
}

/* RAM regions that end or start inside the low megabyte. */
static void test_e820_low_edges(void)
{
	u8 t[LINUX_E820_MAX * E820_SIZE];

	/* Ends below 0x9f000: plain RAM. */
	cfg_begin();
	set_region(0, 0, 0x80000, REGION_RAM);
	CHECK_EQ(linux_e820(&cfg, &plat, t), 1);
	CHECK_E820(t, 0, 0, 0x80000, E820_RAM);
	/* Ends exactly at 0x9f000. */
	cfg_begin();
	set_region(0, 0, 0x9f000, REGION_RAM);
	CHECK_EQ(linux_e820(&cfg, &plat, t), 1);
	CHECK_E820(t, 0, 0, 0x9f000, E820_RAM);
	/* Ends inside the hole: the rest of it is reserved, no RAM above. */
	cfg_begin();
	set_region(0, 0, 0xc0000, REGION_RAM);
	CHECK_EQ(linux_e820(&cfg, &plat, t), 2);
	CHECK_E820(t, 0, 0, 0x9f000, E820_RAM);
	CHECK_E820(t, 1, 0x9f000, 0x21000, E820_RESERVED);
	/* Ends exactly at 1 MiB. */
	cfg_begin();
	set_region(0, 0, 0x100000, REGION_RAM);
	CHECK_EQ(linux_e820(&cfg, &plat, t), 2);
	CHECK_E820(t, 1, 0x9f000, 0x61000, E820_RESERVED);
	/* Starts inside the hole. */
	cfg_begin();
	set_region(0, 0xa0000, 0x100000, REGION_RAM);
	CHECK_EQ(linux_e820(&cfg, &plat, t), 2);
	CHECK_E820(t, 0, 0xa0000, 0x60000, E820_RESERVED);
	CHECK_E820(t, 1, 0x100000, 0xa0000, E820_RAM);
	/* No regions. */
	cfg_begin();
	CHECK_EQ(linux_e820(&cfg, &plat, t), 0);
	cfg_free();
}

int main(void)
{
	RUN(test_split_ram);
	RUN(test_lowest_region);
	RUN(test_initrd_other_region);
	RUN(test_load_with_ioapic);
	RUN(test_load_at_pref_address);
	RUN(test_load_low_when_small);
	RUN(test_does_not_fit);
	RUN(test_load_in_second_region);
	RUN(test_pref_address_below_1mib);
	RUN(test_needs_ram_at_zero);
	RUN(test_corrupt_kernel);
	RUN(test_initrd_at_top);
	RUN(test_initrd_overlap_refused);
	RUN(test_load);
	RUN(test_load_low_no_initrd);
	RUN(test_cmdline_limits);
	RUN(test_load_shared_region);
	RUN(test_load_mmcfg);
	RUN(test_e820_two_ram_regions);
	RUN(test_e820_mmcfg);
	RUN(test_e820_channel_bar);
	RUN(test_e820_low_edges);
	CHECK_MAIN_END();
}
