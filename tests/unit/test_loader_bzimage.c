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

/* One successful load: image from z, an initrd of initrd_size bytes (pattern 3) if
 * non-zero, RAM of low (+ high at 4 GiB) bytes. */
struct bz_fix {
	struct tbz z;
	struct timg t, rd;
	struct load_blob b;
	struct fake_ram r;
	struct load_request req;
	struct boot_cpu cpu;
};

static void bz_fix_load(struct bz_fix *f, size_t initrd_size, uint64_t low, uint64_t high,
			const char *append, uint64_t rsdp)
{
	f->t = bz_build(&f->z);
	f->rd = mk_blob(initrd_size ? initrd_size : 1, 3);
	f->rd.n = initrd_size;
	f->b = (struct load_blob){ f->rd.b, f->rd.n, "initrd.img" };
	fake_ram_init(&f->r, low, high);
	f->req = test_req(&f->t, &f->r, NAME, append);
	f->req.initrds = &f->b;
	f->req.ninitrds = initrd_size ? 1 : 0;
	f->req.acpi_rsdp = rsdp;
	expect_load_ok(&f->r, &f->req, &f->cpu);
	assert_true(pattern_at(&f->r, 0, 0x100000, f->z.ksize));
	assert_int_equal(f->cpu.regs.rsi, ZP);
	check_zero_page(&f->r, &f->t, f->z.version, f->r.ne820);
}

static void bz_fix_free(struct bz_fix *f)
{
	fake_ram_free(&f->r);
	free(f->t.b);
	free(f->rd.b);
}

/* Protocol 2.06: 32-bit entry at 1 MiB even if xloadflags bits are set (the field does
 * not exist before 2.12); acpi_rsdp_addr not set (2.14+). */
static void test_v206_32bit(void **state)
{
	struct bz_fix f = { .z = { .version = 0x0206, .setup_sects = 8, .xloadflags = 1,
				   .ksize = 0x5000, .initrd_addr_max = 0x37FFFFFF,
				   .cmdline_size = 255 } };

	(void)state;
	bz_fix_load(&f, 0x3000, 64 * MiB, 0, "root=/dev/vda console=ttyS0", 0xE0000);
	assert_true(zero_at(&f.r, 0x100000 + f.z.ksize, 0x1000));
	check_cmdline(&f.r, "root=/dev/vda console=ttyS0", 255);
	check_initrd(&f.r, &f.rd, 64 * MiB - 0x3000);
	assert_int_equal(rd64(&f.r, ZP + 0x070), 0);
	assert_int_equal(f.cpu.regs.rip, 0x100000);
	assert_int_equal(f.cpu.regs.rbx | f.cpu.regs.rdi | f.cpu.regs.rbp, 0);
	check_flat_segments(&f.r, &f.cpu, false);
	bz_fix_free(&f);
}

/* Protocol 2.15, XLF_KERNEL_64, setup_sects 0 (= 4), init_size above the image size,
 * initrd_addr_max at 32 MiB: long-mode entry at 1 MiB + 0x200, initrd below 32 MiB. */
static void test_v215_64bit(void **state)
{
	struct bz_fix f = { .z = { .version = 0x020F, .setup_sects = 0, .xloadflags = 3,
				   .ksize = 0x8000, .init_size = 0x40000,
				   .initrd_addr_max = 0x1FFFFFF, .cmdline_size = 2047 } };

	(void)state;
	assert_int_equal(tbz_kernel_off(&f.z), 5 * 512);
	bz_fix_load(&f, 0x5000, 64 * MiB, 0, "quiet", 0xE0010);
	assert_int_equal(rd64(&f.r, ZP + 0x250), 0); /* setup_data cleared */
	assert_int_equal(rd64(&f.r, ZP + 0x070), 0xE0010);
	check_cmdline(&f.r, "quiet", 2047);
	check_initrd(&f.r, &f.rd, 32 * MiB - 0x5000);
	assert_int_equal(f.cpu.regs.rip, 0x100200);
	check_flat_segments(&f.r, &f.cpu, true);
	check_identity_map(&f.r, &f.cpu);
	bz_fix_free(&f);
}

/* RAM split around the MMIO hole: the e820 copy has the high range, the initrd stays
 * below 4 GiB at the top of low RAM. No -append: an empty command line. */
