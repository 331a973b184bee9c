/*
 * hwcheck: will Bulkhead run on this machine? A host program, run on the target's Linux before
 * rebooting into Bulkhead (docs/hwcheck.md):
 *
 *   sudo build/hwcheck [--first] [--record FILE]      the machine it runs on
 *   build/hwcheck [--first] --replay FILE             a recording of one
 *
 * It reads what Bulkhead reads at boot and judges it with the same code (core/lib/hwcheck.c),
 * so its lines are the boot report's:
 *
 *   hwcheck: <feature> <yes|no|mixed> <required|optional>    the table, one line per feature
 *   hwcheck: vmx basic ... / hwcheck: vmx pin ...            the raw values
 *   hwcheck: cpu <i> (apic id <id>) differs from cpu 0: <feature> <yes|no>
 *   bulkhead: vmx ok                                          exit status 0: it will run
 *   bulkhead: vmx unavailable: missing <feature> (<hint>), ...   exit status 1: it will not
 *
 * then, for each feature named missing, what can be done about it:
 *
 *   hwcheck: missing <feature>: <what to do, or why nothing can be>
 *
 * When it cannot read the MSRs (not root, or no msr driver) it says so, reports what CPUID
 * alone tells (the VMX features are "unknown" in the table) and, unless CPUID already shows
 * a required feature missing, ends with status 2:
 *
 *   hwcheck: cannot read MSRs: /dev/cpu/0/msr: <errno text> (run as root; modprobe msr)
 *   hwcheck: cannot tell whether Bulkhead will run: <why>
 *
 * Status 2 is also a bad command line or recording (a message on stderr).
 *
 * What it reads, on every CPU /proc/cpuinfo lists (only the first with --first), in the order
 * and under the conditions core/lib/hwcheck.c sets: CPUID, executed on that CPU (the process
 * is pinned to it), and IA32_FEATURE_CONTROL and the VMX capability MSRs, read by pread() at
 * the MSR's number from /dev/cpu/<n>/msr. CPUID is executed rather than taken from the flags
 * of /proc/cpuinfo because the flags are Linux's view, not the CPU's: Linux drops "vmx" when
 * firmware locked VT-x off (this tool must then say "feature-control", as Bulkhead does, not
 * "vmx"), "x2apic" when booted with nox2apic, any flag with clearcpuid=; and CAT and the
 * invariant TSC are not one flag each. Bulkhead reads CPUID itself, before any of that.
 *
 * A recording (--record FILE writes one, --replay FILE reads one) is that input as text, one
 * value per line, in the order read; '#' starts a comment:
 *
 *   cpu <n> apicid <id>                  a CPU of /proc/cpuinfo; the lines below are its own
 *   cpuid <leaf> <subleaf> <eax> <ebx> <ecx> <edx>
 *   msr <number> <value>
 *   msr-error <number> <errno text>      pread() failed
 *   msr-device-error <path>: <errno text>    open() failed
 *   cpu-error <text>                     the CPU could not be run on
 *
 * Replayed, it gives the same output as the run that recorded it: the judging always reads
 * from the recording, live or not (tests/hwcheck/ holds recorded machines).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bulkhead/types.h"
#include "core/lib/cpu.h"
#include "core/lib/hwcheck.h"
#include "core/lib/msr.h"
#include "core/lib/x86.h"

#define EXIT_RUNS	0
#define EXIT_WILL_NOT	1
#define EXIT_CANNOT_SAY 2

#define MAX_CPUID 16 /* leaves read per CPU: 6 at most (hw_read_cpuid) */
#define MAX_MSR	  24 /* MSRs read per CPU: 9 at most (feature control, hw_read_vmx_msrs) */
#define TEXT_MAX  256

/* What was read on one CPU: the recording's unit. */
struct cpu_rec {
	int number; /* "processor" of /proc/cpuinfo */
	u32 apic_id;
	struct {
		u32 leaf, subleaf, regs[4];
	} cpuid[MAX_CPUID];
	u32 n_cpuid;
	struct {
		u32 number;
		bool ok;
		u64 value;
		char error[TEXT_MAX];
	} msr[MAX_MSR];
	u32 n_msr;
	char device_error[TEXT_MAX]; /* "<path>: <errno text>": the MSR device did not open */
	char cpu_error[TEXT_MAX];    /* the CPU could not be run on */
};

