/*
 * Bulkhead payload SDK: a tiny freestanding library for bare-metal payloads that run as a
 * Bulkhead partition or, the same ELF, bare from GRUB (Multiboot2). docs/payloads.md has
 * the whole story; bulkhead/payload_abi.h is the contract with the hypervisor.
 *
 * A payload defines
 *
 *	int main(const struct sdk_env *env);
 *
 * The SDK's startup code runs first on the partition's first CPU: it enters long mode
 * (identity-mapped: the low 4 GiB, and the payload's regions above), sets up the console, the
 * IDT and the local APIC, and calls main() with interrupts disabled. Returning from main() is
 * sdk_exit(return value).
 *
 * Conventions: every time is in TSC ticks (sdk_tsc_khz() converts); every "cpu index" is
 * an index into env->apic_ids[] (0 = the CPU that runs main()); vectors below
 * SDK_VECTOR_FIRST are the CPU's exceptions and are reserved.
 */
#ifndef BULKHEAD_SDK_H
#define BULKHEAD_SDK_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bulkhead/payload_abi.h"
#include "bulkhead/sdk_ring.h" /* a single-producer, single-consumer ring for a channel */
#include "bulkhead/sdk_sync.h" /* spinlocks and atomics for payloads on several CPUs */

/* ---- environment ------------------------------------------------------------------- */

struct sdk_env {
	bool bulkhead;	    /* true: entered by Bulkhead; false: bare, from a Multiboot2 loader */
	uint32_t cpu_count; /* CPUs this payload owns; bare: 1 (or cmdline cpus=N, see below) */
	uint32_t apic_ids[PAYLOAD_MAX_CPUS]; /* [0] runs main(); bare cpus=N: 0..N-1 */
	uint64_t tsc_khz;    /* Bulkhead's measurement; bare: calibrated against PIT channel 2 */
	uint64_t ram_size;   /* Bulkhead: bytes of the first RAM region; bare: Multiboot2
				basic meminfo (1 MiB + upper memory), or 0 if absent. Every
				region: sdk_ram_regions() */
	const char *name;    /* the partition's name; bare: "bare" */
	const char *cmdline; /* never NULL; Bulkhead: table command line + words after the
				module tag; bare: the Multiboot2 command line */
	const struct payload_info *info; /* Bulkhead's page (PAYLOAD_INFO_GPA); NULL bare */
};

/* The payload's entry point, called once on CPU 0 with interrupts disabled. */
int main(const struct sdk_env *env);

/* The same environment main() got. */
const struct sdk_env *sdk_env(void);

/* ---- console ----------------------------------------------------------------------- */

/*
 * printf-style output. Each call prints whole lines: the text is formatted into one buffer
 * (at most SDK_LINE_MAX - 1 characters, the rest is cut), split at '\n', and each piece is
 * one line -- one HYPERCALL_PRINT under Bulkhead (Bulkhead prefixes it with the partition
 * name), or the text plus "\r\n" on COM1 bare. A trailing '\n' is optional. Lines longer
 * than 200 characters are split. Safe from any CPU and from interrupt handlers.
 * Formats: %d %i %u %x %X %o %p %s %c %%, flags - 0 + space #, width and precision
 * (also *), length modifiers hh h l ll z t j.
 */
#define SDK_LINE_MAX 512
int sdk_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int sdk_vprintf(const char *fmt, va_list ap);
int sdk_snprintf(char *buf, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int sdk_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* ---- command line ------------------------------------------------------------------ */

/*
 * Words are separated by spaces. A word "key=value" gives value; a word "key" alone gives
 * "". Copies the value (cut to size - 1, always terminated) into buf and returns true, or
 * returns false if the key is absent. The last occurrence wins.
 */
bool sdk_cmdline_arg(const char *key, char *buf, size_t size);
/* The value of key as an unsigned number (decimal, or hex with 0x); def if absent or not
 * a number. */
uint64_t sdk_cmdline_u64(const char *key, uint64_t def);

/* ---- time -------------------------------------------------------------------------- */

static inline uint64_t sdk_tsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}
uint64_t sdk_tsc_khz(void);
/* Busy-wait (interrupts keep their state). */
void sdk_delay_us(uint64_t us);

