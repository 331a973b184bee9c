/* VM-exit dispatch: one switch on the basic exit reason (SDM Vol. 3D Appendix C), one small
 * handler per reason, every exit counted per CPU. A handler returns to resume the guest;
 * anything Bulkhead does not handle goes to partition_fault(), which stops the partition. */
#include "arch/x86/apic.h"
#include "arch/x86/arch.h"
#include "core/lib/cpu.h"
#include "arch/x86/cpu_reset.h"
#include "arch/x86/percpu.h"
#include "arch/x86/tsc_leaf.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vmx.h"
#include "arch/x86/xsave.h"
#include "core/config.h"
#include "core/lib/format.h"
#include "core/log.h"

enum exit_reason {
	EXIT_EXCEPTION = 0,
	EXIT_EXTERNAL_INTR = 1,
	EXIT_TRIPLE_FAULT = 2,
	EXIT_INIT = 3,
	EXIT_SIPI = 4,
	EXIT_NMI_WINDOW = 8,
	EXIT_CPUID = 10,
	EXIT_HLT = 12,
	EXIT_INVD = 13,
	EXIT_VMCALL = 18,
	EXIT_VMCLEAR = 19,
	EXIT_VMXON = 27,
	EXIT_CR_ACCESS = 28,
	EXIT_IO = 30,
	EXIT_RDMSR = 31,
	EXIT_WRMSR = 32,
	EXIT_BAD_GUEST_STATE = 33,
	EXIT_EPT_VIOLATION = 48,
	EXIT_EPT_MISCONFIG = 49,
	EXIT_INVEPT = 50,
	EXIT_INVVPID = 53,
	EXIT_WBINVD = 54,
	EXIT_XSETBV = 55,
	EXIT_INVPCID = 58,
	EXIT_VMFUNC = 59,
};

#define VEC_DB		      1
#define VEC_UD		      6
#define VEC_AC		      17
#define VEC_GP		      13
#define CR0_PE		      (1ULL << 0)
#define CPUID1_ECX_VMX	      (1u << 5)
#define CPUID1_ECX_PDCM	      (1u << 15)
#define CPUID1_EDX_MCE	      (1u << 7)
#define CPUID1_EDX_MCA	      (1u << 14)
#define CPUID1_EDX_ACPI	      (1u << 22)
#define CPUID1_EDX_TM	      (1u << 29)
#define CPUID7_EBX_INVPCID    (1u << 10)
#define CPUID7_ECX_WAITPKG    (1u << 5)
#define CPUID7_ECX_RDPID      (1u << 22)
#define CPUIDX1_EDX_RDTSCP    (1u << 27)
#define CPUID1_ECX_OSXSAVE    (1u << 27)
#define CPUID7_ECX_PKU	      (1u << 3)
#define CPUID7_ECX_OSPKE      (1u << 4)
#define CR4_PKE		      (1ULL << 22)
#define CPUID1_ECX_HYPERVISOR (1u << 31)
#define HV_LEAF		      0x40000000u
#define MSR_APIC_BASE	      0x1b
#define MSR_MISC_ENABLE	      0x1a0
#define MSR_UCODE_REV	      0x8b
#define MSR_X2APIC_ID	      0x802
#define MSR_X2APIC_VERSION    0x803
#define MSR_X2APIC_ICR	      0x830
#define ICR_MODE(v)	      (((v) >> 8) & 7)
#define ICR_SHORTHAND(v)      (((v) >> 18) & 3)
#define ICR_RESERVED	      0xfff33000ULL /* bits 12-13, 16-17, 20-31 (SDM Vol. 3A §11.12.9) */
#define ICR_MODE_FIXED	      0
#define ICR_MODE_NMI	      4
#define ICR_MODE_INIT	      5
#define ICR_MODE_SIPI	      6
#define ICR_LOGICAL	      (1u << 11)
#define ICR_ASSERT	      (1u << 14)
#define ICR_LEVEL	      (1u << 15)
#define ICR_SELF	      1
#define ICR_ALL		      2
#define ICR_ALL_BUT_SELF      3
#define VEC_NMI		      2
#define SEG_AR_CODE16	      0x9b
#define SEG_AR_DATA16	      0x93
#define SEG_AR_LDT	      0x82
#define SEG_AR_TSS_BUSY	      0x8b

static void selftest_break_entry(u32 reason, const struct vcpu *v);

static struct vcpu *vcpu_of_apic(u32 apic_id)
{
	for (u32 i = 0; i < MAX_CPUS; i++) {
		struct x86_cpu *cpu = cpu_by_index(i);

		if (cpu && cpu->apic_id == apic_id)
			return &cpu->vcpu;
	}
	return NULL;
}

static struct vcpu *current(void)
{
	return &this_cpu()->vcpu;
}

#define CR0_NE	       (1ULL << 5)
#define CR0_PG	       (1ULL << 31)
#define EFER_LME       (1ULL << 8)
#define EFER_LMA       (1ULL << 10)
#define CR4_PAE	       (1ULL << 5)
#define SEG_AR_L       (1u << 13) /* CS: 64-bit code */
#define SEG_AR_DB      (1u << 14) /* CS: 32-bit code */
#define RFLAGS_TF      (1ULL << 8)
#define PENDING_DBG_BS (1ULL << 14)

#define RFLAGS_RF (1ULL << 16)
#define CR4_LA57  (1ULL << 12)

/* A linear address the guest's paging can form: bits 63 down to 47 (56 with 5-level paging)
 * all equal (SDM Vol. 3A §3.3.7.1). */
static bool canonical(u64 la)
{
	unsigned top = (vmread(GUEST_CR4) & CR4_LA57) ? 56 : 47;
	u64 high = la >> top;

	return high == 0 || high == (~0ULL >> top);
}

