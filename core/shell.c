/* Hypervisor shell: see shell.h. Every answer is a whole line starting "shell: " (`reboot`'s
 * start "reboot: "; `log`'s replayed lines "log: "). */
#include "core/shell.h"
#include "arch/x86/arch.h"
#include "core/config.h"
#include "core/conmux.h"
#include "core/console.h"
#include "core/lib/format.h"
#include "core/log.h"
#include "core/partition.h"
#include "core/pmem.h"
#include "core/lib/string.h"

/* What has been typed since the last Enter (boot CPU only). */
static struct {
	char text[SHELL_LINE + 1];
	u32 len;
} typed;

/* `reboot` asked; the next line says whether it happens. */
static bool reboot_asked;

static void help(void)
{
	log_info("shell: commands: help, list, stats, devices, stop <p>, start <p>, restart <p>, "
		 "log error|warn|info|debug, log bulkhead, log <p>, focus-only [on|off], mem, "
		 "version, reboot\n");
	log_info("shell: <p> is a partition's name or its number in list; %s 1-9 types into "
		 "partition 1-9, %s 0 comes back here\n",
		 conmux_escape_name(), conmux_escape_name());
}

/* A partition by name, or by its number in `list`. */
static int find(const char *arg)
{
	u64 n;

	if (str_to_u64(arg, &n) && n >= 1 && n <= partition_count())
		return (int)(n - 1);
	return partition_find(arg);
}

static void control(const char *cmd, const char *arg)
{
	int i = *arg ? find(arg) : -1;
	const char *why;

	if (i < 0) {
		log_info("shell: %s: no partition \"%s\" (see list)\n", cmd, arg);
		return;
	}
	if (!strcmp(cmd, "stop"))
		why = partition_shell_stop((u32)i);
	else if (!strcmp(cmd, "start"))
		why = partition_shell_start((u32)i);
	else
		why = partition_shell_restart((u32)i);
	if (why)
		log_info("shell: %s %s: %s\n", cmd, partition_name((u32)i), why);
}

