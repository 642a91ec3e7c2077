#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/guest_mem.h"
#include "vmm/memmap.h"

static void test_slots_and_bounds(void **state)
{
	struct guest_mem gm = { 0 };
	static uint8_t lo[0x10000], hi[0x1000], rom[0x1000];
	uint32_t v = 0x12345678;

	(void)state;
	assert_int_equal(gm_add_slot(&gm, 0, sizeof(lo), lo, false), 0);
	assert_int_equal(gm_add_slot(&gm, 0x100000000ull, sizeof(hi), hi, false), 0);
	assert_int_equal(gm_add_slot(&gm, 0xfffff000ull, sizeof(rom), rom, true), 0);
	assert_int_equal(gm_add_slot(&gm, 0x8000, 0x10000, lo, false), -EEXIST);
	assert_int_equal(gm_add_slot(&gm, UINT64_MAX - 10, 0x100, lo, false), -EINVAL);
	assert_int_equal(gm.ram_size, sizeof(lo) + sizeof(hi));

	assert_ptr_equal(gm_ptr(&gm, 0x10, 4), lo + 0x10);
	assert_ptr_equal(gm_ptr(&gm, 0xfffc, 4), lo + 0xfffc);
	assert_null(gm_ptr(&gm, 0xfffd, 4));          /* crosses the end of the slot */
	assert_null(gm_ptr(&gm, 0x10000, 1));         /* the hole */
	assert_null(gm_ptr(&gm, 0x10, 0));            /* empty */
	assert_null(gm_ptr(&gm, UINT64_MAX - 1, 4));  /* wraps */
	assert_null(gm_ptr(&gm, 0xffff0000, 0x20000)); /* huge length */
	assert_ptr_equal(gm_ptr(&gm, 0x100000ff0ull, 16), hi + 0xff0);
	assert_non_null(gm_ptr(&gm, 0xfffff000ull, 16));
	assert_null(gm_ptr_rw(&gm, 0xfffff000ull, 16)); /* ROM is read-only to devices */
	assert_int_equal(gm_write(&gm, 0xfffff000ull, &v, 4), -EFAULT);
	assert_int_equal(gm_write(&gm, 0x100, &v, 4), 0);
	v = 0;
	assert_int_equal(gm_read(&gm, 0x100, &v, 4), 0);
	assert_int_equal(v, 0x12345678);
	assert_int_equal(gm_read(&gm, 0x20000, &v, 4), -EFAULT);
	assert_true(gm_is_ram(&gm, 0x100000000ull, 0x1000));
	assert_false(gm_is_ram(&gm, 0x100000000ull, 0x1001));
}

static void test_q35_layout(void **state)
{
	struct q35_layout l;
	struct e820_entry e[16];
	int n;
	uint64_t ram = 0;

	(void)state;
	q35_layout_compute(64ull << 20, &l);
	assert_int_equal(l.below_4g, 64ull << 20);
	assert_int_equal(l.above_4g, 0);
	/* QEMU: below 0xB0000000 all RAM stays low; from 2.75 GiB only 2 GiB stays low. */
	q35_layout_compute(0xB0000000ull - 0x1000, &l);
	assert_int_equal(l.above_4g, 0);
	q35_layout_compute(0xB0000000ull, &l);
	assert_int_equal(l.below_4g, 0x80000000ull);
	assert_int_equal(l.above_4g, 0x30000000ull);
	q35_layout_compute(8ull << 30, &l);
	assert_int_equal(l.below_4g, 2ull << 30);
	assert_int_equal(l.above_4g, 6ull << 30);

	n = q35_e820(&l, e, 16);
	assert_true(n > 0);
	for (int i = 0; i < n; i++) {
		if (i)
			assert_true(e[i].addr >= e[i - 1].addr + e[i - 1].size);
		if (e[i].type == E820_RAM) {
			ram += e[i].size;
			/* no RAM entry overlaps ECAM or the LAPIC/IOAPIC window */
			assert_true(e[i].addr + e[i].size <= Q35_ECAM_BASE ||
				    e[i].addr >= Q35_HIGHMEM_BASE);
		}
	}
	/* All RAM but the EBDA/VGA/BIOS holes below 1 MiB is reported. */
	assert_int_equal(ram, (8ull << 30) - (Q35_HIGH_RAM_START - Q35_EBDA_BASE));
	assert_int_equal(q35_e820(&l, e, 2), -E2BIG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_slots_and_bounds),
		cmocka_unit_test(test_q35_layout),
	};
	return cmocka_run_group_tests_name("guest_mem", tests, NULL, NULL);
}
