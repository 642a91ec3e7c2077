/* Linux bzImage: protected-mode kernel at 1 MiB, boot_params built fresh, initrd high. */
#include "vmm/loader/bzimage.h"

#include <errno.h>

/* What the loader takes from the image's setup header and where things go. */
struct bz_plan {
	uint16_t version;
	uint8_t loadflags;
	uint16_t xloadflags;
	size_t hdr_end;        /* setup header copied from 0x1f1 up to here */
	size_t kernel_off;     /* file offset of the protected-mode kernel */
	uint64_t kernel_need;  /* bytes reserved at 1 MiB: max(kernel, init_size) */
	uint64_t initrd_addr;
	size_t cmdline_len;    /* including the NUL */
};

bool bzimage_probe(const uint8_t *img, size_t size)
{
	return size >= BZ_HEADER + 4 && boot_get32(img + BZ_HEADER) == BZ_HDRS_MAGIC;
}

static int bz_parse(const struct boot_ctx *ctx, struct bz_plan *p)
{
	const uint8_t *k = ctx->req->kernel;
	size_t size = ctx->req->kernel_size;
	unsigned setup_sects;
	uint64_t init_size = 0;

	if (size < BZ_VERSION + 2)
		return boot_fail(ctx, -ENOEXEC, "truncated bzImage setup header (%zu bytes)", size);
	p->version = boot_get16(k + BZ_VERSION);
	if (p->version < BZ_MIN_VERSION)
		return boot_fail(ctx, -ENOEXEC,
				 "Linux boot protocol %u.%02x is too old (enlight needs 2.06 or newer, kernel 2.6.22+)",
				 p->version >> 8, p->version & 0xFF);
	if (size < BZ_CMDLINE_SIZE + 4)
		return boot_fail(ctx, -ENOEXEC, "truncated bzImage setup header (%zu bytes)", size);
	p->hdr_end = BZ_HEADER + k[BZ_JUMP_LEN];
	if (p->hdr_end > BZ_HDR_MAX_END)
		p->hdr_end = BZ_HDR_MAX_END;
	if (p->hdr_end > size)
		return boot_fail(ctx, -ENOEXEC,
				 "truncated bzImage setup header (ends at 0x%zx, file is %zu bytes)",
				 p->hdr_end, size);
	/* boot.rst: "If this field is 0, the real value is 4." */
	setup_sects = k[BZ_SETUP_SECTS] ? k[BZ_SETUP_SECTS] : 4;
	p->kernel_off = ((size_t)setup_sects + 1) * 512;
	if (p->kernel_off >= size)
		return boot_fail(ctx, -ENOEXEC,
				 "setup_sects %u puts the protected-mode kernel at 0x%zx, beyond the end of the file (%zu bytes)",
				 setup_sects, p->kernel_off, size);
	p->loadflags = k[BZ_LOADFLAGS];
	p->xloadflags = p->version >= BZ_VERSION_XLF && p->hdr_end >= BZ_XLOADFLAGS + 2 ?
				boot_get16(k + BZ_XLOADFLAGS) : 0;
	if (p->version >= BZ_VERSION_INIT && size >= BZ_INIT_SIZE + 4)
		init_size = boot_get32(k + BZ_INIT_SIZE);
	p->kernel_need = size - p->kernel_off;
	if (init_size > p->kernel_need)
		p->kernel_need = init_size;
	return 0;
}

static int bz_plan_memory(const struct boot_ctx *ctx, struct bz_plan *p)
{
	const struct load_request *req = ctx->req;
	const uint8_t *k = req->kernel;
	uint32_t cmdline_size = boot_get32(k + BZ_CMDLINE_SIZE);
	size_t len = req->append ? strlen(req->append) : 0;
	uint64_t high, kernel_end;

	if (req->ne820 > BP_E820_MAX)
		return boot_fail(ctx, -E2BIG, "e820 map has %u entries, boot_params holds %d",
				 req->ne820, BP_E820_MAX);
	if (!gm_ptr_rw(ctx->gm, BZ_LOAD_ADDR, p->kernel_need) ||
	    !boot_e820_is_ram(req, BZ_LOAD_ADDR, p->kernel_need))
		return boot_fail(ctx, -E2BIG,
				 "kernel needs 0x%llx bytes at 1 MiB (image and init_size) but guest RAM is %llu MiB; raise -m",
				 (unsigned long long)p->kernel_need,
				 (unsigned long long)(ctx->gm->ram_size >> 20));
	if (len > cmdline_size || len + 1 > BOOT_CMDLINE_MAX)
		return boot_fail(ctx, -E2BIG,
				 "-append is %zu bytes, the kernel accepts at most %u (cmdline_size)",
				 len, cmdline_size < BOOT_CMDLINE_MAX - 1 ? cmdline_size :
									     (unsigned)BOOT_CMDLINE_MAX - 1);
	p->cmdline_len = len + 1;
	p->initrd_addr = 0;
	if (req->ninitrds > 1)
		return boot_fail(ctx, -EINVAL, "a bzImage takes one initrd, %u were given",
				 req->ninitrds);
	if (req->ninitrds == 0 || req->initrds[0].size == 0)
		return 0;
	/* boot.rst, initrd_addr_max: highest address the initrd may occupy (inclusive). */
	high = (uint64_t)boot_get32(k + BZ_INITRD_ADDR_MAX) + 1;
	if (high > BOOT_4G)
		high = BOOT_4G;
	kernel_end = boot_align_up(BZ_LOAD_ADDR + p->kernel_need, BOOT_PAGE_SIZE);
	if (boot_place_high(ctx, req->initrds[0].size, kernel_end, high, &p->initrd_addr))
		return boot_fail(ctx, -E2BIG,
				 "initrd '%s' (%zu bytes) does not fit in guest RAM between the kernel end 0x%llx and initrd_addr_max 0x%llx; raise -m",
				 req->initrds[0].name ? req->initrds[0].name : "",
				 req->initrds[0].size, (unsigned long long)kernel_end,
				 (unsigned long long)(high - 1));
	return 0;
}

