/*
 * Fuzz the bzImage header checks (core/bzimage.c). The first 24 bytes are bzimage_fits()'s
 * load address, RAM base and RAM size (u64 little-endian each); the rest is the image given
 * to bzimage_parse(). A successful parse must keep bzimage.h's promises, and a "fits" answer
 * must really fit.
 */
#include "core/bzimage.h"
#include "tests/fuzz/fuzz.h"

#define FITS_ARGS 24

static bool pow2(u64 v)
{
	return v && !(v & (v - 1));
}

static void check_fits(const struct bzimage *bz, u64 load, u64 base, u64 size)
{
	u64 need = bz->init_size > bz->kernel_size ? bz->init_size : bz->kernel_size;

	if (!bzimage_fits(bz, load, base, size))
		return;
	FUZZ_ASSERT(load >= base && load - base <= size && need <= size - (load - base));
	if (bz->relocatable)
		FUZZ_ASSERT(load % bz->kernel_alignment == 0);
	else
		FUZZ_ASSERT(load == bz->pref_address);
	if (!(bz->xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G))
		FUZZ_ASSERT(load <= 4 * GiB && need <= 4 * GiB - load);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader r = {data, size};
	u64 load = fuzz_u64(&r), base = fuzz_u64(&r), ram = fuzz_u64(&r);
	const u8 *img = r.p;
	size_t len = r.left;
	struct bzimage bz;

	fuzz_begin();
	bzimage_is_bzimage(img, len);
	if (bzimage_parse(img, len, "fuzz", &bz) != 0) {
		FUZZ_ASSERT(!bzimage_fits(&bz, load, base, ram)); /* zeroed on failure */
		return 0;
	}
	FUZZ_ASSERT(bz.protocol >= BZIMAGE_MIN_PROTOCOL && bz.has_64bit_entry);
	FUZZ_ASSERT(bz.xloadflags & XLF_KERNEL_64);
	FUZZ_ASSERT(bz.setup_sects >= 1 && bz.setup_size == (bz.setup_sects + 1u) * 512u);
	FUZZ_ASSERT(bz.kernel_offset == bz.setup_size);
	FUZZ_ASSERT(bz.header_end <= 0x301 && bz.header_end < bz.setup_size);
	FUZZ_ASSERT(bz.kernel_size > 0 && bz.kernel_offset + bz.kernel_size == len);
	FUZZ_ASSERT(bz.init_size > 0);
	if (bz.relocatable)
		FUZZ_ASSERT(pow2(bz.kernel_alignment));
	check_fits(&bz, load, base, ram);
	/* The loader's own questions: pref_address, and 1 MiB aligned up, in 64 MiB at 0. */
	check_fits(&bz, bz.pref_address, 0, 64 * MiB);
	check_fits(&bz, align_up(1 * MiB, bz.kernel_alignment ? bz.kernel_alignment : 1), 0,
		   64 * MiB);
	return 0;
}
