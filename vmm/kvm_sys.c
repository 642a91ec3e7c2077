/* The one place that issues real ioctls (unit tests link a recording fake instead). */
#include "vmm/kvm.h"

#include <errno.h>
#include <sys/ioctl.h>

int kvm_sys_ioctl(int fd, unsigned long req, void *arg)
{
	int r = ioctl(fd, req, arg);

	return r < 0 ? -errno : r;
}
