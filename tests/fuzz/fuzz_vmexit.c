/*
 * Fuzz the VM-exit handlers (arch/x86/vmexit.c, with the real arch/x86/xsave.c) on the host.
 *
 * The two headers that hold instructions are replaced (tests/fuzz/fake is first on the include
 * path): every VMREAD and VMWRITE goes to a fake VMCS here, an array with one slot for every
 * field encoding the SDM's format allows (Vol. 3D Appendix B), not a list of the fields used
 * today; every RDMSR, WRMSR, CPUID, XSETBV and DR6 access goes to a fake CPU that answers and
 * logs. The core functions the handlers call are fakes too: partition_fault() leaves
 * vmexit_dispatch() by longjmp (it never returns), as does a partition_nmi() or an exit
 * hypercall that parks the CPU. The partitions are a fixed table of CPUs and APIC IDs.
 *
 * Each input drives one partition through up to MAX_EXITS exits, on any of its CPUs, each CPU
 * keeping its VMCS and vCPU flags from exit to exit (INIT from a sibling, then the NMI exit,
 * then SIPI ...). Bytes 0-1 choose the partition, the options of vmcs.c and each CPU's start
 * state (see world_reset); each exit then reads one record (struct exit_rec): which CPU, the exit
 * reason, whether the guest state is fresh or what the last exit left, and the bytes that become
 * the guest's mode (real, 16/32-bit protected, compatibility, 64-bit, virtual-8086), control
 * registers, segments, RIP, RFLAGS, interruptibility and activity, the exit qualification and
 * interruption fields, and the guest's registers. The generated state is what a CPU could
 * exit with: it passes the VM-entry checks itself (asserted before every exit, so a harness
 * bug cannot pass for a finding), privileged instructions exit only at CPL 0, CR exits only
 * for a value that differs from the read shadow in a host-owned bit, and so on.
 *
 * check_entry_state() then holds the handlers to the SDM and to Bulkhead's isolation rules,
 * computed here and not with vmexit.c's code: no host instruction that would fault (WRMSR to
 * the ICR and LVTs with reserved bits, forbidden modes or foreign destinations, an MSR not on
 * the list, an invalid XCR0, a DR6 with high bits), no VMCS field written that a handler has
 * no business with (host state, EPT pointer, bitmaps, controls beyond the event-window
 * bits), no sibling vCPU touched but by an IPI and no other partition's at all, and, when the
 * guest resumes: a VMCS that passes the VM-entry checks on controls, event injection and
 * guest state (SDM Vol. 3C "Checks on VMX Controls" and "Checks on the Guest State Area"),
 * the guest's registers changed only where the instruction writes them, RIP advanced over a
 * completed instruction and left alone on an injected fault, no event lost, and CPUID, I/O
 * and XSETBV emulated as documented.
 *
 * FUZZ_STRICT=all turns off the tolerance of known findings (known_finding() below), for
 * reproducing them; FUZZ_STRICT=7 only that of finding 7. FUZZ_VERBOSE=1 prints each exit.
 */
#include <setjmp.h>
#include <string.h>

#include "arch/x86/arch.h"
#include "core/upcalls.h"
#include "arch/x86/cpu_reset.h"
#include "core/lib/cpu.h" /* tests/fuzz/fake/core/lib/cpu.h */
#include "arch/x86/percpu.h"
#include "arch/x86/vmexit.h"
#include "arch/x86/vmx.h" /* tests/fuzz/fake/arch/x86/vmx.h */
#include "bulkhead/payload_abi.h"
#include "tests/fuzz/fuzz.h"

/* ---- Architecture, from the SDM (not from Bulkhead's headers) ------------------------------ */

/* VMCS field encodings (SDM Vol. 3D Appendix B). Segments: ES CS SS DS FS GS LDTR TR. */
#define SG_ES	0
#define SG_CS	1
#define SG_SS	2
#define SG_DS	3
#define SG_FS	4
#define SG_GS	5
#define SG_LDTR 6
#define SG_TR	7

#define VF_VPID		    0x0000
#define VF_SEL(s)	    (0x0800u + 2 * (s))
#define VF_IO_BITMAP_A	    0x2000
#define VF_IO_BITMAP_B	    0x2002
#define VF_MSR_BITMAP	    0x2004
#define VF_EPT_POINTER	    0x201a
#define VF_GUEST_PHYS	    0x2400
#define VF_LINK_PTR	    0x2800
#define VF_DEBUGCTL	    0x2802
#define VF_PAT		    0x2804
#define VF_EFER		    0x2806
#define VF_PDPTE(i)	    (0x280au + 2 * (i))
#define VF_HOST_PAT	    0x2c00
#define VF_HOST_EFER	    0x2c02
#define VF_PIN		    0x4000
#define VF_PROC		    0x4002
#define VF_EXC_BITMAP	    0x4004
#define VF_CR3_TARGETS	    0x400a
#define VF_EXIT_CTLS	    0x400c
#define VF_ENTRY_CTLS	    0x4012
#define VF_ENTRY_INFO	    0x4016
#define VF_ENTRY_ERROR	    0x4018
#define VF_ENTRY_LEN	    0x401a
#define VF_PROC2	    0x401e
#define VF_INSN_ERROR	    0x4400
#define VF_EXIT_REASON	    0x4402
#define VF_EXIT_INFO	    0x4404
#define VF_EXIT_ERROR	    0x4406
#define VF_IDT_INFO	    0x4408
#define VF_IDT_ERROR	    0x440a
#define VF_EXIT_LEN	    0x440c
#define VF_EXIT_INSN_INFO   0x440e
#define VF_LIMIT(s)	    (0x4800u + 2 * (s))
#define VF_GDTR_LIMIT	    0x4810
#define VF_IDTR_LIMIT	    0x4812
#define VF_AR(s)	    (0x4814u + 2 * (s))
#define VF_INTERRUPTIBILITY 0x4824
#define VF_ACTIVITY	    0x4826
#define VF_SYSENTER_CS	    0x482a
#define VF_PREEMPT_TIMER    0x482e
#define VF_HOST_SYSENTER_CS 0x4c00
#define VF_CR0_MASK	    0x6000
#define VF_CR4_MASK	    0x6002
#define VF_CR0_SHADOW	    0x6004
#define VF_CR4_SHADOW	    0x6006
#define VF_QUAL		    0x6400
#define VF_GUEST_LINEAR	    0x640a
#define VF_CR0		    0x6800
#define VF_CR3		    0x6802
#define VF_CR4		    0x6804
#define VF_BASE(s)	    (0x6806u + 2 * (s))
#define VF_GDTR_BASE	    0x6816
#define VF_IDTR_BASE	    0x6818
#define VF_DR7		    0x681a
#define VF_RSP		    0x681c
#define VF_RIP		    0x681e
#define VF_RFLAGS	    0x6820
#define VF_PENDING_DBG	    0x6822
#define VF_SYSENTER_ESP	    0x6824
#define VF_SYSENTER_EIP	    0x6826
#define VF_HOST_CR0	    0x6c00
#define VF_HOST_RSP	    0x6c14
#define VF_HOST_RIP	    0x6c16

/* Encoding fields: bit 0 access (high half), 9:1 index, 11:10 type, 14:13 width. */
#define ENC_TYPE(e)	   (((e) >> 10) & 3)
#define ENC_WIDTH(e)	   (((e) >> 13) & 3)
#define ENC_TYPE_CONTROL   0
#define ENC_TYPE_READ_ONLY 1
#define ENC_TYPE_GUEST	   2
#define ENC_TYPE_HOST	   3
#define ENC_WIDTH_16	   0
#define ENC_WIDTH_64	   1
#define ENC_WIDTH_32	   2

/* Controls (SDM Vol. 3C §25.6-25.8). */
#define CTL_PIN_NMI_EXITING   (1u << 3)
#define CTL_PIN_VIRTUAL_NMIS  (1u << 5)
#define CTL_PIN_PREEMPT_TIMER (1u << 6)
#define CTL_PROC_INTR_WINDOW  (1u << 2)
#define CTL_PROC_NMI_WINDOW   (1u << 22)
#define CTL_PROC_IO_BITMAPS   (1u << 25)
#define CTL_PROC_MTF	      (1u << 27)
#define CTL_PROC_MSR_BITMAPS  (1u << 28)
#define CTL_PROC_SECONDARY    (1u << 31)
#define CTL_PROC2_EPT	      (1u << 1)
#define CTL_PROC2_RDTSCP      (1u << 3)
#define CTL_PROC2_VPID	      (1u << 5)
#define CTL_PROC2_WBINVD_EXIT (1u << 6)
#define CTL_PROC2_UNRESTRICT  (1u << 7)
#define CTL_PROC2_INVPCID     (1u << 12)
#define CTL_ENTRY_LOAD_DEBUG  (1u << 2)
#define CTL_ENTRY_IA32E	      (1u << 9)
#define CTL_ENTRY_SMM	      (1u << 10)
#define CTL_ENTRY_DUAL	      (1u << 11)
#define CTL_ENTRY_LOAD_PAT    (1u << 14)
#define CTL_ENTRY_LOAD_EFER   (1u << 15)
/* The event-window and monitor-trap controls a handler may turn on and off. */
#define CTL_PROC_HANDLER_BITS (CTL_PROC_INTR_WINDOW | CTL_PROC_NMI_WINDOW | CTL_PROC_MTF)

/* Interruption information (SDM Vol. 3C §25.8.3, §25.9.2, §25.9.3). */
#define II_VALID	 (1u << 31)
#define II_ERROR	 (1u << 11)
#define II_IRET_UNBLOCK	 (1u << 12)
#define II_TYPE(i)	 (((i) >> 8) & 7)
#define II_TYPE_EXT	 0
#define II_TYPE_NMI	 2
#define II_TYPE_HW	 3
#define II_TYPE_SOFT_INT 4
#define II_TYPE_PRIV_SW	 5
#define II_TYPE_SOFT_EXC 6
#define II_TYPE_OTHER	 7

/* Interruptibility state and activity (SDM Vol. 3C §25.4.2). */
#define IS_STI	   (1u << 0)
#define IS_MOVSS   (1u << 1)
#define IS_SMI	   (1u << 2)
#define IS_NMI	   (1u << 3)
#define ACT_ACTIVE 0
#define ACT_HLT	   1
#define ACT_SHUT   2
#define ACT_SIPI   3

#define X86_CR0_PE	(1ULL << 0)
#define X86_CR0_MP	(1ULL << 1)
#define X86_CR0_EM	(1ULL << 2)
#define X86_CR0_TS	(1ULL << 3)
#define X86_CR0_ET	(1ULL << 4)
#define X86_CR0_NE	(1ULL << 5)
#define X86_CR0_WP	(1ULL << 16)
#define X86_CR0_AM	(1ULL << 18)
#define X86_CR0_NW	(1ULL << 29)
#define X86_CR0_CD	(1ULL << 30)
#define X86_CR0_PG	(1ULL << 31)
#define X86_CR4_PAE	(1ULL << 5)
#define X86_CR4_VMXE	(1ULL << 13)
#define X86_CR4_PCIDE	(1ULL << 17)
#define X86_CR4_OSXSAVE (1ULL << 18)
#define X86_CR4_PKE	(1ULL << 22)
#define X86_EFER_SCE	(1ULL << 0)
#define X86_EFER_LME	(1ULL << 8)
#define X86_EFER_LMA	(1ULL << 10)
#define X86_EFER_NXE	(1ULL << 11)
#define X86_RF_TF	(1ULL << 8)
#define X86_RF_IF	(1ULL << 9)
#define X86_RF_VM	(1ULL << 17)
#define X86_RF_AC	(1ULL << 18)
#define X86_RF_RF	(1ULL << 16)
/* RFLAGS bits a guest can have: CF 1 PF AF ZF SF TF IF DF OF IOPL NT RF VM AC VIF VIP ID. */
#define X86_RF_DEFINED 0x3f7fd7ULL
#define X86_DR6_HIGH   0xffffffff00000000ULL
#define X86_PDBG_BS    (1ULL << 14)
/* Pending debug exceptions bits: B3-B0, enabled breakpoint, BS (no RTM on this CPU). */
#define X86_PDBG_DEFINED 0x500fULL
/* A PAE page-directory-pointer-table entry: present; reserved bits 2:1, 8:5, above MAXPHYADDR. */
#define PDPTE_P	       1ULL
#define PDPTE_RESERVED (0x1e6ULL | ~0ULL << MODEL_PHYS_BITS)

/* Segment access rights (SDM Vol. 3C §25.4.1). */
#define AR_TYPE(a)	((a)&0xf)
#define AR_S		(1u << 4)
#define AR_DPL(a)	(((a) >> 5) & 3)
#define AR_P		(1u << 7)
#define AR_L		(1u << 13)
#define AR_DB		(1u << 14)
#define AR_G		(1u << 15)
#define AR_UNUSABLE	(1u << 16)
#define AR_RESERVED	0xfffe0f00u
#define AR_V86		0xf3u
#define AR_DPL_SHIFT	5
#define AR_CODE		0x8u /* type bit 3 */
#define AR_CODE_READ	0x2u
#define AR_CODE_CONFORM 0x4u
#define AR_ACCESSED	0x1u

/* The CPU modelled here: what VMX allows in CR0/CR4 (IA32_VMX_CR*_FIXED*), MAXPHYADDR,
 * 48-bit linear addresses, XSAVE components, the MSRs it has. Unrestricted guest relaxes
 * CR0.PE and CR0.PG of the fixed-1 bits. */
#define MODEL_CR0_FIXED0 (X86_CR0_PE | X86_CR0_NE | X86_CR0_PG)
#define MODEL_CR0_FIXED1 0xffffffffULL
#define MODEL_CR4_FIXED0 X86_CR4_VMXE
#define MODEL_CR4_FIXED1                                                                           \
	0x772fffULL /* VME..UMIP, VMXE, FSGSBASE, PCIDE, OSXSAVE, SMEP, SMAP, PKE */
#define MODEL_PHYS_BITS 39
#define MODEL_XCR0	0x602ffULL  /* x87 SSE AVX, MPX, AVX-512, PKRU, AMX */
#define MODEL_HOST_CR4	0x3726e0ULL /* with OSXSAVE and VMXE */
#define XCR0_X87	(1ULL << 0)
#define XCR0_SSE	(1ULL << 1)
#define XCR0_AVX	(1ULL << 2)
#define XCR0_MPX_BOTH	(3ULL << 3)
#define XCR0_AVX512_ALL (7ULL << 5)
#define XCR0_AMX_BOTH	(3ULL << 17)

/* Exit reasons (SDM Vol. 3D Appendix C). */
#define RSN_EXCEPTION	  0
#define RSN_EXT_INTR	  1
#define RSN_TRIPLE	  2
#define RSN_INIT	  3
#define RSN_SIPI	  4
#define RSN_INTR_WINDOW	  7
#define RSN_NMI_WINDOW	  8
#define RSN_TASK_SWITCH	  9
#define RSN_CPUID	  10
#define RSN_HLT		  12
#define RSN_INVD	  13
#define RSN_VMCALL	  18
#define RSN_VMCLEAR	  19
#define RSN_VMXON	  27
#define RSN_CR		  28
#define RSN_IO		  30
#define RSN_RDMSR	  31
#define RSN_WRMSR	  32
#define RSN_BAD_GUEST	  33
#define RSN_MSR_LOAD_FAIL 34
#define RSN_MTF		  37
#define RSN_MACHINE_CHECK 41
#define RSN_APIC_ACCESS	  44
#define RSN_EPT_VIOLATION 48
#define RSN_EPT_MISCONFIG 49
#define RSN_INVEPT	  50
#define RSN_PREEMPT	  52
#define RSN_INVVPID	  53
#define RSN_WBINVD	  54
#define RSN_XSETBV	  55
#define RSN_VMFUNC	  59
#define RSN_ENTRY_FAIL	  (1u << 31)
#define RSN_FAIL_GUEST	  (RSN_ENTRY_FAIL | RSN_BAD_GUEST)
#define RSN_FAIL_MSR	  (RSN_ENTRY_FAIL | RSN_MSR_LOAD_FAIL)
#define RSN_FAIL_MCE	  (RSN_ENTRY_FAIL | RSN_MACHINE_CHECK)
#define RSN_COUNT	  70 /* arch/x86/vcpu.h counts exits below this */

