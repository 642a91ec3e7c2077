/* Kernel loaders: shared types, the low-memory layout and the helpers every format uses.
 *
 * Low-memory layout (guest-physical), the same for every format. All of it lies in the
 * first 640 KiB of conventional RAM, away from the real-mode IVT/BDA at 0-0xFFF and below
 * the EBDA (0x9FC00). A kernel image that would overlap [BOOT_AREA_START, BOOT_AREA_END) is
 * refused, so nothing the loader writes here can clobber the image or the other way round.
 *
 *   0x01000  BOOT_GDT_ADDR      boot GDT: 0x00 null, 0x08 null, 0x10 code, 0x18 data
 *   0x02000  BOOT_INFO_ADDR     ELF64 direct boot info block + its e820 copy (elf64.h)
 *   0x03000  .. 0x06FFF         boot stack, RSP/ESP = BOOT_STACK_TOP (grows down)
 *   0x07000  BOOT_ZERO_PAGE     Linux boot_params (bzImage)
 *   0x09000  BOOT_PML4          identity map: PML4, one PDPT, four PDs of 2 MiB pages
 *   0x0A000  BOOT_PDPT          (0x9000-0xEFFF, first 4 GiB)
 *   0x0B000  BOOT_PD            (4 pages)
 *   0x10000  BOOT_MBI_ADDR      multiboot info, mmap, module list, strings (64 KiB)
 *   0x20000  BOOT_CMDLINE_ADDR  command line for bzImage and ELF64 (64 KiB)
 *   0x30000  BOOT_AREA_END
 *
 * Images, multiboot modules and the initrd go at or above the image's own addresses
 * (normally 1 MiB); modules and initrd never below the end of the kernel.
 */
#ifndef ENLIGHT_LOADER_BOOT_H
#define ENLIGHT_LOADER_BOOT_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "vmm/guest_mem.h"
#include "vmm/log.h"
#include "vmm/memmap.h"

#define BOOT_AREA_START   0x01000ull
#define BOOT_GDT_ADDR     0x01000ull
#define BOOT_INFO_ADDR    0x02000ull
#define BOOT_INFO_SIZE    0x01000ull
#define BOOT_STACK_TOP    0x07000ull
#define BOOT_ZERO_PAGE    0x07000ull
#define BOOT_PML4         0x09000ull
#define BOOT_PDPT         0x0A000ull
#define BOOT_PD           0x0B000ull /* 4 pages, one per GiB */
#define BOOT_MBI_ADDR     0x10000ull
#define BOOT_MBI_SIZE     0x10000ull
#define BOOT_CMDLINE_ADDR 0x20000ull
#define BOOT_CMDLINE_MAX  0x10000ull /* including the terminating NUL */
#define BOOT_AREA_END     0x30000ull

/* GDT selectors; the Linux boot protocol fixes __BOOT_CS/__BOOT_DS (boot.rst, "32-bit boot
 * protocol" and "64-bit boot protocol"), and multiboot uses the same table. */
#define BOOT_SEL_CS 0x10
#define BOOT_SEL_DS 0x18
#define BOOT_GDT_ENTRIES 4

#define BOOT_PAGE_SIZE 0x1000ull
#define BOOT_4G        0x100000000ull
#define BOOT_MAX_SEGS  64 /* PT_LOAD segments accepted per image */

/* Complete initial BSP state; the vCPU code copies these into KVM. apic_base and
 * interrupt_bitmap are left zero: the vCPU code owns them. */
struct boot_cpu {
	struct kvm_regs regs;
	struct kvm_sregs sregs;
};

struct load_blob {
	const uint8_t *data;
	size_t size;
	const char *name;
};

struct load_request {
	const uint8_t *kernel;
	size_t kernel_size;
	const char *kernel_name;     /* for messages and the multiboot command line */
	const char *append;          /* may be NULL */
	struct load_blob *initrds;   /* multiboot: modules; bzImage/ELF64: at most one */
	unsigned ninitrds;
	const struct e820_entry *e820;
	unsigned ne820;
	uint64_t acpi_rsdp;          /* 0 if none */
};

