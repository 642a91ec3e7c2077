/* 8254 PIT tests with a fake clock: modes 0-5 (OUT and counts), access modes, latch,
 * read-back and status, BCD, IRQ0 edges and deadlines, port 0x61. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bus_io.h"
#include "vmm/dev/i8254.h"

struct fx {
	struct i8254 pit;
	struct bus pio;
	uint64_t now_ns;
	int level;
	unsigned rises, sets, rearms;
};

static uint64_t fake_clock(void *opaque)
{
	return ((struct fx *)opaque)->now_ns;
}

static void fake_irq(void *opaque, unsigned gsi, int level)
{
	struct fx *fx = opaque;

	assert_int_equal(gsi, I8254_IRQ);
	if (level && !fx->level)
		fx->rises++;
	fx->level = level;
	fx->sets++;
}

static void fake_rearm(void *opaque)
{
	((struct fx *)opaque)->rearms++;
}

/* Move the clock to input clock t (counted from the reset at 1 s). */
static void at_tick(struct fx *fx, uint64_t t)
{
	fx->now_ns = 1000000000ull + (t * 1000000000ull + I8254_HZ - 1) / I8254_HZ;
}

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof(*fx));

	fx->now_ns = 1000000000ull;
	i8254_init(&fx->pit, &(struct i8254_config){
				     .clock = { fake_clock, fx },
				     .irq = { fake_irq, fx, I8254_IRQ },
				     .rearm = fake_rearm,
				     .rearm_opaque = fx,
			     });
	bus_init(&fx->pio, "pio");
	assert_int_equal(i8254_register(&fx->pit, &fx->pio), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	bus_destroy(&fx->pio);
	test_free(fx);
	return 0;
}

static void program(struct fx *fx, unsigned ch, unsigned mode, unsigned count)
{
	test_bus_out(&fx->pio, 0x43, 1, ch << 6 | 3 << 4 | mode << 1);
	test_bus_out(&fx->pio, 0x40 + ch, 1, count & 0xff);
	test_bus_out(&fx->pio, 0x40 + ch, 1, (count >> 8) & 0xff);
}

static unsigned read_word(struct fx *fx, unsigned ch)
{
	unsigned lo = test_bus_in(&fx->pio, 0x40 + ch, 1);

	return lo | test_bus_in(&fx->pio, 0x40 + ch, 1) << 8;
}

static void test_mode2_rate_generator_irq(void **state)
{
	struct fx *fx = *state;

	program(fx, 0, 2, 1000);
	assert_true(fx->rearms >= 1);
	assert_int_equal(fx->level, 1); /* OUT high in mode 2 */
	assert_int_equal(fx->rises, 1);
	at_tick(fx, 1);
	assert_int_equal(i8254_count(&fx->pit, 0), 999);
	at_tick(fx, 998);
	assert_int_equal(i8254_count(&fx->pit, 0), 2);
	at_tick(fx, 999);
	assert_false(i8254_out(&fx->pit, 0)); /* low for the clock where the count is 1 */
	/* The next deadline is the reload at 1000 clocks. */
	at_tick(fx, 10);
	i8254_tick(&fx->pit);
	at_tick(fx, 1000);
	assert_int_equal(i8254_next_deadline(&fx->pit), fx->now_ns);
	i8254_tick(&fx->pit);
	assert_int_equal(fx->rises, 2);
	assert_int_equal(fx->pit.irqs, 1);
	/* Three periods missed: one coalesced edge. */
	at_tick(fx, 4500);
	i8254_tick(&fx->pit);
	assert_int_equal(fx->rises, 3);
	at_tick(fx, 4600);
	i8254_tick(&fx->pit);
	assert_int_equal(fx->rises, 3);
	at_tick(fx, 5000);
	assert_int_equal(i8254_next_deadline(&fx->pit), fx->now_ns);
}

