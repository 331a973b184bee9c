/* Hypervisor shell: see shell.h. Every answer is a whole line starting "shell: ". */
#include "core/shell.h"
#include "arch/x86/arch.h"
#include "core/config.h"
#include "core/log.h"
#include "core/partition.h"
#include "core/pmem.h"
#include "core/lib/string.h"

/* What has been typed since the last Enter (boot CPU only). */
static struct {
	char text[SHELL_LINE + 1];
	u32 len;
} typed;

static void help(void)
{
	log_info("shell: commands: help, list, stats, devices, stop <p>, start <p>, restart <p>, "
		 "log error|warn|info|debug, mem, version\n");
	log_info("shell: <p> is a partition's name or its number in list; Ctrl-A 1-9 types "
		 "into partition 1-9, Ctrl-A 0 comes back here\n");
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

static void set_log(const char *arg)
{
	enum log_level level;

	if (log_level_parse(arg, &level)) {
		log_info("shell: log: \"%s\" unknown; use error, warn, info or debug\n", arg);
		return;
	}
	log_set_level(level);
	log_info("shell: log level %s\n", log_level_name(level));
}

static void mem(void)
{
	log_info("shell: memory: hypervisor image %llu KiB, page allocator %llu KiB used, "
		 "%llu KiB free, %llu KiB reserved (partitions, modules, boot information)\n",
		 (unsigned long long)((arch_image_end() - arch_image_start()) / KiB),
		 (unsigned long long)(pmem_allocated_bytes() / KiB),
		 (unsigned long long)(pmem_free_bytes() / KiB),
		 (unsigned long long)(pmem_reserved_bytes() / KiB));
}

void shell_run(const char *text)
{
	char cmd[SHELL_LINE + 1];
	const char *arg;
	size_t n;

	while (*text == ' ')
		text++;
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
		set_log(arg);
	else if (!strcmp(cmd, "mem"))
		mem();
	else if (!strcmp(cmd, "version"))
		log_info("shell: Bulkhead %s\n", BULKHEAD_VERSION);
	else {
		log_info("shell: unknown command \"%s\"\n", cmd);
		help();
	}
}

void shell_input(u8 c)
{
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
