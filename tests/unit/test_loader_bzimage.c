/* Linux bzImage loading of crafted images (protocol 2.06 and 2.15) into a fake guest RAM:
 * kernel at 1 MiB, boot_params built per boot.rst/zero-page.rst, initrd high, 32- and
 * 64-bit entry state, and the malformed cases refused without writing guest memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "loader_images.h"
#include "vmm/loader/bzimage.h"

#define NAME "bzImage-test"
#define ZP   0x7000

static struct timg mk_blob(size_t n, unsigned pat)
{
	struct timg t = timg_alloc(n);

	for (size_t k = 0; k < n; k++)
		t.b[k] = pattern(pat, k);
	return t;
}

/* Fields the loader writes into the copied setup header. */
static bool loader_owned(size_t off, uint16_t version)
{
	static const struct { size_t off, len; } f[] = {
		{ 0x210, 2 }, { 0x214, 4 }, { 0x218, 8 }, { 0x224, 2 }, { 0x228, 4 },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(f); i++)
		if (off >= f[i].off && off < f[i].off + f[i].len)
			return true;
	return version >= 0x209 && off >= 0x250 && off < 0x258;
}

/* The zero page: the image's setup header copied (but the loader's fields), every byte
 * that is neither header, e820, nor acpi_rsdp_addr still zero. */
static void check_zero_page(const struct fake_ram *r, const struct timg *t, uint16_t version,
			    unsigned ne820)
{
	const uint8_t *bp = fake_ram_at(r, ZP, 0x1000);
	size_t e820_end = 0x2d0 + ne820 * 20;

	assert_non_null(bp);
	for (size_t k = 0; k < 0x1000; k++) {
		if (k >= 0x1f1 && k < 0x26c) {
			if (!loader_owned(k, version) && bp[k] != t->b[k])
				fail_msg("setup header byte 0x%zx: 0x%x, image has 0x%x", k, bp[k],
					 t->b[k]);
		} else if (!(k >= 0x070 && k < 0x078) && k != 0x1e8 &&
			   !(k >= 0x2d0 && k < e820_end) && bp[k]) {
			fail_msg("zero page byte 0x%zx is 0x%x", k, bp[k]);
		}
	}
	assert_int_equal(bp[0x210], 0xFF);
	assert_int_equal(bp[0x211], 0x81);
	assert_int_equal(rd32(r, ZP + 0x214), 0x100000);
	assert_int_equal(rd32(r, ZP + 0x224) & 0xFFFF, 0xFE00);
	assert_int_equal(bp[0x1e8], ne820);
	for (unsigned i = 0; i < ne820; i++) {
		assert_int_equal(rd64(r, ZP + 0x2d0 + i * 20), r->e820[i].addr);
		assert_int_equal(rd64(r, ZP + 0x2d0 + i * 20 + 8), r->e820[i].size);
		assert_int_equal(rd32(r, ZP + 0x2d0 + i * 20 + 16), r->e820[i].type);
	}
}

static void check_cmdline(const struct fake_ram *r, const char *want, uint32_t cmdline_size)
{
	uint32_t p = rd32(r, ZP + 0x228);
	const char *s = (const char *)fake_ram_at(r, p, strlen(want) + 1);

	assert_true(p != 0 && p < Q35_EBDA_BASE);
	assert_true(p >= ZP + 0x1000 || p + strlen(want) < ZP);
	assert_non_null(s);
	assert_string_equal(s, want);
	assert_true(strlen(s) <= cmdline_size);
}

static void check_initrd(const struct fake_ram *r, const struct timg *rd, uint64_t want_addr)
{
	uint32_t addr = rd32(r, ZP + 0x218);

	assert_int_equal(addr, want_addr);
	assert_int_equal(addr % 4096, 0);
	assert_int_equal(rd32(r, ZP + 0x21c), rd->n);
	assert_memory_equal(fake_ram_at(r, addr, rd->n), rd->b, rd->n);
}

