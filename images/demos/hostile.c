/*
 * hostile: a payload that attacks the hypervisor and its neighbours, one attack per run,
 * chosen by `attack=<name>` on its command line (docs/isolation.md lists them with the
 * result Bulkhead's policy promises, tests/emu/isolation.sh checks each under Bochs).
 *
 * It prints "hostile: attack <name>", makes the attack, and if it is still running prints
 * one line of what it observed ("hostile: <name>: read 0xffffffff", "hostile: <name>:
 * caught exception 13", ...) and "hostile: <name>: survived", then exits (code 0). An
 * attack Bulkhead stops prints nothing after the first line: the stop report is
 * Bulkhead's. An unknown name prints "hostile: unknown attack <name>" and the list.
 *
 * Addresses are guest-physical (the SDK identity-maps the low 4 GiB) and assume the "rt"
 * layout (partitions/rt.c): this partition's RAM is guest 0-2 MiB, rt1's RAM is host
 * 0x4200000, rt2's 0x4400000, the hypervisor is loaded at host 2 MiB (up to 16 MiB) and
 * the page allocator hands out its tables (EPT, VMCS, stacks) from the top of RAM down.
 * The sibling-* attacks need a second CPU (the "sibling" layout, tests/layouts/sibling.c,
 * where rt1's RAM is where the rt layout has it); they use guest pages 0x8000 (the SDK's AP
 * trampoline) and 0x9000 (where the second CPU starts after the attack's SIPIs).
 */
#include <bulkhead/sdk.h>

#define NEIGHBOUR_INFO 0x4201000u /* rt1's payload_info (starts "BULK") at its host address */
#define NEIGHBOUR_RAM  0x4400000u /* rt2's RAM at its host address */
#define PAST_RAM       0x200000u /* first byte past our 2 MiB; the hypervisor's host load address */
#define HV_IMAGE       0x300000u /* inside the hypervisor's host range (2-16 MiB) */
#define HV_TABLES      0xffff000u  /* top of a 256 MiB machine: the allocator's first pages */
#define OWN_HOST       0x4000000u  /* our own RAM's host address: not ours as a guest address */
#define LAPIC_MMIO     0xfee00020u /* xAPIC ID register */
#define IOAPIC_MMIO    0xfec00000u /* IOREGSEL */
#define HPET_MMIO      0xfed00000u /* capabilities and ID */
#define MMCONFIG       0xe0000000u /* PCI ECAM (q35's at 0xb0000000, Bochs's i440fx has none) */
#define FOREIGN_APIC   2u	   /* rt1's CPU */
#define VEC_STORM      0x50
#define STORM_UD       100000u

#define MSR_APIC_BASE	    0x1b
#define MSR_FEATURE_CONTROL 0x3a
#define MSR_TSC		    0x10
#define MSR_MTRR_PHYSBASE0  0x200
#define MSR_EFER	    0xc0000080u
#define MSR_X2APIC_ICR	    0x830

/* ICR (x2APIC, SDM Vol. 3A §11.6.1, §11.12.9): destination in bits 63:32. */
#define ICR_FIXED	 (0u << 8)
#define ICR_SMI		 (2u << 8)
#define ICR_NMI		 (4u << 8)
#define ICR_INIT	 (5u << 8)
#define ICR_SIPI	 (6u << 8)
#define ICR_LOGICAL	 (1u << 11)
#define ICR_ASSERT	 (1u << 14)
#define ICR_SELF	 (1u << 18)
#define ICR_ALL		 (2u << 18)
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_DEST(id)	 ((uint64_t)(id) << 32)
#define CR4_VMXE	 (1ull << 13)
#define CR4_OSXSAVE	 (1ull << 18)

/* Where an expected exception resumes (0: none expected); read by on_exception. */
volatile uint64_t hostile_fixup;
static volatile int caught = -1; /* vector of the last exception caught, -1: none */
static volatile uint64_t caught_count;
static const char *attack = "";

static bool on_exception(struct sdk_exception *e)
{
	if (!hostile_fixup)
		return false;
	caught = (int)e->vector;
	caught_count++;
	e->rip = hostile_fixup;
	return true;
}

/* One instruction (or a few) that may fault: on an exception the CPU resumes after it.
 * The arguments after the text are the asm's operand lists; r11 must be in the clobbers. */
#define GUARDED(text, ...)                                                                         \
	__asm__ volatile("leaq 1f(%%rip), %%r11\n\t"                                               \
			 "movq %%r11, hostile_fixup(%%rip)\n\t" text "\n1:\n\t"                    \
			 "movq $0, hostile_fixup(%%rip)" __VA_ARGS__)

