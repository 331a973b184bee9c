/* A small vsnprintf: %d %i %u %x %X %p %s %c %%, flags '-' '0', width, precision for %s,
 * length modifiers hh h l ll z. Always NUL-terminates; returns the length it wanted. */
#ifndef BULKHEAD_LIB_FORMAT_H
#define BULKHEAD_LIB_FORMAT_H

#include <stdarg.h>
#include "bulkhead/types.h"

int vformat(char *buf, size_t size, const char *fmt, va_list ap);
int format(char *buf, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
