/* hyperv/hv_stimer: synthetic timer scheduling (TLFS "Timers", KVM's stimer semantics). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "hyperv/hv_stimer.h"

#define MSG_CFG(sint)	(HV_STIMER_ENABLE | ((uint64_t)(sint) << HV_STIMER_SINTX_SHIFT))

static void test_one_shot(void **state)
{
	struct hv_stimer t;

	(void)state;
	hv_stimer_init(&t);
	assert_int_equal(hv_stimer_write_config(&t, MSG_CFG(2), false, 100), 0);
	assert_int_equal(hv_stimer_next(&t), HV_STIMER_NEVER); /* no count yet */
	hv_stimer_write_count(&t, 5000, 100);
	assert_int_equal(hv_stimer_next(&t), 5000); /* absolute */
	assert_false(hv_stimer_due(&t, 4999));
	assert_true(hv_stimer_due(&t, 5000));
	hv_stimer_expired(&t, 5003, true);
	assert_false(t.config & HV_STIMER_ENABLE); /* a delivered one-shot disables itself */
	assert_int_equal(hv_stimer_next(&t), HV_STIMER_NEVER);
	assert_false(hv_stimer_due(&t, 1000000));
}

static void test_one_shot_in_the_past(void **state)
{
	struct hv_stimer t;

	(void)state;
	hv_stimer_init(&t);
	hv_stimer_write_config(&t, MSG_CFG(1), false, 0);
	hv_stimer_write_count(&t, 10, 900000);
	assert_true(hv_stimer_due(&t, 900000)); /* fires at once */
}

static void test_periodic_no_drift(void **state)
{
	const uint64_t start = 12345, period = 1000;
	struct hv_stimer t;
	uint64_t now;

	(void)state;
	hv_stimer_init(&t);
	hv_stimer_write_count(&t, period, start);
	assert_int_equal(hv_stimer_write_config(&t, MSG_CFG(3) | HV_STIMER_PERIODIC, false, start),
			 0);
	/* 10^6 periods, each serviced late by a varying amount below one period: the grid
	 * stays start + k * period. */
	for (uint64_t k = 1; k <= 1000000; k++) {
		assert_int_equal(hv_stimer_next(&t), start + k * period);
		now = start + k * period + (k * 7919) % period;
		assert_true(hv_stimer_due(&t, now));
		hv_stimer_expired(&t, now, true);
	}
	assert_int_equal(hv_stimer_next(&t), start + 1000001 * period);
	assert_true(t.config & HV_STIMER_ENABLE);
}

static void test_periodic_skips_missed(void **state)
{
	struct hv_stimer t;

	(void)state;
	hv_stimer_init(&t);
	hv_stimer_write_count(&t, 100, 0);
	hv_stimer_write_config(&t, MSG_CFG(1) | HV_STIMER_PERIODIC | HV_STIMER_LAZY, false, 0);
	assert_int_equal(hv_stimer_next(&t), 100);
	hv_stimer_expired(&t, 1050, true); /* ten periods late */
	assert_int_equal(hv_stimer_next(&t), 1100);
}

static void test_pending_waits(void **state)
{
	struct hv_stimer t;

	(void)state;
	hv_stimer_init(&t);
	hv_stimer_write_config(&t, MSG_CFG(1), false, 0);
	hv_stimer_write_count(&t, 50, 0);
	hv_stimer_expired(&t, 60, false); /* slot busy */
	assert_true(t.msg_pending);
	assert_int_equal(hv_stimer_next(&t), HV_STIMER_NEVER); /* waits for the guest */
	assert_true(hv_stimer_due(&t, 61));
	assert_int_equal(t.exp_time, 50); /* the retry reports the original expiry */
	hv_stimer_expired(&t, 70, true);
	assert_false(t.msg_pending);
	assert_false(t.config & HV_STIMER_ENABLE);
}

