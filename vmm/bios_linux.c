#include "vmm/bios_linux.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm/dev/fw_cfg.h"
#include "vmm/loader/bzimage.h"
#include "vmm/log.h"

#define BZ_VERSION_HIGH      0x0202 /* cmd_line_ptr, loaded high (QEMU's real_addr 0x10000) */
#define BZ_VERSION_HEAP      0x0201 /* heap_end_ptr */
#define BZ_VERSION_INITRD_MAX 0x0203 /* initrd_addr_max */
#define BZ_XLF_ABOVE_4G      0x0002 /* XLF_CAN_BE_LOADED_ABOVE_4G */
#define BZ_DEFAULT_SECTS     4      /* setup_sects 0 means 4 (boot.rst) */
#define BZ_OLD_INITRD_MAX    0x37ffffffu
#define OPTION_ROM_SIG       0xAA55 /* bytes 55 AA: PCI Firmware Spec 3.2 §5.1 */
#define OPTION_ROM_BLOCK     512

/* QEMU's "bootorder" entry for an fw_cfg option ROM (SeaBIOS bootprio_find_named_rom). */
static const char bootorder[] = "/rom@" BIOS_LINUXBOOT_FWCFG "\n";

PRINTF_LIKE(3, 4) static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put_le32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get_le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* QEMU x86_load_linux: the highest address the initrd may end at. */
static uint64_t initrd_limit(const uint8_t *hdr, uint16_t version, uint64_t below_4g)
{
	uint64_t max;

	if (version >= BZ_VERSION_XLF && (get_le16(hdr + BZ_XLOADFLAGS) & BZ_XLF_ABOVE_4G))
		max = UINT32_MAX;
	else if (version >= BZ_VERSION_INITRD_MAX)
		max = get_le32(hdr + BZ_INITRD_ADDR_MAX);
	else
		max = BZ_OLD_INITRD_MAX;
	if (below_4g > BIOS_LINUX_ACPI_DATA && max >= below_4g - BIOS_LINUX_ACPI_DATA)
		max = below_4g - BIOS_LINUX_ACPI_DATA - 1;
	return max;
}

int bios_linux_prepare(const struct load_request *lr, uint64_t below_4g, struct bios_linux *out,
		       char *err, size_t errlen)
{
	const uint8_t *img = lr->kernel;
	const char *name = lr->kernel_name ? lr->kernel_name : "(kernel)";
	size_t len = lr->kernel_size, cmdlen;
	uint16_t version;
	unsigned sects;

	memset(out, 0, sizeof(*out));
	out->cmdline = lr->append ? lr->append : "";
	if (!img || !bzimage_probe(img, len))
		return fail(err, errlen, "-kernel %s: with -bios only a Linux bzImage can be handed "
			    "to the firmware (through fw_cfg, as QEMU); boot multiboot and ELF "
			    "kernels without -bios", name);
	version = get_le16(img + BZ_VERSION);
	if (version < BZ_VERSION_HIGH || !(img[BZ_LOADFLAGS] & BZ_LOADED_HIGH))
		return fail(err, errlen, "-kernel %s: boot protocol %u.%02u%s: with -bios the "
			    "kernel must be protocol 2.02+ and loaded high (a bzImage)", name,
			    version >> 8, version & 0xff,
			    img[BZ_LOADFLAGS] & BZ_LOADED_HIGH ? "" : " without LOADED_HIGH");
	sects = img[BZ_SETUP_SECTS] ? img[BZ_SETUP_SECTS] : BZ_DEFAULT_SECTS;
	out->setup_size = (sects + 1) * OPTION_ROM_BLOCK;
	if (out->setup_size >= len)
		return fail(err, errlen, "-kernel %s: %u setup sectors but only %zu bytes", name,
			    sects, len);
	if (len - out->setup_size > UINT32_MAX)
		return fail(err, errlen, "-kernel %s: larger than 4 GiB", name);
	cmdlen = strlen(out->cmdline) + 1;
	/* The command line ends below the 64 KiB up to the next segment (QEMU's layout puts
	 * nothing else there), and within what the kernel accepts (cmdline_size, 2.06+). */
	if (cmdlen > BIOS_LINUX_PROT_ADDR - BIOS_LINUX_CMDLINE_ADDR ||
	    (version >= BZ_MIN_VERSION && cmdlen - 1 > get_le32(img + BZ_CMDLINE_SIZE)))
		return fail(err, errlen, "-append: %zu bytes, more than %s accepts", cmdlen - 1,
			    name);
	if (lr->ninitrds > 1)
		return fail(err, errlen, "-initrd: %u files: a Linux kernel takes one initrd",
			    lr->ninitrds);
	out->setup = malloc(out->setup_size);
	if (!out->setup)
		return -ENOMEM;
	memcpy(out->setup, img, out->setup_size);
	out->kernel = img + out->setup_size;
	out->kernel_size = (uint32_t)(len - out->setup_size);

	/* What a boot loader writes into the setup header (boot.rst, "Details of header
	 * fields"), with QEMU's values. */
	out->setup[BZ_TYPE_OF_LOADER] = BIOS_LINUX_LOADER_TYPE;
	put_le32(out->setup + BZ_CMD_LINE_PTR, BIOS_LINUX_CMDLINE_ADDR);
	if (version >= BZ_VERSION_HEAP) {
		out->setup[BZ_LOADFLAGS] |= BZ_CAN_USE_HEAP;
		put_le16(out->setup + BZ_HEAP_END_PTR,
			 (uint16_t)(BIOS_LINUX_CMDLINE_ADDR - BIOS_LINUX_REAL_ADDR - 0x200));
	}
	if (lr->ninitrds == 1) {
		uint64_t max = initrd_limit(img, version, below_4g);
		size_t isz = lr->initrds[0].size;

		if (isz > max || max - isz < BIOS_LINUX_PROT_ADDR + out->kernel_size) {
			bios_linux_free(out);
			return fail(err, errlen, "-initrd %s: %zu bytes do not fit between the kernel "
				    "and 0x%llx (the kernel's limit, or RAM below 4 GiB less the "
				    "firmware's ACPI area); use more -m or a smaller initrd",
				    lr->initrds[0].name ? lr->initrds[0].name : "", isz,
				    (unsigned long long)max);
		}
		out->initrd = lr->initrds[0].data;
		out->initrd_size = (uint32_t)isz;
		out->initrd_addr = (uint32_t)((max - isz) & ~(uint64_t)(BOOT_PAGE_SIZE - 1));
		put_le32(out->setup + BZ_RAMDISK_IMAGE, out->initrd_addr);
		put_le32(out->setup + BZ_RAMDISK_SIZE, out->initrd_size);
	}
	return 0;
}

