/* isa-debug-exit, QEMU semantics (hw/misc/debugexit.c). */
#include "vmm/dev/debug_exit.h"

#include <errno.h>

#include "vmm/bus.h"
#include "vmm/log.h"

int debug_exit_status(uint32_t v)
{
	return (int)((v << 1) | 1);
}

/* Any access inside the window counts, whatever its offset or width (QEMU registers one
 * region and ignores addr). */
static void debug_exit_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			  unsigned len, bool is_write)
{
	struct debug_exit *d = opaque;

	(void)vcpu;
	(void)offset;
	if (!is_write) {
		bus_data_put(data, len, 0);
		return;
	}
	vm_ctl_request(&d->ctl, VM_REQ_EXIT, debug_exit_status((uint32_t)bus_data_get(data, len)));
}

int debug_exit_init(struct debug_exit *d, const struct debug_exit_config *cfg)
{
	uint8_t size;

	if (!d || !cfg)
		return -EINVAL;
	size = cfg->iosize ? cfg->iosize : DEBUG_EXIT_DEFAULT_IOSIZE;
	if (size != 1 && size != 2 && size != 4) {
		pr_err("isa-debug-exit: iosize=%u: unsupported access size; use 1, 2 or 4",
		       cfg->iosize);
		return -EINVAL;
	}
	d->iobase = cfg->iobase ? cfg->iobase : DEBUG_EXIT_DEFAULT_IOBASE;
	d->iosize = size;
	d->ctl = cfg->ctl;
	return 0;
}

int debug_exit_register(struct debug_exit *d, struct bus *pio)
{
	return bus_register(pio, d->iobase, d->iosize, debug_exit_io, d, "isa-debug-exit");
}
