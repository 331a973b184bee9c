/*
 * Unit tests for core/bzimage.c. Images are synthetic: a setup part with a setup header laid
 * out from the Linux/x86 boot protocol (Documentation/arch/x86/boot.rst) and a patterned
 * protected-mode part, handed to the parser in an exactly-sized heap buffer so ASan reports
 * any read past the end. Offsets and flags are spelled out here on purpose rather than taken
 * from core/bzimage.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glob.h>

#include "core/bzimage.h"
#include "core/error.h"
#include "core/log.h"
#include "tests/unit/bzimage_layout.h"
#include "tests/unit/check.h"
#include "tests/unit/le.h"

/* ---- setup header layout, from the boot protocol ------------------------------------- */

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

struct builder {
	u8 data[0x8000];
	size_t len;
};

static struct builder B;
static struct bzimage bz;

/* A 2.15 header as a current x86_64 defconfig kernel has it; `len` is the whole file. */
static void build_valid(struct builder *b)
{
	u8 *h = b->data;

	memset(b->data, 0, sizeof(b->data));
	h[0] = 'M'; /* EFI stub: the file also starts with an MZ header */
	h[1] = 'Z';
	h[H_SETUP_SECTS] = SETUP_SECTS;
	put32(h + H_SYSSIZE, (u32)((KERNEL_SIZE + 15) / 16));
	put16(h + H_BOOT_FLAG, 0xaa55);
	h[H_JUMP] = 0xeb;			/* short jmp ... */
	h[H_JUMP + 1] = (u8)(H_END - H_HEADER); /* ... past the header */
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
	for (size_t i = 0; i < KERNEL_SIZE; i++)
		h[SETUP_SIZE + i] = (u8)(0x48 + i * 13);
	b->len = IMAGE_LEN;
}

/* Exactly-sized heap copy of the first `len` bytes: ASan flags any read past it. */
static u8 *heap_copy(const void *src, size_t len)
{
	u8 *p = malloc(len ? len : 1);

	memcpy(p, src, len);
	return p;
}

static int parse_len(const struct builder *b, size_t len)
{
	u8 *p = heap_copy(b->data, len);
	int rc = bzimage_parse(p, len, "linux", &bz);

	free(p);
	return rc;
}

/* Parse, expect `rc` and exactly one log line "bzimage: linux: ..." containing `msg`, and
 * expect bz zeroed. */
static void expect_reject(const struct builder *b, size_t len, int rc, const char *msg)
{
	static const struct bzimage zero;

	capture_reset();
	memset(&bz, 0xa5, sizeof(bz));
	CHECK_EQ(parse_len(b, len), rc);
	CHECK_LOG(msg);
	CHECK(strncmp(capture_text(), "bzimage: linux: ", 16) == 0);
	CHECK_EQ(capture_lines(), 1);
	CHECK(memcmp(&bz, &zero, sizeof(bz)) == 0);
}

#define REJECT(rc, msg) expect_reject(&B, B.len, (rc), (msg))

/* ---- the valid image ----------------------------------------------------------------- */

static void test_valid_image(void)
{
	build_valid(&B);
	CHECK_EQ(parse_len(&B, B.len), 0);
	CHECK_EQ(bz.protocol, 0x020f);
	CHECK_EQ(bz.setup_sects, SETUP_SECTS);
	CHECK_EQ(bz.setup_size, 0x3800);
	CHECK_EQ(bz.header_end, H_END);
	CHECK_EQ(bz.kernel_offset, 0x3800);
	CHECK_EQ(bz.kernel_size, KERNEL_SIZE);
	CHECK_EQ(bz.init_size, INIT_SIZE);
	CHECK_EQ(bz.pref_address, PREF_ADDRESS);
	CHECK_EQ(bz.kernel_alignment, ALIGNMENT);
	CHECK(bz.relocatable);
	CHECK_EQ(bz.initrd_addr_max, INITRD_MAX);
	CHECK_EQ(bz.cmdline_size, CMDLINE_SIZE);
	CHECK_EQ(bz.xloadflags, XLOADFLAGS);
	CHECK(bz.has_64bit_entry);
	CHECK_EQ(capture_text()[0], 0); /* a good image logs nothing at info level */

	log_set_level(LOG_DEBUG);
	capture_reset();
	CHECK_EQ(parse_len(&B, B.len), 0);
	log_set_level(LOG_INFO);
	CHECK_LOG("bzimage: linux: protocol 2.15, kernel 0x1230 bytes at offset 0x3800, init_size "
		  "0x2000000, pref_address 0x1000000, relocatable, alignment 0x200000, xloadflags "
		  "0x007f\n");
}

