/*
 * Fuzz the ACPI parser (arch/x86/acpi.c). Byte 0 is the length of the RSDP handed to
 * acpi_parse(); the rest of the input is a small physical memory starting at address 0, read
 * only through the acpi_map_fn below, and the RSDP is its first bytes. So the RSDP's RSDT/XSDT
 * addresses, and the root table's entries, point back into the fuzz bytes. The same memory
 * also goes through acpi_parse_at(0) and acpi_find_rsdp() over all of it. What was parsed (CPUs,
 * I/O APICs, interrupt source overrides, NMI sources, MCFG allocations) must stay in bounds and
 * be found again through the lookups.
 */
#include <string.h>

#include "arch/x86/acpi.h"
#include "tests/fuzz/fuzz.h"

struct phys_mem {
	const u8 *base;
	u64 size;
};

/* [phys, phys + len) when it lies wholly inside the memory, else NULL. */
static const void *map(u64 phys, u64 len, void *ctx)
{
	const struct phys_mem *m = ctx;

	if (phys > m->size || len > m->size - phys)
		return NULL;
	return m->base + phys;
}

static struct acpi_info info;

static void check_info(const struct acpi_info *a)
{
	FUZZ_ASSERT(a->table_count <= MAX_ACPI_TABLES);
	FUZZ_ASSERT(a->cpu_count <= MAX_CPUS);
	FUZZ_ASSERT(a->ioapic_count <= MAX_IOAPICS);
	FUZZ_ASSERT(a->iso_count <= ACPI_MAX_ISOS && a->nmi_count <= ACPI_MAX_NMIS);
	FUZZ_ASSERT(a->mcfg_count <= ACPI_MAX_MCFG && (a->has_mcfg || !a->mcfg_count));
	FUZZ_ASSERT(acpi_usable_cpus(a) <= a->cpu_count);
	FUZZ_ASSERT(memchr(a->oem_id, 0, sizeof(a->oem_id)));
	for (u32 i = 0; i < a->table_count; i++)
		FUZZ_ASSERT(memchr(a->tables[i].sig, 0, sizeof(a->tables[i].sig)));
	/* Every kept MCFG allocation is in bus order, ECAM aligned, and found by its own buses. */
	for (u32 i = 0; i < a->mcfg_count; i++) {
		const struct acpi_mcfg *c = &a->mcfg[i];

		FUZZ_ASSERT(c->start_bus <= c->end_bus && !(c->base & 0xfffff));
		FUZZ_ASSERT(c->base + ((u64)(c->end_bus + 1) << 20) - 1 >= c->base);
		FUZZ_ASSERT(acpi_mcfg_for(a, c->segment, c->start_bus));
		FUZZ_ASSERT(acpi_mcfg_for(a, c->segment, c->end_bus));
	}
	for (u32 i = 0; i < a->iso_count; i++) {
		bool level, low;

		FUZZ_ASSERT(acpi_iso_for_gsi(a, a->isos[i].gsi));
		FUZZ_ASSERT(acpi_gsi_wiring(a, a->isos[i].gsi, &level, &low));
	}
	if (a->has_mcfg)
		FUZZ_ASSERT(acpi_find_table(a, "MCFG"));
	if (a->has_madt) {
		const struct acpi_table_ref *madt = acpi_find_table(a, "APIC");

		FUZZ_ASSERT(madt && madt->checksum_ok);
	}
	/* Two usable entries never share an APIC ID. */
	for (u32 i = 0; i < a->cpu_count; i++)
		for (u32 j = 0; j < i; j++)
			FUZZ_ASSERT(!((a->cpus[i].enabled || a->cpus[i].online_capable) &&
				      (a->cpus[j].enabled || a->cpus[j].online_capable) &&
				      a->cpus[i].apic_id == a->cpus[j].apic_id));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct phys_mem m;
	size_t rsdp_len;

	if (size < 1)
		return 0;
	fuzz_begin();
	m.base = data + 1;
	m.size = size - 1;
	rsdp_len = data[0] < m.size ? data[0] : m.size;
	if (acpi_parse(m.base, rsdp_len, map, &m, &info) == 0)
		check_info(&info);
	if (acpi_parse_at(0, map, &m, &info) == 0)
		check_info(&info);
	acpi_find_rsdp(map, &m, 0, m.size);
	/* A range running to 2^64 clamps there; start near the top so the scan stays short. */
	acpi_find_rsdp(map, &m, UINT64_MAX - 16 * m.size, UINT64_MAX);
	return 0;
}
