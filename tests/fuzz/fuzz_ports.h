/* Device targets: the input is a sequence of bus accesses, 1 + 2 + 4 bytes each:
 * op (bit 0 write, bits 1-3 the size: 1, 2 or 4 for port I/O, 1 to 8 for MMIO as KVM
 * delivers them), an offset into the device's window (2 bytes, taken modulo the window
 * plus a few bytes past it), data. */
#ifndef ENLIGHT_FUZZ_PORTS_H
#define ENLIGHT_FUZZ_PORTS_H

#include "fuzz.h"
#include "vmm/bus.h"

/* Calls hook(op) before each access, for device-specific events (ticks, input). */
static inline void fuzz_bus_run(struct bus *bus, bool mmio, uint64_t base, uint64_t window,
				struct fuzz_in *in, void (*hook)(void *opaque, unsigned op),
				void *opaque)
{
	while (fuzz_more(in)) {
		unsigned op = (unsigned)fuzz_take(in, 1);
		uint64_t off = fuzz_take(in, 2) % (window + 8);
		uint64_t val = fuzz_take(in, 4) * 0x100000001ull;
		unsigned len = mmio ? 1 + ((op >> 1) & 7) : fuzz_len((op >> 1) % 3);
		uint8_t buf[8];

		if (hook)
			hook(opaque, op);
		bus_data_put(buf, len, val);
		bus_access(bus, NULL, base + off, buf, len, op & 1);
	}
}

#endif
