/* 8259A pair tests: initialisation sequences, priorities and rotation, EOI variants,
 * auto-EOI, cascade, ELCR level mode, poll, special mask mode, spurious IRQ 7/15. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bus_io.h"
#include "vmm/dev/i8259.h"

struct fx {
	struct i8259 pic;
	struct bus pio;
	int intr;
	unsigned intr_changes;
};

static void fake_intr(void *opaque, int level)
{
	struct fx *fx = opaque;

	fx->intr = level;
	fx->intr_changes++;
}

/* The BIOS/Linux sequence: ICW1 edge+ICW4, ICW2 base, ICW3 cascade, ICW4 8086 mode. */
static void pic_program(struct fx *fx, uint8_t icw4)
{
	test_bus_out(&fx->pio, 0x20, 1, 0x11);
	test_bus_out(&fx->pio, 0x21, 1, 0x20);
	test_bus_out(&fx->pio, 0x21, 1, 0x04);
	test_bus_out(&fx->pio, 0x21, 1, icw4);
	test_bus_out(&fx->pio, 0xA0, 1, 0x11);
	test_bus_out(&fx->pio, 0xA1, 1, 0x28);
	test_bus_out(&fx->pio, 0xA1, 1, 0x02);
	test_bus_out(&fx->pio, 0xA1, 1, icw4);
}

static int setup(void **state)
{
	struct fx *fx = test_calloc(1, sizeof(*fx));

	i8259_init(&fx->pic, &(struct i8259_config){ .intr = fake_intr, .opaque = fx });
	bus_init(&fx->pio, "pio");
	assert_int_equal(i8259_register(&fx->pic, &fx->pio), 0);
	pic_program(fx, 0x01);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	bus_destroy(&fx->pio);
	test_free(fx);
	return 0;
}

static void pulse(struct fx *fx, unsigned irq)
{
	i8259_set_irq(&fx->pic, irq, 1);
	i8259_set_irq(&fx->pic, irq, 0);
}

static void test_init_sequence(void **state)
{
	struct fx *fx = *state;

	/* After ICW1..4 the masks are clear and the bases set. */
	assert_int_equal(test_bus_in(&fx->pio, 0x21, 1), 0);
	assert_int_equal(fx->pic.chip[0].irq_base, 0x20);
	assert_int_equal(fx->pic.chip[1].irq_base, 0x28);
	test_bus_out(&fx->pio, 0x21, 1, 0xfb);
	assert_int_equal(test_bus_in(&fx->pio, 0x21, 1), 0xfb);
	/* ICW1 clears the mask again; without IC4 and in single mode ICW2 ends the sequence. */
	test_bus_out(&fx->pio, 0x20, 1, 0x12);
	assert_int_equal(test_bus_in(&fx->pio, 0x21, 1), 0);
	test_bus_out(&fx->pio, 0x21, 1, 0x40);
	test_bus_out(&fx->pio, 0x21, 1, 0x5a); /* OCW1 now */
	assert_int_equal(test_bus_in(&fx->pio, 0x21, 1), 0x5a);
	assert_int_equal(fx->pic.chip[0].irq_base, 0x40);
}

static void test_edge_irq_and_eoi(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(fx->intr, 0);
	pulse(fx, 1);
	assert_int_equal(fx->intr, 1);
	assert_int_equal(test_bus_in(&fx->pio, 0x20, 1), 0x02); /* IRR by default */
	assert_int_equal(i8259_inta(&fx->pic), 0x21);
	assert_int_equal(fx->intr, 0);
	test_bus_out(&fx->pio, 0x20, 1, 0x0b); /* OCW3: read ISR */
	assert_int_equal(test_bus_in(&fx->pio, 0x20, 1), 0x02);
	test_bus_out(&fx->pio, 0x20, 1, 0x20); /* non-specific EOI */
	assert_int_equal(test_bus_in(&fx->pio, 0x20, 1), 0x00);
}

static void test_priority_and_nesting(void **state)
{
	struct fx *fx = *state;

	pulse(fx, 5);
	assert_int_equal(i8259_inta(&fx->pic), 0x25);
	pulse(fx, 6); /* lower priority than IRQ5 in service: held */
	assert_int_equal(fx->intr, 0);
	pulse(fx, 3); /* higher: nests */
	assert_int_equal(fx->intr, 1);
	assert_int_equal(i8259_inta(&fx->pic), 0x23);
	test_bus_out(&fx->pio, 0x20, 1, 0x20); /* EOI ends IRQ3 (highest in service) */
	assert_int_equal(fx->intr, 0);
	test_bus_out(&fx->pio, 0x20, 1, 0x65); /* specific EOI for IRQ5 */
	assert_int_equal(fx->intr, 1);
	assert_int_equal(i8259_inta(&fx->pic), 0x26);
}

