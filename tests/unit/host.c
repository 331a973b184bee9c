/* Host side of the unit tests: console_write() captures what the code under test logs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "core/spinlock.h"
#include "tests/unit/check.h"

int check_failed_in_test;
int check_total_failed;

static char captured[65536];
static size_t captured_len;

/* Weak: tests/unit/test_console.c links core/console.c's own. */
__attribute__((weak)) void console_write(const char *s, size_t len)
{
	/* UNIT_VERBOSE=1 echoes the code's log lines while tests run. */
	if (getenv("UNIT_VERBOSE"))
		fwrite(s, 1, len, stdout);
	if (captured_len + len >= sizeof(captured))
		len = sizeof(captured) - 1 - captured_len;
	memcpy(captured + captured_len, s, len);
	captured_len += len;
	captured[captured_len] = 0;
}

void capture_reset(void)
{
	captured_len = 0;
	captured[0] = 0;
}

int capture_has(const char *s)
{
	return strstr(captured, s) != NULL;
}

const char *capture_text(void)
{
	return captured;
}

int capture_lines(void)
{
	int n = 0;

	for (const char *p = captured; *p;) {
		const char *nl = strchr(p, '\n');

		if (strncmp(p, "trace: ", 7) != 0)
			n++;
		if (!nl)
			break;
		p = nl + 1;
	}
	return n;
}

/* core/spinlock.h waits with the architecture's pause; one thread never waits here. */
void arch_cpu_relax(void)
{
}
