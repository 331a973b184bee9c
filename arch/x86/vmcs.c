/* A partition's VMX structures and the VMCS of the vCPU that starts it.
 * Control choices (SDM Vol. 3C ch. 25, capability MSRs in Vol. 3D App. A):
 *   pin-based   : NMI exiting only (Bulkhead signals its own CPUs by NMI, e.g. to park a
 *                 stopped partition's siblings); no external-interrupt exiting
 *   proc-based  : I/O bitmaps (ungranted ports trap), MSR bitmaps, secondary controls;
 *                 HLT, RDTSC, MWAIT not trapped
 *   secondary   : EPT, VPID, unrestricted guest (guests start in the mode their boot
 *                 protocol expects, paging off); RDTSCP (with RDPID) and INVPCID enabled
 *                 where offered, since Linux uses them when CPUID says so (guest_cpuid.c hides
 *                 them where they are not); WBINVD exiting (a guest may not flush the caches
 *                 every partition shares)
 *   exit/entry  : 64-bit host, save/load IA32_EFER and IA32_PAT (a guest's PAT must not
 *                 change how the hypervisor maps its own memory), acknowledge interrupts */
#include "arch/x86/apic.h"
#include "arch/x86/arch.h"
#include "core/upcalls.h"
#include "core/lib/apic_regs.h"
#include "core/lib/cpu.h"
#include "core/lib/msr.h"
#include "core/lib/x86.h"
#include "arch/x86/cpu_reset.h"
#include "arch/x86/ept.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "core/error.h"
#include "core/log.h"
#include "core/pmem.h"
#include "core/lib/string.h"

extern void vmx_exit_entry(void);
extern void vmx_launch_guest(struct guest_regs *regs);

static u64 zeroed_pages(u64 n, struct pmem_tag tag)
{
	u64 p = pmem_alloc(n, tag);

	if (p)
		memset((void *)p, 0, n * PAGE_SIZE);
	return p;
}

/* MSR bitmap (SDM Vol. 3C §25.6.9): four 1 KiB bitmaps, reads of 0-0x1fff, reads of
 * 0xc0000000-0xc0001fff, then the same two for writes. A clear bit lets the access through. */
static void msr_pass(const struct arch_vm *vm, u32 msr, bool read, bool write)
{
	u8 *bits = (u8 *)vm->msr_bitmap;
	u32 base = msr >= 0xc0000000u ? 1024 : 0, index = msr & 0x1fff;

	if (read)
		bits[base + index / 8] &= (u8) ~(1u << (index % 8));
	if (write)
		bits[2048 + base + index / 8] &= (u8) ~(1u << (index % 8));
}

/* MSRs that are the vCPU's own state, on a CPU the partition owns whole: passed through.
 * Reads of the ones that only describe the CPU are passed through too. Everything else traps
 * to arch/x86/guest_msr.c (a few writes are dropped there, the rest raise #GP). */
static const struct msr_pass_rule {
	u32 first, last;
	bool read, write;
} msr_pass_rules[] = {
    {MSR_IA32_TSC, MSR_IA32_TSC, true, false}, /* writes would skew the hypervisor's clock */
    {MSR_IA32_PLATFORM_ID, MSR_IA32_PLATFORM_ID, true, false},
    {MSR_IA32_SPEC_CTRL, MSR_IA32_SPEC_CTRL, true, true},
    {MSR_IA32_PRED_CMD, MSR_IA32_PRED_CMD, false, true},
    {MSR_PLATFORM_INFO, MSR_PLATFORM_INFO, true, false},
    {MSR_IA32_MTRRCAP, MSR_IA32_MTRRCAP, true, false},
    {MSR_IA32_ARCH_CAPABILITIES, MSR_IA32_ARCH_CAPABILITIES, true, false},
    {MSR_IA32_FLUSH_CMD, MSR_IA32_FLUSH_CMD, false, true},
    {MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_EIP, true, true}, /* CS, ESP, EIP; also in the VMCS */
    /* MTRRs: the variable ranges' base and mask pairs, the fixed ranges */
    {MSR_IA32_MTRR_PHYSBASE0, MSR_IA32_MTRR_PHYSBASE0 + 0x1f, true, false},
    {MSR_IA32_MTRR_FIX64K_00000, MSR_IA32_MTRR_FIX64K_00000, true, false},
    {MSR_IA32_MTRR_FIX16K_80000, MSR_IA32_MTRR_FIX16K_A0000, true, false},
    {MSR_IA32_MTRR_FIX4K_C0000, MSR_IA32_MTRR_FIX4K_F8000, true, false},
    {MSR_IA32_PAT, MSR_IA32_PAT, true, true}, /* switched by the VMCS on entry and exit */
    {MSR_IA32_MTRR_DEF_TYPE, MSR_IA32_MTRR_DEF_TYPE, true, false},
    {MSR_IA32_TSC_DEADLINE, MSR_IA32_TSC_DEADLINE, true, true}, /* the partition's own timer */
    {MSR_IA32_EFER, MSR_IA32_EFER, true, true},			/* switched by the VMCS */
    {MSR_IA32_STAR, MSR_IA32_FMASK, true, true},      /* STAR, LSTAR, CSTAR, FMASK (SYSCALL) */
    {MSR_IA32_FS_BASE, MSR_IA32_TSC_AUX, true, true}, /* FS/GS base, KERNEL_GS_BASE, TSC_AUX */
};

