/* Reference time arithmetic (TLFS "Timers"). All products are 128-bit. */
#include "hyperv/hv_tsc.h"

#include <errno.h>

typedef unsigned __int128 u128;

uint64_t hv_tsc_scale(uint64_t tsc_hz)
{
	/* 2^64 * 10^7 / f < 2^64 only for f > 10^7. */
	if (tsc_hz <= HV_REF_TIME_HZ)
		return 0;
	return (uint64_t)(((u128)HV_REF_TIME_HZ << 64) / tsc_hz);
}

uint64_t hv_ref_time(uint64_t tsc, uint64_t scale, int64_t offset)
{
	uint64_t t = (uint64_t)(((u128)tsc * scale) >> 64);

	return t + (uint64_t)offset;
}

int64_t hv_tsc_offset_for(uint64_t tsc_now, uint64_t scale, uint64_t ref_now)
{
	uint64_t t = (uint64_t)(((u128)tsc_now * scale) >> 64);

	return (int64_t)(ref_now - t);
}

uint64_t hv_time_ref_count(uint64_t tsc, uint64_t tsc_hz, uint64_t tsc_at_vm_start)
{
	if (!tsc_hz || tsc < tsc_at_vm_start)
		return 0;
	return (uint64_t)(((u128)(tsc - tsc_at_vm_start) * HV_REF_TIME_HZ) / tsc_hz);
}

uint32_t hv_tsc_next_sequence(uint32_t seq)
{
	seq++;
	if (seq == HV_TSC_SEQUENCE_INVALID || seq == 0xFFFFFFFFu)
		seq = 1;
	return seq;
}

int hv_tsc_page_read(const struct hv_ref_tsc_page *p, uint64_t tsc, uint64_t *ref)
{
	if (p->tsc_sequence == HV_TSC_SEQUENCE_INVALID)
		return -EAGAIN;
	*ref = hv_ref_time(tsc, p->tsc_scale, p->tsc_offset);
	return 0;
}

/* Linux arch/x86/kvm/x86.c adjust_tsc_khz(): u64 product, u32 result. */
static uint32_t adjust_tsc_khz(uint32_t khz, int32_t ppm)
{
	uint64_t v = (uint64_t)khz * (uint64_t)(1000000 + ppm);

	return (uint32_t)(v / 1000000);
}

bool tsc_khz_within_tolerance(uint32_t want_khz, uint32_t host_khz)
{
	uint32_t lo = adjust_tsc_khz(host_khz, -KVM_TSC_TOLERANCE_PPM);
	uint32_t hi = adjust_tsc_khz(host_khz, KVM_TSC_TOLERANCE_PPM);

	return !(want_khz < lo || want_khz > hi);
}
