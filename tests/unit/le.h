/* Little-endian fields and byte sums for the unit tests' synthetic images (bzImage, ELF, ACPI
 * tables, zero page), written out here rather than taken from the code under test. */
#ifndef BULKHEAD_TESTS_LE_H
#define BULKHEAD_TESTS_LE_H

#include <stddef.h>

#include "bulkhead/types.h"

static inline void put16(u8 *p, u16 v)
{
	p[0] = (u8)v;
	p[1] = (u8)(v >> 8);
}

static inline void put32(u8 *p, u32 v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (u8)(v >> (8 * i));
}

static inline void put64(u8 *p, u64 v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (u8)(v >> (8 * i));
}

static inline u16 get16(const u8 *p)
{
	return (u16)(p[0] | p[1] << 8);
}

static inline u32 get32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static inline u64 get64(const u8 *p)
{
	return get32(p) | (u64)get32(p + 4) << 32;
}

/* The byte sum an ACPI checksum makes zero. */
static inline u8 sum(const u8 *p, size_t n)
{
	u8 s = 0;

	while (n--)
		s = (u8)(s + *p++);
	return s;
}

#endif
