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

/* A reader over a table of values, recording what was read, in order. */
struct fake_cpu {
	u32 max_leaf, max_ext, leaf1_ecx, leaf7_ebx;
	u64 msr[0x20]; /* 0x480 + i */
	u32 fail_msr;
	u32 read[32];
	u32 nread;
};

static bool fake_cpuid(void *ctx, u32 leaf, u32 subleaf, u32 regs[4])
{
	struct fake_cpu *f = ctx;

	(void)subleaf;
	regs[0] = regs[1] = regs[2] = regs[3] = 0;
	if (f->nread < 32)
		f->read[f->nread++] = leaf;
	if (leaf == 0)
		regs[0] = f->max_leaf;
	else if (leaf == 0x80000000)
		regs[0] = f->max_ext;
	else if (leaf == 1)
		regs[2] = f->leaf1_ecx;
	else if (leaf == 7)
		regs[1] = f->leaf7_ebx;
	else if (leaf == 0x10)
		regs[1] = 1u << 1;
	else if (leaf == 0x80000007)
		regs[3] = 1u << 8;
	return true;
}

static bool fake_rdmsr(void *ctx, u32 msr, u64 *value)
{
	struct fake_cpu *f = ctx;

	if (f->nread < 32)
		f->read[f->nread++] = msr;
	if (msr == f->fail_msr || msr < 0x480 || msr >= 0x4a0)
		return false;
	*value = f->msr[msr - 0x480];
	return true;
}

static void fake_from(struct fake_cpu *f, const struct hw_caps *c)
{
	*f = (struct fake_cpu){0};
	f->msr[0] = c->vmx_basic;
	f->msr[0x0d] = f->msr[1] = c->vmx_pinbased;
	f->msr[0x0e] = f->msr[2] = c->vmx_procbased;
	f->msr[0x0f] = f->msr[3] = c->vmx_exit;
	f->msr[0x10] = f->msr[4] = c->vmx_entry;
	f->msr[5] = c->vmx_misc;
	f->msr[0x0b] = c->vmx_procbased2;
	f->msr[0x0c] = c->vmx_ept_vpid;
}

/* The MSRs are read in the order each says the next exists: TRUE controls where BASIC bit 55
 * says so, PROCBASED2 only with secondary controls, EPT_VPID_CAP only with EPT or VPID. */
static void msrs_read_only_where_they_exist(void)
{
	static const u32 with_true[] = {0x480, 0x48d, 0x48e, 0x48f, 0x490, 0x485, 0x48b, 0x48c};
	static const u32 core2[] = {0x480, 0x481, 0x482, 0x483, 0x484, 0x485, 0x48b};
	struct hw_caps want = icelake(), got = {0};
	struct fake_cpu f;
	struct hw_reader r = {fake_cpuid, fake_rdmsr, &f};
	u32 failed = 0;

	fake_from(&f, &want);
	CHECK(hw_read_vmx_msrs(&got, &r, &failed));
	CHECK_EQ(f.nread, ARRAY_SIZE(with_true));
	for (u32 i = 0; i < ARRAY_SIZE(with_true) && i < f.nread; i++)
		CHECK_EQ(f.read[i], with_true[i]);
	CHECK_EQ(got.vmx_procbased, want.vmx_procbased);
	CHECK_EQ(got.vmx_ept_vpid, want.vmx_ept_vpid);

	/* Core 2 (Penryn): no TRUE controls, secondary controls without EPT or VPID. */
	want.vmx_basic = 0x005a08000000000dULL;
	want.vmx_procbased2 = 0x0000004100000000ULL;
	fake_from(&f, &want);
	got = (struct hw_caps){0};
	CHECK(hw_read_vmx_msrs(&got, &r, &failed));
	CHECK_EQ(f.nread, ARRAY_SIZE(core2));
	for (u32 i = 0; i < ARRAY_SIZE(core2) && i < f.nread; i++)
		CHECK_EQ(f.read[i], core2[i]);
	CHECK_EQ(got.vmx_ept_vpid, 0);

	want.vmx_procbased &= ~(1ULL << 63); /* no secondary controls: MISC is the last */
	fake_from(&f, &want);
	CHECK(hw_read_vmx_msrs(&got, &r, &failed));
	CHECK_EQ(f.read[f.nread - 1], 0x485);
}

static void msr_read_failure_is_named(void)
{
	struct hw_caps want = icelake(), got = {0};
	struct fake_cpu f;
	struct hw_reader r = {fake_cpuid, fake_rdmsr, &f};
	u32 failed = 0;

	fake_from(&f, &want);
	f.fail_msr = 0x48b;
	CHECK(!hw_read_vmx_msrs(&got, &r, &failed));
	CHECK_EQ(failed, 0x48b);
	CHECK_EQ(f.read[f.nread - 1], 0x48b);
}

