/* Unit tests for arch/x86/guest_paging.c: page tables built in a fake guest memory (64 KiB
 * from guest-physical 0; anything else unreadable) for each paging mode, walked to the
 * address they map, then broken one entry at a time. */
#include <string.h>

#include "arch/x86/guest_paging.h"
#include "tests/unit/check.h"

#define MEM_SIZE 0x10000u
static u8 mem[MEM_SIZE];

static bool fake_read(void *ctx, u64 gpa, void *buf, u32 len)
{
	(void)ctx;
	if (gpa >= MEM_SIZE || len > MEM_SIZE - gpa)
		return false;
	memcpy(buf, mem + gpa, len);
	return true;
}

static void put64(u64 gpa, u64 v)
{
	memcpy(mem + gpa, &v, 8);
}

static void put32(u64 gpa, u32 v)
{
	memcpy(mem + gpa, &v, 4);
}

static struct guest_paging gp;

static void setup(u64 cr0, u64 cr3, u64 cr4, u64 efer)
{
	memset(mem, 0, sizeof(mem));
	gp = (struct guest_paging){cr0, cr3, cr4, efer, fake_read, NULL};
}

/* The walk's result, or ~0 for a failure (whose code is in `last_err`). */
static int last_err;
static u64 xlate(u64 linear)
{
	u64 gpa = ~0ULL;

	last_err = guest_translate(&gp, linear, &gpa);
	return last_err ? ~0ULL : gpa;
}

#define PG   CR0_PG
#define P    GPT_P
#define RW   0x2ULL
#define PS   GPT_PS
#define FAIL ~0ULL

static void test_paging_off(void)
{
	setup(CR0_PE, 0x1000, CR4_PAE, 0);
	CHECK_EQ(xlate(0x12345678), 0x12345678);
	CHECK_EQ(xlate(0x100001000ULL), 0x1000); /* a linear address has 32 bits */
	CHECK_EQ(last_err, GPT_OK);
}

/* 32-bit paging: PD at 0x1000, PT at 0x2000; 0x00403abc -> 0x7abc; a 4 MiB page at
 * 0x00800000 -> 0x12_01c00000 (PSE-36: bits 39:32 in PDE 20:13). */
static void pages32(u64 cr4)
{
	setup(PG | CR0_PE, 0x1000 | 0x18 /* PCD, PWT */, cr4, 0);
	put32(0x1000 + 1 * 4, 0x2000 | P | RW);
	put32(0x2000 + 3 * 4, 0x7000 | P);
	put32(0x1000 + 2 * 4, 0x01c00000 | (0x12u << 13) | PS | P);
	/* Not present, with addresses that would lead to a page if P were ignored. */
	put32(0x1000 + 3 * 4, 0x2000 | RW);
	put32(0x2000 + 4 * 4, 0x7000 | RW);
}

static void test_paging32(void)
{
	pages32(CR4_PSE);
	CHECK_EQ(xlate(0x00403abc), 0x7abc);
	CHECK_EQ(xlate(0x00923456), 0x1201d23456ULL);
	CHECK_EQ(xlate(0x100403abcULL), 0x7abc);
	CHECK_EQ(xlate(0x00404000), FAIL); /* PTE 4 not present */
	CHECK_EQ(last_err, GPT_NOT_PRESENT);
	CHECK_EQ(xlate(0x00c03abc), FAIL); /* PDE 3 not present */
	CHECK_EQ(last_err, GPT_NOT_PRESENT);
	put32(0x1000 + 2 * 4, 0x01c00000 | GPT32_4M_RSVD | PS | P);
	CHECK_EQ(xlate(0x00923456), FAIL);
	CHECK_EQ(last_err, GPT_RESERVED);

	/* Without CR4.PSE, PS is ignored: the PDE points to a page table, out of RAM here. */
	pages32(0);
	CHECK_EQ(xlate(0x00403abc), 0x7abc);
	CHECK_EQ(xlate(0x00923456), FAIL);
	CHECK_EQ(last_err, GPT_UNREADABLE);
	gp.cr3 = 0x20000;
	CHECK_EQ(xlate(0x00403abc), FAIL);
	CHECK_EQ(last_err, GPT_UNREADABLE);
}

