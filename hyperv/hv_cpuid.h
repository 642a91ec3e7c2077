/* Hyper-V CPUID leaves, built from struct hv_config exactly as QEMU's
 * hyperv_fill_cpuids() does (shared/HYPERV-REFERENCE.md section 2.2), and the
 * transform that puts them into a full vCPU CPUID table. Pure.
 */
#ifndef ENLIGHT_HV_CPUID_H
#define ENLIGHT_HV_CPUID_H

#include <stdbool.h>
#include <stdint.h>

#include "hyperv/hv_features.h"

struct kvm_cpuid_entry2;

/* 0x40000000..5, 0x40000006..A, 0x40000080..82 */
#define HV_CPUID_MAX_LEAVES 14
/* Where KVM's own leaves go when Hyper-V owns 0x40000000 (QEMU
 * KVM_CPUID_SIGNATURE_NEXT). */
#define HV_KVM_LEAVES_MOVED_BASE 0x40000100u
/* CPUID.01H:ECX[31]: hypervisor present (TLFS "Hypercall Interface",
 * establishing the interface, step 1). */
#define HV_CPUID1_ECX_HYPERVISOR (1u << 31)

/* Checked bit-field store (Firecracker's set_range): reg[hi:lo] = val.
 * -EINVAL for a bad range, -ERANGE when val does not fit; *reg unchanged
 * on error. */
int hv_cpuid_set_field(uint32_t *reg, unsigned lo, unsigned hi, uint32_t val);

/* OR of the CPUID bits of every enabled feature for (leaf, reg), plus the
 * eVMCS version range in 0x4000000A EAX (QEMU hv_build_cpuid_leaf). */
uint32_t hv_cpuid_feature_bits(const struct hv_config *c, uint32_t leaf,
			       enum hv_reg reg);

/* Write the Hyper-V leaves into out[0..cap). Returns the number of entries
 * (0 when !hv_enabled(c)), -E2BIG when cap is too small, -ERANGE when a
 * version field does not fit its CPUID field. user_backend_synic_msgs: the
 * VMM answers HvPostMessage/HvSignalEvent, so with hv-synic (and not
 * x-hv-synic-kvm-only) 0x40000003 EBX advertises PostMessages/SignalEvents. */
int hv_cpuid_build(const struct hv_config *c, bool user_backend_synic_msgs,
		   struct kvm_cpuid_entry2 *out, unsigned cap);

/* Put Hyper-V into a full CPUID table (as for KVM_SET_CPUID2), when
 * hv_enabled(c): KVM's "KVMKVMKVM" leaf 0x40000000 and its features leaf
 * 0x40000001 move to 0x40000100/0x40000101 (EAX of the signature leaf
 * adjusted), every other leaf in 0x40000000..0x400000FF is dropped
 * (0x40000010, the VMware timing leaf, is never shown with Hyper-V),
 * CPUID.1:ECX[31] is set and the Hyper-V leaves are appended (SynIC message
 * bits unless x-hv-synic-kvm-only). *n is updated. Errors leave the table
 * untouched: -E2BIG (cap), -EEXIST (0x40000000 is not KVM's signature, or
 * 0x40000100.. is already used), -ERANGE (see hv_cpuid_build). Nothing is
 * changed when Hyper-V is off. */
int hv_cpuid_apply(const struct hv_config *c, struct kvm_cpuid_entry2 *table,
		   unsigned *n, unsigned cap);

#endif
