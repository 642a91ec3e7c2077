/* hyperv/hv_hypercall: control word layout, validation, result layout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/hv_features.h"
#include "hyperv/hv_hypercall.h"
#include "hyperv/hv_proto.h"

#define B(f) HV_FEAT_BIT(HV_FEAT_##f)

/* Build an input value field by field, from the TLFS table positions. */
static uint64_t ctl(uint16_t code, bool fast, uint64_t varhdr, uint64_t reps,
		    uint64_t start)
{
	return (uint64_t)code | ((uint64_t)fast << 16) | (varhdr << 17) |
	       (reps << 32) | (start << 48);
}

static uint16_t check(uint64_t rcx, uint64_t features)
{
	struct hv_hcall_input in;

	hv_hcall_decode(rcx, &in);
	return hv_hcall_check(&in, hv_hcall_find(in.code, features));
}

static void test_decode_positions(void **state)
{
	struct hv_hcall_input in;

	(void)state;
	hv_hcall_decode(0xABCD, &in);
	assert_int_equal(in.code, 0xABCD);
	assert_false(in.fast);
	assert_int_equal(in.var_hdr_qwords, 0);
	assert_int_equal(in.rep_count, 0);
	assert_int_equal(in.rep_start, 0);
	assert_false(in.reserved_bits_set);

	hv_hcall_decode(1ull << 16, &in);
	assert_true(in.fast);
	assert_int_equal(in.code, 0);

	/* variable header: 10 bits at 26:17 */
	hv_hcall_decode(1ull << 17, &in);
	assert_int_equal(in.var_hdr_qwords, 1);
	hv_hcall_decode(0x3FFull << 17, &in);
	assert_int_equal(in.var_hdr_qwords, 0x3FF);
	assert_false(in.reserved_bits_set);
	assert_false(in.fast);

	/* rep count 43:32, rep start 59:48 */
	hv_hcall_decode(0xFFFull << 32, &in);
	assert_int_equal(in.rep_count, 0xFFF);
	assert_int_equal(in.rep_start, 0);
	assert_false(in.reserved_bits_set);
	hv_hcall_decode(0xFFFull << 48, &in);
	assert_int_equal(in.rep_start, 0xFFF);
	assert_int_equal(in.rep_count, 0);
	assert_false(in.reserved_bits_set);

	hv_hcall_decode(ctl(0x14, true, 3, 25, 20), &in);
	assert_int_equal(in.code, 0x14);
	assert_true(in.fast);
	assert_int_equal(in.var_hdr_qwords, 3);
	assert_int_equal(in.rep_count, 25);
	assert_int_equal(in.rep_start, 20);
	assert_false(in.reserved_bits_set);
}

static void test_decode_reserved(void **state)
{
	static const unsigned rsvd[] = { 27, 28, 29, 30, 31, 44, 45, 46, 47,
					 60, 61, 62, 63 };
	struct hv_hcall_input in;
	unsigned b, i;

	(void)state;
	for (i = 0; i < sizeof(rsvd) / sizeof(rsvd[0]); i++) {
		hv_hcall_decode(1ull << rsvd[i], &in);
		assert_true(in.reserved_bits_set);
		/* reserved bits leak into no field */
		assert_int_equal(in.code, 0);
		assert_int_equal(in.var_hdr_qwords, 0);
		assert_int_equal(in.rep_count, 0);
		assert_int_equal(in.rep_start, 0);
	}
	/* every other bit is a field bit */
	for (b = 0; b < 64; b++) {
		bool is_rsvd = false;

		for (i = 0; i < sizeof(rsvd) / sizeof(rsvd[0]); i++)
			is_rsvd |= rsvd[i] == b;
		hv_hcall_decode(1ull << b, &in);
		assert_int_equal(in.reserved_bits_set, is_rsvd);
	}
}

static void test_result_layout(void **state)
{
	(void)state;
	assert_int_equal(hv_hcall_result(HV_STATUS_SUCCESS, 0), 0);
	assert_int_equal(hv_hcall_result(HV_STATUS_INVALID_HYPERCALL_CODE, 0), 2);
	assert_int_equal(hv_hcall_result(HV_STATUS_SUCCESS, 10), 10ull << 32);
	assert_int_equal(hv_hcall_result(0x1234, 0xFFF), 0x00000FFF00001234ull);
	/* reps completed is 12 bits: nothing spills into 63:44 */
	assert_int_equal(hv_hcall_result(0xFFFF, 0xFFFF), 0x00000FFF0000FFFFull);
}

