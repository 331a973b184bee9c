/*
 * Unit tests for the probe (core/probe.c, core/probe_boot.c): over fake machines (Bochs's 4
 * CPUs without SMT, 8 CPUs of 4 cores with SMT siblings, a fragmented memory map like OVMF's,
 * PCI functions with 32-bit, 64-bit and I/O BARs, machines with too few CPUs), the layout
 * written is compiled against core/include/bulkhead/ptable.h and checked by tools/ptcheck.sh as
 * is, and again with each PCI entry it offers uncommented; it is a fixed point of clang-format
 * (a generated layout can be committed as it is) and says what it chose. The PCI scan runs over
 * a fake configuration space reached through arch_pci_read/_write.
 *
 * Run from the repository's root (tests/unit/run.sh does): it calls tools/ptcheck.sh.
 */
#define _POSIX_C_SOURCE 200809L /* popen, mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/x86/arch.h"
#include "core/mb2.h"
#include "core/pmem.h"
#include "core/probe.h"
#include "tests/unit/check.h"

/* ---- the layout text ------------------------------------------------------------------ */

static char text[262144];
static size_t text_len;
static int long_lines;

static void collect(void *ctx, const char *line)
{
	size_t n = strlen(line), cols = 0;

	(void)ctx;
	for (const char *c = line; *c; c++)
		cols = *c == '\t' ? (cols / 8 + 1) * 8 : cols + 1;
	if (cols > 100) {
		printf("  line of %zu columns: %s\n", cols, line);
		long_lines++;
	}
	if (text_len + n + 2 < sizeof(text)) {
		memcpy(text + text_len, line, n);
		text_len += n;
		text[text_len++] = '\n';
		text[text_len] = 0;
	}
}

static char dir[64];

static void write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		printf("  cannot write %s\n", path);
		check_failed_in_test = 1;
		return;
	}
	fputs(s, f);
	fclose(f);
}

/* Run a shell command; its output into out (cut short), its exit status returned. */
static int run(const char *cmd, char *out, size_t size)
{
	FILE *p = popen(cmd, "r");
	size_t n = 0;
	int st;

	out[0] = 0;
	if (!p)
		return -1;
	while (n + 1 < size && fgets(out + n, (int)(size - n), p))
		n = strlen(out);
	while (fgetc(p) != EOF)
		;
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The layout of `m` into text, and into DIR/<name>.c. */
static void generate(const struct probe_machine *m, const char *name, char *path, size_t size)
{
	text_len = 0;
	text[0] = 0;
	long_lines = 0;
	probe_write_layout(m, collect, NULL);
	snprintf(path, size, "%s/%s.c", dir, name);
	write_file(path, text);
	CHECK_EQ(long_lines, 0);
}

/* tools/ptcheck.sh on the file: exit status; its output in out. */
static int ptcheck(const char *path, char *out, size_t size)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "tools/ptcheck.sh %s %s/bin 2>&1", path, dir);
	return run(cmd, out, size);
}

static void check_ptcheck_ok(const char *path)
{
	char out[4096], want[256];
	int rc = ptcheck(path, out, sizeof(out));

	snprintf(want, sizeof(want), "ptcheck: %s: ok: layout ", path);
	if (rc != 0 || !strstr(out, want)) {
		printf("  ptcheck %s: exit %d:\n%s  ---- the layout ----\n%s", path, rc, out, text);
		check_failed_in_test = 1;
	}
}

/* clang-format leaves it as it is (skipped where there is no clang-format). */
static void check_clang_format(const char *path)
{
	char cmd[512], out[4096];
	int rc;

	if (system("command -v clang-format >/dev/null 2>&1") != 0)
		return;
	snprintf(cmd, sizeof(cmd),
		 "clang-format --dry-run --Werror --assume-filename=partitions/probed.c <%s 2>&1",
		 path);
	rc = run(cmd, out, sizeof(out));
	if (rc != 0) {
		printf("  clang-format would change %s:\n%s", path, out);
		check_failed_in_test = 1;
	}
}

/* The text with the k-th run of "// " lines uncommented; false if there is no k-th. */
static bool uncomment(int k, char *out, size_t size)
{
	const char *p = text;
	size_t n = 0;
	int run_no = -1;
	bool in_run = false, found = false;

	while (*p && n + 1 < size) {
		const char *nl = strchr(p, '\n'), *c = p;
		size_t len = nl ? (size_t)(nl - p) + 1 : strlen(p);

		while (*c == '\t' || *c == ' ')
			c++;
		if (strncmp(c, "// ", 3) == 0) {
			if (!in_run)
				run_no++;
			in_run = true;
		} else {
			in_run = false;
		}
		if (in_run && run_no == k) {
			size_t indent = (size_t)(c - p);

			found = true;
			memcpy(out + n, p, indent);
			memcpy(out + n + indent, c + 3, len - indent - 3);
			n += len - 3;
		} else {
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
	}
	out[n] = 0;
	return found;
}

/* Each PCI entry the layout offers, uncommented alone, passes ptcheck. Returns how many. */
static int check_entries(const char *name)
{
	static char variant[sizeof(text)];
	char path[128];
	int k;

	for (k = 0; uncomment(k, variant, sizeof(variant)); k++) {
		char out[4096];
		int rc;

		snprintf(path, sizeof(path), "%s/%s-dev%d.c", dir, name, k);
		write_file(path, variant);
		rc = ptcheck(path, out, sizeof(out));
		if (rc != 0) {
			printf("  %s with entry %d uncommented: exit %d\n%s", name, k, rc, out);
			check_failed_in_test = 1;
		}
	}
	return k;
}

static bool has(const char *s)
{
	if (strstr(text, s))
		return true;
	printf("  the layout has no \"%s\"\n", s);
	return false;
}

/* The layout's words: each line without its indentation and leading comment mark (a star, the
 * opening of a comment, two slashes), the lines joined by one space, so that prose is found
 * however it was wrapped. */
static char words[sizeof(text)];

static void make_words(void)
{
	const char *p = text;
	size_t n = 0;

	while (*p) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "/* ", 3) == 0 || strncmp(p, "// ", 3) == 0)
			p += 3;
		else if (strncmp(p, "* ", 2) == 0)
			p += 2;
		while (*p && *p != '\n' && n + 2 < sizeof(words)) {
			if (!(*p == ' ' && n > 0 && words[n - 1] == ' '))
				words[n++] = *p;
			p++;
		}
		if (*p == '\n')
			p++;
		if (n > 0 && words[n - 1] != ' ')
			words[n++] = ' ';
	}
	words[n] = 0;
}

