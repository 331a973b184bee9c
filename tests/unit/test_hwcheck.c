/* The hardware check's decoding and report, fed with capability values read in Bochs. */
#include <stddef.h>

#include "arch/x86/hwcheck.h"
#include "arch/x86/vmx.h"
#include "core/lib/format.h"
#include "core/log.h"
#include "tests/unit/check.h"

/* Bochs 2.7, cpu model corei7_icelake_u (values in docs/testing.md). */
static struct hw_caps icelake(void)
{
	struct hw_caps c = {0};

	c.cpuid1_ecx = (1u << 5) | (1u << 21) | (1u << 24);
	c.ext_80000007_edx = 1u << 8;
	c.fc_state = FC_LOCKED_ON;
	c.feature_control = 5;
	c.vmx_basic = 0x00d8100000000004ULL;
	c.vmx_pinbased = 0x0000007f00000016ULL; /* the TRUE MSRs: basic bit 55 is set */
	c.vmx_procbased = 0xfff9fffe04006172ULL;
	c.vmx_procbased2 = 0x02977fff00000000ULL;
	c.vmx_exit = 0x007fffff00036dfbULL;
	c.vmx_entry = 0x0000ffff000011fbULL;
	c.vmx_ept_vpid = 0x00000f0106334141ULL;
	c.vmx_misc = 0x600401e0ULL;
	return c;
}

static void all_required_present(void)
{
	struct hw_caps c[2] = {icelake(), icelake()};
	u32 ids[2] = {0, 1};
	char why[256];

	CHECK(hwcheck_report(c, ids, 2, why, sizeof(why)));
	CHECK_EQ(why[0], 0);
	for (int f = 0; f < HW_FEATURE_COUNT; f++)
		CHECK(f == HW_CAT || hw_has(&c[0], f));
	CHECK_LOG("hwcheck: ept-1g               yes    optional\n");
	CHECK_LOG("(locked by firmware, vmx on)");
	CHECK_LOG("preemption timer rate tsc >> 0");
	CHECK(!capture_has("differs"));
}

static void no_vmx_names_only_vmx(void)
{
	struct hw_caps c = {0};
	u32 id = 0;
	char why[256];

	CHECK(!hwcheck_report(&c, &id, 1, why, sizeof(why)));
	CHECK(!strncmp(why, "missing vmx (", 13));
	CHECK(!strstr(why, "ept"));
}

static void no_ept(void)
{
	struct hw_caps c = icelake();
	u32 id = 0;
	char why[256];

	c.vmx_procbased2 &= ~(((1ULL << 1) | (1ULL << 7)) << 32); /* no EPT, no unrestricted */
	CHECK(!hw_has(&c, HW_EPT));
	CHECK(!hw_has(&c, HW_EPT_4LEVEL)); /* EPT caps mean nothing without EPT */
	CHECK(!hwcheck_report(&c, &id, 1, why, sizeof(why)));
	CHECK(strstr(why, "missing ept (") == why);
	CHECK(strstr(why, "unrestricted-guest"));
	CHECK(!strstr(why, "ept-4level")); /* reported through its parent */
}

static void no_secondary_controls(void)
{
	struct hw_caps c = icelake();

	c.vmx_procbased &= ~(1ULL << 63);
	CHECK(!hw_has(&c, HW_EPT));
	CHECK(!hw_has(&c, HW_VPID));
	CHECK(!hw_has(&c, HW_UNRESTRICTED));
}

static void ept_without_wb(void)
{
	struct hw_caps c = icelake();
	u32 id = 0;
	char why[256];

	c.vmx_ept_vpid &= ~(1ULL << 14);
	CHECK(!hwcheck_report(&c, &id, 1, why, sizeof(why)));
	CHECK(!strncmp(why, "missing ept-wb (", 16));
}

static void feature_control_locked_off(void)
{
	struct hw_caps c = icelake();
	u32 id = 0;
	char why[256];

	c.fc_state = FC_LOCKED_OFF;
	c.feature_control = 1;
	CHECK(!hwcheck_report(&c, &id, 1, why, sizeof(why)));
	CHECK(strstr(why, "missing feature-control (IA32_FEATURE_CONTROL locked with VMX off"));
	CHECK_LOG("(locked by firmware, vmx off)");
}

static void feature_control_set_by_us(void)
{
	struct hw_caps c = icelake();
	u32 id = 0;
	char why[256];

	c.fc_state = FC_SET_BY_US;
	CHECK(hwcheck_report(&c, &id, 1, why, sizeof(why)));
	CHECK_LOG("vmx enabled and locked by bulkhead");
}

static void differing_cpus_are_named(void)
{
	struct hw_caps c[3] = {icelake(), icelake(), icelake()};
	u32 ids[3] = {0, 2, 4};
	char why[256];

	c[2].vmx_ept_vpid &= ~(1ULL << 17); /* cpu 2 lacks 1 GiB pages: optional */
	CHECK(hwcheck_report(c, ids, 3, why, sizeof(why)));
	CHECK_LOG("hwcheck: cpu 2 (apic id 4) differs from cpu 0: ept-1g no\n");
	CHECK_LOG("hwcheck: ept-1g               mixed");
	CHECK(!capture_has("cpu 1 (apic id 2) differs"));

	c[1].cpuid1_ecx &= ~(1u << 5); /* cpu 1 has no VMX at all: required */
	capture_reset();
	CHECK(!hwcheck_report(c, ids, 3, why, sizeof(why)));
	CHECK(strstr(why, "missing vmx (") == why);
	CHECK(strstr(why, "on some cpus"));
	CHECK_LOG("hwcheck: cpu 1 (apic id 2) differs from cpu 0: vmx no\n");
}

