/*
 * The boot option `iommu-test=<bus:dev.fn>`: once the IOMMU is up (before the VMX verdict, so
 * it runs on a machine or emulator without VMX), make the named device, a QEMU "edu" test
 * device a partition owns, do DMA and raise interrupts on purpose, and show on COM1 what got
 * through and what was blocked. For the test suite (tests/emu/iommu.sh); see docs/iommu.md.
 */
#include "core/iommu_selftest.h"
#include "arch/x86/arch.h"
#include "core/devices.h"
#include "core/iommu.h"
#include "core/lib/edu.h"
#include "core/lib/format.h"
#include "core/lib/msi.h"
#include "core/lib/pci_regs.h"
#include "core/lib/string.h"
#include "core/log.h"
#include "core/vpci.h"

#define TEST_VECTOR 0xe0u /* nothing else uses it on the boot CPU */
#define TEST_BYTES  64u
#define TEST_IRTE   (IOMMU_IRTE_DEVICES - 1u) /* below the devices', above the I/O APIC's */

/* Bulkhead's own memory, for a DMA that must not reach it. */
static u8 own_page[4096] __attribute__((aligned(4096)));

static u32 passed, failed;
static u64 bar; /* the device's registers */

static void verdict(bool ok, const char *what, const char *detail)
{
	if (ok)
		passed++;
	else
		failed++;
	log_info("iommu-test: %s: %s%s\n", what, ok ? "" : "FAILED: ", detail);
}

/* Up to two hex digits, then `end`; *s moves past it. */
static bool hex_field(const char **s, char end, u32 *out)
{
	u32 v = 0, n = 0;

	for (; **s && **s != end && n < 3; (*s)++, n++) {
		char ch = **s;

		if (ch >= '0' && ch <= '9')
			v = v * 16 + (u32)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			v = v * 16 + (u32)(ch - 'a' + 10);
		else
			return false;
	}
	if (n == 0 || n > 2 || **s != end)
		return false;
	if (end)
		(*s)++;
	*out = v;
	return true;
}

static bool parse_bdf(const char *s, u32 *bdf)
{
	u32 b, d, f;

	if (!hex_field(&s, ':', &b) || !hex_field(&s, '.', &d) || !hex_field(&s, '\0', &f))
		return false;
	if (d > 31 || f > 7)
		return false;
	*bdf = PT_BDF(b, d, f);
	return true;
}

static const struct pt_region *first_ram(const struct partition_config *c)
{
	for (u32 r = 0; r < c->mem.count && r < PT_MAX_REGIONS; r++)
		if (c->mem.r[r].kind == REGION_RAM && c->mem.r[r].size >= 3 * 4096)
			return &c->mem.r[r];
	return NULL;
}

/* Bulkhead reads and writes what it checks through its identity map of the low 4 GiB. */
static bool low(const struct pt_region *r)
{
	return r->phys + r->size <= 4ull << 30;
}

/* One transfer of the edu's DMA engine; false if it did not finish within 1 s. */
static bool edu_dma(u64 src, u64 dst, u32 count, u32 cmd)
{
	u64 start = arch_tsc();

	arch_mmio_write(bar + EDU_DMA_SRC, 4, (u32)src);
	arch_mmio_write(bar + EDU_DMA_DST, 4, (u32)dst);
	arch_mmio_write(bar + EDU_DMA_COUNT, 4, count);
	arch_mmio_write(bar + EDU_DMA_CMD, 4, cmd | EDU_DMA_START);
	while (arch_mmio_read(bar + EDU_DMA_CMD, 4) & EDU_DMA_START)
		if (arch_tsc() - start > arch_tsc_khz() * 1000)
			return false;
	return true;
}

static void test_own_ram(const struct pt_region *r)
{
	u8 *src = (u8 *)(r->phys + 0x1000), *dst = (u8 *)(r->phys + 0x2000);
	char detail[128];
	u32 n;

	for (u32 i = 0; i < TEST_BYTES; i++) {
		src[i] = (u8)(0xa5 ^ i);
		dst[i] = 0;
	}
	bool done = edu_dma(r->guest + 0x1000, EDU_BUFFER, TEST_BYTES, 0) &&
		    edu_dma(EDU_BUFFER, r->guest + 0x2000, TEST_BYTES, EDU_DMA_TO_RAM);
	n = iommu_poll(NULL);
	format(detail, sizeof(detail),
	       "read at 0x%llx and written at 0x%llx (host 0x%llx), %u faults, %s",
	       (unsigned long long)r->guest + 0x1000, (unsigned long long)r->guest + 0x2000,
	       (unsigned long long)r->phys + 0x2000, n,
	       done && !memcmp(src, dst, TEST_BYTES) ? "the bytes arrived" : "the bytes differ");
	verdict(done && n == 0 && !memcmp(src, dst, TEST_BYTES), "dma into its own partition's ram",
		detail);
}

