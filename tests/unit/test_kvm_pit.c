/* The in-kernel PIT created at first use (vmm/kvm_pit.c): KVM's port semantics on a
 * kvm_pit_state2, and the ioctl sequence of the first and later accesses (fake KVM). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "bus_io.h"
#include "fake_kvm.h"
#include "vmm/bus.h"
#include "vmm/kvm_pit.h"
#include "vmm/log.h"

/* KVM's state right after KVM_CREATE_PIT2 (kvm_pit_reset): no mode, gates high but 2. */
static void reset_state(struct kvm_pit_state2 *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < 3; i++) {
		st->channels[i].mode = 0xff;
		st->channels[i].gate = i != 2;
		st->channels[i].count = 0x10000;
	}
}

static uint8_t acc(struct kvm_pit_state2 *st, uint16_t port, uint8_t val, bool w)
{
	return kvm_pit_state_access(st, port, val, w, 0);
}

static void test_counter_programming(void **state)
{
	struct kvm_pit_state2 st;
	struct kvm_pit_channel_state *c0 = &st.channels[0];

	(void)state;
	reset_state(&st);
	/* A count before any control word: KVM loads it as an LSB. */
	acc(&st, 0x40, 0x12, true);
	assert_int_equal(c0->count, 0x12);

	acc(&st, 0x43, 0x34, true); /* channel 0, LSB then MSB, mode 2, binary */
	assert_int_equal(c0->rw_mode, 3);
	assert_int_equal(c0->read_state, 3);
	assert_int_equal(c0->write_state, 3);
	assert_int_equal(c0->mode, 2);
	assert_int_equal(c0->bcd, 0);
	acc(&st, 0x40, 0x9c, true);
	assert_int_equal(c0->write_state, 4);
	assert_int_equal(c0->write_latch, 0x9c);
	acc(&st, 0x40, 0x2e, true);
	assert_int_equal(c0->count, 0x2e9c);
	assert_int_equal(c0->write_state, 3);

	/* Counter latch, read LSB then MSB; a second latch before the reads is ignored. */
	acc(&st, 0x43, 0x00, true);
	c0->count = 0x1111;
	acc(&st, 0x43, 0x00, true);
	assert_int_equal(c0->latched_count, 0x2e9c);
	assert_int_equal(acc(&st, 0x40, 0, false), 0x9c);
	assert_int_equal(acc(&st, 0x40, 0, false), 0x2e);
	assert_int_equal(c0->count_latched, 0);
	/* Unlatched reads alternate LSB and MSB of the (just loaded) count. */
	assert_int_equal(acc(&st, 0x40, 0, false), 0x11);
	assert_int_equal(c0->read_state, 4);
	assert_int_equal(acc(&st, 0x40, 0, false), 0x11);
	assert_int_equal(c0->read_state, 3);

	/* Modes 6 and 7 are 2 and 3; MSB-only access; BCD. */
	acc(&st, 0x43, 0x2d, true); /* channel 0, MSB only, mode 6, BCD */
	assert_int_equal(c0->mode, 2);
	assert_int_equal(c0->bcd, 1);
	acc(&st, 0x40, 0x05, true);
	assert_int_equal(c0->count, 0x500);
	assert_int_equal(acc(&st, 0x43, 0, false), 0); /* the control port reads as 0 */
}

static void test_read_back_and_speaker(void **state)
{
	struct kvm_pit_state2 st;
	struct kvm_pit_channel_state *c2 = &st.channels[2];

	(void)state;
	reset_state(&st);
	acc(&st, 0x43, 0xb6, true); /* channel 2, LSB then MSB, mode 3 */
	/* Read-back of channel 2's status only (bit 5 set: no count latch). */
	acc(&st, 0x43, 0xe8, true);
	assert_int_equal(c2->status_latched, 1);
	assert_int_equal(c2->count_latched, 0);
	/* OUT high (mode 3 starts high), access 3, mode 3, binary. */
	assert_int_equal(acc(&st, 0x42, 0, false), 0xb6);
	assert_int_equal(c2->status_latched, 0);
	/* Read-back of count and status: the status comes out first. */
	acc(&st, 0x43, 0xc8, true);
	assert_int_equal(c2->count_latched, 3);
	assert_int_equal(acc(&st, 0x42, 0, false), 0xb6);
	assert_int_equal(acc(&st, 0x42, 0, false), 0x00); /* 0x10000: LSB */

	/* Port 0x61: bit 0 gate 2, bit 1 speaker data, bit 5 OUT2, bit 4 refresh clock. */
	assert_int_equal(kvm_pit_state_access(&st, 0x61, 0, false, 0), 0x20);
	kvm_pit_state_access(&st, 0x61, 0x03, true, 0);
	assert_int_equal(c2->gate, 1);
	assert_true(st.flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON);
	assert_int_equal(kvm_pit_state_access(&st, 0x61, 0, false, 1u << 14), 0x33);
	kvm_pit_state_access(&st, 0x61, 0x00, true, 0);
	assert_int_equal(c2->gate, 0);
	assert_false(st.flags & KVM_PIT_FLAGS_SPEAKER_DATA_ON);
}

/* ---- the glue, against the fake KVM ---- */