/* x2APIC (SDM Vol. 3A §11.5.1 figure "Local Vector Table", §11.6.1, §11.12). */
#define MSR_ICR		   0x830
#define ICR_RESERVED_LOW   0xfff33000u /* bits 12-13, 16-17, 20-31 */
#define LVT_CMCI	   0x82f
#define LVT_THERMAL	   0x833
#define LVT_PERF	   0x834
#define LVT_LINT0	   0x835
#define LVT_LINT1	   0x836
#define LVT_MASK_BIT	   (1ULL << 16)
#define LVT_WRITABLE_PLAIN 0x107ffULL /* vector, delivery mode, mask */
#define LVT_WRITABLE_LINT  0x1a7ffULL /* and pin polarity, trigger mode */
#define LVT_DEFINED_PLAIN  0x117ffULL /* and delivery status (read-only) */
#define LVT_DEFINED_LINT   0x1f7ffULL /* and delivery status, remote IRR (read-only) */

/* ---- The machine: CPUs, partitions ---------------------------------------------------------- */

/* CPU index -> APIC ID and partition (-1: Bulkhead's own, in no partition); index 5 is not
 * online (cpu_by_index() gives NULL). One APIC ID is above 255, as x2APIC allows. */
#define NCPU	   8
#define NPART	   3
#define MAX_EXITS  12
#define NO_PART	   (-1)
#define CPU_ABSENT (-2)
static const struct {
	u32 apic_id;
	int partition;
} machine[NCPU] = {{0, NO_PART}, {1, 0},	  {2, 0},     {5, 0},
		   {3, 1},	 {9, CPU_ABSENT}, {0x100, 1}, {7, 2}};

/* What partition_owns_apic() answers: its own table, as core/partition.c has its own. */
static const u32 owned_apics[NPART][4] = {{1, 2, 5, 0}, {3, 0x100, 0, 0}, {7, 0, 0, 0}};
static const u32 owned_count[NPART] = {3, 2, 1};

static struct x86_cpu cpus[NCPU];

/* ---- Fake VMCS --------------------------------------------------------------------------------
 */

/* One slot per (width, type, index): 2 + 2 + 6 bits. The format allows indexes up to 511,
 * but no CPU's VMCS goes past 63 (IA32_VMX_VMCS_ENUM; the SDM's highest is below 0x30): an
 * encoding beyond is one no CPU has. The high half of a 64-bit field (access bit 1) is the
 * same slot's bits 63:32. */
#define VMCS_INDEXES 64
#define VMCS_SLOTS   (16 * VMCS_INDEXES)
struct fake_vmcs {
	u64 f[VMCS_SLOTS];
};

/* Copies and compares of whole VMCSs and vCPUs, a word at a time: the harness is built with
 * -fno-builtin, where memcpy() is core/lib/string.c's byte loop. Not instrumented for coverage:
 * their loop counters would only slow the fuzzer down. */
#define NO_COVERAGE __attribute__((no_sanitize("coverage")))

static NO_COVERAGE void clear_words(void *to, size_t bytes)
{
	u64 *t = to;

	for (size_t i = 0; i < bytes / 8; i++)
		t[i] = 0;
}

static NO_COVERAGE void copy_words(void *to, const void *from, size_t bytes)
{
	u64 *t = to;
	const u64 *f = from;

	for (size_t i = 0; i < bytes / 8; i++)
		t[i] = f[i];
}

static NO_COVERAGE bool same_words(const void *a, const void *b, size_t bytes)
{
	const u64 *x = a, *y = b;

	for (size_t i = 0; i < bytes / 8; i++)
		if (x[i] != y[i])
			return false;
	return true;
}

/* The first slot from `slot` on where two VMCSs differ, or VMCS_SLOTS. */
static NO_COVERAGE int next_difference(const struct fake_vmcs *a, const struct fake_vmcs *b,
				       int slot)
{
	while (slot < VMCS_SLOTS && a->f[slot] == b->f[slot])
		slot++;
	return slot;
}

_Static_assert(sizeof(struct vcpu) % 8 == 0, "struct vcpu is compared a word at a time");

static struct fake_vmcs vmcs_of[NCPU];
static struct fake_vmcs *cur;	/* the current VMCS: this CPU's */
static struct fake_vmcs before; /* the current one as the exit left it, before the handler */

/* The slot of a field encoding, or -1 for one no CPU has (reserved bits, or a high access to
 * a field that is not 64 bits wide). */
static int vmcs_slot(u64 enc)
{
	if ((enc >> 15) || (enc & (1u << 12)) || ((enc >> 1) & 0x1ff) >= VMCS_INDEXES)
		return -1;
	if ((enc & 1) && ENC_WIDTH(enc) != ENC_WIDTH_64)
		return -1;
	return (int)((ENC_WIDTH(enc) << 8) | (ENC_TYPE(enc) << 6) | ((enc >> 1) & 0x3f));
}

static u64 slot_encoding(int slot)
{
	return ((u64)((slot >> 8) & 3) << 13) | ((u64)((slot >> 6) & 3) << 10) |
	       ((u64)(slot & 0x3f) << 1);
}

static u64 width_mask(u64 enc)
{
	switch (ENC_WIDTH(enc)) {
	case ENC_WIDTH_16:
		return 0xffff;
	case ENC_WIDTH_32:
		return 0xffffffff;
	default:
		return ~0ULL;
	}
}

/* The harness's own access, for fields it names (never an invalid encoding). */
static u64 get(const struct fake_vmcs *s, u32 enc)
{
	return s->f[vmcs_slot(enc)];
}

static void put(struct fake_vmcs *s, u32 enc, u64 v)
{
	s->f[vmcs_slot(enc)] = v & width_mask(enc);
}

/* ---- Failing an input ----------------------------------------------------------------------- */

/* What the current exit is, for the report of a broken rule. */
struct exit_now {
	u32 cpu, partition, reason, exit_no;
	bool in_dispatch, dispatched;
};
static struct exit_now now;

static bool verbose;

static void dump_state(const char *title, const struct fake_vmcs *s)
{
	fprintf(stderr,
		"  %s: cr0 %#llx cr4 %#llx efer %#llx entry %#llx rip %#llx rflags %#llx\n"
		"    cs %#llx/%#llx ss %#llx tr %#llx intr %#llx act %llu pdbg %#llx\n"
		"    entry info %#llx err %#llx len %llu idt %#llx exit info %#llx qual %#llx\n",
		title, (unsigned long long)get(s, VF_CR0), (unsigned long long)get(s, VF_CR4),
		(unsigned long long)get(s, VF_EFER), (unsigned long long)get(s, VF_ENTRY_CTLS),
		(unsigned long long)get(s, VF_RIP), (unsigned long long)get(s, VF_RFLAGS),
		(unsigned long long)get(s, VF_SEL(SG_CS)), (unsigned long long)get(s, VF_AR(SG_CS)),
		(unsigned long long)get(s, VF_AR(SG_SS)), (unsigned long long)get(s, VF_AR(SG_TR)),
		(unsigned long long)get(s, VF_INTERRUPTIBILITY),
		(unsigned long long)get(s, VF_ACTIVITY), (unsigned long long)get(s, VF_PENDING_DBG),
		(unsigned long long)get(s, VF_ENTRY_INFO),
		(unsigned long long)get(s, VF_ENTRY_ERROR),
		(unsigned long long)get(s, VF_ENTRY_LEN), (unsigned long long)get(s, VF_IDT_INFO),
		(unsigned long long)get(s, VF_EXIT_INFO), (unsigned long long)get(s, VF_QUAL));
}

/* A broken rule: say which, where, and abort (libFuzzer keeps the input). */
static __attribute__((noreturn, format(printf, 1, 2))) void broken(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz: broken promise: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n  exit %u of the input: reason %#x on cpu %u (partition %u)%s\n",
		now.exit_no, now.reason, now.cpu, now.partition,
		now.in_dispatch ? ", inside vmexit_dispatch" : "");
	if (cur && now.dispatched) {
		dump_state("before the handler", &before);
		dump_state("after", cur);
	} else if (cur) {
		dump_state("state made for the exit", cur);
	}
	fprintf(stderr, "log was:\n%s\n", capture_text());
	abort();
}

/* ---- Fake VMX instructions --------------------------------------------------------------------
 */

u64 vmread(u64 field)
{
	int slot = vmcs_slot(field);

	if (slot < 0)
		broken("VMREAD of encoding %#llx, which no CPU has (VMfailValid)",
		       (unsigned long long)field);
	return (field & 1) ? cur->f[slot] >> 32 : cur->f[slot];
}

int vmwrite(u64 field, u64 v)
{
	int slot = vmcs_slot(field);

	if (slot < 0)
		broken("VMWRITE of encoding %#llx, which no CPU has (VMfailValid)",
		       (unsigned long long)field);
	if (ENC_TYPE(field) == ENC_TYPE_READ_ONLY)
		broken("VMWRITE to read-only field %#llx (VMfailValid on CPUs without "
		       "IA32_VMX_MISC bit 29)",
		       (unsigned long long)field);
	if (field & 1)
		cur->f[slot] = (cur->f[slot] & 0xffffffffULL) | (v << 32);
	else
		cur->f[slot] = v & width_mask(field);
	return 0;
}

void vmwrite_failed(u64 field)
{
	broken("vmwrite_failed(%#llx): the fake VMWRITE never fails", (unsigned long long)field);
}

/* The fake VMWRITE fails the input where it would fail: nothing is left to check here. */
void vmwrite_check(void)
{
}

int vmx_cpu_on(void)
{
	broken("vmx_cpu_on() from an exit handler");
}

int vmx_vmxon(u64 phys)
{
	broken("VMXON %#llx from an exit handler", (unsigned long long)phys);
}

int vmx_vmclear(u64 phys)
{
	broken("VMCLEAR %#llx from an exit handler", (unsigned long long)phys);
}

int vmx_vmptrld(u64 phys)
{
	broken("VMPTRLD %#llx from an exit handler (the current VMCS would change)",
	       (unsigned long long)phys);
}

/* ---- Fake CPU: what the handlers ask of it, logged and checked in check_entry_state() ------ */

enum host_op_kind {
	OP_WRMSR,
	OP_RDMSR,
	OP_XSETBV,
	OP_WRITE_DR6,
	OP_INVEPT,
	OP_INVVPID,
	OP_CPU_RESET, /* cpu_reset_for_partition(): the partition CPU's state as INIT leaves it */
	OP_VM_READ,   /* arch_vm_read() of the partition's memory */
};
struct host_op {
	enum host_op_kind kind;
	u32 index; /* MSR, XCR */
	u64 value;
};
#define MAX_HOST_OPS 64
static struct host_op ops[MAX_HOST_OPS];
static u32 nops;
static u64 guest_dr6[NCPU];
static u64 tsc;

static void log_op(enum host_op_kind kind, u32 index, u64 value)
{
	if (nops == MAX_HOST_OPS)
		broken("more than %d host operations in one exit", MAX_HOST_OPS);
	ops[nops++] = (struct host_op){kind, index, value};
}

/* Leaf 0xD of the model: component i >= 2 at 576 + 64 * i, 64 bytes (sizes are not checked
 * here, only that they exist). */
static struct cpuid_regs model_xsave_leaf(u32 sub)
{
	if (sub == 0)
		return (struct cpuid_regs){(u32)MODEL_XCR0, 2688, 2696, (u32)(MODEL_XCR0 >> 32)};
	if (sub == 1)
		return (struct cpuid_regs){0xf, 2696, 0x1900, 0};
	if (sub < 64 && sub >= 2 && (MODEL_XCR0 & (1ULL << sub)))
		return (struct cpuid_regs){64, 576 + 64 * sub, 0, 0};
	return (struct cpuid_regs){0, 0, 0, 0};
}

/* An Ice Lake-like CPU with every feature vmexit.c filters: VMX, PDCM, MCE/MCA, ACPI, TM,
 * XSAVE/OSXSAVE (the host's CR4), INVPCID, PKU/OSPKE, WAITPKG, RDPID, RDTSCP. Leaves it does
 * not name get a fixed mix of their number, so a handler passing them through is seen. */
struct cpuid_regs cpuid(u32 leaf, u32 subleaf)
{
	switch (leaf) {
	case 0:
		return (struct cpuid_regs){0x1f, 0x756e6547, 0x6c65746e, 0x49656e69};
	case 1:
		return (struct cpuid_regs){0x000706e5, (cpus[now.cpu].apic_id & 0xff) << 24 | 0x800,
					   0x7ffafbff, 0xbfebfbff};
	case 6:
		return (struct cpuid_regs){0x77, 2, 9, 0};
	case 7:
		if (subleaf == 0)
			return (struct cpuid_regs){0, 0xf2bf27ef, 0x40405f7e, 0xbc000410};
		return (struct cpuid_regs){0, 0, 0, 0};
	case 0xa:
		return (struct cpuid_regs){0x08300805, 0, 0, 0x8603};
	case 0xd:
		return model_xsave_leaf(subleaf);
	case 0x15:
		return (struct cpuid_regs){2, 176, 38400000, 0};
	case 0x80000000:
		return (struct cpuid_regs){0x80000008, 0, 0, 0};
	case 0x80000001:
		return (struct cpuid_regs){0, 0, 0x121, 0x2c100800};
	case 0x80000008:
		return (struct cpuid_regs){0x3000 | MODEL_PHYS_BITS, 0, 0, 0};
	default:
		return (struct cpuid_regs){leaf * 0x9e3779b9u, subleaf ^ 0x5bd1e995u,
					   leaf + subleaf, ~leaf};
	}
}

/* The local APIC's "max LVT entry" (version register bits 23:16), from the input. */
static u32 model_max_lvt;

/* The MSRs this CPU has: RDMSR of any other raises #GP (in Bulkhead, if a handler did it). */
static bool model_has_msr(u32 msr)
{
	static const u32 ranges[][2] = {
	    {0x10, 0x10},
	    {0x17, 0x17},
	    {0x1b, 0x1b},
	    {0x3a, 0x3b},
	    {0x48, 0x49},
	    {0x8b, 0x8b},
	    {0xce, 0xce},
	    {0xfe, 0xfe},
	    {0x10a, 0x10b},
	    {0x174, 0x176},
	    {0x1a0, 0x1a0},
	    {0x200, 0x21f},
	    {0x250, 0x250},
	    {0x258, 0x259},
	    {0x268, 0x26f},
	    {0x277, 0x277},
	    {0x2ff, 0x2ff},
	    {0x480, 0x491},
	    {0x6e0, 0x6e0},
	    {0x802, 0x803},
	    {0x808, 0x808},
	    {0x80a, 0x80a},
	    {0x80d, 0x80d},
	    {0x80f, 0x80f},
	    {0x810, 0x82f},
	    {0x830, 0x830},
	    {0x832, 0x839},
	    {0x83e, 0x83e},
	    {0xc0000080, 0xc0000084},
	    {0xc0000100, 0xc0000103},
	};

	for (size_t i = 0; i < ARRAY_SIZE(ranges); i++)
		if (msr >= ranges[i][0] && msr <= ranges[i][1])
			return true;
	return false;
}

u64 rdmsr(u32 msr)
{
	log_op(OP_RDMSR, msr, 0);
	switch (msr) {
	case 0x1b: /* APIC base, enabled, x2APIC; BSP on CPU 0 */
		return 0xfee00c00ULL | (now.cpu == 0 ? 0x100 : 0);
	case 0x802:
		return cpus[now.cpu].apic_id;
	case 0x803: /* version: "max LVT entry" in bits 23:16 */
		return 0x01000015 | (u64)model_max_lvt << 16;
	default:
		return 0x1000000000000ULL + msr;
	}
}

void wrmsr(u32 msr, u64 v)
{
	log_op(OP_WRMSR, msr, v);
}

void xsetbv(u32 index, u64 v)
{
	log_op(OP_XSETBV, index, v);
}

u64 read_dr6(void)
{
	return guest_dr6[now.cpu];
}

void write_dr6(u64 v)
{
	log_op(OP_WRITE_DR6, 0, v);
	guest_dr6[now.cpu] = v;
}

void vmx_invept(u64 eptp, bool single)
{
	log_op(OP_INVEPT, single, eptp);
}

void vmx_invvpid_single(u16 vpid)
{
	log_op(OP_INVVPID, vpid, 0);
}

void vmx_invvpid_current(void)
{
	log_op(OP_INVVPID, (u32)vmread(0x0000 /* VPID */), 0);
}

u64 rdtsc(void)
{
	return tsc += 1000;
}

u64 read_cr0(void)
{
	return 0x80050033ULL;
}

u64 read_cr2(void)
{
	return 0;
}

u64 read_cr3(void)
{
	return 0x1000;
}

u64 read_cr4(void)
{
	return MODEL_HOST_CR4;
}

