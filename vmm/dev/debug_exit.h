/* QEMU's isa-debug-exit (hw/misc/debugexit.c): a guest writes v to [iobase, iobase+iosize)
 * and the VMM exits with status (v << 1) | 1, so a test guest can report pass/fail and no
 * guest write can mimic a clean exit 0. Reads return 0, as QEMU's debug_exit_read does. */
#ifndef ENLIGHT_DEV_DEBUG_EXIT_H
#define ENLIGHT_DEV_DEBUG_EXIT_H

#include <stdint.h>

#include "vmm/devif.h"

struct bus;

#define DEBUG_EXIT_DEFAULT_IOBASE 0xf4
#define DEBUG_EXIT_DEFAULT_IOSIZE 4

struct debug_exit_config {
	uint16_t iobase;   /* 0 = DEBUG_EXIT_DEFAULT_IOBASE (port 0 is the 8237 DMA controller) */
	uint8_t iosize;    /* 1, 2 or 4; 0 = DEBUG_EXIT_DEFAULT_IOSIZE */
	struct vm_ctl ctl; /* copied */
};

struct debug_exit {
	uint16_t iobase;
	uint8_t iosize;
	struct vm_ctl ctl;
};

/* 0; -EINVAL for NULL arguments or an iosize other than 1, 2, 4 (logged, naming the option). */
int debug_exit_init(struct debug_exit *d, const struct debug_exit_config *cfg);
/* Claims [iobase, iobase+iosize); returns bus_register()'s error. */
int debug_exit_register(struct debug_exit *d, struct bus *pio);
/* The exit status for a written value: (v << 1) | 1, in 32 bits as QEMU computes it; the
 * process exit status the shell sees is its low 8 bits. */
int debug_exit_status(uint32_t v);

#endif
