/* Exit dispatch with hand-built kvm_run structures (the Firecracker split): no /dev/kvm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "fake_kvm.h"
#include "vmm/log.h"
#include "vmm/vm.h"

struct fixture {
	struct vm vm;
	struct vm_config cfg;
	struct vcpu v;
	union {
		struct kvm_run run;
		uint8_t page[4096];
	} u;
	uint64_t last_val;
	unsigned writes;
};

static void port_io(void *opaque, struct vcpu *v, uint64_t off, void *data, unsigned len, bool w)
{
	struct fixture *f = opaque;

	(void)v;
	(void)off;
	if (w) {
		f->last_val = bus_data_get(data, len);
		f->writes++;
	} else {
		bus_data_put(data, len, 0x42);
	}
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	fake_kvm_reset(NULL, NULL);
	log_quiet = true;
	f->vm.cfg = &f->cfg;
	pthread_mutex_init(&f->vm.lock, NULL);
	pthread_cond_init(&f->vm.cond, NULL);
	bus_init(&f->vm.pio, "port");
	bus_init(&f->vm.mmio, "MMIO");
	assert_int_equal(bus_register(&f->vm.pio, 0x3f8, 8, port_io, f, "uart"), 0);
	assert_int_equal(bus_register(&f->vm.mmio, 0xb0000000, 0x1000, port_io, f, "ecam"), 0);
	f->v.vm = &f->vm;
	f->v.fd = 7;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bus_destroy(&f->vm.pio);
	bus_destroy(&f->vm.mmio);
	free(f);
	return 0;
}

static void io_exit(struct fixture *f, uint16_t port, bool out, unsigned size, unsigned count,
		    uint32_t val)
{
	memset(&f->u, 0, sizeof(f->u));
	f->u.run.exit_reason = KVM_EXIT_IO;
	f->u.run.io.direction = out ? KVM_EXIT_IO_OUT : KVM_EXIT_IO_IN;
	f->u.run.io.size = (uint8_t)size;
	f->u.run.io.port = port;
	f->u.run.io.count = count;
	f->u.run.io.data_offset = 1024;
	for (unsigned i = 0; i < count; i++)
		bus_data_put(f->u.page + 1024 + i * size, size, val + i);
}

static void test_io_dispatch(void **state)
{
	struct fixture *f = *state;

	io_exit(f, 0x3f8, true, 1, 1, 'A');
	assert_int_equal(vcpu_handle_exit(&f->v, &f->u.run), EXIT_ACT_CONTINUE);
	assert_int_equal(f->last_val, 'A');
	/* rep outsb: every element reaches the device in order */
	io_exit(f, 0x3f9, true, 1, 3, 'x');
	assert_int_equal(vcpu_handle_exit(&f->v, &f->u.run), EXIT_ACT_CONTINUE);
	assert_int_equal(f->writes, 4);
	assert_int_equal(f->last_val, 'z');
	io_exit(f, 0x3fd, false, 1, 1, 0);
	vcpu_handle_exit(&f->v, &f->u.run);
	assert_int_equal(f->u.page[1024], 0x42);
	/* unclaimed read: all-ones, VM keeps running */
	io_exit(f, 0x1234, false, 4, 1, 0);
	assert_int_equal(vcpu_handle_exit(&f->v, &f->u.run), EXIT_ACT_CONTINUE);
	assert_int_equal(bus_data_get(f->u.page + 1024, 4), 0xffffffff);
	assert_int_equal(f->vm.state, VM_STATE_RUNNING);
	assert_int_equal(f->v.stats.exits[KVM_EXIT_IO], 4);
}

static void test_strict_io(void **state)
{
	struct fixture *f = *state;

	f->cfg.strict_io = true;
	io_exit(f, 0x1234, true, 2, 1, 7);
	assert_int_equal(vcpu_handle_exit(&f->v, &f->u.run), EXIT_ACT_STOP);
	assert_int_equal(f->vm.state, VM_STATE_STOPPING);
	assert_int_equal(f->vm.exit_status, EXIT_INTERNAL);
	assert_non_null(strstr(log_last(), "port"));
	assert_non_null(strstr(log_last(), "0x1234"));
	assert_non_null(strstr(log_last(), "RIP"));
}

static void test_mmio(void **state)
{
	struct fixture *f = *state;

	memset(&f->u, 0, sizeof(f->u));
	f->u.run.exit_reason = KVM_EXIT_MMIO;
	f->u.run.mmio.phys_addr = 0xb0000010;
	f->u.run.mmio.len = 4;
	f->u.run.mmio.is_write = 0;
	assert_int_equal(vcpu_handle_exit(&f->v, &f->u.run), EXIT_ACT_CONTINUE);
	assert_int_equal(bus_data_get(f->u.run.mmio.data, 4), 0x42);
	f->u.run.mmio.phys_addr = 0xc0000000;
	assert_int_equal(vcpu_handle_exit(&f->v, &f->u.run), EXIT_ACT_CONTINUE);
	assert_int_equal(bus_data_get(f->u.run.mmio.data, 4), 0xffffffff);
}

