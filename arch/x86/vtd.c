/*
 * The IOMMU: Intel VT-d remapping units, found in the ACPI DMAR table and owned by Bulkhead.
 *
 * One set of tables serves every unit (each unit only ever looks up the requesters in its
 * scope): a root table, a context table per bus that has an assigned function, one
 * second-level page table per domain (a partition), and one interrupt remapping table. A
 * requester without a context entry is blocked: DMA from it faults (reason 2, context entry
 * not present), and so does every interrupt that does not name a present entry of the
 * remapping table whose source-id is its own. Compatibility-format interrupts are never let
 * through (GCMD.CFI stays clear, §5.1.2.1).
 *
 * Invalidation goes through each unit's queue (§6.5.2): the interrupt entry cache can only
 * be invalidated that way. The queue and the remapping table are changed under one lock.
 */
#include "arch/x86/arch.h"
#include "arch/x86/dmar.h"
#include "arch/x86/irq.h"
#include "arch/x86/paging4.h"
#include "arch/x86/smp.h"
#include "arch/x86/vtd.h"
#include "arch/x86/vtd_regs.h"
#include "core/error.h"
#include "core/lib/format.h"
#include "core/lib/string.h"
#include "core/log.h"
#include "core/pmem.h"
#include "core/spinlock.h"

#define VTD_MAX_DOMAINS 16
/* 4096 entries (§10.4.29: 2^(S+1)): 64 KiB. */
#define VTD_IRT_S	11u
#define VTD_IRT_ENTRIES (2u << VTD_IRT_S)
#define VTD_IRT_PAGES	(VTD_IRT_ENTRIES * 16u / PAGE_SIZE)
/* How long a register command or a queue wait may take before the unit is called stuck. */
#define VTD_TIMEOUT_MS 100

struct unit {
	u64 base;
	u64 cap, ecap;
	u64 queue;     /* invalidation queue, one page */
	u32 tail;      /* next descriptor slot */
	u32 fro, nfr;  /* fault recording registers: offset, count */
	u32 next_frcd; /* where to look for the next fault */
};

static struct dmar_info dmar;
static struct unit units[DMAR_MAX_UNITS];
static u32 unit_count;
static bool coherent;	    /* every unit snoops: no cache line flush after a table write */
static bool four_level;	    /* every unit walks 4 levels (else all walk 3) */
static bool common_walk;    /* one walk length every unit has */
static bool ir_wanted, eim; /* every unit can remap interrupts, and with 32-bit IDs */
static bool ir_on;	    /* interrupt remapping is on in every unit */
static bool queues_on;	    /* invalidation goes through the queues */
static struct paging4_format sl_format = {.present = VTD_SL_R | VTD_SL_W,
					  .table_bits = VTD_SL_R | VTD_SL_W};
static u64 root_table;
static u64 domain_root[VTD_MAX_DOMAINS + 1];
static u64 irt;
static u16 ioapic_sid;
static struct spinlock lock;	 /* the queues, the remapping table */
static volatile u32 wait_status; /* an invalidation wait descriptor writes it */
static u32 wait_seq;		 /* what the next one writes: a late write is never taken for it */

static u32 rd32(const struct unit *u, u32 reg)
{
	return *(const volatile u32 *)(u->base + reg);
}

static u64 rd64(const struct unit *u, u32 reg)
{
	return rd32(u, reg) | (u64)rd32(u, reg + 4) << 32;
}

static void wr32(const struct unit *u, u32 reg, u32 v)
{
	*(volatile u32 *)(u->base + reg) = v;
}

/* 64-bit registers as two dwords, low first (§10.2: software may access them so). */
static void wr64(const struct unit *u, u32 reg, u64 v)
{
	wr32(u, reg, (u32)v);
	wr32(u, reg + 4, (u32)(v >> 32));
}

static u64 *table(u64 phys)
{
	return (u64 *)phys; /* identity mapped */
}

