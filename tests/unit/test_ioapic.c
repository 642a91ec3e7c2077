/* I/O APIC tests: register interface, redirection entries, MSI encoding, edge and level
 * delivery with Remote IRR and EOI, masking, route-change notifications. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "vmm/bus.h"
#include "vmm/dev/ioapic.h"

struct fx {
	struct ioapic io;
	struct bus mmio;
	uint64_t addr[16];
	uint32_t data[16];
	unsigned n;
	unsigned route_changes[IOAPIC_PINS];
	int extint;
};

static int fake_deliver(void *opaque, uint64_t address, uint32_t data)
{
	struct fx *fx = opaque;

	assert_true(fx->n < 16);
	fx->addr[fx->n] = address;
	fx->data[fx->n++] = data;
	return 0;
}

static void fake_route(void *opaque, unsigned pin)
{
	struct fx *fx = opaque;

	assert_true(pin < IOAPIC_PINS);
	fx->route_changes[pin]++;
}

static int fake_extint(void *opaque)
{
	return ((struct fx *)opaque)->extint;
}

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof(*fx));

	ioapic_init(&fx->io, &(struct ioapic_config){ .deliver = fake_deliver,
						      .route_changed = fake_route,
						      .extint_vector = fake_extint,
						      .opaque = fx });
	bus_init(&fx->mmio, "mmio");
	assert_int_equal(ioapic_register(&fx->io, &fx->mmio), 0);
	fx->extint = -1;
	memset(fx->route_changes, 0, sizeof(fx->route_changes));
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	bus_destroy(&fx->mmio);
	test_free(fx);
	return 0;
}

static void mmio_w32(struct fx *fx, uint64_t off, uint32_t v)
{
	uint8_t b[4];

	bus_data_put(b, 4, v);
	assert_true(bus_access(&fx->mmio, NULL, IOAPIC_BASE + off, b, 4, true));
}

static uint32_t mmio_r32(struct fx *fx, uint64_t off)
{
	uint8_t b[4] = { 0 };

	assert_true(bus_access(&fx->mmio, NULL, IOAPIC_BASE + off, b, 4, false));
	return (uint32_t)bus_data_get(b, 4);
}

static uint32_t reg_read(struct fx *fx, uint32_t reg)
{
	mmio_w32(fx, IOAPIC_IOREGSEL, reg);
	return mmio_r32(fx, IOAPIC_IOWIN);
}

static void reg_write(struct fx *fx, uint32_t reg, uint32_t v)
{
	mmio_w32(fx, IOAPIC_IOREGSEL, reg);
	mmio_w32(fx, IOAPIC_IOWIN, v);
}

static void set_entry(struct fx *fx, unsigned pin, uint64_t e)
{
	reg_write(fx, IOAPIC_REG_REDTBL + 2 * pin + 1, (uint32_t)(e >> 32));
	reg_write(fx, IOAPIC_REG_REDTBL + 2 * pin, (uint32_t)e);
}

static uint64_t get_entry(struct fx *fx, unsigned pin)
{
	return (uint64_t)reg_read(fx, IOAPIC_REG_REDTBL + 2 * pin + 1) << 32 |
	       reg_read(fx, IOAPIC_REG_REDTBL + 2 * pin);
}

static void test_id_version_arb(void **state)
{
	struct fx *fx = *state;

	/* ICH9 IOAPIC: version 0x20, max redirection entry 23 (0x17) in bits 23:16. */
	assert_int_equal(reg_read(fx, IOAPIC_REG_VER), 0x00170020);
	assert_int_equal(reg_read(fx, IOAPIC_REG_ID), 0);
	reg_write(fx, IOAPIC_REG_ID, 0x0a000000 | 0xffffff);
	assert_int_equal(reg_read(fx, IOAPIC_REG_ID), 0x0a000000);
	assert_int_equal(reg_read(fx, IOAPIC_REG_ARB), 0x0a000000);
	reg_write(fx, IOAPIC_REG_VER, 0x12345678); /* read-only */
	assert_int_equal(reg_read(fx, IOAPIC_REG_VER), 0x00170020);
	mmio_w32(fx, IOAPIC_IOREGSEL, 0x1234);
	assert_int_equal(mmio_r32(fx, IOAPIC_IOREGSEL), 0x34);
	/* Reserved registers (beyond entry 23) read 0 and ignore writes. */
	reg_write(fx, IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS, 0xffffffff);
	assert_int_equal(reg_read(fx, IOAPIC_REG_REDTBL + 2 * IOAPIC_PINS), 0);
	assert_int_equal(reg_read(fx, 0x03), 0);
}