/* ---- interrupts -------------------------------------------------------------------- */

#define SDK_VECTOR_FIRST    0x30 /* first vector a payload may register */
#define SDK_VECTOR_SPURIOUS 0xff /* the APIC's spurious vector: never registered, no EOI */

/* Runs with interrupts disabled on the CPU that took the interrupt. The SDK sends the
 * local APIC EOI after the handler returns. */
typedef void (*sdk_irq_handler)(unsigned vector);

/* Register (or with NULL, remove) the handler of vector SDK_VECTOR_FIRST..0xfe for all
 * CPUs. Returns 0, or -1 for a reserved vector. An unregistered vector is counted and
 * acknowledged; an exception prints one line and ends the payload (sdk_exit(128 + n)),
 * unless the exception handler (sdk_on_exception) takes it. */
int sdk_irq_register(unsigned vector, sdk_irq_handler handler);

/* An exception (vector 0-31) as an exception handler sees it. rip is where the CPU would
 * resume: the faulting instruction for a fault (#GP, #UD, #PF ...). */
struct sdk_exception {
	unsigned vector;
	uint64_t error; /* the CPU's error code, 0 for vectors without one */
	uint64_t rip;	/* the handler may change it: the CPU resumes there */
	uint64_t rsp;
	uint64_t cr2; /* #PF only */
};
/* Return true if the exception was handled (the CPU resumes at e->rip), false to get the
 * default: one line "sdk: exception ..." and sdk_exit(128 + vector). Runs on the CPU that
 * took the exception, with interrupts disabled. */
typedef bool (*sdk_exception_handler)(struct sdk_exception *e);
/* Install (or with NULL, remove) the exception handler of all CPUs; returns the previous
 * one. NMIs are not passed to it. */
sdk_exception_handler sdk_on_exception(sdk_exception_handler handler);

static inline void sdk_irq_enable(void)
{
	__asm__ volatile("sti" ::: "memory");
}
static inline void sdk_irq_disable(void)
{
	__asm__ volatile("cli" ::: "memory");
}
/* Enable interrupts and halt until one has been handled, then disable them again: "sti;
 * hlt" is atomic (STI's one-instruction shadow), so a loop
 *	sdk_irq_disable(); while (!cond) sdk_wait();
 * cannot miss the interrupt that makes cond true. */
static inline void sdk_wait(void)
{
	__asm__ volatile("sti; hlt; cli" ::: "memory");
}

/* ---- local APIC, timer, IPIs, CPUs ------------------------------------------------- */

/* x2APIC (MSRs 0x800-0x8ff) always under Bulkhead; bare the SDK switches the APIC to x2APIC
 * mode if the CPU has it and uses the xAPIC's MMIO page otherwise. */
uint32_t sdk_apic_id(void);
/* This CPU's index in env->apic_ids[] (0 if it is not listed). */
unsigned sdk_cpu_index(void);
void sdk_apic_eoi(void);
/* CPUID.1:ECX[24]: the local APIC timer has TSC-deadline mode. */
bool sdk_has_tsc_deadline(void);

/* Periodic APIC-timer interrupt on vector every `period` TSC ticks (converted with the
 * APIC timer rate, which the SDK measures against the TSC on first use). */
void sdk_timer_periodic(unsigned vector, uint64_t period);
/* One interrupt on vector when the TSC reaches `deadline`: TSC-deadline mode
 * (IA32_TSC_DEADLINE, MSR 0x6e0) if the CPU has it, else a one-shot APIC-timer count of
 * the same length from now (a deadline already past fires at once). Call again from the
 * handler for the next one. */
void sdk_timer_deadline(unsigned vector, uint64_t deadline);
/* Stop this CPU's timer (masks the LVT timer, clears count and deadline). */
void sdk_timer_stop(void);
/* APIC timer ticks per millisecond at divide-by-1 (measured once against the TSC). */
uint64_t sdk_apic_timer_khz(void);