static void wrmsr_guarded(uint32_t msr, uint64_t v)
{
	GUARDED("wrmsr", ::"c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "r11", "memory");
}

static uint64_t rdmsr_guarded(uint32_t msr)
{
	uint32_t lo = 0, hi = 0;

	GUARDED("rdmsr", : "+a"(lo), "+d"(hi) : "c"(msr) : "r11", "memory");
	return (uint64_t)hi << 32 | lo;
}

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}
static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" ::"a"(v), "Nd"(port));
}
static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static uint64_t vmcall(uint64_t nr, uint64_t a1, uint64_t a2)
{
	uint64_t ret;

	__asm__ volatile("vmcall" : "=a"(ret) : "a"(nr), "b"(a1), "c"(a2) : "memory");
	return ret;
}

static uint64_t read_cr4(void)
{
	uint64_t v;

	__asm__ volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static void write_cr4_guarded(uint64_t v)
{
	GUARDED("mov %0, %%cr4", ::"r"(v) : "r11", "memory");
}

/* ---- what was observed ----------------------------------------------------------------- */

static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...)
{
	char line[160];
	va_list ap;

	va_start(ap, fmt);
	sdk_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	sdk_printf("hostile: %s: %s", attack, line);
}

static void report_caught(void)
{
	if (caught < 0)
		report("no exception");
	else
		report("caught exception %d", caught);
}

/* ---- the attacks -------------------------------------------------------------------- */

static void peek(uint32_t gpa)
{
	report("read 0x%x", *(volatile uint32_t *)(uintptr_t)gpa);
}

static void poke(uint32_t gpa)
{
	*(volatile uint32_t *)(uintptr_t)gpa = 0xdeadbeef;
	report("wrote 0xdeadbeef at 0x%x", gpa);
}

static void read_neighbour(void)
{
	peek(NEIGHBOUR_INFO);
}
static void write_neighbour(void)
{
	poke(NEIGHBOUR_RAM);
}
static void read_past_ram(void)
{
	peek(PAST_RAM);
}
static void write_hypervisor(void)
{
	poke(HV_IMAGE);
}
static void write_hv_tables(void)
{
	poke(HV_TABLES);
}
static void read_own_host(void)
{
	peek(OWN_HOST);
}
static void lapic_mmio(void)
{
	peek(LAPIC_MMIO);
}
static void ioapic_mmio(void)
{
	poke(IOAPIC_MMIO);
}
static void hpet_mmio(void)
{
	peek(HPET_MMIO);
}
static void mmconfig(void)
{
	peek(MMCONFIG);
}

/* PIT: channel 0 reprogrammed (mode 2, count 0x10), its count read back. */
static void port_pit(void)
{
	outb(0x43, 0x34);
	outb(0x40, 0x10);
	outb(0x40, 0x00);
	report("read 0x%x", inb(0x40));
}

/* PIC: every line unmasked, the slave's mask read back. */
static void port_pic(void)
{
	outb(0x21, 0x00);
	report("read 0x%x", inb(0xa1));
}

/* PCI configuration mechanism 1: bus 0 device 0's vendor and device ID. */
static void port_pci(void)
{
	outl(0xcf8, 0x80000000u);
	report("read 0x%x", inl(0xcfc));
}

/* Reset control register: hard reset (0x06). */
static void port_reset(void)
{
	outb(0xcf9, 0x06);
	report("read 0x%x", inb(0xcf9));
}

/* Keyboard controller: pulse the reset line (0xfe). */
static void port_kbc(void)
{
	outb(0x64, 0xfe);
	report("read 0x%x", inb(0x64));
}

/* COM2, granted to rt1: its line status register. */
static void port_neighbour(void)
{
	outb(0x2f8, 'X');
	report("read 0x%x", inb(0x2fd));
}

/* String I/O: REP INSB from the keyboard controller into our own buffer. */
/* Every port but its own COM1's, read: 65,528 traps. Bulkhead names 32 and says the rest
 * are not named, so the sweep neither floods COM1 nor takes it from the neighbours. */
static void port_sweep(void)
{
	uint32_t ones = 0, tried = 0;

	for (uint32_t port = 0; port < 0x10000; port++) {
		if (port >= 0x3f8 && port <= 0x3ff)
			continue;
		tried++;
		ones += inb((uint16_t)port) == 0xff;
	}
	report("%u of %u ports read 0xff", ones, tried);
}

static void port_string(void)
{
	static uint8_t buf[16] = {0x5a, 0x5a};
	void *dst = buf;
	uint64_t n = sizeof(buf);

	__asm__ volatile("rep insb" : "+D"(dst), "+c"(n) : "d"(0x60) : "memory");
	report("buffer 0x%x 0x%x, rcx %llu", buf[0], buf[1], (unsigned long long)n);
}

