/* VMX operation on one CPU (internal to arch/x86). SDM Vol. 3C chapters 24-28. */
#ifndef BULKHEAD_ARCH_X86_VMX_H
#define BULKHEAD_ARCH_X86_VMX_H

#include "core/types.h"

#define MSR_IA32_VMX_CR0_FIXED0 0x486
#define MSR_IA32_VMX_CR0_FIXED1 0x487
#define MSR_IA32_VMX_CR4_FIXED0 0x488
#define MSR_IA32_VMX_CR4_FIXED1 0x489
#define CR4_VMXE		(1ULL << 13)

/* Enter VMX root operation on the calling CPU. Returns 0 or a negative E_* code. */
int vmx_cpu_on(void);

static inline bool vmx_op_ok(u8 fail)
{
	return !fail;
}

/* VMX instructions report failure in CF (VMfailInvalid) or ZF (VMfailValid): SDM §31.2. */
static inline int vmx_vmxon(u64 phys)
{
	u8 fail;

	__asm__ volatile("vmxon %1; setbe %0" : "=qm"(fail) : "m"(phys) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline int vmx_vmclear(u64 phys)
{
	u8 fail;

	__asm__ volatile("vmclear %1; setbe %0" : "=qm"(fail) : "m"(phys) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline int vmx_vmptrld(u64 phys)
{
	u8 fail;

	__asm__ volatile("vmptrld %1; setbe %0" : "=qm"(fail) : "m"(phys) : "cc", "memory");
	return fail ? -1 : 0;
}

static inline u64 vmread(u64 field)
{
	u64 v;

	__asm__ volatile("vmread %1, %0" : "=r"(v) : "r"(field) : "cc");
	return v;
}

static inline int vmwrite(u64 field, u64 v)
{
	u8 fail;

	__asm__ volatile("vmwrite %2, %1; setbe %0" : "=qm"(fail) : "r"(field), "r"(v) : "cc");
	return fail ? -1 : 0;
}

/* Drop every TLB entry tagged with `vpid` (single-context INVVPID, SDM Vol. 3C §31.3), so a
 * restarted partition starts with none of its previous run's translations. */
static inline void vmx_invvpid_single(u16 vpid)
{
	struct {
		u64 vpid;
		u64 linear;
	} desc = {vpid, 0};

	__asm__ volatile("invvpid %0, %1" ::"m"(desc), "r"(1ULL) : "cc", "memory");
}

/* selftest=vmentry (arch_selftest_fault): arm the one failed VM entry. */
void vmexit_selftest_arm(void);

#endif
