/* The PC's cascaded 8259A pair for kernel-irqchip=split (Intel 8259A datasheet, 231468;
 * ICH9 datasheet §5.8 and §13.4): master at 0x20/0x21, slave at 0xA0/0xA1 on master IRQ2,
 * ELCR at 0x4D0/0x4D1 (ICH9 §13.4.9, level per IRQ; IRQ 0, 1, 2, 8 and 13 are edge only).
 *
 * Initialisation (ICW1-4), OCW1 (mask), OCW2 (non-specific/specific EOI, rotation,
 * priority set), OCW3 (IRR/ISR read, poll, special mask mode), auto-EOI (with rotation),
 * special fully nested mode, spurious IRQ 7/15. The INTR output is reported through
 * cfg.intr; the CPU's acknowledge cycle is i8259_inta(), which returns the vector.
 *
 * Pure: no threads; the caller serialises all calls (the bus handlers take cfg.lock). */
#ifndef ENLIGHT_DEV_I8259_H
#define ENLIGHT_DEV_I8259_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct bus;

#define I8259_MASTER_BASE 0x20
#define I8259_SLAVE_BASE  0xA0
#define I8259_ELCR_BASE   0x4D0
#define I8259_CASCADE_IRQ 2

struct i8259_chip {
	uint8_t irr, isr, imr;
	uint8_t last_irr;      /* input levels, for edge detection */
	uint8_t priority_add;  /* IRQ (priority_add) has the highest priority */
	uint8_t irq_base;      /* ICW2 & 0xf8 */
	uint8_t elcr, elcr_mask;
	uint8_t init_state;    /* 0 ready, 1 wants ICW2, 2 ICW3, 3 ICW4 */
	bool read_isr;         /* OCW3 RR/RIS */
	bool poll;             /* OCW3 P: the next read is a poll */
	bool special_mask;     /* OCW3 SMM */
	bool auto_eoi, rotate_on_auto_eoi, sfnm;
	bool init4, single, ltim;
};

struct i8259_config {
	/* INTR changed (level 1 = an interrupt is ready for INTA). May be NULL. */
	void (*intr)(void *opaque, int level);
	void *opaque;
	pthread_mutex_t *lock; /* taken around port accesses from the bus; may be NULL */
};

struct i8259 {
	struct i8259_config cfg;
	struct i8259_chip chip[2]; /* master, slave */
	int intr;                  /* INTR level last reported */
	uint64_t acks, spurious;
};

void i8259_init(struct i8259 *p, const struct i8259_config *cfg);
/* Power-on/RESET: both chips uninitialised, all masks clear, ELCR edge. */
void i8259_reset(struct i8259 *p);
/* Ports 0x20-0x21, 0xA0-0xA1, 0x4D0-0x4D1: bus_register()'s error. */
int i8259_register(struct i8259 *p, struct bus *pio);
/* Port access by absolute port number, without cfg.lock. */
void i8259_pio(struct i8259 *p, uint16_t port, void *data, unsigned len, bool is_write);

/* ISA IRQ 0-15 input level (edge or level per ELCR / ICW1 LTIM). */
void i8259_set_irq(struct i8259 *p, unsigned irq, int level);
/* The CPU's INTA cycle: the vector of the highest-priority request, acknowledged (ISR set
 * unless auto-EOI); the spurious vector (IRQ 7 of the chip) when the request went away. */
uint8_t i8259_inta(struct i8259 *p);
/* INTR as it is now. */
static inline bool i8259_intr(const struct i8259 *p)
{
	return p->intr;
}

#endif