static bool says(const char *s)
{
	make_words();
	if (strstr(words, s))
		return true;
	printf("  the layout does not say \"%s\"\n", s);
	return false;
}

/* ---- fake machines ---------------------------------------------------------------------- */

static void add_cpu(struct probe_machine *m, u32 apic)
{
	m->cpus[m->cpu_count++] = (struct probe_cpu){apic, true};
}

static void add_ram(struct probe_machine *m, u64 s, u64 e)
{
	m->ram[m->ram_count++] = (struct probe_range){s, e};
}

static void add_resv(struct probe_machine *m, u64 s, u64 e, const char *name)
{
	struct probe_reservation *r = &m->resv[m->resv_count++];

	r->start = s;
	r->end = e;
	snprintf(r->name, sizeof(r->name), "%s", name);
}

static void add_module(struct probe_machine *m, u64 s, u64 e, const char *cmdline)
{
	char name[PROBE_NAME_LEN];

	m->modules[m->module_count].start = s;
	m->modules[m->module_count].end = e;
	snprintf(m->modules[m->module_count].cmdline, sizeof(m->modules[0].cmdline), "%s", cmdline);
	m->module_count++;
	snprintf(name, sizeof(name), "module %s", cmdline);
	add_resv(m, s, e, name);
}

static struct probe_pci_fn *add_fn(struct probe_machine *m, u32 bdf, u16 vendor, u16 device,
				   u32 class_code, u8 pin, u8 line)
{
	struct probe_pci_fn *f = &m->pci[m->pci_count++];

	memset(f, 0, sizeof(*f));
	f->bdf = bdf;
	f->vendor = vendor;
	f->device = device;
	f->class_code = class_code;
	f->pin = pin;
	f->line = line;
	return f;
}

static void bar(struct probe_pci_fn *f, u32 i, u32 kind, u64 base, u64 size)
{
	f->bar[i] = (struct pt_bar){kind, base, size};
}

static void isa_identity(struct probe_machine *m)
{
	for (u32 i = 0; i < 16; i++)
		m->isa_gsi[i] = i;
	m->isa_gsi[0] = 2; /* the PIT's override, on every PC */
}

/* Bochs, as tests/emu/probe.sh boots it: 4 CPUs, 1 GiB, i440FX, BIOS, an e1000. */
static void machine_bochs(struct probe_machine *m)
{
	struct probe_pci_fn *f;

	memset(m, 0, sizeof(*m));
	snprintf(m->loader, sizeof(m->loader), "GRUB 2.06-13+deb12u1");
	snprintf(m->layout, sizeof(m->layout), "bochs4");
	for (u32 i = 0; i < 4; i++)
		add_cpu(m, i);
	m->smt_known = true;
	m->smt_shift = 0;
	add_ram(m, 0, 0x9f000);
	add_ram(m, 0x100000, 0x3fff0000);
	add_resv(m, 0, 0x1000, "page 0");
	add_resv(m, 0x200000, 0x24a000, "hypervisor");
	add_resv(m, 0x10000, 0x11000, "multiboot2 info");
	add_module(m, 0x24b000, 0x9c1000, "linux");
	add_module(m, 0x9c1000, 0xbe0000, "linux-initrd");
	add_module(m, 0xbe0000, 0xbf8000, "rt0 period_ms=200");
	m->ioapic_pins = 24;
	isa_identity(m);
	add_fn(m, PT_BDF(0, 0, 0), 0x8086, 0x1237, 0x060000, 0, 0);
	f = add_fn(m, PT_BDF(0, 1, 0), 0x8086, 0x7000, 0x060100, 0, 0);
	f->multifunction = true;
	f = add_fn(m, PT_BDF(0, 1, 1), 0x8086, 0x7010, 0x010180, 0, 0);
	bar(f, 4, BAR_IO, 0xc000, 16);
	f = add_fn(m, PT_BDF(0, 1, 2), 0x8086, 0x7020, 0x0c0300, 4, 11);
	bar(f, 4, BAR_IO, 0xc020, 32);
	add_fn(m, PT_BDF(0, 1, 3), 0x8086, 0x7113, 0x068000, 1, 9);
	f = add_fn(m, PT_BDF(0, 2, 0), 0x8086, 0x100e, 0x020000, 1, 9);
	bar(f, 0, BAR_MEM, 0xc0000000, 0x20000);
	bar(f, 1, BAR_IO, 0xc040, 0x40);
}

/* QEMU q35 with 8 CPUs as 4 cores of 2 threads, 2 GiB, SeaBIOS, and a 64-bit NVMe behind a
 * bridge, a device with a BAR smaller than a page, a serial port at COM1's ports. */
