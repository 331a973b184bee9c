/* What every exit handler does to the guest it returns to (guest.h): read its mode, inject an
 * event as VM entry accepts it, complete an instruction as the CPU would, refuse one, or stop
 * the partition. */
#include "arch/x86/guest.h"
#include "arch/x86/arch.h"
#include "core/upcalls.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "core/lib/cpu.h"
#include "core/lib/x86.h"

struct vcpu *guest_vcpu(void)
{
	return &this_cpu()->vcpu;
}

/* A linear address the guest's paging can form: bits 63 down to 47 (56 with 5-level paging)
 * all equal (SDM Vol. 3A §3.3.7.1). */
static bool canonical(u64 la)
{
	unsigned top = (vmread(GUEST_CR4) & CR4_LA57) ? 56 : 47;
	u64 high = la >> top;

	return high == 0 || high == (~0ULL >> top);
}

/* 64-bit mode: IA-32e mode and a 64-bit code segment (SDM Vol. 3A §2.2). */
bool guest_in_64bit(void)
{
	return (vmread(GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmread(GUEST_ES_AR + 2 * SEG_CS) & SEG_AR_L);
}

/* The guest's current privilege level: SS.DPL (SDM Vol. 3A §5.5; under unrestricted guest
 * it is 0 in real mode, and the CPU keeps it 3 in virtual-8086 mode). */
u32 guest_cpl(void)
{
	return (u32)(vmread(GUEST_ES_AR + 2 * SEG_SS) >> 5) & 3;
}

/* The exceptions that push an error code in protected mode (SDM Vol. 3A §6.15): #DF, #TS,
 * #NP, #SS, #GP, #PF, #AC, #CP. */
static bool vector_has_error_code(u32 vector)
{
	return vector == 8 || (vector >= 10 && vector <= 14) || vector == 17 || vector == 21;
}

/* Every event Bulkhead injects is built here, against the guest's mode: VM entry checks that
 * "deliver error code" is set exactly for those exceptions, and only when CR0.PE is 1 (a guest
 * in real mode under unrestricted guest, such as an AP fresh from SIPI, takes none), and that
 * a software exception carries its instruction's length (SDM Vol. 3C §27.2.1.3). Anything else
 * makes VM entry fail. The error code given is 0 (#AC's always is; #GP's for Bulkhead's
 * refusals too). */
static void guest_inject_event(u32 vector, u32 type, u64 instruction_len)
{
	u32 info = vector | type << 8 | INTR_VALID;

	if (type == INTR_TYPE_HW_EXCEPTION && vector_has_error_code(vector) &&
	    (vmread(GUEST_CR0) & CR0_PE)) {
		info |= INTR_DELIVER_ERROR;
		vmwrite(ENTRY_EXCEPTION_ERROR, 0);
	}
	if (type == INTR_TYPE_SOFT_INTR || type == INTR_TYPE_PRIV_SOFT_EXC ||
	    type == INTR_TYPE_SOFT_EXC)
		vmwrite(ENTRY_INSTRUCTION_LEN, instruction_len);
	vmwrite(ENTRY_INTR_INFO, info);
}

void guest_inject_exception(u32 vector)
{
	guest_inject_event(vector, INTR_TYPE_HW_EXCEPTION, 0);
}

/* Go past the instruction that exited, as the CPU does when it completes one:
 *  - the instruction pointer wraps as the code size says (EIP at 4 GiB, IP at 64 KiB): a RIP
 *    above 4 GiB outside 64-bit mode fails VM entry (SDM Vol. 3C §27.3.1.4);
 *    in 64-bit mode a RIP that is not canonical gets the #GP its fetch would raise;
 *  - blocking by STI or MOV SS ends with the instruction that follows it (SDM Vol. 3A §6.8.3),
 *    and left set it would forbid an NMI injection and, with IF clear, fail VM entry;
 *  - with RFLAGS.TF set, the single-step trap the instruction would have raised is pending
 *    (pending debug exceptions BS, SDM Vol. 3C §25.4.2): a guest single-stepping over CPUID
 *    sees its #DB, as on a real CPU. */
void guest_skip_instruction(void)
{
	guest_advance(vmread(EXIT_INSTRUCTION_LEN));
}

void guest_advance(u64 len)
{
	u64 rip = vmread(GUEST_RIP) + len;
	u64 intr = vmread(GUEST_INTERRUPTIBILITY), rflags = vmread(GUEST_RFLAGS);

	if (!guest_in_64bit())
		rip &= (vmread(GUEST_ES_AR + 2 * SEG_CS) & SEG_AR_DB) ? 0xffffffffULL : 0xffffULL;
	else if (!canonical(rip)) {
		/* The next fetch would raise #GP; VM entry would fail on such a RIP. */
		guest_inject_exception(VEC_GP);
		return;
	}
	vmwrite(GUEST_RIP, rip);
	if (rflags &
	    RFLAGS_RF) /* an instruction that completes clears RF (SDM Vol. 3B §18.3.1.1) */
		vmwrite(GUEST_RFLAGS, rflags & ~RFLAGS_RF);
	if (intr & (INTR_BLOCK_STI | INTR_BLOCK_MOVSS))
		vmwrite(GUEST_INTERRUPTIBILITY, intr & ~(u64)(INTR_BLOCK_STI | INTR_BLOCK_MOVSS));
	if (rflags & RFLAGS_TF)
		vmwrite(GUEST_PENDING_DBG, vmread(GUEST_PENDING_DBG) | PENDING_DBG_BS);
}

/* NMI-window exiting (SDM Vol. 3C §25.6.2): an exit as soon as the guest can take an NMI. */
void guest_set_nmi_window(bool on)
{
	u64 proc = vmread(PROC_CONTROLS);

	if (!!(proc & PROC_NMI_WINDOW) != on)
		vmwrite(PROC_CONTROLS, on ? proc | PROC_NMI_WINDOW : proc & ~(u64)PROC_NMI_WINDOW);
}

/* A #DB that exits leaves DR6 as it was; the exit qualification says what the CPU would have
 * written there (SDM Vol. 3C §28.2.1): B0-B3 of this exception, BD, BS. DR6 is the guest's
 * own (Bulkhead uses no debug register). A general-detect #DB clears DR7.GD, so that the
 * handler may use the debug registers (SDM Vol. 3B §18.2.4). */
static void debug_exception_to_dr6(u64 qualification)
{
	u64 dr6 = (read_dr6() & ~DR6_B0_B3) | (qualification & (DR6_B0_B3 | DR6_BD | DR6_BS));

	write_dr6(dr6 | DR6_FIXED);
	if (qualification & DR6_BD)
		vmwrite(GUEST_DR7, vmread(GUEST_DR7) & ~DR7_GD);
}

/* Refuse what the guest tried, named once per partition and `key` (core/denied.c): raise
 * `vector` in the guest, or, with vector 0, skip the instruction as if done. */
void guest_refuse(u32 vector, u64 key, const char *what)
{
	const char *outcome = vector == VEC_GP ? "#GP" : vector == VEC_UD ? "#UD" : "ignored";

	if (vector)
		guest_inject_exception(vector);
	else
		guest_skip_instruction();
	partition_refused(guest_vcpu()->partition, key, vector != 0, what, outcome);
}

__attribute__((noreturn)) void guest_fault(u32 reason, const char *what)
{
	struct vcpu *v = guest_vcpu();
	struct vm_fault f = {
	    .reason = what,
	    .exit_reason = reason,
	    .rip = vmread(GUEST_RIP),
	    .gpa = vmread(GUEST_PHYS_ADDR),
	    .qualification = vmread(EXIT_QUALIFICATION),
	};

	partition_fault(v->partition, this_cpu()->index, &f);
}

/* A #AC or #DB, intercepted (exception bitmap, vmcs.c): a guest whose delivery of one raises
 * the same exception again loops inside the CPU without an instruction boundary, where no NMI
 * reaches it: `stop` could never park that CPU (CVE-2015-5307 for #AC, CVE-2015-8104 for #DB).
 * Intercepted, every round of such a loop is a VM exit, and the exception goes back to the
 * guest as the CPU would have delivered it (the event it interrupted, if any, is not
 * delivered: the exception wins, as it does when a fault hits an event's delivery). */
void guest_reflect_exception(u32 info)
{
	u32 vector = INTR_VECTOR(info), type = INTR_TYPE(info);

	if (vector == VEC_DB)
		debug_exception_to_dr6(vmread(EXIT_QUALIFICATION));
	/* A fault in an IRET that had ended virtual-NMI blocking: the guest's handler runs
	 * before that IRET is done again, so the blocking comes back (SDM Vol. 3C §28.2.3; the
	 * bit means nothing when the exit came during an event's delivery). */
	if ((info & INTR_NMI_UNBLOCKED_BY_IRET) && !(vmread(IDT_VECTORING_INFO) & INTR_VALID))
		vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) | INTR_BLOCK_NMI);
	guest_inject_event(vector, type, vmread(EXIT_INSTRUCTION_LEN));
}

