/* hyperv/hv_tsc: reference TSC page arithmetic, TIME_REF_COUNT, KVM tolerance. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/hv_tsc.h"

typedef unsigned __int128 u128;

#define TEN_YEARS_S (10ull * 36525 * 864)	/* 10 * 365.25 days, in s */

static const uint64_t freqs[] = {
	1000000000ull, 2600000000ull, 3000000000ull, 5000000000ull, 10000001ull,
};

/* Exact 100 ns count for a TSC value, no approximation. */
static uint64_t exact_ref(uint64_t tsc, uint64_t hz)
{
	return (uint64_t)(((u128)tsc * HV_REF_TIME_HZ) / hz);
}

/* Small deterministic PRNG so failures reproduce. */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void test_scale(void **state)
{
	unsigned i;

	(void)state;
	/* 2^64 / 100, by hand */
	assert_int_equal(hv_tsc_scale(1000000000ull), 184467440737095516ull);
	for (i = 0; i < sizeof(freqs) / sizeof(freqs[0]); i++) {
		uint64_t s = hv_tsc_scale(freqs[i]);
		u128 num = (u128)HV_REF_TIME_HZ << 64;

		/* floor: s*f <= 2^64*10^7 < (s+1)*f */
		assert_true(s != 0);
		assert_true((u128)s * freqs[i] <= num);
		assert_true(((u128)s + 1) * freqs[i] > num);
	}
	/* just above 10 MHz the scale is just below 2^64 */
	assert_int_equal(hv_tsc_scale(10000001ull), 18446742229035328712ull);
	/* at or below 10 MHz it does not fit */
	assert_int_equal(hv_tsc_scale(10000000ull), 0);
	assert_int_equal(hv_tsc_scale(1000ull), 0);
	assert_int_equal(hv_tsc_scale(0), 0);
	/* monotonically decreasing in f */
	assert_true(hv_tsc_scale(2600000000ull) > hv_tsc_scale(3000000000ull));
}

static void check_point(uint64_t tsc, uint64_t hz, uint64_t scale)
{
	uint64_t ref = hv_ref_time(tsc, scale, 0);
	uint64_t ex = exact_ref(tsc, hz);

	/* the floored scale never runs ahead, and loses at most 2 units */
	assert_true(ref <= ex);
	assert_true(ex - ref <= 2);
	/* under 1 ppm once a second has passed */
	if (ex >= HV_REF_TIME_HZ)
		assert_true((u128)(ex - ref) * 1000000 < ex);
}

static void test_accuracy_ten_years(void **state)
{
	uint64_t seed = 0x9E3779B97F4A7C15ull;
	unsigned i, k;

	(void)state;
	for (i = 0; i < sizeof(freqs) / sizeof(freqs[0]); i++) {
		uint64_t hz = freqs[i], scale = hv_tsc_scale(hz);
		uint64_t end = hz * TEN_YEARS_S, tsc;

		for (tsc = 1; tsc && tsc <= end; tsc = tsc * 3 + 7)
			check_point(tsc, hz, scale);
		check_point(end, hz, scale);
		for (k = 0; k < 20000; k++)
			check_point(rnd(&seed) % end, hz, scale);
		/* the full 64-bit TSC range computes without overflow */
		check_point(UINT64_MAX, hz, scale);
	}
}

static void test_monotonic(void **state)
{
	uint64_t seed = 12345;
	unsigned i, k;

	(void)state;
	for (i = 0; i < sizeof(freqs) / sizeof(freqs[0]); i++) {
		uint64_t hz = freqs[i], scale = hv_tsc_scale(hz);
		uint64_t tsc = 0, prev = hv_ref_time(0, scale, 0);
		uint64_t starts[] = { 0, hz * TEN_YEARS_S - 100000, UINT64_MAX - 400000 };
		unsigned s;

		for (s = 0; s < 3; s++) {
			tsc = starts[s];
			prev = hv_ref_time(tsc, scale, 1000);
			for (k = 0; k < 100000; k++) {
				uint64_t r;

				tsc += 1 + rnd(&seed) % 3;
				r = hv_ref_time(tsc, scale, 1000);
				assert_true(r >= prev);
				prev = r;
			}
		}
	}
}

static void test_offset(void **state)
{
	uint64_t scale = hv_tsc_scale(3000000000ull);
	uint64_t tsc_now = 3000000000ull * 3600;	/* an hour of host uptime */
	int64_t off;

	(void)state;
	/* guest reference time starts at 0 when the VM starts */
	off = hv_tsc_offset_for(tsc_now, scale, 0);
	assert_true(off < 0);
	assert_int_equal(hv_ref_time(tsc_now, scale, off), 0);
	/* one second later: 10^7 units (within the floor error) */
	assert_in_range(hv_ref_time(tsc_now + 3000000000ull, scale, off),
			10000000 - 1, 10000000 + 1);
	/* positive offset: the page must agree with a migrated counter */
	off = hv_tsc_offset_for(1000, scale, 123456789012ull);
	assert_true(off > 0);
	assert_int_equal(hv_ref_time(1000, scale, off), 123456789012ull);
	/* large TSC, exact agreement at the chosen point */
	off = hv_tsc_offset_for(UINT64_MAX - 5, scale, 42);
	assert_int_equal(hv_ref_time(UINT64_MAX - 5, scale, off), 42);
}

