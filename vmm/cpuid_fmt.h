/* Printing, comparing and parsing CPUID tables: the `enlight cpuid` tool's pure half. */
#ifndef ENLIGHT_CPUID_FMT_H
#define ENLIGHT_CPUID_FMT_H

#include <stdbool.h>
#include <stdio.h>

#include "vmm/cpuid.h"

enum cpuid_format { CPUID_FMT_TEXT, CPUID_FMT_JSON };

/* Sort by (function, index), the order the tool prints in. */
void cpuid_sort(struct cpuid_table *t);
/* The table, one entry a line (text) or one JSON object with "entries" and the enabled
 * feature names ("features"). label goes into the header / "config". */
void cpuid_print(FILE *out, const struct cpuid_table *t, enum cpuid_format fmt,
		 const char *label, unsigned vcpu);

/* What differs from a to b, leaf by leaf and register by register, naming the feature bits
 * that appear (+name) or disappear (-name). only_in_b: compare only the entries b has (a
 * guest dump against the configured table; a missing entry in a reads as zero). Returns the
 * number of differing registers plus entries present on one side only. */
unsigned cpuid_diff(FILE *out, const struct cpuid_table *a, const struct cpuid_table *b,
		    const char *name_a, const char *name_b, bool only_in_b);

/* Parse the cpuid-dump payload's lines "cpuid LLLLLLLL SS EAX EBX ECX EDX" (hex) out of a
 * serial log; other lines are ignored. Returns the number of entries or -E2BIG. *done is set
 * when the payload's final "cpuid-dump: done" line was seen. */
int cpuid_parse_dump(const char *text, struct cpuid_table *t, bool *done);

#endif
