/* SIGINT and SIGTERM (issue 8): the guest is stopped in order, as for any other stop: the
 * vCPUs are kicked and joined, the devices and files closed, the QMP socket file removed,
 * and the process exits with EXIT_SIGNAL (README "Exit statuses").
 *
 * The signals are blocked in every thread (vm_signal_block() runs in main() before any
 * thread exists, so all threads inherit the mask) and taken by one thread in sigwaitinfo():
 * it may then lock, print and emit the QMP SHUTDOWN event (reason "host-signal"), none of
 * which a signal handler could do. A second signal while stopping, or one that arrives
 * before the guest runs (e.g. while -qmp ...,wait=on waits for a client), calls the
 * caller's force_exit, which does not return. */
#ifndef ENLIGHT_VM_SIGNAL_H
#define ENLIGHT_VM_SIGNAL_H

#include <pthread.h>
#include <stdbool.h>

struct vm;

struct vm_signal {
	struct vm *vm;
	void (*force_exit)(void *opaque, int signo, const char *why);
	void *opaque;
	pthread_t thread;
	bool started;
	bool running; /* vm_run is under way: a signal stops the guest in order */
	int received; /* signals taken so far */
};

/* Blocks SIGINT and SIGTERM in the calling thread (and so in the threads it creates).
 * 0 or -errno. */
int vm_signal_block(void);
/* Starts the signal thread for vm. 0 or -errno. */
int vm_signal_start(struct vm_signal *s, struct vm *vm,
		    void (*force_exit)(void *opaque, int signo, const char *why), void *opaque);
/* From here on a signal stops the guest in order (call right before vm_run). */
void vm_signal_running(struct vm_signal *s);
/* Ends the thread (after vm_run returned). */
void vm_signal_stop(struct vm_signal *s);

#endif
