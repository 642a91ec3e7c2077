/* -cpu parsing and the model's CPUID table. QEMU's order (x86_cpu_expand_features,
 * x86_cpu_filter_features, cpu_x86_cpuid): model words, KVM defaults, properties, filter by
 * what KVM supports, then the leaves are written from the surviving words. */
#include "vmm/cpu_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/log.h"
#include "vmm/strutil.h"

#define LEAF_EXT_BASE 0x80000000u
#define LEAF_HV_FIRST 0x40000000u
#define LEAF_HV_LAST 0x400000ffu
#define LEAF_KVM_FEATURES 0x40000001u
/* VMware-style timing leaf (HYPERVISOR-REFERENCE §2.5): EAX TSC kHz, EBX APIC bus kHz. */
#define LEAF_TIMING 0x40000010u
/* KVM's APIC bus runs at 1 GHz (QEMU apic_bus_freq; KVM's APIC_BUS_CYCLE_NS = 1). */
#define APIC_BUS_KHZ 1000000u
/* AMD APM Vol. 3 E.4.2: leaf 1 EDX bits mirrored into 0x80000001 EDX on AMD
 * (QEMU CPUID_EXT2_AMD_ALIASES). */
#define AMD_EDX_ALIASES 0x0183f3ffu
/* XCR0 components (SDM Vol. 1 §13.1): x87, SSE always; others follow a feature. */
#define XCR0_LEGACY 0x3u
#define XSAVE_LEGACY_SIZE (512u + 64u) /* legacy region + XSAVE header */

static int errf(char *err, size_t len, const char *fmt, ...) PRINTF_LIKE(3, 4);
static int errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int onoff(const char *v, bool *out)
{
	if (!v || !strcmp(v, "on") || !strcmp(v, "true") || !strcmp(v, "yes"))
		return *out = true, 0;
	if (!strcmp(v, "off") || !strcmp(v, "false") || !strcmp(v, "no"))
		return *out = false, 0;
	return -EINVAL;
}

/* "2500000000", "2500M", "2500000k"; "2.5G" is not accepted (integers only). */
static const struct num_unit hz_units[] = {
	{ "k", 1000 }, { "K", 1000 }, { "M", 1000000 }, { "G", 1000000000 }, { NULL, 0 },
};

static int parse_hz(const char *s, uint64_t *hz)
{
	return parse_scaled(s, hz_units, 1, INT64_MAX, hz);
}

/* Set or clear every bit the name owns in words[]. -ENOENT when no feature has the name. */
static int feat_apply(uint32_t words[CW_COUNT], const char *name, bool set)
{
	unsigned idx = 0;
	const struct cpu_feat *f = cpu_feat_lookup(name, 0, &idx);

	if (!f)
		return -ENOENT;
	for (; f; f = cpu_feat_lookup(name, idx + 1, &idx))
		words[f->word] |= set ? 1u << f->bit : 0;
	return 0;
}

static int unknown_feature(const char *name, char *err, size_t errlen)
{
	const char *s = str_suggest(name, cpu_feat_at(0), cpu_feat_count(), sizeof(struct cpu_feat));

	return errf(err, errlen, "-cpu: '%s' is not a CPU feature or property%s%s%s", name,
		    s ? " (did you mean '" : "", s ? s : "", s ? "'?)" : "; see -cpu help");
}

static int prop_apply(struct cpu_config *c, const char *key, const char *val, char *err,
		      size_t errlen)
{
	bool b;

	if (key[0] == '+' || key[0] == '-') {
		if (val)
			return errf(err, errlen, "-cpu: '%s=%s': a +/- flag takes no value; use %s or %s=on",
				    key, val, key, key + 1);
		if (feat_apply(key[0] == '+' ? c->plus : c->minus, key + 1, true))
			return unknown_feature(key + 1, err, errlen);
		return 0;
	}
	if (!strcmp(key, "enforce") || !strcmp(key, "check")) {
		if (onoff(val, &b))
			return errf(err, errlen, "-cpu: %s=%s: use on or off", key, val);
		if (!strcmp(key, "enforce"))
			c->check = b ? CPU_CHECK_ENFORCE : CPU_CHECK_WARN;
		else if (c->check != CPU_CHECK_ENFORCE)
			c->check = b ? CPU_CHECK_WARN : CPU_CHECK_OFF;
		return 0;
	}
	if (!strcmp(key, "tsc-frequency") || !strcmp(key, "tsc_frequency")) {
		int r = parse_hz(val, &c->tsc_hz);

		if (r || c->tsc_hz < 1000)
			return errf(err, errlen, "-cpu: tsc-frequency=%s is not a frequency: give Hz as an "
				    "integer of at least 1000 (k, M, G suffixes accepted), e.g. "
				    "tsc-frequency=2500000000", val ? val : "");
		return 0;
	}
	if (!strcmp(key, "vmware-cpuid-freq") || !strcmp(key, "kvm")) {
		if (onoff(val, &b))
			return errf(err, errlen, "-cpu: %s=%s: use on or off", key, val);
		*(key[0] == 'k' ? &c->kvm : &c->vmware_cpuid_freq) = b;
		return 0;
	}
	if (onoff(val, &b))
		return errf(err, errlen, "-cpu: %s=%s: use on or off", key, val);
	if (feat_apply(b ? c->on : c->off, key, true))
		return unknown_feature(key, err, errlen);
	return 0;
}

