/*
 * Unit tests for core/vioapic.c, a partition's I/O APIC, over a fake machine I/O APIC with 24
 * inputs defined here (its delivery-status and remote-IRR bits read-only, as on the chip).
 * Two partitions: "a" (index 0, CPUs 0 and 1) owns pins 16 and 3, "b" (index 1, CPUs 2 and
 * 3) owns pins 17 and 4; pin 5 is nobody's. Registers and entry bits are spelled out here from
 * the 82093AA data sheet §3, not taken from core/lib/ioapic_regs.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch/x86/arch.h"
#include "core/upcalls.h"
#include "core/vioapic.h"
#include "tests/unit/check.h"

#define REGSEL	  0x00
#define WINDOW	  0x10
#define REDTBL(n) (0x10 + 2 * (n))

#define MASKED	   (1ull << 16)
#define LEVEL	   (1ull << 15)
#define REMOTE_IRR (1ull << 14)
#define LOW_ACTIVE (1ull << 13)
#define BUSY	   (1ull << 12)
#define LOGICAL	   (1ull << 11)
#define LOWEST	   (1ull << 8)
#define DEST(id)   ((u64)(id) << 56)
/* Bits 17-55: reserved in physical mode (bits 55:48 are an extended destination to
 * interrupt remapping, bits 17-47 reserved). */
#define RESERVED 0x00fffffffffe0000ull

#define KEY_PIN(pin) ((0x100ull << 32) | (pin))

#define PINS   24
#define A_PCI  16
#define A_ISA  3
#define B_PCI  17
#define B_ISA  4
#define NOBODY 5

/* ---- the fake machine ------------------------------------------------------------------- */

static u64 hw[PINS];
static u32 hw_writes[PINS];
static u32 bad_pins;

u32 arch_ioapic_pins(void)
{
	return PINS;
}

u32 arch_ioapic_id(void)
{
	return 9;
}

u64 arch_ioapic_read(u32 pin)
{
	if (pin >= PINS) {
		bad_pins++;
		return MASKED;
	}
	return hw[pin];
}

void arch_ioapic_write(u32 pin, u64 rte)
{
	if (pin >= PINS) {
		bad_pins++;
		return;
	}
	hw_writes[pin]++;
	hw[pin] = (rte & ~(BUSY | REMOTE_IRR)) | (hw[pin] & (BUSY | REMOTE_IRR));
}

struct refusal {
	u32 partition;
	u64 key;
	bool fault;
	char what[160];
};

static struct refusal refusals[16];
static u32 nrefusals;

void partition_refused(u32 partition, u64 key, bool fault, const char *what, const char *outcome)
{
	(void)outcome;
	if (nrefusals < 16) {
		refusals[nrefusals].partition = partition;
		refusals[nrefusals].key = key;
		refusals[nrefusals].fault = fault;
		snprintf(refusals[nrefusals].what, sizeof(refusals[0].what), "%s", what);
	}
	nrefusals++;
}

/* Exactly one refusal since the last call, of `partition`, for this key, naming `has`. */
static bool refused_once(u32 partition, u64 key, const char *has)
{
	bool ok = nrefusals == 1 && refusals[0].key == key && refusals[0].partition == partition &&
		  !refusals[0].fault && strstr(refusals[0].what, has);

	if (!ok)
		printf("  refusals: %u, first key 0x%llx \"%s\"\n", nrefusals,
		       nrefusals ? (unsigned long long)refusals[0].key : 0ull,
		       nrefusals ? refusals[0].what : "");
	nrefusals = 0;
	return ok;
}

/* ---- the partitions --------------------------------------------------------------------- */

static struct partition_config cfg_a, cfg_b;
static struct vioapic A, B;