/* Oldest accepted protocol, setup_sects 0 (means 4), a fixed (non-relocatable) kernel with
 * an odd kernel_alignment, and a kernel part of one byte. */
static void test_valid_edges(void)
{
	build_valid(&B);
	put16(B.data + H_VERSION, 0x020c);
	B.data[H_SETUP_SECTS] = 0;
	B.data[H_RELOCATABLE] = 0;
	put32(B.data + H_KERNEL_ALIGN, 0x123);
	put16(B.data + H_XLOADFLAGS, 0x0001);
	B.len = 5 * 512 + 1;
	CHECK_EQ(parse_len(&B, B.len), 0);
	CHECK_EQ(bz.protocol, 0x020c);
	CHECK_EQ(bz.setup_sects, 4);
	CHECK_EQ(bz.setup_size, 0xa00);
	CHECK_EQ(bz.kernel_offset, 0xa00);
	CHECK_EQ(bz.kernel_size, 1);
	CHECK(!bz.relocatable);
	CHECK_EQ(bz.kernel_alignment, 0x123);
	CHECK_EQ(bz.xloadflags, 1);
	CHECK(bz.has_64bit_entry);
	CHECK_EQ(capture_text()[0], 0);

	/* setup_sects 1, the smallest setup part, and a misaligned buffer. */
	build_valid(&B);
	B.data[H_SETUP_SECTS] = 1;
	B.len = 1024 + 16;
	{
		u8 *p = malloc(B.len + 1);
		memcpy(p + 1, B.data, B.len);
		CHECK_EQ(bzimage_parse(p + 1, B.len, "linux", &bz), 0);
		CHECK_EQ(bz.setup_size, 1024);
		CHECK_EQ(bz.kernel_size, 16);
		free(p);
	}
}

static void test_is_bzimage(void)
{
	build_valid(&B);
	CHECK(bzimage_is_bzimage(B.data, B.len));
	CHECK(bzimage_is_bzimage(B.data, 0x206));
	CHECK(!bzimage_is_bzimage(B.data, 0x205));
	CHECK(!bzimage_is_bzimage(NULL, B.len));
	B.data[H_HEADER + 3] = 's';
	CHECK(!bzimage_is_bzimage(B.data, B.len));
	build_valid(&B);
	put16(B.data + H_BOOT_FLAG, 0x55aa);
	CHECK(!bzimage_is_bzimage(B.data, B.len));
	/* Says nothing about usability: an old protocol is still a Linux image. */
	build_valid(&B);
	put16(B.data + H_VERSION, 0x0200);
	CHECK(bzimage_is_bzimage(B.data, B.len));
	CHECK_EQ(capture_text()[0], 0);
}

/* A real kernel on this machine, if there is one: parse it and print what it says. */
static void test_real_kernel(void)
{
	glob_t g;
	int checked = 0;

	if (glob("/boot/vmlinuz-*", 0, NULL, &g) != 0) {
		printf("  note: no /boot/vmlinuz-* on this machine, real-kernel check skipped\n");
		return;
	}
	for (size_t i = 0; i < g.gl_pathc && checked < 2; i++) {
		FILE *f = fopen(g.gl_pathv[i], "rb");
		long size;
		u8 *p;

		if (!f) {
			printf("  note: %s unreadable, skipped\n", g.gl_pathv[i]);
			continue;
		}
		if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) <= 0) {
			fclose(f);
			continue;
		}
		rewind(f);
		p = malloc((size_t)size);
		CHECK_EQ(fread(p, 1, (size_t)size, f), size);
		fclose(f);
		CHECK(bzimage_is_bzimage(p, (size_t)size));
		CHECK_EQ(bzimage_parse(p, (size_t)size, g.gl_pathv[i], &bz), 0);
		printf(
		    "  note: %s: protocol %u.%02u, setup_sects %u, kernel 0x%llx bytes, init_size "
		    "0x%x, pref_address 0x%llx, align 0x%x, xloadflags 0x%x\n",
		    g.gl_pathv[i], (unsigned)(bz.protocol >> 8), (unsigned)(bz.protocol & 0xff),
		    (unsigned)bz.setup_sects, (unsigned long long)bz.kernel_size, bz.init_size,
		    (unsigned long long)bz.pref_address, bz.kernel_alignment,
		    (unsigned)bz.xloadflags);
		CHECK(bz.kernel_offset + bz.kernel_size == (u64)size);
		CHECK(bz.init_size >= bz.kernel_size);
		free(p);
		checked++;
	}
	globfree(&g);
}

