/* Loading partitions and the checks made at boot: each row's RAM against the memory map, its
 * CPUs and modules against the machine; then its address space built and its image loaded
 * (again on every restart). A row that fails a check is refused, named, and the rest go on. */
#include "core/partition.h"
#include "core/partition_state.h"
#include "arch/x86/arch.h"
#include "bulkhead/ptable.h"
#include "core/channels.h"
#include "core/config.h"
#include "core/devices.h"
#include "core/elf.h"
#include "core/error.h"
#include "core/guestmem.h"
#include "core/lib/format.h"
#include "core/lib/pit.h"
#include "core/lib/string.h"
#include "core/lineq.h"
#include "core/linux.h"
#include "core/log.h"
#include "core/iommu.h"
#include "core/mb2.h"
#include "core/pmem.h"
#include "core/vuart.h"

_Static_assert(PAYLOAD_MAX_RAM >= PT_MAX_REGIONS, "payload_info lists every RAM region");

static void refuse(struct partition *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void refuse(struct partition *p, const char *fmt, ...)
{
	char why[288];
	va_list ap;

	va_start(ap, fmt);
	vformat(why, sizeof(why), fmt, ap);
	va_end(ap);
	log_err("partition %s: refused: %s\n", p->cfg->name, why);
	p->state = PART_REFUSED;
	iommu_detach((u32)(p - parts));
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
		p->state = PART_LOADING;
		textring_init(&p->history, p->history_buf, sizeof(p->history_buf));
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
	for (u32 i = 0; i < p->elf.segment_count; i++) {
		const struct elf_segment *s = &p->elf.seg[i];
		char why[200];

		if (guest_ram_why_not(p->cfg, s->paddr, s->memsz, why, sizeof(why))) {
			refuse(p, "module: ELF segment %u (%c%c%c, guest 0x%llx-0x%llx) %s", i,
			       (s->flags & ELF_PF_R) ? 'R' : '-', (s->flags & ELF_PF_W) ? 'W' : '-',
			       (s->flags & ELF_PF_X) ? 'X' : '-', (unsigned long long)s->paddr,
			       (unsigned long long)(s->paddr + s->memsz), why);
			return;
		}
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
static int build_vm(struct partition *p, u32 index, char *why, size_t why_size)
{
	/* VPID 0 is the hypervisor's own. */
	int err = arch_vm_create(&p->vm, (u16)(index + 1), index);

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
	return err ? err : devices_map(p, why, why_size);
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
	for (u32 i = 0; i < p->cfg->mem.count && info->ram_count < PAYLOAD_MAX_RAM; i++)
		if (p->cfg->mem.r[i].kind == REGION_RAM)
			info->ram[info->ram_count++] =
			    (struct payload_ram){p->cfg->mem.r[i].guest, p->cfg->mem.r[i].size};
	strlcpy(info->name, p->cfg->name, sizeof(info->name));
	strlcpy(info->cmdline, p->cmdline, sizeof(info->cmdline));
	info->tsc_khz = p->vm.tsc_khz;
	for (u32 i = 0; i < p->cfg->mem.count && info->shared_count < PAYLOAD_MAX_SHARED; i++)
		if (p->cfg->mem.r[i].kind == REGION_SHARED)
			info->shared[info->shared_count++] =
			    (struct payload_shared){p->cfg->mem.r[i].guest, p->cfg->mem.r[i].size};
	channels_info(p->cfg, info);
}

/* Scrub the partition's RAM and load it again from the pristine modules, as at boot. The TSC
 * rate it is told (its information page, its CPUID leaf 0x15) is fixed here for this run:
 * payloads started before the TSC's refinement keep its first figure until they restart. */
void partition_load_image(struct partition *p)
{
	p->vm.tsc_khz = arch_tsc_khz();
	devices_start(p);
	for (u32 i = 0; i < p->cfg->mem.count; i++)
		if (p->cfg->mem.r[i].kind == REGION_RAM)
			arch_mem_zero((void *)p->cfg->mem.r[i].phys, p->cfg->mem.r[i].size);
	vuart_reset(&p->uart);
	lineq_reset(&p->out);
	if (p->cfg->kind == PART_LINUX)
		linux_load(p->cfg, &p->linux, &p->acpi, p->cmdline, &p->boot);
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

/* Its CPUs, module and devices (probed and silenced: devices.c). */
static void check_one(struct partition *p, u32 i, const struct mb2_info *mb)
{
	char why[256];

	if (p->state == PART_REFUSED)
		return;
	check_cpus_and_module(p, mb);
	if (p->state != PART_REFUSED && devices_check(p, i, why, sizeof(why)))
		refuse(p, "%s", why);
}

void partitions_check(const struct mb2_info *mb)
{
	for (u32 i = 0; i < partition_table.parts.count; i++)
		check_one(&parts[i], i, mb);
}

/* Build one partition; READY, its own CPUs load it and start it (partition_load_first). */
static bool build_one(struct partition *p, u32 i)
{
	char why[256];

	if (p->state == PART_REFUSED)
		return false;
	build_cmdline(p);
	if (build_vm(p, i, why, sizeof(why))) {
		refuse(p, "%s", why);
		return false;
	}
	__atomic_store_n(&p->state, PART_READY, __ATOMIC_RELEASE);
	return true;
}

/* Its ports reach the PIT (0x40-0x43) or port B (0x61), which the TSC's refinement counts
 * on until it ends (arch/x86/tsc.c): it must not run before. */
static bool grants_pit(const struct partition_config *c)
{
	for (u32 i = 0; i < c->ports.count; i++) {
		u32 base = c->ports.p[i].base, end = base + c->ports.p[i].count;

		if ((base < PIT_PORTS_END && end > PIT_PORTS_BASE) ||
		    (base <= PORT_B && end > PORT_B))
			return true;
	}
	return false;
}

static bool starts_late(const struct partition_config *c)
{
	return c->kind == PART_LINUX || grants_pit(c);
}

u32 partitions_build(bool late)
{
	u32 ready = 0;

	for (u32 i = 0; i < partition_table.parts.count; i++)
		if (starts_late(&partition_table.parts.p[i]) == late)
			ready += build_one(&parts[i], i);
	return ready;
}

void partition_load_first(struct partition *p)
{
	partition_load_image(p);
	report_loaded(p);
}