static void row(struct partition_config *c, u32 cpu0, u32 pci_irq, u32 isa_irq)
{
	memset(c, 0, sizeof(*c));
	c->cpus.apic_id[0] = cpu0;
	c->cpus.apic_id[1] = cpu0 + 1;
	c->cpus.count = 2;
	c->devices.d[0] = (struct pt_device){.kind = DEV_PCI, .bdf = pci_irq, .irq = pci_irq};
	c->devices.d[1] = (struct pt_device){
	    .kind = DEV_LEGACY, .ports = {.base = 0x2f8, .count = 8}, .irq = isa_irq};
	c->devices.count = 2;
}

static void setup(void)
{
	for (u32 pin = 0; pin < PINS; pin++)
		hw[pin] = MASKED;
	row(&cfg_a, 0, A_PCI, A_ISA);
	row(&cfg_b, 2, B_PCI, B_ISA);
	vioapic_init(&A, 0, &cfg_a);
	vioapic_init(&B, 1, &cfg_b);
	memset(hw_writes, 0, sizeof(hw_writes));
	nrefusals = bad_pins = 0;
}

static u32 reg_read(struct vioapic *v, u32 reg)
{
	vioapic_write(v, REGSEL, 4, reg);
	return vioapic_read(v, WINDOW, 4);
}

static void reg_write(struct vioapic *v, u32 reg, u32 value)
{
	vioapic_write(v, REGSEL, 4, reg);
	vioapic_write(v, WINDOW, 4, value);
}

/* As Linux's ioapic_write_entry(): high half first, then low. */
static void entry(struct vioapic *v, u32 pin, u64 rte)
{
	reg_write(v, REDTBL(pin) + 1, (u32)(rte >> 32));
	reg_write(v, REDTBL(pin), (u32)rte);
}

/* As Linux changes an unmasked entry: masked first (its low half), then the entry. */
static void entry_remasked(struct vioapic *v, u32 pin, u64 rte)
{
	reg_write(v, REDTBL(pin), (u32)MASKED);
	entry(v, pin, rte);
}

