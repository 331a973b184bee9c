/* Leveled logging. One line is formatted whole, then written in one console_write() call so
 * that the console lock keeps lines from different CPUs apart. */
#include "core/log.h"
#include "core/error.h"
#include "core/lib/format.h"
#include "core/lib/string.h"

static enum log_level current_level = LOG_INFO;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void log_set_level(enum log_level level)
{
	current_level = level;
}

const char *log_level_name(enum log_level level)
{
	return (unsigned)level < ARRAY_SIZE(level_names) ? level_names[level] : "?";
}

/* Accepts a name (error, warn, info, debug) or its number 0-3. */
int log_level_parse(const char *name, enum log_level *out)
{
	for (unsigned i = 0; i < ARRAY_SIZE(level_names); i++) {
		if (strcmp(name, level_names[i]) == 0 || (name[0] == (char)('0' + i) && !name[1])) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	return ERR(E_INVAL);
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char line[512];
	int n;

	if (level > current_level)
		return;
	n = vformat(line, sizeof(line), fmt, ap);
	if (n >= (int)sizeof(line)) {
		/* Too long for one line: keep what fits and still end the line. */
		n = sizeof(line) - 1;
		line[n - 1] = '\n';
	}
	console_write(line, (size_t)n);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