int arch_vm_create(struct arch_vm *vm, u16 vpid, u32 owner)
{
	vm->vpid = vpid;
	vm->owner = owner;
	vm->ept = ept_create(owner);
	vm->io_bitmap = zeroed_pages(2, pmem_tag(owner, PMEM_BITMAPS));
	vm->msr_bitmap = zeroed_pages(1, pmem_tag(owner, PMEM_BITMAPS));
	if (!vm->ept || !vm->io_bitmap || !vm->msr_bitmap)
		return ERR(E_NOMEM);
	/* Deny by default: every port and every MSR traps until granted. */
	memset((void *)vm->io_bitmap, 0xff, 2 * PAGE_SIZE);
	memset((void *)vm->msr_bitmap, 0xff, PAGE_SIZE);
	for (u32 i = 0; i < ARRAY_SIZE(msr_pass_rules); i++) {
		const struct msr_pass_rule *r = &msr_pass_rules[i];

		for (u32 msr = r->first; msr <= r->last; msr++)
			msr_pass(vm, msr, r->read, r->write);
	}
	/* The partition owns its CPUs' local APICs: x2APIC registers pass through, so its
	 * timer interrupts cost no exit. The ICR stays trapped: it can reach other CPUs, so
	 * every write is checked (arch/x86/apic.c); so do the LVTs with a delivery mode (an
	 * SMI one would stall every core while firmware runs). */
	for (u32 msr = MSR_X2APIC_FIRST; msr <= MSR_X2APIC_LAST; msr++)
		msr_pass(vm, msr, true, msr != MSR_X2APIC_ICR && !lvt_has_delivery_mode(msr));
	return 0;
}

int arch_vm_map(struct arch_vm *vm, u64 gpa, u64 hpa, u64 size, u32 access, bool uncached)
{
	return ept_map(vm->ept, gpa, hpa, size, access & 7, uncached, vm->owner);
}

void arch_vm_grant_ports(struct arch_vm *vm, u32 base, u32 count)
{
	u8 *bits = (u8 *)vm->io_bitmap;

	for (u32 port = base; port < base + count && port < 0x10000; port++)
		bits[port / 8] &= (u8) ~(1u << (port % 8));
}

bool arch_vm_read(const struct arch_vm *vm, u64 gpa, void *buf, u64 len)
{
	u8 *out = buf;

	for (u64 i = 0; i < len; i++) {
		u64 hpa = ept_translate_readable_ram(vm->ept, gpa + i);

		if (hpa == ~0ULL)
			return false;
		out[i] = *(const volatile u8 *)hpa;
	}
	return true;
}

/* Fixed-to-0/1 bits of a control field (SDM Vol. 3D A.3): allowed-0 low, allowed-1 high. */
static u32 adjust(u32 msr, u32 want)
{
	u64 caps = rdmsr(msr);

	return (want | (u32)caps) & (u32)(caps >> 32);
}

/* Exceptions that exit (SDM Vol. 3C §25.6.3): #DB and #AC, whose delivery loops would hold a
 * CPU beyond the reach of NMIs (guest_event.c, guest_reflect_exception). */
