/* 16550A UART (National Semiconductor / TI PC16550D datasheet), as COM1 on the q35 ISA
 * bridge: eight byte-wide registers at base (0x3F8), a level interrupt on irq_line (IRQ4).
 *
 * Transmission is instantaneous: a byte written to THR goes straight to the output fd
 * (and callback), so THRE and TEMT are set again by the time the guest looks. Input comes
 * from another thread through serial_16550_input(); a per-device mutex protects the state. */
#ifndef ENLIGHT_DEV_SERIAL_16550_H
#define ENLIGHT_DEV_SERIAL_16550_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/devif.h"

struct bus;

#define SERIAL_16550_COM1_BASE 0x3F8
#define SERIAL_16550_COM1_IRQ  4
#define SERIAL_16550_NR_PORTS  8
#define SERIAL_16550_FIFO_LEN  16 /* PC16550D: 16-byte receive and transmit FIFOs */

struct serial_16550_config {
	uint16_t base;            /* I/O base, SERIAL_16550_COM1_BASE for COM1 */
	struct irq_line irq;      /* copied; gsi SERIAL_16550_COM1_IRQ for COM1 */
	int out_fd;               /* transmitted bytes are written here; -1 = discard */
	/* Optional: also called for every transmitted byte (not in loopback). */
	void (*out_cb)(void *opaque, uint8_t byte);
	void *out_opaque;
};

struct serial_16550 {
	pthread_mutex_t lock;     /* THR/RBR from the vCPU, input from the stdin reader */
	struct serial_16550_config cfg;

	uint8_t ier, lcr, mcr, lsr, msr, scr;
	uint8_t fcr;              /* last FCR write (bit 0 = FIFOs enabled) */
	uint16_t divisor;         /* DLM:DLL */
	bool thr_ipending;        /* THRE interrupt armed, cleared by IIR read or THR write */
	int irq_level;            /* last level driven on the line, to skip redundant sets */

	uint8_t rx[SERIAL_16550_FIFO_LEN];
	unsigned rx_head, rx_count;

	bool out_stalled;         /* output fd would not drain; stop waiting on it */
	uint64_t tx_bytes, tx_dropped, rx_overruns;
};

/* 0, or -EINVAL for a NULL argument. */
int serial_16550_init(struct serial_16550 *s, const struct serial_16550_config *cfg);
/* Claims [base, base+8) on the port-I/O bus; returns bus_register()'s error. */
int serial_16550_register(struct serial_16550 *s, struct bus *pio);
void serial_16550_destroy(struct serial_16550 *s);
/* Master reset (datasheet Table "UART Reset Configuration"); DLL/DLM and SCR are kept. */
void serial_16550_reset(struct serial_16550 *s);

/* Host input, from any thread. Bytes that do not fit the receiver are lost and set LSR.OE,
 * as on the wire; dropped entirely in loopback mode (the receiver is disconnected). */
void serial_16550_input(struct serial_16550 *s, const uint8_t *buf, size_t n);
/* How many bytes the receiver can take now without overrun (0 in loopback), so an input
 * thread can pace itself instead of losing pasted text. */
size_t serial_16550_rx_room(struct serial_16550 *s);

#endif
