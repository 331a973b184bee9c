/*
 * Hardware check in the hypervisor: caps.c reads the raw CPUID and IA32_VMX_* values on each
 * CPU, hwcheck.c reports them to the log. The decoding and the report's lines are
 * core/lib/hwcheck.c's, shared with tools/hwcheck (host unit-tested).
 */
#ifndef BULKHEAD_ARCH_X86_HWCHECK_H
#define BULKHEAD_ARCH_X86_HWCHECK_H

#include "bulkhead/types.h"
#include "core/lib/hwcheck.h"

/* Read the calling CPU's capabilities (caps.c), turning VMX on in IA32_FEATURE_CONTROL if
 * firmware left it unlocked. */
void caps_read(struct hw_caps *c);

/* Print the hardware table for `n` CPUs (caps[i] read on the CPU whose APIC ID is
 * apic_ids[i]) to the log. Returns true when every required feature is present on every CPU;
 * otherwise writes one line "missing <feature>[ (<hint>)], ..." into `why`. */
bool hwcheck_report(const struct hw_caps *caps, const u32 *apic_ids, u32 n, char *why,
		    size_t why_size);

#endif