struct machine {
	struct cpu_rec *cpu;
	u32 n, size;
};

static struct cpu_rec *add_cpu(struct machine *m, int number, u32 apic_id)
{
	if (m->n == m->size) {
		u32 size = m->size ? 2 * m->size : 16;
		struct cpu_rec *c = realloc(m->cpu, size * sizeof(*c));

		if (!c) {
			fprintf(stderr, "hwcheck: out of memory\n");
			exit(EXIT_CANNOT_SAY);
		}
		m->cpu = c;
		m->size = size;
	}
	memset(&m->cpu[m->n], 0, sizeof(m->cpu[0]));
	m->cpu[m->n].number = number;
	m->cpu[m->n].apic_id = apic_id;
	return &m->cpu[m->n++];
}

/* ------------------------------------------------------------------------------------------ */
/* The machine this runs on                                                                   */

struct live {
	struct cpu_rec *rec;
	int msr_fd;
};

static bool live_cpuid(void *ctx, u32 leaf, u32 subleaf, u32 regs[4])
{
	struct cpu_rec *rec = ((struct live *)ctx)->rec;
	struct cpuid_regs r = cpuid(leaf, subleaf);

	regs[0] = r.eax;
	regs[1] = r.ebx;
	regs[2] = r.ecx;
	regs[3] = r.edx;
	if (rec->n_cpuid < MAX_CPUID) {
		rec->cpuid[rec->n_cpuid].leaf = leaf;
		rec->cpuid[rec->n_cpuid].subleaf = subleaf;
		memcpy(rec->cpuid[rec->n_cpuid].regs, regs, sizeof(rec->cpuid[0].regs));
		rec->n_cpuid++;
	}
	return true;
}

/* The msr driver reads the MSR whose number is the file offset, on that CPU (rdmsr_safe_on_cpu:
 * an absent MSR is EIO, not a fault). */
static bool live_rdmsr(void *ctx, u32 msr, u64 *value)
{
	struct live *l = ctx;
	struct cpu_rec *rec = l->rec;
	ssize_t got = pread(l->msr_fd, value, sizeof(*value), msr);
	int err = got < 0 ? errno : EIO;

	if (rec->n_msr < MAX_MSR) {
		rec->msr[rec->n_msr].number = msr;
		rec->msr[rec->n_msr].ok = got == sizeof(*value);
		rec->msr[rec->n_msr].value = *value;
		if (got != sizeof(*value))
			snprintf(rec->msr[rec->n_msr].error, TEXT_MAX, "%s", strerror(err));
		rec->n_msr++;
	}
	return got == sizeof(*value);
}

/* Reads one CPU as Bulkhead would at boot, pinned to it, recording everything. */
static void read_live_cpu(struct cpu_rec *rec)
{
	struct live l = {rec, -1};
	struct hw_reader reader = {live_cpuid, live_rdmsr, &l};
	struct hw_caps caps = {0};
	char path[64];
	cpu_set_t set;
	u64 fc;
	u32 failed;

	CPU_ZERO(&set);
	CPU_SET(rec->number, &set);
	if (sched_setaffinity(0, sizeof(set), &set)) {
		snprintf(rec->cpu_error, TEXT_MAX, "cannot run on cpu %d to execute CPUID: %s",
			 rec->number, strerror(errno));
		return;
	}
	hw_read_cpuid(&caps, &reader);
	if (!(caps.cpuid1_ecx & CPUID1_ECX_VMX))
		return; /* Bulkhead reads no MSR either */
	snprintf(path, sizeof(path), "/dev/cpu/%d/msr", rec->number);
	l.msr_fd = open(path, O_RDONLY);
	if (l.msr_fd < 0) {
		snprintf(rec->device_error, TEXT_MAX, "%s: %s", path, strerror(errno));
		return;
	}
	if (live_rdmsr(&l, MSR_IA32_FEATURE_CONTROL, &fc))
		hw_read_vmx_msrs(&caps, &reader, &failed);
	close(l.msr_fd);
}

