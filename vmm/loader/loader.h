/* Kernel loader front end: detects the image format and dispatches.
 *
 * Detection order: a multiboot v1 header in the first 8192 bytes (magic 0x1BADB002,
 * 4-byte aligned, valid checksum) -> multiboot.h; else "HdrS" at 0x202 -> bzimage.h;
 * else the ELF magic -> elf64.h (ELF64 direct boot); else an error. Every format
 * validates all addresses before it writes anything, so on error guest memory is
 * untouched; all guest access goes through gm_ptr_rw/gm_write. The low-memory layout the
 * loaders use is documented in boot.h; the entry state of each format in its header. */
#ifndef ENLIGHT_LOADER_LOADER_H
#define ENLIGHT_LOADER_LOADER_H

#include "vmm/loader/boot.h"

/* Loads req->kernel (and initrds/modules, command line, e820, RSDP) into gm and fills the
 * BSP state in *out (apic_base and interrupt_bitmap left 0 for the vCPU code).
 * Returns 0, or -EINVAL (bad request: no kernel, too many initrds, no e820), -ENOEXEC
 * (malformed or unsupported image), -E2BIG (something does not fit: initrd, modules,
 * command line, e820) or -ERANGE (an image address outside RAM or in the loader's area),
 * with one message in err: "kernel '<kernel_name>': <reason>". */
int loader_load(struct guest_mem *gm, const struct load_request *req, struct boot_cpu *out,
		char *err, size_t errlen);

#endif
