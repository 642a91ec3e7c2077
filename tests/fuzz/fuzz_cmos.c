/* libFuzzer target: the CMOS RTC (vmm/dev/cmos_rtc.c): port accesses as in fuzz_ports.h
 * on 0x70-0x71; every access also advances a fake clock and ticks the device, op 0xFF
 * jumps the clock far ahead (missed periodic interrupts, update cycles). */
#include <time.h>

#include "fuzz_ports.h"
#include "vmm/dev/cmos_rtc.h"

struct ctx {
	struct cmos_rtc *r;
	uint64_t now;
	struct fuzz_in *in;
};

static uint64_t clock_ns(void *opaque)
{
	return ((struct ctx *)opaque)->now;
}

static time_t wall(void *opaque)
{
	return (time_t)(((struct ctx *)opaque)->now / 1000000000ull) + 1700000000;
}

static void hook(void *opaque, unsigned op)
{
	struct ctx *c = opaque;

	c->now += op == 0xFF ? (fuzz_take(c->in, 4) << 20) : 1000u * op;
	cmos_rtc_tick(c->r, c->now);
	(void)cmos_rtc_next_deadline(c->r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct cmos_rtc *r = calloc(1, sizeof(*r));
	struct ctx c = { r, 0, &in };
	struct bus pio;

	if (!r)
		return 0;
	log_quiet = true;
	bus_init(&pio, "port");
	if (cmos_rtc_init(r, &(struct cmos_rtc_config){
				     .wall_now = wall, .wall_opaque = &c,
				     .clock = { clock_ns, &c },
				     .below_4g = 64ull << 20, .ncpus = 2 }) ||
	    cmos_rtc_register(r, &pio))
		abort();
	bus_freeze(&pio);
	fuzz_bus_run(&pio, false, CMOS_RTC_BASE, 2, &in, hook, &c);
	cmos_rtc_reset(r);
	cmos_rtc_destroy(r);
	bus_destroy(&pio);
	free(r);
	return 0;
}