struct fixture {
	struct bus pio;
	struct kvm_pit_lazy pit;
	int vm_fd;
	struct kvm_pit_state2 kstate; /* the "kernel's" PIT */
	int create_error;
	unsigned requests;
	int last_status;
	int reinject; /* the last KVM_REINJECT_CONTROL, -1 none */
};

static int answer(void *opaque, int fd, unsigned long req, void *arg)
{
	struct fixture *f = opaque;

	(void)fd;
	if (req == KVM_CREATE_PIT2) {
		if (f->create_error)
			return f->create_error;
		reset_state(&f->kstate);
	} else if (req == KVM_GET_PIT2) {
		*(struct kvm_pit_state2 *)arg = f->kstate;
	} else if (req == KVM_SET_PIT2) {
		f->kstate = *(struct kvm_pit_state2 *)arg;
	} else if (req == KVM_REINJECT_CONTROL) {
		f->reinject = ((struct kvm_reinject_control *)arg)->pit_reinject;
	}
	return 0;
}

static void request(void *opaque, enum vm_request req, int status)
{
	struct fixture *f = opaque;

	assert_int_equal(req, VM_REQ_EXIT);
	f->requests++;
	f->last_status = status;
}

static uint64_t zero_clock(void *opaque)
{
	(void)opaque;
	return 0;
}

static struct fixture *make(bool discard)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_quiet = true;
	f->vm_fd = 9;
	f->reinject = -1;
	fake_kvm_reset(answer, f);
	bus_init(&f->pio, "pio");
	kvm_pit_lazy_init(&f->pit, &(struct kvm_pit_lazy_config){
					   .vm_fd = &f->vm_fd,
					   .ctl = { request, f },
					   .clock = { zero_clock, NULL },
					   .discard = discard,
				   });
	assert_int_equal(kvm_pit_lazy_register(&f->pit, &f->pio), 0);
	return f;
}

static void unmake(struct fixture *f)
{
	kvm_pit_lazy_destroy(&f->pit);
	bus_destroy(&f->pio);
	free(f);
}

static void out8(struct fixture *f, uint16_t port, uint8_t v)
{
	test_bus_out(&f->pio, port, 1, v);
}

static uint8_t in8(struct fixture *f, uint16_t port)
{
	return (uint8_t)test_bus_in(&f->pio, port, 1);
}

static void test_created_at_first_access(void **state)
{
	struct fixture *f = make(false);

	(void)state;
	assert_int_equal(fake_kvm.ncalls, 0); /* nothing at start-up */
	out8(f, 0x43, 0x34);
	assert_int_equal(fake_kvm.ncalls, 3);
	assert_int_equal(fake_kvm.calls[0].req, KVM_CREATE_PIT2);
	assert_int_equal(fake_kvm.calls[0].fd, 9);
	assert_int_equal(fake_kvm.calls[1].req, KVM_GET_PIT2);
	assert_int_equal(fake_kvm.calls[2].req, KVM_SET_PIT2);
	assert_int_equal(f->kstate.channels[0].mode, 2);
	assert_int_equal(f->kstate.channels[0].rw_mode, 3);

	/* Later accesses that reach user space (a racing vCPU) go through the state without a
	 * second PIT; one that changes nothing sets nothing. */
	out8(f, 0x40, 0x9c);
	assert_int_equal(fake_kvm_find(KVM_CREATE_PIT2, 1), -1);
	assert_int_equal(f->kstate.channels[0].write_latch, 0x9c);
	fake_kvm_reset(answer, f);
	assert_int_equal(in8(f, 0x43), 0);
	assert_int_equal(fake_kvm.ncalls, 1);
	assert_int_equal(fake_kvm.calls[0].req, KVM_GET_PIT2);

	/* Port 0x61 first after a rebuilt VM: a new PIT again. */
	kvm_pit_lazy_vm_rebuilt(&f->pit);
	fake_kvm_reset(answer, f);
	assert_int_equal(in8(f, 0x61), 0x00); /* gate 2 low, OUT2 low, no speaker */
	assert_int_equal(fake_kvm.calls[0].req, KVM_CREATE_PIT2);
	assert_int_equal(f->reinject, -1); /* delay (reinject), KVM's default */
	assert_int_equal(f->requests, 0);
	unmake(f);
}

static void test_discard_and_failure(void **state)
{
	struct fixture *f = make(true);

	(void)state;
	out8(f, 0x61, 0x01);
	assert_int_equal(fake_kvm.calls[0].req, KVM_CREATE_PIT2);
	assert_int_equal(fake_kvm.calls[1].req, KVM_REINJECT_CONTROL);
	assert_int_equal(f->reinject, 0);
	assert_int_equal(f->kstate.channels[2].gate, 1);
	unmake(f);

	/* KVM refuses the PIT: the guest reads all-ones and the VM stops with status 3. */
	f = make(false);
	f->create_error = -ENOMEM;
	assert_int_equal(in8(f, 0x40), 0xff);
	assert_int_equal(f->requests, 1);
	assert_int_equal(f->last_status, EXIT_INTERNAL);
	assert_int_equal(fake_kvm_find(KVM_GET_PIT2, 0), -1);
	unmake(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counter_programming),
		cmocka_unit_test(test_read_back_and_speaker),
		cmocka_unit_test(test_created_at_first_access),
		cmocka_unit_test(test_discard_and_failure),
	};

	return cmocka_run_group_tests_name("kvm_pit", tests, NULL, NULL);
}