int cpu_config_parse(struct cpu_config *c, const char *model, const struct cpu_prop *props,
		     unsigned nprops, char *err, size_t errlen)
{
	memset(c, 0, sizeof(*c));
	c->vmware_cpuid_freq = true;
	c->kvm = true;
	c->model = cpu_model_find(model ? model : "host");
	if (!c->model) {
		const char *names[32];
		unsigned n = cpu_model_count() < 32 ? cpu_model_count() : 32;
		const char *s;

		for (unsigned i = 0; i < n; i++)
			names[i] = cpu_model_at(i)->name;
		s = str_suggest(model, names, n, 0);
		return errf(err, errlen, "-cpu: model '%s' is not known%s%s%s", model,
			    s ? " (did you mean '" : "", s ? s : "",
			    s ? "'?)" : "; -cpu help lists the models");
	}
	for (unsigned i = 0; i < nprops; i++) {
		int r = prop_apply(c, props[i].key, props[i].val, err, errlen);

		if (r)
			return r;
	}
	return 0;
}

uint32_t cpuid_reg(const struct cpuid_table *t, uint32_t leaf, uint32_t sub, enum cpu_reg r)
{
	const struct kvm_cpuid_entry2 *e = cpuid_find((struct cpuid_table *)(uintptr_t)t, leaf, sub);

	if (!e)
		return 0;
	switch (r) {
	case CPU_EAX: return e->eax;
	case CPU_EBX: return e->ebx;
	case CPU_ECX: return e->ecx;
	default: return e->edx;
	}
}

static uint32_t *reg_ptr(struct kvm_cpuid_entry2 *e, enum cpu_reg r)
{
	uint32_t *regs[] = { &e->eax, &e->ebx, &e->ecx, &e->edx };

	return regs[r];
}

/* Leaves whose output depends on ECX (SDM Vol. 2A CPUID; KVM's
 * KVM_CPUID_FLAG_SIGNIFCANT_INDEX set). */
static bool leaf_indexed(uint32_t fn)
{
	static const uint32_t idx[] = { 4, 7, 0xb, 0xd, 0xf, 0x10, 0x12, 0x14, 0x17, 0x18, 0x1d,
					0x1e, 0x1f, 0x20, 0x24, 0x8000001d, 0x80000020 };

	for (unsigned i = 0; i < ARRAY_SIZE(idx); i++)
		if (idx[i] == fn)
			return true;
	return false;
}

static struct kvm_cpuid_entry2 *leaf_get(struct cpuid_table *t, uint32_t fn, uint32_t sub)
{
	struct kvm_cpuid_entry2 e, *p = cpuid_find(t, fn, sub);

	if (p)
		return p;
	memset(&e, 0, sizeof(e));
	e.function = fn;
	e.index = sub;
	e.flags = leaf_indexed(fn) ? KVM_CPUID_FLAG_SIGNIFCANT_INDEX : 0;
	if (cpuid_set(t, &e))
		return NULL;
	return cpuid_find(t, fn, sub);
}

/* Remove the entries for which drop() says so. */
static void table_filter(struct cpuid_table *t, bool (*drop)(const struct kvm_cpuid_entry2 *,
							     const void *), const void *arg)
{
	unsigned j = 0;

	for (unsigned i = 0; i < t->n; i++)
		if (!drop(&t->e[i], arg))
			t->e[j++] = t->e[i];
	t->n = j;
}