/* ---- rejections ---------------------------------------------------------------------- */

static void test_null_args(void)
{
	build_valid(&B);
	capture_reset();
	CHECK_EQ(bzimage_parse(B.data, B.len, "linux", NULL), E_INVAL);
	CHECK_LOG("bzimage: linux: no output struct\n");
	capture_reset();
	memset(&bz, 0xa5, sizeof(bz));
	CHECK_EQ(bzimage_parse(NULL, B.len, "linux", &bz), E_INVAL);
	CHECK_LOG("bzimage: linux: no image (NULL pointer)\n");
	CHECK_EQ(bz.protocol, 0);
	CHECK(!bz.has_64bit_entry);
	capture_reset();
	CHECK_EQ(bzimage_parse(B.data, 10, NULL, &bz), E_RANGE);
	CHECK_LOG("bzimage: image: image is 10 bytes");
}

static void test_too_short(void)
{
	build_valid(&B);
	expect_reject(&B, 0, E_RANGE,
		      "bzimage: linux: image is 0 bytes, too small for the setup header (need "
		      "0x264)\n");
	expect_reject(&B, 0x200, E_RANGE, "image is 512 bytes, too small");
	expect_reject(&B, 0x263, E_RANGE, "image is 611 bytes, too small");
}

static void test_boot_flag(void)
{
	build_valid(&B);
	put16(B.data + H_BOOT_FLAG, 0x55aa);
	REJECT(E_INVAL, "bzimage: linux: not a Linux boot image (boot_flag 0x55aa at 0x1fe, need "
			"0xaa55)\n");
	put16(B.data + H_BOOT_FLAG, 0);
	REJECT(E_INVAL, "(boot_flag 0x0000 at 0x1fe");
}

static void test_header_magic(void)
{
	build_valid(&B);
	memcpy(B.data + H_HEADER, "HdrX", 4);
	REJECT(E_INVAL, "bzimage: linux: no setup header (bytes at 0x202 are 48 64 72 58, need "
			"\"HdrS\")\n");
	memset(B.data + H_HEADER, 0, 4);
	REJECT(E_INVAL, "no setup header (bytes at 0x202 are 00 00 00 00");
}

static void test_protocol_too_old(void)
{
	build_valid(&B);
	put16(B.data + H_VERSION, 0x020b);
	REJECT(E_INVAL, "bzimage: linux: boot protocol 2.11 too old, need 2.12 for the 64-bit "
			"entry\n");
	put16(B.data + H_VERSION, 0x0200);
	REJECT(E_INVAL, "boot protocol 2.00 too old");
	put16(B.data + H_VERSION, 0x0108);
	REJECT(E_INVAL, "boot protocol 1.08 too old");
}

static void test_zimage(void)
{
	build_valid(&B);
	B.data[H_LOADFLAGS] = 0xe0; /* every flag but LOADED_HIGH */
	REJECT(E_INVAL, "bzimage: linux: zImage not supported (loadflags 0xe0, LOADED_HIGH "
			"clear)\n");
}

static void test_setup_truncated(void)
{
	build_valid(&B);
	B.data[H_SETUP_SECTS] = 200; /* 201 * 512 = 0x19200 > 0x4a30 */
	REJECT(E_RANGE, "bzimage: linux: truncated: setup_sects 200 means a 0x19200-byte setup "
			"part, but the image is 0x4a30 bytes\n");
	B.data[H_SETUP_SECTS] = 255;
	REJECT(E_RANGE, "setup_sects 255 means a 0x20000-byte setup part");
	/* The file cut inside the setup part. */
	build_valid(&B);
	expect_reject(&B, SETUP_SIZE - 1, E_RANGE,
		      "truncated: setup_sects 27 means a 0x3800-byte setup part, but the image is "
		      "0x37ff bytes\n");
	/* setup_sects 0 means 4: 0xa00 bytes. */
	B.data[H_SETUP_SECTS] = 0;
	expect_reject(&B, 0x9ff, E_RANGE, "truncated: setup_sects 4 means a 0xa00-byte");
}