static void machine_q35_smt(struct probe_machine *m)
{
	struct probe_pci_fn *f;

	memset(m, 0, sizeof(*m));
	snprintf(m->loader, sizeof(m->loader), "GRUB 2.06");
	snprintf(m->layout, sizeof(m->layout), "q35smt");
	for (u32 i = 0; i < 8; i++)
		add_cpu(m, i);
	m->smt_known = true;
	m->smt_shift = 1;
	add_ram(m, 0, 0x9fc00);
	add_ram(m, 0x100000, 0x7ffdf000);
	add_resv(m, 0, 0x1000, "page 0");
	add_resv(m, 0x200000, 0x24a000, "hypervisor");
	add_resv(m, 0x10000, 0x11000, "multiboot2 info");
	add_module(m, 0x24b000, 0x300000, "rt0");
	m->ioapic_pins = 24;
	isa_identity(m);
	add_fn(m, PT_BDF(0, 0, 0), 0x8086, 0x29c0, 0x060000, 0, 0);
	f = add_fn(m, PT_BDF(0, 1, 0), 0x1234, 0x1111, 0x030000, 0, 0);
	bar(f, 0, BAR_MEM, 0xfd000000, 0x1000000);
	f->prefetch = 1u << 0;
	bar(f, 2, BAR_MEM, 0xfebd0000, 0x1000);
	f = add_fn(m, PT_BDF(0, 2, 0), 0x8086, 0x10d3, 0x020000, 1, 10);
	bar(f, 0, BAR_MEM, 0xfeb80000, 0x20000);
	bar(f, 1, BAR_MEM, 0xfeba0000, 0x20000);
	bar(f, 2, BAR_IO, 0xc060, 0x20);
	bar(f, 3, BAR_MEM, 0xfebd4000, 0x4000);
	f = add_fn(m, PT_BDF(0, 3, 0), 0x1af4, 0x1000, 0x020000, 1, 11);
	bar(f, 0, BAR_IO, 0xc080, 0x20);
	bar(f, 1, BAR_MEM, 0xfebd5000, 0x1000);
	bar(f, 4, BAR_MEM, 0xfe000000, 0x4000);
	f->bar64 = 1u << 4;
	f->prefetch = 1u << 4;
	f = add_fn(m, PT_BDF(0, 4, 0), 0x8086, 0x2934, 0x0c0300, 1, 11);
	bar(f, 4, BAR_MEM, 0xfebd6000, 0x100); /* smaller than a page */
	add_fn(m, PT_BDF(0, 0x1c, 0), 0x1b36, 0x000c, 0x060400, 1, 10)->header_type = 1;
	f = add_fn(m, PT_BDF(1, 0, 0), 0x1b36, 0x0010, 0x010802, 1, 10);
	bar(f, 0, BAR_MEM, 0x800000000ULL, 0x4000);
	f->bar64 = 1u << 0;
	f = add_fn(m, PT_BDF(0, 0x1f, 0), 0x8086, 0x2918, 0x060100, 0, 0);
	f->multifunction = true;
	f = add_fn(m, PT_BDF(0, 0x1f, 2), 0x8086, 0x2922, 0x010601, 1, 10);
	bar(f, 4, BAR_IO, 0xc0a0, 0x20);
	bar(f, 5, BAR_MEM, 0xfebd7000, 0x1000);
	f = add_fn(m, PT_BDF(0, 0x1f, 3), 0x8086, 0x2930, 0x0c0500, 1, 10);
	bar(f, 4, BAR_IO, 0x700, 0x40);
	f = add_fn(m, PT_BDF(0, 5, 0), 0x8086, 0x100e, 0x020000, 1, 20); /* line = a GSI */
	bar(f, 0, BAR_MEM, 0xfeb40000, 0x20000);
	f = add_fn(m, PT_BDF(0, 6, 0), 0x1b36, 0x0002, 0x070002, 0, 0); /* a 16550 at COM1's */
	bar(f, 0, BAR_IO, 0x3f8, 8);
}