static void test_shutdown(void **state)
{
	struct fixture *f = *state;

	memset(&f->u, 0, sizeof(f->u));
	f->u.run.exit_reason = KVM_EXIT_SHUTDOWN;
	assert_int_equal(vcpu_handle_exit(&f->v, &f->u.run), EXIT_ACT_STOP);
	assert_int_equal(f->vm.state, VM_STATE_RESET);
	f->vm.state = VM_STATE_RUNNING;
	f->cfg.no_reboot = true;
	assert_int_equal(vcpu_handle_exit(&f->v, &f->u.run), EXIT_ACT_STOP);
	assert_int_equal(f->vm.state, VM_STATE_STOPPING);
	assert_int_equal(f->vm.exit_status, EXIT_TRIPLE_FAULT);
	/* the dump fetched registers through the KVM layer */
	assert_true(fake_kvm_find(KVM_GET_REGS, 0) >= 0);
}

static void test_system_events(void **state)
{
	struct fixture *f = *state;

	memset(&f->u, 0, sizeof(f->u));
	f->u.run.exit_reason = KVM_EXIT_SYSTEM_EVENT;
	f->u.run.system_event.type = KVM_SYSTEM_EVENT_CRASH;
	assert_int_equal(vcpu_handle_exit(&f->v, &f->u.run), EXIT_ACT_STOP);
	assert_int_equal(f->vm.exit_status, EXIT_GUEST_CRASH);
	/* a stop is final: a later reset request does not override it */
	f->u.run.system_event.type = KVM_SYSTEM_EVENT_RESET;
	vcpu_handle_exit(&f->v, &f->u.run);
	assert_int_equal(f->vm.state, VM_STATE_STOPPING);
	assert_int_equal(f->vm.exit_status, EXIT_GUEST_CRASH);
}

static void test_poweroff_and_reset_no_reboot(void **state)
{
	struct fixture *f = *state;

	f->cfg.no_reboot = true;
	vm_request(&f->vm, VM_REQ_RESET, 0);
	assert_int_equal(f->vm.state, VM_STATE_STOPPING);
	assert_int_equal(f->vm.exit_status, EXIT_POWEROFF);
}

static void test_msr_without_backend_gp(void **state)
{
	struct fixture *f = *state;

	memset(&f->u, 0, sizeof(f->u));
	f->u.run.exit_reason = KVM_EXIT_X86_RDMSR;
	f->u.run.msr.index = 0x40000000;
	assert_int_equal(vcpu_handle_exit(&f->v, &f->u.run), EXIT_ACT_CONTINUE);
	assert_int_equal(f->u.run.msr.error, 1);
}

static void test_unknown_exit(void **state)
{
	struct fixture *f = *state;

	memset(&f->u, 0, sizeof(f->u));
	f->u.run.exit_reason = KVM_EXIT_TPR_ACCESS;
	assert_int_equal(vcpu_handle_exit(&f->v, &f->u.run), EXIT_ACT_STOP);
	assert_int_equal(f->vm.exit_status, EXIT_INTERNAL);
	f->vm.state = VM_STATE_RUNNING;
	f->u.run.exit_reason = 1000;
	assert_int_equal(vcpu_handle_exit(&f->v, &f->u.run), EXIT_ACT_STOP);
	assert_string_equal(kvm_exit_name(KVM_EXIT_HYPERV), "HYPERV");
	assert_string_equal(kvm_exit_name(1000), "?");
}

/* The register cache (vmm/vcpu_regs.c): with KVM_CAP_SYNC_REGS the registers of the last exit
 * come from kvm_run without an ioctl; without it, one KVM_GET_REGS; an edit is written back
 * by vcpu_regs_flush only when dirty. */
static int regs_answer(void *opaque, int fd, unsigned long req, void *arg)
{
	(void)opaque;
	(void)fd;
	if (req == KVM_GET_REGS)
		((struct kvm_regs *)arg)->rip = 0x2222;
	return 0;
}

static void test_register_cache(void **state)
{
	struct fixture *f = *state;
	struct kvm_regs *r;

	memset(&f->u, 0, sizeof(f->u));
	f->v.run = &f->u.run;
	f->u.run.s.regs.regs.rip = 0x1111;
	f->v.regs_in_run = true;
	fake_kvm_reset(regs_answer, NULL);
	vcpu_regs_invalidate(&f->v);
	r = vcpu_regs(&f->v);
	assert_non_null(r);
	assert_int_equal(r->rip, 0x1111);
	assert_int_equal(fake_kvm.ncalls, 0);
	assert_int_equal(vcpu_regs_flush(&f->v), 0);
	assert_int_equal(fake_kvm.ncalls, 0); /* clean: nothing written back */

	f->v.regs_in_run = false;
	vcpu_regs_invalidate(&f->v);
	r = vcpu_regs(&f->v);
	assert_int_equal(r->rip, 0x2222);
	assert_int_equal(fake_kvm.ncalls, 1);
	assert_int_equal(fake_kvm_find(KVM_GET_REGS, 0), 0);
	assert_ptr_equal(vcpu_regs(&f->v), r); /* cached until the next exit */
	assert_int_equal(fake_kvm.ncalls, 1);

	r->rip = 0x3333;
	vcpu_regs_dirty(&f->v);
	assert_int_equal(vcpu_regs_flush(&f->v), 0);
	assert_int_equal(fake_kvm_find(KVM_SET_REGS, 1), 1);
	assert_int_equal(((struct kvm_regs *)fake_kvm.calls[1].arg)->rip, 0x3333);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_io_dispatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_strict_io, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mmio, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_system_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_poweroff_and_reset_no_reboot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_msr_without_backend_gp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_exit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_register_cache, setup, teardown),
	};
	return cmocka_run_group_tests_name("vcpu_exit", tests, NULL, NULL);
}
