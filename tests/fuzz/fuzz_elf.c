/*
 * Fuzz the ELF64 payload image checks (core/elf.c): the fuzz bytes are the image given to
 * elf_parse(); a successful parse must keep every promise elf.h makes to the loader.
 */
#include "core/elf.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct elf_image img;
	bool in_x = false;

	fuzz_begin();
	elf_is_elf(data, size);
	if (elf_parse(data, size, "fuzz", &img) != 0)
		return 0;
	FUZZ_ASSERT(img.segment_count >= 1 && img.segment_count <= ELF_MAX_SEGMENTS);
	for (u32 i = 0; i < img.segment_count; i++) {
		const struct elf_segment *s = &img.seg[i];

		FUZZ_ASSERT(s->memsz > 0 && s->filesz <= s->memsz);
		FUZZ_ASSERT(s->offset <= size && s->filesz <= size - s->offset);
		FUZZ_ASSERT(s->paddr + s->memsz > s->paddr);
		FUZZ_ASSERT((s->flags & ~(u32)(ELF_PF_X | ELF_PF_W | ELF_PF_R)) == 0);
		for (u32 j = 0; j < i; j++) {
			const struct elf_segment *o = &img.seg[j];

			FUZZ_ASSERT(s->paddr + s->memsz <= o->paddr ||
				    o->paddr + o->memsz <= s->paddr);
		}
		if ((s->flags & ELF_PF_X) && img.entry >= s->paddr &&
		    img.entry - s->paddr < s->filesz)
			in_x = true;
	}
	FUZZ_ASSERT(in_x);
	return 0;
}
