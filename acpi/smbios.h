/* SMBIOS structure table and SMBIOS 3.0 (64-bit, "_SM3_") entry point for the q35 machine
 * (DMTF DSP0134 3.0.0): types 0, 1, 3, 4 (one per socket), 16, 17, 19 (one per RAM range),
 * 32 and 127. Pure: the caller places the bytes (0xF0000 for direct boot) or exports them
 * through fw_cfg (etc/smbios/smbios-tables, etc/smbios/smbios-anchor). */
#ifndef ENLIGHT_ACPI_SMBIOS_H
#define ENLIGHT_ACPI_SMBIOS_H

#include <stdint.h>

#include "acpi/tbuf.h"

#define SMBIOS3_ANCHOR        "_SM3_"
#define SMBIOS3_EP_SIZE       24   /* DSP0134 §5.2.2, Table 2 */
#define SMBIOS3_EP_CHECKSUM   5
#define SMBIOS3_EP_MAX_SIZE   12   /* u32 structure table maximum size */
#define SMBIOS3_EP_TABLE_ADDR 16   /* u64 structure table address */
#define SMBIOS_MAJOR          3
#define SMBIOS_MINOR          0

/* Structure types (DSP0134 §7). */
enum {
	SMBIOS_TYPE_BIOS = 0,
	SMBIOS_TYPE_SYSTEM = 1,
	SMBIOS_TYPE_CHASSIS = 3,
	SMBIOS_TYPE_PROCESSOR = 4,
	SMBIOS_TYPE_MEM_ARRAY = 16,
	SMBIOS_TYPE_MEM_DEVICE = 17,
	SMBIOS_TYPE_MEM_ARRAY_MAPPED = 19,
	SMBIOS_TYPE_BOOT_INFO = 32,
	SMBIOS_TYPE_END = 127,
};

#define SMBIOS_STRING_MAX 64 /* per -smbios value */

struct smbios_config {
	uint8_t uuid[16];           /* RFC 4122 byte order (as libuuid) */
	const char *manufacturer;   /* type 1; NULL = defaults */
	const char *product;
	const char *version;
	const char *serial;
	unsigned sockets, cores, threads; /* per socket: cores * threads * dies logical CPUs */
	unsigned dies;
	unsigned ncpus;
	uint64_t ram_below_4g, ram_above_4g; /* bytes at [0, below) and [4 GiB, 4 GiB + above) */
};

struct smbios_tables {
	struct tbuf table;
	uint8_t anchor[SMBIOS3_EP_SIZE];
	unsigned count; /* structures, type 127 included */
};

/* Builds the structures and an entry point pointing at table_addr (0 for fw_cfg: the
 * firmware fills it in). 0, -EINVAL (a string with a NUL-free length above
 * SMBIOS_STRING_MAX, no CPU) or -ENOMEM. Free with smbios_free even on failure. */
int smbios_build(const struct smbios_config *cfg, uint64_t table_addr, struct smbios_tables *out);
void smbios_free(struct smbios_tables *t);

/* Walks a structure table: the offset of the next structure after the one at off (header
 * length plus its string set, which ends with two NULs), or -EINVAL when it runs past len. */
long smbios_next(const uint8_t *p, size_t len, size_t off);

#endif
