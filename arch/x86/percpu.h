/* Per-CPU state: each CPU has its own IDT, GDT, TSS and stacks (internal to arch/x86). */
#ifndef BULKHEAD_ARCH_X86_PERCPU_H
#define BULKHEAD_ARCH_X86_PERCPU_H

#include "bulkhead/types.h"
#include "arch/x86/hwcheck.h"
#include "arch/x86/vcpu.h"

struct __attribute__((packed)) tss64 {
	u32 reserved0;
	u64 rsp[3];
	u64 reserved1;
	u64 ist[7];
	u64 reserved2;
	u16 reserved3;
	u16 iomap_base;
};

struct __attribute__((packed)) idt_gate {
	u16 offset_lo;
	u16 selector;
	u8 ist;
	u8 type_attr;
	u16 offset_mid;
	u32 offset_hi;
	u32 reserved;
};

enum cpu_state {
	CPU_OFFLINE = 0, /* listed by firmware, not started (or did not answer) */
	CPU_STARTED,	 /* reached C on its own stack */
	CPU_ONLINE,	 /* its hardware check is done; idle */
};

#define GDT_CODE64 0x08
#define GDT_DATA   0x10
#define GDT_TSS	   0x18
#define STACK_SIZE (16 * 1024)
#define IST_SIZE   (4 * 1024)

struct x86_cpu {
	struct idt_gate idt[256];
	u64 gdt[5]; /* null, code64, data, TSS (two slots) */
	struct tss64 tss;
	u32 index;
	u32 apic_id;
	volatile u32 state;
	volatile u32 caps_ready; /* caps below are filled in */
	u64 stack_top;
	u64 ist_top;
	u64 vmxon_region; /* physical; non-zero once this CPU is in VMX root operation */
	struct vcpu vcpu;
	struct hw_caps caps;
};

/* Load this CPU's GDT, TSS and IDT (built in `cpu`) and make it the current CPU. */
void percpu_load(struct x86_cpu *cpu);
struct x86_cpu *this_cpu(void);
/* Load the IDT that only acknowledges interrupts (on), or this CPU's own again (off). */
void percpu_idt_ack_only(bool on);
struct x86_cpu *cpu_by_index(u32 index);
/* The boot CPU's structure is static: it needs an IDT before any allocator exists. */
extern struct x86_cpu bsp_cpu;
extern struct x86_cpu *cpu_table[];

#endif