/* A unit that does not snoop reads tables from memory: the lines written must get there. */
static void flush(const void *p, size_t len)
{
	__asm__ volatile("" ::
			     : "memory"); /* the stores are made, in order, before anything after */
	if (coherent)
		return;
	for (uintptr_t a = (uintptr_t)p & ~63ul; a < (uintptr_t)p + len; a += 64)
		__asm__ volatile("clflush (%0)" ::"r"(a) : "memory");
	__asm__ volatile("sfence" ::: "memory");
}

static u8 cfg_read(u32 bdf, u32 reg, void *ctx)
{
	(void)ctx;
	return (u8)arch_pci_read(bdf, reg, 1);
}

/* Has VTD_TIMEOUT_MS passed since `start`? */
static bool timed_out(u64 start)
{
	return arch_tsc() - start > arch_tsc_khz() * VTD_TIMEOUT_MS;
}

static bool wait_status_bit(const struct unit *u, u32 bit, bool set)
{
	u64 start = arch_tsc();

	while (((rd32(u, VTD_REG_GSTS) & bit) != 0) != set)
		if (timed_out(start))
			return false;
	return true;
}

/* A global command: the persistent bits as they are, plus or minus `bit` (§10.4.4). */
static bool command(const struct unit *u, u32 bit, bool on)
{
	u32 status = rd32(u, VTD_REG_GSTS) & VTD_GCMD_KEEP;

	wr32(u, VTD_REG_GCMD, on ? status | bit : status & ~bit);
	if (wait_status_bit(u, bit, on))
		return true;
	log_err("iommu: unit at 0x%llx: command 0x%x did not complete\n",
		(unsigned long long)u->base, bit);
	return false;
}

static void submit(struct unit *u, u64 lo, u64 hi)
{
	u64 *d = table(u->queue) + 2 * u->tail;

	d[0] = lo;
	d[1] = hi;
	flush(d, 16);
	u->tail = (u->tail + 1) % VTD_IQ_ENTRIES;
	wr64(u, VTD_REG_IQT, (u64)u->tail << VTD_IQT_SHIFT);
}

/* Queue a wait descriptor and spin until the unit has done everything before it. */
static bool drain(struct unit *u)
{
	u64 start = arch_tsc();

	u32 seq = ++wait_seq;

	submit(u, VTD_INV_WAIT | VTD_INV_WAIT_SW | VTD_INV_WAIT_FN | VTD_INV_WAIT_DATA(seq),
	       (u64)(uintptr_t)&wait_status);
	while (__atomic_load_n(&wait_status, __ATOMIC_ACQUIRE) != seq) {
		if ((rd32(u, VTD_REG_FSTS) & VTD_FSTS_IQE) || timed_out(start)) {
			log_err("iommu: unit at 0x%llx: invalidation queue stuck (fault status "
				"0x%x)\n",
				(unsigned long long)u->base, rd32(u, VTD_REG_FSTS));
			return false;
		}
		arch_cpu_relax();
	}
	return true;
}

static bool invalidate_all(struct unit *u)
{
	submit(u, VTD_INV_CC | VTD_INV_GLOBAL, 0);
	submit(u, VTD_INV_IOTLB | VTD_INV_GLOBAL | VTD_INV_IOTLB_DR | VTD_INV_IOTLB_DW, 0);
	if (ir_wanted)
		submit(u, VTD_INV_IEC, 0); /* global */
	return drain(u);
}

/* ---- probe ---------------------------------------------------------------------------- */

/* Where a unit is: only registers Bulkhead's identity map reaches are read at all. */
static const char *place_problem(const struct dmar_unit *d)
{
	if (d->segment != 0)
		return "PCI segment other than 0";
	if (d->base + (u64)d->pages * PAGE_SIZE > 4 * GiB)
		return "registers above 4 GiB";
	return NULL;
}

/* What it can do: Bulkhead needs queued invalidation and a 3- or 4-level walk. */
static const char *unit_problem(u64 cap, u64 ecap)
{
	if (!(ecap & VTD_ECAP_QI))
		return "no queued invalidation";
	if (!(VTD_CAP_SAGAW(cap) & (VTD_SAGAW_3LEVEL | VTD_SAGAW_4LEVEL)))
		return "neither a 3- nor a 4-level walk";
	return NULL;
}

