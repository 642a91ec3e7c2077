/* ELF64 direct boot: segments at p_paddr, long mode, a small info block in RDI. */
#include "vmm/loader/elf64.h"

#include <errno.h>

#include "vmm/loader/elf_image.h"

static int elf64_place_initrd(const struct boot_ctx *ctx, uint64_t image_end, uint64_t *addr)
{
	const struct load_blob *b = &ctx->req->initrds[0];
	uint64_t low = boot_align_up(image_end > Q35_HIGH_RAM_START ? image_end :
								     Q35_HIGH_RAM_START,
				     BOOT_PAGE_SIZE);

	if (boot_place_high(ctx, b->size, low, BOOT_4G, addr))
		return boot_fail(ctx, -E2BIG,
				 "initrd '%s' (%zu bytes) does not fit in guest RAM between the image end 0x%llx and 4 GiB; raise -m",
				 b->name ? b->name : "", b->size, (unsigned long long)low);
	return 0;
}

int elf64_load(const struct boot_ctx *ctx, struct boot_cpu *out)
{
	const struct load_request *req = ctx->req;
	struct boot_image img;
	struct elf64_boot_info info = { .magic = ELF64_BOOT_MAGIC, .version = ELF64_BOOT_VERSION };
	size_t cmdlen = req->append ? strlen(req->append) + 1 : 1;
	unsigned cls;
	int rc;

	rc = elf_image_parse(ctx, req->kernel, req->kernel_size, false, &img, &cls);
	if (!rc)
		rc = boot_segs_check(ctx, &img, UINT64_MAX, "program header");
	if (rc)
		return rc;
	if (img.entry >= BOOT_4G)
		return boot_fail(ctx, -ENOEXEC,
				 "entry point 0x%llx is above 4 GiB, outside the boot identity map",
				 (unsigned long long)img.entry);
	if (cmdlen > BOOT_CMDLINE_MAX)
		return boot_fail(ctx, -E2BIG, "-append is %zu bytes, at most %llu are supported",
				 cmdlen - 1, BOOT_CMDLINE_MAX - 1);
	if (req->ne820 > ELF64_E820_MAX)
		return boot_fail(ctx, -E2BIG, "e820 map has %u entries, the boot info holds %d",
				 req->ne820, ELF64_E820_MAX);
	if (req->ninitrds > 1)
		return boot_fail(ctx, -EINVAL, "an ELF64 kernel takes one initrd, %u were given",
				 req->ninitrds);
	if (req->ninitrds == 1 && req->initrds[0].size) {
		rc = elf64_place_initrd(ctx, boot_image_end(&img), &info.initrd_addr);
		if (rc)
			return rc;
		info.initrd_size = req->initrds[0].size;
	}
	/* Everything is checked; the low area is RAM (loader_load checked it). */
	rc = boot_segs_write(ctx, &img);
	if (rc)
		return rc;
	if (info.initrd_size)
		gm_write(ctx->gm, info.initrd_addr, req->initrds[0].data, info.initrd_size);
	info.cmdline = BOOT_CMDLINE_ADDR;
	info.e820_addr = BOOT_INFO_ADDR + ELF64_E820_OFFSET;
	info.e820_count = req->ne820;
	info.acpi_rsdp = req->acpi_rsdp;
	if (gm_write(ctx->gm, BOOT_CMDLINE_ADDR, req->append ? req->append : "", cmdlen) ||
	    gm_write(ctx->gm, BOOT_INFO_ADDR, &info, sizeof(info)) ||
	    (req->ne820 && gm_write(ctx->gm, info.e820_addr, req->e820,
				    req->ne820 * sizeof(struct e820_entry))) ||
	    boot_cpu_long64(ctx->gm, img.entry, out))
		return boot_fail(ctx, -ERANGE, "guest RAM does not cover the boot data at 0x%llx-0x%llx",
				 BOOT_AREA_START, BOOT_AREA_END - 1);
	out->regs.rdi = BOOT_INFO_ADDR;
	return 0;
}
