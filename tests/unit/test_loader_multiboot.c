/* Multiboot v1 loading of crafted ELF32, ELF64 and a.out-kludge images into a fake guest
 * RAM: bytes at the right GPAs, BSS zeroed, entry state per spec §3.2, boot information
 * per §3.3, and every malformed image refused without writing guest memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "loader_images.h"
#include "vmm/loader/multiboot.h"

#define NAME "mb.elf"

static struct load_request mkreq(const struct timg *t, const struct fake_ram *r,
				 const char *append)
{
	return test_req(t, r, NAME, append);
}

static void check_entry_state(const struct fake_ram *r, const struct boot_cpu *cpu,
			      uint64_t entry)
{
	assert_int_equal(cpu->regs.rax, 0x2BADB002);
	assert_int_equal(cpu->regs.rbx, BOOT_MBI_ADDR);
	assert_int_equal(cpu->regs.rip, entry);
	check_flat_segments(r, cpu, false);
}

static const char *str_at(const struct fake_ram *r, uint64_t gpa)
{
	const char *s = (const char *)fake_ram_at(r, gpa, 1);

	assert_non_null(s);
	assert_non_null(fake_ram_at(r, gpa, strlen(s) + 1));
	assert_true(gpa + strlen(s) < Q35_EBDA_BASE);
	return s;
}

static void check_mmap(const struct fake_ram *r, uint64_t mbi)
{
	uint64_t mmap = rd32(r, mbi + MBI_MMAP_ADDR);

	assert_int_equal(rd32(r, mbi + MBI_MMAP_LENGTH), r->ne820 * 24);
	assert_true(mmap + r->ne820 * 24 <= Q35_EBDA_BASE);
	for (unsigned i = 0; i < r->ne820; i++) {
		uint64_t e = mmap + i * 24;

		assert_int_equal(rd32(r, e), 20);
		assert_int_equal(rd64(r, e + 4), r->e820[i].addr);
		assert_int_equal(rd64(r, e + 12), r->e820[i].size);
		assert_int_equal(rd32(r, e + 20), r->e820[i].type);
	}
}

/* Modules are page-aligned, above kernel_end, in order, not overlapping, with contents. */
static void check_modules(const struct fake_ram *r, uint64_t mbi, const struct load_blob *m,
			  unsigned n, uint64_t kernel_end)
{
	uint64_t list = rd32(r, mbi + MBI_MODS_ADDR), prev_end = kernel_end;

	assert_int_equal(rd32(r, mbi + MBI_MODS_COUNT), n);
	for (unsigned i = 0; i < n; i++) {
		uint64_t e = list + i * 16;
		uint32_t start = rd32(r, e), end = rd32(r, e + 4);

		assert_int_equal(start % 4096, 0);
		assert_true(start >= prev_end);
		assert_int_equal(end - start, m[i].size);
		assert_memory_equal(fake_ram_at(r, start, m[i].size), m[i].data, m[i].size);
		assert_string_equal(str_at(r, rd32(r, e + 8)), m[i].name);
		prev_end = end;
	}
}