static void test_mode0_terminal_count(void **state)
{
	struct fx *fx = *state;

	program(fx, 0, 0, 100);
	assert_int_equal(fx->level, 0);
	at_tick(fx, 40);
	assert_int_equal(i8254_count(&fx->pit, 0), 60);
	i8254_tick(&fx->pit);
	assert_int_equal(fx->rises, 0);
	at_tick(fx, 100);
	assert_int_equal(i8254_next_deadline(&fx->pit), fx->now_ns);
	i8254_tick(&fx->pit);
	assert_int_equal(fx->rises, 1);
	assert_int_equal(fx->level, 1);
	assert_int_equal(i8254_next_deadline(&fx->pit), UINT64_MAX); /* one shot */
	at_tick(fx, 101);
	assert_int_equal(i8254_count(&fx->pit, 0), 0xffff); /* keeps counting past zero */
	/* Writing the first byte of a new count stops it; OUT goes low on the control word. */
	test_bus_out(&fx->pio, 0x43, 1, 0x30);
	assert_int_equal(fx->level, 0);
}

static void test_mode3_square_wave(void **state)
{
	struct fx *fx = *state;

	program(fx, 0, 3, 10);
	at_tick(fx, 4);
	assert_true(i8254_out(&fx->pit, 0));
	at_tick(fx, 5);
	assert_false(i8254_out(&fx->pit, 0));
	assert_int_equal(i8254_count(&fx->pit, 0), 10); /* counts by two: 10-(10%10) */
	at_tick(fx, 7);
	assert_int_equal(i8254_count(&fx->pit, 0), 6);
	at_tick(fx, 10);
	assert_true(i8254_out(&fx->pit, 0));
	i8254_tick(&fx->pit);
	assert_int_equal(fx->pit.irqs, 1);
}

static void test_mode4_strobe_and_mode1_gate(void **state)
{
	struct fx *fx = *state;

	program(fx, 2, 4, 50);
	at_tick(fx, 49);
	assert_true(i8254_out(&fx->pit, 2));
	at_tick(fx, 50);
	assert_false(i8254_out(&fx->pit, 2));
	at_tick(fx, 51);
	assert_true(i8254_out(&fx->pit, 2));
	/* Mode 1 waits for a GATE rising edge (port 0x61 bit 0 for channel 2). */
	program(fx, 2, 1, 30);
	at_tick(fx, 60);
	assert_true(i8254_out(&fx->pit, 2));
	test_bus_out(&fx->pio, 0x61, 1, 0x01);
	at_tick(fx, 61);
	assert_false(i8254_out(&fx->pit, 2));
	assert_int_equal(test_bus_in(&fx->pio, 0x61, 1) & 0x21, 0x01); /* gate, OUT2 low */
	at_tick(fx, 90);
	assert_int_equal(test_bus_in(&fx->pio, 0x61, 1) & 0x21, 0x21); /* OUT2 high */
	/* Mode 5: triggered by GATE, strobe at terminal count. */
	test_bus_out(&fx->pio, 0x61, 1, 0x00);
	program(fx, 2, 5, 5);
	test_bus_out(&fx->pio, 0x61, 1, 0x01);
	at_tick(fx, 95);
	assert_false(i8254_out(&fx->pit, 2));
	at_tick(fx, 96);
	assert_true(i8254_out(&fx->pit, 2));
}

static void test_gate_low_stops_mode2(void **state)
{
	struct fx *fx = *state;

	program(fx, 2, 2, 100); /* gate 2 is low after reset */
	assert_true(i8254_out(&fx->pit, 2));
	test_bus_out(&fx->pio, 0x61, 1, 0x01); /* rising gate restarts the count */
	at_tick(fx, 99);
	assert_false(i8254_out(&fx->pit, 2));
}

