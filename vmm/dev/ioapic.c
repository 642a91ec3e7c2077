/* I/O APIC (82093AA register interface, ICH9 version 0x20), delivering MSIs. See ioapic.h. */
#include <errno.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/dev/ioapic.h"

void ioapic_entry_msi(uint64_t entry, uint64_t *address, uint32_t *data)
{
	uint32_t dest = (uint32_t)(entry >> IOAPIC_RTE_DEST_SHIFT) & 0xff;
	uint32_t dm = (uint32_t)((entry & IOAPIC_RTE_DM_MASK) >> IOAPIC_RTE_DM_SHIFT);

	*address = MSI_ADDR_BASE | dest << MSI_ADDR_DEST_SHIFT |
		   ((entry & IOAPIC_RTE_DESTMODE) ? MSI_ADDR_DESTMODE : 0);
	*data = (uint32_t)(entry & IOAPIC_RTE_VECTOR) | dm << MSI_DATA_DM_SHIFT |
		((entry & IOAPIC_RTE_LEVEL) ? MSI_DATA_LEVEL : 0);
}

static void ioapic_route_changed(struct ioapic *s, unsigned pin)
{
	if (s->cfg.route_changed)
		s->cfg.route_changed(s->cfg.opaque, pin);
}

/* Send pin's interrupt if it is pending, unmasked and (level) not waiting for its EOI. */
static void ioapic_service_pin(struct ioapic *s, unsigned pin)
{
	uint64_t e = s->redtbl[pin], address;
	uint32_t bit = 1u << pin, data;

	if (!(s->irr & bit) || (e & IOAPIC_RTE_MASKED))
		return;
	if (e & IOAPIC_RTE_LEVEL) {
		if (e & IOAPIC_RTE_REMOTE_IRR)
			return;
		s->redtbl[pin] |= IOAPIC_RTE_REMOTE_IRR;
	} else {
		s->irr &= ~bit; /* an edge is consumed by its delivery */
	}
	if (((e & IOAPIC_RTE_DM_MASK) >> IOAPIC_RTE_DM_SHIFT) == IOAPIC_DM_EXTINT) {
		/* The vector comes from the 8259's INTA cycle (QEMU's ioapic_service). */
		int v = s->cfg.extint_vector ? s->cfg.extint_vector(s->cfg.opaque) : -1;

		if (v < 0)
			return;
		e = (e & ~IOAPIC_RTE_VECTOR) | (uint8_t)v;
	}
	ioapic_entry_msi(e, &address, &data);
	s->delivered++;
	if (s->cfg.deliver)
		s->cfg.deliver(s->cfg.opaque, address, data);
}

void ioapic_init(struct ioapic *s, const struct ioapic_config *cfg)
{
	memset(s, 0, sizeof(*s));
	if (cfg)
		s->cfg = *cfg;
	ioapic_reset(s);
}

void ioapic_reset(struct ioapic *s)
{
	s->ioregsel = 0;
	s->id = 0;
	s->irr = 0;
	s->line = 0;
	for (unsigned i = 0; i < IOAPIC_PINS; i++) {
		s->redtbl[i] = IOAPIC_RTE_MASKED;
		ioapic_route_changed(s, i);
	}
}

void ioapic_set_irq(struct ioapic *s, unsigned pin, int level)
{
	uint32_t bit;
	bool was;

	if (pin >= IOAPIC_PINS)
		return;
	bit = 1u << pin;
	was = s->line & bit;
	if (level)
		s->line |= bit;
	else
		s->line &= ~bit;
	if (s->redtbl[pin] & IOAPIC_RTE_LEVEL) {
		if (level)
			s->irr |= bit;
		else
			s->irr &= ~bit;
	} else if (level && !was && !(s->redtbl[pin] & IOAPIC_RTE_MASKED)) {
		s->irr |= bit;
	}
	ioapic_service_pin(s, pin);
}

void ioapic_eoi(struct ioapic *s, uint8_t vector)
{
	s->eois++;
	for (unsigned pin = 0; pin < IOAPIC_PINS; pin++) {
		uint64_t e = s->redtbl[pin];

		if ((e & IOAPIC_RTE_VECTOR) != vector || !(e & IOAPIC_RTE_LEVEL) ||
		    !(e & IOAPIC_RTE_REMOTE_IRR))
			continue;
		s->redtbl[pin] &= ~IOAPIC_RTE_REMOTE_IRR;
		ioapic_service_pin(s, pin);
	}
}