/* "key<spaces/tabs>: value" */
static bool cpuinfo_field(const char *line, const char *key, long *value)
{
	size_t n = strlen(key);
	const char *p = line + n;

	if (strncmp(line, key, n))
		return false;
	while (*p == ' ' || *p == '\t')
		p++;
	if (*p != ':')
		return false;
	*value = strtol(p + 1, NULL, 10);
	return true;
}

/* The CPUs /proc/cpuinfo lists, with their APIC IDs (where a kernel does not say it, the
 * initial APIC ID in CPUID.1:EBX[31:24], read on the CPU). */
static bool read_cpuinfo(struct machine *m, bool first_only)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[1024];
	struct cpu_rec *cur = NULL;
	long v;

	if (!f) {
		printf("hwcheck: cannot read /proc/cpuinfo: %s\n", strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f)) {
		if (cpuinfo_field(line, "processor", &v)) {
			if (first_only && m->n)
				break;
			cur = add_cpu(m, (int)v, UINT32_MAX);
		} else if (cur && cpuinfo_field(line, "apicid", &v)) {
			cur->apic_id = (u32)v;
		}
	}
	fclose(f);
	if (!m->n) {
		printf("hwcheck: /proc/cpuinfo lists no cpu\n");
		return false;
	}
	return true;
}

static bool read_live(struct machine *m, bool first_only)
{
	cpu_set_t saved;
	bool restore = !sched_getaffinity(0, sizeof(saved), &saved);

	if (!read_cpuinfo(m, first_only))
		return false;
	for (u32 i = 0; i < m->n; i++) {
		struct cpu_rec *c = &m->cpu[i];

		read_live_cpu(c);
		for (u32 j = 0; j < c->n_cpuid && c->apic_id == UINT32_MAX; j++)
			if (c->cpuid[j].leaf == 1)
				c->apic_id = c->cpuid[j].regs[1] >> 24;
	}
	if (restore)
		sched_setaffinity(0, sizeof(saved), &saved);
	return true;
}

/* ------------------------------------------------------------------------------------------ */
/* Recordings                                                                                 */

static bool write_recording(const char *file, const struct machine *m)
{
	FILE *f = fopen(file, "w");
	struct utsname u;

	if (!f) {
		fprintf(stderr, "hwcheck: %s: %s\n", file, strerror(errno));
		return false;
	}
	fprintf(f,
		"# tools/hwcheck recording: what it read, in order; replay with --replay FILE\n");
	if (!uname(&u))
		fprintf(f, "# %s %s %s\n", u.sysname, u.release, u.machine);
	for (u32 i = 0; i < m->n; i++) {
		const struct cpu_rec *c = &m->cpu[i];

		fprintf(f, "cpu %d apicid %" PRIu32 "\n", c->number, c->apic_id);
		if (c->cpu_error[0])
			fprintf(f, "cpu-error %s\n", c->cpu_error);
		for (u32 j = 0; j < c->n_cpuid; j++)
			fprintf(f,
				"cpuid 0x%08" PRIx32 " 0x%" PRIx32 " 0x%08" PRIx32 " 0x%08" PRIx32
				" 0x%08" PRIx32 " 0x%08" PRIx32 "\n",
				c->cpuid[j].leaf, c->cpuid[j].subleaf, c->cpuid[j].regs[0],
				c->cpuid[j].regs[1], c->cpuid[j].regs[2], c->cpuid[j].regs[3]);
		if (c->device_error[0])
			fprintf(f, "msr-device-error %s\n", c->device_error);
		for (u32 j = 0; j < c->n_msr; j++) {
			if (c->msr[j].ok)
				fprintf(f, "msr 0x%" PRIx32 " 0x%016" PRIx64 "\n", c->msr[j].number,
					c->msr[j].value);
			else
				fprintf(f, "msr-error 0x%" PRIx32 " %s\n", c->msr[j].number,
					c->msr[j].error);
		}
	}
	if (fclose(f)) {
		fprintf(stderr, "hwcheck: %s: %s\n", file, strerror(errno));
		return false;
	}
	return true;
}

