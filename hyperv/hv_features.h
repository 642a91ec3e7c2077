/* Hyper-V enlightenments: the feature table, the -cpu hv-* options, dependency
 * and host checks. Pure: no ioctls, no global state.
 *
 * One const table (hv_features.c) drives option parsing, dependency checks,
 * host-support checks, CPUID building (hv_cpuid.c), MSR/hypercall gating for
 * the userspace backend and the help text. It mirrors QEMU's
 * kvm_hyperv_properties[] (target/i386/kvm/kvm.c), including its order: QEMU
 * reports the first unmet condition walking the table in HYPERV_FEAT_* order,
 * and a feature's dependencies lowest index first, so enum hv_feat keeps
 * QEMU's numbering to give the same first error.
 */
#ifndef ENLIGHT_HV_FEATURES_H
#define ENLIGHT_HV_FEATURES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Same order and values as QEMU's HYPERV_FEAT_* (target/i386/cpu.h). */
enum hv_feat {
	HV_FEAT_RELAXED,
	HV_FEAT_VAPIC,
	HV_FEAT_TIME,
	HV_FEAT_CRASH,
	HV_FEAT_RESET,
	HV_FEAT_VPINDEX,
	HV_FEAT_RUNTIME,
	HV_FEAT_SYNIC,
	HV_FEAT_STIMER,
	HV_FEAT_FREQUENCIES,
	HV_FEAT_REENLIGHTENMENT,
	HV_FEAT_TLBFLUSH,
	HV_FEAT_EVMCS,
	HV_FEAT_IPI,
	HV_FEAT_STIMER_DIRECT,
	HV_FEAT_AVIC,
	HV_FEAT_SYNDBG,
	HV_FEAT_EMSR_BITMAP,
	HV_FEAT_XMM_INPUT,
	HV_FEAT_TLBFLUSH_EXT,
	HV_FEAT_TLBFLUSH_DIRECT,
	HV_FEAT_COUNT
};
/* "No feature needed" (e.g. a hypercall available with any enlightenment). */
#define HV_FEAT_NONE (-1)
#define HV_FEAT_BIT(f) (1ull << (f))

enum hv_reg { HV_REG_EAX, HV_REG_EBX, HV_REG_ECX, HV_REG_EDX };

/* CPUID bits a feature sets (and needs from the host). leaf 0 = unused slot. */
struct hv_cpuid_bits {
	uint32_t leaf;
	enum hv_reg reg;
	uint32_t bits;
};

/* Inclusive MSR index range; last == 0 ends the list. */
struct hv_msr_range {
	uint32_t first, last;
};

#define HV_FEAT_MAX_CPUID 2
#define HV_FEAT_MAX_MSR_RANGES 3
#define HV_FEAT_MAX_HCALLS 4

struct hv_feature {
	const char *name;	/* -cpu property, "hv-synic" */
	const char *alias;	/* second accepted name or NULL ("hv-apicv") */
	const char *desc;	/* QEMU's description, used verbatim in errors */
	struct hv_cpuid_bits cpuid[HV_FEAT_MAX_CPUID];
	uint64_t deps;		/* HV_FEAT_BIT()s that must also be on */
	/* Legacy host check when KVM lacks KVM_GET_SUPPORTED_HV_CPUID: the
	 * feature is available if this KVM_CAP_* is reported (0 = no cap needed)
	 * and this MSR is in KVM_GET_MSR_INDEX_LIST (0 = no MSR needed); with
	 * neither set there is no legacy path. */
	int kvm_cap;
	uint32_t legacy_msr;
	struct hv_msr_range msrs[HV_FEAT_MAX_MSR_RANGES];	/* MSRs it unlocks */
	uint16_t hcalls[HV_FEAT_MAX_HCALLS];	/* hypercall codes it unlocks, 0 ends */
	bool skip_passthrough;	/* never enabled by hv-passthrough */
	bool user_ok;		/* the userspace backend implements it */
	const char *user_reason;	/* why not, when !user_ok */
};

const struct hv_feature *hv_feature_get(enum hv_feat f);
/* Name or alias ("hv-avic", "hv-apicv"; '_' accepted for '-') -> enum hv_feat,
 * or -ENOENT. */
int hv_feature_lookup(const char *name);
/* Feature owning a synthetic MSR (HV_FEAT_NONE for the always-present
 * GUEST_OS_ID/HYPERCALL), or -ENOENT when no feature lists it. */
int hv_feature_for_msr(uint32_t msr);
/* MSRs every enabled configuration exposes (TLFS: "Hv#1" implies them). */
bool hv_msr_always_present(uint32_t msr);

enum hv_onoffauto { HV_OFF, HV_ON, HV_AUTO };

/* Which code implements the Hyper-V interface. AUTO is resolved by the core
 * (hv_backend_resolve) before hv_check_host()/hv_config_finalize(). */
enum hv_backend { HV_BACKEND_AUTO, HV_BACKEND_KERNEL, HV_BACKEND_USER };

#define HV_VENDOR_ID_LEN 12

/* The -cpu hv-* options: pure data, filled by hv_config_init() and
 * hv_config_set(), then completed by hv_config_finalize(). */
