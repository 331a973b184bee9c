/*
 * What arch/x86 offers core/. core/ includes this header and no other arch/x86 one, so
 * the boot sequence in core/main.c reads as a list of steps with no hardware detail.
 */
#ifndef BULKHEAD_ARCH_X86_ARCH_H
#define BULKHEAD_ARCH_X86_ARCH_H

#include "bulkhead/types.h"

struct mb2_info;

/* The boot CPU's GDT, TSS and IDT. */
void arch_early_init(void);
/* Make the 16550 at `port` the console: `baud` (115200 divided by a whole number) 8N1, its
 * receive interrupt on ISA IRQ `irq` (0xff: none, polled). False if no UART answers there;
 * the console stays as it was. Until one is set, console output goes nowhere. */
bool arch_console_init(u16 port, u32 baud, u8 irq);
/* Write s to the console, waiting (bounded) for the transmitter before each byte. */
void arch_console_write(const char *s, size_t len);
/* Write as much of s as the transmitter has room for now, without waiting; returns how many
 * bytes went (all of them when there is no console UART: they go nowhere). */
size_t arch_console_try_write(const char *s, size_t len);
/* A byte typed on the console, or -1 when none is waiting. */
int arch_console_poll(void);
/* Route the console's receive interrupt to the boot CPU (I/O APIC), so that arch_idle()
 * returns when a byte arrives. False if there is no I/O APIC or the console has no known
 * interrupt line: the caller must poll. */
bool arch_console_input_irq(void);
/* Reset the whole machine: the ACPI reset register (FADT) if there is one, else the chipset's
 * reset control (0xcf9), else the keyboard controller, else a triple fault. Each is named by
 * say() before it is tried. */
__attribute__((noreturn)) void arch_machine_reset(void (*say)(const char *how));
/* Boot CPU: enable interrupts, halt until one arrives (console input or arch_wake_boot_cpu()),
 * disable them again. */
void arch_idle(void);
/* Any CPU: make the boot CPU return from arch_idle(). */
void arch_wake_boot_cpu(void);

/* Time-stamp counter: now, and its value at the first instruction of the 32-bit entry. */
u64 arch_tsc(void);
u64 arch_boot_tsc(void);

/* Calibrate the TSC (PIT channel 2). Returns the TSC frequency in kHz: a first figure, good to
 * ~0.1 %, in ~2 ms; arch_tsc_refine() gives the final one (~20 ppm) 55 ms after the first
 * began, waiting for the rest if need be. Exact where CPUID leaf 0x15 states the rate. */
u64 arch_tsc_calibrate(void);
u64 arch_tsc_refine(void);
u64 arch_tsc_khz(void);

/* Stop this CPU for good: interrupts off, HLT in a loop. */
__attribute__((noreturn)) void arch_halt_forever(void);
/* Halt this CPU, interrupts off, until an NMI arrives (Bulkhead's signal between CPUs). */
void arch_cpu_halt(void);
void arch_cpu_relax(void);
/* Zero `len` bytes at `dst` with the CPU's string instruction (REP STOSQ): a partition's RAM
 * scrub, megabytes at a time, at the memory's speed (fast-string operation, SDM Vol. 1
 * §7.3.9.3); under Bochs, which counts each repetition as an instruction, still a quarter of
 * a C loop's count. */
void arch_mem_zero(void *dst, size_t len);

/* The sizes of the hypervisor image's sections, in bytes (boot/linker.ld). */
struct arch_image_sections {
	u64 text, rodata, data, bss;
};
struct arch_image_sections arch_image_sections(void);
/* The hypervisor image's physical extent, [start, end). */
u64 arch_image_start(void);
u64 arch_image_end(void);

/* Read ACPI (RSDP from the Multiboot2 info, or a BIOS-area scan) and list the CPUs. Returns 0
 * or a negative E_* code (core/error.h). */
int arch_platform_init(const struct mb2_info *mb);
u32 arch_cpu_count(void);	 /* usable CPUs the firmware lists (bounded by MAX_CPUS) */
u32 arch_cpu_apic_id(u32 index); /* index 0 is the boot CPU */
bool arch_cpu_online(u32 index);
u32 arch_this_cpu(void); /* index of the calling CPU */

/* Start every listed CPU (INIT-SIPI-SIPI). Each runs ap_entry(index) on its own stack,
 * GDT/TSS and IDT. Returns how many CPUs are online, the boot CPU included. A CPU whose
 * debug option `stall` matches is pointed at a dead trampoline (fault injection for tests). */
u32 arch_smp_boot(void (*ap_entry)(u32 index), u32 stall_apic_id);

/* The machine's I/O APIC, Bulkhead's (arch/x86/ioapic.c): how many inputs (GSIs from 0) it
 * has, 0 without one; its ID; a redirection entry (core/lib/ioapic_regs.h), read or written
 * whole. */