static void test_table(void **state)
{
	static const uint16_t codes[] = { 0x2, 0x3, 0x8, 0xb, 0x13, 0x14, 0x15,
					  0x5c, 0x5d, 0x8001 };
	unsigned i, j;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		const struct hv_hcall_desc *d = hv_hcall_lookup(codes[i]);
		const struct hv_feature *ft;
		bool listed = false;

		assert_non_null(d);
		assert_int_equal(d->code, codes[i]);
		assert_non_null(d->name);
		if (d->feature == HV_FEAT_NONE)
			continue;
		/* the feature table lists the codes it unlocks */
		ft = hv_feature_get(d->feature);
		assert_non_null(ft);
		for (j = 0; j < HV_FEAT_MAX_HCALLS; j++)
			listed |= ft->hcalls[j] == codes[i];
		assert_true(listed);
	}
	assert_null(hv_hcall_lookup(0));
	assert_null(hv_hcall_lookup(0x1));
	assert_null(hv_hcall_lookup(0x69));	/* debug calls: not implemented */
	assert_true(hv_hcall_lookup(0x3)->rep);
	assert_true(hv_hcall_lookup(0x14)->rep);
	assert_false(hv_hcall_lookup(0x13)->rep);
	assert_true(hv_hcall_lookup(0x15)->var_hdr_ok);
	assert_false(hv_hcall_lookup(0xb)->var_hdr_ok);
	assert_false(hv_hcall_lookup(0x5c)->fast_ok);
	assert_true(hv_hcall_lookup(0x5d)->fast_ok);
}

static void test_feature_gating(void **state)
{
	(void)state;
	assert_null(hv_hcall_find(HVCALL_SEND_IPI, B(VPINDEX)));
	assert_non_null(hv_hcall_find(HVCALL_SEND_IPI, B(VPINDEX) | B(IPI)));
	assert_null(hv_hcall_find(HVCALL_POST_MESSAGE, hv_windows_features & ~B(SYNIC)));
	assert_non_null(hv_hcall_find(HVCALL_POST_MESSAGE, B(SYNIC)));
	assert_non_null(hv_hcall_find(HVCALL_NOTIFY_LONG_SPIN_WAIT, 0));
	assert_null(hv_hcall_find(0x7777, ~0ull));
	assert_int_equal(check(ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, false, 0, 0, 0),
			       B(SYNIC)), HV_STATUS_INVALID_HYPERCALL_CODE);
	assert_int_equal(check(ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE, false, 0, 0, 0),
			       B(TLBFLUSH)), HV_STATUS_SUCCESS);
}