/* Each control Bulkhead needs to contain a partition, when the CPU cannot set it, is named
 * in the verdict (the "vmx unavailable: missing <control>" line), not dropped silently. */
static void missing_control_named(size_t field, u64 clear, const char *name)
{
	struct hw_caps c = icelake();
	u32 id = 0;
	char why[256], want[40];

	*(u64 *)((char *)&c + field) &= ~clear;
	CHECK(!hwcheck_report(&c, &id, 1, why, sizeof(why)));
	format(want, sizeof(want), "missing %s (", name);
	CHECK(strstr(why, want) == why);
}

static void missing_controls_are_named(void)
{
#define AT(f) offsetof(struct hw_caps, f)
	missing_control_named(AT(vmx_pinbased), 1ULL << (32 + 5), "virtual-nmis");
	missing_control_named(AT(vmx_pinbased), 1ULL << (32 + 3), "virtual-nmis");
	missing_control_named(AT(vmx_procbased), 1ULL << (32 + 22), "virtual-nmis");
	missing_control_named(AT(vmx_procbased), 1ULL << (32 + 25), "io-msr-bitmaps");
	missing_control_named(AT(vmx_procbased), 1ULL << (32 + 28), "io-msr-bitmaps");
	missing_control_named(AT(vmx_procbased2), 1ULL << (32 + 6), "wbinvd-exiting");
	missing_control_named(AT(vmx_exit), 1ULL << (32 + 2), "state-switch");
	missing_control_named(AT(vmx_exit), 1ULL << (32 + 21), "state-switch");
	missing_control_named(AT(vmx_entry), 1ULL << (32 + 2), "state-switch");
	missing_control_named(AT(vmx_entry), 1ULL << (32 + 14), "state-switch");
	missing_control_named(AT(vmx_ept_vpid), 1ULL << 20, "invept");
	missing_control_named(AT(vmx_ept_vpid), (1ULL << 25) | (1ULL << 26), "invept");
	missing_control_named(AT(vmx_misc), 1ULL << 8, "wait-for-sipi");
#undef AT
}

/* Without TRUE controls (IA32_VMX_BASIC bit 55 clear), CR3-load and -store exiting are
 * default-1: every CR3 write of a partition would exit, which Bulkhead does not handle. */
static void cr3_exiting_forced_refused(void)
{
	struct hw_caps c = icelake();
	u32 id = 0;
	char why[256];

	c.vmx_procbased |= (1ULL << 15) | (1ULL << 16);
	CHECK(!hwcheck_report(&c, &id, 1, why, sizeof(why)));
	CHECK(strstr(why, "missing cr3-no-exit (") == why);
}

/* Without an x2APIC the ICR a partition writes could only reach a host WRMSR that faults:
 * such a machine is refused at boot. */
static void no_x2apic_refused(void)
{
	struct hw_caps c = icelake();
	u32 id = 0;
	char why[256];

	c.cpuid1_ecx &= ~(1u << 21);
	CHECK(!hwcheck_report(&c, &id, 1, why, sizeof(why)));
	CHECK(strstr(why, "missing x2apic (") == why);
}

/* The TRUE control MSRs are read only where IA32_VMX_BASIC bit 55 says they exist. */
static void true_msrs_only_with_basic_bit_55(void)
{
	CHECK_EQ(vmx_control_msr(0x00d8100000000004ULL, VMX_PIN), 0x48d);
	CHECK_EQ(vmx_control_msr(0x00d8100000000004ULL, VMX_PROC), 0x48e);
	CHECK_EQ(vmx_control_msr(0x00d8100000000004ULL, VMX_EXIT), 0x48f);
	CHECK_EQ(vmx_control_msr(0x00d8100000000004ULL, VMX_ENTRY), 0x490);
	CHECK_EQ(vmx_control_msr(0x0058100000000004ULL, VMX_PIN), 0x481);
	CHECK_EQ(vmx_control_msr(0x0058100000000004ULL, VMX_PROC), 0x482);
	CHECK_EQ(vmx_control_msr(0x0058100000000004ULL, VMX_EXIT), 0x483);
	CHECK_EQ(vmx_control_msr(0x0058100000000004ULL, VMX_ENTRY), 0x484);
}

static void why_is_bounded(void)
{
	struct hw_caps c = icelake();
	u32 id = 0;
	char why[24];

	c.vmx_procbased2 = 0;
	CHECK(!hwcheck_report(&c, &id, 1, why, sizeof(why)));
	CHECK(strlen(why) == sizeof(why) - 1);
}

int main(void)
{
	RUN(all_required_present);
	RUN(no_vmx_names_only_vmx);
	RUN(no_ept);
	RUN(no_secondary_controls);
	RUN(ept_without_wb);
	RUN(feature_control_locked_off);
	RUN(feature_control_set_by_us);
	RUN(differing_cpus_are_named);
	RUN(missing_controls_are_named);
	RUN(no_x2apic_refused);
	RUN(cr3_exiting_forced_refused);
	RUN(true_msrs_only_with_basic_bit_55);
	RUN(why_is_bounded);
	CHECK_MAIN_END();
}