static void test_kernel_empty(void)
{
	build_valid(&B);
	expect_reject(&B, SETUP_SIZE, E_RANGE,
		      "bzimage: linux: kernel part empty: the image ends with the 0x3800-byte "
		      "setup part (setup_sects 27)\n");
	B.data[H_SETUP_SECTS] = 0;
	expect_reject(&B, 0xa00, E_RANGE, "kernel part empty: the image ends with the 0xa00-byte");
}

static void test_no_64bit_entry(void)
{
	build_valid(&B);
	put16(B.data + H_XLOADFLAGS, 0x7e);
	REJECT(E_INVAL, "bzimage: linux: no 64-bit entry point (xloadflags 0x007e, XLF_KERNEL_64 "
			"clear)\n");
	put16(B.data + H_XLOADFLAGS, 0);
	REJECT(E_INVAL, "(xloadflags 0x0000, XLF_KERNEL_64 clear)");
}

static void test_alignment(void)
{
	build_valid(&B);
	put32(B.data + H_KERNEL_ALIGN, 0x300000);
	REJECT(E_INVAL, "bzimage: linux: relocatable kernel with kernel_alignment 0x300000, not a "
			"power of two\n");
	put32(B.data + H_KERNEL_ALIGN, 0);
	REJECT(E_INVAL, "kernel_alignment 0x0, not a power of two");
	put32(B.data + H_KERNEL_ALIGN, 0xffffffff);
	REJECT(E_INVAL, "kernel_alignment 0xffffffff, not a power of two");
	/* relocatable_kernel is any non-zero byte. */
	B.data[H_RELOCATABLE] = 0x80;
	REJECT(E_INVAL, "kernel_alignment 0xffffffff");
	/* Powers of two from 1 to 2^31 pass. */
	capture_reset();
	for (unsigned s = 0; s < 32; s++) {
		build_valid(&B);
		put32(B.data + H_KERNEL_ALIGN, 1u << s);
		CHECK_EQ(parse_len(&B, B.len), 0);
		CHECK_EQ(bz.kernel_alignment, 1u << s);
	}
	CHECK_EQ(capture_text()[0], 0);
}

static void test_init_size_zero(void)
{
	build_valid(&B);
	put32(B.data + H_INIT_SIZE, 0);
	REJECT(E_INVAL, "bzimage: linux: init_size 0 (memory the kernel needs is unknown)\n");
}

/* Checks run in the order the header is read: the first problem is the one reported. */
static void test_first_problem_reported(void)
{
	build_valid(&B);
	put16(B.data + H_VERSION, 0x0201);
	B.data[H_LOADFLAGS] = 0;
	put16(B.data + H_XLOADFLAGS, 0);
	put32(B.data + H_INIT_SIZE, 0);
	REJECT(E_INVAL, "boot protocol 2.01 too old");
	put16(B.data + H_VERSION, 0x020f);
	REJECT(E_INVAL, "zImage not supported");
	B.data[H_LOADFLAGS] = 1;
	B.data[H_SETUP_SECTS] = 100;
	REJECT(E_RANGE, "truncated");
	B.data[H_SETUP_SECTS] = SETUP_SECTS;
	REJECT(E_INVAL, "no 64-bit entry point");
	put16(B.data + H_XLOADFLAGS, 1);
	REJECT(E_INVAL, "init_size 0");
}

#ifdef CONFIG_TRACE_ERROR
/* A TRACE=1 build says which check failed. */
static void test_trace_names_the_check(void)
{
	build_valid(&B);
	put32(B.data + H_INIT_SIZE, 0);
	CHECK_EQ(parse_len(&B, B.len), E_INVAL);
	CHECK_LOG("init_size 0");
	CHECK_LOG("trace: core/bzimage.c:");
	CHECK_LOG(": invalid");
}
#endif

/* ---- bzimage_fits -------------------------------------------------------------------- */

