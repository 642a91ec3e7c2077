/* Small string helpers shared by the option parsers. */
#ifndef ENLIGHT_STRUTIL_H
#define ENLIGHT_STRUTIL_H

#include <stddef.h>
#include <stdint.h>

/* Levenshtein distance, capped at 255. */
unsigned str_distance(const char *a, const char *b);
/* The candidate nearest to word if it is close enough to be a plausible typo, else NULL.
 * cands is an array of n strings, or of n structs whose first member is a const char *
 * when stride is the struct size (stride 0 means sizeof(char *)). */
const char *str_suggest(const char *word, const void *cands, size_t n, size_t stride);

/* A decimal number with an optional unit suffix from units[] (a NULL-terminated table);
 * no suffix multiplies by plain_mul. 0, -EINVAL (not a number, unknown suffix, trailing
 * text) or -ERANGE (overflows max). */
struct num_unit {
	const char *suffix;
	uint64_t mul;
};
int parse_scaled(const char *s, const struct num_unit *units, uint64_t plain_mul, uint64_t max,
		 uint64_t *out);

#endif