/* PAE paging: PDPT at 0x1020 (32-byte aligned), PD 0x2000, PT 0x3000; 0xc0201abc ->
 * 0x123456789abc (a 52-bit address), 0xc0412345 -> 2 MiB page 0x40000000. */
static void pages_pae(void)
{
	setup(PG | CR0_PE, 0x1020, CR4_PAE, 0);
	put64(0x1020 + 3 * 8, 0x2000 | P);
	put64(0x2000 + 1 * 8, 0x3000 | P | RW);
	put64(0x3000 + 1 * 8, 0x123456789000ULL | P);
	put64(0x2000 + 2 * 8, 0x40000000 | PS | P);
	put64(0x1020 + 2 * 8, 0x2000); /* not present, each leading on */
	put64(0x2000 + 3 * 8, 0x3000 | RW);
	put64(0x3000 + 2 * 8, 0x5000 | RW);
}

static void test_paging_pae(void)
{
	pages_pae();
	CHECK_EQ(xlate(0xc0201abc), 0x123456789abcULL);
	CHECK_EQ(xlate(0xc0412345), 0x40012345);
	CHECK_EQ(xlate(0x80201abc), FAIL); /* PDPTE 2 */
	CHECK_EQ(last_err, GPT_NOT_PRESENT);
	CHECK_EQ(xlate(0xc0601abc), FAIL); /* PDE 3 */
	CHECK_EQ(last_err, GPT_NOT_PRESENT);
	CHECK_EQ(xlate(0xc0202abc), FAIL); /* PTE 2 */
	CHECK_EQ(last_err, GPT_NOT_PRESENT);
	gp.cr3 = 0x1000; /* the same page, the PDPT 32 bytes off: PDPTE 3 is 0 there */
	CHECK_EQ(xlate(0xc0201abc), FAIL);
	CHECK_EQ(last_err, GPT_NOT_PRESENT);
}

static void test_pae_reserved(void)
{
	pages_pae();
	put64(0x1020 + 3 * 8, 0x2000 | P | RW); /* R/W is reserved in a PAE PDPTE */
	CHECK_EQ(xlate(0xc0201abc), FAIL);
	CHECK_EQ(last_err, GPT_RESERVED);
	pages_pae();
	put64(0x3000 + 1 * 8, GPT_XD | 0x5000 | P);
	CHECK_EQ(xlate(0xc0201abc), FAIL); /* XD without EFER.NXE */
	CHECK_EQ(last_err, GPT_RESERVED);
	gp.efer = EFER_NXE;
	CHECK_EQ(xlate(0xc0201abc), 0x5abc);
	put64(0x3000 + 1 * 8, (1ULL << 52) | 0x5000 | P); /* 62:52 reserved in PAE paging */
	CHECK_EQ(xlate(0xc0201abc), FAIL);
	CHECK_EQ(last_err, GPT_RESERVED);
	put64(0x2000 + 2 * 8, 0x40000000 | (1ULL << 13) | PS | P); /* 2 MiB page, bit 13 */
	CHECK_EQ(xlate(0xc0412345), FAIL);
	CHECK_EQ(last_err, GPT_RESERVED);
	put64(0x2000 + 2 * 8, 0x40000000 | (1ULL << 12) | PS | P); /* bit 12 is PAT */
	CHECK_EQ(xlate(0xc0412345), 0x40012345);
	put64(0x2000 + 2 * 8, 0x30000 | P); /* a page table out of RAM */
	CHECK_EQ(xlate(0xc0412345), FAIL);
	CHECK_EQ(last_err, GPT_UNREADABLE);
}

/* 4-level paging, PML4 0x1000 (CR3 with PCID 5), PDPT 0x2000, PD 0x3000, PT 0x4000:
 * 0xffff800000401abc -> 0x7abc; 0xffff8000c0012345 -> 1 GiB page 0x2_40000000;
 * 0xffff800000612345 -> 2 MiB page 0x80000000. */
