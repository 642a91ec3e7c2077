/* libFuzzer target: q35 PCI config space through both mechanisms (vmm/dev/q35_host.c,
 * pci.c, ich9_lpc.c): op bit 4 picks 0xCF8-0xCFF or the ECAM window (offset scaled up to
 * reach every bus, device, function and register), bit 5 the PM block. */
#include "fuzz_ports.h"
#include "vmm/dev/q35_host.h"

static uint64_t fake_clock_ns;

static uint64_t clock_ns(void *opaque)
{
	(void)opaque;
	return fake_clock_ns += 1000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct q35_pci *q = calloc(1, sizeof(*q));
	struct bus pio, mmio;

	if (!q)
		return 0;
	log_quiet = true;
	bus_init(&pio, "port");
	bus_init(&mmio, "MMIO");
	if (q35_pci_init(q, &(struct q35_pci_config){
				    .pio = &pio, .mmio = &mmio,
				    .lpc = { .clock = { clock_ns, NULL } } }))
		abort();
	bus_freeze(&pio);
	bus_freeze(&mmio);
	while (fuzz_more(&in)) {
		unsigned op = (unsigned)fuzz_take(&in, 1);
		uint64_t sel = fuzz_take(&in, 4);
		uint64_t val = fuzz_take(&in, 4) * 0x100000001ull;
		uint8_t buf[8];
		unsigned len;

		if (op & 0x20) { /* PM block and 0xCF8-0xCFF as port I/O */
			uint64_t port = (op & 0x10) ? 0xCF8 + sel % 8 : 0x600 + sel % 0x88;

			len = fuzz_len((op >> 1) % 3);
			bus_data_put(buf, len, val);
			bus_access(&pio, NULL, port, buf, len, op & 1);
		} else { /* ECAM: bus 0 mostly, any register */
			uint64_t off = (op & 0x10) ? sel % Q35_ECAM_SIZE : sel % (32 << 15);

			len = 1 + ((op >> 1) & 7);
			bus_data_put(buf, len, val);
			bus_access(&mmio, NULL, Q35_ECAM_BASE + off, buf, len, op & 1);
		}
		if ((op & 0xC0) == 0xC0)
			q35_pci_reset(q);
	}
	bus_destroy(&pio);
	bus_destroy(&mmio);
	free(q);
	return 0;
}
