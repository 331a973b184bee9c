/* VM-exit dispatch: one switch on the basic exit reason (SDM Vol. 3D Appendix C), one handler
 * per reason (guest_*.c, apic.c; guest.h), every exit counted per CPU. A handler returns to
 * resume the guest; anything Bulkhead does not handle goes to partition_fault(), which stops
 * the partition. */
#include "arch/x86/vmexit.h"
#include "arch/x86/arch.h"
#include "arch/x86/guest.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "core/lib/cpu.h"
#include "core/lib/format.h"
#include "core/lib/x86.h"
#include "core/log.h"
#include "core/upcalls.h"

/* The exit's port, counted in its slot (the first free one if it has none yet). */
static void count_port(struct vcpu *v, u32 port)
{
	for (u32 i = 0; i < VCPU_PORT_SLOTS; i++) {
		if (v->io_ports[i].n && v->io_ports[i].port != port)
			continue;
		v->io_ports[i].port = port;
		v->io_ports[i].n++;
		return;
	}
	v->io_other++;
}

/* A port the partition was not granted: core/ decides (its emulated COM1, or denied).
 * String I/O (INS/OUTS) is not emulated: skipped, as if to a port with nothing behind it.
 * SDM §28.2.1 table 28-5 for the qualification. */
static void handle_io(struct guest_regs *r)
{
	u64 q = vmread(EXIT_QUALIFICATION);
	u32 size = (u32)(q & 7) + 1, port = (u32)(q >> 16) & 0xffff;
	bool in = q & (1u << 3), string = q & (1u << 4);
	u64 mask = size == 4 ? 0xffffffffULL : size == 2 ? 0xffffULL : 0xffULL;
	u32 v;

	count_port(guest_vcpu(), port);
	if (string) { /* INS/OUTS: not emulated, not even on the emulated COM1 */
		char what[40];

		format(what, sizeof(what), "string i/o on port 0x%x", port);
		guest_refuse(0, REFUSAL_KEY(EXIT_IO, port), what);
		return;
	}
	v = partition_port_io(guest_vcpu()->partition, port, size, in, (u32)(r->rax & mask));
	if (in)
		r->rax = size == 4 ? (v & mask) : ((r->rax & ~mask) | (v & mask));
	guest_skip_instruction();
}

static void handle_exception_or_nmi(void)
{
	u32 info = (u32)vmread(EXIT_INTR_INFO);
	struct vcpu *v = guest_vcpu();

	/* An NMI's VM exit leaves NMIs blocked until an IRET (SDM Vol. 3C §28.1.1), and with
	 * virtual NMIs the next VM entry does not end that blocking: without this IRET here, the
	 * guest would run on with Bulkhead's NMIs held back, and one that never exits again
	 * could never be stopped. */
	if (INTR_TYPE(info) == INTR_TYPE_NMI)
		nmi_unblock(GDT_CODE64, GDT_DATA);
	if (INTR_TYPE(info) == INTR_TYPE_NMI && v->init_pending) {
		guest_enter_wait_for_sipi();
		return;
	}
	if (INTR_TYPE(info) == INTR_TYPE_NMI) {
		partition_nmi(v->partition, this_cpu()->index);
		guest_deliver_pending_nmi(v);
		return;
	}
	if (INTR_VECTOR(info) == VEC_AC || INTR_VECTOR(info) == VEC_DB) {
		guest_reflect_exception(info);
		return;
	}
	guest_fault(EXIT_EXCEPTION, "unexpected exception exit");
}

/* Hypercalls are the partition's kernel's: VMCALL above CPL 0 (a Linux process, a payload's
 * user mode) gets the #UD that VMCALL outside VMX operation gives (SDM Vol. 2C VMCALL), named
 * once, and nothing of the hypercall happens. */
static void handle_vmcall(struct guest_regs *r, struct vcpu *v)
{
	u32 cpl = guest_cpl();

	if (cpl != 0) {
		char what[32];

		format(what, sizeof(what), "vmcall at cpl %u", cpl);
		guest_refuse(VEC_UD, REFUSAL_KEY(EXIT_VMCALL, cpl), what);
		return;
	}
	r->rax = partition_hypercall(v->partition, this_cpu()->index, r->rax, r->rbx, r->rcx);
	guest_skip_instruction();
}

