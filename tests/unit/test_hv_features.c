/* hyperv/hv_features: table, -cpu hv-* parsing, dependency/host checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <linux/kvm.h>

#include "hyperv/hv_features.h"
#include "hyperv/hv_proto.h"
#include "vmm/log.h"

#define B(f) HV_FEAT_BIT(HV_FEAT_##f)

static char err[256];

static int set(struct hv_config *c, const char *k, const char *v)
{
	err[0] = '\0';
	return hv_config_set(c, k, v, err, sizeof(err));
}

static struct hv_config cfg_with(uint64_t features)
{
	struct hv_config c;

	hv_config_init(&c);
	c.features = features;
	return c;
}

static int deps(uint64_t features)
{
	struct hv_config c = cfg_with(features);

	err[0] = '\0';
	return hv_check_deps(&c, err, sizeof(err));
}

/* A host view reporting every feature's bits except those in `missing`,
 * built the way the core builds it: from KVM_GET_SUPPORTED_HV_CPUID entries. */
static void host_all_but(struct hv_host_caps *h, uint64_t missing)
{
	struct kvm_cpuid_entry2 e[HV_HOST_NLEAVES];
	static const uint32_t leaves[] = {
		0x40000000, 0x40000001, 0x40000002, 0x40000003, 0x40000004,
		0x40000005, 0x4000000A,
	};
	unsigned i, j, f;

	memset(e, 0, sizeof(e));
	for (i = 0; i < ARRAY_SIZE(leaves); i++)
		e[i].function = leaves[i];
	for (f = 0; f < HV_FEAT_COUNT; f++) {
		const struct hv_feature *ft = hv_feature_get(f);

		if (missing & HV_FEAT_BIT(f))
			continue;
		for (j = 0; j < HV_FEAT_MAX_CPUID; j++) {
			for (i = 0; i < ARRAY_SIZE(leaves); i++) {
				uint32_t *r = &e[i].eax;

				if (!ft->cpuid[j].leaf || e[i].function != ft->cpuid[j].leaf)
					continue;
				r[ft->cpuid[j].reg] |= ft->cpuid[j].bits;
			}
		}
	}
	hv_host_caps_from_cpuid(h, e, ARRAY_SIZE(leaves), false);
}

static void test_table_sane(void **state)
{
	unsigned f, g, j;

	(void)state;
	for (f = 0; f < HV_FEAT_COUNT; f++) {
		const struct hv_feature *ft = hv_feature_get(f);

		assert_non_null(ft);
		assert_memory_equal(ft->name, "hv-", 3);
		/* QEMU's descriptions end with "(hv-name)" */
		assert_non_null(strstr(ft->desc, ft->name));
		assert_true(ft->cpuid[0].leaf >= HV_CPUID_FEATURES);
		assert_int_not_equal(ft->cpuid[0].bits, 0);
		assert_false(ft->deps & HV_FEAT_BIT(f));
		assert_int_equal(ft->deps >> HV_FEAT_COUNT, 0);
		if (!ft->user_ok)
			assert_non_null(ft->user_reason);
		assert_int_equal(hv_feature_lookup(ft->name), (int)f);
		/* no two features claim the same MSR */
		for (j = 0; j < HV_FEAT_MAX_MSR_RANGES && ft->msrs[j].last; j++) {
			assert_true(ft->msrs[j].first <= ft->msrs[j].last);
			assert_int_equal(hv_feature_for_msr(ft->msrs[j].first), (int)f);
			assert_int_equal(hv_feature_for_msr(ft->msrs[j].last), (int)f);
		}
		for (g = 0; g < f; g++)
			assert_string_not_equal(ft->name, hv_feature_get(g)->name);
	}
	assert_null(hv_feature_get(HV_FEAT_COUNT));
}

static void test_qemu_order_and_texts(void **state)
{
	(void)state;
	/* QEMU's HYPERV_FEAT_* numbering is what makes the error order match. */
	assert_int_equal(HV_FEAT_TIME, 2);
	assert_int_equal(HV_FEAT_SYNIC, 7);
	assert_int_equal(HV_FEAT_TLBFLUSH, 11);
	assert_int_equal(HV_FEAT_STIMER_DIRECT, 14);
	assert_int_equal(HV_FEAT_TLBFLUSH_DIRECT, 20);
	assert_string_equal(hv_feature_get(HV_FEAT_AVIC)->desc,
			    "AVIC/APICv support (hv-avic/hv-apicv)");
	assert_string_equal(hv_feature_get(HV_FEAT_SYNDBG)->desc,
			    "Enable synthetic kernel debugger channel (hv-syndbg)");
}