static void test_reset_state(void **state)
{
	struct fx *fx = *state;

	for (unsigned i = 0; i < IOAPIC_PINS; i++)
		assert_int_equal(get_entry(fx, i), IOAPIC_RTE_MASKED);
}

static void test_entry_rw_and_ro_bits(void **state)
{
	struct fx *fx = *state;
	uint64_t e = 0x0300000000000000ull | IOAPIC_RTE_LEVEL | IOAPIC_RTE_POLARITY |
		     IOAPIC_RTE_DESTMODE | (IOAPIC_DM_LOWEST << 8) | 0x41 | IOAPIC_RTE_MASKED;

	set_entry(fx, 5, e | IOAPIC_RTE_RO);
	assert_int_equal(get_entry(fx, 5), e); /* delivery status, remote IRR: read-only */
	assert_true(fx->route_changes[5] >= 1);
	assert_int_equal(fx->route_changes[6], 0);
}

static void test_msi_encoding(void **state)
{
	uint64_t a;
	uint32_t d;

	(void)state;
	/* SDM Vol. 3A §11.11: address FEEx_xxxx with dest in 19:12 and DM in bit 2; data with
	 * vector 7:0, delivery mode 10:8, trigger mode bit 15. */
	ioapic_entry_msi(0x0500000000000000ull | IOAPIC_RTE_LEVEL | 0x31, &a, &d);
	assert_int_equal(a, 0xFEE05000);
	assert_int_equal(d, 0x8031);
	ioapic_entry_msi(0xff00000000000000ull | IOAPIC_RTE_DESTMODE | (IOAPIC_DM_NMI << 8) | 2, &a,
			 &d);
	assert_int_equal(a, 0xFEEFF004);
	assert_int_equal(d, 0x0402);
	ioapic_entry_msi((uint64_t)IOAPIC_DM_EXTINT << 8, &a, &d);
	assert_int_equal(d, 0x700);
}

static void test_edge_delivery(void **state)
{
	struct fx *fx = *state;

	set_entry(fx, 2, 0x0100000000000000ull | 0x30);
	ioapic_set_irq(&fx->io, 2, 1);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->addr[0], 0xFEE01000);
	assert_int_equal(fx->data[0], 0x30);
	ioapic_set_irq(&fx->io, 2, 1); /* no new edge */
	assert_int_equal(fx->n, 1);
	ioapic_set_irq(&fx->io, 2, 0);
	ioapic_set_irq(&fx->io, 2, 1);
	assert_int_equal(fx->n, 2);
	assert_int_equal(get_entry(fx, 2) & IOAPIC_RTE_REMOTE_IRR, 0);
}

static void test_edge_masked_ignored(void **state)
{
	struct fx *fx = *state;

	set_entry(fx, 4, IOAPIC_RTE_MASKED | 0x34);
	ioapic_set_irq(&fx->io, 4, 1);
	ioapic_set_irq(&fx->io, 4, 0);
	set_entry(fx, 4, 0x34); /* 82093AA: edges while masked are lost */
	assert_int_equal(fx->n, 0);
	ioapic_set_irq(&fx->io, 4, 1);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->data[0], 0x34);
}

static void test_level_remote_irr_eoi(void **state)
{
	struct fx *fx = *state;

	set_entry(fx, 9, IOAPIC_RTE_LEVEL | 0x49);
	ioapic_set_irq(&fx->io, 9, 1);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->data[0], 0x8049);
	assert_true(get_entry(fx, 9) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&fx->io, 9, 1); /* still waiting for EOI: no second message */
	assert_int_equal(fx->n, 1);
	ioapic_eoi(&fx->io, 0x48); /* another vector: nothing */
	assert_true(get_entry(fx, 9) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_eoi(&fx->io, 0x49); /* line still high: delivered again */
	assert_int_equal(fx->n, 2);
	assert_true(get_entry(fx, 9) & IOAPIC_RTE_REMOTE_IRR);
	ioapic_set_irq(&fx->io, 9, 0);
	ioapic_eoi(&fx->io, 0x49); /* line low: Remote IRR clears, nothing sent */
	assert_int_equal(fx->n, 2);
	assert_int_equal(get_entry(fx, 9) & IOAPIC_RTE_REMOTE_IRR, 0);
}