static bool take_unit(const struct dmar_unit *d, char *why, size_t why_size)
{
	struct unit *u = &units[unit_count];
	const char *problem;

	u->base = d->base;
	problem = place_problem(d);
	if (!problem) {
		arch_mmio_uncached(d->base, (u64)d->pages * PAGE_SIZE);
		u->cap = rd64(u, VTD_REG_CAP);
		u->ecap = rd64(u, VTD_REG_ECAP);
		problem = unit_problem(u->cap, u->ecap);
	}
	if (problem) {
		format(why, why_size, "unit at 0x%llx: %s", (unsigned long long)d->base, problem);
		return false;
	}
	u->fro = VTD_CAP_FRO(u->cap);
	u->nfr = VTD_CAP_NFR(u->cap);
	if (u->fro + 16 * u->nfr > d->pages * PAGE_SIZE) {
		format(why, why_size, "unit at 0x%llx: fault registers past its register pages",
		       (unsigned long long)d->base);
		return false;
	}
	log_info("iommu: unit %u at 0x%llx%s: cap 0x%llx ecap 0x%llx\n", unit_count,
		 (unsigned long long)d->base,
		 (d->flags & DMAR_UNIT_INCLUDE_ALL) ? " (every other device)" : "",
		 (unsigned long long)u->cap, (unsigned long long)u->ecap);
	unit_count++;
	return true;
}

/* What all units can do: the walk length, large pages, snooping, interrupt remapping. */
static void common_caps(void)
{
	u32 sagaw = ~0u, sllps = ~0u;
	bool ir = (dmar.flags & DMAR_FLAG_INTR_REMAP) != 0;

	coherent = true;
	eim = true;
	for (u32 i = 0; i < unit_count; i++) {
		sagaw &= VTD_CAP_SAGAW(units[i].cap);
		sllps &= VTD_CAP_SLLPS(units[i].cap);
		coherent = coherent && (units[i].ecap & VTD_ECAP_C);
		ir = ir && (units[i].ecap & VTD_ECAP_IR);
		eim = eim && (units[i].ecap & VTD_ECAP_EIM);
	}
	four_level = sagaw & VTD_SAGAW_4LEVEL;
	common_walk = sagaw & (VTD_SAGAW_3LEVEL | VTD_SAGAW_4LEVEL);
	sl_format.large_levels = (sllps & 3u) << 1;
	ir_wanted = ir;
	eim = ir && eim;
}

static bool alloc_tables(char *why, size_t why_size)
{
	bool queues = true;

	root_table = paging4_create(pmem_tag_hv(PMEM_IOMMU));
	irt = ir_wanted ? pmem_alloc_aligned(VTD_IRT_PAGES, VTD_IRT_PAGES * PAGE_SIZE, 4 * GiB,
					     pmem_tag_hv(PMEM_IOMMU))
			: 0;
	for (u32 i = 0; i < unit_count; i++) {
		units[i].queue = paging4_create(pmem_tag_hv(PMEM_IOMMU));
		queues = queues && units[i].queue;
	}
	if (!root_table || (ir_wanted && !irt) || !queues) {
		format(why, why_size, "out of memory for its tables");
		return false;
	}
	if (irt)
		memset(table(irt), 0, VTD_IRT_PAGES * PAGE_SIZE);
	return true;
}

static int probe_units(const void *dmar_table, u32 len, char *why, size_t why_size);

/* A refused probe leaves nothing behind: the machine is as without an IOMMU. */
int vtd_probe(const void *dmar_table, u32 len, char *why, size_t why_size)
{
	int err = probe_units(dmar_table, len, why, why_size);

	if (err)
		unit_count = 0;
	return err;
}