static u64 entry_read(struct vioapic *v, u32 pin)
{
	return (u64)reg_read(v, REDTBL(pin) + 1) << 32 | reg_read(v, REDTBL(pin));
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_id_and_version(void)
{
	setup();
	CHECK_EQ(reg_read(&A, 0x00), 9u << 24);
	CHECK_EQ(reg_read(&A, 0x01), 0x00170011u); /* 24 entries, version 0x11 */
	CHECK_EQ(reg_read(&A, 0x02), 0);
	CHECK_EQ(vioapic_read(&A, REGSEL, 4), 0x02);
	vioapic_write(&A, REGSEL, 4, 0x1234);
	CHECK_EQ(vioapic_read(&A, REGSEL, 4), 0x34);
	/* ID and arbitration writes change nothing */
	reg_write(&A, 0x00, 0x0f000000u);
	reg_write(&A, 0x01, 0);
	CHECK_EQ(reg_read(&A, 0x00), 9u << 24);
	CHECK_EQ(reg_read(&A, 0x01), 0x00170011u);
	/* entries past the last read 0 and are not written */
	CHECK_EQ(reg_read(&A, REDTBL(PINS)), 0);
	reg_write(&A, REDTBL(PINS), 0x41);
	reg_write(&A, 0xff, 0);
	CHECK_EQ(reg_read(&A, REDTBL(PINS)), 0);
	/* IOREGSEL is one per partition */
	vioapic_write(&A, REGSEL, 4, 0x01);
	vioapic_write(&B, REGSEL, 4, 0x00);
	CHECK_EQ(vioapic_read(&A, WINDOW, 4), 0x00170011u);
	for (u32 pin = 0; pin < PINS; pin++)
		CHECK_EQ(hw_writes[pin], 0);
	CHECK_EQ(nrefusals, 0);
	CHECK(vioapic_owns(&A, A_PCI) && vioapic_owns(&A, A_ISA) && !vioapic_owns(&A, B_PCI));
	CHECK(!vioapic_owns(&A, NOBODY) && !vioapic_owns(&A, 0) && !vioapic_owns(&A, 1000));
}

static void test_owned_pin_routed(void)
{
	setup();
	/* PCI: level, active low, fixed, CPU 1 */
	entry(&A, A_PCI, DEST(1) | LEVEL | LOW_ACTIVE | 0x41);
	CHECK_EQ(hw[A_PCI], DEST(1) | LEVEL | LOW_ACTIVE | 0x41);
	CHECK_EQ(entry_read(&A, A_PCI), DEST(1) | LEVEL | LOW_ACTIVE | 0x41);
	/* ISA: edge, lowest priority, CPU 0, vector 0x20: the machine gets fixed delivery (to
	 * one physical destination it is the same), and the partition reads what it got */
	entry(&A, A_ISA, DEST(0) | LOWEST | 0x20);
	CHECK_EQ(hw[A_ISA], DEST(0) | 0x20);
	CHECK_EQ(entry_read(&A, A_ISA), DEST(0) | 0x20);
	/* the other partition's too, with its CPUs */
	entry(&B, B_PCI, DEST(3) | LEVEL | 0xfe);
	CHECK_EQ(hw[B_PCI], DEST(3) | LEVEL | 0xfe);
	CHECK_EQ(nrefusals, 0);
	/* the read-only bits: the chip's, not what was written */
	hw[A_PCI] |= REMOTE_IRR;
	CHECK_EQ(entry_read(&A, A_PCI) & REMOTE_IRR, REMOTE_IRR);
	reg_write(&A, REDTBL(A_PCI), (u32)(LEVEL | LOW_ACTIVE | MASKED | 0x41));
	CHECK_EQ(hw[A_PCI], DEST(1) | LEVEL | LOW_ACTIVE | MASKED | REMOTE_IRR | 0x41);
	reg_write(&A, REDTBL(A_ISA), (u32)(BUSY | REMOTE_IRR | 0x21));
	CHECK_EQ(hw[A_ISA], DEST(0) | 0x21);
	/* every write went to its own pins only */
	for (u32 pin = 0; pin < PINS; pin++)
		if (pin != A_PCI && pin != A_ISA && pin != B_PCI)
			CHECK_EQ(hw_writes[pin], 0);
	CHECK_EQ(nrefusals, 0);
}

static void test_invalid_entries_masked(void)
{
	static const struct {
		u64 rte;
		const char *why;
	} bad[] = {
	    {DEST(2) | 0x41, "not one of its CPUs"},
	    {DEST(4) | 0x41, "not one of its CPUs"},
	    {DEST(0xff) | 0x41, "not one of its CPUs"}, /* broadcast */
	    {DEST(1) | LOGICAL | 0x41, "logical"},
	    {DEST(1) | (2ull << 8) | 0x41, "delivery mode"}, /* SMI */
	    {DEST(1) | (3ull << 8) | 0x41, "delivery mode"},
	    {DEST(1) | (4ull << 8) | 0x02, "delivery mode"}, /* NMI */
	    {DEST(1) | (5ull << 8), "delivery mode"},	     /* INIT */
	    {DEST(1) | (6ull << 8) | 0x41, "delivery mode"},
	    {DEST(1) | (7ull << 8) | 0x41, "delivery mode"}, /* ExtINT */
	    {DEST(1) | 0x1f, "vector below 0x20"},
	    {DEST(1) | LEVEL | 0x00, "vector below 0x20"},
	};

	for (u32 i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		u64 good = DEST(0) | 0x41 | MASKED;

		setup();
		entry(&A, A_PCI, good);
		entry(&A, A_PCI, bad[i].rte);
		if (!refused_once(0, KEY_PIN(A_PCI), bad[i].why)) {
			printf("  case %u: 0x%016llx\n", i, (unsigned long long)bad[i].rte);
			check_failed_in_test = 1;
		}
		CHECK_EQ(hw[A_PCI] & MASKED, MASKED);
		CHECK_EQ(entry_read(&A, A_PCI) & MASKED, MASKED);
		/* the same again: the same key, named once */
		reg_write(&A, REDTBL(A_PCI), (u32)bad[i].rte);
		CHECK(refused_once(0, KEY_PIN(A_PCI), "pin 16"));
		CHECK_EQ(hw[A_PCI] & MASKED, MASKED);
		/* masked, the same entry passes, but the machine gets only its checked fields:
		 * fixed delivery, physical mode */
		entry(&A, A_PCI, bad[i].rte | MASKED);
		CHECK_EQ(nrefusals, 0);
		CHECK_EQ(hw[A_PCI], (bad[i].rte & ~((7ull << 8) | LOGICAL)) | MASKED);
	}
}

/* A level vector may be shared across partitions: first come, first served would let a
 * neighbour take another's vector while its line is masked (a restart) and keep it from its
 * line for good. Every such entry reaches the machine, in any order. */
static void test_level_vector_shared(void)
{
	setup();
	entry(&B, B_PCI, DEST(2) | LEVEL | 0x50);
	CHECK_EQ(hw[B_PCI], DEST(2) | LEVEL | 0x50);
	entry(&A, A_PCI, DEST(0) | LEVEL | LOW_ACTIVE | 0x50);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hw[A_PCI], DEST(0) | LEVEL | LOW_ACTIVE | 0x50);
	CHECK_EQ(hw[B_PCI], DEST(2) | LEVEL | 0x50);
	/* its own two level pins share one, and the other partition's third pin too */
	entry(&A, A_ISA, DEST(1) | LEVEL | 0x50);
	entry(&B, B_ISA, DEST(3) | LEVEL | 0x50);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hw[A_ISA], DEST(1) | LEVEL | 0x50);
	CHECK_EQ(hw[B_ISA], DEST(3) | LEVEL | 0x50);
	/* b masks its line (a restart), a's stays; b unmasks it again: still its own */
	reg_write(&B, REDTBL(B_PCI), (u32)(LEVEL | MASKED | 0x50));
	CHECK_EQ(hw[B_PCI], DEST(2) | LEVEL | MASKED | 0x50);
	reg_write(&B, REDTBL(B_PCI), (u32)(LEVEL | 0x50));
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hw[B_PCI], DEST(2) | LEVEL | 0x50);
	CHECK_EQ(hw[A_PCI], DEST(0) | LEVEL | LOW_ACTIVE | 0x50);
}