static void test_auto_enable_and_count_zero(void **state)
{
	struct hv_stimer t;

	(void)state;
	hv_stimer_init(&t);
	hv_stimer_write_config(&t, HV_STIMER_AUTOENABLE | (2ull << HV_STIMER_SINTX_SHIFT), false,
			       0);
	assert_false(t.config & HV_STIMER_ENABLE);
	hv_stimer_write_count(&t, 300, 0);
	assert_true(t.config & HV_STIMER_ENABLE);
	assert_int_equal(hv_stimer_next(&t), 300);
	hv_stimer_write_count(&t, 0, 10);
	assert_false(t.config & HV_STIMER_ENABLE);
	assert_int_equal(hv_stimer_next(&t), HV_STIMER_NEVER);
	/* without auto-enable a count does not enable */
	hv_stimer_write_config(&t, 2ull << HV_STIMER_SINTX_SHIFT, false, 0);
	hv_stimer_write_count(&t, 300, 0);
	assert_false(t.config & HV_STIMER_ENABLE);
}

static void test_config_rules(void **state)
{
	struct hv_stimer t;

	(void)state;
	hv_stimer_init(&t);
	/* SINTx 0 in message mode keeps the timer disabled */
	assert_int_equal(hv_stimer_write_config(&t, HV_STIMER_ENABLE, false, 0), 0);
	assert_false(t.config & HV_STIMER_ENABLE);
	/* direct mode: gated by hv-stimer-direct, SINTx irrelevant */
	assert_int_equal(hv_stimer_write_config(&t, HV_STIMER_ENABLE | HV_STIMER_DIRECT_MODE |
						    (0x40ull << HV_STIMER_APIC_VECTOR_SHIFT),
						false, 0), -EINVAL);
	assert_int_equal(hv_stimer_write_config(&t, HV_STIMER_ENABLE | HV_STIMER_DIRECT_MODE |
						    (0x40ull << HV_STIMER_APIC_VECTOR_SHIFT),
						true, 0), 0);
	assert_true(hv_stimer_enabled(&t));
	assert_true(hv_stimer_direct(&t));
	assert_int_equal(hv_stimer_vector(&t), 0x40);
	assert_int_equal(hv_stimer_write_config(&t, 1ull << 20, true, 0), -EINVAL);
	/* a rewrite restarts: a pending expiry is dropped */
	hv_stimer_write_config(&t, MSG_CFG(4), false, 0);
	hv_stimer_write_count(&t, 10, 0);
	hv_stimer_expired(&t, 20, false);
	hv_stimer_write_count(&t, 500, 30);
	assert_false(t.msg_pending);
	assert_int_equal(hv_stimer_sint(&t), 4);
	assert_int_equal(hv_stimer_next(&t), 500);
}

/* The early-kick lead (hv_stimer.h): widened by a whole miss, narrowed by an eighth of an
 * excess, clamped, and left alone by an arrival that says nothing (paused vCPU). */
static void test_lead_update(void **state)
{
	(void)state;
	assert_int_equal(hv_stimer_lead_update(1000, -300), 1000 + HV_STIMER_LEAD_AIM + 300);
	assert_int_equal(hv_stimer_lead_update(1000, HV_STIMER_LEAD_AIM), 1000);
	assert_int_equal(hv_stimer_lead_update(1000, HV_STIMER_LEAD_AIM + 800), 900);
	assert_int_equal(hv_stimer_lead_update(HV_STIMER_LEAD_MIN, 2000), HV_STIMER_LEAD_MIN);
	assert_int_equal(hv_stimer_lead_update(HV_STIMER_LEAD_MAX, -2000), HV_STIMER_LEAD_MAX);
	assert_int_equal(hv_stimer_lead_update(1000, -50000), 1000);
	assert_int_equal(hv_stimer_lead_update(1000, 50000), 1000);
	assert_int_equal(hv_stimer_lead_update(0, 50000), HV_STIMER_LEAD_MIN);
	/* A steady arrival 30 us early settles the lead 10 us lower than it was. */
	uint64_t l = 2000;
	for (int i = 0; i < 200; i++)
		l = hv_stimer_lead_update(l, 300 - (2000 - (int64_t)l));
	assert_true(l >= 1890 && l <= 1910);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_shot),
		cmocka_unit_test(test_one_shot_in_the_past),
		cmocka_unit_test(test_periodic_no_drift),
		cmocka_unit_test(test_periodic_skips_missed),
		cmocka_unit_test(test_pending_waits),
		cmocka_unit_test(test_auto_enable_and_count_zero),
		cmocka_unit_test(test_config_rules),
		cmocka_unit_test(test_lead_update),
	};

	return cmocka_run_group_tests_name("hv_stimer", tests, NULL, NULL);
}
