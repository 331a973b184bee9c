/*
 * EPT violations: an access to guest-physical memory the partition has no mapping for. Where
 * Bulkhead emulates a device register page for it (its I/O APIC: core/vioapic.c), the
 * instruction is fetched through the guest's own page tables (guest_paging.h), decoded
 * (mmio_decode.h) and carried out on the emulated device; the exit gives the address and
 * the direction but not the size, the register or the length (SDM Vol. 3C §28.2.1, table
 * 28-7). Any other access, and any instruction that is not a plain MOV, stops the partition
 * as before.
 */
#include "arch/x86/guest.h"
#include "arch/x86/guest_paging.h"
#include "arch/x86/mmio_decode.h"
#include "arch/x86/vcpu.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "arch/x86/arch.h"
#include "core/upcalls.h"

/* Exit qualification of an EPT violation (SDM Vol. 3C table 28-7). */
#define EPT_QUAL_READ  (1ull << 0)
#define EPT_QUAL_WRITE (1ull << 1)
#define EPT_QUAL_FETCH (1ull << 2)
/* The access was to the linear address of an instruction's operand (bits 7 and 8), not a
 * page-table walk or an accessed/dirty update the CPU made on the guest's behalf. */
#define EPT_QUAL_LINEAR	    (1ull << 7)
#define EPT_QUAL_TRANSLATED (1ull << 8)

static bool read_guest_ram(void *ctx, u64 gpa, void *buf, u32 len)
{
	return arch_vm_read((const struct arch_vm *)ctx, gpa, buf, len);
}

/* The guest's register `n` in encoding order (RSP lives in the VMCS). */
static u64 *reg_slot(struct guest_regs *r, u32 n)
{
	u64 *const slot[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, NULL,    &r->rbp,
			       &r->rsi, &r->rdi, &r->r8,  &r->r9,  &r->r10, &r->r11,
			       &r->r12, &r->r13, &r->r14, &r->r15};

	return slot[n & 15];
}

static u64 reg_get(struct guest_regs *r, u32 n)
{
	return n == MMIO_RSP ? vmread(GUEST_RSP) : *reg_slot(r, n);
}

static void reg_set(struct guest_regs *r, u32 n, u64 value)
{
	if (n == MMIO_RSP)
		vmwrite(GUEST_RSP, value);
	else
		*reg_slot(r, n) = value;
}

static enum mmio_mode code_mode(void)
{
	if (guest_in_64bit())
		return MMIO_MODE64;
	if ((vmread(GUEST_CR0) & CR0_PE) && (vmread(GUEST_ES_AR + 2 * SEG_CS) & SEG_AR_DB))
		return MMIO_MODE32;
	return MMIO_MODE16;
}

/* The bytes at CS:RIP, as many as are readable (up to MMIO_INSN_MAX). */
static u32 fetch(const struct vcpu *v, u8 *bytes)
{
	struct guest_paging gp = {
	    .cr0 = vmread(GUEST_CR0),
	    .cr3 = vmread(GUEST_CR3),
	    .cr4 = vmread(GUEST_CR4),
	    .efer = vmread(GUEST_IA32_EFER),
	    .read = read_guest_ram,
	    .ctx = (void *)v->vm,
	};
	u64 rip = vmread(GUEST_RIP);

	if (!guest_in_64bit())
		rip = (rip + vmread(GUEST_ES_BASE + 2 * SEG_CS)) & 0xffffffffull;
	return guest_read_linear(&gp, rip, bytes, MMIO_INSN_MAX);
}

void guest_ept_violation_exit(struct guest_regs *r)
{
	const struct vcpu *v = guest_vcpu();
	u64 gpa = vmread(GUEST_PHYS_ADDR), q = vmread(EXIT_QUALIFICATION), value;
	struct mmio_insn insn;
	u8 bytes[MMIO_INSN_MAX];
	u32 got;

	/* Only a MOV's own operand is emulated: not a fetch, not a paging-structure access, not
	 * an access made while delivering an event (a stack or IDT placed on the page). */
	if (!partition_mmio_claims(v->partition, gpa) || (q & EPT_QUAL_FETCH) ||
	    !(q & (EPT_QUAL_READ | EPT_QUAL_WRITE)) ||
	    (q & (EPT_QUAL_LINEAR | EPT_QUAL_TRANSLATED)) !=
		(EPT_QUAL_LINEAR | EPT_QUAL_TRANSLATED) ||
	    (vmread(IDT_VECTORING_INFO) & INTR_VALID))
		guest_fault(EXIT_EPT_VIOLATION, "ept violation");
	got = fetch(v, bytes);
	if (mmio_decode(bytes, got, code_mode(), &insn) ||
	    insn.store != ((q & EPT_QUAL_WRITE) != 0) ||
	    ((gpa ^ (gpa + insn.size - 1)) & ~0xfffull))
		guest_fault(EXIT_EPT_VIOLATION, "ept violation: not a MOV Bulkhead emulates");
	if (insn.store) {
		value = mmio_store_value(&insn, insn.has_reg ? reg_get(r, insn.reg) : 0);
		partition_mmio(v->partition, gpa, insn.size, true, value);
	} else {
		value = partition_mmio(v->partition, gpa, insn.size, false, 0);
		reg_set(r, insn.reg, mmio_load_result(&insn, reg_get(r, insn.reg), value));
	}
	guest_advance(insn.len);
}
