/* MC146818A RTC / CMOS tests: time encoding, setting the time, flags and IRQ8, the QEMU
 * memory-size bytes. A fake wall clock and a fake monotonic clock drive time. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "vmm/bus.h"
#include "vmm/dev/cmos_rtc.h"
#include "vmm/memmap.h"

#define MiB (1024ull * 1024)
#define GiB (1024 * MiB)

struct fx {
	struct bus pio;
	struct cmos_rtc rtc;
	time_t wall;
	uint64_t mono_ns;
	int irq_level;
	unsigned irq_sets;
	unsigned rearms;
};

static time_t fake_wall(void *opaque)
{
	return ((struct fx *)opaque)->wall;
}

static uint64_t fake_mono(void *opaque)
{
	return ((struct fx *)opaque)->mono_ns;
}

static void fake_irq(void *opaque, unsigned gsi, int level)
{
	struct fx *fx = opaque;

	assert_int_equal(gsi, CMOS_RTC_IRQ);
	fx->irq_level = level;
	fx->irq_sets++;
}

static void fake_rearm(void *opaque)
{
	((struct fx *)opaque)->rearms++;
}

static time_t utc(int y, int mon, int d, int h, int m, int s)
{
	struct tm tm = { .tm_year = y - 1900, .tm_mon = mon - 1, .tm_mday = d,
			 .tm_hour = h, .tm_min = m, .tm_sec = s };

	return timegm(&tm);
}

static struct cmos_rtc_config fx_config(struct fx *fx)
{
	return (struct cmos_rtc_config){
		.irq = { .set = fake_irq, .opaque = fx, .gsi = CMOS_RTC_IRQ },
		.wall_now = fake_wall,
		.wall_opaque = fx,
		.clock = { .now_ns = fake_mono, .opaque = fx },
		.rearm = fake_rearm,
		.rearm_opaque = fx,
		.below_4g = 64 * MiB,
		.ncpus = 2,
	};
}

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	struct cmos_rtc_config cfg;

	assert_non_null(fx);
	fx->wall = utc(2024, 2, 29, 13, 45, 56); /* a Thursday */
	cfg = fx_config(fx);
	bus_init(&fx->pio, "pio");
	assert_int_equal(cmos_rtc_init(&fx->rtc, &cfg), 0);
	assert_int_equal(cmos_rtc_register(&fx->rtc, &fx->pio), 0);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	cmos_rtc_destroy(&fx->rtc);
	bus_destroy(&fx->pio);
	free(fx);
	return 0;
}

static void outb(struct fx *fx, uint16_t port, uint8_t v)
{
	assert_true(bus_access(&fx->pio, NULL, port, &v, 1, true));
}

static uint8_t inb(struct fx *fx, uint16_t port)
{
	uint8_t v = 0;

	assert_true(bus_access(&fx->pio, NULL, port, &v, 1, false));
	return v;
}

static uint8_t cmos_read(struct fx *fx, uint8_t idx)
{
	outb(fx, 0x70, idx);
	return inb(fx, 0x71);
}

static void cmos_write(struct fx *fx, uint8_t idx, uint8_t v)
{
	outb(fx, 0x70, idx);
	outb(fx, 0x71, v);
}

static void assert_time(struct fx *fx, const uint8_t want[8])
{
	static const uint8_t regs[8] = { 0x00, 0x02, 0x04, 0x06, 0x07, 0x08, 0x09, 0x32 };

	for (unsigned i = 0; i < 8; i++) {
		uint8_t got = cmos_read(fx, regs[i]);

		if (got != want[i])
			fail_msg("CMOS[0x%02x] = 0x%02x, want 0x%02x", regs[i], got, want[i]);
	}
}

static void test_bcd_time(void **state)
{
	/* sec, min, hour, dow (Sunday = 1), day, month, year, century */
	static const uint8_t want[8] = { 0x56, 0x45, 0x13, 0x05, 0x29, 0x02, 0x24, 0x20 };

	assert_int_equal(cmos_read(*state, 0x0b), 0x02); /* power-on: BCD, 24h */
	assert_time(*state, want);
}

