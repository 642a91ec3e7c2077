/* QEMU firmware configuration device (fw_cfg), x86 I/O-port flavour, as specified by QEMU's
 * docs/specs/fw_cfg.rst and implemented in hw/nvram/fw_cfg.c.
 *
 * Ports:
 *   0x510 (16-bit write)  selector: picks an item and rewinds its read offset to 0
 *   0x511 (8-bit read)    data: the next byte of the item, 0 past its end; 8-bit writes
 *                         are ignored (QEMU dropped data-port writes in v2.4). Reads at
 *                         0x510, or wider than a byte, return the next bytes in item order
 *                         (QEMU's "string preserving" data read).
 *   0x514-0x51B           DMA address (only when a guest_mem is given): big-endian 64-bit
 *                         address of a struct fw_cfg_dma_access, written as two 32-bit
 *                         halves (0x514 high, then 0x518 low, which starts the transfer) or
 *                         one 64-bit write at 0x514; reads return "QEMU CFG".
 * Numeric items are little-endian, the file directory (key 0x19) and the DMA structure
 * big-endian, as in QEMU.
 *
 * File selectors: QEMU numbers files by their position in the name-sorted directory, so a
 * selector changes when a file sorting before it is added. Here selectors are handed out
 * in add order (0x20, 0x21, ...) and stay valid, and the directory is still sorted by name
 * (strcmp) -- firmware finds files by name and takes the selector from the directory, so the
 * guest cannot tell the difference. */
#ifndef ENLIGHT_DEV_FW_CFG_H
#define ENLIGHT_DEV_FW_CFG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bus;
struct guest_mem;
struct vcpu;

#define FW_CFG_PORT_SEL  0x510
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA  0x514

/* Item keys (QEMU include/standard-headers/linux/qemu_fw_cfg.h). */
enum {
	FW_CFG_SIGNATURE = 0x00,
	FW_CFG_ID = 0x01,
	FW_CFG_UUID = 0x02,
	FW_CFG_RAM_SIZE = 0x03,
	FW_CFG_NOGRAPHIC = 0x04,
	FW_CFG_NB_CPUS = 0x05,
	FW_CFG_MACHINE_ID = 0x06,
	FW_CFG_KERNEL_ADDR = 0x07,
	FW_CFG_KERNEL_SIZE = 0x08,
	FW_CFG_KERNEL_CMDLINE = 0x09,
	FW_CFG_INITRD_ADDR = 0x0a,
	FW_CFG_INITRD_SIZE = 0x0b,
	FW_CFG_BOOT_DEVICE = 0x0c,
	FW_CFG_NUMA = 0x0d,
	FW_CFG_BOOT_MENU = 0x0e,
	FW_CFG_MAX_CPUS = 0x0f,
	FW_CFG_KERNEL_ENTRY = 0x10,
	FW_CFG_KERNEL_DATA = 0x11,
	FW_CFG_INITRD_DATA = 0x12,
	FW_CFG_CMDLINE_ADDR = 0x13,
	FW_CFG_CMDLINE_SIZE = 0x14,
	FW_CFG_CMDLINE_DATA = 0x15,
	FW_CFG_SETUP_ADDR = 0x16,
	FW_CFG_SETUP_SIZE = 0x17,
	FW_CFG_SETUP_DATA = 0x18,
	FW_CFG_FILE_DIR = 0x19,
	FW_CFG_FILE_FIRST = 0x20,
};

#define FW_CFG_FILE_SLOTS    64 /* QEMU's default is 32; room for growth */
#define FW_CFG_MAX_ENTRY     (FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS)
#define FW_CFG_WRITE_CHANNEL 0x4000
#define FW_CFG_ARCH_LOCAL    0x8000 /* x86 keys such as 0x8003 (e820, legacy) */
#define FW_CFG_ENTRY_MASK    ((uint16_t)~(FW_CFG_WRITE_CHANNEL | FW_CFG_ARCH_LOCAL))
#define FW_CFG_INVALID       0xffff
#define FW_CFG_MAX_FILE_PATH 56

/* FW_CFG_ID bits. */
#define FW_CFG_VERSION     0x01 /* traditional selector/data interface */
#define FW_CFG_VERSION_DMA 0x02