static void msr_write(uint32_t msr, uint64_t v)
{
	wrmsr_guarded(msr, v);
	report_caught();
}

/* x2APIC off (EN and EXTD cleared): the whole APIC, as the hypervisor set it up. */
static void wrmsr_apic_base(void)
{
	msr_write(MSR_APIC_BASE, rdmsr_guarded(MSR_APIC_BASE) & ~0xc00ull);
}

/* Unlock-and-clear attempt: lock bit and VMX enables cleared. */
static void wrmsr_feature_control(void)
{
	msr_write(MSR_FEATURE_CONTROL, 0);
}

/* MTRR PHYSBASE0 made uncached: writes are dropped (the value reads back unchanged). */
static void wrmsr_mtrr(void)
{
	uint64_t before = rdmsr_guarded(MSR_MTRR_PHYSBASE0), after;

	wrmsr_guarded(MSR_MTRR_PHYSBASE0, before & ~0xffull);
	after = rdmsr_guarded(MSR_MTRR_PHYSBASE0);
	report("%s, mtrr 0x%llx before, 0x%llx after",
	       caught < 0 ? "no exception" : "caught exception", (unsigned long long)before,
	       (unsigned long long)after);
}

/* EFER with reserved bit 1 set. */
static void wrmsr_efer(void)
{
	msr_write(MSR_EFER, rdmsr_guarded(MSR_EFER) | 2);
}

/* The TSC, shared time, set back to 0: dropped (the count keeps going). */
static void wrmsr_tsc(void)
{
	uint64_t before = sdk_tsc();

	wrmsr_guarded(MSR_TSC, 0);
	report("%s, tsc %s", caught < 0 ? "no exception" : "caught exception",
	       sdk_tsc() > before ? "kept counting" : "WENT BACK");
}

static void icr(uint64_t v)
{
	wrmsr_guarded(MSR_X2APIC_ICR, v);
	if (caught < 0)
		report("ipi 0x%llx sent", (unsigned long long)v);
	else
		report("caught exception %d", caught);
}

static void icr_init_foreign(void)
{
	icr(ICR_DEST(FOREIGN_APIC) | ICR_ASSERT | ICR_INIT);
}
static void icr_sipi_foreign(void)
{
	icr(ICR_DEST(FOREIGN_APIC) | ICR_ASSERT | ICR_SIPI | 0x08);
}
static void icr_nmi_foreign(void)
{
	icr(ICR_DEST(FOREIGN_APIC) | ICR_ASSERT | ICR_NMI);
}
static void icr_smi_foreign(void)
{
	icr(ICR_DEST(FOREIGN_APIC) | ICR_ASSERT | ICR_SMI);
}
/* Vector 0x40 is the heartbeat's timer: a forged beat would show as a short interval. */
/* A self-IPI with a reserved ICR bit (13) set: a real x2APIC raises #GP for it, and so must
 * the guest get, before the value can reach the real ICR from inside the hypervisor. */
static void icr_reserved(void)
{
	sdk_irq_enable();
	wrmsr_guarded(MSR_X2APIC_ICR, ICR_SELF | (1u << 13) | ICR_ASSERT | 0x41);
	sdk_delay_us(1000);
	sdk_irq_disable();
	report_caught();
}

/* The local APIC's LINT0 entry: first with a reserved bit (20) set, which a real x2APIC
 * refuses with #GP; then with SMI delivery, unmasked (an SMI stalls every core while firmware
 * runs): it must end up masked. */
static void lvt_smi(void)
{
	int reserved;

	wrmsr_guarded(0x835, (1u << 20) | 0x10000);
	reserved = caught;
	caught = -1;
	wrmsr_guarded(0x835, 2u << 8);
	report("reserved bit: exception %d; smi: exception %d, lint0 reads 0x%llx", reserved,
	       caught, (unsigned long long)rdmsr_guarded(0x835));
}

static void icr_fixed_foreign(void)
{
	icr(ICR_DEST(FOREIGN_APIC) | ICR_ASSERT | 0x40);
}
static void icr_broadcast_init(void)
{
	icr(ICR_ALL_BUT_SELF | ICR_ASSERT | ICR_INIT);
}
/* x2APIC physical destination 0xffffffff is a broadcast to every CPU. */
static void icr_dest_all(void)
{
	icr(ICR_DEST(0xffffffffu) | ICR_ASSERT | 0x40);
}

/* 1000 fixed IPIs on the heartbeat's vector, shorthand all-excluding-self: allowed, and
 * with one CPU in this partition they reach nobody. */
static void icr_broadcast_fixed(void)
{
	for (int i = 0; i < 1000; i++)
		wrmsr_guarded(MSR_X2APIC_ICR, ICR_ALL_BUT_SELF | ICR_ASSERT | 0x40);
	report("1000 ipis sent, %s", caught < 0 ? "no exception" : "caught exception");
}