/* A DMA write to `target` (host-physical, not in the device's domain) must leave it as it
 * was and be recorded as a fault at that page. */
static void test_blocked_write(const char *what, u64 target)
{
	u8 *p = (u8 *)target;
	struct arch_iommu_fault f = {0};
	char detail[128];
	bool same = true;
	u32 n;

	memset(p, 0x5a, TEST_BYTES);
	edu_dma(EDU_BUFFER, target, TEST_BYTES, EDU_DMA_TO_RAM);
	for (u32 i = 0; i < TEST_BYTES; i++)
		same = same && p[i] == 0x5a;
	n = iommu_poll(&f);
	format(detail, sizeof(detail), "0x%llx %s, %u fault%s (last: %s at 0x%llx)",
	       (unsigned long long)target, same ? "unchanged" : "CHANGED", n, n == 1 ? "" : "s",
	       f.interrupt ? "interrupt"
	       : f.read	   ? "dma read"
			   : "dma write",
	       (unsigned long long)f.addr);
	verdict(same && n >= 1 && !f.interrupt && !f.read && f.addr == (target & ~0xfffull), what,
		detail);
}

static void test_blocked_read(const char *what, u64 target)
{
	struct arch_iommu_fault f = {0};
	char detail[128];
	u32 n;

	edu_dma(target, EDU_BUFFER, TEST_BYTES, 0);
	n = iommu_poll(&f);
	format(detail, sizeof(detail), "0x%llx: %u fault%s (last: %s at 0x%llx)",
	       (unsigned long long)target, n, n == 1 ? "" : "s",
	       f.interrupt ? "interrupt"
	       : f.read	   ? "dma read"
			   : "dma write",
	       (unsigned long long)f.addr);
	verdict(n >= 1 && !f.interrupt && f.read && f.addr == (target & ~0xfffull), what, detail);
}

/* The edu raises its interrupt (an MSI now); did TEST_VECTOR reach the boot CPU? */
static bool raise_reaches_boot_cpu(void)
{
	u32 before = arch_irq_count(TEST_VECTOR);

	arch_mmio_write(bar + EDU_IRQ_RAISE, 4, 1);
	arch_irq_window(20);
	arch_mmio_write(bar + EDU_IRQ_ACK, 4, 1);
	return arch_irq_count(TEST_VECTOR) != before;
}

/* Control: an entry of Bulkhead's own, from this device to the boot CPU, written straight
 * into the device: the path works, so what is blocked next is blocked by its entry. */
static void test_msi_own_entry(u32 bdf, u8 cap)
{
	struct arch_irte e = {
	    .sid = (u16)bdf, .apic_id = arch_cpu_apic_id(0), .vector = TEST_VECTOR};
	u32 lo, data;

	arch_iommu_irte(TEST_IRTE, &e);
	arch_iommu_msi_message(TEST_IRTE, false, &lo, &data);
	arch_pci_write(bdf, cap + PCI_MSI_ADDR_LO, 4, lo);
	arch_pci_write(bdf, cap + PCI_MSI_ADDR_HI, 4, 0);
	arch_pci_write(bdf, cap + PCI_MSI_DATA_64, 2, data);
	arch_pci_write(bdf, cap + PCI_MSI_CONTROL, 2, PCI_MSI_CTL_ENABLE);
	verdict(raise_reaches_boot_cpu(), "msi through a remapping entry for it, to the boot cpu",
		"delivered");
	arch_iommu_irte(TEST_IRTE, NULL);
}

static void config_write(struct vpci *v, u32 bdf, u32 reg, u32 size, u32 value)
{
	vpci_port_write(v, PCI_CONFIG_ADDRESS, 4, 0x80000000u | bdf << 8 | (reg & 0xfcu));
	vpci_port_write(v, PCI_CONFIG_DATA + (reg & 3u), size, value);
}

/* The partition programs its device's MSI, as its driver would, through its configuration
 * space (core/vpci.c): aimed at a CPU not its own, the IOMMU gets no usable entry for it. */
