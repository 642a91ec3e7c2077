/* Test helpers: one claimed access on a bus (include after <cmocka.h>). */
#ifndef ENLIGHT_TEST_BUS_IO_H
#define ENLIGHT_TEST_BUS_IO_H

#include "vmm/bus.h"

static inline uint32_t test_bus_in(struct bus *b, uint64_t addr, unsigned len)
{
	uint8_t buf[4] = { 0 };

	assert_true(bus_access(b, NULL, addr, buf, len, false));
	return (uint32_t)bus_data_get(buf, len);
}

static inline void test_bus_out(struct bus *b, uint64_t addr, unsigned len, uint32_t v)
{
	uint8_t buf[4];

	bus_data_put(buf, len, v);
	assert_true(bus_access(b, NULL, addr, buf, len, true));
}

#endif
