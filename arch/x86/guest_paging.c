/* The walk of a guest's page tables (see guest_paging.h). */
#include "arch/x86/guest_paging.h"

#define PT_INDEX_BITS 9 /* PAE and IA-32e: 512 8-byte entries to a table */
#define PT_INDEX_MASK 0x1ffu

static int read_entry64(const struct guest_paging *gp, u64 gpa, u64 *entry)
{
	return gp->read(gp->ctx, gpa, entry, sizeof(*entry)) ? GPT_OK : GPT_UNREADABLE;
}

static int read_entry32(const struct guest_paging *gp, u64 gpa, u32 *entry)
{
	return gp->read(gp->ctx, gpa, entry, sizeof(*entry)) ? GPT_OK : GPT_UNREADABLE;
}

/* 32-bit paging (SDM Vol. 3A §4.3): a PDE, then a PTE or, with CR4.PSE and PS, a 4 MiB page
 * whose address bits 39:32 sit in PDE bits 20:13 (PSE-36, table 4-4). */
static int walk32(const struct guest_paging *gp, u32 linear, u64 *gpa)
{
	u32 pde, pte;
	int err = read_entry32(gp, (gp->cr3 & GPT32_ADDR_MASK) + (linear >> 22) * 4, &pde);

	if (err)
		return err;
	if (!(pde & GPT_P))
		return GPT_NOT_PRESENT;
	if ((pde & GPT_PS) && (gp->cr4 & CR4_PSE)) {
		if (pde & GPT32_4M_RSVD)
			return GPT_RESERVED;
		*gpa = (u64)(pde & GPT32_4M_MASK) | (u64)((pde & GPT32_PSE36) >> 13) << 32 |
		       (linear & ~GPT32_4M_MASK);
		return GPT_OK;
	}
	err = read_entry32(gp, (pde & GPT32_ADDR_MASK) + ((linear >> 12) & 0x3ffu) * 4, &pte);
	if (err)
		return err;
	if (!(pte & GPT_P))
		return GPT_NOT_PRESENT;
	*gpa = (pte & GPT32_ADDR_MASK) | (linear & 0xfffu);
	return GPT_OK;
}

/* The reserved bits of an 8-byte entry at `level` (1 PTE ... 5 PML5E) that do not depend on
 * MAXPHYADDR (tables 4-9 to 4-11, 4-15 to 4-20): XD without EFER.NXE, bits 62:52 under PAE
 * paging (IA-32e paging ignores them), PS above the PDPT, and the bits between 12 (PAT) and
 * the page's offset bits of a large page. */
static bool reserved64(const struct guest_paging *gp, u64 e, u32 level)
{
	u32 shift = 12 + PT_INDEX_BITS * (level - 1);

	if ((e & GPT_XD) && !(gp->efer & EFER_NXE))
		return true;
	if ((e & PAE_HIGH_RSVD) && !(gp->efer & EFER_LMA))
		return true;
	if (level >= 4)
		return (e & GPT_PS) != 0;
	if (level >= 2 && (e & GPT_PS))
		return (e & ((1ULL << shift) - 1) & ~((1ULL << 13) - 1)) != 0;
	return false;
}

/* PAE and IA-32e paging from the table at `table`, at `level` (2: a page directory ... 5: a
 * PML5), down to the entry that maps a page: a PTE, or a PDE or PDPTE with PS (§4.4.2,
 * §4.5.4). */
static int walk64(const struct guest_paging *gp, u64 table, u64 linear, u32 level, u64 *gpa)
{
	for (;; level--) {
		u32 shift = 12 + PT_INDEX_BITS * (level - 1);
		u64 e;
		int err = read_entry64(gp, table + ((linear >> shift) & PT_INDEX_MASK) * 8, &e);

		if (err)
			return err;
		if (!(e & GPT_P))
			return GPT_NOT_PRESENT;
		if (reserved64(gp, e, level))
			return GPT_RESERVED;
		if (level == 1 || (level <= 3 && (e & GPT_PS))) {
			u64 offset = (1ULL << shift) - 1;

			*gpa = (e & GPT_ADDR_MASK & ~offset) | (linear & offset);
			return GPT_OK;
		}
		table = e & GPT_ADDR_MASK;
	}
}

/* PAE paging (§4.4): the PDPTE for bits 31:30 (no large pages at this level), then a page
 * directory. */
static int walk_pae(const struct guest_paging *gp, u32 linear, u64 *gpa)
{
	u64 pdpte;
	int err = read_entry64(gp, (gp->cr3 & PAE_CR3_MASK) + (linear >> 30) * 8, &pdpte);

	if (err)
		return err;
	if (!(pdpte & GPT_P))
		return GPT_NOT_PRESENT;
	if (pdpte & PAE_PDPTE_RSVD)
		return GPT_RESERVED;
	return walk64(gp, pdpte & GPT_ADDR_MASK, linear, 2, gpa);
}

/* IA-32e paging (§4.5): a canonical address (§3.3.7.1) walked from CR3 bits 51:12 (the low
 * bits hold the PCID or flags, the top ones LAM's and the no-flush bit). */
static int walk_ia32e(const struct guest_paging *gp, u64 linear, u64 *gpa)
{
	bool la57 = (gp->cr4 & CR4_LA57) != 0;
	u32 width = la57 ? 57 : 48;
	u64 top = linear >> (width - 1);

	if (top != 0 && top != (~0ULL >> (width - 1)))
		return GPT_NONCANONICAL;
	return walk64(gp, gp->cr3 & GPT_ADDR_MASK, linear, la57 ? 5 : 4, gpa);
}

int guest_translate(const struct guest_paging *gp, u64 linear, u64 *gpa)
{
	if (!(gp->cr0 & CR0_PG)) {
		*gpa = (u32)linear;
		return GPT_OK;
	}
	if (gp->efer & EFER_LMA)
		return walk_ia32e(gp, linear, gpa);
	if (gp->cr4 & CR4_PAE)
		return walk_pae(gp, (u32)linear, gpa);
	return walk32(gp, (u32)linear, gpa);
}

u32 guest_read_linear(const struct guest_paging *gp, u64 linear, void *buf, u32 len)
{
	u32 done = 0;

	while (done < len) {
		u64 at = linear + done, gpa;
		u64 chunk = PAGE_SIZE - (at & (PAGE_SIZE - 1));

		if (chunk > len - done)
			chunk = len - done;
		if (guest_translate(gp, at, &gpa) != GPT_OK ||
		    !gp->read(gp->ctx, gpa, (u8 *)buf + done, (u32)chunk))
			break;
		done += (u32)chunk;
	}
	return done;
}
