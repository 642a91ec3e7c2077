/* isa-debug-exit, the i8042 / port 0x92 reset paths and the port 0x80 latch. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/dev/debug_exit.h"
#include "vmm/dev/post_port.h"
#include "vmm/dev/reset_ports.h"
#include "vmm/log.h"

struct fake_ctl {
	unsigned count;
	enum vm_request req[16];
	int status[16];
};

static void fake_request(void *opaque, enum vm_request req, int status)
{
	struct fake_ctl *c = opaque;

	assert_true(c->count < 16);
	c->req[c->count] = req;
	c->status[c->count] = status;
	c->count++;
}

static void out(struct bus *pio, uint16_t port, uint32_t v, unsigned len)
{
	uint8_t d[4];

	bus_data_put(d, len, v);
	assert_true(bus_access(pio, NULL, port, d, len, true));
}

static uint32_t in(struct bus *pio, uint16_t port, unsigned len)
{
	uint8_t d[4];

	memset(d, 0xcc, sizeof(d));
	assert_true(bus_access(pio, NULL, port, d, len, false));
	return (uint32_t)bus_data_get(d, len);
}

/* --- isa-debug-exit ------------------------------------------------------------------ */

static void test_debug_exit_status_per_iosize(void **state)
{
	static const uint8_t sizes[] = { 1, 2, 4 };
	static const struct {
		uint32_t v;
		int status;
	} writes[] = {
		{ 0x00, 0x01 },
		{ 0x01, 0x03 },
		{ 0x31, 0x63 },
	};

	(void)state;
	for (unsigned s = 0; s < sizeof(sizes); s++) {
		struct fake_ctl ctl = { 0 };
		struct debug_exit_config cfg = {
			.iobase = 0xf4, .iosize = sizes[s],
			.ctl = { .request = fake_request, .opaque = &ctl },
		};
		struct debug_exit d;
		struct bus pio;

		bus_init(&pio, "pio");
		assert_int_equal(debug_exit_init(&d, &cfg), 0);
		assert_int_equal(debug_exit_register(&d, &pio), 0);
		for (unsigned w = 0; w < ARRAY_SIZE(writes); w++) {
			out(&pio, 0xf4, writes[w].v, sizes[s]);
			assert_int_equal(ctl.count, w + 1);
			assert_int_equal(ctl.req[w], VM_REQ_EXIT);
			assert_int_equal(ctl.status[w], writes[w].status);
		}
		/* Reads return 0 at every offset. */
		for (unsigned off = 0; off < sizes[s]; off++)
			assert_int_equal(in(&pio, (uint16_t)(0xf4 + off), 1), 0);
		assert_int_equal(in(&pio, 0xf4, sizes[s]), 0);
		/* The window is exactly iosize ports wide. */
		uint8_t b = 0;
		assert_false(bus_access(&pio, NULL, 0xf4 + sizes[s], &b, 1, true));
		assert_int_equal(ctl.count, ARRAY_SIZE(writes));
		bus_destroy(&pio);
	}
}

static void test_debug_exit_wide_values(void **state)
{
	struct fake_ctl ctl = { 0 };
	struct debug_exit_config cfg = { .ctl = { .request = fake_request, .opaque = &ctl } };
	struct debug_exit d;
	struct bus pio;

	(void)state;
	bus_init(&pio, "pio");
	assert_int_equal(debug_exit_init(&d, &cfg), 0);
	assert_int_equal(d.iobase, DEBUG_EXIT_DEFAULT_IOBASE);
	assert_int_equal(d.iosize, DEBUG_EXIT_DEFAULT_IOSIZE);
	assert_int_equal(debug_exit_register(&d, &pio), 0);
	out(&pio, 0xf4, 0x1234, 2);
	out(&pio, 0xf4, 0x12345678, 4);
	out(&pio, 0xf6, 0x10, 1); /* any offset in the window */
	assert_int_equal(ctl.count, 3);
	assert_int_equal(ctl.status[0], 0x2469);
	assert_int_equal(ctl.status[1], 0x2468acf1);
	assert_int_equal(ctl.status[2], 0x21);
	/* The shell sees the low 8 bits: 0x7f -> 255. */
	assert_int_equal(debug_exit_status(0x7f) & 0xff, 0xff);
	bus_destroy(&pio);
}

