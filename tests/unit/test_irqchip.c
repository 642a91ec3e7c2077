/* kernel-irqchip=split glue against the recording fake of KVM: the split-irqchip cap and
 * the pins' MSI routes (what makes KVM exit on level-triggered EOIs), ISA IRQ wiring to the
 * IOAPIC (IRQ0 -> pin 2) and the 8259, KVM_SIGNAL_MSI delivery, EOI handling, and the
 * ExtINT injection / interrupt-window protocol before KVM_RUN. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "fake_kvm.h"
#include "vmm/irqchip.h"
#include "vmm/vm.h"

struct seen {
	struct kvm_irq_routing_entry routes[64];
	unsigned nroutes, commits;
	uint64_t msi_addr[16];
	uint32_t msi_data[16];
	unsigned nmsi;
	uint32_t injected[8];
	unsigned ninjected;
	uint64_t cap_arg0;
	int split_enabled;
};

static struct seen seen;

static int answer(void *opaque, int fd, unsigned long req, void *arg)
{
	(void)opaque;
	(void)fd;
	if (req == KVM_ENABLE_CAP) {
		const struct kvm_enable_cap *ec = arg;

		if (ec->cap == KVM_CAP_SPLIT_IRQCHIP) {
			seen.split_enabled++;
			seen.cap_arg0 = ec->args[0];
		}
	} else if (req == KVM_SET_GSI_ROUTING) {
		const struct kvm_irq_routing *r = arg;

		seen.nroutes = r->nr < 64 ? r->nr : 64;
		memcpy(seen.routes, r->entries, seen.nroutes * sizeof(r->entries[0]));
		seen.commits++;
	} else if (req == KVM_SIGNAL_MSI) {
		const struct kvm_msi *m = arg;

		if (seen.nmsi < 16) {
			seen.msi_addr[seen.nmsi] = (uint64_t)m->address_hi << 32 | m->address_lo;
			seen.msi_data[seen.nmsi++] = m->data;
		}
	} else if (req == KVM_INTERRUPT) {
		const struct kvm_interrupt *i = arg;

		if (seen.ninjected < 8)
			seen.injected[seen.ninjected++] = i->irq;
	}
	return 0;
}

static uint64_t fake_now(void *opaque)
{
	(void)opaque;
	return 1000000000ull;
}

struct fx {
	struct vm vm;
	struct timer_service ts;
	struct irqchip *c;
	struct vcpu v0;
	struct kvm_run run;
};

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof(*fx));

	memset(&seen, 0, sizeof(seen));
	fake_kvm_reset(answer, NULL);
	bus_init(&fx->vm.pio, "pio");
	bus_init(&fx->vm.mmio, "mmio");
	fx->vm.vm_fd = 7;
	fx->vm.clock = (struct clock_src){ fake_now, NULL };
	assert_int_equal(timer_service_init(&fx->ts), 0);
	assert_int_equal(irqchip_create(&fx->vm, &fx->ts, &fx->c), 0);
	assert_int_equal(irqchip_kvm_setup(fx->c), 0);
	fx->v0.vm = &fx->vm;
	fx->v0.fd = 9;
	fx->v0.run = &fx->run;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	timer_service_destroy(&fx->ts);
	irqchip_destroy(fx->c);
	irq_routes_free(&fx->vm.routes);
	bus_destroy(&fx->vm.pio);
	bus_destroy(&fx->vm.mmio);
	test_free(fx);
	return 0;
}

static void mmio_w32(struct fx *fx, uint64_t off, uint32_t v)
{
	uint8_t b[4];

	bus_data_put(b, 4, v);
	assert_true(bus_access(&fx->vm.mmio, NULL, IOAPIC_BASE + off, b, 4, true));
}

static void set_entry(struct fx *fx, unsigned pin, uint64_t e)
{
	mmio_w32(fx, IOAPIC_IOREGSEL, IOAPIC_REG_REDTBL + 2 * pin + 1);
	mmio_w32(fx, IOAPIC_IOWIN, (uint32_t)(e >> 32));
	mmio_w32(fx, IOAPIC_IOREGSEL, IOAPIC_REG_REDTBL + 2 * pin);
	mmio_w32(fx, IOAPIC_IOWIN, (uint32_t)e);
}

/* The committed route of gsi; an entry with gsi ~0 when there is none. */
static const struct kvm_irq_routing_entry *route_of(uint32_t gsi)
{
	static const struct kvm_irq_routing_entry none = { .gsi = ~0u };

	for (unsigned i = 0; i < seen.nroutes; i++)
		if (seen.routes[i].gsi == gsi)
			return &seen.routes[i];
	return &none;
}

static void pio_out(struct fx *fx, uint16_t port, uint8_t v)
{
	assert_true(bus_access(&fx->vm.pio, NULL, port, &v, 1, true));
}