#define EXCEPTIONS_INTERCEPTED ((1u << VEC_DB) | (1u << VEC_AC))

static void write_controls(const struct arch_vm *vm)
{
	u64 basic = rdmsr(MSR_IA32_VMX_BASIC);

	vmwrite(PIN_CONTROLS, adjust(vmx_control_msr(basic, VMX_PIN), VMX_PIN_REQUIRED));
	vmwrite(PROC_CONTROLS, adjust(vmx_control_msr(basic, VMX_PROC), VMX_PROC_REQUIRED));
	vmwrite(PROC_CONTROLS2, adjust(MSR_IA32_VMX_PROCBASED2, VMX_PROC2_REQUIRED | PROC2_VPID |
								    PROC2_RDTSCP | PROC2_INVPCID));
	vmwrite(EXIT_CONTROLS,
		adjust(vmx_control_msr(basic, VMX_EXIT), VMX_EXIT_REQUIRED | EXIT_ACK_INTR));
	vmwrite(ENTRY_CONTROLS, adjust(vmx_control_msr(basic, VMX_ENTRY), VMX_ENTRY_REQUIRED));
	vmwrite(EXCEPTION_BITMAP, EXCEPTIONS_INTERCEPTED);
	vmwrite(CR3_TARGET_COUNT, 0);
	vmwrite(EXIT_MSR_STORE_COUNT, 0);
	vmwrite(EXIT_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_MSR_LOAD_COUNT, 0);
	vmwrite(ENTRY_INTR_INFO, 0);
	vmwrite(IO_BITMAP_A, vm->io_bitmap);
	vmwrite(IO_BITMAP_B, vm->io_bitmap + PAGE_SIZE);
	vmwrite(MSR_BITMAP, vm->msr_bitmap);
	vmwrite(EPT_POINTER, ept_pointer(vm->ept));
	vmwrite(VPID, vm->vpid);
	vmwrite(VMCS_LINK_PTR, ~0ULL);
	/* The guest may not see or set CR4.VMXE, and may not clear CR0.NE (both fixed in VMX
	 * operation): those bits are owned by the host and read from the shadows. */
	vmwrite(CR0_MASK, CR0_NE);
	vmwrite(CR0_SHADOW, CR0_PE | CR0_ET);
	vmwrite(CR4_MASK, CR4_VMXE);
	vmwrite(CR4_SHADOW, 0);
}