/* Destination 0xff is a broadcast in physical mode, every CPU of the machine: refused even
 * to a partition that owns the CPU whose APIC ID is 255. */
static void test_broadcast_refused(void)
{
	setup();
	row(&cfg_a, 0xfe, A_PCI, A_ISA); /* CPUs 254 and 255 */
	vioapic_init(&A, 0, &cfg_a);
	entry(&A, A_PCI, DEST(0xfe) | LEVEL | 0x41);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hw[A_PCI], DEST(0xfe) | LEVEL | 0x41);
	entry_remasked(&A, A_PCI, DEST(0xff) | LEVEL | 0x41);
	CHECK(refused_once(0, KEY_PIN(A_PCI), "not one of its CPUs"));
	CHECK_EQ(hw[A_PCI], DEST(0xff) | LEVEL | MASKED | 0x41);
	/* the low half alone, with 0xff in the high half already: still refused */
	reg_write(&A, REDTBL(A_PCI), 0x42);
	CHECK(refused_once(0, KEY_PIN(A_PCI), "not one of its CPUs"));
	CHECK_EQ(hw[A_PCI] & MASKED, MASKED);
	/* lowest priority to 0xff: refused as well */
	entry(&A, A_ISA, DEST(0xff) | LOWEST | 0x43);
	CHECK(refused_once(0, KEY_PIN(A_ISA), "not one of its CPUs"));
	CHECK_EQ(hw[A_ISA] & MASKED, MASKED);
}

/* The machine's entry is built from the checked fields (vector, polarity, trigger, mask,
 * destination), everything else zero: reserved bits 17-55, logical mode and other delivery
 * modes never reach the hardware, unmasked or masked, whole or by halves. */
