/* QEMU's pc-testdev (hw/misc/pc-testdev.c), the ISA test device that kvm-unit-tests'
 * x86/run always adds (`-device pc-testdev -device isa-debug-exit,iobase=0xf4,iosize=0x4`):
 *   port 0xe0-0xe3   32-bit scratch register, any width, little-endian byte lanes
 *   port 0xe4        4-byte write of a guest-physical address: "flush" that page, i.e. drop
 *                    the host mapping for an instant so KVM must fault it in again
 *   port 0xe8-0xeb   the same scratch register (QEMU splits these into byte accesses)
 *   port 0x2000+n    1-byte write: set ISA interrupt line n (0-23) to (value != 0)
 *   MMIO 0xff000000  64 KiB of scratch memory ("iomem"), any width
 * Reads of the flush and IRQ ports return 0; writes of the wrong width are dropped. As in
 * QEMU the state survives a system reset.
 * Pure: no globals; the machine passes the guest memory and the interrupt lines. */
#ifndef ENLIGHT_DEV_PC_TESTDEV_H
#define ENLIGHT_DEV_PC_TESTDEV_H

#include <stdint.h>

#include "vmm/devif.h"

struct bus;
struct guest_mem;

#define PC_TESTDEV_IOPORT	0xe0u
#define PC_TESTDEV_FLUSH	0xe4u
#define PC_TESTDEV_IOPORT_BYTE	0xe8u
#define PC_TESTDEV_IRQ		0x2000u
#define PC_TESTDEV_IRQ_LINES	24u
#define PC_TESTDEV_IOMEM	0xff000000u
#define PC_TESTDEV_IOMEM_LEN	0x10000u

struct pc_testdev_config {
	const struct guest_mem *gm; /* for the flush port; NULL: flushes are ignored */
	struct irq_line irq;        /* .gsi is ignored: line n drives GSI n */
};

struct pc_testdev {
	const struct guest_mem *gm;
	struct irq_line irq;
	uint32_t ioport_data;       /* accessed atomically: vCPUs race on it */
	uint64_t flushes;           /* pages flushed (diagnostics, tests) */
	uint8_t iomem[PC_TESTDEV_IOMEM_LEN];
};

/* 0, or -EINVAL for NULL arguments. Zeroes the state. */
int pc_testdev_init(struct pc_testdev *d, const struct pc_testdev_config *cfg);
/* Claims the four port ranges and the MMIO window; returns bus_register()'s error. */
int pc_testdev_register(struct pc_testdev *d, struct bus *pio, struct bus *mmio);

#endif