/* The VMX instructions a partition may not use, by exit reason (SDM Vol. 3D Appendix C). */
static const char *vmx_instruction_refused(u32 reason)
{
	static const char *const names[] = {
	    "vmclear",	"vmlaunch", "vmptrld", "vmptrst", "vmread",
	    "vmresume", "vmwrite",  "vmxoff",  "vmxon",
	};

	switch (reason) {
	case EXIT_VMCLEAR ... EXIT_VMXON:
		return names[reason - EXIT_VMCLEAR];
	case EXIT_INVEPT:
		return "invept";
	case EXIT_INVVPID:
		return "invvpid";
	default:
		return "vmfunc";
	}
}

/* Short names for the per-reason exit counters (SDM Vol. 3D Appendix C), by exit reason. */
static const char *const exit_names[VMX_EXIT_REASONS] = {
    [EXIT_EXCEPTION] = "exception",
    [EXIT_EXTERNAL_INTR] = "interrupt",
    [EXIT_TRIPLE_FAULT] = "triple-fault",
    [EXIT_INIT] = "init",
    [EXIT_SIPI] = "sipi",
    [EXIT_CPUID] = "cpuid",
    [EXIT_HLT] = "hlt",
    [EXIT_INVD] = "invd",
    [EXIT_VMCALL] = "vmcall",
    [EXIT_VMCLEAR... EXIT_VMXON] = "vmx-instruction",
    [EXIT_CR_ACCESS] = "cr",
    [EXIT_IO] = "io",
    [EXIT_RDMSR] = "rdmsr",
    [EXIT_WRMSR] = "wrmsr",
    [EXIT_BAD_GUEST_STATE] = "bad-guest-state",
    [EXIT_EPT_VIOLATION] = "ept-violation",
    [EXIT_EPT_MISCONFIG] = "ept-misconfig",
    [EXIT_XSETBV] = "xsetbv",
    [EXIT_WBINVD] = "wbinvd",
};

_Static_assert(ARCH_VM_EXIT_REASONS == VMX_EXIT_REASONS, "arch.h counts every exit reason");
_Static_assert(ARCH_VM_PORT_SLOTS == VCPU_PORT_SLOTS, "arch.h counts every port slot");
_Static_assert(ARCH_VM_EXIT_IO == EXIT_IO, "arch.h's I/O exit reason");

const char *arch_vm_exit_name(u32 reason)
{
	return reason < VMX_EXIT_REASONS && exit_names[reason] ? exit_names[reason] : "other";
}

/* VMLAUNCH or VMRESUME failed (VMfailValid: a control or host-state field the guest's
 * actions led Bulkhead to write wrong; SDM Vol. 3C §31.4 lists the errors). Its partition is
 * stopped (or restarted, by its policy) with one line, like any other fault: the CPU parks
 * and is set up afresh on a start, never halted silently. */
void vmentry_failed(u32 resume)
{
	u32 cpu = this_cpu()->index;
	u32 reason = (u32)vmread(EXIT_REASON) & EXIT_REASON_BASIC;
	u64 error = vmread(VM_INSTRUCTION_ERROR);
	struct vm_fault f = {
	    .reason = "vm entry failed",
	    .exit_reason = reason,
	    .rip = vmread(GUEST_RIP),
	    .gpa = 0,
	    .qualification = error,
	};

	log_err("vmx: cpu %u: %s failed, instruction error %llu, exit reason 0x%x\n", cpu,
		resume ? "VMRESUME" : "VMLAUNCH", (unsigned long long)error, reason);
	partition_fault(guest_vcpu()->partition, cpu, &f);
}

/* selftest=vmentry: one print hypercall of the first partition gets an event injection of
 * interruption type 1, which is reserved: VM entry fails with error 7, invalid control field
 * (SDM Vol. 3C §27.2.1.3). selftest=vmwrite: it makes a VMWRITE to an encoding with reserved
 * bit 15 set, which no CPU has (SDM Vol. 3C §25.11.2): VMfailValid, error 12. */
static volatile u32 selftest_mode; /* 0: off, 1: vmentry, 2: vmwrite */

