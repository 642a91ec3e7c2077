#include "vmm/cpuid.h"

#include <errno.h>
#include <string.h>

struct kvm_cpuid_entry2 *cpuid_find(struct cpuid_table *t, uint32_t fn, uint32_t idx)
{
	for (unsigned i = 0; i < t->n; i++) {
		struct kvm_cpuid_entry2 *e = &t->e[i];

		if (e->function == fn &&
		    (!(e->flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) || e->index == idx))
			return e;
	}
	return NULL;
}

int cpuid_set(struct cpuid_table *t, const struct kvm_cpuid_entry2 *e)
{
	for (unsigned i = 0; i < t->n; i++) {
		if (t->e[i].function == e->function && t->e[i].index == e->index) {
			t->e[i] = *e;
			return 0;
		}
	}
	if (t->n == CPUID_MAX_ENTRIES)
		return -E2BIG;
	t->e[t->n++] = *e;
	return 0;
}

void cpuid_remove(struct cpuid_table *t, uint32_t fn)
{
	unsigned j = 0;

	for (unsigned i = 0; i < t->n; i++)
		if (t->e[i].function != fn)
			t->e[j++] = t->e[i];
	t->n = j;
}

int cpuid_set_field(uint32_t *reg, unsigned lo, unsigned hi, uint32_t val)
{
	uint32_t width = hi - lo + 1;
	uint32_t mask = width >= 32 ? 0xffffffffu : ((1u << width) - 1);

	if (hi < lo || hi > 31 || (val & ~mask))
		return -ERANGE;
	*reg = (*reg & ~(mask << lo)) | (val << lo);
	return 0;
}

static unsigned bits_for(unsigned n)
{
	unsigned b = 0;

	while ((1u << b) < n)
		b++;
	return b;
}

void topo_from_smp(const struct smp_config *smp, struct cpu_topo *t)
{
	t->threads = smp->threads ? smp->threads : 1;
	t->cores = smp->cores ? smp->cores : 1;
	t->dies = smp->dies ? smp->dies : 1;
	t->sockets = smp->sockets ? smp->sockets : 1;
	t->thread_bits = bits_for(t->threads);
	t->core_bits = bits_for(t->cores);
	t->die_bits = bits_for(t->dies);
}

uint32_t topo_apic_id(const struct cpu_topo *t, unsigned index)
{
	unsigned thread = index % t->threads;
	unsigned core = (index / t->threads) % t->cores;
	unsigned die = (index / (t->threads * t->cores)) % t->dies;
	unsigned socket = index / (t->threads * t->cores * t->dies);

	return (uint32_t)((socket << (t->die_bits + t->core_bits + t->thread_bits)) |
			  (die << (t->core_bits + t->thread_bits)) | (core << t->thread_bits) |
			  thread);
}

/* Extended topology leaf level types (SDM Vol. 2A, CPUID leaf 0BH/1FH: ECX[15:8]). */
enum { TOPO_LEVEL_INVALID = 0, TOPO_LEVEL_SMT = 1, TOPO_LEVEL_CORE = 2, TOPO_LEVEL_DIE = 5 };

static void topo_leaf(struct kvm_cpuid_entry2 *e, unsigned sub, unsigned shift, unsigned count,
		      unsigned type, uint32_t apic_id)
{
	e->eax = shift & 0x1f;
	e->ebx = count & 0xffff;
	e->ecx = (sub & 0xff) | (type << 8);
	e->edx = apic_id;
}

static bool vendor_amd(struct cpuid_table *t)
{
	struct kvm_cpuid_entry2 *e = cpuid_find(t, 0, 0);

	/* "AuthenticAMD" / "HygonGenuine": EBX holds the first four characters. */
	return e && (e->ebx == 0x68747541 || e->ebx == 0x6f677948);
}

/* AMD: CPUID.80000008H:ECX[15:12] ApicIdSize (APIC ID bits per package), [7:0] NC (threads per
 * package - 1); CPUID.8000001EH (AMD APM Vol. 3 Appendix E, "Extended APIC ID"): EAX extended
 * APIC ID, EBX[15:8] threads per core - 1 and [7:0] core ID, ECX[10:8] nodes per processor - 1
 * and [7:0] node ID. A die is a node, as in QEMU. */
