/*
 * What the exit handlers share (internal to arch/x86): the guest's mode, events injected as VM
 * entry accepts them, an instruction completed or refused as the CPU would, the partition
 * stopped; and each handler vmexit.c dispatches to. All of them act on the calling CPU's
 * current VMCS and vCPU.
 */
#ifndef BULKHEAD_ARCH_X86_GUEST_H
#define BULKHEAD_ARCH_X86_GUEST_H

#include "bulkhead/types.h"

struct guest_regs;
struct vcpu;

/* guest_event.c */
struct vcpu *guest_vcpu(void);
/* 64-bit mode: IA-32e mode and a 64-bit code segment (SDM Vol. 3A §2.2). */
bool guest_in_64bit(void);
/* The guest's current privilege level: SS.DPL (SDM Vol. 3A §5.5). */
u32 guest_cpl(void);
void guest_inject_exception(u32 vector);
/* Go past the instruction that exited, as the CPU does when it completes one. */
void guest_skip_instruction(void);
/* The same for an instruction of `len` bytes (an exit that does not give its length). */
void guest_advance(u64 len);
/* guest_mmio.c: an EPT violation, emulated if Bulkhead emulates that address for the
 * partition (its I/O APIC), else a fault. */
void guest_ept_violation_exit(struct guest_regs *r);
/* NMI-window exiting on or off (SDM Vol. 3C §25.6.2). */
void guest_set_nmi_window(bool on);
/* A key for guest_refuse(): the exit reason and what it concerned (an MSR, a CR number). */
#define REFUSAL_KEY(reason, detail) (((u64)(reason) << 32) | (u32)(detail))
/* Refuse what the guest tried, named once per partition and `key` (core/denied.c): raise
 * `vector` in the guest, or, with vector 0, skip the instruction as if done. */
void guest_refuse(u32 vector, u64 key, const char *what);
/* Stop the partition (partition_fault) for exit `reason`, saying `what`. */
__attribute__((noreturn)) void guest_fault(u32 reason, const char *what);
/* An intercepted #AC or #DB (exit interruption information `info`), given back to the guest. */
void guest_reflect_exception(u32 info);
/* An event whose delivery the exit interrupted is injected again. */
void guest_requeue_interrupted_event(void);
/* A sibling's NMI, injected when the guest can take it (else NMI-window exiting). */
void guest_deliver_pending_nmi(struct vcpu *v);

/* guest_cpuid.c */
void guest_cpuid_exit(struct guest_regs *r);
void guest_xsetbv_exit(struct guest_regs *r);

/* guest_cr.c */
void guest_cr_exit(struct guest_regs *r);

/* guest_msr.c */
void guest_rdmsr_exit(struct guest_regs *r);
void guest_wrmsr_exit(struct guest_regs *r);

/* guest_init_sipi.c */
/* INIT: back to wait-for-SIPI, with the state INIT leaves. */
void guest_enter_wait_for_sipi(void);
void guest_sipi_exit(struct guest_regs *r);

#endif
