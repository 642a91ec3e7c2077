/* hyperv/hv_cpuid: Hyper-V leaves as QEMU builds them, and the table transform. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include <linux/kvm.h>

#include "hyperv/hv_cpuid.h"
#include "hyperv/hv_features.h"
#include "hyperv/hv_proto.h"
#include "vmm/log.h"

#define B(f) HV_FEAT_BIT(HV_FEAT_##f)

static struct hv_config cfg_with(uint64_t features)
{
	struct hv_config c;

	hv_config_init(&c);
	c.features = features;
	return c;
}

static const struct kvm_cpuid_entry2 *find(const struct kvm_cpuid_entry2 *e,
					   int n, uint32_t fn)
{
	int i;

	for (i = 0; i < n; i++)
		if (e[i].function == fn)
			return &e[i];
	return NULL;
}

/* Like find(), but a missing leaf fails the test. */
static const struct kvm_cpuid_entry2 *get(const struct kvm_cpuid_entry2 *e,
					  int n, uint32_t fn)
{
	static const struct kvm_cpuid_entry2 none;
	const struct kvm_cpuid_entry2 *l = find(e, n, fn);

	if (!l) {
		fail_msg("leaf 0x%x missing", fn);
		return &none;
	}
	return l;
}

static void expect_leaf(const struct kvm_cpuid_entry2 *e, int n, uint32_t fn,
			uint32_t eax, uint32_t ebx, uint32_t ecx, uint32_t edx)
{
	const struct kvm_cpuid_entry2 *l = get(e, n, fn);

	assert_int_equal(l->index, 0);
	assert_int_equal(l->flags, 0);
	assert_int_equal(l->eax, eax);
	assert_int_equal(l->ebx, ebx);
	assert_int_equal(l->ecx, ecx);
	assert_int_equal(l->edx, edx);
}

static void test_set_field(void **state)
{
	uint32_t r = 0xFFFFFFFF;

	(void)state;
	assert_int_equal(hv_cpuid_set_field(&r, 16, 23, 0x5A), 0);
	assert_int_equal(r, 0xFF5AFFFF);
	assert_int_equal(hv_cpuid_set_field(&r, 16, 23, 0x100), -ERANGE);
	assert_int_equal(r, 0xFF5AFFFF);
	assert_int_equal(hv_cpuid_set_field(&r, 0, 31, 0x12345678), 0);
	assert_int_equal(r, 0x12345678);
	assert_int_equal(hv_cpuid_set_field(&r, 31, 31, 1), 0);
	assert_int_equal(r, 0x92345678);
	assert_int_equal(hv_cpuid_set_field(&r, 31, 31, 2), -ERANGE);
	assert_int_equal(hv_cpuid_set_field(&r, 8, 7, 0), -EINVAL);
	assert_int_equal(hv_cpuid_set_field(&r, 0, 32, 0), -EINVAL);
	assert_int_equal(r, 0x92345678);
	assert_int_equal(hv_cpuid_set_field(&r, 0, 23, 0xFFFFFF), 0);
	assert_int_equal(r, 0x92FFFFFF);
	assert_int_equal(hv_cpuid_set_field(&r, 0, 23, 0x1000000), -ERANGE);
}

static void test_off_gives_nothing(void **state)
{
	struct kvm_cpuid_entry2 e[HV_CPUID_MAX_LEAVES];
	struct hv_config c = cfg_with(0);

	(void)state;
	/* vendor/version alone do not enable Hyper-V */
	memcpy(c.vendor_id, "KVMKVMKVM\0\0\0", 12);
	c.ver_build = 1;
	assert_int_equal(hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES), 0);
}