static void test_elf32(void **state)
{
	static const struct tseg segs[] = {
		{ 0x100000, 0x100000, 0x3000, 0x3000 },
		{ 0x500, 0x500, 0x10, 0x10, PT_NOTE },  /* not loaded */
		{ 0x200000, 0x200000, 0x123, 0x5000 }, /* BSS 0x200123-0x204fff */
	};
	struct timg mod1 = timg_alloc(5000), mod2 = timg_alloc(0x2000);
	struct load_blob mods[] = { { mod1.b, mod1.n, "mod1.bin" },
				    { mod2.b, mod2.n, "initrd.img" } };
	struct timg t = elf_build(ELFCLASS32, EM_386, 0x100010, segs, 3);
	struct fake_ram r;
	struct load_request req;
	struct boot_cpu cpu;
	uint64_t mbi;

	(void)state;
	for (size_t k = 0; k < mod1.n; k++)
		mod1.b[k] = pattern(5, k);
	for (size_t k = 0; k < mod2.n; k++)
		mod2.b[k] = pattern(6, k);
	mbh_put(t.b + MBH_OFF, MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO);
	fake_ram_init(&r, 64 * MiB, 0);
	memset(fake_ram_at(&r, 0x200000, 0x5000), 0xCC, 0x5000); /* stale BSS */
	req = mkreq(&t, &r, "console=ttyS0 debug");
	req.initrds = mods;
	req.ninitrds = 2;
	expect_load_ok(&r, &req, &cpu);

	assert_true(pattern_at(&r, 0, 0x100000, 0x3000));
	assert_true(pattern_at(&r, 2, 0x200000, 0x123));
	assert_true(zero_at(&r, 0x200123, 0x5000 - 0x123));
	assert_true(zero_at(&r, 0x500, 0x10));
	check_entry_state(&r, &cpu, 0x100010);

	mbi = cpu.regs.rbx;
	assert_true(mbi + MBI_SIZE <= Q35_EBDA_BASE);
	assert_int_equal(rd32(&r, mbi + MBI_FLAGS),
			 1 << 0 | 1 << 2 | 1 << 3 | 1 << 6 | 1 << 9);
	assert_int_equal(rd32(&r, mbi + MBI_MEM_LOWER), 639);
	assert_int_equal(rd32(&r, mbi + MBI_MEM_UPPER), (64 * MiB - MiB) / 1024);
	assert_string_equal(str_at(&r, rd32(&r, mbi + MBI_CMDLINE)), NAME " console=ttyS0 debug");
	assert_string_equal(str_at(&r, rd32(&r, mbi + MBI_LOADER_NAME)), "enlight");
	check_mmap(&r, mbi);
	check_modules(&r, mbi, mods, 2, 0x205000);
	fake_ram_free(&r);
	free(t.b);
	free(mod1.b);
	free(mod2.b);
}

/* ELF64 multiboot kernel linked in the higher half: loaded at p_paddr, entry translated
 * to its physical address; no -append gives the bare name as command line. */
static void test_elf64_higher_half(void **state)
{
	static const struct tseg segs[] = {
		{ 0xFFFFFFFF80100000ull, 0x100000, 0x2000, 0x3000 },
	};
	struct timg t = elf_build(ELFCLASS64, EM_X86_64, 0xFFFFFFFF80100040ull, segs, 1);
	struct fake_ram r;
	struct load_request req;
	struct boot_cpu cpu;

	(void)state;
	mbh_put(t.b + MBH_OFF, 0);
	fake_ram_init(&r, 64 * MiB, 0);
	req = mkreq(&t, &r, NULL);
	expect_load_ok(&r, &req, &cpu);
	assert_true(pattern_at(&r, 0, 0x100000, 0x2000));
	assert_true(zero_at(&r, 0x102000, 0x1000));
	check_entry_state(&r, &cpu, 0x100040);
	assert_string_equal(str_at(&r, rd32(&r, cpu.regs.rbx + MBI_CMDLINE)), NAME);
	assert_int_equal(rd32(&r, cpu.regs.rbx + MBI_MODS_COUNT), 0);
	fake_ram_free(&r);
	free(t.b);
}