void arch_ioapic_take(void); /* at boot, once ACPI is read: every input masked */
u32 arch_ioapic_pins(void);
u32 arch_ioapic_id(void);
u64 arch_ioapic_read(u32 pin);
void arch_ioapic_write(u32 pin, u64 rte);
/* How input `gsi` is wired, if the machine's MADT overrides it (else false: the bus's own). */
bool arch_gsi_wiring(u32 gsi, bool *level, bool *active_low);

/* For the probe (arch/x86/probe.c): CPUs whose APIC IDs agree above the low `*shift` bits are
 * threads of one core (CPUID leaf 0x1f or 0xb of the calling CPU; false: it does not say); the
 * I/O APIC input ISA IRQ `irq` arrives on (the MADT's overrides applied). */
bool arch_cpu_smt_shift(u32 *shift);
u32 arch_isa_irq_gsi(u32 irq);

/* The machine's PCI configuration space (arch/x86/pci.c): `size` 1, 2 or 4 bytes at `reg`,
 * aligned to it. An absent function reads all-ones. */
u32 arch_pci_read(u32 bdf, u32 reg, u32 size);
void arch_pci_write(u32 bdf, u32 reg, u32 size, u32 value);
/* A device register below 4 GiB, `size` 1, 2 or 4 bytes (arch/x86/device_mmio.c). */
u32 arch_mmio_read(u64 phys, u32 size);
/* At boot: Bulkhead's own mapping of [base, base+size) made uncached (a device's BAR). */
void arch_mmio_uncached(u64 base, u64 size);
void arch_mmio_write(u64 phys, u32 size, u32 value);
/* The machine's MMCONFIG area for segment 0 (ACPI MCFG): its base (bus 0's address) and bus
 * range; false if the machine has none. */
bool arch_mmconfig(u64 *base, u32 *start_bus, u32 *end_bus);
/* Does [base, base+size) touch the machine's PCI MMCONFIG area (ACPI MCFG)? */
bool arch_mmconfig_overlaps(u64 base, u64 size);
/* True if every port of the range reads 0xff: nothing answers there. */
bool arch_ports_float(u32 base, u32 count);

/* The IOMMU (Intel VT-d: arch/x86/vtd.c), found in the ACPI DMAR table. Bulkhead owns its
 * units' register pages. A domain (1 to 16) is one partition's view of memory for its
 * devices; a requester attached to none is blocked. */
bool arch_iommu_probe(char *why, size_t why_size); /* false: none usable, `why` says why */
u32 arch_iommu_units(void);
bool arch_iommu_overlaps(u64 base, u64 size); /* touches a unit's registers? */
/* access: bit 0 read, bit 1 write (MEM_R/MEM_W). `owner`: the partition the domain is for,
 * whose page-allocator use its tables count as (core/pmem.h). */
int arch_iommu_map(u32 domain, u32 owner, u64 iova, u64 phys, u64 size, u32 access);
bool arch_iommu_translates(u32 domain, u64 iova);
int arch_iommu_attach(u32 bdf, u32 domain); /* domain 0: blocked. E_NOTFOUND: no unit */
/* Turn remapping on in every unit (all requesters not attached are blocked from then on);
 * a recorded fault interrupts the boot CPU (then iommu_poll() reads it). */
int arch_iommu_enable(void);
bool arch_iommu_remaps_interrupts(void);
/* Interrupt remapping entry `index`: requests naming it are taken only from `sid` and go to
 * `apic_id` (physical) with `vector`. NULL: not present, every request naming it blocked. */
struct arch_irte {
	u16 sid;
	u32 apic_id;
	u8 vector;
	bool level, lowest;
};
int arch_iommu_irte(u32 index, const struct arch_irte *e);
/* The message (remappable format) a device sends to use entry `index`; `subhandle`: MSI with
 * several vectors, which adds its vector number to the data (= to the index). */
void arch_iommu_msi_message(u32 index, bool subhandle, u32 *addr_lo, u32 *data);
/* A fault a unit recorded (VT-d spec §7.1): the next one, cleared; false when none. */
struct arch_iommu_fault {
	u16 sid;	/* requester */
	u8 reason;	/* VT-d fault reason */
	bool interrupt; /* an interrupt request (else DMA) */
	bool read;	/* DMA: a read (else a write) */
	u64 addr;	/* DMA: the page; an interrupt: its remapping entry index */
};
bool arch_iommu_fault(struct arch_iommu_fault *f);
/* The DMAR's reserved memory regions (RMRRs): [base, end), and the devices each names. */
u32 arch_iommu_rmrr_count(void);
void arch_iommu_rmrr(u32 i, u64 *base, u64 *end);
bool arch_iommu_rmrr_names(u32 i, u32 bdf);
/* Interrupts of the boot CPU: how many of `vector` it took; take them for `ms` milliseconds
 * (interrupts on, then off again). */