/* HYPERV-REFERENCE.md 2.2, checklist items 2-3 */
static void test_minimal(void **state)
{
	struct kvm_cpuid_entry2 e[HV_CPUID_MAX_LEAVES];
	struct hv_config c = cfg_with(B(RELAXED));
	int n;

	(void)state;
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_int_equal(n, 6);
	expect_leaf(e, n, 0x40000000, 0x40000005, 0x7263694D, 0x666F736F, 0x76482074);
	expect_leaf(e, n, 0x40000001, 0x31237648, 0, 0, 0);
	expect_leaf(e, n, 0x40000002, 0x3839, 0x000A0000, 0, 0);
	expect_leaf(e, n, 0x40000003, HV_HYPERCALL_AVAILABLE, 0, 0,
		    HV_CPU_DYNAMIC_PARTITIONING_AVAILABLE);
	expect_leaf(e, n, 0x40000004, HV_RELAXED_TIMING_RECOMMENDED, 0xFFFFFFFF, 0, 0);
	expect_leaf(e, n, 0x40000005, 0xFFFFFFFF, 64, 0, 0);
	/* in order, starting at 0x40000000 */
	assert_int_equal(e[0].function, 0x40000000);
	assert_int_equal(e[5].function, 0x40000005);

	/* spinlocks alone switch Hyper-V on */
	c = cfg_with(0);
	c.spinlocks = 0xfff;
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_int_equal(n, 6);
	expect_leaf(e, n, 0x40000004, 0, 0xfff, 0, 0);
	expect_leaf(e, n, 0x40000003, HV_HYPERCALL_AVAILABLE, 0, 0,
		    HV_CPU_DYNAMIC_PARTITIONING_AVAILABLE);
}

static void test_windows_preset(void **state)
{
	struct kvm_cpuid_entry2 e[HV_CPUID_MAX_LEAVES];
	struct hv_config c;
	char err[128];
	int n;

	(void)state;
	hv_config_init(&c);
	assert_int_equal(hv_config_set(&c, "hv-windows", NULL, err, sizeof(err)), 0);
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_int_equal(n, 6);
	/* b0 runtime b1 refcount b2 synic b3 stimer b4 apic b5 hcall b6 vpindex
	 * b7 reset b9 ref TSC b11 frequencies */
	expect_leaf(e, n, 0x40000003, 0xAFF, HV_POST_MESSAGES | HV_SIGNAL_EVENTS, 0,
		    HV_CPU_DYNAMIC_PARTITIONING_AVAILABLE | HV_FREQUENCY_MSRS_AVAILABLE |
		    HV_GUEST_CRASH_MSR_AVAILABLE | HV_STIMER_DIRECT_MODE_AVAILABLE);
	/* b2 remote flush b3 APIC MSRs b5 relaxed b10 cluster IPI b11 ex masks */
	expect_leaf(e, n, 0x40000004, 0xC2C, 0x1fff, 0, 0);

	/* no userspace message handling, or KVM-only SynIC: no EBX bits */
	n = hv_cpuid_build(&c, false, e, HV_CPUID_MAX_LEAVES);
	assert_int_equal(get(e, n, 0x40000003)->ebx, 0);
	c.synic_kvm_only = true;
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_int_equal(get(e, n, 0x40000003)->ebx, 0);
}

static void test_vapic_avic_and_coresharing(void **state)
{
	struct kvm_cpuid_entry2 e[HV_CPUID_MAX_LEAVES];
	struct hv_config c = cfg_with(B(VAPIC) | B(AVIC));
	int n;

	(void)state;
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_int_equal(get(e, n, 0x40000004)->eax, HV_DEPRECATING_AEOI_RECOMMENDED);
	assert_int_equal(get(e, n, 0x40000003)->eax,
			 HV_APIC_ACCESS_AVAILABLE | HV_HYPERCALL_AVAILABLE);

	c = cfg_with(B(VAPIC));
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_int_equal(get(e, n, 0x40000004)->eax, HV_APIC_ACCESS_RECOMMENDED);

	c.no_nonarch_coresharing = HV_ON;
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_true(get(e, n, 0x40000004)->eax & HV_NO_NONARCH_CORESHARING);
	c.no_nonarch_coresharing = HV_AUTO;
	c.host_no_nonarch_cs = false;
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_false(get(e, n, 0x40000004)->eax & HV_NO_NONARCH_CORESHARING);
	c.host_no_nonarch_cs = true;
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_true(get(e, n, 0x40000004)->eax & HV_NO_NONARCH_CORESHARING);
	c.no_nonarch_coresharing = HV_OFF;
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_false(get(e, n, 0x40000004)->eax & HV_NO_NONARCH_CORESHARING);
}

