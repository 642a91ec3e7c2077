/* -m against what the host can ever give (issue 8).
 *
 * Guest RAM is one MAP_NORESERVE mapping: pages exist only once the guest touches them, so
 * an -m above the free memory of the moment is fine (and usual). What can never work is a
 * guest larger than the host's RAM plus swap: once it touches that much, the OOM killer
 * ends it mid-run. So the ceiling is MemTotal + SwapTotal (/proc/meminfo), not
 * MemAvailable, which moves with the page cache and the other processes and would refuse
 * runs that work. */
#ifndef ENLIGHT_HOSTMEM_H
#define ENLIGHT_HOSTMEM_H

#include <stddef.h>
#include <stdint.h>

struct hostmem {
	uint64_t mem_total;  /* bytes, MemTotal */
	uint64_t swap_total; /* bytes, SwapTotal */
};

/* Parses /proc/meminfo text ("MemTotal:  123 kB" lines). 0, or -EINVAL when MemTotal is
 * missing (SwapTotal missing reads as 0). */
int hostmem_parse(const char *text, struct hostmem *out);
/* Reads and parses path (normally /proc/meminfo). 0 or -errno. */
int hostmem_read(const char *path, struct hostmem *out);
/* 0 when ram_size fits in RAM + swap, else -ENOMEM with one line in err naming the
 * request, what the host has and the fix. */
int hostmem_check(uint64_t ram_size, const struct hostmem *h, char *err, size_t errlen);

#endif
