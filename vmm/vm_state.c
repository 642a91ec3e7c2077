/* The VM run state: requests from devices and exits, stop, kick. No KVM ioctls. */
#include <pthread.h>
#include <signal.h>

#include "vmm/log.h"
#include "vmm/vm.h"

void vm_kick_all(struct vm *vm)
{
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];

		if (v->run)
			__atomic_store_n(&v->run->immediate_exit, 1, __ATOMIC_RELEASE);
		if (v->thread_started && !pthread_equal(v->thread, pthread_self()))
			pthread_kill(v->thread, VCPU_KICK_SIGNAL);
	}
}

static void vm_set_state(struct vm *vm, enum vm_state st, int status)
{
	pthread_mutex_lock(&vm->lock);
	/* STOPPING is final; a reset never overrides a stop. */
	if (vm->state != VM_STATE_STOPPING) {
		if (st == VM_STATE_STOPPING)
			vm->exit_status = status;
		__atomic_store_n(&vm->state, st, __ATOMIC_RELEASE);
	}
	pthread_cond_broadcast(&vm->cond);
	pthread_mutex_unlock(&vm->lock);
	vm_kick_all(vm);
}

void vm_stop(struct vm *vm, int status)
{
	vm_set_state(vm, VM_STATE_STOPPING, status);
}

void vm_request(struct vm *vm, enum vm_request req, int status)
{
	switch (req) {
	case VM_REQ_POWEROFF:
		pr_debug("guest powered off");
		vm_stop(vm, EXIT_POWEROFF);
		break;
	case VM_REQ_EXIT:
		vm_stop(vm, status);
		break;
	case VM_REQ_PANIC:
		vm_stop(vm, status ? status : EXIT_GUEST_CRASH);
		break;
	case VM_REQ_RESET:
		if (vm->cfg->no_reboot) {
			pr_debug("guest reset with -no-reboot: exiting");
			vm_stop(vm, EXIT_POWEROFF);
		} else {
			vm_set_state(vm, VM_STATE_RESET, 0);
		}
		break;
	}
}