static void test_lookup(void **state)
{
	(void)state;
	assert_int_equal(hv_feature_lookup("hv-synic"), HV_FEAT_SYNIC);
	assert_int_equal(hv_feature_lookup("hv_stimer_direct"), HV_FEAT_STIMER_DIRECT);
	assert_int_equal(hv_feature_lookup("hv-apicv"), HV_FEAT_AVIC);
	assert_int_equal(hv_feature_lookup("hv-avic"), HV_FEAT_AVIC);
	assert_int_equal(hv_feature_lookup("hv-nope"), -ENOENT);
	assert_int_equal(hv_feature_lookup(NULL), -ENOENT);
}

static void test_msr_owner(void **state)
{
	(void)state;
	assert_int_equal(hv_feature_for_msr(HV_X64_MSR_SINT0 + 5), HV_FEAT_SYNIC);
	assert_int_equal(hv_feature_for_msr(HV_X64_MSR_EOM), HV_FEAT_SYNIC);
	assert_int_equal(hv_feature_for_msr(HV_X64_MSR_STIMER3_COUNT), HV_FEAT_STIMER);
	assert_int_equal(hv_feature_for_msr(HV_X64_MSR_VP_ASSIST_PAGE), HV_FEAT_VAPIC);
	assert_int_equal(hv_feature_for_msr(HV_X64_MSR_REFERENCE_TSC), HV_FEAT_TIME);
	assert_int_equal(hv_feature_for_msr(HV_X64_MSR_TSC_EMULATION_STATUS),
			 HV_FEAT_REENLIGHTENMENT);
	assert_int_equal(hv_feature_for_msr(HV_X64_MSR_GUEST_OS_ID), HV_FEAT_NONE);
	assert_int_equal(hv_feature_for_msr(HV_X64_MSR_HYPERCALL), HV_FEAT_NONE);
	assert_true(hv_msr_always_present(HV_X64_MSR_HYPERCALL));
	assert_false(hv_msr_always_present(HV_X64_MSR_VP_INDEX));
	assert_int_equal(hv_feature_for_msr(0x40000050), -ENOENT);
	assert_int_equal(hv_feature_for_msr(HV_X64_MSR_TSC_INVARIANT_CONTROL), -ENOENT);
	/* Every MSR in and around the synthetic range (the table) agrees with the feature
	 * definitions (the scan): its owner lists it, and no owner means nobody does. */
	for (uint32_t msr = 0x3FFFFFF0; msr < 0x40000200; msr++) {
		int f = hv_feature_for_msr(msr);
		bool listed = false;

		for (unsigned g = 0; g < HV_FEAT_COUNT; g++)
			for (unsigned j = 0; j < HV_FEAT_MAX_MSR_RANGES; j++) {
				const struct hv_msr_range *r = &hv_feature_get(g)->msrs[j];
				bool in = r->last && msr >= r->first && msr <= r->last;

				listed |= in;
				if (in)
					assert_int_equal(f, (int)g);
			}
		if (!listed)
			assert_int_equal(f, hv_msr_always_present(msr) ? HV_FEAT_NONE : -ENOENT);
	}
}

static void test_defaults_and_enabled(void **state)
{
	struct hv_config c;

	(void)state;
	hv_config_init(&c);
	assert_int_equal(c.spinlocks, 0xFFFFFFFF);
	assert_string_equal(c.vendor_id, "Microsoft Hv");
	assert_int_equal(c.ver_build, 0x3839);
	assert_int_equal(c.ver_major, 0xA);
	assert_int_equal(c.ver_minor, 0);
	assert_int_equal(c.max_vps, 0xFFFFFFFF);
	assert_int_equal(c.limits[0], 64);
	assert_int_equal(c.no_nonarch_coresharing, HV_OFF);
	assert_false(hv_enabled(&c));

	/* identity options alone do not switch Hyper-V on */
	assert_int_equal(set(&c, "hv-vendor-id", "KVMKVMKVM"), 0);
	assert_int_equal(set(&c, "hv-version-id-build", "7601"), 0);
	assert_false(hv_enabled(&c));
	assert_int_equal(set(&c, "hv-spinlocks", "0xfff"), 0);
	assert_true(hv_enabled(&c));
	assert_int_equal(set(&c, "hv-spinlocks", "0xffffffff"), 0);
	assert_false(hv_enabled(&c));
	assert_int_equal(set(&c, "hv-relaxed", NULL), 0);
	assert_true(hv_enabled(&c));
	assert_int_equal(set(&c, "hv-relaxed", "off"), 0);
	assert_false(hv_enabled(&c));
	assert_int_equal(set(&c, "hv_passthrough", NULL), 0);	/* old spelling */
	assert_true(c.passthrough);
	assert_true(hv_enabled(&c));
}