static void test_nested_leaves(void **state)
{
	struct kvm_cpuid_entry2 e[HV_CPUID_MAX_LEAVES];
	struct hv_config c = cfg_with(B(VAPIC) | B(EVMCS));
	uint32_t fn;
	int n;

	(void)state;
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_int_equal(n, 11);
	assert_int_equal(get(e, n, 0x40000000)->eax, 0x4000000A);
	for (fn = 0x40000006; fn <= 0x40000009; fn++)
		expect_leaf(e, n, fn, 0, 0, 0, 0);
	expect_leaf(e, n, 0x4000000A, 0x0101, 0, 0, 0);	/* eVMCS 1..1 */
	assert_true(get(e, n, 0x40000004)->eax & HV_ENLIGHTENED_VMCS_RECOMMENDED);

	c = cfg_with(B(EMSR_BITMAP));
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_int_equal(n, 11);
	expect_leaf(e, n, 0x4000000A, HV_NESTED_MSR_BITMAP, 0, 0, 0);

	c = cfg_with(B(VAPIC) | B(TLBFLUSH_DIRECT));
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	expect_leaf(e, n, 0x4000000A, HV_NESTED_DIRECT_FLUSH, 0, 0, 0);

	/* no nested feature: no 0x40000006..A */
	c = cfg_with(B(VAPIC));
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_int_equal(n, 6);
	assert_null(find(e, n, 0x4000000A));
}

static void test_syndbg_leaves(void **state)
{
	struct kvm_cpuid_entry2 e[HV_CPUID_MAX_LEAVES];
	struct hv_config c = cfg_with(B(SYNDBG) | B(SYNIC) | B(RELAXED) | B(VPINDEX));
	int n;

	(void)state;
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_int_equal(n, 9);
	assert_int_equal(get(e, n, 0x40000000)->eax, 0x40000082);
	expect_leaf(e, n, 0x40000080, 0, 0x7263694D, 0x666F736F, 0x53562074);
	expect_leaf(e, n, 0x40000081, 0x31235356, 0, 0, 0);
	expect_leaf(e, n, 0x40000082, HV_SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING, 0, 0, 0);
	assert_true(get(e, n, 0x40000003)->edx & HV_FEATURE_DEBUG_MSRS_AVAILABLE);

	/* everything at once fills the maximum */
	c.features |= B(VAPIC) | B(EVMCS);
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	assert_int_equal(n, HV_CPUID_MAX_LEAVES);
	assert_int_equal(get(e, n, 0x40000000)->eax, 0x40000082);
	assert_int_equal(hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES - 1), -E2BIG);
}

static void test_capacity(void **state)
{
	struct kvm_cpuid_entry2 e[6];
	struct hv_config c = cfg_with(B(RELAXED));

	(void)state;
	assert_int_equal(hv_cpuid_build(&c, true, e, 5), -E2BIG);
	assert_int_equal(hv_cpuid_build(&c, true, e, 0), -E2BIG);
	assert_int_equal(hv_cpuid_build(&c, true, e, 6), 6);
}