/* CPUID leaves beyond the maximum the CPU names are not read. */
static void cpuid_leaves_within_the_maximum(void)
{
	struct fake_cpu f = {
	    .max_leaf = 0x1b, .max_ext = 0x80000008, .leaf1_ecx = 1u << 5, .leaf7_ebx = 1u << 15};
	struct hw_reader r = {fake_cpuid, fake_rdmsr, &f};
	struct hw_caps c = {0};

	CHECK(hw_read_cpuid(&c, &r));
	CHECK_EQ(f.nread, 6); /* 0, 0x80000000, 1, 7, 0x10, 0x80000007 */
	CHECK(hw_has(&c, HW_CAT));
	CHECK(hw_has(&c, HW_INVARIANT_TSC));

	f = (struct fake_cpu){.max_leaf = 6, .max_ext = 0x80000004};
	c = (struct hw_caps){0};
	CHECK(hw_read_cpuid(&c, &r));
	CHECK_EQ(f.nread, 3); /* neither leaf 7 nor 0x80000007 */
	CHECK(!hw_has(&c, HW_INVARIANT_TSC));
}

/* tools/hwcheck reads IA32_FEATURE_CONTROL without writing it: unlocked is fine (Bulkhead
 * locks it at boot), locked needs VMX outside SMX. */
static void feature_control_as_read(void)
{
	struct hw_caps c = icelake();
	u32 id = 0;
	char why[256];

	CHECK_EQ(hw_fc_state(0), FC_UNLOCKED);
	CHECK_EQ(hw_fc_state(4), FC_UNLOCKED);
	CHECK_EQ(hw_fc_state(1), FC_LOCKED_OFF);
	CHECK_EQ(hw_fc_state(3), FC_LOCKED_OFF); /* VMX inside SMX only */
	CHECK_EQ(hw_fc_state(5), FC_LOCKED_ON);
	c.fc_state = FC_UNLOCKED;
	c.feature_control = 0;
	CHECK(hw_has(&c, HW_FEATURE_CONTROL));
	CHECK(hwcheck_report(&c, &id, 1, why, sizeof(why)));
	CHECK_LOG("(unlocked; bulkhead will enable vmx and lock it)");
}

static void print_to_log(void *ctx, bool warning, const char *text)
{
	(void)ctx;
	log_msg(warning ? LOG_WARN : LOG_INFO, "%s", text);
}

/* Without the MSRs, what they decide is unknown: the verdict is "cannot tell" unless CPUID
 * alone already shows a required feature missing. */
static void unread_msrs_are_unknown(void)
{
	static const struct hw_printer out = {print_to_log, NULL};
	struct hw_caps c = icelake();
	u32 id = 0;
	char why[256];
	bool missing[HW_FEATURE_COUNT];

	c.msrs_unread = 1;
	c.fc_state = FC_NOT_READ;
	c.vmx_basic = c.vmx_procbased = c.vmx_procbased2 = 0;
	CHECK_EQ(hw_report(&c, &id, 1, &out, why, sizeof(why), missing), HW_CANNOT_TELL);
	CHECK_EQ(why[0], 0);
	CHECK_LOG("hwcheck: vmx                  yes    required\n");
	CHECK_LOG("hwcheck: feature-control      unknown required\n");
	CHECK_LOG("hwcheck: ept                  unknown required\n");
	CHECK_LOG("hwcheck: ept-2m               unknown optional\n");
	CHECK_LOG("hwcheck: x2apic               yes    required\n");
	CHECK(!capture_has("vmx basic")); /* no raw values: none were read */
	for (int f = 0; f < HW_FEATURE_COUNT; f++)
		CHECK(!missing[f]);

	c.cpuid1_ecx &= ~(1u << 21); /* no x2APIC: known from CPUID */
	capture_reset();
	CHECK_EQ(hw_report(&c, &id, 1, &out, why, sizeof(why), missing), HW_WILL_NOT_RUN);
	CHECK(strstr(why, "missing x2apic (") == why);
	CHECK(missing[HW_X2APIC]);
	CHECK(!missing[HW_EPT]);
}

/* missing[] names the root causes, as the verdict does. */
static void missing_are_root_causes(void)
{
	static const struct hw_printer out = {print_to_log, NULL};
	struct hw_caps c = icelake();
	u32 id = 0;
	char why[512];
	bool missing[HW_FEATURE_COUNT];

	c.vmx_procbased2 &= ~(((1ULL << 1) | (1ULL << 7)) << 32); /* no EPT, no unrestricted */
	CHECK_EQ(hw_report(&c, &id, 1, &out, why, sizeof(why), missing), HW_WILL_NOT_RUN);
	CHECK(missing[HW_EPT]);
	CHECK(missing[HW_UNRESTRICTED]);
	CHECK(!missing[HW_EPT_4LEVEL]);
	CHECK(!missing[HW_INVEPT]);
	CHECK(!missing[HW_VMX]);
	for (int f = 0; f < HW_FEATURE_COUNT; f++)
		CHECK(!missing[f] || (hw_features[f].required && hw_features[f].fix));
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
	RUN(msrs_read_only_where_they_exist);
	RUN(msr_read_failure_is_named);
	RUN(cpuid_leaves_within_the_maximum);
	RUN(feature_control_as_read);
	RUN(unread_msrs_are_unknown);
	RUN(missing_are_root_causes);
	CHECK_MAIN_END();
}
