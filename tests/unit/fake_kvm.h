/* A recording fake of kvm_sys_ioctl, linked into every unit test binary instead of the real
 * one: tests script answers and check the ioctl sequence a component issues. */
#ifndef ENLIGHT_FAKE_KVM_H
#define ENLIGHT_FAKE_KVM_H

#include <stdint.h>

#define FAKE_KVM_LOG 256

struct fake_kvm_call {
	int fd;
	unsigned long req;
	uintptr_t arg;
};

/* Answer hook: return the ioctl's result (>= 0 or -errno). NULL answers 0 to everything. */
typedef int (*fake_kvm_answer_fn)(void *opaque, int fd, unsigned long req, void *arg);

struct fake_kvm {
	struct fake_kvm_call calls[FAKE_KVM_LOG];
	unsigned ncalls;
	fake_kvm_answer_fn answer;
	void *opaque;
};

extern struct fake_kvm fake_kvm;

void fake_kvm_reset(fake_kvm_answer_fn answer, void *opaque);
/* Index of the first recorded call with this request at or after `from`, or -1. */
int fake_kvm_find(unsigned long req, unsigned from);

#endif
