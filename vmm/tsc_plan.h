/* How a requested guest TSC frequency (-cpu tsc-frequency=HZ) can be honoured on this KVM,
 * decided before anything starts (HYPERV-REFERENCE §2.6; Linux kvm_set_tsc_khz). Pure: the
 * host's frequency and capabilities come in as data. */
#ifndef ENLIGHT_TSC_PLAN_H
#define ENLIGHT_TSC_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct tsc_host {
	uint32_t khz;        /* KVM_GET_TSC_KHZ of a fresh vCPU, 0 = unknown */
	bool tsc_control;    /* KVM_CAP_TSC_CONTROL: per-vCPU KVM_SET_TSC_KHZ scales */
	bool vm_tsc_control; /* KVM_CAP_VM_TSC_CONTROL: KVM_SET_TSC_KHZ on the VM fd */
};

enum tsc_method {
	TSC_HOST,      /* nothing asked: the guest runs at the host's rate */
	TSC_SCALED,    /* KVM_SET_TSC_KHZ with hardware TSC scaling */
	TSC_TOLERANCE, /* KVM_SET_TSC_KHZ accepted without scaling: within ±250 ppm */
};

struct tsc_plan {
	enum tsc_method method;
	uint32_t khz;     /* what the guest's TSC runs at (and is told: MSR, leaves, page) */
	/* KVM_SET_TSC_KHZ on each vCPU fd, then KVM_GET_TSC_KHZ to confirm. Per vCPU also with
	 * KVM_CAP_VM_TSC_CONTROL: KVM reports it only where per-vCPU scaling works too. */
	bool set_vcpu;
	uint32_t lo, hi;  /* KVM's no-scaling window around the host rate (kHz) */
};

/* want_hz 0 = not requested. 0, or -EOPNOTSUPP with one line in err giving both
 * frequencies, the missing capability and what would work. */
int tsc_plan_make(uint64_t want_hz, const struct tsc_host *h, struct tsc_plan *p, char *err,
		  size_t errlen);
const char *tsc_method_text(enum tsc_method m);
/* Error of a measured frequency against the configured one, in ppm (rounded toward zero). */
int64_t tsc_error_ppm(uint64_t measured_hz, uint64_t configured_hz);

#endif
