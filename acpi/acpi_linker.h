/* QEMU's BIOS linker/loader ("etc/table-loader" in fw_cfg), which SeaBIOS and OVMF execute to
 * install tables from fw_cfg files: each command is 128 bytes, little-endian (QEMU
 * hw/acpi/bios-linker-loader.c):
 *   u32 command, then
 *   ALLOCATE (1):     char file[56], u32 align, u8 zone (1 = high, 2 = F-segment)
 *   ADD_POINTER (2):  char dest_file[56], char src_file[56], u32 offset, u8 size
 *                     -- the firmware adds src_file's address to the size-byte little-endian
 *                        value at offset in dest_file (which holds an offset into src_file)
 *   ADD_CHECKSUM (3): char file[56], u32 offset, u32 start, u32 length
 *                     -- the byte at offset (zero beforehand) makes [start, start+length) sum
 *                        to zero
 * Unused bytes are zero. */
#ifndef ENLIGHT_ACPI_LINKER_H
#define ENLIGHT_ACPI_LINKER_H

#include "acpi/acpi_build.h"

#define LINKER_ENTRY_SIZE       128
#define LINKER_FILESZ           56
#define LINKER_CMD_ALLOCATE     1
#define LINKER_CMD_ADD_POINTER  2
#define LINKER_CMD_ADD_CHECKSUM 3
#define LINKER_ZONE_HIGH        1
#define LINKER_ZONE_FSEG        2
#define LINKER_TABLES_ALIGN     64 /* the FACS needs 64 (ACPI 6.4 §5.2.10) */

#define ACPI_FWCFG_TABLES "etc/acpi/tables"
#define ACPI_FWCFG_RSDP   "etc/acpi/rsdp"
#define ACPI_FWCFG_LOADER "etc/table-loader"

/* fw_cfg file name of an acpi_file. */
const char *acpi_linker_file_name(enum acpi_file f);

/* Commands for tables built with base 0: allocate both files, add every pointer, then every
 * checksum. 0, -EINVAL (tables not built at base 0) or tbuf's error. */
int acpi_linker_build(const struct acpi_tables *t, struct tbuf *out);

/* The fw_cfg copies: the tables with every checksum byte zeroed (the loader computes them
 * after patching the pointers; OVMF requires the zero). Caller frees blob. */
int acpi_linker_export_blobs(const struct acpi_tables *t, struct tbuf *tables,
			     uint8_t rsdp[ACPI_RSDP_SIZE]);

#endif
