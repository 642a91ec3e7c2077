/* Hyper-V in the machine: hyperv_handle_properties (per VM, before any vCPU exists) picks the
 * backend, checks the options against it and installs the vCPU hooks that build the Hyper-V
 * CPUID leaves (QEMU's kvm_hyperv_expand_features + hyperv_fill_cpuids). */
#ifndef ENLIGHT_HYPERV_H
#define ENLIGHT_HYPERV_H

#include "hyperv/hv_features.h"

struct vm;

struct hv_vm {
	struct hv_config cfg; /* finalized: passthrough expanded, backend resolved */
	enum hv_backend backend;
	struct hv_host_caps host; /* kernel backend: KVM_GET_SUPPORTED_HV_CPUID */
};

/* 0 (also when no enlightenment is asked for), or -errno after one error line. */
int hyperv_handle_properties(struct vm *vm);
void hyperv_destroy(struct vm *vm);

#endif
