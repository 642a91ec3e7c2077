/* libFuzzer target: the multiboot v1 loader (vmm/loader/multiboot.c). */
#include "fuzz_loader.h"
#include "vmm/loader/multiboot.h"

static int load_multiboot(const struct boot_ctx *ctx, struct boot_cpu *out)
{
	size_t off = 0;

	if (multiboot_probe(ctx, &off) != 1)
		return -1;
	return multiboot_load(ctx, off, out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_loader_run(data, size, load_multiboot);
}