/* One piece of the image: filesz bytes from data copied to paddr, then memsz - filesz
 * zero bytes (BSS). */
struct boot_seg {
	unsigned index; /* program header number, for messages */
	uint64_t paddr;
	const uint8_t *data;
	uint64_t filesz;
	uint64_t memsz;
};

struct boot_image {
	struct boot_seg seg[BOOT_MAX_SEGS];
	unsigned nseg;
	uint64_t entry;
};

/* Everything a format loader needs; err receives "kernel '<name>': <reason>". */
struct boot_ctx {
	struct guest_mem *gm;
	const struct load_request *req;
	char *err;
	size_t errlen;
};

/* Formats the message into ctx->err and returns rc (a negative errno). */
int boot_fail(const struct boot_ctx *ctx, int rc, const char *fmt, ...) PRINTF_LIKE(3, 4);

/* True when [gpa, gpa+len) is covered by e820 RAM entries (always true without an e820:
 * then only guest memory slots decide). */
bool boot_e820_is_ram(const struct load_request *req, uint64_t gpa, uint64_t len);

/* Checks every segment: inside one writable RAM slot (never an MMIO hole) and inside e820
 * RAM, below limit, clear of the loader's low area. Writes nothing; what names the pieces
 * in messages ("program header", "a.out kludge segment"). */
int boot_segs_check(const struct boot_ctx *ctx, const struct boot_image *img, uint64_t limit,
		    const char *what);
/* Copies filesz bytes and zeroes the BSS of every segment; call after boot_segs_check. */
int boot_segs_write(const struct boot_ctx *ctx, const struct boot_image *img);
/* One past the highest byte of any segment. */
uint64_t boot_image_end(const struct boot_image *img);

/* Highest page-aligned place for size bytes inside e820 RAM, at or above low and ending at
 * or below high (exclusive), backed by writable guest memory. 0 on success. */
int boot_place_high(const struct boot_ctx *ctx, uint64_t size, uint64_t low, uint64_t high,
		    uint64_t *out);

/* Flat-segment CPU state. Both write the boot GDT at BOOT_GDT_ADDR and fill every segment
 * register (CS 0x10, DS/ES/FS/GS/SS 0x18, TR/LDT as after reset), GDTR, IDTR (limit 0),
 * RFLAGS 0x2 and RSP BOOT_STACK_TOP, then set RIP = entry.
 *   prot32: CR0 = PE|ET, paging off, CS 32-bit, EFER 0.
 *   long64: also writes the identity map of the first 4 GiB (2 MiB pages) at BOOT_PML4;
 *           CR0 = PE|ET|PG, CR3 = BOOT_PML4, CR4 = PAE, EFER = LME|LMA, CS 64-bit (L=1).
 * Returns 0 or -EFAULT when the low area is not RAM. */
int boot_cpu_prot32(struct guest_mem *gm, uint64_t entry, struct boot_cpu *out);
int boot_cpu_long64(struct guest_mem *gm, uint64_t entry, struct boot_cpu *out);

/* Little-endian field access into host byte buffers (images, zero page, info blocks). */
static inline uint16_t boot_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t boot_get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t boot_get64(const uint8_t *p)
{
	return boot_get32(p) | (uint64_t)boot_get32(p + 4) << 32;
}

static inline void boot_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void boot_put32(uint8_t *p, uint32_t v)
{
	boot_put16(p, (uint16_t)v);
	boot_put16(p + 2, (uint16_t)(v >> 16));
}

static inline void boot_put64(uint8_t *p, uint64_t v)
{
	boot_put32(p, (uint32_t)v);
	boot_put32(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t boot_align_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) & ~(a - 1);
}

#endif
