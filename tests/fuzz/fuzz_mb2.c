/*
 * Fuzz the Multiboot2 info parser (core/mb2.c): the fuzz bytes are the boot information block
 * GRUB would hand over, copied into an 8-byte-aligned heap buffer of exactly their size (the
 * buffer size is the read limit, so ASan sees any read past it). A parsed block's strings then
 * go through mb2_find_module() and mb2_cmdline_arg(); the latter with every val_size from 1 to
 * the buffer's size, into a poisoned buffer, so a write at or past val_size shows even where
 * it stays inside the buffer (ASan cannot see that).
 */
#include <string.h>

#include "core/mb2.h"
#include "tests/fuzz/fuzz.h"

static struct mb2_info info;

/* What mb2.h promises about a successful parse. */
static void check_info(const struct mb2_info *mb, size_t size)
{
	FUZZ_ASSERT(mb->total_size >= 16 && mb->total_size <= size);
	FUZZ_ASSERT(memchr(mb->cmdline, 0, sizeof(mb->cmdline)));
	FUZZ_ASSERT(memchr(mb->loader_name, 0, sizeof(mb->loader_name)));
	FUZZ_ASSERT(mb->mmap_count <= MAX_MMAP);
	FUZZ_ASSERT(mb->module_count <= MAX_MODULES);
	FUZZ_ASSERT(mb->rsdp_len == 0 || mb->rsdp_len == MB2_RSDP_V1_LEN ||
		    mb->rsdp_len == MB2_RSDP_V2_LEN);
	for (u32 i = 0; i < mb->mmap_count; i++)
		FUZZ_ASSERT(mb->mmap[i].len &&
			    mb->mmap[i].addr + mb->mmap[i].len > mb->mmap[i].addr);
	for (u32 i = 0; i < mb->module_count; i++) {
		FUZZ_ASSERT(mb->modules[i].start <= mb->modules[i].end);
		FUZZ_ASSERT(memchr(mb->modules[i].cmdline, 0, MAX_CMDLINE));
	}
}

/* Fills the value buffer before each call: a byte the call writes past val_size shows. */
#define VAL_POISON 0xa5
#define VAL_BYTES  64

/*
 * mb2.h: the value is "truncated to val_size - 1 bytes", NUL-terminated, and the call returns
 * val or NULL. `full` is the same lookup with room for any value (NULL when the key is
 * absent): each cut must be its first min(len, val_size - 1) bytes, and every byte of val from
 * val_size on must still hold the poison.
 */
static void check_arg_cut(const char *cmdline, const char *key, const char *full, size_t val_size)
{
	char val[VAL_BYTES];
	const char *v;
	size_t want;

	memset(val, VAL_POISON, sizeof(val));
	v = mb2_cmdline_arg(cmdline, key, val, val_size);
	for (size_t i = val_size; i < sizeof(val); i++)
		FUZZ_ASSERT((u8)val[i] == VAL_POISON);
	FUZZ_ASSERT(v == (full ? val : NULL));
	if (!v)
		return;
	want = strlen(full) < val_size ? strlen(full) : val_size - 1;
	FUZZ_ASSERT(memchr(val, 0, val_size) == val + want && memcmp(val, full, want) == 0);
}

/* Every val_size from 1 (room for the NUL only) to the whole buffer. */
static void check_arg(const char *cmdline, const char *key)
{
	static char full[MAX_CMDLINE];
	const char *f = mb2_cmdline_arg(cmdline, key, full, sizeof(full));

	/* A value comes from at most MAX_CMDLINE - 1 bytes of cmdline: it always fits `full`. */
	FUZZ_ASSERT(!f || (f == full && memchr(full, 0, sizeof(full))));
	for (size_t n = 1; n <= VAL_BYTES; n++)
		check_arg_cut(cmdline, key, f, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"loglevel", "rt0", "a", "console", "x="};
	u8 *buf = malloc(size ? size : 1);

	if (!buf)
		abort();
	fuzz_begin();
	memcpy(buf, data, size);
	if (mb2_parse(buf, size, 0x10000, &info) == 0) {
		check_info(&info, size);
		for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
			const struct mb2_module *m = mb2_find_module(&info, keys[k]);

			FUZZ_ASSERT(!m ||
				    (m >= info.modules && m < info.modules + info.module_count));
			check_arg(info.cmdline, keys[k]);
			for (u32 i = 0; i < info.module_count; i++)
				check_arg(info.modules[i].cmdline, keys[k]);
		}
	}
	free(buf);
	return 0;
}
