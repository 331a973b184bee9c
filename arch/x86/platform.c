/* What the firmware says about the machine: ACPI tables and the CPUs the MADT lists. */
#include "arch/x86/acpi.h"
#include "arch/x86/apic.h"
#include "arch/x86/arch.h"
#include "arch/x86/smp.h"
#include "arch/x86/vtd.h"
#include "core/lib/format.h"
#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/mb2.h"

#define BDA_EBDA_SEGMENT 0x40e
#define BIOS_AREA	 0xe0000
#define BIOS_AREA_LEN	 0x20000

u32 platform_cpu_count;
u32 platform_apic_ids[MAX_CPUS];
static struct acpi_info acpi;

/* The low 4 GiB are identity mapped (boot/entry.asm); nothing above is readable yet. */
static const void *map_identity(u64 phys, u64 len, void *ctx)
{
	(void)ctx;
	if (phys == 0 || phys + len < phys || phys + len > 4 * GiB)
		return NULL;
	return (const void *)phys;
}

/* Without a Multiboot2 ACPI tag (BIOS only), look where ACPI §5.2.5.1 says the RSDP is:
 * the first KiB of the EBDA, then 0xE0000-0xFFFFF. */
static u64 scan_for_rsdp(void)
{
	u64 ebda = (u64)(*(const volatile u16 *)BDA_EBDA_SEGMENT) << 4;
	u64 found = 0;

	if (ebda >= 0x80000 && ebda < 0xa0000)
		found = acpi_find_rsdp(map_identity, NULL, ebda, 1024);
	if (!found)
		found = acpi_find_rsdp(map_identity, NULL, BIOS_AREA, BIOS_AREA_LEN);
	return found;
}

static int parse_acpi(const struct mb2_info *mb)
{
	u64 rsdp;

	if (mb->rsdp_len) {
		log_info("acpi: rsdp from multiboot2 tag %u\n", mb->rsdp_tag);
		return acpi_parse(mb->rsdp, mb->rsdp_len, map_identity, NULL, &acpi);
	}
	rsdp = scan_for_rsdp();
	if (!rsdp) {
		log_err("acpi: no RSDP (no multiboot2 ACPI tag, none in the BIOS area)\n");
		return ERR(E_NOTFOUND);
	}
	log_info("acpi: rsdp found at 0x%llx\n", (unsigned long long)rsdp);
	return acpi_parse_at(rsdp, map_identity, NULL, &acpi);
}

static void report_acpi(void)
{
	log_info("acpi: revision %u, oem \"%s\", %s at 0x%llx, %u tables\n", acpi.rsdp_revision,
		 acpi.oem_id, acpi.use_xsdt ? "XSDT" : "RSDT", (unsigned long long)acpi.root_phys,
		 acpi.table_count);
	for (u32 i = 0; i < acpi.table_count; i++)
		log_debug("acpi:   %-4s at 0x%llx len %u %s\n", acpi.tables[i].sig,
			  (unsigned long long)acpi.tables[i].phys, acpi.tables[i].len,
			  acpi.tables[i].checksum_ok ? "ok" : "BAD");
	if (!acpi.has_madt)
		return;
	log_info("acpi: madt: %u cpus listed, %u usable, %u ioapics, local apic at 0x%llx\n",
		 acpi.cpu_count, acpi_usable_cpus(&acpi), acpi.ioapic_count,
		 (unsigned long long)acpi.lapic_addr);
	for (u32 i = 0; i < acpi.ioapic_count; i++)
		log_info("acpi: ioapic id %u at 0x%x, gsi base %u\n", acpi.ioapics[i].id,
			 acpi.ioapics[i].addr, acpi.ioapics[i].gsi_base);
	for (u32 i = 0; i < acpi.iso_count; i++)
		log_info("acpi: override bus %u irq %u -> gsi %u, flags 0x%x\n", acpi.isos[i].bus,
			 acpi.isos[i].source, acpi.isos[i].gsi, acpi.isos[i].flags);
	for (u32 i = 0; i < acpi.nmi_count; i++)
		log_info("acpi: nmi source gsi %u, flags 0x%x\n", acpi.nmis[i].gsi,
			 acpi.nmis[i].flags);
}