static void test_split_layout(void **state)
{
	struct bz_fix f = { .z = { .version = 0x020F, .setup_sects = 4, .xloadflags = 1,
				   .ksize = 0x4000, .initrd_addr_max = 0x7FFFFFFF,
				   .cmdline_size = 2047 } };

	(void)state;
	bz_fix_load(&f, 0x2800, 64 * MiB, 16 * MiB, NULL, 0);
	assert_int_equal(f.r.e820[f.r.ne820 - 1].addr, 0x100000000ull);
	check_cmdline(&f.r, "", 2047);
	check_initrd(&f.r, &f.rd, 64 * MiB - 0x3000);
	assert_true(zero_at(&f.r, 0x100000000ull, 16 * MiB));
	bz_fix_free(&f);
}

/* 2.12 without XLF_KERNEL_64: 32-bit entry; no initrd: ramdisk fields 0. */
static void test_no_initrd(void **state)
{
	struct bz_fix f = { .z = { .version = 0x020C, .setup_sects = 4, .ksize = 0x1000,
				   .initrd_addr_max = 0x37FFFFFF, .cmdline_size = 2047 } };

	(void)state;
	bz_fix_load(&f, 0, 64 * MiB, 0, "x", 0);
	assert_int_equal(rd32(&f.r, ZP + 0x218), 0);
	assert_int_equal(rd32(&f.r, ZP + 0x21c), 0);
	assert_int_equal(f.cpu.regs.rip, 0x100000);
	check_flat_segments(&f.r, &f.cpu, false);
	bz_fix_free(&f);
}

/* ---- malformed images and requests ---- */

struct bz_bad_case {
	const char *why;
	int rc;
	struct tbz z;
	uint8_t setup_sects_patch; /* written over setup_sects after building, if non-zero */
	size_t truncate;           /* file cut to this size, if non-zero */
	uint64_t initrd_size;      /* one initrd of this size, if non-zero */
};

#define BZ(...) { .setup_sects = 4, .ksize = 0x1000, .cmdline_size = 100, __VA_ARGS__ }
#define MAX_DEFAULT .initrd_addr_max = 0x37FFFFFF

static const struct bz_bad_case bad_images[] = {
	{ "boot protocol 2.05 is too old", -ENOEXEC, BZ(.version = 0x0205, MAX_DEFAULT) },
	{ "setup_sects 200", -ENOEXEC, BZ(.version = 0x020F, MAX_DEFAULT), .setup_sects_patch = 200 },
	{ "truncated bzImage setup header", -ENOEXEC, BZ(.version = 0x020F, MAX_DEFAULT), .truncate = 0x230 },
	{ "kernel needs 0x8000000 bytes at 1 MiB", -E2BIG,
	  BZ(.version = 0x020F, .init_size = 128 * MiB, MAX_DEFAULT) },
	/* The initrd would have to overlap the kernel's init_size area to fit. */
	{ "initrd 'initrd.img' (62914560 bytes) does not fit", -E2BIG,
	  BZ(.version = 0x020F, .init_size = 8 * MiB, MAX_DEFAULT), .initrd_size = 60 * MiB },
	/* initrd_addr_max below the end of the kernel leaves no room at all. */
	{ "initrd_addr_max 0x2fffff", -E2BIG,
	  BZ(.version = 0x020F, .init_size = 0x200000, .initrd_addr_max = 0x2FFFFF),
	  .initrd_size = 0x1000 },
};

static void test_bad_images(void **state)
{
	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(bad_images); i++) {
		const struct bz_bad_case *c = &bad_images[i];
		struct timg t = bz_build(&c->z);
		/* Never read: every case fails before copying the initrd. */
		struct load_blob b = { t.b, c->initrd_size, "initrd.img" };
		struct fake_ram r;
		struct load_request req;

		if (c->setup_sects_patch)
			t.b[0x1f1] = c->setup_sects_patch;
		fake_ram_init(&r, 64 * MiB, 0);
		req = test_req(&t, &r, NAME, NULL);
		if (c->truncate)
			req.kernel_size = c->truncate;
		if (c->initrd_size) {
			req.initrds = &b;
			req.ninitrds = 1;
		}
		expect_load_fail(&r, &req, c->rc, c->why);
		fake_ram_free(&r);
		free(t.b);
	}
}

static void test_bad_requests(void **state)
{
	const struct tbz z = { .version = 0x020F, .setup_sects = 4, .ksize = 0x1000,
			       .initrd_addr_max = 0x37FFFFFF, .cmdline_size = 16 };
	struct timg t = bz_build(&z);
	struct e820_entry many[129];
	struct fake_ram r;
	struct load_request req;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 0);
	expect_two_initrds_refused(&t, &r, NAME);
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
		cmocka_unit_test(test_bad_images),
		cmocka_unit_test(test_bad_requests),
	};

	log_quiet = true;
	return cmocka_run_group_tests_name("loader_bzimage", tests, NULL, NULL);
}