u32 arch_irq_count(u32 vector);
void arch_irq_window(u32 ms);

/* Hardware check: read this CPU's capabilities (and turn VMX on in IA32_FEATURE_CONTROL
 * if firmware left it unlocked). Then, on the boot CPU, report for all online CPUs. */
void arch_hwcheck_this_cpu(void);
/* Prints the table; returns true if every required feature is present on every online
 * CPU, else writes "missing ..." into `why`. */
bool arch_hwcheck_report(char *why, size_t why_size);

/* Enter VMX root operation on the calling CPU (after a good hardware check). */
int arch_vmx_on(void);

/* A partition's address space and I/O permissions, built before it runs (VMX: EPT, I/O
 * and MSR bitmaps, VPID). core/ holds one per partition; arch/ fills and uses it. */
struct arch_vm {
	u64 ept;	/* EPT PML4, physical */
	u64 io_bitmap;	/* two pages, one bit per port; 1 = trapped */
	u64 msr_bitmap; /* one page; 1 = trapped */
	u16 vpid;
	u32 owner;   /* the partition's index: what its pages are counted against (core/pmem.h) */
	u64 tsc_khz; /* what its CPUID leaf 0x15 says: the rate its load gave it (0: the current) */
};

int arch_vm_create(struct arch_vm *vm, u16 vpid, u32 owner);
/* access: bit 0 read, bit 1 write, bit 2 execute (MEM_R/W/X of bulkhead/ptable.h). */
int arch_vm_map(struct arch_vm *vm, u64 gpa, u64 hpa, u64 size, u32 access, bool uncached);
void arch_vm_grant_ports(struct arch_vm *vm, u32 base, u32 count);
/* Copy guest-physical memory out; false if any byte is not mapped. */
bool arch_vm_read(const struct arch_vm *vm, u64 gpa, void *buf, u64 len);
/* How a guest starts: 32-bit protected mode, flat 4 GiB segments, paging and interrupts off
 * (the state both the Multiboot and the Linux 32-bit boot protocols ask for). Registers not
 * named are zero. The selectors are what the boot protocol promises (the GDT is the guest's
 * own business: both protocols load their own before they reload a segment register). */
struct arch_vm_entry {
	u64 rip, rsp;
	u32 eax, ebx, esi;
	u16 cs, ds; /* selectors: CS, and DS = ES = SS = FS = GS */
};
/* Run the guest on the calling CPU from `e`. Never returns. */
__attribute__((noreturn)) void arch_vm_start(const struct arch_vm *vm, u32 partition,
					     const struct arch_vm_entry *e);
/* The partition's other CPUs: wait for INIT-SIPI from its first CPU. Never returns.
 * `waiting` is counted up just before the CPU enters wait-for-SIPI: a SIPI sent earlier, while
 * it is still in the hypervisor, would be lost (SIPIs are blocked in VMX root operation). */
__attribute__((noreturn)) void arch_vm_start_waiting(const struct arch_vm *vm, u32 partition,
						     volatile u32 *waiting);
/* A fixed, physical-destination interrupt of `vector` to APIC `apic_id` (a channel's doorbell:
 * a partition CPU in guest mode takes it through its own IDT, with no exit). */
void arch_send_vector(u32 apic_id, u8 vector);
/* Send an NMI to another CPU (to make it look at its partition's state). */
void arch_cpu_nmi(u32 cpu_index);
/* CPU `cpu_index` waits for a SIPI in the guest (never started, or sent INIT): it runs
 * nothing of the partition until a CPU of it sends a SIPI, and an NMI cannot reach it. */
bool arch_cpu_waiting_for_sipi(u32 cpu_index);
/* Exits counted on the calling CPU since it started its guest, by exit reason. */
u64 arch_vm_exit_count(u32 cpu, u32 reason);
const char *arch_vm_exit_name(u32 reason);
#define ARCH_VM_EXIT_REASONS 70
#define ARCH_VM_EXIT_IO	     30 /* I/O instruction (SDM Vol. 3D Appendix C) */
/* Its I/O exits by port: slot 0.. ARCH_VM_PORT_SLOTS - 1 each count one port (set in *port;
 * 0 exits: unused), slot ARCH_VM_PORT_SLOTS the ports beyond (*port = ARCH_VM_PORT_OTHERS). */
u64 arch_vm_io_port_count(u32 cpu, u32 slot, u32 *port);
#define ARCH_VM_PORT_SLOTS  16
#define ARCH_VM_PORT_OTHERS 0x10000u

/* Deliberately fault (debug option `selftest=`): "pf", "ud", "gp", "de"; "vmentry": the first
 * partition's first print hypercall is answered with a VM entry that fails (an invalid event
 * injection), to show a failed entry stops that partition only, restartably; "vmwrite": that
 * hypercall makes a VMWRITE the CPU refuses (an invalid field), which must stop it the same. */
void arch_selftest_fault(const char *kind);

#endif
