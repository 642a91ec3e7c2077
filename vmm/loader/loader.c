/* Format detection and dispatch (order per loader.h). */
#include "vmm/loader/loader.h"

#include <errno.h>

#include "vmm/loader/bzimage.h"
#include "vmm/loader/elf64.h"
#include "vmm/loader/elf_image.h"
#include "vmm/loader/multiboot.h"

int loader_load(struct guest_mem *gm, const struct load_request *req, struct boot_cpu *out,
		char *err, size_t errlen)
{
	const struct boot_ctx ctx = { gm, req, err, errlen };
	size_t mb_off = 0;
	int rc;

	if (err && errlen)
		err[0] = '\0';
	memset(out, 0, sizeof(*out));
	if (!req->kernel || req->kernel_size == 0)
		return boot_fail(&ctx, -ENOEXEC, "the file is empty");
	if (req->ninitrds && !req->initrds)
		return boot_fail(&ctx, -EINVAL, "%u initrds announced but none given", req->ninitrds);
	if (!gm_ptr_rw(gm, BOOT_AREA_START, BOOT_AREA_END - BOOT_AREA_START))
		return boot_fail(&ctx, -ERANGE,
				 "guest RAM does not cover the loader's boot data area 0x%llx-0x%llx",
				 BOOT_AREA_START, BOOT_AREA_END - 1);
	rc = multiboot_probe(&ctx, &mb_off);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		pr_debug("loader: %s: multiboot header at 0x%zx", req->kernel_name, mb_off);
		return multiboot_load(&ctx, mb_off, out);
	}
	if (bzimage_probe(req->kernel, req->kernel_size)) {
		pr_debug("loader: %s: Linux bzImage", req->kernel_name);
		return bzimage_load(&ctx, out);
	}
	if (elf_image_is_elf(req->kernel, req->kernel_size)) {
		pr_debug("loader: %s: ELF direct boot", req->kernel_name);
		return elf64_load(&ctx, out);
	}
	return boot_fail(&ctx, -ENOEXEC, "not a multiboot, bzImage or ELF64 image");
}
