/* One bus API for port I/O and MMIO (shared/STYLE.md point 7).
 *
 * Ranges are registered while the machine is built and frozen before any vCPU runs, so
 * lookups take no lock. Handlers see the offset inside their range. An access that is not
 * wholly inside one range is unclaimed: reads return all-ones and writes are dropped (QEMU's
 * and bhyve's default_inout behaviour) unless the bus is strict. */
#ifndef ENLIGHT_BUS_H
#define ENLIGHT_BUS_H

#include <stdbool.h>
#include <stdint.h>

struct vcpu;

/* data is little-endian, len is 1, 2, 4 or 8 (MMIO may be up to 8). vcpu may be NULL in tests. */
typedef void (*bus_io_fn)(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			  unsigned len, bool is_write);

struct bus_range {
	uint64_t base;
	uint64_t len;
	bus_io_fn fn;
	void *opaque;
	const char *name;
};

struct bus {
	const char *name; /* "pio" or "mmio", for messages */
	struct bus_range *ranges; /* sorted by base, non-overlapping */
	unsigned count, cap;
	bool frozen;
};

void bus_init(struct bus *bus, const char *name);
void bus_destroy(struct bus *bus);

/* 0 on success; -EINVAL zero length or NULL handler, -EOVERFLOW base+len wraps past 2^64,
 * -EEXIST overlaps a registered range, -EPERM bus frozen, -ENOMEM. */
int bus_register(struct bus *bus, uint64_t base, uint64_t len, bus_io_fn fn, void *opaque,
		 const char *name);
void bus_freeze(struct bus *bus);

/* The range holding all of [addr, addr+len), or NULL. */
const struct bus_range *bus_find(const struct bus *bus, uint64_t addr, unsigned len);

/* Dispatch one access. Returns true if a handler claimed it; on an unclaimed read the data
 * is filled with 0xff. */
bool bus_access(const struct bus *bus, struct vcpu *vcpu, uint64_t addr, void *data,
		unsigned len, bool is_write);

/* Little-endian helpers for handlers. */
static inline uint64_t bus_data_get(const void *data, unsigned len)
{
	const uint8_t *p = data;
	uint64_t v = 0;
	for (unsigned i = 0; i < len && i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static inline void bus_data_put(void *data, unsigned len, uint64_t v)
{
	uint8_t *p = data;
	for (unsigned i = 0; i < len && i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

#endif
