/* The machine's firmware tables (ACPI and SMBIOS) for one configuration, in both forms:
 *   direct kernel boot: placed by enlight in the reserved BIOS window 0xE0000-0xFFFFF
 *     (q35_e820 marks it reserved, so no loader can put an image there):
 *       0xE0000  ACPI tables (FACS first, 64-byte aligned), at most 64 KiB
 *       0xF0000  SMBIOS 3.0 entry point "_SM3_" (16-byte aligned, DSP0134 §5.2.2)
 *       0xF0020  RSDP (16-byte aligned, ACPI 6.4 §5.2.5.1)
 *       0xF0100  SMBIOS structure table, up to 0xFFFFF
 *   firmware boot (-bios): fw_cfg files etc/acpi/tables, etc/acpi/rsdp, etc/table-loader,
 *     etc/smbios/smbios-tables and etc/smbios/smbios-anchor for SeaBIOS/OVMF to install, and
 *     QEMU's FW_CFG_NUMA item (SeaBIOS turns it into etc/numa-cpu-map and etc/numa-nodes, and
 *     reads them only in its own SRAT builder, which it skips when etc/table-loader exists).
 * Pure: guest memory and fw_cfg come in as objects; dumping writes files. */
#ifndef ENLIGHT_ACPI_FWTABLES_H
#define ENLIGHT_ACPI_FWTABLES_H

#include <stdint.h>

#include "acpi/acpi_build.h"
#include "acpi/smbios.h"
#include "vmm/config.h"

struct fw_cfg;
struct guest_mem;

#define FWTABLES_ACPI_ADDR     0xE0000ull
#define FWTABLES_ACPI_MAX      0x10000ull
#define FWTABLES_SMBIOS_EP     0xF0000ull
#define FWTABLES_RSDP_ADDR     0xF0020ull
#define FWTABLES_SMBIOS_TABLE  0xF0100ull
#define FWTABLES_AREA_END      0x100000ull

#define SMBIOS_FWCFG_TABLES "etc/smbios/smbios-tables"
#define SMBIOS_FWCFG_ANCHOR "etc/smbios/smbios-anchor"

struct fwtables {
	struct acpi_tables direct; /* pointers for FWTABLES_ACPI_ADDR */
	struct acpi_tables linked; /* base 0, for the linker/loader */
	struct tbuf loader;        /* etc/table-loader commands */
	struct smbios_tables smbios_direct, smbios_fwcfg;
	uint8_t uuid[16];          /* -uuid, or a random one */
	uint8_t *numa_fwcfg;       /* FW_CFG_NUMA (vmm/numa.h numa_fw_cfg_blob) */
	size_t numa_fwcfg_len;
};

/* Builds everything for cfg (vCPUs and their APIC IDs from cfg->smp, RAM from cfg->ram_size,
 * the SRAT from -numa, SMBIOS type 1 from -uuid and -smbios type=1). On failure prints one line naming the
 * option and returns -errno. Free with fwtables_free even on failure. */
int fwtables_build(const struct vm_config *cfg, struct fwtables *out);
void fwtables_free(struct fwtables *t);
/* Copies the direct-boot form into guest RAM; *rsdp gets the RSDP's address. */
int fwtables_write_low(const struct fwtables *t, struct guest_mem *gm, uint64_t *rsdp);
/* Adds the five fw_cfg files and FW_CFG_NUMA. */
int fwtables_export(const struct fwtables *t, struct fw_cfg *fc);
/* --dump-acpi DIR: one file per ACPI table of the direct-boot form, named by signature
 * (RSDP, XSDT, RSDT, FACP, DSDT, SSDT, FACS, APIC, MCFG, WAET, and SRAT with -numa). */
int fwtables_dump_acpi(const struct fwtables *t, const char *dir);

#endif
