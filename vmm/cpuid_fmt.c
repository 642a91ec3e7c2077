/* CPUID table output (text and hand-written JSON: output only, a handful of fixed keys, so no
 * JSON library is linked for it), the leaf-by-leaf diff and the guest dump parser. */
#include "vmm/cpuid_fmt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/cpu_models.h"
#include "vmm/log.h"

static const char *const reg_names[] = { "eax", "ebx", "ecx", "edx" };

static int entry_cmp(const void *a, const void *b)
{
	const struct kvm_cpuid_entry2 *x = a, *y = b;

	if (x->function != y->function)
		return x->function < y->function ? -1 : 1;
	if (x->index != y->index)
		return x->index < y->index ? -1 : 1;
	return 0;
}

void cpuid_sort(struct cpuid_table *t)
{
	qsort(t->e, t->n, sizeof(t->e[0]), entry_cmp);
}

static uint32_t entry_reg(const struct kvm_cpuid_entry2 *e, unsigned r)
{
	const uint32_t v[] = { e->eax, e->ebx, e->ecx, e->edx };

	return v[r & 3];
}

/* The feature word (leaf, subleaf, reg) is, or -1. Leaf 7 and 0xD subleaves are exact. */
static int word_of(const struct kvm_cpuid_entry2 *e, unsigned reg)
{
	for (unsigned w = 0; w < CW_COUNT; w++)
		if (cpu_words[w].leaf == e->function && cpu_words[w].reg == reg &&
		    cpu_words[w].subleaf == e->index)
			return (int)w;
	return -1;
}

static void print_text(FILE *out, const struct cpuid_table *t, const char *label, unsigned vcpu)
{
	fprintf(out, "# CPUID for vCPU %u (%s): %u entries, as given to KVM_SET_CPUID2\n", vcpu,
		label, t->n);
	fprintf(out, "# function   index  eax        ebx        ecx        edx\n");
	for (unsigned i = 0; i < t->n; i++) {
		const struct kvm_cpuid_entry2 *e = &t->e[i];
		bool named = false;

		fprintf(out, "0x%08x  0x%02x   0x%08x 0x%08x 0x%08x 0x%08x", e->function, e->index,
			e->eax, e->ebx, e->ecx, e->edx);
		for (unsigned r = 0; r < 4; r++) {
			int w = word_of(e, r);

			if (w < 0)
				continue;
			for (unsigned b = 0; b < 32; b++) {
				const char *n = (entry_reg(e, r) >> b) & 1 ? cpu_feat_name(w, b) : NULL;

				if (n) {
					fprintf(out, "%s%s", named ? " " : "  # ", n);
					named = true;
				}
			}
		}
		fputc('\n', out);
	}
}

static void json_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < 0x20)
			fprintf(out, "\\u%04x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

static void print_json(FILE *out, const struct cpuid_table *t, const char *label, unsigned vcpu)
{
	bool first = true;

	fprintf(out, "{\"config\": ");
	json_str(out, label);
	fprintf(out, ", \"vcpu\": %u, \"entries\": [", vcpu);
	for (unsigned i = 0; i < t->n; i++) {
		const struct kvm_cpuid_entry2 *e = &t->e[i];

		fprintf(out, "%s\n  {\"function\": \"0x%08x\", \"index\": %u, \"flags\": %u, "
			"\"eax\": \"0x%08x\", \"ebx\": \"0x%08x\", \"ecx\": \"0x%08x\", "
			"\"edx\": \"0x%08x\"}", i ? "," : "", e->function, e->index, e->flags,
			e->eax, e->ebx, e->ecx, e->edx);
	}
	fprintf(out, "\n], \"features\": [");
	for (unsigned i = 0; i < t->n; i++) {
		const struct kvm_cpuid_entry2 *e = &t->e[i];

		for (unsigned r = 0; r < 4; r++) {
			int w = word_of(e, r);

			for (unsigned b = 0; w >= 0 && b < 32; b++) {
				const char *n = (entry_reg(e, r) >> b) & 1 ? cpu_feat_name(w, b) : NULL;

				if (!n)
					continue;
				fputs(first ? "" : ", ", out);
				json_str(out, n);
				first = false;
			}
		}
	}
	fprintf(out, "]}\n");
}

void cpuid_print(FILE *out, const struct cpuid_table *t, enum cpuid_format fmt,
		 const char *label, unsigned vcpu)
{
	if (fmt == CPUID_FMT_JSON)
		print_json(out, t, label, vcpu);
	else
		print_text(out, t, label, vcpu);
}

static const struct kvm_cpuid_entry2 *exact(const struct cpuid_table *t, uint32_t fn,
					    uint32_t idx)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->e[i].function == fn && t->e[i].index == idx)
			return &t->e[i];
	return NULL;
}

