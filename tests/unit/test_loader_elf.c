/* ELF64 direct boot of crafted images into a fake guest RAM: segments at p_paddr (also in
 * RAM above 4 GiB), BSS zeroed, long-mode entry state and the boot info block documented
 * in elf64.h, and every malformed image refused without writing guest memory. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

#include "loader_images.h"
#include "vmm/loader/elf64.h"

#define NAME "kernel.elf"

static void check_info(const struct fake_ram *r, const struct boot_cpu *cpu, const char *cmdline,
		       uint64_t rsdp)
{
	uint64_t info = cpu->regs.rdi, e820;
	const char *s;

	assert_int_equal(info, BOOT_INFO_ADDR);
	assert_int_equal(cpu->regs.rsi, 0);
	assert_int_equal(cpu->regs.rsp, BOOT_STACK_TOP);
	assert_int_equal(rd32(r, info), ELF64_BOOT_MAGIC);
	assert_memory_equal(fake_ram_at(r, info, 4), "ENLB", 4);
	assert_int_equal(rd32(r, info + 4), 1);
	s = (const char *)fake_ram_at(r, rd64(r, info + 8), strlen(cmdline) + 1);
	assert_non_null(s);
	assert_string_equal(s, cmdline);
	e820 = rd64(r, info + 16);
	assert_int_equal(rd32(r, info + 24), r->ne820);
	for (unsigned i = 0; i < r->ne820; i++) {
		assert_int_equal(rd64(r, e820 + i * 20), r->e820[i].addr);
		assert_int_equal(rd64(r, e820 + i * 20 + 8), r->e820[i].size);
		assert_int_equal(rd32(r, e820 + i * 20 + 16), r->e820[i].type);
	}
	assert_int_equal(rd64(r, info + 32), rsdp);
}

static void test_direct(void **state)
{
	static const struct tseg segs[] = {
		{ 0x100000, 0x100000, 0x2000, 0x2000 },
		{ 0, 0, 0x20, 0x20, PT_NOTE },
		{ 0x200000, 0x200000, 0x300, 0x4000 },
	};
	struct timg t = elf_build(ELFCLASS64, EM_X86_64, 0x100100, segs, 3);
	struct timg rd = timg_alloc(0x1800);
	struct load_blob b = { rd.b, rd.n, "rd.img" };
	struct fake_ram r;
	struct load_request req;
	struct boot_cpu cpu;
	uint64_t info;

	(void)state;
	memset(rd.b, 0x6B, rd.n);
	fake_ram_init(&r, 64 * MiB, 0);
	memset(fake_ram_at(&r, 0x200000, 0x4000), 0xCC, 0x4000);
	req = test_req(&t, &r, NAME, "hello world");
	req.initrds = &b;
	req.ninitrds = 1;
	req.acpi_rsdp = 0xE0000;
	expect_load_ok(&r, &req, &cpu);
	assert_true(pattern_at(&r, 0, 0x100000, 0x2000));
	assert_true(pattern_at(&r, 2, 0x200000, 0x300));
	assert_true(zero_at(&r, 0x200300, 0x4000 - 0x300));
	assert_int_equal(cpu.regs.rip, 0x100100);
	check_flat_segments(&r, &cpu, true);
	check_identity_map(&r, &cpu);
	check_info(&r, &cpu, "hello world", 0xE0000);
	info = cpu.regs.rdi;
	assert_int_equal(rd64(&r, info + 40), 64 * MiB - 0x2000);
	assert_int_equal(rd64(&r, info + 48), rd.n);
	assert_memory_equal(fake_ram_at(&r, 64 * MiB - 0x2000, rd.n), rd.b, rd.n);
	fake_ram_free(&r);
	free(t.b);
	free(rd.b);
}

/* A higher-half kernel enters at the physical alias of e_entry; a segment in RAM above
 * 4 GiB is loaded there; no -append gives an empty command line; no initrd gives 0/0. */
