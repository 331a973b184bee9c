/* x86 instruction wrappers. Internal to arch/x86: core/ goes through arch/x86/arch.h. */
#ifndef BULKHEAD_ARCH_X86_CPU_H
#define BULKHEAD_ARCH_X86_CPU_H

#include "core/types.h"

#define MSR_IA32_APIC_BASE	 0x1b
#define MSR_IA32_FEATURE_CONTROL 0x3a
#define MSR_IA32_VMX_BASIC	 0x480
#define MSR_IA32_VMX_PINBASED	 0x481
#define MSR_IA32_VMX_PROCBASED	 0x482
#define MSR_IA32_VMX_EXIT	 0x483
#define MSR_IA32_VMX_ENTRY	 0x484
#define MSR_IA32_VMX_MISC	 0x485
#define MSR_IA32_VMX_PROCBASED2	 0x48b
#define MSR_IA32_VMX_EPT_VPID	 0x48c
#define MSR_IA32_VMX_TRUE_PIN	 0x48d
#define MSR_IA32_VMX_TRUE_PROC	 0x48e
#define MSR_IA32_EFER		 0xc0000080

struct cpuid_regs {
	u32 eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	struct cpuid_regs r;

	__asm__ volatile("cpuid"
			 : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
			 : "a"(leaf), "c"(subleaf));
	return r;
}

static inline u64 rdmsr(u32 msr)
{
	u32 lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return ((u64)hi << 32) | lo;
}

static inline void wrmsr(u32 msr, u64 v)
{
	__asm__ volatile("wrmsr" ::"c"(msr), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline u64 rdtsc(void)
{
	u32 lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((u64)hi << 32) | lo;
}

static inline void outb(u16 port, u8 v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}

static inline u8 inb(u16 port)
{
	u8 v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outw(u16 port, u16 v)
{
	__asm__ volatile("outw %0, %1" ::"a"(v), "Nd"(port));
}

static inline u64 read_cr0(void)
{
	u64 v;

	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr2(void)
{
	u64 v;

	__asm__ volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr3(void)
{
	u64 v;

	__asm__ volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline u64 read_cr4(void)
{
	u64 v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

/* XSETBV runs in Bulkhead only with CR4.OSXSAVE set (vmx.c sets it where XSAVE exists). */
static inline void xsetbv(u32 index, u64 v)
{
	__asm__ volatile("xsetbv" ::"c"(index), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

static inline void cpu_relax(void)
{
	__asm__ volatile("pause" ::: "memory");
}

static inline void cpu_halt(void)
{
	__asm__ volatile("hlt" ::: "memory");
}

static inline void irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}

/* An IRET to the next instruction: IRET ends NMI blocking (SDM Vol. 3A §6.7.1). A CPU may
 * hold NMIs blocked from its start-up, and Bochs leaves them blocked after a guest's
 * wait-for-SIPI; Bulkhead signals its CPUs by NMI, so it unblocks them where needed. */
static inline void nmi_unblock(u16 cs, u16 ss)
{
	__asm__ volatile("movq %%rsp, %%rax\n\t"
			 "pushq %q[ss]\n\t"
			 "pushq %%rax\n\t"
			 "pushfq\n\t"
			 "pushq %q[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "iretq\n"
			 "1:"
			 :
			 : [cs] "r"((u64)cs), [ss] "r"((u64)ss)
			 : "rax", "memory");
}

struct __attribute__((packed)) desc_ptr {
	u16 limit;
	u64 base;
};

static inline void lgdt(const struct desc_ptr *p)
{
	__asm__ volatile("lgdt %0" ::"m"(*p));
}

static inline void lidt(const struct desc_ptr *p)
{
	__asm__ volatile("lidt %0" ::"m"(*p));
}

static inline void ltr(u16 sel)
{
	__asm__ volatile("ltr %0" ::"r"(sel));
}

#endif
