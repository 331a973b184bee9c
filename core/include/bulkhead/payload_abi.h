/*
 * The contract between Bulkhead and a payload partition's image: how it is entered, what it
 * finds in memory, and the hypercalls it may make. Included by the hypervisor and by the
 * payload SDK (images/sdk), so both sides use one definition. docs/payloads.md explains it.
 *
 * Entry (first CPU): 32-bit protected mode, flat 4 GiB segments, paging off, interrupts off;
 * EIP = the ELF entry (or 1 MiB for a flat image), ESP = 1 MiB, EAX = PAYLOAD_MAGIC,
 * EBX = PAYLOAD_INFO_GPA. The partition's other CPUs wait for INIT-SIPI from the first.
 * Its local APIC is in x2APIC mode; its registers are the partition's own (MSRs 0x800-0x8ff
 * except the ICR, which Bulkhead checks, and IA32_TSC_DEADLINE pass through).
 */
#ifndef BULKHEAD_PAYLOAD_ABI_H
#define BULKHEAD_PAYLOAD_ABI_H

#include <stddef.h>
#include <stdint.h>

#define PAYLOAD_MAGIC	     0x4b4c5542u /* "BULK" in EAX at entry */
#define PAYLOAD_INFO_GPA     0x1000u	 /* struct payload_info */
#define PAYLOAD_LOAD_GPA     0x100000u	 /* flat images are loaded and entered here */
#define PAYLOAD_MAX_CPUS     16
#define PAYLOAD_MAX_SHARED   4
#define PAYLOAD_MAX_CHANNELS 4
#define PAYLOAD_MAX_RAM	     8 /* RAM regions listed: every one a row may have (PT_MAX_REGIONS) */

/* VMCALL with EAX = number; arguments in EBX, ECX; result in EAX (-1: refused). */
#define HYPERCALL_PRINT 1 /* EBX = guest-physical text, ECX = length (<= 200): one line */
#define HYPERCALL_EXIT	2 /* EBX = exit code: the partition stops, its CPUs are parked */
/* EBX = index into payload_info.channels: the other side's CPU takes that side's vector.
 * EAX = 0, or -1: not a channel of this partition (named once), or rung faster than the
 * rate a side may be rung (docs/channels.md; the doorbell is dropped, counted). */
#define HYPERCALL_DOORBELL 3

struct payload_shared {
	uint64_t gpa; /* guest-physical start of a REGION_SHARED region */
	uint64_t size;
};

/* A channel this partition is on (docs/channels.md). */
struct payload_channel {
	char name[32];
	uint64_t gpa; /* its memory, in this partition */
	uint64_t size;
	uint32_t access;  /* bit 0 read, bit 1 write */
	uint32_t vector;  /* what a doorbell from the other side raises here ... */
	uint32_t apic_id; /* ... on this CPU */
	uint32_t reserved;
};

/* A REGION_RAM region of this partition, where the guest sees it. */
struct payload_ram {
	uint64_t gpa;
	uint64_t size;
};

/* Fields are only ever appended: an older payload reads what it knows, and the page is zeroed
 * before Bulkhead fills it, so a payload on an older Bulkhead finds ram_count 0. */
struct payload_info {
	uint32_t magic;			     /* PAYLOAD_MAGIC */
	uint32_t cpu_count;		     /* CPUs of this partition */
	uint32_t apic_ids[PAYLOAD_MAX_CPUS]; /* apic_ids[0] runs the entry */
	uint64_t ram_size;		     /* bytes of the first RAM region */
	char name[32];			     /* the partition's name */
	char cmdline[256];		     /* table command line + words after the module tag */
	uint64_t tsc_khz;		     /* TSC frequency Bulkhead measured */
	uint32_t shared_count;
	uint32_t reserved;
	struct payload_shared shared[PAYLOAD_MAX_SHARED];
	uint32_t channel_count;
	uint32_t reserved2;
	struct payload_channel channels[PAYLOAD_MAX_CHANNELS];
	/* Appended (the structure ended at 712 bytes before): every RAM region, in table
	 * order; ram[0] is the one ram_size describes. */
	uint32_t ram_count;
	uint32_t reserved3;
	struct payload_ram ram[PAYLOAD_MAX_RAM];
};

_Static_assert(sizeof(struct payload_channel) == 64, "payload_channel layout is ABI");
_Static_assert(sizeof(struct payload_ram) == 16, "payload_ram layout is ABI");
_Static_assert(offsetof(struct payload_info, ram_count) == 712,
	       "fields before ram_count are where payloads built before it read them");
_Static_assert(sizeof(struct payload_info) == 848, "payload_info layout is ABI");

#endif
