/* The three loader targets: input = 1 flag byte, 3 bytes of initrd size, then the kernel
 * image. Flags: bit 0 an -append line, bits 1-2 the number of initrds/modules (0-3),
 * bit 3 no e820 map. Each target hands the image to one format loader the way
 * loader_load() would (probe, then load), so its corpus stays on that format. */
#ifndef ENLIGHT_FUZZ_LOADER_H
#define ENLIGHT_FUZZ_LOADER_H

#include "fuzz.h"
#include "vmm/loader/loader.h"

#define FUZZ_INITRD_MAX (2u << 20)

typedef int (*fuzz_load_fn)(const struct boot_ctx *ctx, struct boot_cpu *out);

static inline int fuzz_loader_run(const uint8_t *data, size_t size, fuzz_load_fn load)
{
	static const uint8_t initrd_bytes[FUZZ_INITRD_MAX];
	struct fuzz_mem *m = fuzz_mem();
	struct fuzz_in in = { data, size };
	unsigned flags = (unsigned)fuzz_take(&in, 1);
	size_t isize = (size_t)fuzz_take(&in, 3) % (FUZZ_INITRD_MAX + 1);
	struct load_blob initrds[3];
	struct load_request req = {
		.kernel = in.p,
		.kernel_size = in.n,
		.kernel_name = "fuzz",
		.append = (flags & 1) ? "console=ttyS0 root=/dev/ram0 quiet" : NULL,
		.initrds = initrds,
		.ninitrds = (flags >> 1) & 3,
		.e820 = (flags & 8) ? NULL : m->e820,
		.ne820 = (flags & 8) ? 0 : m->ne820,
	};
	char err[256];
	const struct boot_ctx ctx = { &m->gm, &req, err, sizeof(err) };
	struct boot_cpu cpu;

	for (unsigned i = 0; i < 3; i++)
		initrds[i] = (struct load_blob){ initrd_bytes, isize >> i, "initrd" };
	if (!in.n)
		return 0;
	memset(&cpu, 0, sizeof(cpu));
	load(&ctx, &cpu);
	/* And the front end, which probes every format in order. */
	loader_load(&m->gm, &req, &cpu, err, sizeof(err));
	return 0;
}

#endif