struct range_arg {
	uint32_t level, xlevel;
};

static bool out_of_range(const struct kvm_cpuid_entry2 *e, const void *arg)
{
	const struct range_arg *a = arg;

	if (e->function < LEAF_HV_FIRST)
		return e->function > a->level;
	if (e->function >= LEAF_EXT_BASE && e->function < 0xc0000000u)
		return e->function > a->xlevel;
	return false;
}

static bool in_hv_range(const struct kvm_cpuid_entry2 *e, const void *arg)
{
	(void)arg;
	return e->function >= LEAF_HV_FIRST && e->function <= LEAF_HV_LAST;
}

struct sub_arg {
	uint32_t fn, keep_mask_lo; /* 0xD: subleaves >= 2 kept when their bit is set */
	uint32_t max_sub;          /* other leaves: subleaves above this go */
};

static bool sub_unwanted(const struct kvm_cpuid_entry2 *e, const void *arg)
{
	const struct sub_arg *a = arg;

	if (e->function != a->fn)
		return false;
	if (a->fn == 0xd)
		return e->index >= 2 && (e->index >= 32 || !(a->keep_mask_lo & (1u << e->index)));
	return e->index > a->max_sub;
}

static bool leaf_is(const struct kvm_cpuid_entry2 *e, const void *arg)
{
	return e->function == *(const uint32_t *)arg;
}

static void leaf_drop(struct cpuid_table *t, uint32_t fn)
{
	table_filter(t, leaf_is, &fn);
}

static void set_vendor(struct kvm_cpuid_entry2 *e, const char *v)
{
	/* EBX, EDX, ECX hold the 12 characters in that order (SDM Vol. 2A CPUID leaf 0). */
	memcpy(&e->ebx, v, 4);
	memcpy(&e->edx, v + 4, 4);
	memcpy(&e->ecx, v + 8, 4);
}

static void host_vendor(const struct cpuid_table *t, char v[13])
{
	uint32_t r[3] = { cpuid_reg(t, 0, 0, CPU_EBX), cpuid_reg(t, 0, 0, CPU_EDX),
			  cpuid_reg(t, 0, 0, CPU_ECX) };

	memcpy(v, r, 12);
	v[12] = '\0';
}

/* CPUID.01H:EAX version information (SDM Vol. 2A Figure 3-6): family above 15 goes into the
 * extended family field, model above 15 into the extended model field. */
static uint32_t signature(unsigned family, unsigned model, unsigned stepping)
{
	uint32_t eax = stepping & 0xf;

	eax |= (model & 0xf) << 4 | ((model >> 4) & 0xf) << 16;
	if (family > 0xf)
		eax |= 0xfu << 8 | ((family - 0xf) & 0xff) << 20;
	else
		eax |= family << 8;
	return eax;
}

void cpu_config_words(const struct cpu_config *c, const struct cpuid_table *host,
		      uint32_t words[CW_COUNT])
{
	const struct cpu_model *m = c->model;
	uint32_t def_on[CW_COUNT] = { 0 }, def_off[CW_COUNT] = { 0 };

	if (m->kind == CPU_MODEL_HOST || m->kind == CPU_MODEL_MAX) {
		for (unsigned w = 0; w < CW_COUNT; w++)
			words[w] = cpuid_reg(host, cpu_words[w].leaf, cpu_words[w].subleaf,
					     cpu_words[w].reg);
		def_on[CW_1_ECX] = 1u << 31; /* hypervisor, as for every model */
	} else {
		cpu_model_words(m, words, NULL);
		/* Cannot fail: unit-tested constant lists. */
		cpu_model_words(&(struct cpu_model){ .features = cpu_kvm_default_on }, def_on, NULL);
		cpu_model_words(&(struct cpu_model){ .features = cpu_kvm_default_off }, def_off, NULL);
	}
	for (unsigned w = 0; w < CW_COUNT; w++) {
		words[w] = (words[w] | def_on[w]) & ~def_off[w];
		words[w] = ((words[w] | c->on[w]) & ~c->off[w]);
		words[w] = (words[w] | c->plus[w]) & ~c->minus[w];
	}
	/* OSXSAVE and OSPKE mirror CR4 at run time (KVM computes them). */
	words[CW_1_ECX] &= ~(1u << 27);
	words[CW_7_0_ECX] &= ~(1u << 4);
}