static void write_host_state(const struct x86_cpu *cpu, u64 exit_stack)
{
	vmwrite(HOST_CR0, read_cr0());
	vmwrite(HOST_CR3, read_cr3());
	vmwrite(HOST_CR4, read_cr4());
	vmwrite(HOST_CS_SEL, GDT_CODE64);
	vmwrite(HOST_SS_SEL, GDT_DATA);
	vmwrite(HOST_DS_SEL, GDT_DATA);
	vmwrite(HOST_ES_SEL, GDT_DATA);
	vmwrite(HOST_FS_SEL, 0);
	vmwrite(HOST_GS_SEL, 0);
	vmwrite(HOST_TR_SEL, GDT_TSS);
	vmwrite(HOST_FS_BASE, rdmsr(MSR_IA32_FS_BASE));
	vmwrite(HOST_GS_BASE, rdmsr(MSR_IA32_GS_BASE));
	vmwrite(HOST_TR_BASE, (u64)&cpu->tss);
	vmwrite(HOST_GDTR_BASE, (u64)cpu->gdt);
	vmwrite(HOST_IDTR_BASE, (u64)cpu->idt);
	vmwrite(HOST_SYSENTER_CS, 0);
	vmwrite(HOST_SYSENTER_ESP, 0);
	vmwrite(HOST_SYSENTER_EIP, 0);
	vmwrite(HOST_IA32_EFER, rdmsr(MSR_IA32_EFER));
	vmwrite(HOST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(HOST_RSP, exit_stack);
	vmwrite(HOST_RIP, (u64)vmx_exit_entry);
}

static void write_segment(unsigned seg, u16 sel, u32 limit, u32 ar)
{
	vmwrite(GUEST_ES_SEL + 2 * seg, sel);
	vmwrite(GUEST_ES_BASE + 2 * seg, 0);
	vmwrite(GUEST_ES_LIMIT + 2 * seg, limit);
	vmwrite(GUEST_ES_AR + 2 * seg, ar);
}

/* The boot protocols' start state: 32-bit protected mode, flat 4 GiB segments, paging off. */
static void write_guest_state(const struct arch_vm_entry *e)
{
	const u32 code32 = SEG_AR_G | SEG_AR_DB | SEG_AR_CODE,
		  data32 = SEG_AR_G | SEG_AR_DB | SEG_AR_DATA;

	write_segment(SEG_CS, e->cs, 0xffffffff, code32);
	write_segment(SEG_SS, e->ds, 0xffffffff, data32);
	write_segment(SEG_DS, e->ds, 0xffffffff, data32);
	write_segment(SEG_ES, e->ds, 0xffffffff, data32);
	write_segment(SEG_FS, e->ds, 0xffffffff, data32);
	write_segment(SEG_GS, e->ds, 0xffffffff, data32);
	write_segment(SEG_LDTR, 0, 0, SEG_AR_UNUSABLE);
	write_segment(SEG_TR, 0, 0xffff, SEG_AR_TSS_BUSY); /* busy 32-bit TSS, as VM entry needs */
	vmwrite(GUEST_GDTR_BASE, 0);
	vmwrite(GUEST_GDTR_LIMIT, 0xffff);
	vmwrite(GUEST_IDTR_BASE, 0);
	vmwrite(GUEST_IDTR_LIMIT, 0xffff);
	/* Unrestricted guest relaxes only PE and PG of the fixed bits (SDM §27.3.1.1). */
	vmwrite(GUEST_CR0, CR0_PE | CR0_ET | CR0_NE);
	vmwrite(GUEST_CR3, 0);
	vmwrite(GUEST_CR4, rdmsr(MSR_IA32_VMX_CR4_FIXED0));
	vmwrite(GUEST_DR7, DR7_FIXED);
	vmwrite(GUEST_IA32_DEBUGCTL, 0);
	vmwrite(GUEST_RSP, e->rsp);
	vmwrite(GUEST_RIP, e->rip);
	vmwrite(GUEST_RFLAGS, RFLAGS_FIXED);
	vmwrite(GUEST_PENDING_DBG, 0);
	vmwrite(GUEST_SYSENTER_CS, 0);
	vmwrite(GUEST_SYSENTER_ESP, 0);
	vmwrite(GUEST_SYSENTER_EIP, 0);
	vmwrite(GUEST_IA32_EFER, 0);
	vmwrite(GUEST_IA32_PAT, rdmsr(MSR_IA32_PAT));
	vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vmwrite(GUEST_ACTIVITY, GUEST_ACTIVE);
}

void vmwrite_failed(u64 field)
{
	struct vcpu *v = &this_cpu()->vcpu;

	if (!v->failed_vmwrite)
		v->failed_vmwrite = field + 1;
}

void vmwrite_check(void)
{
	struct vcpu *v = &this_cpu()->vcpu;
	struct vm_fault f = {.reason = "vmwrite failed"};

	if (!v->failed_vmwrite)
		return;
	f.exit_reason = (u32)vmread(EXIT_REASON) & EXIT_REASON_BASIC;
	f.rip = vmread(GUEST_RIP);
	f.qualification = v->failed_vmwrite - 1; /* the field */
	v->failed_vmwrite = 0;
	partition_fault(v->partition, this_cpu()->index, &f);
}

/* Load a fresh VMCS on this CPU for `vm` (reusing this CPU's VMCS page and exit stack). */
static struct vcpu *vcpu_setup(const struct arch_vm *vm, u32 partition,
			       const struct arch_vm_entry *e)
{
	struct x86_cpu *cpu = this_cpu();
	struct vcpu *v = &cpu->vcpu;
	u32 revision = (u32)rdmsr(MSR_IA32_VMX_BASIC) & VMX_BASIC_REVISION;

	/* A restart reuses this CPU's VMCS and exit stack: nothing is allocated twice. A CPU
	 * runs one partition only (the table gives it to one), so they are that partition's. */
	if (!v->vmcs) {
		v->vmcs = zeroed_pages(1, pmem_tag(partition, PMEM_VMCS));
		v->exit_stack =
		    zeroed_pages(STACK_SIZE / PAGE_SIZE, pmem_tag(partition, PMEM_STACKS));
		if (!v->vmcs || !v->exit_stack) {
			log_err("vmx: cpu %u: no memory for a VMCS\n", cpu->index);
			arch_halt_forever();
		}
		v->exit_stack += STACK_SIZE;
	}
	v->vm = vm;
	v->partition = partition;
	memset(v->exits, 0, sizeof(v->exits));
	memset(v->io_ports, 0, sizeof(v->io_ports));
	v->io_other = 0;
	memset(&v->launch_regs, 0, sizeof(v->launch_regs));
	v->started = 0;
	v->init_pending = 0;
	v->nmi_pending = 0; /* a sibling's NMI of the last run is not this run's */
	v->waiting_sipi = 0;
	*(volatile u32 *)v->vmcs = revision;
	if (vmx_vmclear(v->vmcs) || vmx_vmptrld(v->vmcs)) {
		log_err("vmx: cpu %u: VMCLEAR/VMPTRLD failed\n", cpu->index);
		arch_halt_forever();
	}
	v->failed_vmwrite = 0;
	write_controls(vm);
	cpu_reset_for_partition(); /* nothing of a last run stays in the CPU either */
	if (rdmsr(MSR_IA32_VMX_EPT_VPID) & VMX_VPID_INVVPID_SINGLE)
		vmx_invvpid_single(vm->vpid);
	/* The EPT was built (or this CPU last ran another partition's) since this CPU last
	 * used it: no translation cached from before may survive (SDM Vol. 3C §29.4.3). */
	vmx_invept(ept_pointer(vm->ept), rdmsr(MSR_IA32_VMX_EPT_VPID) & VMX_EPT_INVEPT_SINGLE);
	write_host_state(cpu, v->exit_stack);
	write_guest_state(e);
	return v;
}

void arch_vm_start(const struct arch_vm *vm, u32 partition, const struct arch_vm_entry *e)
{
	struct vcpu *v = vcpu_setup(vm, partition, e);

	v->launch_regs.rax = e->eax;
	v->launch_regs.rbx = e->ebx;
	v->launch_regs.rsi = e->esi;
	vmwrite_check();
	/* A stop's NMI that came while this CPU was set up was taken in the hypervisor: the
	 * state says whether to enter at all (a guest that never exits would never see it). */
	partition_nmi(partition, this_cpu()->index);
	vmx_launch_guest(&v->launch_regs);
	arch_halt_forever(); /* not reached: vmentry_failed() does not return */
}

/* A partition's other CPUs wait for its first one to start them, as on a real machine:
 * in the wait-for-SIPI activity state (SDM §25.4.2), woken by INIT and SIPI exits. */
void arch_vm_start_waiting(const struct arch_vm *vm, u32 partition, volatile u32 *waiting)
{
	static const struct arch_vm_entry none = {.cs = 0x08, .ds = 0x10};
	struct vcpu *v = vcpu_setup(vm, partition, &none);

	v->waiting_sipi = 1;
	vmwrite(GUEST_ACTIVITY, GUEST_WAIT_FOR_SIPI);
	vmwrite_check();
	partition_nmi(partition, this_cpu()->index);
	__atomic_add_fetch(waiting, 1, __ATOMIC_RELEASE);
	vmx_launch_guest(&v->launch_regs);
	arch_halt_forever();
}

bool arch_cpu_waiting_for_sipi(u32 cpu_index)
{
	struct x86_cpu *cpu = cpu_by_index(cpu_index);

	return cpu && cpu->vcpu.waiting_sipi;
}

u64 arch_vm_exit_count(u32 index, u32 reason)
{
	struct x86_cpu *cpu = cpu_by_index(index);

	return (cpu && reason < VMX_EXIT_REASONS) ? cpu->vcpu.exits[reason] : 0;
}

u64 arch_vm_io_port_count(u32 index, u32 slot, u32 *port)
{
	struct x86_cpu *cpu = cpu_by_index(index);

	*port = ARCH_VM_PORT_OTHERS;
	if (!cpu)
		return 0;
	if (slot >= VCPU_PORT_SLOTS)
		return slot == VCPU_PORT_SLOTS ? cpu->vcpu.io_other : 0;
	*port = cpu->vcpu.io_ports[slot].port;
	return cpu->vcpu.io_ports[slot].n;
}