static void test_eoi_register(void **state)
{
	struct fx *fx = *state;

	set_entry(fx, 10, IOAPIC_RTE_LEVEL | 0x50);
	ioapic_set_irq(&fx->io, 10, 1);
	assert_int_equal(fx->n, 1);
	mmio_w32(fx, IOAPIC_EOI, 0x50); /* ICH9 EOI register (version 0x20) */
	assert_int_equal(fx->n, 2);
}

static void test_level_masked_then_unmasked(void **state)
{
	struct fx *fx = *state;

	set_entry(fx, 11, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x51);
	ioapic_set_irq(&fx->io, 11, 1);
	assert_int_equal(fx->n, 0);
	set_entry(fx, 11, IOAPIC_RTE_LEVEL | 0x51); /* unmask: the asserted line delivers */
	assert_int_equal(fx->n, 1);
	/* Masking while Remote IRR is set keeps it; the EOI clears it, no delivery while
	 * masked, and unmasking delivers again. */
	set_entry(fx, 11, IOAPIC_RTE_MASKED | IOAPIC_RTE_LEVEL | 0x51);
	ioapic_eoi(&fx->io, 0x51);
	assert_int_equal(fx->n, 1);
	set_entry(fx, 11, IOAPIC_RTE_LEVEL | 0x51);
	assert_int_equal(fx->n, 2);
}

static void test_switch_to_edge_clears_remote_irr(void **state)
{
	struct fx *fx = *state;

	set_entry(fx, 12, IOAPIC_RTE_LEVEL | 0x52);
	ioapic_set_irq(&fx->io, 12, 1);
	assert_true(get_entry(fx, 12) & IOAPIC_RTE_REMOTE_IRR);
	set_entry(fx, 12, 0x52);
	assert_int_equal(get_entry(fx, 12) & IOAPIC_RTE_REMOTE_IRR, 0);
	assert_int_equal(fx->n, 1); /* a held line is not a new edge */
}

static void test_extint_vector_from_pic(void **state)
{
	struct fx *fx = *state;

	set_entry(fx, 0, (uint64_t)IOAPIC_DM_EXTINT << 8);
	fx->extint = 0x20;
	ioapic_set_irq(&fx->io, 0, 1);
	assert_int_equal(fx->n, 1);
	assert_int_equal(fx->data[0], 0x720);
	fx->extint = -1; /* the PIC has nothing: no message */
	ioapic_set_irq(&fx->io, 0, 0);
	ioapic_set_irq(&fx->io, 0, 1);
	assert_int_equal(fx->n, 1);
}

static void test_bad_pins_and_sizes(void **state)
{
	struct fx *fx = *state;
	uint8_t b[2] = { 0x12, 0 };

	ioapic_set_irq(&fx->io, IOAPIC_PINS, 1);
	ioapic_set_irq(&fx->io, 1000, 1);
	assert_int_equal(fx->n, 0);
	/* A 2-byte write to IOWIN is ignored (32-bit accesses only). */
	mmio_w32(fx, IOAPIC_IOREGSEL, IOAPIC_REG_REDTBL);
	assert_true(bus_access(&fx->mmio, NULL, IOAPIC_BASE + IOAPIC_IOWIN, b, 2, true));
	assert_int_equal(get_entry(fx, 0), IOAPIC_RTE_MASKED);
	/* Unknown offsets read 0. */
	assert_int_equal(mmio_r32(fx, 0x20), 0);
}

static void test_reset(void **state)
{
	struct fx *fx = *state;

	set_entry(fx, 3, 0x33);
	reg_write(fx, IOAPIC_REG_ID, 0x05000000);
	ioapic_reset(&fx->io);
	assert_int_equal(get_entry(fx, 3), IOAPIC_RTE_MASKED);
	assert_int_equal(reg_read(fx, IOAPIC_REG_ID), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_id_version_arb, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_entry_rw_and_ro_bits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msi_encoding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edge_delivery, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edge_masked_ignored, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_remote_irr_eoi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_eoi_register, setup, teardown),
		cmocka_unit_test_setup_teardown(test_level_masked_then_unmasked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_switch_to_edge_clears_remote_irr, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_extint_vector_from_pic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_pins_and_sizes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	};

	return cmocka_run_group_tests_name("ioapic", tests, NULL, NULL);
}
