/* The ACPI tables of the q35 machine, built at run time for the configured vCPUs: RSDP (rev 2),
 * RSDT, XSDT, FADT, FACS, DSDT (AML compiled by iasl from acpi/dsdt.asl), a generated SSDT
 * with one ACPI0007 processor device per vCPU, MADT, MCFG, WAET and, with a NUMA layout
 * (-numa), an SRAT. No SLIT: every pair of nodes is equally distant (QEMU adds one only for
 * -numa dist).
 *
 * Everything but the RSDP lives in one blob ("etc/acpi/tables" in fw_cfg terms). Pointer
 * fields hold base + offset: with base = the blob's guest-physical address the tables are
 * ready to copy (direct kernel boot); with base = 0 they hold offsets and the recorded
 * pointers/checksums become QEMU linker/loader commands (acpi/acpi_linker.h) for SeaBIOS or
 * OVMF. Pure: no guest memory, no KVM. */
#ifndef ENLIGHT_ACPI_BUILD_H
#define ENLIGHT_ACPI_BUILD_H

#include <stddef.h>
#include <stdint.h>

#include "acpi/acpi_proto.h"
#include "acpi/tbuf.h"

#define ACPI_OEM_ID       "ENLGHT"   /* 6 bytes */
#define ACPI_OEM_TABLE_ID "ENLIGHTQ" /* 8 bytes */
#define ACPI_CREATOR_ID   "ENLT"
#define ACPI_MAX_TABLES   16
#define ACPI_MAX_POINTERS 40
#define ACPI_MAX_CPUS     4096 /* SSDT device names C000-CFFF */

/* The compiled DSDT (build/acpi/dsdt_aml.c, made by the Makefile from acpi/dsdt.asl). */
extern const unsigned char acpi_dsdt_aml[];
extern const unsigned int acpi_dsdt_aml_len;

/* The two blobs; the numbers are also the linker/loader's file indexes. */
enum acpi_file { ACPI_FILE_TABLES, ACPI_FILE_RSDP, ACPI_FILE_COUNT };

/* One SRAT memory affinity range. */
struct acpi_mem_affinity {
	uint64_t base, len;
	uint32_t node;
};

struct acpi_config {
	unsigned ncpus;
	const uint32_t *apic_ids; /* ncpus APIC IDs (vmm/cpuid.h topo_apic_id), index = UID */
	const uint8_t *dsdt;      /* NULL: acpi_dsdt_aml */
	size_t dsdt_len;
	/* SRAT: cpu_node (ncpus proximity domains, index = UID) NULL means no SRAT. */
	const uint32_t *cpu_node;
	const struct acpi_mem_affinity *mem;
	unsigned nmem;
};

/* A pointer field of size bytes at offset in file dst that refers to file src. */
struct acpi_pointer {
	uint8_t dst, src, size;
	uint32_t offset;
};

/* The checksum byte at offset makes bytes [start, start+length) of file sum to zero. */
struct acpi_checksum {
	uint8_t file;
	uint32_t offset, start, length;
};

struct acpi_table_loc {
	char sig[5];             /* "FACP", ... ("RSDP" for the RSDP blob) */
	uint8_t file;
	uint32_t offset, length;
};

struct acpi_tables {
	uint64_t base;           /* address the pointers were computed for */
	struct tbuf blob;        /* ACPI_FILE_TABLES */
	uint8_t rsdp[ACPI_RSDP_SIZE];
	struct acpi_table_loc loc[ACPI_MAX_TABLES];
	unsigned nloc;
	struct acpi_pointer ptr[ACPI_MAX_POINTERS];
	unsigned nptr;
	struct acpi_checksum csum[ACPI_MAX_TABLES + 2];
	unsigned ncsum;
};

/* The byte that makes len bytes at p sum to zero, given that the checksum byte among them
 * is currently zero (ACPI 6.4 §5.2.6). */
uint8_t acpi_checksum(const void *p, size_t len);
/* 0 when len bytes at p sum to zero. */
static inline int acpi_sum(const uint8_t *p, size_t len)
{
	uint8_t s = 0;

	while (len--)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Builds every table. 0, -EINVAL (no CPU, no APIC IDs, more than ACPI_MAX_CPUS, a DSDT that
 * is not one), -E2BIG (a blob beyond 4 GiB or base + size above 4 GiB: the RSDT has 32-bit
 * pointers) or -ENOMEM. Free with acpi_tables_free even on failure. */
int acpi_tables_build(const struct acpi_config *cfg, uint64_t base, struct acpi_tables *out);
void acpi_tables_free(struct acpi_tables *t);
/* The table with this signature, or NULL. */
const struct acpi_table_loc *acpi_tables_find(const struct acpi_tables *t, const char *sig);
/* Host pointer to a table's bytes. */
const uint8_t *acpi_tables_data(const struct acpi_tables *t, const struct acpi_table_loc *l);

#endif
