/* CMOS RAM through the MC146818A index/data ports (0x70/0x71). Payloads that reset the
 * machine keep a boot counter in a free NVRAM byte: the CMOS is battery-backed, so it
 * survives the reset (enlight keeps device state across a system reset, like a PC). */
#ifndef FW_CMOS_H
#define FW_CMOS_H

#include <stdint.h>

#include "x86.h"

#define CMOS_INDEX	0x70
#define CMOS_DATA	0x71
#define CMOS_BOOT_COUNT	0x50	/* free NVRAM byte (MC146818A: 0x0E-0x7F user RAM) */

static inline uint8_t cmos_read(uint8_t idx)
{
	outb(CMOS_INDEX, idx);
	return inb(CMOS_DATA);
}

static inline void cmos_write(uint8_t idx, uint8_t val)
{
	outb(CMOS_INDEX, idx);
	outb(CMOS_DATA, val);
}

#endif
