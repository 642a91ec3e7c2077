/* libFuzzer target: the 16550A UART (vmm/dev/serial_16550.c): port accesses as in
 * fuzz_ports.h on 0x3F8-0x3FF, host input bursts (op 0xFE: the next byte is the count),
 * resets (op 0xFD). Output goes nowhere (out_fd -1) and through a callback. */
#include "fuzz_ports.h"
#include "vmm/dev/serial_16550.h"

struct ctx {
	struct fuzz_in *in;
	struct serial_16550 *s;
	size_t out;
};

static void out_cb(void *opaque, uint8_t byte)
{
	struct ctx *c = opaque;

	c->out += byte != 0;
}

static void hook(void *opaque, unsigned op)
{
	struct ctx *c = opaque;
	uint8_t buf[64];

	if (op == 0xFD)
		serial_16550_reset(c->s);
	if (op == 0xFE) {
		size_t n = fuzz_take(c->in, 1) % sizeof(buf);

		memset(buf, 'x', n);
		serial_16550_input(c->s, buf, n);
		(void)serial_16550_rx_room(c->s);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct serial_16550 *s = calloc(1, sizeof(*s));
	struct ctx c = { &in, s, 0 };
	struct bus pio;

	if (!s)
		return 0;
	log_quiet = true;
	bus_init(&pio, "port");
	if (serial_16550_init(s, &(struct serial_16550_config){
					 .base = SERIAL_16550_COM1_BASE, .out_fd = -1,
					 .out_cb = out_cb, .out_opaque = &c }) ||
	    serial_16550_register(s, &pio))
		abort();
	bus_freeze(&pio);
	fuzz_bus_run(&pio, false, SERIAL_16550_COM1_BASE, 8, &in, hook, &c);
	serial_16550_destroy(s);
	bus_destroy(&pio);
	free(s);
	return 0;
}
