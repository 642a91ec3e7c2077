/* MC146818A real-time clock and CMOS RAM (ports 0x70 index / 0x71 data, IRQ8), as on the
 * q35 ICH9 LPC bridge (ICH9 datasheet, "Real Time Clock Registers"; register map
 * and flags from the Motorola MC146818A / Dallas DS12887 data sheets).
 *
 * The time of day is the host wall clock plus an offset the guest sets by writing the time
 * registers. Interrupt flags (periodic, alarm, update-ended) are driven by time the machine
 * passes in: cmos_rtc_tick(now_ns) from its timer, and clock_src when register C is read,
 * so a guest polling C sees the flags even with no timer running. No threads here. */
#ifndef ENLIGHT_DEV_CMOS_RTC_H
#define ENLIGHT_DEV_CMOS_RTC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "vmm/devif.h"

struct bus;

#define CMOS_RTC_BASE     0x70
#define CMOS_RTC_NR_PORTS 2
#define CMOS_RTC_IRQ      8
#define CMOS_RTC_SIZE     128

struct cmos_rtc_config {
	struct irq_line irq;          /* copied; gsi CMOS_RTC_IRQ */
	/* Host wall clock in seconds since the epoch; NULL = time(NULL). */
	time_t (*wall_now)(void *opaque);
	void *wall_opaque;
	/* Seconds added to the host clock before the guest sees it: 0 for UTC, tm_gmtoff for
	 * a guest that keeps the RTC in local time (Windows). */
	int64_t utc_offset;
	/* Monotonic clock for register C reads (polled flags); now_ns NULL = flags come only
	 * from cmos_rtc_tick(). */
	struct clock_src clock;
	/* Optional: called (under the device lock; only signal, never call back in) when a
	 * guest register write moved cmos_rtc_next_deadline(), so the timer can re-arm. */
	void (*rearm)(void *opaque);
	void *rearm_opaque;
	/* Memory-size and CPU-count bytes, as QEMU's pc_cmos_init() writes them for SeaBIOS. */
	uint64_t below_4g;            /* RAM mapped below 4 GiB, bytes */
	uint64_t above_4g;            /* RAM mapped from 4 GiB up, bytes */
	unsigned ncpus;               /* >= 1 */
};

struct cmos_rtc {
	pthread_mutex_t lock;         /* vCPU port accesses vs. the machine's timer tick */
	struct cmos_rtc_config cfg;
	uint8_t index;                /* 0..127 */
	bool nmi_disabled;            /* port 0x70 bit 7 (ICH9 register NMI_EN) */
	uint8_t regs[CMOS_RTC_SIZE];  /* time registers hold the last latched/written value */
	int64_t offset;               /* guest time - (host time + utc_offset), seconds */
	int irq_level;
	/* Event bookkeeping in clock nanoseconds: boundaries are base + k * period. */
	uint64_t periodic_base, periodic_seen, periodic_ns;
	uint64_t update_base, update_seen;
	bool events_started;
};

/* 0; -EINVAL for NULL arguments or ncpus == 0. */
int cmos_rtc_init(struct cmos_rtc *r, const struct cmos_rtc_config *cfg);
/* Claims ports 0x70-0x71; returns bus_register()'s error. */
int cmos_rtc_register(struct cmos_rtc *r, struct bus *pio);
void cmos_rtc_destroy(struct cmos_rtc *r);
/* The RESET pin: clears PIE, AIE, UIE, SQWE and all of register C; time and RAM survive
 * (the part is battery-backed). */
void cmos_rtc_reset(struct cmos_rtc *r);

/* Advance interrupt sources to now_ns (same clock as cfg.clock): sets PF every periodic
 * interval (register A rate), UF once a second and AF on an alarm match, coalescing missed
 * events, and drives IRQ8 from IRQF. */
void cmos_rtc_tick(struct cmos_rtc *r, uint64_t now_ns);
/* When the next enabled interrupt is due (clock ns), or UINT64_MAX if none is enabled:
 * the machine's timer sleeps until then and calls cmos_rtc_tick(). */
uint64_t cmos_rtc_next_deadline(struct cmos_rtc *r);

#endif
