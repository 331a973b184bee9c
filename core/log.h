/*
 * printf-style logging with levels. Output goes to console_write(), which the
 * hypervisor routes to COM1 and the host unit tests capture.
 *
 * Lines listed in docs/console.md are stable: tests and users grep them.
 */
#ifndef BULKHEAD_CORE_LOG_H
#define BULKHEAD_CORE_LOG_H

#include <stdarg.h>
#include "bulkhead/types.h"

enum log_level {
	LOG_ERR = 0,
	LOG_WARN = 1,
	LOG_INFO = 2,
	LOG_DEBUG = 3,
};

void log_set_level(enum log_level level);
int log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);

/* Print one message if `level` is enabled. A message should end in "\n". */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap);

#define log_err(...)   log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Provided by the platform: core/console.c in the hypervisor, a capture in host tests. */
void console_write(const char *s, size_t len);

#endif
