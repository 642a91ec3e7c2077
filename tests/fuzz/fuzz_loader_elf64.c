/* libFuzzer target: the ELF64 direct-boot loader (vmm/loader/elf64.c, elf_image.c). */
#include "fuzz_loader.h"
#include "vmm/loader/elf64.h"
#include "vmm/loader/elf_image.h"

static int load_elf64(const struct boot_ctx *ctx, struct boot_cpu *out)
{
	if (!elf_image_is_elf(ctx->req->kernel, ctx->req->kernel_size))
		return -1;
	return elf64_load(ctx, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_loader_run(data, size, load_elf64);
}
