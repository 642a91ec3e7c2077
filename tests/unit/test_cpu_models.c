/* vmm/cpu_models, cpu_config, cpuid topology, tsc_plan, cpuid_fmt: golden CPUID tables built
 * from canned host tables (no /dev/kvm). Expected values are written out from the Intel SDM
 * Vol. 2A CPUID tables / AMD APM Vol. 3 Appendix E, not computed by the code under test. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "hyperv/hv_cpuid.h"
#include "vmm/cpu_config.h"
#include "vmm/cpuid_fmt.h"
#include "vmm/log.h"
#include "vmm/tsc_plan.h"

static void put(struct cpuid_table *t, uint32_t fn, uint32_t idx, uint32_t a, uint32_t b,
		uint32_t c, uint32_t d)
{
	struct kvm_cpuid_entry2 e = { .function = fn, .index = idx, .eax = a, .ebx = b, .ecx = c,
				      .edx = d };

	if (fn == 4 || fn == 7 || fn == 0xb || fn == 0xd || fn == 0x1f)
		e.flags = KVM_CPUID_FLAG_SIGNIFCANT_INDEX;
	assert_int_equal(cpuid_set(t, &e), 0);
}

/* An Intel host whose KVM offers every bit any model asks for (all ones in the feature words),
 * KVM's leaves at 0x40000000, XSAVE components 0-2, 5-7, 9. */
static void rich_host(struct cpuid_table *t, bool invtsc)
{
	memset(t, 0, sizeof(*t));
	put(t, 0, 0, 0x1b, 0x756e6547, 0x6c65746e, 0x49656e69); /* GenuineIntel */
	put(t, 1, 0, 0x000a0671, 0x00010800, 0x7ffefbff, 0xbfebfbff);
	put(t, 4, 0, 0x00000121, 0x01c0003f, 0x3f, 0);
	put(t, 4, 1, 0, 0, 0, 0);
	put(t, 6, 0, 0x4, 0x1, 0x9, 0x2);
	put(t, 7, 0, 1, 0xffffffff, 0xffffffef, 0xffffffff);
	put(t, 7, 1, 0xffffffff, 0, 0, 0);
	put(t, 0xb, 0, 0, 1, 0x100, 0);
	put(t, 0xb, 1, 0, 0, 0x201, 0);
	put(t, 0xd, 0, 0x2e7, 0xa88, 0xa88, 0);
	put(t, 0xd, 1, 0x1f, 0, 0, 0);
	put(t, 0xd, 2, 0x100, 0x240, 0, 0);
	put(t, 0xd, 5, 0x40, 0x440, 0, 0);
	put(t, 0xd, 6, 0x200, 0x480, 0, 0);
	put(t, 0xd, 7, 0x400, 0x680, 0, 0);
	put(t, 0xd, 9, 0x8, 0xa80, 0, 0);
	put(t, 0x14, 0, 1, 0, 0, 0);
	put(t, 0x40000000, 0, 0x40000001, 0x4b4d564b, 0x564b4d56, 0x4d);
	put(t, 0x40000001, 0, 0x01007efb, 0, 0, 0);
	put(t, 0x80000000, 0, 0x80000021, 0, 0, 0);
	put(t, 0x80000001, 0, 0, 0, 0xffffffff, 0xffffffff);
	put(t, 0x80000006, 0, 0, 0, 0x08007040, 0);
	put(t, 0x80000007, 0, 0, 0, 0, invtsc ? 0x100 : 0);
	put(t, 0x80000008, 0, 0x3030, 0xffffffff, 0, 0);
	put(t, 0x8000000a, 0, 1, 0x40, 0, 0xffffffff);
}

static struct cpu_config parse_ok(const char *model, const char *const *props, unsigned n)
{
	struct cpu_prop p[16] = { { 0 } };
	struct cpu_config c;
	char err[256] = "";

	for (unsigned i = 0; i < n; i++) {
		const char *eq = strchr(props[i], '=');

		p[i].key = strndup(props[i], eq ? (size_t)(eq - props[i]) : strlen(props[i]));
		p[i].val = eq ? strdup(eq + 1) : NULL;
	}
	assert_int_equal(cpu_config_parse(&c, model, p, n, err, sizeof(err)), 0);
	for (unsigned i = 0; i < n; i++) {
		free(p[i].key);
		free(p[i].val);
	}
	return c;
}