static void test_bool_spellings(void **state)
{
	static const char *const on[] = { NULL, "on", "yes", "true", "y" };
	static const char *const off[] = { "off", "no", "false", "n" };
	struct hv_config c;
	unsigned i;

	(void)state;
	hv_config_init(&c);
	for (i = 0; i < ARRAY_SIZE(on); i++) {
		c.features = 0;
		assert_int_equal(set(&c, "hv-synic", on[i]), 0);
		assert_int_equal(c.features, B(SYNIC));
	}
	for (i = 0; i < ARRAY_SIZE(off); i++) {
		c.features = B(SYNIC) | B(TIME);
		assert_int_equal(set(&c, "hv-synic", off[i]), 0);
		assert_int_equal(c.features, B(TIME));
	}
	assert_int_equal(set(&c, "hv-apicv", "on"), 0);
	assert_true(c.features & B(AVIC));
	assert_int_equal(set(&c, "hv_stimer_direct", NULL), 0);
	assert_true(c.features & B(STIMER_DIRECT));

	assert_int_equal(set(&c, "hv-synic", "maybe"), -EINVAL);
	assert_non_null(strstr(err, "hv-synic=maybe"));
	assert_non_null(strstr(err, "hv-synic=on"));
	assert_int_equal(set(&c, "hv-enforce-cpuid", "1"), -EINVAL);
	assert_non_null(strstr(err, "hv-enforce-cpuid=1"));
	assert_int_equal(set(&c, "hv-enforce-cpuid", "yes"), 0);
	assert_true(c.enforce_cpuid);
}

static void test_not_mine(void **state)
{
	struct hv_config c, before;

	(void)state;
	hv_config_init(&c);
	before = c;
	assert_int_equal(set(&c, "x2apic", "on"), -ENOENT);
	assert_int_equal(set(&c, "kvm", "off"), -ENOENT);
	assert_int_equal(set(&c, "vmware-cpuid-freq", NULL), -ENOENT);
	assert_int_equal(set(&c, "hvsynic", NULL), -ENOENT);
	assert_int_equal(set(&c, "tsc-frequency", "3000000000"), -ENOENT);
	assert_memory_equal(&c, &before, sizeof(c));
}

static void test_unknown_suggests(void **state)
{
	struct hv_config c;

	(void)state;
	hv_config_init(&c);
	assert_int_equal(set(&c, "hv-stimr", NULL), -EINVAL);
	assert_non_null(strstr(err, "hv-stimr"));
	assert_non_null(strstr(err, "did you mean hv-stimer?"));
	assert_int_equal(set(&c, "hv-tlbflsh-ext", "on"), -EINVAL);
	assert_non_null(strstr(err, "did you mean hv-tlbflush-ext?"));
	assert_int_equal(set(&c, "hv-spinlock", "0x1fff"), -EINVAL);
	assert_non_null(strstr(err, "did you mean hv-spinlocks?"));
	assert_int_equal(set(&c, "hv_vpindx", NULL), -EINVAL);
	assert_non_null(strstr(err, "did you mean hv-vpindex?"));
	assert_int_equal(set(&c, "hv-qqqqqqqqqq", NULL), -EINVAL);
	assert_null(strstr(err, "did you mean"));
	assert_non_null(strstr(err, "-cpu help"));
	assert_int_equal(c.features, 0);
}

static void test_numbers(void **state)
{
	struct hv_config c;

	(void)state;
	hv_config_init(&c);
	assert_int_equal(set(&c, "hv-spinlocks", "0x1fff"), 0);
	assert_int_equal(c.spinlocks, 0x1fff);
	assert_int_equal(set(&c, "hv-spinlocks", "8191"), 0);
	assert_int_equal(c.spinlocks, 8191);
	assert_int_equal(set(&c, "hv-spinlocks", "0XFFF"), 0);
	assert_int_equal(c.spinlocks, 0xfff);
	assert_int_equal(set(&c, "hv-spinlocks", "010"), 0);	/* decimal, not octal */
	assert_int_equal(c.spinlocks, 10);

	assert_int_equal(set(&c, "hv-spinlocks", "12x"), -EINVAL);
	assert_non_null(strstr(err, "hv-spinlocks=12x: not a number"));
	assert_non_null(strstr(err, "0x"));
	assert_int_equal(set(&c, "hv-spinlocks", "0x"), -EINVAL);
	assert_int_equal(set(&c, "hv-spinlocks", "-5"), -EINVAL);
	assert_int_equal(set(&c, "hv-spinlocks", " 5"), -EINVAL);
	assert_int_equal(set(&c, "hv-spinlocks", ""), -EINVAL);
	assert_int_equal(set(&c, "hv-spinlocks", "0x100000000"), -EINVAL);
	assert_non_null(strstr(err, "out of range"));
	assert_non_null(strstr(err, "0xffffffff"));
	assert_int_equal(set(&c, "hv-spinlocks", "99999999999999999999999"), -EINVAL);
	assert_non_null(strstr(err, "out of range"));
	assert_int_equal(set(&c, "hv-spinlocks", NULL), -EINVAL);
	assert_non_null(strstr(err, "needs a value"));
	assert_int_equal(c.spinlocks, 10);	/* failures change nothing */

	assert_int_equal(set(&c, "hv-version-id-major", "65535"), 0);
	assert_int_equal(c.ver_major, 65535);
	assert_int_equal(set(&c, "hv-version-id-major", "65536"), -EINVAL);
	assert_non_null(strstr(err, "0..0xffff"));
	assert_int_equal(c.ver_major, 65535);
	assert_int_equal(set(&c, "hv-version-id-minor", "0x3"), 0);
	assert_int_equal(c.ver_minor, 3);
	assert_int_equal(set(&c, "hv-version-id-sbranch", "255"), 0);
	assert_int_equal(c.ver_sbranch, 255);
	assert_int_equal(set(&c, "hv-version-id-sbranch", "256"), -EINVAL);
	assert_int_equal(set(&c, "hv-version-id-snumber", "0xffffff"), 0);
	assert_int_equal(c.ver_snumber, 0xffffff);
	assert_int_equal(set(&c, "hv-version-id-snumber", "0x1000000"), -EINVAL);
	assert_int_equal(set(&c, "hv-version-id-spack", "4294967295"), 0);
	assert_int_equal(c.ver_spack, 0xFFFFFFFF);
	assert_int_equal(set(&c, "hv-version-id-build", "0x1bbc"), 0);
	assert_int_equal(c.ver_build, 0x1bbc);
	assert_int_equal(set(&c, "x-hv-max-vps", "64"), 0);
	assert_int_equal(c.max_vps, 64);
	assert_int_equal(set(&c, "x-hv-max-vps", "-1"), 0);
	assert_int_equal(c.max_vps, 0xFFFFFFFF);
	assert_int_equal(set(&c, "x-hv-max-vps", "-2"), -EINVAL);
}