struct hv_config {
	uint64_t features;		/* HV_FEAT_BIT()s */
	uint32_t spinlocks;		/* hv-spinlocks, 0x40000004 EBX */
	char vendor_id[HV_VENDOR_ID_LEN + 1];	/* hv-vendor-id, NUL padded */
	uint32_t ver_build;		/* hv-version-id-build */
	uint16_t ver_major, ver_minor;	/* hv-version-id-major/-minor */
	uint32_t ver_spack;		/* hv-version-id-spack */
	uint8_t ver_sbranch;		/* hv-version-id-sbranch */
	uint32_t ver_snumber;		/* hv-version-id-snumber (24 bits) */
	bool passthrough;		/* hv-passthrough */
	bool enforce_cpuid;		/* hv-enforce-cpuid */
	bool synic_kvm_only;		/* x-hv-synic-kvm-only */
	enum hv_onoffauto no_nonarch_coresharing;	/* hv-no-nonarch-coresharing */
	uint32_t max_vps;		/* x-hv-max-vps, 0x40000005 EAX */
	uint32_t limits[3];		/* 0x40000005 EBX..EDX (max LPs = 64) */
	enum hv_backend backend;	/* hv-backend=auto|kernel|user */
	/* Derived, not an option: host's 0x40000004 EAX b18, used when
	 * no_nonarch_coresharing == HV_AUTO. hv_config_finalize() copies it
	 * from the kernel's view; with the user backend the core may set it
	 * (true only when SMT is off and vCPUs are pinned). */
	bool host_no_nonarch_cs;
};

/* KVM_GET_SUPPORTED_HV_CPUID as the leaves' registers (0x40000000..0x4000000A,
 * 0x40000080..0x40000082). Leaves the host did not report read as zero. */
#define HV_HOST_NLEAVES 14
struct hv_host_caps {
	bool present[HV_HOST_NLEAVES];
	uint32_t regs[HV_HOST_NLEAVES][4];	/* indexed by enum hv_reg */
};

struct kvm_cpuid_entry2;

/* Fill from the KVM_GET_SUPPORTED_HV_CPUID result. evmcs_cap_quirk: the
 * vCPU ioctl was used and KVM_CAP_HYPERV_ENLIGHTENED_VMCS exists; KVM only
 * reports the eVMCS bit after the cap is enabled, so OR it in (as QEMU). */
void hv_host_caps_from_cpuid(struct hv_host_caps *h,
			     const struct kvm_cpuid_entry2 *e, unsigned n,
			     bool evmcs_cap_quirk);
/* Synthesize the view on kernels without KVM_CAP_HYPERV_CPUID from
 * capabilities and the MSR index list (QEMU get_supported_hv_cpuid_legacy). */
struct hv_legacy_probe {
	bool (*has_cap)(void *opaque, int kvm_cap);
	bool (*has_msr)(void *opaque, uint32_t msr);
	void *opaque;
};
void hv_host_caps_legacy(struct hv_host_caps *h, const struct hv_legacy_probe *p);
uint32_t hv_host_reg(const struct hv_host_caps *h, uint32_t leaf, enum hv_reg reg);
/* All CPUID bits of feature f reported by the host. */
bool hv_host_has_feature(const struct hv_host_caps *h, enum hv_feat f);

void hv_config_init(struct hv_config *c);
/* Apply one -cpu property. key: "hv-synic", "hv-spinlocks", "hv-windows",
 * "x-hv-max-vps", ... ('_' accepted for '-': hv_passthrough). val: NULL for a
 * bare flag, else the text after '='. Returns 0, -ENOENT when key is not a
 * Hyper-V option (caller tries other parsers), or -EINVAL with a message in
 * err naming the option, the value, the reason and the fix. */
int hv_config_set(struct hv_config *c, const char *key, const char *val,
		  char *err, size_t errlen);
/* QEMU's hyperv_enabled() minus the KVM_CAP_HYPERV part: any feature, a
 * non-default hv-spinlocks, or hv-passthrough. Vendor/version alone do not. */
bool hv_enabled(const struct hv_config *c);

/* The first unmet dependency, in QEMU's order: features by index, each
 * feature's dependencies lowest index first, then SynIC -> VP_INDEX (unless
 * x-hv-synic-kvm-only). "Hyper-V <desc> requires Hyper-V <desc>". */
int hv_check_deps(const struct hv_config *c, char *err, size_t errlen);
/* Every requested feature available in the backend. Kernel: its CPUID bits
 * are in the host view ("Hyper-V <desc> is not supported by kernel"). User:
 * the userspace backend implements it. be must not be HV_BACKEND_AUTO. */
int hv_check_host(const struct hv_config *c, const struct hv_host_caps *host,
		  enum hv_backend be, char *err, size_t errlen);
/* QEMU's kvm_hyperv_expand_features(): nothing when !hv_enabled. Passthrough:
 * kernel backend copies vendor, version, limits, spinlocks and every feature
 * the host reports (except skip_passthrough ones); user backend enables every
 * feature the userspace backend implements (except skip_passthrough), keeps
 * the configured identity, and needs no host view. Otherwise: per feature
 * in table order, host check then dependencies (so "not supported" can come
 * before "requires", as QEMU), then SynIC -> VP_INDEX. Also records
 * host_no_nonarch_cs from the kernel view. host may be NULL for the user
 * backend. */
int hv_config_finalize(struct hv_config *c, const struct hv_host_caps *host,
		       enum hv_backend be, char *err, size_t errlen);
/* AUTO -> KERNEL when KVM has KVM_CAP_HYPERV, else USER. */
enum hv_backend hv_backend_resolve(enum hv_backend want, bool kvm_has_hyperv);
const char *hv_backend_name(enum hv_backend be);

/* The hv-windows preset: features and spinlocks (STYLE.md point 14). */
extern const uint64_t hv_windows_features;
extern const uint32_t hv_windows_spinlocks;

/* -cpu help / --probe listing: one line per feature with its description,
 * dependencies, userspace-backend support, and, when c/host are given,
 * whether it is requested / reported by the kernel. */
void hv_config_describe(FILE *out, const struct hv_config *c,
			const struct hv_host_caps *host);

#endif