/* A fixed interrupt on vector to the CPU with that APIC ID (through the ICR, physical
 * destination, no shorthand: under Bulkhead only the partition's own APIC IDs are allowed,
 * anything else stops the partition). */
void sdk_ipi(uint32_t apic_id, unsigned vector);

/* Start CPU env->apic_ids[index] (index >= 1) by INIT + 10 ms + SIPI (+ a second SIPI if it
 * has not checked in after 10 ms). It enters long mode through a real-mode trampoline at
 * SDK_AP_PAGE (which must be RAM below 1 MiB and is overwritten), with its own
 * SDK_STACK_SIZE stack, the SDK's IDT and its APIC set up, interrupts disabled, and calls
 * fn(index); if fn returns the CPU halts (sdk_halt). Returns 0 once the CPU runs, -1 if the
 * index is bad or already started, -2 if the CPU did not check in within 1 s.
 * One CPU is started at a time (callers on several CPUs are serialized). */
#define SDK_AP_PAGE    0x8000u
#define SDK_STACK_SIZE 16384u
int sdk_start_cpu(unsigned index, void (*fn)(unsigned index));

/* ---- I/O APIC: a device's interrupt ------------------------------------------------ */

/*
 * Route a device's interrupt, a global system interrupt (GSI: an I/O APIC input; for an ISA
 * device its IRQ, e.g. 3 for COM2), to `vector` on the CPU env->apic_ids[cpu_index] (fixed
 * delivery, physical destination). Register the vector's handler (sdk_irq_register) first;
 * the SDK's EOI after the handler is the one a level-triggered input needs too.
 *
 * Under Bulkhead the I/O APIC is the partition's virtual one at SDK_IOAPIC_BASE: only the
 * GSIs of the partition's own devices (its layout's .devices) reach the hardware, each access
 * to it exits to Bulkhead (set-up work, not the interrupt path), and a refused entry is named
 * on COM1. Bare it is the machine's I/O APIC at the same address (GSI base 0). The first call
 * of any of these functions maps its 2 MiB page uncached in the SDK's page tables.
 */
#define SDK_IOAPIC_BASE 0xfec00000u
/* flags: trigger mode and polarity (ISA devices: edge, active high, i.e. 0), and whether the
 * entry stays masked (sdk_ioapic_unmask later). */
#define SDK_GSI_EDGE	    0x0u
#define SDK_GSI_LEVEL	    0x1u
#define SDK_GSI_ACTIVE_HIGH 0x0u
#define SDK_GSI_ACTIVE_LOW  0x2u
#define SDK_GSI_MASKED	    0x4u
/* Returns 0, -1 for a vector outside SDK_VECTOR_FIRST..0xfe or a bad cpu index (or an APIC
 * ID above 255, which physical destination mode cannot name), -2 for a GSI the I/O APIC does
 * not have. */
int sdk_ioapic_route(unsigned gsi, unsigned vector, unsigned cpu_index, unsigned flags);
/* Mask or unmask the GSI's entry, leaving the rest of it as it is. 0, or -2 as above. */
int sdk_ioapic_mask(unsigned gsi);
int sdk_ioapic_unmask(unsigned gsi);
/* The I/O APIC's inputs: its maximum redirection entry + 1 (IOAPICVER bits 23:16). */
unsigned sdk_ioapic_pins(void);

/* ---- memory ------------------------------------------------------------------------ */

/*
 * The payload's RAM, identity-mapped (a region's guest-physical address is its pointer).
 * Under Bulkhead: every REGION_RAM region of its row, in table order (the first is the one
 * env->ram_size describes); a Bulkhead too old to list them gives one, [0, ram_size). Bare:
 * the Multiboot2 memory map's available ranges (or upper memory from its basic meminfo),
 * which the firmware, the loader's data and the image itself also use. Start-up maps every
 * region above 4 GiB, with 1 GiB pages where the CPU has them, else 2 MiB pages from a pool
 * of 4 page-table pages (4 GiB above 4 GiB); what cannot be mapped is named on COM1 once
 * ("sdk: RAM ... not mapped") and left out of the list. Shared regions and channels above
 * 4 GiB are mapped the same way.
 */