/* A broadcast in logical destination mode (vector 18, #MC on whoever takes it), shorthand
 * all-including-self: logical mode is forbidden. */
static void icr_broadcast_logical(void)
{
	sdk_irq_enable();
	wrmsr_guarded(MSR_X2APIC_ICR, ICR_ALL | ICR_LOGICAL | ICR_ASSERT | 0x12);
	sdk_delay_us(1000);
	sdk_irq_disable();
	report_caught();
}

static void vmxon(void)
{
	static uint64_t region __attribute__((aligned(4096)));

	GUARDED("vmxon %0", ::"m"(region) : "r11", "memory", "cc");
	report_caught();
}

static void vmread(void)
{
	uint64_t field = 0x681e, v = 0; /* GUEST_RIP */

	GUARDED("vmread %1, %0", : "+r"(v) : "r"(field) : "r11", "memory", "cc");
	if (caught < 0)
		report("read 0x%llx", (unsigned long long)v);
	else
		report_caught();
}

static void vmcall_bad(void)
{
	report("returned 0x%llx", (unsigned long long)vmcall(0x1234, 0, 0));
}

/* A print of 4 GiB - 1 bytes: cut to 200. */
/* One print that tries to start lines of Bulkhead's and a neighbour's: a line end, a
 * carriage return and erase-line escapes in 7 and 8 bits. */
/* Rings the first 65,536 channel numbers (and one with the upper half of RBX set): rt0 is on
 * no channel, so each is refused; only 32 may be named, then one line. */
static void doorbell_sweep(void)
{
	uint32_t refused = 0;

	for (uint32_t n = 0; n < 0x10000; n++)
		refused += vmcall(HYPERCALL_DOORBELL, n, 0) == ~0ull;
	refused += vmcall(HYPERCALL_DOORBELL, 1ull << 32, 0) == ~0ull;
	report("%u of 65537 doorbells refused", refused);
}

static void vmcall_print_forge(void)
{
	static const char text[] = "x\npartition rt1: stopped: forged\r\x1b[2K\x9b"
				   "2Kbulkhead: halted: forged";

	report("returned 0x%llx",
	       (unsigned long long)vmcall(HYPERCALL_PRINT, (uintptr_t)text, sizeof(text) - 1));
}

static void vmcall_print_huge(void)
{
	static char text[512];

	memset(text, 'x', sizeof(text));
	report("returned 0x%llx",
	       (unsigned long long)vmcall(HYPERCALL_PRINT, (uintptr_t)text, 0xffffffffu));
}

/* A print of rt1's info page (at its host address): refused, nothing printed. */
static void vmcall_print_foreign(void)
{
	report("returned 0x%llx", (unsigned long long)vmcall(HYPERCALL_PRINT, NEIGHBOUR_INFO, 16));
}

/* A print that starts in our RAM and runs past its end: refused whole. */
static void vmcall_print_edge(void)
{
	report("returned 0x%llx", (unsigned long long)vmcall(HYPERCALL_PRINT, PAST_RAM - 16, 64));
}

static void cr4_vmxe(void)
{
	unsigned vmxe;

	write_cr4_guarded(read_cr4() | CR4_VMXE);
	vmxe = (read_cr4() & CR4_VMXE) != 0;
	if (caught < 0)
		report("no exception, cr4.vmxe reads %u", vmxe);
	else
		report("caught exception %d, cr4.vmxe reads %u", caught, vmxe);
}

/* CPUID leaf `leaf`, sub-leaf 0: r[0..3] = EAX, EBX, ECX, EDX. */
static void cpuid0(uint32_t leaf, uint32_t r[4])
{
	r[0] = leaf;
	r[2] = 0;
	__asm__ volatile("cpuid" : "+a"(r[0]), "=b"(r[1]), "+c"(r[2]), "=d"(r[3]));
}

static uint64_t xgetbv0(void)
{
	uint32_t lo = 0, hi = 0;

	GUARDED("xgetbv", : "+a"(lo), "+d"(hi) : "c"(0) : "r11", "memory");
	return (uint64_t)hi << 32 | lo;
}

static bool xsetbv_faults(uint32_t index, uint64_t v)
{
	caught = -1;
	GUARDED("xsetbv", ::"c"(index), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
		: "r11", "memory");
	return caught == 13;
}

/* XCR0: the CPU's own, so a partition may enable x87/SSE/AVX as on bare metal, but every
 * value the CPU would refuse is refused with #GP (Bulkhead writes XCR0 for the guest, and a
 * bad value there would fault in the hypervisor). Then AVX must work. */