static int probe_units(const void *dmar_table, u32 len, char *why, size_t why_size)
{
	if (dmar_parse(dmar_table, len, cfg_read, NULL, &dmar, why, why_size))
		return ERR(E_INVAL);
	if (!dmar.unit_count) {
		format(why, why_size, "the DMAR table lists no remapping unit");
		return ERR(E_NOTFOUND);
	}
	/* A unit or scope not kept could leave a device untranslated, or to the catch-all
	 * unit: driving only part of the IOMMU would be claiming a containment not there. */
	if (dmar.dropped) {
		format(why, why_size,
		       "the DMAR table lists more units or scopes than Bulkhead keeps");
		return ERR(E_RANGE);
	}
	for (u32 i = 0; i < dmar.unit_count; i++)
		if (!take_unit(&dmar.unit[i], why, why_size))
			return ERR(E_NOTSUP);
	common_caps();
	if (!common_walk) {
		format(why, why_size, "the units share no page-walk length");
		return ERR(E_NOTSUP);
	}
	if (ir_wanted && !dmar_ioapic_sid(&dmar, platform_ioapic_acpi_id(), &ioapic_sid) &&
	    arch_ioapic_pins()) {
		format(why, why_size, "no unit lists the I/O APIC (id %u) in its scope",
		       platform_ioapic_acpi_id());
		return ERR(E_NOTFOUND);
	}
	if (!alloc_tables(why, why_size))
		return ERR(E_NOMEM);
	return 0;
}

/* ---- DMA remapping ------------------------------------------------------------------------ */

static u64 domain_table(u32 dom, u32 owner)
{
	if (!dom || dom > VTD_MAX_DOMAINS)
		return 0;
	if (!domain_root[dom])
		domain_root[dom] = paging4_create(pmem_tag(owner, PMEM_IOMMU));
	return domain_root[dom];
}

int arch_iommu_map(u32 dom, u32 owner, u64 gpa, u64 hpa, u64 size, u32 access)
{
	u64 root = domain_table(dom, owner);
	u64 leaf = (access & 1u ? VTD_SL_R : 0) | (access & 2u ? VTD_SL_W : 0);
	u64 limit = four_level ? 1ull << 48 : 1ull << 39;

	if (!root)
		return ERR(E_NOMEM);
	if (!leaf || ((gpa | hpa | size) & (PAGE_SIZE - 1)) || size > limit || gpa > limit - size)
		return ERR(E_RANGE);
	return paging4_map(root, gpa, hpa, size, leaf, &sl_format, pmem_tag(owner, PMEM_IOMMU));
}

bool arch_iommu_translates(u32 dom, u64 iova)
{
	u64 page;

	return dom && dom <= VTD_MAX_DOMAINS && domain_root[dom] &&
	       paging4_leaf(domain_root[dom], iova, &page, &sl_format) != 0;
}

/* Is `bdf` the source-id of an I/O APIC or HPET (their scopes in the DMAR)? A function with
 * it could use their remapping entries. */
static bool sid_reserved(u32 bdf)
{
	for (u32 i = 0; i < dmar.scope_count && i < DMAR_MAX_SCOPES; i++)
		if ((dmar.scope[i].type == DMAR_SCOPE_IOAPIC ||
		     dmar.scope[i].type == DMAR_SCOPE_HPET) &&
		    dmar.scope[i].bdf == bdf)
			return true;
	return false;
}

/* The context entry of `bdf`, its bus's table created if `create`. */
static u64 *context_entry(u32 bdf, bool create)
{
	u64 *root = table(root_table) + 2 * (bdf >> 8);

	if (!(*root & VTD_PRESENT)) {
		u64 t = create ? paging4_create(pmem_tag_hv(PMEM_IOMMU)) : 0;

		if (!t)
			return NULL;
		*root = t | VTD_PRESENT;
		flush(root, 16);
	}
	return table(*root & PAGING4_ADDR_MASK) + 2 * (bdf & 0xff);
}

/* A 3-level walk starts one level down: the 4-level tree's first table (every address a
 * 3-level unit translates, below 2^39, lies under PML4 entry 0). */
