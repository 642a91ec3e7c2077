/* libFuzzer target: the Linux bzImage loader (vmm/loader/bzimage.c). */
#include "fuzz_loader.h"
#include "vmm/loader/bzimage.h"

static int load_bzimage(const struct boot_ctx *ctx, struct boot_cpu *out)
{
	if (!bzimage_probe(ctx->req->kernel, ctx->req->kernel_size))
		return -1;
	return bzimage_load(ctx, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_loader_run(data, size, load_bzimage);
}