struct parse {
	const char *file;
	unsigned line;
};

static bool bad(const struct parse *p, const char *what)
{
	fprintf(stderr, "hwcheck: %s:%u: %s\n", p->file, p->line, what);
	return false;
}

/* Whole numbers (decimal or 0x-hex) into v[0..n-1] from the words of s; the rest after. */
static bool numbers(char **s, u64 *v, int n)
{
	for (int i = 0; i < n; i++) {
		char *end;

		while (**s == ' ' || **s == '\t')
			(*s)++;
		if (**s < '0' || **s > '9')
			return false;
		errno = 0;
		v[i] = strtoull(*s, &end, 0);
		if (errno || (*end && *end != ' ' && *end != '\t'))
			return false;
		*s = end;
	}
	while (**s == ' ' || **s == '\t')
		(*s)++;
	return true;
}

/* A recorded text into dst (TEXT_MAX bytes); a longer one is a bad recording. */
static bool set_text(const struct parse *p, char *dst, const char *text)
{
	size_t len = strlen(text);

	if (len >= TEXT_MAX)
		return bad(p, "text too long");
	memcpy(dst, text, len + 1);
	return true;
}

static bool parse_line(const struct parse *p, struct machine *m, char *s)
{
	struct cpu_rec *c = m->n ? &m->cpu[m->n - 1] : NULL;
	char *rest;
	u64 v[6];

	if (!strncmp(s, "cpu ", 4)) {
		rest = s + 4;
		if (!numbers(&rest, v, 1) || strncmp(rest, "apicid", 6))
			return bad(p, "want: cpu <n> apicid <id>");
		rest += 6;
		if (!numbers(&rest, v + 1, 1) || *rest || v[0] > INT32_MAX || v[1] > UINT32_MAX)
			return bad(p, "want: cpu <n> apicid <id>");
		add_cpu(m, (int)v[0], (u32)v[1]);
		return true;
	}
	if (!c)
		return bad(p, "a value before the first \"cpu\" line");
	if (!strncmp(s, "cpuid ", 6)) {
		rest = s + 6;
		if (!numbers(&rest, v, 6) || *rest || c->n_cpuid == MAX_CPUID ||
		    v[0] > UINT32_MAX || v[1] > UINT32_MAX || v[2] > UINT32_MAX ||
		    v[3] > UINT32_MAX || v[4] > UINT32_MAX || v[5] > UINT32_MAX)
			return bad(p, "want: cpuid <leaf> <subleaf> <eax> <ebx> <ecx> <edx>");
		c->cpuid[c->n_cpuid].leaf = (u32)v[0];
		c->cpuid[c->n_cpuid].subleaf = (u32)v[1];
		for (int i = 0; i < 4; i++)
			c->cpuid[c->n_cpuid].regs[i] = (u32)v[2 + i];
		c->n_cpuid++;
		return true;
	}
	if (!strncmp(s, "msr ", 4) || !strncmp(s, "msr-error ", 10)) {
		bool ok = s[3] == ' ';

		rest = s + (ok ? 4 : 10);
		if (!numbers(&rest, v, ok ? 2 : 1) || (ok ? *rest != 0 : *rest == 0) ||
		    c->n_msr == MAX_MSR || v[0] > UINT32_MAX)
			return bad(p, "want: msr <number> <value>, or msr-error <number> <text>");
		c->msr[c->n_msr].number = (u32)v[0];
		c->msr[c->n_msr].ok = ok;
		c->msr[c->n_msr].value = ok ? v[1] : 0;
		c->msr[c->n_msr].error[0] = 0;
		if (!ok && !set_text(p, c->msr[c->n_msr].error, rest))
			return false;
		c->n_msr++;
		return true;
	}
	if (!strncmp(s, "msr-device-error ", 17) && s[17])
		return set_text(p, c->device_error, s + 17);
	if (!strncmp(s, "cpu-error ", 10) && s[10])
		return set_text(p, c->cpu_error, s + 10);
	return bad(p, "not a line of a recording (cpu, cpuid, msr, msr-error, msr-device-error, "
		      "cpu-error)");
}

