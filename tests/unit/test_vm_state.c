/* The run-state machine (vmm/vm_state.c): requests, the events they emit, and the pause that
 * QMP stop/cont and the gdbstub use, with real threads standing in for vCPU threads. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "vmm/log.h"
#include "vmm/vm.h"

#define MAX_EV 16

struct fixture {
	struct vm vm;
	struct vm_config cfg;
	struct vm_event ev[MAX_EV];
	unsigned nev;
};

static void sink(void *opaque, const struct vm_event *ev)
{
	struct fixture *f = opaque;

	if (f->nev < MAX_EV)
		f->ev[f->nev++] = *ev;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_quiet = true;
	f->vm.cfg = &f->cfg;
	pthread_mutex_init(&f->vm.lock, NULL);
	pthread_cond_init(&f->vm.cond, NULL);
	assert_int_equal(vm_event_subscribe(&f->vm, sink, f), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	pthread_cond_destroy(&f->vm.cond);
	pthread_mutex_destroy(&f->vm.lock);
	free(f);
	return 0;
}

static void test_poweroff_event_once(void **state)
{
	struct fixture *f = *state;

	vm_request(&f->vm, VM_REQ_POWEROFF, 0);
	vm_request(&f->vm, VM_REQ_EXIT, 9); /* the first stop wins, no second event */
	assert_int_equal(vm_state_get(&f->vm), VM_STATE_STOPPING);
	assert_int_equal(f->vm.exit_status, EXIT_POWEROFF);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].type, VM_EV_SHUTDOWN);
	assert_true(f->ev[0].guest);
	assert_string_equal(f->ev[0].reason, "guest-shutdown");
}

/* SIGINT/SIGTERM (vmm/vm_signal.c): QEMU's host-signal shutdown, once, with EXIT_SIGNAL. */
static void test_host_signal(void **state)
{
	struct fixture *f = *state;

	vm_host_signal(&f->vm, EXIT_SIGNAL);
	vm_host_signal(&f->vm, EXIT_SIGNAL);
	vm_request(&f->vm, VM_REQ_EXIT, 9);
	assert_int_equal(vm_state_get(&f->vm), VM_STATE_STOPPING);
	assert_int_equal(f->vm.exit_status, EXIT_SIGNAL);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].type, VM_EV_SHUTDOWN);
	assert_false(f->ev[0].guest);
	assert_string_equal(f->ev[0].reason, "host-signal");
}

static void test_debug_exit_no_event(void **state)
{
	struct fixture *f = *state;

	vm_request(&f->vm, VM_REQ_EXIT, 7);
	assert_int_equal(f->vm.exit_status, 7);
	assert_int_equal(f->nev, 0);
}

static void test_reset_events(void **state)
{
	struct fixture *f = *state;

	vm_request(&f->vm, VM_REQ_RESET, 0);
	assert_int_equal(vm_state_get(&f->vm), VM_STATE_RESET);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].type, VM_EV_RESET);
	assert_true(f->ev[0].guest);
	assert_string_equal(f->ev[0].reason, "guest-reset");
	/* vm_run rebuilt the machine */
	f->vm.state = VM_STATE_RUNNING;
	vm_host_request(&f->vm, VM_REQ_RESET);
	assert_int_equal(f->nev, 2);
	assert_false(f->ev[1].guest);
	assert_string_equal(f->ev[1].reason, "host-qmp-system-reset");
	/* a reset never overrides a stop */
	vm_host_request(&f->vm, VM_REQ_POWEROFF);
	vm_host_request(&f->vm, VM_REQ_RESET);
	assert_int_equal(vm_state_get(&f->vm), VM_STATE_STOPPING);
	assert_int_equal(f->nev, 3);
	assert_int_equal(f->ev[2].type, VM_EV_SHUTDOWN);
	assert_string_equal(f->ev[2].reason, "host-qmp-quit");
}

static void test_no_reboot_reset_is_shutdown(void **state)
{
	struct fixture *f = *state;

	f->cfg.no_reboot = true;
	vm_host_request(&f->vm, VM_REQ_RESET);
	assert_int_equal(vm_state_get(&f->vm), VM_STATE_STOPPING);
	assert_int_equal(f->vm.exit_status, EXIT_POWEROFF);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].type, VM_EV_SHUTDOWN);
	assert_false(f->ev[0].guest);
	assert_string_equal(f->ev[0].reason, "host-qmp-system-reset");
}

static void test_hv_crash(void **state)
{
	struct fixture *f = *state;
	const uint64_t p[5] = { 0x1e, 0xc0000005, 0xfffff80001234567, 0, 0xdead };

	vm_report_hv_crash(&f->vm, p);
	assert_int_equal(f->vm.exit_status, EXIT_GUEST_CRASH);
	assert_int_equal(f->nev, 2);
	assert_int_equal(f->ev[0].type, VM_EV_PANIC);
	assert_true(f->ev[0].has_hv_crash);
	assert_memory_equal(f->ev[0].hv_crash, p, sizeof(p));
	assert_int_equal(f->ev[1].type, VM_EV_SHUTDOWN);
	assert_true(f->ev[1].guest);
	assert_string_equal(f->ev[1].reason, "guest-panic");
	/* a second crash report after the stop emits nothing */
	vm_request(&f->vm, VM_REQ_PANIC, 0);
	assert_int_equal(f->nev, 2);
}

static void test_panic_without_info(void **state)
{
	struct fixture *f = *state;

	vm_request(&f->vm, VM_REQ_PANIC, 0);
	assert_int_equal(f->vm.exit_status, EXIT_GUEST_CRASH);
	assert_int_equal(f->ev[0].type, VM_EV_PANIC);
	assert_false(f->ev[0].has_hv_crash);
}

