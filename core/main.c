/*
 * The boot sequence, from GRUB's hand-off to the idle loop. Each step is one call; what
 * each prints on COM1 is listed in docs/console.md.
 */
#include "arch/x86/arch.h"
#include "core/config.h"
#include "core/conmux.h"
#include "core/console.h"
#include "core/iommu.h"
#include "core/iommu_selftest.h"
#include "core/log.h"
#include "core/mb2.h"
#include "core/partition.h"
#include "core/pmem.h"
#include "core/probe.h"
#include "core/timeline.h"
#include "core/lib/hwcheck.h"
#include "core/lib/string.h"

void kmain(u32 magic, u64 info_phys);

static struct mb2_info mb;

/* Options on the hypervisor's own GRUB command line (docs/console.md lists them). */
struct boot_options {
	char selftest[8];    /* debug: take an exception on purpose ("pf", "ud", "gp", "de") */
	char iommu_test[12]; /* test: exercise the IOMMU with this edu device (bus:dev.fn) */
	u32 stall_apic_id;   /* debug: point this CPU at a dead trampoline (~0: none) */
	u32 stats_seconds;   /* print exit statistics every this many seconds (0: never) */
	bool probe;	     /* print a layout for this machine and halt (core/probe.h) */
	char probe_name[PROBE_NAME_LEN]; /* the layout's name: probe=<name> */
};

static void halt(const char *why)
{
	log_err("bulkhead: halted: %s\n", why);
	console_flush(); /* this CPU's loop will not push the console's FIFO */
	arch_halt_forever();
}

static void apply_cmdline(const char *cmdline, struct boot_options *opt)
{
	char val[32];
	u64 n;
	enum log_level level;

	opt->selftest[0] = '\0';
	opt->iommu_test[0] = '\0';
	opt->stall_apic_id = ~0u;
	opt->stats_seconds = 0;
	opt->probe = mb2_cmdline_arg(cmdline, "probe", val, sizeof(val)) != NULL;
	strlcpy(opt->probe_name, val[0] && opt->probe ? val : PROBE_LAYOUT_NAME,
		sizeof(opt->probe_name));
	if (mb2_cmdline_arg(cmdline, "stats", val, sizeof(val))) {
		if (str_to_u64(val, &n) && n > 0 && n < 3600)
			opt->stats_seconds = (u32)n;
		else
			log_warn("bulkhead: stats=%s: want a number of seconds, 1-3599\n", val);
	}
	if (mb2_cmdline_arg(cmdline, "loglevel", val, sizeof(val))) {
		if (log_level_parse(val, &level) == 0)
			log_set_level(level);
		else
			log_warn("bulkhead: loglevel=%s unknown; use error, warn, info or debug\n",
				 val);
	}
	if (mb2_cmdline_arg(cmdline, "selftest", val, sizeof(val)))
		strlcpy(opt->selftest, val, sizeof(opt->selftest));
	if (mb2_cmdline_arg(cmdline, "iommu-test", val, sizeof(val)))
		strlcpy(opt->iommu_test, val, sizeof(opt->iommu_test));
	if (mb2_cmdline_arg(cmdline, "smp.stall", val, sizeof(val))) {
		if (str_to_u64(val, &n) && n < ~0u)
			opt->stall_apic_id = (u32)n;
		else
			log_warn("bulkhead: smp.stall=%s is not an APIC ID\n", val);
	}
}

static void report_boot_info(const struct mb2_info *m)
{
	log_info("bulkhead: loader \"%s\", firmware %s, command line \"%s\"\n", m->loader_name,
		 (m->has_efi64 || m->has_efi32) ? "uefi" : "bios", m->cmdline);
	log_info("bulkhead: memory map: %u entries\n", m->mmap_count);
	for (u32 i = 0; i < m->mmap_count; i++)
		log_debug("bulkhead:   0x%016llx-0x%016llx type %u\n",
			  (unsigned long long)m->mmap[i].addr,
			  (unsigned long long)(m->mmap[i].addr + m->mmap[i].len), m->mmap[i].type);
	for (u32 i = 0; i < m->module_count; i++)
		log_info("bulkhead: module %u \"%s\" at 0x%llx-0x%llx (%llu KiB)\n", i,
			 m->modules[i].cmdline, (unsigned long long)m->modules[i].start,
			 (unsigned long long)m->modules[i].end,
			 (unsigned long long)((m->modules[i].end - m->modules[i].start) / KiB));
}