static void diff_bits(FILE *out, int w, uint32_t va, uint32_t vb)
{
	for (unsigned b = 0; w >= 0 && b < 32; b++) {
		uint32_t m = 1u << b;
		const char *n;

		if (!((va ^ vb) & m))
			continue;
		n = cpu_feat_name(w, b);
		if (n)
			fprintf(out, " %c%s", vb & m ? '+' : '-', n);
		else
			fprintf(out, " %cbit%u", vb & m ? '+' : '-', b);
	}
}

static unsigned diff_entry(FILE *out, const struct kvm_cpuid_entry2 *ea,
			   const struct kvm_cpuid_entry2 *eb, const struct kvm_cpuid_entry2 *key)
{
	static const struct kvm_cpuid_entry2 zero;
	unsigned n = 0;

	if (!ea)
		ea = &zero;
	if (!eb)
		eb = &zero;
	for (unsigned r = 0; r < 4; r++) {
		uint32_t va = entry_reg(ea, r), vb = entry_reg(eb, r);
		int w = word_of(key, r);

		if (va == vb)
			continue;
		fprintf(out, "  0x%08x.%u %s: 0x%08x -> 0x%08x", key->function, key->index,
			reg_names[r], va, vb);
		if (w >= 0) {
			fprintf(out, " (%s:", cpu_words[w].desc);
			diff_bits(out, w, va, vb);
			fputc(')', out);
		}
		fputc('\n', out);
		n++;
	}
	return n;
}

unsigned cpuid_diff(FILE *out, const struct cpuid_table *a, const struct cpuid_table *b,
		    const char *name_a, const char *name_b, bool only_in_b)
{
	struct cpuid_table *sa = malloc(sizeof(*sa)), *sb = malloc(sizeof(*sb));
	unsigned n = 0;

	if (!sa || !sb) {
		free(sa);
		free(sb);
		return 0;
	}
	*sa = *a;
	*sb = *b;
	cpuid_sort(sa);
	cpuid_sort(sb);
	fprintf(out, "--- %s\n+++ %s\n", name_a, name_b);
	for (unsigned i = 0; !only_in_b && i < sa->n; i++) {
		const struct kvm_cpuid_entry2 *e = &sa->e[i];

		if (!exact(sb, e->function, e->index)) {
			fprintf(out, "- 0x%08x.%u only in %s\n", e->function, e->index, name_a);
			n += 1 + diff_entry(out, e, NULL, e);
		}
	}
	for (unsigned i = 0; i < sb->n; i++) {
		const struct kvm_cpuid_entry2 *e = &sb->e[i];
		const struct kvm_cpuid_entry2 *o = exact(sa, e->function, e->index);

		if (!o && only_in_b)
			o = cpuid_find(sa, e->function, e->index);
		if (!o && !only_in_b) {
			fprintf(out, "+ 0x%08x.%u only in %s\n", e->function, e->index, name_b);
			n += 1 + diff_entry(out, NULL, e, e);
		} else {
			n += diff_entry(out, o, e, e);
		}
	}
	fprintf(out, "%u difference%s\n", n, n == 1 ? "" : "s");
	free(sa);
	free(sb);
	return n;
}

int cpuid_parse_dump(const char *text, struct cpuid_table *t, bool *done)
{
	const char *p = text;

	t->n = 0;
	*done = false;
	while (p && *p) {
		struct kvm_cpuid_entry2 e;
		const char *nl = strchr(p, '\n');

		memset(&e, 0, sizeof(e));
		if (sscanf(p, "cpuid %" SCNx32 " %" SCNx32 " %" SCNx32 " %" SCNx32 " %" SCNx32
			   " %" SCNx32, &e.function, &e.index, &e.eax, &e.ebx, &e.ecx, &e.edx) == 6) {
			e.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
			if (cpuid_set(t, &e))
				return -E2BIG;
		} else if (!strncmp(p, "cpuid-dump: done", 16)) {
			*done = true;
		}
		p = nl ? nl + 1 : NULL;
	}
	return (int)t->n;
}