static void test_pause_reasons(void **state)
{
	struct fixture *f = *state;

	vm_pause(&f->vm, VM_PAUSE_USER);
	vm_pause(&f->vm, VM_PAUSE_DEBUG);
	assert_int_equal(vm_pause_get(&f->vm), VM_PAUSE_USER | VM_PAUSE_DEBUG);
	assert_int_equal(f->nev, 1);
	assert_int_equal(f->ev[0].type, VM_EV_STOP);
	vm_resume(&f->vm, VM_PAUSE_USER);
	assert_int_equal(vm_pause_get(&f->vm), VM_PAUSE_DEBUG);
	assert_int_equal(f->nev, 1); /* still paused by the debugger */
	vm_resume(&f->vm, VM_PAUSE_DEBUG);
	assert_int_equal(vm_pause_get(&f->vm), 0);
	assert_int_equal(f->nev, 2);
	assert_int_equal(f->ev[1].type, VM_EV_RESUME);
	vm_resume(&f->vm, VM_PAUSE_USER); /* not paused: no event */
	assert_int_equal(f->nev, 2);
	/* a host-side pause (system_powerdown) is invisible to QMP */
	vm_pause(&f->vm, VM_PAUSE_HOST);
	vm_resume(&f->vm, VM_PAUSE_HOST);
	assert_int_equal(f->nev, 2);
	/* no vCPU thread: the wait returns at once */
	vm_pause(&f->vm, VM_PAUSE_USER);
	vm_pause_wait(&f->vm);
}

/* Stand-ins for vCPU threads: the run loop of vmm/vcpu.c without KVM_RUN. */
struct fake_vcpu {
	struct vm *vm;
	pthread_t t;
	unsigned long iterations;
};

static void *fake_vcpu_thread(void *arg)
{
	struct fake_vcpu *c = arg;

	while (vm_vcpu_park(c->vm)) {
		__atomic_add_fetch(&c->iterations, 1, __ATOMIC_SEQ_CST);
		usleep(100);
	}
	vm_vcpu_thread_exit(c->vm);
	return NULL;
}

static unsigned long iters(struct fake_vcpu *c)
{
	return __atomic_load_n(&c->iterations, __ATOMIC_SEQ_CST);
}

static void start_fake(struct fixture *f, struct fake_vcpu *c, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		c[i].vm = &f->vm;
		vm_vcpu_thread_enter(&f->vm);
		assert_int_equal(pthread_create(&c[i].t, NULL, fake_vcpu_thread, &c[i]), 0);
	}
}

static void test_park_and_resume(void **state)
{
	struct fixture *f = *state;
	struct fake_vcpu c[3] = { 0 };
	unsigned long before[3];

	start_fake(f, c, 3);
	while (iters(&c[0]) < 3 || iters(&c[1]) < 3 || iters(&c[2]) < 3)
		usleep(100);
	vm_pause(&f->vm, VM_PAUSE_USER);
	vm_pause_wait(&f->vm);
	assert_int_equal(f->vm.parked_vcpus, 3);
	for (unsigned i = 0; i < 3; i++)
		before[i] = iters(&c[i]);
	usleep(5000);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(iters(&c[i]), before[i]); /* parked: no progress */
	vm_resume(&f->vm, VM_PAUSE_USER);
	while (iters(&c[0]) == before[0] || iters(&c[1]) == before[1] ||
	       iters(&c[2]) == before[2])
		usleep(100);
	/* a stop while paused releases the parked threads: they leave their loops */
	vm_pause(&f->vm, VM_PAUSE_DEBUG);
	vm_pause_wait(&f->vm);
	vm_request(&f->vm, VM_REQ_POWEROFF, 0);
	for (unsigned i = 0; i < 3; i++)
		pthread_join(c[i].t, NULL);
	assert_int_equal(f->vm.running_vcpus, 0);
	assert_int_equal(f->vm.parked_vcpus, 0);
}

static void test_reset_while_paused_stays_paused(void **state)
{
	struct fixture *f = *state;
	struct fake_vcpu c[2] = { 0 };

	start_fake(f, c, 2);
	vm_pause(&f->vm, VM_PAUSE_USER);
	vm_pause_wait(&f->vm);
	vm_host_request(&f->vm, VM_REQ_RESET); /* threads leave, as vm_run needs for a rebuild */
	for (unsigned i = 0; i < 2; i++)
		pthread_join(c[i].t, NULL);
	f->vm.state = VM_STATE_RUNNING; /* vm_run after the rebuild */
	memset(c, 0, sizeof(c));
	start_fake(f, c, 2);
	vm_pause_wait(&f->vm); /* the new threads park before running anything */
	assert_int_equal(f->vm.parked_vcpus, 2);
	assert_int_equal(iters(&c[0]) + iters(&c[1]), 0);
	vm_resume(&f->vm, VM_PAUSE_USER);
	while (!iters(&c[0]) || !iters(&c[1]))
		usleep(100);
	vm_stop(&f->vm, 0);
	for (unsigned i = 0; i < 2; i++)
		pthread_join(c[i].t, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_poweroff_event_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_host_signal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_debug_exit_no_event, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_reboot_reset_is_shutdown, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hv_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_panic_without_info, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pause_reasons, setup, teardown),
		cmocka_unit_test_setup_teardown(test_park_and_resume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_while_paused_stays_paused, setup, teardown),
	};

	return cmocka_run_group_tests_name("vm_state", tests, NULL, NULL);
}
