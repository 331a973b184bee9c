/* VM-exit dispatch: one switch on the basic exit reason (SDM Vol. 3D Appendix C), one small
 * handler per reason, every exit counted per CPU. A handler returns to resume the guest;
 * anything Bulkhead does not handle goes to partition_fault(), which stops the partition. */
#include "arch/x86/arch.h"
#include "arch/x86/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "core/log.h"

enum exit_reason {
	EXIT_EXCEPTION = 0,
	EXIT_EXTERNAL_INTR = 1,
	EXIT_TRIPLE_FAULT = 2,
	EXIT_INIT = 3,
	EXIT_SIPI = 4,
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

#define VEC_UD		       6
#define VEC_GP		       13
#define INTR_TYPE_HW_EXCEPTION (3u << 8)
#define INTR_DELIVER_ERROR     (1u << 11)
#define INTR_VALID	       (1u << 31)
#define CPUID1_ECX_VMX	       (1u << 5)
#define CPUID1_ECX_XSAVE       (1u << 26)
#define CPUID1_ECX_OSXSAVE     (1u << 27)
#define CPUID1_ECX_HYPERVISOR  (1u << 31)
#define HV_LEAF		       0x40000000u

void vmexit_dispatch(struct guest_regs *r);
void vmentry_failed(u32 resume) __attribute__((noreturn));

static struct vcpu *current(void)
{
	return &this_cpu()->vcpu;
}

static void skip_instruction(void)
{
	vmwrite(GUEST_RIP, vmread(GUEST_RIP) + vmread(EXIT_INSTRUCTION_LEN));
}

static void inject_exception(u32 vector, bool has_error)
{
	vmwrite(ENTRY_INTR_INFO, vector | INTR_TYPE_HW_EXCEPTION | INTR_VALID |
				     (has_error ? INTR_DELIVER_ERROR : 0));
	if (has_error)
		vmwrite(ENTRY_EXCEPTION_ERROR, 0);
}

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

/* VMX is hidden, the hypervisor bit set, and leaf 0x40000000 names Bulkhead. XSAVE is hidden
 * too: XSETBV is refused (Bulkhead does not switch XCR0 between partitions yet). */
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
		if (leaf == 1) {
			c.ecx &= ~(CPUID1_ECX_VMX | CPUID1_ECX_XSAVE | CPUID1_ECX_OSXSAVE);
			c.ecx |= CPUID1_ECX_HYPERVISOR;
		}
	}
	r->rax = c.eax;
	r->rbx = c.ebx;
	r->rcx = c.ecx;
	r->rdx = c.edx;
	skip_instruction();
}

/* A port the partition was not granted: reads give all-ones, writes are dropped
 * (SDM §28.2.1 table 28-5 for the qualification). */
static void handle_io(struct guest_regs *r)
{
	u64 q = vmread(EXIT_QUALIFICATION);
	u32 size = (u32)(q & 7) + 1;
	bool in = q & (1u << 3), string = q & (1u << 4);

	if (in && !string) {
		u64 mask = size == 4 ? 0xffffffffULL : size == 2 ? 0xffffULL : 0xffULL;
		r->rax = size == 4 ? mask : ((r->rax & ~mask) | mask);
	}
	skip_instruction();
}

/* MOV to CR0/CR4 touching a host-owned bit (CR0.NE, CR4.VMXE). */
static void handle_cr(struct guest_regs *r)
{
	u64 q = vmread(EXIT_QUALIFICATION);
	u32 cr = q & 0xf, type = (q >> 4) & 3, reg = (q >> 8) & 0xf;
	u64 *gpr[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, NULL,    &r->rbp, &r->rsi, &r->rdi,
			&r->r8,	 &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15};
	u64 val;

	if (type != 0 || !gpr[reg] || (cr != 0 && cr != 4))
		fault(EXIT_CR_ACCESS, "unhandled control register access");
	val = *gpr[reg];
	if (cr == 4) {
		if (val & CR4_VMXE) {
			inject_exception(VEC_GP, true);
			return;
		}
		vmwrite(GUEST_CR4, val | CR4_VMXE);
		vmwrite(CR4_SHADOW, val);
	} else {
		vmwrite(GUEST_CR0, val | (1ULL << 5));
		vmwrite(CR0_SHADOW, val);
	}
	skip_instruction();
}

void vmexit_dispatch(struct guest_regs *r)
{
	struct vcpu *v = current();
	u32 reason = (u32)vmread(EXIT_REASON) & 0xffff;

	if (reason < VMX_EXIT_REASONS)
		v->exits[reason]++;
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
		r->rax =
		    partition_hypercall(v->partition, this_cpu()->index, r->rax, r->rbx, r->rcx);
		skip_instruction();
		return;
	case EXIT_RDMSR:
	case EXIT_WRMSR:
	case EXIT_XSETBV:
		inject_exception(VEC_GP, true); /* outside the allowed set */
		return;
	case EXIT_VMCLEAR ... EXIT_VMXON:
	case EXIT_INVEPT:
	case EXIT_INVVPID:
	case EXIT_VMFUNC:
		inject_exception(VEC_UD, false); /* no nested VMX */
		return;
	case EXIT_INVD:
		skip_instruction(); /* never drop the host's caches on a guest's word */
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
	default:
		return "other";
	}
}

void vmentry_failed(u32 resume)
{
	u32 cpu = this_cpu()->index;
	u32 reason = (u32)vmread(EXIT_REASON);

	log_err("vmx: cpu %u: %s failed, instruction error %llu, exit reason 0x%x\n", cpu,
		resume ? "VMRESUME" : "VMLAUNCH", (unsigned long long)vmread(VM_INSTRUCTION_ERROR),
		reason);
	arch_halt_forever();
}