static int parse_err(const char *model, const char *prop, char *err, size_t len)
{
	struct cpu_prop p;
	struct cpu_config c;
	const char *eq = strchr(prop, '=');
	int r;

	p.key = strndup(prop, eq ? (size_t)(eq - prop) : strlen(prop));
	p.val = eq ? strdup(eq + 1) : NULL;
	r = cpu_config_parse(&c, model, &p, 1, err, len);
	free(p.key);
	free(p.val);
	return r;
}

static void build(const char *model, const char *const *props, unsigned n,
		  const struct cpuid_table *host, uint32_t tsc_khz, struct cpuid_table *out)
{
	struct cpu_config c = parse_ok(model, props, n);
	struct cpu_build_env env = { .hyperv = false, .tsc_khz = tsc_khz };
	char err[512];

	assert_int_equal(cpu_build_table(&c, host, &env, out, NULL, err, sizeof(err)), 0);
}

static uint32_t R(const struct cpuid_table *t, uint32_t fn, uint32_t idx, enum cpu_reg r)
{
	assert_non_null(cpuid_find((struct cpuid_table *)t, fn, idx));
	return cpuid_reg(t, fn, idx, r);
}

static void every_model_and_default_resolves(void **state)
{
	uint32_t w[CW_COUNT];
	const char *bad = NULL;

	(void)state;
	for (unsigned i = 0; i < cpu_model_count(); i++) {
		const struct cpu_model *m = cpu_model_at(i);

		assert_int_equal(cpu_model_words(m, w, &bad), 0);
		if (m->kind == CPU_MODEL_NAMED)
			assert_int_equal(strlen(m->vendor), 12);
	}
	assert_int_equal(cpu_model_words(&(struct cpu_model){ .features = cpu_kvm_default_on }, w,
					 &bad), 0);
	assert_int_equal(cpu_model_words(&(struct cpu_model){ .features = cpu_kvm_default_off }, w,
					 &bad), 0);
	assert_int_equal(cpu_model_words(&(struct cpu_model){ .features = "sse3 avx512fx" }, w,
					 &bad), -ENOENT);
	assert_string_equal(bad, "avx512fx");
	/* The required models exist. */
	static const char *const need[] = { "qemu64", "kvm64", "max", "host", "base",
					    "Skylake-Server", "Cascadelake-Server", "Icelake-Server",
					    "EPYC", "EPYC-Rome", "EPYC-Milan" };
	for (unsigned i = 0; i < ARRAY_SIZE(need); i++)
		assert_non_null(cpu_model_find(need[i]));
}

static void feature_names(void **state)
{
	unsigned idx;
	const struct cpu_feat *f;

	(void)state;
	f = cpu_feat_lookup("sse3", 0, &idx);
	assert_string_equal(f->name, "pni");
	assert_int_equal(f->word, CW_1_ECX);
	assert_int_equal(f->bit, 0); /* SDM: CPUID.01H:ECX.SSE3[bit 0] */
	f = cpu_feat_lookup("sse4_2", 0, &idx);
	assert_int_equal(f->bit, 20);
	assert_int_equal(cpu_feat_lookup("x2apic", 0, NULL)->bit, 21);
	assert_int_equal(cpu_feat_lookup("avx512f", 0, NULL)->bit, 16);
	assert_int_equal(cpu_feat_lookup("avx512f", 0, NULL)->word, CW_7_0_EBX);
	f = cpu_feat_lookup("invtsc", 0, NULL); /* SDM Vol. 3B 18.17.1: CPUID.80000007H:EDX[8] */
	assert_int_equal(f->word, CW_8000_0007_EDX);
	assert_int_equal(f->bit, 8);
	/* "kvmclock" owns two bits (KVM_FEATURE_CLOCKSOURCE and CLOCKSOURCE2). */
	f = cpu_feat_lookup("kvmclock", 0, &idx);
	assert_int_equal(f->bit, 0);
	f = cpu_feat_lookup("kvmclock", idx + 1, &idx);
	assert_non_null(f);
	assert_int_equal(f->bit, 3);
	assert_null(cpu_feat_lookup("kvmclock", idx + 1, &idx));
	assert_null(cpu_feat_lookup("sse5", 0, NULL));
}