static bool read_recording(const char *file, struct machine *m, bool first_only)
{
	FILE *f = fopen(file, "r");
	struct parse p = {file, 0};
	char line[1024];
	bool ok = true;

	if (!f) {
		fprintf(stderr, "hwcheck: %s: %s\n", file, strerror(errno));
		return false;
	}
	while (ok && fgets(line, sizeof(line), f)) {
		size_t len = strlen(line);

		p.line++;
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			ok = bad(&p, "line too long");
			break;
		}
		while (len &&
		       (line[len - 1] == '\n' || line[len - 1] == ' ' || line[len - 1] == '\t'))
			line[--len] = 0;
		if (!len || line[0] == '#')
			continue;
		ok = parse_line(&p, m, line);
	}
	fclose(f);
	if (ok && !m->n) {
		fprintf(stderr, "hwcheck: %s: no cpu in it\n", file);
		ok = false;
	}
	if (ok && first_only)
		m->n = 1;
	return ok;
}

/* ------------------------------------------------------------------------------------------ */
/* Judging, from the recording                                                                */

struct replay {
	const struct cpu_rec *rec;
	const char *error; /* why the last read failed */
	u32 leaf, subleaf; /* the CPUID leaf that was not recorded */
};

static bool replay_cpuid(void *ctx, u32 leaf, u32 subleaf, u32 regs[4])
{
	struct replay *r = ctx;

	for (u32 i = 0; i < r->rec->n_cpuid; i++) {
		if (r->rec->cpuid[i].leaf == leaf && r->rec->cpuid[i].subleaf == subleaf) {
			memcpy(regs, r->rec->cpuid[i].regs, sizeof(r->rec->cpuid[i].regs));
			return true;
		}
	}
	r->error = "not recorded";
	r->leaf = leaf;
	r->subleaf = subleaf;
	return false;
}

static bool replay_rdmsr(void *ctx, u32 msr, u64 *value)
{
	struct replay *r = ctx;

	for (u32 i = 0; i < r->rec->n_msr; i++) {
		if (r->rec->msr[i].number != msr)
			continue;
		*value = r->rec->msr[i].value;
		r->error = r->rec->msr[i].error;
		return r->rec->msr[i].ok;
	}
	r->error = "not recorded";
	return false;
}

static void print_line(void *ctx, bool warning, const char *text)
{
	(void)ctx;
	(void)warning;
	fputs(text, stdout);
}

/* The hw_caps of one CPU, as Bulkhead's caps_read() would make them, from its recording.
 * Prints why a value is missing; returns false when nothing can be said of the CPU. */
static bool caps_from(const struct cpu_rec *rec, struct hw_caps *c, bool *msr_said)
{
	struct replay r = {rec, NULL, 0, 0};
	struct hw_reader reader = {replay_cpuid, replay_rdmsr, &r};
	u32 failed;

	*c = (struct hw_caps){0};
	if (rec->cpu_error[0]) {
		printf("hwcheck: %s\n", rec->cpu_error);
		return false;
	}
	if (!hw_read_cpuid(c, &reader)) {
		printf("hwcheck: cpu %d: cpuid leaf 0x%" PRIx32 " subleaf %" PRIu32 " %s\n",
		       rec->number, r.leaf, r.subleaf, r.error);
		return false;
	}
	if (!(c->cpuid1_ecx & CPUID1_ECX_VMX))
		return true;
	if (rec->device_error[0]) {
		if (!*msr_said)
			printf("hwcheck: cannot read MSRs: %s (run as root; modprobe msr)\n",
			       rec->device_error);
		*msr_said = true;
		c->msrs_unread = 1;
		return true;
	}
	if (!replay_rdmsr(&r, MSR_IA32_FEATURE_CONTROL, &c->feature_control)) {
		failed = MSR_IA32_FEATURE_CONTROL;
	} else {
		c->fc_state = hw_fc_state(c->feature_control);
		if (hw_read_vmx_msrs(c, &reader, &failed))
			return true;
	}
	printf("hwcheck: cannot read MSR 0x%" PRIx32 " on cpu %d: %s\n", failed, rec->number,
	       r.error);
	c->msrs_unread = 1;
	c->fc_state = FC_NOT_READ;
	return true;
}

