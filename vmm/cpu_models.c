/* CPU models and feature names. Facts (bit positions, model feature sets, family/model/
 * stepping, levels, brand strings) follow QEMU's target/i386/cpu.c, version 1 of each model,
 * and the Intel SDM Vol. 2A CPUID tables / AMD APM Vol. 3 appendix E. */
#include "vmm/cpu_models.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "hyperv/hv_features.h"
#include "vmm/log.h"

const struct cpu_word_info cpu_words[CW_COUNT] = {
	[CW_1_EDX] = { 0x1, 0, CPU_EDX, "CPUID.01H:EDX" },
	[CW_1_ECX] = { 0x1, 0, CPU_ECX, "CPUID.01H:ECX" },
	[CW_6_EAX] = { 0x6, 0, CPU_EAX, "CPUID.06H:EAX" },
	[CW_7_0_EBX] = { 0x7, 0, CPU_EBX, "CPUID.07H:EBX" },
	[CW_7_0_ECX] = { 0x7, 0, CPU_ECX, "CPUID.07H:ECX" },
	[CW_7_0_EDX] = { 0x7, 0, CPU_EDX, "CPUID.07H:EDX" },
	[CW_7_1_EAX] = { 0x7, 1, CPU_EAX, "CPUID.(EAX=07H,ECX=1):EAX" },
	[CW_D_1_EAX] = { 0xd, 1, CPU_EAX, "CPUID.(EAX=0DH,ECX=1):EAX" },
	[CW_8000_0001_EDX] = { 0x80000001, 0, CPU_EDX, "CPUID.80000001H:EDX" },
	[CW_8000_0001_ECX] = { 0x80000001, 0, CPU_ECX, "CPUID.80000001H:ECX" },
	[CW_8000_0007_EDX] = { 0x80000007, 0, CPU_EDX, "CPUID.80000007H:EDX" },
	[CW_8000_0008_EBX] = { 0x80000008, 0, CPU_EBX, "CPUID.80000008H:EBX" },
	[CW_8000_000A_EDX] = { 0x8000000a, 0, CPU_EDX, "CPUID.8000000AH:EDX" },
	[CW_KVM_EAX] = { 0x40000001, 0, CPU_EAX, "CPUID.40000001H:EAX" },
};

#define F(n, w, b) { n, NULL, CW_##w, b }
#define FA(n, a, w, b) { n, a, CW_##w, b }