static void golden_skylake_server(void **state)
{
	struct cpuid_table *host = malloc(sizeof(*host)), *t = malloc(sizeof(*t));

	(void)state;
	rich_host(host, false);
	build("Skylake-Server", NULL, 0, host, 2600000, t);
	assert_int_equal(R(t, 0, 0, CPU_EAX), 0xd);
	assert_int_equal(R(t, 0, 0, CPU_EBX), 0x756e6547); /* "Genu" */
	/* Family 6, model 85 (0x55: extended model 5), stepping 4: SDM Figure 3-6. */
	assert_int_equal(R(t, 1, 0, CPU_EAX), 0x00050654);
	assert_int_equal(R(t, 1, 0, CPU_ECX), 0xf7fa3203);
	assert_int_equal(R(t, 1, 0, CPU_EDX), 0x078bfbff);
	assert_int_equal(R(t, 7, 0, CPU_EAX), 0);          /* no 7.1 features: max subleaf 0 */
	assert_null(cpuid_find(t, 7, 1));
	assert_int_equal(R(t, 7, 0, CPU_EBX), 0xd19f0fb9);
	assert_int_equal(R(t, 7, 0, CPU_ECX), 1u << 3);    /* pku */
	assert_int_equal(R(t, 7, 0, CPU_EDX), 0);
	assert_int_equal(R(t, 6, 0, CPU_EAX), 4);          /* arat */
	assert_int_equal(R(t, 6, 0, CPU_ECX), 0);
	/* XSAVE: x87, SSE, AVX, AVX-512 (5-7), PKRU (9); largest end 0xa80 + 8 = 0xa88. */
	assert_int_equal(R(t, 0xd, 0, CPU_EAX), 0x2e7);
	assert_int_equal(R(t, 0xd, 0, CPU_ECX), 0xa88);
	assert_int_equal(R(t, 0xd, 1, CPU_EAX), 0x7);      /* xsaveopt xsavec xgetbv1 */
	assert_null(cpuid_find(t, 0x14, 0));               /* no intel-pt */
	assert_int_equal(R(t, 0x80000000, 0, CPU_EAX), 0x80000008);
	assert_null(cpuid_find(t, 0x8000000a, 0));
	assert_null(cpuid_find(t, 0x80000021, 0));
	/* lm pdpe1gb rdtscp nx syscall; lahf-lm abm 3dnowprefetch */
	assert_int_equal(R(t, 0x80000001, 0, CPU_EDX), 0x2c100800);
	assert_int_equal(R(t, 0x80000001, 0, CPU_ECX), 0x121);
	assert_int_equal(R(t, 0x80000002, 0, CPU_EAX), 0x65746e49); /* "Inte" */
	/* KVM defaults: kvmclock(0,3) nopiodelay(1) asyncpf(4) steal-time(5) pv-eoi(6)
	 * asyncpf-int(14) stable-bit(24). */
	assert_int_equal(R(t, 0x40000001, 0, CPU_EAX), 0x0100407b);
	free(host);
	free(t);
}

static void golden_cascadelake_icelake(void **state)
{
	struct cpuid_table *host = malloc(sizeof(*host)), *t = malloc(sizeof(*t));

	(void)state;
	rich_host(host, false);
	build("Cascadelake-Server", NULL, 0, host, 0, t);
	assert_int_equal(R(t, 1, 0, CPU_EAX), 0x00050656);
	assert_int_equal(R(t, 7, 0, CPU_ECX), (1u << 3) | (1u << 11));   /* pku avx512vnni */
	assert_int_equal(R(t, 7, 0, CPU_EDX), (1u << 26) | (1u << 31));  /* spec-ctrl ssbd */
	build("Icelake-Server", NULL, 0, host, 0, t);
	assert_int_equal(R(t, 1, 0, CPU_EAX), 0x00080660); /* model 134 = 0x86 */
	assert_int_equal(R(t, 7, 0, CPU_ECX), 0x00015f4e);
	assert_int_equal(R(t, 0x80000008, 0, CPU_EBX), 1u << 9);          /* wbnoinvd */
	free(host);
	free(t);
}

