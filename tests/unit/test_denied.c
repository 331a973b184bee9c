/* Unit tests for core/denied.c: refusals named once per partition and thing. */
#include <stdio.h>
#include <string.h>

#include "arch/x86/arch.h"
#include "core/denied.h"
#include "core/upcalls.h"
#include "core/partition.h"
#include "core/log.h"
#include "tests/unit/check.h"

const char *partition_name(u32 i)
{
	static const char *const names[] = {"rt0", "rt1", "linux", "p3"};

	return i < 4 ? names[i] : "?";
}

static void test_port_named_once(void)
{
	denied_port(0, 0x43, false);
	denied_port(0, 0x43, false);
	denied_port(0, 0xcfc, true);
	CHECK_LOG("partition rt0: port 0x43 not granted: write dropped (reported once)\n");
	CHECK_LOG("partition rt0: port 0xcfc not granted: read gives all-ones (reported once)\n");
	CHECK_EQ(capture_lines(), 2);
	/* Another partition's first access to the same port is news again. */
	denied_port(1, 0x43, false);
	CHECK_LOG("partition rt1: port 0x43 not granted: write dropped (reported once)\n");
	CHECK_EQ(capture_lines(), 3);
}

/* A sweep of every port: 32 are named, one line says the rest are not, and nothing more
 * comes however often the partition tries again; another partition is named afresh. */
static void test_port_sweep_bounded(void)
{
	for (u32 round = 0; round < 2; round++)
		for (u32 port = 0; port < 0x10000; port++)
			denied_port(3, port, port & 1);
	CHECK_LOG("partition p3: port 0x0 not granted: write dropped (reported once)\n");
	CHECK_LOG("partition p3: port 0x1f not granted: read gives all-ones (reported once)\n");
	CHECK(!capture_has("port 0x20 not granted"));
	CHECK_LOG("partition p3: further port refusals are not named\n");
	CHECK_EQ(capture_lines(), 33);
	denied_port(1, 0xffff, true);
	CHECK_LOG("partition rt1: port 0xffff not granted: read gives all-ones (reported once)\n");
	CHECK_EQ(capture_lines(), 34);
}

/* A fault is a warning, an ignored instruction is information: `loglevel=warn` hides it. */
static void test_refusal_levels(void)
{
	partition_refused(0, 0x200000001bULL, true, "wrmsr 0x1b", "#GP");
	partition_refused(0, 0x200000001bULL, true, "wrmsr 0x1b", "#GP");
	partition_refused(0, 0xd00000000ULL, false, "invd", "ignored");
	CHECK_LOG("partition rt0: wrmsr 0x1b not granted: #GP (reported once)\n");
	CHECK_LOG("partition rt0: invd not granted: ignored (reported once)\n");
	CHECK_EQ(capture_lines(), 2);
	capture_reset();
	log_set_level(LOG_WARN);
	partition_refused(1, 0x3600000000ULL, false, "wbinvd", "ignored");
	partition_refused(1, 0x1b00000000ULL, true, "vmxon", "#UD");
	log_set_level(LOG_INFO);
	CHECK_LOG("partition rt1: vmxon not granted: #UD (reported once)\n");
	CHECK_EQ(capture_lines(), 1);
}

/* A guest that tries thing after thing: 32 are named, then one line says the rest are not,
 * and nothing more comes, whatever it tries. Other partitions are not affected. */
static void test_list_full(void)
{
	char what[32];
	u32 i;

	for (i = 0; i < 40; i++) {
		snprintf(what, sizeof(what), "wrmsr 0x%x", 0x1000 + i);
		partition_refused(2, 0x2000001000ULL + i, true, what, "#GP");
	}
	CHECK_LOG("partition linux: wrmsr 0x101f not granted: #GP (reported once)\n");
	CHECK(!capture_has("wrmsr 0x1020"));
	CHECK_LOG("partition linux: further refusals are not named\n");
	CHECK_EQ(capture_lines(), 33);
	partition_refused(2, 0x2000001000ULL, true, "wrmsr 0x1000", "#GP"); /* named before */
	partition_refused(2, 0x2000002000ULL, true, "wrmsr 0x2000", "#GP");
	CHECK_EQ(capture_lines(), 33);
	partition_refused(3, 0x2000001000ULL, true, "wrmsr 0x1000", "#GP");
	CHECK_LOG("partition p3: wrmsr 0x1000 not granted: #GP (reported once)\n");
	CHECK_EQ(capture_lines(), 34);
}

int main(void)
{
	RUN(test_port_named_once);
	RUN(test_port_sweep_bounded);
	RUN(test_refusal_levels);
	RUN(test_list_full);
	return check_total_failed ? 1 : 0;
}