void nmi_unblock(u16 cs, u16 ss)
{
	(void)cs;
	(void)ss;
}

void cpu_relax(void)
{
}

void cpu_mfence(void)
{
}

/* What an exit handler must not do to the host CPU. */
void outb(u16 port, u8 v)
{
	broken("host OUT %#x, %#x from an exit handler", port, v);
}

void outw(u16 port, u16 v)
{
	broken("host OUT %#x, %#x from an exit handler", port, v);
}

u8 inb(u16 port)
{
	broken("host IN %#x from an exit handler", port);
}

void cpu_halt(void)
{
	broken("host HLT from an exit handler");
}

void irq_disable(void)
{
}

void irq_enable(void)
{
	broken("interrupts enabled in an exit handler");
}

void write_dr_address(unsigned n, u64 v)
{
	broken("host DR%u written (%#llx) from an exit handler", n, (unsigned long long)v);
}

void fpu_sse_init(u32 mxcsr)
{
	broken("FPU/SSE state initialised (MXCSR %#x) from an exit handler", mxcsr);
}

void xrstor(const void *area, u64 mask)
{
	(void)area;
	broken("XRSTOR of %#llx from an exit handler", (unsigned long long)mask);
}

void lgdt(const struct desc_ptr *p)
{
	(void)p;
	broken("host LGDT from an exit handler");
}

void lidt(const struct desc_ptr *p)
{
	(void)p;
	broken("host LIDT from an exit handler");
}

void ltr(u16 sel)
{
	broken("host LTR %#x from an exit handler", sel);
}

/* ---- Fake core/ and per-CPU functions -------------------------------------------------------- */

static jmp_buf leave_dispatch; /* where a fault or a parked CPU comes back to */
enum left_how { LEFT_NOT, LEFT_FAULT, LEFT_PARKED };
static enum left_how left;
static u64 tsc_khz;

/* What the fakes answer during this exit, and what they saw. */
static struct {
	u32 port_value;	      /* what an IN reads */
	u64 hypercall_ret;    /* what a hypercall returns */
	u32 park_at_nmi_call; /* partition_nmi() call that parks the CPU (0: none) */
	u32 nmi_calls;
	u32 port_calls, port, port_size, port_value_out;
	bool port_in;
	bool vm_read_fails;    /* arch_vm_read() finds no RAM */
	u64 memory[4];	       /* what it reads, repeated: PDPTEs */
	struct vm_fault fault; /* what partition_fault() was told */
} fx;

struct x86_cpu *this_cpu(void)
{
	return &cpus[now.cpu];
}

struct x86_cpu *cpu_by_index(u32 index)
{
	return index < NCPU && machine[index].partition != CPU_ABSENT ? &cpus[index] : NULL;
}

u64 arch_tsc_khz(void)
{
	return tsc_khz;
}

/* The LVTs this local APIC has, by its version register's "max LVT entry" (SDM Vol. 3A §11.4.8,
 * §11.5.1): the input may take away CMCI (6), thermal (5) and the performance counters (4). */

static bool model_has_lvt(u32 msr)
{
	if (msr == LVT_CMCI)
		return model_max_lvt >= 6;
	if (msr == LVT_THERMAL)
		return model_max_lvt >= 5;
	if (msr == LVT_PERF)
		return model_max_lvt >= 4;
	return msr >= LVT_THERMAL && msr <= LVT_LINT1;
}

/* arch/x86/apic.c's host side (lapic_drain) swaps the IDT; an exit handler never does. */
void percpu_idt_ack_only(bool on)
{
	(void)on;
	broken("an exit handler swapped the IDT");
}

/* arch/x86/apic.c's host side waits on the TSC (tsc.h, whose tsc_khz() would clash with the
 * variable above); an exit handler never does. */
bool tsc_elapsed_us(u64 start, u64 us);
bool tsc_elapsed_us(u64 start, u64 us)
{
	(void)start;
	(void)us;
	broken("an exit handler waited on the TSC");
}

void cpu_reset_for_partition(void)
{
	log_op(OP_CPU_RESET, 0, 0);
}

/* Each partition's address space, by pointer only: arch_vm_read() must be given this
 * partition's. What it reads is from the input: four PDPTEs, or not in RAM. */
static struct arch_vm part_vm[NPART];

bool arch_vm_read(const struct arch_vm *vm, u64 gpa, void *buf, u64 len)
{
	u8 *out = buf;

	log_op(OP_VM_READ, (u32)len, gpa);
	if (vm != &part_vm[now.partition])
		broken("arch_vm_read of another partition's memory");
	if (len > 4096)
		broken("arch_vm_read of %llu bytes", (unsigned long long)len);
	if (fx.vm_read_fails)
		return false;
	for (u64 i = 0; i < len; i++)
		out[i] = (u8)(fx.memory[(i / 8) % 4] >> (8 * (i % 8)));
	return true;
}

static void expect_this(u32 partition, u32 cpu, const char *who)
{
	if (partition != now.partition || cpu != now.cpu)
		broken("%s(partition %u, cpu %u) from cpu %u of partition %u", who, partition, cpu,
		       now.cpu, now.partition);
}

static void expect_text(const char *s, const char *who)
{
	if (!s || !memchr(s, 0, 200))
		broken("%s: a missing or unbounded string", who);
}

void partition_fault(u32 partition, u32 cpu, const struct vm_fault *f)
{
	expect_this(partition, cpu, "partition_fault");
	if (!f)
		broken("partition_fault without a vm_fault");
	expect_text(f->reason, "partition_fault reason");
	fx.fault = *f;
	left = LEFT_FAULT;
	longjmp(leave_dispatch, 1);
}

void partition_refused(u32 partition, u64 key, bool fault, const char *what, const char *outcome)
{
	(void)key;
	(void)fault;
	if (partition != now.partition)
		broken("partition_refused for partition %u from partition %u", partition,
		       now.partition);
	expect_text(what, "partition_refused what");
	expect_text(outcome, "partition_refused outcome");
}

u32 partition_port_io(u32 partition, u32 port, u32 size, bool in, u32 value)
{
	if (partition != now.partition)
		broken("partition_port_io for partition %u", partition);
	if (size != 1 && size != 2 && size != 4)
		broken("partition_port_io of %u bytes", size);
	if (port > 0xffff)
		broken("partition_port_io of port %#x", port);
	if (size < 4 && (value >> (8 * size)))
		broken("partition_port_io: value %#x wider than %u bytes", value, size);
	fx.port_calls++;
	fx.port = port;
	fx.port_size = size;
	fx.port_in = in;
	fx.port_value_out = value;
	return fx.port_value;
}

u64 partition_hypercall(u32 partition, u32 cpu, u64 nr, u64 a1, u64 a2)
{
	(void)a1;
	(void)a2;
	expect_this(partition, cpu, "partition_hypercall");
	if (AR_DPL(get(cur, VF_AR(SG_SS))) != 0) /* docs/payloads.md: the kernel's only */
		broken("hypercall %llu run for a guest at CPL %u", (unsigned long long)nr,
		       (u32)AR_DPL(get(cur, VF_AR(SG_SS))));
	if (nr == HYPERCALL_EXIT) { /* the partition stops: every CPU of it parks */
		left = LEFT_PARKED;
		longjmp(leave_dispatch, 1);
	}
	return fx.hypercall_ret;
}

bool partition_owns_apic(u32 partition, u32 dest_apic)
{
	if (partition >= NPART)
		broken("partition_owns_apic(%u)", partition);
	for (u32 i = 0; i < owned_count[partition]; i++)
		if (owned_apics[partition][i] == dest_apic)
			return true;
	return false;
}

/* No partition of this harness owns an interrupt: no I/O APIC page is emulated, and an EPT
 * violation stops the partition as before; CPUID shows no second signature. */
bool partition_owns_interrupts(u32 partition)
{
	if (partition >= NPART)
		broken("partition_owns_interrupts(%u)", partition);
	return false;
}

bool partition_mmio_claims(u32 partition, u64 gpa)
{
	(void)gpa;
	if (partition >= NPART)
		broken("partition_mmio_claims(%u)", partition);
	return false;
}

u64 partition_mmio(u32 partition, u64 gpa, u32 size, bool write, u64 value)
{
	broken("partition_mmio(%u, 0x%llx, %u, %d, 0x%llx) for an unclaimed address", partition,
	       (unsigned long long)gpa, size, write, (unsigned long long)value);
	return 0;
}

/* Parks the CPU (a stopped or restarting partition) on the call the input chose. */
void partition_nmi(u32 partition, u32 cpu)
{
	expect_this(partition, cpu, "partition_nmi");
	if (++fx.nmi_calls == fx.park_at_nmi_call) {
		left = LEFT_PARKED;
		longjmp(leave_dispatch, 1);
	}
}

/* ---- The VM-entry checks (SDM Vol. 3C "Checks on VMX Controls", "Checks on the Guest State
 * Area"), the part that what a handler writes can break ------------------------------------ */

static bool canonical(u64 a)
{
	return (u64)((s64)(a << 16) >> 16) == a;
}

static bool vector_has_error_code(u32 v)
{
	return v == 8 || (v >= 10 && v <= 14) || v == 17 || v == 21;
}

/* The limit/granularity rule for a usable segment. */
static bool limit_fits_g(u64 limit, u64 ar)
{
	if ((limit & 0xfff) != 0xfff && (ar & AR_G))
		return false;
	if ((limit & 0xfff00000) && !(ar & AR_G))
		return false;
	return true;
}

static const char *segments_invalid(const struct fake_vmcs *s, bool ia32e)
{
	bool v86 = get(s, VF_RFLAGS) & X86_RF_VM;
	u64 cs = get(s, VF_AR(SG_CS)), ss = get(s, VF_AR(SG_SS));
	bool pe = get(s, VF_CR0) & X86_CR0_PE;

	if (get(s, VF_SEL(SG_TR)) & 4)
		return "TR selector TI flag set";
	if (!(get(s, VF_AR(SG_LDTR)) & AR_UNUSABLE) && (get(s, VF_SEL(SG_LDTR)) & 4))
		return "LDTR selector TI flag set";
	if (!canonical(get(s, VF_BASE(SG_TR))) || !canonical(get(s, VF_BASE(SG_FS))) ||
	    !canonical(get(s, VF_BASE(SG_GS))))
		return "TR, FS or GS base not canonical";
	if (!(get(s, VF_AR(SG_LDTR)) & AR_UNUSABLE) && !canonical(get(s, VF_BASE(SG_LDTR))))
		return "LDTR base not canonical";
	if (get(s, VF_BASE(SG_CS)) >> 32)
		return "CS base bits 63:32 set";
	for (u32 seg = SG_ES; seg <= SG_DS; seg++)
		if (seg != SG_CS && !(get(s, VF_AR(seg)) & AR_UNUSABLE) &&
		    (get(s, VF_BASE(seg)) >> 32))
			return "SS, DS or ES base bits 63:32 set";
	if (v86) {
		for (u32 seg = SG_ES; seg <= SG_GS; seg++) {
			if (get(s, VF_BASE(seg)) != get(s, VF_SEL(seg)) << 4)
				return "virtual-8086: a segment base is not selector << 4";
			if (get(s, VF_LIMIT(seg)) != 0xffff)
				return "virtual-8086: a segment limit is not 0xffff";
			if (get(s, VF_AR(seg)) != AR_V86)
				return "virtual-8086: a segment's access rights are not 0xf3";
		}
	} else {
		u32 t = AR_TYPE(cs);

		if (t != 3 && t != 9 && t != 11 && t != 13 && t != 15)
			return "CS type";
		if (!(cs & AR_S) || !(cs & AR_P) || (cs & (AR_RESERVED | AR_UNUSABLE)))
			return "CS S, P or reserved bits";
		if (t == 3 && AR_DPL(cs) != 0)
			return "CS type 3 with DPL not 0";
		if ((t == 9 || t == 11) && AR_DPL(cs) != AR_DPL(ss))
			return "non-conforming CS DPL differs from SS DPL";
		if ((t == 13 || t == 15) && AR_DPL(cs) > AR_DPL(ss))
			return "conforming CS DPL above SS DPL";
		if (ia32e && (cs & AR_L) && (cs & AR_DB))
			return "CS.L and CS.D both set in IA-32e mode";
		if (!limit_fits_g(get(s, VF_LIMIT(SG_CS)), cs))
			return "CS limit and G";
		if (!(ss & AR_UNUSABLE)) {
			if (AR_TYPE(ss) != 3 && AR_TYPE(ss) != 7)
				return "SS type";
			if (!(ss & AR_S) || !(ss & AR_P) || (ss & AR_RESERVED))
				return "SS S, P or reserved bits";
			if (!limit_fits_g(get(s, VF_LIMIT(SG_SS)), ss))
				return "SS limit and G";
		}
		if ((t == 3 || !pe) && AR_DPL(ss) != 0)
			return "SS DPL not 0 with CS type 3 or CR0.PE clear";
		for (u32 seg = SG_ES; seg <= SG_GS; seg++) {
			u64 a = get(s, VF_AR(seg));

			if (seg == SG_CS || seg == SG_SS || (a & AR_UNUSABLE))
				continue;
			if (!(a & AR_ACCESSED))
				return "data segment not accessed";
			if ((a & AR_CODE) && !(a & AR_CODE_READ))
				return "execute-only code segment in a data register";
			if (!(a & AR_S) || !(a & AR_P) || (a & AR_RESERVED))
				return "data segment S, P or reserved bits";
			if (!limit_fits_g(get(s, VF_LIMIT(seg)), a))
				return "data segment limit and G";
		}
	}
	{
		u64 tr = get(s, VF_AR(SG_TR)), ldtr = get(s, VF_AR(SG_LDTR));

		if (AR_TYPE(tr) != 11 && (ia32e || AR_TYPE(tr) != 3))
			return "TR type (11, or 3 outside IA-32e mode)";
		if ((tr & AR_S) || !(tr & AR_P) || (tr & (AR_RESERVED | AR_UNUSABLE)))
			return "TR S, P, reserved or unusable bits";
		if (!limit_fits_g(get(s, VF_LIMIT(SG_TR)), tr))
			return "TR limit and G";
		if (!(ldtr & AR_UNUSABLE)) {
			if (AR_TYPE(ldtr) != 2 || (ldtr & AR_S) || !(ldtr & AR_P) ||
			    (ldtr & AR_RESERVED))
				return "LDTR type, S, P or reserved bits";
			if (!limit_fits_g(get(s, VF_LIMIT(SG_LDTR)), ldtr))
				return "LDTR limit and G";
		}
	}
	if (!canonical(get(s, VF_GDTR_BASE)) || !canonical(get(s, VF_IDTR_BASE)))
		return "GDTR or IDTR base not canonical";
	if ((get(s, VF_GDTR_LIMIT) >> 16) || (get(s, VF_IDTR_LIMIT) >> 16))
		return "GDTR or IDTR limit above 0xffff";
	return NULL;
}

/* The event about to be injected, against the controls and the guest's mode and state. */
static const char *injection_invalid(const struct fake_vmcs *s)
{
	u64 info = get(s, VF_ENTRY_INFO), intr = get(s, VF_INTERRUPTIBILITY);
	u32 type = II_TYPE(info), vector = info & 0xff, act = (u32)get(s, VF_ACTIVITY);
	bool pe = get(s, VF_CR0) & X86_CR0_PE, want_error;

	if (!(info & II_VALID))
		return NULL;
	if (type == 1)
		return "injection of reserved interruption type 1";
	if (type == II_TYPE_NMI && vector != 2)
		return "NMI injection with a vector other than 2";
	if (type == II_TYPE_HW && vector > 31)
		return "hardware exception vector above 31";
	if (type == II_TYPE_OTHER && vector != 0)
		return "other-event injection with a vector other than 0";
	want_error = type == II_TYPE_HW && pe && vector_has_error_code(vector);
	if (!!(info & II_ERROR) != want_error)
		return want_error ? "deliver-error-code clear for an exception that has one"
				  : "deliver-error-code set where no error code is delivered "
				    "(not a hardware exception that has one, or CR0.PE clear)";
	if (info & 0x7ffff000u)
		return "reserved bits 30:12 of the VM-entry interruption information set";
	if ((info & II_ERROR) && (get(s, VF_ENTRY_ERROR) & 0xffff0000u))
		return "VM-entry exception error code bits 31:16 set";
	if ((type == II_TYPE_SOFT_INT || type == II_TYPE_PRIV_SW || type == II_TYPE_SOFT_EXC) &&
	    (get(s, VF_ENTRY_LEN) < 1 || get(s, VF_ENTRY_LEN) > 15))
		return "software event injected with an instruction length outside 1-15";
	if (type == II_TYPE_EXT && !(get(s, VF_RFLAGS) & X86_RF_IF))
		return "external interrupt injected with RFLAGS.IF clear";
	if (type == II_TYPE_EXT && (intr & (IS_STI | IS_MOVSS)))
		return "external interrupt injected under blocking by STI or MOV SS";
	if (type == II_TYPE_NMI && (intr & IS_MOVSS))
		return "NMI injected under blocking by MOV SS";
	if (type == II_TYPE_NMI && (intr & IS_STI))
		return "NMI injected under blocking by STI (refused by some CPUs)";
	if (type == II_TYPE_NMI && (get(s, VF_PIN) & CTL_PIN_VIRTUAL_NMIS) && (intr & IS_NMI))
		return "NMI injected under virtual-NMI blocking";
	if (act == ACT_HLT && !(type == II_TYPE_EXT || type == II_TYPE_NMI ||
				(type == II_TYPE_HW && (vector == 1 || vector == 18)) ||
				(type == II_TYPE_OTHER && vector == 0)))
		return "event injected into the HLT state that HLT blocks";
	if (act == ACT_SHUT && !(type == II_TYPE_NMI || (type == II_TYPE_HW && vector == 18)))
		return "event injected into the shutdown state";
	if (act == ACT_SIPI)
		return "event injected into the wait-for-SIPI state";
	return NULL;
}

