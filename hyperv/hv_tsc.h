/* Hyper-V reference time arithmetic (TLFS "Timers": partition reference
 * counter and reference TSC page) and KVM's TSC-frequency tolerance. Pure.
 *
 * KVM fills the real page with the kernel backend; these give the userspace
 * backend its page/MSR values, validate tsc-khz settings and let tests
 * compute what the guest must see.
 */
#ifndef ENLIGHT_HV_TSC_H
#define ENLIGHT_HV_TSC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hyperv/hv_proto.h"

/* The reference TSC page (TLFS "Timers", HV_REFERENCE_TSC_PAGE). */
struct hv_ref_tsc_page {
	uint32_t tsc_sequence;	/* 0 = invalid: use TIME_REF_COUNT */
	uint32_t reserved1;
	uint64_t tsc_scale;	/* 64.64 fixed point, 100 ns per tick */
	int64_t tsc_offset;	/* 100 ns units */
	uint64_t reserved2[509];
};
_Static_assert(sizeof(struct hv_ref_tsc_page) == HV_PAGE_SIZE,
	       "the reference TSC page is exactly one page");
_Static_assert(offsetof(struct hv_ref_tsc_page, tsc_scale) == 8, "TscScale at 8");
_Static_assert(offsetof(struct hv_ref_tsc_page, tsc_offset) == 16, "TscOffset at 16");

/* floor(2^64 * 10^7 / tsc_hz), exact. 0 when tsc_hz <= 10^7 (the scale
 * would not fit in 64 bits: no valid page for a TSC at or below 10 MHz). */
uint64_t hv_tsc_scale(uint64_t tsc_hz);
/* ((tsc * scale) >> 64) + offset with a 128-bit product; wraps like the
 * guest's computation. */
uint64_t hv_ref_time(uint64_t tsc, uint64_t scale, int64_t offset);
/* Offset that makes hv_ref_time(tsc_now, scale, offset) == ref_now. */
int64_t hv_tsc_offset_for(uint64_t tsc_now, uint64_t scale, uint64_t ref_now);
/* TIME_REF_COUNT: (tsc - tsc_at_vm_start) * 10^7 / tsc_hz in 100 ns units,
 * 128-bit intermediate so years of uptime at any TSC rate cannot overflow.
 * 0 if tsc_hz == 0 or the TSC is before the start. */
uint64_t hv_time_ref_count(uint64_t tsc, uint64_t tsc_hz, uint64_t tsc_at_vm_start);
/* Next TscSequence after seq, skipping 0 (invalid) and 0xFFFFFFFF (KVM's
 * rule in kvm_hv_setup_tsc_page). */
uint32_t hv_tsc_next_sequence(uint32_t seq);
/* What a guest reads from the page at a given TSC: 0 and *ref set, or
 * -EAGAIN when the sequence is invalid (guest falls back to the MSR). */
int hv_tsc_page_read(const struct hv_ref_tsc_page *p, uint64_t tsc, uint64_t *ref);

/* KVM's "no scaling needed" window: tsc_tolerance_ppm = 250 and
 * kvm_set_tsc_khz(): lo = host*(10^6-250)/10^6, hi = host*(10^6+250)/10^6,
 * both truncated to u32 (adjust_tsc_khz), within iff lo <= want <= hi. */
#define KVM_TSC_TOLERANCE_PPM 250
bool tsc_khz_within_tolerance(uint32_t want_khz, uint32_t host_khz);

#endif
