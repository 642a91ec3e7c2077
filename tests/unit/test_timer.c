/* Host-timer service tests on the real CLOCK_MONOTONIC (short deadlines): firing order,
 * re-arming from a callback, cancel, disarm with UINT64_MAX. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <time.h>

#include "vmm/timer.h"

#define MS 1000000ull

struct rec {
	struct vtimer t;
	volatile int fired;
	volatile uint64_t at;
	volatile int order;
	int rearm_left;
	volatile int *seq;
};

static void rec_fn(void *opaque, uint64_t now)
{
	struct rec *r = opaque;

	r->fired++;
	r->at = now;
	r->order = ++*r->seq;
	if (r->rearm_left-- > 0)
		vtimer_arm(&r->t, now + MS);
}

static void wait_until(volatile int *v, int want, unsigned max_ms)
{
	struct timespec d = { 0, 1000000 };

	for (unsigned i = 0; i < max_ms && *v < want; i++)
		nanosleep(&d, NULL);
}

static void test_order_rearm_cancel(void **state)
{
	struct timer_service ts;
	volatile int seq = 0;
	struct rec a = { .seq = &seq }, b = { .seq = &seq }, c = { .seq = &seq };
	uint64_t now;

	(void)state;
	assert_int_equal(timer_service_init(&ts), 0);
	vtimer_init(&a.t, &ts, rec_fn, &a);
	vtimer_init(&b.t, &ts, rec_fn, &b);
	vtimer_init(&c.t, &ts, rec_fn, &c);
	now = timer_now_ns();
	vtimer_arm(&a.t, now + 20 * MS);
	vtimer_arm(&b.t, now + 5 * MS); /* earlier: wakes the thread */
	vtimer_arm(&c.t, now + 10 * MS);
	vtimer_arm(&c.t, UINT64_MAX);   /* disarmed */
	wait_until(&a.fired, 1, 2000);
	assert_int_equal(b.fired, 1);
	assert_int_equal(a.fired, 1);
	assert_int_equal(c.fired, 0);
	assert_int_equal(b.order, 1);
	assert_int_equal(a.order, 2);
	assert_true(b.at >= now + 5 * MS);
	assert_true(a.at >= now + 20 * MS);
	/* A callback re-arms itself three times. */
	c.rearm_left = 3;
	vtimer_arm(&c.t, 0);
	wait_until(&c.fired, 4, 2000);
	assert_int_equal(c.fired, 4);
	/* Cancel before the deadline: never fires. */
	vtimer_arm(&a.t, timer_now_ns() + 30 * MS);
	vtimer_cancel(&a.t);
	wait_until(&a.fired, 2, 60);
	assert_int_equal(a.fired, 1);
	timer_service_destroy(&ts);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_rearm_cancel),
	};

	return cmocka_run_group_tests_name("timer", tests, NULL, NULL);
}
