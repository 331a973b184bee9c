/* Partition life cycle: refused | ready -> running -> stopped (or restarted). */
#include "core/partition.h"
#include "arch/x86/arch.h"
#include "core/upcalls.h"
#include "core/config.h"
#include "core/denied.h"
#include "core/elf.h"
#include "core/error.h"
#include "core/lib/format.h"
#include "core/guestmem.h"
#include "core/guesttext.h"
#include "core/linux.h"
#include "core/lineq.h"
#include "core/log.h"
#include "core/conmux.h"
#include "core/mb2.h"
#include "core/pmem.h"
#include "bulkhead/ptable.h"
#include "core/spinlock.h"
#include "core/lib/string.h"
#include "core/vuart.h"

enum part_state {
	PART_REFUSED = 0,
	PART_READY,
	PART_RUNNING,
	PART_RESTARTING, /* its CPUs are being parked to be reloaded */
	PART_STOPPED,
	PART_STARTING, /* reloaded; its CPUs are leaving park() */
};

struct partition {
	const struct partition_config *cfg;
	volatile u32 state;
	u32 restarts;
	u32 start_cpu;			     /* index of the CPU that starts it */
	u32 cpu_index[PT_MAX_CPUS];	     /* CPU index of each of cpus.apic_id[] */
	volatile u32 waiting;		     /* other CPUs now in wait-for-SIPI */
	volatile u8 cpu_parked[PT_MAX_CPUS]; /* which of cpus.apic_id[] are in park() */
	volatile u32 generation;    /* bumped by every (re)start: parked CPUs leave park() */
	struct spinlock print_lock; /* a line it prints, against a stop changing its state */
	struct spinlock uart_lock;  /* its COM1, written by any of its CPUs */
	const struct mb2_module *module;
	const struct mb2_module *initrd; /* PART_LINUX with an initrd tag */
	bool is_elf;
	struct elf_image elf;	 /* payload, when is_elf: what to load where */
	struct linux_boot linux; /* PART_LINUX: where kernel and initrd go */
	struct arch_vm_entry boot;
	char cmdline[MAX_CMDLINE];
	struct vuart uart;   /* its COM1 */
	struct lineq out;    /* its lines, waiting for the boot CPU to write them to COM1 */
	u64 drop_report_tsc; /* when drops were last reported */
	struct arch_vm vm;
};

static struct partition parts[PT_MAX_PARTITIONS];
static const struct mb2_info *boot_info;