/* 64-bit mode: IA-32e mode and a 64-bit code segment (SDM Vol. 3A §2.2). */
static bool guest_in_64bit(void)
{
	return (vmread(GUEST_IA32_EFER) & EFER_LMA) &&
	       (vmread(GUEST_ES_AR + 2 * SEG_CS) & SEG_AR_L);
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
static void inject_event(u32 vector, u32 type, u64 instruction_len)
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

static void inject_exception(u32 vector)
{
	inject_event(vector, INTR_TYPE_HW_EXCEPTION, 0);
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
static void skip_instruction(void)
{
	u64 rip = vmread(GUEST_RIP) + vmread(EXIT_INSTRUCTION_LEN);
	u64 intr = vmread(GUEST_INTERRUPTIBILITY), rflags = vmread(GUEST_RFLAGS);

	if (!guest_in_64bit())
		rip &= (vmread(GUEST_ES_AR + 2 * SEG_CS) & SEG_AR_DB) ? 0xffffffffULL : 0xffffULL;
	else if (!canonical(rip)) {
		/* The next fetch would raise #GP; VM entry would fail on such a RIP. */
		inject_exception(VEC_GP);
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
static void set_nmi_window(bool on)
{
	u64 proc = vmread(PROC_CONTROLS);

	if (!!(proc & PROC_NMI_WINDOW) != on)
		vmwrite(PROC_CONTROLS, on ? proc | PROC_NMI_WINDOW : proc & ~(u64)PROC_NMI_WINDOW);
}

#define DR6_B0_B3 0xfULL
#define DR6_BD	  (1ULL << 13)
#define DR6_BS	  (1ULL << 14)
#define DR6_FIXED (0xffff0ff0ULL) /* bits 4-11 and 16-31 read 1 (RTM: 1 outside RTM) */
#define DR7_GD	  (1ULL << 13)

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
static void refuse(u32 vector, u64 key, const char *what)
{
	const char *outcome = vector == VEC_GP ? "#GP" : vector == VEC_UD ? "#UD" : "ignored";

	if (vector)
		inject_exception(vector);
	else
		skip_instruction();
	partition_refused(current()->partition, key, vector != 0, what, outcome);
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

/* A key for refuse(): the exit reason and what it concerned (an MSR, a CR number). */
#define REFUSAL_KEY(reason, detail) (((u64)(reason) << 32) | (u32)(detail))

static __attribute__((noreturn)) void fault(u32 reason, const char *what)
{
	struct vcpu *v = current();
	struct vm_fault f = {
	    .reason = what,
	    .exit_reason = reason,
	    .rip = vmread(GUEST_RIP),
	    .gpa = vmread(GUEST_PHYS_ADDR),
	    .qualification = vmread(EXIT_QUALIFICATION),
	};

	partition_fault(v->partition, this_cpu()->index, &f);
}

/* The XCR0 bits a partition may set (xsave.h); 0 without XSAVE. Read once: it takes up to
 * ten CPUIDs, and Linux asks for leaves 7 and 0xD many times while it boots. All CPUs agree
 * (the hardware check compares them), so CPUs racing here store the same value. */
static u64 partition_xcr0(void)
{
	static u64 allowed = ~0ULL; /* not yet read: no XCR0 value has bit 63 */

	if (allowed == ~0ULL)
		allowed = (cpuid(1, 0).ecx & CPUID1_ECX_XSAVE) ? xcr0_allowed(cpuid) : 0;
	return allowed;
}

/* CPUID executes in Bulkhead, so the bits that mirror CR4 must come from the guest's. */
static u32 guest_cr4_bit(u64 cr4_bit, u32 cpuid_bit)
{
	return (vmread(GUEST_CR4) & cr4_bit) ? cpuid_bit : 0;
}

/* What a partition's CPUID may not promise (SDM Vol. 2A CPUID): VMX (no nesting); XSAVE
 * components other than xsave.h's, XSAVES and XFD (and PKU without PKRU state); machine-check
 * banks, thermal and power management, performance counters (package- or machine-wide MSRs the
 * partition cannot have); WAITPKG, and RDTSCP/RDPID or INVPCID when their VM-execution control is
 * off (the instruction would raise #UD). OSXSAVE and OSPKE follow the guest's CR4. The hypervisor
 * bit is set, leaf 0x40000000 names Bulkhead, and leaf 0x15 gives the TSC frequency Bulkhead
 * measured. */
static void filter_cpuid(u32 leaf, u32 sub, struct cpuid_regs *c)
{
	u64 proc2 = vmread(PROC_CONTROLS2);

	switch (leaf) {
	case 1:
		c->ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_OSXSAVE | CPUID1_ECX_PDCM);
		c->ecx |= CPUID1_ECX_HYPERVISOR | guest_cr4_bit(CR4_OSXSAVE, CPUID1_ECX_OSXSAVE);
		c->edx &= ~(CPUID1_EDX_MCE | CPUID1_EDX_MCA | CPUID1_EDX_ACPI | CPUID1_EDX_TM);
		break;
	case 6:	  /* thermal and power management */
	case 0xa: /* architectural performance monitoring */
		*c = (struct cpuid_regs){0, 0, 0, 0};
		break;
	case 0xd: /* XSAVE state */
		xsave_filter_cpuid(sub, c, partition_xcr0(), cpuid);
		break;
	case 7:
		c->ecx &= ~(CPUID7_ECX_WAITPKG | CPUID7_ECX_OSPKE);
		c->ecx |= guest_cr4_bit(CR4_PKE, CPUID7_ECX_OSPKE);
		if (!(partition_xcr0() & XCR0_PKRU)) /* protection keys whose state XSAVE keeps */
			c->ecx &= ~CPUID7_ECX_PKU;
		if (!(proc2 & PROC2_INVPCID))
			c->ebx &= ~CPUID7_EBX_INVPCID;
		if (!(proc2 & PROC2_RDTSCP))
			c->ecx &= ~CPUID7_ECX_RDPID;
		break;
	case 0x15:
		/* The TSC rate Bulkhead measured and gives every payload too, so all partitions
		 * agree on time (some CPUs and emulators report a nominal figure here that is not
		 * what the TSC really counts at); tsc_leaf.h fits it to 32 bits. */
		*c = (struct cpuid_regs){0, 0, 0, 0};
		tsc_leaf15(arch_tsc_khz(), &c->eax, &c->ebx, &c->ecx);
		break;
	case 0x80000001:
		if (!(proc2 & PROC2_RDTSCP))
			c->edx &= ~CPUIDX1_EDX_RDTSCP;
		break;
	default:
		break;
	}
}

static void handle_cpuid(struct guest_regs *r)
{
	u32 leaf = (u32)r->rax, sub = (u32)r->rcx;
	struct cpuid_regs c;

	if (leaf == HV_LEAF) {
		c = (struct cpuid_regs){HV_LEAF, 0x6b6c7542, 0x64616568, 0}; /* "Bulkhead" */
	} else if (leaf > HV_LEAF && leaf < 0x40000100u) {
		c = (struct cpuid_regs){0, 0, 0, 0};
	} else {
		c = cpuid(leaf, sub);
		filter_cpuid(leaf, sub, &c);
	}
	r->rax = c.eax;
	r->rbx = c.ebx;
	r->rcx = c.ecx;
	r->rdx = c.edx;
	skip_instruction();
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

	if (string) { /* INS/OUTS: not emulated, not even on the emulated COM1 */
		char what[40];

		format(what, sizeof(what), "string i/o on port 0x%x", port);
		refuse(0, REFUSAL_KEY(EXIT_IO, port), what);
		return;
	}
	v = partition_port_io(current()->partition, port, size, in, (u32)(r->rax & mask));
	if (in)
		r->rax = size == 4 ? (v & mask) : ((r->rax & ~mask) | (v & mask));
	skip_instruction();
}

#define SEG_AR_TYPE	      0xfu
#define TSS16_BUSY	      3
#define TSS64_BUSY	      11
#define PDPTE_PRESENT	      1ULL
#define PDPTE_RESERVED	      0x1e6ULL /* bits 1-2, 5-8; and above MAXPHYADDR */
#define CR4_PCIDE	      (1ULL << 17)
#define CR4_CET		      (1ULL << 23)
#define CR0_WP		      (1ULL << 16)
#define CPUIDX8_MAXPHYADDR(a) ((a)&0xff)

/* A guest's MOV to CR0, done for it because it touched CR0.NE. When the write turns paging
 * on with EFER.LME set, the CPU would have entered IA-32e mode: so must the emulation, by
 * setting EFER.LMA and the "IA-32e mode guest" entry control (SDM §10.8.5, §27.3.1.1), with
 * TR as a 64-bit TSS, the only kind IA-32e mode has (a 16-bit one fails VM entry there);
 * turning paging off leaves IA-32e mode. */
static void write_guest_cr0(u64 val)
{
	u64 efer = vmread(GUEST_IA32_EFER), entry = vmread(ENTRY_CONTROLS);
	u64 tr = vmread(GUEST_ES_AR + 2 * SEG_TR);

	if ((val & CR0_PG) && (efer & EFER_LME)) {
		efer |= EFER_LMA;
		entry |= ENTRY_IA32E;
		if ((tr & SEG_AR_TYPE) == TSS16_BUSY)
			vmwrite(GUEST_ES_AR + 2 * SEG_TR, (tr & ~(u64)SEG_AR_TYPE) | TSS64_BUSY);
	} else if (!(val & CR0_PG)) {
		efer &= ~EFER_LMA;
		entry &= ~(u64)ENTRY_IA32E;
	}
	vmwrite(GUEST_IA32_EFER, efer);
	vmwrite(ENTRY_CONTROLS, entry);
	/* Turning paging on or off drops the TLB's translations (SDM Vol. 3A §4.10.4.1): with
	 * VPID they would outlive the emulated MOV. */
	if ((val ^ vmread(GUEST_CR0)) & CR0_PG)
		vmx_invvpid_current();
	vmwrite(GUEST_CR0, val | CR0_NE);
	vmwrite(CR0_SHADOW, val);
}

/* Turning on PAE paging outside IA-32e mode loads the four PDPTEs CR3 points at; with EPT,
 * VM entry loads them from the VMCS instead, so the emulation writes them there. A present
 * one with reserved bits set is the #GP the CPU gives (and would fail VM entry). */
static const char *load_pdptes(void)
{
	u64 pdpte[4], maxphys = CPUIDX8_MAXPHYADDR(cpuid(0x80000008, 0).eax);
	u64 above = ~0ULL << maxphys; /* and bits 63:52, XD included */

	if (!arch_vm_read(current()->vm, vmread(GUEST_CR3) & 0xffffffe0ULL, pdpte, sizeof(pdpte)))
		return "pdpt outside ram";
	for (u32 i = 0; i < 4; i++)
		if ((pdpte[i] & PDPTE_PRESENT) && (pdpte[i] & (PDPTE_RESERVED | above)))
			return "pdpte reserved bits";
	for (u32 i = 0; i < 4; i++)
		vmwrite(GUEST_PDPTE0 + 2 * i, pdpte[i]);
	return NULL;
}

/* Why MOV to CR0 of `val` raises #GP in the guest's present mode, or NULL (SDM Vol. 3A §2.5,
 * §10.8.5, Vol. 2B MOV CR): reserved bits, PG without PE, NW without CD; clearing PG in
 * 64-bit mode or with CR4.PCIDE set; clearing WP with CR4.CET set; turning paging on with
 * EFER.LME set and CR4.PAE clear (IA-32e mode needs PAE paging), or with a code segment
 * both 64-bit and 32-bit (L and D: VM entry refuses it in IA-32e mode); turning PAE paging on
 * with bad PDPTEs. Written unchecked, the next VM entry would fail instead. */
static const char *cr0_invalid(u64 val)
{
	const u64 defined = 0xe005003fULL; /* PE MP EM TS ET NE, WP, AM, NW CD PG */
	u64 efer = vmread(GUEST_IA32_EFER), cr4 = vmread(GUEST_CR4);
	u64 cs = vmread(GUEST_ES_AR + 2 * SEG_CS);
	bool paging_on = (val & CR0_PG) && !(vmread(GUEST_CR0) & CR0_PG);

	if ((val & ~defined) || ((val & CR0_PG) && !(val & CR0_PE)) ||
	    ((val & (1ULL << 29)) && !(val & (1ULL << 30))))
		return "reserved or conflicting bits";
	if (!(val & CR0_PG) && guest_in_64bit())
		return "paging off in 64-bit mode";
	if (!(val & CR0_PG) && (cr4 & CR4_PCIDE))
		return "paging off with pcide";
	if (!(val & CR0_WP) && (cr4 & CR4_CET))
		return "wp off with cet";
	if ((val & CR0_PG) && (efer & EFER_LME) && !(cr4 & CR4_PAE))
		return "long mode without PAE";
	if ((val & CR0_PG) && (efer & EFER_LME) && (cs & SEG_AR_L) && (cs & SEG_AR_DB))
		return "long mode with cs.l and cs.d";
	if (paging_on && !(efer & EFER_LME) && (cr4 & CR4_PAE))
		return load_pdptes();
	return NULL;
}

/* MOV to CR0/CR4 touching a host-owned bit (CR0.NE, CR4.VMXE). */
static void handle_cr(struct guest_regs *r)
{
	u64 q = vmread(EXIT_QUALIFICATION);
	u32 cr = q & 0xf, type = (q >> 4) & 3, reg = (q >> 8) & 0xf;
	u64 rsp = vmread(GUEST_RSP); /* RSP lives in the VMCS, not in guest_regs */
	u64 *gpr[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, &rsp,    &r->rbp, &r->rsi, &r->rdi,
			&r->r8,	 &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15};
	u64 val;

	if (type != 0 || (cr != 0 && cr != 4))
		fault(EXIT_CR_ACCESS, "unhandled control register access");
	val = *gpr[reg];
	if (cr == 4) {
		if (val & CR4_VMXE) { /* no nested VMX */
			refuse(VEC_GP, REFUSAL_KEY(EXIT_CR_ACCESS, 4), "cr4.vmxe");
			return;
		}
		vmwrite(GUEST_CR4, val | CR4_VMXE);
		vmwrite(CR4_SHADOW, val);
	} else {
		const char *why = cr0_invalid(val);

		if (why) {
			char what[64];

			format(what, sizeof(what), "cr0 0x%llx (%s)", (unsigned long long)val, why);
			refuse(VEC_GP, REFUSAL_KEY(EXIT_CR_ACCESS, 0), what);
			return;
		}
		write_guest_cr0(val);
	}
	skip_instruction();
}

/* MSRs whose writes are dropped rather than refused: Linux writes them while setting a CPU
 * up (MTRRs around a PAT change, MISC_ENABLE bits, the microcode revision before reading it)
 * and copes with the value staying as it was. They are shared with, or describe, the
 * hardware, so the partition may not change them; #GP would only add warnings. */
static bool msr_write_dropped(u32 msr)
{
	return (msr >= 0x200 && msr <= 0x2ff && msr != 0x277) || msr == 0x1a0 || msr == 0x8b ||
	       msr == 0x3b || msr == 0x10;
}

/* An MSR write that is neither passed through nor emulated: #GP, or dropped
 * (msr_write_dropped); named once per partition and MSR. */
static void refuse_wrmsr(u32 msr)
{
	bool dropped = msr_write_dropped(msr);
	char what[40];

	format(what, sizeof(what), "wrmsr 0x%x", msr);
	refuse(dropped ? 0 : VEC_GP, REFUSAL_KEY(EXIT_WRMSR, msr), what);
}

/* A read of such an MSR: #GP, named at debug level only, because Linux probes many MSRs
 * that are not there (rdmsr_safe) and copes with the #GP. */
static void refuse_rdmsr(u32 msr)
{
	log_debug("vmx: cpu %u: rdmsr of msr 0x%x refused (#GP)\n", this_cpu()->index, msr);
	inject_exception(VEC_GP);
}

/* IA32_MISC_ENABLE as every partition reads it: fast strings on, branch trace and PEBS
 * unavailable (no performance monitoring is offered), XD not disabled. A constant, because
 * the real register is the platform's and not every CPU (or emulator) has it; Linux reads it
 * before it has an IDT, so a #GP there would be a triple fault. */
#define MISC_ENABLE_VALUE ((1ULL << 0) | (1ULL << 11) | (1ULL << 12))

/* Reads of the APIC identity registers give the real values, MISC_ENABLE and the microcode
 * revision fixed ones; every
 * other MSR the partition was not granted raises #GP in the guest. */
static void handle_rdmsr(struct guest_regs *r)
{
	u32 msr = (u32)r->rcx;
	u64 v;

	if (msr == MSR_MISC_ENABLE) {
		v = MISC_ENABLE_VALUE;
	} else if (msr == MSR_UCODE_REV) {
		v = 0; /* no microcode revision to report: loaders leave the partition's CPU alone
			*/
	} else if (msr == MSR_APIC_BASE || msr == MSR_X2APIC_ID || msr == MSR_X2APIC_VERSION) {
		v = rdmsr(msr);
	} else {
		refuse_rdmsr(msr);
		return;
	}
	r->rax = (u32)v;
	r->rdx = v >> 32;
	skip_instruction();
}

/* A guest INIT to a sibling (checked by the caller): see struct vcpu for why it travels as
 * an NMI. */
static void send_init(u32 dest_apic)
{
	struct vcpu *target = vcpu_of_apic(dest_apic);

	if (!target || !target->started)
		return; /* still waiting for SIPI: INIT changes nothing */
	target->init_pending = 1;
	cpu_mfence();
	wrmsr(MSR_X2APIC_ICR, ((u64)dest_apic << 32) | ICR_NMI);
}

/* A guest NMI to a sibling: the NMI exits there (NMI exiting is Bulkhead's), so it is flagged
 * to be injected into the guest on that exit. */
static void send_nmi(u32 dest_apic)
{
	struct vcpu *target = vcpu_of_apic(dest_apic);

	if (!target)
		return;
	target->nmi_pending = 1;
	cpu_mfence();
	wrmsr(MSR_X2APIC_ICR, ((u64)dest_apic << 32) | ICR_NMI);
}

/* One IPI to one of the partition's own CPUs. */
static void send_ipi(u64 icr, u32 dest_apic)
{
	switch (ICR_MODE(icr)) {
	case ICR_MODE_INIT:
		send_init(dest_apic);
		break;
	case ICR_MODE_NMI:
		send_nmi(dest_apic);
		break;
	default:
		wrmsr(MSR_X2APIC_ICR, ((u64)dest_apic << 32) | (u32)(icr & ~(3u << 18)));
		break;
	}
}

/* A broadcast (shorthand "all" or "all but self") reaches the partition's own CPUs only:
 * it is sent to each of them in turn. */
static void broadcast_ipi(u64 icr, bool include_self)
{
	u32 me = this_cpu()->apic_id, partition = current()->partition;

	for (u32 i = 0; i < MAX_CPUS; i++) {
		struct x86_cpu *cpu = cpu_by_index(i);

		if (!cpu || !partition_owns_apic(partition, cpu->apic_id))
			continue;
		if (cpu->apic_id != me || include_self)
			send_ipi(icr, cpu->apic_id);
	}
}

/* Which ICR writes a partition may make: fixed, NMI, INIT or SIPI, in physical destination
 * mode, to one of its own CPUs, to itself, or to all of its own CPUs. */
static bool icr_allowed(u64 v, u32 partition)
{
	u32 mode = ICR_MODE(v), shorthand = ICR_SHORTHAND(v);

	if (mode != ICR_MODE_FIXED && mode != ICR_MODE_NMI && mode != ICR_MODE_INIT &&
	    mode != ICR_MODE_SIPI)
		return false;
	if (shorthand == ICR_SELF)
		return mode == ICR_MODE_FIXED;
	if (v & ICR_LOGICAL) /* a logical destination is a cluster and mask, not an APIC ID */
		return false;
	if (shorthand != 0)
		return mode == ICR_MODE_FIXED || mode == ICR_MODE_NMI;
	return partition_owns_apic(partition, (u32)(v >> 32));
}

static void handle_icr_write(u64 v)
{
	struct vcpu *vc = current();

	if (!icr_allowed(v, vc->partition)) {
		struct vm_fault f = {"forbidden ipi", EXIT_WRMSR, vmread(GUEST_RIP), 0, v};

		partition_fault(vc->partition, this_cpu()->index, &f);
	}
	if (ICR_MODE(v) == ICR_MODE_INIT && (v & ICR_LEVEL) && !(v & ICR_ASSERT))
		return; /* INIT level de-assert: no effect on a CPU with an x2APIC (SDM §11.6.1) */
	switch (ICR_SHORTHAND(v)) {
	case ICR_SELF:
		wrmsr(MSR_X2APIC_ICR, v);
		break;
	case ICR_ALL:
	case ICR_ALL_BUT_SELF:
		broadcast_ipi(v, ICR_SHORTHAND(v) == ICR_ALL);
		break;
	default:
		send_ipi(v, (u32)(v >> 32));
		break;
	}
}

/* Why a write of `v` to that LVT gets the #GP a real x2APIC gives (in the guest, not in
 * Bulkhead's own WRMSR), or NULL: an LVT this APIC does not have, a reserved bit (which bits
 * are depends on the LVT), a reserved delivery mode. */
static const char *lvt_invalid(u32 msr, u64 v)
{
	if (!lapic_has_lvt(msr))
		return "absent";
	if (v & ~(u64)(lvt_writable(msr) | lvt_read_only(msr)))
		return "reserved bits";
	if (lvt_mode_reserved(LVT_MODE(v)))
		return "reserved delivery mode";
	return NULL;
}

/* A write to an LVT with a delivery mode (apic.h): checked as a real x2APIC would
 * (lvt_invalid); read-only bits are dropped; an SMI, INIT or ExtINT entry is written masked,
 * named once: a partition's interrupts are fixed or NMI. */
static void handle_lvt_write(u32 msr, u64 v)
{
	const char *why = lvt_invalid(msr, v);
	u32 mode = LVT_MODE(v);
	char what[64];

	if (why) {
		format(what, sizeof(what), "lvt 0x%x value 0x%llx (%s)", msr, (unsigned long long)v,
		       why);
		refuse(VEC_GP, REFUSAL_KEY(EXIT_WRMSR, msr), what);
		return;
	}
	v &= lvt_writable(msr);
	if (mode == LVT_MODE_SMI || mode == LVT_MODE_INIT || mode == LVT_MODE_EXTINT) {
		static const char *const names[8] = {
		    [LVT_MODE_SMI] = "smi", [LVT_MODE_INIT] = "init", [LVT_MODE_EXTINT] = "extint"};

		format(what, sizeof(what), "lvt 0x%x delivery mode %s", msr, names[mode]);
		partition_refused(current()->partition, REFUSAL_KEY(EXIT_WRMSR, mode << 24 | msr),
				  false, what, "masked");
		v |= LVT_MASKED;
	}
	wrmsr(msr, v);
	skip_instruction();
}

/* The x2APIC ICR and the LVTs with a delivery mode are checked (handle_icr_write,
 * handle_lvt_write); a few writes are dropped (msr_write_dropped); any other MSR the
 * partition was not granted raises #GP. */
static void handle_wrmsr(struct guest_regs *r)
{
	u32 msr = (u32)r->rcx;
	u64 v = ((u64)(u32)r->rdx << 32) | (u32)r->rax;

	if (lvt_has_delivery_mode(msr)) {
		handle_lvt_write(msr, v);
		return;
	}
	if (msr != MSR_X2APIC_ICR) {
		refuse_wrmsr(msr);
		return;
	}
	if (v & ICR_RESERVED) { /* the #GP a real x2APIC gives, in the guest, not in Bulkhead */
		char what[48];

		format(what, sizeof(what), "x2apic icr 0x%llx (reserved bits)",
		       (unsigned long long)v);
		refuse(VEC_GP, REFUSAL_KEY(EXIT_WRMSR, msr), what);
		return;
	}
	handle_icr_write(v);
	skip_instruction();
}

/* The guest's current privilege level: SS.DPL (SDM Vol. 3A §5.5; under unrestricted guest
 * it is 0 in real mode, and the CPU keeps it 3 in virtual-8086 mode). */
static u32 guest_cpl(void)
{
	return (u32)(vmread(GUEST_ES_AR + 2 * SEG_SS) >> 5) & 3;
}

/* XSETBV (SDM Vol. 2C): the CPU raised #UD itself if CR4.OSXSAVE is clear; the privilege
 * level and the value are checked here, as the CPU would, and the value goes into this CPU's
 * XCR0, which only the partition uses. */
static void handle_xsetbv(struct guest_regs *r)
{
	u32 index = (u32)r->rcx, cpl = guest_cpl();
	u64 v = ((u64)(u32)r->rdx << 32) | (u32)r->rax;
	char what[56];

	if (cpl == 0 && xcr0_valid(index, v, partition_xcr0())) {
		xsetbv(index, v);
		skip_instruction();
		return;
	}
	format(what, sizeof(what), "xsetbv xcr%u 0x%llx at cpl %u", index, (unsigned long long)v,
	       cpl);
	refuse(VEC_GP, REFUSAL_KEY(EXIT_XSETBV, 0), what);
}

/* Put this vCPU back into wait-for-SIPI, as INIT does (SDM §9.4.4), with the CPU's own state
 * as INIT leaves it (cpu_reset.c) and none of its TLB entries: a partition restarted while
 * this CPU waits finds it as clean as one set up afresh. */
static void enter_wait_for_sipi(void)
{
	struct vcpu *v = current();

	v->started = 0;
	v->init_pending = 0;
	v->nmi_pending = 0; /* INIT drops what was pending (SDM Vol. 3A §10.1.1) */
	v->waiting_sipi = 1;
	cpu_reset_for_partition();
	vmx_invvpid_current();
	set_nmi_window(false);
	/* VM entry into wait-for-SIPI may inject nothing (SDM Vol. 3C §27.3.1.5). */
	vmwrite(ENTRY_INTR_INFO, 0);
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY, GUEST_WAIT_FOR_SIPI);
}

static void set_real_mode_segment(unsigned seg, u16 sel, u32 ar)
{
	vmwrite(GUEST_ES_SEL + 2 * seg, sel);
	vmwrite(GUEST_ES_BASE + 2 * seg, (u64)sel << 4);
	vmwrite(GUEST_ES_LIMIT + 2 * seg, 0xffff);
	vmwrite(GUEST_ES_AR + 2 * seg, ar);
}

/* The state INIT leaves (SDM Vol. 3A §10.1.1, table 10-1) in what VM entry checks: no paging,
 * no long mode, CR3 and CR4 clear (but VMXE, which VMX operation fixes and the shadow hides),
 * descriptor tables at 0 with limit 0xffff, DR7 0x400. A CPU that was in long mode and got
 * INIT and SIPI again (Linux takes a CPU offline and back) would otherwise keep EFER.LMA and
 * the IA-32e entry control with paging off: a failed VM entry. */
static void reset_to_init_state(void)
{
	vmwrite(ENTRY_CONTROLS, vmread(ENTRY_CONTROLS) & ~(u64)ENTRY_IA32E);
	vmwrite(GUEST_IA32_EFER, 0);
	vmwrite(GUEST_CR3, 0);
	vmwrite(GUEST_CR4, CR4_VMXE);
	vmwrite(CR4_SHADOW, 0);
	vmwrite(GUEST_GDTR_BASE, 0);
	vmwrite(GUEST_GDTR_LIMIT, 0xffff);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0xffff);
	set_real_mode_segment(SEG_LDTR, 0, SEG_AR_LDT);
	set_real_mode_segment(SEG_TR, 0, SEG_AR_TSS_BUSY);
	vmwrite(GUEST_DR7, 0x400);
	vmwrite(GUEST_PENDING_DBG, 0);
}

/* SIPI: start this vCPU in real mode at vector << 12, as a real AP starts (SDM §9.4.4). */
static void handle_sipi(struct guest_regs *r)
{
	u16 vector = (u16)(vmread(EXIT_QUALIFICATION) & 0xff);

	*r = (struct guest_regs){0};
	reset_to_init_state();
	set_real_mode_segment(SEG_CS, (u16)(vector << 8), SEG_AR_CODE16);
	set_real_mode_segment(SEG_DS, 0, SEG_AR_DATA16);
	set_real_mode_segment(SEG_ES, 0, SEG_AR_DATA16);
	set_real_mode_segment(SEG_SS, 0, SEG_AR_DATA16);
	set_real_mode_segment(SEG_FS, 0, SEG_AR_DATA16);
	set_real_mode_segment(SEG_GS, 0, SEG_AR_DATA16);
	vmwrite(GUEST_CR0, (1ULL << 4) | (1ULL << 5)); /* ET, NE; PE and PG off */
	vmwrite(CR0_SHADOW, 1ULL << 4);
	vmwrite(GUEST_RIP, 0);
	vmwrite(GUEST_RSP, 0);
	vmwrite(GUEST_RFLAGS, 0x2);
	vmwrite(GUEST_INTERRUPTIBILITY, 0); /* a CPU fresh from SIPI blocks nothing */
	vmwrite(GUEST_ACTIVITY, GUEST_ACTIVE);
	current()->started = 1;
	current()->waiting_sipi = 0;
	nmi_unblock(GDT_CODE64, GDT_DATA); /* Bochs blocked NMIs while the vCPU waited */
}

/* A #AC or #DB, intercepted (exception bitmap, vmcs.c): a guest whose delivery of one raises
 * the same exception again loops inside the CPU without an instruction boundary, where no NMI
 * reaches it: `stop` could never park that CPU (CVE-2015-5307 for #AC, CVE-2015-8104 for #DB).
 * Intercepted, every round of such a loop is a VM exit, and the exception goes back to the
 * guest as the CPU would have delivered it (the event it interrupted, if any, is not
 * delivered: the exception wins, as it does when a fault hits an event's delivery). */
static void reflect_exception(u32 info)
{
	u32 vector = INTR_VECTOR(info), type = INTR_TYPE(info);

	if (vector == VEC_DB)
		debug_exception_to_dr6(vmread(EXIT_QUALIFICATION));
	/* A fault in an IRET that had ended virtual-NMI blocking: the guest's handler runs
	 * before that IRET is done again, so the blocking comes back (SDM Vol. 3C §28.2.3; the
	 * bit means nothing when the exit came during an event's delivery). */
	if ((info & INTR_NMI_UNBLOCKED_BY_IRET) && !(vmread(IDT_VECTORING_INFO) & INTR_VALID))
		vmwrite(GUEST_INTERRUPTIBILITY, vmread(GUEST_INTERRUPTIBILITY) | INTR_BLOCK_NMI);
	inject_event(vector, type, vmread(EXIT_INSTRUCTION_LEN));
}

/* The exit came during the delivery of an event (IDT-vectoring information, SDM Vol. 3C
 * §28.2.4): unless a handler injects something in its place, the event is delivered again on
 * entry, or the guest would lose it. The CPU itself took it in this mode, so it is valid. */
static void requeue_interrupted_event(void)
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
static void deliver_pending_nmi(struct vcpu *v)
{
	u64 intr = vmread(GUEST_INTERRUPTIBILITY);

	if (!v->nmi_pending || v->waiting_sipi) /* wait-for-SIPI takes no injection */
		return;
	if ((intr & (INTR_BLOCK_MOVSS | INTR_BLOCK_NMI)) ||
	    (vmread(ENTRY_INTR_INFO) & INTR_VALID)) {
		set_nmi_window(true);
		return;
	}
	v->nmi_pending = 0;
	set_nmi_window(false);
	if (intr & INTR_BLOCK_STI)
		vmwrite(GUEST_INTERRUPTIBILITY, intr & ~(u64)INTR_BLOCK_STI);
	inject_event(VEC_NMI, INTR_TYPE_NMI, 0);
}

static void handle_exception_or_nmi(void)
{
	u32 info = (u32)vmread(EXIT_INTR_INFO);
	struct vcpu *v = current();

	/* An NMI's VM exit leaves NMIs blocked until an IRET (SDM Vol. 3C §28.1.1), and with
	 * virtual NMIs the next VM entry does not end that blocking: without this IRET here, the
	 * guest would run on with Bulkhead's NMIs held back, and one that never exits again
	 * could never be stopped. */
	if (INTR_TYPE(info) == INTR_TYPE_NMI)
		nmi_unblock(GDT_CODE64, GDT_DATA);
	if (INTR_TYPE(info) == INTR_TYPE_NMI && v->init_pending) {
		enter_wait_for_sipi();
		return;
	}
	if (INTR_TYPE(info) == INTR_TYPE_NMI) {
		partition_nmi(v->partition, this_cpu()->index);
		deliver_pending_nmi(v);
		return;
	}
	if (INTR_VECTOR(info) == VEC_AC || INTR_VECTOR(info) == VEC_DB) {
		reflect_exception(info);
		return;
	}
	fault(EXIT_EXCEPTION, "unexpected exception exit");
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
		refuse(VEC_UD, REFUSAL_KEY(EXIT_VMCALL, cpl), what);
		return;
	}
	r->rax = partition_hypercall(v->partition, this_cpu()->index, r->rax, r->rbx, r->rcx);
	skip_instruction();
}

static void dispatch(struct guest_regs *r, struct vcpu *v, u32 reason);

void vmexit_dispatch(struct guest_regs *r)
{
	struct vcpu *v = current();
	u32 reason = (u32)vmread(EXIT_REASON) & 0xffff;

	if (reason < VMX_EXIT_REASONS)
		v->exits[reason]++;
	/* Bochs keeps "blocking by SMI" set in the saved interruptibility state of a vCPU that
	 * came through INIT-SIPI: the next VM entry would fail on it (outside SMM, SDM Vol. 3C
	 * §27.3.1.5). A guest never runs in SMM, so the bit is cleared. */
	if (vmread(GUEST_INTERRUPTIBILITY) & INTR_BLOCK_SMI)
		vmwrite(GUEST_INTERRUPTIBILITY,
			vmread(GUEST_INTERRUPTIBILITY) & ~(u64)INTR_BLOCK_SMI);
	requeue_interrupted_event();
	dispatch(r, v, reason);
	selftest_break_entry(reason, v);
	vmwrite_check();
	/* Bulkhead's NMI may have come while this CPU was in the hypervisor (and been taken
	 * there): look at the partition's state before going back to the guest; so for a
	 * sibling's INIT or NMI, whichever exit comes first. */
	partition_nmi(v->partition, this_cpu()->index);
	if (v->init_pending && v->started)
		enter_wait_for_sipi();
	else
		deliver_pending_nmi(v);
}

static void dispatch(struct guest_regs *r, struct vcpu *v, u32 reason)
{
	switch (reason) {
	case EXIT_CPUID:
		handle_cpuid(r);
		return;
	case EXIT_IO:
		handle_io(r);
		return;
	case EXIT_CR_ACCESS:
		handle_cr(r);
		return;
	case EXIT_VMCALL:
		handle_vmcall(r, v);
		return;
	case EXIT_EXCEPTION:
		handle_exception_or_nmi();
		return;
	case EXIT_NMI_WINDOW:
		set_nmi_window(false);
		deliver_pending_nmi(v);
		return;
	case EXIT_INIT:
		log_debug("vmx: cpu %u: INIT\n", this_cpu()->index);
		enter_wait_for_sipi();
		return;
	case EXIT_SIPI:
		log_debug("vmx: cpu %u: SIPI vector 0x%llx\n", this_cpu()->index,
			  (unsigned long long)vmread(EXIT_QUALIFICATION));
		handle_sipi(r);
		return;
	case EXIT_RDMSR:
		handle_rdmsr(r);
		return;
	case EXIT_WRMSR:
		handle_wrmsr(r);
		return;
	case EXIT_XSETBV:
		handle_xsetbv(r);
		return;
	case EXIT_VMCLEAR ... EXIT_VMXON:
	case EXIT_INVEPT:
	case EXIT_INVVPID:
	case EXIT_VMFUNC: /* no nested VMX */
		refuse(VEC_UD, REFUSAL_KEY(reason, 0), vmx_instruction_refused(reason));
		return;
	case EXIT_INVD:
		/* caches are the machine's: no flush or drop on a guest's word */
		refuse(0, REFUSAL_KEY(reason, 0), "invd");
		return;
	case EXIT_WBINVD:
		refuse(0, REFUSAL_KEY(reason, 0), "wbinvd");
		return;
	case EXIT_EPT_VIOLATION:
		fault(reason, "ept violation");
	case EXIT_TRIPLE_FAULT:
		fault(reason, "triple fault");
	default:
		fault(reason, "unhandled exit");
	}
}

/* Short names for the per-reason exit counters (SDM Vol. 3D Appendix C). */
const char *arch_vm_exit_name(u32 reason)
{
	switch (reason) {
	case EXIT_EXCEPTION:
		return "exception";
	case EXIT_EXTERNAL_INTR:
		return "interrupt";
	case EXIT_TRIPLE_FAULT:
		return "triple-fault";
	case EXIT_INIT:
		return "init";
	case EXIT_SIPI:
		return "sipi";
	case EXIT_CPUID:
		return "cpuid";
	case EXIT_HLT:
		return "hlt";
	case EXIT_INVD:
		return "invd";
	case EXIT_VMCALL:
		return "vmcall";
	case EXIT_VMCLEAR ... EXIT_VMXON:
		return "vmx-instruction";
	case EXIT_CR_ACCESS:
		return "cr";
	case EXIT_IO:
		return "io";
	case EXIT_RDMSR:
		return "rdmsr";
	case EXIT_WRMSR:
		return "wrmsr";
	case EXIT_BAD_GUEST_STATE:
		return "bad-guest-state";
	case EXIT_EPT_VIOLATION:
		return "ept-violation";
	case EXIT_EPT_MISCONFIG:
		return "ept-misconfig";
	case EXIT_XSETBV:
		return "xsetbv";
	case EXIT_WBINVD:
		return "wbinvd";
	default:
		return "other";
	}
}

/* VMLAUNCH or VMRESUME failed (VMfailValid: a control or host-state field the guest's
 * actions led Bulkhead to write wrong; SDM Vol. 3C §31.4 lists the errors). Its partition is
 * stopped (or restarted, by its policy) with one line, like any other fault: the CPU parks
 * and is set up afresh on a start, never halted silently. */
void vmentry_failed(u32 resume)
{
	u32 cpu = this_cpu()->index;
	u32 reason = (u32)vmread(EXIT_REASON) & 0xffff;
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
	partition_fault(current()->partition, cpu, &f);
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