#define SDK_MAX_RAM 16
struct sdk_ram {
	uint64_t start; /* guest-physical = virtual */
	uint64_t size;
};
/* The regions, *count of them (at most SDK_MAX_RAM). */
const struct sdk_ram *sdk_ram_regions(unsigned *count);
/* Where the image lies: [*start, *end), code, data and BSS (the SDK's stacks and page tables
 * among them). Under Bulkhead the rest of the regions is free, but for the information page
 * (PAYLOAD_INFO_GPA, 4 KiB) and SDK_AP_PAGE once a second CPU was started. */
void sdk_image(uint64_t *start, uint64_t *end);

/* ---- floating point and SIMD (docs/payloads.md) ------------------------------------ */

/*
 * The SDK is built without x87, SSE or AVX (SDK_CFLAGS: -mno-sse ...) and never touches their
 * registers; a payload file that computes in floating point is compiled with
 * SDK_FPU_CFLAGS (sdk.mk: SSE2, the x86-64 baseline), and a function that uses AVX carries
 * __attribute__((target("avx"))) and runs only once sdk_fpu_enable() said SDK_FPU_AVX.
 * The compiler may use XMM registers anywhere in such a file (zeroing a structure, copying
 * one), not only where it computes in floating point: SSE must be on before any of its code
 * runs. SDK_FPU_AT_START(features), once at file scope, has the SDK enable them before main()
 * (and on every CPU sdk_start_cpu() starts); else call sdk_fpu_enable() from a file built
 * with SDK_CFLAGS (or a function marked SDK_NO_FPU) first.
 *
 * sdk_fpu_enable(features) enables on the calling CPU what it asks and the CPU offers, and
 * returns what it enabled: SDK_FPU_SSE (x87 and SSE to SSE4.2: CR0.MP on, CR0.EM and CR0.TS
 * off, CR4.OSFXSR, CR4.OSXMMEXCPT; the first time also FNINIT and MXCSR 0x1f80), SDK_FPU_AVX
 * (AVX and AVX2: CR4.OSXSAVE and XCR0 = x87 | SSE | AVX, if CPUID has XSAVE and AVX and leaf
 * 0xD offers the three), SDK_FPU_AVX512 (XCR0 also opmask, ZMM_Hi256 and Hi16_ZMM, if
 * CPUID.7:EBX has AVX512F). Each needs the ones before it: asking for AVX asks for SSE. CPUs
 * that sdk_start_cpu() starts later enable the same; CPUs already running call it
 * themselves. Under Bulkhead the XSETBV and each CPUID are one exit, the CR writes none.
 *
 * Interrupt handlers: the SDK's interrupt entry leaves the FP/SIMD registers alone unless
 * SDK_FPU_IRQ_SAVE is asked (and it returns SDK_FPU_IRQ_SAVE): then every interrupt and
 * exception on a CPU with FP enabled saves the state on the interrupted stack before the
 * handler and restores it after -- XSAVE of the enabled components (x87 + SSE + AVX: 832
 * bytes; with AVX-512 2688 in the standard format) where CR4.OSXSAVE is set, FXSAVE (512
 * bytes) where only SSE is -- and the handler starts with MXCSR 0x1f80 and the upper YMM
 * halves zero. Without
 * it, a handler must not touch FP/SIMD: keep handlers in files built with SDK_CFLAGS, or
 * mark them SDK_NO_FPU (with SDK_FPU_CFLAGS the compiler may use XMM registers even for
 * integer code, e.g. to copy a structure). sdk_fpu_irq_save_bytes() is the area saved per
 * interrupt, 0 when none is. Asking once is enough: saving, once on, stays on.
 */