static void test_high_half_and_high_ram(void **state)
{
	static const struct tseg segs[] = {
		{ 0xFFFFFFFF81000000ull, 0x1000000, 0x1000, 0x1000 },
		{ 0xFFFFFFFF90000000ull, 0x100000000ull, 0x800, 0x2000 },
	};
	struct timg t = elf_build(ELFCLASS64, EM_X86_64, 0xFFFFFFFF81000010ull, segs, 2);
	struct fake_ram r;
	struct load_request req;
	struct boot_cpu cpu;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 16 * MiB);
	memset(fake_ram_at(&r, 0x100000000ull, 0x2000), 0xCC, 0x2000);
	req = test_req(&t, &r, NAME, NULL);
	expect_load_ok(&r, &req, &cpu);
	assert_true(pattern_at(&r, 0, 0x1000000, 0x1000));
	assert_true(pattern_at(&r, 1, 0x100000000ull, 0x800));
	assert_true(zero_at(&r, 0x100000800ull, 0x1800));
	assert_int_equal(cpu.regs.rip, 0x1000010);
	check_info(&r, &cpu, "", 0);
	assert_int_equal(rd64(&r, BOOT_INFO_ADDR + 40), 0);
	assert_int_equal(rd64(&r, BOOT_INFO_ADDR + 48), 0);
	fake_ram_free(&r);
	free(t.b);
}

/* ---- malformed images ---- */

static const struct elf_bad_case bad_cases[] = {
	{ "only ELF64 boots without a multiboot header", -ENOEXEC, ELFCLASS32, EM_386, 0x100000,
	  { { 0x100000, 0x100000, 0x10, 0x10 } }, 1 },
	{ "ELF machine 3 is not EM_X86_64", -ENOEXEC, ELFCLASS64, EM_386, 0x100000,
	  { { 0x100000, 0x100000, 0x10, 0x10 } }, 1 },
	{ "no PT_LOAD", -ENOEXEC, ELFCLASS64, EM_X86_64, 0x100000,
	  { { 0x100000, 0x100000, 0x10, 0x10, PT_NOTE } }, 1 },
	{ "program header 2 (0x100000+0x8000000) lies outside guest RAM (64 MiB)", -ERANGE,
	  ELFCLASS64, EM_X86_64, 0x100000,
	  { { 0x100000, 0x100000, 0x10, 0x10 }, { 0, 0, 0, 0, PT_NOTE },
	    { 0x100000, 0x100000, 0x10, 0x8000000 } }, 3 },
	{ "program header 0 (0x3fff000+0x2000) lies outside guest RAM (80 MiB) or crosses an MMIO hole",
	  -ERANGE, ELFCLASS64, EM_X86_64, 0x3fff000,
	  { { 0x3fff000, 0x3fff000, 0x10, 0x2000 } }, 1, true },
	{ "program header 0 (0xfec00000+0x1000) lies outside guest RAM", -ERANGE, ELFCLASS64,
	  EM_X86_64, 0x100000, { { 0xFEC00000, 0xFEC00000, 0x10, 0x1000 } }, 1, true },
	{ "program header 0 (0x10fff000+0x2000) lies outside", -ERANGE, ELFCLASS64, EM_X86_64,
	  0x100000, { { 0x10FFF000, 0x10FFF000, 0x10, 0x2000 } }, 1, true },
	{ "entry point 0x100000010 is above 4 GiB", -ENOEXEC, ELFCLASS64, EM_X86_64,
	  0x100000010ull, { { 0x100000000ull, 0x100000000ull, 0x100, 0x100 } }, 1, true },
	{ "overlaps the loader's boot data at 0x1000-0x2ffff", -ERANGE, ELFCLASS64, EM_X86_64,
	  0x9000, { { 0x9000, 0x9000, 0x10, 0x10 } }, 1 },
	/* Backed by the RAM slot but reserved in the e820 (EBDA .. BIOS area). */
	{ "program header 0 (0x9f000+0x2000) is not usable RAM in the e820 map", -ERANGE,
	  ELFCLASS64, EM_X86_64, 0x9f000, { { 0x9f000, 0x9f000, 0x10, 0x2000 } }, 1 },
	{ "program header 0 (0xe0000+0x100) is not usable RAM", -ERANGE, ELFCLASS64, EM_X86_64,
	  0xe0000, { { 0xe0000, 0xe0000, 0x10, 0x100 } }, 1 },
};

static void test_bad_images(void **state)
{
	(void)state;
	run_elf_bad_cases(bad_cases, ARRAY_SIZE(bad_cases), NAME);
}