static void test_debug_exit_bad_iosize(void **state)
{
	struct debug_exit_config cfg = { .iobase = 0x501, .iosize = 3 };
	struct debug_exit d;

	(void)state;
	log_quiet = true;
	assert_int_equal(debug_exit_init(&d, &cfg), -EINVAL);
	assert_non_null(strstr(log_last(), "iosize=3"));
	cfg.iosize = 8;
	assert_int_equal(debug_exit_init(&d, &cfg), -EINVAL);
	assert_int_equal(debug_exit_init(NULL, &cfg), -EINVAL);
	cfg.iosize = 2;
	assert_int_equal(debug_exit_init(&d, &cfg), 0);
	assert_int_equal(d.iobase, 0x501);
}

/* --- reset paths ---------------------------------------------------------------------- */

struct reset_fx {
	struct bus pio;
	struct reset_ports rp;
	struct fake_ctl ctl;
};

static int reset_setup(void **state)
{
	static struct reset_fx fx;
	struct reset_ports_config cfg;

	memset(&fx, 0, sizeof(fx));
	cfg = (struct reset_ports_config){ .ctl = { .request = fake_request, .opaque = &fx.ctl } };
	bus_init(&fx.pio, "pio");
	assert_int_equal(reset_ports_init(&fx.rp, &cfg), 0);
	assert_int_equal(reset_ports_register(&fx.rp, &fx.pio), 0);
	*state = &fx;
	return 0;
}

static int reset_teardown(void **state)
{
	struct reset_fx *fx = *state;

	bus_destroy(&fx->pio);
	return 0;
}

static void test_i8042_status_and_data(void **state)
{
	struct reset_fx *fx = *state;
	uint32_t st = in(&fx->pio, 0x64, 1);

	assert_int_equal(st & 0x03, 0);    /* no output data, input buffer empty */
	assert_int_equal(st & 0x04, 0x04); /* self-test passed */
	assert_int_equal(in(&fx->pio, 0x60, 1), 0);
	out(&fx->pio, 0x64, 0x20, 1);      /* read CTR: no answer, but the CMD bit follows */
	assert_int_equal(in(&fx->pio, 0x64, 1) & 0x0b, 0x08);
	out(&fx->pio, 0x60, 0x00, 1);
	assert_int_equal(in(&fx->pio, 0x64, 1) & 0x0b, 0x00);
	assert_int_equal(fx->ctl.count, 0);
}

static void test_i8042_fe_resets(void **state)
{
	struct reset_fx *fx = *state;

	out(&fx->pio, 0x64, 0xfe, 1);
	assert_int_equal(fx->ctl.count, 1);
	assert_int_equal(fx->ctl.req[0], VM_REQ_RESET);
	/* 0xFC pulses bits 0 and 1: bit 0 is still the reset line. */
	out(&fx->pio, 0x64, 0xfc, 1);
	assert_int_equal(fx->ctl.count, 2);
}

static void test_i8042_other_commands_do_not_reset(void **state)
{
	static const uint8_t cmds[] = { 0xff, 0xfd, 0xad, 0xae, 0xaa, 0xa7, 0x20, 0x60,
					0xd1, 0xd2, 0xef, 0x00 };
	struct reset_fx *fx = *state;

	for (unsigned i = 0; i < sizeof(cmds); i++)
		out(&fx->pio, 0x64, cmds[i], 1);
	out(&fx->pio, 0x60, 0x00, 1); /* data after 0x00, not after 0xD1 */
	assert_int_equal(fx->ctl.count, 0);
}

static void test_i8042_write_output_port(void **state)
{
	struct reset_fx *fx = *state;

	out(&fx->pio, 0x64, 0xd1, 1);
	out(&fx->pio, 0x60, 0xdf, 1); /* the classic A20-enable: bit 0 high, no reset */
	assert_int_equal(fx->ctl.count, 0);
	out(&fx->pio, 0x60, 0xde, 1); /* no command pending any more */
	assert_int_equal(fx->ctl.count, 0);
	out(&fx->pio, 0x64, 0xd1, 1);
	out(&fx->pio, 0x60, 0xde, 1); /* bit 0 low: reset */
	assert_int_equal(fx->ctl.count, 1);
	assert_int_equal(fx->ctl.req[0], VM_REQ_RESET);
}

