#include "vmm/bus.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void bus_init(struct bus *bus, const char *name)
{
	memset(bus, 0, sizeof(*bus));
	bus->name = name;
}

void bus_destroy(struct bus *bus)
{
	free(bus->ranges);
	bus->ranges = NULL;
	bus->count = bus->cap = 0;
}

/* Index of the first range whose end is above addr (binary search). */
static unsigned bus_lower_bound(const struct bus *bus, uint64_t addr)
{
	unsigned lo = 0, hi = bus->count;

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;
		const struct bus_range *r = &bus->ranges[mid];

		if (r->base + (r->len - 1) < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int bus_register(struct bus *bus, uint64_t base, uint64_t len, bus_io_fn fn, void *opaque,
		 const char *name)
{
	unsigned i;

	if (len == 0 || !fn)
		return -EINVAL;
	if (base + (len - 1) < base)
		return -EOVERFLOW;
	if (bus->frozen)
		return -EPERM;
	i = bus_lower_bound(bus, base);
	if (i < bus->count && bus->ranges[i].base <= base + (len - 1))
		return -EEXIST;
	if (bus->count == bus->cap) {
		unsigned cap = bus->cap ? bus->cap * 2 : 16;
		struct bus_range *r = realloc(bus->ranges, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		bus->ranges = r;
		bus->cap = cap;
	}
	memmove(&bus->ranges[i + 1], &bus->ranges[i], (bus->count - i) * sizeof(bus->ranges[0]));
	bus->ranges[i] = (struct bus_range){ base, len, fn, opaque, name };
	bus->count++;
	return 0;
}

void bus_freeze(struct bus *bus)
{
	bus->frozen = true;
}

const struct bus_range *bus_find(const struct bus *bus, uint64_t addr, unsigned len)
{
	unsigned i;
	const struct bus_range *r;

	if (len == 0 || addr + (len - 1) < addr)
		return NULL;
	i = bus_lower_bound(bus, addr);
	if (i == bus->count)
		return NULL;
	r = &bus->ranges[i];
	if (addr < r->base || addr + (len - 1) > r->base + (r->len - 1))
		return NULL;
	return r;
}

bool bus_access(const struct bus *bus, struct vcpu *vcpu, uint64_t addr, void *data,
		unsigned len, bool is_write)
{
	const struct bus_range *r = bus_find(bus, addr, len);

	if (!r) {
		if (!is_write)
			memset(data, 0xff, len);
		return false;
	}
	r->fn(r->opaque, vcpu, addr - r->base, data, len, is_write);
	return true;
}
