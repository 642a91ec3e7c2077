/* MC146818A RTC + CMOS RAM. Register numbers and bits: MC146818A data sheet "Register
 * Address Map" and "Registers A-D" (the same in DS12887 and ICH9 §13.6). */
#include "vmm/dev/cmos_rtc.h"

#include <errno.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/log.h"

enum {
	RTC_SECONDS = 0x00,
	RTC_SECONDS_ALARM = 0x01,
	RTC_MINUTES = 0x02,
	RTC_MINUTES_ALARM = 0x03,
	RTC_HOURS = 0x04,
	RTC_HOURS_ALARM = 0x05,
	RTC_DAY_OF_WEEK = 0x06,
	RTC_DAY_OF_MONTH = 0x07,
	RTC_MONTH = 0x08,
	RTC_YEAR = 0x09,
	RTC_REG_A = 0x0a,
	RTC_REG_B = 0x0b,
	RTC_REG_C = 0x0c,
	RTC_REG_D = 0x0d,
	RTC_CENTURY = 0x32, /* IBM PC/AT convention; ACPI FADT.CENTURY points here */
};

/* Clock (not alarm) registers among 0x00-0x09: bits 0, 2, 4, 6, 7, 8, 9. */
#define RTC_CLOCK_REGS 0x3d5u

#define REG_A_UIP      0x80 /* update in progress: never set, updates are instantaneous */
#define REG_A_DV_RESET 0x60 /* DV2:DV1 = 11: divider chain held in reset */
#define REG_A_RS       0x0f /* periodic rate select */

#define REG_B_SET      0x80 /* halt updates so software can set the time */
#define REG_B_PIE      0x40
#define REG_B_AIE      0x20
#define REG_B_UIE      0x10
#define REG_B_SQWE     0x08
#define REG_B_DM       0x04 /* 1 = binary, 0 = BCD */
#define REG_B_24H      0x02
#define REG_B_IE_MASK  (REG_B_PIE | REG_B_AIE | REG_B_UIE)

/* Register C flags sit on the same bits as their enables in B. */
#define REG_C_IRQF     0x80
#define REG_C_PF       0x40
#define REG_C_AF       0x20
#define REG_C_UF       0x10
#define REG_C_FLAGS    (REG_C_PF | REG_C_AF | REG_C_UF)

#define REG_D_VRT      0x80 /* valid RAM and time: the battery is good */

#define HOUR_PM        0x80 /* 12-hour mode: bit 7 of the hours byte */
#define ALARM_DONTCARE 0xc0 /* alarm byte 11xxxxxx matches any value */

#define PORT_NMI_DIS   0x80 /* port 0x70 bit 7 */
#define PORT_INDEX     0x7f

#define NSEC_PER_SEC   1000000000ull
#define RTC_BASE_HZ    32768u

/* Power-on values QEMU and the data sheet agree on: 32.768 kHz divider, 1024 Hz periodic
 * rate, 24-hour BCD. */
#define REG_A_INIT     0x26
#define REG_B_INIT     REG_B_24H

#define KiB 1024ull
#define MiB (1024 * KiB)

static bool rtc_is_clock_reg(unsigned i)
{
	return (i < 10 && ((RTC_CLOCK_REGS >> i) & 1)) || i == RTC_CENTURY;
}

static bool rtc_binary(const struct cmos_rtc *r)
{
	return r->regs[RTC_REG_B] & REG_B_DM;
}

static uint8_t rtc_enc(const struct cmos_rtc *r, unsigned v)
{
	v %= 100;
	return rtc_binary(r) ? (uint8_t)v : (uint8_t)(((v / 10) << 4) | (v % 10));
}

/* Any byte decodes to something: garbage BCD from a guest only yields odd numbers, which
 * timegm() normalises. */
static int rtc_dec(const struct cmos_rtc *r, uint8_t v)
{
	return rtc_binary(r) ? v : (v >> 4) * 10 + (v & 0x0f);
}

static uint8_t rtc_enc_hour(const struct cmos_rtc *r, int h)
{
	if (r->regs[RTC_REG_B] & REG_B_24H)
		return rtc_enc(r, (unsigned)h);
	/* 12-hour mode: 12, 1..11 with bit 7 = PM (MC146818A Table 3). */
	return rtc_enc(r, h % 12 ? (unsigned)(h % 12) : 12) | (h >= 12 ? HOUR_PM : 0);
}

static int rtc_dec_hour(const struct cmos_rtc *r, uint8_t v)
{
	if (r->regs[RTC_REG_B] & REG_B_24H)
		return rtc_dec(r, v);
	return rtc_dec(r, v & ~HOUR_PM) % 12 + ((v & HOUR_PM) ? 12 : 0);
}

