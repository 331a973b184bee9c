/*
 * Bulkhead payload SDK: the IDT (SDM Vol. 3A 6.14.1, 64-bit interrupt gates) and the C side
 * of the interrupt stubs in start.asm.
 */
#include "sdk_internal.h"
#include "core/lib/x86.h"

#define SEL_CODE64 0x08 /* start.asm's GDT */

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t ist;
	uint8_t type;
	uint16_t offset_mid;
	uint32_t offset_hi;
	uint32_t reserved;
};

static struct idt_gate idt[256] __attribute__((aligned(16)));
static sdk_irq_handler handlers[256];
static volatile uint64_t unhandled; /* interrupts on vectors nobody registered */
static sdk_exception_handler exception_handler;

static const char *const exception_names[32] = {"#DE divide error",
						"#DB debug",
						"NMI",
						"#BP breakpoint",
						"#OF overflow",
						"#BR bound range",
						"#UD invalid opcode",
						"#NM no FPU",
						"#DF double fault",
						"coprocessor overrun",
						"#TS invalid TSS",
						"#NP segment not present",
						"#SS stack fault",
						"#GP general protection",
						"#PF page fault",
						"reserved",
						"#MF x87 error",
						"#AC alignment check",
						"#MC machine check",
						"#XM SIMD error",
						"#VE virtualization",
						"#CP control protection",
						"reserved",
						"reserved",
						"reserved",
						"reserved",
						"reserved",
						"reserved",
						"#HV hypervisor injection",
						"#VC VMM communication",
						"#SX security",
						"reserved"};

void sdk_irq_load_idt(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) ptr = {sizeof(idt) - 1, (uint64_t)(uintptr_t)idt};

	__asm__ volatile("lidt %0" ::"m"(ptr));
}

void sdk_irq_init(void)
{
	for (unsigned v = 0; v < 256; v++) {
		uint64_t a = sdk_isr_stubs[v];

		idt[v] = (struct idt_gate){
		    .offset_lo = (uint16_t)a,
		    .selector = SEL_CODE64,
		    .type = GATE_INTERRUPT64,
		    .offset_mid = (uint16_t)(a >> 16),
		    .offset_hi = (uint32_t)(a >> 32),
		};
	}
	sdk_irq_load_idt();
}

int sdk_irq_register(unsigned vector, sdk_irq_handler handler)
{
	if (vector < SDK_VECTOR_FIRST || vector >= SDK_VECTOR_SPURIOUS)
		return -1;
	__atomic_store_n(&handlers[vector], handler, __ATOMIC_RELEASE);
	return 0;
}

sdk_exception_handler sdk_on_exception(sdk_exception_handler handler)
{
	return __atomic_exchange_n(&exception_handler, handler, __ATOMIC_ACQ_REL);
}

void sdk_isr_dispatch(struct sdk_frame *f);
void sdk_isr_dispatch(struct sdk_frame *f)
{
	unsigned v = (unsigned)(f->vector & 0xff);
	sdk_irq_handler h;

	if (v < 32) {
		uint64_t cr2 = 0;
		sdk_exception_handler h_exc;

		if (v == VEC_NMI) /* bare only (Bulkhead keeps NMIs): nothing to do */
			return;
		if (v == VEC_PF)
			__asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
		h_exc = __atomic_load_n(&exception_handler, __ATOMIC_ACQUIRE);
		if (h_exc) {
			struct sdk_exception e = {v, f->error, f->rip, f->rsp, cr2};

			if (h_exc(&e)) {
				f->rip = e.rip;
				return;
			}
		}
		sdk_printf("sdk: exception %u (%s) on apic id %u at rip 0x%llx, error 0x%llx, "
			   "cr2 0x%llx, rsp 0x%llx",
			   v, exception_names[v], sdk_apic_id(), (unsigned long long)f->rip,
			   (unsigned long long)f->error, (unsigned long long)cr2,
			   (unsigned long long)f->rsp);
		sdk_exit(128 + (int)v);
	}
	if (v == SDK_VECTOR_SPURIOUS) /* no EOI for a spurious interrupt (SDM 11.9) */
		return;
	h = __atomic_load_n(&handlers[v], __ATOMIC_ACQUIRE);
	if (h)
		h(v);
	else
		unhandled++;
	sdk_apic_eoi();
}