/* fw_cfg_dma_access.control bits; the selector goes in bits 31:16 with SELECT. */
#define FW_CFG_DMA_CTL_ERROR  0x01
#define FW_CFG_DMA_CTL_READ   0x02
#define FW_CFG_DMA_CTL_SKIP   0x04
#define FW_CFG_DMA_CTL_SELECT 0x08
#define FW_CFG_DMA_CTL_WRITE  0x10

#define FW_CFG_DMA_SIGNATURE "QEMU CFG" /* what 0x514-0x51B read as, in byte order */

/* Guest-visible layouts, all fields big-endian. */
struct fw_cfg_file {
	uint32_t size;
	uint16_t select;
	uint16_t reserved;
	char name[FW_CFG_MAX_FILE_PATH];
} __attribute__((packed));

struct fw_cfg_dma_access {
	uint32_t control;
	uint32_t length;
	uint64_t address;
} __attribute__((packed));

struct fw_cfg_entry {
	uint8_t *data; /* NULL: no item (reads as empty) */
	uint32_t len;
	bool writable; /* DMA writes allowed (within the item's length) */
	bool owned;    /* data was allocated by fw_cfg */
};

struct fw_cfg_config {
	const struct guest_mem *gm; /* guest RAM for DMA; NULL disables the DMA interface */
	const uint8_t *uuid;        /* 16 bytes for FW_CFG_UUID, or NULL for all zeroes */
};

struct fw_cfg {
	const struct guest_mem *gm;
	struct fw_cfg_entry entries[2][FW_CFG_MAX_ENTRY]; /* [arch-local][key & ENTRY_MASK] */
	uint16_t cur_key;
	uint32_t cur_offset;
	uint64_t dma_addr;
	unsigned file_count;
	/* FW_CFG_FILE_DIR contents: be32 count, then name-sorted entries. */
	struct {
		uint32_t count;
		struct fw_cfg_file f[FW_CFG_FILE_SLOTS];
	} __attribute__((packed)) dir;
};

/* Adds FW_CFG_SIGNATURE ("QEMU"), FW_CFG_ID and FW_CFG_UUID; 0 or -ENOMEM. */
int fw_cfg_init(struct fw_cfg *fc, const struct fw_cfg_config *cfg);
void fw_cfg_destroy(struct fw_cfg *fc);
/* Machine reset: select FW_CFG_SIGNATURE, forget a half-written DMA address. */
void fw_cfg_reset(struct fw_cfg *fc);

/* Add an item under a fixed key (copies data; len may be 0). -EINVAL: key out of range, a
 * file key (0x19, 0x20 and up: use fw_cfg_add_file) or the write-channel bit; -EEXIST:
 * key taken; -E2BIG: len >= 4 GiB; -ENOMEM. */
int fw_cfg_add_bytes(struct fw_cfg *fc, uint16_t key, const void *data, size_t len);
/* NUL-terminated, the terminator included (as QEMU's fw_cfg_add_string). */
int fw_cfg_add_string(struct fw_cfg *fc, uint16_t key, const char *s);
/* Little-endian numbers, as QEMU stores them. */
int fw_cfg_add_i16(struct fw_cfg *fc, uint16_t key, uint16_t value);
int fw_cfg_add_i32(struct fw_cfg *fc, uint16_t key, uint32_t value);
int fw_cfg_add_i64(struct fw_cfg *fc, uint16_t key, uint64_t value);

/* Add a named file (copies data). Returns its selector (>= FW_CFG_FILE_FIRST), or
 * -ENAMETOOLONG (name empty or 56 bytes and longer), -EEXIST (name taken), -ENOSPC (all
 * FW_CFG_FILE_SLOTS used), -E2BIG, -ENOMEM. */
int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data, size_t len);
/* The same, but the guest may overwrite the item's bytes with a DMA write. */
int fw_cfg_add_file_writable(struct fw_cfg *fc, const char *name, const void *data, size_t len);

/* An item's current bytes (e.g. what the guest wrote), or NULL if there is none. */
const void *fw_cfg_get(const struct fw_cfg *fc, uint16_t key, size_t *len);

/* Registers 0x510-0x511 and, with DMA, 0x514-0x51B on the port bus; 0 or -errno. */
int fw_cfg_register(struct fw_cfg *fc, struct bus *pio);

/* Bus handlers (opaque = struct fw_cfg *), exposed for tests. */
void fw_cfg_port_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		    bool is_write);
void fw_cfg_dma_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		   bool is_write);

#endif