static u64 walk_root(u32 dom)
{
	u64 root = domain_root[dom];

	if (four_level)
		return root;
	return table(root)[0] & PAGING4_ADDR_MASK;
}

int arch_iommu_attach(u32 bdf, u32 dom)
{
	u64 *ctx;
	bool ok = true;

	if (dmar_unit_for(&dmar, bdf) < 0)
		return ERR(E_NOTFOUND);
	if (dom && sid_reserved(bdf))
		return ERR(E_INVAL);
	ctx = context_entry(bdf, dom != 0);
	if (!ctx)
		return dom ? ERR(E_NOMEM) : 0;
	if (!dom || !domain_root[dom] || !walk_root(dom)) {
		ctx[0] = 0;
		ctx[1] = 0;
	} else {
		ctx[1] = (four_level ? VTD_CTX_AW_4LEVEL : VTD_CTX_AW_3LEVEL) | VTD_CTX_DID(dom);
		ctx[0] = walk_root(dom) | VTD_PRESENT;
	}
	flush(ctx, 16);
	/* once remapping is on, the units may hold the old entry and its translations */
	spin_lock(&lock);
	for (u32 i = 0; queues_on && i < unit_count; i++)
		ok = invalidate_all(&units[i]) && ok;
	spin_unlock(&lock);
	return ok ? 0 : ERR(E_TIMEOUT);
}

/* ---- interrupt remapping ------------------------------------------------------------------ */

bool arch_iommu_remaps_interrupts(void)
{
	return ir_on;
}

static u64 irte_dest(u32 apic_id)
{
	return VTD_IRTE_DST(eim ? apic_id : (apic_id & 0xffu) << 8);
}

int arch_iommu_irte(u32 index, const struct arch_irte *e)
{
	volatile u64 *slot;
	u64 lo, hi;
	bool ok = true;

	if (!irt || index >= VTD_IRT_ENTRIES)
		return ERR(E_RANGE);
	if (e && !eim && e->apic_id > 0xfe)
		return ERR(E_RANGE);
	slot = (volatile u64 *)table(irt) + 2 * index;
	lo = e ? VTD_IRTE_P | VTD_IRTE_VECTOR(e->vector) | irte_dest(e->apic_id) |
		     (e->level ? VTD_IRTE_TM_LEVEL : 0) | (e->lowest ? VTD_IRTE_DLM_LOWEST : 0)
	       : 0;
	hi = e ? VTD_IRTE_SID(e->sid) | VTD_IRTE_SVT_SID : 0;
	spin_lock(&lock);
	if (slot[0] == lo && (!e || slot[1] == hi)) {
		spin_unlock(&lock); /* unchanged (a mask or unmask): nothing to invalidate */
		return 0;
	}
	/* A present entry changes in one 64-bit store (its source-id half stays: one entry,
	 * one requester), so no interrupt finds it half written or absent (§9.10). Else the
	 * present bit goes off first and on last. */
	if (!(e && (slot[0] & VTD_IRTE_P) && slot[1] == hi)) {
		slot[0] = 0;
		flush((const void *)slot, 16);
		slot[1] = hi;
	}
	slot[0] = lo;
	flush((const void *)slot, 16);
	for (u32 i = 0; queues_on && i < unit_count; i++) {
		submit(&units[i], VTD_INV_IEC | VTD_INV_IEC_INDEX | VTD_INV_IEC_IIDX(index), 0);
		ok = drain(&units[i]) && ok;
	}
	spin_unlock(&lock);
	return ok ? 0 : ERR(E_TIMEOUT);
}

void arch_iommu_msi_message(u32 index, bool subhandle, u32 *addr_lo, u32 *data)
{
	*addr_lo =
	    0xfee00000u | VTD_MSI_HANDLE(index) | VTD_MSI_REMAP | (subhandle ? VTD_MSI_SHV : 0);
	*data = 0;
}