static void test_only_checked_fields_reach_machine(void)
{
	static const u64 junk[] = {RESERVED,   1ull << 17, 1ull << 47,
				   1ull << 48, 1ull << 55, 0x00ff000000000000ull};

	setup();
	for (u32 i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		/* valid otherwise, unmasked: routed, without the junk */
		entry(&A, A_PCI, junk[i] | DEST(1) | LEVEL | LOW_ACTIVE | 0x41);
		CHECK_EQ(nrefusals, 0);
		CHECK_EQ(hw[A_PCI], DEST(1) | LEVEL | LOW_ACTIVE | 0x41);
		CHECK_EQ(entry_read(&A, A_PCI), DEST(1) | LEVEL | LOW_ACTIVE | 0x41);
		/* lowest priority, edge */
		entry(&A, A_ISA, junk[i] | DEST(0) | LOWEST | 0x30);
		CHECK_EQ(hw[A_ISA], DEST(0) | 0x30);
	}
	/* masked: not checked, but built all the same (no logical bit, no NMI, no junk) */
	entry_remasked(&A, A_PCI, RESERVED | DEST(0xff) | LOGICAL | (4ull << 8) | MASKED | 0x02);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hw[A_PCI], DEST(0xff) | MASKED | 0x02);
	entry(&A, A_PCI, RESERVED | DEST(3) | LOGICAL | (7ull << 8) | BUSY | REMOTE_IRR | MASKED);
	CHECK_EQ(hw[A_PCI], DEST(3) | MASKED);
	/* refused: masked, built from its fields */
	entry_remasked(&A, A_PCI, RESERVED | DEST(1) | LOGICAL | LEVEL | 0x41);
	CHECK(refused_once(0, KEY_PIN(A_PCI), "logical"));
	CHECK_EQ(hw[A_PCI], DEST(1) | LEVEL | MASKED | 0x41);
	/* the high half alone with reserved bits 32-55 */
	entry_remasked(&A, A_PCI, DEST(1) | 0x41);
	reg_write(&A, REDTBL(A_PCI) + 1, 0x00ffffffu | 0x01000000u);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hw[A_PCI], DEST(1) | 0x41);
	/* the low half alone with reserved bits 17-31 and every mode bit but valid ones */
	reg_write(&A, REDTBL(A_PCI), 0xfffe0000u | (u32)LOWEST | 0x42);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hw[A_PCI], DEST(1) | 0x42);
	CHECK_EQ(bad_pins, 0);
}

static void test_foreign_pins_never_touched(void)
{
	static const u32 pins[] = {B_PCI, B_ISA, NOBODY, 0, 2, PINS - 1};

	setup();
	entry(&B, B_PCI, DEST(2) | 0x60);
	hw_writes[B_PCI] = 0;
	for (u32 i = 0; i < sizeof(pins) / sizeof(pins[0]); i++) {
		u32 pin = pins[i];
		u64 before = hw[pin];

		/* masked: remembered, silent */
		entry(&A, pin, DEST(0) | MASKED | 0x42);
		CHECK_EQ(nrefusals, 0);
		CHECK_EQ(entry_read(&A, pin), DEST(0) | MASKED | 0x42);
		/* unmasked: remembered, named, routed nowhere */
		entry(&A, pin, DEST(0) | 0x42);
		CHECK(refused_once(0, KEY_PIN(pin), "not an input of its devices"));
		CHECK_EQ(entry_read(&A, pin), DEST(0) | 0x42);
		CHECK_EQ(hw[pin], before);
		CHECK_EQ(hw_writes[pin], 0);
	}
	/* b's pin still routes where b put it */
	CHECK_EQ(hw[B_PCI], DEST(2) | 0x60);
	CHECK_EQ(entry_read(&B, B_PCI), DEST(2) | 0x60);
	CHECK_EQ(bad_pins, 0);
}

