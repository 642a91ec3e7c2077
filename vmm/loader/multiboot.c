/* Multiboot v1: header search, image layout (ELF or a.out kludge), module placement and
 * the boot information structure. Nothing is written to the guest until every address
 * has been checked. */
#include "vmm/loader/multiboot.h"

#include <errno.h>

#include "vmm/loader/elf_image.h"

/* Offsets in the multiboot header (§3.1.2). */
enum { MBH_MAGIC = 0, MBH_FLAGS = 4, MBH_CHECKSUM = 8, MBH_HEADER_ADDR = 12,
       MBH_LOAD_ADDR = 16, MBH_LOAD_END_ADDR = 20, MBH_BSS_END_ADDR = 24,
       MBH_ENTRY_ADDR = 28, MBH_AOUT_END = 32, MBH_BASIC_END = 12 };

/* Where the pieces of the boot information go inside [BOOT_MBI_ADDR, +BOOT_MBI_SIZE). */
struct mb_layout {
	uint64_t mmap, mods, loader_name, cmdline, names, end;
	uint32_t mod_start[BOOT_MAX_SEGS];
};

static bool mb_checksum_ok(const uint8_t *h)
{
	return (uint32_t)(boot_get32(h + MBH_MAGIC) + boot_get32(h + MBH_FLAGS) +
			  boot_get32(h + MBH_CHECKSUM)) == 0;
}

int multiboot_probe(const struct boot_ctx *ctx, size_t *hdr_off)
{
	const uint8_t *img = ctx->req->kernel;
	size_t size = ctx->req->kernel_size;
	size_t limit = size < MB_SEARCH_LIMIT ? size : MB_SEARCH_LIMIT;
	bool bad_sum = false;
	size_t bad_off = 0;

	for (size_t off = 0; off + 4 <= limit; off += MB_HEADER_ALIGN) {
		if (boot_get32(img + off) != MB_HEADER_MAGIC)
			continue;
		if (off + MBH_BASIC_END > limit)
			return boot_fail(ctx, -ENOEXEC,
					 "truncated multiboot header at offset 0x%zx (needs %d bytes within the first %d of the file)",
					 off, MBH_BASIC_END, MB_SEARCH_LIMIT);
		if (mb_checksum_ok(img + off)) {
			*hdr_off = off;
			return 1;
		}
		if (!bad_sum) {
			bad_sum = true;
			bad_off = off;
		}
	}
	if (bad_sum)
		return boot_fail(ctx, -ENOEXEC,
				 "multiboot header at offset 0x%zx has a bad checksum (magic+flags+checksum must be 0 mod 2^32)",
				 bad_off);
	for (size_t off = 1; off + MBH_BASIC_END <= limit; off++)
		if (off % MB_HEADER_ALIGN && boot_get32(img + off) == MB_HEADER_MAGIC &&
		    mb_checksum_ok(img + off))
			return boot_fail(ctx, -ENOEXEC,
					 "multiboot header at offset 0x%zx is not 4-byte aligned (spec §3.1.1)",
					 off);
	return 0;
}

