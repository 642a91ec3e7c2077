/* ELF program-header parsing shared by the multiboot and ELF64 loaders (System V gABI,
 * "Program Header"; x86 psABIs for EM_386/EM_X86_64). Pure: reads the image buffer only. */
#ifndef ENLIGHT_LOADER_ELF_IMAGE_H
#define ENLIGHT_LOADER_ELF_IMAGE_H

#include "vmm/loader/boot.h"

/* True when the buffer starts with the ELF magic. */
bool elf_image_is_elf(const uint8_t *img, size_t size);

/* Validates a little-endian ET_EXEC image (ELF32/EM_386 only when allow32, else
 * ELF64/EM_X86_64) and fills out with its PT_LOAD segments placed at p_paddr. The entry
 * is e_entry translated from virtual to physical through the PT_LOAD whose
 * [p_vaddr, p_vaddr + p_memsz) contains it (as GRUB does for higher-half kernels), or
 * e_entry unchanged when none does. *elf_class gets ELFCLASS32/ELFCLASS64.
 * Returns 0, -ENOEXEC (malformed) or -E2BIG (more than BOOT_MAX_SEGS segments), with
 * the reason in ctx->err. Writes no guest memory. */
int elf_image_parse(const struct boot_ctx *ctx, const uint8_t *img, size_t size, bool allow32,
		    struct boot_image *out, unsigned *elf_class);

#endif