static void test_msi_foreign(u32 partition, const struct vpci_fn *f)
{
	static struct vpci v;
	char detail[96];
	u32 foreign = arch_cpu_apic_id(0), bdf = f->bdf;

	vpci_init(&v, partition, &partition_table.parts.p[partition]);
	vpci_add(&v, f);
	config_write(&v, bdf, PCI_COMMAND, 2,
		     PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER | PCI_CMD_INTX_DISABLE);
	config_write(&v, bdf, f->msi + PCI_MSI_ADDR_LO, 4, MSI_ADDR_BASE | foreign << 12);
	config_write(&v, bdf, f->msi + PCI_MSI_ADDR_HI, 4, 0);
	config_write(&v, bdf, f->msi + PCI_MSI_DATA_64, 2, TEST_VECTOR);
	config_write(&v, bdf, f->msi + PCI_MSI_CONTROL, 2, PCI_MSI_CTL_ENABLE);
	bool delivered = raise_reaches_boot_cpu();

	format(detail, sizeof(detail), "apic %u, vector 0x%x: %s", foreign, TEST_VECTOR,
	       delivered ? "DELIVERED" : "not delivered");
	verdict(!delivered, "msi its partition aimed at a cpu not its own", detail);
}

/* What the boot checks would say of the owner, whose RAM is not at guest = host: with the
 * IOMMU up, nothing (the identity rule is lifted). */
static void test_identity_lifted(u32 owner)
{
	char why[288] = "accepted";
	int err = devices_check_dma(&partition_table.parts.p[owner], owner, why, sizeof(why));

	verdict(err == 0, "its partition's bus-master device with ram not at guest = host", why);
}

void iommu_selftest(const char *arg)
{
	static struct vpci_fn f;
	const struct pt_device *d;
	const struct partition_config *c, *other = NULL;
	u32 bdf, owner = 0, slot = 0;
	char why[96];

	log_info("iommu-test: device %s\n", arg);
	if (!parse_bdf(arg, &bdf) || !iommu_owner(bdf, &owner, &slot)) {
		log_err("iommu-test: %s: want bus:dev.fn of a PCI function a partition owns\n",
			arg);
		return;
	}
	if (!iommu_active()) {
		log_err("iommu-test: no iommu is up: nothing to test\n");
		return;
	}
	c = &partition_table.parts.p[owner];
	d = &c->devices.d[slot];
	if (arch_pci_read(bdf, 0, 4) != EDU_VENDOR_DEVICE || d->bar[0].kind != BAR_MEM) {
		log_err("iommu-test: %s is not QEMU's edu device (id 0x%08x)\n", arg,
			arch_pci_read(bdf, 0, 4));
		return;
	}
	/* as the partition's boot check would find it: its BARs, its MSI capability */
	if (vpci_probe(&f, d, why, sizeof(why))) {
		log_err("iommu-test: %s: %s\n", arg, why);
		return;
	}
	for (u32 i = 0; i < partition_table.parts.count && i < PT_MAX_PARTITIONS; i++)
		if (i != owner && first_ram(&partition_table.parts.p[i]))
			other = &partition_table.parts.p[i];
	bar = d->bar[0].base;
	arch_mmio_uncached(bar, d->bar[0].size);
	arch_pci_write(bdf, PCI_COMMAND, 2, PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER);
	if (!first_ram(c) || !other || !low(first_ram(c)) || !low(first_ram(other)) ||
	    arch_mmio_read(bar + EDU_IDENT, 4) != EDU_IDENT_VALUE) {
		log_err("iommu-test: needs RAM below 4 GiB in its partition and another's, and edu "
			"registers\n");
		return;
	}
	log_info("iommu-test: owned by partition %s; %s is another partition\n", c->name,
		 other->name);
	test_own_ram(first_ram(c));
	if (iommu_reaches(owner, first_ram(other)->phys))
		verdict(false, "dma into another partition's ram",
			"its host address is one the device's domain maps: use another layout");
	else
		test_blocked_write("dma into another partition's ram", first_ram(other)->phys);
	test_blocked_write("dma into bulkhead", (u64)(uintptr_t)own_page);
	test_blocked_read("dma read of bulkhead", arch_image_start());
	if (arch_iommu_remaps_interrupts() && f.msi) {
		test_msi_own_entry(bdf, f.msi);
		test_msi_foreign(owner, &f);
	} else {
		verdict(false, "interrupt remapping", "not on, or the device has no MSI");
	}
	test_identity_lifted(owner);
	/* The device as the partition's start expects it: quiet; its faults not yet named. */
	if (f.msi)
		arch_pci_write(bdf, f.msi + PCI_MSI_CONTROL, 2, 0);
	arch_pci_write(bdf, PCI_COMMAND, 2, PCI_CMD_INTX_DISABLE);
	iommu_forget_reports();
	log_info("iommu-test: %u passed, %u failed\n", passed, failed);
}