static void test_binary_time(void **state)
{
	static const uint8_t want[8] = { 56, 45, 13, 5, 29, 2, 24, 20 };

	cmos_write(*state, 0x0b, 0x06); /* DM = binary */
	assert_time(*state, want);
}

static void test_12h_mode(void **state)
{
	struct fx *fx = *state;

	cmos_write(fx, 0x0b, 0x00); /* BCD, 12-hour */
	assert_int_equal(cmos_read(fx, 0x04), 0x81); /* 1 PM */
	fx->wall = utc(2024, 2, 29, 0, 30, 0);
	assert_int_equal(cmos_read(fx, 0x04), 0x12); /* 12 AM */
	fx->wall = utc(2024, 2, 29, 12, 0, 0);
	assert_int_equal(cmos_read(fx, 0x04), 0x92); /* 12 PM */
	fx->wall = utc(2024, 2, 29, 11, 59, 59);
	assert_int_equal(cmos_read(fx, 0x04), 0x11);
	cmos_write(fx, 0x0b, 0x04);                  /* binary, 12-hour */
	fx->wall = utc(2024, 2, 29, 23, 0, 0);
	assert_int_equal(cmos_read(fx, 0x04), 0x80 | 11);
}

static void test_century_and_clock_runs(void **state)
{
	struct fx *fx = *state;
	static const uint8_t y2k_eve[8] = { 0x59, 0x59, 0x23, 0x06, 0x31, 0x12, 0x99, 0x19 };
	static const uint8_t y2k[8] = { 0x00, 0x00, 0x00, 0x07, 0x01, 0x01, 0x00, 0x20 };

	fx->wall = utc(1999, 12, 31, 23, 59, 59);
	assert_time(fx, y2k_eve);
	fx->wall += 1;
	assert_time(fx, y2k);
}

static void test_utc_offset(void **state)
{
	struct fx fx2 = { .wall = utc(2024, 2, 29, 23, 30, 0) };
	struct cmos_rtc_config cfg = fx_config(&fx2);
	struct cmos_rtc r;

	(void)state;
	cfg.utc_offset = 3600; /* a guest whose RTC keeps UTC+1 */
	bus_init(&fx2.pio, "pio");
	assert_int_equal(cmos_rtc_init(&r, &cfg), 0);
	assert_int_equal(cmos_rtc_register(&r, &fx2.pio), 0);
	assert_int_equal(cmos_read(&fx2, 0x04), 0x00);
	assert_int_equal(cmos_read(&fx2, 0x07), 0x01);
	assert_int_equal(cmos_read(&fx2, 0x08), 0x03);
	cmos_rtc_destroy(&r);
	bus_destroy(&fx2.pio);
}

static void test_set_time_with_set_bit(void **state)
{
	struct fx *fx = *state;
	static const uint8_t set[8] = { 0x00, 0x00, 0x08, 0x03, 0x15, 0x01, 0x30, 0x20 };
	static const uint8_t later[8] = { 0x10, 0x00, 0x08, 0x03, 0x15, 0x01, 0x30, 0x20 };

	cmos_write(fx, 0x0b, 0x82); /* SET, 24h, BCD */
	cmos_write(fx, 0x00, 0x00);
	cmos_write(fx, 0x02, 0x00);
	cmos_write(fx, 0x04, 0x08);
	cmos_write(fx, 0x07, 0x15);
	cmos_write(fx, 0x08, 0x01);
	cmos_write(fx, 0x09, 0x30);
	cmos_write(fx, 0x06, 0x03); /* 2030-01-15 is a Tuesday */
	/* While SET holds the clock, it does not run. */
	fx->wall += 100;
	assert_int_equal(cmos_read(fx, 0x00), 0x00);
	assert_int_equal(cmos_read(fx, 0x09), 0x30);
	cmos_write(fx, 0x0b, 0x02);
	assert_time(fx, set);
	assert_int_equal(fx->rtc.offset, utc(2030, 1, 15, 8, 0, 0) - fx->wall);
	fx->wall += 10;
	assert_time(fx, later);
}