static void test_vendor_id(void **state)
{
	struct hv_config c;

	(void)state;
	log_quiet = true;
	hv_config_init(&c);
	assert_int_equal(set(&c, "hv-vendor-id", "KVMKVMKVM"), 0);
	assert_string_equal(c.vendor_id, "KVMKVMKVM");
	assert_int_equal(set(&c, "hv-vendor-id", "123456789012"), 0);
	assert_string_equal(c.vendor_id, "123456789012");
	assert_int_equal(set(&c, "hv-vendor-id", "ThisVendorIsTooLong"), 0);
	assert_string_equal(c.vendor_id, "ThisVendorIs");
	assert_string_equal(log_last(), "hv-vendor-id truncated to 12 characters");
	assert_int_equal(set(&c, "hv-vendor-id", NULL), -EINVAL);
	assert_non_null(strstr(err, "hv-vendor-id: needs a value"));
}

static void test_preset_and_enums(void **state)
{
	struct hv_config c;

	(void)state;
	hv_config_init(&c);
	assert_int_equal(set(&c, "hv-windows", NULL), 0);
	assert_int_equal(c.features, hv_windows_features);
	assert_int_equal(c.spinlocks, 0x1fff);
	assert_int_equal(c.features, B(RELAXED) | B(VAPIC) | B(TIME) | B(VPINDEX) |
			 B(RUNTIME) | B(SYNIC) | B(STIMER) | B(STIMER_DIRECT) |
			 B(FREQUENCIES) | B(TLBFLUSH) | B(IPI) | B(RESET) | B(CRASH));
	/* the preset satisfies every dependency */
	assert_int_equal(hv_check_deps(&c, err, sizeof(err)), 0);
	/* later flags still apply on top of it */
	assert_int_equal(set(&c, "hv-stimer-direct", "off"), 0);
	assert_false(c.features & B(STIMER_DIRECT));
	assert_int_equal(set(&c, "hv-windows", "off"), -EINVAL);
	assert_non_null(strstr(err, "preset"));

	assert_int_equal(set(&c, "hv-no-nonarch-coresharing", "auto"), 0);
	assert_int_equal(c.no_nonarch_coresharing, HV_AUTO);
	assert_int_equal(set(&c, "hv-no-nonarch-coresharing", NULL), 0);
	assert_int_equal(c.no_nonarch_coresharing, HV_ON);
	assert_int_equal(set(&c, "hv-no-nonarch-coresharing", "off"), 0);
	assert_int_equal(c.no_nonarch_coresharing, HV_OFF);
	assert_int_equal(set(&c, "hv-no-nonarch-coresharing", "sometimes"), -EINVAL);
	assert_non_null(strstr(err, "auto"));

	assert_int_equal(set(&c, "hv-backend", "user"), 0);
	assert_int_equal(c.backend, HV_BACKEND_USER);
	assert_int_equal(set(&c, "hv-backend", "kernel"), 0);
	assert_int_equal(c.backend, HV_BACKEND_KERNEL);
	assert_int_equal(set(&c, "hv-backend", "qemu"), -EINVAL);
	assert_non_null(strstr(err, "hv-backend=qemu"));
	assert_int_equal(hv_backend_resolve(HV_BACKEND_AUTO, true), HV_BACKEND_KERNEL);
	assert_int_equal(hv_backend_resolve(HV_BACKEND_AUTO, false), HV_BACKEND_USER);
	assert_int_equal(hv_backend_resolve(HV_BACKEND_USER, true), HV_BACKEND_USER);
	assert_string_equal(hv_backend_name(HV_BACKEND_KERNEL), "kernel");
}

