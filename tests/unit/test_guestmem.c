/* Unit tests for core/guestmem.c: which guest-physical ranges a partition's RAM holds. The
 * loaders and the print hypercall trust the answer to write and read only the partition's
 * own RAM, so every edge is tried: a range that starts inside a region and ends past it, one
 * that ends exactly at the end, one that wraps around 2^64, and ranges over MMIO or shared
 * windows. */
#include "core/guestmem.h"
#include "tests/unit/check.h"

#define CHECK_STR(got, want)                                                                       \
	do {                                                                                       \
		if (strcmp((got), (want)) != 0) {                                                  \
			printf("  check failed: \"%s\" is \"%s\" (%s:%d)\n", got, want, __FILE__,  \
			       __LINE__);                                                          \
			check_failed_in_test = 1;                                                  \
		}                                                                                  \
	} while (0)

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

/* The loader's refusal names what a range meets: the one RAM region it runs out of, the
 * regions it spans, the region that is not RAM, or every RAM region when it meets none. */
static void test_why_not(void)
{
	struct partition_config c = row();
	char why[200] = "untouched";

	CHECK(!guest_ram_why_not(&c, 0x100000, 0x10000, why, sizeof(why)));
	CHECK(strcmp(why, "untouched") == 0);
	CHECK(guest_ram_why_not(&c, 1 * MiB, 2 * MiB - 4096, why, sizeof(why)));
	CHECK_STR(why, "spans mem[0] (RAM guest 0x0-0x200000) and mem[1] (MMIO guest "
		       "0x200000-0x201000); it must lie in one RAM region");
	CHECK(guest_ram_why_not(&c, 16 * MiB + 4096, 1 * MiB, why, sizeof(why)));
	CHECK_STR(why, "runs past the end of mem[2] (RAM guest 0x1000000-0x1100000)");
	CHECK(guest_ram_why_not(&c, 16 * MiB - 4096, 8192, why, sizeof(why)));
	CHECK_STR(why, "starts below mem[2] (RAM guest 0x1000000-0x1100000)");
	CHECK(guest_ram_why_not(&c, 32 * MiB, 16, why, sizeof(why)));
	CHECK_STR(why, "is in mem[3] (SHARED guest 0x2000000-0x2001000), not RAM");
	CHECK(guest_ram_why_not(&c, 4 * MiB, 1 * MiB, why, sizeof(why)));
	CHECK_STR(why, "is in no region of the partition; its RAM is mem[0] (RAM guest "
		       "0x0-0x200000), mem[2] (RAM guest 0x1000000-0x1100000)");
	CHECK(guest_ram_why_not(&c, 1 * MiB, 15 * MiB + 4096, why, sizeof(why)));
	CHECK_STR(why, "spans mem[0] (RAM guest 0x0-0x200000), mem[1] (MMIO guest "
		       "0x200000-0x201000) and mem[2] (RAM guest 0x1000000-0x1100000); it must "
		       "lie in one RAM region");
	CHECK(guest_ram_why_not(&c, ~0ULL - 4095, 8192, why, sizeof(why)));
	CHECK_STR(why, "wraps past the top of the address space");
	/* Cut to the buffer, always terminated. */
	CHECK(guest_ram_why_not(&c, 4 * MiB, 1 * MiB, why, 24));
	CHECK_STR(why, "is in no region of the ");
	c.mem.count = 1;
	c.mem.r[0].kind = REGION_MMIO;
	CHECK(guest_ram_why_not(&c, 4 * MiB, 1, why, sizeof(why)));
	CHECK_STR(why, "is in no region of the partition; it has no RAM");
}

int main(void)
{
	RUN(test_inside);
	RUN(test_runs_past_end);
	RUN(test_wrap);
	RUN(test_not_ram);
	RUN(test_why_not);
	CHECK_MAIN_END();
}
