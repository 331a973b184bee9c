/*
 * Shared bits of the libFuzzer harnesses (tests/fuzz/fuzz_*.c). Each harness is linked with
 * the unit tests' host support (core/log.c, core/lib/format.c, core/error.c, core/lib/string.c,
 * tests/unit/host.c): log lines go to host.c's capture buffer, which is emptied before every
 * input so it stays small and cheap.
 *
 * FUZZ_ASSERT() checks a promise the code under test documents (e.g. elf.h's "what a
 * successful elf_parse() promises"); a broken promise aborts, which libFuzzer reports as a
 * crash with the input that caused it.
 */
#ifndef BULKHEAD_TESTS_FUZZ_H
#define BULKHEAD_TESTS_FUZZ_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "bulkhead/types.h"
#include "tests/unit/check.h"

#define FUZZ_ASSERT(cond)                                                                          \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "fuzz: broken promise: %s (%s:%d)\nlog was:\n%s\n", #cond, \
				__FILE__, __LINE__, capture_text());                               \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Called at the start of every input: debug level, so the log lines' formatting of
 * fuzzed values is exercised too, into an empty capture buffer. */
static inline void fuzz_begin(void)
{
	log_set_level(LOG_DEBUG);
	capture_reset();
}

/* Reads fields from the fuzz bytes in order; past the end every field reads as 0. */
struct fuzz_reader {
	const u8 *p;
	size_t left;
};

static inline u8 fuzz_u8(struct fuzz_reader *r)
{
	if (!r->left)
		return 0;
	r->left--;
	return *r->p++;
}

static inline u16 fuzz_u16(struct fuzz_reader *r)
{
	u16 lo = fuzz_u8(r);

	return (u16)(lo | fuzz_u8(r) << 8);
}

static inline u32 fuzz_u32(struct fuzz_reader *r)
{
	u32 lo = fuzz_u16(r);

	return lo | (u32)fuzz_u16(r) << 16;
}

static inline u64 fuzz_u64(struct fuzz_reader *r)
{
	u64 lo = fuzz_u32(r);

	return lo | (u64)fuzz_u32(r) << 32;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