/* The a.out kludge (§3.1.3): one segment from the header's physical addresses. */
static int mb_layout_aout(const struct boot_ctx *ctx, size_t off, struct boot_image *img)
{
	const uint8_t *k = ctx->req->kernel;
	size_t size = ctx->req->kernel_size;
	const uint8_t *h = k + off;
	uint32_t header_addr, load_addr, load_end, bss_end;
	uint64_t file_off, load_len, memsz;

	if (off + MBH_AOUT_END > size || off + MBH_AOUT_END > MB_SEARCH_LIMIT)
		return boot_fail(ctx, -ENOEXEC,
				 "truncated multiboot header at offset 0x%zx (flags bit 16 needs %d bytes)",
				 off, MBH_AOUT_END);
	header_addr = boot_get32(h + MBH_HEADER_ADDR);
	load_addr = boot_get32(h + MBH_LOAD_ADDR);
	load_end = boot_get32(h + MBH_LOAD_END_ADDR);
	bss_end = boot_get32(h + MBH_BSS_END_ADDR);
	if (load_addr > header_addr)
		return boot_fail(ctx, -ENOEXEC,
				 "multiboot a.out kludge: load_addr 0x%x is above header_addr 0x%x",
				 load_addr, header_addr);
	if (header_addr - load_addr > off)
		return boot_fail(ctx, -ENOEXEC,
				 "multiboot a.out kludge: header_addr - load_addr = 0x%x, but the header is at file offset 0x%zx",
				 header_addr - load_addr, off);
	file_off = off - (header_addr - load_addr);
	if (load_end == 0) {
		load_len = size - file_off;
	} else {
		if (load_end < load_addr)
			return boot_fail(ctx, -ENOEXEC,
					 "multiboot a.out kludge: load_end_addr 0x%x is below load_addr 0x%x",
					 load_end, load_addr);
		load_len = load_end - load_addr;
		if (load_len > size - file_off)
			return boot_fail(ctx, -ENOEXEC,
					 "multiboot a.out kludge: load_end_addr 0x%x lies beyond the end of the file (%zu bytes)",
					 load_end, size);
	}
	memsz = load_len;
	if (bss_end) {
		if (bss_end < load_addr + load_len)
			return boot_fail(ctx, -ENOEXEC,
					 "multiboot a.out kludge: bss_end_addr 0x%x is below the end of the loaded text 0x%llx",
					 bss_end, (unsigned long long)(load_addr + load_len));
		memsz = bss_end - load_addr;
	}
	img->nseg = 1;
	img->seg[0] = (struct boot_seg){ 0, load_addr, k + file_off, load_len, memsz };
	img->entry = boot_get32(h + MBH_ENTRY_ADDR);
	return 0;
}

static int mb_layout_image(const struct boot_ctx *ctx, size_t off, uint32_t flags,
			   struct boot_image *img)
{
	const struct load_request *req = ctx->req;
	unsigned cls;
	int rc;

	if (flags & MB_HF_AOUT_KLUDGE)
		return mb_layout_aout(ctx, off, img);
	if (!elf_image_is_elf(req->kernel, req->kernel_size))
		return boot_fail(ctx, -ENOEXEC,
				 "multiboot header has no a.out kludge (flags bit 16) and the image is not ELF");
	rc = elf_image_parse(ctx, req->kernel, req->kernel_size, true, img, &cls);
	if (rc)
		return rc;
	if (img->entry >= BOOT_4G)
		return boot_fail(ctx, -ENOEXEC,
				 "ELF%u entry point 0x%llx is above 4 GiB; multiboot starts the CPU in 32-bit mode",
				 cls == 1 ? 32 : 64, (unsigned long long)img->entry);
	return 0;
}

/* mem_lower: KiB of RAM from 0 (at most 640); mem_upper: KiB of RAM contiguous from 1 MiB
 * up to the first hole (§3.3). */
static void mb_mem_info(const struct load_request *req, uint32_t *lower, uint32_t *upper)
{
	uint64_t low_end = 0, up_end = Q35_HIGH_RAM_START;
	bool grew = true;

	for (unsigned i = 0; i < req->ne820; i++)
		if (req->e820[i].type == E820_RAM && req->e820[i].addr == 0)
			low_end = req->e820[i].size;
	if (low_end > Q35_VGA_HOLE_BASE)
		low_end = Q35_VGA_HOLE_BASE;
	while (grew) {
		grew = false;
		for (unsigned i = 0; i < req->ne820; i++) {
			const struct e820_entry *e = &req->e820[i];

			if (e->type == E820_RAM && e->addr <= up_end &&
			    e->addr + e->size > up_end) {
				up_end = e->addr + e->size;
				grew = true;
			}
		}
	}
	*lower = (uint32_t)(low_end >> 10);
	*upper = (up_end - Q35_HIGH_RAM_START) >> 10 > UINT32_MAX ?
			 UINT32_MAX :
			 (uint32_t)((up_end - Q35_HIGH_RAM_START) >> 10);
}

static const char *mb_name(const char *s)
{
	return s ? s : "";
}

/* Modules go page-aligned, one after the other, from the first page above the kernel and
 * never below 1 MiB (§3.3 mods; header flag bit 0 asks for page alignment, always given). */
