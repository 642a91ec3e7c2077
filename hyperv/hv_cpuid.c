/* Hyper-V CPUID leaves (shared/HYPERV-REFERENCE.md section 2.2; QEMU
 * hyperv_fill_cpuids() and the KVM-leaf move in kvm_arch_init_vcpu()). */
#include "hyperv/hv_cpuid.h"

#include <errno.h>
#include <string.h>

#include <linux/kvm.h>

#include "hyperv/hv_proto.h"
#include "vmm/log.h"

/* KVM's paravirt leaves (Linux Documentation/virt/kvm/x86/cpuid.rst). */
#define KVM_LEAF_SIGNATURE	0x40000000u
#define KVM_LEAF_FEATURES	0x40000001u
static const char kvm_signature[12] = "KVMKVMKVM\0\0";
#define HV_RANGE_FIRST		0x40000000u
#define HV_RANGE_LAST		0x400000FFu
#define MOVED_RANGE_LAST	0x400001FFu

/* eVMCS version range 1..1 in 0x4000000A EAX b7:0 / b15:8 (QEMU's
 * DEFAULT_EVMCS_VERSION; KVM implements version 1). */
#define HV_EVMCS_VERSION	1u

int hv_cpuid_set_field(uint32_t *reg, unsigned lo, unsigned hi, uint32_t val)
{
	unsigned width;
	uint32_t mask;

	if (lo > hi || hi > 31)
		return -EINVAL;
	width = hi - lo + 1;
	if (width < 32 && (val >> width))
		return -ERANGE;
	mask = (width == 32 ? ~0u : ((1u << width) - 1)) << lo;
	*reg = (*reg & ~mask) | (val << lo);
	return 0;
}

static bool feat_on(const struct hv_config *c, enum hv_feat f)
{
	return c->features & HV_FEAT_BIT(f);
}

uint32_t hv_cpuid_feature_bits(const struct hv_config *c, uint32_t leaf,
			       enum hv_reg reg)
{
	uint32_t r = 0;
	unsigned f, j;

	for (f = 0; f < HV_FEAT_COUNT; f++) {
		const struct hv_feature *ft = hv_feature_get(f);

		if (!feat_on(c, f))
			continue;
		for (j = 0; j < HV_FEAT_MAX_CPUID; j++)
			if (ft->cpuid[j].leaf == leaf && ft->cpuid[j].reg == reg)
				r |= ft->cpuid[j].bits;
	}
	if (leaf == HV_CPUID_NESTED_FEATURES && reg == HV_REG_EAX &&
	    feat_on(c, HV_FEAT_EVMCS)) {
		/* Cannot fail: constant 8-bit fields. */
		hv_cpuid_set_field(&r, HV_NESTED_EVMCS_VERSION_LOW_SHIFT,
				   HV_NESTED_EVMCS_VERSION_LOW_SHIFT + 7, HV_EVMCS_VERSION);
		hv_cpuid_set_field(&r, HV_NESTED_EVMCS_VERSION_HIGH_SHIFT,
				   HV_NESTED_EVMCS_VERSION_HIGH_SHIFT + 7, HV_EVMCS_VERSION);
	}
	return r;
}

static struct kvm_cpuid_entry2 *leaf_new(struct kvm_cpuid_entry2 *out,
					 unsigned *i, uint32_t function)
{
	struct kvm_cpuid_entry2 *e = &out[(*i)++];

	memset(e, 0, sizeof(*e));
	e->function = function;
	return e;
}

static void set_signature(struct kvm_cpuid_entry2 *e, const char sig[12])
{
	memcpy(&e->ebx, sig, 4);
	memcpy(&e->ecx, sig + 4, 4);
	memcpy(&e->edx, sig + 8, 4);
}

/* 0x40000002: build, major.minor, service pack, branch.number */
static int fill_version(const struct hv_config *c, struct kvm_cpuid_entry2 *e)
{
	int r = 0;

	e->eax = c->ver_build;
	r |= hv_cpuid_set_field(&e->ebx, 16, 31, c->ver_major);
	r |= hv_cpuid_set_field(&e->ebx, 0, 15, c->ver_minor);
	e->ecx = c->ver_spack;
	r |= hv_cpuid_set_field(&e->edx, 24, 31, c->ver_sbranch);
	r |= hv_cpuid_set_field(&e->edx, 0, 23, c->ver_snumber);
	return r ? -ERANGE : 0;
}