static void test_masked(void **state)
{
	struct fx *fx = *state;

	test_bus_out(&fx->pio, 0x21, 1, 1u << 4);
	pulse(fx, 4);
	assert_int_equal(fx->intr, 0);
	test_bus_out(&fx->pio, 0x21, 1, 0); /* the latched edge is still in IRR */
	assert_int_equal(fx->intr, 1);
	assert_int_equal(i8259_inta(&fx->pic), 0x24);
}

static void test_rotation(void **state)
{
	struct fx *fx = *state;

	pulse(fx, 1);
	assert_int_equal(i8259_inta(&fx->pic), 0x21);
	test_bus_out(&fx->pio, 0x20, 1, 0xa0); /* rotate on non-specific EOI: IRQ1 lowest */
	pulse(fx, 1);
	pulse(fx, 3);
	assert_int_equal(i8259_inta(&fx->pic), 0x23); /* IRQ3 now beats IRQ1 */
	test_bus_out(&fx->pio, 0x20, 1, 0xc6);  /* set priority: IRQ6 lowest, IRQ7 highest */
	pulse(fx, 7);
	test_bus_out(&fx->pio, 0x20, 1, 0x63);  /* specific EOI IRQ3 */
	assert_int_equal(i8259_inta(&fx->pic), 0x27);
	test_bus_out(&fx->pio, 0x20, 1, 0xe7);  /* rotate on specific EOI 7: 0 highest */
	assert_int_equal(i8259_inta(&fx->pic), 0x21);
}

static void test_auto_eoi(void **state)
{
	struct fx *fx = *state;

	pic_program(fx, 0x03); /* ICW4: AEOI */
	pulse(fx, 2 + 1);
	assert_int_equal(i8259_inta(&fx->pic), 0x23);
	test_bus_out(&fx->pio, 0x20, 1, 0x0b);
	assert_int_equal(test_bus_in(&fx->pio, 0x20, 1), 0); /* no ISR bit */
	test_bus_out(&fx->pio, 0x20, 1, 0x80); /* rotate in AEOI mode */
	pulse(fx, 3);
	pulse(fx, 4);
	assert_int_equal(i8259_inta(&fx->pic), 0x23);
	pulse(fx, 3);
	assert_int_equal(i8259_inta(&fx->pic), 0x24); /* IRQ3 became lowest */
}

static void test_cascade(void **state)
{
	struct fx *fx = *state;

	pulse(fx, 10);
	assert_int_equal(fx->intr, 1);
	assert_int_equal(i8259_inta(&fx->pic), 0x2a);
	/* Both ISRs: slave IRQ2 (its IRQ10) and master IRQ2 (the cascade). */
	assert_int_equal(fx->pic.chip[1].isr, 1u << 2);
	assert_int_equal(fx->pic.chip[0].isr, 1u << 2);
	pulse(fx, 8); /* IRQ8 on the slave: higher than 10, but master IRQ2 is in service */
	assert_int_equal(fx->intr, 0);
	test_bus_out(&fx->pio, 0xA0, 1, 0x20);
	test_bus_out(&fx->pio, 0x20, 1, 0x20);
	assert_int_equal(fx->intr, 1);
	assert_int_equal(i8259_inta(&fx->pic), 0x28);
	/* IRQ 2 itself is the cascade: not an input. */
	test_bus_out(&fx->pio, 0xA0, 1, 0x20);
	test_bus_out(&fx->pio, 0x20, 1, 0x20);
	i8259_set_irq(&fx->pic, 2, 1);
	assert_int_equal(fx->intr, 0);
	/* Slave masked in the master's IMR. */
	test_bus_out(&fx->pio, 0x21, 1, 0x04);
	pulse(fx, 12);
	assert_int_equal(fx->intr, 0);
}

static void test_special_fully_nested(void **state)
{
	struct fx *fx = *state;

	test_bus_out(&fx->pio, 0x20, 1, 0x11);
	test_bus_out(&fx->pio, 0x21, 1, 0x20);
	test_bus_out(&fx->pio, 0x21, 1, 0x04);
	test_bus_out(&fx->pio, 0x21, 1, 0x11); /* SFNM */
	pulse(fx, 10);
	assert_int_equal(i8259_inta(&fx->pic), 0x2a);
	pulse(fx, 8); /* higher priority on the slave gets through with SFNM */
	assert_int_equal(fx->intr, 1);
	assert_int_equal(i8259_inta(&fx->pic), 0x28);
}

