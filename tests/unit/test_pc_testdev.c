/* pc-testdev: scratch register lanes on 0xe0 and 0xe8, page flush, IRQ lines, iomem. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "hyperv/hv_msr.h"
#include "vmm/bus.h"
#include "vmm/dev/pc_testdev.h"
#include "vmm/guest_mem.h"

#include "bus_io.h"

#define RAM_SIZE (64u * 4096u)

struct irq_rec {
	unsigned n;
	unsigned gsi[8];
	int level[8];
};

static void rec_irq(void *opaque, unsigned gsi, int level)
{
	struct irq_rec *r = opaque;

	assert_true(r->n < 8);
	r->gsi[r->n] = gsi;
	r->level[r->n] = level;
	r->n++;
}

struct fx {
	struct bus pio, mmio;
	struct guest_mem gm;
	uint8_t *ram;
	struct irq_rec irqs;
	struct pc_testdev *d;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	bus_init(&f->pio, "pio");
	bus_init(&f->mmio, "mmio");
	f->ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(f->ram != MAP_FAILED);
	assert_int_equal(gm_add_slot(&f->gm, 0, RAM_SIZE, f->ram, false), 0);
	f->d = malloc(sizeof(*f->d));
	assert_non_null(f->d);
	assert_int_equal(pc_testdev_init(f->d, &(struct pc_testdev_config){
					       .gm = &f->gm,
					       .irq = { rec_irq, &f->irqs, 99 },
				       }), 0);
	assert_int_equal(pc_testdev_register(f->d, &f->pio, &f->mmio), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	bus_destroy(&f->pio);
	bus_destroy(&f->mmio);
	munmap(f->ram, RAM_SIZE);
	free(f->d);
	free(f);
	return 0;
}

static void test_init_rejects_null(void **state)
{
	struct fx *f = *state;

	assert_int_equal(pc_testdev_init(NULL, &(struct pc_testdev_config){ 0 }), -EINVAL);
	assert_int_equal(pc_testdev_init(f->d, NULL), -EINVAL);
}

/* kvm-unit-tests' emulator test: 32-bit write, narrower reads of each lane. */
static void test_ioport_lanes(void **state)
{
	struct fx *f = *state;

	test_bus_out(&f->pio, 0xe0, 4, 0x11223344);
	assert_int_equal(test_bus_in(&f->pio, 0xe0, 4), 0x11223344);
	assert_int_equal(test_bus_in(&f->pio, 0xe0, 2), 0x3344);
	assert_int_equal(test_bus_in(&f->pio, 0xe2, 2), 0x1122);
	assert_int_equal(test_bus_in(&f->pio, 0xe1, 1), 0x33);
	assert_int_equal(test_bus_in(&f->pio, 0xe3, 1), 0x11);
	/* A byte write changes only its lane. */
	test_bus_out(&f->pio, 0xe1, 1, 0xab);
	assert_int_equal(test_bus_in(&f->pio, 0xe0, 4), 0x1122ab44);
	test_bus_out(&f->pio, 0xe2, 2, 0xcdef);
	assert_int_equal(test_bus_in(&f->pio, 0xe0, 4), 0xcdefab44);
	/* 0xe8 is the same register. */
	assert_int_equal(test_bus_in(&f->pio, 0xe8, 4), 0xcdefab44);
	test_bus_out(&f->pio, 0xeb, 1, 0x5a);
	assert_int_equal(test_bus_in(&f->pio, 0xe0, 4), 0x5aefab44);
	/* 0xe4-0xe7 is the flush port, not the register. */
	assert_int_equal(test_bus_in(&f->pio, 0xe4, 4), 0);
	assert_false(bus_find(&f->pio, 0xec, 1) != NULL);
}