static int topo_amd(struct cpuid_table *t, const struct cpu_topo *topo, unsigned index,
		    uint32_t apic_id)
{
	unsigned per_pkg = topo->threads * topo->cores * topo->dies;
	unsigned core = (index / topo->threads) % (topo->cores * topo->dies);
	unsigned node = index / (topo->threads * topo->cores);
	struct kvm_cpuid_entry2 *e = cpuid_find(t, 0x80000008, 0);
	int r = 0;

	if (e) {
		e->ecx = 0;
		r |= cpuid_set_field(&e->ecx, 12, 15,
				     topo->die_bits + topo->core_bits + topo->thread_bits);
		r |= cpuid_set_field(&e->ecx, 0, 7, (per_pkg - 1) & 0xff);
	}
	e = cpuid_find(t, 0x8000001e, 0);
	if (e) {
		e->eax = apic_id;
		e->ebx = 0;
		e->ecx = 0;
		e->edx = 0;
		r |= cpuid_set_field(&e->ebx, 8, 15, (topo->threads - 1) & 0xff);
		r |= cpuid_set_field(&e->ebx, 0, 7, core & 0xff);
		r |= cpuid_set_field(&e->ecx, 8, 10, (topo->dies - 1) & 7);
		r |= cpuid_set_field(&e->ecx, 0, 7, node & 0xff);
	}
	return r;
}

int cpuid_apply_topology(struct cpuid_table *t, const struct cpu_topo *topo, unsigned index)
{
	uint32_t apic_id = topo_apic_id(topo, index);
	unsigned per_pkg = topo->threads * topo->cores * topo->dies;
	struct kvm_cpuid_entry2 *e = cpuid_find(t, 1, 0);
	int r = 0;

	if (e) {
		/* CPUID.01H:EBX[31:24] initial APIC ID, EBX[23:16] logical processors per package
		 * (SDM Vol. 2A); HTT (EDX[28]) says the count field is valid. */
		r |= cpuid_set_field(&e->ebx, 24, 31, apic_id & 0xff);
		r |= cpuid_set_field(&e->ebx, 16, 23,
				     per_pkg > 255 ? 255 : (1u << (topo->die_bits + topo->core_bits +
								    topo->thread_bits)) & 0xff);
		if (per_pkg > 1)
			e->edx |= 1u << 28;
	}
	for (unsigned i = 0; i < t->n; i++) {
		e = &t->e[i];
		if (e->function == 4 && (e->eax & 0x1f)) {
			/* CPUID.04H:EAX[31:26] cores per package - 1, EAX[25:14] sharing threads - 1 */
			uint32_t cores = topo->cores * topo->dies;
			uint32_t level = (e->eax >> 5) & 7;
			uint32_t share = level <= 2 ? topo->threads : per_pkg;

			r |= cpuid_set_field(&e->eax, 26, 31, (cores - 1) & 0x3f);
			r |= cpuid_set_field(&e->eax, 14, 25, (share - 1) & 0xfff);
		} else if (e->function == 0xb) {
			unsigned smt_shift = topo->thread_bits;
			unsigned core_shift = topo->thread_bits + topo->core_bits + topo->die_bits;

			if (e->index == 0)
				topo_leaf(e, 0, smt_shift, topo->threads, TOPO_LEVEL_SMT, apic_id);
			else if (e->index == 1)
				topo_leaf(e, 1, core_shift, per_pkg, TOPO_LEVEL_CORE, apic_id);
			else
				topo_leaf(e, e->index, 0, 0, TOPO_LEVEL_INVALID, apic_id);
		} else if (e->function == 0x1f) {
			unsigned smt_shift = topo->thread_bits;
			unsigned core_shift = topo->thread_bits + topo->core_bits;
			unsigned die_shift = core_shift + topo->die_bits;

			if (e->index == 0)
				topo_leaf(e, 0, smt_shift, topo->threads, TOPO_LEVEL_SMT, apic_id);
			else if (e->index == 1)
				topo_leaf(e, 1, core_shift, topo->threads * topo->cores,
					  TOPO_LEVEL_CORE, apic_id);
			else if (e->index == 2)
				topo_leaf(e, 2, die_shift, per_pkg, TOPO_LEVEL_DIE, apic_id);
			else
				topo_leaf(e, e->index, 0, 0, TOPO_LEVEL_INVALID, apic_id);
		}
	}
	if (vendor_amd(t))
		r |= topo_amd(t, topo, index, apic_id);
	return r ? -ERANGE : 0;
}