/* QEMU 7.2's measured answers (HYPERV-REFERENCE.md, last section). */
static void test_deps_messages(void **state)
{
	(void)state;
	assert_int_equal(deps(B(SYNIC)), -EINVAL);
	assert_string_equal(err, "Hyper-V synthetic interrupt controller (hv-synic) "
			    "requires Hyper-V VP_INDEX MSR (hv-vpindex)");
	/* hv-stimer alone: hv-time (index 2) before hv-synic (index 7) */
	assert_int_equal(deps(B(STIMER)), -EINVAL);
	assert_string_equal(err, "Hyper-V synthetic timers (hv-stimer) requires "
			    "Hyper-V clocksources (hv-time)");
	assert_int_equal(deps(B(STIMER) | B(TIME)), -EINVAL);
	assert_string_equal(err, "Hyper-V synthetic timers (hv-stimer) requires "
			    "Hyper-V synthetic interrupt controller (hv-synic)");
	assert_int_equal(deps(B(STIMER_DIRECT)), -EINVAL);
	assert_string_equal(err, "Hyper-V direct mode synthetic timers (hv-stimer-direct) "
			    "requires Hyper-V synthetic timers (hv-stimer)");
	assert_int_equal(deps(B(TLBFLUSH)), -EINVAL);
	assert_string_equal(err, "Hyper-V paravirtualized TLB flush (hv-tlbflush) "
			    "requires Hyper-V VP_INDEX MSR (hv-vpindex)");
	assert_int_equal(deps(B(IPI)), -EINVAL);
	assert_string_equal(err, "Hyper-V paravirtualized IPI (hv-ipi) requires "
			    "Hyper-V VP_INDEX MSR (hv-vpindex)");
	assert_int_equal(deps(B(SYNDBG)), -EINVAL);
	assert_string_equal(err, "Hyper-V Enable synthetic kernel debugger channel "
			    "(hv-syndbg) requires Hyper-V relaxed timing (hv-relaxed)");
	assert_int_equal(deps(B(EVMCS)), -EINVAL);
	assert_non_null(strstr(err, "requires Hyper-V virtual APIC (hv-vapic)"));
	assert_int_equal(deps(B(TLBFLUSH_EXT) | B(VPINDEX)), -EINVAL);
	assert_non_null(strstr(err, "requires Hyper-V paravirtualized TLB flush"));
}

static void test_deps_order(void **state)
{
	struct hv_config c;

	(void)state;
	/* table walk (tlbflush, index 11) before stimer-direct (14) */
	assert_int_equal(deps(B(STIMER_DIRECT) | B(TLBFLUSH)), -EINVAL);
	assert_non_null(strstr(err, "(hv-tlbflush) requires"));
	/* the SynIC -> VP_INDEX rule runs after the whole table */
	assert_int_equal(deps(B(SYNIC) | B(IPI)), -EINVAL);
	assert_non_null(strstr(err, "(hv-ipi) requires"));
	assert_int_equal(deps(B(SYNIC) | B(STIMER) | B(TIME)), -EINVAL);
	assert_non_null(strstr(err, "(hv-synic) requires Hyper-V VP_INDEX"));
	/* accepted combinations */
	assert_int_equal(deps(B(VPINDEX) | B(SYNIC)), 0);
	assert_int_equal(deps(B(VPINDEX) | B(SYNIC) | B(TIME) | B(STIMER) |
			      B(STIMER_DIRECT)), 0);
	assert_int_equal(deps(B(VPINDEX) | B(SYNIC) | B(RELAXED) | B(SYNDBG)), 0);
	assert_int_equal(deps(0), 0);
	/* x-hv-synic-kvm-only waives SynIC -> VP_INDEX */
	c = cfg_with(B(SYNIC));
	c.synic_kvm_only = true;
	assert_int_equal(hv_check_deps(&c, err, sizeof(err)), 0);
}