static int64_t rtc_host_now(const struct cmos_rtc *r)
{
	time_t t = r->cfg.wall_now ? r->cfg.wall_now(r->cfg.wall_opaque) : time(NULL);

	return (int64_t)t + r->cfg.utc_offset;
}

/* Copy the guest's current time into the clock registers, in the current format. */
static void rtc_latch(struct cmos_rtc *r)
{
	time_t t = (time_t)(rtc_host_now(r) + r->offset);
	struct tm tm;

	if (!gmtime_r(&t, &tm)) {
		t = 0; /* an offset the guest pushed out of range: show the epoch */
		gmtime_r(&t, &tm);
	}
	r->regs[RTC_SECONDS] = rtc_enc(r, (unsigned)tm.tm_sec);
	r->regs[RTC_MINUTES] = rtc_enc(r, (unsigned)tm.tm_min);
	r->regs[RTC_HOURS] = rtc_enc_hour(r, tm.tm_hour);
	r->regs[RTC_DAY_OF_WEEK] = rtc_enc(r, (unsigned)tm.tm_wday + 1); /* 1 = Sunday */
	r->regs[RTC_DAY_OF_MONTH] = rtc_enc(r, (unsigned)tm.tm_mday);
	r->regs[RTC_MONTH] = rtc_enc(r, (unsigned)tm.tm_mon + 1);
	r->regs[RTC_YEAR] = rtc_enc(r, (unsigned)(tm.tm_year + 1900) % 100);
	/* The century byte uses the same encoding as the others (QEMU; Linux decodes it
	 * alongside them). */
	r->regs[RTC_CENTURY] = rtc_enc(r, (unsigned)(tm.tm_year + 1900) / 100);
}

/* The guest finished setting the time: the clock registers become the new offset. The
 * day of week is derived from the date, as the part would after its next update. */
static void rtc_commit(struct cmos_rtc *r)
{
	struct tm tm = {
		.tm_sec = rtc_dec(r, r->regs[RTC_SECONDS]),
		.tm_min = rtc_dec(r, r->regs[RTC_MINUTES]),
		.tm_hour = rtc_dec_hour(r, r->regs[RTC_HOURS]),
		.tm_mday = rtc_dec(r, r->regs[RTC_DAY_OF_MONTH]),
		.tm_mon = rtc_dec(r, r->regs[RTC_MONTH]) - 1,
		.tm_year = rtc_dec(r, r->regs[RTC_CENTURY]) * 100 +
			   rtc_dec(r, r->regs[RTC_YEAR]) - 1900,
	};
	time_t t = timegm(&tm);

	r->offset = (int64_t)t - rtc_host_now(r);
	r->events_started = false; /* the next update is a second after the clock restarts */
}

static bool rtc_updating(const struct cmos_rtc *r)
{
	return !(r->regs[RTC_REG_B] & REG_B_SET) &&
	       (r->regs[RTC_REG_A] & REG_A_DV_RESET) != REG_A_DV_RESET;
}

/* Periodic interval (MC146818A Table 5): rate n gives 32768 >> (n - 1) Hz; rates 1 and 2
 * repeat 8 and 9. 0 when off or when the divider chain is held in reset. */
static uint64_t rtc_periodic_ns(const struct cmos_rtc *r)
{
	unsigned rs = r->regs[RTC_REG_A] & REG_A_RS;

	if (!rs || (r->regs[RTC_REG_A] & REG_A_DV_RESET) == REG_A_DV_RESET)
		return 0;
	if (rs < 3)
		rs += 7;
	return ((NSEC_PER_SEC << (rs - 1)) + RTC_BASE_HZ / 2) / RTC_BASE_HZ;
}

static bool rtc_alarm_match(struct cmos_rtc *r)
{
	static const uint8_t pairs[][2] = {
		{ RTC_SECONDS, RTC_SECONDS_ALARM },
		{ RTC_MINUTES, RTC_MINUTES_ALARM },
		{ RTC_HOURS, RTC_HOURS_ALARM },
	};

	rtc_latch(r);
	for (unsigned i = 0; i < ARRAY_SIZE(pairs); i++) {
		uint8_t alarm = r->regs[pairs[i][1]];

		if ((alarm & ALARM_DONTCARE) != ALARM_DONTCARE && alarm != r->regs[pairs[i][0]])
			return false;
	}
	return true;
}

