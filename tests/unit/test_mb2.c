/*
 * Unit tests for core/mb2.c. Every block is assembled by a small builder and
 * handed to the parser in an exactly-sized heap buffer, so ASan reports any
 * read past its end.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/log.h"
#include "core/mb2.h"
#include "tests/unit/check.h"

#define INFO_PHYS 0x10a000ULL

/* ---- builder ------------------------------------------------------------------------- */

struct builder {
	u8 data[32768];
	size_t len;
};

static struct builder B;
static struct mb2_info info;
static char expect[512];

/* CHECK_LOG with a printf-formatted expectation. */
#define CHECK_LOGF(...)                                                                            \
	do {                                                                                       \
		snprintf(expect, sizeof(expect), __VA_ARGS__);                                     \
		CHECK_LOG(expect);                                                                 \
	} while (0)

static void put32(u8 *p, u32 v)
{
	memcpy(p, &v, sizeof(v));
}

static void put64(u8 *p, u64 v)
{
	memcpy(p, &v, sizeof(v));
}

static u32 get32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void b_init(struct builder *b)
{
	memset(b->data, 0, sizeof(b->data));
	b->len = 8; /* total_size and reserved, filled by b_end() */
}

static void b_bytes(struct builder *b, const void *p, size_t n)
{
	memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void b_u32(struct builder *b, u32 v)
{
	put32(b->data + b->len, v);
	b->len += 4;
}

static void b_u64(struct builder *b, u64 v)
{
	put64(b->data + b->len, v);
	b->len += 8;
}

/* Start a tag; returns its offset for b_close() and for expected messages. */
static size_t b_open(struct builder *b, u32 type)
{
	size_t at = b->len;

	b_u32(b, type);
	b_u32(b, 0);
	return at;
}

/* Set the tag's size to what was written and pad to the next 8-byte boundary. */
static void b_close(struct builder *b, size_t at)
{
	put32(b->data + at + 4, (u32)(b->len - at));
	b->len = align_up(b->len, 8);
}

static size_t b_raw_tag(struct builder *b, u32 type, const void *payload, size_t n)
{
	size_t at = b_open(b, type);

	b_bytes(b, payload, n);
	b_close(b, at);
	return at;
}

static size_t b_string_tag(struct builder *b, u32 type, const char *s)
{
	return b_raw_tag(b, type, s, strlen(s) + 1);
}

static size_t b_module(struct builder *b, u32 start, u32 end, const char *s)
{
	size_t at = b_open(b, MB2_TAG_MODULE);

	b_u32(b, start);
	b_u32(b, end);
	b_bytes(b, s, strlen(s) + 1);
	b_close(b, at);
	return at;
}

static size_t b_meminfo(struct builder *b, u32 lower, u32 upper)
{
	size_t at = b_open(b, MB2_TAG_MEMINFO);

	b_u32(b, lower);
	b_u32(b, upper);
	b_close(b, at);
	return at;
}

/* A memory map with `entry_size`-byte entries; bytes beyond the 24 we know are 0xee. */
static size_t b_mmap(struct builder *b, const struct mb2_mmap_entry *e, size_t n, u32 entry_size)
{
	size_t at = b_open(b, MB2_TAG_MMAP);

	b_u32(b, entry_size);
	b_u32(b, 0);
	for (size_t i = 0; i < n; i++) {
		size_t start = b->len;
		b_u64(b, e[i].addr);
		b_u64(b, e[i].len);
		b_u32(b, e[i].type);
		b_u32(b, 0);
		memset(b->data + b->len, 0xee, entry_size - (b->len - start));
		b->len = start + entry_size;
	}
	b_close(b, at);
	return at;
}

static size_t b_u64_tag(struct builder *b, u32 type, u64 v)
{
	size_t at = b_open(b, type);

	b_u64(b, v);
	b_close(b, at);
	return at;
}

static size_t b_u32_tag(struct builder *b, u32 type, u32 v)
{
	size_t at = b_open(b, type);

	b_u32(b, v);
	b_close(b, at);
	return at;
}

/* Add the end tag and set total_size; returns the end tag's offset. */
static size_t b_end(struct builder *b)
{
	size_t at = b_open(b, MB2_TAG_END);

	b_close(b, at);
	put32(b->data, (u32)b->len);
	return at;
}

/* Set total_size without adding an end tag. */
static void b_seal(struct builder *b)
{
	put32(b->data, (u32)b->len);
}

/* Exactly-sized heap copy of the first `len` bytes: ASan flags any read past it. */
static u8 *heap_copy(const void *src, size_t len)
{
	u8 *p = malloc(len ? len : 1);

	memcpy(p, src, len);
	return p;
}

/* Parse the builder's block from an exactly-sized heap buffer. */
static int parse_builder(struct builder *b)
{
	u8 *p = heap_copy(b->data, b->len);
	int rc = mb2_parse(p, b->len, INFO_PHYS, &info);

	free(p);
	return rc;
}

/* Count non-overlapping occurrences of `s` in the captured log. */
static int log_count(const char *s)
{
	int n = 0;

	for (const char *p = strstr(capture_text(), s); p; p = strstr(p + strlen(s), s))
		n++;
	return n;
}

/* ---- realistic blocks ---------------------------------------------------------------- */

/* Byte strings sized to drop the literal's NUL: signature, checksum, OEM ID, revision, ... */
static const u8 rsdp_v1[MB2_RSDP_V1_LEN] = "RSD PTR "
					   "\x4e"
					   "BOCHS "
					   "\0"
					   "\x40\xe3\xfd\xbf";
static const u8 rsdp_v2[MB2_RSDP_V2_LEN] = "RSD PTR "
					   "\x9a"
					   "INTEL "
					   "\x02"
					   "\x14\x60\x7f\x7f"
					   "\x24\0\0\0"
					   "\xe8\x60\x7f\x7f\0\0\0\0"
					   "\x5c\0\0\0";

/* What GRUB 2.06 under SeaBIOS gives a 4 GiB QEMU guest. */
static const char bios_cmdline[] = "/boot/bulkhead.bin loglevel=debug serial=com1 quiet";
static const char bios_loader[] = "GRUB 2.06-13+deb12u1";
static const struct mb2_module bios_mods[] = {
    {0x124000, 0x133000, "rt0"},
    {0x133000, 0x9a5200, "linux0 console=ttyS0,115200 root=/dev/vda"},
    {0x9a6000, 0x9a6000, "rt01 prio=3"}, /* an empty file is a valid module */
};
static const struct mb2_mmap_entry bios_mmap[] = {
    {0x0, 0x9fc00, 1},	       {0x9fc00, 0x400, 2},	     {0xf0000, 0x10000, 2},
    {0x100000, 0xbfee0000, 1}, {0xbffe0000, 0x20000, 2},     {0xfeffc000, 0x4000, 2},
    {0xfffc0000, 0x40000, 2},  {0x100000000, 0x40000000, 1},
};
static size_t bios_tag_count;

static void build_bios(struct builder *b)
{
	/* biosdev 0xe0 (CD), no partition, no sub-partition */
	static const u8 bootdev[12] = "\xe0\0\0\0\xff\xff\xff\xff\xff\xff\xff\xff";
	static const u8 elf[20] = {5, 0, 0, 0, 64, 0, 0, 0, 4};
	static const u8 apm[20] = {1, 1, 0xf0};

	b_init(b);
	b_string_tag(b, MB2_TAG_CMDLINE, bios_cmdline);
	b_string_tag(b, MB2_TAG_LOADER_NAME, bios_loader);
	for (size_t i = 0; i < ARRAY_SIZE(bios_mods); i++)
		b_module(b, (u32)bios_mods[i].start, (u32)bios_mods[i].end, bios_mods[i].cmdline);
	b_meminfo(b, 639, 3144576);
	b_raw_tag(b, MB2_TAG_BOOTDEV, bootdev, sizeof(bootdev));
	b_mmap(b, bios_mmap, ARRAY_SIZE(bios_mmap), 24);
	b_raw_tag(b, MB2_TAG_ELF_SECTIONS, elf, sizeof(elf));
	b_raw_tag(b, MB2_TAG_APM, apm, sizeof(apm));
	b_raw_tag(b, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	bios_tag_count = 2 + ARRAY_SIZE(bios_mods) + 6;
	b_end(b);
}

/* What GRUB 2.12 on OVMF gives: no meminfo, EFI tags, a fragmented memory map. */
#define UEFI_MMAP_N  40
#define UEFI_SYSTAB  0x7f9ee018ULL
#define UEFI_IHANDLE 0x7e1c4a98ULL
static const char uefi_cmdline[] = "loglevel=info";
static const char uefi_loader[] = "GRUB 2.12";
static const struct mb2_module uefi_mods[] = {
    {0x7d000000, 0x7d00f000, "rt0 cpus=1"},
    {0x7d010000, 0x7d8a0000, "linux0 console=ttyS0"},
};
static struct mb2_mmap_entry uefi_mmap[UEFI_MMAP_N];
static size_t uefi_tag_count;

static void build_uefi(struct builder *b)
{
	static const u32 types[] = {1, 2, 1, 3, 1, 4, 1, 2, 5, 1, 2};
	u64 addr = 0;
	size_t at;

	for (size_t i = 0; i < UEFI_MMAP_N; i++) {
		uefi_mmap[i].addr = addr;
		uefi_mmap[i].len = (u64)((i * 7) % 5 + 1) * 0x1000 * (i + 1);
		uefi_mmap[i].type = types[i % ARRAY_SIZE(types)];
		addr += uefi_mmap[i].len + (i % 3 == 0 ? 0x1000 : 0);
	}
	uefi_mmap[UEFI_MMAP_N - 1].addr = 0x100000000ULL;
	uefi_mmap[UEFI_MMAP_N - 1].len = 0x180000000ULL;

	b_init(b);
	b_string_tag(b, MB2_TAG_CMDLINE, uefi_cmdline);
	b_string_tag(b, MB2_TAG_LOADER_NAME, uefi_loader);
	for (size_t i = 0; i < ARRAY_SIZE(uefi_mods); i++)
		b_module(b, (u32)uefi_mods[i].start, (u32)uefi_mods[i].end, uefi_mods[i].cmdline);
	b_u64_tag(b, MB2_TAG_EFI64, UEFI_SYSTAB);
	b_u64_tag(b, MB2_TAG_EFI64_IH, UEFI_IHANDLE);
	b_mmap(b, uefi_mmap, UEFI_MMAP_N, 24);
	at = b_open(b, MB2_TAG_FRAMEBUFFER);
	b_u64(b, 0x80000000);
	b_u32(b, 4096);
	b_u32(b, 1024);
	b_u32(b, 768);
	b_u32(b, 0x0120);
	b_close(b, at);
	b_raw_tag(b, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	b_raw_tag(b, MB2_TAG_ACPI_NEW, rsdp_v2, sizeof(rsdp_v2));
	at = b_open(b, MB2_TAG_EFI_MMAP);
	b_u32(b, 48);
	b_u32(b, 1);
	for (size_t i = 0; i < UEFI_MMAP_N; i++) {
		u8 d[48] = {0};
		put32(d, uefi_mmap[i].type == 1 ? 7 : 0);
		put64(d + 8, uefi_mmap[i].addr);
		put64(d + 24, uefi_mmap[i].len / 4096);
		b_bytes(b, d, sizeof(d));
	}
	b_close(b, at);
	b_u32_tag(b, MB2_TAG_LOAD_BASE, 0x200000);
	uefi_tag_count = 2 + ARRAY_SIZE(uefi_mods) + 8;
	b_end(b);
}

static void check_modules(const struct mb2_module *want, size_t n)
{
	CHECK_EQ(info.module_count, n);
	CHECK_EQ(info.modules_dropped, 0);
	for (size_t i = 0; i < n && i < MAX_MODULES; i++) {
		CHECK_EQ(info.modules[i].start, want[i].start);
		CHECK_EQ(info.modules[i].end, want[i].end);
		CHECK(strcmp(info.modules[i].cmdline, want[i].cmdline) == 0);
	}
}

static void check_mmap(const struct mb2_mmap_entry *want, size_t n)
{
	CHECK_EQ(info.mmap_count, n);
	CHECK_EQ(info.mmap_dropped, 0);
	for (size_t i = 0; i < n && i < MAX_MMAP; i++) {
		CHECK_EQ(info.mmap[i].addr, want[i].addr);
		CHECK_EQ(info.mmap[i].len, want[i].len);
		CHECK_EQ(info.mmap[i].type, want[i].type);
	}
}

static void test_bios_block(void)
{
	build_bios(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(info.info_phys, INFO_PHYS);
	CHECK_EQ(info.total_size, B.len);
	CHECK(info.has_cmdline);
	CHECK(strcmp(info.cmdline, bios_cmdline) == 0);
	CHECK(strcmp(info.loader_name, bios_loader) == 0);
	CHECK(info.has_meminfo);
	CHECK_EQ(info.mem_lower_kb, 639);
	CHECK_EQ(info.mem_upper_kb, 3144576);
	check_mmap(bios_mmap, ARRAY_SIZE(bios_mmap));
	check_modules(bios_mods, ARRAY_SIZE(bios_mods));
	CHECK_EQ(info.rsdp_tag, MB2_TAG_ACPI_OLD);
	CHECK_EQ(info.rsdp_len, MB2_RSDP_V1_LEN);
	CHECK(memcmp(info.rsdp, rsdp_v1, sizeof(rsdp_v1)) == 0);
	CHECK_EQ(info.rsdp[MB2_RSDP_V1_LEN], 0);
	CHECK(!info.has_efi32 && !info.has_efi64 && !info.has_efi_mmap);
	CHECK(!info.efi_boot_services_not_terminated);
	CHECK_EQ(info.efi64_system_table, 0);
	CHECK_EQ(info.efi32_system_table, 0);
	CHECK_EQ(info.efi64_image_handle, 0);
	CHECK_EQ(info.efi32_image_handle, 0);
	CHECK_EQ(info.tag_count, bios_tag_count);
	CHECK_EQ(capture_text()[0], 0); /* a good block logs nothing at info level */
}

static void test_uefi_block(void)
{
	build_uefi(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(info.info_phys, INFO_PHYS);
	CHECK_EQ(info.total_size, B.len);
	CHECK(info.has_cmdline);
	CHECK(strcmp(info.cmdline, uefi_cmdline) == 0);
	CHECK(strcmp(info.loader_name, uefi_loader) == 0);
	CHECK(!info.has_meminfo);
	CHECK_EQ(info.mem_lower_kb, 0);
	CHECK_EQ(info.mem_upper_kb, 0);
	check_mmap(uefi_mmap, UEFI_MMAP_N);
	check_modules(uefi_mods, ARRAY_SIZE(uefi_mods));
	CHECK_EQ(info.rsdp_tag, MB2_TAG_ACPI_NEW); /* 15 preferred over the 14 before it */
	CHECK_EQ(info.rsdp_len, MB2_RSDP_V2_LEN);
	CHECK(memcmp(info.rsdp, rsdp_v2, sizeof(rsdp_v2)) == 0);
	CHECK(info.has_efi64);
	CHECK_EQ(info.efi64_system_table, UEFI_SYSTAB);
	CHECK_EQ(info.efi64_image_handle, UEFI_IHANDLE);
	CHECK(!info.has_efi32);
	CHECK_EQ(info.efi32_system_table, 0);
	CHECK_EQ(info.efi32_image_handle, 0);
	CHECK(info.has_efi_mmap);
	CHECK(!info.efi_boot_services_not_terminated);
	CHECK_EQ(info.tag_count, uefi_tag_count);
	CHECK_EQ(capture_text()[0], 0);
}

/* Tags 11, 18, 19: a 32-bit EFI loader that left boot services running. */
static void test_efi32_tags(void)
{
	b_init(&B);
	b_u32_tag(&B, MB2_TAG_EFI32, 0x7fa0e018);
	b_raw_tag(&B, MB2_TAG_EFI_BS, "", 0);
	b_u32_tag(&B, MB2_TAG_EFI32_IH, 0x7e000a10);
	b_end(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK(info.has_efi32);
	CHECK_EQ(info.efi32_system_table, 0x7fa0e018);
	CHECK(info.efi_boot_services_not_terminated);
	CHECK_EQ(info.efi32_image_handle, 0x7e000a10);
	CHECK(!info.has_efi64 && !info.has_cmdline && !info.has_meminfo);
	CHECK_EQ(info.loader_name[0], 0);
	CHECK_EQ(info.cmdline[0], 0);
	CHECK_EQ(info.tag_count, 3);
}

/* The smallest valid block: header and end tag. */
static void test_minimal_block(void)
{
	b_init(&B);
	b_end(&B);
	CHECK_EQ(B.len, 16);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(info.total_size, 16);
	CHECK_EQ(info.tag_count, 0);
	CHECK_EQ(info.mmap_count, 0);
	CHECK_EQ(info.module_count, 0);
}

static void test_rsdp_prefers_v2(void)
{
	/* 15 before 14: the later 14 must not replace it. */
	b_init(&B);
	b_raw_tag(&B, MB2_TAG_ACPI_NEW, rsdp_v2, sizeof(rsdp_v2));
	b_raw_tag(&B, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	b_end(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(info.rsdp_tag, MB2_TAG_ACPI_NEW);
	CHECK_EQ(info.rsdp_len, MB2_RSDP_V2_LEN);
	CHECK(memcmp(info.rsdp, rsdp_v2, sizeof(rsdp_v2)) == 0);

	/* A longer tag (padding after the RSDP) is fine; only the RSDP is copied. */
	u8 big[MB2_RSDP_V1_LEN + 12];
	memset(big, 0xaa, sizeof(big));
	memcpy(big, rsdp_v1, sizeof(rsdp_v1));
	b_init(&B);
	b_raw_tag(&B, MB2_TAG_ACPI_OLD, big, sizeof(big));
	b_end(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(info.rsdp_tag, MB2_TAG_ACPI_OLD);
	CHECK_EQ(info.rsdp_len, MB2_RSDP_V1_LEN);
	CHECK(memcmp(info.rsdp, rsdp_v1, sizeof(rsdp_v1)) == 0);
	CHECK_EQ(info.rsdp[MB2_RSDP_V1_LEN], 0);
}

/* ---- malformed: the block as a whole ------------------------------------------------- */

static void test_null_args(void)
{
	CHECK_EQ(mb2_parse(NULL, 4096, 0, &info), E_INVAL);
	CHECK_LOG("mb2: no boot information (NULL pointer)");
	b_init(&B);
	b_end(&B);
	capture_reset();
	CHECK_EQ(mb2_parse(B.data, B.len, 0, NULL), E_INVAL);
	CHECK_LOG("mb2: no output struct");
}

static void test_limit_below_header(void)
{
	u8 *p = heap_copy("\x10\0\0\0", 4);

	CHECK_EQ(mb2_parse(p, 4, 0, &info), E_RANGE);
	CHECK_LOG("mb2: only 4 bytes readable, the fixed header needs 8");
	capture_reset();
	CHECK_EQ(mb2_parse(p, 0, 0, &info), E_RANGE);
	CHECK_LOG("mb2: only 0 bytes readable");
	free(p);
}

static void test_total_too_small(void)
{
	static const u32 sizes[] = {0, 7, 8, 12, 15};

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 hdr[16] = {0};
		put32(hdr, sizes[i]);
		/* Exactly 8 bytes readable: the check must come before any tag is touched. */
		u8 *p = heap_copy(hdr, 8);
		capture_reset();
		CHECK_EQ(mb2_parse(p, 8, 0, &info), E_INVAL);
		CHECK_LOGF("mb2: info too small: total_size %u, needs at least 16", sizes[i]);
		free(p);
	}
}

static void test_total_too_large(void)
{
	build_bios(&B);
	put32(B.data, (u32)B.len + 8);
	CHECK_EQ(parse_builder(&B), E_RANGE);
	CHECK_LOGF("mb2: info too large: total_size %zu (0x%zx) exceeds the limit of %zu bytes",
		   B.len + 8, B.len + 8, B.len);
	put32(B.data, 0xffffffff);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_RANGE);
	CHECK_LOG("mb2: info too large: total_size 4294967295 (0xffffffff)");
	/* In the hypervisor the limit is MB2_MAX_SIZE. */
	u8 *p = heap_copy(B.data, 8);
	put32(p, MB2_MAX_SIZE + 8);
	capture_reset();
	CHECK_EQ(mb2_parse(p, MB2_MAX_SIZE, 0, &info), E_RANGE);
	CHECK_LOG("exceeds the limit of 1048576 bytes");
	free(p);
}

/* total_size need not be a multiple of 8: bytes after the end tag are ignored. */
static void test_total_unaligned_tolerated(void)
{
	size_t len;

	build_bios(&B);
	len = B.len;
	for (u32 extra = 1; extra <= 12; extra++) {
		put32(B.data, (u32)(len + extra));
		B.len = len + extra;
		capture_reset();
		CHECK_EQ(parse_builder(&B), 0);
		CHECK_EQ(info.total_size, len + extra);
		check_modules(bios_mods, ARRAY_SIZE(bios_mods));
	}
	/* ...but the end tag itself must fit. */
	b_init(&B);
	size_t at = b_string_tag(&B, MB2_TAG_CMDLINE, "loglevel=warn");
	B.len += 4;
	b_seal(&B);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_RANGE);
	CHECK_LOGF("mb2: tag header at offset 0x%zx does not fit (info ends at 0x%zx)", at + 24,
		   B.len);
}

static void test_misaligned_buffer(void)
{
	u8 *p;

	b_init(&B);
	b_end(&B);
	p = malloc(B.len + 4);
	memcpy(p + 4, B.data, B.len);
	CHECK_EQ(mb2_parse(p + 4, B.len, 0, &info), E_INVAL);
	CHECK_LOG("is not 8-byte aligned");
	free(p);
}

/* ---- malformed: tag walk ------------------------------------------------------------- */

static void test_tag_header_does_not_fit(void)
{
	/* total_size leaves 4 bytes where the next tag header should be. */
	b_init(&B);
	b_string_tag(&B, MB2_TAG_CMDLINE, "a");
	B.len += 4;
	b_seal(&B);
	CHECK_EQ(parse_builder(&B), E_RANGE);
	CHECK_LOG("mb2: tag header at offset 0x18 does not fit (info ends at 0x1c)");
}

static void test_tag_size_below_header(void)
{
	static const u32 sizes[] = {0, 4, 7};

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		b_init(&B);
		size_t at = b_string_tag(&B, MB2_TAG_CMDLINE, "x");
		b_end(&B);
		put32(B.data + at + 4, sizes[i]);
		capture_reset();
		CHECK_EQ(parse_builder(&B), E_INVAL);
		CHECK_LOGF("mb2: tag 1 at offset 0x8 has size %u, less than its 8-byte header",
			   sizes[i]);
	}
}

static void test_tag_past_end(void)
{
	build_bios(&B);
	/* The memory map is the 8th tag: make it claim 200 bytes more than there are. */
	size_t at = 8;
	for (int i = 0; i < 7; i++)
		at += align_up(get32(B.data + at + 4), 8);
	CHECK_EQ(get32(B.data + at), MB2_TAG_MMAP);
	put32(B.data + at + 4, (u32)(B.len - at + 200));
	CHECK_EQ(parse_builder(&B), E_RANGE);
	CHECK_LOGF("mb2: tag 6 at offset 0x%zx runs past the end (size %zu, info ends at 0x%zx)",
		   at, B.len - at + 200, B.len);
	/* One byte too many is enough. */
	put32(B.data + at + 4, (u32)(B.len - at + 1));
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_RANGE);
	CHECK_LOG("runs past the end");
	/* A huge size must not wrap the offset arithmetic. */
	put32(B.data + at + 4, 0xfffffff8);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_RANGE);
	CHECK_LOG("runs past the end (size 4294967288");
}

static void test_missing_end_tag(void)
{
	b_init(&B);
	b_string_tag(&B, MB2_TAG_CMDLINE, "abc");
	b_meminfo(&B, 639, 1024);
	b_seal(&B);
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG("mb2: no end tag (tags run to offset 0x28, info ends at 0x28)");

	/* The last tag's padding would run past total_size. */
	b_init(&B);
	b_raw_tag(&B, MB2_TAG_CMDLINE, "abcd", 5);
	B.len = 8 + 13;
	b_seal(&B);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG("mb2: no end tag (tags run to offset 0x18, info ends at 0x15)");
}

static void test_end_tag_bad_size(void)
{
	b_init(&B);
	b_string_tag(&B, MB2_TAG_CMDLINE, "abc");
	size_t at = b_end(&B);
	B.len += 8;
	put32(B.data + at + 4, 16);
	b_seal(&B);
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOGF("mb2: end tag at offset 0x%zx has size 16, expected 8", at);
}

static void test_unknown_and_unused_tags(void)
{
	static const u8 junk[13] = {1, 2, 3};

	log_set_level(LOG_DEBUG);
	b_init(&B);
	b_raw_tag(&B, 99, junk, 12);
	b_raw_tag(&B, 0xffffffff, junk, 13);
	b_raw_tag(&B, MB2_TAG_VBE, junk, 0); /* unused: contents not checked */
	b_raw_tag(&B, MB2_TAG_SMBIOS, junk, 1);
	b_raw_tag(&B, MB2_TAG_NETWORK, junk, 3);
	b_string_tag(&B, MB2_TAG_CMDLINE, "after");
	b_end(&B);
	CHECK_EQ(parse_builder(&B), 0);
	log_set_level(LOG_INFO);
	CHECK_LOG("mb2: tag 99 at offset 0x8 (size 20) unknown, skipped");
	CHECK_LOG("mb2: tag 4294967295 at offset 0x20 (size 21) unknown, skipped");
	CHECK_LOG("mb2: tag 7 (VBE info) at offset 0x");
	CHECK_EQ(info.tag_count, 6);
	CHECK(strcmp(info.cmdline, "after") == 0);
}

static void test_duplicate_tag_first_wins(void)
{
	b_init(&B);
	b_string_tag(&B, MB2_TAG_CMDLINE, "first");
	b_meminfo(&B, 639, 100);
	size_t at = b_string_tag(&B, MB2_TAG_CMDLINE, "second");
	b_meminfo(&B, 600, 200);
	b_end(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK(strcmp(info.cmdline, "first") == 0);
	CHECK_EQ(info.mem_upper_kb, 100);
	CHECK_EQ(info.tag_count, 4);
	CHECK_LOGF("mb2: duplicate tag 1 (boot command line) at offset 0x%zx ignored", at);
	CHECK_LOG("mb2: duplicate tag 4 (basic memory info)");
}

/* ---- malformed: strings -------------------------------------------------------------- */

static void check_unterminated(u32 type, const char *what)
{
	b_init(&B);
	b_raw_tag(&B, type, "abcd", 4); /* size 12, no NUL; the padding after it is 0 */
	b_end(&B);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOGF("mb2: %s in tag %u at offset 0x8 is not NUL-terminated within the tag (size 12)",
		   what, type);
	/* An empty string tag has no room for the NUL either. */
	b_init(&B);
	b_raw_tag(&B, type, "", 0);
	b_end(&B);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG("is not NUL-terminated within the tag (size 8)");
}

static void test_cmdline_unterminated(void)
{
	check_unterminated(MB2_TAG_CMDLINE, "command line");
}

static void test_loader_name_unterminated(void)
{
	check_unterminated(MB2_TAG_LOADER_NAME, "boot loader name");
}

static void test_module_string_unterminated(void)
{
	b_init(&B);
	size_t at = b_open(&B, MB2_TAG_MODULE);
	b_u32(&B, 0x200000);
	b_u32(&B, 0x201000);
	b_bytes(&B, "rt0x", 4);
	b_close(&B, at);
	b_end(&B);
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG("mb2: module string in tag 3 at offset 0x8 is not NUL-terminated within the tag "
		  "(size 20)");
	/* No string at all. */
	b_init(&B);
	at = b_open(&B, MB2_TAG_MODULE);
	b_u32(&B, 0x200000);
	b_u32(&B, 0x201000);
	b_close(&B, at);
	b_end(&B);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG("(size 16)");
	/* Shorter than mod_start + mod_end. */
	b_init(&B);
	b_u32_tag(&B, MB2_TAG_MODULE, 0x200000);
	b_end(&B);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG("mb2: tag 3 (module) at offset 0x8 is too short (size 12, needs at least 16)");
}

static void test_long_strings_truncated(void)
{
	enum { LONG = MAX_CMDLINE + 44 };
	char s[LONG + 1], want[80];

	memset(s, 'c', LONG);
	s[LONG] = 0;
	b_init(&B);
	b_string_tag(&B, MB2_TAG_CMDLINE, s);
	b_string_tag(&B, MB2_TAG_LOADER_NAME, s + LONG - 100); /* 100 bytes */
	size_t at = b_module(&B, 0x1000, 0x2000, s);
	b_end(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(strlen(info.cmdline), MAX_CMDLINE - 1);
	CHECK(memcmp(info.cmdline, s, MAX_CMDLINE - 1) == 0);
	CHECK_EQ(strlen(info.loader_name), sizeof(info.loader_name) - 1);
	CHECK_EQ(strlen(info.modules[0].cmdline), MAX_CMDLINE - 1);
	snprintf(want, sizeof(want),
		 "mb2: command line in tag 1 at offset 0x8 truncated from %d to %d bytes", LONG,
		 MAX_CMDLINE - 1);
	CHECK_LOG(want);
	CHECK_LOG("mb2: boot loader name in tag 2 at offset 0x");
	CHECK_LOG("truncated from 100 to 63 bytes");
	CHECK_LOGF("mb2: module string in tag 3 at offset 0x%zx truncated from %d to %d bytes", at,
		   LONG, MAX_CMDLINE - 1);
	/* Exactly MAX_CMDLINE - 1 bytes fits without a warning. */
	s[MAX_CMDLINE - 1] = 0;
	b_init(&B);
	b_string_tag(&B, MB2_TAG_CMDLINE, s);
	b_end(&B);
	capture_reset();
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(strlen(info.cmdline), MAX_CMDLINE - 1);
	CHECK_EQ(capture_text()[0], 0);
}

/* ---- malformed: memory map ----------------------------------------------------------- */

static void test_mmap_bad_entry_size(void)
{
	static const u32 sizes[] = {0, 8, 16, 20, 28, 30, 0xfffffffc};

	for (size_t i = 0; i < ARRAY_SIZE(sizes); i++) {
		b_init(&B);
		size_t at = b_mmap(&B, bios_mmap, 2, 24);
		b_end(&B);
		put32(B.data + at + 8, sizes[i]);
		capture_reset();
		CHECK_EQ(parse_builder(&B), E_INVAL);
		CHECK_LOGF("mb2: memory map at offset 0x8 has entry_size %u (must be >= 24 and a "
			   "multiple of 8)",
			   sizes[i]);
	}
}

static void test_mmap_entries_past_tag(void)
{
	/* Two 24-byte entries and 8 stray bytes. */
	b_init(&B);
	size_t at = b_open(&B, MB2_TAG_MMAP);
	b_u32(&B, 24);
	b_u32(&B, 0);
	for (int i = 0; i < 2; i++) {
		b_u64(&B, bios_mmap[i].addr);
		b_u64(&B, bios_mmap[i].len);
		b_u32(&B, bios_mmap[i].type);
		b_u32(&B, 0);
	}
	b_u64(&B, 0);
	b_close(&B, at);
	b_end(&B);
	CHECK_EQ(parse_builder(&B), E_RANGE);
	CHECK_LOG("mb2: memory map at offset 0x8: entries run past the tag (56 bytes of entries, "
		  "entry_size 24)");
	/* An entry_size larger than the entries there are. */
	b_init(&B);
	at = b_mmap(&B, bios_mmap, 1, 24);
	b_end(&B);
	put32(B.data + at + 8, 32);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_RANGE);
	CHECK_LOG("entries run past the tag (24 bytes of entries, entry_size 32)");
	/* A huge entry_size that passes the alignment rule. */
	put32(B.data + at + 8, 0x80000000);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_RANGE);
	CHECK_LOG("entries run past the tag (24 bytes of entries, entry_size 2147483648)");
	/* A tag without room for entry_size and entry_version. */
	b_init(&B);
	b_u32_tag(&B, MB2_TAG_MMAP, 24);
	b_end(&B);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG(
	    "mb2: tag 6 (memory map) at offset 0x8 is too short (size 12, needs at least 16)");
}

/* A bigger entry_size (a newer entry version) is honoured: the extra bytes are skipped. */
static void test_mmap_large_entry_size(void)
{
	b_init(&B);
	size_t at = b_mmap(&B, bios_mmap, ARRAY_SIZE(bios_mmap), 40);
	put32(B.data + at + 12, 1); /* entry_version */
	b_end(&B);
	CHECK_EQ(parse_builder(&B), 0);
	check_mmap(bios_mmap, ARRAY_SIZE(bios_mmap));
	/* And an empty map is not the parser's problem. */
	b_init(&B);
	b_mmap(&B, bios_mmap, 0, 24);
	b_end(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(info.mmap_count, 0);
}

static void test_mmap_zero_and_wrapping_entries(void)
{
	static const struct mb2_mmap_entry in[] = {
	    {0x0, 0x9fc00, 1},
	    {0x100000, 0, 1},			/* empty: skipped */
	    {0xfffffffffffff000ULL, 0x2000, 2}, /* wraps: skipped */
	    {0xfffffffffffff000ULL, 0x1000, 2}, /* ends at 2^64: not representable */
	    {0xfffffffffffff000ULL, 0xfff, 2},	/* fits */
	    {0x100000, 0x1000000, 1},
	};
	static const struct mb2_mmap_entry want[] = {
	    {0x0, 0x9fc00, 1},
	    {0xfffffffffffff000ULL, 0xfff, 2},
	    {0x100000, 0x1000000, 1},
	};

	b_init(&B);
	b_mmap(&B, in, ARRAY_SIZE(in), 24);
	b_end(&B);
	CHECK_EQ(parse_builder(&B), 0);
	check_mmap(want, ARRAY_SIZE(want));
	CHECK_LOG("mb2: memory map entry 2 [0xfffffffffffff000, +0x2000) wraps past 2^64, skipped");
	CHECK_LOG("mb2: memory map entry 3 [0xfffffffffffff000, +0x1000) wraps");
}

static void test_mmap_overflow(void)
{
	static struct mb2_mmap_entry many[200];

	for (size_t i = 0; i < ARRAY_SIZE(many); i++) {
		many[i].addr = i * 0x10000;
		many[i].len = 0x8000;
		many[i].type = 1 + (u32)(i % 5);
	}
	b_init(&B);
	b_mmap(&B, many, ARRAY_SIZE(many), 24);
	b_end(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(info.mmap_count, MAX_MMAP);
	CHECK_EQ(info.mmap_dropped, 200 - MAX_MMAP);
	CHECK_EQ(info.mmap[MAX_MMAP - 1].addr, (MAX_MMAP - 1) * 0x10000);
	CHECK_EQ(info.mmap[MAX_MMAP - 1].type, 1 + (MAX_MMAP - 1) % 5);
	CHECK_LOG("mb2: memory map has 200 entries, kept the first 128 (MAX_MMAP), 72 dropped");
	CHECK_EQ(log_count("mb2: memory map has"), 1);
}

/* ---- malformed: modules, RSDP, EFI --------------------------------------------------- */

static void test_module_end_before_start(void)
{
	b_init(&B);
	b_module(&B, 0x124000, 0x133000, "rt0");
	size_t at = b_module(&B, 0x200000, 0x1fffff, "rt1");
	b_end(&B);
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOGF("mb2: module tag at offset 0x%zx ends before it starts (start 0x200000, end "
		   "0x1fffff)",
		   at);
	CHECK_EQ(info.module_count, 0); /* *out is zeroed on error */
}

static void test_modules_overflow(void)
{
	char name[16];

	b_init(&B);
	for (u32 i = 0; i < 20; i++) {
		snprintf(name, sizeof(name), "m%u", i);
		b_module(&B, 0x1000000 + i * 0x1000, 0x1000800 + i * 0x1000, name);
	}
	b_end(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(info.module_count, MAX_MODULES);
	CHECK_EQ(info.modules_dropped, 20 - MAX_MODULES);
	CHECK(strcmp(info.modules[MAX_MODULES - 1].cmdline, "m15") == 0);
	CHECK_EQ(info.modules[MAX_MODULES - 1].start, 0x1000000 + 15 * 0x1000);
	CHECK(mb2_find_module(&info, "m15") == &info.modules[15]);
	CHECK(mb2_find_module(&info, "m16") == NULL);
	CHECK_LOG("mb2: 20 modules, kept the first 16 (MAX_MODULES), 4 dropped");
	CHECK_EQ(log_count("MAX_MODULES"), 1);
	CHECK_EQ(info.tag_count, 20);

	/* A dropped module is still checked. */
	b_init(&B);
	for (u32 i = 0; i < 17; i++)
		b_module(&B, 0x1000, i == 16 ? 0x10 : 0x2000, "m");
	b_end(&B);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG("ends before it starts");
}

static void test_rsdp_too_short(void)
{
	b_init(&B);
	b_raw_tag(&B, MB2_TAG_ACPI_OLD, rsdp_v1, 12);
	b_end(&B);
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG("mb2: tag 14 (ACPI 1.0 RSDP) at offset 0x8 is too short (size 20, needs at least "
		  "28)");

	b_init(&B);
	b_raw_tag(&B, MB2_TAG_ACPI_OLD, rsdp_v1, sizeof(rsdp_v1));
	b_raw_tag(&B, MB2_TAG_ACPI_NEW, rsdp_v2, MB2_RSDP_V1_LEN); /* a v1 RSDP in a v2 tag */
	b_end(&B);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG("mb2: tag 15 (ACPI 2.0 RSDP) at offset 0x28 is too short (size 28, needs at "
		  "least 44)");
	CHECK_EQ(info.rsdp_len, 0);
}

static void test_efi_tags_too_short(void)
{
	static const struct {
		u32 type;
		const char *msg;
	} cases[] = {
	    {MB2_TAG_EFI64, "mb2: tag 12 (EFI64 system table) at offset 0x8 is too short (size 12, "
			    "needs at least 16)"},
	    {MB2_TAG_EFI64_IH, "mb2: tag 20 (EFI64 image handle) at offset 0x8 is too short"},
	    {MB2_TAG_EFI_MMAP, "mb2: tag 17 (EFI memory map) at offset 0x8 is too short"},
	    {MB2_TAG_MEMINFO, "mb2: tag 4 (basic memory info) at offset 0x8 is too short"},
	};

	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		b_init(&B);
		b_u32_tag(&B, cases[i].type, 0x7f9ee018);
		b_end(&B);
		capture_reset();
		CHECK_EQ(parse_builder(&B), E_INVAL);
		CHECK_LOG(cases[i].msg);
	}
	b_init(&B);
	b_raw_tag(&B, MB2_TAG_EFI32, "", 0);
	b_end(&B);
	capture_reset();
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG("mb2: tag 11 (EFI32 system table) at offset 0x8 is too short (size 8, needs at "
		  "least 12)");
}

/* A failed parse leaves nothing behind from an earlier good one. */
static void test_error_zeroes_output(void)
{
	static const struct mb2_info zero;

	build_bios(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK(info.mmap_count > 0);
	put32(B.data + B.len - 4, 4); /* end tag size */
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK(memcmp(&info, &zero, sizeof(info)) == 0);
}

#ifdef CONFIG_TRACE_ERROR
static void test_trace_names_the_check(void)
{
	b_init(&B);
	size_t at = b_string_tag(&B, MB2_TAG_CMDLINE, "x");
	b_end(&B);
	put32(B.data + at + 4, 4);
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG("mb2: tag 1 at offset 0x8 has size 4");
	CHECK_LOG("trace: core/mb2.c:");
	CHECK_LOG(": invalid");
}
#endif

/* ---- mb2_find_module ----------------------------------------------------------------- */

static void set_modules(const char *const *names, size_t n)
{
	memset(&info, 0, sizeof(info));
	for (size_t i = 0; i < n; i++)
		strcpy(info.modules[i].cmdline, names[i]);
	info.module_count = (u32)n;
}

static void test_find_module(void)
{
	static const char *const names[] = {
	    "rt01 prio=3", "rt0", "  linux0 console=ttyS0", "", "rt0 second", "linux0\tdup"};

	set_modules(names, ARRAY_SIZE(names));
	CHECK(mb2_find_module(&info, "rt0") == &info.modules[1]); /* not "rt01", first "rt0" */
	CHECK(mb2_find_module(&info, "rt01") == &info.modules[0]);
	CHECK(mb2_find_module(&info, "linux0") == &info.modules[2]); /* leading blanks skipped */
	CHECK(mb2_find_module(&info, "rt") == NULL);
	CHECK(mb2_find_module(&info, "rt0 ") == NULL);
	CHECK(mb2_find_module(&info, "prio=3") == NULL); /* only the first word counts */
	CHECK(mb2_find_module(&info, "second") == NULL);
	CHECK(mb2_find_module(&info, "") == NULL);
	CHECK(mb2_find_module(&info, NULL) == NULL);
	CHECK(mb2_find_module(NULL, "rt0") == NULL);
	info.module_count = 1;
	CHECK(mb2_find_module(&info, "rt0") == NULL); /* beyond module_count is not looked at */

	/* Through the parser: the BIOS block. */
	build_bios(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK(mb2_find_module(&info, "rt0") == &info.modules[0]);
	CHECK(mb2_find_module(&info, "rt01") == &info.modules[2]);
	CHECK(mb2_find_module(&info, "linux0") == &info.modules[1]);
	CHECK(mb2_find_module(&info, "linux1") == NULL);
}

/* A module string that fills the whole array: the match must stay inside it. */
static void test_find_module_full_length(void)
{
	static char word[MAX_CMDLINE + 8];

	memset(&info, 0, sizeof(info));
	memset(info.modules[0].cmdline, 'a', MAX_CMDLINE); /* no NUL, against the contract */
	info.module_count = 1;
	memset(word, 'a', sizeof(word) - 1);
	word[sizeof(word) - 1] = 0;
	CHECK(mb2_find_module(&info, word) == NULL); /* longer than any module string */
	word[MAX_CMDLINE] = 0;
	CHECK(mb2_find_module(&info, word) == NULL);
	word[MAX_CMDLINE - 1] = 0;
	CHECK(mb2_find_module(&info, word) == NULL);
	info.modules[0].cmdline[MAX_CMDLINE - 1] = 0;
	CHECK(mb2_find_module(&info, word) == &info.modules[0]); /* 255 bytes: the longest match */
}

/* ---- mb2_cmdline_arg ----------------------------------------------------------------- */

static void test_cmdline_arg_positions(void)
{
	const char *cl = "loglevel=debug serial=com1 root=LABEL=x quiet";
	char v[32];

	CHECK(mb2_cmdline_arg(cl, "loglevel", v, sizeof(v)) == v);
	CHECK(strcmp(v, "debug") == 0);
	CHECK(mb2_cmdline_arg(cl, "serial", v, sizeof(v)) == v);
	CHECK(strcmp(v, "com1") == 0);
	CHECK(mb2_cmdline_arg(cl, "root", v, sizeof(v)) == v);
	CHECK(strcmp(v, "LABEL=x") == 0);
	strcpy(v, "junk");
	CHECK(mb2_cmdline_arg(cl, "quiet", v, sizeof(v)) == v);
	CHECK_EQ(v[0], 0);
	CHECK(mb2_cmdline_arg("a=1\tb=2\n", "b", v, sizeof(v)) == v);
	CHECK(strcmp(v, "2") == 0);
	CHECK(mb2_cmdline_arg("  a=  ", "a", v, sizeof(v)) == v);
	CHECK_EQ(v[0], 0);
	CHECK_EQ(capture_text()[0], 0);
}

static void test_cmdline_arg_missing_and_prefix(void)
{
	char v[32];

	CHECK(mb2_cmdline_arg("loglevel=debug quiet", "nosmp", v, sizeof(v)) == NULL);
	CHECK(mb2_cmdline_arg("loglevel=debug quiet", "log", v, sizeof(v)) == NULL);
	CHECK(mb2_cmdline_arg("loglevel=debug quiet", "qui", v, sizeof(v)) == NULL);
	CHECK(mb2_cmdline_arg("loglevel=debug quiet", "quiet=", v, sizeof(v)) == NULL);
	CHECK(mb2_cmdline_arg("log=1 loglevel=debug", "log", v, sizeof(v)) == v);
	CHECK(strcmp(v, "1") == 0);
	CHECK(mb2_cmdline_arg("log=1 loglevel=debug", "loglevel", v, sizeof(v)) == v);
	CHECK(strcmp(v, "debug") == 0);
	CHECK(mb2_cmdline_arg("loglevelx=3", "loglevel", v, sizeof(v)) == NULL);
	CHECK(mb2_cmdline_arg("xloglevel=3", "loglevel", v, sizeof(v)) == NULL);
	CHECK(mb2_cmdline_arg("debug", "loglevel", v, sizeof(v)) == NULL);
}

static void test_cmdline_arg_last_wins(void)
{
	char v[8];

	CHECK(mb2_cmdline_arg("a=1 b=2 a=3", "a", v, sizeof(v)) == v);
	CHECK(strcmp(v, "3") == 0);
	CHECK(mb2_cmdline_arg("a=1 a", "a", v, sizeof(v)) == v);
	CHECK_EQ(v[0], 0);
	CHECK(mb2_cmdline_arg("a a=2 ab=5", "a", v, sizeof(v)) == v);
	CHECK(strcmp(v, "2") == 0);
}

static void test_cmdline_arg_truncated(void)
{
	char v[4];

	CHECK(mb2_cmdline_arg("loglevel=debug", "loglevel", v, sizeof(v)) == v);
	CHECK(strcmp(v, "deb") == 0);
	CHECK_LOG("mb2: value of loglevel= truncated from 5 to 3 bytes");
	CHECK(mb2_cmdline_arg("x=debug", "x", v, 1) == v);
	CHECK_EQ(v[0], 0);
	v[0] = 'z';
	CHECK(mb2_cmdline_arg("x=abc", "x", v, 4) == v); /* exactly fits */
	CHECK(strcmp(v, "abc") == 0);
}

/* A value exactly val_size bytes long has no room for its NUL: it is cut by one byte, and
 * nothing is written past val_size (the buffer is exactly that big, so ASan sees it). */
static void test_cmdline_arg_one_too_long(void)
{
	char *v = malloc(4);

	CHECK(v != NULL);
	if (!v)
		return;
	CHECK(mb2_cmdline_arg("x=abcd", "x", v, 4) == v);
	CHECK(strcmp(v, "abc") == 0);
	CHECK_LOG("mb2: value of x= truncated from 4 to 3 bytes");
	free(v);
}

static void test_cmdline_arg_empty_and_null(void)
{
	char v[8];

	CHECK(mb2_cmdline_arg("", "a", v, sizeof(v)) == NULL);
	CHECK(mb2_cmdline_arg("   \t ", "a", v, sizeof(v)) == NULL);
	CHECK(mb2_cmdline_arg("a=1", "", v, sizeof(v)) == NULL);
	CHECK(mb2_cmdline_arg(NULL, "a", v, sizeof(v)) == NULL);
	CHECK(mb2_cmdline_arg("a=1", NULL, v, sizeof(v)) == NULL);
	CHECK(mb2_cmdline_arg("a=1", "a", NULL, sizeof(v)) == NULL);
	CHECK(mb2_cmdline_arg("a=1", "a", v, 0) == NULL);
}

/* An unterminated MAX_CMDLINE-byte buffer: only MAX_CMDLINE bytes may be read. */
static void test_cmdline_arg_bounded(void)
{
	char *cl = malloc(MAX_CMDLINE);
	char v[MAX_CMDLINE];

	memset(cl, ' ', MAX_CMDLINE);
	memcpy(cl, "a=1", 3);
	memcpy(cl + MAX_CMDLINE - 5, "z=xyz", 5);
	CHECK(mb2_cmdline_arg(cl, "a", v, sizeof(v)) == v);
	CHECK(strcmp(v, "1") == 0);
	CHECK(mb2_cmdline_arg(cl, "z", v, sizeof(v)) == v);
	CHECK(strcmp(v, "xyz") == 0);
	CHECK(mb2_cmdline_arg(cl, "nope", v, sizeof(v)) == NULL);
	/* A last word shorter than the key: comparing must not run off the end. */
	memcpy(cl + MAX_CMDLINE - 6, " kkkkk", 6);
	CHECK(mb2_cmdline_arg(cl, "kkkkkk", v, sizeof(v)) == NULL);
	memset(cl, 'k', MAX_CMDLINE);
	CHECK(mb2_cmdline_arg(cl, "k", v, sizeof(v)) == NULL);
	char key[MAX_CMDLINE + 9];
	memset(key, 'k', sizeof(key) - 1);
	key[sizeof(key) - 1] = 0;
	CHECK(mb2_cmdline_arg(cl, key, v, sizeof(v)) == NULL); /* longer than any word */
	key[MAX_CMDLINE] = 0;
	CHECK(mb2_cmdline_arg(cl, key, v, sizeof(v)) == NULL);
	key[MAX_CMDLINE - 1] = 0;
	cl[MAX_CMDLINE - 1] = 0;
	CHECK(mb2_cmdline_arg(cl, key, v, sizeof(v)) == v); /* 255 bytes: the longest word */
	CHECK_EQ(v[0], 0);
	free(cl);

	/* And through the parser: the parsed cmdline works as input. */
	build_bios(&B);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK(mb2_cmdline_arg(info.cmdline, "loglevel", v, sizeof(v)) == v);
	CHECK(strcmp(v, "debug") == 0);
	CHECK(mb2_cmdline_arg(info.modules[1].cmdline, "console", v, sizeof(v)) == v);
	CHECK(strcmp(v, "ttyS0,115200") == 0);
}

/* ---- robustness ---------------------------------------------------------------------- */

/* What a successful parse promises, whatever the input. */
static void check_invariants(void)
{
	CHECK(info.mmap_count <= MAX_MMAP);
	CHECK(info.module_count <= MAX_MODULES);
	CHECK(strnlen(info.cmdline, sizeof(info.cmdline)) < sizeof(info.cmdline));
	CHECK(strnlen(info.loader_name, sizeof(info.loader_name)) < sizeof(info.loader_name));
	for (u32 i = 0; i < info.module_count && i < MAX_MODULES; i++) {
		const struct mb2_module *m = &info.modules[i];
		CHECK(strnlen(m->cmdline, sizeof(m->cmdline)) < sizeof(m->cmdline));
		CHECK(m->end >= m->start);
	}
	for (u32 i = 0; i < info.mmap_count && i < MAX_MMAP; i++)
		CHECK(info.mmap[i].len && info.mmap[i].addr + info.mmap[i].len > info.mmap[i].addr);
	CHECK(info.rsdp_len == 0 || info.rsdp_len == MB2_RSDP_V1_LEN ||
	      info.rsdp_len == MB2_RSDP_V2_LEN);
}

static int outcomes[2];

static void parse_mutated(const u8 *p, size_t len)
{
	int rc = mb2_parse(p, len, INFO_PHYS, &info);

	CHECK(rc == 0 || (rc < 0 && rc >= E_NOTSUP));
	if (rc == 0)
		check_invariants();
	outcomes[rc == 0]++;
}

/* Every byte set to a few bad values, every 32-bit field to a few bad values. */
static void mutate_all(const struct builder *b)
{
	static const u8 bytes[] = {0x00, 0xff, 0x07};
	static const u32 words[] = {0, 7, 8, 0x7fffffff, 0xffffffff};
	u8 *p = heap_copy(b->data, b->len);

	for (size_t off = 0; off < b->len; off++) {
		for (size_t i = 0; i < ARRAY_SIZE(bytes); i++) {
			u8 saved = p[off];
			p[off] = bytes[i];
			parse_mutated(p, b->len);
			p[off] = saved;
		}
		if (off + 4 > b->len)
			continue;
		for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
			u8 saved[4];
			memcpy(saved, p + off, 4);
			put32(p + off, words[i]);
			parse_mutated(p, b->len);
			memcpy(p + off, saved, 4);
		}
	}
	free(p);
}

/* total_size cut to every value 0..len, in a buffer of exactly that many bytes. */
static void truncate_all(const struct builder *b)
{
	for (size_t t = 0; t <= b->len; t++) {
		u8 *p = heap_copy(b->data, t);
		if (t >= 4)
			put32(p, (u32)t);
		parse_mutated(p, t);
		/* total_size cut, the buffer still whole: nothing past total_size may count. */
		u8 *whole = heap_copy(b->data, b->len);
		put32(whole, (u32)t);
		parse_mutated(whole, b->len);
		free(whole);
		free(p);
	}
}

static void test_robust_bios(void)
{
	log_set_level(LOG_DEBUG); /* format every message too */
	build_bios(&B);
	outcomes[0] = outcomes[1] = 0;
	mutate_all(&B);
	truncate_all(&B);
	log_set_level(LOG_INFO);
	CHECK(outcomes[0] > 0 && outcomes[1] > 0);
}

static void test_robust_uefi(void)
{
	log_set_level(LOG_DEBUG);
	build_uefi(&B);
	outcomes[0] = outcomes[1] = 0;
	mutate_all(&B);
	truncate_all(&B);
	log_set_level(LOG_INFO);
	CHECK(outcomes[0] > 0 && outcomes[1] > 0);
}

int main(void)
{
	RUN(test_bios_block);
	RUN(test_uefi_block);
	RUN(test_efi32_tags);
	RUN(test_minimal_block);
	RUN(test_rsdp_prefers_v2);
	RUN(test_null_args);
	RUN(test_limit_below_header);
	RUN(test_total_too_small);
	RUN(test_total_too_large);
	RUN(test_total_unaligned_tolerated);
	RUN(test_misaligned_buffer);
	RUN(test_tag_header_does_not_fit);
	RUN(test_tag_size_below_header);
	RUN(test_tag_past_end);
	RUN(test_missing_end_tag);
	RUN(test_end_tag_bad_size);
	RUN(test_unknown_and_unused_tags);
	RUN(test_duplicate_tag_first_wins);
	RUN(test_cmdline_unterminated);
	RUN(test_loader_name_unterminated);
	RUN(test_module_string_unterminated);
	RUN(test_long_strings_truncated);
	RUN(test_mmap_bad_entry_size);
	RUN(test_mmap_entries_past_tag);
	RUN(test_mmap_large_entry_size);
	RUN(test_mmap_zero_and_wrapping_entries);
	RUN(test_mmap_overflow);
	RUN(test_module_end_before_start);
	RUN(test_modules_overflow);
	RUN(test_rsdp_too_short);
	RUN(test_efi_tags_too_short);
	RUN(test_error_zeroes_output);
#ifdef CONFIG_TRACE_ERROR
	RUN(test_trace_names_the_check);
#endif
	RUN(test_find_module);
	RUN(test_find_module_full_length);
	RUN(test_cmdline_arg_positions);
	RUN(test_cmdline_arg_missing_and_prefix);
	RUN(test_cmdline_arg_last_wins);
	RUN(test_cmdline_arg_truncated);
	RUN(test_cmdline_arg_one_too_long);
	RUN(test_cmdline_arg_empty_and_null);
	RUN(test_cmdline_arg_bounded);
	RUN(test_robust_bios);
	RUN(test_robust_uefi);
	CHECK_MAIN_END();
}