static uint32_t recommendations(const struct hv_config *c)
{
	uint32_t eax = hv_cpuid_feature_bits(c, HV_CPUID_ENLIGHTMENT_INFO, HV_REG_EAX);

	/* With AVIC/APICv the guest should not use the APIC MSRs. */
	if (feat_on(c, HV_FEAT_VAPIC) && !feat_on(c, HV_FEAT_AVIC))
		eax |= HV_APIC_ACCESS_RECOMMENDED;
	if (c->no_nonarch_coresharing == HV_ON ||
	    (c->no_nonarch_coresharing == HV_AUTO && c->host_no_nonarch_cs))
		eax |= HV_NO_NONARCH_CORESHARING;
	return eax;
}

int hv_cpuid_build(const struct hv_config *c, bool user_backend_synic_msgs,
		   struct kvm_cpuid_entry2 *out, unsigned cap)
{
	uint32_t nested_eax, max_leaf, fn;
	bool syndbg = feat_on(c, HV_FEAT_SYNDBG);
	struct kvm_cpuid_entry2 *e;
	unsigned i = 0, need;
	char vendor[HV_VENDOR_ID_LEN];

	if (!hv_enabled(c))
		return 0;
	nested_eax = hv_cpuid_feature_bits(c, HV_CPUID_NESTED_FEATURES, HV_REG_EAX);
	max_leaf = nested_eax ? HV_CPUID_NESTED_FEATURES : HV_CPUID_IMPLEMENT_LIMITS;
	if (syndbg)
		max_leaf = HV_CPUID_SYNDBG_PLATFORM_CAPABILITIES;
	need = 6 + (nested_eax ? 5 : 0) + (syndbg ? 3 : 0);
	if (need > cap)
		return -E2BIG;

	e = leaf_new(out, &i, HV_CPUID_VENDOR_AND_MAX_FUNCTIONS);
	e->eax = max_leaf;
	memset(vendor, 0, sizeof(vendor));
	memcpy(vendor, c->vendor_id, strnlen(c->vendor_id, HV_VENDOR_ID_LEN));
	set_signature(e, vendor);

	e = leaf_new(out, &i, HV_CPUID_INTERFACE);
	e->eax = HV_INTERFACE_SIGNATURE;

	e = leaf_new(out, &i, HV_CPUID_VERSION);
	if (fill_version(c, e))
		return -ERANGE;

	e = leaf_new(out, &i, HV_CPUID_FEATURES);
	/* Hypercall MSRs come with any enlightenment; dynamic partitioning is
	 * not implemented but Windows needs it for CPU hotplug (QEMU). */
	e->eax = hv_cpuid_feature_bits(c, HV_CPUID_FEATURES, HV_REG_EAX) |
		 HV_HYPERCALL_AVAILABLE;
	e->ebx = hv_cpuid_feature_bits(c, HV_CPUID_FEATURES, HV_REG_EBX);
	if (feat_on(c, HV_FEAT_SYNIC) && !c->synic_kvm_only && user_backend_synic_msgs)
		e->ebx |= HV_POST_MESSAGES | HV_SIGNAL_EVENTS;
	e->edx = hv_cpuid_feature_bits(c, HV_CPUID_FEATURES, HV_REG_EDX) |
		 HV_CPU_DYNAMIC_PARTITIONING_AVAILABLE;

	e = leaf_new(out, &i, HV_CPUID_ENLIGHTMENT_INFO);
	e->eax = recommendations(c);
	e->ebx = c->spinlocks;

	e = leaf_new(out, &i, HV_CPUID_IMPLEMENT_LIMITS);
	e->eax = c->max_vps;
	e->ebx = c->limits[0];
	e->ecx = c->limits[1];
	e->edx = c->limits[2];

