/* Host stand-in for core/lib/cpu.h in the exit-handler fuzzer (tests/fuzz/fuzz_vmexit.c), which
 * puts tests/fuzz/fake first on the include path. Same names and signatures as the real header,
 * but no instruction: each function is an ordinary one the harness defines, so that it can
 * answer (CPUID, RDMSR, DR6) and record and check (WRMSR, XSETBV, DR6) what the code under test
 * asks of the CPU. Functions an exit handler has no business calling (port I/O, HLT, descriptor
 * table loads) are defined too, and fail the input if called. Keep it in step with the real
 * header: a function missing here is a build error of the fuzzer, not a silent gap. (Not
 * write_cr0(): vmexit.c had a function of that name of its own until recently.) */
#ifndef BULKHEAD_LIB_CPU_H
#define BULKHEAD_LIB_CPU_H

#include "bulkhead/types.h"

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

struct cpuid_regs cpuid(u32 leaf, u32 subleaf);
u64 rdmsr(u32 msr);
void wrmsr(u32 msr, u64 v);
u64 rdtsc(void);
void outb(u16 port, u8 v);
u8 inb(u16 port);
void outw(u16 port, u16 v);
u64 read_cr0(void);
u64 read_cr2(void);
u64 read_cr3(void);
u64 read_cr4(void);
u64 read_dr6(void);
void write_dr6(u64 v);
void write_dr_address(unsigned n, u64 v);
void fpu_sse_init(u32 mxcsr);
void xrstor(const void *area, u64 mask);
void irq_enable(void);
void xsetbv(u32 index, u64 v);
void cpu_mfence(void);
void cpu_relax(void);
void cpu_halt(void);
void irq_disable(void);
void nmi_unblock(u16 cs, u16 ss);

struct __attribute__((packed)) desc_ptr {
	u16 limit;
	u64 base;
};

void lgdt(const struct desc_ptr *p);
void lidt(const struct desc_ptr *p);
void ltr(u16 sel);

#endif
