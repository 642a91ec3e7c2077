#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/bus.h"

struct rec {
	uint64_t off;
	unsigned len;
	bool write;
	uint64_t val;
	int calls;
};

static void rec_io(void *opaque, struct vcpu *v, uint64_t off, void *data, unsigned len, bool w)
{
	struct rec *r = opaque;

	(void)v;
	r->off = off;
	r->len = len;
	r->write = w;
	r->calls++;
	if (w)
		r->val = bus_data_get(data, len);
	else
		bus_data_put(data, len, 0x1122334455667788ull);
}

static void test_register_errors(void **state)
{
	struct bus b;
	struct rec r = { 0 };

	(void)state;
	bus_init(&b, "t");
	assert_int_equal(bus_register(&b, 0x10, 0, rec_io, &r, "zero"), -EINVAL);
	assert_int_equal(bus_register(&b, 0x10, 4, NULL, &r, "nofn"), -EINVAL);
	assert_int_equal(bus_register(&b, UINT64_MAX, 2, rec_io, &r, "wrap"), -EOVERFLOW);
	assert_int_equal(bus_register(&b, UINT64_MAX, 1, rec_io, &r, "last"), 0);
	assert_int_equal(bus_register(&b, 0x100, 0x10, rec_io, &r, "a"), 0);
	assert_int_equal(bus_register(&b, 0x10f, 1, rec_io, &r, "tail"), -EEXIST);
	assert_int_equal(bus_register(&b, 0xf0, 0x11, rec_io, &r, "head"), -EEXIST);
	assert_int_equal(bus_register(&b, 0xf0, 0x10, rec_io, &r, "below"), 0);
	assert_int_equal(bus_register(&b, 0x110, 0x10, rec_io, &r, "above"), 0);
	assert_int_equal(bus_register(&b, 0x00, 0x1000, rec_io, &r, "cover"), -EEXIST);
	bus_freeze(&b);
	assert_int_equal(bus_register(&b, 0x2000, 1, rec_io, &r, "late"), -EPERM);
	assert_int_equal(b.count, 4);
	bus_destroy(&b);
}

static void test_dispatch_offsets(void **state)
{
	struct bus b;
	struct rec a = { 0 }, c = { 0 };
	uint8_t data[8];

	(void)state;
	bus_init(&b, "t");
	for (unsigned i = 0; i < 40; i++) /* force growth and many binary-search steps */
		assert_int_equal(bus_register(&b, 0x1000 + i * 0x10, 8, rec_io, &c, "x"), 0);
	assert_int_equal(bus_register(&b, 0x3f8, 8, rec_io, &a, "uart"), 0);
	bus_data_put(data, 2, 0xbeef);
	assert_true(bus_access(&b, NULL, 0x3fa, data, 2, true));
	assert_int_equal(a.off, 2);
	assert_int_equal(a.len, 2);
	assert_true(a.write);
	assert_int_equal(a.val, 0xbeef);
	assert_true(bus_access(&b, NULL, 0x1000 + 39 * 0x10 + 4, data, 4, false));
	assert_int_equal(c.off, 4);
	assert_int_equal(bus_data_get(data, 4), 0x55667788);
	bus_destroy(&b);
}

static void test_unclaimed(void **state)
{
	struct bus b;
	struct rec a = { 0 };
	uint8_t data[4] = { 1, 2, 3, 4 };

	(void)state;
	bus_init(&b, "t");
	assert_int_equal(bus_register(&b, 0x70, 2, rec_io, &a, "cmos"), 0);
	assert_false(bus_access(&b, NULL, 0x80, data, 4, false));
	assert_memory_equal(data, "\xff\xff\xff\xff", 4);
	/* Straddling the end of a range is unclaimed, not truncated. */
	assert_false(bus_access(&b, NULL, 0x71, data, 2, false));
	assert_false(bus_access(&b, NULL, 0x6f, data, 2, true));
	assert_int_equal(a.calls, 0);
	assert_null(bus_find(&b, UINT64_MAX, 2));
	bus_destroy(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_register_errors),
		cmocka_unit_test(test_dispatch_offsets),
		cmocka_unit_test(test_unclaimed),
	};
	return cmocka_run_group_tests_name("bus", tests, NULL, NULL);
}