static const struct cpu_feat feats[] = {
	/* CPUID.01H:EDX (SDM Vol. 2A Table 3-11) */
	F("fpu", 1_EDX, 0), F("vme", 1_EDX, 1), F("de", 1_EDX, 2), F("pse", 1_EDX, 3),
	F("tsc", 1_EDX, 4), F("msr", 1_EDX, 5), F("pae", 1_EDX, 6), F("mce", 1_EDX, 7),
	F("cx8", 1_EDX, 8), F("apic", 1_EDX, 9), F("sep", 1_EDX, 11), F("mtrr", 1_EDX, 12),
	F("pge", 1_EDX, 13), F("mca", 1_EDX, 14), F("cmov", 1_EDX, 15), F("pat", 1_EDX, 16),
	F("pse36", 1_EDX, 17), F("pn", 1_EDX, 18), F("clflush", 1_EDX, 19), F("ds", 1_EDX, 21),
	F("acpi", 1_EDX, 22), F("mmx", 1_EDX, 23), F("fxsr", 1_EDX, 24), F("sse", 1_EDX, 25),
	F("sse2", 1_EDX, 26), F("ss", 1_EDX, 27), F("ht", 1_EDX, 28), F("tm", 1_EDX, 29),
	F("ia64", 1_EDX, 30), F("pbe", 1_EDX, 31),
	/* CPUID.01H:ECX (SDM Vol. 2A Table 3-10) */
	FA("pni", "sse3", 1_ECX, 0), FA("pclmulqdq", "pclmuldq", 1_ECX, 1),
	F("dtes64", 1_ECX, 2), F("monitor", 1_ECX, 3), F("ds-cpl", 1_ECX, 4), F("vmx", 1_ECX, 5),
	F("smx", 1_ECX, 6), F("est", 1_ECX, 7), F("tm2", 1_ECX, 8), F("ssse3", 1_ECX, 9),
	F("cid", 1_ECX, 10), F("fma", 1_ECX, 12), F("cx16", 1_ECX, 13), F("xtpr", 1_ECX, 14),
	F("pdcm", 1_ECX, 15), F("pcid", 1_ECX, 17), F("dca", 1_ECX, 18),
	FA("sse4.1", "sse4-1", 1_ECX, 19), FA("sse4.2", "sse4-2", 1_ECX, 20),
	F("x2apic", 1_ECX, 21), F("movbe", 1_ECX, 22), F("popcnt", 1_ECX, 23),
	F("tsc-deadline", 1_ECX, 24), F("aes", 1_ECX, 25), F("xsave", 1_ECX, 26),
	F("osxsave", 1_ECX, 27), F("avx", 1_ECX, 28), F("f16c", 1_ECX, 29), F("rdrand", 1_ECX, 30),
	F("hypervisor", 1_ECX, 31),
	/* CPUID.06H:EAX */
	F("arat", 6_EAX, 2),
	/* CPUID.(EAX=07H,ECX=0):EBX/ECX/EDX (SDM Vol. 2A Table 3-8) */
	F("fsgsbase", 7_0_EBX, 0), F("tsc-adjust", 7_0_EBX, 1), F("sgx", 7_0_EBX, 2),
	F("bmi1", 7_0_EBX, 3), F("hle", 7_0_EBX, 4), F("avx2", 7_0_EBX, 5),
	F("fdp-excptn-only", 7_0_EBX, 6), F("smep", 7_0_EBX, 7), F("bmi2", 7_0_EBX, 8),
	F("erms", 7_0_EBX, 9), F("invpcid", 7_0_EBX, 10), F("rtm", 7_0_EBX, 11),
	F("zero-fcs-fds", 7_0_EBX, 13), F("mpx", 7_0_EBX, 14), F("avx512f", 7_0_EBX, 16),
	F("avx512dq", 7_0_EBX, 17), F("rdseed", 7_0_EBX, 18), F("adx", 7_0_EBX, 19),
	F("smap", 7_0_EBX, 20), F("avx512ifma", 7_0_EBX, 21), F("pcommit", 7_0_EBX, 22),
	F("clflushopt", 7_0_EBX, 23), F("clwb", 7_0_EBX, 24), F("intel-pt", 7_0_EBX, 25),
	F("avx512pf", 7_0_EBX, 26), F("avx512er", 7_0_EBX, 27), F("avx512cd", 7_0_EBX, 28),
	F("sha-ni", 7_0_EBX, 29), F("avx512bw", 7_0_EBX, 30), F("avx512vl", 7_0_EBX, 31),
	F("avx512vbmi", 7_0_ECX, 1), F("umip", 7_0_ECX, 2), F("pku", 7_0_ECX, 3),
	F("ospke", 7_0_ECX, 4), F("waitpkg", 7_0_ECX, 5), F("avx512vbmi2", 7_0_ECX, 6),
	F("gfni", 7_0_ECX, 8), F("vaes", 7_0_ECX, 9), F("vpclmulqdq", 7_0_ECX, 10),
	F("avx512vnni", 7_0_ECX, 11), F("avx512bitalg", 7_0_ECX, 12),
	F("avx512-vpopcntdq", 7_0_ECX, 14), F("la57", 7_0_ECX, 16), F("rdpid", 7_0_ECX, 22),
	F("bus-lock-detect", 7_0_ECX, 24), F("cldemote", 7_0_ECX, 25), F("movdiri", 7_0_ECX, 27),
	F("movdir64b", 7_0_ECX, 28), F("sgxlc", 7_0_ECX, 30), F("pks", 7_0_ECX, 31),
	F("avx512-4vnniw", 7_0_EDX, 2), F("avx512-4fmaps", 7_0_EDX, 3), F("fsrm", 7_0_EDX, 4),
	F("avx512-vp2intersect", 7_0_EDX, 8), F("md-clear", 7_0_EDX, 10),
	F("serialize", 7_0_EDX, 14), F("tsx-ldtrk", 7_0_EDX, 16), F("arch-lbr", 7_0_EDX, 19),
	F("amx-bf16", 7_0_EDX, 22), F("avx512-fp16", 7_0_EDX, 23), F("amx-tile", 7_0_EDX, 24),
	F("amx-int8", 7_0_EDX, 25), F("spec-ctrl", 7_0_EDX, 26), F("stibp", 7_0_EDX, 27),
	F("flush-l1d", 7_0_EDX, 28), F("arch-capabilities", 7_0_EDX, 29),
	F("core-capability", 7_0_EDX, 30), F("ssbd", 7_0_EDX, 31),
	/* CPUID.(EAX=07H,ECX=1):EAX */
	F("avx-vnni", 7_1_EAX, 4), F("avx512-bf16", 7_1_EAX, 5), F("fzrm", 7_1_EAX, 10),
	F("fsrs", 7_1_EAX, 11), F("fsrc", 7_1_EAX, 12),
	/* CPUID.(EAX=0DH,ECX=1):EAX (SDM Vol. 1 §13.2) */
	F("xsaveopt", D_1_EAX, 0), F("xsavec", D_1_EAX, 1), F("xgetbv1", D_1_EAX, 2),
	F("xsaves", D_1_EAX, 3), F("xfd", D_1_EAX, 4),
	/* CPUID.80000001H:EDX/ECX (AMD APM Vol. 3 E.4.2) */
	F("syscall", 8000_0001_EDX, 11), FA("nx", "xd", 8000_0001_EDX, 20),
	F("mmxext", 8000_0001_EDX, 22), FA("fxsr-opt", "ffxsr", 8000_0001_EDX, 25),
	F("pdpe1gb", 8000_0001_EDX, 26), F("rdtscp", 8000_0001_EDX, 27),
	FA("lm", "i64", 8000_0001_EDX, 29), F("3dnowext", 8000_0001_EDX, 30),
	F("3dnow", 8000_0001_EDX, 31),
	F("lahf-lm", 8000_0001_ECX, 0), F("cmp-legacy", 8000_0001_ECX, 1),
	F("svm", 8000_0001_ECX, 2), F("extapic", 8000_0001_ECX, 3),
	F("cr8legacy", 8000_0001_ECX, 4), F("abm", 8000_0001_ECX, 5), F("sse4a", 8000_0001_ECX, 6),
	F("misalignsse", 8000_0001_ECX, 7), F("3dnowprefetch", 8000_0001_ECX, 8),
	F("osvw", 8000_0001_ECX, 9), F("ibs", 8000_0001_ECX, 10), F("xop", 8000_0001_ECX, 11),
	F("skinit", 8000_0001_ECX, 12), F("wdt", 8000_0001_ECX, 13), F("lwp", 8000_0001_ECX, 15),
	F("fma4", 8000_0001_ECX, 16), F("tce", 8000_0001_ECX, 17),
	F("nodeid-msr", 8000_0001_ECX, 19), F("tbm", 8000_0001_ECX, 21),
	F("topoext", 8000_0001_ECX, 22), F("perfctr-core", 8000_0001_ECX, 23),
	F("perfctr-nb", 8000_0001_ECX, 24),
	/* CPUID.80000007H:EDX[8] invariant TSC (SDM Vol. 3B §18.17.1) */
	F("invtsc", 8000_0007_EDX, 8),
	/* CPUID.80000008H:EBX (AMD APM Vol. 3 E.4.7) */
	F("clzero", 8000_0008_EBX, 0), F("xsaveerptr", 8000_0008_EBX, 2),
	F("wbnoinvd", 8000_0008_EBX, 9), F("ibpb", 8000_0008_EBX, 12), F("ibrs", 8000_0008_EBX, 14),
	F("amd-stibp", 8000_0008_EBX, 15), F("stibp-always-on", 8000_0008_EBX, 17),
	F("amd-ssbd", 8000_0008_EBX, 24), F("virt-ssbd", 8000_0008_EBX, 25),
	F("amd-no-ssb", 8000_0008_EBX, 26), F("amd-psfd", 8000_0008_EBX, 28),
	/* CPUID.8000000AH:EDX SVM features (AMD APM Vol. 3 E.4.9) */
	F("npt", 8000_000A_EDX, 0), F("lbrv", 8000_000A_EDX, 1), F("svm-lock", 8000_000A_EDX, 2),
	F("nrip-save", 8000_000A_EDX, 3), F("tsc-scale", 8000_000A_EDX, 4),
	F("vmcb-clean", 8000_000A_EDX, 5), F("flushbyasid", 8000_000A_EDX, 6),
	F("decodeassists", 8000_000A_EDX, 7), F("pause-filter", 8000_000A_EDX, 10),
	F("pfthreshold", 8000_000A_EDX, 12), F("avic", 8000_000A_EDX, 13),
	F("v-vmsave-vmload", 8000_000A_EDX, 15), F("vgif", 8000_000A_EDX, 16),
	F("svme-addr-chk", 8000_000A_EDX, 28),
	/* CPUID.40000001H:EAX (Linux Documentation/virt/kvm/x86/cpuid.rst) */
	F("kvmclock", KVM_EAX, 0), F("kvm-nopiodelay", KVM_EAX, 1), F("kvm-mmu", KVM_EAX, 2),
	F("kvmclock", KVM_EAX, 3), F("kvm-asyncpf", KVM_EAX, 4), F("kvm-steal-time", KVM_EAX, 5),
	F("kvm-pv-eoi", KVM_EAX, 6), F("kvm-pv-unhalt", KVM_EAX, 7),
	F("kvm-pv-tlb-flush", KVM_EAX, 9), F("kvm-asyncpf-vmexit", KVM_EAX, 10),
	F("kvm-pv-ipi", KVM_EAX, 11), F("kvm-poll-control", KVM_EAX, 12),
	F("kvm-pv-sched-yield", KVM_EAX, 13), F("kvm-asyncpf-int", KVM_EAX, 14),
	F("kvm-msi-ext-dest-id", KVM_EAX, 15), F("kvmclock-stable-bit", KVM_EAX, 24),
};