u64 vtd_ioapic_rte(u32 pin, u64 rte)
{
	struct arch_irte e = {
	    .sid = ioapic_sid,
	    .apic_id = (u32)(rte >> 56),
	    .vector = (u8)rte,
	    .level = (rte >> 15) & 1u,
	    .lowest = ((rte >> 8) & 7u) == 1u,
	};

	/* A masked pin keeps the entry of its last unmasked (checked) one: what a masked entry
	 * holds is unchecked, and the I/O APIC sends nothing for it anyway. */
	if (!(rte & (1ull << 16)))
		arch_iommu_irte(VTD_IRTE_IOAPIC_FIRST + pin, &e);
	return (rte & (0xffull | 1ull << 13 | 1ull << 15 | 1ull << 16)) | VTD_RTE_REMAP |
	       VTD_RTE_INDEX(VTD_IRTE_IOAPIC_FIRST + pin);
}

bool vtd_ioapic_remapped(void)
{
	return ir_on && arch_ioapic_pins();
}

/* ---- enable ----------------------------------------------------------------------------- */

/* Firmware may have left a queue running: it must be idle before it is turned off (a queue
 * that does not drain within the timeout: the unit is not driven). */
static bool stop_old_queue(const struct unit *u)
{
	u64 start = arch_tsc();

	if (!(rd32(u, VTD_REG_GSTS) & VTD_GCMD_QIE))
		return true;
	while (rd64(u, VTD_REG_IQH) != rd64(u, VTD_REG_IQT)) {
		if (timed_out(start)) {
			log_err("iommu: unit at 0x%llx: firmware's invalidation queue does not "
				"drain\n",
				(unsigned long long)u->base);
			return false;
		}
		arch_cpu_relax();
	}
	return command(u, VTD_GCMD_QIE, false);
}

static bool write_buffer_flush(const struct unit *u)
{
	wr32(u, VTD_REG_GCMD, (rd32(u, VTD_REG_GSTS) & VTD_GCMD_KEEP) | VTD_GCMD_WBF);
	return wait_status_bit(u, VTD_GCMD_WBF, false);
}

static void clear_faults(struct unit *u)
{
	for (u32 i = 0; i < u->nfr; i++)
		wr32(u, u->fro + 16 * i + 12, (u32)(VTD_FRCD_F >> 32));
	wr32(u, VTD_REG_FSTS, VTD_FSTS_W1C);
}

static bool enable_unit(struct unit *u)
{
	if (!stop_old_queue(u))
		return false;
	clear_faults(u);
	wr64(u, VTD_REG_RTADDR, root_table);
	if (!command(u, VTD_GCMD_SRTP, true))
		return false;
	u->tail = 0;
	wr64(u, VTD_REG_IQT, 0);
	wr64(u, VTD_REG_IQA, u->queue | VTD_IQA_QS_4K);
	if (!command(u, VTD_GCMD_QIE, true))
		return false;
	if (ir_wanted) {
		wr64(u, VTD_REG_IRTA, irt | (eim ? VTD_IRTA_EIME : 0) | VTD_IRT_S);
		if (!command(u, VTD_GCMD_SIRTP, true))
			return false;
	}
	/* a unit with write buffers must have them flushed before it walks new tables (§6.8) */
	if ((u->cap & VTD_CAP_RWBF) && !write_buffer_flush(u))
		return false;
	if (!invalidate_all(u) || !command(u, VTD_GCMD_TE, true))
		return false;
	/* compatibility-format interrupts blocked: CFI is never set, and cleared if firmware did */
	if (rd32(u, VTD_REG_GSTS) & VTD_GCMD_CFI)
		command(u, VTD_GCMD_CFI, false);
	return !ir_wanted || command(u, VTD_GCMD_IRE, true);
}

/* A unit that would not come up: the ones before it go back off, so the machine is as
 * without an IOMMU rather than half blocked. */
static void rollback(u32 count)
{
	for (u32 i = 0; i < count; i++) {
		command(&units[i], VTD_GCMD_IRE, false);
		command(&units[i], VTD_GCMD_TE, false);
		stop_old_queue(&units[i]);
	}
}