void vmexit_selftest_arm(bool vmwrite)
{
	selftest_mode = vmwrite ? 2 : 1;
}

static void selftest_break_entry(u32 reason, const struct vcpu *v)
{
	u32 mode;

	if (reason != EXIT_VMCALL || v->partition != 0 || !selftest_mode)
		return;
	mode = __atomic_exchange_n(&selftest_mode, 0, __ATOMIC_ACQ_REL);
	if (mode == 1)
		vmwrite(ENTRY_INTR_INFO, VEC_GP | (1u << 8) | INTR_VALID);
	else if (mode == 2)
		vmwrite(0x8000, 0);
}

static void dispatch(struct guest_regs *r, struct vcpu *v, u32 reason)
{
	switch (reason) {
	case EXIT_CPUID:
		guest_cpuid_exit(r);
		return;
	case EXIT_IO:
		handle_io(r);
		return;
	case EXIT_CR_ACCESS:
		guest_cr_exit(r);
		return;
	case EXIT_VMCALL:
		handle_vmcall(r, v);
		return;
	case EXIT_EXCEPTION:
		handle_exception_or_nmi();
		return;
	case EXIT_NMI_WINDOW:
		guest_set_nmi_window(false);
		guest_deliver_pending_nmi(v);
		return;
	case EXIT_INIT:
		log_debug("vmx: cpu %u: INIT\n", this_cpu()->index);
		guest_enter_wait_for_sipi();
		return;
	case EXIT_SIPI:
		log_debug("vmx: cpu %u: SIPI vector 0x%llx\n", this_cpu()->index,
			  (unsigned long long)vmread(EXIT_QUALIFICATION));
		guest_sipi_exit(r);
		return;
	case EXIT_RDMSR:
		guest_rdmsr_exit(r);
		return;
	case EXIT_WRMSR:
		guest_wrmsr_exit(r);
		return;
	case EXIT_XSETBV:
		guest_xsetbv_exit(r);
		return;
	case EXIT_VMCLEAR ... EXIT_VMXON:
	case EXIT_INVEPT:
	case EXIT_INVVPID:
	case EXIT_VMFUNC: /* no nested VMX */
		guest_refuse(VEC_UD, REFUSAL_KEY(reason, 0), vmx_instruction_refused(reason));
		return;
	case EXIT_INVD:
		/* caches are the machine's: no flush or drop on a guest's word */
		guest_refuse(0, REFUSAL_KEY(reason, 0), "invd");
		return;
	case EXIT_WBINVD:
		guest_refuse(0, REFUSAL_KEY(reason, 0), "wbinvd");
		return;
	case EXIT_EPT_VIOLATION:
		guest_ept_violation_exit(r);
		return;
	case EXIT_TRIPLE_FAULT:
		guest_fault(reason, "triple fault");
	default:
		guest_fault(reason, "unhandled exit");
	}
}

void vmexit_dispatch(struct guest_regs *r)
{
	struct vcpu *v = guest_vcpu();
	u32 reason = (u32)vmread(EXIT_REASON) & EXIT_REASON_BASIC;

	if (reason < VMX_EXIT_REASONS)
		v->exits[reason]++;
	/* Bochs keeps "blocking by SMI" set in the saved interruptibility state of a vCPU that
	 * came through INIT-SIPI: the next VM entry would fail on it (outside SMM, SDM Vol. 3C
	 * §27.3.1.5). A guest never runs in SMM, so the bit is cleared. */
	if (vmread(GUEST_INTERRUPTIBILITY) & INTR_BLOCK_SMI)
		vmwrite(GUEST_INTERRUPTIBILITY,
			vmread(GUEST_INTERRUPTIBILITY) & ~(u64)INTR_BLOCK_SMI);
	guest_requeue_interrupted_event();
	dispatch(r, v, reason);
	selftest_break_entry(reason, v);
	vmwrite_check();
	/* Bulkhead's NMI may have come while this CPU was in the hypervisor (and been taken
	 * there): look at the partition's state before going back to the guest; so for a
	 * sibling's INIT or NMI, whichever exit comes first. */
	partition_nmi(v->partition, this_cpu()->index);
	if (v->init_pending && v->started)
		guest_enter_wait_for_sipi();
	else
		guest_deliver_pending_nmi(v);
}