static void test_half_writes(void)
{
	setup();
	/* low half first, unmasked, while the high half names CPU 0: valid at once */
	reg_write(&A, REDTBL(A_PCI), 0x41);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hw[A_PCI], DEST(0) | 0x41);
	/* the high half alone, to the other partition's CPU: refused, masked, the new
	 * destination kept */
	reg_write(&A, REDTBL(A_PCI) + 1, 0x02000000u);
	CHECK(refused_once(0, KEY_PIN(A_PCI), "not one of its CPUs"));
	CHECK_EQ(hw[A_PCI], DEST(2) | MASKED | 0x41);
	/* back to its own CPU: still masked (the entry is the merged one) */
	reg_write(&A, REDTBL(A_PCI) + 1, 0x01000000u);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(hw[A_PCI], DEST(1) | MASKED | 0x41);
	/* the low half unmasks it */
	reg_write(&A, REDTBL(A_PCI), 0x41);
	CHECK_EQ(hw[A_PCI], DEST(1) | 0x41);
	/* the low half with a bad mode, the high half untouched */
	reg_write(&A, REDTBL(A_PCI), 0x0741);
	CHECK(refused_once(0, KEY_PIN(A_PCI), "delivery mode"));
	CHECK_EQ(hw[A_PCI], DEST(1) | MASKED | 0x41);
}

static void test_other_sizes_ignored(void)
{
	static const u32 sizes[] = {1, 2, 8};

	setup();
	entry(&A, A_PCI, DEST(0) | MASKED | 0x41);
	vioapic_write(&A, REGSEL, 4, REDTBL(A_PCI));
	for (u32 i = 0; i < 3; i++) {
		vioapic_write(&A, WINDOW, sizes[i], 0x41);
		vioapic_write(&A, REGSEL, sizes[i], 0x01);
		CHECK_EQ(vioapic_read(&A, WINDOW, sizes[i]), 0);
		CHECK_EQ(vioapic_read(&A, REGSEL, sizes[i]), 0);
	}
	CHECK_EQ(vioapic_read(&A, REGSEL, 4), REDTBL(A_PCI));
	CHECK_EQ(hw[A_PCI], DEST(0) | MASKED | 0x41);
	/* other offsets: the EOI register is not offered */
	vioapic_write(&A, 0x40, 4, 0x41);
	vioapic_write(&A, 0x20, 4, 0x41);
	CHECK_EQ(vioapic_read(&A, 0x40, 4), 0);
	CHECK_EQ(vioapic_read(&A, 0x04, 4), 0);
	CHECK_EQ(hw[A_PCI], DEST(0) | MASKED | 0x41);
	CHECK_EQ(hw_writes[A_PCI], 2);
	CHECK_EQ(nrefusals, 0);
}

static void test_reset_masks(void)
{
	setup();
	entry(&A, A_PCI, DEST(1) | LEVEL | 0x41);
	entry(&A, A_ISA, DEST(0) | 0x42);
	entry(&A, NOBODY, DEST(0) | MASKED | 0x43);
	entry(&B, B_PCI, DEST(2) | 0x44);
	nrefusals = 0;
	vioapic_reset(&A);
	CHECK_EQ(vioapic_read(&A, REGSEL, 4), 0);
	CHECK_EQ(hw[A_PCI], MASKED);
	CHECK_EQ(hw[A_ISA], MASKED);
	CHECK_EQ(entry_read(&A, A_PCI), MASKED);
	CHECK_EQ(entry_read(&A, NOBODY), MASKED);
	/* the other partition's pin untouched */
	CHECK_EQ(hw[B_PCI], DEST(2) | 0x44);
	CHECK_EQ(nrefusals, 0);
	CHECK_EQ(bad_pins, 0);
}

int main(void)
{
	RUN(test_id_and_version);
	RUN(test_owned_pin_routed);
	RUN(test_invalid_entries_masked);
	RUN(test_level_vector_shared);
	RUN(test_broadcast_refused);
	RUN(test_only_checked_fields_reach_machine);
	RUN(test_foreign_pins_never_touched);
	RUN(test_half_writes);
	RUN(test_other_sizes_ignored);
	RUN(test_reset_masks);
	CHECK_MAIN_END();
}
