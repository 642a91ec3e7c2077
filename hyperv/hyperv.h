/* Hyper-V in the machine: hyperv_handle_properties (per VM, before any vCPU exists) picks the
 * backend, checks the options against it and installs the vCPU hooks that build the Hyper-V
 * CPUID leaves (QEMU's kvm_hyperv_expand_features + hyperv_fill_cpuids). */
#ifndef ENLIGHT_HYPERV_H
#define ENLIGHT_HYPERV_H

#include <pthread.h>
#include <stdint.h>

#include "hyperv/hv_features.h"
#include "hyperv/hv_msr.h"

struct vm;
struct hv_user; /* hyperv/hv_user.c */
struct hv_kernel;

struct hv_vm {
	struct hv_config cfg; /* finalized: passthrough expanded, backend resolved */
	enum hv_backend backend;
	struct hv_host_caps host; /* kernel backend: KVM_GET_SUPPORTED_HV_CPUID */

	/* User backend: partition-wide MSR state (vCPU threads share it under lock). Per-VP
	 * state is a struct hv_msr_vp in vcpu->hv. */
	pthread_mutex_t lock;
	struct hv_msr_part msr;
	uint64_t start_ns; /* when this KVM VM was built: VP_RUNTIME */
	struct hv_user *user; /* user backend: per-VP state, SynIC, timers, testdev */

	struct hv_kernel *kernel; /* kernel backend: connections and SINT routes (hv_kernel.c) */
};

/* 0 (also when no enlightenment is asked for), or -errno after one error line. */
int hyperv_handle_properties(struct vm *vm);
void hyperv_destroy(struct vm *vm);

/* hyperv/hv_user.c: install the userspace backend's hooks (MSR filter at vm_setup, per-VP
 * state, MSR exits, reset) and its hypercall port HV_HCALL_PORT. */
int hv_user_install(struct vm *vm);
/* Stops the timer thread and frees the backend (from hyperv_destroy). */
void hv_user_destroy(struct vm *vm);
/* -device hyperv-testdev: the QEMU test device at port 0x3000 (hv_testdev.h); needs the
 * userspace backend with hv-synic. 0 or -errno after one error line. */
int hv_user_testdev_install(struct vm *vm);
/* -device hyperv-testdev on whichever backend runs (hv_user_testdev_install or
 * hv_kernel_testdev_install): 0 or -errno after one error line. */
int hv_testdev_install(struct vm *vm);

#endif