int cpu_feat_describe(unsigned word, unsigned bit, char *buf, size_t len)
{
	const char *name = word < CW_COUNT ? cpu_feat_name(word, bit) : NULL;

	if (word >= CW_COUNT)
		return -EINVAL;
	return snprintf(buf, len, "%s%s%s [bit %u]", cpu_words[word].desc, name ? "." : "",
			name ? name : "", bit);
}

/* Bits KVM offers regardless of its supported-CPUID answer: the hypervisor bit, and x2APIC
 * and the TSC deadline timer, emulated by the in-kernel LAPIC enlight always uses (QEMU's
 * kvm_arch_get_supported_cpuid adds the same three). */
static uint32_t host_word(const struct cpuid_table *host, unsigned w)
{
	uint32_t v = cpuid_reg(host, cpu_words[w].leaf, cpu_words[w].subleaf, cpu_words[w].reg);

	if (w == CW_1_ECX)
		v |= 1u << 31 | 1u << 21 | 1u << 24;
	return v;
}

static int filter_words(const struct cpu_config *c, const struct cpuid_table *host,
			uint32_t words[CW_COUNT], struct cpu_dropped *dropped, char *err,
			size_t errlen)
{
	size_t used = 0;
	bool any = false;

	if (dropped)
		dropped->n = 0;
	for (unsigned w = 0; w < CW_COUNT; w++) {
		uint32_t miss = words[w] & ~host_word(host, w);

		for (unsigned b = 0; b < 32; b++) {
			if (!(miss & (1u << b)))
				continue;
			if (dropped && dropped->n < ARRAY_SIZE(dropped->f)) {
				dropped->f[dropped->n].word = (uint8_t)w;
				dropped->f[dropped->n].bit = (uint8_t)b;
				dropped->n++;
			}
			if (c->check == CPU_CHECK_ENFORCE && err && used < errlen) {
				if (!any)
					used += (size_t)snprintf(err, errlen,
								 "-cpu %s,enforce: KVM does not support "
								 "requested feature(s):", c->model->name);
				if (used < errlen)
					used += (size_t)snprintf(err + used, errlen - used, " ");
				if (used < errlen)
					used += (size_t)cpu_feat_describe(w, b, err + used, errlen - used);
			}
			any = true;
		}
		words[w] &= ~miss;
	}
	if (any && c->check == CPU_CHECK_ENFORCE) {
		if (err && used < errlen)
			snprintf(err + used, errlen - used,
				 "; remove them (-feat) or drop enforce to run without them");
		return -EOPNOTSUPP;
	}
	return 0;
}

/* XSAVE components a feature set enables (SDM Vol. 1 §13.1, Table 13-1). */
static uint32_t xcr0_for(const uint32_t w[CW_COUNT])
{
	uint32_t m = XCR0_LEGACY;

	if (w[CW_1_ECX] & (1u << 28))
		m |= 1u << 2;			/* AVX: YMM_Hi128 */
	if (w[CW_7_0_EBX] & (1u << 14))
		m |= 3u << 3;			/* MPX: BNDREGS, BNDCSR */
	if (w[CW_7_0_EBX] & (1u << 16))
		m |= 7u << 5;			/* AVX-512: opmask, ZMM_Hi256, Hi16_ZMM */
	if (w[CW_7_0_ECX] & (1u << 3))
		m |= 1u << 9;			/* PKRU */
	if (w[CW_7_0_EDX] & (1u << 24))
		m |= 3u << 17;			/* AMX: XTILECFG, XTILEDATA */
	return m;
}

static int build_xsave(struct cpuid_table *t, const uint32_t w[CW_COUNT])
{
	struct kvm_cpuid_entry2 *e0, *e1;
	struct sub_arg a = { .fn = 0xd };
	uint32_t size = XSAVE_LEGACY_SIZE;

	if (!(w[CW_1_ECX] & (1u << 26))) {
		leaf_drop(t, 0xd);
		return 0;
	}
	e0 = leaf_get(t, 0xd, 0);
	if (!e0)
		return -E2BIG;
	a.keep_mask_lo = e0->eax & xcr0_for(w);
	table_filter(t, sub_unwanted, &a);
	for (unsigned i = 2; i < 32; i++) {
		uint32_t end;

		if (!(a.keep_mask_lo & (1u << i)))
			continue;
		end = cpuid_reg(t, 0xd, i, CPU_EAX) + cpuid_reg(t, 0xd, i, CPU_EBX);
		if (end > size)
			size = end;
	}
	e0 = leaf_get(t, 0xd, 0);
	e1 = e0 ? leaf_get(t, 0xd, 1) : NULL;
	if (!e1)
		return -E2BIG;
	e0 = cpuid_find(t, 0xd, 0);
	/* EAX/EDX: XCR0 bits the guest may set; ECX: area for all of them; EBX: for those
	 * enabled now, which KVM recomputes when the guest writes XCR0. */
	e0->eax = a.keep_mask_lo;
	e0->edx = 0;
	e0->ecx = size;
	e0->ebx = size;
	e1->eax = w[CW_D_1_EAX];
	e1->ebx = 0;
	if (!(w[CW_D_1_EAX] & (1u << 3)))
		e1->ecx = e1->edx = 0; /* no XSAVES: no supervisor components */
	return 0;
}