/* Protocol 2.06: 32-bit entry at 1 MiB even if xloadflags bits are set (the field does
 * not exist before 2.12); acpi_rsdp_addr not set (2.14+). */
static void test_v206_32bit(void **state)
{
	const struct tbz z = { .version = 0x0206, .setup_sects = 8, .xloadflags = 1,
			       .ksize = 0x5000, .initrd_addr_max = 0x37FFFFFF,
			       .cmdline_size = 255 };
	struct timg t = bz_build(&z), rd = mk_blob(0x3000, 3);
	struct load_blob b = { rd.b, rd.n, "initrd.img" };
	struct fake_ram r;
	struct load_request req;
	struct boot_cpu cpu;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 0);
	req = test_req(&t, &r, NAME, "root=/dev/vda console=ttyS0");
	req.initrds = &b;
	req.ninitrds = 1;
	req.acpi_rsdp = 0xE0000;
	expect_load_ok(&r, &req, &cpu);
	assert_true(pattern_at(&r, 0, 0x100000, z.ksize));
	assert_true(zero_at(&r, 0x100000 + z.ksize, 0x1000));
	check_zero_page(&r, &t, z.version, r.ne820);
	check_cmdline(&r, "root=/dev/vda console=ttyS0", 255);
	check_initrd(&r, &rd, 64 * MiB - 0x3000);
	assert_int_equal(rd64(&r, ZP + 0x070), 0);
	assert_int_equal(cpu.regs.rip, 0x100000);
	assert_int_equal(cpu.regs.rsi, ZP);
	assert_int_equal(cpu.regs.rbx | cpu.regs.rdi | cpu.regs.rbp, 0);
	check_flat_segments(&r, &cpu, false);
	fake_ram_free(&r);
	free(t.b);
	free(rd.b);
}

/* Protocol 2.15, XLF_KERNEL_64, setup_sects 0 (= 4), init_size above the image size,
 * initrd_addr_max at 32 MiB: long-mode entry at 1 MiB + 0x200, initrd below 32 MiB. */
static void test_v215_64bit(void **state)
{
	const struct tbz z = { .version = 0x020F, .setup_sects = 0, .xloadflags = 3,
			       .ksize = 0x8000, .init_size = 0x40000,
			       .initrd_addr_max = 0x1FFFFFF, .cmdline_size = 2047 };
	struct timg t = bz_build(&z), rd = mk_blob(0x5000, 4);
	struct load_blob b = { rd.b, rd.n, "initrd.img" };
	struct fake_ram r;
	struct load_request req;
	struct boot_cpu cpu;

	(void)state;
	assert_int_equal(tbz_kernel_off(&z), 5 * 512);
	fake_ram_init(&r, 64 * MiB, 0);
	req = test_req(&t, &r, NAME, "quiet");
	req.initrds = &b;
	req.ninitrds = 1;
	req.acpi_rsdp = 0xE0010;
	expect_load_ok(&r, &req, &cpu);
	assert_true(pattern_at(&r, 0, 0x100000, z.ksize));
	check_zero_page(&r, &t, z.version, r.ne820);
	assert_int_equal(rd64(&r, ZP + 0x250), 0); /* setup_data cleared */
	assert_int_equal(rd64(&r, ZP + 0x070), 0xE0010);
	check_cmdline(&r, "quiet", 2047);
	check_initrd(&r, &rd, 32 * MiB - 0x5000);
	assert_int_equal(cpu.regs.rip, 0x100200);
	assert_int_equal(cpu.regs.rsi, ZP);
	check_flat_segments(&r, &cpu, true);
	check_identity_map(&r, &cpu);
	fake_ram_free(&r);
	free(t.b);
	free(rd.b);
}

/* RAM split around the MMIO hole: the e820 copy has the high range, the initrd stays
 * below 4 GiB at the top of low RAM. No -append: an empty command line. */
