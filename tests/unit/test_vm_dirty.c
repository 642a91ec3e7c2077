/* Dirty page tracking: ring collection (with wrap-around and hostile entries), bitmap merge,
 * and the KVM side through the recording fake. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake_kvm.h"
#include "vmm/vm.h"

static uint8_t ram_lo[64 * 4096], ram_hi[16 * 4096];

static void gm_setup(struct guest_mem *gm)
{
	memset(gm, 0, sizeof(*gm));
	assert_int_equal(gm_add_slot(gm, 0, sizeof(ram_lo), ram_lo, false), 0);
	assert_int_equal(gm_add_slot(gm, 0x100000000ull, sizeof(ram_hi), ram_hi, false), 0);
}

struct seen {
	uint64_t gpa[32];
	unsigned n;
};

static void record(void *opaque, uint64_t gpa)
{
	struct seen *s = opaque;

	if (s->n < 32)
		s->gpa[s->n++] = gpa;
}

static void test_ring_collect_and_harvest(void **state)
{
	struct guest_mem gm;
	struct vm_dirty d;
	struct kvm_dirty_gfn ring[8] = { 0 };
	uint32_t next = 6;
	struct seen s = { 0 };

	(void)state;
	gm_setup(&gm);
	assert_int_equal(vm_dirty_init(&d, &gm, true), 0);
	/* entries 6, 7, 0 published; 1 not yet */
	ring[6] = (struct kvm_dirty_gfn){ KVM_DIRTY_GFN_F_DIRTY, 0, 5 };
	ring[7] = (struct kvm_dirty_gfn){ KVM_DIRTY_GFN_F_DIRTY, 1, 3 };
	ring[0] = (struct kvm_dirty_gfn){ KVM_DIRTY_GFN_F_DIRTY, 0, 5 }; /* same page twice */
	ring[1] = (struct kvm_dirty_gfn){ 0, 0, 9 };
	assert_int_equal(vm_dirty_collect_ring(&d, ring, 8, &next), 3);
	assert_int_equal(next, 9);
	assert_int_equal(ring[6].flags, KVM_DIRTY_GFN_F_RESET);
	assert_int_equal(ring[0].flags, KVM_DIRTY_GFN_F_RESET);
	assert_int_equal(ring[1].flags, 0);
	assert_int_equal(vm_dirty_harvest_set(&d, &gm, record, &s), 2);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.gpa[0], 5 * 4096);
	assert_int_equal(s.gpa[1], 0x100000000ull + 3 * 4096);
	/* harvesting clears the set */
	assert_int_equal(vm_dirty_harvest_set(&d, &gm, NULL, NULL), 0);
	vm_dirty_destroy(&d);
}

static void test_ring_ignores_bad_entries(void **state)
{
	struct guest_mem gm;
	struct vm_dirty d;
	struct kvm_dirty_gfn ring[4] = {
		{ KVM_DIRTY_GFN_F_DIRTY, 7, 0 },          /* no such slot */
		{ KVM_DIRTY_GFN_F_DIRTY, 0, 64 },         /* past the end of slot 0 */
		{ KVM_DIRTY_GFN_F_DIRTY, 0x10000, 1 },    /* another address space */
		{ KVM_DIRTY_GFN_F_DIRTY, 0, UINT64_MAX }, /* absurd offset */
	};
	uint32_t next = 0;

	(void)state;
	gm_setup(&gm);
	assert_int_equal(vm_dirty_init(&d, &gm, true), 0);
	/* A ring that is all dirty stops after one lap. */
	assert_int_equal(vm_dirty_collect_ring(&d, ring, 4, &next), 4);
	assert_int_equal(vm_dirty_harvest_set(&d, &gm, NULL, NULL), 0);
	vm_dirty_destroy(&d);
}

static void test_bitmap_merge(void **state)
{
	struct guest_mem gm;
	struct vm_dirty d;
	uint64_t bm[1] = { (1ull << 0) | (1ull << 63) };
	struct seen s = { 0 };

	(void)state;
	gm_setup(&gm);
	assert_int_equal(vm_dirty_init(&d, &gm, false), 0);
	vm_dirty_merge_bitmap(&d, 0, bm);
	vm_dirty_merge_bitmap(&d, 9, bm); /* ignored */
	assert_int_equal(vm_dirty_harvest_set(&d, &gm, record, &s), 2);
	assert_int_equal(s.gpa[0], 0);
	assert_int_equal(s.gpa[1], 63 * 4096);
	vm_dirty_destroy(&d);
}

static int answer_dirty_log(void *opaque, int fd, unsigned long req, void *arg)
{
	(void)opaque;
	(void)fd;
	if (req == KVM_GET_DIRTY_LOG) {
		struct kvm_dirty_log *log = arg;
		uint64_t *bm = log->dirty_bitmap;

		bm[0] = log->slot == 0 ? 0x6 : 0x1; /* pages 1, 2 of slot 0; page 0 of slot 1 */
	}
	return 0;
}

static void test_harvest_through_kvm_bitmap(void **state)
{
	static struct vm vm;
	struct seen s = { 0 };

	(void)state;
	memset(&vm, 0, sizeof(vm));
	gm_setup(&vm.mem);
	vm.vm_fd = 42;
	assert_int_equal(vm_dirty_harvest(&vm, NULL, NULL), -ENODEV);
	assert_int_equal(vm_dirty_init(&vm.dirty, &vm.mem, false), 0);
	fake_kvm_reset(answer_dirty_log, NULL);
	assert_int_equal(vm_dirty_harvest(&vm, record, &s), 3);
	assert_int_equal(s.gpa[2], 0x100000000ull);
	assert_int_equal(fake_kvm_find(KVM_GET_DIRTY_LOG, 0), 0);
	assert_int_equal(fake_kvm_find(KVM_GET_DIRTY_LOG, 1), 1);
	assert_int_equal(fake_kvm.calls[0].fd, 42);
	vm_dirty_destroy(&vm.dirty);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_collect_and_harvest),
		cmocka_unit_test(test_ring_ignores_bad_entries),
		cmocka_unit_test(test_bitmap_merge),
		cmocka_unit_test(test_harvest_through_kvm_bitmap),
	};
	return cmocka_run_group_tests_name("vm_dirty", tests, NULL, NULL);
}
