/* hyperv/hv_msr: the userspace backend's synthetic MSR state machine. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/hv_features.h"
#include "hyperv/hv_msr.h"
#include "hyperv/hv_tsc.h"
#include "vmm/guest_mem.h"

#define RAM_SIZE	0x10000u	/* 16 pages at GPA 0 */
#define ROM_GPA		0x100000u
#define TSC_KHZ		2600000u
#define TSC_START	123456789ull

struct fix {
	uint8_t ram[RAM_SIZE];
	uint8_t rom[HV_PAGE_SIZE];
	struct guest_mem gm;
	struct hv_msr_part p;
	struct hv_msr_vp vp;
	struct hv_msr_env env;
};

static int setup_features(void **state, uint64_t features)
{
	struct fix *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	if (gm_add_slot(&f->gm, 0, RAM_SIZE, f->ram, false) ||
	    gm_add_slot(&f->gm, ROM_GPA, HV_PAGE_SIZE, f->rom, true))
		return -1;
	hv_msr_part_init(&f->p, features, TSC_KHZ, TSC_START);
	hv_msr_vp_init(&f->vp, 3);
	f->env.gm = &f->gm;
	*state = f;
	return 0;
}

static int setup_all(void **state)
{
	return setup_features(state, hv_windows_features |
			      HV_FEAT_BIT(HV_FEAT_REENLIGHTENMENT) | HV_FEAT_BIT(HV_FEAT_CRASH));
}

