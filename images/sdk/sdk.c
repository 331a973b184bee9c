/*
 * Bulkhead payload SDK: start-up (Bulkhead or bare Multiboot2), the environment, the
 * command line, time, shared regions, the end, and the few string functions.
 */
#include "sdk_internal.h"
#include "core/lib/pic.h"
#include "core/lib/pit.h"

struct sdk_env sdk_the_env;
uint8_t sdk_stacks[PAYLOAD_MAX_CPUS][SDK_STACK_SIZE] __attribute__((aligned(16)));

static char name_buf[sizeof(((struct payload_info *)0)->name) + 1];
static char cmdline_buf[256];

const struct sdk_env *sdk_env(void)
{
	return &sdk_the_env;
}

uint64_t sdk_tsc_khz(void)
{
	return sdk_the_env.tsc_khz;
}

void sdk_delay_us(uint64_t us)
{
	uint64_t t0 = sdk_tsc(), ticks = us * sdk_tsc_khz() / 1000;

	while (sdk_tsc() - t0 < ticks)
		cpu_relax();
}

/* ---- bare: Multiboot2 information, PIT, PIC ---------------------------------------- */

#define MB2_TAG_END	0
#define MB2_TAG_CMDLINE 1
#define MB2_TAG_MEMINFO 4 /* basic memory information: mem_lower, mem_upper in KiB */
#define MB2_TAG_MMAP	6 /* memory map: entry_size, entry_version, then entries */
#define MB2_MMAP_RAM	1 /* an entry's type: available RAM */

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	return rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

/* The Multiboot2 information: u32 total_size, u32 reserved, then tags (u32 type, u32 size,
 * payload) each starting 8-aligned, up to an end tag. Copies what we keep: the structure
 * may lie in memory a payload later reuses. */
static void parse_mb2(uint32_t addr)
{
	const uint8_t *p = (const uint8_t *)(uintptr_t)addr;
	uint32_t total = rd32(p);

	for (uint32_t off = 8; off + 8 <= total;) {
		uint32_t type = rd32(p + off), size = rd32(p + off + 4);

		if (type == MB2_TAG_END || size < 8 || size > total - off)
			break;
		if (type == MB2_TAG_CMDLINE) {
			uint32_t n = 0;

			while (n < size - 8 && n < sizeof(cmdline_buf) - 1 && p[off + 8 + n])
				n++;
			memcpy(cmdline_buf, p + off + 8, n);
			cmdline_buf[n] = '\0';
		} else if (type == MB2_TAG_MEMINFO && size >= 16) {
			sdk_the_env.ram_size = (1024ull + rd32(p + off + 12)) * 1024;
		} else if (type == MB2_TAG_MMAP && size >= 16 && rd32(p + off + 8) >= 24) {
			/* entries of u64 base, u64 length, u32 type, u32 reserved */
			for (uint32_t e = 16; e + 24 <= size; e += rd32(p + off + 8))
				if (rd32(p + off + e + 16) == MB2_MMAP_RAM)
					sdk_mem_note_bare(rd64(p + off + e), rd64(p + off + e + 8));
		}
		off += (size + 7) & ~7u;
	}
}

#define PIT_COUNT 59659u /* 50 ms */

/* TSC ticks during PIT_COUNT PIT ticks of channel 2 in mode 0 (its output rises at terminal
 * count; the gate holds the count until we start it). The shortest of three, as every
 * disturbance only lengthens a run. */
static uint64_t pit_calibrate_khz(void)
{
	uint64_t best = ~0ull;

	for (int run = 0; run < 3; run++) {
		uint8_t b = inb(PORT_B) & ~(PORT_B_CH2_GATE | PORT_B_SPEAKER);
		uint64_t t0, t1;
		uint32_t spins = 0;

		outb(PORT_B, b); /* gate low, speaker off */
		outb(PIT_CMD, PIT_CH2_MODE0);
		outb(PIT_CH2, PIT_COUNT & 0xff);
		outb(PIT_CH2, PIT_COUNT >> 8);
		outb(PORT_B, b | PORT_B_CH2_GATE); /* count */
		t0 = sdk_tsc();
		while (!(inb(PORT_B) & PORT_B_CH2_OUT))
			if (++spins > 100000000u)
				return 0; /* no PIT */
		t1 = sdk_tsc();
		outb(PORT_B, b);
		if (t1 - t0 < best)
			best = t1 - t0;
	}
	return best * PIT_HZ / (PIT_COUNT * 1000ull);
}

/* Remap both 8259s to vectors 0x20-0x2f (away from the exceptions) and mask them: the bare
 * SDK takes interrupts from the local APIC only. */
static void pic_disable(void)
{
	outb(PIC1_CMD, PIC_ICW1_INIT);
	outb(PIC2_CMD, PIC_ICW1_INIT);
	outb(PIC1_DATA, 0x20); /* ICW2: vector base */
	outb(PIC2_DATA, 0x28);
	outb(PIC1_DATA, 1u << PIC_CASCADE_IRQ); /* ICW3: the input the slave is on */
	outb(PIC2_DATA, PIC_CASCADE_IRQ);	/* ICW3: the slave's cascade identity */
	outb(PIC1_DATA, PIC_ICW4_8086);
	outb(PIC2_DATA, PIC_ICW4_8086);
	outb(PIC1_DATA, PIC_MASK_ALL);
	outb(PIC2_DATA, PIC_MASK_ALL);
}

/* ---- start ------------------------------------------------------------------------- */

