/* The VM run state: requests from devices and exits, stop, kick, pause, and the events
 * observers (QMP) see. No KVM ioctls. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>

#include "vmm/log.h"
#include "vmm/vm.h"

void vm_kick_all(struct vm *vm)
{
	/* A reset may be unmapping the kvm_run pages right now (vm.c holds vcpus_lock then). */
	pthread_mutex_lock(&vm->vcpus_lock);
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		if (v->thread_started && !pthread_equal(v->thread, pthread_self()))
			pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	}
	pthread_mutex_unlock(&vm->vcpus_lock);
}

int vm_event_subscribe(struct vm *vm, void (*fn)(void *opaque, const struct vm_event *ev),
		       void *opaque)
{
	if (vm->nevent_sinks == VM_MAX_EVENT_SINKS)
		return -ENOSPC;
	vm->event_sinks[vm->nevent_sinks++] = (struct vm_event_sink){ fn, opaque };
	return 0;
}

static void vm_emit(struct vm *vm, const struct vm_event *ev)
{
	for (unsigned i = 0; i < vm->nevent_sinks; i++)
		vm->event_sinks[i].fn(vm->event_sinks[i].opaque, ev);
}

/* Returns true when the state changed (a stop or reset that is not overridden). */
static bool vm_set_state(struct vm *vm, enum vm_state st, int status)
{
	bool changed = false;

	pthread_mutex_lock(&vm->lock);
	/* STOPPING is final; a reset never overrides a stop. */
	if (vm->state != VM_STATE_STOPPING) {
		if (st == VM_STATE_STOPPING)
			vm->exit_status = status;
		changed = vm->state != st;
		__atomic_store_n(&vm->state, st, __ATOMIC_SEQ_CST);
	}
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	vm_kick_all(vm);
	return changed;
}

void vm_stop(struct vm *vm, int status)
{
	vm_set_state(vm, VM_STATE_STOPPING, status);
}

static void vm_shutdown(struct vm *vm, int status, bool guest, const char *reason)
{
	struct vm_event ev = { .type = VM_EV_SHUTDOWN, .guest = guest, .reason = reason };

	if (vm_set_state(vm, VM_STATE_STOPPING, status))
		vm_emit(vm, &ev);
}

static void vm_reset_req(struct vm *vm, bool guest, const char *reason)
{
	struct vm_event ev = { .type = VM_EV_RESET, .guest = guest, .reason = reason };

	/* QEMU: under -no-reboot every reset but a subsystem one becomes a shutdown. */
	if (vm->cfg->no_reboot) {
		pr_debug("reset with -no-reboot: exiting");
		vm_shutdown(vm, EXIT_POWEROFF, guest, reason);
	} else if (vm_set_state(vm, VM_STATE_RESET, 0)) {
		vm_emit(vm, &ev);
	}
}

static void vm_panic(struct vm *vm, int status, const uint64_t *hv_crash)
{
	/* QEMU's qemu_system_guest_panicked with -action panic=shutdown (its default):
	 * GUEST_PANICKED with action poweroff, then SHUTDOWN with reason guest-panic. */
	struct vm_event ev = { .type = VM_EV_PANIC, .has_hv_crash = hv_crash != NULL };

	if (hv_crash)
		memcpy(ev.hv_crash, hv_crash, sizeof(ev.hv_crash));
	if (vm_state_get(vm) != VM_STATE_STOPPING)
		vm_emit(vm, &ev);
	vm_shutdown(vm, status ? status : EXIT_GUEST_CRASH, true, "guest-panic");
}

void vm_request(struct vm *vm, enum vm_request req, int status)
{
	switch (req) {
	case VM_REQ_POWEROFF:
		pr_debug("guest powered off");
		vm_shutdown(vm, EXIT_POWEROFF, true, "guest-shutdown");
		break;
	case VM_REQ_EXIT:
		vm_stop(vm, status); /* isa-debug-exit: QEMU calls exit() without an event */
		break;
	case VM_REQ_PANIC:
		vm_panic(vm, status, NULL);
		break;
	case VM_REQ_RESET:
		vm_reset_req(vm, true, "guest-reset");
		break;
	}
}

void vm_host_request(struct vm *vm, enum vm_request req)
{
	switch (req) {
	case VM_REQ_RESET:
		vm_reset_req(vm, false, "host-qmp-system-reset");
		break;
	case VM_REQ_POWEROFF:
	case VM_REQ_EXIT:
		vm_shutdown(vm, EXIT_POWEROFF, false, "host-qmp-quit");
		break;
	case VM_REQ_PANIC:
		vm_panic(vm, EXIT_GUEST_CRASH, NULL);
		break;
	}
}

void vm_host_signal(struct vm *vm, int status)
{
	/* QEMU's SHUTDOWN_CAUSE_HOST_SIGNAL: SIGINT/SIGTERM (vmm/vm_signal.c). */
	vm_shutdown(vm, status, false, "host-signal");
}

void vm_report_hv_crash(struct vm *vm, const uint64_t p[5])
{
	vm_panic(vm, EXIT_GUEST_CRASH, p);
}

void vm_pause(struct vm *vm, unsigned reason)
{
	struct vm_event ev = { .type = VM_EV_STOP };
	unsigned old;

	pthread_mutex_lock(&vm->lock);
	old = vm->pause_mask;
	__atomic_store_n(&vm->pause_mask, old | reason, __ATOMIC_SEQ_CST);
	pthread_mutex_unlock(&vm->lock);
	vm_kick_all(vm);
	if (!(old & VM_PAUSE_EVENTS) && (reason & VM_PAUSE_EVENTS))
		vm_emit(vm, &ev);
}

void vm_pause_wait(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	while (vm->pause_mask && vm->state == VM_STATE_RUNNING &&
	       vm->parked_vcpus < vm->running_vcpus)
		pthread_cond_wait(&vm->cond, &vm->lock);
	pthread_mutex_unlock(&vm->lock);
}

void vm_resume(struct vm *vm, unsigned reason)
{
	struct vm_event ev = { .type = VM_EV_RESUME };
	unsigned old;

	pthread_mutex_lock(&vm->lock);
	old = vm->pause_mask;
	__atomic_store_n(&vm->pause_mask, old & ~reason, __ATOMIC_SEQ_CST);
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	if ((old & VM_PAUSE_EVENTS) && !(old & ~reason & VM_PAUSE_EVENTS))
		vm_emit(vm, &ev);
}

unsigned vm_pause_get(struct vm *vm)
{
	return __atomic_load_n(&vm->pause_mask, __ATOMIC_SEQ_CST);
}

bool vm_vcpu_park(struct vm *vm)
{
	bool running;

	if (!vm_pause_get(vm))
		return vm_state_get(vm) == VM_STATE_RUNNING;
	pthread_mutex_lock(&vm->lock);
	vm->parked_vcpus++;
	pthread_cond_broadcast(&vm->cond); /* vm_pause_wait counts us */
	while (vm->pause_mask && vm->state == VM_STATE_RUNNING)
		pthread_cond_wait(&vm->cond, &vm->lock);
	vm->parked_vcpus--;
	running = vm->state == VM_STATE_RUNNING;
	pthread_mutex_unlock(&vm->lock);
	return running;
}

void vm_vcpu_thread_enter(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->running_vcpus++;
	pthread_mutex_unlock(&vm->lock);
}

void vm_vcpu_thread_exit(struct vm *vm)
{
	pthread_mutex_lock(&vm->lock);
	vm->running_vcpus--;
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
}