static void golden_epyc_family(void **state)
{
	struct cpuid_table *host = malloc(sizeof(*host)), *t = malloc(sizeof(*t));
	const char *const smp_ignored[] = { "x2apic=off" };

	(void)state;
	rich_host(host, false);
	build("EPYC", NULL, 0, host, 0, t);
	assert_int_equal(R(t, 0, 0, CPU_EBX), 0x68747541); /* "Auth" */
	assert_int_equal(R(t, 0, 0, CPU_ECX), 0x444d4163); /* "cAMD" */
	assert_int_equal(R(t, 0x80000000, 0, CPU_EBX), 0x68747541);
	/* Family 23 = 0xf + 8, model 1, stepping 2 (AMD APM: CPUID Fn0000_0001_EAX). */
	assert_int_equal(R(t, 1, 0, CPU_EAX), 0x00800f12);
	assert_int_equal(R(t, 0x80000001, 0, CPU_EAX), 0x00800f12);
	/* AMD mirrors leaf 1 EDX bits 0-9, 12-17, 23, 24 into 0x80000001 EDX. */
	assert_int_equal(R(t, 0x80000001, 0, CPU_EDX) & 0x0183f3ff, 0x0183f3ff);
	/* svm is off under KVM by default, so the SVM leaf goes; topoext keeps 0x8000001E. */
	assert_int_equal(R(t, 0x80000001, 0, CPU_ECX) & (1u << 2), 0);
	assert_null(cpuid_find(t, 0x8000000a, 0));
	assert_non_null(cpuid_find(t, 0x8000001e, 0));
	assert_int_equal(R(t, 0x80000000, 0, CPU_EAX), 0x8000001e);
	build("EPYC-Milan", smp_ignored, 1, host, 0, t);
	assert_int_equal(R(t, 1, 0, CPU_EAX), 0x00a00f11);
	assert_int_equal(R(t, 1, 0, CPU_ECX) & (1u << 21), 0);            /* x2apic=off */
	assert_int_equal(R(t, 7, 0, CPU_EDX), 1u << 4);                   /* fsrm */
	build("EPYC-Rome", NULL, 0, host, 0, t);
	assert_int_equal(R(t, 1, 0, CPU_EAX), 0x00830f10);
	assert_int_equal(R(t, 0xd, 1, CPU_EAX), 0xf);                     /* + xsaves */
	free(host);
	free(t);
}

static void golden_qemu64_kvm64_base_host(void **state)
{
	struct cpuid_table *host = malloc(sizeof(*host)), *t = malloc(sizeof(*t));
	const char *const minus[] = { "-avx512f", "-la57" };

	(void)state;
	rich_host(host, false);
	build("qemu64", NULL, 0, host, 0, t);
	assert_int_equal(R(t, 1, 0, CPU_EAX), 0x00000663);
	/* pni cx16 x2apic hypervisor (monitor off, svm off under KVM). */
	assert_int_equal(R(t, 1, 0, CPU_ECX), 0x80202001);
	assert_null(cpuid_find(t, 0xd, 0));      /* no xsave */
	build("kvm64", NULL, 0, host, 0, t);
	assert_int_equal(R(t, 1, 0, CPU_EAX), 0x00000f61);
	build("base", NULL, 0, host, 0, t);
	assert_int_equal(R(t, 1, 0, CPU_EAX), 0x000a0671);       /* host identity */
	assert_int_equal(R(t, 7, 0, CPU_EBX), 0);
	build("host", minus, 2, host, 0, t);
	assert_int_equal(R(t, 7, 0, CPU_EBX), 0xfffeffff);
	assert_int_equal(R(t, 7, 0, CPU_ECX), 0xfffeffef);
	free(host);
	free(t);
}

