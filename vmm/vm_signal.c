/* The SIGINT/SIGTERM thread (vmm/vm_signal.h). */
#include "vmm/vm_signal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "vmm/log.h"
#include "vmm/vm.h"

static void vm_signal_set(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGTERM);
}

int vm_signal_block(void)
{
	sigset_t set;

	vm_signal_set(&set);
	return -pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void vm_signal_take(struct vm_signal *s, int signo)
{
	const char *name = signo == SIGINT ? "SIGINT" : "SIGTERM";
	int n = __atomic_add_fetch(&s->received, 1, __ATOMIC_SEQ_CST);

	if (!__atomic_load_n(&s->running, __ATOMIC_ACQUIRE)) {
		s->force_exit(s->opaque, signo, "before the guest started");
		return;
	}
	if (n > 1) {
		s->force_exit(s->opaque, signo, "while stopping");
		return;
	}
	pr_err("%s received: stopping the guest (status %d); a second signal exits at once",
	       name, EXIT_SIGNAL);
	vm_host_signal(s->vm, EXIT_SIGNAL);
}

static void *vm_signal_thread(void *arg)
{
	struct vm_signal *s = arg;
	sigset_t set;

	vm_signal_set(&set);
	for (;;) {
		siginfo_t si;
		int old;

		/* The one cancellation point: vm_signal_stop() ends the thread here, never
		 * while it holds the VM lock or writes a QMP event. */
		if (sigwaitinfo(&set, &si) < 0)
			continue; /* EINTR: another signal's handler ran in this thread */
		pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &old);
		vm_signal_take(s, si.si_signo);
		pthread_setcancelstate(old, NULL);
	}
	return NULL;
}

int vm_signal_start(struct vm_signal *s, struct vm *vm,
		    void (*force_exit)(void *opaque, int signo, const char *why), void *opaque)
{
	int r;

	memset(s, 0, sizeof(*s));
	s->vm = vm;
	s->force_exit = force_exit;
	s->opaque = opaque;
	r = pthread_create(&s->thread, NULL, vm_signal_thread, s);
	if (r) {
		pr_err("cannot start the SIGINT/SIGTERM thread: %s", strerror(r));
		return -r;
	}
	s->started = true;
	return 0;
}

void vm_signal_running(struct vm_signal *s)
{
	__atomic_store_n(&s->running, true, __ATOMIC_RELEASE);
}

void vm_signal_stop(struct vm_signal *s)
{
	if (!s->started)
		return;
	pthread_cancel(s->thread);
	pthread_join(s->thread, NULL);
	s->started = false;
}