static void test_access_modes_and_latch(void **state)
{
	struct fx *fx = *state;

	/* LSB only. */
	test_bus_out(&fx->pio, 0x43, 1, 0x14); /* ch0, LSB, mode 2 */
	test_bus_out(&fx->pio, 0x40, 1, 200);
	at_tick(fx, 50);
	assert_int_equal(test_bus_in(&fx->pio, 0x40, 1), 150);
	/* MSB only: count 0x0200. */
	test_bus_out(&fx->pio, 0x43, 1, 0x24);
	test_bus_out(&fx->pio, 0x40, 1, 0x02);
	at_tick(fx, 50 + 0x100);
	assert_int_equal(test_bus_in(&fx->pio, 0x40, 1), 0x01);
	/* Word, with a latch that freezes the value until both bytes are read. */
	program(fx, 1, 2, 0x1234);
	at_tick(fx, 1000);
	test_bus_out(&fx->pio, 0x43, 1, 0x40); /* latch ch1 */
	at_tick(fx, 1100);
	test_bus_out(&fx->pio, 0x43, 1, 0x40); /* ignored: not read yet */
	assert_int_equal(read_word(fx, 1), 0x1234 - (1000 - 50 - 0x100));
	assert_int_equal(read_word(fx, 1), 0x1234 - (1100 - 50 - 0x100));
}

static void test_readback_status(void **state)
{
	struct fx *fx = *state;

	test_bus_out(&fx->pio, 0x43, 1, 0x34); /* ch0 word mode 2 */
	/* Read-back status of ch0: null count set, OUT high, RW 3, mode 2. */
	test_bus_out(&fx->pio, 0x43, 1, 0xe2);
	assert_int_equal(test_bus_in(&fx->pio, 0x40, 1), 0x80 | 0x40 | 0x30 | 0x04);
	test_bus_out(&fx->pio, 0x40, 1, 0x00);
	test_bus_out(&fx->pio, 0x40, 1, 0x10); /* 0x1000 */
	at_tick(fx, 16);
	/* Status and count together: status first, then the count. */
	test_bus_out(&fx->pio, 0x43, 1, 0xc2);
	assert_int_equal(test_bus_in(&fx->pio, 0x40, 1), 0x80 | 0x30 | 0x04);
	assert_int_equal(read_word(fx, 0), 0x1000 - 16);
	/* Count 0 means 65536. */
	program(fx, 0, 2, 0);
	at_tick(fx, 17);
	assert_int_equal(i8254_count(&fx->pit, 0), 65535);
}

static void test_bcd(void **state)
{
	struct fx *fx = *state;

	test_bus_out(&fx->pio, 0x43, 1, 0x35); /* ch0 word mode 2 BCD */
	test_bus_out(&fx->pio, 0x40, 1, 0x00);
	test_bus_out(&fx->pio, 0x40, 1, 0x10); /* BCD 1000 */
	at_tick(fx, 1);
	assert_int_equal(read_word(fx, 0), 0x0999);
	at_tick(fx, 1000);
	assert_true(fx->pit.ch[0].n == 1000);
}

static void test_port61_and_reset(void **state)
{
	struct fx *fx = *state;
	unsigned a, b;

	test_bus_out(&fx->pio, 0x61, 1, 0x03);
	assert_int_equal(test_bus_in(&fx->pio, 0x61, 1) & 0x03, 0x03);
	/* The refresh bit toggles with time. */
	fx->now_ns = 1000000000ull;
	a = test_bus_in(&fx->pio, 0x61, 1) & 0x10;
	fx->now_ns += 15085;
	b = test_bus_in(&fx->pio, 0x61, 1) & 0x10;
	assert_int_not_equal(a, b);
	program(fx, 0, 2, 100);
	i8254_reset(&fx->pit);
	assert_int_equal(fx->level, 0);
	assert_int_equal(i8254_next_deadline(&fx->pit), UINT64_MAX);
	assert_int_equal(test_bus_in(&fx->pio, 0x61, 1) & 0x03, 0);
	/* Reads of the control port and writes before a control word are harmless. */
	test_bus_out(&fx->pio, 0x41, 1, 0x55);
	assert_int_equal(test_bus_in(&fx->pio, 0x43, 1), 0xff);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_mode2_rate_generator_irq, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode0_terminal_count, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode3_square_wave, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mode4_strobe_and_mode1_gate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_low_stops_mode2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_access_modes_and_latch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readback_status, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bcd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_port61_and_reset, setup, teardown),
	};

	return cmocka_run_group_tests_name("i8254", tests, NULL, NULL);
}