#undef F
#undef FA

unsigned cpu_feat_count(void)
{
	return ARRAY_SIZE(feats);
}

const struct cpu_feat *cpu_feat_at(unsigned i)
{
	return i < ARRAY_SIZE(feats) ? &feats[i] : NULL;
}

/* QEMU's feat2prop: '_' means '-'; "sse4_1" and "sse4-1" both mean "sse4.1". */
static void canon(const char *in, char *out, size_t len)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < len; i++)
		out[i] = in[i] == '_' ? '-' : in[i];
	out[i] = '\0';
}

const struct cpu_feat *cpu_feat_lookup(const char *name, unsigned from, unsigned *index)
{
	char want[48];

	canon(name, want, sizeof(want));
	for (unsigned i = from; i < ARRAY_SIZE(feats); i++) {
		const struct cpu_feat *f = &feats[i];

		if (!strcmp(f->name, want) || (f->alias && !strcmp(f->alias, want))) {
			if (index)
				*index = i;
			return f;
		}
	}
	return NULL;
}

const char *cpu_feat_name(enum cpu_word w, unsigned bit)
{
	for (unsigned i = 0; i < ARRAY_SIZE(feats); i++)
		if (feats[i].word == w && feats[i].bit == bit)
			return feats[i].name;
	return NULL;
}

