/* INIT and SIPI as a partition's CPU takes them (SDM Vol. 3A §9.4.4, §10.1.1): back to
 * wait-for-SIPI in the state INIT leaves, then started in real mode at the SIPI's vector. */
#include "arch/x86/guest.h"
#include "arch/x86/cpu_reset.h"
#include "arch/x86/percpu.h"
#include "arch/x86/vmcs_fields.h"
#include "arch/x86/vmx.h"
#include "core/lib/cpu.h"
#include "core/lib/x86.h"

/* Put this vCPU back into wait-for-SIPI, as INIT does (SDM §9.4.4), with the CPU's own state
 * as INIT leaves it (cpu_reset.c) and none of its TLB entries: a partition restarted while
 * this CPU waits finds it as clean as one set up afresh. */
void guest_enter_wait_for_sipi(void)
{
	struct vcpu *v = guest_vcpu();

	v->started = 0;
	v->init_pending = 0;
	v->nmi_pending = 0; /* INIT drops what was pending (SDM Vol. 3A §10.1.1) */
	v->waiting_sipi = 1;
	cpu_reset_for_partition();
	vmx_invvpid_current();
	guest_set_nmi_window(false);
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
	vmwrite(GUEST_DR7, DR7_FIXED);
	vmwrite(GUEST_PENDING_DBG, 0);
}

/* SIPI: start this vCPU in real mode at vector << 12, as a real AP starts (SDM §9.4.4). */
void guest_sipi_exit(struct guest_regs *r)
{
	u16 vector = (u16)(vmread(EXIT_QUALIFICATION) & 0xff);

	*r = (struct guest_regs){0};
	reset_to_init_state();
	set_real_mode_segment(SEG_CS, (u16)(vector << 8), SEG_AR_CODE);
	set_real_mode_segment(SEG_DS, 0, SEG_AR_DATA);
	set_real_mode_segment(SEG_ES, 0, SEG_AR_DATA);
	set_real_mode_segment(SEG_SS, 0, SEG_AR_DATA);
	set_real_mode_segment(SEG_FS, 0, SEG_AR_DATA);
	set_real_mode_segment(SEG_GS, 0, SEG_AR_DATA);
	vmwrite(GUEST_CR0, CR0_ET | CR0_NE); /* PE and PG off */
	vmwrite(CR0_SHADOW, CR0_ET);
	vmwrite(GUEST_RIP, 0);
	vmwrite(GUEST_RSP, 0);
	vmwrite(GUEST_RFLAGS, RFLAGS_FIXED);
	vmwrite(GUEST_INTERRUPTIBILITY, 0); /* a CPU fresh from SIPI blocks nothing */
	vmwrite(GUEST_ACTIVITY, GUEST_ACTIVE);
	guest_vcpu()->started = 1;
	guest_vcpu()->waiting_sipi = 0;
	nmi_unblock(GDT_CODE64, GDT_DATA); /* Bochs blocked NMIs while the vCPU waited */
}
