/* Hyper-V feature table and -cpu hv-* option handling.
 *
 * The table follows QEMU's kvm_hyperv_properties[] (descriptions verbatim,
 * same CPUID triples and dependencies, same order); see
 * shared/HYPERV-REFERENCE.md section 1 and hv_features.h.
 */
#include "hyperv/hv_features.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <string.h>

#include <linux/kvm.h>

#include "hyperv/hv_proto.h"
#include "vmm/log.h"

#define F(x) HV_FEAT_BIT(HV_FEAT_##x)
#define CPUID3(r, b) { HV_CPUID_FEATURES, HV_REG_##r, (b) }
#define CPUID4(r, b) { HV_CPUID_ENLIGHTMENT_INFO, HV_REG_##r, (b) }
#define CPUIDA(r, b) { HV_CPUID_NESTED_FEATURES, HV_REG_##r, (b) }

static const struct hv_feature hv_features[HV_FEAT_COUNT] = {
	[HV_FEAT_RELAXED] = {
		.name = "hv-relaxed",
		.desc = "relaxed timing (hv-relaxed)",
		.cpuid = { CPUID4(EAX, HV_RELAXED_TIMING_RECOMMENDED) },
		.kvm_cap = KVM_CAP_HYPERV,
		.user_ok = true,
	},
	[HV_FEAT_VAPIC] = {
		.name = "hv-vapic",
		.desc = "virtual APIC (hv-vapic)",
		.cpuid = { CPUID3(EAX, HV_APIC_ACCESS_AVAILABLE) },
		.kvm_cap = KVM_CAP_HYPERV,
		.msrs = { { HV_X64_MSR_EOI, HV_X64_MSR_VP_ASSIST_PAGE } },
		.user_ok = true,
	},
	[HV_FEAT_TIME] = {
		.name = "hv-time",
		.desc = "clocksources (hv-time)",
		.cpuid = { CPUID3(EAX, HV_TIME_REF_COUNT_AVAILABLE |
				       HV_REFERENCE_TSC_AVAILABLE) },
		.kvm_cap = KVM_CAP_HYPERV_TIME,
		.msrs = { { HV_X64_MSR_TIME_REF_COUNT, HV_X64_MSR_REFERENCE_TSC } },
		.user_ok = true,
	},
	[HV_FEAT_CRASH] = {
		.name = "hv-crash",
		.desc = "crash MSRs (hv-crash)",
		.cpuid = { CPUID3(EDX, HV_GUEST_CRASH_MSR_AVAILABLE) },
		.legacy_msr = HV_X64_MSR_CRASH_CTL,
		.msrs = { { HV_X64_MSR_CRASH_P0, HV_X64_MSR_CRASH_CTL } },
		.user_ok = true,
	},
	[HV_FEAT_RESET] = {
		.name = "hv-reset",
		.desc = "reset MSR (hv-reset)",
		.cpuid = { CPUID3(EAX, HV_RESET_AVAILABLE) },
		.legacy_msr = HV_X64_MSR_RESET,
		.msrs = { { HV_X64_MSR_RESET, HV_X64_MSR_RESET } },
		.user_ok = true,
	},
	[HV_FEAT_VPINDEX] = {
		.name = "hv-vpindex",
		.desc = "VP_INDEX MSR (hv-vpindex)",
		.cpuid = { CPUID3(EAX, HV_VP_INDEX_AVAILABLE) },
		.legacy_msr = HV_X64_MSR_VP_INDEX,
		.msrs = { { HV_X64_MSR_VP_INDEX, HV_X64_MSR_VP_INDEX } },
		.user_ok = true,
	},
	[HV_FEAT_RUNTIME] = {
		.name = "hv-runtime",
		.desc = "VP_RUNTIME MSR (hv-runtime)",
		.cpuid = { CPUID3(EAX, HV_VP_RUNTIME_AVAILABLE) },
		.legacy_msr = HV_X64_MSR_VP_RUNTIME,
		.msrs = { { HV_X64_MSR_VP_RUNTIME, HV_X64_MSR_VP_RUNTIME } },
		.user_ok = true,
	},
	[HV_FEAT_SYNIC] = {
		.name = "hv-synic",
		.desc = "synthetic interrupt controller (hv-synic)",
		.cpuid = { CPUID3(EAX, HV_SYNIC_AVAILABLE) },
		/* SynIC -> VP_INDEX is checked separately (QEMU does too), after
		 * the table walk, because x-hv-synic-kvm-only waives it. */
		.kvm_cap = KVM_CAP_HYPERV_SYNIC2,
		.legacy_msr = HV_X64_MSR_SCONTROL,
		.msrs = { { HV_X64_MSR_SCONTROL, HV_X64_MSR_EOM },
			  { HV_X64_MSR_SINT0, HV_X64_MSR_SINT15 } },
		.hcalls = { HVCALL_POST_MESSAGE, HVCALL_SIGNAL_EVENT },
		.user_ok = true,
	},
	[HV_FEAT_STIMER] = {
		.name = "hv-stimer",
		.desc = "synthetic timers (hv-stimer)",
		.cpuid = { CPUID3(EAX, HV_SYNTIMERS_AVAILABLE) },
		.deps = F(SYNIC) | F(TIME),
		.legacy_msr = HV_X64_MSR_STIMER0_CONFIG,
		.msrs = { { HV_X64_MSR_STIMER0_CONFIG, HV_X64_MSR_STIMER3_COUNT } },
		.user_ok = true,
	},
	[HV_FEAT_FREQUENCIES] = {
		.name = "hv-frequencies",
		.desc = "frequency MSRs (hv-frequencies)",
		.cpuid = { CPUID3(EAX, HV_ACCESS_FREQUENCY_MSRS),
			   CPUID3(EDX, HV_FREQUENCY_MSRS_AVAILABLE) },
		.legacy_msr = HV_X64_MSR_TSC_FREQUENCY,
		.msrs = { { HV_X64_MSR_TSC_FREQUENCY, HV_X64_MSR_APIC_FREQUENCY } },
		.user_ok = true,
	},
	[HV_FEAT_REENLIGHTENMENT] = {
		.name = "hv-reenlightenment",
		.desc = "reenlightenment MSRs (hv-reenlightenment)",
		.cpuid = { CPUID3(EAX, HV_ACCESS_REENLIGHTENMENTS_CONTROL) },
		.legacy_msr = HV_X64_MSR_REENLIGHTENMENT_CONTROL,
		.msrs = { { HV_X64_MSR_REENLIGHTENMENT_CONTROL,
			    HV_X64_MSR_TSC_EMULATION_STATUS } },
		.user_ok = true,	/* MSR storage only: enlight never migrates */
	},
	[HV_FEAT_TLBFLUSH] = {
		.name = "hv-tlbflush",
		.desc = "paravirtualized TLB flush (hv-tlbflush)",
		.cpuid = { CPUID4(EAX, HV_REMOTE_TLB_FLUSH_RECOMMENDED |
				       HV_EX_PROCESSOR_MASKS_RECOMMENDED) },
		.deps = F(VPINDEX),
		.kvm_cap = KVM_CAP_HYPERV_TLBFLUSH,
		.hcalls = { HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE,
			    HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST,
			    HVCALL_FLUSH_VIRTUAL_ADDRESS_SPACE_EX,
			    HVCALL_FLUSH_VIRTUAL_ADDRESS_LIST_EX },
		.user_ok = true,
	},
	[HV_FEAT_EVMCS] = {
		.name = "hv-evmcs",
		.desc = "enlightened VMCS (hv-evmcs)",
		.cpuid = { CPUID4(EAX, HV_ENLIGHTENED_VMCS_RECOMMENDED) },
		.deps = F(VAPIC),
		.kvm_cap = KVM_CAP_HYPERV_ENLIGHTENED_VMCS,
		.user_reason = "the enlightened VMCS lives in KVM's nested VMX code; "
			       "use hv-backend=kernel on a host with "
			       "KVM_CAP_HYPERV_ENLIGHTENED_VMCS",
	},
	[HV_FEAT_IPI] = {
		.name = "hv-ipi",
		.desc = "paravirtualized IPI (hv-ipi)",
		.cpuid = { CPUID4(EAX, HV_CLUSTER_IPI_RECOMMENDED |
				       HV_EX_PROCESSOR_MASKS_RECOMMENDED) },
		.deps = F(VPINDEX),
		.kvm_cap = KVM_CAP_HYPERV_SEND_IPI,
		.hcalls = { HVCALL_SEND_IPI, HVCALL_SEND_IPI_EX },
		.user_ok = true,
	},
	[HV_FEAT_STIMER_DIRECT] = {
		.name = "hv-stimer-direct",
		.desc = "direct mode synthetic timers (hv-stimer-direct)",
		.cpuid = { CPUID3(EDX, HV_STIMER_DIRECT_MODE_AVAILABLE) },
		.deps = F(STIMER),
		.user_ok = true,
	},
	[HV_FEAT_AVIC] = {
		.name = "hv-avic",
		.alias = "hv-apicv",
		.desc = "AVIC/APICv support (hv-avic/hv-apicv)",
		.cpuid = { CPUID4(EAX, HV_DEPRECATING_AEOI_RECOMMENDED) },
		.user_ok = true,	/* only a hint to the guest */
	},
	[HV_FEAT_SYNDBG] = {
		.name = "hv-syndbg",
		.desc = "Enable synthetic kernel debugger channel (hv-syndbg)",
		.cpuid = { CPUID3(EDX, HV_FEATURE_DEBUG_MSRS_AVAILABLE) },
		.deps = F(SYNIC) | F(RELAXED),
		.legacy_msr = HV_X64_MSR_SYNDBG_OPTIONS,
		.msrs = { { HV_X64_MSR_SYNDBG_CONTROL, HV_X64_MSR_SYNDBG_PENDING_BUFFER },
			  { HV_X64_MSR_SYNDBG_OPTIONS, HV_X64_MSR_SYNDBG_OPTIONS } },
		.hcalls = { HVCALL_POST_DEBUG_DATA, HVCALL_RETRIEVE_DEBUG_DATA,
			    HVCALL_RESET_DEBUG_SESSION },
		.skip_passthrough = true,
		.user_reason = "the synthetic debugger channel needs VMBus, which "
			       "enlight does not emulate; drop hv-syndbg",
	},
	[HV_FEAT_EMSR_BITMAP] = {
		.name = "hv-emsr-bitmap",
		.desc = "enlightened MSR-Bitmap (hv-emsr-bitmap)",
		.cpuid = { CPUIDA(EAX, HV_NESTED_MSR_BITMAP) },
		.user_reason = "the enlightened MSR bitmap is part of KVM's nested "
			       "virtualization; use hv-backend=kernel on a host "
			       "with KVM_CAP_HYPERV",
	},
	[HV_FEAT_XMM_INPUT] = {
		.name = "hv-xmm-input",
		.desc = "XMM fast hypercall input (hv-xmm-input)",
		.cpuid = { CPUID3(EDX, HV_HYPERCALL_XMM_INPUT_AVAILABLE) },
		.user_ok = true,
	},
	[HV_FEAT_TLBFLUSH_EXT] = {
		.name = "hv-tlbflush-ext",
		.desc = "Extended gva ranges for TLB flush hypercalls (hv-tlbflush-ext)",
		.cpuid = { CPUID3(EDX, HV_EXT_GVA_RANGES_FLUSH_AVAILABLE) },
		.deps = F(TLBFLUSH),
		.user_ok = true,
	},
	[HV_FEAT_TLBFLUSH_DIRECT] = {
		.name = "hv-tlbflush-direct",
		.desc = "direct TLB flush (hv-tlbflush-direct)",
		.cpuid = { CPUIDA(EAX, HV_NESTED_DIRECT_FLUSH) },
		.deps = F(VAPIC),
		.user_reason = "direct L2 TLB flush is done by KVM's nested "
			       "virtualization; use hv-backend=kernel on a host "
			       "with KVM_CAP_HYPERV",
	},
};
_Static_assert(ARRAY_SIZE(hv_features) == HV_FEAT_COUNT,
	       "hv_features[] must have one row per enum hv_feat");