static void test_fits(void)
{
	build_valid(&B);
	CHECK_EQ(parse_len(&B, B.len), 0);

	/* 64 MiB of RAM at guest-physical 0, kernel at 16 MiB: needs init_size (32 MiB). */
	CHECK(bzimage_fits(&bz, 16 * MiB, 0, 64 * MiB));
	CHECK(bzimage_fits(&bz, 32 * MiB, 0, 64 * MiB)); /* ends exactly at the end */
	CHECK(!bzimage_fits(&bz, 34 * MiB, 0, 64 * MiB));
	CHECK(!bzimage_fits(&bz, 0, 0, 32 * MiB - 1));
	CHECK(bzimage_fits(&bz, 0, 0, 32 * MiB));
	/* Relocatable: any multiple of kernel_alignment, nothing else. */
	CHECK(bzimage_fits(&bz, 2 * MiB, 0, 64 * MiB));
	CHECK(!bzimage_fits(&bz, 2 * MiB + 4096, 0, 64 * MiB));
	/* Outside the region. */
	CHECK(!bzimage_fits(&bz, 0, 2 * MiB, 64 * MiB));
	CHECK(!bzimage_fits(&bz, 70 * MiB, 2 * MiB, 64 * MiB));
	CHECK(bzimage_fits(&bz, 34 * MiB, 2 * MiB, 64 * MiB));
	CHECK(!bzimage_fits(&bz, 36 * MiB, 2 * MiB, 64 * MiB));
	/* No wrap at the top of the address space; a region that wraps fits nothing. */
	CHECK(!bzimage_fits(&bz, 0xffffffffffe00000ULL, 0xffffffffffe00000ULL, 2 * MiB));
	CHECK(!bzimage_fits(&bz, 0xffffffffffe00000ULL, 0xfffffffff0000000ULL, ~0ULL));
	CHECK(bzimage_fits(&bz, 0xfffffffffe000000ULL, 0xfffffffff0000000ULL, 0x10000000ULL));
	CHECK(!bzimage_fits(&bz, 0xfffffffffe000000ULL, 0xfffffffff0000000ULL, 0x10000001ULL));

	/* Above 4 GiB only with XLF_CAN_BE_LOADED_ABOVE_4G (set in 0x7f). */
	CHECK(bzimage_fits(&bz, 4 * GiB, 4 * GiB, 64 * MiB));
	CHECK(bzimage_fits(&bz, 4 * GiB - 16 * MiB, 0, 8 * GiB));
	bz.xloadflags &= (u16)~2u;
	CHECK(!bzimage_fits(&bz, 4 * GiB, 4 * GiB, 64 * MiB));
	CHECK(!bzimage_fits(&bz, 4 * GiB - 16 * MiB, 0, 8 * GiB));
	CHECK(bzimage_fits(&bz, 4 * GiB - 32 * MiB, 0, 8 * GiB)); /* ends exactly at 4 GiB */
	bz.xloadflags |= 2;

	/* A kernel part bigger than init_size: the larger counts. */
	bz.kernel_size = 40 * MiB;
	CHECK(!bzimage_fits(&bz, 32 * MiB, 0, 64 * MiB));
	CHECK(bzimage_fits(&bz, 24 * MiB, 0, 64 * MiB));
	bz.kernel_size = KERNEL_SIZE;

	/* Not relocatable: pref_address only. */
	bz.relocatable = false;
	CHECK(bzimage_fits(&bz, PREF_ADDRESS, 0, 64 * MiB));
	CHECK(!bzimage_fits(&bz, 2 * MiB, 0, 64 * MiB));
	CHECK(!bzimage_fits(&bz, PREF_ADDRESS, 0, 32 * MiB));

	/* Not a parsed image. */
	CHECK(!bzimage_fits(NULL, 16 * MiB, 0, 64 * MiB));
	memset(&bz, 0, sizeof(bz));
	CHECK(!bzimage_fits(&bz, 16 * MiB, 0, 64 * MiB));
	CHECK_EQ(capture_text()[0], 0);
}

/* ---- robustness ---------------------------------------------------------------------- */

static int outcomes[2];

