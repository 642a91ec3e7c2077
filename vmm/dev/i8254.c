/* 8254 PIT, counts derived from the clock. See i8254.h; "§" is the 8254 datasheet's
 * "Operation" / "Programming" text. */
#include <string.h>

#include "vmm/bus.h"
#include "vmm/dev/i8254.h"
#include "vmm/log.h"

#define NS_PER_S 1000000000ull

/* Control word (§"Control Word Format"). */
#define CW_SC_SHIFT   6
#define CW_RW_SHIFT   4
#define CW_M_SHIFT    1
#define CW_BCD        0x01
#define SC_READBACK   3
#define RW_LATCH      0
#define RW_LSB        1
#define RW_MSB        2
#define RW_WORD       3
/* Read-back command (§"Read-Back Command"): bits active low. */
#define RB_NOT_COUNT  0x20
#define RB_NOT_STATUS 0x10
/* Status byte (§"Status Byte"). */
#define ST_OUT        0x80
#define ST_NULL       0x40

/* Port 0x61 (ICH9 §13.7.1 NMI_SC). */
#define P61_GATE2     0x01
#define P61_SPKR      0x02
#define P61_REFRESH   0x10
#define P61_OUT2      0x20
#define REFRESH_NS    15085 /* refresh toggle period QEMU's pcspk uses (15.085 us) */

static uint64_t pit_now_tick(const struct i8254 *p)
{
	uint64_t ns = clock_now_ns(&p->cfg.clock) - p->base_ns;

	return (uint64_t)((unsigned __int128)ns * I8254_HZ / NS_PER_S);
}

static uint64_t pit_tick_ns(const struct i8254 *p, uint64_t tick)
{
	/* Rounded up: the clock has reached tick when this time comes. */
	return p->base_ns + (uint64_t)(((unsigned __int128)tick * NS_PER_S + I8254_HZ - 1) /
				       I8254_HZ);
}