static void xsetbv(void)
{
	static const struct {
		uint32_t index;
		uint64_t value;
	} bad[] = {
	    {0, ~0ull},		/* every bit */
	    {0, 0},		/* x87 clear */
	    {0, 0x5},		/* AVX without SSE */
	    {0, 0x7 | 1u << 5}, /* one third of AVX-512 */
	    {1, 0x1},		/* XCR1 cannot be written */
	};
	uint64_t start, now;
	unsigned refused = 0, osxsave, pku_agrees;
	uint32_t leaf1[4], leaf7[4], leafd[4];

	write_cr4_guarded(read_cr4() | CR4_OSXSAVE);
	cpuid0(1, leaf1);
	cpuid0(7, leaf7);
	cpuid0(0xd, leafd);
	osxsave = (leaf1[2] >> 27) & 1;
	pku_agrees = ((leaf7[2] >> 3) & 1) == ((leafd[0] >> 9) & 1); /* PKU iff PKRU state */
	start = xgetbv0();
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		refused += xsetbv_faults(bad[i].index, bad[i].value);
	caught = -1;
	xsetbv_faults(0, 0x7);
	now = xgetbv0();
	caught = -1;
	GUARDED("vxorps %%ymm1, %%ymm1, %%ymm1\n\tvaddps %%ymm1, %%ymm1, %%ymm0", ::
		    : "r11", "memory");
	report("xcr0 0x%llx at start, cpuid osxsave %u, pku %s, %u of %u bad values refused with "
	       "#GP, xcr0 0x%llx after setting 0x7, avx %s",
	       (unsigned long long)start, osxsave,
	       pku_agrees ? "agrees with xsave" : "without pkru", refused,
	       (unsigned)(sizeof(bad) / sizeof(bad[0])), (unsigned long long)now,
	       caught < 0 ? "ok" : "faulted");
}

static void invd(void)
{
	GUARDED("invd", ::: "r11", "memory");
	report_caught();
}

static void wbinvd(void)
{
	GUARDED("wbinvd", ::: "r11", "memory");
	report_caught();
}

/* Interrupts off, halted for ever: only Bulkhead's NMI (the shell's stop) gets it out. */
static void cli_hlt(void)
{
	sdk_halt();
}

/* No IDT: #UD cannot be delivered, nor the #DF after it. */
static void triple_fault(void)
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) none = {0, 0};

	__asm__ volatile("lidt %0; ud2" ::"m"(none));
}

static void exception_storm(void)
{
	for (uint32_t i = 0; i < STORM_UD; i++)
		GUARDED("ud2", ::: "r11", "memory");
	report("caught %llu exceptions, last %d", (unsigned long long)caught_count, caught);
}

/* Self-IPIs, each handler sending the next: STORM_SELF through the x2APIC SELF IPI
 * register (0x83f, passed through: no exit), then STORM_ICR through the ICR with shorthand
 * self (each one a VM exit). Bounded by count: under Bochs a VM exit costs far more host
 * time than its emulated time, and a time-bounded storm of exits slows the whole machine. */
#define MSR_X2APIC_SELF_IPI 0x83f
#define STORM_SELF	    100000u
#define STORM_ICR	    2000u
static volatile uint64_t storm_irqs;

static void storm_irq(unsigned vector)
{
	uint64_t n = ++storm_irqs;

	if (n < STORM_SELF)
		wrmsr_guarded(MSR_X2APIC_SELF_IPI, vector);
	else if (n < STORM_SELF + STORM_ICR)
		wrmsr_guarded(MSR_X2APIC_ICR, ICR_SELF | ICR_ASSERT | vector);
}

static void interrupt_storm(void)
{
	uint64_t t0 = sdk_tsc(), limit = t0 + 5000 * sdk_tsc_khz();

	sdk_irq_register(VEC_STORM, storm_irq);
	wrmsr_guarded(MSR_X2APIC_SELF_IPI, VEC_STORM);
	while (storm_irqs < STORM_SELF + STORM_ICR && sdk_tsc() < limit)
		sdk_wait();
	report("%llu self-ipis taken, %s", (unsigned long long)storm_irqs,
	       caught < 0 ? "no exception" : "caught exception");
}

/* Page tables at a guest-physical address outside our RAM: the next fetch walks them. */
static void cr3_outside(void)
{
	__asm__ volatile("mov %0, %%cr3" ::"r"((uint64_t)OWN_HOST) : "memory");
	report("still running");
}

/* CR0 with a reserved high bit and NE flipped (NE is host-owned, so the write exits). */
/* Paging off in 64-bit mode, with CR0.NE flipped too so that Bulkhead sees the write: the CPU
 * raises #GP for it (it would also drop IA-32e mode under running 64-bit code). */
static void cr0_paging_off(void)
{
	uint64_t cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 ^ (1ull << 5)) & ~(1ull << 31);
	GUARDED("mov %0, %%cr0", ::"r"(cr0) : "r11", "memory");
	report_caught();
}