static void test_identity(void **state)
{
	struct kvm_cpuid_entry2 e[HV_CPUID_MAX_LEAVES];
	struct hv_config c = cfg_with(B(RELAXED));
	int n;

	(void)state;
	memset(c.vendor_id, 0, sizeof(c.vendor_id));
	memcpy(c.vendor_id, "KVMKVMKVM", 9);
	c.ver_build = 0x1bbc;
	c.ver_major = 6;
	c.ver_minor = 1;
	c.ver_spack = 3;
	c.ver_sbranch = 0x12;
	c.ver_snumber = 0x345678;
	c.max_vps = 0x40;
	n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);
	expect_leaf(e, n, 0x40000000, 0x40000005, 0x4B4D564B, 0x564B4D56, 0x0000004D);
	expect_leaf(e, n, 0x40000002, 0x1bbc, 0x00060001, 3, 0x12345678);
	expect_leaf(e, n, 0x40000005, 0x40, 64, 0, 0);
	/* a snumber that skipped the parser's range check is refused */
	c.ver_snumber = 0x1000000;
	assert_int_equal(hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES), -ERANGE);
}

/* Table-driven: each feature (with its dependencies) sets all its bits. */
static void test_every_feature_bits(void **state)
{
	struct kvm_cpuid_entry2 e[HV_CPUID_MAX_LEAVES];
	unsigned f, j;

	(void)state;
	for (f = 0; f < HV_FEAT_COUNT; f++) {
		const struct hv_feature *ft = hv_feature_get(f);
		struct hv_config c = cfg_with(HV_FEAT_BIT(f) | ft->deps);
		int n = hv_cpuid_build(&c, true, e, HV_CPUID_MAX_LEAVES);

		assert_true(n >= 6);
		for (j = 0; j < HV_FEAT_MAX_CPUID; j++) {
			const struct kvm_cpuid_entry2 *l;
			const uint32_t *regs;

			if (!ft->cpuid[j].leaf)
				continue;
			l = get(e, n, ft->cpuid[j].leaf);
			regs = &l->eax;
			assert_int_equal(regs[ft->cpuid[j].reg] & ft->cpuid[j].bits,
					 ft->cpuid[j].bits);
		}
		/* and its dependencies alone do not */
		c.features &= ~HV_FEAT_BIT(f);
		for (j = 0; j < HV_FEAT_MAX_CPUID; j++) {
			if (!ft->cpuid[j].leaf)
				continue;
			assert_int_not_equal(hv_cpuid_feature_bits(&c, ft->cpuid[j].leaf,
								   ft->cpuid[j].reg) &
					     ft->cpuid[j].bits, ft->cpuid[j].bits);
		}
	}
}

/* A canned KVM_GET_SUPPORTED_CPUID-like table, as the core would pass. */
static unsigned kvm_table(struct kvm_cpuid_entry2 *t)
{
	memset(t, 0, 6 * sizeof(*t));
	t[0].function = 0;
	t[0].eax = 0xd;
	t[1].function = 1;
	t[1].ecx = 0x00000201;
	t[2].function = 0x40000000;	/* KVM signature, raised for 0x40000010 */
	t[2].eax = 0x40000010;
	memcpy(&t[2].ebx, "KVMK", 4);
	memcpy(&t[2].ecx, "VMKV", 4);
	memcpy(&t[2].edx, "M\0\0\0", 4);
	t[3].function = 0x40000001;
	t[3].eax = 0x01007afb;
	t[4].function = 0x40000010;	/* VMware timing leaf */
	t[4].eax = 3000000;
	t[5].function = 0x80000000;
	t[5].eax = 0x80000008;
	return 6;
}