#define SDK_FPU_SSE	 0x1u
#define SDK_FPU_AVX	 0x2u
#define SDK_FPU_AVX512	 0x4u
#define SDK_FPU_IRQ_SAVE 0x100u
unsigned sdk_fpu_enable(unsigned features);
/* What sdk_fpu_enable() enabled so far (on CPU 0 before main() with SDK_FPU_AT_START), with
 * SDK_FPU_IRQ_SAVE if saving is on. */
unsigned sdk_fpu_enabled(void);
unsigned sdk_fpu_irq_save_bytes(void);
/* At file scope: enable `features` before main() runs, as sdk_fpu_enable(features) would. */
extern const unsigned sdk_fpu_at_start;
#define SDK_FPU_AT_START(features) const unsigned sdk_fpu_at_start = (features)
/* A function the compiler keeps off the x87/SSE/AVX registers, in a file built with FP. */
#define SDK_NO_FPU __attribute__((target("general-regs-only")))

/* ---- shared regions ---------------------------------------------------------------- */

/* The i-th REGION_SHARED of the partition (identity-mapped, so the pointer is its
 * guest-physical address) and its size in *size (if size is not NULL); NULL if there is
 * no such region (always NULL bare). */
void *sdk_shared(unsigned i, uint64_t *size);

/* ---- channels (docs/channels.md) -------------------------------------------------- */

/* One of the partition's channels, as its information page lists it: memory it shares
 * with one other partition (identity-mapped, so `mem` is its guest-physical address) and
 * the doorbell between them. */
struct sdk_channel {
	const char *name;
	void *mem;	  /* the channel's memory in this partition */
	uint64_t size;	  /* its bytes */
	bool writable;	  /* this side's end is MEM_RW (false: MEM_R, reading only) */
	unsigned vector;  /* what a doorbell rung by the other side raises here ... */
	uint32_t apic_id; /* ... on this CPU of the partition */
	unsigned index;	  /* its number in the information page: HYPERCALL_DOORBELL's EBX */
};

/* The channel called `name` into *out: 0, or -1 if the partition has no such channel
 * (always -1 bare). */
int sdk_channel_find(const char *name, struct sdk_channel *out);
/* Ring the other side's doorbell (HYPERCALL_DOORBELL with ch->index): its CPU takes its
 * end's vector. 0, or -1: not a channel of this partition (Bulkhead names the attempt once
 * on COM1), or rung faster than Bulkhead lets a side be rung (16 at once, then 16 a
 * millisecond: the doorbell is dropped, named once). Always -1 bare. The ring carries no
 * data: what is new is in the memory, written before the call. */
int sdk_channel_ring(const struct sdk_channel *ch);
/* Run handler(), with interrupts disabled, when the other side rings: it is registered
 * (sdk_irq_register) on ch->vector, which ch->apic_id takes. That CPU must be one that
 * serves interrupts (the caller, typically, waiting in sdk_wait()); under Bulkhead the
 * doorbell reaches the guest with no exit. The SDK sends the local APIC EOI after the
 * handler returns, as for every registered vector: the handler must not. Doorbells that
 * come while one is pending collapse into one (the APIC keeps a bit per vector), so the
 * handler takes everything new, not one item. NULL removes it. 0, or -1 for a vector the
 * SDK reserves (below SDK_VECTOR_FIRST, or the spurious vector). */
int sdk_channel_on_doorbell(const struct sdk_channel *ch, void (*handler)(void));

/* ---- the end ----------------------------------------------------------------------- */

/* End the payload. Under Bulkhead: HYPERCALL_EXIT with code (the partition stops, all its
 * CPUs). Bare: the emulator power-off ports ("Shutdown" to 0x8900 for Bochs, 0 to 0xf4 for
 * QEMU's isa-debug-exit), then this CPU halts for good. */
_Noreturn void sdk_exit(int code);
/* Stop this CPU for good: cli; hlt forever. */
_Noreturn void sdk_halt(void);
/* Serve interrupts forever on this CPU: sti; hlt in a loop. */
_Noreturn void sdk_idle(void);

/* ---- freestanding helpers (the compiler may also call the first four) -------------- */

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strncmp(const char *a, const char *b, size_t n);

#endif