void bios_linux_free(struct bios_linux *bl)
{
	free(bl->setup);
	bl->setup = NULL;
}

int bios_linux_rom_check(const uint8_t *rom, size_t len)
{
	if (len < 3 || len > BIOS_LINUXBOOT_ROM_MAX || get_le16(rom) != OPTION_ROM_SIG ||
	    (size_t)rom[2] * OPTION_ROM_BLOCK > len || !rom[2])
		return -EINVAL;
	return 0;
}

int bios_linux_export(const struct bios_linux *bl, const uint8_t *rom, size_t rom_len,
		      struct fw_cfg *fc)
{
	int r = fw_cfg_add_i32(fc, FW_CFG_SETUP_ADDR, BIOS_LINUX_REAL_ADDR);

	r = r ? r : fw_cfg_add_i32(fc, FW_CFG_SETUP_SIZE, bl->setup_size);
	r = r ? r : fw_cfg_add_bytes(fc, FW_CFG_SETUP_DATA, bl->setup, bl->setup_size);
	r = r ? r : fw_cfg_add_i32(fc, FW_CFG_KERNEL_ADDR, BIOS_LINUX_PROT_ADDR);
	r = r ? r : fw_cfg_add_i32(fc, FW_CFG_KERNEL_SIZE, bl->kernel_size);
	r = r ? r : fw_cfg_add_bytes(fc, FW_CFG_KERNEL_DATA, bl->kernel, bl->kernel_size);
	r = r ? r : fw_cfg_add_i32(fc, FW_CFG_CMDLINE_ADDR, BIOS_LINUX_CMDLINE_ADDR);
	r = r ? r : fw_cfg_add_i32(fc, FW_CFG_CMDLINE_SIZE, (uint32_t)strlen(bl->cmdline) + 1);
	r = r ? r : fw_cfg_add_string(fc, FW_CFG_CMDLINE_DATA, bl->cmdline);
	if (!r && bl->initrd) {
		r = fw_cfg_add_i32(fc, FW_CFG_INITRD_ADDR, bl->initrd_addr);
		r = r ? r : fw_cfg_add_i32(fc, FW_CFG_INITRD_SIZE, bl->initrd_size);
		r = r ? r : fw_cfg_add_bytes(fc, FW_CFG_INITRD_DATA, bl->initrd, bl->initrd_size);
	}
	if (!r)
		r = fw_cfg_add_file(fc, BIOS_LINUXBOOT_FWCFG, rom, rom_len);
	if (r >= 0)
		r = fw_cfg_add_file(fc, "bootorder", bootorder, sizeof(bootorder));
	return r < 0 ? r : 0;
}

static int read_rom(const char *path, uint8_t **out, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	uint8_t *buf;
	ssize_t n;

	if (fd < 0)
		return -errno;
	buf = malloc(BIOS_LINUXBOOT_ROM_MAX + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	n = read(fd, buf, BIOS_LINUXBOOT_ROM_MAX + 1);
	close(fd);
	if (n < 0 || bios_linux_rom_check(buf, (size_t)n)) {
		free(buf);
		return n < 0 ? -EIO : -EINVAL;
	}
	*out = buf;
	*len = (size_t)n;
	return 0;
}

int bios_linux_setup(struct fw_cfg *fc, const struct load_request *lr, uint64_t below_4g)
{
	struct bios_linux bl;
	uint8_t *rom = NULL;
	size_t rom_len = 0;
	char err[512];
	int r = bios_linux_prepare(lr, below_4g, &bl, err, sizeof(err));

	if (r) {
		pr_err("%s", r == -ENOMEM ? "-kernel: out of memory" : err);
		return r;
	}
	r = read_rom(BIOS_LINUXBOOT_ROM, &rom, &rom_len);
	if (r) {
		pr_err("-kernel with -bios: the option ROM %s %s: %s", BIOS_LINUXBOOT_ROM,
		       r == -EINVAL ? "is not an option ROM" : "cannot be read",
		       r == -ENOENT ? "install Debian's qemu-system-data (make deps)" : strerror(-r));
	} else {
		r = bios_linux_export(&bl, rom, rom_len, fc);
		if (r)
			pr_err("-kernel with -bios: adding the fw_cfg items: %s", strerror(-r));
	}
	free(rom);
	bios_linux_free(&bl);
	return r;
}