static uint16_t to_bcd(uint32_t v)
{
	return (uint16_t)((v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 |
			  (v / 1000 % 10) << 12);
}

static uint32_t from_bcd(uint16_t v)
{
	return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + (v >> 12) * 1000;
}

/* Clocks since counting started. */
static uint64_t ch_elapsed(const struct i8254_channel *c, uint64_t now)
{
	return now > c->load_tick ? now - c->load_tick : 0;
}

/* OUT while counting, d clocks after the load (§ mode descriptions). */
static bool ch_out_at(const struct i8254_channel *c, uint64_t d)
{
	uint64_t n = c->n;

	switch (c->mode) {
	case 0: /* interrupt on terminal count: low until the count reaches 0 */
	case 1: /* one-shot: low from the trigger until terminal count */
		return d >= n;
	case 2: /* rate generator: low for the one clock where the count is 1 */
		return d % n != n - 1;
	case 3: /* square wave: high for the first half (rounded up) */
		return d % n < (n + 1) / 2;
	default: /* 4, 5 strobes: low for one clock after terminal count */
		return d != n;
	}
}

/* The first rising edge of OUT strictly after d clocks, or UINT64_MAX. */
static uint64_t ch_next_rise(const struct i8254_channel *c, uint64_t d)
{
	uint64_t n = c->n;

	switch (c->mode) {
	case 0:
	case 1:
		return d < n ? n : UINT64_MAX;
	case 2:
	case 3:
		return (d / n + 1) * n;
	default:
		return d < n + 1 ? n + 1 : UINT64_MAX;
	}
}

static bool ch_out(const struct i8254_channel *c, uint64_t now)
{
	if (!c->counting)
		return c->mode != 0; /* mode 0 OUT goes low with the control word */
	if ((c->mode == 2 || c->mode == 3) && !c->gate)
		return true; /* GATE low forces OUT high in modes 2 and 3 */
	return ch_out_at(c, ch_elapsed(c, now));
}

static uint16_t ch_count(const struct i8254_channel *c, uint64_t now)
{
	uint64_t d;
	uint32_t v;

	if (!c->counting)
		return c->count_reg;
	d = ch_elapsed(c, now);
	switch (c->mode) {
	case 2:
		v = c->n - (uint32_t)(d % c->n);
		break;
	case 3: /* counts down by two, each half-period (odd counts approximated) */
		v = c->n - (uint32_t)((2 * d) % c->n);
		break;
	default: /* modes 0, 1, 4, 5 wrap past zero and keep counting */
		v = (uint32_t)((c->n - d) & 0xffff);
		break;
	}
	v &= 0xffff;
	if (c->bcd)
		return to_bcd(v % 10000);
	return (uint16_t)v;
}

/* Channel 0 OUT -> IRQ0: a rising edge since the last look becomes a 0->1 transition on
 * the line (the PIC and IOAPIC detect edges), then the line follows OUT. */
static void pit_irq_update(struct i8254 *p, uint64_t now)
{
	struct i8254_channel *c = &p->ch[0];
	bool out = ch_out(c, now), edge = false;

	if (c->counting) {
		uint64_t seen = p->seen_tick > c->load_tick ? p->seen_tick - c->load_tick : 0;
		uint64_t d = ch_elapsed(c, now);

		edge = ch_next_rise(c, seen) <= d;
	}
	p->seen_tick = now;
	if (edge) {
		if (p->irq_level)
			irq_line_set(&p->cfg.irq, 0);
		irq_line_set(&p->cfg.irq, 1);
		p->irq_level = 1;
		p->irqs++;
	}
	if (out != p->irq_level) {
		p->irq_level = out;
		irq_line_set(&p->cfg.irq, out);
	}
}

static void pit_rearm(struct i8254 *p)
{
	if (p->cfg.rearm)
		p->cfg.rearm(p->cfg.rearm_opaque);
}

static void ch_start(struct i8254_channel *c, uint64_t now)
{
	c->counting = true;
	c->armed = false;
	c->load_tick = now;
}

/* The count is complete: load it (§"Write Operations": counting starts on the next clock;
 * modes 1 and 5 wait for a GATE trigger). */
static void ch_load(struct i8254 *p, unsigned idx, uint16_t raw, uint64_t now)
{
	struct i8254_channel *c = &p->ch[idx];

	c->count_reg = raw;
	if (c->bcd)
		c->n = raw ? from_bcd(raw) : 10000;
	else
		c->n = raw ? raw : 65536;
	if (!c->n)
		c->n = 10000; /* an invalid BCD count of 0 after conversion cannot happen; be safe */
	if (c->mode == 1 || c->mode == 5) {
		c->counting = false;
		c->armed = true;
	} else {
		ch_start(c, now);
	}
	if (idx == 0)
		p->seen_tick = now;
}

static uint8_t ch_status(const struct i8254_channel *c, uint64_t now)
{
	bool null = c->null_count && (!c->counting || now <= c->load_tick);

	return (uint8_t)((ch_out(c, now) ? ST_OUT : 0) | (null ? ST_NULL : 0) |
			 c->rw << CW_RW_SHIFT | c->mode << CW_M_SHIFT | c->bcd);
}

static void ch_latch(struct i8254_channel *c, uint64_t now)
{
	if (c->count_latched)
		return; /* a second latch before the first is read is ignored */
	c->latched = ch_count(c, now);
	c->count_latched = true;
	c->latch_msb = c->rw == RW_MSB;
}

static void pit_control(struct i8254 *p, uint8_t val, uint64_t now)
{
	unsigned sc = val >> CW_SC_SHIFT, rw = (val >> CW_RW_SHIFT) & 3, mode;
	struct i8254_channel *c;

	if (sc == SC_READBACK) {
		for (unsigned i = 0; i < 3; i++) {
			if (!(val & (2u << i)))
				continue;
			c = &p->ch[i];
			if (!(val & RB_NOT_COUNT))
				ch_latch(c, now);
			if (!(val & RB_NOT_STATUS) && !c->status_latched) {
				c->status = ch_status(c, now);
				c->status_latched = true;
			}
		}
		return;
	}
	c = &p->ch[sc];
	if (rw == RW_LATCH) {
		ch_latch(c, now);
		return;
	}
	mode = (val >> CW_M_SHIFT) & 7;
	if (mode > 5)
		mode -= 4; /* 6 and 7 are aliases of 2 and 3 */
	c->rw = (uint8_t)rw;
	c->mode = (uint8_t)mode;
	c->bcd = val & CW_BCD;
	c->counting = false;
	c->armed = false;
	c->null_count = true;
	c->write_msb = c->read_msb = false;
	c->count_latched = c->status_latched = false;
	if (sc == 0) {
		pit_irq_update(p, now);
		pit_rearm(p);
	}
}

static void ch_write(struct i8254 *p, unsigned idx, uint8_t val, uint64_t now)
{
	struct i8254_channel *c = &p->ch[idx];

	switch (c->rw) {
	case RW_LSB:
		ch_load(p, idx, val, now);
		break;
	case RW_MSB:
		ch_load(p, idx, (uint16_t)(val << 8), now);
		break;
	case RW_WORD:
		if (!c->write_msb) {
			c->write_lsb = val;
			c->write_msb = true;
			if (c->mode == 0)
				c->counting = false; /* mode 0: the first byte stops the count */
			return;
		}
		c->write_msb = false;
		ch_load(p, idx, (uint16_t)(c->write_lsb | val << 8), now);
		break;
	default:
		return; /* no control word yet */
	}
	c->null_count = true;
	if (idx == 0) {
		pit_irq_update(p, now);
		pit_rearm(p);
	}
}

static uint8_t ch_read(struct i8254_channel *c, uint64_t now)
{
	uint16_t v;
	uint8_t b;

	if (c->status_latched) {
		c->status_latched = false;
		return c->status;
	}
	if (c->count_latched) {
		b = c->latch_msb ? (uint8_t)(c->latched >> 8) : (uint8_t)c->latched;
		if (c->rw == RW_WORD && !c->latch_msb)
			c->latch_msb = true;
		else
			c->count_latched = false;
		return b;
	}
	v = ch_count(c, now);
	switch (c->rw) {
	case RW_MSB:
		return (uint8_t)(v >> 8);
	case RW_WORD:
		c->read_msb = !c->read_msb;
		return c->read_msb ? (uint8_t)v : (uint8_t)(v >> 8);
	default:
		return (uint8_t)v;
	}
}

void i8254_set_gate(struct i8254 *p, unsigned channel, bool gate)
{
	struct i8254_channel *c;
	uint64_t now;

	if (channel > 2)
		return;
	c = &p->ch[channel];
	now = pit_now_tick(p);
	/* A rising GATE triggers modes 1 and 5 and restarts modes 2 and 3 (§ mode text). */
	if (gate && !c->gate) {
		if (((c->mode == 1 || c->mode == 5) && (c->armed || c->counting)) ||
		    ((c->mode == 2 || c->mode == 3) && c->counting))
			ch_start(c, now);
	}
	c->gate = gate;
	if (channel == 0) {
		pit_irq_update(p, now);
		pit_rearm(p);
	}
}

bool i8254_out(struct i8254 *p, unsigned channel)
{
	return channel <= 2 && ch_out(&p->ch[channel], pit_now_tick(p));
}

uint16_t i8254_count(struct i8254 *p, unsigned channel)
{
	return channel <= 2 ? ch_count(&p->ch[channel], pit_now_tick(p)) : 0;
}

void i8254_tick(struct i8254 *p)
{
	pit_irq_update(p, pit_now_tick(p));
}

uint64_t i8254_next_deadline(struct i8254 *p)
{
	const struct i8254_channel *c = &p->ch[0];
	uint64_t seen, rise;

	if (!c->counting || ((c->mode == 2 || c->mode == 3) && !c->gate))
		return UINT64_MAX;
	seen = p->seen_tick > c->load_tick ? p->seen_tick - c->load_tick : 0;
	rise = ch_next_rise(c, seen);
	if (rise == UINT64_MAX)
		return UINT64_MAX;
	return pit_tick_ns(p, c->load_tick + rise);
}

void i8254_pio(struct i8254 *p, uint16_t port, void *data, unsigned len, bool is_write)
{
	uint64_t now = pit_now_tick(p);
	uint8_t v = is_write ? (uint8_t)bus_data_get(data, 1) : 0xff;

	if (port == I8254_PORT_61) {
		if (is_write) {
			p->speaker_data = v & P61_SPKR;
			i8254_set_gate(p, 2, v & P61_GATE2);
			return;
		}
		v = (uint8_t)((p->ch[2].gate ? P61_GATE2 : 0) | (p->speaker_data ? P61_SPKR : 0) |
			      ((clock_now_ns(&p->cfg.clock) / REFRESH_NS) & 1 ? P61_REFRESH : 0) |
			      (ch_out(&p->ch[2], now) ? P61_OUT2 : 0));
	} else if (port >= I8254_BASE && port < I8254_BASE + 3) {
		if (is_write)
			ch_write(p, port - I8254_BASE, v, now);
		else
			v = ch_read(&p->ch[port - I8254_BASE], now);
	} else if (port == I8254_BASE + 3) {
		if (is_write)
			pit_control(p, v, now);
		/* the control register cannot be read (§"Read Operations") */
	}
	if (!is_write)
		bus_data_put(data, len, v);
}

void i8254_init(struct i8254 *p, const struct i8254_config *cfg)
{
	memset(p, 0, sizeof(*p));
	p->cfg = *cfg;
	i8254_reset(p);
}

void i8254_reset(struct i8254 *p)
{
	p->base_ns = clock_now_ns(&p->cfg.clock);
	memset(p->ch, 0, sizeof(p->ch));
	for (unsigned i = 0; i < 3; i++) {
		p->ch[i].gate = i != 2; /* channels 0 and 1 GATE are tied high */
		p->ch[i].mode = 3;      /* OUT reads high until programmed */
	}
	p->seen_tick = 0;
	p->speaker_data = false;
	if (p->irq_level)
		irq_line_set(&p->cfg.irq, 0);
	p->irq_level = 0;
}

static void i8254_bus_access(struct i8254 *p, uint16_t port, void *data, unsigned len,
			     bool is_write)
{
	if (p->cfg.lock)
		pthread_mutex_lock(p->cfg.lock);
	i8254_pio(p, port, data, len, is_write);
	if (p->cfg.lock)
		pthread_mutex_unlock(p->cfg.lock);
}

static void i8254_main_fn(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			  unsigned len, bool is_write)
{
	(void)vcpu;
	i8254_bus_access(opaque, (uint16_t)(I8254_BASE + offset), data, len, is_write);
}

static void i8254_p61_fn(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			 unsigned len, bool is_write)
{
	(void)vcpu;
	(void)offset;
	i8254_bus_access(opaque, I8254_PORT_61, data, len, is_write);
}

int i8254_register(struct i8254 *p, struct bus *pio)
{
	int r = bus_register(pio, I8254_BASE, I8254_NR_PORTS, i8254_main_fn, p, "pit");

	return r ? r : bus_register(pio, I8254_PORT_61, 1, i8254_p61_fn, p, "nmi-sc/speaker");
}