static int setup_none(void **state)
{
	return setup_features(state, 0);
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

static enum hv_msr_res rd(struct fix *f, uint32_t msr, uint64_t *val)
{
	return hv_msr_read(&f->p, &f->vp, &f->env, msr, val);
}

static enum hv_msr_res wr(struct fix *f, uint32_t msr, uint64_t val)
{
	return hv_msr_write(&f->p, &f->vp, &f->env, msr, val);
}

static uint64_t rd_ok(struct fix *f, uint32_t msr)
{
	uint64_t v = 0xdeadbeef;

	assert_int_equal(rd(f, msr, &v), HV_MSR_DONE);
	return v;
}

static void test_guest_os_id_and_hypercall(void **state)
{
	struct fix *f = *state;
	uint8_t want[HV_HCALL_STUB_LEN] = { 0xE7, HV_HCALL_PORT, 0xC3 };

	assert_int_equal(rd_ok(f, HV_X64_MSR_GUEST_OS_ID), 0);
	/* Enable without a guest OS id: the enable bit is dropped, the page untouched. */
	assert_int_equal(wr(f, HV_X64_MSR_HYPERCALL, 0x2000 | HV_HYPERCALL_ENABLE), HV_MSR_DONE);
	assert_int_equal(rd_ok(f, HV_X64_MSR_HYPERCALL), 0x2000);
	assert_int_equal(f->ram[0x2000], 0);

	assert_int_equal(wr(f, HV_X64_MSR_GUEST_OS_ID, 0x8100000000000000ull), HV_MSR_DONE);
	assert_true(rd_ok(f, HV_X64_MSR_GUEST_OS_ID) == 0x8100000000000000ull);
	assert_int_equal(wr(f, HV_X64_MSR_HYPERCALL, 0x2000 | HV_HYPERCALL_ENABLE), HV_MSR_DONE);
	assert_int_equal(rd_ok(f, HV_X64_MSR_HYPERCALL), 0x2001);
	assert_memory_equal(&f->ram[0x2000], want, sizeof(want));

	/* Reserved bits 11:2, a page outside RAM, a ROM page: #GP, state unchanged. */
	assert_int_equal(wr(f, HV_X64_MSR_HYPERCALL, 0x3000 | 0x4 | 1), HV_MSR_GP);
	assert_int_equal(wr(f, HV_X64_MSR_HYPERCALL, 0x7fff0000ull | 1), HV_MSR_GP);
	assert_int_equal(wr(f, HV_X64_MSR_HYPERCALL, ROM_GPA | 1), HV_MSR_GP);
	assert_int_equal(rd_ok(f, HV_X64_MSR_HYPERCALL), 0x2001);
	assert_int_equal(f->rom[0], 0);

	/* Zeroing the OS id disables the page. */
	assert_int_equal(wr(f, HV_X64_MSR_GUEST_OS_ID, 0), HV_MSR_DONE);
	assert_int_equal(rd_ok(f, HV_X64_MSR_HYPERCALL), 0x2000);
}

static void test_hypercall_locked(void **state)
{
	struct fix *f = *state;

	assert_int_equal(wr(f, HV_X64_MSR_GUEST_OS_ID, 1), HV_MSR_DONE);
	assert_int_equal(wr(f, HV_X64_MSR_HYPERCALL, 0x1000 | HV_HYPERCALL_LOCKED | 1),
			 HV_MSR_DONE);
	assert_int_equal(wr(f, HV_X64_MSR_HYPERCALL, 0x4000 | 1), HV_MSR_DONE);
	assert_int_equal(rd_ok(f, HV_X64_MSR_HYPERCALL), 0x1003);
	assert_int_equal(f->ram[0x4000], 0);
}

static void test_vp_index_reset_runtime(void **state)
{
	struct fix *f = *state;

	assert_int_equal(rd_ok(f, HV_X64_MSR_VP_INDEX), 3);
	assert_int_equal(wr(f, HV_X64_MSR_VP_INDEX, 3), HV_MSR_GP);
	assert_int_equal(wr(f, HV_X64_MSR_RESET, 0), HV_MSR_DONE);
	assert_int_equal(wr(f, HV_X64_MSR_RESET, 1), HV_MSR_RESET);
	assert_int_equal(wr(f, HV_X64_MSR_RESET, 2), HV_MSR_GP);
	f->env.runtime_ns = 1234567;
	assert_int_equal(rd_ok(f, HV_X64_MSR_VP_RUNTIME), 12345);
	assert_int_equal(wr(f, HV_X64_MSR_VP_RUNTIME, 0), HV_MSR_GP);
}

static void test_time_ref_count_and_freqs(void **state)
{
	struct fix *f = *state;

	f->env.tsc = TSC_START + 2600000000ull; /* one second */
	assert_int_equal(rd_ok(f, HV_X64_MSR_TIME_REF_COUNT), HV_REF_TIME_HZ);
	f->env.tsc = TSC_START;
	assert_int_equal(rd_ok(f, HV_X64_MSR_TIME_REF_COUNT), 0);
	assert_int_equal(wr(f, HV_X64_MSR_TIME_REF_COUNT, 0), HV_MSR_GP);
	assert_true(rd_ok(f, HV_X64_MSR_TSC_FREQUENCY) == 2600000000ull);
	assert_true(rd_ok(f, HV_X64_MSR_APIC_FREQUENCY) == 1000000000ull);
	assert_int_equal(wr(f, HV_X64_MSR_TSC_FREQUENCY, 1), HV_MSR_GP);
	assert_int_equal(wr(f, HV_X64_MSR_APIC_FREQUENCY, 1), HV_MSR_GP);
}

static void test_reference_tsc_page(void **state)
{
	struct fix *f = *state;
	struct hv_ref_tsc_page page;
	uint64_t ref;

	assert_int_equal(wr(f, HV_X64_MSR_REFERENCE_TSC, 0x5000 | 1), HV_MSR_DONE);
	assert_int_equal(rd_ok(f, HV_X64_MSR_REFERENCE_TSC), 0x5001);
	memcpy(&page, &f->ram[0x5000], sizeof(page));
	assert_int_equal(page.tsc_sequence, 1);
	assert_true(page.tsc_scale == hv_tsc_scale(2600000000ull));
	/* The page and TIME_REF_COUNT agree (within rounding) at several TSC values. */
	for (uint64_t s = 0; s < 5000; s += 997) {
		uint64_t msr;

		f->env.tsc = TSC_START + s * 2600000000ull + s * 31;
		msr = rd_ok(f, HV_X64_MSR_TIME_REF_COUNT);
		assert_int_equal(hv_tsc_page_read(&page, f->env.tsc, &ref), 0);
		assert_true(ref + 1 >= msr && ref <= msr + 1);
	}
	assert_int_equal(wr(f, HV_X64_MSR_REFERENCE_TSC, 0x5000 | 2), HV_MSR_GP);
	assert_int_equal(wr(f, HV_X64_MSR_REFERENCE_TSC, 0x7fff000ull | 1), HV_MSR_GP);
	/* Unknown TSC rate: the page says "use the MSR". */
	f->p.tsc_khz = 0;
	assert_int_equal(wr(f, HV_X64_MSR_REFERENCE_TSC, 0x6000 | 1), HV_MSR_DONE);
	memcpy(&page, &f->ram[0x6000], sizeof(page));
	assert_int_equal(page.tsc_sequence, HV_TSC_SEQUENCE_INVALID);
	assert_int_equal(hv_tsc_page_read(&page, 1000, &ref), -EAGAIN);
}

static void test_apic_msrs(void **state)
{
	struct fix *f = *state;
	uint64_t v;

	assert_int_equal(rd(f, HV_X64_MSR_TPR, &v), HV_MSR_APIC);
	assert_int_equal(wr(f, HV_X64_MSR_EOI, 0), HV_MSR_APIC);
	assert_int_equal(wr(f, HV_X64_MSR_ICR, 0x4000ff), HV_MSR_APIC);
	assert_int_equal(hv_msr_apic_index(HV_X64_MSR_EOI), 0x80B);
	assert_int_equal(hv_msr_apic_index(HV_X64_MSR_ICR), 0x830);
	assert_int_equal(hv_msr_apic_index(HV_X64_MSR_TPR), 0x808);
	assert_int_equal(hv_msr_apic_index(HV_X64_MSR_VP_ASSIST_PAGE), 0);
	assert_int_equal(wr(f, HV_X64_MSR_VP_ASSIST_PAGE, 0x3000 | 1), HV_MSR_DONE);
	assert_int_equal(rd_ok(f, HV_X64_MSR_VP_ASSIST_PAGE), 0x3001);
	assert_int_equal(wr(f, HV_X64_MSR_VP_ASSIST_PAGE, 0x3000 | 2), HV_MSR_GP);
	assert_int_equal(wr(f, HV_X64_MSR_VP_ASSIST_PAGE, ROM_GPA | 1), HV_MSR_GP);
	assert_int_equal(wr(f, HV_X64_MSR_VP_ASSIST_PAGE, 0x7fff000ull), HV_MSR_DONE);
}

static void test_synic(void **state)
{
	struct fix *f = *state;

	assert_int_equal(rd_ok(f, HV_X64_MSR_SVERSION), 1);
	assert_int_equal(wr(f, HV_X64_MSR_SVERSION, 1), HV_MSR_GP);
	for (uint32_t m = HV_X64_MSR_SINT0; m <= HV_X64_MSR_SINT15; m++)
		assert_int_equal(rd_ok(f, m), HV_SINT_MASKED);
	assert_int_equal(wr(f, HV_X64_MSR_SINT0 + 2, 0x30 | HV_SINT_AUTO_EOI), HV_MSR_SYNIC);
	assert_int_equal(rd_ok(f, HV_X64_MSR_SINT0 + 2), 0x30 | HV_SINT_AUTO_EOI);
	assert_int_equal(wr(f, HV_X64_MSR_SINT0, 0x5), HV_MSR_GP);	/* vector < 16 */
	assert_int_equal(wr(f, HV_X64_MSR_SINT0, 0x5 | HV_SINT_MASKED), HV_MSR_SYNIC);
	assert_int_equal(wr(f, HV_X64_MSR_SINT15, 0x30 | (1ull << 20)), HV_MSR_GP);
	assert_int_equal(wr(f, HV_X64_MSR_SCONTROL, 1), HV_MSR_SYNIC);
	assert_int_equal(rd_ok(f, HV_X64_MSR_SCONTROL), 1);
	assert_int_equal(wr(f, HV_X64_MSR_SCONTROL, 2), HV_MSR_GP);
	assert_int_equal(wr(f, HV_X64_MSR_SIMP, 0x8000 | 1), HV_MSR_SYNIC);
	assert_int_equal(rd_ok(f, HV_X64_MSR_SIMP), 0x8001);
	assert_int_equal(wr(f, HV_X64_MSR_SIEFP, 0x9000 | 1), HV_MSR_SYNIC);
	assert_int_equal(rd_ok(f, HV_X64_MSR_SIEFP), 0x9001);
	assert_int_equal(wr(f, HV_X64_MSR_SIEFP, 0x7fff0000ull | 1), HV_MSR_GP);
	assert_int_equal(wr(f, HV_X64_MSR_EOM, 0), HV_MSR_SYNIC);
	assert_int_equal(rd_ok(f, HV_X64_MSR_EOM), 0);
}

static void test_stimers(void **state)
{
	struct fix *f = *state;

	for (unsigned n = 0; n < HV_STIMER_COUNT; n++) {
		uint64_t cfg = HV_STIMER_ENABLE | HV_STIMER_PERIODIC | (2ull << 16);

		assert_int_equal(wr(f, HV_X64_MSR_STIMER_CONFIG(n), cfg + n * 16), HV_MSR_STIMER);
		assert_int_equal(wr(f, HV_X64_MSR_STIMER_COUNT(n), 1000 + n), HV_MSR_STIMER);
	}
	for (unsigned n = 0; n < HV_STIMER_COUNT; n++) {
		assert_true(rd_ok(f, HV_X64_MSR_STIMER_CONFIG(n)) ==
			    (HV_STIMER_ENABLE | HV_STIMER_PERIODIC | (2ull << 16)) + n * 16);
		assert_int_equal(rd_ok(f, HV_X64_MSR_STIMER_COUNT(n)), 1000 + n);
	}
	assert_int_equal(wr(f, HV_X64_MSR_STIMER_CONFIG(1), 1ull << 40), HV_MSR_GP);
	/* direct mode needs hv-stimer-direct, which hv_windows_features leaves out */
	assert_int_equal(wr(f, HV_X64_MSR_STIMER_CONFIG(1), HV_STIMER_DIRECT_MODE | 0x400),
			 (f->p.features & HV_FEAT_BIT(HV_FEAT_STIMER_DIRECT)) ? HV_MSR_STIMER :
										HV_MSR_GP);
	/* count 0 stops a timer and clears its enable bit (TLFS "Timers") */
	assert_int_equal(wr(f, HV_X64_MSR_STIMER_COUNT(2), 0), HV_MSR_STIMER);
	assert_false(rd_ok(f, HV_X64_MSR_STIMER_CONFIG(2)) & HV_STIMER_ENABLE);
}

static void test_crash_and_reenlightenment(void **state)
{
	struct fix *f = *state;

	for (uint32_t m = HV_X64_MSR_CRASH_P0; m <= HV_X64_MSR_CRASH_P4; m++)
		assert_int_equal(wr(f, m, m * 3), HV_MSR_DONE);
	for (uint32_t m = HV_X64_MSR_CRASH_P0; m <= HV_X64_MSR_CRASH_P4; m++)
		assert_int_equal(rd_ok(f, m), m * 3);
	assert_true(rd_ok(f, HV_X64_MSR_CRASH_CTL) == HV_CRASH_CTL_CRASH_NOTIFY);
	assert_int_equal(wr(f, HV_X64_MSR_CRASH_CTL, 0), HV_MSR_DONE);
	assert_int_equal(wr(f, HV_X64_MSR_CRASH_CTL, 1), HV_MSR_GP);
	assert_int_equal(wr(f, HV_X64_MSR_CRASH_CTL, HV_CRASH_CTL_CRASH_NOTIFY), HV_MSR_CRASH);

	assert_int_equal(wr(f, HV_X64_MSR_REENLIGHTENMENT_CONTROL,
			    0x40 | HV_REENLIGHTENMENT_ENABLE), HV_MSR_DONE);
	assert_int_equal(rd_ok(f, HV_X64_MSR_REENLIGHTENMENT_CONTROL),
			 0x40 | HV_REENLIGHTENMENT_ENABLE);
	assert_int_equal(wr(f, HV_X64_MSR_REENLIGHTENMENT_CONTROL, 1ull << 20), HV_MSR_GP);
	assert_int_equal(wr(f, HV_X64_MSR_TSC_EMULATION_CONTROL, 1), HV_MSR_DONE);
	assert_int_equal(rd_ok(f, HV_X64_MSR_TSC_EMULATION_CONTROL), 1);
	assert_int_equal(wr(f, HV_X64_MSR_TSC_EMULATION_STATUS, 1), HV_MSR_DONE);
	assert_int_equal(rd_ok(f, HV_X64_MSR_TSC_EMULATION_STATUS), 1);
}

static void test_unknown_msrs(void **state)
{
	struct fix *f = *state;
	static const uint32_t unknown[] = { 0x40000004, 0x40000024, 0x40000074, 0x400000A0,
					    0x400000B8, 0x400000FE };
	uint64_t v;

	for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
		assert_int_equal(rd(f, unknown[i], &v), HV_MSR_GP);
		assert_int_equal(wr(f, unknown[i], 0), HV_MSR_GP);
	}
}