/* A raw binary with the a.out kludge: text from the file, BSS up to bss_end_addr. */
static void test_aout_kludge(void **state)
{
	struct timg t = timg_alloc(0x3000);
	struct fake_ram r;
	struct load_request req;
	struct boot_cpu cpu;

	(void)state;
	for (size_t k = 0; k < t.n; k++)
		t.b[k] = pattern(0, k);
	mbh_put_aout(t.b + 0x40, 0x100040, 0x100000, 0, 0x107000, 0x100080);
	fake_ram_init(&r, 64 * MiB, 0);
	memset(fake_ram_at(&r, 0x103000, 0x4000), 0xCC, 0x4000);
	req = mkreq(&t, &r, "x");
	expect_load_ok(&r, &req, &cpu);
	assert_memory_equal(fake_ram_at(&r, 0x100000, t.n), t.b, t.n);
	assert_true(zero_at(&r, 0x103000, 0x4000));
	check_entry_state(&r, &cpu, 0x100080);
	fake_ram_free(&r);

	/* load_end_addr short of the file, no BSS: only that much is copied. */
	mbh_put_aout(t.b + 0x40, 0x100040, 0x100000, 0x102000, 0, 0x100080);
	fake_ram_init(&r, 64 * MiB, 0);
	req = mkreq(&t, &r, NULL);
	expect_load_ok(&r, &req, &cpu);
	assert_memory_equal(fake_ram_at(&r, 0x100000, 0x2000), t.b, 0x2000);
	assert_true(zero_at(&r, 0x102000, 0x1000));
	fake_ram_free(&r);

	/* Header not at the start: text begins header_addr - load_addr before it. */
	mbh_put_aout(t.b + 0x40, 0x200010, 0x200000, 0, 0, 0x200000);
	fake_ram_init(&r, 64 * MiB, 0);
	req = mkreq(&t, &r, NULL);
	expect_load_ok(&r, &req, &cpu);
	assert_memory_equal(fake_ram_at(&r, 0x200000, t.n - 0x30), t.b + 0x30, t.n - 0x30);
	fake_ram_free(&r);
	free(t.b);
}

/* Flags bit 16 wins over the ELF program headers (spec §3.1.3). */
static void test_aout_precedence_over_elf(void **state)
{
	static const struct tseg segs[] = { { 0x200000, 0x200000, 0x1000, 0x1000 } };
	struct timg t = elf_build(ELFCLASS32, EM_386, 0x200000, segs, 1);
	struct fake_ram r;
	struct load_request req;
	struct boot_cpu cpu;

	(void)state;
	mbh_put_aout(t.b + MBH_OFF, 0x300000 + MBH_OFF, 0x300000, 0, 0, 0x300000 + ELF_DATA0);
	fake_ram_init(&r, 64 * MiB, 0);
	req = mkreq(&t, &r, NULL);
	expect_load_ok(&r, &req, &cpu);
	assert_memory_equal(fake_ram_at(&r, 0x300000, t.n), t.b, t.n);
	assert_true(zero_at(&r, 0x200000, 0x1000));
	assert_int_equal(cpu.regs.rip, 0x300000 + ELF_DATA0);
	fake_ram_free(&r);
	free(t.b);
}

/* Kernel at 4 MiB with a 12 MiB BSS: all zeroed, the module goes above the BSS. */
static void test_4m_kernel_12m_bss(void **state)
{
	static const struct tseg segs[] = {
		{ 0x400000, 0x400000, 0x1800, 0x1800 + 12 * MiB },
	};
	struct timg t = elf_build(ELFCLASS32, EM_386, 0x400000, segs, 1);
	struct timg mod = timg_alloc(0x3000);
	struct load_blob m = { mod.b, mod.n, "mod" };
	struct fake_ram r;
	struct load_request req;
	struct boot_cpu cpu;

	(void)state;
	memset(mod.b, 0x5A, mod.n);
	mbh_put(t.b + MBH_OFF, MB_HF_PAGE_ALIGN);
	fake_ram_init(&r, 64 * MiB, 0);
	memset(fake_ram_at(&r, 0x400000, 0x1800 + 12 * MiB), 0xCC, 0x1800 + 12 * MiB);
	req = mkreq(&t, &r, "a b");
	req.initrds = &m;
	req.ninitrds = 1;
	expect_load_ok(&r, &req, &cpu);
	assert_true(pattern_at(&r, 0, 0x400000, 0x1800));
	assert_true(zero_at(&r, 0x401800, 12 * MiB));
	check_entry_state(&r, &cpu, 0x400000);
	check_modules(&r, cpu.regs.rbx, &m, 1, 0x401800 + 12 * MiB);
	fake_ram_free(&r);
	free(t.b);
	free(mod.b);
}

