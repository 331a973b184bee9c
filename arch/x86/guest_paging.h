/*
 * A guest's linear address to guest-physical, by walking the guest's own page tables the way
 * the CPU does (SDM Vol. 3A ch. 4): what an exit handler needs to find the instruction at the
 * guest's RIP. Pure: the guest's control registers come in a struct and its memory is read
 * through a callback, so the walk runs on the host in tests and never touches a VMCS.
 *
 * Modes (SDM Vol. 3A §4.1.1, table 4-1): CR0.PG = 0 no paging (linear = physical);
 * CR4.PAE = 0 32-bit paging (4 MiB pages with CR4.PSE, PSE-36 address bits 39:32);
 * EFER.LMA = 0 PAE paging; else 4-level, or 5-level with CR4.LA57, IA-32e paging
 * (2 MiB and 1 GiB pages). Outside IA-32e mode a linear address has 32 bits: the upper ones
 * are dropped.
 *
 * What the walk does not do, on purpose:
 * - permissions (R/W, U/S, XD, protection keys, SMEP/SMAP) are not checked: the caller
 *   translates an address the CPU has just fetched an instruction from, so they passed;
 * - accessed and dirty bits are not set: the fetch set them, and the walk only reads;
 * - PAE paging reads its PDPTE from memory through CR3, where the CPU uses the four it
 *   loaded with CR3 (under EPT, the VMCS's guest PDPTE fields): a guest that rewrote its
 *   PDPT without reloading CR3 is walked with the new entry;
 * - physical addresses are taken from bits 51:12 of an entry, whatever the CPU's
 *   MAXPHYADDR: bits above it are not reported as reserved. The reserved bits that do not
 *   depend on MAXPHYADDR are (SDM Vol. 3A §4.3-4.5, tables 4-4 to 4-20): PS in a PML5E or
 *   PML4E, bits 29:13 of a 1 GiB page, 20:13 of a 2 MiB page, 21 of a 4 MiB page,
 *   2:1, 8:5 and 63:52 of a PAE PDPTE, 62:52 of a PAE PDE or PTE, and XD (bit 63) while
 *   EFER.NXE = 0.
 */
#ifndef BULKHEAD_ARCH_X86_GUEST_PAGING_H
#define BULKHEAD_ARCH_X86_GUEST_PAGING_H

#include "core/lib/x86.h"
#include "bulkhead/types.h"

/* Control-register bits the walk reads that core/lib/x86.h does not define (yet): SDM Vol. 3A
 * §2.5 (CR4.PSE) and §2.2.1 (EFER.NXE). Spelled as x86.h spells its bits, so a later copy
 * there is the same definition. */
#define CR4_PSE	 (1ULL << 4)
#define EFER_NXE (1ULL << 11)

/* A paging-structure entry (SDM Vol. 3A §4.3 and §4.5, tables 4-4 to 4-20). */
#define GPT_P		(1ULL << 0)
#define GPT_PS		(1ULL << 7)	      /* a PDPTE or PDE that maps a page (PAT in a PTE) */
#define GPT_XD		(1ULL << 63)	      /* reserved while EFER.NXE = 0 */
#define GPT_ADDR_MASK	0x000ffffffffff000ULL /* bits 51:12 */
#define GPT32_ADDR_MASK 0xfffff000u	      /* a 32-bit paging entry: bits 31:12 */
#define GPT32_4M_MASK	0xffc00000u	      /* a 4 MiB page: bits 31:22 */
#define GPT32_PSE36	0x001fe000u	      /* a 4 MiB page: address bits 39:32 at 20:13 */
#define GPT32_4M_RSVD	(1u << 21)
#define PAE_CR3_MASK	0xffffffe0u	      /* the PDPT's address: CR3 bits 31:5 (§4.4.1) */
#define PAE_PDPTE_RSVD	0xfff00000000001e6ULL /* bits 63:52, 8:5, 2:1 (table 4-8) */
#define PAE_HIGH_RSVD	0x7ff0000000000000ULL /* bits 62:52 of a PAE PDE or PTE */

/* How the walk failed. */
enum {
	GPT_OK = 0,
	GPT_NOT_PRESENT = -1,  /* an entry with P = 0 (a #PF on the CPU) */
	GPT_RESERVED = -2,     /* an entry with a reserved bit set (a #PF with RSVD) */
	GPT_UNREADABLE = -3,   /* a paging structure is not in readable RAM */
	GPT_NONCANONICAL = -4, /* IA-32e paging: bits 63:48 (63:57) not a copy of 47 (56) */
};

/* The guest's paging state and a reader of its physical memory. `read` copies `len` bytes at
 * guest-physical `gpa` into `buf`; false when they are not all readable RAM. */
struct guest_paging {
	u64 cr0, cr3, cr4, efer;
	bool (*read)(void *ctx, u64 gpa, void *buf, u32 len);
	void *ctx;
};

/* Translate `linear`: GPT_OK and *gpa set, or a negative GPT_* (*gpa untouched). */
int guest_translate(const struct guest_paging *gp, u64 linear, u64 *gpa);

/* Read `len` bytes at `linear` into `buf`, page by page (a range may cross into a page mapped
 * elsewhere, or not at all): returns how many bytes from the start were read, which is fewer
 * than `len` when a page is not mapped or not readable RAM. */
u32 guest_read_linear(const struct guest_paging *gp, u64 linear, void *buf, u32 len);

#endif