static void test_host_caps(void **state)
{
	struct kvm_cpuid_entry2 e[3];
	struct hv_host_caps h;

	(void)state;
	memset(e, 0, sizeof(e));
	e[0].function = HV_CPUID_FEATURES;
	e[0].eax = HV_SYNIC_AVAILABLE;
	e[0].edx = HV_FREQUENCY_MSRS_AVAILABLE;
	e[1].function = HV_CPUID_ENLIGHTMENT_INFO;
	e[1].eax = HV_RELAXED_TIMING_RECOMMENDED;
	e[2].function = 0x40000100;	/* not a Hyper-V leaf: ignored */
	e[2].eax = 0xFFFFFFFF;
	hv_host_caps_from_cpuid(&h, e, 3, false);
	assert_int_equal(hv_host_reg(&h, HV_CPUID_FEATURES, HV_REG_EAX), HV_SYNIC_AVAILABLE);
	assert_int_equal(hv_host_reg(&h, HV_CPUID_NESTED_FEATURES, HV_REG_EAX), 0);
	assert_int_equal(hv_host_reg(&h, 0x40000100, HV_REG_EAX), 0);
	assert_int_equal(hv_host_reg(NULL, HV_CPUID_FEATURES, HV_REG_EAX), 0);
	assert_true(hv_host_has_feature(&h, HV_FEAT_SYNIC));
	assert_true(hv_host_has_feature(&h, HV_FEAT_RELAXED));
	/* frequencies needs EAX b11 and EDX b8; only EDX is there */
	assert_false(hv_host_has_feature(&h, HV_FEAT_FREQUENCIES));
	/* tlbflush needs two bits in one register */
	assert_false(hv_host_has_feature(&h, HV_FEAT_TLBFLUSH));
	assert_false(hv_host_has_feature(&h, HV_FEAT_EVMCS));
	hv_host_caps_from_cpuid(&h, e, 3, true);
	assert_true(hv_host_has_feature(&h, HV_FEAT_EVMCS));
}

struct fake_probe {
	int caps[8];
	uint32_t msrs[8];
};

static bool probe_cap(void *opaque, int cap)
{
	struct fake_probe *p = opaque;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(p->caps); i++)
		if (p->caps[i] == cap)
			return true;
	return false;
}

static bool probe_msr(void *opaque, uint32_t msr)
{
	struct fake_probe *p = opaque;
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(p->msrs); i++)
		if (p->msrs[i] == msr)
			return true;
	return false;
}

static void test_host_legacy(void **state)
{
	struct fake_probe fp = {
		.caps = { KVM_CAP_HYPERV, KVM_CAP_HYPERV_TIME, KVM_CAP_HYPERV_SYNIC2 },
		.msrs = { HV_X64_MSR_SCONTROL, HV_X64_MSR_VP_INDEX, HV_X64_MSR_STIMER0_CONFIG },
	};
	struct hv_legacy_probe p = { probe_cap, probe_msr, &fp };
	struct hv_host_caps h;

	(void)state;
	hv_host_caps_legacy(&h, &p);
	assert_true(hv_host_has_feature(&h, HV_FEAT_RELAXED));
	assert_true(hv_host_has_feature(&h, HV_FEAT_VAPIC));
	assert_true(hv_host_has_feature(&h, HV_FEAT_TIME));
	assert_true(hv_host_has_feature(&h, HV_FEAT_SYNIC));
	assert_true(hv_host_has_feature(&h, HV_FEAT_VPINDEX));
	assert_true(hv_host_has_feature(&h, HV_FEAT_STIMER));
	assert_false(hv_host_has_feature(&h, HV_FEAT_TLBFLUSH));
	assert_false(hv_host_has_feature(&h, HV_FEAT_CRASH));
	/* no legacy path at all */
	assert_false(hv_host_has_feature(&h, HV_FEAT_STIMER_DIRECT));
	assert_true(hv_host_reg(&h, HV_CPUID_FEATURES, HV_REG_EAX) & HV_HYPERCALL_AVAILABLE);
	assert_int_equal(hv_host_reg(&h, HV_CPUID_ENLIGHTMENT_INFO, HV_REG_EBX),
			 HV_SPINLOCK_NEVER_NOTIFY);

	/* SynIC needs both the SCONTROL MSR and the SYNIC2 capability */
	fp.caps[2] = KVM_CAP_HYPERV_SYNIC;
	hv_host_caps_legacy(&h, &p);
	assert_false(hv_host_has_feature(&h, HV_FEAT_SYNIC));
	/* nothing at all without KVM_CAP_HYPERV */
	memset(&fp, 0, sizeof(fp));
	hv_host_caps_legacy(&h, &p);
	assert_false(hv_host_has_feature(&h, HV_FEAT_RELAXED));
	assert_int_equal(hv_host_reg(&h, HV_CPUID_FEATURES, HV_REG_EAX), 0);
}

static void test_check_host_kernel(void **state)
{
	struct hv_host_caps h;
	struct hv_config c;

	(void)state;
	host_all_but(&h, B(EVMCS) | B(TLBFLUSH_DIRECT) | B(TLBFLUSH_EXT));
	c = cfg_with(hv_windows_features);
	assert_int_equal(hv_check_host(&c, &h, HV_BACKEND_KERNEL, err, sizeof(err)), 0);
	c.features |= B(EVMCS);
	assert_int_equal(hv_check_host(&c, &h, HV_BACKEND_KERNEL, err, sizeof(err)),
			 -ENOTSUP);
	assert_string_equal(err, "Hyper-V enlightened VMCS (hv-evmcs) is not supported by kernel");
	c = cfg_with(B(VAPIC) | B(TLBFLUSH_DIRECT));
	assert_int_equal(hv_check_host(&c, &h, HV_BACKEND_KERNEL, err, sizeof(err)),
			 -ENOTSUP);
	assert_string_equal(err, "Hyper-V direct TLB flush (hv-tlbflush-direct) is not "
			    "supported by kernel");
	assert_int_equal(hv_check_host(&c, NULL, HV_BACKEND_KERNEL, err, sizeof(err)),
			 -EINVAL);
	assert_int_equal(hv_check_host(&c, &h, HV_BACKEND_AUTO, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "hv-backend=auto"));
}