static void cr0_reserved(void)
{
	uint64_t cr0;

	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	cr0 = (cr0 ^ (1ull << 5)) | (1ull << 40);
	GUARDED("mov %0, %%cr0", ::"r"(cr0) : "r11", "memory");
	report_caught();
}

/* ---- attacks through a sibling CPU ------------------------------------------------------
 * These need a second CPU in the partition (tests/layouts/sibling.c: this partition on APIC
 * IDs 1 and 2). CPU 0 starts CPU 1 with sdk_start_cpu() and waits until it said it is up
 * (sibling_up counts its starts). With one CPU they print "needs 2 cpus" and survive. */
#define SIBLING_WAIT_MS 1000
#define SIPI_ROUNDS	4
/* Where CPU 1 starts after the attack's SIPIs, in real mode (SIPI vector RM_PAGE >> 12). */
#define RM_PAGE 0x9000

static volatile uint32_t sibling_up;
volatile uint64_t hostile_nmis; /* NMIs CPU 1 took (hostile_nmi_stuck counts them) */

/* Wait until *v reaches want, at most ms milliseconds. */
static bool wait_at_least(volatile uint32_t *v, uint32_t want, uint64_t ms)
{
	uint64_t t0 = sdk_tsc(), ticks = ms * sdk_tsc_khz();

	while (__atomic_load_n(v, __ATOMIC_ACQUIRE) < want)
		if (sdk_tsc() - t0 >= ticks)
			return false;
		else
			__asm__ volatile("pause");
	return true;
}

/* Start CPU 1 running fn, which prints its line and then counts itself in sibling_up. */
static bool start_sibling(void (*fn)(unsigned index))
{
	const struct sdk_env *e = sdk_env();
	int rc;

	if (e->cpu_count < 2) {
		report("needs 2 cpus, has %u", e->cpu_count);
		return false;
	}
	rc = sdk_start_cpu(1, fn);
	if (rc == 0 && !wait_at_least(&sibling_up, 1, SIBLING_WAIT_MS))
		rc = -3;
	if (rc)
		report("cpu 1 did not start (%d)", rc);
	return rc == 0;
}

static void sibling_says_up(unsigned index, const char *what)
{
	sdk_printf("hostile: %s: cpu %u up, apic id %u, %s", attack, index, sdk_apic_id(), what);
	__atomic_add_fetch(&sibling_up, 1, __ATOMIC_RELEASE);
}

static void icr_to_sibling(uint32_t mode_vector)
{
	wrmsr_guarded(MSR_X2APIC_ICR, ICR_DEST(sdk_env()->apic_ids[1]) | ICR_ASSERT | mode_vector);
}

/* CPU 1 spins with interrupts off and never leaves the guest (cli; jmp .); CPU 0 halts with
 * interrupts off. Only Bulkhead's NMIs reach either: the shell's stop must park both. */
static void spinning_sibling(unsigned index)
{
	sibling_says_up(index, "spinning with interrupts off");
	__asm__ volatile("cli\n1:\tjmp 1b" ::: "memory");
	__builtin_unreachable();
}

static void sibling_spin_stop(void)
{
	if (!start_sibling(spinning_sibling))
		return;
	report("cpu 0 halting with interrupts off");
	sdk_halt();
}

/* CPU 1's NMI handler (the IDT's vector 2, for every CPU): it counts the NMI and never
 * returns, interrupts off. Without an IRET the CPU keeps NMIs blocked. */
__asm__(".pushsection .text\n"
	".globl hostile_nmi_stuck\n"
	"hostile_nmi_stuck:\n"
	"\tlock incq hostile_nmis(%rip)\n"
	"\tcli\n"
	"1:\tpause\n"
	"\tjmp 1b\n"
	".popsection");
void hostile_nmi_stuck(void);

/* Point the IDT's NMI gate (the SDK's one IDT, every CPU's) at handler. */
static void set_nmi_gate(void (*handler)(void))
{
	struct {
		uint16_t limit;
		uint64_t base;
	} __attribute__((packed)) idtr;
	volatile uint16_t *gate;
	uint64_t a = (uintptr_t)handler;

	__asm__ volatile("sidt %0" : "=m"(idtr));
	gate = (volatile uint16_t *)(uintptr_t)(idtr.base + 2 * 16); /* 16-byte gates */
	gate[0] = (uint16_t)a;					     /* offset 15:0 */
	gate[3] = (uint16_t)(a >> 16);				     /* offset 31:16 */
	*(volatile uint32_t *)(gate + 4) = (uint32_t)(a >> 32);	     /* offset 63:32 */
}