/* This host's KVM lacks SSE3: the default drops it with a record, enforce refuses. */
static void unsupported_features(void **state)
{
	struct cpuid_table *host = malloc(sizeof(*host)), *t = malloc(sizeof(*t));
	struct cpu_config c = parse_ok("qemu64", NULL, 0);
	struct cpu_build_env env = { 0 };
	const char *const enforce[] = { "enforce" };
	struct cpu_dropped d;
	char err[512];

	(void)state;
	rich_host(host, false);
	cpuid_find(host, 1, 0)->ecx &= ~1u;
	assert_int_equal(cpu_build_table(&c, host, &env, t, &d, err, sizeof(err)), 0);
	assert_int_equal(d.n, 1);
	assert_int_equal(d.f[0].word, CW_1_ECX);
	assert_int_equal(R(t, 1, 0, CPU_ECX) & 1, 0);
	cpu_feat_describe(d.f[0].word, d.f[0].bit, err, sizeof(err));
	assert_string_equal(err, "CPUID.01H:ECX.pni [bit 0]");
	c = parse_ok("qemu64", enforce, 1);
	assert_int_equal(cpu_build_table(&c, host, &env, t, &d, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "CPUID.01H:ECX.pni [bit 0]"));
	/* +invtsc only when the host has it. */
	const char *const inv[] = { "+invtsc", "enforce" };
	c = parse_ok("host", inv, 2);
	assert_int_equal(cpu_build_table(&c, host, &env, t, &d, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "invtsc"));
	rich_host(host, true);
	assert_int_equal(cpu_build_table(&c, host, &env, t, &d, err, sizeof(err)), 0);
	free(host);
	free(t);
}