static void test_time_ref_count(void **state)
{
	uint64_t start = 123456789;
	unsigned i;

	(void)state;
	/* 10 years at 5 GHz: exactly 10 years of 100 ns units, no overflow
	 * (ticks * 10^7 is ~1.6e25, far beyond 64 bits) */
	assert_int_equal(hv_time_ref_count(start + 5000000000ull * TEN_YEARS_S,
					   5000000000ull, start),
			 TEN_YEARS_S * HV_REF_TIME_HZ);
	assert_int_equal(hv_time_ref_count(start + 2600000000ull, 2600000000ull, start),
			 10000000);
	assert_int_equal(hv_time_ref_count(start + 259, 2600000000ull, start), 0);
	assert_int_equal(hv_time_ref_count(start + 260, 2600000000ull, start), 1);
	assert_int_equal(hv_time_ref_count(start - 1, 2600000000ull, start), 0);
	assert_int_equal(hv_time_ref_count(start + 1000, 0, start), 0);
	/* the MSR and the page tell the same time */
	for (i = 0; i < sizeof(freqs) / sizeof(freqs[0]); i++) {
		uint64_t hz = freqs[i], scale = hv_tsc_scale(hz);
		uint64_t t = start + hz * 86400 * 400;
		uint64_t msr = hv_time_ref_count(t, hz, start);
		uint64_t page = hv_ref_time(t, scale, hv_tsc_offset_for(start, scale, 0));

		assert_true(msr >= page ? msr - page <= 2 : page - msr <= 2);
	}
}

static void test_sequence_and_page(void **state)
{
	struct hv_ref_tsc_page p;
	uint64_t ref = 0;

	(void)state;
	assert_int_equal(sizeof(p), 4096);
	assert_int_equal(offsetof(struct hv_ref_tsc_page, tsc_sequence), 0);
	assert_int_equal(offsetof(struct hv_ref_tsc_page, tsc_scale), 8);
	assert_int_equal(offsetof(struct hv_ref_tsc_page, tsc_offset), 16);

	assert_int_equal(hv_tsc_next_sequence(0), 1);
	assert_int_equal(hv_tsc_next_sequence(1), 2);
	assert_int_equal(hv_tsc_next_sequence(0xFFFFFFFD), 0xFFFFFFFE);
	assert_int_equal(hv_tsc_next_sequence(0xFFFFFFFE), 1);
	assert_int_equal(hv_tsc_next_sequence(0xFFFFFFFF), 1);

	memset(&p, 0, sizeof(p));
	p.tsc_scale = hv_tsc_scale(1000000000ull);
	p.tsc_offset = 5;
	assert_int_equal(hv_tsc_page_read(&p, 1000000000ull, &ref), -EAGAIN);
	p.tsc_sequence = hv_tsc_next_sequence(p.tsc_sequence);
	assert_int_equal(hv_tsc_page_read(&p, 1000000000ull, &ref), 0);
	/* 1 s at 1 GHz: 10^7 - 1 after the floor, plus the offset */
	assert_int_equal(ref, 9999999 + 5);
}

static void test_tolerance(void **state)
{
	(void)state;
	/* 3 GHz host: 250 ppm is exactly 750 kHz either way */
	assert_true(tsc_khz_within_tolerance(3000000, 3000000));
	assert_true(tsc_khz_within_tolerance(2999250, 3000000));
	assert_false(tsc_khz_within_tolerance(2999249, 3000000));
	assert_true(tsc_khz_within_tolerance(3000750, 3000000));
	assert_false(tsc_khz_within_tolerance(3000751, 3000000));
	/* KVM truncates both bounds: lo = floor(h*0.99975), hi = floor(h*1.00025) */
	assert_true(tsc_khz_within_tolerance(2599350, 2600001));
	assert_false(tsc_khz_within_tolerance(2599349, 2600001));
	assert_true(tsc_khz_within_tolerance(2600651, 2600001));
	assert_false(tsc_khz_within_tolerance(2600652, 2600001));
	/* a 1 MHz difference on 2.6 GHz (~385 ppm) needs scaling */
	assert_false(tsc_khz_within_tolerance(2601000, 2600000));
	assert_false(tsc_khz_within_tolerance(0, 2600000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_accuracy_ten_years),
		cmocka_unit_test(test_monotonic),
		cmocka_unit_test(test_offset),
		cmocka_unit_test(test_time_ref_count),
		cmocka_unit_test(test_sequence_and_page),
		cmocka_unit_test(test_tolerance),
	};

	return cmocka_run_group_tests_name("hv_tsc", tests, NULL, NULL);
}
