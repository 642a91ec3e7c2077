/* Port 0x80, the POST diagnostic port. Firmware and kernels write progress codes here, and
 * Linux uses it as an I/O delay (outb_p). On ICH9 a write also lands in the internal DMA
 * page register at 0x80, which reads back: so reads return the last value written (0
 * after power-on), like a POST card's latch. The last code and a write count are kept for
 * --stats and for diagnosing a guest that hangs early in boot. */
#ifndef ENLIGHT_DEV_POST_PORT_H
#define ENLIGHT_DEV_POST_PORT_H

#include <stdint.h>

struct bus;

#define POST_PORT_DEFAULT 0x80

struct post_port_config {
	uint16_t port; /* 0 = POST_PORT_DEFAULT */
};

struct post_port {
	uint16_t port;
	uint8_t last;    /* accessed atomically: vCPUs write, the stats reader reads */
	uint64_t writes;
};

/* 0, or -EINVAL for NULL arguments. */
int post_port_init(struct post_port *p, const struct post_port_config *cfg);
/* Claims the one port; returns bus_register()'s error. */
int post_port_register(struct post_port *p, struct bus *pio);
/* Power-on value: the latch reads 0 again (the write count is kept for --stats). */
void post_port_reset(struct post_port *p);
uint8_t post_port_last(const struct post_port *p);
uint64_t post_port_writes(const struct post_port *p);

#endif