/* One replayed line, kept out of Bulkhead's own ring. */
static void replay(const char *who, const char *text)
{
	char line[CONSOLE_LINE + 40];
	int n = format(line, sizeof(line), "log: %s%s%s\n", who, *who ? ": " : "", text);

	if (n >= (int)sizeof(line)) {
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	console_write_unkept(line, (size_t)n);
}

/* Bulkhead's ring (p < 0) or partition p's, oldest first. */
static void show_ring(int p)
{
	char text[CONSOLE_LINE];
	u64 first, end;
	const char *name = p < 0 ? "bulkhead" : partition_name((u32)p);

	if (p < 0)
		console_log_range(&first, &end);
	else
		partition_log_range((u32)p, &first, &end);
	log_info("shell: log %s: %llu lines kept (%u KiB), %llu earlier fell off\n", name,
		 (unsigned long long)(end - first),
		 (p < 0 ? BULKHEAD_LOG_BYTES : PARTITION_LOG_BYTES) / 1024,
		 (unsigned long long)first);
	for (u64 n = first; n < end; n++)
		if (p < 0 ? console_log_line(n, text, sizeof(text))
			  : partition_log_line((u32)p, n, text, sizeof(text)))
			replay(p < 0 ? "" : name, text);
}

/* log <level>, log bulkhead, log <p>: a level by its name (a number is a partition's, as
 * everywhere in the shell), a partition's name after the levels' and "bulkhead". */
static void log_command(const char *arg)
{
	enum log_level level;
	int p;

	if (!(arg[0] >= '0' && arg[0] <= '9') && !log_level_parse(arg, &level)) {
		log_set_level(level);
		log_info("shell: log level %s\n", log_level_name(level));
	} else if (!strcmp(arg, "bulkhead")) {
		show_ring(-1);
	} else if (*arg && (p = find(arg)) >= 0) {
		show_ring(p);
	} else {
		log_info("shell: log: \"%s\" unknown; use error, warn, info or debug, bulkhead, "
			 "or a partition (see list)\n",
			 arg);
	}
}

static void focus_only(const char *arg)
{
	bool on = !conmux_focus_only();

	if (!strcmp(arg, "on"))
		on = true;
	else if (!strcmp(arg, "off"))
		on = false;
	else if (*arg) {
		log_info("shell: focus-only: \"%s\" unknown; use on, off, or nothing to switch\n",
			 arg);
		return;
	}
	conmux_set_focus_only(on);
	if (on)
		log_info("shell: focus-only on: only the focused partition's lines are shown; the "
			 "others' are kept (log <p>)\n");
	else
		log_info("shell: focus-only off: every partition's lines are shown\n");
}

/* KiB, rounded up: a section of a few bytes still shows. */
static unsigned long long kib_up(u64 bytes)
{
	return (unsigned long long)((bytes + KiB - 1) / KiB);
}

/* One owner's line: "<who> <n> KiB" then ": <use> <KiB>, ..." for each use it has. */
static void mem_owner(const char *who, u32 owner)
{
	char uses[160];
	u32 len = 0;

	uses[0] = 0;
	for (u32 u = 0; u < PMEM_USES; u++) {
		u64 bytes = pmem_used_bytes(owner, (enum pmem_use)u);

		if (bytes && len < sizeof(uses))
			len += (u32)format(uses + len, sizeof(uses) - len, "%s%s %llu",
					   len ? ", " : ": ", pmem_use_name((enum pmem_use)u),
					   kib_up(bytes));
	}
	log_info("shell: memory: %s %llu KiB%s\n", who, kib_up(pmem_owner_bytes(owner)), uses);
}

/*
 * The footprint (make bench reads it: tests/bench/footprint.sh). Stable format, KiB figures:
 *   shell: memory: image <n> KiB: text <t>, rodata <r>, data <d>, bss <b>
 *   shell: memory: hypervisor <n> KiB: <use> <k>, <use> <k>, ...
 *   shell: memory: partition <name> <n> KiB: <use> <k>, ...     (one per partition of the table)
 *   shell: memory: run-time <n> KiB (page allocator), <f> KiB free
 *   shell: memory: reserved <r> KiB (partition RAM, modules, boot information: not run-time)
 * Sections are rounded up to a KiB; everything else is whole pages. An owner line lists only
 * the uses it has (core/pmem.h names them), and its <n> is their sum; the owner lines sum to
 * the run-time total, every page the allocator handed out. A partition's RAM is no allocation
 * but a range of the table reserved at boot: it is in "reserved", with the modules.
 */
static void mem(void)
{
	struct arch_image_sections sec = arch_image_sections();
	char who[48]; /* "partition " and the name (truncated if need be) */

	log_info("shell: memory: image %llu KiB: text %llu, rodata %llu, data %llu, bss %llu\n",
		 kib_up(arch_image_end() - arch_image_start()), kib_up(sec.text),
		 kib_up(sec.rodata), kib_up(sec.data), kib_up(sec.bss));
	mem_owner("hypervisor", PMEM_OWNER_HV);
	for (u32 i = 0; i < partition_count() && i < PMEM_OWNER_HV; i++) {
		format(who, sizeof(who), "partition %s", partition_name(i));
		mem_owner(who, i);
	}
	log_info("shell: memory: run-time %llu KiB (page allocator), %llu KiB free\n",
		 kib_up(pmem_allocated_bytes()), kib_up(pmem_free_bytes()));
	log_info("shell: memory: reserved %llu KiB (partition RAM, modules, boot information: not "
		 "run-time)\n",
		 kib_up(pmem_reserved_bytes()));
}

static void say_reset(const char *how)
{
	log_info("reboot: trying %s\n", how);
}

void shell_cancel_pending(void)
{
	if (reboot_asked)
		log_info("shell: reboot cancelled\n");
	reboot_asked = false;
	typed.len = 0;
}

/* The line after `reboot`: "yes" resets the machine, anything else keeps it running. */
static void reboot_answer(const char *text)
{
	reboot_asked = false;
	if (strcmp(text, "yes")) {
		log_info("shell: reboot cancelled\n");
		return;
	}
	log_info("reboot: resetting the machine\n");
	arch_machine_reset(say_reset);
}

void shell_run(const char *text)
{
	char cmd[SHELL_LINE + 1];
	const char *arg;
	size_t n;

	while (*text == ' ')
		text++;
	if (reboot_asked && *text) { /* an empty line (a CR's LF) does not answer */
		reboot_answer(text);
		return;
	}
	for (n = 0; text[n] && text[n] != ' ' && n < SHELL_LINE; n++)
		cmd[n] = text[n];
	cmd[n] = '\0';
	for (arg = text + n; *arg == ' ';)
		arg++;
	if (!cmd[0])
		return;
	if (!strcmp(cmd, "help"))
		help();
	else if (!strcmp(cmd, "list"))
		partitions_list();
	else if (!strcmp(cmd, "stats")) {
		log_info("stats: on demand\n");
		partitions_report_stats();
	} else if (!strcmp(cmd, "devices"))
		partitions_report_devices();
	else if (!strcmp(cmd, "stop") || !strcmp(cmd, "start") || !strcmp(cmd, "restart"))
		control(cmd, arg);
	else if (!strcmp(cmd, "log"))
		log_command(arg);
	else if (!strcmp(cmd, "focus-only"))
		focus_only(arg);
	else if (!strcmp(cmd, "mem"))
		mem();
	else if (!strcmp(cmd, "version"))
		log_info("shell: Bulkhead %s\n", BULKHEAD_VERSION);
	else if (!strcmp(cmd, "reboot")) {
		reboot_asked = true;
		log_info("reboot: type yes to reset the machine\n");
	} else {
		log_info("shell: unknown command \"%s\"\n", cmd);
		help();
	}
}

/* Escape sequences typed at the shell (cursor keys, or a terminal's answer to a query of the
 * focused partition that arrives after the focus moved here) are dropped whole, not left as
 * "[24;1R" in the command line: after ESC, CSI's parameters and final byte, SS3's one byte,
 * an OSC, and a DCS, SOS, PM or APC string (ESC P, X, ^, _: terminals answer some queries with
 * DCS), up to BEL or ESC \, at most SHELL_SEQ bytes. A line end always ends one. */
#define SHELL_SEQ 64
enum { SEQ_NONE, SEQ_ESC, SEQ_CSI, SEQ_SS3, SEQ_OSC, SEQ_OSC_ESC };
static struct {
	u8 state;
	u8 len;
} seq;

static bool in_sequence(u8 c)
{
	u8 at = seq.state;

	if (c == '\r' || c == '\n' || (at != SEQ_NONE && ++seq.len > SHELL_SEQ)) {
		if (c != '\r' && c != '\n')
			typed.len =
			    0; /* an answer too long to drop whole: its tail is no command */
		seq.state = SEQ_NONE;
		return at != SEQ_NONE && c != '\r' && c != '\n';
	}
	if (at == SEQ_NONE && c == 0x1b) {
		seq.state = SEQ_ESC;
		seq.len = 0;
	} else if (at == SEQ_ESC) {
		seq.state = c == '['							 ? SEQ_CSI
			    : c == 'O'							 ? SEQ_SS3
			    : (c == ']' || c == 'P' || c == 'X' || c == '^' || c == '_') ? SEQ_OSC
											 : SEQ_NONE;
	} else if (at == SEQ_CSI) {
		if (!(c >= 0x20 && c <= 0x3f))
			seq.state = SEQ_NONE; /* the final byte, or what broke it */
	} else if (at == SEQ_SS3 || at == SEQ_OSC_ESC) {
		seq.state = SEQ_NONE;
	} else if (at == SEQ_OSC) {
		seq.state = c == 0x07 ? SEQ_NONE : c == 0x1b ? SEQ_OSC_ESC : SEQ_OSC;
	}
	return at != SEQ_NONE || seq.state != SEQ_NONE;
}

void shell_input(u8 c)
{
	if (in_sequence(c))
		return;
	if (c == '\r' || c == '\n') {
		typed.text[typed.len] = '\0';
		if (typed.len)
			log_info("bulkhead> %s\n", typed.text);
		typed.len = 0;
		shell_run(typed.text);
	} else if ((c == 0x7f || c == 0x08) && typed.len) {
		typed.len--;
	} else if (c >= 0x20 && c < 0x7f && typed.len < SHELL_LINE) {
		typed.text[typed.len++] = (char)c;
	}
}

void shell_format_duration(u64 s, char *buf, size_t size)
{
	if (s < 60)
		format(buf, size, "%llus", (unsigned long long)s);
	else if (s < 3600)
		format(buf, size, "%llum%02llus", (unsigned long long)(s / 60),
		       (unsigned long long)(s % 60));
	else if (s < 86400)
		format(buf, size, "%lluh%02llum", (unsigned long long)(s / 3600),
		       (unsigned long long)(s / 60 % 60));
	else
		format(buf, size, "%llud%02lluh", (unsigned long long)(s / 86400),
		       (unsigned long long)(s / 3600 % 24));
}