/* IRQF = PF.PIE + AF.AIE + UF.UIE, and IRQ8 follows IRQF (MC146818A "Register C"). */
static void rtc_update_irq(struct cmos_rtc *r)
{
	uint8_t c = r->regs[RTC_REG_C] & REG_C_FLAGS;
	int level;

	if (c & r->regs[RTC_REG_B] & REG_B_IE_MASK)
		c |= REG_C_IRQF;
	r->regs[RTC_REG_C] = c;
	level = !!(c & REG_C_IRQF);
	if (level != r->irq_level) {
		r->irq_level = level;
		irq_line_set(&r->cfg.irq, level);
	}
}

/* Raise every flag whose event happened by now; missed events coalesce into one. */
static void rtc_catch_up(struct cmos_rtc *r, uint64_t now)
{
	uint64_t period = rtc_periodic_ns(r), n;

	if (!r->events_started) {
		r->events_started = true;
		r->update_base = now;
		r->update_seen = 0;
	}
	if (period != r->periodic_ns) {
		r->periodic_ns = period;
		r->periodic_base = now;
		r->periodic_seen = 0;
	} else if (period && now > r->periodic_base) {
		n = (now - r->periodic_base) / period;
		if (n > r->periodic_seen) {
			r->periodic_seen = n;
			r->regs[RTC_REG_C] |= REG_C_PF;
		}
	}
	if (rtc_updating(r) && now > r->update_base) {
		n = (now - r->update_base) / NSEC_PER_SEC;
		if (n > r->update_seen) {
			r->update_seen = n;
			r->regs[RTC_REG_C] |= REG_C_UF;
			if (rtc_alarm_match(r))
				r->regs[RTC_REG_C] |= REG_C_AF;
		}
	}
	rtc_update_irq(r);
}

static void rtc_catch_up_clock(struct cmos_rtc *r)
{
	if (r->cfg.clock.now_ns)
		rtc_catch_up(r, clock_now_ns(&r->cfg.clock));
}

static uint64_t rtc_deadline(const struct cmos_rtc *r)
{
	uint64_t d = UINT64_MAX, period = rtc_periodic_ns(r);
	uint8_t b = r->regs[RTC_REG_B];

	if ((b & REG_B_PIE) && period) {
		if (period != r->periodic_ns)
			return 0; /* rate changed: due now, to start the new phase */
		d = r->periodic_base + (r->periodic_seen + 1) * period;
	}
	if ((b & (REG_B_UIE | REG_B_AIE)) && rtc_updating(r)) {
		if (!r->events_started)
			return 0;
		if (r->update_base + (r->update_seen + 1) * NSEC_PER_SEC < d)
			d = r->update_base + (r->update_seen + 1) * NSEC_PER_SEC;
	}
	return d;
}

static void rtc_write_b(struct cmos_rtc *r, uint8_t val)
{
	uint8_t old = r->regs[RTC_REG_B];

	/* Setting SET clears UIE (MC146818A "Register B", UIE). Latch the running time first,
	 * in the old format, so a partial rewrite keeps the other fields. */
	if (val & REG_B_SET) {
		val &= ~REG_B_UIE;
		if (!(old & REG_B_SET))
			rtc_latch(r);
	}
	r->regs[RTC_REG_B] = val;
	if ((old & REG_B_SET) && !(val & REG_B_SET))
		rtc_commit(r);
}

static void rtc_write_data(struct cmos_rtc *r, uint8_t val)
{
	unsigned i = r->index;
	uint64_t before = rtc_deadline(r);

	if (rtc_is_clock_reg(i)) {
		if (r->regs[RTC_REG_B] & REG_B_SET) {
			r->regs[i] = val;
		} else {
			/* Without SET the new value takes effect at once (as QEMU does). */
			rtc_latch(r);
			r->regs[i] = val;
			rtc_commit(r);
		}
	} else if (i == RTC_REG_A) {
		r->regs[i] = val & ~REG_A_UIP;
	} else if (i == RTC_REG_B) {
		rtc_write_b(r, val);
	} else if (i == RTC_REG_C || i == RTC_REG_D) {
		return; /* read-only */
	} else {
		r->regs[i] = val; /* alarms and CMOS RAM */
	}
	rtc_catch_up_clock(r);
	rtc_update_irq(r);
	if (r->cfg.rearm && rtc_deadline(r) != before)
		r->cfg.rearm(r->cfg.rearm_opaque);
}

