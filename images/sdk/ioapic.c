/*
 * Bulkhead payload SDK: the I/O APIC (Intel 82093AA I/O APIC data sheet), to route a device's
 * interrupt (a global system interrupt, GSI) to a vector on one of the payload's CPUs.
 *
 * Its registers are reached through a window (data sheet §3.0): write a register's index to
 * IOREGSEL (offset 0x00), then read or write it through IOWIN (offset 0x10), both 32 bits
 * wide. Under Bulkhead the I/O APIC at SDK_IOAPIC_BASE is the partition's virtual one: each
 * access exits to Bulkhead (so they belong to set-up), which lets through only the pins of
 * the partition's own devices and entries aimed at its own CPUs. Bare it is the machine's
 * first I/O APIC, where PCs and emulators put it (GSI base 0).
 */
#include "sdk_internal.h"
#include "core/lib/ioapic_regs.h"

/* Paging-structure bits (SDM Vol. 3A §4.5, tables 4-15 to 4-19). With PWT and PCD both set
 * and PAT clear, a page uses PAT entry 3, which is UC after reset (§12.12.2, §12.12.3). */
#define PTE_PRESENT 0x1ull
#define PTE_PWT	    0x8ull
#define PTE_PCD	    0x10ull
#define PTE_PS	    0x80ull
#define PTE_ADDR    0x000ffffffffff000ull

static volatile uint32_t lock;
static bool mapped;
static unsigned pins; /* redirection entries; 0 until read */

/*
 * start.asm maps the low 4 GiB with 2 MiB pages, all write-back. Make the 2 MiB page that
 * holds the I/O APIC uncached: walk CR3 (the tables are identity-mapped too) to its
 * page-directory entry, set PCD and PWT, and drop the old translation (INVLPG). The page
 * tables are shared by the payload's CPUs; one that read the page before (none in the SDK)
 * would keep its write-back translation until it flushes it.
 */
static void map_uncached(void)
{
	uint64_t va = SDK_IOAPIC_BASE;
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[(va >> 39) & 511] & PTE_ADDR);
	uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[(va >> 30) & 511] & PTE_ADDR);
	uint64_t *pde = &pd[(va >> 21) & 511];

	if ((*pde & (PTE_PRESENT | PTE_PS)) == (PTE_PRESENT | PTE_PS))
		*pde |= PTE_PCD | PTE_PWT;
	__asm__ volatile("invlpg (%0)" ::"r"(va) : "memory");
}

/* One 32-bit register access as a plain MOV with a register operand, the form Bulkhead
 * emulates (a compiler might otherwise store a constant as MOV imm32). */
static void mmio_write(uint32_t offset, uint32_t v)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)(SDK_IOAPIC_BASE + offset);

	__asm__ volatile("movl %1, %0" : "=m"(*p) : "r"(v) : "memory");
}

static uint32_t mmio_read(uint32_t offset)
{
	volatile uint32_t *p = (volatile uint32_t *)(uintptr_t)(SDK_IOAPIC_BASE + offset);
	uint32_t v;

	__asm__ volatile("movl %1, %0" : "=r"(v) : "m"(*p) : "memory");
	return v;
}

static uint32_t reg_read(uint32_t index)
{
	mmio_write(IOAPIC_REGSEL, index);
	return mmio_read(IOAPIC_WINDOW);
}

static void reg_write(uint32_t index, uint32_t v)
{
	mmio_write(IOAPIC_REGSEL, index);
	mmio_write(IOAPIC_WINDOW, v);
}

/* Take the lock with interrupts off: IOREGSEL and IOWIN are one pair for the whole chip. */
static uint64_t ioapic_lock(void)
{
	uint64_t flags = irq_save();

	while (__atomic_exchange_n(&lock, 1, __ATOMIC_ACQUIRE))
		cpu_relax();
	if (!mapped) {
		map_uncached();
		mapped = true;
	}
	if (!pins)
		pins = IOAPIC_VERSION_MAX_ENTRY(reg_read(IOAPIC_REG_VERSION)) + 1;
	return flags;
}

static void ioapic_unlock(uint64_t flags)
{
	__atomic_store_n(&lock, 0, __ATOMIC_RELEASE);
	irq_restore(flags);
}

unsigned sdk_ioapic_pins(void)
{
	uint64_t flags = ioapic_lock();
	unsigned n = pins;

	ioapic_unlock(flags);
	return n;
}

int sdk_ioapic_route(unsigned gsi, unsigned vector, unsigned cpu_index, unsigned flags)
{
	const struct sdk_env *e = &sdk_the_env;
	uint64_t rte, saved;
	uint32_t old;

	if (vector < SDK_VECTOR_FIRST || vector >= SDK_VECTOR_SPURIOUS ||
	    cpu_index >= e->cpu_count || cpu_index >= PAYLOAD_MAX_CPUS)
		return -1;
	if (e->apic_ids[cpu_index] > 0xff) /* physical mode names an 8-bit APIC ID */
		return -1;
	/* Fixed delivery, physical destination (bit 11 clear): that CPU's APIC ID in 63:56. */
	rte = (uint64_t)e->apic_ids[cpu_index] << RTE_DEST_SHIFT | RTE_DELMODE_FIXED |
	      (vector & RTE_VECTOR);
	if (flags & SDK_GSI_LEVEL)
		rte |= RTE_LEVEL;
	if (flags & SDK_GSI_ACTIVE_LOW)
		rte |= RTE_ACTIVE_LOW;
	if (flags & SDK_GSI_MASKED)
		rte |= RTE_MASKED;

	saved = ioapic_lock();
	if (gsi >= pins) {
		ioapic_unlock(saved);
		return -2;
	}
	/* Never let the pin deliver a half-written entry: mask it first if it is not (an entry
	 * is masked after reset, §3.2.4), then write the high half (the destination), then the
	 * low one. */
	old = reg_read(IOAPIC_REDTBL(gsi));
	if (!(old & RTE_MASKED))
		reg_write(IOAPIC_REDTBL(gsi), old | (uint32_t)RTE_MASKED);
	reg_write(IOAPIC_REDTBL(gsi) + 1, (uint32_t)(rte >> 32));
	reg_write(IOAPIC_REDTBL(gsi), (uint32_t)rte);
	ioapic_unlock(saved);
	return 0;
}

/* Set or clear the mask bit of the pin's entry, leaving the rest as it is. */
static int set_mask(unsigned gsi, bool masked)
{
	uint64_t saved = ioapic_lock();
	uint32_t low;

	if (gsi >= pins) {
		ioapic_unlock(saved);
		return -2;
	}
	low = reg_read(IOAPIC_REDTBL(gsi));
	reg_write(IOAPIC_REDTBL(gsi),
		  masked ? low | (uint32_t)RTE_MASKED : low & ~(uint32_t)RTE_MASKED);
	ioapic_unlock(saved);
	return 0;
}

int sdk_ioapic_mask(unsigned gsi)
{
	return set_mask(gsi, true);
}

int sdk_ioapic_unmask(unsigned gsi)
{
	return set_mask(gsi, false);
}
