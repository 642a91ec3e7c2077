/* 8259A master/slave pair with ELCR. See i8259.h; section numbers are the 8259A
 * datasheet's ("Programming the 8259A"). */
#include <string.h>

#include "vmm/bus.h"
#include "vmm/dev/i8259.h"

#define ICW1_IC4   0x01
#define ICW1_SNGL  0x02
#define ICW1_LTIM  0x08
#define ICW1       0x10
#define OCW3       0x08
#define OCW3_RIS   0x01
#define OCW3_RR    0x02
#define OCW3_P     0x04
#define OCW3_SMM   0x20
#define OCW3_ESMM  0x40
#define ICW4_AEOI  0x02
#define ICW4_SFNM  0x10

/* ICH9 §13.4.9: ELCR1 bits 0-2 and ELCR2 bits 0 (IRQ8) and 5 (IRQ13) are reserved (edge). */
static const uint8_t elcr_masks[2] = { 0xf8, 0xde };

static uint8_t level_mask(const struct i8259_chip *c)
{
	return c->ltim ? 0xff : c->elcr;
}

/* Priority (0 highest) of the best bit in mask under the current rotation; 8 for none. */
static unsigned chip_priority(const struct i8259_chip *c, uint8_t mask)
{
	unsigned p = 0;

	if (!mask)
		return 8;
	while (!(mask & (1u << ((p + c->priority_add) & 7))))
		p++;
	return p;
}

/* The IRQ the chip would present now (fully nested mode, §"Interrupt Sequence"), or -1. */
static int chip_get_irq(const struct i8259_chip *c, bool master)
{
	unsigned req = chip_priority(c, c->irr & ~c->imr);
	uint8_t in_service = c->isr;

	if (req == 8)
		return -1;
	/* Special mask mode: masked levels do not block lower priorities. */
	if (c->special_mask)
		in_service &= (uint8_t)~c->imr;
	/* Special fully nested mode: the slave's IRQ2 in service does not block further
	 * slave requests of higher priority (§"Special Fully Nest Mode"). */
	if (c->sfnm && master)
		in_service &= (uint8_t)~(1u << I8259_CASCADE_IRQ);
	if (req < chip_priority(c, in_service))
		return (int)((req + c->priority_add) & 7);
	return -1;
}

static void chip_set_input(struct i8259_chip *c, unsigned irq, int level)
{
	uint8_t bit = (uint8_t)(1u << irq);

	if (level_mask(c) & bit) {
		if (level)
			c->irr |= bit;
		else
			c->irr &= (uint8_t)~bit;
	} else if (level && !(c->last_irr & bit)) {
		c->irr |= bit;
	}
	if (level)
		c->last_irr |= bit;
	else
		c->last_irr &= (uint8_t)~bit;
}

/* Recompute the cascade (slave INT -> master IR2) and the master's INTR. The cascade
 * request follows the slave's INT like a level input: a slave request withdrawn before INTA
 * leaves no stale IR2 latch behind (the 8259A requires IR inputs to stay high until INTA). */
static void i8259_update(struct i8259 *p)
{
	int intr;

	if (chip_get_irq(&p->chip[1], false) >= 0)
		p->chip[0].irr |= 1u << I8259_CASCADE_IRQ;
	else
		p->chip[0].irr &= (uint8_t)~(1u << I8259_CASCADE_IRQ);
	intr = chip_get_irq(&p->chip[0], true) >= 0;
	if (intr != p->intr) {
		p->intr = intr;
		if (p->cfg.intr)
			p->cfg.intr(p->cfg.opaque, intr);
	}
}

static void chip_ack(struct i8259_chip *c, unsigned irq)
{
	uint8_t bit = (uint8_t)(1u << irq);

	if (c->auto_eoi) {
		if (c->rotate_on_auto_eoi)
			c->priority_add = (uint8_t)((irq + 1) & 7);
	} else {
		c->isr |= bit;
	}
	/* An edge request is consumed; a level request stays while the line is high. */
	if (!(level_mask(c) & bit))
		c->irr &= (uint8_t)~bit;
}

static void chip_reset(struct i8259_chip *c, uint8_t elcr_mask)
{
	uint8_t elcr = c->elcr;

	memset(c, 0, sizeof(*c));
	c->elcr = elcr & elcr_mask;
	c->elcr_mask = elcr_mask;
}