static void waiting_sibling(unsigned index)
{
	sibling_says_up(index, "waiting for nmis");
	for (;;)
		__asm__ volatile("pause");
}

/* CPU 0 sends NMIs to CPU 1 until it takes one, then for ever (one a millisecond: each is a
 * VM exit of CPU 0); CPU 1's handler never returns. */
static void sibling_nmi_loop(void)
{
	uint64_t t0;

	set_nmi_gate(hostile_nmi_stuck);
	if (!start_sibling(waiting_sibling))
		return;
	t0 = sdk_tsc();
	while (!hostile_nmis && sdk_tsc() - t0 < SIBLING_WAIT_MS * sdk_tsc_khz()) {
		icr_to_sibling(ICR_NMI);
		sdk_delay_us(1000);
	}
	if (hostile_nmis)
		report("cpu 1 took an nmi and stays in its handler; more nmis follow");
	else
		report("cpu 1 took no nmi");
	for (;;) {
		icr_to_sibling(ICR_NMI);
		sdk_delay_us(1000);
	}
}

/* Where CPU 1 starts after each of the attack's SIPIs (copied to RM_PAGE; it runs anywhere):
 * in real mode, with CS at the SIPI's page, it counts the SIPI in the digit of its own text,
 * prints the text (the print hypercall works from real mode: EBX is guest-physical) and goes
 * on through the SDK's trampoline, which sdk_start_cpu() left at SDK_AP_PAGE (0800:0000),
 * into long mode, where it calls its function again. */
_Static_assert(SDK_AP_PAGE == 0x8000, "the far jump below goes to 0800:0000");
__asm__(".pushsection .rodata\n"
	".code16\n"
	".globl hostile_rm_entry, hostile_rm_size, hostile_rm_digit_at\n"
	"hostile_rm_entry:\n"
	"\tcli\n"
	"\tmovw %cs, %ax\n"
	"\tmovw %ax, %ds\n"
	"\tincb hostile_rm_digit - hostile_rm_entry\n"
	"\tmovzwl %ax, %ebx\n"
	"\tshll $4, %ebx\n"
	"\taddl $(hostile_rm_text - hostile_rm_entry), %ebx\n"
	"\tmovl $(hostile_rm_digit + 1 - hostile_rm_text), %ecx\n"
	"\tmovl $1, %eax\n" /* HYPERCALL_PRINT */
	"\tvmcall\n"
	"\tljmp $0x0800, $0\n"
	"hostile_rm_text:\n"
	"\t.ascii \"hostile: sibling-init-sipi: cpu 1 in real mode after SIPI \"\n"
	"hostile_rm_digit:\n"
	"\t.byte '0'\n"
	"hostile_rm_end:\n"
	".code64\n"
	".balign 4\n"
	"hostile_rm_size:\n"
	"\t.long hostile_rm_end - hostile_rm_entry\n"
	"hostile_rm_digit_at:\n"
	"\t.long hostile_rm_digit - hostile_rm_entry\n"
	".popsection");
extern const uint8_t hostile_rm_entry[];
extern const uint32_t hostile_rm_size, hostile_rm_digit_at; /* bytes; the digit's offset */

static void long_mode_sibling(unsigned index)
{
	sdk_printf("hostile: %s: cpu %u in 64-bit mode, start %u", attack, index, sibling_up + 1);
	__atomic_add_fetch(&sibling_up, 1, __ATOMIC_RELEASE);
	for (;;)
		__asm__ volatile("pause");
}

/* INIT and SIPI to CPU 1 while it runs in 64-bit mode, SIPI_ROUNDS times (Linux does so to
 * take a CPU offline and back): each time it must start afresh in real mode at the SIPI's
 * vector, and reach 64-bit mode again. */
static void sibling_init_sipi(void)
{
	volatile uint8_t *digit = (volatile uint8_t *)(uintptr_t)(RM_PAGE + hostile_rm_digit_at);
	unsigned round;

	if (!start_sibling(long_mode_sibling))
		return;
	memcpy((void *)(uintptr_t)RM_PAGE, hostile_rm_entry, hostile_rm_size);
	for (round = 0; round < SIPI_ROUNDS; round++) {
		icr_to_sibling(ICR_INIT);
		sdk_delay_us(10000);
		icr_to_sibling(ICR_SIPI | (RM_PAGE >> 12));
		if (!wait_at_least(&sibling_up, round + 2, SIBLING_WAIT_MS))
			break;
	}
	report("%u of %u rounds of INIT and SIPI: %u starts in real mode, %u in 64-bit mode, %s",
	       round, SIPI_ROUNDS, (unsigned)(*digit - '0'), (unsigned)sibling_up,
	       caught < 0 ? "no exception" : "caught exception");
}