/* Usable RAM minus everything that must survive: our image, the boot information and
 * every module (partition images live there until they are loaded). */
static void setup_pmem(const struct mb2_info *m)
{
	char name[PMEM_NAME_LEN];

	pmem_init();
	for (u32 i = 0; i < m->mmap_count; i++)
		if (m->mmap[i].type == MB2_MMAP_AVAILABLE)
			pmem_add_ram(m->mmap[i].addr, m->mmap[i].len);
	pmem_reserve(arch_image_start(), arch_image_end() - arch_image_start(), "hypervisor");
	pmem_reserve(m->info_phys, m->total_size, "multiboot2 info");
	for (u32 i = 0; i < m->module_count; i++) {
		strlcpy(name, "module ", sizeof(name));
		strlcpy(name + 7, m->modules[i].cmdline, sizeof(name) - 7);
		pmem_reserve(m->modules[i].start, m->modules[i].end - m->modules[i].start, name);
	}
	pmem_report();
}

/* What the boot CPU tells the others once the hardware report is done. */
enum release {
	RELEASE_WAIT = 0,
	RELEASE_HALT, /* VMX unusable: stop */
	RELEASE_VMX,  /* enter VMX operation */
};
static volatile u32 release;
static volatile u32 cpus_in_vmx;
/* Set once every partition is built (or refused); before that, and after, a CPU starts its
 * partition as soon as it is READY. */
static volatile u32 partitions_built;
static u64 tsc_khz;

static void release_cpus(enum release r)
{
	__atomic_store_n(&release, r, __ATOMIC_RELEASE);
}

/* Every CPU, boot CPU included, ends here once VMX is usable. */
static void cpu_enter_vmx(u32 index)
{
	if (arch_vmx_on() == 0) {
		log_info("bulkhead: cpu %u vmx on\n", index);
		__atomic_add_fetch(&cpus_in_vmx, 1, __ATOMIC_RELEASE);
	} else {
		log_err("bulkhead: cpu %u could not enter vmx operation\n", index);
	}
}

/* The boot CPU waits (at most a second) until every online CPU has entered VMX. */
static u32 wait_cpus_in_vmx(u32 online)
{
	u64 start = arch_tsc();

	while (__atomic_load_n(&cpus_in_vmx, __ATOMIC_ACQUIRE) < online &&
	       arch_tsc() - start < tsc_khz * 1000)
		arch_cpu_relax();
	return __atomic_load_n(&cpus_in_vmx, __ATOMIC_ACQUIRE);
}

static void ap_main(u32 index)
{
	u32 r;

	log_info("bulkhead: cpu %u online, apic id %u\n", index, arch_cpu_apic_id(index));
	arch_hwcheck_this_cpu();
	while ((r = __atomic_load_n(&release, __ATOMIC_ACQUIRE)) == RELEASE_WAIT)
		arch_cpu_relax();
	if (r == RELEASE_VMX) {
		cpu_enter_vmx(index);
		/* returns only while this CPU's partition is not built yet, or if it has none */
		while (!__atomic_load_n(&partitions_built, __ATOMIC_ACQUIRE)) {
			partition_run_on_cpu(index);
			arch_cpu_relax();
		}
		partition_run_on_cpu(index);
	}
	arch_halt_forever();
}