static void test_check_host_user(void **state)
{
	struct hv_config c;

	(void)state;
	c = cfg_with(hv_windows_features | B(AVIC) | B(REENLIGHTENMENT) |
		     B(XMM_INPUT) | B(TLBFLUSH_EXT));
	assert_int_equal(hv_check_host(&c, NULL, HV_BACKEND_USER, err, sizeof(err)), 0);
	c = cfg_with(B(VAPIC) | B(EVMCS));
	assert_int_equal(hv_check_host(&c, NULL, HV_BACKEND_USER, err, sizeof(err)),
			 -ENOTSUP);
	assert_non_null(strstr(err, "Hyper-V enlightened VMCS (hv-evmcs) is not supported "
			       "by the userspace Hyper-V backend (hv-backend=user): "));
	assert_non_null(strstr(err, "use hv-backend=kernel"));
	c = cfg_with(B(SYNDBG) | B(SYNIC) | B(RELAXED) | B(VPINDEX));
	assert_int_equal(hv_check_host(&c, NULL, HV_BACKEND_USER, err, sizeof(err)),
			 -ENOTSUP);
	assert_non_null(strstr(err, "VMBus"));
	c = cfg_with(B(EMSR_BITMAP));
	assert_int_equal(hv_check_host(&c, NULL, HV_BACKEND_USER, err, sizeof(err)),
			 -ENOTSUP);
	c = cfg_with(B(SYNIC) | B(VPINDEX));
	c.synic_kvm_only = true;
	assert_int_equal(hv_check_host(&c, NULL, HV_BACKEND_USER, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "x-hv-synic-kvm-only=on"));
}

static void test_finalize_order(void **state)
{
	struct hv_host_caps h;
	struct hv_config c;

	(void)state;
	/* QEMU: "hv-tlbflush-ext" alone on a host without it reports support,
	 * not the missing hv-tlbflush dependency. */
	host_all_but(&h, B(TLBFLUSH_EXT));
	c = cfg_with(B(TLBFLUSH_EXT));
	assert_int_equal(hv_config_finalize(&c, &h, HV_BACKEND_KERNEL, err, sizeof(err)),
			 -ENOTSUP);
	assert_string_equal(err, "Hyper-V Extended gva ranges for TLB flush hypercalls "
			    "(hv-tlbflush-ext) is not supported by kernel");
	host_all_but(&h, 0);
	c = cfg_with(B(TLBFLUSH_EXT));
	assert_int_equal(hv_config_finalize(&c, &h, HV_BACKEND_KERNEL, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "requires Hyper-V paravirtualized TLB flush (hv-tlbflush)"));
	/* an earlier feature's missing dependency beats a later unsupported one */
	host_all_but(&h, B(EVMCS));
	c = cfg_with(B(TLBFLUSH) | B(EVMCS) | B(VAPIC));
	assert_int_equal(hv_config_finalize(&c, &h, HV_BACKEND_KERNEL, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "(hv-tlbflush) requires"));
	/* Hyper-V off: nothing to check, nothing changes */
	c = cfg_with(0);
	assert_int_equal(hv_config_finalize(&c, NULL, HV_BACKEND_KERNEL, err, sizeof(err)), 0);
	c = cfg_with(hv_windows_features);
	assert_int_equal(hv_config_finalize(&c, NULL, HV_BACKEND_USER, err, sizeof(err)), 0);
	assert_int_equal(c.features, hv_windows_features);
}