static void refuse(struct partition *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(struct partition *p, const char *fmt, ...)
{
	char why[160];
	va_list ap;

	va_start(ap, fmt);
	vformat(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_err("partition %s: refused: %s\n", p->cfg->name, why);
	p->state = PART_REFUSED;
}

static bool in_usable_ram(const struct mb2_info *mb, u64 start, u64 end)
{
	for (u32 i = 0; i < mb->mmap_count; i++) {
		const struct mb2_mmap_entry *e = &mb->mmap[i];

		if (e->type == MB2_MMAP_AVAILABLE && e->addr <= start && end <= e->addr + e->len)
			return true;
	}
	return false;
}

static bool overlaps_ram(const struct mb2_info *mb, u64 start, u64 end)
{
	for (u32 i = 0; i < mb->mmap_count; i++) {
		const struct mb2_mmap_entry *e = &mb->mmap[i];

		if (e->type == MB2_MMAP_AVAILABLE && start < e->addr + e->len && e->addr < end)
			return true;
	}
	return false;
}

/* Is [start, end) entirely free in the page allocator (no hypervisor, boot info, module)? */
static bool free_in_pmem(u64 start, u64 end)
{
	const struct pmem_range *r = pmem_ranges();

	for (u32 i = 0; i < pmem_range_count(); i++)
		if (r[i].start <= start && end <= r[i].end)
			return true;
	return false;
}

/*
 * The end of the free range or of an earlier partition's SHARED region (reserved by
 * reserve_shared) that holds `at`, whichever reaches further; `at` itself if none does.
 * Partitions are checked in table order, so the earlier ones are READY or REFUSED by now.
 */
static u64 free_or_shared_from(const struct partition *p, u64 at)
{
	const struct pmem_range *r = pmem_ranges();
	u64 reach = at;

	for (u32 i = 0; i < pmem_range_count(); i++)
		if (r[i].start <= at && at < r[i].end && r[i].end > reach)
			reach = r[i].end;
	for (const struct partition *q = parts; q < p; q++) {
		if (q->state == PART_REFUSED)
			continue;
		for (u32 k = 0; k < q->cfg->mem.count; k++) {
			const struct pt_region *s = &q->cfg->mem.r[k];

			if (s->kind == REGION_SHARED && s->phys <= at && at < s->phys + s->size &&
			    s->phys + s->size > reach)
				reach = s->phys + s->size;
		}
	}
	return reach;
}

/* A SHARED region may lie on free memory and on the SHARED regions of earlier partitions
 * (the same window, shared on purpose), nowhere else: not on the hypervisor, the boot
 * information, a module or another partition's RAM. */
static bool shared_available(const struct partition *p, u64 start, u64 end)
{
	for (u64 at = start, next; at < end; at = next) {
		next = free_or_shared_from(p, at);
		if (next == at)
			return false;
	}
	return true;
}

/* A SHARED region is memory like RAM: the allocator must never put page tables or anything
 * else in it. Reserved as soon as its partition passed check_memory (partitions_reserve
 * reserves the RAM); overlapping windows of two partitions are reserved twice, harmlessly. */
static void reserve_shared(const struct partition *p)
{
	char name[PMEM_NAME_LEN];

	format(name, sizeof(name), "shared %s", p->cfg->name);
	for (u32 i = 0; i < p->cfg->mem.count; i++)
		if (p->cfg->mem.r[i].kind == REGION_SHARED)
			pmem_reserve(p->cfg->mem.r[i].phys, p->cfg->mem.r[i].size, name);
}

static void check_memory(struct partition *p, const struct mb2_info *mb)
{
	for (u32 i = 0; i < p->cfg->mem.count && p->state != PART_REFUSED; i++) {
		const struct pt_region *r = &p->cfg->mem.r[i];
		u64 end = r->phys + r->size;

		if (r->kind == REGION_MMIO) {
			if (overlaps_ram(mb, r->phys, end))
				refuse(p, "mem: MMIO region 0x%llx-0x%llx covers RAM",
				       (unsigned long long)r->phys, (unsigned long long)end);
		} else if (!in_usable_ram(mb, r->phys, end)) {
			refuse(p, "mem: 0x%llx-0x%llx is not usable RAM in the memory map",
			       (unsigned long long)r->phys, (unsigned long long)end);
		} else if (r->kind == REGION_RAM && !free_in_pmem(r->phys, end)) {
			refuse(p,
			       "mem: 0x%llx-0x%llx overlaps the hypervisor, boot information or a "
			       "module",
			       (unsigned long long)r->phys, (unsigned long long)end);
		} else if (r->kind == REGION_SHARED && !shared_available(p, r->phys, end)) {
			refuse(p,
			       "mem: SHARED 0x%llx-0x%llx overlaps the hypervisor, boot "
			       "information, a module or another partition's RAM",
			       (unsigned long long)r->phys, (unsigned long long)end);
		}
	}
	if (p->state != PART_REFUSED)
		reserve_shared(p);
}

void partitions_reserve(const struct mb2_info *mb)
{
	char name[PMEM_NAME_LEN];

	log_info("bulkhead: layout \"%s\", %u partitions\n", partition_table.layout,
		 partition_table.parts.count);
	for (u32 i = 0; i < partition_table.parts.count; i++) {
		struct partition *p = &parts[i];

		p->cfg = &partition_table.parts.p[i];
		p->state = PART_READY;
		check_memory(p, mb);
		if (p->state == PART_REFUSED)
			continue;
		strlcpy(name, "partition ", sizeof(name));
		strlcpy(name + 10, p->cfg->name, sizeof(name) - 10);
		for (u32 r = 0; r < p->cfg->mem.count; r++)
			if (p->cfg->mem.r[r].kind == REGION_RAM)
				pmem_reserve(p->cfg->mem.r[r].phys, p->cfg->mem.r[r].size, name);
	}
}

static bool cpu_index_of(u32 apic_id, u32 *index)
{
	for (u32 i = 0; i < arch_cpu_count(); i++) {
		if (arch_cpu_apic_id(i) == apic_id && arch_cpu_online(i)) {
			*index = i;
			return true;
		}
	}
	return false;
}

static void check_payload(struct partition *p);
static void check_linux(struct partition *p, const struct mb2_info *mb);

static const struct mb2_module *find_module(struct partition *p, const struct mb2_info *mb,
					    const char *field, const char *tag)
{
	const struct mb2_module *m = mb2_find_module(mb, tag);

	if (!m)
		refuse(p,
		       "%s: no GRUB module tagged \"%s\" (add 'module2 /boot/<file> %s' to "
		       "grub.cfg)",
		       field, tag, tag);
	return m;
}

static void check_cpus_and_module(struct partition *p, const struct mb2_info *mb)
{
	u32 index;

	/* The boot CPU (index 0) is Bulkhead's: its console, shell and every stop and start run
	 * there, so no partition may have it. */
	for (u32 i = 0; i < p->cfg->cpus.count && p->state != PART_REFUSED; i++)
		if (!cpu_index_of(p->cfg->cpus.apic_id[i], &index))
			refuse(p, "cpus[%u]: apic id %u is not online on this machine", i,
			       p->cfg->cpus.apic_id[i]);
		else if (index == 0)
			refuse(p, "cpus[%u]: apic id %u is the boot cpu, which Bulkhead keeps", i,
			       p->cfg->cpus.apic_id[i]);
		else
			p->cpu_index[i] = index;
	p->start_cpu = p->cpu_index[0];
	if (p->state == PART_REFUSED)
		return;
	p->module = find_module(p, mb, "module", p->cfg->module);
	if (!p->module)
		return;
	if (p->cfg->kind == PART_LINUX)
		check_linux(p, mb);
	else
		check_payload(p);
}

static void check_linux(struct partition *p, const struct mb2_info *mb)
{
	const struct mb2_module *k = p->module;
	char why[160];

	if (p->cfg->initrd && p->cfg->initrd[0]) {
		p->initrd = find_module(p, mb, "initrd", p->cfg->initrd);
		if (!p->initrd)
			return;
	}
	if (linux_prepare(p->cfg, (const void *)k->start, k->end - k->start,
			  p->initrd ? (const void *)p->initrd->start : NULL,
			  p->initrd ? p->initrd->end - p->initrd->start : 0, &p->linux, why,
			  sizeof(why)))
		refuse(p, "%s", why);
}

/* ELF64 images load by segment; anything else is a flat image loaded at 1 MiB. Either
 * starts the Multiboot way: EAX = PAYLOAD_MAGIC, EBX = the information page. */
static void check_payload(struct partition *p)
{
	const void *img = (const void *)p->module->start;
	u64 len = p->module->end - p->module->start;

	if (!guest_ram_holding(p->cfg, PAYLOAD_INFO_GPA, sizeof(struct payload_info))) {
		refuse(p, "mem: no RAM at guest 0x%llx for the payload information page",
		       (unsigned long long)PAYLOAD_INFO_GPA);
		return;
	}
	p->boot = (struct arch_vm_entry){.rip = PAYLOAD_LOAD_GPA,
					 .rsp = PAYLOAD_LOAD_GPA,
					 .eax = PAYLOAD_MAGIC,
					 .ebx = (u32)PAYLOAD_INFO_GPA,
					 .cs = 0x08,
					 .ds = 0x10};
	p->is_elf = elf_is_elf(img, len);
	if (!p->is_elf) {
		if (!guest_ram_holding(p->cfg, PAYLOAD_LOAD_GPA, len))
			refuse(p,
			       "module: flat image of %llu bytes does not fit RAM at guest 0x%llx",
			       (unsigned long long)len, (unsigned long long)PAYLOAD_LOAD_GPA);
		return;
	}
	if (elf_parse(img, len, p->cfg->name, &p->elf)) {
		refuse(p, "module: %llu-byte ELF image rejected (see the elf: line)",
		       (unsigned long long)len);
		return;
	}
	p->boot.rip = p->elf.entry;
	for (u32 i = 0; i < p->elf.segment_count; i++)
		if (!guest_ram_holding(p->cfg, p->elf.seg[i].paddr, p->elf.seg[i].memsz)) {
			refuse(
			    p,
			    "module: ELF segment at guest 0x%llx (%llu bytes) is outside its RAM",
			    (unsigned long long)p->elf.seg[i].paddr,
			    (unsigned long long)p->elf.seg[i].memsz);
			return;
		}
}

/* The module's words after its tag are appended to the table's command line. */
static void build_cmdline(struct partition *p)
{
	const char *extra = p->module->cmdline;

	while (*extra && *extra != ' ')
		extra++;
	while (*extra == ' ')
		extra++;
	format(p->cmdline, sizeof(p->cmdline), "%s%s%s", p->cfg->cmdline ? p->cfg->cmdline : "",
	       (p->cfg->cmdline && *p->cfg->cmdline && *extra) ? " " : "", extra);
}

/* The partition's EPT and bitmaps; on failure `why` says what could not be mapped. */
static int build_vm(struct partition *p, u16 vpid, char *why, size_t why_size)
{
	int err = arch_vm_create(&p->vm, vpid);

	if (err)
		strlcpy(why, "out of memory for its page tables", why_size);
	for (u32 i = 0; !err && i < p->cfg->mem.count; i++) {
		const struct pt_region *r = &p->cfg->mem.r[i];

		err = arch_vm_map(&p->vm, r->guest, r->phys, r->size, r->access,
				  r->kind == REGION_MMIO);
		if (err)
			format(why, why_size, "mem[%u]: guest 0x%llx-0x%llx not mapped: %s", i,
			       (unsigned long long)r->guest,
			       (unsigned long long)(r->guest + r->size),
			       err == E_NOMEM	? "out of memory for its page tables"
			       : err == E_RANGE ? "beyond what the EPT or the CPU's physical "
						  "address width can map"
						: "it overlaps a mapping already made");
	}
	for (u32 i = 0; !err && i < p->cfg->ports.count; i++)
		arch_vm_grant_ports(&p->vm, p->cfg->ports.p[i].base, p->cfg->ports.p[i].count);
	return err;
}

/* A payload: its segments (or flat image) and the information page. */
static void load_payload(struct partition *p)
{
	const u8 *img = (const u8 *)p->module->start;
	struct payload_info *info =
	    (struct payload_info *)guest_host_ptr(p->cfg, PAYLOAD_INFO_GPA, sizeof(*info));

	if (p->is_elf) {
		for (u32 i = 0; i < p->elf.segment_count; i++) {
			const struct elf_segment *s = &p->elf.seg[i];

			memcpy(guest_host_ptr(p->cfg, s->paddr, s->memsz), img + s->offset,
			       s->filesz);
		}
	} else {
		memcpy(guest_host_ptr(p->cfg, PAYLOAD_LOAD_GPA, p->module->end - p->module->start),
		       img, p->module->end - p->module->start);
	}
	info->magic = PAYLOAD_MAGIC;
	info->cpu_count = p->cfg->cpus.count;
	for (u32 i = 0; i < p->cfg->cpus.count && i < ARRAY_SIZE(info->apic_ids); i++)
		info->apic_ids[i] = p->cfg->cpus.apic_id[i];
	info->ram_size = guest_first_ram(p->cfg)->size;
	strlcpy(info->name, p->cfg->name, sizeof(info->name));
	strlcpy(info->cmdline, p->cmdline, sizeof(info->cmdline));
	info->tsc_khz = arch_tsc_khz();
	for (u32 i = 0; i < p->cfg->mem.count && info->shared_count < PAYLOAD_MAX_SHARED; i++)
		if (p->cfg->mem.r[i].kind == REGION_SHARED)
			info->shared[info->shared_count++] =
			    (struct payload_shared){p->cfg->mem.r[i].guest, p->cfg->mem.r[i].size};
}

/* Scrub the partition's RAM and load it again from the pristine modules, as at boot. */
static void load_image(struct partition *p)
{
	for (u32 i = 0; i < p->cfg->mem.count; i++)
		if (p->cfg->mem.r[i].kind == REGION_RAM)
			memset((void *)p->cfg->mem.r[i].phys, 0, p->cfg->mem.r[i].size);
	vuart_reset(&p->uart);
	lineq_reset(&p->out);
	if (p->cfg->kind == PART_LINUX)
		linux_load(p->cfg, &p->linux, p->cmdline, &p->boot);
	else
		load_payload(p);
}

static void report_loaded(const struct partition *p)
{
	const struct linux_boot *lb = &p->linux;

	if (p->cfg->kind != PART_LINUX) {
		log_info("partition %s: loaded %s image of %llu bytes, entry 0x%llx\n",
			 p->cfg->name, p->is_elf ? "ELF64" : "flat",
			 (unsigned long long)(p->module->end - p->module->start),
			 (unsigned long long)p->boot.rip);
		return;
	}
	log_info("partition %s: loaded Linux (boot protocol %u.%02u) at 0x%llx, %llu-byte "
		 "initrd at 0x%llx, %u cpus in its ACPI tables\n",
		 p->cfg->name, lb->bz.protocol >> 8, lb->bz.protocol & 0xff,
		 (unsigned long long)lb->load_gpa, (unsigned long long)lb->initrd_len,
		 (unsigned long long)lb->initrd_gpa, p->cfg->cpus.count);
	log_info("partition %s: command line \"%s\"\n", p->cfg->name, p->cmdline);
}

u32 partitions_prepare(const struct mb2_info *mb)
{
	u32 ready = 0;
	char why[128];

	boot_info = mb;
	for (u32 i = 0; i < partition_table.parts.count; i++) {
		struct partition *p = &parts[i];

		if (p->state == PART_REFUSED)
			continue;
		check_cpus_and_module(p, mb);
		if (p->state == PART_REFUSED)
			continue;
		build_cmdline(p);
		if (build_vm(p, (u16)(i + 1), why, sizeof(why))) {
			log_err("partition %s: refused: %s\n", p->cfg->name, why);
			p->state = PART_REFUSED;
			continue;
		}
		load_image(p);
		report_loaded(p);
		ready++;
	}
	return ready;
}

static void print_cpus(const struct partition_config *c, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (u32 i = 0; i < c->cpus.count && len < size; i++)
		len +=
		    (size_t)format(buf + len, size - len, "%s%u", i ? "," : "", c->cpus.apic_id[i]);
}

static u32 others(const struct partition *p)
{
	return p->cfg->cpus.count - 1;
}

/* Which of the row's cpus.apic_id[] CPU index `cpu` is (it is one of them). */
static u32 slot_of(const struct partition *p, u32 cpu)
{
	for (u32 i = 0; i < p->cfg->cpus.count; i++)
		if (p->cpu_index[i] == cpu)
			return i;
	return 0;
}

/* Bounded wait (100 ms) for `*counter` to reach `want`. */
static void wait_for(volatile u32 *counter, u32 want)
{
	u64 start = arch_tsc(), limit = arch_tsc_khz() * 100;

	while (__atomic_load_n(counter, __ATOMIC_ACQUIRE) < want && arch_tsc() - start < limit)
		arch_cpu_relax();
}

/* Every CPU of a partition comes here to run it: the first starts the image once the others
 * wait for its INIT-SIPI, as they would on a machine of their own. */
static __attribute__((noreturn)) void enter(struct partition *p, u32 partition, u32 cpu)
{
	char cpus[64];

	if (cpu != p->start_cpu)
		arch_vm_start_waiting(&p->vm, partition, &p->waiting);
	wait_for(&p->waiting, others(p));
	p->state = PART_RUNNING;
	print_cpus(p->cfg, cpus, sizeof(cpus));
	if (!p->restarts)
		log_info("partition %s: running on cpus %s\n", p->cfg->name, cpus);
	arch_vm_start(&p->vm, partition, &p->boot);
}

static bool uses_cpu(const struct partition *p, u32 cpu)
{
	for (u32 i = 0; i < p->cfg->cpus.count; i++)
		if (p->cpu_index[i] == cpu)
			return true;
	return false;
}

void partition_run_on_cpu(u32 cpu_index)
{
	for (u32 i = 0; i < partition_table.parts.count; i++) {
		struct partition *p = &parts[i];

		if (p->state == PART_READY && uses_cpu(p, cpu_index))
			enter(p, i, cpu_index);
	}
}

bool partition_owns_apic(u32 partition, u32 dest_apic)
{
	const struct partition_config *c = parts[partition].cfg;

	for (u32 i = 0; i < c->cpus.count; i++)
		if (c->cpus.apic_id[i] == dest_apic)
			return true;
	return false;
}

/* A CPU of a stopped or restarting partition waits here, in the hypervisor, halted until an
 * NMI, for whoever starts the partition again to bump its generation. */
static __attribute__((noreturn)) void park(struct partition *p, u32 partition, u32 cpu, u32 gen)
{
	u32 slot = slot_of(p, cpu);

	__atomic_store_n(&p->cpu_parked[slot], 1, __ATOMIC_RELEASE);
	while (__atomic_load_n(&p->generation, __ATOMIC_ACQUIRE) == gen)
		arch_cpu_halt();
	__atomic_store_n(&p->cpu_parked[slot], 0, __ATOMIC_RELEASE);
	enter(p, partition, cpu);
}

/* Where a CPU of a partition is, for counting: parked in the hypervisor, or waiting for a SIPI
 * in the guest (never started, or sent INIT). Either way it runs none of the partition's code
 * until the partition is started again: only a CPU of the partition could send that SIPI. */
enum { CPU_PARKED = 1, CPU_WAITING_SIPI = 2, CPU_SETTLED = CPU_PARKED | CPU_WAITING_SIPI };

/* How many of the partition's CPUs are where `where` (CPU_* bits) says. */
static u32 cpus_where(const struct partition *p, u32 where)
{
	u32 n = 0;

	for (u32 i = 0; i < p->cfg->cpus.count; i++) {
		u32 at = __atomic_load_n(&p->cpu_parked[i], __ATOMIC_ACQUIRE) ? CPU_PARKED
			 : arch_cpu_waiting_for_sipi(p->cpu_index[i])	      ? CPU_WAITING_SIPI
									      : 0;

		n += (at & where) != 0;
	}
	return n;
}

/* The partition's CPUs that run none of its code now. An NMI cannot reach one waiting for a
 * SIPI, so those are counted, not waited for. */
static u32 settled(const struct partition *p)
{
	return cpus_where(p, CPU_SETTLED);
}

/* Of those, the ones waiting for a SIPI: a start wakes them by SIPI, not through enter(). */
static u32 sipi_waiters(const struct partition *p)
{
	return cpus_where(p, CPU_WAITING_SIPI);
}

/* NMI each CPU of the partition but `me` that still runs its code. */
static void nudge_unsettled(const struct partition *p, u32 me)
{
	for (u32 i = 0; i < p->cfg->cpus.count; i++)
		if (p->cpu_index[i] != me &&
		    !__atomic_load_n(&p->cpu_parked[i], __ATOMIC_ACQUIRE) &&
		    !arch_cpu_waiting_for_sipi(p->cpu_index[i]))
			arch_cpu_nmi(p->cpu_index[i]);
}

/* Wait until `want` of the partition's CPUs are settled, at most 100 ms: false if they are
 * not. The ones still running are sent an NMI again every millisecond: one that landed
 * while its CPU was in the hypervisor, after the CPU looked at the state, is taken there and
 * lost, and a guest that does not exit again would never be reached. Its RAM is never
 * scrubbed or reloaded on a timed-out wait. */
static bool wait_settled(const struct partition *p, u32 me, u32 want)
{
	u64 start = arch_tsc(), limit = arch_tsc_khz() * 100, nudged = start;

	while (settled(p) < want) {
		if (arch_tsc() - start >= limit)
			return false;
		if (arch_tsc() - nudged >= arch_tsc_khz()) {
			nudge_unsettled(p, me);
			nudged = arch_tsc();
		}
		arch_cpu_relax();
	}
	return true;
}

/* Start the partition again: its parked CPUs leave park(). An NMI that lands between a CPU's
 * check and its HLT is lost, so they are nudged until they have all left (at most 100 ms).
 * The state says STARTING meanwhile, so a late nudge does not park a CPU again. */
static void release(struct partition *p, u32 me)
{
	u64 start = arch_tsc(), limit = arch_tsc_khz() * 100;

	p->state = PART_STARTING;
	__atomic_add_fetch(&p->generation, 1, __ATOMIC_RELEASE);
	while (cpus_where(p, CPU_PARKED) && arch_tsc() - start < limit) {
		for (u32 i = 0; i < p->cfg->cpus.count; i++)
			if (p->cpu_index[i] != me)
				arch_cpu_nmi(p->cpu_index[i]);
		for (u64 t = arch_tsc(); arch_tsc() - t < arch_tsc_khz();)
			arch_cpu_relax();
	}
}

/* Bulkhead's NMI reached a CPU of `partition`: follow the partition's state. */
void partition_nmi(u32 partition, u32 cpu)
{
	struct partition *p = &parts[partition];
	u32 gen = p->generation;

	if (p->state == PART_STOPPED) {
		log_info("partition %s: cpu %u parked\n", p->cfg->name, cpu);
		park(p, partition, cpu, gen);
	}
	if (p->state == PART_RESTARTING)
		park(p, partition, cpu, gen);
	/* not for us: resume the guest */
}

/* Make the partition's other CPUs leave the guest (they see the new state on their NMI). */
static void signal_others(struct partition *p, u32 me)
{
	for (u32 i = 0; i < p->cfg->cpus.count; i++)
		if (p->cpu_index[i] != me)
			arch_cpu_nmi(p->cpu_index[i]);
}

static void report_exits(const struct partition *p, u32 cpu);

#define DRAIN_SHARE_BYTES 256 /* per partition per round of the boot CPU's console loop */

/* Write the partition's queued lines to COM1 until `max_bytes` are out (the line that crosses
 * it included), and say if any were dropped: when its queue has emptied, or once a second
 * while it stays full (so that the reports do not take the line from the partitions). Under
 * print_lock: a line is never written after the partition's stop report. */

static void drain_locked(struct partition *p, u32 max_bytes)
{
	char line[VUART_LINE + 1];
	u32 dropped, written = 0;

	while (written < max_bytes && p->state == PART_RUNNING &&
	       lineq_get(&p->out, line, sizeof(line))) {
		log_info("%s: %s\n", p->cfg->name, line);
		written += (u32)(strlen(p->cfg->name) + strlen(line) + 3);
	}
	if (!lineq_empty(&p->out) && arch_tsc() - p->drop_report_tsc < arch_tsc_khz() * 1000)
		return;
	dropped = lineq_take_dropped(&p->out);
	if (!dropped)
		return;
	p->drop_report_tsc = arch_tsc();
	log_warn("console: %s: %u lines dropped (printed faster than COM1 carries)\n", p->cfg->name,
		 dropped);
}

/* Leave the running state, once: the first of a fault, an exit and the shell to come here owns
 * the stop (or restart); whoever comes later gets false, as two CPUs of a partition may fault
 * at the same moment. What the partition printed before goes out first, nothing after. */
static bool take_over(struct partition *p, u32 state)
{
	bool mine;

	spin_lock(&p->print_lock);
	mine = p->state == PART_RUNNING;
	if (mine) {
		drain_locked(p, ~0u);
		p->state = state;
	}
	spin_unlock(&p->print_lock);
	return mine;
}

/* This CPU exited or faulted while another CPU of its partition was already stopping it:
 * the other owns the report and the restart; this one only parks. `gen` was read before. */
static __attribute__((noreturn)) void park_too(struct partition *p, u32 cpu, u32 gen,
					       const char *what)
{
	log_info("partition %s: cpu %u parked (it %s)\n", p->cfg->name, cpu, what);
	park(p, (u32)(p - parts), cpu, gen);
}

static __attribute__((noreturn)) void partition_exit(struct partition *p, u32 cpu, u64 code)
{
	u32 gen = p->generation;

	if (!take_over(p, PART_STOPPED))
		park_too(p, cpu, gen, "exited too");
	log_info("partition %s: exited (code %llu) on cpu %u\n", p->cfg->name,
		 (unsigned long long)code, cpu);
	report_exits(p, cpu);
	signal_others(p, cpu);
	park(p, (u32)(p - parts), cpu, gen);
}

/* One line of the partition's output: queued for the boot CPU, which writes it to COM1
 * prefixed with the partition's name. The partition's CPU goes back to its guest at once. */
static void print_line(void *ctx, const char *text)
{
	struct partition *p = ctx;

	if (p->state != PART_RUNNING)
		return;
	lineq_put(&p->out, text); /* a full queue counts the drop */
	conmux_kick();
}

/* The print hypercall's text: at most GUEST_LINE bytes of the partition's RAM at `gpa`, one
 * line (payload_abi.h), filtered as its UART's lines are (guesttext.h). Line ends at the very
 * end are dropped; one inside the text becomes a space, so that a print can neither start a
 * line that looks like another partition's or Bulkhead's nor turn into many lines. */
static bool print_text(struct partition *p, u64 gpa, u64 len)
{
	char text[GUEST_LINE];
	struct guest_line line = {0};

	if (len > sizeof(text))
		len = sizeof(text);
	if (!arch_vm_read(&p->vm, gpa, text, len))
		return false;
	while (len && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		len--;
	for (u64 i = 0; i < len; i++)
		guest_line_put(&line, text[i] == '\n' ? ' ' : (u8)text[i], print_line, p);
	guest_line_flush(&line, print_line, p);
	return true;
}

u64 partition_hypercall(u32 partition, u32 cpu, u64 nr, u64 a1, u64 a2)
{
	struct partition *p = &parts[partition];

	if (nr == HYPERCALL_EXIT)
		partition_exit(p, cpu, a1);
	if (nr != HYPERCALL_PRINT)
		return ~0ULL;
	return print_text(p, a1, a2) ? 0 : ~0ULL;
}

u32 partition_port_io(u32 partition, u32 port, u32 size, bool in, u32 value)
{
	struct partition *p = &parts[partition];
	u32 result;

	if (port >= VUART_BASE && port < VUART_BASE + VUART_PORTS && size == 1) {
		spin_lock(&p->uart_lock);
		if (in)
			result = vuart_read(&p->uart, port - VUART_BASE);
		else
			vuart_write(&p->uart, port - VUART_BASE, (u8)value, print_line, p);
		spin_unlock(&p->uart_lock);
		return in ? result : 0;
	}
	denied_port(partition, port, in);
	return ~0u;
}

/* Exponential back-off between restarts, so a partition that keeps failing cannot flood
 * COM1 or hog its CPU: 2, 4, 8 ... ms, then it stays stopped after MAX_RESTARTS. */
static void restart_backoff(u32 n)
{
	u64 start = arch_tsc(), ticks = arch_tsc_khz() * (2ULL << (n < 10 ? n : 10));

	while (arch_tsc() - start < ticks)
		arch_cpu_relax();
}

/* Every non-zero exit counter of `cpu`, e.g. "cpuid 2, io 2, vmcall 12", or "none". */
static void format_exits(u32 cpu, char *line, size_t size)
{
	size_t len = 0;

	line[0] = '\0';
	for (u32 r = 0; r < ARCH_VM_EXIT_REASONS && len < size; r++) {
		u64 n = arch_vm_exit_count(cpu, r);

		if (n)
			len += (size_t)format(line + len, size - len, "%s%s %llu", len ? ", " : "",
					      arch_vm_exit_name(r), (unsigned long long)n);
	}
	if (!len)
		strlcpy(line, "none", size);
}

static void report_exits(const struct partition *p, u32 cpu)
{
	char line[256];

	format_exits(cpu, line, sizeof(line));
	log_info("partition %s: exits on cpu %u: %s\n", p->cfg->name, cpu, line);
}

/* One line per CPU of every running partition: its exit counters since it (re)started. */
void partitions_report_stats(void)
{
	char line[256];

	for (u32 i = 0; i < partition_table.parts.count; i++) {
		const struct partition *p = &parts[i];

		if (p->state != PART_RUNNING)
			continue;
		for (u32 c = 0; c < p->cfg->cpus.count; c++) {
			format_exits(p->cpu_index[c], line, sizeof(line));
			log_info("stats: partition %s cpu %u: %s\n", p->cfg->name, p->cpu_index[c],
				 line);
		}
	}
}

void partition_fault(u32 partition, u32 cpu, const struct vm_fault *f)
{
	struct partition *p = &parts[partition];
	bool restart = p->cfg->fault == FAULT_RESTART && p->restarts < MAX_RESTARTS;
	u32 gen = p->generation;

	if (!take_over(p, restart ? PART_RESTARTING : PART_STOPPED)) {
		char what[80];

		format(what, sizeof(what), "faulted too: %s, gpa 0x%llx", f->reason,
		       (unsigned long long)f->gpa);
		park_too(p, cpu, gen, what);
	}
	log_err("partition %s: stopped: %s (cpu %u, exit %u, rip 0x%llx, gpa 0x%llx, "
		"qualification 0x%llx)\n",
		p->cfg->name, f->reason, cpu, f->exit_reason, (unsigned long long)f->rip,
		(unsigned long long)f->gpa, (unsigned long long)f->qualification);
	report_exits(p, cpu);
	if (p->cfg->fault == FAULT_RESTART && !restart)
		log_err("partition %s: stopped: restart limit (%u) reached\n", p->cfg->name,
			MAX_RESTARTS);
	signal_others(p, cpu);
	if (!restart)
		park(p, partition, cpu, gen);
	/* Nothing of the partition may run while its RAM is scrubbed and reloaded. */
	if (!wait_settled(p, cpu, others(p))) {
		log_err("partition %s: not restarted: its other cpus did not stop within 100 ms\n",
			p->cfg->name);
		p->state = PART_STOPPED;
		park(p, partition, cpu, gen);
	}
	restart_backoff(p->restarts);
	p->restarts++;
	p->waiting = sipi_waiters(p);
	load_image(p);
	log_info("partition %s: restarted (%u)\n", p->cfg->name, p->restarts);
	release(p, cpu);
	enter(p, partition, cpu);
}

/* ---- For the console (core/conmux.c) and its shell (core/shell.c), on the boot CPU ---- */

u32 partition_count(void)
{
	return partition_table.parts.count;
}

const char *partition_name(u32 i)
{
	return parts[i].cfg->name;
}

int partition_find(const char *name)
{
	for (u32 i = 0; i < partition_table.parts.count; i++)
		if (!strcmp(parts[i].cfg->name, name))
			return (int)i;
	return -1;
}

bool partition_output_pending(u32 i)
{
	return !lineq_empty(&parts[i].out) || parts[i].out.dropped;
}

void partition_drain_output(u32 i)
{
	struct partition *p = &parts[i];

	spin_lock(&p->print_lock);
	/* A share of COM1 by bytes, not lines: a partition printing long lines cannot take the
	 * line from neighbours printing short ones (at most one line over the share). */
	drain_locked(p, DRAIN_SHARE_BYTES);
	spin_unlock(&p->print_lock);
}

bool partition_type(u32 i, u8 byte)
{
	struct partition *p = &parts[i];
	bool ok;

	spin_lock(&p->uart_lock);
	ok = p->state == PART_RUNNING && vuart_receive(&p->uart, byte);
	spin_unlock(&p->uart_lock);
	return ok;
}

static const char *state_name(u32 state)
{
	static const char *const names[] = {"refused",	  "ready",   "running",
					    "restarting", "stopped", "starting"};

	return state < ARRAY_SIZE(names) ? names[state] : "?";
}

void partitions_list(void)
{
	char cpus[64];

	for (u32 i = 0; i < partition_table.parts.count; i++) {
		const struct partition *p = &parts[i];
		u64 ram = 0;

		for (u32 r = 0; r < p->cfg->mem.count; r++)
			if (p->cfg->mem.r[r].kind == REGION_RAM)
				ram += p->cfg->mem.r[r].size;
		print_cpus(p->cfg, cpus, sizeof(cpus));
		log_info("shell: %u %-10s %-10s cpus %-8s ram %4llu MiB  restarts %u\n", i + 1,
			 p->cfg->name, state_name(p->state), cpus, (unsigned long long)(ram / MiB),
			 p->restarts);
	}
}

/* Stop a running partition and wait until all its CPUs are parked. */
static const char *take_down(struct partition *p, u32 state, const char *what)
{
	if (!take_over(p, state))
		return "it is not running";
	log_info("partition %s: %s from the shell\n", p->cfg->name, what);
	signal_others(p, arch_this_cpu());
	if (!wait_settled(p, arch_this_cpu(), p->cfg->cpus.count)) {
		p->state = PART_STOPPED; /* what stopped stays stopped; nothing is reloaded */
		return "its cpus did not all stop within 100 ms";
	}
	return NULL;
}

/* Reload a partition whose CPUs are all parked and start it. */
static const char *bring_up(struct partition *p)
{
	/* A CPU that missed the NMI of an exit or a fault is reached now. */
	if (!wait_settled(p, arch_this_cpu(), p->cfg->cpus.count))
		return "its CPUs have not all parked";
	p->waiting = sipi_waiters(p);
	load_image(p);
	log_info("partition %s: started from the shell\n", p->cfg->name);
	release(p, arch_this_cpu());
	return NULL;
}

const char *partition_shell_stop(u32 i)
{
	return take_down(&parts[i], PART_STOPPED, "stopped");
}

const char *partition_shell_start(u32 i)
{
	if (parts[i].state != PART_STOPPED)
		return "it is not stopped";
	return bring_up(&parts[i]);
}

const char *partition_shell_restart(u32 i)
{
	struct partition *p = &parts[i];
	const char *why = NULL;

	if (p->state == PART_RUNNING)
		why = take_down(p, PART_RESTARTING, "restarting");
	else if (p->state != PART_STOPPED)
		return "it is neither running nor stopped";
	return why ? why : bring_up(p);
}
