/* EPT construction (the entry format is in ept.h). Tables come from the boot-time allocator
 * and are built before the partition first runs. */
#include "arch/x86/ept.h"
#include "arch/x86/paging4.h"
#include "core/lib/cpu.h"
#include "core/lib/msr.h"
#include "core/error.h"

/* A 4-level walk translates 48 bits of guest-physical address: index_at() would wrap any
 * address above onto one 2^48 lower. */
#define EPT_GUEST_LIMIT (1ULL << 48)

u64 ept_create(u32 owner)
{
	return paging4_create(pmem_tag(owner, PMEM_EPT));
}

/* EPT's format: present if readable, writable or executable; tables pass every access; large
 * pages as this CPU's EPT offers them (IA32_VMX_EPT_VPID_CAP bits 16: 2 MiB, 17: 1 GiB). */
static void ept_format(struct paging4_format *f)
{
	u64 caps = rdmsr(MSR_IA32_VMX_EPT_VPID);

	f->present = EPT_RWX;
	f->table_bits = EPT_RWX;
	f->large_levels = (u32)((caps >> 15) & 0x6);
}

/* The CPU's physical-address width, MAXPHYADDR (CPUID 0x80000008 EAX[7:0]): an EPT entry
 * with an address bit at or above it is an EPT misconfiguration. 36 without that leaf, or
 * when it says something no x86-64 CPU has (EPT entries hold at most 52 bits). */
static unsigned phys_addr_bits(void)
{
	unsigned bits = 0;

	if (cpuid(0x80000000, 0).eax >= 0x80000008)
		bits = cpuid(0x80000008, 0).eax & 0xff;
	return bits >= 32 && bits <= 52 ? bits : 36;
}

int ept_map(u64 pml4, u64 gpa, u64 hpa, u64 size, u32 access, bool uncached, u32 owner)
{
	u64 leaf = (access & EPT_RWX) | (uncached ? EPT_MT_UC : EPT_MT_WB);
	u64 host_limit = 1ULL << phys_addr_bits();

	if ((gpa | hpa | size) & (PAGE_SIZE - 1))
		return ERR(E_INVAL);
	if (size > EPT_GUEST_LIMIT || gpa > EPT_GUEST_LIMIT - size)
		return ERR(E_RANGE);
	if (size > host_limit || hpa > host_limit - size)
		return ERR(E_RANGE);
	struct paging4_format f;

	ept_format(&f);
	return paging4_map(pml4, gpa, hpa, size, leaf, &f, pmem_tag(owner, PMEM_EPT));
}

u64 ept_pointer(u64 pml4)
{
	return pml4 | EPTP_WALK_4 | EPTP_MT_WB;
}

/* The leaf entry that maps `gpa`, with the size of its page in *page; 0 if none. */
static u64 leaf_for(u64 pml4, u64 gpa, u64 *page)
{
	const struct paging4_format f = {.present = EPT_RWX};

	return paging4_leaf(pml4, gpa, page, &f);
}

u64 ept_translate(u64 pml4, u64 gpa)
{
	u64 page = 0, e = leaf_for(pml4, gpa, &page);

	return e ? (e & EPT_ADDR_MASK & ~(page - 1)) | (gpa & (page - 1)) : ~0ULL;
}

u64 ept_translate_readable_ram(u64 pml4, u64 gpa)
{
	u64 page = 0, e = leaf_for(pml4, gpa, &page);

	if (!(e & EPT_R) || (e & EPT_MT_MASK) != EPT_MT_WB)
		return ~0ULL;
	return (e & EPT_ADDR_MASK & ~(page - 1)) | (gpa & (page - 1));
}
