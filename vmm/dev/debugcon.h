/* QEMU's isa-debugcon as SeaBIOS and OVMF use it: every byte written to port 0x402 goes to
 * an output file; a read returns 0xE9, which firmware checks before logging there
 * (SeaBIOS src/hw/serialio.c qemu_debug_preinit). */
#ifndef ENLIGHT_DEV_DEBUGCON_H
#define ENLIGHT_DEV_DEBUGCON_H

#include <stdbool.h>
#include <stdint.h>

struct bus;
struct vcpu;

#define DEBUGCON_PORT     0x402
#define DEBUGCON_READBACK 0xE9

struct debugcon {
	int fd; /* output; -1 drops the bytes */
	uint64_t bytes; /* written so far, for tests */
};

int debugcon_init(struct debugcon *d, int out_fd);
int debugcon_register(struct debugcon *d, struct bus *pio);
void debugcon_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		 bool is_write);

#endif