static void bz_write_zero_page(const struct boot_ctx *ctx, const struct bz_plan *p,
			       uint8_t *bp)
{
	const struct load_request *req = ctx->req;

	memset(bp, 0, BP_SIZE);
	memcpy(bp + BZ_SETUP_SECTS, req->kernel + BZ_SETUP_SECTS, p->hdr_end - BZ_SETUP_SECTS);
	bp[BZ_TYPE_OF_LOADER] = BZ_LOADER_UNDEFINED;
	bp[BZ_LOADFLAGS] = p->loadflags | BZ_LOADED_HIGH | BZ_CAN_USE_HEAP;
	boot_put32(bp + BZ_CODE32_START, (uint32_t)BZ_LOAD_ADDR);
	boot_put16(bp + BZ_HEAP_END_PTR, BZ_HEAP_END);
	boot_put32(bp + BZ_CMD_LINE_PTR, (uint32_t)BOOT_CMDLINE_ADDR);
	if (p->initrd_addr) {
		boot_put32(bp + BZ_RAMDISK_IMAGE, (uint32_t)p->initrd_addr);
		boot_put32(bp + BZ_RAMDISK_SIZE, (uint32_t)req->initrds[0].size);
	} else {
		boot_put32(bp + BZ_RAMDISK_IMAGE, 0);
		boot_put32(bp + BZ_RAMDISK_SIZE, 0);
	}
	/* A setup_data list from the file would point at nothing the loader placed. */
	if (p->version >= BZ_VERSION_SETUPDATA && p->hdr_end >= BZ_SETUP_DATA + 8)
		boot_put64(bp + BZ_SETUP_DATA, 0);
	bp[BP_E820_ENTRIES] = (uint8_t)req->ne820;
	for (unsigned i = 0; i < req->ne820; i++) {
		uint8_t *e = bp + BP_E820_TABLE + i * BP_E820_ENTRY_SIZE;

		boot_put64(e, req->e820[i].addr);
		boot_put64(e + 8, req->e820[i].size);
		boot_put32(e + 16, req->e820[i].type);
	}
	if (p->version >= BZ_VERSION_RSDP)
		boot_put64(bp + BP_ACPI_RSDP_ADDR, req->acpi_rsdp);
}

int bzimage_load(const struct boot_ctx *ctx, struct boot_cpu *out)
{
	const struct load_request *req = ctx->req;
	struct bz_plan p;
	uint8_t *bp, *cmd;
	bool is64;
	int rc;

	rc = bz_parse(ctx, &p);
	if (!rc)
		rc = bz_plan_memory(ctx, &p);
	if (rc)
		return rc;
	bp = gm_ptr_rw(ctx->gm, BOOT_ZERO_PAGE, BP_SIZE);
	cmd = gm_ptr_rw(ctx->gm, BOOT_CMDLINE_ADDR, p.cmdline_len);
	if (!bp || !cmd)
		return boot_fail(ctx, -ERANGE, "guest RAM does not cover boot_params and the command line at 0x%llx-0x%llx",
				 BOOT_ZERO_PAGE, BOOT_CMDLINE_ADDR + p.cmdline_len - 1);
	/* Everything is checked: from here on only writes to verified RAM. */
	gm_write(ctx->gm, BZ_LOAD_ADDR, req->kernel + p.kernel_off, req->kernel_size - p.kernel_off);
	if (p.initrd_addr)
		gm_write(ctx->gm, p.initrd_addr, req->initrds[0].data, req->initrds[0].size);
	memcpy(cmd, req->append ? req->append : "", p.cmdline_len);
	bz_write_zero_page(ctx, &p, bp);
	is64 = p.xloadflags & BZ_XLF_KERNEL_64;
	rc = is64 ? boot_cpu_long64(ctx->gm, BZ_LOAD_ADDR + BZ_STARTUP_64, out) :
		    boot_cpu_prot32(ctx->gm, BZ_LOAD_ADDR, out);
	if (rc)
		return boot_fail(ctx, -ERANGE, "guest RAM does not cover the boot GDT and page tables at 0x%llx",
				 BOOT_GDT_ADDR);
	out->regs.rsi = BOOT_ZERO_PAGE;
	return 0;
}
