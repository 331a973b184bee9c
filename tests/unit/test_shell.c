/* Unit tests for core/shell.c: the commands as typed, with the partition manager, the console
 * and the machine stubbed: log <level>|bulkhead|<p>, focus-only, reboot and its confirmation,
 * and the durations `list` prints. */
#include <setjmp.h>
#include <stdio.h>
#include <string.h>

#include "arch/x86/arch.h"
#include "core/conmux.h"
#include "core/console.h"
#include "core/log.h"
#include "core/partition.h"
#include "core/pmem.h"
#include "core/shell.h"
#include "tests/unit/check.h"

/* ---- stubs ------------------------------------------------------------------------------ */

static const char *const names[] = {"rt0", "rt1", "rt2"};
static bool focus_only_on;
static int resets, lists;
static jmp_buf reset_done;

u32 partition_count(void)
{
	return 3;
}

const char *partition_name(u32 i)
{
	return names[i];
}

int partition_find(const char *name)
{
	for (int i = 0; i < 3; i++)
		if (!strcmp(name, names[i]))
			return i;
	return -1;
}

void partitions_list(void)
{
	lists++;
}

void partitions_report_stats(void)
{
}

void partitions_report_devices(void)
{
}

const char *partition_shell_stop(u32 i)
{
	(void)i;
	return NULL;
}

const char *partition_shell_start(u32 i)
{
	(void)i;
	return NULL;
}

const char *partition_shell_restart(u32 i)
{
	(void)i;
	return NULL;
}

/* rt1 kept lines 5-6 (five fell off), with an escape sequence in one; the others none. */
void partition_log_range(u32 i, u64 *first, u64 *end)
{
	*first = i == 1 ? 5 : 0;
	*end = i == 1 ? 7 : 0;
}

bool partition_log_line(u32 i, u64 n, char *out, size_t size)
{
	if (i != 1 || n < 5 || n > 6)
		return false;
	snprintf(out, size, "%s", n == 5 ? "heartbeat 5" : "a[6nb"); /* as guest_text_plain */
	return true;
}

void console_log_range(u64 *first, u64 *end)
{
	*first = 40;
	*end = 43;
}

bool console_log_line(u64 n, char *out, size_t size)
{
	if (n == 41) /* fell off meanwhile: skipped */
		return false;
	snprintf(out, size, "bulkhead: line %llu", (unsigned long long)n);
	return true;
}

void console_write_unkept(const char *s, size_t len)
{
	console_write(s, len); /* into the test's capture, as log lines are */
}

const char *conmux_escape_name(void)
{
	return "Ctrl-B";
}

bool conmux_focus_only(void)
{
	return focus_only_on;
}

void conmux_set_focus_only(bool on)
{
	focus_only_on = on;
}

u64 arch_image_start(void)
{
	return 0x200000;
}

u64 arch_image_end(void)
{
	return 0x300000;
}

struct arch_image_sections arch_image_sections(void)
{
	return (struct arch_image_sections){
	    .text = 97 * KiB + 1, .rodata = 12 * KiB, .data = 120, .bss = 140 * KiB};
}

/* The page allocator's counts by owner and use: the hypervisor's, rt0's; rt1 and rt2 none. */
static u64 used_kib[PMEM_OWNERS][PMEM_USES] = {
    [PMEM_OWNER_HV] =
	{[PMEM_VMXON] = 16, [PMEM_STACKS] = 96, [PMEM_CPU] = 12, [PMEM_TRAMPOLINE] = 4},
    [0] = {[PMEM_EPT] = 20, [PMEM_VMCS] = 4, [PMEM_BITMAPS] = 12, [PMEM_STACKS] = 16},
};

u64 pmem_used_bytes(u32 owner, enum pmem_use use)
{
	return owner < PMEM_OWNERS && (u32)use < PMEM_USES ? used_kib[owner][use] * KiB : 0;
}

u64 pmem_owner_bytes(u32 owner)
{
	u64 sum = 0;

	for (u32 u = 0; u < PMEM_USES; u++)
		sum += pmem_used_bytes(owner, (enum pmem_use)u);
	return sum;
}

const char *pmem_use_name(enum pmem_use use)
{
	static const char *const n[PMEM_USES] = {"ept",	   "vmcs", "vmxon",	 "bitmaps",
						 "stacks", "cpu",  "trampoline", "iommu"};

	return (u32)use < PMEM_USES ? n[use] : "?";
}

u64 pmem_allocated_bytes(void)
{
	return (128 + 52) * KiB;
}

u64 pmem_free_bytes(void)
{
	return 400 * MiB;
}