static void pages_4level(void)
{
	setup(PG | CR0_PE, 0x1000 | 5, CR4_PAE | CR4_PCIDE, EFER_LME | EFER_LMA);
	put64(0x1000 + 256 * 8, 0x2000 | P | RW);
	put64(0x2000 + 0 * 8, 0x3000 | P | RW);
	put64(0x3000 + 2 * 8, 0x4000 | P | RW);
	put64(0x4000 + 1 * 8, 0x7000 | P);
	put64(0x2000 + 3 * 8, 0x240000000ULL | PS | P);
	put64(0x3000 + 3 * 8, 0x80000000 | PS | P);
	put64(0x1000 + 0 * 8, 0x2000 | RW); /* not present, each leading on */
	put64(0x2000 + 1 * 8, 0x3000 | RW);
	put64(0x3000 + 1 * 8, 0x4000 | RW);
	put64(0x4000 + 2 * 8, 0x7000 | RW);
}

static void test_paging_4level(void)
{
	pages_4level();
	CHECK_EQ(xlate(0xffff800000401abcULL), 0x7abc);
	CHECK_EQ(xlate(0xffff8000c0012345ULL), 0x240012345ULL);
	CHECK_EQ(xlate(0xffff800000612345ULL), 0x80012345);
	CHECK_EQ(xlate(0x0000000000401abcULL), FAIL); /* PML4E 0 */
	CHECK_EQ(last_err, GPT_NOT_PRESENT);
	CHECK_EQ(xlate(0xffff800040401abcULL), FAIL); /* PDPTE 1 */
	CHECK_EQ(last_err, GPT_NOT_PRESENT);
	CHECK_EQ(xlate(0xffff800000201abcULL), FAIL); /* PDE 1 */
	CHECK_EQ(last_err, GPT_NOT_PRESENT);
	CHECK_EQ(xlate(0xffff800000402abcULL), FAIL); /* PTE 2 */
	CHECK_EQ(last_err, GPT_NOT_PRESENT);
	CHECK_EQ(xlate(0x0000800000401abcULL), FAIL); /* bit 47 not copied up */
	CHECK_EQ(last_err, GPT_NONCANONICAL);
	CHECK_EQ(xlate(0xfeff800000401abcULL), FAIL);
	CHECK_EQ(last_err, GPT_NONCANONICAL);
	CHECK_EQ(xlate(0x00007fffffffffffULL), FAIL); /* canonical, PML4E 255 is 0 */
	CHECK_EQ(last_err, GPT_NOT_PRESENT);

	/* XD (with EFER.NXE) and bits 62:52 are not address bits in IA-32e paging. */
	gp.efer |= EFER_NXE;
	put64(0x4000 + 1 * 8, 0xfff0000000007000ULL | P);
	CHECK_EQ(xlate(0xffff800000401abcULL), 0x7abc);
}

static void test_4level_reserved(void)
{
	pages_4level();
	/* PS in a PML4E (its address the PML4 itself: no bit a large page reserves) */
	put64(0x1000 + 257 * 8, 0x1000 | PS | P);
	CHECK_EQ(xlate(0xffff808000401abcULL), FAIL);
	CHECK_EQ(last_err, GPT_RESERVED);
	pages_4level();
	put64(0x2000 + 3 * 8, 0x240000000ULL | (1ULL << 29) | PS | P); /* 1 GiB page, bit 29 */
	CHECK_EQ(xlate(0xffff8000c0012345ULL), FAIL);
	CHECK_EQ(last_err, GPT_RESERVED);
	put64(0x3000 + 3 * 8, 0x80000000 | (1ULL << 20) | PS | P); /* 2 MiB page, bit 20 */
	CHECK_EQ(xlate(0xffff800000612345ULL), FAIL);
	CHECK_EQ(last_err, GPT_RESERVED);
	put64(0x3000 + 2 * 8, GPT_XD | 0x4000 | P); /* XD without NXE, in a PDE */
	CHECK_EQ(xlate(0xffff800000401abcULL), FAIL);
	CHECK_EQ(last_err, GPT_RESERVED);
	pages_4level();
	put64(0x2000 + 0 * 8, 0x1000000 | P); /* a page directory out of RAM */
	CHECK_EQ(xlate(0xffff800000401abcULL), FAIL);
	CHECK_EQ(last_err, GPT_UNREADABLE);
}