static void test_setup_routes(void **state)
{
	(void)state;
	/* KVM_CAP_SPLIT_IRQCHIP with 24 reserved IOAPIC routes, then 24 MSI routes. */
	assert_int_equal(seen.split_enabled, 1);
	assert_int_equal(seen.cap_arg0, 24);
	assert_int_equal(seen.nroutes, 24);
	for (uint32_t gsi = 0; gsi < 24; gsi++) {
		const struct kvm_irq_routing_entry *e = route_of(gsi);

		assert_int_equal(e->gsi, gsi);
		assert_int_equal(e->type, KVM_IRQ_ROUTING_MSI);
		assert_int_equal(e->u.msi.data, 0); /* masked: a null message */
	}
	assert_int_equal(fake_kvm_find(KVM_CREATE_IRQCHIP, 0), -1);
	assert_int_equal(fake_kvm_find(KVM_CREATE_PIT2, 0), -1);
}

static void test_level_entry_route_and_eoi(void **state)
{
	struct fx *fx = *state;
	const struct kvm_irq_routing_entry *e;
	unsigned commits = seen.commits;

	/* SCI: IRQ 9, level, active high, vector 0x59, APIC 1. */
	set_entry(fx, 9, 0x0100000000000000ull | IOAPIC_RTE_LEVEL | 0x59);
	assert_true(seen.commits > commits);
	e = route_of(9);
	assert_int_equal(e->gsi, 9);
	/* The level bit in the route's data is what puts 0x59 in the EOI-exit bitmap. */
	assert_int_equal(e->u.msi.address_lo, 0xFEE01000);
	assert_int_equal(e->u.msi.data, 0x8059);
	irqchip_set_irq(fx->c, 9, 1);
	assert_int_equal(seen.nmsi, 1);
	assert_int_equal(seen.msi_data[0], 0x8059);
	irqchip_eoi(fx->c, 0x59); /* KVM_EXIT_IOAPIC_EOI, line still up: again */
	assert_int_equal(seen.nmsi, 2);
	irqchip_set_irq(fx->c, 9, 0);
	irqchip_eoi(fx->c, 0x59);
	assert_int_equal(seen.nmsi, 2);
}

static void test_isa_irq0_to_pin2(void **state)
{
	struct fx *fx = *state;

	set_entry(fx, 2, 0x30);
	set_entry(fx, 0, 0x31);
	irqchip_set_irq(fx->c, 0, 1);
	assert_int_equal(seen.nmsi, 1);
	assert_int_equal(seen.msi_data[0], 0x30);
}

static void test_teardown_drops_messages(void **state)
{
	struct fx *fx = *state;

	set_entry(fx, 4, 0x34);
	irqchip_kvm_teardown(fx->c);
	irqchip_set_irq(fx->c, 4, 1);
	assert_int_equal(seen.nmsi, 0);
}

static void test_extint_injection(void **state)
{
	struct fx *fx = *state;

	/* PIC master base 0x20, IRQ4 unmasked. */
	pio_out(fx, 0x20, 0x11);
	pio_out(fx, 0x21, 0x20);
	pio_out(fx, 0x21, 0x04);
	pio_out(fx, 0x21, 0x01);
	pio_out(fx, 0x21, 0xef);
	irqchip_set_irq(fx->c, 4, 1);
	/* Not ready (IF=0 or LINT0 masked): no injection, ask for a window exit. */
	fx->run.ready_for_interrupt_injection = 1;
	fx->run.if_flag = 0;
	irqchip_pre_run(fx->c, &fx->v0);
	assert_int_equal(seen.ninjected, 0);
	assert_int_equal(fx->run.request_interrupt_window, 1);
	fx->run.ready_for_interrupt_injection = 0;
	fx->run.if_flag = 1;
	irqchip_pre_run(fx->c, &fx->v0);
	assert_int_equal(seen.ninjected, 0);
	/* Window open: the acknowledged vector goes in, no more window requests. */
	fx->run.ready_for_interrupt_injection = 1;
	irqchip_pre_run(fx->c, &fx->v0);
	assert_int_equal(seen.ninjected, 1);
	assert_int_equal(seen.injected[0], 0x24);
	assert_int_equal(fx->run.request_interrupt_window, 0);
	/* Other vCPUs never take the PIC's interrupt. */
	irqchip_set_irq(fx->c, 4, 0);
	pio_out(fx, 0x20, 0x20);
	irqchip_set_irq(fx->c, 4, 1);
	fx->v0.index = 1;
	irqchip_pre_run(fx->c, &fx->v0);
	assert_int_equal(seen.ninjected, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_setup_routes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_entry_route_and_eoi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_isa_irq0_to_pin2, setup, teardown),
		cmocka_unit_test_setup_teardown(test_teardown_drops_messages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_extint_injection, setup, teardown),
	};

	return cmocka_run_group_tests_name("irqchip", tests, NULL, NULL);
}