static void test_split_layout(void **state)
{
	const struct tbz z = { .version = 0x020F, .setup_sects = 4, .xloadflags = 1,
			       .ksize = 0x4000, .initrd_addr_max = 0x7FFFFFFF,
			       .cmdline_size = 2047 };
	struct timg t = bz_build(&z), rd = mk_blob(0x2800, 5);
	struct load_blob b = { rd.b, rd.n, "initrd.img" };
	struct fake_ram r;
	struct load_request req;
	struct boot_cpu cpu;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 16 * MiB);
	assert_int_equal(r.e820[r.ne820 - 1].addr, 0x100000000ull);
	req = test_req(&t, &r, NAME, NULL);
	req.initrds = &b;
	req.ninitrds = 1;
	expect_load_ok(&r, &req, &cpu);
	check_zero_page(&r, &t, z.version, r.ne820);
	check_cmdline(&r, "", 2047);
	check_initrd(&r, &rd, 64 * MiB - 0x3000);
	assert_true(zero_at(&r, 0x100000000ull, 16 * MiB));
	fake_ram_free(&r);
	free(t.b);
	free(rd.b);
}

static void test_no_initrd(void **state)
{
	const struct tbz z = { .version = 0x020C, .setup_sects = 4, .ksize = 0x1000,
			       .initrd_addr_max = 0x37FFFFFF, .cmdline_size = 2047 };
	struct timg t = bz_build(&z);
	struct fake_ram r;
	struct load_request req;
	struct boot_cpu cpu;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 0);
	req = test_req(&t, &r, NAME, "x");
	expect_load_ok(&r, &req, &cpu);
	assert_int_equal(rd32(&r, ZP + 0x218), 0);
	assert_int_equal(rd32(&r, ZP + 0x21c), 0);
	assert_int_equal(cpu.regs.rip, 0x100000); /* 2.12 without XLF_KERNEL_64: 32-bit */
	check_flat_segments(&r, &cpu, false);
	fake_ram_free(&r);
	free(t.b);
}

/* ---- malformed images and requests ---- */

static void test_protocol_too_old(void **state)
{
	const struct tbz z = { .version = 0x0205, .setup_sects = 4, .ksize = 0x1000,
			       .initrd_addr_max = 0x37FFFFFF };
	struct timg t = bz_build(&z);
	struct fake_ram r;
	struct load_request req;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 0);
	req = test_req(&t, &r, NAME, NULL);
	expect_load_fail(&r, &req, -ENOEXEC, "boot protocol 2.05 is too old");
	fake_ram_free(&r);
	free(t.b);
}

static void test_setup_sects_beyond_file(void **state)
{
	const struct tbz z = { .version = 0x020F, .setup_sects = 4, .ksize = 0x1000,
			       .initrd_addr_max = 0x37FFFFFF, .cmdline_size = 100 };
	struct timg t = bz_build(&z);
	struct fake_ram r;
	struct load_request req;

	(void)state;
	t.b[0x1f1] = 200;
	fake_ram_init(&r, 64 * MiB, 0);
	req = test_req(&t, &r, NAME, NULL);
	expect_load_fail(&r, &req, -ENOEXEC, "setup_sects 200");
	fake_ram_free(&r);
	free(t.b);
}

static void test_truncated_header(void **state)
{
	const struct tbz z = { .version = 0x020F, .setup_sects = 4, .ksize = 0x1000,
			       .initrd_addr_max = 0x37FFFFFF, .cmdline_size = 100 };
	struct timg t = bz_build(&z);
	struct fake_ram r;
	struct load_request req;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 0);
	req = test_req(&t, &r, NAME, NULL);
	req.kernel_size = 0x230;
	expect_load_fail(&r, &req, -ENOEXEC, "truncated bzImage setup header");
	fake_ram_free(&r);
	free(t.b);
}