void kmain(u32 magic, u64 info_phys)
{
	struct boot_options opt;
	char why[256];
	u32 online, ready;
	u64 ticks, console_tsc;
	char ms[24];
	bool vmx_ok;

	arch_early_init();
	log_info("\nBulkhead %s\n", BULKHEAD_VERSION); /* kept until the console is chosen */
	if (magic != MB2_BOOTLOADER_MAGIC) {
		conmux_setup(""); /* COM1 */
		log_err("bulkhead: not started by a Multiboot2 loader (magic 0x%08x, expected "
			"0x%08x); grub.cfg must load it with 'multiboot2', not 'multiboot'\n",
			magic, MB2_BOOTLOADER_MAGIC);
		halt("wrong boot protocol");
	}
	if (mb2_parse((const void *)info_phys, MB2_MAX_SIZE, info_phys, &mb) != 0) {
		conmux_setup(""); /* COM1 */
		halt("multiboot2 boot information unusable");
	}
	conmux_setup(mb.cmdline); /* console=, escape=, focus-only: the console opens here */
	console_tsc = arch_tsc();
	apply_cmdline(mb.cmdline, &opt);
	report_boot_info(&mb);
	setup_pmem(&mb);
	if (!opt.probe) /* with probe, no partition: the layout is the machine's, not the table's */
		partitions_reserve(&mb);
	tsc_khz = arch_tsc_calibrate();
	log_info("bulkhead: tsc %llu kHz\n", (unsigned long long)tsc_khz);
	/* The start of the boot timeline (core/timeline.h): make bench places guests' TSC
	 * readings against it. */
	timeline_format_ms(console_tsc - arch_boot_tsc(), tsc_khz, ms, sizeof(ms));
	log_info("bulkhead: boot loader hand-off at tsc %llu; first COM1 line at %s ms\n",
		 (unsigned long long)arch_boot_tsc(), ms);

	arch_platform_init(&mb);
	arch_ioapic_take();
	if (!opt.probe) {
		/* Before any partition's device can run: DMA is contained from here. */
		iommu_setup();
		if (opt.iommu_test[0])
			iommu_selftest(opt.iommu_test);
	}
	log_info("bulkhead: cpu 0 online, apic id %u (boot cpu)\n", arch_cpu_apic_id(0));
	arch_hwcheck_this_cpu();
	online = arch_smp_boot(ap_main, opt.stall_apic_id);
	log_info("bulkhead: cpus online %u/%u\n", online, arch_cpu_count());

	vmx_ok = arch_hwcheck_report(why, sizeof(why));
	ticks = arch_tsc() - arch_boot_tsc();
	if (vmx_ok)
		log_info(HW_VERDICT_OK "\n");
	else
		log_err(HW_VERDICT_UNAVAILABLE "%s\n", why);
	log_info("bulkhead: entry to hardware report: %llu tsc ticks\n", (unsigned long long)ticks);

	if (opt.selftest[0])
		arch_selftest_fault(opt.selftest);
	if (opt.probe) { /* with or without VMX: a layout to start from, then nothing else */
		release_cpus(RELEASE_HALT);
		probe_run(&mb, opt.probe_name);
		halt("probe: the layout is printed; no partition was started");
	}
	if (!vmx_ok) {
		release_cpus(RELEASE_HALT);
		halt("vmx unavailable, nothing can run");
	}
	release_cpus(RELEASE_VMX);
	cpu_enter_vmx(0);
	log_info("bulkhead: vmx operation on %u/%u cpus\n", wait_cpus_in_vmx(online), online);
	/* Payloads first: their start is not held up by Linux's kernel and RAM (issue 19). Linux
	 * then reads the TSC rate from its CPUID leaf 0x15 and keeps it: the final figure. */
	partitions_check(&mb);
	ready = partitions_build(false);
	tsc_khz = arch_tsc_refine();
	log_info("bulkhead: tsc %llu kHz (refined)\n", (unsigned long long)tsc_khz);
	ready += partitions_build(true);
	log_info("bulkhead: %u partitions ready\n", ready);
	__atomic_store_n(&partitions_built, 1, __ATOMIC_RELEASE);
	log_info("bulkhead: idle\n");
	partition_run_on_cpu(0);
	conmux_run(opt.stats_seconds); /* the console: partitions' output, input, the shell */
}
