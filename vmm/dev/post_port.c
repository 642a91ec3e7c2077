/* Port 0x80 latch. Relaxed atomics: the value is a diagnostic, only tearing matters. */
#include "vmm/dev/post_port.h"

#include <errno.h>

#include "vmm/bus.h"

static void post_port_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			 unsigned len, bool is_write)
{
	struct post_port *p = opaque;

	(void)vcpu;
	(void)offset;
	if (is_write) {
		__atomic_store_n(&p->last, (uint8_t)bus_data_get(data, len), __ATOMIC_RELAXED);
		__atomic_add_fetch(&p->writes, 1, __ATOMIC_RELAXED);
	} else {
		bus_data_put(data, len, __atomic_load_n(&p->last, __ATOMIC_RELAXED));
	}
}

int post_port_init(struct post_port *p, const struct post_port_config *cfg)
{
	if (!p || !cfg)
		return -EINVAL;
	p->port = cfg->port ? cfg->port : POST_PORT_DEFAULT;
	p->last = 0;
	p->writes = 0;
	return 0;
}

int post_port_register(struct post_port *p, struct bus *pio)
{
	return bus_register(pio, p->port, 1, post_port_io, p, "post");
}

void post_port_reset(struct post_port *p)
{
	__atomic_store_n(&p->last, 0, __ATOMIC_RELAXED);
}

uint8_t post_port_last(const struct post_port *p)
{
	return __atomic_load_n(&p->last, __ATOMIC_RELAXED);
}

uint64_t post_port_writes(const struct post_port *p)
{
	return __atomic_load_n(&p->writes, __ATOMIC_RELAXED);
}