/* QEMU's PPRO_FEATURES, the family-6 baseline several models build on. */
#define PPRO "fpu de pse tsc msr mce cx8 pge cmov pat fxsr mmx sse sse2 pae sep apic "
/* Leaf 1 EDX of the modern Intel and AMD models. */
#define STD_EDX "fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 " \
		"clflush mmx fxsr sse sse2 "
#define SKX_ECX "pni pclmulqdq ssse3 fma cx16 pcid sse4.1 sse4.2 x2apic movbe popcnt " \
		"tsc-deadline aes xsave avx f16c rdrand "
#define SKX_7EBX "fsgsbase bmi1 hle avx2 smep bmi2 erms invpcid rtm rdseed adx smap clwb " \
		 "avx512f avx512dq avx512bw avx512cd avx512vl clflushopt "
#define EPYC_ECX "pni pclmulqdq monitor ssse3 fma cx16 sse4.1 sse4.2 movbe popcnt aes xsave " \
		 "avx f16c rdrand "
#define EPYC_EXT "lm rdtscp pdpe1gb fxsr-opt mmxext nx syscall osvw 3dnowprefetch " \
		 "misalignsse sse4a abm cr8legacy svm lahf-lm topoext "
#define EPYC_7EBX "fsgsbase bmi1 avx2 smep bmi2 rdseed adx smap clflushopt sha-ni "
#define XSAVE_ABC "xsaveopt xsavec xgetbv1 "
#define INTEL "GenuineIntel"
#define AMD "AuthenticAMD"

