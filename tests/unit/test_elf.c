/*
 * Unit tests for core/elf.c. Images are assembled by a small builder from the ELF64 layout
 * in the System V gABI and handed to the parser in an exactly-sized heap buffer, so ASan
 * reports any read past the end. The constants below are spelled out here on purpose rather
 * than taken from core/elf.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/elf.h"
#include "core/error.h"
#include "core/log.h"
#include "tests/unit/check.h"
#include "tests/unit/le.h"

/* ---- ELF64 layout, from the spec ----------------------------------------------------- */

#define EHDR	     64
#define PHDR	     56
#define ET_REL	     1
#define ET_EXEC	     2
#define ET_DYN	     3
#define EM_X86_64    62
#define PT_NULL	     0
#define PT_LOAD	     1
#define PT_INTERP    3
#define PT_NOTE	     4
#define PT_PHDR	     6
#define PT_GNU_STACK 0x6474e551u
#define PF_X	     1
#define PF_W	     2
#define PF_R	     4

/* ---- builder ------------------------------------------------------------------------- */

struct builder {
	u8 data[8192];
	size_t len;
	u16 phnum;
};

static struct builder B;
static struct elf_image img;

/* Field offsets in the ELF header. */
enum {
	O_CLASS = 4,
	O_DATA = 5,
	O_IVERSION = 6,
	O_OSABI = 7,
	O_TYPE = 16,
	O_MACHINE = 18,
	O_VERSION = 20,
	O_ENTRY = 24,
	O_PHOFF = 32,
	O_SHOFF = 40,
	O_FLAGS = 48,
	O_EHSIZE = 52,
	O_PHENTSIZE = 54,
	O_PHNUM = 56,
	O_SHENTSIZE = 58,
};

/* Field offsets in a program header. */
enum {
	P_TYPE = 0,
	P_FLAGS = 4,
	P_OFFSET = 8,
	P_VADDR = 16,
	P_PADDR = 24,
	P_FILESZ = 32,
	P_MEMSZ = 40,
	P_ALIGN = 48,
};

/* An ELF header as ld writes it, program headers right after it; phnum and len grow. */
static void b_init(struct builder *b, u64 entry)
{
	u8 *h = b->data;

	memset(b->data, 0, sizeof(b->data));
	memcpy(h,
	       "\x7f"
	       "ELF",
	       4);
	h[O_CLASS] = 2;	   /* ELFCLASS64 */
	h[O_DATA] = 1;	   /* ELFDATA2LSB */
	h[O_IVERSION] = 1; /* EV_CURRENT */
	put16(h + O_TYPE, ET_EXEC);
	put16(h + O_MACHINE, EM_X86_64);
	put32(h + O_VERSION, 1);
	put64(h + O_ENTRY, entry);
	put64(h + O_PHOFF, EHDR);
	put64(h + O_SHOFF, 0);
	put16(h + O_EHSIZE, EHDR);
	put16(h + O_PHENTSIZE, PHDR);
	put16(h + O_PHNUM, 0);
	put16(h + O_SHENTSIZE, 64);
	b->phnum = 0;
	b->len = EHDR;
}

static u8 *phdr_at(struct builder *b, unsigned i)
{
	return b->data + EHDR + (size_t)i * PHDR;
}

/* Append a program header; returns its index. vaddr = paddr, as in an identity-linked image. */
static unsigned b_phdr(struct builder *b, u32 type, u32 flags, u64 offset, u64 paddr, u64 filesz,
		       u64 memsz)
{
	unsigned i = b->phnum++;
	u8 *p = phdr_at(b, i);

	put32(p + P_TYPE, type);
	put32(p + P_FLAGS, flags);
	put64(p + P_OFFSET, offset);
	put64(p + P_VADDR, paddr);
	put64(p + P_PADDR, paddr);
	put64(p + P_FILESZ, filesz);
	put64(p + P_MEMSZ, memsz);
	put64(p + P_ALIGN, type == PT_LOAD ? 0x1000 : 0x10);
	put16(b->data + O_PHNUM, b->phnum);
	if (b->len < EHDR + (size_t)b->phnum * PHDR)
		b->len = EHDR + (size_t)b->phnum * PHDR;
	return i;
}

/* Fill file bytes [off, off + n) with a recognisable pattern and extend the image to cover them. */
static void b_fill(struct builder *b, size_t off, size_t n, u8 seed)
{
	for (size_t i = 0; i < n; i++)
		b->data[off + i] = (u8)(seed + i * 7);
	if (b->len < off + n)
		b->len = off + n;
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
	int rc = elf_parse(p, len, "rt0", &img);

	free(p);
	return rc;
}

static int parse_builder(const struct builder *b)
{
	return parse_len(b, b->len);
}

/*
 * Parse, expect `rc` and exactly one log line, which is "elf: rt0: ..." and contains `msg`,
 * and expect *out to be zeroed.
 */
static void expect_reject(const struct builder *b, size_t len, int rc, const char *msg)
{
	static const struct elf_image zero;

	capture_reset();
	memset(&img, 0xa5, sizeof(img));
	CHECK_EQ(parse_len(b, len), rc);
	CHECK_LOG(msg);
	CHECK(strncmp(capture_text(), "elf: rt0: ", 10) == 0);
	CHECK_EQ(capture_lines(), 1);
	CHECK(memcmp(&img, &zero, sizeof(img)) == 0);
}

#define REJECT(rc, msg) expect_reject(&B, B.len, (rc), (msg))

/* ---- the valid image ----------------------------------------------------------------- */

