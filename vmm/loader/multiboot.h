/* Multiboot v1 loader (Multiboot Specification 0.6.96, "https://www.gnu.org/software/grub/
 * manual/multiboot/multiboot.html"). Loads ELF32/ELF64 images by program header, or by the
 * a.out kludge (header flags bit 16, which wins when set), places -initrd files as page-
 * aligned modules above the kernel and builds the boot information in low memory.
 *
 * Entry state (spec §3.2): EAX = 0x2BADB002, EBX = BOOT_MBI_ADDR (0x10000), CS = 0x10
 * flat 32-bit execute/read, DS/ES/FS/GS/SS = 0x18 flat read/write, CR0 = PE|ET (paging
 * off), EFLAGS = 0x2 (IF=0, VM=0), ESP = BOOT_STACK_TOP (the spec leaves ESP undefined;
 * the kernel must set its own), GDTR = the boot GDT at BOOT_GDT_ADDR, IDTR limit 0.
 * Boot information at BOOT_MBI_ADDR (spec §3.3), flags MEM|CMDLINE|MODS|MMAP|
 * BOOT_LOADER_NAME: mem_lower/mem_upper from the e820 (KiB at 0 and contiguous from
 * 1 MiB), cmdline "<kernel_name> <append>" (or "<kernel_name>"), one module per initrd
 * with its file name as string, the e820 as the memory map, loader name "enlight".
 * Header flag bit 2 (video mode) is accepted but no mode is set (no VBE/framebuffer info);
 * no symbol table (flags bits 4/5) is passed. */
#ifndef ENLIGHT_LOADER_MULTIBOOT_H
#define ENLIGHT_LOADER_MULTIBOOT_H

#include "vmm/loader/boot.h"

#define MB_HEADER_MAGIC   0x1BADB002u /* §3.1.2 */
#define MB_BOOT_MAGIC     0x2BADB002u /* §3.2, in EAX */
#define MB_SEARCH_LIMIT   8192        /* §3.1.1: header within the first 8 KiB ... */
#define MB_HEADER_ALIGN   4           /* ... longword aligned */

/* Header flags (§3.1.2): bits 0-15 are requirements the loader must honour or refuse. */
#define MB_HF_PAGE_ALIGN  (1u << 0)
#define MB_HF_MEMORY_INFO (1u << 1)
#define MB_HF_VIDEO_MODE  (1u << 2)
#define MB_HF_AOUT_KLUDGE (1u << 16)
#define MB_HF_REQUIRED    0xFFFFu

/* Boot information flags and layout (§3.3). */
#define MB_INFO_MEMORY    (1u << 0)
#define MB_INFO_CMDLINE   (1u << 2)
#define MB_INFO_MODS      (1u << 3)
#define MB_INFO_MMAP      (1u << 6)
#define MB_INFO_LOADER    (1u << 9)

#define MBI_FLAGS         0
#define MBI_MEM_LOWER     4
#define MBI_MEM_UPPER     8
#define MBI_CMDLINE       16
#define MBI_MODS_COUNT    20
#define MBI_MODS_ADDR     24
#define MBI_MMAP_LENGTH   44
#define MBI_MMAP_ADDR     48
#define MBI_LOADER_NAME   64
#define MBI_SIZE          116 /* up to and including color_info */

#define MB_MOD_SIZE       16 /* mod_start, mod_end, string, reserved */
#define MB_MMAP_ENTRY     24 /* size (=20, excluding itself), base_addr, length, type */

#define MB_LOADER_NAME    "enlight"

/* Looks for the header. Returns 1 and *hdr_off when a valid one is present, 0 when there
 * is no header (try another format), or -ENOEXEC with the reason (bad checksum,
 * unaligned, truncated) in ctx->err. */
int multiboot_probe(const struct boot_ctx *ctx, size_t *hdr_off);

/* Loads the image whose header multiboot_probe found. Validates everything before
 * writing guest memory. 0 or -errno with ctx->err set. */
int multiboot_load(const struct boot_ctx *ctx, size_t hdr_off, struct boot_cpu *out);

#endif