/* The exit came during the delivery of an event (IDT-vectoring information, SDM Vol. 3C
 * §28.2.4): unless a handler injects something in its place, the event is delivered again on
 * entry, or the guest would lose it. The CPU itself took it in this mode, so it is valid. */
void guest_requeue_interrupted_event(void)
{
	u32 info = (u32)vmread(IDT_VECTORING_INFO);

	if (!(info & INTR_VALID))
		return;
	if (info & INTR_DELIVER_ERROR)
		vmwrite(ENTRY_EXCEPTION_ERROR, vmread(IDT_VECTORING_ERROR));
	vmwrite(ENTRY_INSTRUCTION_LEN, vmread(EXIT_INSTRUCTION_LEN));
	if (INTR_TYPE(info) == INTR_TYPE_NMI) /* an NMI being delivered was not blocking yet */
		vmwrite(GUEST_INTERRUPTIBILITY,
			vmread(GUEST_INTERRUPTIBILITY) & ~(u64)INTR_BLOCK_NMI);
	vmwrite(ENTRY_INTR_INFO, info & ~INTR_NMI_UNBLOCKED_BY_IRET);
}

/* A sibling's NMI (vcpu->nmi_pending) is injected only where the guest can take it: VM entry
 * fails on an NMI injected under blocking by MOV SS, or by NMI with virtual NMIs (SDM Vol. 3C
 * §27.3.1.5), and an event already being injected comes first. Otherwise NMI-window exiting
 * brings the CPU back as soon as it can take one. Blocking by STI ends with the delivery (some
 * CPUs refuse an NMI injected under it; the instruction after STI runs after the handler). */
void guest_deliver_pending_nmi(struct vcpu *v)
{
	u64 intr = vmread(GUEST_INTERRUPTIBILITY);

	if (!v->nmi_pending || v->waiting_sipi) /* wait-for-SIPI takes no injection */
		return;
	if ((intr & (INTR_BLOCK_MOVSS | INTR_BLOCK_NMI)) ||
	    (vmread(ENTRY_INTR_INFO) & INTR_VALID)) {
		guest_set_nmi_window(true);
		return;
	}
	v->nmi_pending = 0;
	guest_set_nmi_window(false);
	if (intr & INTR_BLOCK_STI)
		vmwrite(GUEST_INTERRUPTIBILITY, intr & ~(u64)INTR_BLOCK_STI);
	guest_inject_event(VEC_NMI, INTR_TYPE_NMI, 0);
}
