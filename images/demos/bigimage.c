/*
 * bigimage: a payload image larger than 1 MiB, and every RAM region of its partition. The
 * image carries BLOB_WORDS words (2.5 MiB) of initialized read-only data, a pseudo-random
 * sequence the assembler computes at build time (below), so its ELF file is about 2.6 MiB and
 * the image spans 1 MiB to about 3.8 MiB. The payload recomputes the sequence, compares every
 * word and prints the checksum (FNV-1a of the words); then it fills every RAM region
 * sdk_ram_regions() lists, but for its image and the first MiB (the information page, the
 * trampoline page), with a pattern of each word's own address and reads it back, at most
 * max_mib MiB of each (default 64). Lines:
 *
 *	bigimage: start, apic id 1, tsc 99989 kHz, bulkhead
 *	bigimage: image 0x100000-0x3c9000 (2852 KiB), 2560 KiB of data, checksum 0x81a3e1f5aca4b8f7,
 *ok bigimage: ram[0] 0x0-0x400000: 225280 bytes written and read back, ok bigimage: ram[1]
 *0x10000000-0x10100000: 1048576 bytes written and read back, ok bigimage: done, 3 ram regions, 0
 *bad
 *
 * A word of the data that differs gives "bigimage: data word <i> at <address> is <x>, want
 * <y>" (the first three), a pattern word that reads back wrong "bigimage: ram[<n>] <address>
 * reads <x>, want <y>"; then the line ends in "BAD" and the exit code is 1.
 */
#include <bulkhead/sdk.h>

#define BLOB_WORDS 655360u /* 2.5 MiB of 32-bit words */
#define LCG_MUL	   1664525u
#define LCG_ADD	   1013904223u
#define MIB	   (1ull << 20)

/* The data, as GAS computes it: x0 = 1, x(n+1) = x(n) * 1664525 + 1013904223 mod 2^32 (the
 * LCG of Numerical Recipes). Made by the assembler so that the C file stays small. */
__asm__(".section .rodata.blob,\"a\",@progbits\n"
	".balign 64\n"
	"blob:\n"
	".set blob_x, 1\n"
	".rept 655360\n"
	".long blob_x\n"
	".set blob_x, (blob_x * 1664525 + 1013904223) & 0xffffffff\n"
	".endr\n"
	".previous\n");
extern const uint32_t blob[BLOB_WORDS];

static unsigned bad;

static void check_data(void)
{
	uint64_t hash = 0xcbf29ce484222325ull, start, end;
	uint32_t x = 1;
	unsigned wrong = 0;

	for (uint32_t i = 0; i < BLOB_WORDS; i++, x = x * LCG_MUL + LCG_ADD) {
		uint32_t w = blob[i];

		hash = (hash ^ w) * 0x100000001b3ull;
		if (w != x && wrong++ < 3)
			sdk_printf("bigimage: data word %u at %p is 0x%08x, want 0x%08x", i,
				   (const void *)&blob[i], w, x);
	}
	bad += wrong;
	sdk_image(&start, &end);
	sdk_printf(
	    "bigimage: image 0x%llx-0x%llx (%llu KiB), %u KiB of data, checksum 0x%016llx, %s",
	    (unsigned long long)start, (unsigned long long)end,
	    (unsigned long long)((end - start) >> 10), (unsigned)(BLOB_WORDS * 4 / 1024),
	    (unsigned long long)hash, wrong ? "BAD" : "ok");
}

/* Fill [from, to) with each word's address (xor a key), then read it all back. */
static uint64_t test_range(unsigned n, uint64_t from, uint64_t to, unsigned *wrong)
{
	const uint64_t key = 0x5a5a5a5a00000000ull ^ ((uint64_t)n << 56);
	volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)from;
	uint64_t words = (to - from) / 8;

	for (uint64_t i = 0; i < words; i++)
		p[i] = (from + i * 8) ^ key;
	for (uint64_t i = 0; i < words; i++) {
		uint64_t want = (from + i * 8) ^ key, got = p[i];

		if (got != want && (*wrong)++ < 3)
			sdk_printf("bigimage: ram[%u] 0x%llx reads 0x%llx, want 0x%llx", n,
				   (unsigned long long)(from + i * 8), (unsigned long long)got,
				   (unsigned long long)want);
	}
	return words * 8;
}

static void check_ram(unsigned n, const struct sdk_ram *r, uint64_t limit)
{
	uint64_t start = r->start, end = r->start + r->size, img0, img1, done = 0;
	unsigned wrong = 0;

	sdk_image(&img0, &img1);
	img1 = (img1 + 4095) & ~4095ull;
	if (start < MIB)
		start = MIB;
	if (end > start && end - start > limit)
		end = start + limit;
	/* [start, end) less the image: the part below it, then the part above. */
	if (start < end && start < img0)
		done += test_range(n, start, end < img0 ? end : img0, &wrong);
	if (start < end && end > img1)
		done += test_range(n, start > img1 ? start : img1, end, &wrong);
	bad += wrong;
	sdk_printf("bigimage: ram[%u] 0x%llx-0x%llx: %llu bytes written and read back, %s", n,
		   (unsigned long long)r->start, (unsigned long long)(r->start + r->size),
		   (unsigned long long)done, wrong ? "BAD" : "ok");
}

int main(const struct sdk_env *env)
{
	uint64_t limit = sdk_cmdline_u64("max_mib", 64) * MIB;
	const struct sdk_ram *ram;
	unsigned count;

	sdk_printf("bigimage: start, apic id %u, tsc %llu kHz, %s", sdk_apic_id(),
		   (unsigned long long)env->tsc_khz, env->bulkhead ? "bulkhead" : "bare");
	check_data();
	ram = sdk_ram_regions(&count);
	for (unsigned i = 0; i < count; i++)
		check_ram(i, &ram[i], limit);
	sdk_printf("bigimage: done, %u ram regions, %u bad", count, bad);
	return bad ? 1 : 0;
}