u64 pmem_reserved_bytes(void)
{
	return 100 * MiB + 8 * KiB;
}

void arch_machine_reset(void (*say)(const char *how))
{
	say("the chipset's reset control (port 0xcf9)");
	resets++;
	longjmp(reset_done, 1);
}

/* ---- tests ------------------------------------------------------------------------------ */

static void type(const char *s)
{
	for (; *s; s++)
		shell_input((u8)*s);
}

static void test_log_levels_still(void)
{
	shell_run("log debug");
	CHECK_LOG("shell: log level debug\n");
	shell_run("log info");
	CHECK_LOG("shell: log level info\n");
}

/* log bulkhead: how many lines the ring keeps and how many fell off, then each, as "log: " */
static void test_log_bulkhead(void)
{
	shell_run("log bulkhead");
	CHECK(!strcmp(capture_text(), "shell: log bulkhead: 3 lines kept (16 KiB), 40 earlier "
				      "fell off\n"
				      "log: bulkhead: line 40\n"
				      "log: bulkhead: line 42\n"));
}

/* log <p>, by name or number: its lines with its name, as a partition without the focus. */
static void test_log_partition(void)
{
	static const char want[] = "shell: log rt1: 2 lines kept (8 KiB), 5 earlier fell off\n"
				   "log: rt1: heartbeat 5\n"
				   "log: rt1: a[6nb\n";

	shell_run("log rt1");
	CHECK(!strcmp(capture_text(), want));
	capture_reset();
	shell_run("log 2");
	CHECK(!strcmp(capture_text(), want));
	capture_reset();
	shell_run("log rt0");
	CHECK(
	    !strcmp(capture_text(), "shell: log rt0: 0 lines kept (8 KiB), 0 earlier fell off\n"));
	capture_reset();
	shell_run("log rt9");
	CHECK_LOG("shell: log: \"rt9\" unknown; use error, warn, info or debug, bulkhead, or a "
		  "partition (see list)\n");
	capture_reset();
	shell_run("log");
	CHECK_LOG("shell: log: \"\" unknown");
}

static void test_focus_only(void)
{
	focus_only_on = false;
	shell_run("focus-only");
	CHECK(focus_only_on);
	CHECK_LOG("shell: focus-only on: only the focused partition's lines are shown; the "
		  "others' are kept (log <p>)\n");
	shell_run("focus-only");
	CHECK(!focus_only_on);
	CHECK_LOG("shell: focus-only off: every partition's lines are shown\n");
	shell_run("focus-only on");
	shell_run("focus-only on");
	CHECK(focus_only_on);
	shell_run("focus-only off");
	CHECK(!focus_only_on);
	capture_reset();
	shell_run("focus-only maybe");
	CHECK(!focus_only_on);
	CHECK_LOG("shell: focus-only: \"maybe\" unknown; use on, off, or nothing to switch\n");
}

/* reboot asks; an empty line (the LF of a CR LF) is no answer; anything but "yes" cancels and
 * is not run as a command; "yes" names the way tried and resets. */
static void test_reboot(void)
{
	resets = lists = 0;
	type("reboot\r\n");
	CHECK(!strcmp(capture_text(), "bulkhead> reboot\nreboot: type yes to reset the machine\n"));
	capture_reset();
	type("list\r");
	CHECK_EQ(lists, 0);
	CHECK_EQ(resets, 0);
	CHECK(!strcmp(capture_text(), "bulkhead> list\nshell: reboot cancelled\n"));
	type("list\r");
	CHECK_EQ(lists, 1);
	shell_run("reboot");
	shell_run("YES");
	CHECK_EQ(resets, 0);
	shell_run("reboot");
	capture_reset();
	if (!setjmp(reset_done))
		type("yes\r");
	CHECK_EQ(resets, 1);
	CHECK(!strcmp(capture_text(), "bulkhead> yes\nreboot: resetting the machine\n"
				      "reboot: trying the chipset's reset control (port 0xcf9)\n"));
	/* "yes" alone is no command */
	capture_reset();
	shell_run("yes");
	CHECK_EQ(resets, 1);
	CHECK_LOG("shell: unknown command \"yes\"\n");
	/* the keyboard went to a partition and came back: the question is no longer pending, and
	 * the next line is a command again */
	shell_run("reboot");
	capture_reset();
	shell_cancel_pending();
	CHECK_LOG("shell: reboot cancelled\n");
	lists = 0;
	type("list\r");
	CHECK_EQ(lists, 1);
	CHECK_EQ(resets, 1);
}