int arch_iommu_enable(void)
{
	/* A unit that does not snoop reads every table from memory: all of them (domains'
	 * page tables, context tables, the zeroed remapping table) are written back once. */
	if (!coherent)
		__asm__ volatile("wbinvd" ::: "memory");
	for (u32 i = 0; i < unit_count; i++) {
		spin_lock(&lock);
		bool ok = enable_unit(&units[i]);
		spin_unlock(&lock);
		if (!ok) {
			rollback(i + 1);
			return ERR(E_TIMEOUT);
		}
		/* fault events: an MSI to the boot CPU, which then reads the records */
		wr32(&units[i], VTD_REG_FEDATA, IRQ_VECTOR_IOMMU);
		wr32(&units[i], VTD_REG_FEADDR, 0xfee00000u | (arch_cpu_apic_id(0) & 0xffu) << 12);
		/* with 32-bit destinations, the ID's bits 31:8 go in the upper address (§5.1.6) */
		wr32(&units[i], VTD_REG_FEUADDR, eim ? arch_cpu_apic_id(0) & ~0xffu : 0);
		wr32(&units[i], VTD_REG_FECTL, 0);
	}
	queues_on = true;
	ir_on = ir_wanted;
	return 0;
}

/* ---- faults ----------------------------------------------------------------------------- */

static bool unit_fault(struct unit *u, struct arch_iommu_fault *f)
{
	for (u32 n = 0; n < u->nfr; n++) {
		u32 i = (u->next_frcd + n) % u->nfr, at = u->fro + 16 * i;
		u64 hi = rd64(u, at + 8), lo;

		if (!(hi & VTD_FRCD_F))
			continue;
		lo = rd64(u, at);
		f->sid = VTD_FRCD_SID(hi);
		f->reason = VTD_FRCD_REASON(hi);
		f->interrupt = f->reason >= VTD_FR_IR_FIRST && f->reason <= VTD_FR_IR_LAST;
		f->read = !f->interrupt && (hi & VTD_FRCD_READ);
		f->addr = f->interrupt ? VTD_FRCD_IR_INDEX(lo) : lo & ~0xfffull;
		wr32(u, at + 12, (u32)(VTD_FRCD_F >> 32));
		u->next_frcd = (i + 1) % u->nfr;
		return true;
	}
	if (rd32(u, VTD_REG_FSTS) & VTD_FSTS_PFO) {
		wr32(u, VTD_REG_FSTS, VTD_FSTS_PFO);
		log_warn("iommu: unit at 0x%llx: fault records overflowed; some were lost\n",
			 (unsigned long long)u->base);
	}
	return false;
}

/* Units in turn, from the one after the last that had a fault: one unit's storm cannot
 * hide another's faults. */
bool arch_iommu_fault(struct arch_iommu_fault *f)
{
	static u32 next_unit;

	for (u32 n = 0; n < unit_count; n++) {
		u32 i = (next_unit + n) % unit_count;

		if (unit_fault(&units[i], f)) {
			next_unit = (i + 1) % unit_count;
			return true;
		}
	}
	return false;
}

/* ---- what the table says ------------------------------------------------------------------ */

bool arch_iommu_overlaps(u64 base, u64 size)
{
	for (u32 i = 0; i < unit_count; i++) {
		u64 b = units[i].base, e = b + (u64)dmar.unit[i].pages * PAGE_SIZE;

		if (base < e && b < base + size)
			return true;
	}
	return false;
}

u32 arch_iommu_rmrr_count(void)
{
	return dmar.rmrr_count;
}

void arch_iommu_rmrr(u32 i, u64 *base, u64 *end)
{
	*base = i < dmar.rmrr_count ? dmar.rmrr[i].base : 0;
	*end = i < dmar.rmrr_count ? dmar.rmrr[i].limit + 1 : 0;
}

bool arch_iommu_rmrr_names(u32 i, u32 bdf)
{
	return i < dmar.rmrr_count && dmar_rmrr_names(&dmar, i, bdf);
}

u32 arch_iommu_units(void)
{
	return unit_count;
}