static int set_brand(struct cpuid_table *t, const char *id)
{
	char brand[48] = { 0 };

	strncpy(brand, id, sizeof(brand) - 1);
	for (unsigned i = 0; i < 3; i++) {
		struct kvm_cpuid_entry2 *e = leaf_get(t, 0x80000002 + i, 0);

		if (!e)
			return -E2BIG;
		memcpy(&e->eax, brand + 16 * i, 4);
		memcpy(&e->ebx, brand + 16 * i + 4, 4);
		memcpy(&e->ecx, brand + 16 * i + 8, 4);
		memcpy(&e->edx, brand + 16 * i + 12, 4);
	}
	return 0;
}

/* Identity and ranges of a named (or base) model. */
static int build_identity(const struct cpu_model *m, const struct cpuid_table *host,
			  struct cpuid_table *t, const uint32_t w[CW_COUNT])
{
	struct range_arg ra;
	struct kvm_cpuid_entry2 *e;
	char vendor[13];
	uint32_t sig;

	host_vendor(host, vendor);
	ra.level = m->level ? m->level : cpuid_reg(host, 0, 0, CPU_EAX);
	ra.xlevel = cpuid_reg(host, LEAF_EXT_BASE, 0, CPU_EAX);
	if (m->xlevel && (m->kind == CPU_MODEL_NAMED || m->xlevel < ra.xlevel))
		ra.xlevel = m->xlevel;
	table_filter(t, out_of_range, &ra);
	e = leaf_get(t, 0, 0);
	if (!e)
		return -E2BIG;
	e->eax = ra.level;
	if (m->vendor)
		set_vendor(e, m->vendor);
	e = leaf_get(t, LEAF_EXT_BASE, 0);
	if (!e)
		return -E2BIG;
	e->eax = ra.xlevel;
	set_vendor(e, m->vendor ? m->vendor : vendor);
	if (m->kind != CPU_MODEL_NAMED)
		return 0;
	sig = signature(m->family, m->model, m->stepping);
	e = leaf_get(t, 1, 0);
	if (!e)
		return -E2BIG;
	e->eax = sig;
	e = leaf_get(t, 0x80000001, 0);
	if (!e)
		return -E2BIG;
	e->eax = sig;
	e->ebx = 0;
	/* Leaves whose every register is a feature word or zero for a model. */
	if ((e = cpuid_find(t, 6, 0)))
		e->ebx = e->ecx = e->edx = 0;
	if ((e = cpuid_find(t, 0x80000007, 0)))
		e->eax = e->ebx = e->ecx = 0;
	if ((e = cpuid_find(t, 0x80000008, 0)))
		e->edx = 0;
	/* PT only with intel-pt; SVM leaf only with svm; AMD topology only with topoext. */
	if (!(w[CW_7_0_EBX] & (1u << 25)))
		leaf_drop(t, 0x14);
	if (!(w[CW_8000_0001_ECX] & (1u << 22))) {
		leaf_drop(t, 0x8000001d);
		leaf_drop(t, 0x8000001e);
	} else if (ra.xlevel >= 0x8000001e && !leaf_get(t, 0x8000001e, 0)) {
		return -E2BIG;
	}
	return m->model_id ? set_brand(t, m->model_id) : 0;
}

static bool vendor_is_amd(const struct cpuid_table *t)
{
	char v[13];

	host_vendor(t, v);
	return !strcmp(v, "AuthenticAMD") || !strcmp(v, "HygonGenuine");
}

