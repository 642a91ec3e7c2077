#include "vmm/dev/debugcon.h"

#include <errno.h>
#include <unistd.h>

#include "vmm/bus.h"

void debugcon_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		 bool is_write)
{
	struct debugcon *d = opaque;
	uint8_t c;

	(void)vcpu;
	(void)offset;
	if (!is_write) {
		bus_data_put(data, len, DEBUGCON_READBACK);
		return;
	}
	/* QEMU writes the low byte of any access width. */
	c = (uint8_t)bus_data_get(data, len);
	__atomic_add_fetch(&d->bytes, 1, __ATOMIC_RELAXED);
	if (d->fd >= 0 && write(d->fd, &c, 1) < 0)
		return; /* a closed reader must not stop the guest */
}

int debugcon_init(struct debugcon *d, int out_fd)
{
	if (!d)
		return -EINVAL;
	d->fd = out_fd;
	d->bytes = 0;
	return 0;
}

int debugcon_register(struct debugcon *d, struct bus *pio)
{
	return bus_register(pio, DEBUGCON_PORT, 1, debugcon_io, d, "debugcon");
}
