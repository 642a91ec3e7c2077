/* Direct boot of ELF64 (EM_X86_64, ET_EXEC) kernels without a multiboot header.
 *
 * PT_LOAD segments are copied to p_paddr (file bytes, then zeroed BSS); they may lie
 * anywhere in RAM, including above 4 GiB, but not in [BOOT_AREA_START, BOOT_AREA_END).
 * The entry is e_entry, translated virtual->physical through the PT_LOAD containing it,
 * and must be below 4 GiB.
 *
 * Entry state (64-bit long mode):
 *   CS   = 0x10, base 0, limit 0xFFFFFFFF, type 0xB, S=1, DPL 0, P=1, L=1, D=0, G=1
 *   DS/ES/FS/GS/SS = 0x18, base 0, limit 0xFFFFFFFF, type 0x3, S=1, P=1, D/B=1, G=1
 *   GDTR = BOOT_GDT_ADDR (0x1000), limit 0x1F; IDTR base 0 limit 0 (no IDT: IF=0)
 *   TR/LDTR as after reset (busy TSS / LDT, base 0, limit 0xFFFF, selector 0)
 *   CR0  = PE|ET|PG (0x80000011), CR3 = BOOT_PML4 (0x9000), CR4 = PAE (0x20),
 *   EFER = LME|LMA (0x500); page tables identity-map 0-4 GiB with 2 MiB pages (RW,
 *   supervisor, cacheable) at 0x9000-0xEFFF
 *   RIP  = entry, RFLAGS = 0x2, RSP = BOOT_STACK_TOP (0x7000; 16 KiB stack down to
 *   0x3000), RDI = BOOT_INFO_ADDR (struct elf64_boot_info below), RSI = 0, others 0.
 *
 * struct elf64_boot_info at BOOT_INFO_ADDR (0x2000), followed by the e820 table:
 *   magic       ELF64_BOOT_MAGIC ("ENLB")
 *   version     1
 *   cmdline     GPA of the NUL-terminated -append string ("" when none), at 0x20000
 *   e820_addr   GPA of e820_count packed struct e820_entry {u64 addr, u64 size, u32 type}
 *   e820_count  entries (at most ELF64_E820_MAX)
 *   acpi_rsdp   GPA of the ACPI RSDP, 0 when none
 *   initrd_*    the -initrd file (at most one), page-aligned at the highest RAM below
 *               4 GiB above the image; 0/0 when none
 */
#ifndef ENLIGHT_LOADER_ELF64_H
#define ENLIGHT_LOADER_ELF64_H

#include "vmm/loader/boot.h"

#define ELF64_BOOT_MAGIC   0x424C4E45u /* "ENLB" in memory */
#define ELF64_BOOT_VERSION 1
#define ELF64_E820_OFFSET  0x40        /* e820 table, from BOOT_INFO_ADDR */
#define ELF64_E820_MAX     128

struct elf64_boot_info {
	uint32_t magic;
	uint32_t version;
	uint64_t cmdline;
	uint64_t e820_addr;
	uint32_t e820_count;
	uint32_t reserved;
	uint64_t acpi_rsdp;
	uint64_t initrd_addr;
	uint64_t initrd_size;
};

_Static_assert(sizeof(struct elf64_boot_info) == 56, "ABI of the ELF64 boot info block");
_Static_assert(ELF64_E820_OFFSET + ELF64_E820_MAX * sizeof(struct e820_entry) <= BOOT_INFO_SIZE,
	       "e820 copy fits the boot info page");

/* Loads an ELF64 kernel (elf_image_is_elf already true). Validates everything before
 * writing guest memory. 0 or -errno with ctx->err set. */
int elf64_load(const struct boot_ctx *ctx, struct boot_cpu *out);

#endif
