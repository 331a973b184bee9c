/*
 * Fuzz the Linux loader's preparation (core/linux.c) over a fixed partition row, as
 * tests/unit/test_linux.c sets one up: two RAM regions backed by heap buffers (guest
 * [0, 2 MiB) and [16 MiB, 24 MiB)), CPUs {1, 2}. Byte 0 of the input says whether there is an
 * initrd (bit 0) and, if so, bytes 1-2 its length (taken from the end of the input); the rest
 * is the kernel. linux_prepare() must either refuse it or choose addresses that lie in the
 * row's RAM without overlapping each other or the low megabyte; linux_load() then writes
 * everything into the heap-backed RAM (ASan sees any write outside it).
 */
#include <string.h>

#include "core/guestmem.h"
#include "core/linux.h"
#include "tests/fuzz/fuzz.h"

static struct partition_config cfg;

static void setup(void)
{
	static const struct {
		u64 guest, size;
	} regions[] = {{0, 2 * MiB}, {16 * MiB, 8 * MiB}};

	cfg.name = "linux";
	cfg.kind = PART_LINUX;
	cfg.cpus.apic_id[0] = 1;
	cfg.cpus.apic_id[1] = 2;
	cfg.cpus.count = 2;
	cfg.cmdline = "console=ttyS0";
	for (size_t i = 0; i < ARRAY_SIZE(regions); i++) {
		u8 *ram = calloc(1, regions[i].size);

		if (!ram)
			abort();
		cfg.mem.r[i] = (struct pt_region){.phys = (u64)(uintptr_t)ram,
						  .size = regions[i].size,
						  .guest = regions[i].guest,
						  .access = MEM_RWX,
						  .kind = REGION_RAM};
	}
	cfg.mem.count = ARRAY_SIZE(regions);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_reader r = {data, size};
	struct linux_boot lb;
	struct arch_vm_entry e;
	const u8 *initrd = NULL;
	u64 initrd_len = 0, need;
	char why[160];

	if (!cfg.mem.count)
		setup();
	fuzz_begin();
	if (fuzz_u8(&r) & 1) {
		initrd_len = fuzz_u16(&r);
		if (initrd_len > r.left)
			initrd_len = r.left;
		initrd = r.p + r.left - initrd_len;
		r.left -= initrd_len;
	}
	why[0] = 0;
	if (linux_prepare(&cfg, r.p, r.left, initrd, initrd_len, &lb, why, sizeof(why)) != 0) {
		FUZZ_ASSERT(why[0] && memchr(why, 0, sizeof(why)));
		return 0;
	}
	need = lb.bz.init_size > lb.bz.kernel_size ? lb.bz.init_size : lb.bz.kernel_size;
	FUZZ_ASSERT(guest_ram_holding(&cfg, lb.load_gpa, need));
	/* The zero page, command line and ACPI tables live below 1 MiB. */
	FUZZ_ASSERT(lb.load_gpa >= LINUX_HIGH_START);
	if (initrd) {
		/* An empty initrd may sit at the very end of the RAM region: nothing is copied. */
		FUZZ_ASSERT(lb.initrd_gpa && guest_ram_holding(&cfg, lb.initrd_gpa, initrd_len));
		FUZZ_ASSERT(lb.initrd_gpa >= lb.load_gpa + need ||
			    lb.initrd_gpa + initrd_len <= lb.load_gpa);
		FUZZ_ASSERT(lb.initrd_gpa + initrd_len - 1 <= lb.bz.initrd_addr_max);
	}
	linux_load(&cfg, &lb, cfg.cmdline, &e);
	FUZZ_ASSERT(e.rip == lb.load_gpa);
	return 0;
}
