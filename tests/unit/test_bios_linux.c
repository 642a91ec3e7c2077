/* -bios with -kernel: the setup header as QEMU's x86_load_linux patches it, the initrd's
 * place, the fw_cfg items SeaBIOS's linuxboot_dma.bin reads, and the refusals. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/tbuf.h"
#include "vmm/bios_linux.h"
#include "vmm/dev/fw_cfg.h"
#include "vmm/loader/bzimage.h"

#define SECTS    2
#define PM_SIZE  0x1800
#define IMG_SIZE ((SECTS + 1) * 512 + PM_SIZE)

static uint8_t img[IMG_SIZE];

static void make_bzimage(uint16_t version, uint8_t loadflags, uint32_t cmdline_size)
{
	memset(img, 0, sizeof(img));
	img[BZ_SETUP_SECTS] = SECTS;
	memcpy(img + BZ_HEADER, "HdrS", 4);
	img[BZ_VERSION] = (uint8_t)version;
	img[BZ_VERSION + 1] = (uint8_t)(version >> 8);
	img[BZ_LOADFLAGS] = loadflags;
	img[BZ_INITRD_ADDR_MAX] = 0xff;
	img[BZ_INITRD_ADDR_MAX + 1] = 0xff;
	img[BZ_INITRD_ADDR_MAX + 2] = 0xff;
	img[BZ_INITRD_ADDR_MAX + 3] = 0x7f;
	img[BZ_CMDLINE_SIZE] = (uint8_t)cmdline_size;
	img[BZ_CMDLINE_SIZE + 1] = (uint8_t)(cmdline_size >> 8);
	for (unsigned i = (SECTS + 1) * 512; i < IMG_SIZE; i++)
		img[i] = (uint8_t)i;
}

static uint32_t item32(const struct fw_cfg *fc, uint16_t key)
{
	size_t len;
	const uint8_t *p = fw_cfg_get(fc, key, &len);

	assert_non_null(p);
	assert_int_equal(len, 4);
	return le32_get(p);
}

static bool has_file(const struct fw_cfg *fc, const char *name)
{
	for (unsigned i = 0; i < fc->file_count; i++)
		if (!strcmp(fc->dir.f[i].name, name))
			return true;
	return false;
}

static void test_header_and_items(void **state)
{
	struct load_blob initrd = { (const uint8_t *)"INITRD-DATA", 0x3000, "ird" };
	uint8_t *ird = calloc(1, 0x3000);
	struct load_request lr = { .kernel = img, .kernel_size = IMG_SIZE, .kernel_name = "bz",
				   .append = "console=ttyS0 a=b", .initrds = &initrd,
				   .ninitrds = 1 };
	const uint8_t rom[512] = { 0x55, 0xAA, 1, 0xCB };
	const uint64_t below = 128ull << 20;
	uint32_t want_initrd = (uint32_t)((below - BIOS_LINUX_ACPI_DATA - 1 - 0x3000) & ~0xfffull);
	struct bios_linux bl;
	struct fw_cfg fc;
	const uint8_t *p;
	size_t len;
	char err[256];

	(void)state;
	initrd.data = ird;
	make_bzimage(0x020f, BZ_LOADED_HIGH, 255);
	assert_int_equal(bios_linux_prepare(&lr, below, &bl, err, sizeof(err)), 0);
	assert_int_equal(bl.setup_size, (SECTS + 1) * 512);
	assert_int_equal(bl.kernel_size, PM_SIZE);
	assert_ptr_equal(bl.kernel, img + (SECTS + 1) * 512);
	assert_int_equal(bl.setup[BZ_TYPE_OF_LOADER], BIOS_LINUX_LOADER_TYPE);
	assert_int_equal(bl.setup[BZ_LOADFLAGS], BZ_LOADED_HIGH | BZ_CAN_USE_HEAP);
	assert_int_equal(le16_get(bl.setup + BZ_HEAP_END_PTR), 0xFE00);
	assert_int_equal(le32_get(bl.setup + BZ_CMD_LINE_PTR), BIOS_LINUX_CMDLINE_ADDR);
	/* Below RAM less QEMU's 160 KiB ACPI allowance, page-aligned. */
	assert_int_equal(bl.initrd_addr, want_initrd);
	assert_int_equal(le32_get(bl.setup + BZ_RAMDISK_IMAGE), want_initrd);
	assert_int_equal(le32_get(bl.setup + BZ_RAMDISK_SIZE), 0x3000);
	/* The image itself is left alone. */
	assert_int_equal(img[BZ_TYPE_OF_LOADER], 0);

	assert_int_equal(fw_cfg_init(&fc, &(struct fw_cfg_config){ 0 }), 0);
	assert_int_equal(bios_linux_export(&bl, rom, sizeof(rom), &fc), 0);
	assert_int_equal(item32(&fc, FW_CFG_SETUP_ADDR), 0x10000);
	assert_int_equal(item32(&fc, FW_CFG_SETUP_SIZE), (SECTS + 1) * 512);
	p = fw_cfg_get(&fc, FW_CFG_SETUP_DATA, &len);
	assert_int_equal(len, (SECTS + 1) * 512);
	assert_memory_equal(p, bl.setup, len);
	assert_int_equal(item32(&fc, FW_CFG_KERNEL_ADDR), 0x100000);
	assert_int_equal(item32(&fc, FW_CFG_KERNEL_SIZE), PM_SIZE);
	p = fw_cfg_get(&fc, FW_CFG_KERNEL_DATA, &len);
	assert_int_equal(len, PM_SIZE);
	assert_memory_equal(p, img + (SECTS + 1) * 512, PM_SIZE);
	assert_int_equal(item32(&fc, FW_CFG_CMDLINE_ADDR), 0x20000);
	assert_int_equal(item32(&fc, FW_CFG_CMDLINE_SIZE), strlen("console=ttyS0 a=b") + 1);
	p = fw_cfg_get(&fc, FW_CFG_CMDLINE_DATA, &len);
	assert_string_equal((const char *)p, "console=ttyS0 a=b");
	assert_int_equal(item32(&fc, FW_CFG_INITRD_ADDR), want_initrd);
	assert_int_equal(item32(&fc, FW_CFG_INITRD_SIZE), 0x3000);
	assert_true(has_file(&fc, "genroms/linuxboot_dma.bin"));
	assert_true(has_file(&fc, "bootorder"));
	fw_cfg_destroy(&fc);
	bios_linux_free(&bl);
	free(ird);
}

