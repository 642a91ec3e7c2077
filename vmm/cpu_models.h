/* CPU models and CPUID feature names, QEMU's spelling (target/i386/cpu.c builtin_x86_defs and
 * feature_word_info). Pure const tables.
 *
 * A feature word is one CPUID output register (leaf, subleaf, register); a feature name is one
 * bit of one word. Models list their features by name, so every bit position is written once,
 * in the name table. */
#ifndef ENLIGHT_CPU_MODELS_H
#define ENLIGHT_CPU_MODELS_H

#include <stdint.h>
#include <stdio.h>

enum cpu_reg { CPU_EAX, CPU_EBX, CPU_ECX, CPU_EDX };

enum cpu_word {
	CW_1_EDX,
	CW_1_ECX,
	CW_6_EAX,
	CW_7_0_EBX,
	CW_7_0_ECX,
	CW_7_0_EDX,
	CW_7_1_EAX,
	CW_D_1_EAX,
	CW_8000_0001_EDX,
	CW_8000_0001_ECX,
	CW_8000_0007_EDX,
	CW_8000_0008_EBX,
	CW_8000_000A_EDX,
	CW_KVM_EAX, /* 0x40000001 EAX: KVM paravirtual features */
	CW_COUNT
};

struct cpu_word_info {
	uint32_t leaf, subleaf;
	enum cpu_reg reg;
	const char *desc; /* "CPUID.07H:EBX" (SDM notation) */
};
extern const struct cpu_word_info cpu_words[CW_COUNT];

struct cpu_feat {
	const char *name;  /* QEMU property name: "avx512f" */
	const char *alias; /* second accepted name ("sse3" for "pni") or NULL */
	uint8_t word;      /* enum cpu_word */
	uint8_t bit;
};

/* Number of entries / entry i of the feature name table. */
unsigned cpu_feat_count(void);
const struct cpu_feat *cpu_feat_at(unsigned i);
/* Name or alias; '_' is accepted for '-' and "sse4_1"/"sse4-1" for "sse4.1". NULL if unknown.
 * A name can own several bits (QEMU's "kvmclock" is bits 0 and 3 of the KVM word): start
 * with from = 0 and pass the index after the previous match to find the next. */
const struct cpu_feat *cpu_feat_lookup(const char *name, unsigned from, unsigned *index);
/* Name of (word, bit), or NULL when the bit has no name. */
const char *cpu_feat_name(enum cpu_word w, unsigned bit);

enum cpu_model_kind {
	CPU_MODEL_NAMED, /* fixed identity and features (qemu64, Skylake-Server, ...) */
	CPU_MODEL_HOST,  /* everything KVM_GET_SUPPORTED_CPUID offers, host identity */
	CPU_MODEL_MAX,   /* the same under KVM (QEMU: "all features the accelerator supports") */
	CPU_MODEL_BASE,  /* host identity, only the x86-64 baseline */
};

struct cpu_model {
	const char *name;
	enum cpu_model_kind kind;
	const char *vendor; /* 12 characters, NULL = host's */
	unsigned family, model, stepping;
	uint32_t level, xlevel; /* 0 = host's */
	const char *features;   /* space-separated feature names */
	const char *model_id;   /* brand string, CPUID 0x80000002..4; NULL = host's */
	const char *desc;
};

unsigned cpu_model_count(void);
const struct cpu_model *cpu_model_at(unsigned i);
const struct cpu_model *cpu_model_find(const char *name);
/* The model's feature words (every name resolved). -ENOENT names the unknown feature in
 * *bad (a test keeps the table free of them). */
int cpu_model_words(const struct cpu_model *m, uint32_t words[CW_COUNT], const char **bad);

/* Features every named model gets under KVM (QEMU kvm_default_props + "hypervisor"), and
 * those it loses. */
extern const char cpu_kvm_default_on[];
extern const char cpu_kvm_default_off[];

/* -cpu help: models, feature names, then the hv-* list. */
void cpu_help_print(FILE *out);

#endif
