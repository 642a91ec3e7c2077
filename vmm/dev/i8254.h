/* 8254 programmable interval timer for kernel-irqchip=split (Intel 8254 datasheet, 231164;
 * ICH9 datasheet §5.7 and §13.6): channels 0-2 at ports 0x40-0x42, control word at 0x43,
 * 1.193182 MHz input clock; channel 0's OUT drives ISA IRQ0; channel 2's GATE and OUT are
 * port 0x61 bits 0 and 5 (NMI_SC, ICH9 §13.7.1; the speaker itself is a dummy).
 *
 * Time comes from cfg.clock: counts and outputs are functions of the time since the count
 * was loaded, so nothing ticks in between. The machine calls i8254_tick() at
 * i8254_next_deadline() (the next rising edge of channel 0's OUT) to raise IRQ0; missed
 * periods coalesce into one edge, as lost ticks do on a loaded host.
 *
 * Modes 0-5, LSB/MSB/LSB-then-MSB access, BCD, counter latch, read-back (count and status),
 * null count. Simplifications: a new count in modes 2 and 3 takes effect at once (not at the
 * end of the current period), GATE low does not suspend modes 0 and 4.
 *
 * Pure: no threads; the caller serialises all calls (the bus handlers take cfg.lock). */
#ifndef ENLIGHT_DEV_I8254_H
#define ENLIGHT_DEV_I8254_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/devif.h"

struct bus;

#define I8254_BASE      0x40
#define I8254_NR_PORTS  4
#define I8254_PORT_61   0x61
#define I8254_HZ        1193182ull
#define I8254_IRQ       0

struct i8254_channel {
	uint32_t n;            /* loaded count in input clocks: 1..65536 (0 = 65536, BCD 10000) */
	uint16_t count_reg;    /* last count written (raw, BCD if bcd) */
	uint64_t load_tick;    /* input clock at which counting (re)started */
	uint8_t mode, rw, bcd;
	bool counting;         /* a count is loaded (and, modes 1 and 5, the gate triggered) */
	bool armed;            /* modes 1/5: a count is loaded, waiting for the gate trigger */
	bool gate;
	bool null_count;
	bool write_msb;        /* LSB-then-MSB: the next write is the MSB */
	bool read_msb;         /* LSB-then-MSB: the next read is the MSB */
	uint8_t write_lsb;
	bool count_latched, latch_msb;
	uint16_t latched;
	bool status_latched;
	uint8_t status;
};

struct i8254_config {
	struct clock_src clock;
	struct irq_line irq;   /* channel 0 OUT; copied */
	/* Channel 0's next deadline may have moved (a guest write): the machine re-arms its
	 * timer. Called with cfg.lock held (when the bus took it); may be NULL. */
	void (*rearm)(void *opaque);
	void *rearm_opaque;
	pthread_mutex_t *lock; /* taken around port accesses from the bus; may be NULL */
};

struct i8254 {
	struct i8254_config cfg;
	struct i8254_channel ch[3];
	uint64_t base_ns;      /* clock time of input clock 0 */
	uint64_t seen_tick;    /* channel 0 edges up to this clock were raised */
	int irq_level;
	bool speaker_data;     /* port 0x61 bit 1 */
	uint64_t irqs;         /* IRQ0 edges raised */
};

void i8254_init(struct i8254 *p, const struct i8254_config *cfg);
/* Power-on: every channel waits for a control word, channel 2's gate low, IRQ0 low. */
void i8254_reset(struct i8254 *p);
/* Ports 0x40-0x43 and 0x61: bus_register()'s error. */
int i8254_register(struct i8254 *p, struct bus *pio);
/* Port access by absolute port number (0x40-0x43, 0x61), without cfg.lock. */
void i8254_pio(struct i8254 *p, uint16_t port, void *data, unsigned len, bool is_write);

/* Raise IRQ0 for channel 0 edges up to now. */
void i8254_tick(struct i8254 *p);
/* Clock time of channel 0's next rising OUT edge, UINT64_MAX if none is coming. */
uint64_t i8254_next_deadline(struct i8254 *p);
/* Channel 2 GATE (port 0x61 bit 0) and its OUT, for tests and the port. */
void i8254_set_gate(struct i8254 *p, unsigned channel, bool gate);
bool i8254_out(struct i8254 *p, unsigned channel);
/* The count a read of the channel would give now (ignoring latches), in binary. */
uint16_t i8254_count(struct i8254 *p, unsigned channel);

#endif