void i8259_init(struct i8259 *p, const struct i8259_config *cfg)
{
	memset(p, 0, sizeof(*p));
	if (cfg)
		p->cfg = *cfg;
	i8259_reset(p);
}

void i8259_reset(struct i8259 *p)
{
	for (unsigned i = 0; i < 2; i++) {
		p->chip[i].elcr = 0;
		chip_reset(&p->chip[i], elcr_masks[i]);
	}
	i8259_update(p);
}

void i8259_set_irq(struct i8259 *p, unsigned irq, int level)
{
	if (irq >= 16 || irq == I8259_CASCADE_IRQ)
		return;
	chip_set_input(&p->chip[irq >> 3], irq & 7, level);
	i8259_update(p);
}

uint8_t i8259_inta(struct i8259 *p)
{
	struct i8259_chip *m = &p->chip[0], *s = &p->chip[1];
	int irq = chip_get_irq(m, true), irq2;
	uint8_t vec;

	if (irq < 0) {
		/* INTR went away before INTA: the master answers with IR7 and sets no ISR bit
		 * (§"Interrupt Sequence", spurious interrupt). */
		p->spurious++;
		vec = m->irq_base | 7;
	} else if (irq == I8259_CASCADE_IRQ) {
		irq2 = chip_get_irq(s, false);
		if (irq2 >= 0) {
			chip_ack(s, (unsigned)irq2);
			vec = (uint8_t)(s->irq_base | irq2);
		} else {
			p->spurious++;
			vec = s->irq_base | 7; /* spurious IRQ 15 */
		}
		chip_ack(m, (unsigned)irq);
	} else {
		chip_ack(m, (unsigned)irq);
		vec = (uint8_t)(m->irq_base | irq);
	}
	p->acks++;
	i8259_update(p);
	return vec;
}

/* Poll command (§"The Poll Command"): the read acts as INTA for this chip alone and returns
 * 0x80 | level, or 0 when nothing is requesting. */
static uint8_t chip_poll(struct i8259 *p, struct i8259_chip *c, bool master)
{
	int irq = chip_get_irq(c, master);

	c->poll = false;
	if (irq < 0)
		return 0;
	chip_ack(c, (unsigned)irq);
	i8259_update(p);
	return (uint8_t)(0x80 | irq);
}

static void chip_eoi(struct i8259_chip *c, unsigned irq, bool rotate)
{
	c->isr &= (uint8_t)~(1u << irq);
	if (rotate)
		c->priority_add = (uint8_t)((irq + 1) & 7);
}

/* OCW2 (§"Operation Command Words"): R SL EOI in bits 7:5, level in 2:0. */
static void chip_ocw2(struct i8259_chip *c, uint8_t val)
{
	unsigned level = val & 7, pri;

	switch (val >> 5) {
	case 0: /* rotate in automatic EOI mode (clear) */
		c->rotate_on_auto_eoi = false;
		break;
	case 4: /* rotate in automatic EOI mode (set) */
		c->rotate_on_auto_eoi = true;
		break;
	case 1: /* non-specific EOI */
	case 5: /* rotate on non-specific EOI */
		pri = chip_priority(c, c->isr);
		if (pri != 8)
			chip_eoi(c, (pri + c->priority_add) & 7, (val >> 5) == 5);
		break;
	case 3: /* specific EOI */
		chip_eoi(c, level, false);
		break;
	case 7: /* rotate on specific EOI */
		chip_eoi(c, level, true);
		break;
	case 6: /* set priority: level becomes the lowest */
		c->priority_add = (uint8_t)((level + 1) & 7);
		break;
	default: /* 2: no operation */
		break;
	}
}

