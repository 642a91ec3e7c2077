/* -bios with -kernel: the kernel goes to the firmware through fw_cfg, as QEMU hands it to
 * SeaBIOS (hw/i386/x86.c x86_load_linux): the bzImage's setup part (header patched as a boot
 * loader would: type_of_loader, cmd_line_ptr, heap_end_ptr with CAN_USE_HEAP, the initrd's
 * place) in FW_CFG_SETUP_*, the protected-mode part in FW_CFG_KERNEL_*, the command line in
 * FW_CFG_CMDLINE_*, the initrd in FW_CFG_INITRD_*. QEMU's option ROM linuxboot_dma.bin
 * (Debian package qemu-system-data, read at run time from /usr/share/qemu) goes in as fw_cfg
 * file "genroms/linuxboot_dma.bin", and "bootorder" names it first: SeaBIOS runs it as a
 * boot entry vector; it DMA-reads the items to their addresses and jumps to the setup code
 * in real mode at setup + 0x200 (Linux boot protocol, Documentation/x86/boot.rst, "Running
 * the kernel"), with the stack below the command line.
 *
 * QEMU's layout for protocol 2.02+ kernels loaded high: setup (real-mode code, heap) at
 * 0x10000, command line at 0x20000, protected-mode kernel at 1 MiB, initrd page-aligned at
 * the top of what the kernel allows below below_4g less QEMU's 160 KiB for the firmware's
 * ACPI tables. Multiboot and ELF kernels are refused under -bios (QEMU's multiboot_dma.bin
 * path is not offered). Pure but for reading the option ROM. */
#ifndef ENLIGHT_BIOS_LINUX_H
#define ENLIGHT_BIOS_LINUX_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/loader/boot.h"

struct fw_cfg;

#define BIOS_LINUXBOOT_ROM     "/usr/share/qemu/linuxboot_dma.bin"
#define BIOS_LINUXBOOT_FWCFG   "genroms/linuxboot_dma.bin"
#define BIOS_LINUXBOOT_ROM_MAX 0x10000 /* an option ROM's size byte counts 512-byte blocks */

/* QEMU x86_load_linux addresses for protocol >= 2.02 with LOADED_HIGH. */
#define BIOS_LINUX_REAL_ADDR    0x10000u
#define BIOS_LINUX_CMDLINE_ADDR 0x20000u
#define BIOS_LINUX_PROT_ADDR    0x100000u
/* QEMU pc acpi_data_size: room the firmware keeps for ACPI below the top of low RAM. */
#define BIOS_LINUX_ACPI_DATA    (0x20000u + 0x8000u)
#define BIOS_LINUX_LOADER_TYPE  0xB0 /* QEMU's type_of_loader (boot.rst: 0xB = Qemu) */

struct bios_linux {
	uint8_t *setup;           /* patched copy of the setup sectors */
	uint32_t setup_size;
	const uint8_t *kernel;    /* into the request's image */
	uint32_t kernel_size;
	const uint8_t *initrd;    /* NULL: none */
	uint32_t initrd_size, initrd_addr;
	const char *cmdline;      /* never NULL */
};

/* Checks the request (one bzImage of protocol 2.02+ loaded high, at most one initrd, a
 * command line the kernel accepts) and prepares the pieces. 0, or -EINVAL/-E2BIG/-ENOMEM
 * with one line in err. Free with bios_linux_free. */
int bios_linux_prepare(const struct load_request *lr, uint64_t below_4g, struct bios_linux *out,
		       char *err, size_t errlen);
void bios_linux_free(struct bios_linux *bl);

/* Checks an option ROM image (0x55AA, size byte covering the image). 0 or -EINVAL. */
int bios_linux_rom_check(const uint8_t *rom, size_t len);

/* Adds the fw_cfg items, the option ROM file and "bootorder". 0 or fw_cfg's -errno. */
int bios_linux_export(const struct bios_linux *bl, const uint8_t *rom, size_t rom_len,
		      struct fw_cfg *fc);

/* The machine's call: prepare, read BIOS_LINUXBOOT_ROM, export. Prints one line naming the
 * option on failure and returns -errno. */
int bios_linux_setup(struct fw_cfg *fc, const struct load_request *lr, uint64_t below_4g);

#endif
