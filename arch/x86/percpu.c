/* GDT, TSS and IDT of one CPU (SDM Vol. 3A §3.5 descriptors, §6.14 64-bit IDT, §8.7 TSS). */
#include "arch/x86/percpu.h"
#include "core/lib/cpu.h"
#include "core/lib/msr.h"
#include "core/lib/x86.h"
#include "core/config.h"
#include "core/lib/string.h"

struct x86_cpu bsp_cpu __attribute__((aligned(4096)));
struct x86_cpu *cpu_table[MAX_CPUS];

extern const u64 isr_stub_table[256];

/* Vectors that must run on a known-good stack even if the current one is gone:
 * NMI, double fault and machine check use IST1. */
static u8 ist_for_vector(u32 v)
{
	return (v == VEC_NMI || v == VEC_DF || v == VEC_MC) ? 1 : 0;
}

static void set_gate_in(struct idt_gate *idt, u32 v, u64 handler)
{
	struct idt_gate *g = &idt[v];

	g->offset_lo = (u16)handler;
	g->selector = GDT_CODE64;
	g->ist = ist_for_vector(v);
	g->type_attr = GATE_INTERRUPT64;
	g->offset_mid = (u16)(handler >> 16);
	g->offset_hi = (u32)(handler >> 32);
}

static void set_gate(struct x86_cpu *cpu, u32 v, u64 handler)
{
	set_gate_in(cpu->idt, v, handler);
}

/* An IDT whose every gate acknowledges an interrupt and returns (isr_ack), for the moment a
 * partition CPU takes the interrupts its last run left pending (apic.c, lapic_drain): a guest
 * may leave any vector from 16 up pending, and vectors 16-31 would reach the exception
 * handlers of the usual IDT as if the CPU had faulted. Shared by all CPUs, read only once
 * the boot CPU has filled it. */
extern void isr_ack(void);
static struct idt_gate ack_idt[256];

void percpu_idt_ack_only(bool on)
{
	struct x86_cpu *cpu = this_cpu();
	struct desc_ptr ack = {sizeof(ack_idt) - 1, (u64)ack_idt};
	struct desc_ptr own = {sizeof(cpu->idt) - 1, (u64)cpu->idt};

	lidt(on ? &ack : &own);
}

static void idt_fill(struct x86_cpu *cpu)
{
	memset(cpu->idt, 0, sizeof(cpu->idt));
	/* Every vector has a gate: exceptions report and halt; an interrupt is acknowledged
	 * (irq.c), whichever it is, such as one a partition left pending in its local APIC that
	 * a restart drains (apic.c). */
	for (u32 v = 0; v < 256; v++)
		set_gate(cpu, v, isr_stub_table[v]);
}

static void gdt_fill(struct x86_cpu *cpu)
{
	u64 base = (u64)&cpu->tss;
	u64 limit = sizeof(cpu->tss) - 1;

	cpu->gdt[0] = 0;
	cpu->gdt[1] = 0x00209a0000000000ULL; /* 64-bit code, DPL 0 */
	cpu->gdt[2] = 0x0000920000000000ULL; /* data */
	/* 16-byte available 64-bit TSS descriptor (type 9), SDM Vol. 3A §8.2.3 */
	cpu->gdt[3] = (limit & 0xffff) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		      (((limit >> 16) & 0xf) << 48) | (((base >> 24) & 0xff) << 56);
	cpu->gdt[4] = base >> 32;
}

/* Reload CS through a far return; the other segment registers directly. */
static void reload_segments(void)
{
	__asm__ volatile("pushq %[cs]\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movw %[ds], %%ax\n\t"
			 "movw %%ax, %%ds\n\t"
			 "movw %%ax, %%es\n\t"
			 "movw %%ax, %%ss\n\t"
			 :
			 : [cs] "i"(GDT_CODE64), [ds] "i"(GDT_DATA)
			 : "rax", "memory");
}

void percpu_load(struct x86_cpu *cpu)
{
	struct desc_ptr gdtr = {sizeof(cpu->gdt) - 1, (u64)cpu->gdt};
	struct desc_ptr idtr = {sizeof(cpu->idt) - 1, (u64)cpu->idt};

	memset(&cpu->tss, 0, sizeof(cpu->tss));
	cpu->tss.ist[0] = cpu->ist_top;
	cpu->tss.iomap_base = sizeof(cpu->tss); /* no I/O bitmap */
	gdt_fill(cpu);
	idt_fill(cpu);
	if (cpu->index == 0) /* the boot CPU, before any other runs */
		for (u32 v = 0; v < 256; v++)
			set_gate_in(ack_idt, v, (u64)isr_ack);
	lgdt(&gdtr);
	reload_segments();
	ltr(GDT_TSS);
	lidt(&idtr);
	nmi_unblock(GDT_CODE64, GDT_DATA);
	wrmsr(MSR_IA32_GS_BASE, (u64)cpu);
	cpu_table[cpu->index] = cpu;
}

struct x86_cpu *this_cpu(void)
{
	struct x86_cpu *cpu = (struct x86_cpu *)rdmsr(MSR_IA32_GS_BASE);

	return cpu ? cpu : &bsp_cpu;
}

struct x86_cpu *cpu_by_index(u32 index)
{
	return index < MAX_CPUS ? cpu_table[index] : NULL;
}
