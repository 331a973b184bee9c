/* Exceptions taken by the hypervisor itself. Each one is a bug or a hardware fault: report
 * everything a developer needs on COM1 and stop this CPU; the other CPUs go on. */
#include "arch/x86/trap.h"
#include "core/lib/cpu.h"
#include "core/lib/x86.h"
#include "arch/x86/irq.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vmx.h"
#include "core/console.h"
#include "core/log.h"
#include "core/lib/string.h"

static const char *const vector_names[32] = {
    "#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS",
    "#NP", "#SS", "#GP", "#PF", "?15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP",
    "?22", "?23", "?24", "?25", "?26", "?27", "#HV", "#VC", "#SX", "?31",
};

void trap_handler(struct trap_frame *f)
{
	u32 cpu = this_cpu()->index;
	const char *name = f->vector < 32 ? vector_names[f->vector] : "?";

	if (f->vector >= 32) {
		irq_handle((u32)f->vector);
		return;
	}
	if (f->vector == VEC_NMI)
		return; /* an NMI in the hypervisor is Bulkhead's signal to a parked CPU: it looks
			 */
	console_trap_release(); /* the fault may have hit while this CPU held or awaited COM1 */
	log_err("cpu %u: exception %llu (%s) error 0x%llx rip 0x%016llx cr2 0x%016llx\n", cpu,
		(unsigned long long)f->vector, name, (unsigned long long)f->error,
		(unsigned long long)f->rip, (unsigned long long)read_cr2());
	log_err("cpu %u:  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n", cpu,
		(unsigned long long)f->rax, (unsigned long long)f->rbx, (unsigned long long)f->rcx,
		(unsigned long long)f->rdx);
	log_err("cpu %u:  rsi %016llx rdi %016llx rbp %016llx rsp %016llx\n", cpu,
		(unsigned long long)f->rsi, (unsigned long long)f->rdi, (unsigned long long)f->rbp,
		(unsigned long long)f->rsp);
	log_err("cpu %u:  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n", cpu,
		(unsigned long long)f->r8, (unsigned long long)f->r9, (unsigned long long)f->r10,
		(unsigned long long)f->r11);
	log_err("cpu %u:  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n", cpu,
		(unsigned long long)f->r12, (unsigned long long)f->r13, (unsigned long long)f->r14,
		(unsigned long long)f->r15);
	log_err("cpu %u:  cs %04llx ss %04llx rflags %016llx cr0 %08llx cr3 %016llx cr4 %08llx\n",
		cpu, (unsigned long long)f->cs, (unsigned long long)f->ss,
		(unsigned long long)f->rflags, (unsigned long long)read_cr0(),
		(unsigned long long)read_cr3(), (unsigned long long)read_cr4());
	log_err("cpu %u: halted\n", cpu);
	console_flush(); /* the report whole, even if this is the CPU that pushes the FIFO */
	for (;;) {
		irq_disable();
		cpu_halt();
	}
}

/* Debug option selftest=<kind>: take a real exception to show the handler works. */
void trap_selftest(const char *kind)
{
	if (!strcmp(kind, "pf")) {
		volatile u64 *bad = (volatile u64 *)0x4000dead000ULL; /* canonical, not mapped */
		(void)*bad;
	} else if (!strcmp(kind, "ud")) {
		__asm__ volatile("ud2");
	} else if (!strcmp(kind, "gp")) {
		(void)rdmsr(0xdeadbeef); /* no such MSR */
	} else if (!strcmp(kind, "de")) {
		volatile u32 zero = 0;
		volatile u32 one = 1;
		// cppcheck-suppress zerodiv
		(void)(one / zero);
	} else if (!strcmp(kind, "vmentry") || !strcmp(kind, "vmwrite")) {
		vmexit_selftest_arm(kind[2] == 'w');
	} else {
		log_warn("bulkhead: selftest=%s unknown (pf, ud, gp, de, vmentry, vmwrite)\n",
			 kind);
	}
}