/* Without features only GUEST_OS_ID and HYPERCALL exist. */
static void test_disabled_features(void **state)
{
	struct fix *f = *state;
	static const uint32_t gated[] = {
		HV_X64_MSR_VP_INDEX, HV_X64_MSR_RESET, HV_X64_MSR_VP_RUNTIME,
		HV_X64_MSR_TIME_REF_COUNT, HV_X64_MSR_REFERENCE_TSC, HV_X64_MSR_TSC_FREQUENCY,
		HV_X64_MSR_EOI, HV_X64_MSR_VP_ASSIST_PAGE, HV_X64_MSR_SCONTROL, HV_X64_MSR_SINT0,
		HV_X64_MSR_STIMER0_CONFIG, HV_X64_MSR_CRASH_P0, HV_X64_MSR_CRASH_CTL,
		HV_X64_MSR_REENLIGHTENMENT_CONTROL,
	};
	uint64_t v;

	for (size_t i = 0; i < sizeof(gated) / sizeof(gated[0]); i++) {
		assert_int_equal(rd(f, gated[i], &v), HV_MSR_GP);
		assert_int_equal(wr(f, gated[i], 0), HV_MSR_GP);
	}
	assert_int_equal(wr(f, HV_X64_MSR_GUEST_OS_ID, 7), HV_MSR_DONE);
	assert_int_equal(rd_ok(f, HV_X64_MSR_GUEST_OS_ID), 7);
	assert_int_equal(wr(f, HV_X64_MSR_HYPERCALL, 0x1001), HV_MSR_DONE);
	assert_int_equal(f->ram[0x1000], 0xE7);
}