static void parse_errors(void **state)
{
	char err[256];
	const char *const plus_wins[] = { "-x2apic", "x2apic=on" };
	struct cpu_config c;

	(void)state;
	assert_int_equal(parse_err("qemu65", "enforce", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "'qemu65' is not known (did you mean 'qemu64'?)"));
	assert_int_equal(parse_err("host", "+x2apc", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "did you mean 'x2apic'"));
	assert_int_equal(parse_err("host", "+x2apic=on", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_err("host", "avx=maybe", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "avx=maybe"));
	assert_int_equal(parse_err("host", "tsc-frequency=fast", err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "tsc-frequency=fast"));
	assert_int_equal(parse_err("host", "kvm=perhaps", err, sizeof(err)), -EINVAL);
	assert_int_equal(parse_err("host", "tsc-frequency=2500M", err, sizeof(err)), 0);
	/* QEMU: "-feat" wins over "feat=on" whatever the order. */
	c = parse_ok("Skylake-Server", plus_wins, 2);
	assert_true(c.minus[CW_1_ECX] & (1u << 21));
	assert_true(c.on[CW_1_ECX] & (1u << 21));
	c = parse_ok("host", (const char *const[]){ "tsc-frequency=2500000000" }, 1);
	assert_int_equal(c.tsc_hz, 2500000000ull);
}

/* Leaf 0x40000010 (HYPERV-REFERENCE §2.5). */
static void timing_leaf(void **state)
{
	struct cpuid_table *host = malloc(sizeof(*host)), *t = malloc(sizeof(*t));
	struct cpu_config c;
	struct cpu_build_env env = { .tsc_khz = 2600000 };
	const char *const freq[] = { "tsc-frequency=2600000000" };
	const char *const off[] = { "tsc-frequency=2600000000", "vmware-cpuid-freq=off" };
	const char *const nokvm[] = { "tsc-frequency=2600000000", "kvm=off" };

	(void)state;
	rich_host(host, false);
	build("host", NULL, 0, host, 2600000, t);          /* no invtsc, no frequency: unknown */
	assert_null(cpuid_find(t, 0x40000010, 0));
	build("host", freq, 1, host, 2600000, t);
	assert_int_equal(R(t, 0x40000010, 0, CPU_EAX), 2600000);
	assert_int_equal(R(t, 0x40000010, 0, CPU_EBX), 1000000);
	assert_int_equal(R(t, 0x40000000, 0, CPU_EAX), 0x40000010);
	rich_host(host, true);
	build("host", NULL, 0, host, 2600000, t);          /* invtsc: stable and known */
	assert_non_null(cpuid_find(t, 0x40000010, 0));
	build("host", off, 2, host, 2600000, t);
	assert_null(cpuid_find(t, 0x40000010, 0));
	build("host", nokvm, 2, host, 2600000, t);
	assert_null(cpuid_find(t, 0x40000000, 0));
	assert_null(cpuid_find(t, 0x40000001, 0));
	c = parse_ok("host", freq, 1);
	env.hyperv = true;
	assert_int_equal(cpu_build_table(&c, host, &env, t, NULL, NULL, 0), 0);
	assert_null(cpuid_find(t, 0x40000010, 0));
	free(host);
	free(t);
}

/* With Hyper-V flags the hv hook runs on the model table: Microsoft leaves at 0x40000000, KVM
 * moved to 0x40000100, CPUID.1:ECX[31]. */
static void hyperv_flag_sets(void **state)
{
	struct cpuid_table *host = malloc(sizeof(*host)), *t = malloc(sizeof(*t));
	struct cpu_config c = parse_ok("Skylake-Server", NULL, 0);
	struct cpu_build_env env = { .hyperv = true, .tsc_khz = 2600000 };
	struct hv_config hv;
	char err[256];

	(void)state;
	rich_host(host, true);
	hv_config_init(&hv);
	assert_int_equal(hv_config_set(&hv, "hv-relaxed", NULL, err, sizeof(err)), 0);
	assert_int_equal(hv_config_set(&hv, "hv-vapic", NULL, err, sizeof(err)), 0);
	assert_int_equal(cpu_build_table(&c, host, &env, t, NULL, err, sizeof(err)), 0);
	assert_int_equal(hv_cpuid_apply(&hv, t->e, &t->n, CPUID_MAX_ENTRIES), 0);
	assert_int_equal(R(t, 0x40000000, 0, CPU_EBX), 0x7263694d);   /* "Micr" */
	assert_int_equal(R(t, 0x40000001, 0, CPU_EAX), 0x31237648);   /* "Hv#1" */
	assert_int_equal(R(t, 0x40000100, 0, CPU_EBX), 0x4b4d564b);   /* "KVMK" */
	assert_int_equal(R(t, 0x40000101, 0, CPU_EAX), 0x0100407b);
	assert_null(cpuid_find(t, 0x40000010, 0));
	assert_true(R(t, 1, 0, CPU_ECX) & (1u << 31));
	free(host);
	free(t);
}

static void topology_intel_and_amd(void **state)
{
	struct cpuid_table *host = malloc(sizeof(*host)), *t = malloc(sizeof(*t));
	struct smp_config smp = { .cpus = 8, .sockets = 1, .dies = 2, .cores = 2, .threads = 2 };
	struct cpu_topo topo;

	(void)state;
	rich_host(host, false);
	topo_from_smp(&smp, &topo);
	/* vCPU 5: thread 1, core 0, die 1 -> APIC ID die<<2 | core<<1 | thread = 5. */
	assert_int_equal(topo_apic_id(&topo, 5), 5);
	build("EPYC", NULL, 0, host, 0, t);
	assert_int_equal(cpuid_apply_topology(t, &topo, 5), 0);
	assert_int_equal(R(t, 1, 0, CPU_EBX) >> 24, 5);
	assert_int_equal((R(t, 1, 0, CPU_EBX) >> 16) & 0xff, 8);
	assert_true(R(t, 1, 0, CPU_EDX) & (1u << 28));                /* HTT */
	assert_int_equal(R(t, 0x8000001e, 0, CPU_EAX), 5);
	assert_int_equal(R(t, 0x8000001e, 0, CPU_EBX), 0x102);        /* 2 threads/core, core 2 */
	assert_int_equal(R(t, 0x8000001e, 0, CPU_ECX), 0x101);        /* 2 nodes, node 1 */
	assert_int_equal(R(t, 0x80000008, 0, CPU_ECX), 0x3007);       /* 3 ID bits, 8 threads */
	build("Skylake-Server", NULL, 0, host, 0, t);
	assert_int_equal(cpuid_apply_topology(t, &topo, 5), 0);
	assert_int_equal(R(t, 0xb, 0, CPU_EDX), 5);
	assert_int_equal(R(t, 0xb, 1, CPU_EBX), 8);
	assert_int_equal(R(t, 0x80000008, 0, CPU_ECX), 0);            /* Intel: untouched */
	free(host);
	free(t);
}

/* TSC rules as a matrix: scaling or not, inside or outside KVM's 250 ppm. */
static void tsc_matrix(void **state)
{
	static const struct {
		uint64_t want_hz;
		bool scaling;
		int ret;
		enum tsc_method m;
		uint32_t khz;
	} cases[] = {
		{ 0, false, 0, TSC_HOST, 2600000 },
		{ 0, true, 0, TSC_HOST, 2600000 },
		{ 2600000000ull, false, 0, TSC_TOLERANCE, 2600000 },
		{ 2600650000ull, false, 0, TSC_TOLERANCE, 2600650 },      /* +250 ppm: edge, in */
		{ 2600651000ull, false, -EOPNOTSUPP, TSC_HOST, 0 },       /* just outside */
		{ 2599350000ull, false, 0, TSC_TOLERANCE, 2599350 },      /* -250 ppm */
		{ 2599349000ull, false, -EOPNOTSUPP, TSC_HOST, 0 },
		{ 1000000000ull, false, -EOPNOTSUPP, TSC_HOST, 0 },
		{ 1000000000ull, true, 0, TSC_SCALED, 1000000 },
		{ 2600651000ull, true, 0, TSC_SCALED, 2600651 },
	};
	struct tsc_host h = { .khz = 2600000 };
	struct tsc_plan p;
	char err[512];

	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		h.tsc_control = cases[i].scaling;
		err[0] = '\0';
		assert_int_equal(tsc_plan_make(cases[i].want_hz, &h, &p, err, sizeof(err)),
				 cases[i].ret);
		if (cases[i].ret) {
			/* Both frequencies, the missing capability, what would work. */
			assert_non_null(strstr(err, "2600000 kHz"));
			assert_non_null(strstr(err, "KVM_CAP_TSC_CONTROL"));
			assert_non_null(strstr(err, "2599350..2600650 kHz"));
			continue;
		}
		assert_int_equal(p.method, cases[i].m);
		assert_int_equal(p.khz, cases[i].khz);
		assert_int_equal(p.set_vcpu, cases[i].m != TSC_HOST);
	}
	h.khz = 0;
	h.tsc_control = false;
	assert_int_equal(tsc_plan_make(2600000000ull, &h, &p, err, sizeof(err)), -EOPNOTSUPP);
	assert_non_null(strstr(err, "unknown"));
	assert_int_equal(tsc_error_ppm(2600260000ull, 2600000000ull), 100);
	assert_int_equal(tsc_error_ppm(2599740000ull, 2600000000ull), -100);
}