/* Header fields edited after building: encoding, type, program header table, segment. */
static void test_bad_headers(void **state)
{
	static const struct tseg seg = { 0x100000, 0x100000, 0x1000, 0x1000 };
	struct timg t = elf_build(ELFCLASS64, EM_X86_64, 0x100000, &seg, 1);
	struct timg orig = timg_alloc(t.n);
	struct fake_ram r;
	struct load_request req;
	Elf64_Ehdr eh;
	Elf64_Phdr ph;

	(void)state;
	memcpy(orig.b, t.b, t.n);
	fake_ram_init(&r, 64 * MiB, 0);
	req = test_req(&t, &r, NAME, NULL);

	t.b[EI_DATA] = ELFDATA2MSB;
	expect_load_fail(&r, &req, -ENOEXEC, "not little-endian");
	memcpy(t.b, orig.b, t.n);

	memcpy(&eh, t.b, sizeof(eh));
	eh.e_type = ET_DYN;
	memcpy(t.b, &eh, sizeof(eh));
	expect_load_fail(&r, &req, -ENOEXEC, "ELF type 3 is not ET_EXEC");
	memcpy(t.b, orig.b, t.n);

	memcpy(&eh, t.b, sizeof(eh));
	eh.e_phnum = 0xFFFF;
	memcpy(t.b, &eh, sizeof(eh));
	expect_load_fail(&r, &req, -ENOEXEC, "extended-numbered");
	eh.e_phnum = 1;
	eh.e_phoff = t.n - 8;
	memcpy(t.b, &eh, sizeof(eh));
	expect_load_fail(&r, &req, -ENOEXEC, "truncated program headers");
	eh.e_phoff = ~0ull - 8;
	memcpy(t.b, &eh, sizeof(eh));
	expect_load_fail(&r, &req, -ENOEXEC, "truncated program headers");
	eh.e_phoff = ELF_PHOFF;
	eh.e_phentsize = 40;
	memcpy(t.b, &eh, sizeof(eh));
	expect_load_fail(&r, &req, -ENOEXEC, "program header size 40");
	memcpy(t.b, orig.b, t.n);

	memcpy(&ph, t.b + ELF_PHOFF, sizeof(ph));
	ph.p_offset = ~0ull - 0x10;
	memcpy(t.b + ELF_PHOFF, &ph, sizeof(ph));
	expect_load_fail(&r, &req, -ENOEXEC, "runs past the end of the file");
	ph.p_offset = ELF_DATA0;
	ph.p_filesz = 0x1001;
	ph.p_memsz = 0x2000;
	memcpy(t.b + ELF_PHOFF, &ph, sizeof(ph));
	expect_load_fail(&r, &req, -ENOEXEC, "program header 0: segment (offset 0x2000, 0x1001 bytes) runs past the end of the file");
	ph.p_filesz = 0x100;
	ph.p_memsz = ~0ull - 0x1000;
	memcpy(t.b + ELF_PHOFF, &ph, sizeof(ph));
	expect_load_fail(&r, &req, -ERANGE, "program header 0 (0x100000+0xffffffffffffefff)");
	memcpy(t.b, orig.b, t.n);

	req.kernel_size = 40;
	expect_load_fail(&r, &req, -ENOEXEC, "truncated ELF header (40 of 64 bytes)");
	fake_ram_free(&r);
	free(t.b);
	free(orig.b);
}

static void test_too_many_segments(void **state)
{
	struct tseg segs[BOOT_MAX_SEGS + 1];
	struct timg t;
	struct fake_ram r;
	struct load_request req;

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(segs); i++)
		segs[i] = (struct tseg){ 0x100000 + i * 0x1000ull, 0x100000 + i * 0x1000ull, 0,
					 0x100 };
	t = elf_build(ELFCLASS64, EM_X86_64, 0x100000, segs, ARRAY_SIZE(segs));
	fake_ram_init(&r, 64 * MiB, 0);
	req = test_req(&t, &r, NAME, NULL);
	expect_load_fail(&r, &req, -E2BIG, "more than 64 PT_LOAD");
	fake_ram_free(&r);
	free(t.b);
}

static void test_bad_initrds(void **state)
{
	static const struct tseg seg = { 0x100000, 0x100000, 0x1000, 0x1000 };
	struct timg t = elf_build(ELFCLASS64, EM_X86_64, 0x100000, &seg, 1);
	struct load_blob huge = { t.b, 64 * MiB, "huge.img" };
	struct fake_ram r;
	struct load_request req;

	(void)state;
	fake_ram_init(&r, 64 * MiB, 0);
	expect_two_initrds_refused(&t, &r, NAME);
	req = test_req(&t, &r, NAME, NULL);
	req.initrds = &huge;
	req.ninitrds = 1;
	expect_load_fail(&r, &req, -E2BIG, "initrd 'huge.img'");
	fake_ram_free(&r);
	free(t.b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_direct),
		cmocka_unit_test(test_high_half_and_high_ram),
		cmocka_unit_test(test_bad_images),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_too_many_segments),
		cmocka_unit_test(test_bad_initrds),
	};

	log_quiet = true;
	return cmocka_run_group_tests_name("loader_elf", tests, NULL, NULL);
}
