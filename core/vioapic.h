/*
 * A partition's virtual I/O APIC (core/vioapic.c): the machine's register interface at
 * GUEST_IOAPIC_GPA, emulated on each access (an EPT violation: accesses are rare, at set-up
 * and when a driver masks a line). The pins its devices name are the machine's own: a
 * redirection entry it writes there is checked and then written to the real I/O APIC, so the
 * device's interrupts go straight to its CPU with no exit. Pins no device of its names may be
 * its virtual ones (vioapic_claim_pin: its channels' INTA, core/vchan.c), whose entries are
 * checked as its own pins' are and kept here; Bulkhead sends what they say. Every other pin is
 * a register that remembers what was written and routes nothing.
 */
#ifndef BULKHEAD_CORE_VIOAPIC_H
#define BULKHEAD_CORE_VIOAPIC_H

#include "bulkhead/ptable.h"
#include "bulkhead/types.h"

struct vioapic {
	u32 partition; /* its index in the table */
	const struct partition_config *cfg;
	u32 regsel;			  /* IOREGSEL: one per partition, as on the chip */
	u32 pins;			  /* inputs it shows: the machine's */
	u64 virt[(PT_MAX_GSI + 63) / 64]; /* pins that are virtual: its channels' */
	u64 owned[(PT_MAX_GSI + 63) / 64];
	u64 rte[PT_MAX_GSI]; /* entries of the pins it does not own, as written */
};

/* At boot: the pins its devices name become its own (`cfg` checked already). */
void vioapic_init(struct vioapic *v, u32 partition, const struct partition_config *cfg);
bool vioapic_owns(const struct vioapic *v, u32 pin);
/* Pins a partition can reach (IOREGSEL is 8 bits), and the first a virtual one may be (below
 * are ISA's). */
#define VIOAPIC_ADDRESSABLE 120u
#define VIOAPIC_FIRST_FREE  16u
/* A pin of its own that no device of it names, from the highest it can reach, to be a virtual
 * input; -1 if none is left. */
int vioapic_claim_pin(struct vioapic *v);
/* Pin `pin`'s entry as the partition sees it (masked past the last). */
u64 vioapic_rte(const struct vioapic *v, u32 pin);
/* A 4-byte access at `offset` in its page; other sizes read 0 and write nothing. */
u32 vioapic_read(struct vioapic *v, u32 offset, u32 size);
void vioapic_write(struct vioapic *v, u32 offset, u32 size, u32 value);
/* Its pins masked on the machine and in its view (a stop, a restart). */
void vioapic_reset(struct vioapic *v);

#endif