/* What every accepted image must satisfy (the promises in core/bzimage.h). */
static void check_invariants(size_t len)
{
	CHECK(bz.protocol >= BZIMAGE_MIN_PROTOCOL);
	CHECK(bz.setup_sects >= 1);
	CHECK_EQ(bz.setup_size, ((u64)bz.setup_sects + 1) * 512);
	CHECK(bz.header_end <= 0x301 && bz.header_end < bz.setup_size);
	CHECK_EQ(bz.kernel_offset, bz.setup_size);
	CHECK(bz.kernel_size > 0);
	CHECK_EQ(bz.kernel_offset + bz.kernel_size, len);
	CHECK(bz.init_size > 0);
	CHECK(bz.xloadflags & 1);
	CHECK(bz.has_64bit_entry);
	if (bz.relocatable)
		CHECK(bz.kernel_alignment && !(bz.kernel_alignment & (bz.kernel_alignment - 1)));
}

static void parse_mutated(const u8 *p, size_t len)
{
	int rc = bzimage_parse(p, len, "linux", &bz);

	CHECK(rc == 0 || rc == E_INVAL || rc == E_RANGE);
	if (rc == 0)
		check_invariants(len);
	else
		CHECK_EQ(capture_lines(), 1);
	outcomes[rc == 0]++;
	capture_reset(); /* keep the capture buffer from filling up */
}

/*
 * Every byte of the first sector and the setup header set to a few values, and every 16- and
 * 32-bit window of the header to a few values on the edges of the checks.
 */
static void mutate_header(const struct builder *b)
{
	static const u8 bytes[] = {0x00, 0x01, 0x02, 0x0b, 0x0c, 0x1b,
				   0x55, 0x7f, 0x80, 0xaa, 0xfe, 0xff};
	static const u32 words[] = {0,	    1,	     2,		 3,	    0x020b,	0x020c,
				    0xaa55, 0x1000,  0x200000,	 0x300000,  0x7fffffff, 0x80000000,
				    0xffff, 0x10000, 0xfffffffe, 0xffffffff};
	u8 *p = heap_copy(b->data, b->len);

	for (size_t off = 0; off < H_END + 16; off++) {
		for (size_t i = 0; i < ARRAY_SIZE(bytes); i++) {
			u8 saved = p[off];
			p[off] = bytes[i];
			parse_mutated(p, b->len);
			p[off] = saved;
		}
		if (off < 0x1f0)
			continue;
		for (unsigned w = 2; w <= 4; w *= 2) {
			for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
				u8 saved[4];
				memcpy(saved, p + off, w);
				for (unsigned k = 0; k < w; k++)
					p[off + k] = (u8)(words[i] >> (8 * k));
				parse_mutated(p, b->len);
				memcpy(p + off, saved, w);
			}
		}
	}
	CHECK(memcmp(p, b->data, b->len) == 0);
	free(p);
}

/* The image cut to every length from 0 to past the setup part, each in an exact buffer. */
static void truncate_all(const struct builder *b, size_t upto)
{
	for (size_t t = 0; t <= upto && t <= b->len; t++) {
		u8 *p = heap_copy(b->data, t);
		parse_mutated(p, t);
		free(p);
	}
}

static void test_robust(void)
{
	log_set_level(LOG_DEBUG); /* format every message too */
	outcomes[0] = outcomes[1] = 0;
	build_valid(&B);
	mutate_header(&B);
	truncate_all(&B, SETUP_SIZE + 64);
	/* A small setup part (setup_sects 1), so truncation crosses both boundaries often. */
	build_valid(&B);
	B.data[H_SETUP_SECTS] = 1;
	B.len = 1024 + 32;
	mutate_header(&B);
	truncate_all(&B, B.len);
	log_set_level(LOG_INFO);
	CHECK(outcomes[0] > 0 && outcomes[1] > 0);
	printf("  robust: %d accepted, %d rejected\n", outcomes[1], outcomes[0]);
}

int main(void)
{
	RUN(test_valid_image);
	RUN(test_valid_edges);
	RUN(test_is_bzimage);
	RUN(test_real_kernel);
	RUN(test_null_args);
	RUN(test_too_short);
	RUN(test_boot_flag);
	RUN(test_header_magic);
	RUN(test_protocol_too_old);
	RUN(test_zimage);
	RUN(test_setup_truncated);
	RUN(test_kernel_empty);
	RUN(test_no_64bit_entry);
	RUN(test_alignment);
	RUN(test_init_size_zero);
	RUN(test_first_problem_reported);
	RUN(test_fits);
#ifdef CONFIG_TRACE_ERROR
	RUN(test_trace_names_the_check);
#endif
	RUN(test_robust);
	CHECK_MAIN_END();
}