/* 5-level paging: 0x0001000000000abc (PML5E 1, then index 0 at each level) -> 0x6abc;
 * non-canonical with 4 levels. */
static void test_paging_5level(void)
{
	setup(PG | CR0_PE, 0x1000, CR4_PAE | CR4_LA57, EFER_LME | EFER_LMA);
	put64(0x1000 + 1 * 8, 0x2000 | P);
	put64(0x2000, 0x3000 | P);
	put64(0x3000, 0x4000 | P);
	put64(0x4000, 0x5000 | P);
	put64(0x5000, 0x6000 | P);
	put64(0x1000 + 255 * 8, 0x2000); /* not present */
	CHECK_EQ(xlate(0x0001000000000abcULL), 0x6abc);
	CHECK_EQ(xlate(0x00ff000000000abcULL), FAIL); /* PML5E 255 */
	CHECK_EQ(last_err, GPT_NOT_PRESENT);
	CHECK_EQ(xlate(0x0100000000000abcULL), FAIL);
	CHECK_EQ(last_err, GPT_NONCANONICAL);
	put64(0x1000 + 1 * 8, 0x2000 | PS | P); /* PS in a PML5E */
	CHECK_EQ(xlate(0x0001000000000abcULL), FAIL);
	CHECK_EQ(last_err, GPT_RESERVED);
	gp.cr4 &= ~CR4_LA57;
	CHECK_EQ(xlate(0x0001000000000abcULL), FAIL);
	CHECK_EQ(last_err, GPT_NONCANONICAL);
}

/* A read that crosses from one page into another mapped elsewhere, then into none. Linear
 * 0xffff800000401000 -> 0x7000, 0xffff800000402000 -> 0x5000, 0xffff800000403000: none. */
static void test_read_linear(void)
{
	u8 buf[16];

	pages_4level();
	put64(0x4000 + 2 * 8, 0x5000 | P);
	for (u32 i = 0; i < 0x1000; i++) {
		mem[0x7000 + i] = (u8)i;
		mem[0x5000 + i] = (u8)(0x80 ^ i);
	}
	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(guest_read_linear(&gp, 0xffff800000401ff8ULL, buf, 16), 16);
	CHECK_EQ(buf[0], 0xf8);
	CHECK_EQ(buf[7], 0xff);
	CHECK_EQ(buf[8], 0x80);
	CHECK_EQ(buf[15], 0x87);
	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(guest_read_linear(&gp, 0xffff800000402ffaULL, buf, 16), 6);
	CHECK_EQ(buf[0], 0x7a);
	CHECK_EQ(buf[5], 0x7f);
	CHECK_EQ(buf[6], 0xee); /* nothing written past what was read */
	CHECK_EQ(guest_read_linear(&gp, 0xffff800000400000ULL, buf, 16), 0);
	CHECK_EQ(guest_read_linear(&gp, 0xffff800000401ff8ULL, buf, 0), 0);
	/* Mapped, but to no RAM: the 2 MiB page at 0x80000000. */
	CHECK_EQ(guest_read_linear(&gp, 0xffff800000612345ULL, buf, 4), 0);
}

int main(void)
{
	RUN(test_paging_off);
	RUN(test_paging32);
	RUN(test_paging_pae);
	RUN(test_pae_reserved);
	RUN(test_paging_4level);
	RUN(test_4level_reserved);
	RUN(test_paging_5level);
	RUN(test_read_linear);
	CHECK_MAIN_END();
}