/* ---- malformed images: an error naming the file and the reason, RAM untouched ---- */

#define MB_SEG1M { { 0x100000, 0x100000, 0x100, 0x100 } }, 1

static const struct elf_bad_case bad_images[] = {
	{ "multiboot header at offset 0x1000 has a bad checksum", -ENOEXEC, ELFCLASS32, EM_386,
	  0x100000, MB_SEG1M, .multiboot = true, .mb_bad_sum = true },
	{ "requires unsupported features (flags bits 0x8)", -ENOEXEC, ELFCLASS32, EM_386,
	  0x100000, MB_SEG1M, .multiboot = true, .mb_flags = 1u << 3 },
	{ "ELF machine 62 is not EM_386", -ENOEXEC, ELFCLASS32, EM_X86_64, 0x100000, MB_SEG1M,
	  .multiboot = true },
	{ "entry point 0x180000000 is above 4 GiB", -ENOEXEC, ELFCLASS64, EM_X86_64,
	  0x180000000ull, MB_SEG1M, .multiboot = true },
	{ "program header 1 (0x8000000+0x1000) lies outside guest RAM (64 MiB)", -ERANGE,
	  ELFCLASS32, EM_386, 0x100000,
	  { { 0x100000, 0x100000, 0x1000, 0x1000 }, { 0x8000000, 0x8000000, 0x100, 0x1000 } },
	  2, .multiboot = true },
	/* Split RAM: straddling the end of low RAM, in the IOAPIC page, in high RAM (out of
	 * reach in 32-bit mode). */
	{ "(0x3fff000+0x2000) lies outside guest RAM (80 MiB) or crosses an MMIO hole", -ERANGE,
	  ELFCLASS64, EM_X86_64, 0x100000, { { 0x3fff000, 0x3fff000, 0x100, 0x2000 } }, 1,
	  .split = true, .multiboot = true },
	{ "(0xfec00000+0x1000) lies outside guest RAM", -ERANGE, ELFCLASS64, EM_X86_64,
	  0x100000, { { 0xFEC00000, 0xFEC00000, 0x100, 0x1000 } }, 1, .split = true,
	  .multiboot = true },
	{ "ends above 0x100000000", -ERANGE, ELFCLASS64, EM_X86_64, 0x100000,
	  { { 0x100000000ull, 0x100000000ull, 0x100, 0x1000 } }, 1, .split = true,
	  .multiboot = true },
	{ "overlaps the loader's boot data", -ERANGE, ELFCLASS32, EM_386, 0x18000,
	  { { 0x18000, 0x18000, 0x100, 0x100 } }, 1, .multiboot = true },
	{ "(0xf0000+0x100) is not usable RAM in the e820 map", -ERANGE, ELFCLASS32, EM_386,
	  0xf0000, { { 0xf0000, 0xf0000, 0x100, 0x100 } }, 1, .multiboot = true },
};

static void test_bad_images(void **state)
{
	(void)state;
	run_elf_bad_cases(bad_images, ARRAY_SIZE(bad_images), NAME);
}

static void test_unaligned_header(void **state)
{
	struct timg t = timg_alloc(256);
	struct fake_ram r;
	struct load_request req;

	(void)state;
	mbh_put_aout(t.b + 6, 0x100006, 0x100000, 0, 0, 0x100000);
	fake_ram_init(&r, 64 * MiB, 0);
	req = mkreq(&t, &r, NULL);
	expect_load_fail(&r, &req, -ENOEXEC, "not 4-byte aligned");
	fake_ram_free(&r);
	free(t.b);
}