static const struct {
	const char *name;
	void (*fn)(void);
} attacks[] = {
    {"read-neighbour", read_neighbour},
    {"write-neighbour", write_neighbour},
    {"read-past-ram", read_past_ram},
    {"write-hypervisor", write_hypervisor},
    {"write-hv-tables", write_hv_tables},
    {"read-own-host", read_own_host},
    {"lapic-mmio", lapic_mmio},
    {"ioapic-mmio", ioapic_mmio},
    {"hpet-mmio", hpet_mmio},
    {"mmconfig", mmconfig},
    {"port-pit", port_pit},
    {"port-pic", port_pic},
    {"port-pci", port_pci},
    {"port-reset", port_reset},
    {"port-kbc", port_kbc},
    {"port-neighbour", port_neighbour},
    {"port-string", port_string},
    {"port-sweep", port_sweep},
    {"wrmsr-apic-base", wrmsr_apic_base},
    {"wrmsr-feature-control", wrmsr_feature_control},
    {"wrmsr-mtrr", wrmsr_mtrr},
    {"wrmsr-efer", wrmsr_efer},
    {"wrmsr-tsc", wrmsr_tsc},
    {"icr-init-foreign", icr_init_foreign},
    {"icr-sipi-foreign", icr_sipi_foreign},
    {"icr-nmi-foreign", icr_nmi_foreign},
    {"icr-smi-foreign", icr_smi_foreign},
    {"icr-fixed-foreign", icr_fixed_foreign},
    {"icr-reserved", icr_reserved},
    {"lvt-smi", lvt_smi},
    {"icr-dest-all", icr_dest_all},
    {"icr-broadcast-fixed", icr_broadcast_fixed},
    {"icr-broadcast-init", icr_broadcast_init},
    {"icr-broadcast-logical", icr_broadcast_logical},
    {"vmxon", vmxon},
    {"vmread", vmread},
    {"vmcall-bad", vmcall_bad},
    {"vmcall-print-huge", vmcall_print_huge},
    {"vmcall-print-foreign", vmcall_print_foreign},
    {"vmcall-print-edge", vmcall_print_edge},
    {"vmcall-print-forge", vmcall_print_forge},
    {"doorbell-sweep", doorbell_sweep},
    {"cr4-vmxe", cr4_vmxe},
    {"cr0-reserved", cr0_reserved},
    {"cr0-paging-off", cr0_paging_off},
    {"xsetbv", xsetbv},
    {"invd", invd},
    {"wbinvd", wbinvd},
    {"cli-hlt", cli_hlt},
    {"triple-fault", triple_fault},
    {"exception-storm", exception_storm},
    {"interrupt-storm", interrupt_storm},
    {"cr3-outside", cr3_outside},
    {"sibling-spin-stop", sibling_spin_stop},
    {"sibling-nmi-loop", sibling_nmi_loop},
    {"sibling-init-sipi", sibling_init_sipi},
};

/* Marks this run leaves for the next: one in free RAM (below the AP page), one in the image's
 * data. A start on RAM that was not scrubbed and reloaded (the shell's start must do both:
 * tests/emu/isolation.sh starts every attacker a second time) finds them and says so. */
#define RUN_MARK_GPA 0x7ff8u
#define IMAGE_WORD   0x1ea5ed1ea5edull
static volatile uint64_t image_word = IMAGE_WORD;

static void check_fresh(void)
{
	volatile uint64_t *mark = (volatile uint64_t *)(uintptr_t)RUN_MARK_GPA;

	if (*mark || image_word != IMAGE_WORD)
		sdk_printf("hostile: RAM left by an earlier run: mark 0x%llx, image word 0x%llx",
			   (unsigned long long)*mark, (unsigned long long)image_word);
	*mark = 1;
	image_word = 0;
}

int main(const struct sdk_env *env)
{
	static char name[40];
	uint64_t delay_ms = sdk_cmdline_u64("delay_ms", 50);

	if (!sdk_cmdline_arg("attack", name, sizeof(name)))
		name[0] = '\0';
	attack = name;
	check_fresh();
	sdk_on_exception(on_exception);
	/* Let the neighbours get going first: the test counts their beats after the attack. */
	sdk_delay_us(delay_ms * 1000);
	for (unsigned i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++) {
		if (strncmp(attacks[i].name, name, sizeof(name)) != 0)
			continue;
		sdk_printf("hostile: attack %s", name);
		attacks[i].fn();
		sdk_printf("hostile: %s: survived", name);
		return 0;
	}
	sdk_printf("hostile: unknown attack \"%s\" on %s; attacks:", name, env->name);
	for (unsigned i = 0; i < sizeof(attacks) / sizeof(attacks[0]); i++)
		sdk_printf("hostile:   %s", attacks[i].name);
	return 1;
}
