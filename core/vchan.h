/*
 * A Linux partition's channels as PCI functions (core/vchan.c; the device is described in
 * bulkhead/channel_pci.h and docs/channels.md): each channel it is on appears in its
 * configuration space as an ivshmem-like function whose BAR2 is the channel's memory (mapped
 * by its REGION_SHARED region: no exit), whose BAR0 holds four registers (emulated: each access
 * exits) and whose INTA is an input of its virtual I/O APIC that no device of the machine has.
 *
 * A doorbell from the other side (its CPU, at any moment) sets the function's interrupt
 * status; while status, IntrMask bit 0 and the pin are all on (Interrupt Disable clear, the
 * I/O APIC entry unmasked and checked), INTA is asserted, and each time it becomes asserted
 * Bulkhead sends the entry's vector to the entry's CPU: nothing crosses but that interrupt.
 * The other side's CPU touches only `status` (an atomic OR) and reads `deliver` (one atomic
 * word), so it never waits on this partition's locks; everything else is changed by the
 * partition's own CPUs under its dev_lock.
 */
#ifndef BULKHEAD_CORE_VCHAN_H
#define BULKHEAD_CORE_VCHAN_H

#include "bulkhead/payload_abi.h"
#include "bulkhead/ptable.h"
#include "bulkhead/types.h"

struct vioapic;

#define VCHAN_MAX PAYLOAD_MAX_CHANNELS /* ptcheck: at most this many channels a partition */

struct vchan_fn {
	u32 channel;	      /* the table's channels[] index */
	u32 side;	      /* its end of it */
	u32 bdf;	      /* PT_BDF(0, dev, 0) */
	u64 regs;	      /* BAR0: CHANNEL_REGS_GPA(its number) */
	u64 mem, mem_size;    /* BAR2: its REGION_SHARED region's guest address, the size */
	bool writable;	      /* its end is MEM_RW */
	u32 pin;	      /* its INTA's input of the virtual I/O APIC */
	u16 command;	      /* memory decoding, bus master, Interrupt Disable, as written */
	u8 sizing;	      /* bit per BAR register: all-ones written */
	u8 line;	      /* the interrupt line register: scratch for its driver */
	u32 mask;	      /* IntrMask */
	volatile u32 status;  /* IntrStatus: bit 0, set by the other side */
	volatile u64 deliver; /* VCHAN_DELIVER | apic id << 8 | vector while INTA may reach a CPU */
};
#define VCHAN_DELIVER (1ull << 63)

struct vchan {
	u32 partition;
	u32 count;
	struct vchan_fn fn[VCHAN_MAX];
	const struct vioapic *ioapic;
};

/* Boot: the channels of partition `partition` (a Linux one; others get none), in table order,
 * their INTA on inputs of `ioapic` no device of it uses (vioapic_claim_pin), their device
 * numbers the first from CHANNEL_PCI_FIRST_DEV not taken by its own functions on bus 0. 0, or
 * E_* with `why`. */
int vchan_init(struct vchan *v, u32 partition, const struct partition_config *c,
	       struct vioapic *ioapic, char *why, size_t why_size);
/* Is `bdf` one of its channel functions? */
bool vchan_claims(const struct vchan *v, u32 bdf);
/* Configuration space of that function: the dword at `reg` (aligned), and a write of `size`
 * bytes at `reg`. */
u32 vchan_config_read(const struct vchan *v, u32 bdf, u32 reg);
void vchan_config_write(struct vchan *v, u32 bdf, u32 reg, u32 size, u32 value);
/* Its register pages (BAR0s). */
bool vchan_mmio_claims(const struct vchan *v, u64 gpa);
u64 vchan_mmio_read(struct vchan *v, u64 gpa, u32 size);
void vchan_mmio_write(struct vchan *v, u64 gpa, u32 size, u64 value);
/* Its I/O APIC entries may have changed: where each INTA goes, again. */
void vchan_update(struct vchan *v);
/* The other side of table channel `channel` rang (on that side's CPU). */
void vchan_ring(struct vchan *v, u32 channel);
/* A start or a stop: every function as after reset (nothing pending, INTA masked). */
void vchan_reset(struct vchan *v);

#endif
