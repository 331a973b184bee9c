/*
 * Fuzz the Multiboot2 info parser (core/mb2.c): the fuzz bytes are the boot information block
 * GRUB would hand over, copied into an 8-byte-aligned heap buffer of exactly their size (the
 * buffer size is the read limit, so ASan sees any read past it). A parsed block's strings then
 * go through mb2_find_module() and mb2_cmdline_arg().
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"loglevel", "rt0", "a", "console", "x="};
	u8 *buf = malloc(size ? size : 1);
	char val[64];

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
			/* val_size from 1 up: every truncation length gets its turn. */
			if (mb2_cmdline_arg(info.cmdline, keys[k], val, 1 + size % sizeof(val)))
				FUZZ_ASSERT(memchr(val, 0, sizeof(val)));
			for (u32 i = 0; i < info.module_count; i++)
				mb2_cmdline_arg(info.modules[i].cmdline, keys[k], val, sizeof(val));
		}
	}
	free(buf);
	return 0;
}