static uint8_t rtc_read_data(struct cmos_rtc *r)
{
	unsigned i = r->index;
	uint8_t v;

	if (rtc_is_clock_reg(i) && !(r->regs[RTC_REG_B] & REG_B_SET))
		rtc_latch(r);
	switch (i) {
	case RTC_REG_C:
		/* Reading C returns the flags and clears them, releasing IRQ8. */
		rtc_catch_up_clock(r);
		v = r->regs[RTC_REG_C];
		r->regs[RTC_REG_C] = 0;
		rtc_update_irq(r);
		return v;
	case RTC_REG_D:
		return REG_D_VRT;
	default:
		return r->regs[i];
	}
}

static void rtc_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		   bool is_write)
{
	struct cmos_rtc *r = opaque;
	uint8_t *p = data;

	(void)vcpu;
	pthread_mutex_lock(&r->lock);
	for (unsigned i = 0; i < len && offset + i < CMOS_RTC_NR_PORTS; i++) {
		bool index_port = offset + i == 0;

		if (index_port && is_write) {
			r->nmi_disabled = p[i] & PORT_NMI_DIS;
			r->index = p[i] & PORT_INDEX;
		} else if (index_port) {
			p[i] = 0xff; /* write-only (QEMU returns all-ones too) */
		} else if (is_write) {
			rtc_write_data(r, p[i]);
		} else {
			p[i] = rtc_read_data(r);
		}
	}
	pthread_mutex_unlock(&r->lock);
}

static void rtc_put16(uint8_t *lo_hi, uint64_t v)
{
	lo_hi[0] = (uint8_t)v;
	lo_hi[1] = (uint8_t)(v >> 8);
}

/* The memory and CPU bytes of QEMU hw/i386/pc.c pc_cmos_init(), read by SeaBIOS and other
 * firmware: all counts are of RAM below 4 GiB except 0x5b-0x5d. */
static void rtc_set_machine_bytes(struct cmos_rtc *r)
{
	uint64_t low = r->cfg.below_4g, v;

	v = low / KiB < 640 ? low / KiB : 640; /* base memory, KiB */
	rtc_put16(&r->regs[0x15], v);
	v = low > 1 * MiB ? (low - 1 * MiB) / KiB : 0; /* extended memory above 1 MiB, KiB */
	if (v > 0xffff)
		v = 0xffff;
	rtc_put16(&r->regs[0x17], v);
	rtc_put16(&r->regs[0x30], v);
	v = low > 16 * MiB ? (low - 16 * MiB) / (64 * KiB) : 0; /* above 16 MiB, 64 KiB units */
	if (v > 0xffff)
		v = 0xffff;
	rtc_put16(&r->regs[0x34], v);
	v = r->cfg.above_4g / (64 * KiB); /* above 4 GiB, 64 KiB units, 24 bits */
	rtc_put16(&r->regs[0x5b], v);
	r->regs[0x5d] = (uint8_t)(v >> 16);
	r->regs[0x5f] = (uint8_t)(r->cfg.ncpus - 1);
}

int cmos_rtc_init(struct cmos_rtc *r, const struct cmos_rtc_config *cfg)
{
	int err;

	if (!r || !cfg || !cfg->ncpus)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->cfg = *cfg;
	err = pthread_mutex_init(&r->lock, NULL);
	if (err)
		return -err;
	r->regs[RTC_REG_A] = REG_A_INIT;
	r->regs[RTC_REG_B] = REG_B_INIT;
	r->regs[RTC_REG_D] = REG_D_VRT;
	rtc_set_machine_bytes(r);
	rtc_latch(r);
	return 0;
}

int cmos_rtc_register(struct cmos_rtc *r, struct bus *pio)
{
	return bus_register(pio, CMOS_RTC_BASE, CMOS_RTC_NR_PORTS, rtc_io, r, "cmos-rtc");
}

void cmos_rtc_destroy(struct cmos_rtc *r)
{
	pthread_mutex_destroy(&r->lock);
}

void cmos_rtc_reset(struct cmos_rtc *r)
{
	pthread_mutex_lock(&r->lock);
	r->regs[RTC_REG_B] &= ~(REG_B_IE_MASK | REG_B_SQWE);
	r->regs[RTC_REG_C] = 0;
	rtc_update_irq(r);
	pthread_mutex_unlock(&r->lock);
}

void cmos_rtc_tick(struct cmos_rtc *r, uint64_t now_ns)
{
	pthread_mutex_lock(&r->lock);
	rtc_catch_up(r, now_ns);
	pthread_mutex_unlock(&r->lock);
}

uint64_t cmos_rtc_next_deadline(struct cmos_rtc *r)
{
	uint64_t d;

	pthread_mutex_lock(&r->lock);
	d = rtc_deadline(r);
	pthread_mutex_unlock(&r->lock);
	return d;
}
