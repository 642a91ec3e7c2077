/* Shared fixtures for the loader tests: a fake guest RAM with guard bytes around every
 * slot, crafted ELF32/ELF64/multiboot/bzImage images, and checks of the boot CPU state.
 * Header only (static inline), included by tests/unit/test_loader_*.c after <cmocka.h>. */
#ifndef ENLIGHT_TEST_LOADER_IMAGES_H
#define ENLIGHT_TEST_LOADER_IMAGES_H

#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/guest_mem.h"
#include "vmm/loader/loader.h"
#include "vmm/memmap.h"

#define MiB (1024ull * 1024)
#define FAKE_GUARD 4096
#define FAKE_GUARD_BYTE 0xA5

/* RAM at [0, low) and, when high != 0, at [4 GiB, 4 GiB + high): the MMIO hole between. */
struct fake_ram {
	struct guest_mem gm;
	uint8_t *block[2];
	uint64_t size[2];
	unsigned nblocks;
	struct e820_entry e820[8];
	unsigned ne820;
};

static inline void fake_ram_init(struct fake_ram *r, uint64_t low, uint64_t high)
{
	const uint64_t gpa[2] = { 0, Q35_HIGHMEM_BASE };
	struct q35_layout l = { low + high, low, high };

	memset(r, 0, sizeof(*r));
	r->size[0] = low;
	r->size[1] = high;
	r->nblocks = high ? 2 : 1;
	for (unsigned i = 0; i < r->nblocks; i++) {
		r->block[i] = malloc(r->size[i] + 2 * FAKE_GUARD);
		if (!r->block[i])
			abort();
		memset(r->block[i], FAKE_GUARD_BYTE, FAKE_GUARD);
		memset(r->block[i] + FAKE_GUARD, 0, r->size[i]);
		memset(r->block[i] + FAKE_GUARD + r->size[i], FAKE_GUARD_BYTE, FAKE_GUARD);
		if (gm_add_slot(&r->gm, gpa[i], r->size[i], r->block[i] + FAKE_GUARD, false))
			abort();
	}
	r->ne820 = (unsigned)q35_e820(&l, r->e820, 8);
}

static inline void fake_ram_free(struct fake_ram *r)
{
	for (unsigned i = 0; i < r->nblocks; i++)
		free(r->block[i]);
}

/* No byte outside the slots was written. */
static inline bool fake_ram_guards_ok(const struct fake_ram *r)
{
	for (unsigned i = 0; i < r->nblocks; i++) {
		const uint8_t *b = r->block[i];

		for (uint64_t k = 0; k < FAKE_GUARD; k++)
			if (b[k] != FAKE_GUARD_BYTE ||
			    b[FAKE_GUARD + r->size[i] + k] != FAKE_GUARD_BYTE)
				return false;
	}
	return true;
}

/* No byte of RAM was written (RAM starts zeroed). */
static inline bool fake_ram_untouched(const struct fake_ram *r)
{
	for (unsigned i = 0; i < r->nblocks; i++) {
		const uint8_t *b = r->block[i] + FAKE_GUARD;

		if (b[0] || memcmp(b, b + 1, r->size[i] - 1))
			return false;
	}
	return true;
}

static inline uint8_t *fake_ram_at(const struct fake_ram *r, uint64_t gpa, uint64_t len)
{
	return gm_ptr(&r->gm, gpa, len);
}

static inline uint32_t rd32(const struct fake_ram *r, uint64_t gpa)
{
	const uint8_t *p = fake_ram_at(r, gpa, 4);

	return p ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
			   (uint32_t)p[3] << 24 :
		   0xDEADBEEF;
}

