/* TSC frequency policy, QEMU's kvm_arch_set_tsc_khz decided up front: with TSC scaling any
 * rate works; without it KVM still accepts KVM_SET_TSC_KHZ within its tolerance window
 * (tsc_tolerance_ppm = 250, kvm_set_tsc_khz), anything else would fail at vCPU creation. */
#include "vmm/tsc_plan.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hyperv/hv_tsc.h"

/* KVM's window, the same arithmetic as tsc_khz_within_tolerance() (adjust_tsc_khz). */
static uint32_t adjust(uint32_t khz, int32_t ppm)
{
	uint64_t v = (uint64_t)khz * (uint64_t)(1000000 + ppm);

	return (uint32_t)(v / 1000000);
}

int tsc_plan_make(uint64_t want_hz, const struct tsc_host *h, struct tsc_plan *p, char *err,
		  size_t errlen)
{
	uint64_t want_khz = want_hz / 1000;

	memset(p, 0, sizeof(*p));
	p->lo = adjust(h->khz, -KVM_TSC_TOLERANCE_PPM);
	p->hi = adjust(h->khz, KVM_TSC_TOLERANCE_PPM);
	if (!want_hz) {
		p->method = TSC_HOST;
		p->khz = h->khz;
		return 0;
	}
	if (!want_khz || want_khz > UINT32_MAX) {
		snprintf(err, errlen, "-cpu tsc-frequency=%llu: out of range (1 kHz to 4 THz)",
			 (unsigned long long)want_hz);
		return -EINVAL;
	}
	p->khz = (uint32_t)want_khz;
	if (h->vm_tsc_control || h->tsc_control) {
		p->method = TSC_SCALED;
		p->set_vcpu = true;
		return 0;
	}
	if (h->khz && tsc_khz_within_tolerance(p->khz, h->khz)) {
		p->method = TSC_TOLERANCE;
		p->set_vcpu = true;
		return 0;
	}
	if (!h->khz)
		snprintf(err, errlen, "-cpu tsc-frequency=%llu: the host TSC frequency is unknown "
			 "(KVM_GET_TSC_KHZ failed) and KVM cannot scale the TSC (KVM_CAP_TSC_CONTROL "
			 "and KVM_CAP_VM_TSC_CONTROL are 0); omit tsc-frequency or use a host with "
			 "TSC scaling", (unsigned long long)want_hz);
	else
		snprintf(err, errlen, "-cpu tsc-frequency=%llu: %u kHz requested but the host TSC "
			 "runs at %u kHz, and this KVM cannot scale it (KVM_CAP_TSC_CONTROL and "
			 "KVM_CAP_VM_TSC_CONTROL are 0); use a frequency within KVM's +-%d ppm of "
			 "the host (%u..%u kHz), omit tsc-frequency, or run on a host with TSC scaling",
			 (unsigned long long)want_hz, p->khz, h->khz, KVM_TSC_TOLERANCE_PPM, p->lo,
			 p->hi);
	return -EOPNOTSUPP;
}

const char *tsc_method_text(enum tsc_method m)
{
	static const char *const text[] = {
		[TSC_HOST] = "host rate (no tsc-frequency requested)",
		[TSC_SCALED] = "KVM_SET_TSC_KHZ with hardware TSC scaling",
		[TSC_TOLERANCE] = "KVM_SET_TSC_KHZ within KVM's 250 ppm tolerance (no scaling needed)",
	};

	return m < sizeof(text) / sizeof(text[0]) ? text[m] : "?";
}

int64_t tsc_error_ppm(uint64_t measured_hz, uint64_t configured_hz)
{
	__int128 d = (__int128)measured_hz - (__int128)configured_hz;

	if (!configured_hz)
		return 0;
	return (int64_t)(d * 1000000 / (__int128)configured_hz);
}