	if (nested_eax) {
		/* 0x40000006..9 exist (zero) once the max leaf reaches 0xA. */
		for (fn = HV_CPUID_HARDWARE_FEATURES; fn < HV_CPUID_NESTED_FEATURES; fn++)
			leaf_new(out, &i, fn);
		e = leaf_new(out, &i, HV_CPUID_NESTED_FEATURES);
		e->eax = nested_eax;
	}
	if (syndbg) {
		e = leaf_new(out, &i, HV_CPUID_SYNDBG_VENDOR_AND_MAX_FUNCTIONS);
		set_signature(e, "Microsoft VS");
		e = leaf_new(out, &i, HV_CPUID_SYNDBG_INTERFACE);
		e->eax = HV_SYNDBG_INTERFACE_SIGNATURE;
		e = leaf_new(out, &i, HV_CPUID_SYNDBG_PLATFORM_CAPABILITIES);
		e->eax = HV_SYNDBG_CAP_ALLOW_KERNEL_DEBUGGING;
	}
	return i;
}

static bool is_kvm_signature(const struct kvm_cpuid_entry2 *e)
{
	char sig[12];

	memcpy(sig, &e->ebx, 4);
	memcpy(sig + 4, &e->ecx, 4);
	memcpy(sig + 8, &e->edx, 4);
	return !memcmp(sig, kvm_signature, sizeof(sig));
}

static bool in_hv_range(uint32_t fn)
{
	return fn >= HV_RANGE_FIRST && fn <= HV_RANGE_LAST;
}

/* First pass: validate, count what stays. -EEXIST on conflicts. */
static int scan_table(const struct kvm_cpuid_entry2 *t, unsigned n,
		      bool *kvm_present, unsigned *kept)
{
	unsigned i;

	*kvm_present = false;
	*kept = 0;
	for (i = 0; i < n; i++) {
		uint32_t fn = t[i].function;

		if (fn == KVM_LEAF_SIGNATURE) {
			if (!is_kvm_signature(&t[i]))
				return -EEXIST;
			*kvm_present = true;
		}
		if (fn >= HV_KVM_LEAVES_MOVED_BASE && fn <= MOVED_RANGE_LAST)
			return -EEXIST;
	}
	for (i = 0; i < n; i++) {
		uint32_t fn = t[i].function;

		if (!in_hv_range(fn) ||
		    (*kvm_present && (fn == KVM_LEAF_SIGNATURE || fn == KVM_LEAF_FEATURES)))
			(*kept)++;
	}
	return 0;
}

int hv_cpuid_apply(const struct hv_config *c, struct kvm_cpuid_entry2 *table,
		   unsigned *n, unsigned cap)
{
	struct kvm_cpuid_entry2 hv[HV_CPUID_MAX_LEAVES];
	struct kvm_cpuid_entry2 *sig = NULL;
	uint32_t kvm_max = HV_KVM_LEAVES_MOVED_BASE;
	unsigned i, out = 0, kept;
	bool kvm_present;
	int nhv, r;

	if (!hv_enabled(c))
		return 0;
	nhv = hv_cpuid_build(c, !c->synic_kvm_only, hv, ARRAY_SIZE(hv));
	if (nhv < 0)
		return nhv;
	r = scan_table(table, *n, &kvm_present, &kept);
	if (r)
		return r;
	if (kept + nhv > cap)
		return -E2BIG;

	for (i = 0; i < *n; i++) {
		struct kvm_cpuid_entry2 e = table[i];

		if (in_hv_range(e.function)) {
			if (!kvm_present || (e.function != KVM_LEAF_SIGNATURE &&
					     e.function != KVM_LEAF_FEATURES))
				continue;	/* dropped, e.g. 0x40000010 */
			e.function += HV_KVM_LEAVES_MOVED_BASE - KVM_LEAF_SIGNATURE;
			if (e.function > kvm_max)
				kvm_max = e.function;
		}
		if (e.function == 1)
			e.ecx |= HV_CPUID1_ECX_HYPERVISOR;
		table[out] = e;
		if (e.function == HV_KVM_LEAVES_MOVED_BASE)
			sig = &table[out];
		out++;
	}
	/* The signature leaf's EAX is the highest KVM leaf; it moved too. */
	if (sig)
		sig->eax = kvm_max;
	memcpy(&table[out], hv, nhv * sizeof(hv[0]));
	*n = out + nhv;
	return 0;
}
