/* QEMU fw_cfg, port interface (QEMU docs/specs/fw_cfg.txt): selector 0x510 (16-bit
 * write), data 0x511 (8-bit reads). */
#ifndef FW_FWCFG_H
#define FW_FWCFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511
#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_FILE_DIR		0x19

bool fwcfg_present(void);		/* signature reads "QEMU" */
void fwcfg_read(uint16_t key, void *buf, size_t len);
void fwcfg_read_more(void *buf, size_t len);	/* continues the current item */
unsigned fwcfg_nb_cpus(void);		/* 0 if no fw_cfg */
/* Returns the selector of file name (e.g. "etc/acpi/rsdp"), -1 if not found; its size
 * in *size. */
int fwcfg_find_file(const char *name, uint32_t *size);

#endif