static void test_set_time_12h_pm(void **state)
{
	struct fx *fx = *state;

	cmos_write(fx, 0x0b, 0x00); /* 12-hour, BCD */
	cmos_write(fx, 0x0b, 0x80); /* SET */
	cmos_write(fx, 0x04, 0x88); /* 8 PM */
	cmos_write(fx, 0x0b, 0x00);
	cmos_write(fx, 0x0b, 0x02); /* read back in 24-hour mode */
	assert_int_equal(cmos_read(fx, 0x04), 0x20);
	assert_int_equal(cmos_read(fx, 0x02), 0x45); /* the other fields kept */
	assert_int_equal(cmos_read(fx, 0x07), 0x29);
}

static void test_write_without_set(void **state)
{
	struct fx *fx = *state;

	cmos_write(fx, 0x02, 0x10); /* minutes := 10 while running */
	assert_int_equal(cmos_read(fx, 0x02), 0x10);
	assert_int_equal(cmos_read(fx, 0x04), 0x13);
	assert_int_equal(cmos_read(fx, 0x00), 0x56);
	fx->wall += 60;
	assert_int_equal(cmos_read(fx, 0x02), 0x11);
}

static void test_garbage_time_is_harmless(void **state)
{
	struct fx *fx = *state;
	uint8_t v;

	cmos_write(fx, 0x0b, 0x86); /* SET, binary */
	for (uint8_t i = 0; i < 10; i++)
		cmos_write(fx, i, 0xff);
	cmos_write(fx, 0x32, 0xff);
	cmos_write(fx, 0x0b, 0x06);
	v = cmos_read(fx, 0x00);
	assert_true(v < 60);
	assert_true(cmos_read(fx, 0x08) >= 1 && cmos_read(fx, 0x08) <= 12);
}

static void test_nmi_bit_and_nvram(void **state)
{
	struct fx *fx = *state;

	outb(fx, 0x70, 0x80 | 0x40);
	assert_true(fx->rtc.nmi_disabled);
	assert_int_equal(fx->rtc.index, 0x40);
	outb(fx, 0x71, 0x5a);
	outb(fx, 0x70, 0x40);
	assert_false(fx->rtc.nmi_disabled);
	assert_int_equal(inb(fx, 0x71), 0x5a);
	/* Index 0x80|0x0b is register B, not CMOS byte 0x8b. */
	assert_int_equal(cmos_read(fx, 0x80 | 0x0b), 0x02);
	outb(fx, 0x70, 0xff);
	assert_int_equal(fx->rtc.index, 0x7f);
	outb(fx, 0x71, 0xa5);
	assert_int_equal(cmos_read(fx, 0x7f), 0xa5);
	assert_int_equal(inb(fx, 0x70), 0xff); /* index port is write-only */
}

static void test_reg_a_and_d(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(cmos_read(fx, 0x0a), 0x26);
	cmos_write(fx, 0x0a, 0xa3);
	assert_int_equal(cmos_read(fx, 0x0a), 0x23); /* UIP is read-only and 0 */
	assert_int_equal(cmos_read(fx, 0x0d), 0x80);
	cmos_write(fx, 0x0d, 0x00);
	assert_int_equal(cmos_read(fx, 0x0d), 0x80);
	cmos_write(fx, 0x0c, 0xf0);
	assert_int_equal(cmos_read(fx, 0x0c), 0x00);
}

static void test_periodic_irq_and_c_read_clear(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(cmos_rtc_next_deadline(&fx->rtc), UINT64_MAX);
	cmos_write(fx, 0x0b, 0x42); /* PIE */
	assert_int_equal(fx->rearms, 1);
	/* 1024 Hz (rate 6): 976562.5 ns. */
	assert_int_equal(cmos_rtc_next_deadline(&fx->rtc), 976563);
	cmos_rtc_tick(&fx->rtc, 500000);
	assert_int_equal(fx->irq_level, 0);
	cmos_rtc_tick(&fx->rtc, 976563);
	assert_int_equal(fx->irq_level, 1);
	assert_int_equal(cmos_read(fx, 0x0c), 0xc0); /* IRQF | PF */
	assert_int_equal(fx->irq_level, 0);
	assert_int_equal(cmos_read(fx, 0x0c), 0x00);
	/* Missed periods coalesce into one flag; the next deadline stays on the grid. */
	cmos_rtc_tick(&fx->rtc, 10 * 976563 + 5);
	assert_int_equal(fx->irq_level, 1);
	assert_int_equal(cmos_rtc_next_deadline(&fx->rtc), 11 * 976563);

	/* Rate 3 = 8192 Hz; a rate change restarts the phase at the write. */
	fx->mono_ns = 20000000;
	cmos_write(fx, 0x0a, 0x23);
	assert_int_equal(cmos_rtc_next_deadline(&fx->rtc), 20000000 + 122070);
	/* Rate 0 turns the periodic source off. */
	cmos_write(fx, 0x0a, 0x20);
	assert_int_equal(cmos_rtc_next_deadline(&fx->rtc), UINT64_MAX);
}