static void test_kernel_too_big(void **state)
{
	const struct tbz z = { .version = 0x020F, .setup_sects = 4, .ksize = 0x1000,
			       .init_size = 128 * MiB, .initrd_addr_max = 0x37FFFFFF,
			       .cmdline_size = 100 };
	struct timg t = bz_build(&z);
	struct fake_ram r;
	struct load_request req;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 0);
	req = test_req(&t, &r, NAME, NULL);
	expect_load_fail(&r, &req, -E2BIG, "kernel needs 0x8000000 bytes at 1 MiB");
	fake_ram_free(&r);
	free(t.b);
}

/* The initrd would have to overlap the kernel (its init_size area) to fit. */
static void test_initrd_overlaps_kernel(void **state)
{
	const struct tbz z = { .version = 0x020F, .setup_sects = 4, .ksize = 0x1000,
			       .init_size = 8 * MiB, .initrd_addr_max = 0x37FFFFFF,
			       .cmdline_size = 100 };
	struct timg t = bz_build(&z);
	struct load_blob b = { t.b, 60 * MiB, "big.img" };
	struct fake_ram r;
	struct load_request req;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 0);
	req = test_req(&t, &r, NAME, NULL);
	req.initrds = &b;
	req.ninitrds = 1;
	expect_load_fail(&r, &req, -E2BIG, "initrd 'big.img' (62914560 bytes) does not fit");
	fake_ram_free(&r);
	free(t.b);
}

/* initrd_addr_max below the end of the kernel leaves no room at all. */
static void test_initrd_addr_max_too_low(void **state)
{
	const struct tbz z = { .version = 0x020F, .setup_sects = 4, .ksize = 0x1000,
			       .init_size = 0x200000, .initrd_addr_max = 0x2FFFFF,
			       .cmdline_size = 100 };
	struct timg t = bz_build(&z);
	struct load_blob b = { t.b, 0x1000, "small.img" };
	struct fake_ram r;
	struct load_request req;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 0);
	req = test_req(&t, &r, NAME, NULL);
	req.initrds = &b;
	req.ninitrds = 1;
	expect_load_fail(&r, &req, -E2BIG, "initrd_addr_max 0x2fffff");
	fake_ram_free(&r);
	free(t.b);
}

static void test_bad_requests(void **state)
{
	const struct tbz z = { .version = 0x020F, .setup_sects = 4, .ksize = 0x1000,
			       .initrd_addr_max = 0x37FFFFFF, .cmdline_size = 16 };
	struct timg t = bz_build(&z);
	struct load_blob b[2] = { { t.b, 0x100, "a" }, { t.b, 0x100, "b" } };
	struct e820_entry many[129];
	struct fake_ram r;
	struct load_request req;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 0);
	req = test_req(&t, &r, NAME, NULL);
	req.initrds = b;
	req.ninitrds = 2;
	expect_load_fail(&r, &req, -EINVAL, "one initrd, 2 were given");
	req = test_req(&t, &r, NAME, "0123456789abcdefg");
	expect_load_fail(&r, &req, -E2BIG, "-append is 17 bytes, the kernel accepts at most 16");
	for (unsigned i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = (struct e820_entry){ i * 0x1000ull, 0x1000, E820_RAM };
	req = test_req(&t, &r, NAME, NULL);
	req.e820 = many;
	req.ne820 = ARRAY_SIZE(many);
	expect_load_fail(&r, &req, -E2BIG, "129 entries");
	fake_ram_free(&r);
	free(t.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v206_32bit),
		cmocka_unit_test(test_v215_64bit),
		cmocka_unit_test(test_split_layout),
		cmocka_unit_test(test_no_initrd),
		cmocka_unit_test(test_protocol_too_old),
		cmocka_unit_test(test_setup_sects_beyond_file),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_kernel_too_big),
		cmocka_unit_test(test_initrd_overlaps_kernel),
		cmocka_unit_test(test_initrd_addr_max_too_low),
		cmocka_unit_test(test_bad_requests),
	};

	log_quiet = true;
	return cmocka_run_group_tests_name("loader_bzimage", tests, NULL, NULL);
}
