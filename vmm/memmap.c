#include "vmm/memmap.h"

#include <errno.h>

void q35_layout_compute(uint64_t ram_size, struct q35_layout *out)
{
	/* QEMU pc_q35_init: lowmem is 0xB0000000 unless RAM reaches that, then 0x80000000, so
	 * the 32-bit PCI hole stays large enough when RAM has to be split anyway. */
	uint64_t lowmem = ram_size >= Q35_LOWMEM_LIMIT ? Q35_LOWMEM_SPLIT : Q35_LOWMEM_LIMIT;

	out->ram_size = ram_size;
	out->below_4g = ram_size < lowmem ? ram_size : lowmem;
	out->above_4g = ram_size - out->below_4g;
}

int q35_e820(const struct q35_layout *l, struct e820_entry *out, unsigned cap)
{
	struct e820_entry e[8];
	unsigned n = 0;
	uint64_t conv = l->below_4g < Q35_EBDA_BASE ? l->below_4g : Q35_EBDA_BASE;

	e[n++] = (struct e820_entry){ 0, conv, E820_RAM };
	if (l->below_4g > Q35_EBDA_BASE)
		e[n++] = (struct e820_entry){ Q35_EBDA_BASE, Q35_VGA_HOLE_BASE - Q35_EBDA_BASE,
					      E820_RESERVED };
	/* The BIOS window holds the ACPI RSDP and the SMBIOS entry point for direct boot. */
	e[n++] = (struct e820_entry){ Q35_BIOS_AREA_BASE, Q35_BIOS_AREA_SIZE, E820_RESERVED };
	if (l->below_4g > Q35_HIGH_RAM_START)
		e[n++] = (struct e820_entry){ Q35_HIGH_RAM_START,
					      l->below_4g - Q35_HIGH_RAM_START, E820_RAM };
	e[n++] = (struct e820_entry){ Q35_ECAM_BASE, Q35_ECAM_SIZE, E820_RESERVED };
	/* KVM's TSS and identity map pages must not be used by the guest. */
	e[n++] = (struct e820_entry){ Q35_KVM_IDENTITY_MAP, 0x4000, E820_RESERVED };
	if (l->above_4g)
		e[n++] = (struct e820_entry){ Q35_HIGHMEM_BASE, l->above_4g, E820_RAM };
	if (n > cap)
		return -E2BIG;
	for (unsigned i = 0; i < n; i++)
		out[i] = e[i];
	return (int)n;
}