static void test_truncated_header(void **state)
{
	struct timg t = timg_alloc(8);
	struct timg t2 = timg_alloc(0x40 + 12);
	struct fake_ram r;
	struct load_request req;

	(void)state;
	wr32(t.b, 0x1BADB002);
	fake_ram_init(&r, 64 * MiB, 0);
	req = mkreq(&t, &r, NULL);
	expect_load_fail(&r, &req, -ENOEXEC, "truncated multiboot header");
	/* Flags bit 16 announces 20 more bytes than the file has. */
	mbh_put(t2.b + 0x40, 1u << 16);
	req = mkreq(&t2, &r, NULL);
	expect_load_fail(&r, &req, -ENOEXEC, "truncated multiboot header");
	fake_ram_free(&r);
	free(t.b);
	free(t2.b);
}

static void test_aout_inconsistent(void **state)
{
	struct timg t = timg_alloc(0x2000);
	struct fake_ram r;
	struct load_request req;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 0);
	req = mkreq(&t, &r, NULL);
	mbh_put_aout(t.b + 0x40, 0x100040, 0x100080, 0, 0, 0x100080);
	expect_load_fail(&r, &req, -ENOEXEC, "load_addr 0x100080 is above header_addr 0x100040");
	mbh_put_aout(t.b + 0x40, 0x100040, 0x100000, 0x103000, 0, 0x100000);
	expect_load_fail(&r, &req, -ENOEXEC, "beyond the end of the file");
	mbh_put_aout(t.b + 0x40, 0x100100, 0x100000, 0, 0, 0x100000);
	expect_load_fail(&r, &req, -ENOEXEC, "header is at file offset 0x40");
	mbh_put_aout(t.b + 0x40, 0x100040, 0x100000, 0x101000, 0x100800, 0x100000);
	expect_load_fail(&r, &req, -ENOEXEC, "bss_end_addr 0x100800");
	mbh_put_aout(t.b + 0x40, 0x100040, 0x100000, 0x100000 - 1, 0, 0x100000);
	expect_load_fail(&r, &req, -ENOEXEC, "below load_addr");
	fake_ram_free(&r);
	free(t.b);
}

/* Class 3 is no ELF class; without the a.out kludge the image must be ELF. */
static void test_elf_class_and_format(void **state)
{
	static const struct tseg segs[] = { { 0x100000, 0x100000, 0x100, 0x100 } };
	struct timg t = elf_build(ELFCLASS32, EM_386, 0x100000, segs, 1);
	struct timg raw = timg_alloc(0x100);
	struct fake_ram r;
	struct load_request req;

	(void)state;
	mbh_put(t.b + MBH_OFF, 0);
	t.b[EI_CLASS] = 3;
	mbh_put(raw.b + 0x10, 0);
	fake_ram_init(&r, 64 * MiB, 0);
	req = mkreq(&t, &r, NULL);
	expect_load_fail(&r, &req, -ENOEXEC, "ELF class 3");
	req = mkreq(&raw, &r, NULL);
	expect_load_fail(&r, &req, -ENOEXEC, "not ELF");
	fake_ram_free(&r);
	free(t.b);
	free(raw.b);
}

