/* Shared pieces of the libFuzzer targets (tests/fuzz/README.md): a fake guest RAM, an input
 * reader, quiet logging. Header only: every target is one .c file linked on its own. */
#ifndef ENLIGHT_FUZZ_H
#define ENLIGHT_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/guest_mem.h"
#include "vmm/log.h"
#include "vmm/memmap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Guest RAM [0, FUZZ_RAM) and a 64 KiB read-only "ROM" at 0xFFFF0000: mapped once per
 * process (MAP_NORESERVE: pages exist only once touched), reused by every input. */
#define FUZZ_RAM (32ull << 20)
#define FUZZ_ROM_GPA 0xFFFF0000ull
#define FUZZ_ROM_SIZE 0x10000ull

struct fuzz_mem {
	struct guest_mem gm;
	struct e820_entry e820[8];
	unsigned ne820;
};

static inline struct fuzz_mem *fuzz_mem(void)
{
	static struct fuzz_mem m;
	static bool done;

	if (!done) {
		struct q35_layout l = { FUZZ_RAM, FUZZ_RAM, 0 };
		void *ram = mmap(NULL, FUZZ_RAM, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		void *rom = mmap(NULL, FUZZ_ROM_SIZE, PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (ram == MAP_FAILED || rom == MAP_FAILED ||
		    gm_add_slot(&m.gm, 0, FUZZ_RAM, ram, false) ||
		    gm_add_slot(&m.gm, FUZZ_ROM_GPA, FUZZ_ROM_SIZE, rom, true))
			abort();
		m.ne820 = (unsigned)q35_e820(&l, m.e820, ARRAY_SIZE(m.e820));
		log_quiet = true;
		done = true;
	}
	return &m;
}

/* Consumes bytes from the front of the input; past the end everything reads 0. */
struct fuzz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint64_t fuzz_take(struct fuzz_in *in, unsigned bytes)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < bytes && in->n; i++, in->p++, in->n--)
		v |= (uint64_t)*in->p << (8 * i);
	return v;
}

static inline bool fuzz_more(const struct fuzz_in *in)
{
	return in->n > 0;
}

/* The access sizes the buses take. */
static inline unsigned fuzz_len(uint64_t sel)
{
	static const unsigned lens[] = { 1, 2, 4, 1, 2, 4, 8, 3 };

	return lens[sel & 7];
}

#endif