static void test_apply(void **state)
{
	struct kvm_cpuid_entry2 t[32], hv[HV_CPUID_MAX_LEAVES];
	struct hv_config c;
	unsigned n = kvm_table(t), i, j;
	char err[128];
	int nhv;

	(void)state;
	hv_config_init(&c);
	assert_int_equal(hv_config_set(&c, "hv-windows", NULL, err, sizeof(err)), 0);
	assert_int_equal(hv_cpuid_apply(&c, t, &n, ARRAY_SIZE(t)), 0);
	nhv = hv_cpuid_build(&c, true, hv, HV_CPUID_MAX_LEAVES);
	assert_int_equal(n, 6 - 1 + nhv);
	/* KVM leaves moved, signature EAX follows them */
	expect_leaf(t, n, 0x40000100, 0x40000101, 0x4B4D564B, 0x564B4D56, 0x4D);
	expect_leaf(t, n, 0x40000101, 0x01007afb, 0, 0, 0);
	/* VMware leaf gone, hypervisor bit set, other leaves kept */
	assert_null(find(t, n, 0x40000010));
	expect_leaf(t, n, 1, 0, 0, 0x80000201, 0);
	expect_leaf(t, n, 0x80000000, 0x80000008, 0, 0, 0);
	/* Hyper-V leaves are exactly the builder's */
	for (i = 0; i < (unsigned)nhv; i++) {
		const struct kvm_cpuid_entry2 *l = get(t, n, hv[i].function);

		assert_memory_equal(l, &hv[i], sizeof(*l));
	}
	assert_int_equal(get(t, n, 0x40000000)->ebx, 0x7263694D);	/* "Micr" */
	/* every function once */
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			assert_int_not_equal(t[i].function, t[j].function);

	/* applying twice is refused: 0x40000000 is no longer KVM's */
	{
		struct kvm_cpuid_entry2 copy[32];
		unsigned n2 = n;

		memcpy(copy, t, sizeof(t));
		assert_int_equal(hv_cpuid_apply(&c, t, &n2, ARRAY_SIZE(t)), -EEXIST);
		assert_int_equal(n2, n);
		assert_memory_equal(copy, t, sizeof(t));
	}
}

static void test_apply_edges(void **state)
{
	struct kvm_cpuid_entry2 t[32], copy[32];
	struct hv_config c = cfg_with(0);
	unsigned n = kvm_table(t);

	(void)state;
	/* Hyper-V off: untouched, VMware leaf stays */
	memcpy(copy, t, sizeof(t));
	assert_int_equal(hv_cpuid_apply(&c, t, &n, ARRAY_SIZE(t)), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(copy, t, sizeof(t));

	/* too small: -E2BIG, untouched (needs 5 kept + 6) */
	c = cfg_with(B(RELAXED));
	assert_int_equal(hv_cpuid_apply(&c, t, &n, 10), -E2BIG);
	assert_int_equal(n, 6);
	assert_memory_equal(copy, t, sizeof(t));
	assert_int_equal(hv_cpuid_apply(&c, t, &n, 11), 0);
	assert_int_equal(n, 11);

	/* kvm=off style table: no KVM leaves; a stray 0x40000001 is dropped */
	n = kvm_table(t);
	t[2].function = 0x7;	/* replace the signature leaf */
	assert_int_equal(hv_cpuid_apply(&c, t, &n, ARRAY_SIZE(t)), 0);
	assert_int_equal(n, 4 + 6);
	assert_null(find(t, n, 0x40000101));
	assert_null(find(t, n, 0x40000100));
	assert_int_equal(get(t, n, 0x40000001)->eax, HV_INTERFACE_SIGNATURE);

	/* something already at 0x40000100: refused */
	n = kvm_table(t);
	t[5].function = 0x40000100;
	memcpy(copy, t, sizeof(t));
	assert_int_equal(hv_cpuid_apply(&c, t, &n, ARRAY_SIZE(t)), -EEXIST);
	assert_memory_equal(copy, t, sizeof(t));

	/* a version that does not fit propagates */
	n = kvm_table(t);
	c.ver_snumber = 0x1000000;
	assert_int_equal(hv_cpuid_apply(&c, t, &n, ARRAY_SIZE(t)), -ERANGE);
	assert_int_equal(n, 6);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_field),
		cmocka_unit_test(test_off_gives_nothing),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_windows_preset),
		cmocka_unit_test(test_vapic_avic_and_coresharing),
		cmocka_unit_test(test_nested_leaves),
		cmocka_unit_test(test_syndbg_leaves),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_identity),
		cmocka_unit_test(test_every_feature_bits),
		cmocka_unit_test(test_apply),
		cmocka_unit_test(test_apply_edges),
	};

	log_quiet = true;
	return cmocka_run_group_tests_name("hv_cpuid", tests, NULL, NULL);
}