static void test_pf_without_pie_is_polled(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(cmos_read(fx, 0x0c), 0x00); /* starts the clocks at 0 */
	fx->mono_ns = 2000000;
	assert_int_equal(cmos_read(fx, 0x0c), 0x40); /* PF, but no IRQF */
	assert_int_equal(fx->irq_sets, 0);
	fx->mono_ns = 2500000;
	assert_int_equal(cmos_read(fx, 0x0c), 0x00); /* no new period yet */
	/* Enabling PIE with PF pending raises IRQ8 at once. */
	fx->mono_ns = 3000000;
	cmos_rtc_tick(&fx->rtc, fx->mono_ns);
	assert_int_equal(fx->irq_level, 0);
	cmos_write(fx, 0x0b, 0x42);
	assert_int_equal(fx->irq_level, 1);
	cmos_write(fx, 0x0b, 0x02); /* IRQF follows the enables */
	assert_int_equal(fx->irq_level, 0);
}

static void test_update_and_alarm(void **state)
{
	struct fx *fx = *state;
	const uint64_t s = 1000000000ull;

	cmos_write(fx, 0x0a, 0x20); /* no periodic */
	cmos_write(fx, 0x01, 0x58); /* alarm 13:45:58 */
	cmos_write(fx, 0x03, 0x45);
	cmos_write(fx, 0x05, 0x13);
	cmos_write(fx, 0x0b, 0x32); /* AIE | UIE */
	assert_int_equal(cmos_rtc_next_deadline(&fx->rtc), s);
	cmos_rtc_tick(&fx->rtc, s / 2);
	assert_int_equal(fx->irq_level, 0);
	fx->wall++;
	cmos_rtc_tick(&fx->rtc, s);
	assert_int_equal(fx->irq_level, 1);
	assert_int_equal(cmos_read(fx, 0x0c), 0x90); /* UF only: 13:45:57 */
	fx->wall++;
	cmos_rtc_tick(&fx->rtc, 2 * s);
	assert_int_equal(cmos_read(fx, 0x0c), 0xb0); /* UF and AF at 13:45:58 */
	/* Don't-care alarm bytes (11xxxxxx) match every second. */
	cmos_write(fx, 0x01, 0xc0);
	cmos_write(fx, 0x03, 0xff);
	cmos_write(fx, 0x05, 0xc5);
	cmos_write(fx, 0x0b, 0x22); /* AIE only */
	fx->wall++;
	cmos_rtc_tick(&fx->rtc, 3 * s);
	assert_int_equal(cmos_read(fx, 0x0c), 0xb0);
	/* SET stops updates and clears UIE. */
	cmos_write(fx, 0x0b, 0x92);
	assert_int_equal(cmos_read(fx, 0x0b), 0x82);
	cmos_rtc_tick(&fx->rtc, 5 * s);
	assert_int_equal(cmos_read(fx, 0x0c), 0x00);
	assert_int_equal(cmos_rtc_next_deadline(&fx->rtc), UINT64_MAX);
}

static void test_reset(void **state)
{
	struct fx *fx = *state;

	cmos_write(fx, 0x20, 0x77);
	cmos_write(fx, 0x0b, 0x7e); /* all enables, SQWE, binary, 24h */
	cmos_rtc_tick(&fx->rtc, 0);
	cmos_rtc_tick(&fx->rtc, 5000000);
	assert_int_equal(fx->irq_level, 1);
	cmos_rtc_reset(&fx->rtc);
	assert_int_equal(fx->irq_level, 0);
	assert_int_equal(cmos_read(fx, 0x0b), 0x06);
	assert_int_equal(cmos_read(fx, 0x0c), 0x00);
	assert_int_equal(cmos_read(fx, 0x20), 0x77);
}