/* A DCS string (a terminal's answer to XTVERSION, DECRQSS...) is dropped whole, as an OSC is;
 * one too long to drop whole takes the half-typed line with it. */
static void test_typed_dcs_dropped(void)
{
	lists = 0;
	type("\x1bP>|XTerm(379)\x1b\\list\r");
	CHECK_EQ(lists, 1);
	type("li\x1b_");
	for (int i = 0; i < 70; i++)
		type("s");
	type("t\r"); /* "li" is gone: the line is the answer's tail, "sss...t", no command */
	CHECK_EQ(lists, 1);
	type("list\r");
	CHECK_EQ(lists, 2);
}

/* Escape sequences typed at the shell go whole: cursor keys, and a terminal's answers to a
 * partition's queries that arrive after the focus came back here; a line end ends one. */
static void test_typed_sequences_dropped(void)
{
	type("li\x1b[24;80Rs\x1b[At\x1bOP\x1b]11;rgb:0000/0000/0000\x07\r");
	CHECK_LOG("bulkhead> list\n");
	CHECK_EQ(lists, 2);
	capture_reset();
	type("\x1b]0;title\x1b\\version\r");
	CHECK_LOG("bulkhead> version\n");
	capture_reset();
	type("\x1b[12;"); /* cut short by Enter: the line runs, the next one is whole */
	type("\rversion\r");
	CHECK_LOG("bulkhead> version\n");
	capture_reset();
	for (int i = 0; i < 100; i++) /* an OSC never ended stops being one after 64 bytes */
		type(i ? "x" : "\x1b]");
	type("\r");
	CHECK_LOG("bulkhead> xxxx");
	capture_reset();
	type("\x1bxversion\r"); /* ESC and a byte that starts nothing: both dropped */
	CHECK_LOG("bulkhead> version\n");
}

static void test_help(void)
{
	shell_run("help");
	CHECK_LOG("shell: commands: help, list, stats, devices, stop <p>, start <p>, restart <p>, "
		  "log error|warn|info|debug, log bulkhead, log <p>, focus-only [on|off], mem, "
		  "version, reboot\n");
	CHECK_LOG("Ctrl-B 1-9 types into partition 1-9, Ctrl-B 0 comes back here\n");
}

static void test_durations(void)
{
	static const struct {
		u64 s;
		const char *want;
	} cases[] = {
	    {0, "0s"},
	    {59, "59s"},
	    {60, "1m00s"},
	    {65, "1m05s"},
	    {3599, "59m59s"},
	    {3600, "1h00m"},
	    {7 * 3600 + 125, "7h02m"},
	    {86399, "23h59m"},
	    {86400, "1d00h"},
	    {90000, "1d01h"},
	    {400 * 86400ull, "400d00h"},
	};
	char buf[24];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		shell_format_duration(cases[i].s, buf, sizeof(buf));
		if (strcmp(buf, cases[i].want))
			printf("  %llu s: \"%s\", want \"%s\"\n", (unsigned long long)cases[i].s,
			       buf, cases[i].want);
		CHECK(!strcmp(buf, cases[i].want));
	}
}

/* mem: the image's sections (rounded up), a line per owner with the uses it has, the totals;
 * the format make bench reads (tests/bench/footprint.sh). */
static void test_mem(void)
{
	static const char want[] =
	    "shell: memory: image 1024 KiB: text 98, rodata 12, data 1, bss 140\n"
	    "shell: memory: hypervisor 128 KiB: vmxon 16, stacks 96, cpu 12, trampoline 4\n"
	    "shell: memory: partition rt0 52 KiB: ept 20, vmcs 4, bitmaps 12, stacks 16\n"
	    "shell: memory: partition rt1 0 KiB\n"
	    "shell: memory: partition rt2 0 KiB\n"
	    "shell: memory: run-time 180 KiB (page allocator), 409600 KiB free\n"
	    "shell: memory: reserved 102408 KiB (partition RAM, modules, boot information: not "
	    "run-time)\n";

	shell_run("mem");
	CHECK(!strcmp(capture_text(), want));
	if (strcmp(capture_text(), want))
		printf("  got:\n%s", capture_text());
}

int main(void)
{
	RUN(test_log_levels_still);
	RUN(test_log_bulkhead);
	RUN(test_log_partition);
	RUN(test_focus_only);
	RUN(test_reboot);
	RUN(test_typed_sequences_dropped);
	RUN(test_typed_dcs_dropped);
	RUN(test_help);
	RUN(test_durations);
	RUN(test_mem);
	CHECK_MAIN_END();
}