static void test_no_initrd_no_append(void **state)
{
	struct load_request lr = { .kernel = img, .kernel_size = IMG_SIZE, .kernel_name = "bz" };
	struct bios_linux bl;
	char err[256];

	(void)state;
	make_bzimage(0x0202, BZ_LOADED_HIGH, 0);
	assert_int_equal(bios_linux_prepare(&lr, 64ull << 20, &bl, err, sizeof(err)), 0);
	assert_string_equal(bl.cmdline, "");
	assert_null(bl.initrd);
	assert_int_equal(le32_get(bl.setup + BZ_RAMDISK_IMAGE), 0);
	bios_linux_free(&bl);
}

static void test_refusals(void **state)
{
	struct load_blob two[2] = { { img, 16, "a" }, { img, 16, "b" } };
	struct load_blob huge = { img, 200ull << 20, "big" };
	static const struct {
		uint16_t version;
		uint8_t loadflags;
		bool no_magic;
		const char *append;
		unsigned ninitrds;
		bool huge;
		const char *msg;
	} bad[] = {
		{ 0x020f, 1, true, NULL, 0, false, "-kernel bz: with -bios only a Linux bzImage" },
		{ 0x0201, 1, false, NULL, 0, false, "-kernel bz: boot protocol 2.01:" },
		{ 0x020f, 0, false, NULL, 0, false, "-kernel bz: boot protocol 2.15 without LOADED_HIGH" },
		{ 0x020f, 1, false, "0123456789abcdefX", 0, false, "-append: 17 bytes, more than bz" },
		{ 0x020f, 1, false, NULL, 2, false, "-initrd: 2 files" },
		{ 0x020f, 1, false, NULL, 1, true, "-initrd big: 209715200 bytes do not fit" },
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct load_request lr = { .kernel = img, .kernel_size = IMG_SIZE,
					   .kernel_name = "bz", .append = bad[i].append,
					   .initrds = bad[i].huge ? &huge : two,
					   .ninitrds = bad[i].ninitrds };
		struct bios_linux bl;
		char err[256] = "";

		make_bzimage(bad[i].version, bad[i].loadflags, 16);
		if (bad[i].no_magic)
			memset(img + BZ_HEADER, 0, 4);
		assert_int_equal(bios_linux_prepare(&lr, 128ull << 20, &bl, err, sizeof(err)),
				 -EINVAL);
		if (strncmp(err, bad[i].msg, strlen(bad[i].msg)))
			fail_msg("case %u: got '%s', want '%s'", i, err, bad[i].msg);
		assert_null(bl.setup);
	}
}

static void test_rom_check(void **state)
{
	uint8_t rom[1024] = { 0x55, 0xAA, 2 };
	FILE *f = fopen(BIOS_LINUXBOOT_ROM, "rb");

	(void)state;
	assert_int_equal(bios_linux_rom_check(rom, sizeof(rom)), 0);
	assert_int_equal(bios_linux_rom_check(rom, 512), -EINVAL); /* size byte says 1 KiB */
	rom[2] = 0;
	assert_int_equal(bios_linux_rom_check(rom, sizeof(rom)), -EINVAL);
	rom[2] = 2;
	rom[0] = 0x54;
	assert_int_equal(bios_linux_rom_check(rom, sizeof(rom)), -EINVAL);
	/* Debian's option ROM, when qemu-system-data is installed. */
	if (f) {
		uint8_t *buf = malloc(BIOS_LINUXBOOT_ROM_MAX);
		size_t n = fread(buf, 1, BIOS_LINUXBOOT_ROM_MAX, f);

		fclose(f);
		assert_int_equal(bios_linux_rom_check(buf, n), 0);
		free(buf);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_and_items),
		cmocka_unit_test(test_no_initrd_no_append),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_rom_check),
	};

	return cmocka_run_group_tests_name("bios_linux", tests, NULL, NULL);
}