static void test_flush_keeps_contents(void **state)
{
	struct fx *f = *state;

	f->ram[3 * 4096 + 17] = 0x77;
	test_bus_out(&f->pio, 0xe4, 4, 3 * 4096 + 0x123);
	assert_int_equal(f->d->flushes, 1);
	/* Still mapped read-write, contents kept. */
	assert_int_equal(f->ram[3 * 4096 + 17], 0x77);
	f->ram[3 * 4096 + 18] = 0x78;
	assert_int_equal(f->ram[3 * 4096 + 18], 0x78);
	/* Outside RAM, or not a 32-bit write: nothing happens. */
	test_bus_out(&f->pio, 0xe4, 4, RAM_SIZE);
	test_bus_out(&f->pio, 0xe4, 2, 0);
	test_bus_out(&f->pio, 0xe5, 1, 0);
	assert_int_equal(f->d->flushes, 1);
}

static void test_irq_lines(void **state)
{
	struct fx *f = *state;

	test_bus_out(&f->pio, 0x2000 + 14, 1, 1);
	test_bus_out(&f->pio, 0x2000 + 14, 1, 0);
	test_bus_out(&f->pio, 0x2000 + 23, 1, 0x80); /* any non-zero value raises */
	assert_int_equal(f->irqs.n, 3);
	assert_int_equal(f->irqs.gsi[0], 14);
	assert_int_equal(f->irqs.level[0], 1);
	assert_int_equal(f->irqs.gsi[1], 14);
	assert_int_equal(f->irqs.level[1], 0);
	assert_int_equal(f->irqs.gsi[2], 23);
	assert_int_equal(f->irqs.level[2], 1);
	/* Only byte writes count; line 24 does not exist. */
	test_bus_out(&f->pio, 0x2000, 2, 1);
	assert_int_equal(f->irqs.n, 3);
	assert_null(bus_find(&f->pio, 0x2000 + 24, 1));
	assert_int_equal(test_bus_in(&f->pio, 0x2003, 1), 0);
}

static void test_iomem(void **state)
{
	struct fx *f = *state;
	uint8_t buf[8];
	uint64_t v = 0x0123456789abcdefull;

	memcpy(buf, &v, 8);
	assert_true(bus_access(&f->mmio, NULL, 0xff000000u + 0xfff8, buf, 8, true));
	memset(buf, 0, sizeof(buf));
	assert_true(bus_access(&f->mmio, NULL, 0xff000000u + 0xfffc, buf, 4, false));
	assert_int_equal(bus_data_get(buf, 4), 0x01234567);
	assert_true(bus_access(&f->mmio, NULL, 0xff000000u + 0xfff8, buf, 1, false));
	assert_int_equal(buf[0], 0xef);
	assert_null(bus_find(&f->mmio, 0xff000000u + 0x10000, 1));
}

static void test_register_twice_conflicts(void **state)
{
	struct fx *f = *state;

	assert_int_equal(pc_testdev_register(f->d, &f->pio, &f->mmio), -EEXIST);
}

static void nop_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		   bool is_write)
{
	(void)opaque, (void)vcpu, (void)offset, (void)data, (void)len, (void)is_write;
}

/* kvm-unit-tests' x86/run adds pc-testdev to every test, hyperv_* included: its ports must
 * not collide with the userspace backend's hypercall port (it was 0xE8 once). */
static void test_coexists_with_hypercall_port(void **state)
{
	struct fx *f = *state;
	struct bus pio, mmio;

	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	assert_int_equal(bus_register(&pio, HV_HCALL_PORT, HV_HCALL_PORT_LEN, nop_io, NULL,
				      "hv-hypercall"), 0);
	assert_int_equal(pc_testdev_register(f->d, &pio, &mmio), 0);
	bus_destroy(&pio);
	bus_destroy(&mmio);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init_rejects_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ioport_lanes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flush_keeps_contents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_irq_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_iomem, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_twice_conflicts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_coexists_with_hypercall_port, setup, teardown),
	};

	return cmocka_run_group_tests_name("pc_testdev", tests, NULL, NULL);
}
