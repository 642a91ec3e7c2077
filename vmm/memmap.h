/* The q35 guest-physical memory map, as QEMU lays it out (hw/i386/pc_q35.c), and the e820
 * table derived from it. Pure: no KVM. */
#ifndef ENLIGHT_MEMMAP_H
#define ENLIGHT_MEMMAP_H

#include <stdint.h>

#define Q35_LOWMEM_LIMIT      0xB0000000ull /* RAM below 4 GiB when ram < 2.75 GiB ... */
#define Q35_LOWMEM_SPLIT      0x80000000ull /* ... else only 2 GiB below 4 GiB */
#define Q35_ECAM_BASE         0xB0000000ull /* PCIEXBAR default, 256 buses */
#define Q35_ECAM_SIZE         0x10000000ull
#define Q35_IOAPIC_BASE       0xFEC00000ull
#define Q35_LAPIC_BASE        0xFEE00000ull
#define Q35_HIGHMEM_BASE      0x100000000ull
#define Q35_BIOS_AREA_BASE    0x000E0000ull /* 128 KiB legacy BIOS window (RSDP, SMBIOS) */
#define Q35_BIOS_AREA_SIZE    0x00020000ull
#define Q35_EBDA_BASE         0x0009FC00ull /* top of conventional memory, 639 KiB */
#define Q35_VGA_HOLE_BASE     0x000A0000ull
#define Q35_HIGH_RAM_START    0x00100000ull /* 1 MiB */
/* KVM needs three pages for the VMX TSS and one for the identity map, inside the 4 GiB
 * hole below the BIOS; QEMU uses 0xfeffc000 / 0xfeffd000. */
#define Q35_KVM_IDENTITY_MAP  0xFEFFC000ull
#define Q35_KVM_TSS_ADDR      0xFEFFD000ull

/* e820 types (ACPI 6.4 §15, Table 15.312). */
enum { E820_RAM = 1, E820_RESERVED = 2, E820_ACPI = 3, E820_NVS = 4 };

struct e820_entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type;
} __attribute__((packed));

struct q35_layout {
	uint64_t ram_size;
	uint64_t below_4g; /* RAM mapped at [0, below_4g) */
	uint64_t above_4g; /* RAM mapped at [4 GiB, 4 GiB + above_4g) */
};

void q35_layout_compute(uint64_t ram_size, struct q35_layout *out);

/* Fills the guest's e820 table (sorted, non-overlapping); returns the count, or -E2BIG when
 * cap is too small. */
int q35_e820(const struct q35_layout *l, struct e820_entry *out, unsigned cap);

#endif