static void test_status_paths(void **state)
{
	const uint64_t all = ~0ull;

	(void)state;
	/* unknown code */
	assert_int_equal(check(ctl(0x7777, false, 0, 0, 0), all),
			 HV_STATUS_INVALID_HYPERCALL_CODE);
	/* reserved bits first, even on an unknown code (KVM's order) */
	assert_int_equal(check(ctl(0x7777, false, 0, 0, 0) | (1ull << 63), all),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check(ctl(HVCALL_SIGNAL_EVENT, true, 0, 0, 0) | (1ull << 30), all),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	/* fast on slow-only calls */
	assert_int_equal(check(ctl(HVCALL_POST_MESSAGE, true, 0, 0, 0), all),
			 HV_STATUS_INVALID_HYPERCALL_CODE);
	assert_int_equal(check(ctl(HVCALL_POST_MESSAGE, false, 0, 0, 0), all),
			 HV_STATUS_SUCCESS);
	assert_int_equal(check(ctl(HVCALL_EXT_QUERY_CAPABILITIES, true, 0, 0, 0), all),
			 HV_STATUS_INVALID_PARAMETER);
	assert_int_equal(check(ctl(HVCALL_EXT_QUERY_CAPABILITIES, false, 0, 0, 0), all),
			 HV_STATUS_SUCCESS);
	/* SignalEvent either way */
	assert_int_equal(check(ctl(HVCALL_SIGNAL_EVENT, true, 0, 0, 0), all),
			 HV_STATUS_SUCCESS);
	assert_int_equal(check(ctl(HVCALL_SIGNAL_EVENT, false, 0, 0, 0), all),
			 HV_STATUS_SUCCESS);
	/* variable header only where documented */
	assert_int_equal(check(ctl(HVCALL_SEND_IPI, true, 1, 0, 0), all),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check(ctl(HVCALL_SEND_IPI_EX, true, 1, 0, 0), all),
			 HV_STATUS_SUCCESS);
	assert_int_equal(check(ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX, false, 2, 0, 0),
			       all), HV_STATUS_SUCCESS);
	assert_int_equal(check(ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, false, 1, 1, 0), all),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check(ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX, false, 1, 1, 0),
			       all), HV_STATUS_SUCCESS);
	/* rep fields on a simple call */
	assert_int_equal(check(ctl(HVCALL_NOTIFY_LONG_SPIN_WAIT, true, 0, 1, 0), all),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check(ctl(HVCALL_NOTIFY_LONG_SPIN_WAIT, true, 0, 0, 1), all),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check(ctl(HVCALL_NOTIFY_LONG_SPIN_WAIT, true, 0, 0, 0), all),
			 HV_STATUS_SUCCESS);
	/* rep calls: count > 0 and start < count */
	assert_int_equal(check(ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, false, 0, 0, 0), all),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check(ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, false, 0, 25, 20), all),
			 HV_STATUS_SUCCESS);
	assert_int_equal(check(ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, false, 0, 25, 24), all),
			 HV_STATUS_SUCCESS);
	assert_int_equal(check(ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, false, 0, 25, 25), all),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check(ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, false, 0, 25, 26), all),
			 HV_STATUS_INVALID_HYPERCALL_INPUT);
	assert_int_equal(check(ctl(HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST, true, 0, 0xFFF, 0), all),
			 HV_STATUS_SUCCESS);
	/* NULL descriptor (disabled) */
	{
		struct hv_hcall_input in;

		hv_hcall_decode(ctl(HVCALL_SEND_IPI, true, 0, 0, 0), &in);
		assert_int_equal(hv_hcall_check(&in, NULL), HV_STATUS_INVALID_HYPERCALL_CODE);
	}
}

static void test_gpa(void **state)
{
	(void)state;
	assert_int_equal(hv_hcall_check_gpa(0x1000, 16), HV_STATUS_SUCCESS);
	assert_int_equal(hv_hcall_check_gpa(0x1ff8, 8), HV_STATUS_SUCCESS);
	assert_int_equal(hv_hcall_check_gpa(0x1000, 4096), HV_STATUS_SUCCESS);
	assert_int_equal(hv_hcall_check_gpa(0x1004, 8), HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(hv_hcall_check_gpa(0x1001, 1), HV_STATUS_INVALID_ALIGNMENT);
	/* crossing into the next page */
	assert_int_equal(hv_hcall_check_gpa(0x1ff8, 16), HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(hv_hcall_check_gpa(0x1000, 4097), HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(hv_hcall_check_gpa(0x1008, 4096), HV_STATUS_INVALID_ALIGNMENT);
	/* wrap-around at the top of the address space */
	assert_int_equal(hv_hcall_check_gpa(0xFFFFFFFFFFFFFFF8ull, 8), HV_STATUS_SUCCESS);
	assert_int_equal(hv_hcall_check_gpa(0xFFFFFFFFFFFFFFF8ull, 16),
			 HV_STATUS_INVALID_ALIGNMENT);
	assert_int_equal(hv_hcall_check_gpa(0x1000, UINT64_MAX), HV_STATUS_INVALID_ALIGNMENT);
	/* no parameters: the GPA is ignored */
	assert_int_equal(hv_hcall_check_gpa(0x1234567, 0), HV_STATUS_SUCCESS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_positions),
		cmocka_unit_test(test_decode_reserved),
		cmocka_unit_test(test_result_layout),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_feature_gating),
		cmocka_unit_test(test_status_paths),
		cmocka_unit_test(test_gpa),
	};

	return cmocka_run_group_tests_name("hv_hypercall", tests, NULL, NULL);
}
