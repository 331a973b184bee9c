/* One virtual CPU: the guest side of a physical CPU (internal to arch/x86). */
#ifndef BULKHEAD_ARCH_X86_VCPU_H
#define BULKHEAD_ARCH_X86_VCPU_H

#include "arch/x86/vmcs_fields.h"
#include "bulkhead/types.h"

/* Saved on every exit by vmx_exit_entry (arch/x86/vmentry.asm), loaded by vmx_launch_guest:
 * asm_offsets.inc names each field's offset; keep them in step (the build checks). */
struct guest_regs {
	u64 rax, rbx, rcx, rdx, rsi, rdi, rbp, r8, r9, r10, r11, r12, r13, r14, r15;
};

#define VCPU_PORT_SLOTS 16 /* ARCH_VM_PORT_SLOTS (arch.h): COM1's 8 and 8 more */

struct vcpu {
	const struct arch_vm *vm;
	u32 partition;
	u64 vmcs;	/* physical */
	u64 exit_stack; /* top of the stack exits run on */
	u64 exits[VMX_EXIT_REASONS];
	/* I/O exits by port, the first VCPU_PORT_SLOTS ports trapped in order, then the rest
	 * together: what each emulated or refused port costs (stats, make bench). */
	struct {
		u32 port;
		u64 n;
	} io_ports[VCPU_PORT_SLOTS];
	u64 io_other;
	struct guest_regs launch_regs;
	/* A guest's INIT is not forwarded as an INIT: a vCPU that waits for SIPI would hold it
	 * pending past the SIPI (Bochs re-delivers it on every entry). A vCPU never started
	 * ignores it; a started one is sent an NMI with init_pending set. */
	volatile u32 started;	   /* left wait-for-SIPI through a SIPI */
	volatile u32 init_pending; /* go back to wait-for-SIPI on the next NMI exit */
	volatile u32 nmi_pending;  /* a sibling's NMI: inject one into the guest on the NMI exit */
	/* In the wait-for-SIPI activity state (or entering it): it runs nothing of the guest
	 * until a SIPI, and NMIs do not reach it there (SDM Vol. 3C §25.4.2). */
	volatile u32 waiting_sipi;
	/* The first VMWRITE that failed since the VMCS was loaded or the last exit was handled
	 * (its field encoding + 1; 0: none): the partition is stopped before the next entry. */
	u64 failed_vmwrite;
};

#endif