static const struct cpu_model models[] = {
	{ "host", CPU_MODEL_HOST, .desc = "KVM processor with all supported host features" },
	{ "max", CPU_MODEL_MAX, .desc = "Enables all features supported by the accelerator in the current host" },
	{ "base", CPU_MODEL_BASE, .xlevel = 0x80000008,
	  .features = "fpu de pse tsc msr pae mce cx8 apic sep pge cmov pat fxsr mmx sse sse2 "
		      "lm syscall nx",
	  .desc = "host identity with only the x86-64 baseline features" },
	{ "qemu64", CPU_MODEL_NAMED, AMD, 6, 6, 3, 0xd, 0x8000000a,
	  PPRO "mtrr clflush mca pse36 pni cx16 lm syscall nx lahf-lm svm",
	  "QEMU Virtual CPU version 2.5+", "QEMU Virtual CPU version 2.5+" },
	{ "kvm64", CPU_MODEL_NAMED, INTEL, 15, 6, 1, 0xd, 0x80000008,
	  PPRO "vme mtrr clflush mca pse36 pni cx16 lm syscall nx",
	  "Common KVM processor", "Common KVM processor" },
	{ "Skylake-Server", CPU_MODEL_NAMED, INTEL, 6, 85, 4, 0xd, 0x80000008,
	  STD_EDX SKX_ECX "lm pdpe1gb rdtscp nx syscall abm lahf-lm 3dnowprefetch "
	  SKX_7EBX "pku " XSAVE_ABC "arat",
	  "Intel Xeon Processor (Skylake)", "Intel Xeon Processor (Skylake)" },
	{ "Cascadelake-Server", CPU_MODEL_NAMED, INTEL, 6, 85, 6, 0xd, 0x80000008,
	  STD_EDX SKX_ECX "lm pdpe1gb rdtscp nx syscall abm lahf-lm 3dnowprefetch "
	  SKX_7EBX "pku avx512vnni spec-ctrl ssbd " XSAVE_ABC "arat",
	  "Intel Xeon Processor (Cascadelake)", "Intel Xeon Processor (Cascadelake)" },
	{ "Icelake-Server", CPU_MODEL_NAMED, INTEL, 6, 134, 0, 0xd, 0x80000008,
	  STD_EDX SKX_ECX "lm pdpe1gb rdtscp nx syscall abm lahf-lm 3dnowprefetch wbnoinvd "
	  SKX_7EBX "avx512vbmi umip pku avx512vbmi2 gfni vaes vpclmulqdq avx512vnni "
	  "avx512bitalg avx512-vpopcntdq la57 spec-ctrl ssbd " XSAVE_ABC "arat",
	  "Intel Xeon Processor (Icelake)", "Intel Xeon Processor (Icelake)" },
	{ "EPYC", CPU_MODEL_NAMED, AMD, 23, 1, 2, 0xd, 0x8000001e,
	  STD_EDX EPYC_ECX EPYC_EXT EPYC_7EBX XSAVE_ABC "arat npt nrip-save",
	  "AMD EPYC Processor", "AMD EPYC Processor" },
	{ "EPYC-Rome", CPU_MODEL_NAMED, AMD, 23, 49, 0, 0xd, 0x8000001e,
	  STD_EDX EPYC_ECX EPYC_EXT "perfctr-core clzero xsaveerptr wbnoinvd ibpb amd-stibp "
	  EPYC_7EBX "clwb umip rdpid " XSAVE_ABC "xsaves arat npt nrip-save",
	  "AMD EPYC-Rome Processor", "AMD EPYC-Rome Processor" },
	{ "EPYC-Milan", CPU_MODEL_NAMED, AMD, 25, 1, 1, 0xd, 0x8000001e,
	  STD_EDX EPYC_ECX "pcid " EPYC_EXT "perfctr-core clzero xsaveerptr wbnoinvd ibpb ibrs "
	  "amd-stibp amd-ssbd " EPYC_7EBX "clwb erms invpcid umip rdpid pku fsrm "
	  XSAVE_ABC "xsaves arat npt nrip-save svme-addr-chk",
	  "AMD EPYC-Milan Processor", "AMD EPYC-Milan Processor" },
};

