/* x86 instruction wrappers, built into the hypervisor (arch/x86) and the payload SDK alike. core/
 * outside core/lib/ does not use them: it goes through arch/x86/arch.h. */
#ifndef BULKHEAD_LIB_CPU_H
#define BULKHEAD_LIB_CPU_H

#include "bulkhead/types.h"

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

static inline u16 inw(u16 port)
{
	u16 v;

	__asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void outl(u16 port, u32 v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}

static inline u32 inl(u16 port)
{
	u32 v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline void invlpg(u64 linear)
{
	__asm__ volatile("invlpg (%0)" ::"r"(linear) : "memory");
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

/* DR6 (SDM Vol. 3B §18.2.3): Bulkhead uses no debug register; the guest's stays in the CPU. */
static inline u64 read_dr6(void)
{
	u64 v;

	__asm__ volatile("mov %%dr6, %0" : "=r"(v));
	return v;
}

static inline void write_dr6(u64 v)
{
	__asm__ volatile("mov %0, %%dr6" ::"r"(v));
}

/* DR0-DR3 (SDM Vol. 3B §18.2.1), by number. */
static inline void write_dr_address(unsigned n, u64 v)
{
	switch (n) {
	case 0:
		__asm__ volatile("mov %0, %%dr0" ::"r"(v));
		break;
	case 1:
		__asm__ volatile("mov %0, %%dr1" ::"r"(v));
		break;
	case 2:
		__asm__ volatile("mov %0, %%dr2" ::"r"(v));
		break;
	default:
		__asm__ volatile("mov %0, %%dr3" ::"r"(v));
		break;
	}
}

/* x87 to its FNINIT state, MXCSR to `mxcsr`, XMM0-15 to 0 (SDM Vol. 1 §8.1, §10.2.3); needs
 * CR4.OSFXSR. For CPUs without XSAVE, whose XRSTOR would do it all. */
static inline void fpu_sse_init(u32 mxcsr)
{
	__asm__ volatile("fninit\n\tldmxcsr %0\n\t"
			 "xorps %%xmm0, %%xmm0\n\txorps %%xmm1, %%xmm1\n\t"
			 "xorps %%xmm2, %%xmm2\n\txorps %%xmm3, %%xmm3\n\t"
			 "xorps %%xmm4, %%xmm4\n\txorps %%xmm5, %%xmm5\n\t"
			 "xorps %%xmm6, %%xmm6\n\txorps %%xmm7, %%xmm7\n\t"
			 "xorps %%xmm8, %%xmm8\n\txorps %%xmm9, %%xmm9\n\t"
			 "xorps %%xmm10, %%xmm10\n\txorps %%xmm11, %%xmm11\n\t"
			 "xorps %%xmm12, %%xmm12\n\txorps %%xmm13, %%xmm13\n\t"
			 "xorps %%xmm14, %%xmm14\n\txorps %%xmm15, %%xmm15" ::"m"(mxcsr)
			 : "memory");
}

/* XRSTOR of the components in `mask` from `area` (64-byte aligned; SDM Vol. 1 §13.8). */
static inline void xrstor(const void *area, u64 mask)
{
	__asm__ volatile("xrstor %0" ::"m"(*(const u8 *)area), "a"((u32)mask),
			 "d"((u32)(mask >> 32))
			 : "memory");
}

static inline void irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}

/* XSETBV runs in Bulkhead only with CR4.OSXSAVE set (vmx.c sets it where XSAVE exists). */
static inline void xsetbv(u32 index, u64 v)
{
	__asm__ volatile("xsetbv" ::"c"(index), "a"((u32)v), "d"((u32)(v >> 32)) : "memory");
}

/* Every earlier store visible before what follows: a WRMSR to the x2APIC ICR is not ordered
 * after them (SDM Vol. 3A §11.12.3), and the CPU the IPI reaches must see the state it
 * signals. */
static inline void cpu_mfence(void)
{
	__asm__ volatile("mfence" ::: "memory");
}

static inline void write_cr0(u64 v)
{
	__asm__ volatile("mov %0, %%cr0" ::"r"(v) : "memory");
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