static void test_reset_values(void **state)
{
	struct fix *f = *state;

	assert_int_equal(wr(f, HV_X64_MSR_GUEST_OS_ID, 1), HV_MSR_DONE);
	assert_int_equal(wr(f, HV_X64_MSR_HYPERCALL, 0x1001), HV_MSR_DONE);
	assert_int_equal(wr(f, HV_X64_MSR_SINT0 + 4, 0x40), HV_MSR_SYNIC);
	assert_int_equal(wr(f, HV_X64_MSR_CRASH_P0, 9), HV_MSR_DONE);
	hv_msr_part_init(&f->p, f->p.features, TSC_KHZ, 0);
	hv_msr_vp_init(&f->vp, 3);
	assert_int_equal(rd_ok(f, HV_X64_MSR_GUEST_OS_ID), 0);
	assert_int_equal(rd_ok(f, HV_X64_MSR_HYPERCALL), 0);
	assert_int_equal(rd_ok(f, HV_X64_MSR_CRASH_P0), 0);
	assert_int_equal(rd_ok(f, HV_X64_MSR_SINT0 + 4), HV_SINT_MASKED);
	assert_int_equal(rd_ok(f, HV_X64_MSR_VP_INDEX), 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_guest_os_id_and_hypercall, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_hypercall_locked, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_vp_index_reset_runtime, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_time_ref_count_and_freqs, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_reference_tsc_page, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_apic_msrs, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_synic, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_stimers, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_crash_and_reenlightenment, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_msrs, setup_all, teardown),
		cmocka_unit_test_setup_teardown(test_disabled_features, setup_none, teardown),
		cmocka_unit_test_setup_teardown(test_reset_values, setup_all, teardown),
	};

	return cmocka_run_group_tests_name("hv_msr", tests, NULL, NULL);
}
