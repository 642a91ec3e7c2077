/* Test helper: the q35 host bridge and ICH9 LPC on fresh, frozen port and MMIO buses, as the
 * machine builds them (test_pci, test_ich9_lpc). Include after <cmocka.h>. */
#ifndef ENLIGHT_TEST_Q35_SETUP_H
#define ENLIGHT_TEST_Q35_SETUP_H

#include "vmm/bus.h"
#include "vmm/dev/q35_host.h"
#include "vmm/log.h"

static inline void test_q35_init(struct bus *pio, struct bus *mmio, struct q35_pci *q35,
				 const struct ich9_lpc_config *lpc)
{
	log_quiet = true;
	bus_init(pio, "pio");
	bus_init(mmio, "mmio");
	assert_int_equal(q35_pci_init(q35, &(struct q35_pci_config){ .pio = pio, .mmio = mmio,
								     .lpc = *lpc }),
			 0);
	bus_freeze(pio);
	bus_freeze(mmio);
}

static inline void test_q35_destroy(struct bus *pio, struct bus *mmio)
{
	bus_destroy(pio);
	bus_destroy(mmio);
}

#endif