static void chip_write(struct i8259 *p, struct i8259_chip *c, unsigned a0, uint8_t val)
{
	if (!a0) {
		if (val & ICW1) {
			uint8_t elcr = c->elcr, mask = c->elcr_mask;

			/* ICW1 clears IMR and ISR, sets IR7 to the lowest priority, and the
			 * edge detectors restart (§"Initialization Command Words"). */
			memset(c, 0, sizeof(*c));
			c->elcr = elcr;
			c->elcr_mask = mask;
			c->init_state = 1;
			c->init4 = val & ICW1_IC4;
			c->single = val & ICW1_SNGL;
			c->ltim = val & ICW1_LTIM;
		} else if (val & OCW3) {
			if (val & OCW3_P)
				c->poll = true;
			if (val & OCW3_RR)
				c->read_isr = val & OCW3_RIS;
			if (val & OCW3_ESMM)
				c->special_mask = val & OCW3_SMM;
		} else {
			chip_ocw2(c, val);
		}
	} else {
		switch (c->init_state) {
		case 0: /* OCW1 */
			c->imr = val;
			break;
		case 1: /* ICW2: vector base (x86 mode: T7-T3) */
			c->irq_base = val & 0xf8;
			c->init_state = c->single ? (c->init4 ? 3 : 0) : 2;
			break;
		case 2: /* ICW3: cascade wiring is fixed on a PC */
			c->init_state = c->init4 ? 3 : 0;
			break;
		default: /* ICW4 */
			c->auto_eoi = val & ICW4_AEOI;
			c->sfnm = val & ICW4_SFNM;
			c->init_state = 0;
			break;
		}
	}
	i8259_update(p);
}

static uint8_t chip_read(struct i8259 *p, struct i8259_chip *c, bool master, unsigned a0)
{
	if (c->poll)
		return chip_poll(p, c, master);
	if (a0)
		return c->imr;
	return c->read_isr ? c->isr : c->irr;
}

void i8259_pio(struct i8259 *p, uint16_t port, void *data, unsigned len, bool is_write)
{
	struct i8259_chip *c;
	unsigned idx;
	uint8_t v = is_write ? (uint8_t)bus_data_get(data, 1) : 0xff;

	if (port == I8259_ELCR_BASE || port == I8259_ELCR_BASE + 1) {
		c = &p->chip[port - I8259_ELCR_BASE];
		if (is_write) {
			c->elcr = v & c->elcr_mask;
			i8259_update(p);
		} else {
			v = c->elcr;
		}
	} else if ((port & ~1u) == I8259_MASTER_BASE || (port & ~1u) == I8259_SLAVE_BASE) {
		idx = (port & ~1u) == I8259_SLAVE_BASE;
		c = &p->chip[idx];
		if (is_write)
			chip_write(p, c, port & 1, v);
		else
			v = chip_read(p, c, !idx, port & 1);
	}
	if (!is_write)
		bus_data_put(data, len, v);
}

static void i8259_bus_access(struct i8259 *p, uint16_t port, void *data, unsigned len,
			     bool is_write)
{
	if (p->cfg.lock)
		pthread_mutex_lock(p->cfg.lock);
	i8259_pio(p, port, data, len, is_write);
	if (p->cfg.lock)
		pthread_mutex_unlock(p->cfg.lock);
}

static void i8259_master_fn(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			    unsigned len, bool is_write)
{
	(void)vcpu;
	i8259_bus_access(opaque, (uint16_t)(I8259_MASTER_BASE + offset), data, len, is_write);
}

static void i8259_slave_fn(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			   unsigned len, bool is_write)
{
	(void)vcpu;
	i8259_bus_access(opaque, (uint16_t)(I8259_SLAVE_BASE + offset), data, len, is_write);
}

static void i8259_elcr_fn(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			  unsigned len, bool is_write)
{
	(void)vcpu;
	i8259_bus_access(opaque, (uint16_t)(I8259_ELCR_BASE + offset), data, len, is_write);
}

static const struct {
	uint16_t base;
	bus_io_fn fn;
	const char *name;
} i8259_ranges[] = {
	{ I8259_MASTER_BASE, i8259_master_fn, "pic-master" },
	{ I8259_SLAVE_BASE, i8259_slave_fn, "pic-slave" },
	{ I8259_ELCR_BASE, i8259_elcr_fn, "elcr" },
};

int i8259_register(struct i8259 *p, struct bus *pio)
{
	int r = 0;

	for (unsigned i = 0; i < sizeof(i8259_ranges) / sizeof(i8259_ranges[0]) && !r; i++)
		r = bus_register(pio, i8259_ranges[i].base, 2, i8259_ranges[i].fn, p,
				 i8259_ranges[i].name);
	return r;
}
