/* Bulkhead payload SDK: what the SDK's own files share. Not for payloads. */
#ifndef BULKHEAD_SDK_INTERNAL_H
#define BULKHEAD_SDK_INTERNAL_H

#include <bulkhead/sdk.h>

#define MB2_BOOT_MAGIC 0x36d76289u /* EAX from a Multiboot2 loader */

/* What the interrupt stubs in start.asm push (lowest address first). */
struct sdk_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rdi, rsi, rbp, rbx, rdx, rcx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss; /* pushed by the CPU */
};

/* start.asm */
extern const uint8_t sdk_ap_tramp[];
extern const uint32_t sdk_ap_tramp_size;
extern const uint64_t sdk_isr_stubs[256];
extern volatile uint64_t sdk_ap_stack;
extern volatile uint32_t sdk_ap_index;
extern uint8_t sdk_stacks[PAYLOAD_MAX_CPUS][SDK_STACK_SIZE];

/* sdk.c */
extern struct sdk_env sdk_the_env;

/* console.c */
void sdk_console_init_bare(void);

/* irq.c */
void sdk_irq_init(void);     /* CPU 0: build the IDT and load it */
void sdk_irq_load_idt(void); /* other CPUs */

/* mem.c */
void sdk_mem_note_bare(uint64_t start, uint64_t size); /* bare: a Multiboot2 RAM range */
void sdk_mem_init(void); /* CPU 0, before main(): the RAM list, and maps above 4 GiB */

/* fpu.c */
void sdk_fpu_start(void);    /* CPU 0, before main(): SDK_FPU_AT_START's features */
void sdk_fpu_cpu_init(void); /* a CPU sdk_start_cpu() started: what sdk_fpu_enable() set */

/* apic.c */
void sdk_apic_init(void);			 /* every CPU, before its interrupts are enabled */
uint32_t sdk_apic_read(uint32_t reg);		 /* xAPIC register offset (0x20, 0xb0...) */
void sdk_apic_write(uint32_t reg, uint32_t val); /* not for the ICR */

/* ---- CPU helpers ------------------------------------------------------------------- */

/* cpuid, rdmsr, wrmsr, inb, outb, cpu_relax: the hypervisor's own wrappers. */
#include "core/lib/cpu.h"
#include "core/lib/x86.h"

static inline uint64_t irq_save(void)
{
	uint64_t flags;

	__asm__ volatile("pushfq; pop %0; cli" : "=r"(flags)::"memory");
	return flags;
}

static inline void irq_restore(uint64_t flags)
{
	if (flags & RFLAGS_IF)
		__asm__ volatile("sti" ::: "memory");
}

/* VMCALL: EAX = number, EBX, ECX = arguments; EAX = result. */
static inline uint64_t vmcall(uint64_t nr, uint64_t a1, uint64_t a2)
{
	uint64_t ret;

	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2) : "memory");
	return ret;
}

#endif