static void test_truncated_elf(void **state)
{
	static const struct tseg segs[] = { { 0x100000, 0x100000, 0x1000, 0x1000 } };
	struct timg t = elf_build(ELFCLASS32, EM_386, 0x100000, segs, 1);
	struct fake_ram r;
	struct load_request req;
	Elf32_Ehdr eh;
	Elf32_Phdr ph;

	(void)state;
	mbh_put(t.b + MBH_OFF, 0);
	fake_ram_init(&r, 64 * MiB, 0);
	req = mkreq(&t, &r, NULL);
	/* Segment runs past the end of the file. */
	memcpy(&ph, t.b + ELF_PHOFF, sizeof(ph));
	ph.p_filesz = ph.p_memsz = 0x1001;
	memcpy(t.b + ELF_PHOFF, &ph, sizeof(ph));
	expect_load_fail(&r, &req, -ENOEXEC, "program header 0: segment (offset 0x2000, 0x1001 bytes) runs past the end of the file");
	/* filesz > memsz. */
	ph.p_memsz = 0x800;
	ph.p_filesz = 0x1000;
	memcpy(t.b + ELF_PHOFF, &ph, sizeof(ph));
	expect_load_fail(&r, &req, -ENOEXEC, "exceeds memory size");
	/* Program header table past the end of the file. */
	memcpy(&eh, t.b, sizeof(eh));
	eh.e_phoff = (Elf32_Off)(t.n - 16);
	memcpy(t.b, &eh, sizeof(eh));
	expect_load_fail(&r, &req, -ENOEXEC, "truncated program headers");
	/* ELF header itself cut short (the multiboot header moved into its tail). */
	memmove(t.b + 36, t.b + MBH_OFF, 12);
	req.kernel_size = 48;
	expect_load_fail(&r, &req, -ENOEXEC, "truncated ELF header");
	fake_ram_free(&r);
	free(t.b);
}

static void test_module_does_not_fit(void **state)
{
	static const struct tseg segs[] = { { 0x100000, 0x100000, 0x100, 0x100 } };
	struct timg t = elf_build(ELFCLASS32, EM_386, 0x100000, segs, 1);
	struct load_blob m[2] = { { t.b, 0x1000, "small" }, { t.b, 63 * MiB, "huge.img" } };
	struct fake_ram r;
	struct load_request req;

	(void)state;
	mbh_put(t.b + MBH_OFF, 0);
	fake_ram_init(&r, 64 * MiB, 0);
	req = mkreq(&t, &r, NULL);
	req.initrds = m;
	req.ninitrds = 2;
	expect_load_fail(&r, &req, -E2BIG, "module 'huge.img'");
	fake_ram_free(&r);
	free(t.b);
}

static void test_not_a_kernel(void **state)
{
	struct timg t = timg_alloc(4096);
	struct fake_ram r;
	struct load_request req;

	(void)state;
	memset(t.b, 0x90, t.n);
	fake_ram_init(&r, 64 * MiB, 0);
	req = mkreq(&t, &r, NULL);
	expect_load_fail(&r, &req, -ENOEXEC, "not a multiboot, bzImage or ELF64 image");
	req.kernel_size = 0;
	expect_load_fail(&r, &req, -ENOEXEC, "empty");
	fake_ram_free(&r);
	free(t.b);
}

/* Guest RAM too small for the loader's own area: refused before anything is written. */
static void test_tiny_ram(void **state)
{
	static const struct tseg segs[] = { { 0x8000, 0x8000, 0x100, 0x100 } };
	struct timg t = elf_build(ELFCLASS32, EM_386, 0x8000, segs, 1);
	struct fake_ram r;
	struct load_request req;

	(void)state;
	mbh_put(t.b + MBH_OFF, 0);
	fake_ram_init(&r, 0x20000, 0);
	req = mkreq(&t, &r, NULL);
	expect_load_fail(&r, &req, -ERANGE, "boot data area");
	fake_ram_free(&r);
	free(t.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_elf32),
		cmocka_unit_test(test_elf64_higher_half),
		cmocka_unit_test(test_aout_kludge),
		cmocka_unit_test(test_aout_precedence_over_elf),
		cmocka_unit_test(test_4m_kernel_12m_bss),
		cmocka_unit_test(test_bad_images),
		cmocka_unit_test(test_unaligned_header),
		cmocka_unit_test(test_truncated_header),
		cmocka_unit_test(test_aout_inconsistent),
		cmocka_unit_test(test_elf_class_and_format),
		cmocka_unit_test(test_truncated_elf),
		cmocka_unit_test(test_module_does_not_fit),
		cmocka_unit_test(test_not_a_kernel),
		cmocka_unit_test(test_tiny_ram),
	};

	log_quiet = true;
	return cmocka_run_group_tests_name("loader_multiboot", tests, NULL, NULL);
}