static uint32_t ioapic_reg_read(const struct ioapic *s, uint32_t reg)
{
	unsigned pin;

	switch (reg) {
	case IOAPIC_REG_ID:
	case IOAPIC_REG_ARB: /* arbitration ID = APIC ID after reset (82093AA §3.2.3) */
		return (uint32_t)s->id << 24;
	case IOAPIC_REG_VER: /* bits 23:16 maximum redirection entry */
		return (IOAPIC_PINS - 1) << 16 | IOAPIC_VERSION;
	}
	if (reg < IOAPIC_REG_REDTBL)
		return 0;
	pin = (reg - IOAPIC_REG_REDTBL) / 2;
	if (pin >= IOAPIC_PINS)
		return 0; /* reserved */
	return (reg & 1) ? (uint32_t)(s->redtbl[pin] >> 32) : (uint32_t)s->redtbl[pin];
}

static void ioapic_reg_write(struct ioapic *s, uint32_t reg, uint32_t val)
{
	uint64_t old, e;
	unsigned pin;

	if (reg == IOAPIC_REG_ID) {
		s->id = (val >> 24) & 0xf;
		return;
	}
	if (reg < IOAPIC_REG_REDTBL)
		return; /* version and arbitration are read-only */
	pin = (reg - IOAPIC_REG_REDTBL) / 2;
	if (pin >= IOAPIC_PINS)
		return;
	old = s->redtbl[pin];
	if (reg & 1)
		e = (old & 0xffffffffull) | (uint64_t)val << 32;
	else
		e = (old & ~0xffffffffull) | val;
	e = (e & ~IOAPIC_RTE_RO) | (old & IOAPIC_RTE_RO);
	/* Remote IRR is undefined for edge entries (82093AA §3.2.4): keep it clear there so a
	 * switch back to level does not leave the pin stuck (KVM's ioapic_write_indirect). */
	if (!(e & IOAPIC_RTE_LEVEL))
		e &= ~IOAPIC_RTE_REMOTE_IRR;
	s->redtbl[pin] = e;
	/* A level line that is already up becomes pending in level mode; in edge mode the
	 * stale level request is dropped. */
	if (e & IOAPIC_RTE_LEVEL) {
		if (s->line & (1u << pin))
			s->irr |= 1u << pin;
	} else if ((old & IOAPIC_RTE_LEVEL)) {
		s->irr &= ~(1u << pin);
	}
	if (e != old)
		ioapic_route_changed(s, pin);
	ioapic_service_pin(s, pin);
}

void ioapic_mmio(struct ioapic *s, uint64_t offset, void *data, unsigned len, bool is_write)
{
	uint64_t dword = offset & ~3ull;
	unsigned shift = (unsigned)(offset & 3) * 8;
	uint32_t v = 0;

	if (!is_write) {
		if (dword == IOAPIC_IOREGSEL)
			v = s->ioregsel;
		else if (dword == IOAPIC_IOWIN)
			v = ioapic_reg_read(s, s->ioregsel);
		bus_data_put(data, len, (uint64_t)(v >> shift));
		return;
	}
	v = (uint32_t)bus_data_get(data, len > 4 ? 4 : len) << shift;
	switch (dword) {
	case IOAPIC_IOREGSEL:
		s->ioregsel = v & 0xff; /* bits 7:0 select the register */
		break;
	case IOAPIC_IOWIN:
		/* Only full dword writes reach the window (82093AA §3.0: "32-bit accesses"). */
		if (len == 4 && !shift)
			ioapic_reg_write(s, s->ioregsel, v);
		break;
	case IOAPIC_EOI:
		ioapic_eoi(s, (uint8_t)v);
		break;
	}
}

static void ioapic_bus_fn(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			  unsigned len, bool is_write)
{
	struct ioapic *s = opaque;

	(void)vcpu;
	if (s->cfg.lock)
		pthread_mutex_lock(s->cfg.lock);
	ioapic_mmio(s, offset, data, len, is_write);
	if (s->cfg.lock)
		pthread_mutex_unlock(s->cfg.lock);
}

int ioapic_register(struct ioapic *s, struct bus *mmio)
{
	return bus_register(mmio, IOAPIC_BASE, IOAPIC_SIZE, ioapic_bus_fn, s, "ioapic");
}
