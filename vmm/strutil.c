#include "vmm/strutil.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Optimal-string-alignment distance: Levenshtein plus adjacent transpositions, the
 * commonest typo ("coers" for "cores"). */
unsigned str_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d[65][65];

	if (la > 64 || lb > 64)
		return 255;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb] > 255 ? 255 : d[la][lb];
}

const char *str_suggest(const char *word, const void *cands, size_t n, size_t stride)
{
	const char *best = NULL;
	unsigned best_d = 255;
	size_t len = strlen(word);
	/* A third of the word, at least 1 and at most 3 edits, counts as a typo. */
	unsigned limit = (unsigned)(len / 3);

	if (limit < 1)
		limit = 1;
	if (limit > 3)
		limit = 3;
	if (!stride)
		stride = sizeof(const char *);
	for (size_t i = 0; i < n; i++) {
		const char *c = *(const char *const *)((const char *)cands + i * stride);
		unsigned d;

		if (!c)
			continue;
		d = str_distance(word, c);
		if (d < best_d) {
			best_d = d;
			best = c;
		}
	}
	return best_d <= limit ? best : NULL;
}

int parse_scaled(const char *s, const struct num_unit *units, uint64_t plain_mul, uint64_t max,
		 uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mul = plain_mul;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno)
		return -ERANGE;
	if (*end) {
		const struct num_unit *u = units;

		while (u && u->suffix && strcmp(end, u->suffix))
			u++;
		if (!u || !u->suffix)
			return -EINVAL;
		mul = u->mul;
	}
	if (mul && v > max / mul)
		return -ERANGE;
	*out = v * mul;
	return 0;
}