static int mb_place_modules(const struct boot_ctx *ctx, uint64_t kernel_end,
			    struct mb_layout *lay)
{
	const struct load_request *req = ctx->req;
	uint64_t next = boot_align_up(kernel_end > Q35_HIGH_RAM_START ? kernel_end :
								     Q35_HIGH_RAM_START,
				      BOOT_PAGE_SIZE);

	if (req->ninitrds > BOOT_MAX_SEGS)
		return boot_fail(ctx, -E2BIG, "%u modules given, at most %u are supported",
				 req->ninitrds, BOOT_MAX_SEGS);
	for (unsigned i = 0; i < req->ninitrds; i++) {
		const struct load_blob *b = &req->initrds[i];

		if (next >= BOOT_4G || b->size > BOOT_4G - next ||
		    (b->size && (!gm_ptr_rw(ctx->gm, next, b->size) ||
				 !boot_e820_is_ram(req, next, b->size))))
			return boot_fail(ctx, -E2BIG,
					 "module '%s' (%zu bytes) does not fit in guest RAM (%llu MiB) at 0x%llx, above the kernel and earlier modules, below 4 GiB",
					 mb_name(b->name), b->size,
					 (unsigned long long)(ctx->gm->ram_size >> 20),
					 (unsigned long long)next);
		lay->mod_start[i] = (uint32_t)next;
		next = boot_align_up(next + b->size, BOOT_PAGE_SIZE);
	}
	return 0;
}

/* Places the information pieces in the MBI area: info, mmap, module list, strings. */
static int mb_layout_info(const struct boot_ctx *ctx, struct mb_layout *lay)
{
	const struct load_request *req = ctx->req;
	uint64_t p = boot_align_up(MBI_SIZE, 16);

	lay->mmap = p;
	p += (uint64_t)req->ne820 * MB_MMAP_ENTRY;
	lay->mods = boot_align_up(p, 16);
	p = lay->mods + (uint64_t)req->ninitrds * MB_MOD_SIZE;
	lay->loader_name = p;
	p += sizeof(MB_LOADER_NAME);
	lay->cmdline = p;
	p += strlen(mb_name(req->kernel_name)) + 1;
	if (req->append)
		p += strlen(req->append) + 1;
	lay->names = p;
	for (unsigned i = 0; i < req->ninitrds; i++)
		p += strlen(mb_name(req->initrds[i].name)) + 1;
	lay->end = p;
	if (p > BOOT_MBI_SIZE)
		return boot_fail(ctx, -E2BIG,
				 "multiboot information (%llu bytes: memory map, command line, module names) exceeds its %llu KiB area at 0x%llx; shorten the command line",
				 (unsigned long long)p, BOOT_MBI_SIZE >> 10, BOOT_MBI_ADDR);
	return 0;
}

static uint32_t mb_put_str(uint8_t *mbi, uint64_t at, const char *s)
{
	size_t n = strlen(s);

	memcpy(mbi + at, s, n + 1);
	return (uint32_t)(BOOT_MBI_ADDR + at);
}

