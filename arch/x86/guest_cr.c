/* MOV to CR0 and CR4 where Bulkhead owns a bit (CR0.NE, CR4.VMXE): checked and done as the CPU
 * would, entering and leaving IA-32e mode included. */
#include "arch/x86/guest.h"
#include "arch/x86/vcpu.h"
#include "arch/x86/arch.h"
#include "core/upcalls.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "core/lib/cpu.h"
#include "core/lib/format.h"
#include "core/lib/x86.h"

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

	if (!arch_vm_read(guest_vcpu()->vm, vmread(GUEST_CR3) & 0xffffffe0ULL, pdpte,
			  sizeof(pdpte)))
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
	    ((val & CR0_NW) && !(val & CR0_CD)))
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
void guest_cr_exit(struct guest_regs *r)
{
	u64 q = vmread(EXIT_QUALIFICATION);
	u32 cr = q & 0xf, type = (q >> 4) & 3, reg = (q >> 8) & 0xf;
	u64 rsp = vmread(GUEST_RSP); /* RSP lives in the VMCS, not in guest_regs */
	u64 *gpr[16] = {&r->rax, &r->rcx, &r->rdx, &r->rbx, &rsp,    &r->rbp, &r->rsi, &r->rdi,
			&r->r8,	 &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15};
	u64 val;

	if (type != 0 || (cr != 0 && cr != 4))
		guest_fault(EXIT_CR_ACCESS, "unhandled control register access");
	val = *gpr[reg];
	if (cr == 4) {
		if (val & CR4_VMXE) { /* no nested VMX */
			guest_refuse(VEC_GP, REFUSAL_KEY(EXIT_CR_ACCESS, 4), "cr4.vmxe");
			return;
		}
		vmwrite(GUEST_CR4, val | CR4_VMXE);
		vmwrite(CR4_SHADOW, val);
	} else {
		const char *why = cr0_invalid(val);

		if (why) {
			char what[64];

			format(what, sizeof(what), "cr0 0x%llx (%s)", (unsigned long long)val, why);
			guest_refuse(VEC_GP, REFUSAL_KEY(EXIT_CR_ACCESS, 0), what);
			return;
		}
		write_guest_cr0(val);
	}
	guest_skip_instruction();
}