/*
 * Everything VM entry checks that an exit handler's writes could break, or NULL. `smi_quirk`:
 * blocking by SMI is let through (Bochs leaves it set in the state it exits with; the handler
 * must clear it before the entry).
 */
static const char *entry_invalid(const struct fake_vmcs *s, bool smi_quirk)
{
	u64 pin = get(s, VF_PIN), proc = get(s, VF_PROC), entry = get(s, VF_ENTRY_CTLS);
	u64 cr0 = get(s, VF_CR0), cr4 = get(s, VF_CR4), efer = get(s, VF_EFER);
	u64 rflags = get(s, VF_RFLAGS), rip = get(s, VF_RIP), cs = get(s, VF_AR(SG_CS));
	u64 intr = get(s, VF_INTERRUPTIBILITY), act = get(s, VF_ACTIVITY);
	u64 pdbg = get(s, VF_PENDING_DBG), pat = get(s, VF_PAT);
	bool ia32e = entry & CTL_ENTRY_IA32E;
	const char *why;

	/* Controls. */
	if ((pin & CTL_PIN_VIRTUAL_NMIS) && !(pin & CTL_PIN_NMI_EXITING))
		return "virtual NMIs without NMI exiting";
	if ((proc & CTL_PROC_NMI_WINDOW) && !(pin & CTL_PIN_VIRTUAL_NMIS))
		return "NMI-window exiting without virtual NMIs";
	if (entry & (CTL_ENTRY_SMM | CTL_ENTRY_DUAL))
		return "entry to SMM or deactivate dual-monitor treatment set";
	if ((why = injection_invalid(s)))
		return why;
	/* Control registers, debug registers, MSRs. */
	if ((cr0 & (MODEL_CR0_FIXED0 & ~(X86_CR0_PE | X86_CR0_PG))) !=
	    (MODEL_CR0_FIXED0 & ~(X86_CR0_PE | X86_CR0_PG)))
		return "CR0 fixed-1 bit clear (NE)";
	if (cr0 & ~MODEL_CR0_FIXED1)
		return "CR0 bit set that VMX operation does not allow (63:32)";
	if ((cr0 & X86_CR0_PG) && !(cr0 & X86_CR0_PE))
		return "CR0.PG set with CR0.PE clear";
	if ((cr4 & MODEL_CR4_FIXED0) != MODEL_CR4_FIXED0)
		return "CR4.VMXE clear";
	if (cr4 & ~MODEL_CR4_FIXED1)
		return "CR4 bit set that this CPU does not allow";
	if (get(s, VF_CR3) >> MODEL_PHYS_BITS)
		return "CR3 above MAXPHYADDR";
	if (get(s, VF_DEBUGCTL) & ~0x7fc3ULL)
		return "IA32_DEBUGCTL reserved bits";
	if (get(s, VF_DR7) >> 32)
		return "DR7 bits 63:32 set";
	for (u32 i = 0; i < 8; i++) {
		u32 t = (pat >> (8 * i)) & 0xff;

		if (t == 2 || t == 3 || t > 7)
			return "IA32_PAT entry with a reserved memory type";
	}
	if (efer & ~(X86_EFER_SCE | X86_EFER_LME | X86_EFER_LMA | X86_EFER_NXE))
		return "IA32_EFER reserved bits";
	if (!!(efer & X86_EFER_LMA) != ia32e)
		return "IA32_EFER.LMA differs from the IA-32e mode guest entry control";
	if ((cr0 & X86_CR0_PG) && !!(efer & X86_EFER_LMA) != !!(efer & X86_EFER_LME))
		return "IA32_EFER.LMA differs from LME with paging on";
	if (ia32e && (!(cr0 & X86_CR0_PG) || !(cr4 & X86_CR4_PAE)))
		return "IA-32e mode guest without CR0.PG or CR4.PAE";
	if (!ia32e && (cr4 & X86_CR4_PCIDE))
		return "CR4.PCIDE set outside IA-32e mode";
	if (!canonical(get(s, VF_SYSENTER_ESP)) || !canonical(get(s, VF_SYSENTER_EIP)))
		return "SYSENTER ESP or EIP not canonical";
	/* PAE paging with EPT: VM entry loads the PDPTEs from the VMCS, and checks them. */
	if ((cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !ia32e)
		for (u32 i = 0; i < 4; i++)
			if ((get(s, VF_PDPTE(i)) & PDPTE_P) &&
			    (get(s, VF_PDPTE(i)) & PDPTE_RESERVED))
				return "a present PDPTE with reserved bits (PAE paging)";
	/* Segments, descriptor tables. */
	if ((why = segments_invalid(s, ia32e)))
		return why;
	/* RIP and RFLAGS. */
	if (!(ia32e && (cs & AR_L)) && (rip >> 32))
		return "RIP bits 63:32 set outside 64-bit mode";
	if (ia32e && (cs & AR_L) && !canonical(rip))
		return "RIP not canonical in 64-bit mode";
	if ((rflags & ~X86_RF_DEFINED) || !(rflags & 2))
		return "RFLAGS reserved bits";
	if ((rflags & X86_RF_VM) && (ia32e || !(cr0 & X86_CR0_PE)))
		return "RFLAGS.VM set in IA-32e mode or with CR0.PE clear";
	/* Activity, interruptibility, pending debug exceptions, VMCS link pointer. */
	if (act > ACT_SIPI)
		return "activity state not 0-3";
	if (act == ACT_HLT && AR_DPL(get(s, VF_AR(SG_SS))) != 0)
		return "HLT activity state with SS.DPL not 0";
	if ((intr & (IS_STI | IS_MOVSS)) && act != ACT_ACTIVE)
		return "blocking by STI or MOV SS outside the active state";
	if (intr & ~0x1fULL)
		return "interruptibility reserved bits 31:5";
	if (intr & (1u << 4))
		return "enclave interruption without SGX";
	if ((intr & IS_STI) && (intr & IS_MOVSS))
		return "blocking by STI and by MOV SS both set";
	if ((intr & IS_STI) && !(rflags & X86_RF_IF))
		return "blocking by STI with RFLAGS.IF clear";
	if ((intr & IS_SMI) && !smi_quirk)
		return "blocking by SMI outside SMM";
	if (pdbg & ~X86_PDBG_DEFINED)
		return "pending debug exceptions reserved bits";
	if (((intr & (IS_STI | IS_MOVSS)) || act == ACT_HLT) &&
	    !!(pdbg & X86_PDBG_BS) != !!((rflags & X86_RF_TF) && !(get(s, VF_DEBUGCTL) & 2)))
		return "pending debug exceptions BS differs from RFLAGS.TF under blocking by STI "
		       "or MOV SS or in HLT";
	if (get(s, VF_LINK_PTR) != ~0ULL)
		return "VMCS link pointer not ~0";
	return NULL;
}

/* ---- Known findings -------------------------------------------------------------------------- */

/* Each known finding (docs/fuzzing.md, numbered there) is a narrow predicate the oracle
 * tolerates until vmexit.c is fixed. FUZZ_STRICT=all tolerates none, FUZZ_STRICT=7 not
 * finding 7. Findings 1-6 and 8 were fixed in vmexit.c and their tolerances removed. */
static u32 strict; /* bit n: finding n is not tolerated */

enum finding {
	/* 7: an instruction that ends at the top of the lower canonical half is carried out
	 * (IN's RAX and port read, CPUID, RDMSR, an IPI, a hypercall ...) and then gets #GP with
	 * RIP on it, as if it had not been: a retry repeats it. */
	FINDING_GP_AFTER_EFFECT = 7,
};

static bool known_finding(enum finding f)
{
	return !(strict & (1u << f));
}

/* ---- The host-side rules -----------------------------------------------------------------------
 */

static bool owned_by(u32 partition, u32 apic_id)
{
	for (u32 i = 0; i < NCPU; i++)
		if (machine[i].partition == (int)partition && machine[i].apic_id == apic_id)
			return true;
	return false;
}

/* A WRMSR to the real ICR: fixed, NMI, INIT or SIPI, physical destination mode, to one of the
 * partition's own CPUs, or a fixed IPI to self; no reserved bit (a #GP in Bulkhead). */
static const char *icr_write_invalid(u64 v)
{
	u32 low = (u32)v, mode = (low >> 8) & 7, shorthand = (low >> 18) & 3;

	if (low & ICR_RESERVED_LOW)
		return "ICR write with reserved bits (a #GP in Bulkhead)";
	if (mode != 0 && mode != 4 && mode != 5 && mode != 6)
		return "ICR write with a delivery mode other than fixed, NMI, INIT, SIPI";
	if (shorthand >= 2)
		return "ICR write with a broadcast shorthand (reaches other partitions' CPUs)";
	if (shorthand == 1)
		return mode == 0 ? NULL : "ICR self IPI that is not fixed";
	if (low & (1u << 11))
		return "ICR write in logical destination mode";
	if (!owned_by(now.partition, (u32)(v >> 32)))
		return "ICR write to an APIC ID the partition does not own";
	return NULL;
}

/* A WRMSR to an LVT with a delivery mode: no reserved bit, no reserved mode, SMI, INIT and
 * ExtINT only masked. */
static const char *lvt_write_invalid(u32 msr, u64 v)
{
	u64 writable =
	    (msr == LVT_LINT0 || msr == LVT_LINT1) ? LVT_WRITABLE_LINT : LVT_WRITABLE_PLAIN;
	u32 mode = (v >> 8) & 7;

	if (v & ~writable)
		return "LVT write with reserved or read-only bits (a #GP in Bulkhead)";
	if (mode == 1 || mode == 3 || mode == 6)
		return "LVT write with a reserved delivery mode";
	if ((mode == 2 || mode == 5 || mode == 7) && !(v & LVT_MASK_BIT))
		return "LVT write delivering SMI, INIT or ExtINT unmasked";
	return NULL;
}

/* The guest's own WRMSRs that the x2APIC answers here: the ICR and the LVTs with a delivery
 * mode. */
static bool x2apic_write_checked(u32 msr)
{
	return msr == MSR_ICR || msr == LVT_CMCI || (msr >= LVT_THERMAL && msr <= LVT_LINT1);
}

/* Why the guest's WRMSR of `v` to one of them raises #GP on a real x2APIC, or NULL when the
 * write is carried out (SDM Vol. 3A §11.12.1.2: a register the APIC does not have, a reserved
 * bit; §11.12.9 the ICR's reserved bits; §11.5.1: delivery modes 1, 3 and 6 are reserved).
 * The read-only bits (delivery status; remote IRR on LINT0/1) are not reserved: a write of
 * them is carried out, without them. SMI, INIT and ExtINT are modes an LVT has. */
static const char *x2apic_write_gp(u32 msr, u64 v)
{
	u64 defined = (msr == LVT_LINT0 || msr == LVT_LINT1) ? LVT_DEFINED_LINT : LVT_DEFINED_PLAIN;
	u32 mode = (v >> 8) & 7;

	if (msr == MSR_ICR)
		return (v & ICR_RESERVED_LOW) ? "an ICR write with reserved bits" : NULL;
	if (!model_has_lvt(msr))
		return "a write to an LVT this local APIC does not have";
	if (v & ~defined)
		return "an LVT write with reserved bits";
	if (mode == 1 || mode == 3 || mode == 6)
		return "an LVT write with a reserved delivery mode";
	return NULL;
}

/* XSETBV would #GP (SDM Vol. 1 §13.3, Vol. 2C XSETBV). */
static const char *xcr0_invalid(u32 index, u64 v)
{
	if (index != 0)
		return "XSETBV of an XCR other than 0";
	if (v & ~MODEL_XCR0)
		return "XSETBV of a component the CPU lacks";
	if (!(v & XCR0_X87))
		return "XSETBV without x87";
	if ((v & XCR0_AVX) && !(v & XCR0_SSE))
		return "XSETBV of AVX without SSE";
	if ((v & XCR0_AVX512_ALL) && ((v & XCR0_AVX512_ALL) != XCR0_AVX512_ALL || !(v & XCR0_AVX)))
		return "XSETBV of part of AVX-512, or AVX-512 without AVX";
	if ((v & XCR0_MPX_BOTH) && (v & XCR0_MPX_BOTH) != XCR0_MPX_BOTH)
		return "XSETBV of one MPX component";
	if ((v & XCR0_AMX_BOTH) && (v & XCR0_AMX_BOTH) != XCR0_AMX_BOTH)
		return "XSETBV of one AMX component";
	return NULL;
}

/* ---- The exit being driven ---------------------------------------------------------------------
 */

static struct guest_regs regs, regs_before;
static struct vcpu vcpus_before[NCPU];
static u32 partition; /* of this input */
static bool needs_fresh[NCPU];

/* Registers as indexes into struct guest_regs (its order) and in the CR qualification's. */
#define GPR_RAX 0
#define GPR_RBX 1
#define GPR_RCX 2
#define GPR_RDX 3
#define GPR_NUM 15

static u64 *gpr(struct guest_regs *r, u32 i)
{
	u64 *all[GPR_NUM] = {&r->rax, &r->rbx, &r->rcx, &r->rdx, &r->rsi, &r->rdi, &r->rbp, &r->r8,
			     &r->r9,  &r->r10, &r->r11, &r->r12, &r->r13, &r->r14, &r->r15};

	return all[i];
}

/* CR-access qualification register number (SDM Vol. 3C table "Exit Qualification for
 * Control-Register Accesses": 0 RAX, 1 RCX, 2 RDX, 3 RBX, 4 RSP, 5 RBP, ...) -> guest_regs
 * index, or -1 for RSP (in the VMCS). */
static int cr_reg_index(u32 n)
{
	static const int map[16] = {GPR_RAX, GPR_RCX, GPR_RDX, GPR_RBX, -1, 6,	4,  5,
				    7,	     8,	      9,       10,	11, 12, 13, 14};

	return map[n & 15];
}

static u32 guest_cpl(const struct fake_vmcs *s)
{
	return AR_DPL(get(s, VF_AR(SG_SS)));
}

static bool in_64bit(const struct fake_vmcs *s)
{
	return (get(s, VF_ENTRY_CTLS) & CTL_ENTRY_IA32E) && (get(s, VF_AR(SG_CS)) & AR_L);
}

static bool instruction_exit(u32 reason)
{
	switch (reason) {
	case RSN_CPUID:
	case RSN_INVD:
	case RSN_VMCALL:
	case RSN_VMCLEAR ... RSN_VMXON:
	case RSN_CR:
	case RSN_IO:
	case RSN_RDMSR:
	case RSN_WRMSR:
	case RSN_INVEPT:
	case RSN_INVVPID:
	case RSN_WBINVD:
	case RSN_XSETBV:
	case RSN_VMFUNC:
		return true;
	default:
		return false;
	}
}

/* The guest-state fields (VMCS type 2) the handler of `reason` may change. */
static bool guest_field_may_change(u32 reason, u64 enc)
{
	if (enc == VF_INTERRUPTIBILITY || enc == VF_PENDING_DBG)
		return true; /* blocking ends with a skipped instruction; its single-step trap */
	if (reason == RSN_SIPI)
		return true; /* a CPU's state from INIT and SIPI: everything */
	if (instruction_exit(reason) && enc == VF_RIP)
		return true;
	if (reason == RSN_CR && (enc == VF_CR0 || enc == VF_CR4 || enc == VF_EFER ||
				 (enc >= VF_PDPTE(0) && enc <= VF_PDPTE(3)) || enc == VF_AR(SG_TR)))
		return true; /* and the PDPTEs PAE paging loads, TR's type for IA-32e mode */
	if (reason == RSN_EXCEPTION && enc == VF_DR7)
		return true; /* a general-detect #DB clears DR7.GD */
	return false;
}

/* The control fields a handler may write, and how. */
static const char *control_change_invalid(u64 enc, u64 old, u64 val)
{
	switch (enc) {
	case VF_ENTRY_INFO:
	case VF_ENTRY_ERROR:
	case VF_ENTRY_LEN:
	case VF_CR0_SHADOW:
	case VF_CR4_SHADOW:
		return NULL;
	case VF_ENTRY_CTLS:
		return (old ^ val) & ~(u64)CTL_ENTRY_IA32E
			   ? "entry controls changed beyond IA-32e mode guest"
			   : NULL;
	case VF_PROC:
		return (old ^ val) & ~(u64)CTL_PROC_HANDLER_BITS
			   ? "processor-based controls changed beyond the window-exiting bits"
			   : NULL;
	case VF_EXC_BITMAP:
	case VF_CR0_MASK:
	case VF_CR4_MASK:
		return (old & ~val) ? "exception bitmap or CR guest/host mask lost a bit" : NULL;
	default:
		return "a control field no handler has business with changed (pin-based, "
		       "secondary or exit controls, bitmaps, EPT pointer, VPID, ...)";
	}
}

static bool is_sibling(u32 cpu)
{
	return machine[cpu].partition == (int)partition;
}

/*
 * The oracles, after every exit: host-side rules always (the handler's WRMSRs and XSETBVs
 * reached the hardware even if it then stopped the partition), the guest-side ones when the
 * guest resumes (`resumed`: vmexit_dispatch() returned).
 */
static void check_entry_state(bool resumed)
{
	const struct fake_vmcs *pre = &before;
	u32 reason = now.reason & 0xffff;
	bool xsetbv_done = false;
	const char *why;
	/* A WRMSR exit: the MSR (ECX) and the value (EDX:EAX) the guest wrote. */
	u32 wrmsr_index = (u32)regs_before.rcx;
	u64 wrmsr_value = (regs_before.rdx & 0xffffffffULL) << 32 | (u32)regs_before.rax;

	/* Host instructions. */
	for (u32 i = 0; i < nops; i++) {
		const struct host_op *op = &ops[i];

		switch (op->kind) {
		case OP_WRMSR:
			if (op->index == MSR_ICR)
				why = icr_write_invalid(op->value);
			else if (op->index == LVT_CMCI ||
				 (op->index >= LVT_THERMAL && op->index <= LVT_LINT1))
				why = model_has_lvt(op->index)
					  ? lvt_write_invalid(op->index, op->value)
					  : "WRMSR to an LVT this APIC does not have (a #GP in "
					    "Bulkhead)";
			else
				why = "WRMSR to an MSR not on vmexit.c's list (ICR, LVTs)";
			if (why)
				broken("%s: wrmsr(%#x, %#llx)", why, op->index,
				       (unsigned long long)op->value);
			break;
		case OP_RDMSR:
			if (!model_has_msr(op->index))
				broken("host RDMSR of MSR %#x, which the CPU may not have (#GP)",
				       op->index);
			break;
		case OP_XSETBV:
			if ((why = xcr0_invalid(op->index, op->value)))
				broken("%s: xsetbv(%u, %#llx)", why, op->index,
				       (unsigned long long)op->value);
			if (reason == RSN_XSETBV) {
				if (guest_cpl(pre) != 0)
					broken("XSETBV done for a guest at CPL %u", guest_cpl(pre));
				if (op->index != (u32)regs_before.rcx ||
				    op->value != (((regs_before.rdx & 0xffffffffULL) << 32) |
						  (regs_before.rax & 0xffffffffULL)))
					broken("XSETBV done with another value than the guest's");
				xsetbv_done = true;
			} else if (op->value != XCR0_X87) {
				broken("XSETBV of %#llx on a %#x exit",
				       (unsigned long long)op->value, reason);
			}
			break;
		case OP_WRITE_DR6:
			if (op->value & X86_DR6_HIGH)
				broken("MOV to DR6 of %#llx: bits 63:32 set (a #GP in Bulkhead)",
				       (unsigned long long)op->value);
			break;
		case OP_CPU_RESET:
			if (resumed && get(cur, VF_ACTIVITY) != ACT_SIPI)
				broken("the CPU's state reset (as by INIT) under a guest that runs "
				       "on");
			break;
		case OP_VM_READ:
		case OP_INVEPT:
		case OP_INVVPID:
			break;
		}
	}

	/* vCPUs: another partition's never; a sibling's only INIT or NMI pending, by an IPI. */
	for (u32 i = 0; i < NCPU; i++) {
		const struct vcpu *a = &vcpus_before[i], *b = &cpus[i].vcpu;

		if (i == now.cpu)
			continue;
		if (!is_sibling(i)) {
			if (!same_words(a, b, sizeof(*a))) /* copied whole, padding included */
				broken("the vCPU of cpu %u, not this partition's, changed", i);
			continue;
		}
		if (a->init_pending != b->init_pending || a->nmi_pending != b->nmi_pending) {
			if (reason != RSN_WRMSR || (u32)regs_before.rcx != MSR_ICR)
				broken("sibling cpu %u's pending INIT/NMI changed on a %#x exit", i,
				       reason);
			if ((a->init_pending && !b->init_pending) ||
			    (a->nmi_pending && !b->nmi_pending))
				broken("sibling cpu %u's pending INIT/NMI cleared by another CPU",
				       i);
		}
		if (a->started != b->started || a->waiting_sipi != b->waiting_sipi ||
		    a->partition != b->partition ||
		    !same_words(a->exits, b->exits, sizeof(a->exits)))
			broken("sibling cpu %u's vCPU changed beyond pending INIT/NMI", i);
	}
	{
		const struct vcpu *a = &vcpus_before[now.cpu], *b = &cpus[now.cpu].vcpu;

		for (u32 r = 0; r < RSN_COUNT; r++)
			if (b->exits[r] != a->exits[r] + (r == reason))
				broken("exit counter %u went from %llu to %llu", r,
				       (unsigned long long)a->exits[r],
				       (unsigned long long)b->exits[r]);
		if (a->partition != b->partition || a->vm != b->vm || a->vmcs != b->vmcs ||
		    !same_words(&a->launch_regs, &b->launch_regs, sizeof(a->launch_regs)))
			broken("this vCPU's partition, VM, VMCS or launch registers changed");
	}
	/* VMX instructions: #UD, as outside VMX operation (no nested VMX), never a stop. */
	if (((reason >= RSN_VMCLEAR && reason <= RSN_VMXON) || reason == RSN_INVEPT ||
	     reason == RSN_INVVPID || reason == RSN_VMFUNC) &&
	    !(now.reason & RSN_ENTRY_FAIL)) {
		if (left == LEFT_FAULT)
			broken("VMX instruction (exit %u) stopped the partition instead of #UD",
			       reason);
		if (resumed && get(cur, VF_ACTIVITY) != ACT_SIPI &&
		    (get(cur, VF_ENTRY_INFO) & (II_VALID | 0x7ff)) !=
			(II_VALID | II_TYPE_HW << 8 | 6))
			broken("VMX instruction (exit %u) answered with %#llx, not #UD", reason,
			       (unsigned long long)get(cur, VF_ENTRY_INFO));
	}
	/* A guest's write to its x2APIC that a real x2APIC answers with #GP gets that #GP (checked
	 * below), not a stop; an LVT write never stops the partition, an ICR write only for an
	 * IPI it may not send. */
	if (reason == RSN_WRMSR && !(now.reason & RSN_ENTRY_FAIL) && left == LEFT_FAULT &&
	    x2apic_write_checked(wrmsr_index) &&
	    (wrmsr_index != MSR_ICR || x2apic_write_gp(wrmsr_index, wrmsr_value)))
		broken("the guest's wrmsr(%#x, %#llx) stopped the partition (%s)", wrmsr_index,
		       (unsigned long long)wrmsr_value,
		       x2apic_write_gp(wrmsr_index, wrmsr_value) ? "a real x2APIC raises #GP"
								 : "a real x2APIC carries it out");
	if (!resumed)
		return;

	/* The guest neither sees nor sets CR4.VMXE (it reads the shadow). */
	if (get(cur, VF_CR4_SHADOW) & X86_CR4_VMXE)
		broken("CR4 read shadow shows VMXE: the guest believes it has VMX");

	/* No VMCS field written that this exit's handler has no business with. */
	for (int slot = next_difference(pre, cur, 0); slot < VMCS_SLOTS;
	     slot = next_difference(pre, cur, slot + 1)) {
		u64 enc = slot_encoding(slot), old = pre->f[slot], val = cur->f[slot];

		switch (ENC_TYPE(enc)) {
		case ENC_TYPE_HOST:
			broken("host-state field %#llx written", (unsigned long long)enc);
		case ENC_TYPE_CONTROL:
			if ((why = control_change_invalid(enc, old, val)))
				broken("%s: field %#llx %#llx -> %#llx", why,
				       (unsigned long long)enc, (unsigned long long)old,
				       (unsigned long long)val);
			break;
		case ENC_TYPE_GUEST:
			/* INIT, or a sibling's INIT pending (it comes as an NMI, or is taken at
			 * whatever exit comes first), or the CPU's INIT to itself: wait-for-SIPI.
			 */
			if (enc == VF_ACTIVITY && val == ACT_SIPI &&
			    (reason == RSN_INIT || reason == RSN_EXCEPTION ||
			     (reason == RSN_WRMSR &&
			      (u32)regs_before.rcx == MSR_ICR) || /* to self */
			     (vcpus_before[now.cpu].init_pending && vcpus_before[now.cpu].started)))
				break;
			/* A completed instruction clears RFLAGS.RF. */
			if (enc == VF_RFLAGS && instruction_exit(reason) &&
			    (old ^ val) == X86_RF_RF && !(val & X86_RF_RF))
				break;
			if (!guest_field_may_change(reason, enc))
				broken("guest field %#llx changed on a %#x exit (%#llx -> %#llx)",
				       (unsigned long long)enc, reason, (unsigned long long)old,
				       (unsigned long long)val);
			break;
		default:
			break; /* read-only: the fake VMWRITE refuses */
		}
	}

	/* A VM-entry failure is not resumed: the next entry would fail the same way. */
	if (now.reason & RSN_ENTRY_FAIL)
		broken("the guest resumed after a failed VM entry");

	/* The entry checks. */
	if ((why = entry_invalid(cur, false)))
		broken("VM entry would fail: %s", why);

	{
		u64 info = get(cur, VF_ENTRY_INFO);
		bool injected = info & II_VALID;
		bool fault = injected && II_TYPE(info) == II_TYPE_HW;
		/* Known finding 7: a #GP for the next RIP, after the instruction's effects. */
		bool late_gp = fault && (info & 0xff) == 13 && instruction_exit(reason) &&
			       in_64bit(pre) &&
			       !canonical(get(pre, VF_RIP) + get(pre, VF_EXIT_LEN)) &&
			       known_finding(FINDING_GP_AFTER_EFFECT);
		u64 rip0 = get(pre, VF_RIP), rip = get(cur, VF_RIP);
		u64 len = get(pre, VF_EXIT_LEN);
		/* RIP past the instruction, wrapped as the code size wraps it. */
		bool rip_past = in_64bit(pre) ? rip == rip0 + len
					      : rip == ((rip0 + len) & 0xffffffffULL) ||
						    (!(get(pre, VF_AR(SG_CS)) & AR_DB) &&
						     rip == ((rip0 + len) & 0xffff));
		u32 changed = 0;
		const struct vcpu *v0 = &vcpus_before[now.cpu], *v = &cpus[now.cpu].vcpu;

		/* No event lost: one being delivered when the exit came is delivered again, or
		 * another takes its place (unless an INIT came: it drops them all). */
		if ((get(pre, VF_IDT_INFO) & II_VALID) && !injected &&
		    get(cur, VF_ACTIVITY) != ACT_SIPI)
			broken("the event being delivered (IDT-vectoring info %#llx) was dropped",
			       (unsigned long long)get(pre, VF_IDT_INFO));
		/* An NMI is injected only for a sibling's NMI, one the CPU sent itself through the
		 * ICR, or one being delivered. */
		if (injected && II_TYPE(info) == II_TYPE_NMI && !v0->nmi_pending &&
		    !(reason == RSN_WRMSR && (u32)regs_before.rcx == MSR_ICR) &&
		    !((get(pre, VF_IDT_INFO) & II_VALID) &&
		      II_TYPE(get(pre, VF_IDT_INFO)) == II_TYPE_NMI))
			broken("NMI injected with none pending");
		/* wait-for-SIPI is what the vCPU says. */
		if ((get(cur, VF_ACTIVITY) == ACT_SIPI) != !!v->waiting_sipi)
			broken("activity state %llu but vcpu.waiting_sipi %u",
			       (unsigned long long)get(cur, VF_ACTIVITY), v->waiting_sipi);
		if (reason == RSN_SIPI && (!v->started || v->waiting_sipi))
			broken("SIPI handled but the vCPU is not started");
		/* An INIT taken at this exit: what the instruction did is moot (INIT and SIPI
		 * reset RIP and the registers). */
		if (get(cur, VF_ACTIVITY) == ACT_SIPI && reason != RSN_SIPI)
			return;

		/* An instruction completes (RIP past it) or faults (RIP on it). */
		if (instruction_exit(reason)) {
			if (fault && rip != rip0)
				broken("fault injected but RIP moved (%#llx -> %#llx)",
				       (unsigned long long)rip0, (unsigned long long)rip);
			if (!injected) {
				if (!rip_past)
					broken("instruction completed but RIP %#llx -> %#llx "
					       "(length %llu)",
					       (unsigned long long)rip0, (unsigned long long)rip,
					       (unsigned long long)len);
				/* Under RFLAGS.TF the instruction ends in a single-step trap. */
				if ((get(pre, VF_RFLAGS) & X86_RF_TF) &&
				    !(get(cur, VF_PENDING_DBG) & X86_PDBG_BS))
					broken("instruction completed under RFLAGS.TF without a "
					       "single-step trap pending (BS)");
			}
		}

		/* The guest's WRMSR to its x2APIC's ICR or an LVT with a delivery mode: what a
		 * real x2APIC does (x2apic_write_gp). Refused: #GP(0) exactly (hardware
		 * exception 13, its error code 0 delivered in protected mode only), RIP on the
		 * instruction. Carried out: RIP past it and no exception (an NMI may follow: a
		 * sibling's, or one sent to itself). The event being delivered when the exit
		 * came would come first, but a WRMSR exit is never during delivery. */
		if (reason == RSN_WRMSR && x2apic_write_checked(wrmsr_index) &&
		    !(get(pre, VF_IDT_INFO) & II_VALID)) {
			u64 gp = II_VALID | (u64)II_TYPE_HW << 8 | 13 |
				 ((get(pre, VF_CR0) & X86_CR0_PE) ? II_ERROR : 0);

			if ((why = x2apic_write_gp(wrmsr_index, wrmsr_value))) {
				if (info != gp ||
				    ((info & II_ERROR) && get(cur, VF_ENTRY_ERROR) != 0) ||
				    rip != rip0)
					broken("%s, wrmsr(%#x, %#llx), not answered with #GP(0) "
					       "(%#llx) and RIP on it: injected %#llx error %#llx, "
					       "RIP %#llx -> %#llx",
					       why, wrmsr_index, (unsigned long long)wrmsr_value,
					       (unsigned long long)gp, (unsigned long long)info,
					       (unsigned long long)get(cur, VF_ENTRY_ERROR),
					       (unsigned long long)rip0, (unsigned long long)rip);
			} else if (fault ? !late_gp : !rip_past) {
				broken(
				    "wrmsr(%#x, %#llx), which a real x2APIC carries out, did not "
				    "complete: injected %#llx, RIP %#llx -> %#llx (length %llu)",
				    wrmsr_index, (unsigned long long)wrmsr_value,
				    (unsigned long long)info, (unsigned long long)rip0,
				    (unsigned long long)rip, (unsigned long long)len);
			}
		}

		/* Registers: only those the instruction writes, as wide as it writes them. */
		for (u32 i = 0; i < GPR_NUM; i++)
			if (*gpr(&regs, i) != *gpr(&regs_before, i))
				changed |= 1u << i;
		if (changed && reason != RSN_SIPI) {
			u32 allowed = 0;

			if (fault && !late_gp)
				allowed = 0;
			else if (reason == RSN_CPUID)
				allowed = 0xf;
			else if (reason == RSN_RDMSR)
				allowed = 1u << GPR_RAX | 1u << GPR_RDX;
			else if (reason == RSN_VMCALL)
				allowed = 1u << GPR_RAX;
			else if (reason == RSN_IO && fx.port_calls && fx.port_in)
				allowed = 1u << GPR_RAX;
			if (late_gp && reason == RSN_RDMSR)
				allowed = 1u << GPR_RAX | 1u << GPR_RDX;
			if (late_gp && reason == RSN_VMCALL)
				allowed = 1u << GPR_RAX;
			else if (reason == RSN_CR && ((get(pre, VF_QUAL) >> 4) & 3) == 1 &&
				 cr_reg_index((u32)(get(pre, VF_QUAL) >> 8)) >= 0)
				allowed = 1u << cr_reg_index((u32)(get(pre, VF_QUAL) >> 8));
			if (changed & ~allowed)
				broken("guest registers %#x changed on a %#x exit (allowed %#x)",
				       changed, reason, allowed);
		}
		/* CPUID and RDMSR write 32-bit halves, zero-extended (all of them when the
		 * instruction completed; with a late #GP, those written). */
		if ((reason == RSN_CPUID || reason == RSN_RDMSR) && (!fault || late_gp)) {
			u32 written = reason == RSN_CPUID ? 0xf : 1u << GPR_RAX | 1u << GPR_RDX;

			if (fault)
				written &= changed;
			for (u32 i = 0; i < 4; i++)
				if ((written & (1u << i)) && (*gpr(&regs, i) >> 32))
					broken("%s left bits 63:32 of a result register set",
					       reason == RSN_CPUID ? "CPUID" : "RDMSR");
		}
		if (reason == RSN_IO && fx.port_calls && fx.port_in && (!fault || late_gp)) {
			u64 keep = fx.port_size == 1   ? ~0xffULL
				   : fx.port_size == 2 ? ~0xffffULL
						       : 0;
			u64 mask = fx.port_size == 4 ? 0xffffffffULL : ~keep;

			if ((regs.rax & keep) != (regs_before.rax & keep) ||
			    (regs.rax & mask) != (fx.port_value & mask) ||
			    (fx.port_size == 4 && (regs.rax >> 32)))
				broken("IN of %u bytes left RAX %#llx (was %#llx, read %#x)",
				       fx.port_size, (unsigned long long)regs.rax,
				       (unsigned long long)regs_before.rax, fx.port_value);
		}

		/* Emulations as documented. */
		if (reason == RSN_IO && !injected) {
			u64 q = get(pre, VF_QUAL);
			u32 size = (u32)(q & 7) + 1;

			if (q & (1u << 4)) {
				if (fx.port_calls)
					broken("string I/O emulated");
			} else if (fx.port_calls != 1 || fx.port != ((q >> 16) & 0xffff) ||
				   fx.port_size != size || fx.port_in != !!(q & 8) ||
				   (!fx.port_in &&
				    fx.port_value_out !=
					(u32)(regs_before.rax &
					      (size == 4 ? 0xffffffffULL
							 : (1ULL << (8 * size)) - 1))))
				broken("I/O exit %#llx handed to core as port %#x size %u in %d "
				       "value %#x",
				       (unsigned long long)q, fx.port, fx.port_size, fx.port_in,
				       fx.port_value_out);
		}
		/* PAE paging turned on (outside IA-32e mode): the PDPTEs are the guest's. */
		if (reason == RSN_CR && (get(cur, VF_CR0) & X86_CR0_PG) &&
		    !(get(pre, VF_CR0) & X86_CR0_PG) && (get(cur, VF_CR4) & X86_CR4_PAE) &&
		    !(get(cur, VF_ENTRY_CTLS) & CTL_ENTRY_IA32E))
			for (u32 i = 0; i < 4; i++)
				if (get(cur, VF_PDPTE(i)) != fx.memory[i])
					broken("PAE paging turned on, PDPTE%u %#llx is not the "
					       "guest's "
					       "%#llx",
					       i, (unsigned long long)get(cur, VF_PDPTE(i)),
					       (unsigned long long)fx.memory[i]);
		if (reason == RSN_XSETBV && !xsetbv_done && !fault)
			broken("XSETBV neither done nor refused with a fault");
		if (reason == RSN_CPUID && !injected) {
			u32 leaf = (u32)regs_before.rax, sub = (u32)regs_before.rcx;

			if (leaf == 1 &&
			    ((regs.rcx & (1u << 5)) || !(regs.rcx & (1u << 31)) ||
			     !!(regs.rcx & (1u << 27)) != !!(get(pre, VF_CR4) & X86_CR4_OSXSAVE)))
				broken("CPUID 1 ECX %#llx: VMX shown, hypervisor bit clear, or "
				       "OSXSAVE not the guest's CR4.OSXSAVE",
				       (unsigned long long)regs.rcx);
			if (leaf == 7 && sub == 0 &&
			    !!(regs.rcx & (1u << 4)) != !!(get(pre, VF_CR4) & X86_CR4_PKE))
				broken("CPUID 7 ECX.OSPKE is not the guest's CR4.PKE");
			if (leaf == 0x15 && regs.rax && regs.rbx &&
			    regs.rcx * regs.rbx / regs.rax != tsc_khz * 1000)
				broken("CPUID 0x15 gives %llu Hz, the TSC runs at %llu kHz",
				       (unsigned long long)(regs.rcx * regs.rbx / regs.rax),
				       (unsigned long long)tsc_khz);
		}
	}
}

/* ---- Making the state a CPU exits with ------------------------------------------------------- */

/* One exit's bytes (read in this order; past the input's end everything reads as 0). */
struct exit_rec {
	u8 cpu;	   /* bits 0-2: which CPU of the partition; bit 3: keep the last state; bits
		      4-5: park on partition_nmi() call 1 or 2 */
	u8 reason; /* exit reason, from reason_table, or raw from `raw` */
	u16 raw;
	u8 mode, flags, cr0_bits, intr; /* guest mode, CPL/paging/EFER, CR0 extras, blocking */
	u32 cr4_bits;
	u64 rip;
	u16 rflags, segs; /* RFLAGS bits; segment variations */
	u64 qual, a, b, c;
	u32 event; /* interruption information and IDT-vectoring choices */
	u8 len, ret;
	u8 vflags; /* bit 0: a sibling's NMI is pending */
	u8 dict;
};

static void read_rec(struct fuzz_reader *in, struct exit_rec *r)
{
	r->cpu = fuzz_u8(in);
	r->reason = fuzz_u8(in);
	r->raw = fuzz_u16(in);
	r->mode = fuzz_u8(in);
	r->flags = fuzz_u8(in);
	r->cr0_bits = fuzz_u8(in);
	r->intr = fuzz_u8(in);
	r->cr4_bits = fuzz_u32(in);
	r->rip = fuzz_u64(in);
	r->rflags = fuzz_u16(in);
	r->segs = fuzz_u16(in);
	r->qual = fuzz_u64(in);
	r->a = fuzz_u64(in);
	r->b = fuzz_u64(in);
	r->c = fuzz_u64(in);
	r->event = fuzz_u32(in);
	r->len = fuzz_u8(in);
	r->ret = fuzz_u8(in);
	r->vflags = fuzz_u8(in);
	r->dict = fuzz_u8(in);
}

/* A simple mixer for values the input does not spell out (the other registers). */
static u64 mix(u64 x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	return x ^ (x >> 33);
}

static u64 canonical_of(u64 a)
{
	return (u64)((s64)(a << 16) >> 16);
}

enum mode { M_REAL, M_PROT16, M_PROT32, M_COMPAT, M_LONG64, M_V86, M_COUNT };

/* What the exit asks of the state it comes from. */
struct need {
	bool cpl0;	   /* privileged instruction (#GP before the exit otherwise) */
	bool cpl3_ac;	   /* #AC: CPL 3, CR0.AM, RFLAGS.AC */
	bool osxsave;	   /* XSETBV (#UD before the exit otherwise) */
	bool may_halt;	   /* an event that also comes in the HLT state */
	bool sipi;	   /* wait-for-SIPI */
	bool no_movss;	   /* an NMI or NMI window: blocked by MOV SS */
	bool no_vnmi;	   /* NMI window: virtual-NMI blocking clear */
	bool no_sti;	   /* NMI window, interrupt window */
	bool need_if;	   /* interrupt window */
	bool not_v86;	   /* CR access */
	bool cr_exit;	   /* CR access: value must differ from the shadow in an owned bit */
	bool can_vector;   /* an exit that may come during event delivery */
	bool entry_failed; /* bit 31 */
};

static struct need need_of(u32 reason, const struct exit_rec *r)
{
	struct need n = {0};

	switch (reason & 0xffff) {
	case RSN_CR:
		n.cr_exit = n.not_v86 = true;
		n.cpl0 = true;
		break;
	case RSN_RDMSR:
	case RSN_WRMSR:
	case RSN_INVD:
	case RSN_WBINVD:
	case RSN_HLT:
		n.cpl0 = n.not_v86 = true;
		break;
	case RSN_XSETBV:
		n.osxsave = true;
		n.cpl0 = n.not_v86 = (r->flags & 0x80) == 0; /* CPL > 0 now and then */
		break;
	case RSN_EXCEPTION:
		if ((r->event & 0x3) == 0) { /* NMI */
			n.may_halt = n.no_movss = true;
		} else {
			n.can_vector = true;
		}
		break;
	case RSN_INIT:
	case RSN_PREEMPT:
		n.may_halt = true;
		break;
	case RSN_SIPI:
		n.sipi = true;
		break;
	case RSN_NMI_WINDOW:
		n.may_halt = n.no_movss = n.no_vnmi = n.no_sti = true;
		break;
	case RSN_INTR_WINDOW:
		n.may_halt = n.no_sti = n.need_if = true;
		n.no_movss = true;
		break;
	case RSN_TASK_SWITCH:
	case RSN_EPT_VIOLATION:
	case RSN_EPT_MISCONFIG:
	case RSN_APIC_ACCESS:
		n.can_vector = true;
		break;
	default:
		break;
	}
	n.entry_failed = reason & RSN_ENTRY_FAIL;
	return n;
}

static void set_seg(struct fake_vmcs *s, u32 seg, u64 sel, u64 base, u64 limit, u64 ar)
{
	put(s, VF_SEL(seg), sel);
	put(s, VF_BASE(seg), base);
	put(s, VF_LIMIT(seg), limit);
	put(s, VF_AR(seg), ar);
}

/* A limit and G that agree: 64 KiB byte-granular, flat 4 GiB page-granular, or from bits. */
static void pick_limit(u32 bits, u64 *limit, u64 *g)
{
	switch (bits & 3) {
	case 0:
		*limit = 0xffff, *g = 0;
		break;
	case 1:
	case 2:
		*limit = 0xffffffff, *g = AR_G;
		break;
	default:
		*limit = (bits >> 2) & 0xfffff;
		*g = 0;
		break;
	}
}

/* A fresh guest state for the exit, from the record's bytes, meeting `n`. */
static void fresh_state(struct fake_vmcs *s, const struct exit_rec *r, const struct need *n)
{
	enum mode m = (enum mode)(r->mode % M_COUNT);
	bool pg, ia32e, code16, code_type3;
	u32 cpl, seg_bits = r->segs;
	u64 cr0, cr4, efer, rflags, intr, act, pdbg, limit, g, cs_ar, ss_ar, rip, cs_base;
	u64 cs_sel = (u16)mix(r->rip ^ 0x51), ss_sel = (u16)mix(r->rip ^ 0x52);

	if (n->sipi) /* a CPU waiting for SIPI: any state, here 32-bit or real mode */
		m = (r->mode & 1) ? M_PROT32 : M_REAL;
	if ((n->cpl0 || n->not_v86) && m == M_V86)
		m = M_PROT32;
	if (n->cpl3_ac && m == M_REAL)
		m = M_PROT32;
	cpl = m == M_REAL ? 0 : m == M_V86 ? 3 : (r->flags & 3);
	if (n->cpl0)
		cpl = 0;
	if (n->cpl3_ac)
		cpl = 3;
	ia32e = m == M_COMPAT || m == M_LONG64;
	pg = ia32e || (m != M_REAL && (r->flags & 4));
	code16 = m == M_PROT16 || m == M_V86 || (m == M_REAL && !(r->flags & 0x40)) ||
		 (m == M_COMPAT && (r->flags & 0x40));

	/* CR0, CR4, EFER. */
	cr0 = X86_CR0_ET | X86_CR0_NE | (m != M_REAL ? X86_CR0_PE : 0) | (pg ? X86_CR0_PG : 0);
	cr0 |= (r->cr0_bits & 1 ? X86_CR0_MP : 0) | (r->cr0_bits & 2 ? X86_CR0_EM : 0) |
	       (r->cr0_bits & 4 ? X86_CR0_TS : 0) | (r->cr0_bits & 8 ? X86_CR0_WP : 0) |
	       (r->cr0_bits & 16 ? X86_CR0_AM : 0) | (r->cr0_bits & 32 ? X86_CR0_CD : 0);
	if ((r->cr0_bits & 64) && (cr0 & X86_CR0_CD))
		cr0 |= X86_CR0_NW;
	if (n->cpl3_ac)
		cr0 |= X86_CR0_AM;
	cr4 = (r->cr4_bits & MODEL_CR4_FIXED1) | X86_CR4_VMXE;
	if (ia32e)
		cr4 |= X86_CR4_PAE;
	else
		cr4 &= ~X86_CR4_PCIDE;
	if (n->osxsave)
		cr4 |= X86_CR4_OSXSAVE;
	efer = (r->flags & 8 ? X86_EFER_SCE : 0) | (r->flags & 16 ? X86_EFER_NXE : 0);
	if (ia32e)
		efer |= X86_EFER_LME | X86_EFER_LMA;
	else if (!pg && (r->flags & 32))
		efer |= X86_EFER_LME; /* long mode armed, paging still off */
	put(s, VF_CR0, cr0);
	put(s, VF_CR0_SHADOW, (cr0 & ~X86_CR0_NE) | ((r->cr0_bits & 0x80) ? 0 : X86_CR0_NE));
	put(s, VF_CR4, cr4);
	put(s, VF_CR4_SHADOW, cr4 & ~X86_CR4_VMXE);
	put(s, VF_CR3, mix(r->cr4_bits) & 0x7ffffff000ULL);
	put(s, VF_EFER, efer);
	put(s, VF_ENTRY_CTLS,
	    (get(s, VF_ENTRY_CTLS) & ~(u64)CTL_ENTRY_IA32E) | (ia32e ? CTL_ENTRY_IA32E : 0));

	/* CS and SS. */
	code_type3 = m == M_REAL && (seg_bits & 1);
	if (m == M_V86) {
		set_seg(s, SG_CS, cs_sel, cs_sel << 4, 0xffff, AR_V86);
		set_seg(s, SG_SS, ss_sel, ss_sel << 4, 0xffff, AR_V86);
	} else {
		u32 type = code_type3 ? 3 : (seg_bits & 2) ? 9 : 11;
		u32 dpl = cpl;

		if (m != M_REAL && (seg_bits & 4)) { /* conforming, DPL at most CPL */
			type |= AR_CODE_CONFORM;
			dpl = (seg_bits >> 3) % (cpl + 1);
		}
		if (m == M_LONG64)
			limit = 0xffffffff, g = AR_G;
		else
			pick_limit(seg_bits >> 5, &limit, &g);
		cs_ar = type | AR_S | (u64)dpl << AR_DPL_SHIFT | AR_P | g;
		if (m == M_LONG64)
			cs_ar |= AR_L;
		else if (!code16)
			cs_ar |= AR_DB;
		if (m != M_REAL)
			cs_sel = (cs_sel & ~3ULL) | cpl;
		cs_base = m == M_REAL ? cs_sel << 4 : m == M_LONG64 ? 0 : (u32)mix(cs_sel);
		set_seg(s, SG_CS, cs_sel, cs_base, limit, cs_ar);
		pick_limit(seg_bits >> 7, &limit, &g);
		ss_ar = ((seg_bits & 0x200) ? 7 : 3) | AR_S | (u64)cpl << AR_DPL_SHIFT | AR_P | g |
			(code16 ? 0 : AR_DB);
		if (m != M_REAL)
			ss_sel = (ss_sel & ~3ULL) | cpl;
		set_seg(s, SG_SS, ss_sel, m == M_REAL ? ss_sel << 4 : (u32)mix(ss_sel), limit,
			ss_ar);
	}
	/* DS ES FS GS: usable data or readable code, or unusable (protected modes). */
	for (u32 seg = SG_ES; seg <= SG_GS; seg++) {
		u64 sel = (u16)mix(r->rip + seg), bits = mix(r->segs + 17 * seg), base;

		if (seg == SG_CS || seg == SG_SS)
			continue;
		if (m == M_V86) {
			set_seg(s, seg, sel, sel << 4, 0xffff, AR_V86);
			continue;
		}
		base = (ia32e && (seg == SG_FS || seg == SG_GS)) ? canonical_of(bits)
		       : m == M_REAL				 ? sel << 4
								 : (u32)bits;
		if (m != M_REAL && (bits & 0x100)) {
			set_seg(s, seg, 0, base, 0, AR_UNUSABLE);
			continue;
		}
		{
			static const u32 types[] = {1, 3, 5, 7, 11, 15, 3, 3};

			pick_limit((u32)(bits >> 20), &limit, &g);
			set_seg(s, seg, sel, base, limit,
				types[(bits >> 9) & 7] | AR_S | 3u << AR_DPL_SHIFT | AR_P | g |
				    ((bits & 0x1000) ? AR_DB : 0));
		}
	}
	/* TR, LDTR, GDTR, IDTR. */
	{
		u64 bits = mix(r->segs ^ 0x7777);
		u64 base = ia32e ? canonical_of(bits) : (u32)bits;
		u32 tr_type = (!ia32e && (seg_bits & 0x400)) ? 3 : 11;

		set_seg(s, SG_TR, (bits >> 40) & 0xfff8, base, (seg_bits & 0x800) ? 0xffff : 0x67,
			tr_type | AR_P);
		if (seg_bits & 0x1000)
			set_seg(s, SG_LDTR, (bits >> 24) & 0xfff8, canonical_of(mix(bits)),
				(bits >> 8) & 0xffff, 2 | AR_P);
		else
			set_seg(s, SG_LDTR, 0, 0, 0, AR_UNUSABLE);
		put(s, VF_GDTR_BASE, ia32e ? canonical_of(mix(bits + 1)) : (u32)mix(bits + 1));
		put(s, VF_IDTR_BASE, ia32e ? canonical_of(mix(bits + 2)) : (u32)mix(bits + 2));
		put(s, VF_GDTR_LIMIT, (u16)(bits >> 3));
		put(s, VF_IDTR_LIMIT, (u16)(bits >> 19));
	}

	/* RFLAGS, interruptibility, activity, pending debug exceptions. */
	rflags = 2 | ((u64)r->rflags & 0xffd5) | ((u64)(r->rflags >> 14) << 18);
	rflags &= X86_RF_DEFINED & ~X86_RF_VM;
	if (m == M_V86)
		rflags |= X86_RF_VM;
	if (n->cpl3_ac)
		rflags |= X86_RF_AC;
	intr = 0;
	act = ACT_ACTIVE;
	if (n->sipi) {
		act = ACT_SIPI;
	} else {
		if (r->intr & 1)
			intr |= IS_STI;
		else if (r->intr & 2)
			intr |= IS_MOVSS;
		if (r->intr & 4)
			intr |= IS_NMI;
		if ((r->intr & 0x38) == 0x38)
			intr |= IS_SMI; /* Bochs' leftover, now and then */
		if (n->no_movss)
			intr &= ~(u64)IS_MOVSS;
		if (n->no_sti)
			intr &= ~(u64)IS_STI;
		if (n->no_vnmi)
			intr &= ~(u64)IS_NMI;
		if (n->may_halt && (r->intr & 0x40) && cpl == 0) {
			act = ACT_HLT;
			intr &= ~(u64)(IS_STI | IS_MOVSS);
		}
	}
	if ((intr & IS_STI) || n->need_if)
		rflags |= X86_RF_IF;
	pdbg = (r->intr >> 4) & 0xf ? mix(r->intr) & X86_PDBG_DEFINED : 0;
	if ((intr & (IS_STI | IS_MOVSS)) || act == ACT_HLT)
		pdbg = (pdbg & ~X86_PDBG_BS) | ((rflags & X86_RF_TF) ? X86_PDBG_BS : 0);
	put(s, VF_RFLAGS, rflags);
	put(s, VF_INTERRUPTIBILITY, intr);
	put(s, VF_ACTIVITY, act);
	put(s, VF_PENDING_DBG, pdbg);

	/* RIP: within CS, near the edges often (write_exit() fits the instruction in). */
	switch ((r->dict >> 4) & 3) {
	case 0:
		rip = r->rip;
		break;
	case 1:
		rip = 0xffffffffULL - (r->rip & 0x1f);
		break;
	case 2:
		rip = 0xffffULL - (r->rip & 0x1f);
		break;
	default:
		rip = 0x00007fffffffffffULL - (r->rip & 0x1f);
		break;
	}
	if (m == M_LONG64) {
		rip = canonical_of(rip);
	} else {
		u64 cs_limit = get(s, VF_LIMIT(SG_CS));

		rip &= 0xffffffffULL;
		if (rip > cs_limit)
			rip = cs_limit - (rip & 0xf) % (cs_limit + 1);
	}
	put(s, VF_RIP, rip);
	put(s, VF_RSP, mix(r->rip ^ 0x5350));

	/* The rest. */
	put(s, VF_DR7, 0x400 | (mix(r->rflags) & 0xffff23ffULL));
	put(s, VF_DEBUGCTL, r->segs >> 15);
	put(s, VF_PAT, 0x0007040600070406ULL);
	put(s, VF_SYSENTER_CS, (u16)mix(r->cr0_bits));
	put(s, VF_SYSENTER_ESP, canonical_of(mix(r->cr0_bits + 1)));
	put(s, VF_SYSENTER_EIP, canonical_of(mix(r->cr0_bits + 2)));
	put(s, VF_LINK_PTR, ~0ULL);
	put(s, VF_PREEMPT_TIMER, (u32)mix(r->flags));
	/* The PDPTEs: what PAE paging loaded; undefined (here: anything) otherwise. */
	for (u32 i = 0; i < 4; i++) {
		u64 e = mix(r->cr4_bits + i);

		if ((cr0 & X86_CR0_PG) && (cr4 & X86_CR4_PAE) && !ia32e)
			e &= (e & 1) ? ~PDPTE_RESERVED : ~PDPTE_P;
		put(s, VF_PDPTE(i), e);
	}
}

/* Does the state the last exit left meet `n`? (Else a fresh one is made.) */
static bool state_fits(const struct fake_vmcs *s, const struct need *n)
{
	u64 intr = get(s, VF_INTERRUPTIBILITY), act = get(s, VF_ACTIVITY);
	u64 rflags = get(s, VF_RFLAGS);

	if (n->sipi != (act == ACT_SIPI))
		return false;
	if (act == ACT_HLT && !n->may_halt)
		return false;
	if (act == ACT_SHUT)
		return false;
	if (n->cpl0 && guest_cpl(s) != 0)
		return false;
	if (n->not_v86 && (rflags & X86_RF_VM))
		return false;
	if (n->cpl3_ac && (guest_cpl(s) != 3 || !(get(s, VF_CR0) & X86_CR0_AM) ||
			   !(rflags & X86_RF_AC) || !(get(s, VF_CR0) & X86_CR0_PE)))
		return false;
	if (n->osxsave && !(get(s, VF_CR4) & X86_CR4_OSXSAVE))
		return false;
	if ((n->no_movss && (intr & IS_MOVSS)) || (n->no_sti && (intr & IS_STI)) ||
	    (n->no_vnmi && (intr & IS_NMI)) || (n->need_if && !(rflags & X86_RF_IF)))
		return false;
	return true;
}

/* Exit reasons by the record's byte: the ones with handlers, weighted, then the others. */
static const u32 reason_table[] = {
    RSN_CPUID,
    RSN_CPUID,
    RSN_IO,
    RSN_IO,
    RSN_CR,
    RSN_CR,
    RSN_CR,
    RSN_RDMSR,
    RSN_WRMSR,
    RSN_WRMSR,
    RSN_WRMSR,
    RSN_WRMSR,
    RSN_XSETBV,
    RSN_XSETBV,
    RSN_VMCALL,
    RSN_VMCALL,
    RSN_VMCLEAR,
    RSN_VMXON,
    RSN_INVEPT,
    RSN_VMFUNC,
    RSN_INVD,
    RSN_WBINVD,
    RSN_INIT,
    RSN_INIT,
    RSN_SIPI,
    RSN_SIPI,
    RSN_EXCEPTION,
    RSN_EXCEPTION,
    RSN_EXCEPTION,
    RSN_EXCEPTION,
    RSN_TRIPLE,
    RSN_EPT_VIOLATION,
    RSN_EPT_MISCONFIG,
    RSN_NMI_WINDOW,
    RSN_NMI_WINDOW,
    RSN_INTR_WINDOW,
    RSN_MTF,
    RSN_PREEMPT,
    RSN_TASK_SWITCH,
    RSN_HLT,
    RSN_APIC_ACCESS,
    RSN_EXT_INTR,
    RSN_FAIL_GUEST,
    RSN_FAIL_MSR,
    RSN_FAIL_MCE,
};

/* The exit reason, given the CPU's state and the controls: a CPU waiting for SIPI takes a
 * SIPI; one not waiting takes no SIPI (an INIT instead); window and timer exits only where
 * their control is on, exceptions only where the bitmap says (else an NMI). */
static u32 choose_reason(const struct exit_rec *r, const struct fake_vmcs *s)
{
	u32 reason = r->reason < ARRAY_SIZE(reason_table) ? reason_table[r->reason] : r->raw;
	u64 pin = get(s, VF_PIN), proc = get(s, VF_PROC);

	if (get(s, VF_ACTIVITY) == ACT_SIPI)
		return RSN_SIPI;
	switch (reason) {
	case RSN_SIPI:
		return RSN_INIT;
	case RSN_NMI_WINDOW:
		return (proc & CTL_PROC_NMI_WINDOW) ? reason : RSN_EXCEPTION;
	case RSN_INTR_WINDOW:
		return (proc & CTL_PROC_INTR_WINDOW) ? reason : RSN_CPUID;
	case RSN_MTF:
		return (proc & CTL_PROC_MTF) ? reason : RSN_CPUID;
	case RSN_PREEMPT:
		return (pin & CTL_PIN_PREEMPT_TIMER) ? reason : RSN_INIT;
	case RSN_EXT_INTR:
		return (pin & 1) ? reason : RSN_EXCEPTION;
	default:
		return reason;
	}
}

/* MSRs to try, and APIC IDs to send to. */
static const u32 msr_dict[] = {
    MSR_ICR, LVT_CMCI,	 LVT_THERMAL, LVT_PERF, LVT_LINT0, LVT_LINT1,  0x832,	   0x837,
    0x80b,   0x808,	 0x83f,	      0x802,	0x803,	   0x1b,       0x1a0,	   0x8b,
    0x10,    0x3b,	 0x200,	      0x2ff,	0x277,	   0x48,       0x49,	   0x3a,
    0x480,   0xc0000080, 0xc0000100,  0x174,	0x6e0,	   0xffffffff, 0x40000000, 0x9b,
};
static const u32 apic_dict[] = {1, 2, 5, 3, 0x100, 7, 0, 0xff, 0xffffffff, 4, 6, 8};
static const u32 leaf_dict[] = {
    0,		1,	    6,		7,	    0xa,	0xd,	    0x15, 0x40000000,
    0x40000001, 0x400000ff, 0x40000100, 0x80000000, 0x80000001, 0x80000008, 0x4,  0xb};
static const u16 port_dict[] = {0x3f8, 0x3f9, 0x3fd, 0x3fb, 0x2f8, 0x64,  0xcf9, 0xcf8,
				0x92,  0x80,  0x70,  0x71,  0x60,  0xcfc, 0x0,	 0xffff};

/* An interruption-information value for an event that could be delivered in this state:
 * used for the IDT-vectoring information of an exit during delivery. */
static u32 vectored_event(const struct fake_vmcs *s, u32 bits, u64 *len, u64 *err)
{
	bool pe = get(s, VF_CR0) & X86_CR0_PE;
	u64 intr = get(s, VF_INTERRUPTIBILITY);
	u32 type, vector;

	switch (bits & 7) {
	case 0:
		type = II_TYPE_EXT, vector = 32 + (bits >> 8) % 224;
		if (!(get(s, VF_RFLAGS) & X86_RF_IF) || (intr & (IS_STI | IS_MOVSS)))
			type = II_TYPE_HW, vector = 13;
		break;
	case 1:
		type = II_TYPE_NMI, vector = 2;
		if (intr & (IS_STI | IS_MOVSS))
			type = II_TYPE_HW, vector = 14;
		break;
	case 2:
		type = II_TYPE_SOFT_INT, vector = (bits >> 8) & 0xff;
		break;
	case 3:
		type = II_TYPE_PRIV_SW, vector = 1;
		break;
	case 4:
		type = II_TYPE_SOFT_EXC, vector = (bits & 0x100) ? 3 : 4;
		break;
	default:
		type = II_TYPE_HW, vector = (bits >> 8) % 32;
		if (vector == 2 || vector == 15 || (vector > 21 && vector < 32))
			vector = 8;
		break;
	}
	*len = 1 + (bits >> 16) % 15;
	*err = (bits >> 4) & 0xfffc;
	return II_VALID | type << 8 | vector | (bits & 0x1000 ? II_IRET_UNBLOCK : 0) |
	       (type == II_TYPE_HW && pe && vector_has_error_code(vector) ? II_ERROR : 0);
}

/* The exit-information fields, and the registers, for `reason` in the state `s`. */
static void write_exit(struct fake_vmcs *s, const struct exit_rec *r, u32 reason)
{
	u32 basic = reason & 0xffff;
	u64 q = r->qual, a = r->a, b = r->b, c = r->c, len = 1 + r->len % 15;
	u64 exit_info = (u32)mix(r->event) & ~II_VALID; /* undefined but for the valid bit */
	u64 idt_info = (u32)mix(r->event + 1) & ~II_VALID, idt_err = mix(r->event + 2);
	bool dict = !(r->dict & 1);

	/* The other registers: values of their own, so a stray write shows. */
	for (u32 i = 0; i < GPR_NUM; i++)
		*gpr(&regs, i) = mix(r->a + i * 0x1000193);

	switch (basic) {
	case RSN_CPUID:
		regs.rax =
		    dict ? leaf_dict[a % ARRAY_SIZE(leaf_dict)] | (a & 0xffffffff00000000ULL) : a;
		regs.rcx = b;
		break;
	case RSN_IO: {
		static const u32 size_code[] = {0, 1, 3, 0};
		u64 port = dict ? port_dict[(q >> 16) % ARRAY_SIZE(port_dict)] : (q >> 16) & 0xffff;

		/* size, direction, string (now and then), REP, operand, port (SDM table 28-5) */
		q = size_code[q & 3] | (q & 0x8) | ((q & 0x30) == 0x30 ? 0x10 : 0) | (q & 0x60) |
		    port << 16;
		regs.rax = a;
		break;
	}
	case RSN_CR: {
		u32 cr = (q & 0x10) ? 4 : 0, reg = (u32)(q >> 8) & 15, type = 0;
		u64 shadow, mask, val;
		int gi;

		if (r->dict & 0x80) /* now and then another access, which these controls never
				       make exit: the handler may stop the partition */
			cr = (u32)(a >> 20) & 15, type = (u32)(a >> 24) & 3;
		shadow = get(s, cr == 4 ? VF_CR4_SHADOW : VF_CR0_SHADOW);
		mask = get(s, cr == 4 ? VF_CR4_MASK : VF_CR0_MASK);
		val = shadow;
		if (r->dict & 0x40) { /* a value from scratch */
			val = a;
		} else { /* the guest's value with a few bits flipped */
			static const u64 flips[] = {X86_CR0_PG,	  X86_CR0_PE,  X86_CR0_NE,
						    X86_CR0_CD,	  X86_CR0_NW,  X86_CR0_WP,
						    X86_CR0_TS,	  X86_CR4_PAE, X86_CR4_PCIDE,
						    X86_CR4_VMXE, 1ULL << 40,  1ULL << 24};

			for (u32 i = 0; i < ARRAY_SIZE(flips); i++)
				if (a & (1u << i))
					val ^= flips[i];
			val &= (a & (1u << 15)) ? ~0ULL : 0xffffffffULL;
		}
		/* MOV to CR0 or CR4 exits only when the value differs from the read shadow in a
		 * bit the host owns. */
		if (type == 0 && (cr == 0 || cr == 4) && !((val ^ shadow) & mask))
			val ^= mask & (~mask + 1); /* the lowest owned bit */
		q = cr | type << 4 | (u64)reg << 8;
		gi = cr_reg_index(reg);
		if (gi < 0)
			put(s, VF_RSP, val);
		else
			*gpr(&regs, (u32)gi) = val;
		break;
	}
	case RSN_RDMSR:
		regs.rcx =
		    dict ? msr_dict[b % ARRAY_SIZE(msr_dict)] | (b & 0xffffffff00000000ULL) : b;
		break;
	case RSN_WRMSR: {
		u32 msr = dict ? msr_dict[b % (ARRAY_SIZE(msr_dict) / 2)] : (u32)b;
		u64 val = a;

		if (msr == MSR_ICR && !(r->dict & 2)) { /* mostly without reserved bits */
			val &= ~(u64)ICR_RESERVED_LOW;
			val = (val & 0xffffffffULL) |
			      (u64)apic_dict[(c >> 8) % ARRAY_SIZE(apic_dict)] << 32;
		}
		if (msr != MSR_ICR && !(r->dict & 2))
			val &= 0x1ffffULL;
		regs.rcx = msr | (b & 0xffffffff00000000ULL);
		regs.rax = (u32)val | (c & 0xffffffff00000000ULL);
		regs.rdx = val >> 32 | (c << 32);
		break;
	}
	case RSN_XSETBV: {
		static const u64 xcr0s[] = {0x1, 0x3,  0x7,  0xe7,  0x2e7,
					    0x5, 0x67, 0x1f, 0x207, 0x60003};

		regs.rcx = (r->dict & 2) ? b : 0;
		a = dict ? xcr0s[a % ARRAY_SIZE(xcr0s)] : a;
		regs.rax = (u32)a | (c << 32);
		regs.rdx = a >> 32;
		break;
	}
	case RSN_VMCALL:
		regs.rax = dict ? a % 4 : a;
		regs.rbx = b;
		regs.rcx = c;
		break;
	case RSN_SIPI:
		q = dict ? (q & 0xff) : q;
		break;
	case RSN_EXCEPTION:
		if ((r->event & 3) == 0) { /* an NMI */
			exit_info = II_VALID | II_TYPE_NMI << 8 | 2;
		} else {
			u64 bitmap = get(s, VF_EXC_BITMAP);
			u32 vector = (r->event >> 8) & 31, type = II_TYPE_HW;

			for (u32 i = 0; i < 32 && !(bitmap & (1ULL << vector)); i++)
				vector = (vector + 1) & 31;
			if (!(bitmap & (1ULL << vector))) {
				exit_info = II_VALID | II_TYPE_NMI << 8 | 2;
				break;
			}
			if (vector == 1 && (r->event & 4))
				type = II_TYPE_PRIV_SW; /* ICEBP */
			if (vector == 3 || vector == 4)
				type = II_TYPE_SOFT_EXC;
			exit_info = II_VALID | type << 8 | vector;
			if (type == II_TYPE_HW && (get(s, VF_CR0) & X86_CR0_PE) &&
			    vector_has_error_code(vector))
				exit_info |= II_ERROR;
			if (vector == 1) /* B0-B3, BD, BS (what DR6 would get) */
				q &= 0x600f;
		}
		break;
	case RSN_EPT_VIOLATION:
		q &= 0x1fbf;
		break;
	default:
		break;
	}
	/* The exit came during the delivery of an event (IDT-vectoring information). */
	if (need_of(reason, r).can_vector && (r->event & 0x10)) {
		idt_info = vectored_event(s, (u32)(r->event >> 8) ^ (u32)c, &len, &idt_err);
		idt_err &= 0xffff;
		if ((exit_info & II_VALID) && II_TYPE(exit_info) == II_TYPE_NMI) /* not then */
			idt_info &= ~(u64)II_VALID;
	}
	/* NMI unblocking by IRET (exceptions only): virtual-NMI blocking is clear then. */
	if (basic == RSN_EXCEPTION && II_TYPE(exit_info) != II_TYPE_NMI && !(idt_info & II_VALID) &&
	    (r->event & 0x20)) {
		exit_info |= II_IRET_UNBLOCK;
		put(s, VF_INTERRUPTIBILITY, get(s, VF_INTERRUPTIBILITY) & ~(u64)IS_NMI);
	}
	/* An instruction that exited lies whole within CS (its bytes were fetched): outside
	 * 64-bit mode within the limit, in 64-bit mode within its canonical half. */
	if (instruction_exit(basic)) {
		u64 rip = get(s, VF_RIP);
		u64 end = !in_64bit(s)	     ? get(s, VF_LIMIT(SG_CS)) + 1
			  : (rip >> 47) == 0 ? 1ULL << 47
					     : 0; /* the upper half ends at 2^64 */
		/* The shortest encodings: IN/OUT 1 byte, CPUID, RDMSR, INVD ... 2 (0F xx),
		 * VMCALL, XSETBV, MOV CR, VMX instructions 3. */
		u64 shortest = basic == RSN_IO ? 1
			       : (basic == RSN_CPUID || basic == RSN_RDMSR || basic == RSN_WRMSR ||
				  basic == RSN_INVD || basic == RSN_WBINVD)
				   ? 2
				   : 3;

		if (len < shortest)
			len = shortest;
		if (end && rip + len > end) {
			rip = end >= len ? end - len : 0;
			put(s, VF_RIP, rip);
		}
	}
	put(s, VF_EXIT_REASON, reason);
	put(s, VF_QUAL, q);
	put(s, VF_EXIT_INFO, exit_info);
	put(s, VF_EXIT_ERROR, (u16)mix(r->event + 3));
	put(s, VF_IDT_INFO, idt_info);
	put(s, VF_IDT_ERROR, idt_err);
	put(s, VF_EXIT_LEN, len);
	put(s, VF_EXIT_INSN_INFO, mix(r->event + 4));
	put(s, VF_GUEST_PHYS, mix(r->b + 5));
	put(s, VF_GUEST_LINEAR, mix(r->b + 6));
	/* VM exit clears the valid bit of the VM-entry interruption information, and stores
	 * EFER.LMA into the IA-32e mode guest control. */
	put(s, VF_ENTRY_INFO, get(s, VF_ENTRY_INFO) & ~(u64)II_VALID);
	put(s, VF_ENTRY_CTLS,
	    (get(s, VF_ENTRY_CTLS) & ~(u64)CTL_ENTRY_IA32E) |
		((get(s, VF_EFER) & X86_EFER_LMA) ? CTL_ENTRY_IA32E : 0));
}

/* ---- The machine at the start of an input ---------------------------------------------------- */

static u32 setup_flags;

/* A CPU's VMCS as vmcs.c leaves it (its controls, with the optional ones from the setup
 * byte), host state and stale entry fields, and its vCPU in `state`: 0 the partition's
 * first CPU (started by Bulkhead, not by SIPI), 1 started by SIPI, 2 waiting for SIPI, 3
 * started, with a sibling's INIT pending. */
static void init_cpu(u32 i, u32 state)
{
	struct fake_vmcs *s = &vmcs_of[i];
	struct vcpu *v = &cpus[i].vcpu;

	clear_words(s, sizeof(*s));
	put(s, VF_PIN, 0x16 | CTL_PIN_NMI_EXITING | CTL_PIN_VIRTUAL_NMIS);
	put(s, VF_PROC, 0x0401e172u & ~(3u << 15)); /* default-1 bits, CR3 exiting off */
	put(s, VF_PROC,
	    get(s, VF_PROC) | CTL_PROC_IO_BITMAPS | CTL_PROC_MSR_BITMAPS | CTL_PROC_SECONDARY);
	put(s, VF_PROC2,
	    CTL_PROC2_EPT | CTL_PROC2_VPID | CTL_PROC2_WBINVD_EXIT | CTL_PROC2_UNRESTRICT |
		((setup_flags & 8) ? 0 : CTL_PROC2_RDTSCP) |
		((setup_flags & 16) ? 0 : CTL_PROC2_INVPCID));
	put(s, VF_EXIT_CTLS, 0x36dff | (1u << 9) | (1u << 15) | (0xfu << 18));
	put(s, VF_ENTRY_CTLS,
	    0x11ff | CTL_ENTRY_LOAD_DEBUG | CTL_ENTRY_LOAD_PAT | CTL_ENTRY_LOAD_EFER);
	put(s, VF_EXC_BITMAP, (setup_flags & 4) ? 0 : (1u << 1) | (1u << 17));
	put(s, VF_CR0_MASK, X86_CR0_NE);
	put(s, VF_CR4_MASK, X86_CR4_VMXE);
	put(s, VF_IO_BITMAP_A, 0x10000000ULL + 0x10000 * i);
	put(s, VF_IO_BITMAP_B, 0x10001000ULL + 0x10000 * i);
	put(s, VF_MSR_BITMAP, 0x10002000ULL + 0x10000 * i);
	put(s, VF_EPT_POINTER, 0x2000001eULL + 0x100000 * partition);
	put(s, VF_VPID, partition + 1);
	put(s, VF_LINK_PTR, ~0ULL);
	put(s, VF_HOST_PAT, 0x0007040600070406ULL);
	put(s, VF_HOST_EFER, 0xd01);
	put(s, VF_HOST_CR0, 0x80050033ULL);
	put(s, VF_HOST_RSP, 0xffffffff80400000ULL + 0x4000 * i);
	put(s, VF_HOST_RIP, 0xffffffff80101234ULL);
	put(s, VF_HOST_SYSENTER_CS, 0);
	/* Stale entry fields from an earlier injection. */
	put(s, VF_ENTRY_INFO, mix(setup_flags + i) & ~(u64)II_VALID);
	put(s, VF_ENTRY_ERROR, mix(setup_flags + i + 1));
	put(s, VF_ENTRY_LEN, mix(setup_flags + i + 2));
	put(s, VF_INSN_ERROR, 7);

	clear_words(v, sizeof(*v));
	v->partition = partition;
	v->vmcs = 0x30000000ULL + 0x1000 * i;
	v->exit_stack = 0x40000000ULL + 0x4000 * i;
	v->vm = &part_vm[partition];
	guest_dr6[i] = 0xffff0ff0ULL;
	needs_fresh[i] = true;
	v->waiting_sipi = state == 2;
	v->started = state == 1 || state == 3;
	v->init_pending = state == 3;
	put(s, VF_ACTIVITY, state == 2 ? ACT_SIPI : ACT_ACTIVE);
}

/* Byte 0: bits 0-1 the partition; bit 2: #DB and #AC not intercepted (vmcs.c before them),
 * bit 3: no RDTSCP, bit 4: no INVPCID; bits 5-7 the TSC frequency. Byte 1: two bits per CPU
 * of the partition (up to three), its state for init_cpu(); bits 6-7: how many of the local
 * APIC's optional LVTs (CMCI, thermal, performance counters, in that order) it lacks. */
static void world_reset(u8 setup, u8 states)
{
	static const u64 khz[] = {2400000, 1000000, 3000000, 4294967, 4295000, 5000000, 1, 6400000};

	setup_flags = setup;
	partition = (setup & 3) % NPART;
	tsc_khz = khz[setup >> 5];
	model_max_lvt = 6 - ((states >> 6) & 3);
	for (u32 i = 0, k = 0; i < NCPU; i++) {
		clear_words(&cpus[i].vcpu, sizeof(cpus[i].vcpu));
		cpus[i].index = i;
		cpus[i].apic_id = machine[i].apic_id;
		cpus[i].vcpu.partition = machine[i].partition >= 0 ? (u32)machine[i].partition : 0;
		if (machine[i].partition == (int)partition)
			init_cpu(i, (states >> (2 * k++)) & 3);
		else if (machine[i].partition >= 0) /* another partition's, running */
			cpus[i].vcpu.vm = &part_vm[machine[i].partition], cpus[i].vcpu.started = 1;
	}
	cur = NULL;
}

/* ---- One exit ----------------------------------------------------------------------------------
 */

static u32 partition_cpus(u32 *list)
{
	u32 n = 0;

	for (u32 i = 0; i < NCPU; i++)
		if (machine[i].partition == (int)partition)
			list[n++] = i;
	return n;
}

/* Returns false when the input is over (the partition stopped or parked). */
static bool one_exit(struct fuzz_reader *in, u32 exit_no)
{
	struct exit_rec r;
	u32 list[NCPU], n = partition_cpus(list), ci, reason;
	struct need need;
	const char *why;

	read_rec(in, &r);
	ci = list[(r.cpu & 7) % n];
	now = (struct exit_now){.cpu = ci, .partition = partition, .exit_no = exit_no};
	cur = &vmcs_of[ci];
	if (r.vflags & 1) /* a sibling's NMI came before this exit */
		cpus[ci].vcpu.nmi_pending = 1;
	reason = choose_reason(&r, cur);
	need = need_of(reason, &r);
	if (reason == RSN_EXCEPTION && (r.event & 3) && get(cur, VF_EXC_BITMAP) & (1u << 17) &&
	    ((r.event >> 8) & 31) == 17)
		need.cpl3_ac = true;
	if (needs_fresh[ci] || !(r.cpu & 8) || !state_fits(cur, &need))
		fresh_state(cur, &r, &need);
	needs_fresh[ci] = false;
	now.reason = reason;
	write_exit(cur, &r, reason);
	if (!need.entry_failed && (why = entry_invalid(cur, true)))
		broken("harness bug: the generated exit state would fail VM entry: %s", why);

	copy_words(&before, cur, sizeof(before));
	regs_before = regs;
	for (u32 i = 0; i < NCPU; i++)
		copy_words(&vcpus_before[i], &cpus[i].vcpu, sizeof(vcpus_before[i]));
	nops = 0;
	clear_words(&fx, sizeof(fx));
	fx.port_value = (u32)mix(r.ret);
	fx.hypercall_ret = mix(r.ret + 1);
	fx.park_at_nmi_call = (r.cpu >> 4) & 3;
	fx.vm_read_fails = r.ret & 0x80;
	for (u32 i = 0; i < 4; i++) { /* PDPTEs: not present, present, or present and invalid */
		u64 e = mix(r.c + 7 * i);

		switch ((r.ret >> (i + 2)) & 3) {
		case 0:
			e &= ~PDPTE_P;
			break;
		case 1:
		case 2:
			e = (e & ~PDPTE_RESERVED) | PDPTE_P;
			break;
		default:
			e |= PDPTE_P;
			break;
		}
		fx.memory[i] = e;
	}
	left = LEFT_NOT;
	if (verbose)
		fprintf(stderr, "exit %u: cpu %u reason %#x qual %#llx rip %#llx\n", exit_no, ci,
			reason, (unsigned long long)get(cur, VF_QUAL),
			(unsigned long long)get(cur, VF_RIP));

	now.in_dispatch = now.dispatched = true;
	if (!setjmp(leave_dispatch))
		vmexit_dispatch(&regs);
	now.in_dispatch = false;
	if (verbose && left == LEFT_NOT)
		fprintf(stderr, "  resumed: rip %#llx, injected %#llx, activity %llu\n",
			(unsigned long long)get(cur, VF_RIP),
			(unsigned long long)get(cur, VF_ENTRY_INFO),
			(unsigned long long)get(cur, VF_ACTIVITY));
	else if (verbose)
		fprintf(stderr, "  %s\n", left == LEFT_FAULT ? fx.fault.reason : "parked");
	check_entry_state(left == LEFT_NOT);
	return left == LEFT_NOT;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool started;
	struct fuzz_reader in = {data, size};
	u8 setup, states;

	if (!started) {
		const char *st = getenv("FUZZ_STRICT");

		if (st && !strcmp(st, "all"))
			strict = ~0u;
		for (; st && *st; st++) /* finding numbers, one digit each */
			if (*st >= '1' && *st <= '9' && (st[1] < '0' || st[1] > '9'))
				strict |= 1u << (*st - '0');
		verbose = getenv("FUZZ_VERBOSE") != NULL;
		started = true;
	}
	fuzz_begin();
	setup = fuzz_u8(&in);
	states = fuzz_u8(&in);
	world_reset(setup, states);
	for (u32 n = 0; n < MAX_EXITS && in.left; n++)
		if (!one_exit(&in, n))
			break;
	return 0;
}
