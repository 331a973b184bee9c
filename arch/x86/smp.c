/* Brings up the application processors one by one with INIT-SIPI-SIPI (SDM Vol. 3A §9.4.4,
 * "MP initialization protocol"): INIT, a short wait, SIPI, 200 us, SIPI, then wait for the AP
 * to report from C. An AP that does not answer is sent INIT again, which parks it in
 * wait-for-SIPI, so it cannot wake later and run on memory that is no longer its own.
 *
 * The SDM's example waits 10 ms after INIT, a figure from processors whose APIC was a separate
 * chip (82489DX). With integrated APICs, which every CPU with VMX has, the wait is not needed
 * for the INIT itself; Linux sends SIPI without any wait on such Intel CPUs, and firmware
 * guidance that others follow keeps 10 us, which is used here. 10 ms for each AP was most of
 * the time from GRUB's hand-off to the first partition's entry (issue 19: under 5 ms). */
#include "arch/x86/apic.h"
#include "arch/x86/arch.h"
#include "arch/x86/asm_offsets.h"
#include "core/lib/apic_regs.h"
#include "core/lib/cpu.h"
#include "arch/x86/percpu.h"
#include "arch/x86/smp.h"
#include "arch/x86/tsc.h"
#include "core/config.h"
#include "core/log.h"
#include "core/pmem.h"
#include "core/lib/string.h"

#define AP_ANSWER_US 200000 /* 200 ms: an AP reaches C in well under 1 ms */
#define INIT_WAIT_US 10	    /* after INIT, before the first SIPI (see above) */
#define LOW_MEM	     (1 * MiB)

extern const u8 trampoline_blob[];
extern const u64 trampoline_blob_size;

static void (*ap_entry_fn)(u32 index);

static void *phys_to_virt(u64 phys)
{
	return (void *)phys; /* the low 4 GiB are identity mapped */
}

static void ap_start64(u64 arg) __attribute__((noreturn));
static void ap_start64(u64 arg)
{
	struct x86_cpu *cpu = (struct x86_cpu *)arg;

	percpu_load(cpu);
	lapic_init();
	__atomic_store_n(&cpu->state, CPU_STARTED, __ATOMIC_RELEASE);
	ap_entry_fn(cpu->index);
	arch_halt_forever();
}

/* One page below 1 MiB holding the trampoline: SIPI vectors address 4 KiB pages there. */
static u64 trampoline_install(void)
{
	u64 page = pmem_alloc_below(1, LOW_MEM, pmem_tag_hv(PMEM_TRAMPOLINE));

	if (!page)
		return 0;
	memcpy(phys_to_virt(page), trampoline_blob, trampoline_blob_size);
	return page;
}

/* A page that only halts: the target of the `stall` fault injection. */
static u64 dead_page_install(void)
{
	static const u8 cli_hlt_loop[] = {0xfa, 0xf4, 0xeb, 0xfd}; /* cli; hlt; jmp $-1 */
	u64 page = pmem_alloc_below(1, LOW_MEM, pmem_tag_hv(PMEM_TRAMPOLINE));

	if (page)
		memcpy(phys_to_virt(page), cli_hlt_loop, sizeof(cli_hlt_loop));
	return page;
}

static struct x86_cpu *ap_alloc(u32 index, u32 apic_id)
{
	u64 pages = align_up(sizeof(struct x86_cpu), PAGE_SIZE) / PAGE_SIZE;
	u64 cpu_phys = pmem_alloc(pages, pmem_tag_hv(PMEM_CPU));
	u64 stack = pmem_alloc(STACK_SIZE / PAGE_SIZE, pmem_tag_hv(PMEM_STACKS));
	u64 ist = pmem_alloc(IST_SIZE / PAGE_SIZE, pmem_tag_hv(PMEM_STACKS));
	struct x86_cpu *cpu;

	if (!cpu_phys || !stack || !ist)
		return NULL;
	cpu = phys_to_virt(cpu_phys);
	memset(cpu, 0, sizeof(*cpu));
	cpu->index = index;
	cpu->apic_id = apic_id;
	cpu->stack_top = stack + STACK_SIZE;
	cpu->ist_top = ist + IST_SIZE;
	return cpu;
}

static bool wait_started(struct x86_cpu *cpu)
{
	u64 start = rdtsc();

	while (__atomic_load_n(&cpu->state, __ATOMIC_ACQUIRE) == CPU_OFFLINE) {
		if (tsc_elapsed_us(start, AP_ANSWER_US))
			return false;
		cpu_relax();
	}
	return true;
}

static bool start_one(struct x86_cpu *cpu, u64 tramp, u64 sipi_page)
{
	struct trampoline_params *p = phys_to_virt(tramp + TRAMPOLINE_PARAMS);
	u32 vector = (u32)(sipi_page >> 12);

	p->cr3 = read_cr3();
	p->stack = cpu->stack_top;
	p->entry = (u64)ap_start64;
	p->arg = (u64)cpu;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (!lapic_send_ipi(cpu->apic_id, ICR_ASSERT | ICR_INIT))
		return false;
	tsc_delay_us(INIT_WAIT_US);
	for (int i = 0; i < 2; i++) {
		lapic_send_ipi(cpu->apic_id, ICR_ASSERT | ICR_STARTUP | vector);
		tsc_delay_us(200);
		if (__atomic_load_n(&cpu->state, __ATOMIC_ACQUIRE) != CPU_OFFLINE)
			return true;
	}
	if (wait_started(cpu))
		return true;
	lapic_send_ipi(cpu->apic_id, ICR_ASSERT | ICR_INIT); /* park it */
	return false;
}

u32 arch_smp_boot(void (*ap_entry)(u32 index), u32 stall_apic_id)
{
	u64 tramp = trampoline_install();
	u64 dead = stall_apic_id != ~0u ? dead_page_install() : 0;
	u32 online = 1;

	ap_entry_fn = ap_entry;
	if (!tramp) {
		log_err("smp: no free page below 1 MiB for the AP trampoline; only cpu 0 runs\n");
		return online;
	}
	for (u32 i = 1; i < platform_cpu_count; i++) {
		u32 apic_id = platform_apic_ids[i];
		struct x86_cpu *cpu = ap_alloc(i, apic_id);
		u64 sipi_page = (dead && apic_id == stall_apic_id) ? dead : tramp;

		if (!cpu) {
			log_err("smp: cpu %u (apic id %u): no memory for its stacks, skipped\n", i,
				apic_id);
			continue;
		}
		cpu_table[i] = cpu;
		if (!start_one(cpu, tramp, sipi_page)) {
			log_err(
			    "smp: cpu %u (apic id %u): no answer to INIT-SIPI-SIPI within %u ms, "
			    "skipped\n",
			    i, apic_id, AP_ANSWER_US / 1000);
			cpu_table[i] = NULL;
			continue;
		}
		online++;
	}
	return online;
}