static void strcopy(char *dst, const char *src, size_t size)
{
	size_t n = 0;

	while (n + 1 < size && src[n])
		n++;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* Bare: one CPU, unless the command line says cpus=N; then APIC IDs 0..N-1 are assumed
 * (as QEMU and Bochs number them), this CPU first. */
static void bare_cpus(struct sdk_env *e)
{
	uint64_t n = sdk_cmdline_u64("cpus", 1);
	uint32_t me = sdk_apic_id();

	if (n < 1 || n > PAYLOAD_MAX_CPUS)
		n = 1;
	e->cpu_count = (uint32_t)n;
	e->apic_ids[0] = me;
	for (uint32_t i = 1, id = 0; i < n; id++)
		if (id != me)
			e->apic_ids[i++] = id;
}

void sdk_start(uint32_t magic, uint32_t info);
void sdk_start(uint32_t magic, uint32_t info)
{
	struct sdk_env *e = &sdk_the_env;

	e->cmdline = cmdline_buf;
	if (magic == PAYLOAD_MAGIC) {
		const struct payload_info *pi = (const struct payload_info *)(uintptr_t)info;

		e->bulkhead = true;
		e->info = pi;
		e->cpu_count = pi->cpu_count;
		if (e->cpu_count > PAYLOAD_MAX_CPUS)
			e->cpu_count = PAYLOAD_MAX_CPUS;
		for (uint32_t i = 0; i < e->cpu_count; i++)
			e->apic_ids[i] = pi->apic_ids[i];
		e->tsc_khz = pi->tsc_khz;
		e->ram_size = pi->ram_size;
		strcopy(name_buf, pi->name, sizeof(name_buf));
		strcopy(cmdline_buf, pi->cmdline, sizeof(cmdline_buf));
		e->name = name_buf;
	} else {
		e->name = "bare";
		sdk_console_init_bare();
		if (magic != MB2_BOOT_MAGIC) {
			sdk_printf("sdk: unknown boot magic 0x%x (neither Bulkhead nor Multiboot2)",
				   magic);
			sdk_exit(127);
		}
		parse_mb2(info);
		pic_disable();
		e->tsc_khz = pit_calibrate_khz();
	}
	if (!e->tsc_khz) {
		sdk_printf("sdk: TSC frequency unknown, assuming 1 GHz");
		e->tsc_khz = 1000000;
	}
	sdk_irq_init();
	sdk_apic_init();
	if (!e->bulkhead)
		bare_cpus(e);
	if (e->cpu_count == 0) { /* cannot be from Bulkhead; be safe anyway */
		e->cpu_count = 1;
		e->apic_ids[0] = sdk_apic_id();
	}
	sdk_mem_init();
	sdk_fpu_start();
	sdk_exit(main(e));
}

/* ---- command line ------------------------------------------------------------------ */

bool sdk_cmdline_arg(const char *key, char *buf, size_t size)
{
	const char *s = sdk_the_env.cmdline;
	size_t klen = strlen(key);
	bool found = false;

	if (!s || klen == 0)
		return false;
	while (*s) {
		const char *w, *v;

		while (*s == ' ' || *s == '\t')
			s++;
		w = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if ((size_t)(s - w) < klen || strncmp(w, key, klen) != 0 ||
		    (w + klen != s && w[klen] != '='))
			continue;
		v = w + klen == s ? s : w + klen + 1;
		if (buf && size) {
			size_t n = (size_t)(s - v) < size - 1 ? (size_t)(s - v) : size - 1;

			memcpy(buf, v, n);
			buf[n] = '\0';
		}
		found = true;
	}
	return found;
}

uint64_t sdk_cmdline_u64(const char *key, uint64_t def)
{
	char val[24];
	const char *p = val;
	unsigned base = 10;
	uint64_t v = 0;

	if (!sdk_cmdline_arg(key, val, sizeof(val)) || !*p)
		return def;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
		base = 16;
		p += 2;
		if (!*p)
			return def;
	}
	for (; *p; p++) {
		unsigned d;

		if (*p >= '0' && *p <= '9')
			d = (unsigned)(*p - '0');
		else if (base == 16 && *p >= 'a' && *p <= 'f')
			d = (unsigned)(*p - 'a' + 10);
		else if (base == 16 && *p >= 'A' && *p <= 'F')
			d = (unsigned)(*p - 'A' + 10);
		else
			return def;
		v = v * base + d;
	}
	return v;
}

/* ---- shared regions, the end ------------------------------------------------------- */

void *sdk_shared(unsigned i, uint64_t *size)
{
	const struct payload_info *pi = sdk_the_env.info;

	if (!pi || i >= pi->shared_count || i >= PAYLOAD_MAX_SHARED)
		return NULL;
	if (size)
		*size = pi->shared[i].size;
	return (void *)(uintptr_t)pi->shared[i].gpa;
}

_Noreturn void sdk_halt(void)
{
	for (;;)
		__asm__ volatile("cli; hlt" ::: "memory");
}

_Noreturn void sdk_idle(void)
{
	for (;;)
		__asm__ volatile("sti; hlt" ::: "memory");
}

_Noreturn void sdk_exit(int code)
{
	if (sdk_the_env.bulkhead) {
		vmcall(HYPERCALL_EXIT, (uint32_t)code, 0);
	} else {
		/* Bochs: "Shutdown" written to port 0x8900; QEMU: isa-debug-exit at 0xf4. */
		for (const char *s = "Shutdown"; *s; s++)
			outb(0x8900, (uint8_t)*s);
		outb(0xf4, 0);
	}
	sdk_halt();
}

/* memset, memcpy, memmove, memcmp, strlen, strncmp: core/lib/string.c, linked into the SDK. */