static void test_port92(void **state)
{
	struct reset_fx *fx = *state;

	assert_int_equal(in(&fx->pio, 0x92, 1), 0x02); /* A20 reads as enabled */
	out(&fx->pio, 0x92, 0x00, 1);
	assert_int_equal(in(&fx->pio, 0x92, 1), 0x02);
	out(&fx->pio, 0x92, 0x02, 1);
	assert_int_equal(fx->ctl.count, 0);
	out(&fx->pio, 0x92, 0x03, 1); /* bit 0 rises */
	assert_int_equal(fx->ctl.count, 1);
	assert_int_equal(fx->ctl.req[0], VM_REQ_RESET);
	assert_int_equal(in(&fx->pio, 0x92, 1), 0x03);
	out(&fx->pio, 0x92, 0x03, 1); /* still high: no edge */
	assert_int_equal(fx->ctl.count, 1);
	out(&fx->pio, 0x92, 0x00, 1);
	out(&fx->pio, 0x92, 0x01, 1);
	assert_int_equal(fx->ctl.count, 2);
	/* System reset drops bit 0, so the next rising write resets again. */
	reset_ports_reset(&fx->rp);
	assert_int_equal(in(&fx->pio, 0x92, 1), 0x02);
	out(&fx->pio, 0x92, 0x01, 1);
	assert_int_equal(fx->ctl.count, 3);
}

static void test_reset_ports_conflict(void **state)
{
	struct reset_fx *fx = *state;
	struct reset_ports other;
	struct reset_ports_config cfg = { 0 };

	assert_int_equal(reset_ports_init(&other, &cfg), 0);
	assert_int_equal(reset_ports_register(&other, &fx->pio), -EEXIST);
	assert_int_equal(reset_ports_init(NULL, &cfg), -EINVAL);
}

/* --- port 0x80 ------------------------------------------------------------------------ */

static void test_post_port_latch(void **state)
{
	struct post_port_config cfg = { 0 };
	struct post_port p;
	struct bus pio;

	(void)state;
	bus_init(&pio, "pio");
	assert_int_equal(post_port_init(&p, &cfg), 0);
	assert_int_equal(p.port, POST_PORT_DEFAULT);
	assert_int_equal(post_port_register(&p, &pio), 0);
	assert_int_equal(in(&pio, 0x80, 1), 0x00);
	out(&pio, 0x80, 0x12, 1);
	out(&pio, 0x80, 0x34, 1);
	assert_int_equal(in(&pio, 0x80, 1), 0x34);
	assert_int_equal(post_port_last(&p), 0x34);
	assert_int_equal(post_port_writes(&p), 2);
	post_port_reset(&p);
	assert_int_equal(in(&pio, 0x80, 1), 0x00);
	assert_int_equal(post_port_writes(&p), 2);
	assert_int_equal(post_port_register(&p, &pio), -EEXIST);
	bus_destroy(&pio);
}

static void test_all_share_one_bus(void **state)
{
	struct fake_ctl ctl = { 0 };
	struct vm_ctl vc = { .request = fake_request, .opaque = &ctl };
	struct debug_exit_config dcfg = { .ctl = vc };
	struct reset_ports_config rcfg = { .ctl = vc };
	struct post_port_config pcfg = { 0 };
	struct debug_exit d;
	struct reset_ports r;
	struct post_port p;
	struct bus pio;

	(void)state;
	bus_init(&pio, "pio");
	assert_int_equal(debug_exit_init(&d, &dcfg), 0);
	assert_int_equal(reset_ports_init(&r, &rcfg), 0);
	assert_int_equal(post_port_init(&p, &pcfg), 0);
	assert_int_equal(debug_exit_register(&d, &pio), 0);
	assert_int_equal(reset_ports_register(&r, &pio), 0);
	assert_int_equal(post_port_register(&p, &pio), 0);
	out(&pio, 0x80, 0xaa, 1);
	assert_int_equal(ctl.count, 0);
	out(&pio, 0xf4, 0x10, 4);
	out(&pio, 0x64, 0xfe, 1);
	assert_int_equal(ctl.count, 2);
	assert_int_equal(ctl.req[0], VM_REQ_EXIT);
	assert_int_equal(ctl.status[0], 0x21);
	assert_int_equal(ctl.req[1], VM_REQ_RESET);
	bus_destroy(&pio);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_debug_exit_status_per_iosize),
		cmocka_unit_test(test_debug_exit_wide_values),
		cmocka_unit_test(test_debug_exit_bad_iosize),
#define R(f) cmocka_unit_test_setup_teardown(f, reset_setup, reset_teardown)
		R(test_i8042_status_and_data),
		R(test_i8042_fe_resets),
		R(test_i8042_other_commands_do_not_reset),
		R(test_i8042_write_output_port),
		R(test_port92),
		R(test_reset_ports_conflict),
#undef R
		cmocka_unit_test(test_post_port_latch),
		cmocka_unit_test(test_all_share_one_bus),
	};

	return cmocka_run_group_tests_name("legacy_ports", tests, NULL, NULL);
}