static void test_finalize_passthrough(void **state)
{
	struct kvm_cpuid_entry2 e[5];
	struct hv_host_caps h;
	struct hv_config c;
	unsigned f;

	(void)state;
	memset(e, 0, sizeof(e));
	e[0].function = HV_CPUID_VENDOR_AND_MAX_FUNCTIONS;
	memcpy(&e[0].ebx, "Linu", 4);
	memcpy(&e[0].ecx, "x KV", 4);
	memcpy(&e[0].edx, "M Hv", 4);
	e[1].function = HV_CPUID_VERSION;
	e[1].eax = 0x2580;
	e[1].ebx = 0x00060002;
	e[1].edx = 0x12345678;
	e[2].function = HV_CPUID_FEATURES;
	e[2].eax = HV_VP_INDEX_AVAILABLE | HV_SYNIC_AVAILABLE | HV_TIME_REF_COUNT_AVAILABLE |
		   HV_REFERENCE_TSC_AVAILABLE;
	e[2].edx = HV_FEATURE_DEBUG_MSRS_AVAILABLE;	/* syndbg: never passed through */
	e[3].function = HV_CPUID_ENLIGHTMENT_INFO;
	e[3].eax = HV_RELAXED_TIMING_RECOMMENDED | HV_NO_NONARCH_CORESHARING;
	e[3].ebx = 0xfff;
	e[4].function = HV_CPUID_IMPLEMENT_LIMITS;
	e[4].eax = 1024;
	e[4].ebx = 512;
	hv_host_caps_from_cpuid(&h, e, 5, false);

	/* QEMU ORs the host features into the explicit ones (no support
	 * check for those: hv-evmcs stays). */
	c = cfg_with(B(EVMCS));
	c.passthrough = true;
	assert_int_equal(hv_config_finalize(&c, &h, HV_BACKEND_KERNEL, err, sizeof(err)), 0);
	assert_int_equal(c.features, B(VPINDEX) | B(SYNIC) | B(TIME) | B(RELAXED) | B(EVMCS));
	assert_string_equal(c.vendor_id, "Linux KVM Hv");
	assert_int_equal(c.ver_build, 0x2580);
	assert_int_equal(c.ver_major, 6);
	assert_int_equal(c.ver_minor, 2);
	assert_int_equal(c.ver_sbranch, 0x12);
	assert_int_equal(c.ver_snumber, 0x345678);
	assert_int_equal(c.spinlocks, 0xfff);
	assert_int_equal(c.max_vps, 1024);
	assert_int_equal(c.limits[0], 512);
	assert_true(c.host_no_nonarch_cs);

	/* user backend: everything it implements, identity kept */
	c = cfg_with(0);
	c.passthrough = true;
	assert_int_equal(hv_config_finalize(&c, NULL, HV_BACKEND_USER, err, sizeof(err)), 0);
	for (f = 0; f < HV_FEAT_COUNT; f++) {
		const struct hv_feature *ft = hv_feature_get(f);

		assert_int_equal(!!(c.features & HV_FEAT_BIT(f)),
				 ft->user_ok && !ft->skip_passthrough);
	}
	assert_string_equal(c.vendor_id, "Microsoft Hv");
	assert_int_equal(hv_check_host(&c, NULL, HV_BACKEND_USER, err, sizeof(err)), 0);
	assert_int_equal(hv_check_deps(&c, err, sizeof(err)), 0);

	/* passthrough of a host with SynIC but no VP_INDEX trips QEMU's rule */
	e[2].eax &= ~HV_VP_INDEX_AVAILABLE;
	hv_host_caps_from_cpuid(&h, e, 5, false);
	c = cfg_with(0);
	c.passthrough = true;
	assert_int_equal(hv_config_finalize(&c, &h, HV_BACKEND_KERNEL, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "(hv-synic) requires Hyper-V VP_INDEX"));
}

static void test_describe(void **state)
{
	struct hv_config c = cfg_with(B(SYNIC));
	struct hv_host_caps h;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	host_all_but(&h, B(EVMCS));
	f = open_memstream(&buf, &len);
	assert_non_null(f);
	hv_config_describe(f, &c, &h);
	fclose(f);
	assert_non_null(strstr(buf, "* hv-synic"));
	assert_non_null(strstr(buf, "synthetic interrupt controller (hv-synic)"));
	assert_non_null(strstr(buf, "needs hv-time, hv-synic"));
	assert_non_null(strstr(buf, "hv-spinlocks"));
	assert_non_null(strstr(buf, "Preset hv-windows:"));
	assert_non_null(strstr(buf, "alias hv-apicv"));
	/* evmcs: kernel-only and not reported by this host */
	assert_non_null(strstr(buf, "(hv-evmcs); needs hv-vapic; kernel backend only; kernel: no"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table_sane),
		cmocka_unit_test(test_qemu_order_and_texts),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_msr_owner),
		cmocka_unit_test(test_defaults_and_enabled),
		cmocka_unit_test(test_bool_spellings),
		cmocka_unit_test(test_not_mine),
		cmocka_unit_test(test_unknown_suggests),
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_vendor_id),
		cmocka_unit_test(test_preset_and_enums),
		cmocka_unit_test(test_deps_messages),
		cmocka_unit_test(test_deps_order),
		cmocka_unit_test(test_host_caps),
		cmocka_unit_test(test_host_legacy),
		cmocka_unit_test(test_check_host_kernel),
		cmocka_unit_test(test_check_host_user),
		cmocka_unit_test(test_finalize_order),
		cmocka_unit_test(test_finalize_passthrough),
		cmocka_unit_test(test_describe),
	};

	log_quiet = true;
	return cmocka_run_group_tests_name("hv_features", tests, NULL, NULL);
}