struct mem_case {
	uint64_t ram;
	unsigned ncpus;
	uint8_t want[13]; /* 0x15 0x16 0x17 0x18 0x30 0x31 0x34 0x35 0x5b 0x5c 0x5d 0x5f, pad */
};

static void test_memory_bytes(void **state)
{
	static const uint8_t regs[12] = { 0x15, 0x16, 0x17, 0x18, 0x30, 0x31,
					  0x34, 0x35, 0x5b, 0x5c, 0x5d, 0x5f };
	static const struct mem_case cases[] = {
		/* 512 KiB: base memory below 640 KiB, nothing extended. */
		{ 512 * 1024, 1, { 0x00, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 } },
		/* 64 MiB: 640 KiB; 63 MiB = 0xfc00 KiB; 48 MiB = 0x300 * 64 KiB. */
		{ 64 * MiB, 2, { 0x80, 0x02, 0x00, 0xfc, 0x00, 0xfc, 0x00, 0x03, 0, 0, 0, 1 } },
		/* 2 GiB fits below the q35 hole: extended capped at 0xffff. */
		{ 2 * GiB, 4, { 0x80, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0x7f, 0, 0, 0, 3 } },
		/* 3 GiB splits 2 GiB + 1 GiB (0x4000 * 64 KiB) above 4 GiB. */
		{ 3 * GiB, 8, { 0x80, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0x7f, 0x00, 0x40, 0x00,
				7 } },
		/* 8 GiB: 6 GiB above = 0x18000 * 64 KiB, using the third byte. */
		{ 8 * GiB, 64, { 0x80, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0x7f, 0x00, 0x80, 0x01,
				 63 } },
	};

	(void)state;
	for (unsigned c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct fx fx = { .wall = 0 };
		struct cmos_rtc_config cfg = fx_config(&fx);
		struct q35_layout l;

		q35_layout_compute(cases[c].ram, &l);
		cfg.below_4g = l.below_4g;
		cfg.above_4g = l.above_4g;
		cfg.ncpus = cases[c].ncpus;
		bus_init(&fx.pio, "pio");
		assert_int_equal(cmos_rtc_init(&fx.rtc, &cfg), 0);
		assert_int_equal(cmos_rtc_register(&fx.rtc, &fx.pio), 0);
		for (unsigned i = 0; i < 12; i++) {
			uint8_t got = cmos_read(&fx, regs[i]);

			if (got != cases[c].want[i])
				fail_msg("ram %llu MiB: CMOS[0x%02x] = 0x%02x, want 0x%02x",
					 (unsigned long long)(cases[c].ram / MiB), regs[i], got,
					 cases[c].want[i]);
		}
		cmos_rtc_destroy(&fx.rtc);
		bus_destroy(&fx.pio);
	}
}

static void test_init_errors(void **state)
{
	struct fx *fx = *state;
	struct cmos_rtc_config cfg = fx_config(fx);
	struct cmos_rtc r;

	cfg.ncpus = 0;
	assert_int_equal(cmos_rtc_init(&r, &cfg), -EINVAL);
	assert_int_equal(cmos_rtc_init(&r, NULL), -EINVAL);
	cfg.ncpus = 1;
	assert_int_equal(cmos_rtc_init(&r, &cfg), 0);
	assert_int_equal(cmos_rtc_register(&r, &fx->pio), -EEXIST);
	cmos_rtc_destroy(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_bcd_time),
		T(test_binary_time),
		T(test_12h_mode),
		T(test_century_and_clock_runs),
		cmocka_unit_test(test_utc_offset),
		T(test_set_time_with_set_bit),
		T(test_set_time_12h_pm),
		T(test_write_without_set),
		T(test_garbage_time_is_harmless),
		T(test_nmi_bit_and_nvram),
		T(test_reg_a_and_d),
		T(test_periodic_irq_and_c_read_clear),
		T(test_pf_without_pie_is_polled),
		T(test_update_and_alarm),
		T(test_reset),
		cmocka_unit_test(test_memory_bytes),
		T(test_init_errors),
#undef T
	};

	return cmocka_run_group_tests_name("cmos_rtc", tests, NULL, NULL);
}
