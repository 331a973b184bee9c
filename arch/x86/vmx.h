/* VMX operation on one CPU (internal to arch/x86). SDM Vol. 3C chapters 24-28. */
#ifndef BULKHEAD_ARCH_X86_VMX_H
#define BULKHEAD_ARCH_X86_VMX_H

#include "core/lib/cpu.h"
#include "core/lib/msr.h"
#include "arch/x86/vmcs_fields.h"
#include "bulkhead/types.h"

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

/* Remember a failed VMWRITE on this CPU (vmcs.c): a field the CPU does not have, or a value
 * it refuses, would otherwise go unseen until an entry fails for a reason far from it. */
void vmwrite_failed(u64 field);

static inline int vmwrite(u64 field, u64 v)
{
	u8 fail;

	__asm__ volatile("vmwrite %2, %1; setbe %0" : "=qm"(fail) : "r"(field), "r"(v) : "cc");
	if (fail)
		vmwrite_failed(field);
	return fail ? -1 : 0;
}

/* Forget translations derived from the EPT at `eptp` (INVEPT, SDM Vol. 3C §31.3): single
 * context where offered, else all contexts. */
static inline void vmx_invept(u64 eptp, bool single)
{
	struct {
		u64 eptp;
		u64 zero;
	} desc = {eptp, 0};

	__asm__ volatile("invept %0, %1" ::"m"(desc), "r"(single ? 1ULL : 2ULL) : "cc", "memory");
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

/* The same for the VPID of the VMCS loaded on this CPU, where the CPU offers single-context
 * INVVPID (IA32_VMX_EPT_VPID_CAP bit 41; without it INVVPID is #UD) and VPID is on. */
static inline void vmx_invvpid_current(void)
{
	if ((rdmsr(MSR_IA32_VMX_EPT_VPID) & VMX_VPID_INVVPID_SINGLE) &&
	    (vmread(PROC_CONTROLS2) & PROC2_VPID))
		vmx_invvpid_single((u16)vmread(VPID));
}

/* Stop the partition, with one line, if a VMWRITE failed since the last check. */
void vmwrite_check(void);

#endif