static void mb_write_info(const struct boot_ctx *ctx, const struct mb_layout *lay,
			  uint8_t *mbi)
{
	const struct load_request *req = ctx->req;
	uint32_t lower, upper;
	uint64_t name_at = lay->names;
	uint32_t cmd;

	memset(mbi, 0, lay->end);
	mb_mem_info(req, &lower, &upper);
	boot_put32(mbi + MBI_FLAGS, MB_INFO_MEMORY | MB_INFO_CMDLINE | MB_INFO_MODS |
					    MB_INFO_MMAP | MB_INFO_LOADER);
	boot_put32(mbi + MBI_MEM_LOWER, lower);
	boot_put32(mbi + MBI_MEM_UPPER, upper);
	cmd = mb_put_str(mbi, lay->cmdline, mb_name(req->kernel_name));
	if (req->append) {
		size_t n = strlen(mb_name(req->kernel_name));

		mbi[lay->cmdline + n] = ' ';
		mb_put_str(mbi, lay->cmdline + n + 1, req->append);
	}
	boot_put32(mbi + MBI_CMDLINE, cmd);
	boot_put32(mbi + MBI_MODS_COUNT, req->ninitrds);
	boot_put32(mbi + MBI_MODS_ADDR, (uint32_t)(BOOT_MBI_ADDR + lay->mods));
	for (unsigned i = 0; i < req->ninitrds; i++) {
		uint8_t *m = mbi + lay->mods + (uint64_t)i * MB_MOD_SIZE;
		const char *name = mb_name(req->initrds[i].name);

		boot_put32(m, lay->mod_start[i]);
		boot_put32(m + 4, lay->mod_start[i] + (uint32_t)req->initrds[i].size);
		boot_put32(m + 8, mb_put_str(mbi, name_at, name));
		name_at += strlen(name) + 1;
	}
	for (unsigned i = 0; i < req->ne820; i++) {
		uint8_t *e = mbi + lay->mmap + (uint64_t)i * MB_MMAP_ENTRY;

		boot_put32(e, MB_MMAP_ENTRY - 4);
		boot_put64(e + 4, req->e820[i].addr);
		boot_put64(e + 12, req->e820[i].size);
		boot_put32(e + 20, req->e820[i].type);
	}
	boot_put32(mbi + MBI_MMAP_LENGTH, req->ne820 * MB_MMAP_ENTRY);
	boot_put32(mbi + MBI_MMAP_ADDR, (uint32_t)(BOOT_MBI_ADDR + lay->mmap));
	boot_put32(mbi + MBI_LOADER_NAME, mb_put_str(mbi, lay->loader_name, MB_LOADER_NAME));
}

int multiboot_load(const struct boot_ctx *ctx, size_t hdr_off, struct boot_cpu *out)
{
	const struct load_request *req = ctx->req;
	uint32_t flags = boot_get32(req->kernel + hdr_off + MBH_FLAGS);
	uint32_t unknown = flags & MB_HF_REQUIRED &
			   ~(MB_HF_PAGE_ALIGN | MB_HF_MEMORY_INFO | MB_HF_VIDEO_MODE);
	struct boot_image img;
	struct mb_layout lay;
	uint8_t *mbi;
	int rc;

	if (unknown)
		return boot_fail(ctx, -ENOEXEC,
				 "multiboot header requires unsupported features (flags bits 0x%x)",
				 unknown);
	if (req->ne820 == 0)
		return boot_fail(ctx, -EINVAL, "no e820 memory map was given to the loader");
	rc = mb_layout_image(ctx, hdr_off, flags, &img);
	if (!rc)
		rc = boot_segs_check(ctx, &img, BOOT_4G,
				     flags & MB_HF_AOUT_KLUDGE ? "a.out kludge segment" :
								 "program header");
	if (!rc)
		rc = mb_place_modules(ctx, boot_image_end(&img), &lay);
	if (!rc)
		rc = mb_layout_info(ctx, &lay);
	if (rc)
		return rc;
	mbi = gm_ptr_rw(ctx->gm, BOOT_MBI_ADDR, lay.end);
	if (!mbi)
		return boot_fail(ctx, -ERANGE, "guest RAM does not cover the multiboot information at 0x%llx",
				 BOOT_MBI_ADDR);
	/* Everything is checked: from here on only writes to verified RAM. */
	rc = boot_segs_write(ctx, &img);
	if (rc)
		return rc;
	for (unsigned i = 0; i < req->ninitrds; i++)
		if (req->initrds[i].size &&
		    gm_write(ctx->gm, lay.mod_start[i], req->initrds[i].data, req->initrds[i].size))
			return boot_fail(ctx, -EFAULT, "module %u vanished from guest RAM", i);
	mb_write_info(ctx, &lay, mbi);
	if (boot_cpu_prot32(ctx->gm, img.entry, out))
		return boot_fail(ctx, -ERANGE, "guest RAM does not cover the boot GDT at 0x%llx",
				 BOOT_GDT_ADDR);
	out->regs.rax = MB_BOOT_MAGIC;
	out->regs.rbx = BOOT_MBI_ADDR;
	return 0;
}