static inline uint64_t rd64(const struct fake_ram *r, uint64_t gpa)
{
	return rd32(r, gpa) | (uint64_t)rd32(r, gpa + 4) << 32;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

/* A crafted image. */
struct timg {
	uint8_t *b;
	size_t n;
};

static inline struct timg timg_alloc(size_t n)
{
	struct timg t = { calloc(1, n), n };

	if (!t.b)
		abort();
	return t;
}

/* The byte the crafted images hold at offset k of their piece i; the period of 251 keeps
 * page-sized shifts detectable. */
static inline uint8_t pattern(unsigned i, uint64_t k)
{
	return (uint8_t)(0x31 * (i + 1) + k % 251 + 1);
}

static inline bool pattern_at(const struct fake_ram *r, unsigned i, uint64_t gpa, uint64_t len)
{
	const uint8_t *p = fake_ram_at(r, gpa, len);

	if (!p)
		return false;
	for (uint64_t k = 0; k < len; k++)
		if (p[k] != pattern(i, k))
			return false;
	return true;
}

static inline bool zero_at(const struct fake_ram *r, uint64_t gpa, uint64_t len)
{
	const uint8_t *p = fake_ram_at(r, gpa, len);

	if (!p)
		return false;
	for (uint64_t k = 0; k < len; k++)
		if (p[k])
			return false;
	return true;
}

/* ---- ELF ---- */

struct tseg {
	uint64_t vaddr, paddr, filesz, memsz;
	uint32_t type; /* 0 = PT_LOAD */
};

#define ELF_PHOFF 64
#define ELF_DATA0 0x2000 /* first segment's file offset; the multiboot header fits below */

/* ELF image with the segments' file bytes filled with pattern(i, k). */
static inline struct timg elf_build(unsigned cls, uint16_t machine, uint64_t entry,
				    const struct tseg *s, unsigned n)
{
	size_t off = ELF_DATA0, total = ELF_DATA0;
	struct timg t;

	for (unsigned i = 0; i < n; i++)
		total += (s[i].filesz + 0xFFF) & ~0xFFFull;
	t = timg_alloc(total);
	memcpy(t.b, ELFMAG, SELFMAG);
	t.b[EI_CLASS] = (uint8_t)cls;
	t.b[EI_DATA] = ELFDATA2LSB;
	t.b[EI_VERSION] = EV_CURRENT;
	for (unsigned i = 0; i < n; i++) {
		uint32_t type = s[i].type ? s[i].type : PT_LOAD;

		for (uint64_t k = 0; k < s[i].filesz; k++)
			t.b[off + k] = pattern(i, k);
		if (cls == ELFCLASS32) {
			Elf32_Phdr ph = { type, (Elf32_Off)off, (Elf32_Addr)s[i].vaddr,
					  (Elf32_Addr)s[i].paddr, (Elf32_Word)s[i].filesz,
					  (Elf32_Word)s[i].memsz, PF_R | PF_X, 0x1000 };

			memcpy(t.b + ELF_PHOFF + i * sizeof(ph), &ph, sizeof(ph));
		} else {
			Elf64_Phdr ph = { type, PF_R | PF_X, off, s[i].vaddr, s[i].paddr,
					  s[i].filesz, s[i].memsz, 0x1000 };

			memcpy(t.b + ELF_PHOFF + i * sizeof(ph), &ph, sizeof(ph));
		}
		off += (s[i].filesz + 0xFFF) & ~0xFFFull;
	}
	if (cls == ELFCLASS32) {
		Elf32_Ehdr eh;

		memcpy(&eh, t.b, sizeof(eh));
		eh.e_type = ET_EXEC;
		eh.e_machine = machine;
		eh.e_version = EV_CURRENT;
		eh.e_entry = (Elf32_Addr)entry;
		eh.e_phoff = ELF_PHOFF;
		eh.e_ehsize = sizeof(eh);
		eh.e_phentsize = sizeof(Elf32_Phdr);
		eh.e_phnum = (Elf32_Half)n;
		memcpy(t.b, &eh, sizeof(eh));
	} else {
		Elf64_Ehdr eh;

		memcpy(&eh, t.b, sizeof(eh));
		eh.e_type = ET_EXEC;
		eh.e_machine = machine;
		eh.e_version = EV_CURRENT;
		eh.e_entry = entry;
		eh.e_phoff = ELF_PHOFF;
		eh.e_ehsize = sizeof(eh);
		eh.e_phentsize = sizeof(Elf64_Phdr);
		eh.e_phnum = (Elf64_Half)n;
		memcpy(t.b, &eh, sizeof(eh));
	}
	return t;
}

/* ---- multiboot ---- */

#define MBH_OFF 0x1000 /* where the crafted ELF images carry their multiboot header */

static inline void mbh_put(uint8_t *p, uint32_t flags)
{
	wr32(p, 0x1BADB002);
	wr32(p + 4, flags);
	wr32(p + 8, (uint32_t)-(0x1BADB002u + flags));
}

static inline void mbh_put_aout(uint8_t *p, uint32_t header_addr, uint32_t load_addr,
				uint32_t load_end, uint32_t bss_end, uint32_t entry)
{
	mbh_put(p, 1u << 16 | 1u << 1 | 1u << 0);
	wr32(p + 12, header_addr);
	wr32(p + 16, load_addr);
	wr32(p + 20, load_end);
	wr32(p + 24, bss_end);
	wr32(p + 28, entry);
}

/* ---- bzImage ---- */

struct tbz {
	uint16_t version;
	uint8_t setup_sects;
	uint16_t xloadflags;
	size_t ksize;
	uint32_t init_size;
	uint32_t initrd_addr_max;
	uint32_t cmdline_size;
};

static inline size_t tbz_kernel_off(const struct tbz *z)
{
	return ((size_t)(z->setup_sects ? z->setup_sects : 4) + 1) * 512;
}

/* Setup area filled with pattern(9, k) (so header copies are checkable), protected-mode
 * kernel with pattern(0, k). */
static inline struct timg bz_build(const struct tbz *z)
{
	size_t koff = tbz_kernel_off(z);
	struct timg t = timg_alloc(koff + z->ksize);

	for (size_t k = 0; k < koff; k++)
		t.b[k] = pattern(9, k);
	for (size_t k = 0; k < z->ksize; k++)
		t.b[koff + k] = pattern(0, k);
	t.b[0x1f1] = z->setup_sects;
	wr16(t.b + 0x1fe, 0xAA55);
	t.b[0x200] = 0xEB;
	t.b[0x201] = 0x6A; /* header ends at 0x26c, like Linux 5.x+ */
	memcpy(t.b + 0x202, "HdrS", 4);
	wr16(t.b + 0x206, z->version);
	t.b[0x210] = 0;       /* type_of_loader */
	t.b[0x211] = 0x01;    /* loadflags: LOADED_HIGH */
	wr32(t.b + 0x214, 0x100000);
	wr32(t.b + 0x218, 0); /* ramdisk */
	wr32(t.b + 0x21c, 0);
	wr16(t.b + 0x224, 0);
	wr32(t.b + 0x228, 0);
	wr32(t.b + 0x22c, z->initrd_addr_max);
	wr32(t.b + 0x230, 0x200000);
	t.b[0x234] = 1;
	wr16(t.b + 0x236, z->xloadflags);
	wr32(t.b + 0x238, z->cmdline_size);
	memset(t.b + 0x250, 0x77, 8); /* setup_data garbage the loader must clear */
	wr32(t.b + 0x260, z->init_size);
	return t;
}

/* ---- CPU state checks ---- */

/* Decodes the GDT descriptor for sel from guest memory and compares it with the segment
 * register the vCPU will get (Intel SDM Vol. 3A §3.4.5). */
static inline bool gdt_matches(const struct fake_ram *r, const struct kvm_sregs *sr,
			       const struct kvm_segment *s)
{
	uint64_t d;
	uint32_t limit;

	if (s->selector + 7u > sr->gdt.limit)
		return false;
	d = rd64(r, sr->gdt.base + s->selector);
	limit = (uint32_t)((d & 0xFFFF) | (d >> 48 & 0xF) << 16);
	if (d >> 55 & 1)
		limit = limit << 12 | 0xFFF;
	return limit == s->limit &&
	       ((d >> 16 & 0xFFFFFF) | (d >> 56 & 0xFF) << 24) == s->base &&
	       (d >> 40 & 0xF) == s->type && (d >> 44 & 1) == s->s &&
	       (d >> 45 & 3) == s->dpl && (d >> 47 & 1) == s->present &&
	       (d >> 53 & 1) == s->l && (d >> 54 & 1) == s->db && (d >> 55 & 1) == s->g;
}

static inline bool flat_seg(const struct kvm_segment *s, uint16_t sel, uint8_t type, bool l)
{
	return s->base == 0 && s->limit == 0xFFFFFFFF && s->selector == sel && s->type == type &&
	       s->present && s->s && s->dpl == 0 && s->g && s->l == l && s->db == !l &&
	       !s->unusable;
}

/* Walks 4-level paging (SDM Vol. 3A §4.5) from cr3 for va; ~0 if not mapped. */
static inline uint64_t pt_walk(const struct fake_ram *r, uint64_t cr3, uint64_t va)
{
	uint64_t e = rd64(r, (cr3 & ~0xFFFull) + (va >> 39 & 511) * 8);

	if (!(e & 1))
		return ~0ull;
	e = rd64(r, (e & 0xFFFFFFFFFF000ull) + (va >> 30 & 511) * 8);
	if (!(e & 1))
		return ~0ull;
	if (e & 0x80)
		return (e & 0xFFFFFC0000000ull) | (va & 0x3FFFFFFF);
	e = rd64(r, (e & 0xFFFFFFFFFF000ull) + (va >> 21 & 511) * 8);
	if (!(e & 1) || !(e & 2))
		return ~0ull;
	if (e & 0x80)
		return (e & 0xFFFFFFFE00000ull) | (va & 0x1FFFFF);
	return ~0ull;
}

/* ---- load and expect ---- */

static inline struct load_request test_req(const struct timg *t, const struct fake_ram *r,
					   const char *name, const char *append)
{
	return (struct load_request){ .kernel = t->b, .kernel_size = t->n, .kernel_name = name,
				      .append = append, .e820 = r->e820, .ne820 = r->ne820 };
}

/* The load fails with rc, the message names the file and contains why, and not one byte
 * of guest RAM (nor of the guards around it) was written. */
static inline void expect_load_fail(struct fake_ram *r, const struct load_request *req, int rc,
				    const char *why)
{
	char err[512] = "unset", who[256];
	struct boot_cpu cpu;

	snprintf(who, sizeof(who), "kernel '%s': ", req->kernel_name);
	assert_int_equal(loader_load(&r->gm, req, &cpu, err, sizeof(err)), rc);
	if (!strstr(err, who) || !strstr(err, why))
		fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", err, who, why);
	assert_true(fake_ram_untouched(r));
	assert_true(fake_ram_guards_ok(r));
}

/* A loader that takes one initrd (bzImage, ELF) refuses two and says how many it got. */
static inline void expect_two_initrds_refused(const struct timg *t, struct fake_ram *r,
					      const char *name)
{
	struct load_blob b[2] = { { t->b, 0x100, "a" }, { t->b, 0x100, "b" } };
	struct load_request req = test_req(t, r, name, NULL);

	req.initrds = b;
	req.ninitrds = 2;
	expect_load_fail(r, &req, -EINVAL, "one initrd, 2 were given");
}

static inline void expect_load_ok(struct fake_ram *r, const struct load_request *req,
				  struct boot_cpu *cpu)
{
	char err[512] = "unset";
	int rc = loader_load(&r->gm, req, cpu, err, sizeof(err));

	if (rc)
		fail_msg("loader_load: %d: %s", rc, err);
	assert_string_equal(err, "");
	assert_true(fake_ram_guards_ok(r));
	assert_int_equal(cpu->sregs.apic_base, 0);
}

/* CS 0x10 flat code (64-bit when long), DS/ES/FS/GS/SS 0x18 flat data, all matching the
 * GDT in guest memory; TR a busy TSS; IF and VM clear, RFLAGS bit 1 set. */
static inline void check_flat_segments(const struct fake_ram *r, const struct boot_cpu *cpu,
				       bool long_mode)
{
	const struct kvm_sregs *sr = &cpu->sregs;
	const struct kvm_segment *data[] = { &sr->ds, &sr->es, &sr->fs, &sr->gs, &sr->ss };

	assert_int_equal(cpu->regs.rflags & (1 << 1 | 1 << 9 | 1 << 17), 1 << 1);
	assert_true(flat_seg(&sr->cs, 0x10, 0xB, long_mode));
	assert_true(gdt_matches(r, sr, &sr->cs));
	for (unsigned i = 0; i < 5; i++) {
		assert_true(flat_seg(data[i], 0x18, 0x3, false));
		assert_true(gdt_matches(r, sr, data[i]));
	}
	assert_int_equal(sr->tr.type, 11);
	assert_true(sr->tr.present);
	assert_true(sr->cr0 & 1);
	if (long_mode) {
		assert_int_equal(sr->cr0 & (1ull << 31), 1ull << 31);
		assert_int_equal(sr->cr4 & (1 << 5), 1 << 5);
		assert_int_equal(sr->efer & 0x500, 0x500);
		assert_int_equal(sr->cr3, 0x9000);
	} else {
		assert_int_equal(sr->cr0 & (1ull << 31), 0);
		assert_int_equal(sr->efer, 0);
	}
}

/* Long-mode page tables identity-map the first 4 GiB and nothing above. */
static inline void check_identity_map(const struct fake_ram *r, const struct boot_cpu *cpu)
{
	static const uint64_t probe[] = { 0, 0x7000, 0x100200, 0x3FFFFFF, 0x40000000,
					  0xB0000000, 0xFEE00000, 0xFFFFFFFF };

	for (unsigned i = 0; i < sizeof(probe) / sizeof(probe[0]); i++)
		assert_int_equal(pt_walk(r, cpu->sregs.cr3, probe[i]), probe[i]);
	assert_int_equal(pt_walk(r, cpu->sregs.cr3, 0x100000000ull), ~0ull);
}

/* ---- table-driven malformed ELF (optionally multiboot) images ---- */

struct elf_bad_case {
	const char *why; /* expected in the message */
	int rc;
	unsigned cls;
	uint16_t machine;
	uint64_t entry;
	struct tseg seg[3];
	unsigned nseg;
	bool split;      /* RAM [0, 64 MiB) + [4 GiB, +16 MiB) instead of 64 MiB */
	bool multiboot;  /* carry a multiboot header at MBH_OFF ... */
	uint32_t mb_flags;
	bool mb_bad_sum; /* ... with a wrong checksum */
};

static inline void run_elf_bad_cases(const struct elf_bad_case *cases, unsigned n,
				     const char *name)
{
	for (unsigned i = 0; i < n; i++) {
		const struct elf_bad_case *c = &cases[i];
		struct timg t = elf_build(c->cls, c->machine, c->entry, c->seg, c->nseg);
		struct fake_ram r;
		struct load_request req;

		if (c->multiboot)
			mbh_put(t.b + MBH_OFF, c->mb_flags);
		if (c->mb_bad_sum)
			t.b[MBH_OFF + 8] ^= 1;
		fake_ram_init(&r, 64 * MiB, c->split ? 16 * MiB : 0);
		req = test_req(&t, &r, name, NULL);
		expect_load_fail(&r, &req, c->rc, c->why);
		fake_ram_free(&r);
		free(t.b);
	}
}

#endif
