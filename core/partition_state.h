/*
 * The partition manager's own state, shared by its three files and by no other:
 *   partition.c           life cycle: enter, park, stop, restart, the shell's requests;
 *   partition_load.c      boot-time checks, address space, loading (again on a restart);
 *   partition_requests.c  what a running partition asks: hypercalls, ports, output, stats.
 */
#ifndef BULKHEAD_CORE_PARTITION_STATE_H
#define BULKHEAD_CORE_PARTITION_STATE_H

#include "arch/x86/arch.h"
#include "bulkhead/ptable.h"
#include "bulkhead/types.h"
#include "core/config.h"
#include "core/elf.h"
#include "core/guest_acpi.h"
#include "core/lineq.h"
#include "core/linux.h"
#include "core/partition.h"
#include "core/spinlock.h"
#include "core/textring.h"
#include "core/timeline.h"
#include "core/vchan.h"
#include "core/vioapic.h"
#include "core/vpci.h"
#include "core/vuart.h"

struct mb2_module;

enum part_state {
	PART_REFUSED = 0,
	PART_READY,
	PART_RUNNING,
	PART_RESTARTING, /* its CPUs are being parked to be reloaded */
	PART_STOPPED,
	PART_STARTING, /* reloaded; its CPUs are leaving park() */
	PART_LOADING,  /* at boot: its memory reserved, not loaded yet (then READY) */
};

struct partition {
	const struct partition_config *cfg;
	volatile u32 state;
	u32 restarts;
	u32 start_cpu;			     /* index of the CPU that starts it */
	u32 cpu_index[PT_MAX_CPUS];	     /* CPU index of each of cpus.apic_id[] */
	volatile u32 waiting;		     /* other CPUs now in wait-for-SIPI */
	volatile u8 cpu_parked[PT_MAX_CPUS]; /* which of cpus.apic_id[] are in park() */
	volatile u32 generation;    /* bumped by every (re)start: parked CPUs leave park() */
	struct spinlock print_lock; /* a line it prints, against a stop changing its state */
	struct spinlock uart_lock;  /* its COM1, written by any of its CPUs */
	const struct mb2_module *module;
	const struct mb2_module *initrd; /* PART_LINUX with an initrd tag */
	bool is_elf;
	struct elf_image elf;	 /* payload, when is_elf: what to load where */
	struct linux_boot linux; /* PART_LINUX: where kernel and initrd go */
	struct arch_vm_entry boot;
	char cmdline[MAX_CMDLINE];
	struct vuart uart;   /* its COM1 */
	u64 uart_tsc;	     /* when it last wrote to its COM1 (under uart_lock) */
	struct lineq out;    /* its lines, waiting for the boot CPU to write them to COM1 */
	u64 drop_report_tsc; /* when drops were last reported */
	/* Its recent lines, for `log <p>` (under print_lock). */
	struct textring history;
	char history_buf[PARTITION_LOG_BYTES];
	u64 start_tsc;		  /* when it last started running */
	struct start_times times; /* how long its starts took, for the boot log */
	u64 fault_tsc;		  /* when it last faulted (0: never), and why (under print_lock) */
	char fault[48];
	struct arch_vm vm;
	/* Its devices' emulation against a stop: an access another of its CPUs makes after
	 * the stop silenced them must not turn them back on. */
	struct spinlock dev_lock;
	struct vpci vpci;		 /* its PCI configuration space */
	struct vioapic vioapic;		 /* its I/O APIC */
	struct vchan vchan;		 /* its channels (Linux) */
	struct guest_acpi_platform acpi; /* what its ACPI tables describe (Linux) */
	struct guest_acpi_pci acpi_pci[GUEST_ACPI_MAX_PCI]; /* of its PCI functions */
};

/* One per row of the table, in table order (partition.c). */
extern struct partition parts[PT_MAX_PARTITIONS];

/* partition.c: the partition asked to exit (hypercall): stop it, park this CPU. */
__attribute__((noreturn)) void partition_exited(struct partition *p, u32 cpu, u64 code);

/* partition_load.c: scrub the partition's RAM and load it again from the pristine modules. */
void partition_load_image(struct partition *p);
/* At boot, on the CPU that starts it: scrub and load it the first time, and say so. Each
 * partition's own CPU does it, so partitions load side by side and none waits for another's
 * (Linux's RAM is the most to scrub); the boot CPU only builds them. */
void partition_load_first(struct partition *p);

/* partition_requests.c: write its queued lines to COM1 until `max_bytes` are out, under
 * print_lock; report drops. */
void partition_drain_locked(struct partition *p, u32 max_bytes);
/* At its stop, under print_lock: its queued lines, as far as conmux_parts_room() allows; the
 * rest kept for `log <p>`, counted, not shown. */
void partition_drain_at_stop(struct partition *p);
/* partition_requests.c: "partition <p>: exits on cpu <n>: ..." */
void partition_report_exits(const struct partition *p, u32 cpu);

#endif
