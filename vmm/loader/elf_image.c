/* ELF32/ELF64 program headers to boot segments. Every offset and size comes from the file,
 * so each is checked against the buffer before it is used. */
#include "vmm/loader/elf_image.h"

#include <elf.h>
#include <errno.h>

/* The fields the loaders use, the same for both classes. */
struct elf_hdr {
	unsigned cls;
	uint16_t type, machine;
	uint64_t entry, phoff;
	uint16_t phentsize, phnum;
};

struct elf_phdr {
	uint32_t type;
	uint64_t offset, vaddr, paddr, filesz, memsz;
};

bool elf_image_is_elf(const uint8_t *img, size_t size)
{
	return size >= SELFMAG && memcmp(img, ELFMAG, SELFMAG) == 0;
}

static void elf_read_hdr(const uint8_t *img, unsigned cls, struct elf_hdr *h)
{
	h->cls = cls;
	if (cls == ELFCLASS32) {
		Elf32_Ehdr e;

		memcpy(&e, img, sizeof(e));
		*h = (struct elf_hdr){ cls, e.e_type, e.e_machine, e.e_entry, e.e_phoff,
				       e.e_phentsize, e.e_phnum };
	} else {
		Elf64_Ehdr e;

		memcpy(&e, img, sizeof(e));
		*h = (struct elf_hdr){ cls, e.e_type, e.e_machine, e.e_entry, e.e_phoff,
				       e.e_phentsize, e.e_phnum };
	}
}

static void elf_read_phdr(const uint8_t *p, unsigned cls, struct elf_phdr *ph)
{
	if (cls == ELFCLASS32) {
		Elf32_Phdr e;

		memcpy(&e, p, sizeof(e));
		*ph = (struct elf_phdr){ e.p_type, e.p_offset, e.p_vaddr, e.p_paddr, e.p_filesz,
					 e.p_memsz };
	} else {
		Elf64_Phdr e;

		memcpy(&e, p, sizeof(e));
		*ph = (struct elf_phdr){ e.p_type, e.p_offset, e.p_vaddr, e.p_paddr, e.p_filesz,
					 e.p_memsz };
	}
}

static int elf_check_hdr(const struct boot_ctx *ctx, const uint8_t *img, size_t size,
			 bool allow32, struct elf_hdr *h)
{
	unsigned cls;
	size_t ehsize, phsize;
	uint16_t want_machine;

	if (!elf_image_is_elf(img, size) || size < EI_NIDENT)
		return boot_fail(ctx, -ENOEXEC, "not an ELF file (bad magic)");
	cls = img[EI_CLASS];
	if (cls != ELFCLASS64 && !(allow32 && cls == ELFCLASS32))
		return boot_fail(ctx, -ENOEXEC, "ELF class %u is not supported here (%s)", cls,
				 allow32 ? "need ELF32 or ELF64" :
					   "only ELF64 boots without a multiboot header");
	if (img[EI_DATA] != ELFDATA2LSB)
		return boot_fail(ctx, -ENOEXEC, "ELF data encoding %u is not little-endian",
				 img[EI_DATA]);
	ehsize = cls == ELFCLASS32 ? sizeof(Elf32_Ehdr) : sizeof(Elf64_Ehdr);
	phsize = cls == ELFCLASS32 ? sizeof(Elf32_Phdr) : sizeof(Elf64_Phdr);
	if (size < ehsize)
		return boot_fail(ctx, -ENOEXEC, "truncated ELF header (%zu of %zu bytes)", size,
				 ehsize);
	elf_read_hdr(img, cls, h);
	want_machine = cls == ELFCLASS32 ? EM_386 : EM_X86_64;
	if (h->machine != want_machine)
		return boot_fail(ctx, -ENOEXEC, "ELF machine %u is not %s", h->machine,
				 cls == ELFCLASS32 ? "EM_386 (3)" : "EM_X86_64 (62)");
	if (h->type != ET_EXEC)
		return boot_fail(ctx, -ENOEXEC, "ELF type %u is not ET_EXEC (a linked executable)",
				 h->type);
	if (h->phnum == 0 || h->phnum == PN_XNUM)
		return boot_fail(ctx, -ENOEXEC, "ELF has %s program headers",
				 h->phnum ? "extended-numbered" : "no");
	if (h->phentsize != phsize)
		return boot_fail(ctx, -ENOEXEC, "ELF program header size %u, expected %zu",
				 h->phentsize, phsize);
	if (h->phoff > size || (uint64_t)h->phnum * phsize > size - h->phoff)
		return boot_fail(ctx, -ENOEXEC,
				 "truncated program headers (%u at offset 0x%llx, file is %zu bytes)",
				 h->phnum, (unsigned long long)h->phoff, size);
	return 0;
}

int elf_image_parse(const struct boot_ctx *ctx, const uint8_t *img, size_t size, bool allow32,
		    struct boot_image *out, unsigned *elf_class)
{
	struct elf_hdr h = { 0 };
	bool translated = false;
	int rc = elf_check_hdr(ctx, img, size, allow32, &h);

	if (rc)
		return rc;
	out->nseg = 0;
	out->entry = h.entry;
	for (unsigned i = 0; i < h.phnum; i++) {
		struct elf_phdr ph;

		elf_read_phdr(img + h.phoff + (uint64_t)i * h.phentsize, h.cls, &ph);
		if (ph.type != PT_LOAD)
			continue;
		if (ph.offset > size || ph.filesz > size - ph.offset)
			return boot_fail(ctx, -ENOEXEC,
					 "program header %u: segment (offset 0x%llx, 0x%llx bytes) runs past the end of the file (%zu bytes)",
					 i, (unsigned long long)ph.offset,
					 (unsigned long long)ph.filesz, size);
		if (ph.filesz > ph.memsz)
			return boot_fail(ctx, -ENOEXEC,
					 "program header %u: file size 0x%llx exceeds memory size 0x%llx",
					 i, (unsigned long long)ph.filesz,
					 (unsigned long long)ph.memsz);
		if (out->nseg == BOOT_MAX_SEGS)
			return boot_fail(ctx, -E2BIG, "more than %u PT_LOAD program headers",
					 BOOT_MAX_SEGS);
		out->seg[out->nseg++] = (struct boot_seg){ i, ph.paddr, img + ph.offset, ph.filesz,
							   ph.memsz };
		if (!translated && h.entry >= ph.vaddr && h.entry - ph.vaddr < ph.memsz) {
			out->entry = h.entry - ph.vaddr + ph.paddr;
			translated = true;
		}
	}
	if (out->nseg == 0)
		return boot_fail(ctx, -ENOEXEC, "ELF has no PT_LOAD program headers");
	*elf_class = h.cls;
	return 0;
}