/* OVMF's map: many small ranges, GRUB's modules high, no CPUID topology, VT-d. */
static void machine_ovmf(struct probe_machine *m)
{
	static const u64 map[][2] = {{0x0, 0xa0000},
				     {0x100000, 0x800000},
				     {0x808000, 0x80b000},
				     {0x80c000, 0x810000},
				     {0x900000, 0x1f00000},
				     {0x1f00000, 0x5e6e000},
				     {0x5f6e000, 0x7bf3b000},
				     {0x7bf5e000, 0x7bfd9000},
				     {0x7c000000, 0x7d6f2000},
				     {0x7d700000, 0x7e8ec000},
				     {0x7e8f0000, 0x7ea7c000},
				     {0x7fa00000, 0x7fb00000},
				     {0x100000000, 0x180000000}};

	memset(m, 0, sizeof(*m));
	snprintf(m->loader, sizeof(m->loader), "GRUB 2.06 */ /* \\ ?\?/ \001");
	snprintf(m->layout, sizeof(m->layout), "ovmf");
	m->uefi = true;
	for (u32 i = 0; i < 4; i++)
		add_cpu(m, i * 2);
	m->cpus[3].online = false; /* did not start */
	m->smt_known = false;
	for (u32 i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		add_ram(m, map[i][0], map[i][1]);
	add_resv(m, 0, 0x1000, "page 0");
	add_resv(m, 0x200000, 0x24a000, "hypervisor");
	add_resv(m, 0x7bf3b000, 0x7bf3c000, "multiboot2 info");
	add_module(m, 0x7b000000, 0x7b800000, "linux */ evil");
	add_module(m, 0x7b800000, 0x7bc00000, "linux-initrd");
	add_module(m, 0x5f6e000, 0x5f80000, "rt0");
	m->ioapic_pins = 24;
	isa_identity(m);
	m->iommu = true;
	add_fn(m, PT_BDF(0, 0, 0), 0x8086, 0x29c0, 0x060000, 0, 0);
	add_fn(m, PT_BDF(0, 2, 0), 0x8086, 0x10d3, 0x020000, 1, 0xff);
	bar(&m->pci[1], 0, BAR_MEM, 0xc1040000, 0x20000);
	bar(&m->pci[1], 2, BAR_IO, 0x6060, 0x20);
	bar(&m->pci[1], 3, BAR_MEM, 0, 0x4000); /* left unassigned */
}

/* ---- the layout: compiles, passes ptcheck, says what it chose ----------------------------- */

static void test_bochs_4cpu(void)
{
	struct probe_machine m;
	char path[128];

	machine_bochs(&m);
	generate(&m, "bochs4", path, sizeof(path));
	check_ptcheck_ok(path);
	check_clang_format(path);
	CHECK(has(".layout = \"bochs4\","));
	CHECK(has("\t    .cpus = PT_CPUS(1, 2),\n"));
	CHECK(has("\t    .cpus = PT_CPUS(3),\n"));
	CHECK(says("Bulkhead keeps the boot CPU, APIC ID 0"));
	CHECK(says("rt0, the payload, gets APIC ID 3, the last CPU (a core of its own)."));
	CHECK(says("Linux gets the others, 1 and 2 (the first starts it)."));
	CHECK(has("SMT       none: one thread a core (CPUID leaf 0xb)"));
	/* 64 MiB floor: Linux's first megabyte just below its 2 MiB-aligned RAM, guest == host;
	 * rt0 and then 32 MiB for Bulkhead at the top of the 1 GiB (2 MiB aligned down). */
	CHECK(has("\t\t    .phys = 0x4100000,\n\t\t    .size = 1 * MiB,\n\t\t    .guest = 0x0,"));
	CHECK(has("\t\t    .phys = 0x4200000,\n\t\t    .size = 922 * MiB,\n"
		  "\t\t    .guest = 0x4200000,"));
	CHECK(has("\t\t.phys = 0x3dc00000,\n\t\t.size = 2 * MiB,\n\t\t.guest = 0x0,"));
	CHECK(has(" *   0x04100000-0x04200000   linux       0x0-0x100000 (1 MiB)\n"
		  " *   0x04200000-0x3dc00000   linux       the same (922 MiB)\n"
		  " *   0x3dc00000-0x3de00000   rt0         0x0-0x200000 (2 MiB)\n"
		  " *   0x3de00000-0x3fe00000   -           free, for Bulkhead\n"));
	CHECK(says("Partitions' RAM starts at 0x4000000 (64 MiB)"));
	CHECK(says("The largest free range, 0x4000000-0x3fe00000 (958 MiB), holds from its top:"));
	CHECK(has("\"linux\""));
	CHECK(has(".initrd = \"linux-initrd\","));
	CHECK(has(".module = \"rt0\","));
	CHECK(has(" *           module2 /boot/vmlinuz linux\n"));
	CHECK(has(" *           module2 /boot/heartbeat.elf rt0 period_ms=1000\n"));
	CHECK(has("\"rt0 period_ms=200\" (96 KiB)"));
	/* PCI: the bridges are listed as Bulkhead's; the others offered, the i440FX's pins
	 * routed through their ISA IRQs. */
	CHECK(has(" *               00:01.0 8086:7000 bridge (class 0x060100)"));
	CHECK(has(" *               00:01.3 8086:7113 bridge (class 0x068000)"));
	CHECK(says("Pin INTD, which the PIIX routes to ISA IRQ 11 (its interrupt line): GSI 11."));
	CHECK(says("00:02.0 8086:100e, network controller (class 0x020000): BAR 0 memory "
		   "0xc0000000, 128 KiB; BAR 1 ports 0xc040, 64 ports."));
	CHECK(has("\t    // .devices = PT_DEVICES({\n"
		  "\t    //     .kind = DEV_PCI,\n"
		  "\t    //     .name = \"net-00:02.0\",\n"
		  "\t    //     .bdf = PT_BDF(0x00, 0x02, 0x0),\n"
		  "\t    //     .bar[0] = {.kind = BAR_MEM, .base = 0xc0000000, .size = 0x20000},\n"
		  "\t    //     .bar[1] = {.kind = BAR_IO, .base = 0xc040, .size = 0x40},\n"
		  "\t    //     .irq = 9,\n"
		  "\t    // }),\n"));
	CHECK(has("\t    //     .bdf = PT_BDF(0x00, 0x01, 0x1),\n"));
	CHECK(says("Function 0 of its device is a bridge, Bulkhead's"));
	CHECK(says("move it to rt0's row with .flags = DEV_NO_DMA"));
	CHECK_EQ(check_entries("bochs4"), 3);
}

static void test_smt_8cpu(void)
{
	struct probe_machine m;
	char path[128];

	machine_q35_smt(&m);
	generate(&m, "q35smt", path, sizeof(path));
	check_ptcheck_ok(path);
	check_clang_format(path);
	/* The payload gets a thread of the last core not the boot CPU's, its sibling idle;
	 * Linux the rest, the boot CPU's sibling among them. */
	CHECK(has("\t    .cpus = PT_CPUS(1, 2, 3, 4, 5),\n"));
	CHECK(has("\t    .cpus = PT_CPUS(6),\n"));
	CHECK(says("rt0, the payload, gets APIC ID 6, a thread of the last core that is not the "
		   "boot CPU's. Its sibling 7 is left idle"));
	CHECK(says("APIC ID 1 shares the boot CPU's core"));
	CHECK(has("core 3: APIC IDs 6+7"));
	/* q35: the pin's GSI is the _PRT's; a line of 16 or more is taken as a GSI. */
	CHECK(says("Pin INTA (interrupt line 10, the 8259's): the I/O APIC input it arrives on is "
		   "ACPI's _PRT's to say."));
	CHECK(has("\t    //     .irq = 0, /* its GSI: docs/devices.md */\n"));
	CHECK(says("firmware wrote 20 in its interrupt line"));
	CHECK(has("\t    //     .irq = 20,\n"));
	/* 64-bit, prefetchable, I/O; a BAR under a page is not offered; bridges are kept. */
	CHECK(says("BAR 4 memory 0xfe000000, 16 KiB, 64-bit, prefetchable."));
	CHECK(has("//     .bar[4] = {.kind = BAR_MEM, .base = 0xfe000000, .size = 0x4000},\n"));
	CHECK(says("BAR 0 memory 0x800000000, 16 KiB, 64-bit."));
	CHECK(has("//     .bar[0] = {.kind = BAR_MEM, .base = 0x800000000, .size = 0x4000},\n"));
	CHECK(says("BAR 0 memory 0xfd000000, 16 MiB, prefetchable;"));
	CHECK(has("//     .bar[2] = {.kind = BAR_IO, .base = 0xc060, .size = 0x20},\n"));
	CHECK(says("BAR 4 memory 0xfebd6000, 256 bytes."));
	CHECK(says("Not ready to give as it is: BAR 4 is smaller than a page"));
	CHECK(says("Not ready to give as it is: BAR 0 is over the ports of COM1."));
	CHECK(!strstr(text, "PT_BDF(0x00, 0x04, 0x0)"));
	CHECK(has(" *               00:1c.0 1b36:000c bridge (class 0x060400)\n"));
	CHECK(!strstr(text, "PT_BDF(0x00, 0x1c, 0x0)"));
	CHECK(has("\t    //     .bdf = PT_BDF(0x01, 0x00, 0x0),\n"));
	/* RAM: the 2 GiB's largest range, less 32 MiB at its top and rt0's 2 MiB. */
	CHECK(has("\t\t.phys = 0x7dc00000,\n"));
	CHECK(has("\t\t    .phys = 0x4200000,\n\t\t    .size = 1946 * MiB,\n"));
	CHECK_EQ(check_entries("q35smt"), 7);
}

static void test_ovmf_fragmented(void)
{
	struct probe_machine m;
	char path[128];

	machine_ovmf(&m);
	generate(&m, "ovmf", path, sizeof(path));
	check_ptcheck_ok(path);
	check_clang_format(path);
	/* No CPUID topology: each CPU a core; the one that did not start is not given. */
	CHECK(has("SMT       unknown"));
	CHECK(has("APIC ID 6 did not start at this boot: not given"));
	CHECK(says("rt0, the payload, gets APIC ID 4, the last CPU (a core of its own if no thread "
		   "shares it"));
	CHECK(says("Linux gets the other, 2."));
	CHECK(has("\t    .cpus = PT_CPUS(2),\n"));
	CHECK(has("\t    .cpus = PT_CPUS(4),\n"));
	/* Untrusted words in comments are defused. */
	CHECK(!strstr(text, "*/ evil"));
	CHECK(!strstr(text, "?\?/"));
	CHECK(has("\"linux .. evil\""));
	/* RAM above 4 GiB is not given; the main range is the largest below the modules, other
	 * large ranges are Linux's too (guest == host), small ones are listed as unused. */
	CHECK(has("2048 MiB of it above 4 GiB: not given"));
	CHECK(has(" *   0x04000000-0x05e00000   linux       the same (30 MiB)\n"
		  " *   0x06100000-0x06200000   linux       0x0-0x100000 (1 MiB)\n"
		  " *   0x06200000-0x78e00000   linux       the same (1836 MiB)\n"
		  " *   0x78e00000-0x79000000   rt0         0x0-0x200000 (2 MiB)\n"
		  " *   0x79000000-0x7b000000   -           free, for Bulkhead\n"
		  " *   0x7c000000-0x7d600000   linux       the same (22 MiB)\n"
		  " *   0x7d800000-0x7e800000   linux       the same (16 MiB)\n"));
	CHECK(has("\t\t    .phys = 0x7c000000,\n\t\t    .size = 22 * MiB,\n"
		  "\t\t    .guest = 0x7c000000,"));
	CHECK(says("Every other free range of 16 MiB or more is Linux's RAM too"));
	CHECK(says("Free but not given: 0x7bc00000-0x7be00000 (2 MiB)"));
	CHECK(says("The largest free range, 0x6000000-0x7b000000 (1872 MiB)"));
	CHECK(says("This machine has VT-d"));
	CHECK(says("Not ready to give as it is: BAR 3 is unassigned (firmware left it at 0)."));
	CHECK_EQ(check_entries("ovmf"), 0);
}

/* Few CPUs: with two, Linux alone; with four threads on two cores, the payload takes the
 * core that is not the boot CPU's and Linux the boot CPU's sibling; with one CPU, nothing
 * can be given, and the file says so (ptcheck then refuses it: "no partitions"). */
static void test_few_cpus(void)
{
	struct probe_machine m;
	char path[128], out[4096];

	machine_bochs(&m);
	m.cpu_count = 2;
	generate(&m, "two", path, sizeof(path));
	check_ptcheck_ok(path);
	CHECK(has("\t    .cpus = PT_CPUS(1),\n"));
	CHECK(!strstr(text, ".name = \"rt0\""));
	CHECK(!strstr(text, "module2 /boot/heartbeat.elf"));
	CHECK(says("No CPU is left for a payload"));
	CHECK(says("Linux alone (no CPU for a payload)"));

	machine_bochs(&m);
	m.smt_shift = 1;
	generate(&m, "twocores", path, sizeof(path));
	check_ptcheck_ok(path);
	CHECK(has("\t    .cpus = PT_CPUS(1),\n"));
	CHECK(has("\t    .cpus = PT_CPUS(2),\n"));
	CHECK(says("Its sibling 3 is left idle"));

	/* Two threads on two cores, the boot CPU's sibling offline: Linux takes the payload's
	 * sibling rather than nothing. */
	m.cpus[1].online = false;
	generate(&m, "sibling", path, sizeof(path));
	check_ptcheck_ok(path);
	CHECK(has("\t    .cpus = PT_CPUS(3),\n"));
	CHECK(has("\t    .cpus = PT_CPUS(2),\n"));
	CHECK(says("Its sibling runs Linux"));

	/* One core, two threads: the payload would share the boot CPU's core. */
	machine_bochs(&m);
	m.cpu_count = 3;
	m.smt_shift = 2;
	generate(&m, "onecore", path, sizeof(path));
	check_ptcheck_ok(path);
	CHECK(says("a sibling of the boot CPU"));

	machine_bochs(&m);
	m.cpu_count = 1;
	generate(&m, "one", path, sizeof(path));
	CHECK_EQ(ptcheck(path, out, sizeof(out)), 1);
	CHECK(strstr(out, "no partitions") != NULL);
	CHECK(says("No CPU is left for a payload"));
	CHECK(says("no partition (nothing to give)"));
}

/* More CPUs than a partition may have: Linux gets PT_MAX_CPUS, the rest are named idle. */
static void test_many_cpus(void)
{
	struct probe_machine m;
	char path[128];

	machine_bochs(&m);
	m.cpu_count = 0;
	for (u32 i = 0; i < 40; i++)
		add_cpu(&m, 39 - i); /* the MADT's order is not the APIC IDs' */
	m.cpus[0].apic_id = 5;	     /* the boot CPU is not 0 */
	m.cpus[34].apic_id = 39;
	generate(&m, "many", path, sizeof(path));
	check_ptcheck_ok(path);
	CHECK(says("Bulkhead keeps the boot CPU, APIC ID 5"));
	CHECK(has("\t    .cpus = PT_CPUS(0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16),"));
	CHECK(has("\t    .cpus = PT_CPUS(39),\n"));
	CHECK(says(
	    "Left idle: 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, "
	    "35, 36, 37 and 38 (a partition has at most PT_MAX_CPUS, 16, CPUs)."));
}

/* Too little RAM for Linux: the payload alone; none at all: nothing. */
static void test_small_ram(void)
{
	struct probe_machine m;
	char path[128];

	machine_bochs(&m);
	m.ram[1].end = 0x6800000; /* 104 MiB */
	m.pci_count = 3;	  /* the i440FX and the ISA bridge; the IDE offered to rt0 */
	generate(&m, "small", path, sizeof(path));
	check_ptcheck_ok(path);
	CHECK(!strstr(text, ".name = \"linux\""));
	CHECK(has(".name = \"rt0\""));
	CHECK(says("but there is no RAM for it"));
	CHECK(says("one real-time payload (no RAM for Linux)"));
	CHECK(has("\t    //     .name = \"ide-00:01.1\",\n"));
	CHECK_EQ(check_entries("small"), 1);

	m.ram[1].end = 0x4400000;
	generate(&m, "tiny", path, sizeof(path));
	CHECK(says("There is not enough free RAM above that for a partition"));
	CHECK(!strstr(text, "PT_PARTITIONS"));
}

/* The modules GRUB put low reach past 48 MiB: the floor moves up, 16 MiB above them. */
static void test_floor_above_modules(void)
{
	struct probe_machine m;
	char path[128];

	machine_bochs(&m);
	m.resv[m.resv_count - 1].end = 0x3500000;
	generate(&m, "floor", path, sizeof(path));
	check_ptcheck_ok(path);
	CHECK(says("Partitions' RAM starts at 0x4600000 (70 MiB): at 64 MiB, or higher to leave 16 "
		   "MiB above the modules GRUB put just above Bulkhead (they end at 0x3500000"));
	CHECK(has("\t\t    .phys = 0x4700000,\n\t\t    .size = 1 * MiB,"));
}

/* ---- the PCI scan over a fake configuration space --------------------------------------- */

struct fake_fn {
	u32 bdf;
	u8 cfg[256];
	u32 bar_mask[6]; /* the bits of each BAR register that decode (size), 0: none */
	u32 sized_while_decoding;
};

static struct fake_fn fns[8];
static u32 nfns;

static struct fake_fn *fake(u32 bdf)
{
	for (u32 i = 0; i < nfns; i++)
		if (fns[i].bdf == bdf)
			return &fns[i];
	return NULL;
}

u32 arch_pci_read(u32 bdf, u32 reg, u32 size)
{
	struct fake_fn *f = fake(bdf);
	u32 v = 0;

	if (!f)
		return size == 4 ? 0xffffffffu : size == 2 ? 0xffffu : 0xffu;
	memcpy(&v, &f->cfg[reg], size);
	return v;
}

void arch_pci_write(u32 bdf, u32 reg, u32 size, u32 value)
{
	struct fake_fn *f = fake(bdf);

	if (!f)
		return;
	if (reg >= 0x10 && reg < 0x28 && size == 4) {
		u32 i = (reg - 0x10) / 4, old;

		memcpy(&old, &f->cfg[reg], 4);
		if (value == 0xffffffffu && (f->cfg[4] & 3))
			f->sized_while_decoding++;
		value = (value & f->bar_mask[i]) | (old & ~f->bar_mask[i]);
		if (!f->bar_mask[i])
			value = 0;
	}
	memcpy(&f->cfg[reg], &value, size);
}

static struct fake_fn *add_fake(u32 bdf, u32 id, u32 class_rev, u8 header, u8 pin, u8 line)
{
	struct fake_fn *f = &fns[nfns++];

	memset(f, 0, sizeof(*f));
	f->bdf = bdf;
	memcpy(&f->cfg[0], &id, 4);
	memcpy(&f->cfg[8], &class_rev, 4);
	f->cfg[0x0e] = header;
	f->cfg[0x3c] = line;
	f->cfg[0x3d] = pin;
	f->cfg[4] = 0x07; /* decoding and bus mastering on, as firmware leaves them */
	return f;
}

static void fake_bar(struct fake_fn *f, u32 i, u32 value, u32 mask)
{
	memcpy(&f->cfg[0x10 + 4 * i], &value, 4);
	f->bar_mask[i] = mask;
}

static void test_scan_pci(void)
{
	static struct probe_machine m;
	struct fake_fn *nic, *nvme, *bridge;
	u32 cmd;

	nfns = 0;
	add_fake(PT_BDF(0, 0, 0), 0x12378086, 0x06000002, 0, 0, 0);
	add_fake(PT_BDF(0, 1, 0), 0x70008086, 0x06010000, 0x80, 0, 0);
	/* function 1 absent; function 2 present: found because function 0 is multi-function */
	fake_bar(add_fake(PT_BDF(0, 1, 2), 0x70208086, 0x0c030001, 0, 4, 11), 4, 0xc021,
		 0xffffffe0u);
	nic = add_fake(PT_BDF(0, 2, 0), 0x100e8086, 0x02000003, 0, 1, 9);
	fake_bar(nic, 0, 0xc0000000, 0xfffe0000u); /* 128 KiB, 32-bit */
	fake_bar(nic, 1, 0xc041, 0xffffffc0u);	   /* 64 ports */
	/* Function 3 of a single-function device is never looked at. */
	add_fake(PT_BDF(0, 2, 3), 0x11118086, 0x02000000, 0, 0, 0);
	nvme = add_fake(PT_BDF(3, 0, 0), 0x00101b36, 0x01080202, 0, 1, 10);
	fake_bar(nvme, 0, 0x0000000c, 0xffffc000u); /* 64-bit prefetchable, 16 KiB, ... */
	fake_bar(nvme, 1, 0x00000008, 0xffffffffu); /* ... at 0x8_0000_0000 */
	bridge = add_fake(PT_BDF(0, 0x1e, 0), 0x244e8086, 0x06040000, 1, 0, 0);
	fake_bar(bridge, 0, 0x1234, 0xffffffffu); /* a bridge's BARs are not touched */

	probe_scan_pci(&m);
	CHECK_EQ(m.pci_count, 6);
	CHECK_EQ(m.pci[0].bdf, PT_BDF(0, 0, 0));
	CHECK_EQ(m.pci[0].class_code, 0x060000);
	CHECK(m.pci[1].multifunction);
	CHECK_EQ(m.pci[2].bdf, PT_BDF(0, 1, 2));
	CHECK_EQ(m.pci[2].bar[4].kind, BAR_IO);
	CHECK_EQ(m.pci[2].bar[4].base, 0xc020);
	CHECK_EQ(m.pci[2].bar[4].size, 32);
	CHECK_EQ(m.pci[2].pin, 4);
	CHECK_EQ(m.pci[2].line, 11);
	CHECK_EQ(m.pci[3].bdf, PT_BDF(0, 2, 0));
	CHECK_EQ(m.pci[3].vendor, 0x8086);
	CHECK_EQ(m.pci[3].device, 0x100e);
	CHECK_EQ(m.pci[3].bar[0].kind, BAR_MEM);
	CHECK_EQ(m.pci[3].bar[0].base, 0xc0000000);
	CHECK_EQ(m.pci[3].bar[0].size, 0x20000);
	CHECK_EQ(m.pci[3].bar[1].kind, BAR_IO);
	CHECK_EQ(m.pci[3].bar[1].base, 0xc040);
	CHECK_EQ(m.pci[3].bar[1].size, 0x40);
	CHECK_EQ(m.pci[3].bar[2].kind, BAR_NONE);
	CHECK_EQ(m.pci[3].bar64, 0);
	CHECK_EQ(m.pci[4].bdf, PT_BDF(0, 0x1e, 0));
	CHECK_EQ(m.pci[4].header_type, 1);
	CHECK_EQ(m.pci[5].bdf, PT_BDF(3, 0, 0));
	CHECK_EQ(m.pci[5].bar[0].kind, BAR_MEM);
	CHECK_EQ(m.pci[5].bar[0].base, 0x800000000ULL);
	CHECK_EQ(m.pci[5].bar[0].size, 0x4000);
	CHECK_EQ(m.pci[5].bar[1].kind, BAR_NONE);
	CHECK_EQ(m.pci[5].bar64, 1);
	CHECK_EQ(m.pci[5].prefetch, 1);
	/* Sized with decoding off, and left as firmware had them. */
	CHECK_EQ(nic->sized_while_decoding, 0);
	CHECK_EQ(nvme->sized_while_decoding, 0);
	memcpy(&cmd, &nic->cfg[4], 2);
	CHECK_EQ(cmd & 0xffff, 0x07);
	CHECK_EQ(arch_pci_read(nic->bdf, 0x10, 4), 0xc0000000);
	CHECK_EQ(arch_pci_read(nic->bdf, 0x14, 4), 0xc041);
	CHECK_EQ(arch_pci_read(nvme->bdf, 0x14, 4), 0x8);
	CHECK_EQ(arch_pci_read(bridge->bdf, 0x10, 4), 0x1234);
	CHECK_EQ(bridge->sized_while_decoding, 0);
}

/* ---- probe_gather over the fake arch and the real pmem and mb2 structures ---------------- */

u32 arch_cpu_count(void)
{
	return 3;
}

u32 arch_cpu_apic_id(u32 index)
{
	return index == 0 ? 2 : index == 1 ? 0 : 4;
}

bool arch_cpu_online(u32 index)
{
	return index != 2;
}

bool arch_cpu_smt_shift(u32 *shift)
{
	*shift = 1;
	return true;
}

u32 arch_ioapic_pins(void)
{
	return 24;
}

u32 arch_isa_irq_gsi(u32 irq)
{
	return irq == 0 ? 2 : irq;
}

bool arch_iommu_probe(char *why, size_t why_size)
{
	snprintf(why, why_size, "no ACPI DMAR table");
	return false;
}

void pmem_test_window(void);
void pmem_test_window(void)
{
}

static void test_gather(void)
{
	static struct mb2_info mb;
	static struct probe_machine m;
	char line[512];

	memset(&mb, 0, sizeof(mb));
	snprintf(mb.loader_name, sizeof(mb.loader_name), "GRUB 2.06");
	mb.has_efi64 = true;
	mb.mmap_count = 3;
	mb.mmap[0] = (struct mb2_mmap_entry){0, 0x9f000, MB2_MMAP_AVAILABLE};
	mb.mmap[1] = (struct mb2_mmap_entry){0xf0000, 0x10000, MB2_MMAP_RESERVED};
	mb.mmap[2] = (struct mb2_mmap_entry){0x100000, 0x3ff00000, MB2_MMAP_AVAILABLE};
	mb.module_count = 1;
	mb.modules[0] = (struct mb2_module){0x300000, 0x400000, "rt0 period_ms=5"};
	pmem_init();
	pmem_add_ram(0, 0x9f000);
	pmem_add_ram(0x100000, 0x3ff00000);
	pmem_reserve(0x200000, 0x50000, "hypervisor");
	pmem_reserve(0x300000, 0x100000, "module rt0 period_ms=5");
	nfns = 0;
	add_fake(PT_BDF(0, 0, 0), 0x12378086, 0x06000002, 0, 0, 0);

	probe_gather(&mb, "mine", &m);
	CHECK(strcmp(m.loader, "GRUB 2.06") == 0);
	CHECK(m.uefi);
	CHECK(strcmp(m.layout, "mine") == 0);
	CHECK_EQ(m.cpu_count, 3);
	CHECK_EQ(m.cpus[0].apic_id, 2);
	CHECK(m.cpus[1].online);
	CHECK(!m.cpus[2].online);
	CHECK(m.smt_known);
	CHECK_EQ(m.smt_shift, 1);
	CHECK_EQ(m.ram_count, 2);
	CHECK_EQ(m.ram[1].start, 0x100000);
	CHECK_EQ(m.ram[1].end, 0x40000000);
	CHECK_EQ(m.resv_count, 3);
	CHECK(strcmp(m.resv[0].name, "page 0") == 0);
	CHECK_EQ(m.resv[1].end, 0x250000);
	CHECK_EQ(m.module_count, 1);
	CHECK(strcmp(m.modules[0].cmdline, "rt0 period_ms=5") == 0);
	CHECK_EQ(m.ioapic_pins, 24);
	CHECK_EQ(m.isa_gsi[0], 2);
	CHECK_EQ(m.isa_gsi[9], 9);
	CHECK(!m.iommu);
	CHECK_EQ(m.pci_count, 1);
	probe_summary(&m, line, sizeof(line));
	CHECK(strcmp(line, "3 cpus (boot cpu apic id 2, smt yes), 1023 MiB usable ram in 2 ranges, "
			   "1 modules, i/o apic 24 inputs, no iommu, 1 pci functions") == 0);
	if (!check_failed_in_test)
		return;
	printf("  summary: %s\n", line);
}

int main(void)
{
	char cmd[128];

	snprintf(dir, sizeof(dir), "/tmp/test_probe.XXXXXX");
	if (!mkdtemp(dir)) {
		printf("FAIL test_probe: no temporary directory\n");
		return 1;
	}
	RUN(test_bochs_4cpu);
	RUN(test_smt_8cpu);
	RUN(test_ovmf_fragmented);
	RUN(test_few_cpus);
	RUN(test_many_cpus);
	RUN(test_small_ram);
	RUN(test_floor_above_modules);
	RUN(test_scan_pci);
	RUN(test_gather);
	if (!check_total_failed || !getenv("KEEP_PROBE_TEST")) {
		snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
		if (system(cmd) != 0)
			printf("  could not remove %s\n", dir);
	} else {
		printf("  files kept in %s\n", dir);
	}
	CHECK_MAIN_END();
}