/*
 * ld's layout for a small payload: a text segment (R X) and a data segment (RW) whose bss
 * makes memsz > filesz, plus PT_GNU_STACK. Loaded at 4 MiB, entry 0x10 into the text.
 */
#define TEXT_OFF  0x1000ULL
#define TEXT_PA	  0x400000ULL
#define TEXT_SZ	  0x180ULL
#define DATA_OFF  0x1180ULL
#define DATA_PA	  0x401180ULL
#define DATA_FSZ  0x48ULL
#define DATA_MSZ  0x2e80ULL
#define ENTRY	  (TEXT_PA + 0x10)
#define VALID_LEN (DATA_OFF + DATA_FSZ)
#define PH_TEXT	  0
#define PH_DATA	  1
#define PH_STACK  2

static void build_valid(struct builder *b)
{
	b_init(b, ENTRY);
	b_phdr(b, PT_LOAD, PF_R | PF_X, TEXT_OFF, TEXT_PA, TEXT_SZ, TEXT_SZ);
	b_phdr(b, PT_LOAD, PF_R | PF_W, DATA_OFF, DATA_PA, DATA_FSZ, DATA_MSZ);
	b_phdr(b, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	b_fill(b, TEXT_OFF, TEXT_SZ, 0x90);
	b_fill(b, DATA_OFF, DATA_FSZ, 0x11);
}

static void check_seg(u32 i, u64 paddr, u64 offset, u64 filesz, u64 memsz, u32 flags)
{
	CHECK_EQ(img.seg[i].paddr, paddr);
	CHECK_EQ(img.seg[i].offset, offset);
	CHECK_EQ(img.seg[i].filesz, filesz);
	CHECK_EQ(img.seg[i].memsz, memsz);
	CHECK_EQ(img.seg[i].flags, flags);
}

static void test_valid_image(void)
{
	static const struct elf_segment zero;

	build_valid(&B);
	CHECK_EQ(B.len, VALID_LEN);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(img.entry, ENTRY);
	CHECK_EQ(img.segment_count, 2);
	check_seg(0, TEXT_PA, TEXT_OFF, TEXT_SZ, TEXT_SZ, ELF_PF_R | ELF_PF_X);
	check_seg(1, DATA_PA, DATA_OFF, DATA_FSZ, DATA_MSZ, ELF_PF_R | ELF_PF_W);
	for (u32 i = 2; i < ELF_MAX_SEGMENTS; i++)
		CHECK(memcmp(&img.seg[i], &zero, sizeof(zero)) == 0);
	CHECK_EQ(capture_text()[0], 0); /* a good image logs nothing at info level */

	/* At debug level it says what it found. */
	log_set_level(LOG_DEBUG);
	capture_reset();
	CHECK_EQ(parse_builder(&B), 0);
	log_set_level(LOG_INFO);
	CHECK_LOG("elf: rt0: program header 0: paddr 0x400000-0x400180 R-X, 0x180 bytes from "
		  "offset 0x1000\n");
	CHECK_LOG("elf: rt0: program header 1: paddr 0x401180-0x404000 RW-, 0x48 bytes from "
		  "offset 0x1180\n");
	CHECK_LOG("elf: rt0: entry 0x400010, 2 loadable segments\n");
}

static void test_elf_is_elf(void)
{
	u8 *p = heap_copy("\x7f"
			  "ELF",
			  4);

	CHECK(elf_is_elf(p, 4));
	CHECK(!elf_is_elf(p, 3));
	CHECK(!elf_is_elf(p, 0));
	CHECK(!elf_is_elf(NULL, 4));
	p[3] = 'f';
	CHECK(!elf_is_elf(p, 4));
	free(p);
	build_valid(&B);
	CHECK(elf_is_elf(B.data, B.len));
	CHECK_EQ(capture_text()[0], 0);
}

/* The hypervisor itself: an ELF64 ET_EXEC image ld linked for GRUB to load by paddr. */
static void test_bulkhead_bin(void)
{
	static const char path[] = "build/bulkhead.bin";
	FILE *f = fopen(path, "rb");
	long size;
	u8 *p;

	if (!f) {
		printf("  note: %s absent (run make first), real-image check skipped\n", path);
		return;
	}
	CHECK(fseek(f, 0, SEEK_END) == 0);
	size = ftell(f);
	CHECK(size > EHDR);
	if (size <= EHDR) {
		fclose(f);
		return;
	}
	rewind(f);
	p = malloc((size_t)size);
	CHECK_EQ(fread(p, 1, (size_t)size, f), size);
	fclose(f);

	CHECK(elf_is_elf(p, (size_t)size));
	CHECK_EQ(elf_parse(p, (size_t)size, "bulkhead.bin", &img), 0);
	CHECK_EQ(img.entry, get64(p + O_ENTRY));
	CHECK(img.entry != 0);
	CHECK(img.segment_count >= 1 && img.segment_count <= ELF_MAX_SEGMENTS);
	/* boot/linker.ld starts the image at 2 MiB. */
	CHECK_EQ(img.seg[0].paddr, 0x200000);
	for (u32 i = 0; i < img.segment_count && i < ELF_MAX_SEGMENTS; i++) {
		CHECK(img.seg[i].offset + img.seg[i].filesz <= (u64)size);
		CHECK(img.seg[i].filesz <= img.seg[i].memsz);
	}
	free(p);
}

/* ---- rejections: the ELF header ------------------------------------------------------ */

static void test_null_args(void)
{
	build_valid(&B);
	capture_reset();
	CHECK_EQ(elf_parse(B.data, B.len, "rt0", NULL), E_INVAL);
	CHECK_LOG("elf: rt0: no output struct\n");
	capture_reset();
	memset(&img, 0xa5, sizeof(img));
	CHECK_EQ(elf_parse(NULL, 4096, "rt0", &img), E_INVAL);
	CHECK_LOG("elf: rt0: no image (NULL pointer)\n");
	CHECK_EQ(img.segment_count, 0);
	/* No name: messages still say which module it is not. */
	capture_reset();
	CHECK_EQ(elf_parse(B.data, 10, NULL, &img), E_RANGE);
	CHECK_LOG("elf: image: image is 10 bytes");
}

static void test_too_short(void)
{
	build_valid(&B);
	expect_reject(&B, 0, E_RANGE,
		      "elf: rt0: image is 0 bytes, too small for the 64-byte ELF64 header\n");
	expect_reject(&B, 4, E_RANGE, "elf: rt0: image is 4 bytes, too small");
	expect_reject(&B, 63, E_RANGE, "elf: rt0: image is 63 bytes, too small");
}

static void test_bad_magic(void)
{
	build_valid(&B);
	B.data[0] = 'M';
	B.data[1] = 'Z';
	REJECT(E_INVAL, "elf: rt0: not an ELF image (starts with 4d 5a 4c 46, expected 7f 45 4c "
			"46)\n");
	build_valid(&B);
	B.data[3] = 0;
	REJECT(E_INVAL, "elf: rt0: not an ELF image (starts with 7f 45 4c 00");
}

static void test_class_32bit(void)
{
	build_valid(&B);
	B.data[O_CLASS] = 1;
	REJECT(E_INVAL, "elf: rt0: 32-bit ELF, need ELF64 (EI_CLASS 1, need 2)\n");
	B.data[O_CLASS] = 0;
	REJECT(E_INVAL, "elf: rt0: invalid EI_CLASS 0, need ELF64 (2)\n");
	B.data[O_CLASS] = 3;
	REJECT(E_INVAL, "elf: rt0: invalid EI_CLASS 3, need ELF64 (2)\n");
}

static void test_big_endian(void)
{
	build_valid(&B);
	B.data[O_DATA] = 2;
	REJECT(E_INVAL, "elf: rt0: big-endian ELF, need little-endian (EI_DATA 2, need 1)\n");
	B.data[O_DATA] = 0;
	REJECT(E_INVAL, "elf: rt0: invalid EI_DATA 0, need little-endian (1)\n");
}

static void test_ident_version(void)
{
	build_valid(&B);
	B.data[O_IVERSION] = 0;
	REJECT(E_INVAL, "elf: rt0: EI_VERSION 0, need 1 (EV_CURRENT)\n");
	B.data[O_IVERSION] = 2;
	REJECT(E_INVAL, "elf: rt0: EI_VERSION 2, need 1 (EV_CURRENT)\n");
	/* The e_version word must say the same. */
	build_valid(&B);
	put32(B.data + O_VERSION, 0);
	REJECT(E_INVAL, "elf: rt0: e_version 0, need 1 (EV_CURRENT)\n");
	put32(B.data + O_VERSION, 0x100);
	REJECT(E_INVAL, "elf: rt0: e_version 256, need 1 (EV_CURRENT)\n");
}

static void test_type_dyn(void)
{
	build_valid(&B);
	put16(B.data + O_TYPE, ET_DYN);
	REJECT(E_INVAL, "elf: rt0: e_type 3 (ET_DYN): position-independent images are not "
			"supported, link at a fixed address (ET_EXEC)\n");
}

static void test_type_other(void)
{
	build_valid(&B);
	put16(B.data + O_TYPE, ET_REL);
	REJECT(E_INVAL, "elf: rt0: e_type 1 is a relocatable object (ET_REL), need an executable "
			"(ET_EXEC, 2)\n");
	put16(B.data + O_TYPE, 0);
	REJECT(E_INVAL, "elf: rt0: e_type 0 is no file type (ET_NONE), need an executable");
	put16(B.data + O_TYPE, 4);
	REJECT(E_INVAL, "elf: rt0: e_type 4 is a core file (ET_CORE), need an executable");
	put16(B.data + O_TYPE, 0xfe00);
	REJECT(E_INVAL, "elf: rt0: e_type 65024 is an unknown type, need an executable");
	/* Byte-swapped ET_EXEC (what a big-endian header would hold) is not ET_EXEC. */
	put16(B.data + O_TYPE, 0x0200);
	REJECT(E_INVAL, "elf: rt0: e_type 512 is an unknown type");
}

static void test_machine(void)
{
	build_valid(&B);
	put16(B.data + O_MACHINE, 3); /* EM_386 */
	REJECT(E_INVAL, "elf: rt0: e_machine 3, need x86-64 (62)\n");
	put16(B.data + O_MACHINE, 183); /* EM_AARCH64 */
	REJECT(E_INVAL, "elf: rt0: e_machine 183, need x86-64 (62)\n");
	put16(B.data + O_MACHINE, 0);
	REJECT(E_INVAL, "elf: rt0: e_machine 0, need x86-64 (62)\n");
}

static void test_phentsize(void)
{
	build_valid(&B);
	put16(B.data + O_PHENTSIZE, 32); /* Elf32_Phdr */
	REJECT(E_INVAL, "elf: rt0: e_phentsize 32, need 56 (Elf64_Phdr)\n");
	put16(B.data + O_PHENTSIZE, 64);
	REJECT(E_INVAL, "elf: rt0: e_phentsize 64, need 56 (Elf64_Phdr)\n");
	put16(B.data + O_PHENTSIZE, 0);
	REJECT(E_INVAL, "elf: rt0: e_phentsize 0, need 56 (Elf64_Phdr)\n");
}

static void test_phnum_zero(void)
{
	build_valid(&B);
	put16(B.data + O_PHNUM, 0);
	REJECT(E_NOTFOUND, "elf: rt0: no program headers (e_phnum 0)\n");
	/* Also when there is nothing but the header. */
	b_init(&B, ENTRY);
	CHECK_EQ(B.len, EHDR);
	REJECT(E_NOTFOUND, "elf: rt0: no program headers (e_phnum 0)\n");
}

static void test_phnum_xnum(void)
{
	/* A file big enough to hold 0xffff headers: still refused. */
	static u8 big[EHDR + 0xffff * PHDR];
	u8 *p;

	build_valid(&B);
	memcpy(big, B.data, B.len);
	put16(big + O_PHNUM, 0xffff);
	p = heap_copy(big, sizeof(big));
	capture_reset();
	CHECK_EQ(elf_parse(p, sizeof(big), "rt0", &img), E_INVAL);
	CHECK_LOG("elf: rt0: e_phnum 0xffff (PN_XNUM, extended numbering) is not supported\n");
	CHECK_EQ(capture_lines(), 1);
	free(p);
}

static void test_phdr_table_outside(void)
{
	build_valid(&B);
	/* Header and program headers only: the table ends exactly at len and is fine... */
	put64(B.data + O_PHOFF, B.len - 3 * PHDR);
	memcpy(B.data + B.len - 3 * PHDR, phdr_at(&B, 0), 3 * PHDR);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(img.segment_count, 2);
	/* ...one byte later it is not. */
	put64(B.data + O_PHOFF, B.len - 3 * PHDR + 1);
	REJECT(E_RANGE, "elf: rt0: program header table (e_phoff 0x1121, 3 entries of 56 bytes) "
			"runs past the end of the 4552-byte image\n");
	put64(B.data + O_PHOFF, B.len);
	REJECT(E_RANGE, "elf: rt0: program header table (e_phoff 0x11c8, 3 entries");
	put64(B.data + O_PHOFF, 0x100000000ULL);
	REJECT(E_RANGE, "elf: rt0: program header table (e_phoff 0x100000000, 3 entries");
	/* phoff + table size wraps to a small number. */
	put64(B.data + O_PHOFF, 0xffffffffffffffc0ULL);
	REJECT(E_RANGE, "elf: rt0: program header table (e_phoff 0xffffffffffffffc0, 3 entries");
	put64(B.data + O_PHOFF, ~0ULL);
	REJECT(E_RANGE, "elf: rt0: program header table (e_phoff 0xffffffffffffffff, 3 entries");

	/* phnum claims more headers than the file has room for. */
	build_valid(&B);
	put16(B.data + O_PHNUM, 0xfffe);
	REJECT(E_RANGE, "elf: rt0: program header table (e_phoff 0x40, 65534 entries of 56 bytes) "
			"runs past the end of the 4552-byte image\n");
	/* Just the headers, the image cut inside the last one. */
	build_valid(&B);
	expect_reject(&B, EHDR + 3 * PHDR - 1, E_RANGE,
		      "elf: rt0: program header table (e_phoff 0x40, 3 entries of 56 bytes) runs "
		      "past the end of the 231-byte image\n");
}

/* ---- rejections: the program headers ------------------------------------------------- */

static void test_no_load_segment(void)
{
	b_init(&B, ENTRY);
	b_phdr(&B, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	b_phdr(&B, PT_NOTE, PF_R, EHDR + 3 * PHDR, 0, 0x20, 0x20);
	b_phdr(&B, PT_LOAD, PF_R | PF_X, 0, TEXT_PA, 0, 0); /* empty: skipped */
	b_fill(&B, EHDR + 3 * PHDR, 0x20, 0);
	REJECT(E_NOTFOUND, "elf: rt0: no loadable segment (no PT_LOAD with p_memsz > 0 among 3 "
			   "program headers)\n");
}

/*
 * n PT_LOAD segments of one page each in memory and 0x10 bytes each in the file (from
 * LOADS_OFF on), the first executable and holding the entry.
 */
#define LOADS_OFF 0x800
static void build_loads(struct builder *b, unsigned n)
{
	b_init(b, TEXT_PA);
	for (unsigned i = 0; i < n; i++)
		b_phdr(b, PT_LOAD, i ? PF_R : PF_R | PF_X, LOADS_OFF + 0x10 * i,
		       TEXT_PA + 0x1000 * (u64)i, 0x10, 0x1000);
	for (unsigned i = 0; i < n; i++)
		b_fill(b, LOADS_OFF + 0x10 * i, 0x10, (u8)i);
}

static void test_too_many_segments(void)
{
	build_loads(&B, ELF_MAX_SEGMENTS);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(img.segment_count, ELF_MAX_SEGMENTS);
	check_seg(ELF_MAX_SEGMENTS - 1, TEXT_PA + 0x1000 * (ELF_MAX_SEGMENTS - 1),
		  LOADS_OFF + 0x10 * (ELF_MAX_SEGMENTS - 1), 0x10, 0x1000, ELF_PF_R);

	build_loads(&B, ELF_MAX_SEGMENTS + 1);
	REJECT(E_NOMEM, "elf: rt0: 9 loadable segments, at most 8 supported\n");
	build_loads(&B, 20);
	REJECT(E_NOMEM, "elf: rt0: 20 loadable segments, at most 8 supported\n");

	/* Empty PT_LOADs and other types do not count. */
	build_loads(&B, ELF_MAX_SEGMENTS);
	b_phdr(&B, PT_LOAD, PF_R, 0, 0x10000000, 0, 0);
	b_phdr(&B, PT_NOTE, PF_R, LOADS_OFF, 0, 0x10, 0x10);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(img.segment_count, ELF_MAX_SEGMENTS);
}

static void test_segment_outside_file(void)
{
	/* Ends exactly at the end of the file: fine. */
	build_valid(&B);
	CHECK_EQ(parse_builder(&B), 0);
	/* One byte more is not. */
	put64(phdr_at(&B, PH_DATA) + P_FILESZ, DATA_FSZ + 1);
	REJECT(E_RANGE, "elf: rt0: program header 1: file bytes at p_offset 0x1180, p_filesz 0x49 "
			"lie outside the 4552-byte image\n");
	/* Nor is the image cut one byte short. */
	build_valid(&B);
	expect_reject(&B, B.len - 1, E_RANGE,
		      "elf: rt0: program header 1: file bytes at p_offset 0x1180, p_filesz 0x48 "
		      "lie outside the 4551-byte image\n");
	/* Offset past the end. */
	build_valid(&B);
	put64(phdr_at(&B, PH_TEXT) + P_OFFSET, 0x10000);
	REJECT(E_RANGE, "elf: rt0: program header 0: file bytes at p_offset 0x10000, p_filesz "
			"0x180 lie outside");
	/* offset + filesz wraps past 2^64 to inside the file. */
	build_valid(&B);
	put64(phdr_at(&B, PH_TEXT) + P_OFFSET, 0xffffffffffffff00ULL);
	put64(phdr_at(&B, PH_TEXT) + P_FILESZ, 0x110);
	REJECT(E_RANGE, "elf: rt0: program header 0: file bytes at p_offset 0xffffffffffffff00, "
			"p_filesz 0x110 lie outside");
	/* A huge filesz (memsz as large, so the filesz <= memsz check passes). */
	build_valid(&B);
	put64(phdr_at(&B, PH_DATA) + P_FILESZ, ~0ULL);
	put64(phdr_at(&B, PH_DATA) + P_MEMSZ, ~0ULL);
	REJECT(E_RANGE, "elf: rt0: program header 1: file bytes at p_offset 0x1180, p_filesz "
			"0xffffffffffffffff lie outside");

	/* A bss-only segment: filesz 0 with the offset at the very end of the file is fine. */
	build_valid(&B);
	b_phdr(&B, PT_LOAD, PF_R | PF_W, VALID_LEN, 0x800000, 0, 0x1000);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(img.segment_count, 3);
	check_seg(2, 0x800000, VALID_LEN, 0, 0x1000, ELF_PF_R | ELF_PF_W);
	put64(phdr_at(&B, 3) + P_OFFSET, VALID_LEN + 1);
	REJECT(E_RANGE, "elf: rt0: program header 3: file bytes at p_offset 0x11c9, p_filesz 0x0 "
			"lie outside the 4552-byte image\n");
}

static void test_filesz_above_memsz(void)
{
	build_valid(&B);
	put64(phdr_at(&B, PH_DATA) + P_MEMSZ, DATA_FSZ - 1);
	REJECT(E_INVAL, "elf: rt0: program header 1: p_filesz 0x48 is larger than p_memsz 0x47\n");
	/* Equal is fine (no bss). */
	put64(phdr_at(&B, PH_DATA) + P_MEMSZ, DATA_FSZ);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(img.seg[1].memsz, DATA_FSZ);
	/* memsz 0 does not make a segment with file bytes "empty". */
	put64(phdr_at(&B, PH_DATA) + P_MEMSZ, 0);
	REJECT(E_INVAL, "elf: rt0: program header 1: p_filesz 0x48 is larger than p_memsz 0x0\n");
}

static void test_paddr_wraps(void)
{
	build_valid(&B);
	put64(phdr_at(&B, PH_DATA) + P_PADDR, 0xfffffffffffff000ULL);
	put64(phdr_at(&B, PH_DATA) + P_MEMSZ, 0x1001);
	REJECT(E_RANGE, "elf: rt0: program header 1: p_paddr 0xfffffffffffff000 + p_memsz 0x1001 "
			"wraps past the top of the physical address space\n");
	/* Ending exactly at 2^64 is refused too: the end would read as 0. */
	put64(phdr_at(&B, PH_DATA) + P_MEMSZ, 0x1000);
	REJECT(E_RANGE, "elf: rt0: program header 1: p_paddr 0xfffffffffffff000 + p_memsz 0x1000 "
			"wraps");
	/* One byte short of the top is the highest segment there can be. */
	put64(phdr_at(&B, PH_DATA) + P_MEMSZ, 0xfff);
	CHECK_EQ(parse_builder(&B), 0);
	check_seg(1, 0xfffffffffffff000ULL, DATA_OFF, DATA_FSZ, 0xfff, ELF_PF_R | ELF_PF_W);
	/* A huge memsz from a low address. */
	build_valid(&B);
	put64(phdr_at(&B, PH_DATA) + P_MEMSZ, ~0ULL);
	REJECT(E_RANGE, "elf: rt0: program header 1: p_paddr 0x401180 + p_memsz "
			"0xffffffffffffffff wraps");
}

static void test_segments_overlap(void)
{
	/* Data starting one byte before the text ends. */
	build_valid(&B);
	put64(phdr_at(&B, PH_DATA) + P_PADDR, TEXT_PA + TEXT_SZ - 1);
	REJECT(E_INVAL, "elf: rt0: program headers 0 and 1 overlap in physical memory "
			"(0x400000-0x400180 and 0x40017f-0x402fff)\n");
	/* Adjacent is fine. */
	put64(phdr_at(&B, PH_DATA) + P_PADDR, TEXT_PA + TEXT_SZ);
	CHECK_EQ(parse_builder(&B), 0);
	/* The data's bss running into a segment after it counts (memsz, not filesz). */
	build_valid(&B);
	b_phdr(&B, PT_LOAD, PF_R, 0, DATA_PA + DATA_MSZ - 1, 0, 0x10);
	REJECT(E_INVAL, "elf: rt0: program headers 1 and 3 overlap in physical memory "
			"(0x401180-0x404000 and 0x403fff-0x40400f)\n");
	/* One segment wholly inside another, listed first. */
	build_valid(&B);
	put64(phdr_at(&B, PH_TEXT) + P_PADDR, DATA_PA + 0x100);
	put64(phdr_at(&B, PH_TEXT) + P_VADDR, DATA_PA + 0x100);
	put64(B.data + O_ENTRY, DATA_PA + 0x110);
	REJECT(E_INVAL, "elf: rt0: program headers 0 and 1 overlap in physical memory "
			"(0x401280-0x401400 and 0x401180-0x404000)\n");
	/* The same physical address for both. */
	build_valid(&B);
	put64(phdr_at(&B, PH_DATA) + P_PADDR, TEXT_PA);
	REJECT(E_INVAL, "elf: rt0: program headers 0 and 1 overlap");
	/* Overlap in vaddr only is no overlap: segments go by paddr. */
	build_valid(&B);
	put64(phdr_at(&B, PH_DATA) + P_VADDR, TEXT_PA);
	CHECK_EQ(parse_builder(&B), 0);
}

static void test_entry_outside(void)
{
	build_valid(&B);
	put64(B.data + O_ENTRY, 0x100000);
	REJECT(E_INVAL, "elf: rt0: entry point 0x100000 is not inside any loadable segment "
			"(physical addresses)\n");
	put64(B.data + O_ENTRY, 0);
	REJECT(E_INVAL, "elf: rt0: entry point 0x0 is not inside any loadable segment");
	put64(B.data + O_ENTRY, DATA_PA + DATA_MSZ); /* one past the end of the data */
	REJECT(E_INVAL, "elf: rt0: entry point 0x404000 is not inside any loadable segment");
	put64(B.data + O_ENTRY, TEXT_PA - 1);
	REJECT(E_INVAL, "elf: rt0: entry point 0x3fffff is not inside any loadable segment");
	/* Entry by virtual address when vaddr != paddr: not where the CPU will jump. */
	build_valid(&B);
	put64(phdr_at(&B, PH_TEXT) + P_VADDR, 0xffffffff80000000ULL);
	put64(B.data + O_ENTRY, 0xffffffff80000010ULL);
	REJECT(E_INVAL, "elf: rt0: entry point 0xffffffff80000010 is not inside any loadable "
			"segment (physical addresses)\n");
	/* ...while a physical entry works with any vaddr. */
	put64(B.data + O_ENTRY, ENTRY);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(img.entry, ENTRY);
	CHECK_EQ(img.seg[0].paddr, TEXT_PA);
}

static void test_entry_not_executable(void)
{
	build_valid(&B);
	put64(B.data + O_ENTRY, DATA_PA);
	REJECT(E_INVAL, "elf: rt0: entry point 0x401180 is in program header 1 (0x401180-0x404000 "
			"RW-), which is not executable\n");
	/* Executable but only writable: W|X is allowed, flags kept as given. */
	put32(phdr_at(&B, PH_DATA) + P_FLAGS, PF_W | PF_X);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(img.seg[1].flags, ELF_PF_W | ELF_PF_X);
	/* The text made non-executable. */
	build_valid(&B);
	put32(phdr_at(&B, PH_TEXT) + P_FLAGS, PF_R);
	REJECT(E_INVAL, "elf: rt0: entry point 0x400010 is in program header 0 (0x400000-0x400180 "
			"R--), which is not executable\n");
	put32(phdr_at(&B, PH_TEXT) + P_FLAGS, 0);
	REJECT(E_INVAL, "(0x400000-0x400180 ---), which is not executable\n");
}

static void test_entry_in_bss(void)
{
	/* An executable segment with a zero-filled tail; the entry in the tail. */
	build_valid(&B);
	put64(phdr_at(&B, PH_TEXT) + P_MEMSZ, 0x1000);
	put64(phdr_at(&B, PH_DATA) + P_PADDR, TEXT_PA + 0x1000);
	put64(B.data + O_ENTRY, TEXT_PA + TEXT_SZ);
	REJECT(E_INVAL, "elf: rt0: entry point 0x400180 is in the zero-filled part of program "
			"header 0 (file bytes end at 0x400180)\n");
	/* The last file byte and the first one are fine. */
	put64(B.data + O_ENTRY, TEXT_PA + TEXT_SZ - 1);
	CHECK_EQ(parse_builder(&B), 0);
	put64(B.data + O_ENTRY, TEXT_PA);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(img.entry, TEXT_PA);
}

/* ---- what is ignored ------------------------------------------------------------------ */

static void test_other_headers_ignored(void)
{
	/* Other types, even with nonsense in them, and an empty PT_LOAD with nonsense in it. */
	build_valid(&B);
	b_phdr(&B, PT_NULL, 0, ~0ULL, ~0ULL, ~0ULL, 0);
	b_phdr(&B, PT_NOTE, PF_R, 0x7fffffffffffULL, 0, 0x1000000, 0);
	b_phdr(&B, PT_PHDR, PF_R, EHDR, TEXT_PA, 0x300, 0x300); /* overlaps the text */
	b_phdr(&B, PT_INTERP, PF_R, ~0ULL, 0, 0x20, 0x20);
	b_phdr(&B, 0x6474e552 /* PT_GNU_RELRO */, PF_R, 0, DATA_PA, 0x10, 0x10);
	b_phdr(&B, 0x70000000 /* PT_LOPROC */, PF_R, 0, 0, 0, ~0ULL);
	b_phdr(&B, PT_LOAD, PF_R | PF_X, ~0ULL, ~0ULL, 0, 0);
	CHECK_EQ(B.len, VALID_LEN); /* the headers still fit before the text */
	/* OS- and processor-specific flag bits are dropped, R/W/X kept. */
	put32(phdr_at(&B, PH_TEXT) + P_FLAGS, 0xf0f00000 | PF_R | PF_X);
	/* Fields the parser does not use. */
	B.data[O_OSABI] = 3; /* ELFOSABI_GNU */
	B.data[8] = 1;	     /* EI_ABIVERSION */
	B.data[15] = 0xff;   /* padding */
	put64(B.data + O_SHOFF, ~0ULL);
	put32(B.data + O_FLAGS, 0xdeadbeef);
	put16(B.data + O_EHSIZE, 0);
	put16(B.data + O_SHENTSIZE, 0);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(img.entry, ENTRY);
	CHECK_EQ(img.segment_count, 2);
	check_seg(0, TEXT_PA, TEXT_OFF, TEXT_SZ, TEXT_SZ, ELF_PF_R | ELF_PF_X);
	check_seg(1, DATA_PA, DATA_OFF, DATA_FSZ, DATA_MSZ, ELF_PF_R | ELF_PF_W);
	CHECK_EQ(capture_text()[0], 0);
}

/* Segments listed out of address order are kept in program header order. */
static void test_order_kept(void)
{
	b_init(&B, 0x300000);
	b_phdr(&B, PT_LOAD, PF_R | PF_W, 0x200, 0x500000, 0x10, 0x20);
	b_phdr(&B, PT_LOAD, PF_R | PF_X, 0x100, 0x300000, 0x40, 0x40);
	b_fill(&B, 0x100, 0x40, 1);
	b_fill(&B, 0x200, 0x10, 2);
	CHECK_EQ(parse_builder(&B), 0);
	CHECK_EQ(img.segment_count, 2);
	check_seg(0, 0x500000, 0x200, 0x10, 0x20, ELF_PF_R | ELF_PF_W);
	check_seg(1, 0x300000, 0x100, 0x40, 0x40, ELF_PF_R | ELF_PF_X);
}

/* buf need not be aligned: every field is read byte by byte. */
static void test_misaligned_buffer(void)
{
	u8 *p;

	build_valid(&B);
	p = malloc(B.len + 3);
	memcpy(p + 3, B.data, B.len);
	CHECK_EQ(elf_parse(p + 3, B.len, "rt0", &img), 0);
	CHECK_EQ(img.entry, ENTRY);
	check_seg(1, DATA_PA, DATA_OFF, DATA_FSZ, DATA_MSZ, ELF_PF_R | ELF_PF_W);
	free(p);
}

#ifdef CONFIG_TRACE_ERROR
static void test_trace_names_the_check(void)
{
	build_valid(&B);
	put16(B.data + O_TYPE, ET_DYN);
	CHECK_EQ(parse_builder(&B), E_INVAL);
	CHECK_LOG("position-independent images are not supported");
	CHECK_LOG("trace: core/elf.c:");
	CHECK_LOG(": invalid");
}
#endif

/* ---- robustness ---------------------------------------------------------------------- */

/*
 * What a successful parse promises, checked against the raw bytes it came from: every
 * segment is an actual PT_LOAD program header of the image, inside the file, filesz <=
 * memsz, no wrap, no overlap, and the entry in file bytes of an executable segment.
 */
static void check_invariants(const u8 *p, size_t len)
{
	u16 phnum = get16(p + O_PHNUM);
	u64 phoff = get64(p + O_PHOFF);
	u32 n = img.segment_count;
	int entry_ok = 0;

	CHECK(len >= EHDR);
	CHECK(n >= 1 && n <= ELF_MAX_SEGMENTS);
	if (n > ELF_MAX_SEGMENTS || len < EHDR)
		return;
	CHECK_EQ(img.entry, get64(p + O_ENTRY));
	CHECK(phoff <= len && (u64)phnum * PHDR <= len - phoff);
	for (u32 i = 0; i < n; i++) {
		const struct elf_segment *s = &img.seg[i];
		int found = 0;

		CHECK(s->memsz > 0);
		CHECK(s->filesz <= s->memsz);
		CHECK(s->offset <= len && s->filesz <= len - s->offset);
		CHECK(s->paddr + s->memsz > s->paddr);
		CHECK((s->flags & ~7u) == 0);
		for (u32 j = 0; j < i; j++) {
			const struct elf_segment *t = &img.seg[j];
			CHECK(s->paddr >= t->paddr + t->memsz || t->paddr >= s->paddr + s->memsz);
		}
		if ((s->flags & ELF_PF_X) && img.entry >= s->paddr &&
		    img.entry - s->paddr < s->filesz)
			entry_ok = 1;
		/* It came from a PT_LOAD header (only looked for if the table is readable). */
		for (u32 k = 0; k < phnum && phoff <= len && (u64)phnum * PHDR <= len - phoff;
		     k++) {
			const u8 *ph = p + phoff + (size_t)k * PHDR;
			if (get32(ph + P_TYPE) == PT_LOAD && get64(ph + P_PADDR) == s->paddr &&
			    get64(ph + P_OFFSET) == s->offset &&
			    get64(ph + P_FILESZ) == s->filesz && get64(ph + P_MEMSZ) == s->memsz &&
			    (get32(ph + P_FLAGS) & 7) == s->flags)
				found = 1;
		}
		CHECK(found);
	}
	CHECK(entry_ok);
}

static int outcomes[2];

static void parse_mutated(const u8 *p, size_t len)
{
	int rc = elf_parse(p, len, "rt0", &img);

	CHECK(rc == 0 || rc == E_INVAL || rc == E_RANGE || rc == E_NOTFOUND || rc == E_NOMEM);
	if (rc == 0)
		check_invariants(p, len);
	outcomes[rc == 0]++;
	capture_reset(); /* keep the capture buffer from filling up */
}

/*
 * Every byte of the ELF header and program headers set to a few values, and every 16-, 32-
 * and 64-bit window there to a few values that sit on the edges of the checks.
 */
static void mutate_headers(const struct builder *b)
{
	static const u8 bytes[] = {0x00, 0x01, 0x02, 0x07, 0x38, 0x7f, 0x80, 0xff};
	const u64 words[] = {0,
			     1,
			     PHDR,
			     0xffff,
			     b->len,
			     b->len - 1,
			     b->len + 1,
			     TEXT_PA,
			     DATA_PA + DATA_MSZ - 1,
			     0x7fffffffffffffffULL,
			     0xfffffffffffff000ULL,
			     ~0ULL};
	size_t hdr_end = EHDR + (size_t)b->phnum * PHDR;
	u8 *p = heap_copy(b->data, b->len);

	for (size_t off = 0; off < hdr_end; off++) {
		for (size_t i = 0; i < ARRAY_SIZE(bytes); i++) {
			u8 saved = p[off];
			p[off] = bytes[i];
			parse_mutated(p, b->len);
			p[off] = saved;
		}
		for (unsigned w = 2; w <= 8; w *= 2) {
			if (off + w > b->len)
				continue;
			for (size_t i = 0; i < ARRAY_SIZE(words); i++) {
				u8 saved[8];
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

/* The image cut to every length 0..len, each in a buffer of exactly that many bytes. */
static void truncate_all(const struct builder *b)
{
	for (size_t t = 0; t <= b->len; t++) {
		u8 *p = heap_copy(b->data, t);
		parse_mutated(p, t);
		free(p);
	}
}

static void test_robust_valid(void)
{
	log_set_level(LOG_DEBUG); /* format every message too */
	build_valid(&B);
	outcomes[0] = outcomes[1] = 0;
	mutate_headers(&B);
	truncate_all(&B);
	log_set_level(LOG_INFO);
	CHECK(outcomes[0] > 0 && outcomes[1] > 0);
	printf("  robust_valid: %d accepted, %d rejected\n", outcomes[1], outcomes[0]);
}

/* The same on a table at its limit: ELF_MAX_SEGMENTS loads plus an ignored header. */
static void test_robust_many(void)
{
	log_set_level(LOG_DEBUG);
	build_loads(&B, ELF_MAX_SEGMENTS);
	b_phdr(&B, PT_GNU_STACK, PF_R | PF_W, 0, 0, 0, 0);
	outcomes[0] = outcomes[1] = 0;
	mutate_headers(&B);
	truncate_all(&B);
	log_set_level(LOG_INFO);
	CHECK(outcomes[0] > 0 && outcomes[1] > 0);
	printf("  robust_many: %d accepted, %d rejected\n", outcomes[1], outcomes[0]);
}

int main(void)
{
	RUN(test_valid_image);
	RUN(test_elf_is_elf);
	RUN(test_bulkhead_bin);
	RUN(test_null_args);
	RUN(test_too_short);
	RUN(test_bad_magic);
	RUN(test_class_32bit);
	RUN(test_big_endian);
	RUN(test_ident_version);
	RUN(test_type_dyn);
	RUN(test_type_other);
	RUN(test_machine);
	RUN(test_phentsize);
	RUN(test_phnum_zero);
	RUN(test_phnum_xnum);
	RUN(test_phdr_table_outside);
	RUN(test_no_load_segment);
	RUN(test_too_many_segments);
	RUN(test_segment_outside_file);
	RUN(test_filesz_above_memsz);
	RUN(test_paddr_wraps);
	RUN(test_segments_overlap);
	RUN(test_entry_outside);
	RUN(test_entry_not_executable);
	RUN(test_entry_in_bss);
	RUN(test_other_headers_ignored);
	RUN(test_order_kept);
	RUN(test_misaligned_buffer);
#ifdef CONFIG_TRACE_ERROR
	RUN(test_trace_names_the_check);
#endif
	RUN(test_robust_valid);
	RUN(test_robust_many);
	CHECK_MAIN_END();
}