_Static_assert(HV_FEAT_COUNT <= 64, "features are a 64-bit mask");

/* STYLE.md point 14: a named preset, as data. */
const uint64_t hv_windows_features =
	F(RELAXED) | F(VAPIC) | F(TIME) | F(VPINDEX) | F(RUNTIME) | F(SYNIC) |
	F(STIMER) | F(STIMER_DIRECT) | F(FREQUENCIES) | F(TLBFLUSH) | F(IPI) |
	F(RESET) | F(CRASH);
const uint32_t hv_windows_spinlocks = 0x1fff;

/* TLFS "Feature Discovery": "Hv#1" implies GUEST_OS_ID, HYPERCALL, VP_INDEX;
 * KVM and QEMU tie VP_INDEX to hv-vpindex, so only the first two are here. */
static const struct hv_msr_range hv_always_msrs[] = {
	{ HV_X64_MSR_GUEST_OS_ID, HV_X64_MSR_HYPERCALL },
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
	PRINTF_LIKE(3, 4);

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

const struct hv_feature *hv_feature_get(enum hv_feat f)
{
	if ((unsigned)f >= HV_FEAT_COUNT)
		return NULL;
	return &hv_features[f];
}

/* Copy key with '_' turned into '-' (QEMU's feat2prop: hv_passthrough). */
static bool normalize_key(char *dst, size_t len, const char *key)
{
	size_t i;

	for (i = 0; key[i]; i++) {
		if (i + 1 >= len)
			return false;
		dst[i] = key[i] == '_' ? '-' : key[i];
	}
	dst[i] = '\0';
	return true;
}

int hv_feature_lookup(const char *name)
{
	char key[64];
	unsigned i;

	if (!name || !normalize_key(key, sizeof(key), name))
		return -ENOENT;
	for (i = 0; i < HV_FEAT_COUNT; i++) {
		const struct hv_feature *f = &hv_features[i];

		if (!strcmp(key, f->name) || (f->alias && !strcmp(key, f->alias)))
			return i;
	}
	return -ENOENT;
}

static bool in_ranges(const struct hv_msr_range *r, size_t n, uint32_t msr)
{
	size_t i;

	for (i = 0; i < n && r[i].last; i++)
		if (msr >= r[i].first && msr <= r[i].last)
			return true;
	return false;
}

bool hv_msr_always_present(uint32_t msr)
{
	return in_ranges(hv_always_msrs, ARRAY_SIZE(hv_always_msrs), msr);
}

static int feature_for_msr_scan(uint32_t msr)
{
	unsigned i;

	if (hv_msr_always_present(msr))
		return HV_FEAT_NONE;
	for (i = 0; i < HV_FEAT_COUNT; i++)
		if (in_ranges(hv_features[i].msrs, HV_FEAT_MAX_MSR_RANGES, msr))
			return i;
	return -ENOENT;
}

/* The userspace backend asks on every synthetic-MSR exit: the range 0x40000000-0x400000FF
 * (TLFS "Synthetic MSRs") is answered from a table built once from hv_features, one cache
 * line instead of a scan through several feature entries. */
static int8_t msr_feature[256];
static pthread_once_t msr_feature_once = PTHREAD_ONCE_INIT;

static void msr_feature_build(void)
{
	_Static_assert(HV_FEAT_COUNT < 127 && HV_FEAT_NONE >= -128 && -ENOENT >= -128,
		       "fits int8_t");
	for (unsigned i = 0; i < ARRAY_SIZE(msr_feature); i++)
		msr_feature[i] = (int8_t)feature_for_msr_scan(HV_X64_MSR_GUEST_OS_ID + i);
}

int hv_feature_for_msr(uint32_t msr)
{
	uint32_t i = msr - HV_X64_MSR_GUEST_OS_ID;

	if (i >= ARRAY_SIZE(msr_feature))
		return feature_for_msr_scan(msr);
	pthread_once(&msr_feature_once, msr_feature_build);
	return msr_feature[i];
}

/* ---- host view ---- */

static int host_index(uint32_t leaf)
{
	if (leaf >= HV_CPUID_VENDOR_AND_MAX_FUNCTIONS &&
	    leaf <= HV_CPUID_NESTED_FEATURES)
		return leaf - HV_CPUID_VENDOR_AND_MAX_FUNCTIONS;
	if (leaf >= HV_CPUID_SYNDBG_VENDOR_AND_MAX_FUNCTIONS &&
	    leaf <= HV_CPUID_SYNDBG_PLATFORM_CAPABILITIES)
		return 11 + (leaf - HV_CPUID_SYNDBG_VENDOR_AND_MAX_FUNCTIONS);
	return -1;
}
_Static_assert(HV_HOST_NLEAVES == 11 + 3, "0x40000000..A and 0x40000080..82");

static uint32_t *host_reg_ptr(struct hv_host_caps *h, uint32_t leaf, enum hv_reg reg)
{
	int i = host_index(leaf);

	if (i < 0 || (unsigned)reg > HV_REG_EDX)
		return NULL;
	h->present[i] = true;
	return &h->regs[i][reg];
}

void hv_host_caps_from_cpuid(struct hv_host_caps *h,
			     const struct kvm_cpuid_entry2 *e, unsigned n,
			     bool evmcs_cap_quirk)
{
	unsigned i;

	memset(h, 0, sizeof(*h));
	for (i = 0; i < n; i++) {
		int k = host_index(e[i].function);

		if (k < 0 || e[i].index != 0)
			continue;
		h->present[k] = true;
		h->regs[k][HV_REG_EAX] = e[i].eax;
		h->regs[k][HV_REG_EBX] = e[i].ebx;
		h->regs[k][HV_REG_ECX] = e[i].ecx;
		h->regs[k][HV_REG_EDX] = e[i].edx;
	}
	if (evmcs_cap_quirk && h->present[host_index(HV_CPUID_ENLIGHTMENT_INFO)])
		*host_reg_ptr(h, HV_CPUID_ENLIGHTMENT_INFO, HV_REG_EAX) |=
			HV_ENLIGHTENED_VMCS_RECOMMENDED;
}

void hv_host_caps_legacy(struct hv_host_caps *h, const struct hv_legacy_probe *p)
{
	unsigned i, j;

	memset(h, 0, sizeof(*h));
	*host_reg_ptr(h, HV_CPUID_ENLIGHTMENT_INFO, HV_REG_EBX) = HV_SPINLOCK_NEVER_NOTIFY;
	*host_reg_ptr(h, HV_CPUID_FEATURES, HV_REG_EAX) = 0;
	if (p->has_cap(p->opaque, KVM_CAP_HYPERV)) {
		/* The base capability brings the hypercall MSRs and, per QEMU,
		 * the APIC-MSR recommendation and dynamic partitioning. */
		*host_reg_ptr(h, HV_CPUID_FEATURES, HV_REG_EAX) |= HV_HYPERCALL_AVAILABLE;
		*host_reg_ptr(h, HV_CPUID_FEATURES, HV_REG_EDX) |=
			HV_CPU_DYNAMIC_PARTITIONING_AVAILABLE;
		*host_reg_ptr(h, HV_CPUID_ENLIGHTMENT_INFO, HV_REG_EAX) |=
			HV_APIC_ACCESS_RECOMMENDED;
	}
	for (i = 0; i < HV_FEAT_COUNT; i++) {
		const struct hv_feature *f = &hv_features[i];

		if (!f->kvm_cap && !f->legacy_msr)
			continue;
		if (f->kvm_cap && !p->has_cap(p->opaque, f->kvm_cap))
			continue;
		if (f->legacy_msr && !p->has_msr(p->opaque, f->legacy_msr))
			continue;
		for (j = 0; j < HV_FEAT_MAX_CPUID; j++) {
			uint32_t *r;

			if (!f->cpuid[j].leaf)
				continue;
			r = host_reg_ptr(h, f->cpuid[j].leaf, f->cpuid[j].reg);
			if (r)
				*r |= f->cpuid[j].bits;
		}
	}
}

uint32_t hv_host_reg(const struct hv_host_caps *h, uint32_t leaf, enum hv_reg reg)
{
	int i = host_index(leaf);

	if (!h || i < 0 || (unsigned)reg > HV_REG_EDX || !h->present[i])
		return 0;
	return h->regs[i][reg];
}

bool hv_host_has_feature(const struct hv_host_caps *h, enum hv_feat f)
{
	const struct hv_feature *ft = hv_feature_get(f);
	unsigned j;

	if (!ft)
		return false;
	for (j = 0; j < HV_FEAT_MAX_CPUID; j++) {
		const struct hv_cpuid_bits *b = &ft->cpuid[j];

		if (b->leaf && (hv_host_reg(h, b->leaf, b->reg) & b->bits) != b->bits)
			return false;
	}
	return true;
}

/* ---- configuration ---- */

void hv_config_init(struct hv_config *c)
{
	memset(c, 0, sizeof(*c));
	c->spinlocks = HV_SPINLOCK_NEVER_NOTIFY;
	memcpy(c->vendor_id, "Microsoft Hv", HV_VENDOR_ID_LEN);
	/* Windows Server 2016, 10.0.14393 (QEMU >= 6.2 defaults) */
	c->ver_build = 0x3839;
	c->ver_major = 0xA;
	c->max_vps = 0xFFFFFFFF;	/* "no limit": WS2012+ may use > 64 VPs */
	c->limits[0] = 64;		/* max logical processors */
	c->no_nonarch_coresharing = HV_OFF;
	c->backend = HV_BACKEND_AUTO;
}

enum hv_opt_kind {
	OPT_BOOL, OPT_UINT, OPT_VENDOR, OPT_ONOFFAUTO, OPT_BACKEND, OPT_PRESET,
};

/* Non-feature options. UINT fields are written with their size (u8/u16/u32). */
struct hv_option {
	const char *name;
	enum hv_opt_kind kind;
	size_t off, size;
	uint64_t max;
	bool minus_one;		/* "-1" accepted as the all-ones value */
	const char *example;
};

#define OPT(n, k, field, m, ex)                                            \
	{ .name = n, .kind = k, .off = offsetof(struct hv_config, field),  \
	  .size = sizeof(((struct hv_config *)0)->field), .max = m,        \
	  .example = ex }

static const struct hv_option hv_options[] = {
	OPT("hv-spinlocks", OPT_UINT, spinlocks, 0xFFFFFFFF, "hv-spinlocks=0x1fff"),
	OPT("hv-vendor-id", OPT_VENDOR, vendor_id, 0, "hv-vendor-id=Microsoft Hv"),
	OPT("hv-version-id-build", OPT_UINT, ver_build, 0xFFFFFFFF,
	    "hv-version-id-build=0x3839"),
	OPT("hv-version-id-major", OPT_UINT, ver_major, 0xFFFF, "hv-version-id-major=10"),
	OPT("hv-version-id-minor", OPT_UINT, ver_minor, 0xFFFF, "hv-version-id-minor=0"),
	OPT("hv-version-id-spack", OPT_UINT, ver_spack, 0xFFFFFFFF,
	    "hv-version-id-spack=0"),
	OPT("hv-version-id-sbranch", OPT_UINT, ver_sbranch, 0xFF,
	    "hv-version-id-sbranch=0"),
	/* 0x40000002 EDX b23:0; QEMU masks silently, enlight refuses. */
	OPT("hv-version-id-snumber", OPT_UINT, ver_snumber, 0xFFFFFF,
	    "hv-version-id-snumber=0"),
	OPT("hv-passthrough", OPT_BOOL, passthrough, 0, "hv-passthrough=on"),
	OPT("hv-enforce-cpuid", OPT_BOOL, enforce_cpuid, 0, "hv-enforce-cpuid=on"),
	OPT("x-hv-synic-kvm-only", OPT_BOOL, synic_kvm_only, 0,
	    "x-hv-synic-kvm-only=on"),
	OPT("hv-no-nonarch-coresharing", OPT_ONOFFAUTO, no_nonarch_coresharing, 0,
	    "hv-no-nonarch-coresharing=on"),
	{ .name = "x-hv-max-vps", .kind = OPT_UINT,
	  .off = offsetof(struct hv_config, max_vps), .size = sizeof(uint32_t),
	  .max = 0xFFFFFFFF, .minus_one = true, .example = "x-hv-max-vps=64" },
	OPT("hv-backend", OPT_BACKEND, backend, 0, "hv-backend=kernel"),
	{ .name = "hv-windows", .kind = OPT_PRESET, .example = "hv-windows" },
};

static const struct {
	const char *word;
	bool val;
} hv_bool_words[] = {
	/* QEMU's qapi_bool_parse spellings */
	{ "on", true }, { "yes", true }, { "true", true }, { "y", true },
	{ "off", false }, { "no", false }, { "false", false }, { "n", false },
};

static int parse_bool(const char *val, bool *out)
{
	unsigned i;

	if (!val) {
		*out = true;	/* bare "hv-x" means hv-x=on */
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(hv_bool_words); i++) {
		if (!strcmp(val, hv_bool_words[i].word)) {
			*out = hv_bool_words[i].val;
			return 0;
		}
	}
	return -EINVAL;
}

/* Decimal or 0x-prefixed hex, no sign, no octal, no trailing junk.
 * -EINVAL: not a number, -ERANGE: does not fit in 64 bits. */
static int parse_u64(const char *s, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		unsigned d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (base == 16 && *s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (base == 16 && *s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* Store v (already range-checked against o->max) in a u8/u16/u32 field. */
static void store_uint(struct hv_config *c, const struct hv_option *o, uint64_t v)
{
	char *p = (char *)c + o->off;
	uint8_t v8 = v;
	uint16_t v16 = v;
	uint32_t v32 = v;

	if (o->size == sizeof(v8))
		memcpy(p, &v8, sizeof(v8));
	else if (o->size == sizeof(v16))
		memcpy(p, &v16, sizeof(v16));
	else
		memcpy(p, &v32, sizeof(v32));
}

/* Levenshtein distance for "did you mean"; names are short (< 64). */
static unsigned edit_distance(const char *a, const char *b)
{
	unsigned row[64], i, j, la = strlen(a), lb = strlen(b);

	if (la >= ARRAY_SIZE(row) || lb >= ARRAY_SIZE(row))
		return ~0u;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		unsigned diag = row[0];

		row[0] = i;
		for (j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static void consider(const char *key, const char *cand, const char **best,
		     unsigned *best_d)
{
	unsigned d;

	if (!cand)
		return;
	d = edit_distance(key, cand);
	if (d < *best_d) {
		*best_d = d;
		*best = cand;
	}
}

static const char *nearest_name(const char *key)
{
	const char *best = NULL;
	unsigned best_d = ~0u, i;

	for (i = 0; i < HV_FEAT_COUNT; i++) {
		consider(key, hv_features[i].name, &best, &best_d);
		consider(key, hv_features[i].alias, &best, &best_d);
	}
	for (i = 0; i < ARRAY_SIZE(hv_options); i++)
		consider(key, hv_options[i].name, &best, &best_d);
	/* Typos, not guesses: at most 2 edits, 3 for long names. */
	if (best_d <= 2 || (best_d == 3 && strlen(key) >= 12))
		return best;
	return NULL;
}

static int set_feature(struct hv_config *c, int f, const char *key,
		       const char *val, char *err, size_t errlen)
{
	bool on;

	if (parse_bool(val, &on)) {
		seterr(err, errlen, "%s=%s: invalid value; use %s=on or %s=off "
		       "(yes/no and true/false also work)", key, val, key, key);
		return -EINVAL;
	}
	if (on)
		c->features |= HV_FEAT_BIT(f);
	else
		c->features &= ~HV_FEAT_BIT(f);
	return 0;
}

static int set_option(struct hv_config *c, const struct hv_option *o,
		      const char *key, const char *val, char *err, size_t errlen)
{
	char *field = (char *)c + o->off;
	uint64_t v;
	bool b;
	int r;

	if (!val && o->kind != OPT_BOOL && o->kind != OPT_PRESET &&
	    o->kind != OPT_ONOFFAUTO) {
		seterr(err, errlen, "%s: needs a value, e.g. %s", key, o->example);
		return -EINVAL;
	}
	switch (o->kind) {
	case OPT_BOOL:
		if (parse_bool(val, &b)) {
			seterr(err, errlen, "%s=%s: invalid value; use %s=on or %s=off "
			       "(yes/no and true/false also work)", key, val, key, key);
			return -EINVAL;
		}
		memcpy(field, &b, sizeof(b));
		return 0;
	case OPT_UINT:
		if (o->minus_one && !strcmp(val, "-1")) {
			store_uint(c, o, o->max);
			return 0;
		}
		r = parse_u64(val, &v);
		if (r == -EINVAL) {
			seterr(err, errlen, "%s=%s: not a number; use decimal or "
			       "0x-prefixed hex, e.g. %s", key, val, o->example);
			return -EINVAL;
		}
		if (r || v > o->max) {
			seterr(err, errlen, "%s=%s: out of range; must be 0..0x%llx (%llu)%s",
			       key, val, (unsigned long long)o->max,
			       (unsigned long long)o->max,
			       o->minus_one ? " or -1 for no limit" : "");
			return -EINVAL;
		}
		store_uint(c, o, v);
		return 0;
	case OPT_VENDOR:
		memset(c->vendor_id, 0, sizeof(c->vendor_id));
		if (strlen(val) > HV_VENDOR_ID_LEN)
			pr_warn("hv-vendor-id truncated to 12 characters");
		strncpy(c->vendor_id, val, HV_VENDOR_ID_LEN);
		return 0;
	case OPT_ONOFFAUTO:
		if (val && !strcmp(val, "auto")) {
			c->no_nonarch_coresharing = HV_AUTO;
			return 0;
		}
		if (parse_bool(val, &b)) {
			seterr(err, errlen, "%s=%s: invalid value; use on, off or auto",
			       key, val);
			return -EINVAL;
		}
		c->no_nonarch_coresharing = b ? HV_ON : HV_OFF;
		return 0;
	case OPT_BACKEND:
		if (!strcmp(val, "kernel"))
			c->backend = HV_BACKEND_KERNEL;
		else if (!strcmp(val, "user"))
			c->backend = HV_BACKEND_USER;
		else if (!strcmp(val, "auto"))
			c->backend = HV_BACKEND_AUTO;
		else {
			seterr(err, errlen, "%s=%s: unknown backend; use kernel (KVM "
			       "implements Hyper-V), user (enlight does) or auto", key, val);
			return -EINVAL;
		}
		return 0;
	case OPT_PRESET:
		if (parse_bool(val, &b) || !b) {
			seterr(err, errlen, "%s=%s: hv-windows is a preset and can only "
			       "be switched on; to leave features out, list the hv-* "
			       "flags you want instead", key, val);
			return -EINVAL;
		}
		c->features |= hv_windows_features;
		c->spinlocks = hv_windows_spinlocks;
		return 0;
	}
	return -EINVAL;
}

int hv_config_set(struct hv_config *c, const char *key, const char *val,
		  char *err, size_t errlen)
{
	char k[64];
	const char *near;
	unsigned i;
	int f;

	if (!key)
		return -ENOENT;
	if (!normalize_key(k, sizeof(k), key)) {
		if (strncmp(key, "hv", 2) && strncmp(key, "x-hv", 4))
			return -ENOENT;
		seterr(err, errlen, "%.40s...: unknown Hyper-V enlightenment (name "
		       "too long); -cpu help lists the hv-* options", key);
		return -EINVAL;
	}
	if (strncmp(k, "hv-", 3) && strncmp(k, "x-hv-", 5))
		return -ENOENT;

	f = hv_feature_lookup(k);
	if (f >= 0)
		return set_feature(c, f, key, val, err, errlen);
	for (i = 0; i < ARRAY_SIZE(hv_options); i++)
		if (!strcmp(k, hv_options[i].name))
			return set_option(c, &hv_options[i], key, val, err, errlen);

	near = nearest_name(k);
	if (near)
		seterr(err, errlen, "%s: unknown Hyper-V enlightenment; did you mean %s?",
		       key, near);
	else
		seterr(err, errlen, "%s: unknown Hyper-V enlightenment; -cpu help "
		       "lists the hv-* options", key);
	return -EINVAL;
}

bool hv_enabled(const struct hv_config *c)
{
	return c->features || c->spinlocks != HV_SPINLOCK_NEVER_NOTIFY ||
	       c->passthrough;
}

static bool feat_on(const struct hv_config *c, unsigned f)
{
	return c->features & HV_FEAT_BIT(f);
}

/* QEMU hv_feature_check_deps(): lowest-index dependency first. */
static int check_feature_deps(const struct hv_config *c, unsigned f,
			      char *err, size_t errlen)
{
	uint64_t deps = hv_features[f].deps;

	while (deps) {
		unsigned d = __builtin_ctzll(deps);

		if (!feat_on(c, d)) {
			seterr(err, errlen, "Hyper-V %s requires Hyper-V %s",
			       hv_features[f].desc, hv_features[d].desc);
			return -EINVAL;
		}
		deps &= deps - 1;
	}
	return 0;
}

/* Not in the table: SynIC needs VP_INDEX unless KVM owns SynIC alone. */
static int check_synic_vpindex(const struct hv_config *c, char *err, size_t errlen)
{
	if (feat_on(c, HV_FEAT_SYNIC) && !c->synic_kvm_only &&
	    !feat_on(c, HV_FEAT_VPINDEX)) {
		seterr(err, errlen, "Hyper-V %s requires Hyper-V %s",
		       hv_features[HV_FEAT_SYNIC].desc,
		       hv_features[HV_FEAT_VPINDEX].desc);
		return -EINVAL;
	}
	return 0;
}

int hv_check_deps(const struct hv_config *c, char *err, size_t errlen)
{
	unsigned f;
	int r;

	for (f = 0; f < HV_FEAT_COUNT; f++) {
		if (!feat_on(c, f))
			continue;
		r = check_feature_deps(c, f, err, errlen);
		if (r)
			return r;
	}
	return check_synic_vpindex(c, err, errlen);
}

static int check_one_host(const struct hv_config *c, unsigned f,
			  const struct hv_host_caps *host, enum hv_backend be,
			  char *err, size_t errlen)
{
	const struct hv_feature *ft = &hv_features[f];

	(void)c;
	if (be == HV_BACKEND_KERNEL) {
		if (!hv_host_has_feature(host, f)) {
			seterr(err, errlen, "Hyper-V %s is not supported by kernel",
			       ft->desc);
			return -ENOTSUP;
		}
		return 0;
	}
	if (!ft->user_ok) {
		seterr(err, errlen, "Hyper-V %s is not supported by the userspace "
		       "Hyper-V backend (hv-backend=user): %s", ft->desc,
		       ft->user_reason);
		return -ENOTSUP;
	}
	return 0;
}

static int check_backend(const struct hv_config *c, const struct hv_host_caps *host,
			 enum hv_backend be, char *err, size_t errlen)
{
	if (be == HV_BACKEND_KERNEL && !host) {
		seterr(err, errlen, "hv-backend=kernel: no KVM_GET_SUPPORTED_HV_CPUID "
		       "view of the host was given");
		return -EINVAL;
	}
	if (be != HV_BACKEND_KERNEL && be != HV_BACKEND_USER) {
		seterr(err, errlen, "hv-backend=%s: must be resolved to kernel or "
		       "user before checking the host", hv_backend_name(be));
		return -EINVAL;
	}
	if (be == HV_BACKEND_USER && c->synic_kvm_only) {
		seterr(err, errlen, "x-hv-synic-kvm-only=on: KVM's SynIC is not used "
		       "by the userspace Hyper-V backend (hv-backend=user); drop "
		       "x-hv-synic-kvm-only or use hv-backend=kernel");
		return -EINVAL;
	}
	return 0;
}

int hv_check_host(const struct hv_config *c, const struct hv_host_caps *host,
		  enum hv_backend be, char *err, size_t errlen)
{
	unsigned f;
	int r;

	r = check_backend(c, host, be, err, errlen);
	if (r)
		return r;
	for (f = 0; f < HV_FEAT_COUNT; f++) {
		if (!feat_on(c, f))
			continue;
		r = check_one_host(c, f, host, be, err, errlen);
		if (r)
			return r;
	}
	return 0;
}

static void passthrough_from_host(struct hv_config *c, const struct hv_host_caps *h)
{
	uint32_t r;
	unsigned f;

	/* Identity only from leaves the host reported, so a legacy view
	 * (no 0x40000000) keeps "Microsoft Hv" instead of zeros. */
	if (h->present[host_index(HV_CPUID_VENDOR_AND_MAX_FUNCTIONS)]) {
		uint32_t v[3] = {
			hv_host_reg(h, HV_CPUID_VENDOR_AND_MAX_FUNCTIONS, HV_REG_EBX),
			hv_host_reg(h, HV_CPUID_VENDOR_AND_MAX_FUNCTIONS, HV_REG_ECX),
			hv_host_reg(h, HV_CPUID_VENDOR_AND_MAX_FUNCTIONS, HV_REG_EDX),
		};

		memset(c->vendor_id, 0, sizeof(c->vendor_id));
		memcpy(c->vendor_id, v, HV_VENDOR_ID_LEN);
	}
	if (h->present[host_index(HV_CPUID_VERSION)]) {
		c->ver_build = hv_host_reg(h, HV_CPUID_VERSION, HV_REG_EAX);
		r = hv_host_reg(h, HV_CPUID_VERSION, HV_REG_EBX);
		c->ver_major = r >> 16;
		c->ver_minor = r & 0xFFFF;
		c->ver_spack = hv_host_reg(h, HV_CPUID_VERSION, HV_REG_ECX);
		r = hv_host_reg(h, HV_CPUID_VERSION, HV_REG_EDX);
		c->ver_sbranch = r >> 24;
		c->ver_snumber = r & 0xFFFFFF;
	}
	if (h->present[host_index(HV_CPUID_IMPLEMENT_LIMITS)]) {
		c->max_vps = hv_host_reg(h, HV_CPUID_IMPLEMENT_LIMITS, HV_REG_EAX);
		c->limits[0] = hv_host_reg(h, HV_CPUID_IMPLEMENT_LIMITS, HV_REG_EBX);
		c->limits[1] = hv_host_reg(h, HV_CPUID_IMPLEMENT_LIMITS, HV_REG_ECX);
		c->limits[2] = hv_host_reg(h, HV_CPUID_IMPLEMENT_LIMITS, HV_REG_EDX);
	}
	if (h->present[host_index(HV_CPUID_ENLIGHTMENT_INFO)])
		c->spinlocks = hv_host_reg(h, HV_CPUID_ENLIGHTMENT_INFO, HV_REG_EBX);
	for (f = 0; f < HV_FEAT_COUNT; f++)
		if (!hv_features[f].skip_passthrough && hv_host_has_feature(h, f))
			c->features |= HV_FEAT_BIT(f);
}

int hv_config_finalize(struct hv_config *c, const struct hv_host_caps *host,
		       enum hv_backend be, char *err, size_t errlen)
{
	unsigned f;
	int r;

	if (!hv_enabled(c))
		return 0;
	r = check_backend(c, host, be, err, errlen);
	if (r)
		return r;
	if (be == HV_BACKEND_KERNEL)
		c->host_no_nonarch_cs = hv_host_reg(host, HV_CPUID_ENLIGHTMENT_INFO,
						    HV_REG_EAX) & HV_NO_NONARCH_CORESHARING;
	if (c->passthrough) {
		if (be == HV_BACKEND_KERNEL) {
			passthrough_from_host(c, host);
		} else {
			for (f = 0; f < HV_FEAT_COUNT; f++)
				if (hv_features[f].user_ok &&
				    !hv_features[f].skip_passthrough)
					c->features |= HV_FEAT_BIT(f);
		}
	} else {
		/* QEMU order: each feature's support, then its dependencies. */
		for (f = 0; f < HV_FEAT_COUNT; f++) {
			if (!feat_on(c, f))
				continue;
			r = check_one_host(c, f, host, be, err, errlen);
			if (!r)
				r = check_feature_deps(c, f, err, errlen);
			if (r)
				return r;
		}
	}
	return check_synic_vpindex(c, err, errlen);
}

enum hv_backend hv_backend_resolve(enum hv_backend want, bool kvm_has_hyperv)
{
	if (want != HV_BACKEND_AUTO)
		return want;
	return kvm_has_hyperv ? HV_BACKEND_KERNEL : HV_BACKEND_USER;
}

const char *hv_backend_name(enum hv_backend be)
{
	static const char *const names[] = {
		[HV_BACKEND_AUTO] = "auto",
		[HV_BACKEND_KERNEL] = "kernel",
		[HV_BACKEND_USER] = "user",
	};

	if ((unsigned)be >= ARRAY_SIZE(names))
		return "?";
	return names[be];
}

void hv_config_describe(FILE *out, const struct hv_config *c,
			const struct hv_host_caps *host)
{
	unsigned f, i;

	fprintf(out, "Hyper-V enlightenments (-cpu ...,hv-<name>[=on|off]):\n");
	for (f = 0; f < HV_FEAT_COUNT; f++) {
		const struct hv_feature *ft = &hv_features[f];
		char deps[96] = "";
		size_t used = 0;
		uint64_t d = ft->deps;

		while (d && used < sizeof(deps)) {
			unsigned k = __builtin_ctzll(d);

			used += snprintf(deps + used, sizeof(deps) - used, "%s%s",
					 used ? ", " : "needs ", hv_features[k].name);
			d &= d - 1;
		}
		fprintf(out, " %c %-20s %s%s%s%s%s%s%s\n",
			c && feat_on(c, f) ? '*' : ' ', ft->name, ft->desc,
			deps[0] ? "; " : "", deps,
			ft->user_ok ? "" : "; kernel backend only",
			host ? (hv_host_has_feature(host, f) ? "; kernel: yes" :
				"; kernel: no") : "",
			ft->alias ? "; alias " : "", ft->alias ? ft->alias : "");
	}
	fprintf(out, "Options:");
	for (i = 0; i < ARRAY_SIZE(hv_options); i++)
		fprintf(out, " %s", hv_options[i].name);
	fprintf(out, "\nPreset hv-windows:");
	for (f = 0; f < HV_FEAT_COUNT; f++)
		if (hv_windows_features & HV_FEAT_BIT(f))
			fprintf(out, " %s", hv_features[f].name);
	fprintf(out, " hv-spinlocks=0x%x\n", hv_windows_spinlocks);
	if (c)
		fprintf(out, "Hyper-V interface: %s (backend %s)\n",
			hv_enabled(c) ? "on" : "off", hv_backend_name(c->backend));
}
