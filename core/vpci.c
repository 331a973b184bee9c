/* A partition's PCI configuration space: see vpci.h. Register layout: PCI Local Bus 3.0 ch. 6
 * (header §6.2, BARs §6.2.5.1, capabilities §6.7, MSI §6.8.1). */
#include "core/vpci.h"
#include "core/iommu.h"
#include "arch/x86/arch.h"
#include "core/denied.h"
#include "core/error.h"
#include "core/lib/format.h"
#include "core/lib/msi.h"
#include "core/lib/pci_regs.h"
#include "core/lib/string.h"
#include "core/msi_check.h"
#include "core/upcalls.h"
#include "core/vmsix.h"

#define HOST_BRIDGE 0 /* 00:00.0 */
/* Command bits a partition may set: decoding, bus mastering (see DEV_NO_DMA), MWI, parity and
 * SERR reporting, INTx disable. The rest are reserved or hardwired. */
#define CMD_ALLOWED                                                                                \
	(PCI_CMD_IO | PCI_CMD_MEMORY | PCI_CMD_BUS_MASTER | PCI_CMD_MWI | PCI_CMD_PARITY |         \
	 PCI_CMD_SERR | PCI_CMD_INTX_DISABLE)

static u32 bytes_mask(u32 size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

/* ------------------------------------------------------------------------------------------ */
/* Boot: probing a function                                                                   */

static const char *bar_kind_name(u32 kind)
{
	return kind == BAR_MEM ? "mem" : kind == BAR_IO ? "io" : "none";
}

/* Size a BAR register as the specification says (§6.2.5.1): all-ones in, the mask out. */
static u32 size_register(u32 bdf, u32 reg, u32 raw)
{
	u32 mask;

	arch_pci_write(bdf, reg, 4, PCI_BAR_SIZING);
	mask = arch_pci_read(bdf, reg, 4);
	arch_pci_write(bdf, reg, 4, raw);
	return mask;
}

/* BAR `i` as the hardware has it; returns how many registers it takes (1, or 2 for 64-bit). */
static u32 probe_bar(struct vpci_fn *f, u32 i, struct pt_bar *out)
{
	u32 reg = PCI_BAR0 + 4 * i, raw = arch_pci_read(f->bdf, reg, 4);
	u32 mask = size_register(f->bdf, reg, raw);

	f->bar_raw[i] = raw;
	f->bar_sizing[i] = mask;
	*out = (struct pt_bar){BAR_NONE, 0, 0};
	if (raw & PCI_BAR_IO) {
		if (mask & PCI_BAR_IO_MASK)
			*out = (struct pt_bar){BAR_IO, raw & PCI_BAR_IO_MASK,
					       (u64)((~(mask & PCI_BAR_IO_MASK) + 1) & 0xffffu)};
		return 1;
	}
	if ((raw & PCI_BAR_MEM_TYPE) == PCI_BAR_MEM_64 && i + 1 < PT_MAX_BARS) {
		u32 raw_hi = arch_pci_read(f->bdf, reg + 4, 4);
		u32 mask_hi = size_register(f->bdf, reg + 4, raw_hi);
		u64 m = (u64)mask_hi << 32 | (mask & PCI_BAR_MEM_MASK);

		f->bar_raw[i + 1] = raw_hi;
		f->bar_sizing[i + 1] = mask_hi;
		f->bar_upper |= (u8)(1u << (i + 1));
		if (m)
			*out = (struct pt_bar){
			    BAR_MEM, (u64)raw_hi << 32 | (raw & PCI_BAR_MEM_MASK), ~m + 1};
		return 2;
	}
	if (mask & PCI_BAR_MEM_MASK)
		*out = (struct pt_bar){BAR_MEM, raw & PCI_BAR_MEM_MASK,
				       (u64)(~(mask & PCI_BAR_MEM_MASK) + 1)};
	return 1;
}

static bool bar_matches(const struct pt_bar *a, const struct pt_bar *b)
{
	return a->kind == b->kind &&
	       (a->kind == BAR_NONE || (a->base == b->base && a->size == b->size));
}

/* Every BAR as the table says. Decoding is off while they are sized (an all-ones BAR would
 * decode at the top of the address space). */
static int probe_bars(struct vpci_fn *f, char *why, size_t why_size)
{
	struct pt_bar hw;
	int err = 0;

	arch_pci_write(f->bdf, PCI_COMMAND, 2, f->boot_command & ~(PCI_CMD_IO | PCI_CMD_MEMORY));
	for (u32 i = 0; i < PT_MAX_BARS && !err;) {
		u32 used = probe_bar(f, i, &hw);

		if (!bar_matches(&hw, &f->dev->bar[i]) ||
		    (used == 2 && f->dev->bar[i + 1].kind != BAR_NONE)) {
			format(
			    why, why_size,
			    "bar%u is %s 0x%llx size 0x%llx, the table says %s 0x%llx size 0x%llx",
			    i, bar_kind_name(hw.kind), (unsigned long long)hw.base,
			    (unsigned long long)hw.size, bar_kind_name(f->dev->bar[i].kind),
			    (unsigned long long)f->dev->bar[i].base,
			    (unsigned long long)f->dev->bar[i].size);
			err = ERR(E_INVAL);
		}
		i += used;
	}
	arch_pci_write(f->bdf, PCI_COMMAND, 2, f->boot_command);
	return err;
}

/* MSI's length: 10 bytes, +4 for a 64-bit address, +10 with per-vector masking (§6.8.1). */
static u8 msi_length(u16 control)
{
	return (u8)(10 + ((control & PCI_MSI_CTL_64) ? 4 : 0) +
		    ((control & PCI_MSI_CTL_MASKING) ? 10 : 0));
}

static void find_capabilities(struct vpci_fn *f)
{
	u32 prev = PCI_CAP_PTR, at;

	if (!(arch_pci_read(f->bdf, PCI_STATUS, 2) & PCI_STATUS_CAP_LIST))
		return;
	at = arch_pci_read(f->bdf, PCI_CAP_PTR, 1) & 0xfcu;
	for (u32 n = 0; n < PCI_CAP_MAX && at >= PCI_HEADER_END; n++) {
		u32 id = arch_pci_read(f->bdf, at + PCI_CAP_ID, 1);

		/* Found wherever they are, even cut short by the end of the space: what is
		 * not recognised here would be written through unchecked. */
		if (id == PCI_CAP_ID_MSI && !f->msi) {
			f->msi = (u8)at;
			f->msi_control = (u16)arch_pci_read(f->bdf, at + PCI_MSI_CONTROL, 2);
			f->msi_len = msi_length(f->msi_control);
			if (at + f->msi_len > PCI_CONFIG_SIZE)
				f->msi_len = (u8)(PCI_CONFIG_SIZE - at);
		} else if (id == PCI_CAP_ID_EXP && !f->pcie) {
			f->pcie = (u8)at;
		} else if (id == PCI_CAP_ID_MSIX && !f->msix) {
			f->msix = (u8)at;
			f->msix_prev = (u8)prev;
		}
		prev = at;
		at = arch_pci_read(f->bdf, at + PCI_CAP_NEXT, 1) & 0xfcu;
	}
}

/* A function-level reset, or a return from D3hot, through the device's own registers clears
 * its BARs (PCI Express Base 4.0 §6.6.2; PCI PM 1.2 §5.4.1): before decoding is turned on,
 * every BAR is put back where the table has it, so the device never decodes elsewhere. */
static void restore_bars(const struct vpci_fn *f)
{
	for (u32 i = 0; i < PT_MAX_BARS; i++) {
		u32 reg = PCI_BAR0 + 4 * i;

		if (f->bar_sizing[i] && arch_pci_read(f->bdf, reg, 4) != f->bar_raw[i])
			arch_pci_write(f->bdf, reg, 4, f->bar_raw[i]);
	}
}

/* A 16-bit register with `bits` cleared, the others as they are. */
static void clear_bits(u32 bdf, u32 reg, u32 bits)
{
	arch_pci_write(bdf, reg, 2, arch_pci_read(bdf, reg, 2) & ~bits);
}

/* Bus mastering, INTx, MSI and MSI-X off; decoding as `command` says. */
static void silence(const struct vpci_fn *f, u16 command)
{
	/* The MSI-X table is masked with memory decoding on (the device ignores it off), its
	 * BARs where the table has them; then decoding is left as `command` says. */
	if ((command & (PCI_CMD_IO | PCI_CMD_MEMORY)) || f->msix_table)
		restore_bars(f);
	if (f->msix_table) {
		arch_pci_write(f->bdf, PCI_COMMAND, 2, PCI_CMD_MEMORY | PCI_CMD_INTX_DISABLE);
		vmsix_mask_all(f);
	}
	arch_pci_write(f->bdf, PCI_COMMAND, 2,
		       (command & ~PCI_CMD_BUS_MASTER) | PCI_CMD_INTX_DISABLE);
	if (f->msi)
		clear_bits(f->bdf, f->msi + PCI_MSI_CONTROL, PCI_MSI_CTL_ENABLE);
	if (f->msix)
		clear_bits(f->bdf, f->msix + PCI_MSIX_CONTROL, PCI_MSIX_CTL_ENABLE);
	if (f->pcie)
		clear_bits(f->bdf, f->pcie + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_PHANTOM);
}

/* PCI 2.3 added Interrupt Disable (command bit 10); an older function ignores the write. */
static bool intx_can_be_disabled(const struct vpci_fn *f)
{
	u32 cmd = arch_pci_read(f->bdf, PCI_COMMAND, 2);

	arch_pci_write(f->bdf, PCI_COMMAND, 2, cmd | PCI_CMD_INTX_DISABLE);
	return arch_pci_read(f->bdf, PCI_COMMAND, 2) & PCI_CMD_INTX_DISABLE;
}

int vpci_probe(struct vpci_fn *f, const struct pt_device *d, char *why, size_t why_size)
{
	u32 header;

	memset(f, 0, sizeof(*f));
	f->dev = d;
	f->bdf = d->bdf;
	if (arch_pci_read(f->bdf, PCI_VENDOR_ID, 2) == PCI_VENDOR_NONE) {
		format(why, why_size, "absent: nothing answers at this address");
		return ERR(E_NOTFOUND);
	}
	header = arch_pci_read(f->bdf, PCI_HEADER_TYPE, 1) & PCI_HEADER_TYPE_MASK;
	if (header != 0) {
		format(why, why_size,
		       "header type %u: a bridge or card bus function cannot be given", header);
		return ERR(E_INVAL);
	}
	if ((arch_pci_read(f->bdf, PCI_CLASS_REV, 4) >> 24) == PCI_CLASS_BRIDGE) {
		format(why, why_size,
		       "a bridge (class 0x06): its registers are the machine's, not a device's");
		return ERR(E_INVAL);
	}
	f->boot_command = (u16)arch_pci_read(f->bdf, PCI_COMMAND, 2);
	f->pin = (u8)arch_pci_read(f->bdf, PCI_INTERRUPT_PIN, 1);
	if (f->pin && !d->irq && !intx_can_be_disabled(f)) {
		format(why, why_size,
		       "its pin INT%c cannot be silenced (no Interrupt Disable bit) and the table "
		       "gives it no .irq: it would assert an input it does not own",
		       'A' + (f->pin - 1) % 4);
		return ERR(E_INVAL);
	}
	if (probe_bars(f, why, why_size))
		return ERR(E_INVAL);
	find_capabilities(f);
	if (f->msix && !vmsix_probe(f))
		f->msix_table = 0;
	silence(f, f->boot_command);
	return 0;
}

void vpci_init(struct vpci *v, u32 partition, const struct partition_config *cfg)
{
	memset(v, 0, sizeof(*v));
	v->partition = partition;
	v->cfg = cfg;
}

void vpci_add(struct vpci *v, const struct vpci_fn *f)
{
	if (v->count < PT_MAX_DEVICES)
		v->fn[v->count++] = *f;
}

/* ------------------------------------------------------------------------------------------ */
/* Reads                                                                                      */

static struct vpci_fn *find_fn(struct vpci *v, u32 bdf)
{
	for (u32 i = 0; i < v->count; i++)
		if (v->fn[i].bdf == bdf)
			return &v->fn[i];
	return NULL;
}

/* The host bridge it sees: the machine's identity and class, nothing else (no BARs, no
 * capabilities, a single function). */
static u32 host_bridge_dword(u32 reg)
{
	if (reg == PCI_VENDOR_ID || reg == PCI_CLASS_REV)
		return arch_pci_read(HOST_BRIDGE, reg, 4);
	return 0;
}

static bool in_cap(u32 reg, u32 cap, u32 len)
{
	return cap && reg + 4 > cap && reg < cap + len;
}

/* The capability list without MSI-X: the pointer that led to it leads past it. */
static u32 unlink_msix(const struct vpci_fn *f, u32 reg, u32 value)
{
	u32 at = f->msix_prev == PCI_CAP_PTR ? PCI_CAP_PTR : f->msix_prev + PCI_CAP_NEXT;
	u32 shift = 8 * (at & 3);
	u32 next;

	if (!f->msix || f->msix_table || reg != (at & ~3u))
		return value;
	next = arch_pci_read(f->bdf, f->msix + PCI_CAP_NEXT, 1);
	return (value & ~(0xffu << shift)) | next << shift;
}

/* The end of the MSI message (address and data) in the capability. */
static u32 msi_message_end(const struct vpci_fn *f)
{
	return (f->msi_control & PCI_MSI_CTL_64) ? PCI_MSI_DATA_64 + 2 : PCI_MSI_DATA_32 + 2;
}

/* With interrupt remapping the device holds Bulkhead's message: the partition reads back its
 * own (the rest of the capability is the device's). */
static u32 msi_readback(const struct vpci_fn *f, u32 reg, u32 value)
{
	for (u32 b = 0; b < 4; b++) {
		u32 at = reg + b - f->msi;

		if (at >= PCI_MSI_ADDR_LO && at < msi_message_end(f))
			value = (value & ~(0xffu << (8 * b))) | (u32)f->msi_shadow[at] << (8 * b);
	}
	return value;
}

static u32 fn_dword(const struct vpci_fn *f, u32 reg)
{
	if (reg >= PCI_BAR0 && reg < PCI_BAR_END) {
		u32 i = (reg - PCI_BAR0) / 4;

		return (f->sizing >> i) & 1 ? f->bar_sizing[i] : f->bar_raw[i];
	}
	if (reg == PCI_ROM || (!f->msix_table && in_cap(reg, f->msix, PCI_MSIX_CAP_LEN)))
		return 0;
	if (iommu_remaps_interrupts() && in_cap(reg, f->msi, f->msi_len))
		return msi_readback(f, reg, arch_pci_read(f->bdf, reg, 4));
	return unlink_msix(f, reg, arch_pci_read(f->bdf, reg, 4));
}

static u32 config_read(struct vpci *v, u32 bdf, u32 reg, u32 size)
{
	const struct vpci_fn *f = find_fn(v, bdf);
	u32 dword;

	if (bdf == HOST_BRIDGE)
		dword = host_bridge_dword(reg & ~3u);
	else if (f)
		dword = fn_dword(f, reg & ~3u);
	else if (v->chan && vchan_claims(v->chan, bdf))
		dword = vchan_config_read(v->chan, bdf, reg & ~3u);
	else
		return bytes_mask(size);
	return (dword >> (8 * (reg & 3))) & bytes_mask(size);
}

/* ------------------------------------------------------------------------------------------ */
/* Writes                                                                                     */

void vpci_refuse(u32 partition, u32 bdf, u32 detail, const char *said)
{
	char what[112];

	format(what, sizeof(what), "pci %02x:%02x.%x: %s", PT_BDF_BUS(bdf), PT_BDF_DEV(bdf),
	       PT_BDF_FN(bdf), said);
	partition_refused(partition, DENIED_KEY(DENIED_PCI, bdf << 8 | detail), false, what,
			  "dropped");
}

static void refuse(const struct vpci *v, u32 bdf, u32 detail, const char *said)
{
	vpci_refuse(v->partition, bdf, detail, said);
}

/* A BAR takes all-ones (sizing) or the value it has; anything else would move it. */
static void write_bar(struct vpci *v, struct vpci_fn *f, u32 reg, u32 size, u32 value)
{
	u32 i = (reg - PCI_BAR0) / 4;
	u32 low_bits = ((f->bar_upper >> i) & 1) ? 0u : (f->bar_raw[i] & PCI_BAR_IO) ? 3u : 0xfu;

	if (size == 4 && !(reg & 3) && value == PCI_BAR_SIZING)
		f->sizing |= (u8)(1u << i);
	else if (size == 4 && !(reg & 3) && (value & ~low_bits) == (f->bar_raw[i] & ~low_bits))
		f->sizing &= (u8) ~(1u << i);
	else {
		char said[80];

		format(said, sizeof(said), "bar%u write 0x%x (BARs stay where the table puts them)",
		       i, value);
		refuse(v, f->bdf, reg & ~3u, said);
	}
}

/* May its pin assert its input? Only an input the partition owns: another's would be
 * flooded, and a line nobody routes is the machine's. */
static bool intx_owned(const struct vpci_fn *f)
{
	return f->pin && f->dev->irq;
}

/* After a write to the device's own registers (which may reset it: a function-level
 * reset clears Interrupt Disable and the BARs), what Bulkhead keeps is put back. */
static void keep_owned_bits(const struct vpci_fn *f)
{
	u32 cmd = arch_pci_read(f->bdf, PCI_COMMAND, 2);

	if (!intx_owned(f) && !(cmd & PCI_CMD_INTX_DISABLE))
		arch_pci_write(f->bdf, PCI_COMMAND, 2, cmd | PCI_CMD_INTX_DISABLE);
	if (f->msix && !f->msix_table)
		clear_bits(f->bdf, f->msix + PCI_MSIX_CONTROL, PCI_MSIX_CTL_ENABLE);
	if (f->pcie &&
	    (arch_pci_read(f->bdf, f->pcie + PCI_EXP_DEVCTL, 2) & PCI_EXP_DEVCTL_PHANTOM))
		clear_bits(f->bdf, f->pcie + PCI_EXP_DEVCTL, PCI_EXP_DEVCTL_PHANTOM);
}

static void write_command(struct vpci *v, struct vpci_fn *f, u32 reg, u32 size, u32 value)
{
	u32 old = arch_pci_read(f->bdf, PCI_COMMAND, 2), shift = 8 * (reg - PCI_COMMAND);
	u32 mask = bytes_mask(size < 2 ? size : 2) << shift;
	u32 cmd = ((old & ~mask) | ((value << shift) & mask)) & CMD_ALLOWED;

	if ((cmd & PCI_CMD_BUS_MASTER) && (f->dev->flags & DEV_NO_DMA)) {
		refuse(v, f->bdf, PCI_COMMAND, "bus mastering (the table says DEV_NO_DMA)");
		cmd &= ~PCI_CMD_BUS_MASTER;
	}
	if (!(cmd & PCI_CMD_INTX_DISABLE) && !intx_owned(f)) {
		refuse(v, f->bdf, PCI_COMMAND + 1, "INTx (the table gives its pin no .irq)");
		cmd |= PCI_CMD_INTX_DISABLE;
	}
	if (cmd & (PCI_CMD_IO | PCI_CMD_MEMORY))
		restore_bars(f);
	arch_pci_write(f->bdf, PCI_COMMAND, 2, cmd);
}

/* Registers of the header a partition may write as it likes: status (write-one-to-clear),
 * cache line size, latency timer, BIST, interrupt line (scratch for its driver). */
static bool header_free(u32 reg)
{
	return (reg >= PCI_STATUS && reg < PCI_CLASS_REV) ||
	       (reg >= PCI_CACHE_LINE && reg < PCI_BAR0 && reg != PCI_HEADER_TYPE) ||
	       reg == PCI_INTERRUPT_LINE;
}

static void write_header(struct vpci *v, struct vpci_fn *f, u32 reg, u32 size, u32 value)
{
	if (reg >= PCI_BAR0 && reg < PCI_BAR_END) {
		write_bar(v, f, reg, size, value);
		return;
	}
	/* byte by byte below, each register by its own rule */
	for (u32 b = 0; b < size; b++) {
		u32 r = reg + b, byte = (value >> (8 * b)) & 0xffu;

		if (r == PCI_COMMAND && b + 1 < size) {
			write_command(v, f, r, 2, (value >> (8 * b)) & 0xffffu);
			b++;
		} else if (r == PCI_COMMAND || r == PCI_COMMAND + 1) {
			write_command(v, f, r, 1, byte);
		} else if (header_free(r)) {
			arch_pci_write(f->bdf, r, 1, byte);
			if (r == PCI_BIST)
				keep_owned_bits(f); /* a self-test may reset the function */
		}
		/* identity, class, header type, subsystem, ROM, capability pointer, pin:
		 * read-only or kept; dropped */
	}
}

static u32 shadow32(const u8 *s, u32 at)
{
	return (u32)s[at] | (u32)s[at + 1] << 8 | (u32)s[at + 2] << 16 | (u32)s[at + 3] << 24;
}

static u16 shadow16(const u8 *s, u32 at)
{
	return (u16)(s[at] | s[at + 1] << 8);
}

/* With interrupt remapping the device gets a message naming remapping entries, built from
 * what the partition wrote (core/iommu.c): whatever that was, the device can reach no CPU
 * but the partition's own. */
static void msi_remap(const struct vpci *v, const struct vpci_fn *f, u16 control, u32 addr_hi,
		      u32 data)
{
	bool wide = f->msi_control & PCI_MSI_CTL_64;
	u32 lo, hi, d;

	iommu_msi(v->partition, (u32)(f->dev - v->cfg->devices.d), f->bdf, 0,
		  1u << PCI_MSI_CTL_MME(control), shadow32(f->msi_shadow, PCI_MSI_ADDR_LO), addr_hi,
		  data, &lo, &hi, &d);
	arch_pci_write(f->bdf, f->msi + PCI_MSI_ADDR_LO, 4, lo);
	if (wide)
		arch_pci_write(f->bdf, f->msi + PCI_MSI_ADDR_HI, 4, hi);
	arch_pci_write(f->bdf, f->msi + (wide ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32), 2, d);
	arch_pci_write(f->bdf, f->msi + PCI_MSI_CONTROL, 2, control);
}

/* The partition wrote its MSI registers (into the shadow): the device gets the message only
 * if it is valid, and is enabled only with a valid one. */
static void msi_apply(struct vpci *v, struct vpci_fn *f)
{
	const u8 *s = f->msi_shadow;
	u16 control = shadow16(s, PCI_MSI_CONTROL);
	bool wide = f->msi_control & PCI_MSI_CTL_64; /* the device's, not what was written */
	u32 data_at = wide ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32;
	u32 addr_hi = wide ? shadow32(s, PCI_MSI_ADDR_HI) : 0;
	u32 data = shadow16(s, data_at);
	const char *why;
	char what[96];

	if (!(control & PCI_MSI_CTL_ENABLE)) {
		arch_pci_write(f->bdf, f->msi + PCI_MSI_CONTROL, 2, control);
		return;
	}
	if (iommu_remaps_interrupts()) {
		msi_remap(v, f, control, addr_hi, data);
		return;
	}
	why = msi_problem(v->cfg, shadow32(s, PCI_MSI_ADDR_LO), addr_hi, data,
			  1u << PCI_MSI_CTL_MME(control));
	if (why) {
		arch_pci_write(f->bdf, f->msi + PCI_MSI_CONTROL, 2, control & ~PCI_MSI_CTL_ENABLE);
		format(what, sizeof(what), "pci %02x:%02x.%x: msi 0x%x data 0x%x (%s)",
		       PT_BDF_BUS(f->bdf), PT_BDF_DEV(f->bdf), PT_BDF_FN(f->bdf),
		       shadow32(s, PCI_MSI_ADDR_LO), data, why);
		partition_refused(v->partition, DENIED_KEY(DENIED_MSI, f->bdf), false, what,
				  "MSI stays disabled");
		return;
	}
	arch_pci_write(f->bdf, f->msi + PCI_MSI_ADDR_LO, 4, shadow32(s, PCI_MSI_ADDR_LO));
	if (wide)
		arch_pci_write(f->bdf, f->msi + PCI_MSI_ADDR_HI, 4, addr_hi);
	arch_pci_write(f->bdf, f->msi + data_at, 2, data);
	arch_pci_write(f->bdf, f->msi + PCI_MSI_CONTROL, 2, control);
}

/* Of the control register a partition sets only enable and multiple-message enable; the
 * capability's shape (64-bit, masking, how many messages) is the device's (§6.8.1.3). */
#define MSI_CTL_WRITABLE (PCI_MSI_CTL_ENABLE | 0x0070u)

static void write_msi(struct vpci *v, struct vpci_fn *f, u32 reg, u32 size, u32 value)
{
	u32 mask_at = (f->msi_control & PCI_MSI_CTL_64) ? 16 : 12;
	bool message = false;

	for (u32 b = 0; b < size; b++) {
		u32 at = reg + b - f->msi;
		u8 byte = (u8)(value >> (8 * b));

		if (at < PCI_MSI_CONTROL || at >= f->msi_len)
			continue; /* id and next pointer are read-only */
		if (at == PCI_MSI_CONTROL || at == PCI_MSI_CONTROL + 1) {
			u32 shift = 8 * (at - PCI_MSI_CONTROL);
			u32 writable = (MSI_CTL_WRITABLE >> shift) & 0xffu;

			byte = (u8)((byte & writable) | ((f->msi_control >> shift) & ~writable));
		}
		f->msi_shadow[at] = byte;
		if (at >= mask_at)
			arch_pci_write(f->bdf, reg + b, 1, f->msi_shadow[at]); /* its own masks */
		else
			message = true;
	}
	if (message)
		msi_apply(v, f);
}

/* Of MSI-X's capability a partition sets enable and function mask: whatever an entry says,
 * the device sends only what vmsix.c let into the unmasked ones. The rest is read-only. */
/* Turning MSI-X on (enabled, not function-masked) looks at the table first: its place and
 * size must still be the probed ones (else MSI-X stays off), and any unmasked entry with a
 * message the row does not allow is masked. Entries are masked at every start and change
 * only through vmsix.c, so this is a second line, for a device that changed them itself. */
static void write_msix_control(const struct vpci *v, const struct vpci_fn *f, u32 reg, u32 size,
			       u32 value)
{
	u32 at = f->msix + PCI_MSIX_CONTROL, ctl = arch_pci_read(f->bdf, at, 2);
	u32 writable = PCI_MSIX_CTL_ENABLE | MSIX_CTL_FN_MASK;

	for (u32 b = 0; b < size; b++) {
		u32 r = reg + b, mask;

		if (r != at && r != at + 1)
			continue;
		mask = writable & (0xffu << (8 * (r - at)));
		ctl = (ctl & ~mask) | (((value >> (8 * b)) << (8 * (r - at))) & mask);
	}
	if ((ctl & PCI_MSIX_CTL_ENABLE) && !(ctl & MSIX_CTL_FN_MASK)) {
		if (!vmsix_geometry_same(f)) {
			refuse(v, f->bdf, f->msix, "msi-x enable (its table moved since boot)");
			ctl &= ~PCI_MSIX_CTL_ENABLE;
		} else {
			vmsix_check_all(v->partition, v->cfg, f);
		}
	}
	arch_pci_write(f->bdf, at, 2, ctl);
}

/* Where PCIe's Phantom Functions Enable falls in an access of `size` at `reg`: it never
 * reaches the device. */
static u32 phantom_bit(const struct vpci_fn *f, u32 reg, u32 size)
{
	u32 at = f->pcie + PCI_EXP_DEVCTL;

	if (!f->pcie || at + 2 <= reg || at >= reg + size)
		return 0;
	return at >= reg ? PCI_EXP_DEVCTL_PHANTOM << (8 * (at - reg))
			 : PCI_EXP_DEVCTL_PHANTOM >> (8 * (reg - at));
}

static void config_write(struct vpci *v, u32 bdf, u32 reg, u32 size, u32 value)
{
	struct vpci_fn *f = find_fn(v, bdf);

	if (bdf == HOST_BRIDGE)
		return; /* its bridge is a picture: nothing to set */
	if (!f && v->chan && vchan_claims(v->chan, bdf)) {
		vchan_config_write(v->chan, bdf, reg, size, value);
		return;
	}
	if (!f) {
		refuse(v, bdf, 0, "configuration write (not its device)");
		return;
	}
	if (reg < PCI_HEADER_END)
		write_header(v, f, reg, size, value);
	else if (in_cap(reg, f->msix, PCI_MSIX_CAP_LEN) && f->msix_table)
		write_msix_control(v, f, reg, size, value);
	else if (in_cap(reg, f->msix, PCI_MSIX_CAP_LEN))
		refuse(v, bdf, f->msix, "msi-x write (MSI-X is not offered)");
	else if (f->msi && reg >= f->msi && reg < f->msi + f->msi_len)
		write_msi(v, f, reg, size, value);
	else {
		/* device-specific registers: its own, but for bits Bulkhead owns */
		arch_pci_write(bdf, reg, size, value & ~phantom_bit(f, reg, size));
		keep_owned_bits(f);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* The ports                                                                                  */

/* CONFIG_ADDRESS with the enable bit and no reserved bits, or 0: no function selected. */
static bool selected(const struct vpci *v, u32 port, u32 size, u32 *bdf, u32 *reg)
{
	u32 offset = port - PCI_CONFIG_DATA;

	if (!(v->address & PCI_ADDR_ENABLE) || (v->address & 0x7f000000u) || offset + size > 4 ||
	    (offset & (size - 1)))
		return false;
	*bdf = PCI_ADDR_BDF(v->address);
	*reg = PCI_ADDR_REG(v->address) + offset;
	return true;
}

u32 vpci_port_read(struct vpci *v, u32 port, u32 size)
{
	u32 bdf, reg;

	if (port == PCI_CONFIG_ADDRESS && size == 4)
		return v->address;
	if (port < PCI_CONFIG_DATA || !selected(v, port, size, &bdf, &reg))
		return bytes_mask(size);
	return config_read(v, bdf, reg, size);
}

void vpci_port_write(struct vpci *v, u32 port, u32 size, u32 value)
{
	u32 bdf, reg;

	if (port == PCI_CONFIG_ADDRESS && size == 4)
		v->address = value & ~3u;
	else if (port >= PCI_CONFIG_DATA && selected(v, port, size, &bdf, &reg))
		config_write(v, bdf, reg, size, value);
	/* byte and word writes to 0xcf8-0xcfb (mechanism #2's registers on old chipsets;
	 * 0xcf9, the reset register, never comes here): dropped */
}

/* ------------------------------------------------------------------------------------------ */
/* Memory: MSI-X tables and the MMCONFIG window                                              */

void vpci_set_mmcfg(struct vpci *v, u64 base, u32 start_bus, u32 end_bus)
{
	v->mmcfg_base = base;
	v->mmcfg_start = start_bus;
	v->mmcfg_end = end_bus;
}

static bool in_mmcfg(const struct vpci *v, u64 gpa)
{
	return v->mmcfg_base && gpa >= v->mmcfg_base + ((u64)v->mmcfg_start << 20) &&
	       gpa < v->mmcfg_base + ((u64)(v->mmcfg_end + 1) << 20);
}

static struct vpci_fn *msix_fn(struct vpci *v, u64 gpa)
{
	for (u32 i = 0; i < v->count; i++)
		if (vmsix_claims(&v->fn[i], gpa))
			return &v->fn[i];
	return NULL;
}

bool vpci_mmio_claims(const struct vpci *v, u64 gpa)
{
	return in_mmcfg(v, gpa) || msix_fn((struct vpci *)v, gpa);
}

/* MMCONFIG (PCI Express Base 4.0 §7.2.2): bus, device and function in address bits 27:12,
 * the register in 11:0. Above the first 256 bytes nothing is offered. */
static bool mmcfg_decode(const struct vpci *v, u64 gpa, u32 size, u32 *bdf, u32 *reg)
{
	u64 offset = gpa - v->mmcfg_base;

	*bdf = (u32)(offset >> 12) & 0xffffu;
	*reg = (u32)offset & 0xfffu;
	return size <= 4 && !(*reg & (size - 1));
}

u64 vpci_mmio_read(struct vpci *v, u64 gpa, u32 size)
{
	struct vpci_fn *f = msix_fn(v, gpa);
	u32 bdf, reg;

	if (f)
		return vmsix_read(f, gpa, size);
	/* One rule: an owned function's extended space reads 0 at every width; anything else
	 * that is not a register (misaligned, wider than 4, nobody's) reads all-ones. */
	if (!in_mmcfg(v, gpa) || !mmcfg_decode(v, gpa, size, &bdf, &reg))
		return size == 8 ? ~0ull : bytes_mask(size);
	if (reg >= PCI_CONFIG_SIZE)
		return find_fn(v, bdf) || (v->chan && vchan_claims(v->chan, bdf))
			   ? 0
			   : bytes_mask(size);
	return config_read(v, bdf, reg, size);
}

void vpci_mmio_write(struct vpci *v, u64 gpa, u32 size, u64 value)
{
	struct vpci_fn *f = msix_fn(v, gpa);
	u32 bdf, reg;

	if (f)
		vmsix_write(v->partition, v->cfg, f, gpa, size, value);
	else if (in_mmcfg(v, gpa) && mmcfg_decode(v, gpa, size, &bdf, &reg) &&
		 reg < PCI_CONFIG_SIZE)
		config_write(v, bdf, reg, size, (u32)value); /* the extended space: nothing */
}

/* ------------------------------------------------------------------------------------------ */

void vpci_start(struct vpci *v)
{
	v->address = 0;
	for (u32 i = 0; i < v->count; i++) {
		struct vpci_fn *f = &v->fn[i];

		f->sizing = 0;
		memset(f->msi_shadow, 0, sizeof(f->msi_shadow));
		memset(f->msix_msg, 0, sizeof(f->msix_msg));
		if (f->msi)
			for (u32 b = 0; b < f->msi_len; b++)
				f->msi_shadow[b] = (u8)arch_pci_read(f->bdf, f->msi + b, 1);
		if (f->msi && iommu_remaps_interrupts()) /* the device's is Bulkhead's message */
			memset(f->msi_shadow + PCI_MSI_ADDR_LO, 0,
			       msi_message_end(f) - PCI_MSI_ADDR_LO);
		f->msi_shadow[PCI_MSI_CONTROL] = (u8)(f->msi_control & ~PCI_MSI_CTL_ENABLE);
		f->msi_shadow[PCI_MSI_CONTROL + 1] = (u8)(f->msi_control >> 8);
		silence(f, f->boot_command);
	}
}

void vpci_quiesce(struct vpci *v)
{
	for (u32 i = 0; i < v->count; i++)
		silence(&v->fn[i], 0);
}