/* Write the words into their leaves. Leaf 7's subleaf count follows FEAT_7_1. */
static int write_words(struct cpuid_table *t, const uint32_t w[CW_COUNT], bool named)
{
	for (unsigned i = 0; i < CW_COUNT; i++) {
		const struct cpu_word_info *wi = &cpu_words[i];
		struct kvm_cpuid_entry2 *e = cpuid_find(t, wi->leaf, wi->subleaf);

		if (wi->leaf == 0xd || wi->leaf == LEAF_KVM_FEATURES)
			continue; /* build_xsave; the KVM leaves below */
		if (!e && !w[i])
			continue;
		if (wi->leaf < LEAF_EXT_BASE ? wi->leaf > cpuid_reg(t, 0, 0, CPU_EAX)
					     : wi->leaf > cpuid_reg(t, LEAF_EXT_BASE, 0, CPU_EAX))
			continue; /* out of the model's range */
		if (!e)
			e = leaf_get(t, wi->leaf, wi->subleaf);
		if (!e)
			return -E2BIG;
		*reg_ptr(e, wi->reg) = w[i];
	}
	if (named) {
		struct kvm_cpuid_entry2 *e = cpuid_find(t, 7, 0);
		struct sub_arg a = { .fn = 7, .max_sub = w[CW_7_1_EAX] ? 1 : 0 };

		if (e)
			e->eax = a.max_sub;
		table_filter(t, sub_unwanted, &a);
		if (!(w[CW_8000_0001_ECX] & (1u << 2)))
			leaf_drop(t, 0x8000000a);
	}
	if (vendor_is_amd(t)) {
		struct kvm_cpuid_entry2 *e = cpuid_find(t, 0x80000001, 0);

		if (e)
			e->edx = (e->edx & ~AMD_EDX_ALIASES) | (w[CW_1_EDX] & AMD_EDX_ALIASES);
	}
	return 0;
}

bool cpu_tsc_stable_known(const struct cpu_config *c, const struct cpuid_table *t,
			  uint32_t tsc_khz)
{
	bool invtsc = cpuid_reg(t, 0x80000007, 0, CPU_EDX) & (1u << 8);

	return tsc_khz && (invtsc || c->tsc_hz);
}

static int build_pv_leaves(const struct cpu_config *c, const struct cpu_build_env *env,
			   struct cpuid_table *t, const uint32_t w[CW_COUNT])
{
	struct kvm_cpuid_entry2 *e;

	if (!c->kvm) {
		/* kvm=off hides KVM's signature and features (QEMU's "kvm" property). */
		table_filter(t, in_hv_range, NULL);
		return 0;
	}
	if ((e = cpuid_find(t, LEAF_KVM_FEATURES, 0)))
		e->eax = w[CW_KVM_EAX];
	if (env->hyperv || !c->vmware_cpuid_freq || !cpu_tsc_stable_known(c, t, env->tsc_khz) ||
	    !cpuid_find(t, LEAF_HV_FIRST, 0))
		return 0;
	e = leaf_get(t, LEAF_TIMING, 0);
	if (!e)
		return -E2BIG;
	e->eax = env->tsc_khz;
	e->ebx = APIC_BUS_KHZ;
	e->ecx = e->edx = 0;
	e = cpuid_find(t, LEAF_HV_FIRST, 0);
	if (e->eax < LEAF_TIMING)
		e->eax = LEAF_TIMING;
	return 0;
}

int cpu_build_table(const struct cpu_config *c, const struct cpuid_table *host,
		    const struct cpu_build_env *env, struct cpuid_table *out,
		    struct cpu_dropped *dropped, char *err, size_t errlen)
{
	uint32_t w[CW_COUNT];
	bool named = c->model->kind == CPU_MODEL_NAMED || c->model->kind == CPU_MODEL_BASE;
	int r;

	if (err && errlen)
		err[0] = '\0';
	cpu_config_words(c, host, w);
	r = filter_words(c, host, w, dropped, err, errlen);
	if (r)
		return r;
	*out = *host;
	if (named) {
		r = build_identity(c->model, host, out, w);
		if (!r)
			r = build_xsave(out, w);
	}
	if (!r)
		r = write_words(out, w, named);
	if (!r)
		r = build_pv_leaves(c, env, out, w);
	if (r == -E2BIG && err)
		snprintf(err, errlen, "-cpu %s: more than %d CPUID entries", c->model->name,
			 CPUID_MAX_ENTRIES);
	return r;
}