static void diff_and_dump(void **state)
{
	struct cpuid_table *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	bool done;

	(void)state;
	rich_host(a, false);
	build("Skylake-Server", NULL, 0, a, 0, b);
	*a = *b;
	cpuid_find(b, 1, 0)->ecx &= ~(1u << 21);
	cpuid_find(b, 7, 0)->ebx |= 1u << 14;
	assert_int_equal(cpuid_diff(f, a, b, "A", "B", false), 2);
	fclose(f);
	assert_non_null(strstr(buf, "-x2apic"));
	assert_non_null(strstr(buf, "+mpx"));
	free(buf);
	assert_int_equal(cpuid_parse_dump("noise\ncpuid 00000001 00 00050654 00010800 f7fa3203 "
					  "078bfbff\ncpuid-dump: done 1\n", b, &done), 1);
	assert_true(done);
	assert_int_equal(R(b, 1, 0, CPU_EAX), 0x00050654);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(every_model_and_default_resolves),
		cmocka_unit_test(feature_names),
		cmocka_unit_test(golden_skylake_server),
		cmocka_unit_test(golden_cascadelake_icelake),
		cmocka_unit_test(golden_epyc_family),
		cmocka_unit_test(golden_qemu64_kvm64_base_host),
		cmocka_unit_test(unsupported_features),
		cmocka_unit_test(parse_errors),
		cmocka_unit_test(timing_leaf),
		cmocka_unit_test(hyperv_flag_sets),
		cmocka_unit_test(topology_intel_and_amd),
		cmocka_unit_test(tsc_matrix),
		cmocka_unit_test(diff_and_dump),
	};

	log_quiet = true;
	return cmocka_run_group_tests_name("cpu_models", tests, NULL, NULL);
}