/* QEMU kvm_default_props (x2apic on; acpi, monitor, svm off; the default KVM paravirtual
 * features) and x86_cpu_load_model's CPUID_EXT_HYPERVISOR. */
const char cpu_kvm_default_on[] = "hypervisor x2apic kvmclock kvm-nopiodelay kvm-asyncpf "
				  "kvm-steal-time kvm-pv-eoi kvmclock-stable-bit kvm-asyncpf-int";
const char cpu_kvm_default_off[] = "acpi monitor svm";

unsigned cpu_model_count(void)
{
	return ARRAY_SIZE(models);
}

const struct cpu_model *cpu_model_at(unsigned i)
{
	return i < ARRAY_SIZE(models) ? &models[i] : NULL;
}

const struct cpu_model *cpu_model_find(const char *name)
{
	for (unsigned i = 0; i < ARRAY_SIZE(models); i++)
		if (!strcmp(models[i].name, name))
			return &models[i];
	return NULL;
}

int cpu_model_words(const struct cpu_model *m, uint32_t words[CW_COUNT], const char **bad)
{
	const char *p = m->features ? m->features : "";

	memset(words, 0, CW_COUNT * sizeof(words[0]));
	while (*p) {
		char name[48];
		size_t len = strcspn(p, " ");
		unsigned idx = 0;
		const struct cpu_feat *f;
		bool found = false;

		if (len && len < sizeof(name)) {
			memcpy(name, p, len);
			name[len] = '\0';
			for (f = cpu_feat_lookup(name, 0, &idx); f;
			     f = cpu_feat_lookup(name, idx + 1, &idx)) {
				words[f->word] |= 1u << f->bit;
				found = true;
			}
			if (!found) {
				if (bad)
					*bad = p;
				return -ENOENT;
			}
		}
		p += len;
		while (*p == ' ')
			p++;
	}
	return 0;
}

void cpu_help_print(FILE *out)
{
	unsigned col = 0;

	fprintf(out, "Available CPU models (-cpu MODEL[,+feat][,-feat][,feat=on|off]...):\n");
	for (unsigned i = 0; i < ARRAY_SIZE(models); i++)
		fprintf(out, "  %-20s %s\n", models[i].name, models[i].desc);
	fprintf(out, "\nCPU properties:\n"
		"  enforce              refuse to start when a requested feature is not supported\n"
		"  check                warn about unsupported features (the default; they are dropped)\n"
		"  tsc-frequency=HZ     guest TSC frequency (KVM_SET_TSC_KHZ)\n"
		"  vmware-cpuid-freq=on|off  timing leaf 0x40000010 (default on; never with Hyper-V)\n"
		"  kvm=on|off           KVM paravirtual leaves 0x40000000/1 (default on)\n"
		"\nRecognized CPUID flags:\n ");
	for (unsigned i = 0; i < ARRAY_SIZE(feats); i++) {
		size_t len = strlen(feats[i].name) + 1;

		if (i && !strcmp(feats[i].name, feats[i - 1].name))
			continue;
		if (col + len > 76) {
			fprintf(out, "\n ");
			col = 0;
		}
		fprintf(out, " %s", feats[i].name);
		col += (unsigned)len;
	}
	fprintf(out, "\n\nHyper-V enlightenments:\n");
	hv_config_describe(out, NULL, NULL);
}