static int judge(const struct machine *m)
{
	static const struct hw_printer to_stdout = {print_line, NULL};
	struct hw_caps *caps = calloc(m->n, sizeof(*caps));
	u32 *apic_ids = calloc(m->n, sizeof(*apic_ids));
	bool missing[HW_FEATURE_COUNT], msr_said = false, unread = false;
	char why[1024];
	u32 n = 0;
	int status;

	if (!caps || !apic_ids) {
		fprintf(stderr, "hwcheck: out of memory\n");
		return EXIT_CANNOT_SAY;
	}
	for (u32 i = 0; i < m->n; i++) {
		if (!caps_from(&m->cpu[i], &caps[n], &msr_said)) {
			unread = true;
			continue;
		}
		apic_ids[n++] = m->cpu[i].apic_id;
	}
	if (!n) {
		printf("hwcheck: cannot tell whether Bulkhead will run: no cpu could be read\n");
		status = EXIT_CANNOT_SAY;
		goto out;
	}
	switch (hw_report(caps, apic_ids, n, &to_stdout, why, sizeof(why), missing)) {
	case HW_RUNS:
		if (unread) {
			printf(
			    "hwcheck: cannot tell whether Bulkhead will run: not every cpu could "
			    "be read\n");
			status = EXIT_CANNOT_SAY;
			break;
		}
		printf("%s\n", HW_VERDICT_OK);
		status = EXIT_RUNS;
		break;
	case HW_WILL_NOT_RUN:
		printf("%s%s\n", HW_VERDICT_UNAVAILABLE, why);
		for (u32 f = 0; f < HW_FEATURE_COUNT; f++)
			if (missing[f])
				printf("hwcheck: missing %s: %s\n", hw_features[f].name,
				       hw_features[f].fix);
		status = EXIT_WILL_NOT;
		break;
	default:
		printf(
		    "hwcheck: cannot tell whether Bulkhead will run: the features marked unknown "
		    "need the MSRs\n");
		status = EXIT_CANNOT_SAY;
		break;
	}
out:
	free(caps);
	free(apic_ids);
	return status;
}

/* ------------------------------------------------------------------------------------------ */

static int usage(void)
{
	fprintf(stderr, "usage: hwcheck [--first] [--record FILE]   (as root: reads this machine)\n"
			"       hwcheck [--first] --replay FILE    (reads a recording)\n"
			"  --first        only the first cpu /proc/cpuinfo lists (default: each)\n"
			"  --record FILE  also write what was read to FILE\n"
			"  --replay FILE  read a recording instead of this machine\n"
			"exit status: 0 Bulkhead will run, 1 it will not, 2 could not tell\n");
	return EXIT_CANNOT_SAY;
}

int main(int argc, char **argv)
{
	const char *record = NULL, *replay = NULL;
	struct machine m = {0};
	bool first = false;
	int status;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--first"))
			first = true;
		else if (!strcmp(argv[i], "--record") && i + 1 < argc)
			record = argv[++i];
		else if (!strcmp(argv[i], "--replay") && i + 1 < argc)
			replay = argv[++i];
		else
			return usage();
	}
	if (record && replay)
		return usage();
	if (replay) {
		if (!read_recording(replay, &m, first))
			return EXIT_CANNOT_SAY;
	} else if (!read_live(&m, first)) {
		return EXIT_CANNOT_SAY;
	}
	if (record && !write_recording(record, &m))
		return EXIT_CANNOT_SAY;
	fflush(stdout);
	status = judge(&m);
	free(m.cpu);
	return status;
}
