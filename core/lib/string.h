/* Freestanding string and memory helpers (the compiler may also emit calls to memcpy/memset). */
#ifndef BULKHEAD_LIB_STRING_H
#define BULKHEAD_LIB_STRING_H

#include "bulkhead/types.h"

void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);
/* Copy at most size-1 bytes and NUL-terminate; returns strlen(src). */
size_t strlcpy(char *dst, const char *src, size_t size);
/* Parse a whole decimal or 0x-hex number; false on anything else or overflow. */
bool str_to_u64(const char *s, u64 *out);

#endif
