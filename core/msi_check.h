/*
 * What a partition's device may be told to send as an interrupt message (core/msi_check.c):
 * the one rule for MSI (core/vpci.c) and MSI-X (core/vmsix.c) alike; and whether an APIC ID
 * is one of the row's CPUs, which its I/O APIC entries and IPIs are held to as well.
 */
#ifndef BULKHEAD_CORE_MSI_CHECK_H
#define BULKHEAD_CORE_MSI_CHECK_H

#include "bulkhead/ptable.h"
#include "bulkhead/types.h"

/* Vectors 0-31 are the CPU's exceptions; 0-15 are illegal in an APIC message. */
#define MSI_VECTOR_MIN 0x20u

/* Is `apic_id` one of the row's CPUs? */
bool cfg_owns_cpu(const struct partition_config *c, u32 apic_id);
/* What is wrong with the message (address, data) for the row, `count` messages enabled (a
 * power of two: the device puts the message number in the vector's low bits); NULL if it is a
 * plain interrupt to one of the row's CPUs. */
const char *msi_problem(const struct partition_config *c, u32 addr_lo, u32 addr_hi, u32 data,
			u32 count);

#endif
