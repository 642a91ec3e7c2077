#include "fake_kvm.h"

#include <string.h>

#include "vmm/kvm.h"

struct fake_kvm fake_kvm;

void fake_kvm_reset(fake_kvm_answer_fn answer, void *opaque)
{
	memset(&fake_kvm, 0, sizeof(fake_kvm));
	fake_kvm.answer = answer;
	fake_kvm.opaque = opaque;
}

int fake_kvm_find(unsigned long req, unsigned from)
{
	for (unsigned i = from; i < fake_kvm.ncalls && i < FAKE_KVM_LOG; i++)
		if (fake_kvm.calls[i].req == req)
			return (int)i;
	return -1;
}

int kvm_sys_ioctl(int fd, unsigned long req, void *arg)
{
	if (fake_kvm.ncalls < FAKE_KVM_LOG)
		fake_kvm.calls[fake_kvm.ncalls] = (struct fake_kvm_call){ fd, req, (uintptr_t)arg };
	fake_kvm.ncalls++;
	return fake_kvm.answer ? fake_kvm.answer(fake_kvm.opaque, fd, req, arg) : 0;
}
