/* The legacy ways a PC guest resets itself, other than 0xCF9 (that one lives with the ICH9
 * LPC bridge):
 *  - the i8042 keyboard controller: command 0xFE to port 0x64 ("pulse output port", bit 0
 *    = CPU reset line; Linux's reboot=k, Windows' fallback), and command 0xD1 ("write
 *    output port") followed by a data byte with bit 0 clear;
 *  - System Control Port A, 0x92 (IBM PS/2 "fast reset"; ICH9 datasheet register
 *    "PORT92 - Fast A20 and Init"): a 0->1 edge on bit 0 resets, bit 1 is the A20 gate.
 *    ICH9 only pulses INIT# there; like QEMU we reset the whole machine, which is what
 *    every guest that uses it wants.
 * There is no keyboard behind the i8042 here: status reads say "no data, input buffer
 * empty, self-test passed", so drivers time out cleanly instead of spinning. */
#ifndef ENLIGHT_DEV_RESET_PORTS_H
#define ENLIGHT_DEV_RESET_PORTS_H

#include <stdint.h>

#include "vmm/devif.h"

struct bus;

#define RESET_PORTS_KBD_DATA 0x60
#define RESET_PORTS_KBD_CMD  0x64
#define RESET_PORTS_SYSCTL_A 0x92

struct reset_ports_config {
	struct vm_ctl ctl; /* copied; receives VM_REQ_RESET */
};

struct reset_ports {
	struct vm_ctl ctl;
	uint8_t port92;      /* last value written to 0x92 */
	uint8_t kbd_status;  /* i8042 status register */
	uint8_t kbd_pending; /* command waiting for its data byte on 0x60, or 0 */
};

/* 0, or -EINVAL for NULL arguments. */
int reset_ports_init(struct reset_ports *p, const struct reset_ports_config *cfg);
/* Claims ports 0x60, 0x64 and 0x92 (one byte each); returns bus_register()'s error. */
int reset_ports_register(struct reset_ports *p, struct bus *pio);
/* System reset: port 0x92 bit 0 drops (QEMU port92_reset), the i8042 forgets any pending
 * command. */
void reset_ports_reset(struct reset_ports *p);

#endif
