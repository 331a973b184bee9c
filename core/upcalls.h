/*
 * What arch/ calls up in core/: the exit handlers hand the partition manager what only it can
 * decide (a hypercall, a port it emulates or refuses, a refusal to name, whether an IPI stays
 * within the partition, a stop). core/ implements these; arch/ includes this header, core/
 * never calls them.
 */
#ifndef BULKHEAD_CORE_UPCALLS_H
#define BULKHEAD_CORE_UPCALLS_H

#include "bulkhead/types.h"

struct vm_fault {
	const char *reason; /* "ept violation", "triple fault", "unhandled exit 12", ... */
	u32 exit_reason;
	u64 rip, gpa, qualification;
};
/* A VMCALL: returns the value for the guest's RAX. */
u64 partition_hypercall(u32 partition, u32 cpu, u64 nr, u64 a1, u64 a2);
/* A port access the partition was not granted (`size` 1, 2 or 4 bytes). COM1 is its emulated
 * UART; any other port reads all-ones and drops writes. Returns the value an IN reads. */
u32 partition_port_io(u32 partition, u32 port, u32 size, bool in, u32 value);
/* An access to guest-physical memory it has no mapping for: does Bulkhead emulate that
 * address for the partition (its I/O APIC)? */
bool partition_mmio_claims(u32 partition, u64 gpa);
/* An access there, decoded (`size` 1, 2, 4 or 8 bytes): returns what a read reads. */
u64 partition_mmio(u32 partition, u64 gpa, u32 size, bool write, u64 value);
/* The guest was refused something (an MSR write, a VMX instruction, a control-register bit):
 * `what` names it ("wrmsr 0x1b", "vmxon"), `outcome` what the guest got ("#GP", "dropped").
 * Named on COM1 once per partition and `key`: a warning if the guest got a fault, else info. */
void partition_refused(u32 partition, u64 key, bool fault, const char *what, const char *outcome);
/* Does it route device interrupts through its own I/O APIC (it owns an interrupt)? */
bool partition_owns_interrupts(u32 partition);
/* May this partition send an IPI to `dest_apic`? (Its own CPUs only.) */
bool partition_owns_apic(u32 partition, u32 dest_apic);
/* An NMI from Bulkhead reached this CPU while it ran `partition`: park it if the partition
 * stopped; returns to resume the guest otherwise. */
void partition_nmi(u32 partition, u32 cpu);
/* The guest on this CPU broke a rule: report it, park the CPU. */
__attribute__((noreturn)) void partition_fault(u32 partition, u32 cpu, const struct vm_fault *f);

#endif
