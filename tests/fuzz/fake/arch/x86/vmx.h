/* Host stand-in for arch/x86/vmx.h in the exit-handler fuzzer (tests/fuzz/fuzz_vmexit.c): the
 * VMX instructions are ordinary functions the harness defines over its fake VMCS (an array
 * with one slot per field encoding). VMREAD and VMWRITE of an encoding no CPU has, and VMWRITE
 * to a read-only field, fail the input there; VMXON, VMCLEAR and VMPTRLD from an exit handler
 * fail it too. Keep it in step with the real header.
 */
#ifndef BULKHEAD_ARCH_X86_VMX_H
#define BULKHEAD_ARCH_X86_VMX_H

#include "core/lib/cpu.h"
#include "core/lib/msr.h"
#include "arch/x86/vmcs_fields.h"
#include "bulkhead/types.h"

int vmx_cpu_on(void);

static inline bool vmx_op_ok(u8 fail)
{
	return !fail;
}

int vmx_vmxon(u64 phys);
int vmx_vmclear(u64 phys);
int vmx_vmptrld(u64 phys);
u64 vmread(u64 field);
void vmwrite_failed(u64 field);
int vmwrite(u64 field, u64 v);
void vmx_invept(u64 eptp, bool single);
void vmx_invvpid_single(u16 vpid);
void vmx_invvpid_current(void);
void vmwrite_check(void);

#endif
