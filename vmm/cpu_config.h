/* -cpu MODEL,+feat,-feat,feat=on|off,enforce,check,tsc-frequency=HZ,vmware-cpuid-freq=on|off,
 * kvm=on|off: parsing, checking against KVM_GET_SUPPORTED_CPUID, and the vCPU CPUID table the
 * model gives (before topology and the Hyper-V leaves). Pure. */
#ifndef ENLIGHT_CPU_CONFIG_H
#define ENLIGHT_CPU_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vmm/config.h"
#include "vmm/cpu_models.h"
#include "vmm/cpuid.h"

enum cpu_check { CPU_CHECK_WARN, CPU_CHECK_OFF, CPU_CHECK_ENFORCE };

struct cpu_config {
	const struct cpu_model *model;
	/* QEMU semantics: "+f"/"-f" win over "f=on"/"f=off" whatever the order. */
	uint32_t plus[CW_COUNT], minus[CW_COUNT], on[CW_COUNT], off[CW_COUNT];
	enum cpu_check check;
	uint64_t tsc_hz;        /* 0 = not given */
	bool vmware_cpuid_freq; /* default on */
	bool kvm;               /* default on */
};

/* model NULL means "host". props are the non-hv -cpu items (struct vm_config.cpu_props).
 * 0, or -EINVAL with one line in err naming the property, the value and the fix. */
int cpu_config_parse(struct cpu_config *c, const char *model, const struct cpu_prop *props,
		     unsigned nprops, char *err, size_t errlen);

/* A feature requested but not offered by KVM. */
struct cpu_dropped {
	unsigned n;
	struct {
		uint8_t word, bit;
	} f[64];
};

/* Everything the table builder needs besides the configuration. */
struct cpu_build_env {
	bool hyperv;      /* Hyper-V leaves will replace 0x40000000.. (no 0x40000010) */
	uint32_t tsc_khz; /* guest TSC frequency, 0 = unknown */
};

/* Requested feature words (model + defaults + properties) before the host check. */
void cpu_config_words(const struct cpu_config *c, const struct cpuid_table *host,
		      uint32_t words[CW_COUNT]);

/* Build the model's CPUID table from the host's supported table. Unsupported requested
 * features are recorded in *dropped (may be NULL) and removed; with enforce they are an error
 * (-EOPNOTSUPP, err lists them). -E2BIG when the table overflows. */
int cpu_build_table(const struct cpu_config *c, const struct cpuid_table *host,
		    const struct cpu_build_env *env, struct cpuid_table *out,
		    struct cpu_dropped *dropped, char *err, size_t errlen);

/* "CPUID.07H:EBX.avx512f [bit 16]" (QEMU's warning wording). */
int cpu_feat_describe(unsigned word, unsigned bit, char *buf, size_t len);

/* Register value of (leaf, subleaf, reg) in a table, 0 when absent. */
uint32_t cpuid_reg(const struct cpuid_table *t, uint32_t leaf, uint32_t sub, enum cpu_reg r);

/* The guest sees a stable, known TSC: frequency known and invtsc exposed or given
 * (QEMU's condition for leaf 0x40000010, HYPERV-REFERENCE §2.5). */
bool cpu_tsc_stable_known(const struct cpu_config *c, const struct cpuid_table *t,
			  uint32_t tsc_khz);

#endif