/* The ECAM area stays Bulkhead's: say where it is, so a clash with a partition shows. */
static void report_mcfg(void)
{
	for (u32 i = 0; i < acpi.mcfg_count; i++) {
		const struct acpi_mcfg *a = &acpi.mcfg[i];

		log_info("acpi: mcfg segment %u buses %u-%u at 0x%llx-0x%llx\n", a->segment,
			 a->start_bus, a->end_bus,
			 (unsigned long long)(a->base + ((u64)a->start_bus << 20)),
			 (unsigned long long)(a->base + ((u64)(a->end_bus + 1) << 20) - 1));
	}
}

/* The boot CPU is index 0, whatever its place in the MADT; the others follow in MADT order. */
static void list_cpus(void)
{
	u32 bsp = lapic_id();

	platform_apic_ids[0] = bsp;
	platform_cpu_count = 1;
	if (!acpi.has_madt) {
		log_warn("acpi: no usable MADT: only the boot cpu (apic id %u) will run\n", bsp);
		return;
	}
	for (u32 i = 0; i < acpi.cpu_count; i++) {
		const struct acpi_cpu *c = &acpi.cpus[i];

		if (!(c->enabled || c->online_capable) || c->apic_id == bsp)
			continue;
		if (platform_cpu_count == MAX_CPUS) {
			log_warn("acpi: cpu with apic id %u beyond MAX_CPUS (%u), not used\n",
				 c->apic_id, MAX_CPUS);
			continue;
		}
		platform_apic_ids[platform_cpu_count++] = c->apic_id;
	}
}

int arch_platform_init(const struct mb2_info *mb)
{
	int err = parse_acpi(mb);

	if (err == 0) {
		report_acpi();
		report_mcfg();
	}
	list_cpus();
	return err;
}

u32 arch_cpu_count(void)
{
	return platform_cpu_count;
}

u32 arch_cpu_apic_id(u32 index)
{
	return index < platform_cpu_count ? platform_apic_ids[index] : ~0u;
}

/* The MADT's ID of that I/O APIC (8 bits; its register holds only 4): what the DMAR's
 * scopes name it by. */
u32 platform_ioapic_acpi_id(void)
{
	return acpi.ioapic_count ? acpi.ioapics[0].id : 0;
}

bool platform_ioapic(u64 *base, u32 *gsi_base)
{
	if (!acpi.ioapic_count)
		return false;
	*base = acpi.ioapics[0].addr;
	*gsi_base = acpi.ioapics[0].gsi_base;
	return true;
}

bool platform_gsi_wiring(u32 gsi, bool *level, bool *active_low)
{
	return acpi_gsi_wiring(&acpi, gsi, level, active_low);
}

bool platform_reset_register(struct acpi_reset *out)
{
	const struct acpi_table_ref *fadt = acpi_find_table(&acpi, "FACP");
	const void *t = fadt ? map_identity(fadt->phys, fadt->len, NULL) : NULL;

	return t && acpi_fadt_reset(t, fadt->len, out);
}

u32 platform_isos(const struct acpi_iso **isos)
{
	*isos = acpi.isos;
	return acpi.iso_count;
}

const struct acpi_mcfg *platform_mcfg(u16 segment, u8 bus)
{
	return acpi_mcfg_for(&acpi, segment, bus);
}

/* The IOMMU is what the DMAR table (VT-d spec §8.1) describes: none without one. */
bool arch_iommu_probe(char *why, size_t why_size)
{
	const struct acpi_table_ref *t = acpi_find_table(&acpi, "DMAR");

	if (!t || !t->checksum_ok) {
		format(why, why_size, "no ACPI DMAR table");
		return false;
	}
	return vtd_probe((const void *)t->phys, t->len, why, why_size) == 0;
}
