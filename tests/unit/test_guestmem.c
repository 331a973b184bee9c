/* Unit tests for core/guestmem.c: which guest-physical ranges a partition's RAM holds. The
 * loaders and the print hypercall trust the answer to write and read only the partition's
 * own RAM, so every edge is tried: a range that starts inside a region and ends past it, one
 * that ends exactly at the end, one that wraps around 2^64, and ranges over MMIO or shared
 * windows. */
#include "core/guestmem.h"
#include "tests/unit/check.h"

static struct partition_config row(void)
{
	struct partition_config c = {.name = "p"};

	/* RAM [0, 2 MiB) at host 0x4000000; MMIO [2 MiB, +4 KiB); RAM [16 MiB, +1 MiB) at host
	 * 0x5000000; a shared window [32 MiB, +4 KiB). */
	c.mem.r[0] = (struct pt_region){0x4000000, 2 * MiB, 0, MEM_RWX, REGION_RAM};
	c.mem.r[1] = (struct pt_region){0xfed00000, 0x1000, 2 * MiB, MEM_R | MEM_W, REGION_MMIO};
	c.mem.r[2] = (struct pt_region){0x5000000, 1 * MiB, 16 * MiB, MEM_RWX, REGION_RAM};
	c.mem.r[3] = (struct pt_region){0x6000000, 0x1000, 32 * MiB, MEM_RWX, REGION_SHARED};
	c.mem.count = 4;
	return c;
}

static void test_inside(void)
{
	struct partition_config c = row();

	CHECK(guest_ram_holding(&c, 0, 2 * MiB) == &c.mem.r[0]);
	CHECK(guest_ram_holding(&c, 2 * MiB - 1, 1) == &c.mem.r[0]);
	CHECK(guest_ram_holding(&c, 16 * MiB + 4096, 8) == &c.mem.r[2]);
	CHECK(guest_ram_holding(&c, 17 * MiB - 8, 8) == &c.mem.r[2]);
	CHECK_EQ((u64)(uintptr_t)guest_host_ptr(&c, 0x1234, 16), 0x4001234);
	CHECK_EQ((u64)(uintptr_t)guest_host_ptr(&c, 16 * MiB + 0x10, 1), 0x5000010);
}

/* A range that starts inside RAM but runs past its end is not held, by any amount. */
static void test_runs_past_end(void)
{
	struct partition_config c = row();

	CHECK(!guest_ram_holding(&c, 2 * MiB - 1, 2));
	CHECK(!guest_ram_holding(&c, 0, 2 * MiB + 1));
	CHECK(!guest_ram_holding(&c, 1 * MiB, 2 * MiB));
	CHECK(!guest_ram_holding(&c, 17 * MiB - 8, 9));
	CHECK(!guest_ram_holding(&c, 16 * MiB, 14 * MiB)); /* up to the shared window */
	CHECK(!guest_host_ptr(&c, 2 * MiB - 4, 8));
}

/* Lengths and addresses that wrap around 2^64 are refused, not folded back into RAM. */
static void test_wrap(void)
{
	struct partition_config c = row();

	CHECK(!guest_ram_holding(&c, 4096, ~0ULL));
	CHECK(!guest_ram_holding(&c, ~0ULL, 2));
	CHECK(!guest_ram_holding(&c, ~0ULL - 4095, 8192));
	CHECK(!guest_ram_holding(&c, 16 * MiB + 8, ~0ULL - 4));
}

/* Only RAM counts: MMIO, shared windows, holes between regions and gpa below a region
 * are not RAM the loaders may use. */
static void test_not_ram(void)
{
	struct partition_config c = row();

	CHECK(!guest_ram_holding(&c, 2 * MiB, 16));
	CHECK(!guest_ram_holding(&c, 32 * MiB, 16));
	CHECK(!guest_ram_holding(&c, 3 * MiB, 16));
	CHECK(!guest_ram_holding(&c, 16 * MiB - 4, 8));
	CHECK(guest_first_ram(&c) == &c.mem.r[0]);
	c.mem.r[0].kind = REGION_MMIO;
	CHECK(guest_first_ram(&c) == &c.mem.r[2]);
	c.mem.count = 2;
	CHECK(!guest_first_ram(&c));
	CHECK(!guest_ram_holding(&c, 0, 1));
}

int main(void)
{
	RUN(test_inside);
	RUN(test_runs_past_end);
	RUN(test_wrap);
	RUN(test_not_ram);
	CHECK_MAIN_END();
}