static void test_elcr_level(void **state)
{
	struct fx *fx = *state;

	/* ELCR: IRQ 0-2, 8 and 13 cannot be level. */
	test_bus_out(&fx->pio, 0x4d0, 1, 0xff);
	test_bus_out(&fx->pio, 0x4d1, 1, 0xff);
	assert_int_equal(test_bus_in(&fx->pio, 0x4d0, 1), 0xf8);
	assert_int_equal(test_bus_in(&fx->pio, 0x4d1, 1), 0xde);
	i8259_set_irq(&fx->pic, 9, 1);
	assert_int_equal(i8259_inta(&fx->pic), 0x29);
	test_bus_out(&fx->pio, 0xA0, 1, 0x20);
	test_bus_out(&fx->pio, 0x20, 1, 0x20);
	/* Still high: requested again after EOI. */
	assert_int_equal(fx->intr, 1);
	assert_int_equal(i8259_inta(&fx->pic), 0x29);
	test_bus_out(&fx->pio, 0xA0, 1, 0x20);
	test_bus_out(&fx->pio, 0x20, 1, 0x20);
	i8259_set_irq(&fx->pic, 9, 0);
	assert_int_equal(fx->intr, 0);
	/* ELCR survives ICW1. */
	pic_program(fx, 0x01);
	assert_int_equal(test_bus_in(&fx->pio, 0x4d1, 1), 0xde);
}

static void test_spurious(void **state)
{
	struct fx *fx = *state;

	test_bus_out(&fx->pio, 0x4d0, 1, 0x08);
	i8259_set_irq(&fx->pic, 3, 1);
	assert_int_equal(fx->intr, 1);
	i8259_set_irq(&fx->pic, 3, 0); /* level request goes away before INTA */
	assert_int_equal(i8259_inta(&fx->pic), 0x27);
	assert_int_equal(fx->pic.chip[0].isr, 0);
	/* Spurious on the slave: IRQ15, master IRQ2 in service. */
	test_bus_out(&fx->pio, 0x4d1, 1, 0x08); /* IRQ11 level */
	i8259_set_irq(&fx->pic, 11, 1);
	test_bus_out(&fx->pio, 0x21, 1, 0x00);
	test_bus_out(&fx->pio, 0xA1, 1, 0x08); /* mask 11 after the cascade saw it */
	assert_int_equal(fx->pic.spurious, 1);
	fx->pic.chip[0].irr |= 1u << 2; /* the master latched the cascade edge earlier */
	assert_int_equal(i8259_inta(&fx->pic), 0x2f);
	assert_int_equal(fx->pic.spurious, 2);
	assert_int_equal(fx->pic.chip[1].isr, 0);
}

static void test_poll(void **state)
{
	struct fx *fx = *state;

	test_bus_out(&fx->pio, 0x20, 1, 0x0c); /* OCW3 poll */
	assert_int_equal(test_bus_in(&fx->pio, 0x20, 1), 0x00); /* nothing pending */
	pulse(fx, 6);
	test_bus_out(&fx->pio, 0x20, 1, 0x0c);
	assert_int_equal(test_bus_in(&fx->pio, 0x21, 1), 0x86); /* either port */
	assert_int_equal(fx->pic.chip[0].isr, 1u << 6);
	/* Poll mode ends after one read. */
	assert_int_equal(test_bus_in(&fx->pio, 0x21, 1), 0x00);
}

static void test_special_mask_mode(void **state)
{
	struct fx *fx = *state;

	pulse(fx, 3);
	assert_int_equal(i8259_inta(&fx->pic), 0x23);
	pulse(fx, 5);
	assert_int_equal(fx->intr, 0); /* blocked by IRQ3 in service */
	test_bus_out(&fx->pio, 0x21, 1, 1u << 3);
	test_bus_out(&fx->pio, 0x20, 1, 0x68); /* OCW3: set special mask mode */
	assert_int_equal(fx->intr, 1);
	assert_int_equal(i8259_inta(&fx->pic), 0x25);
	test_bus_out(&fx->pio, 0x20, 1, 0x48); /* reset SMM */
	pulse(fx, 6);
	assert_int_equal(fx->intr, 0);
}

static void test_ltim(void **state)
{
	struct fx *fx = *state;

	test_bus_out(&fx->pio, 0x20, 1, 0x19); /* ICW1 with LTIM: all level */
	test_bus_out(&fx->pio, 0x21, 1, 0x20);
	test_bus_out(&fx->pio, 0x21, 1, 0x04);
	test_bus_out(&fx->pio, 0x21, 1, 0x01);
	i8259_set_irq(&fx->pic, 4, 1);
	assert_int_equal(i8259_inta(&fx->pic), 0x24);
	test_bus_out(&fx->pio, 0x20, 1, 0x20);
	assert_int_equal(fx->intr, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_sequence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edge_irq_and_eoi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_priority_and_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_masked, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation, setup, teardown),
		cmocka_unit_test_setup_teardown(test_auto_eoi, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cascade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_special_fully_nested, setup, teardown),
		cmocka_unit_test_setup_teardown(test_elcr_level, setup, teardown),
		cmocka_unit_test_setup_teardown(test_spurious, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll, setup, teardown),
		cmocka_unit_test_setup_teardown(test_special_mask_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ltim, setup, teardown),
	};

	return cmocka_run_group_tests_name("i8259", tests, NULL, NULL);
}
