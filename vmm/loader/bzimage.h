/* Linux bzImage loader, 32-bit and 64-bit boot protocol (Documentation/arch/x86/boot.rst,
 * zero-page.rst). Boot protocol 2.06 or newer is required (cmdline_size).
 *
 * Placement: the protected-mode kernel (file offset (setup_sects + 1) * 512, setup_sects 0
 * meaning 4) always goes at 1 MiB, the default code32_start. A relocatable kernel realigns
 * itself to kernel_alignment during decompression (boot.rst, kernel_alignment), so
 * pref_address is not needed; [1 MiB, 1 MiB + max(kernel, init_size)) must be RAM.
 * The real-mode setup code is not loaded. boot_params is built fresh at BOOT_ZERO_PAGE
 * (0x7000) with the image's setup header (0x1f1 .. 0x202 + byte at 0x201), type_of_loader
 * 0xFF, loadflags |= LOADED_HIGH|CAN_USE_HEAP, heap_end_ptr 0xFE00, cmd_line_ptr at
 * BOOT_CMDLINE_ADDR (0x20000; "" when there is no -append), the e820 copy (at most 128),
 * the initrd page-aligned at the highest RAM below min(initrd_addr_max + 1, 4 GiB) above
 * the kernel, setup_data 0, and acpi_rsdp_addr (0x070) for protocol 2.14+.
 *
 * Entry: xloadflags XLF_KERNEL_64 (2.12+) selects the 64-bit protocol: long mode with the
 * identity map of the first 4 GiB, CS 0x10 (64-bit), DS/ES/FS/GS/SS 0x18, RIP = 1 MiB +
 * 0x200 (startup_64). Otherwise the 32-bit protocol: CR0.PE, paging off, CS 0x10 32-bit,
 * RIP = 1 MiB. Both: RSI = BOOT_ZERO_PAGE, RBP = RDI = RBX = 0, RFLAGS 0x2 (IF=0). */
#ifndef ENLIGHT_LOADER_BZIMAGE_H
#define ENLIGHT_LOADER_BZIMAGE_H

#include "vmm/loader/boot.h"

/* Setup header fields, as offsets in the image and in boot_params (boot.rst, "The Real-Mode
 * Kernel Header"). */
#define BZ_SETUP_SECTS      0x1f1
#define BZ_JUMP_LEN         0x201 /* header ends at 0x202 + this byte */
#define BZ_HEADER           0x202 /* "HdrS" */
#define BZ_VERSION          0x206
#define BZ_TYPE_OF_LOADER   0x210
#define BZ_LOADFLAGS        0x211
#define BZ_CODE32_START     0x214
#define BZ_RAMDISK_IMAGE    0x218
#define BZ_RAMDISK_SIZE     0x21c
#define BZ_HEAP_END_PTR     0x224
#define BZ_CMD_LINE_PTR     0x228
#define BZ_INITRD_ADDR_MAX  0x22c
#define BZ_XLOADFLAGS       0x236 /* 2.12+ */
#define BZ_CMDLINE_SIZE     0x238 /* 2.06+ */
#define BZ_SETUP_DATA       0x250 /* 2.09+ */
#define BZ_INIT_SIZE        0x260 /* 2.10+ */
#define BZ_HDR_MAX_END      0x290 /* boot_params: setup header and its padding end here */

#define BZ_HDRS_MAGIC       0x53726448u /* "HdrS" little-endian */
#define BZ_MIN_VERSION      0x0206
#define BZ_VERSION_XLF      0x020c
#define BZ_VERSION_INIT     0x020a
#define BZ_VERSION_SETUPDATA 0x0209
#define BZ_VERSION_RSDP     0x020e

#define BZ_LOADED_HIGH      0x01 /* loadflags */
#define BZ_CAN_USE_HEAP     0x80
#define BZ_XLF_KERNEL_64    0x0001 /* xloadflags */
#define BZ_LOADER_UNDEFINED 0xFF   /* type_of_loader: no assigned ID */
#define BZ_HEAP_END         0xFE00

/* zero-page.rst */
#define BP_ACPI_RSDP_ADDR   0x070
#define BP_E820_ENTRIES     0x1e8
#define BP_E820_TABLE       0x2d0
#define BP_E820_MAX         128
#define BP_E820_ENTRY_SIZE  20
#define BP_SIZE             0x1000

#define BZ_LOAD_ADDR        Q35_HIGH_RAM_START
#define BZ_STARTUP_64       0x200 /* 64-bit entry offset from the load address */

/* True when "HdrS" sits at 0x202. */
bool bzimage_probe(const uint8_t *img, size_t size);

/* Loads a bzImage; validates everything before writing guest memory. 0 or -errno with
 * ctx->err set. */
int bzimage_load(const struct boot_ctx *ctx, struct boot_cpu *out);

#endif
