#include "hyperv/hv_msr.h"

#include <string.h>

#include "hyperv/hv_features.h"
#include "hyperv/hv_tsc.h"
#include "vmm/guest_mem.h"

/* x2APIC MSRs (Intel SDM Vol. 3A, 11.12.1.2 "x2APIC Register Address Space"). */
#define X2APIC_MSR_TPR	0x808u
#define X2APIC_MSR_EOI	0x80Bu
#define X2APIC_MSR_ICR	0x830u

/* KVM reports a 1 GHz APIC bus in HV_X64_MSR_APIC_FREQUENCY (HV_APIC_BUS_FREQUENCY). */
#define HV_APIC_BUS_HZ	1000000000ull

/* Writable bits of the page MSRs: enable bit plus GPFN in 63:12 (TLFS). */
#define HV_GPFN_MASK		(~0xFFFull)
#define HV_HYPERCALL_VALID	(HV_GPFN_MASK | HV_HYPERCALL_ENABLE | HV_HYPERCALL_LOCKED)
#define HV_PAGE_MSR_VALID	(HV_GPFN_MASK | 1ull)
#define HV_SINT_VALID		(HV_SINT_VECTOR_MASK | HV_SINT_MASKED | HV_SINT_AUTO_EOI | \
				 HV_SINT_POLLING)
#define HV_REENLIGHTENMENT_VALID (HV_REENLIGHTENMENT_VECTOR_MASK | HV_REENLIGHTENMENT_ENABLE | \
				  HV_REENLIGHTENMENT_TARGET_VP_MASK)

static const struct {
	uint32_t hv, x2apic;
} hv_apic_msrs[] = {
	{ HV_X64_MSR_EOI, X2APIC_MSR_EOI },
	{ HV_X64_MSR_ICR, X2APIC_MSR_ICR },
	{ HV_X64_MSR_TPR, X2APIC_MSR_TPR },
};

uint32_t hv_msr_apic_index(uint32_t msr)
{
	for (size_t i = 0; i < sizeof(hv_apic_msrs) / sizeof(hv_apic_msrs[0]); i++)
		if (hv_apic_msrs[i].hv == msr)
			return hv_apic_msrs[i].x2apic;
	return 0;
}

void hv_hcall_stub(uint8_t *buf)
{
	buf[0] = 0xE7;		/* out %eax, imm8 */
	buf[1] = HV_HCALL_PORT;
	buf[2] = 0xC3;		/* ret */
}

void hv_msr_part_init(struct hv_msr_part *p, uint64_t features, uint32_t tsc_khz,
		      uint64_t tsc_at_start)
{
	memset(p, 0, sizeof(*p));
	p->features = features;
	p->tsc_khz = tsc_khz;
	p->tsc_at_start = tsc_at_start;
}

void hv_msr_vp_init(struct hv_msr_vp *vp, uint32_t index)
{
	memset(vp, 0, sizeof(*vp));
	vp->index = index;
	for (unsigned i = 0; i < HV_SINT_COUNT; i++)
		vp->sint[i] = HV_SINT_MASKED;
	for (unsigned i = 0; i < HV_STIMER_COUNT; i++)
		hv_stimer_init(&vp->stimer[i]);
}

/* The MSR exists in this configuration (TLFS "Feature Discovery": privileges gate MSRs). */
static bool msr_present(const struct hv_msr_part *p, uint32_t msr)
{
	int f = hv_feature_for_msr(msr);

	if (f == HV_FEAT_NONE)
		return true;
	return f >= 0 && (p->features & HV_FEAT_BIT(f));
}

static uint64_t tsc_hz(const struct hv_msr_part *p)
{
	return (uint64_t)p->tsc_khz * 1000;
}

/* Enabled page MSR: the page must be guest RAM. */
static void *page_of(const struct hv_msr_env *env, uint64_t val)
{
	return gm_ptr_rw(env->gm, val & HV_GPFN_MASK, HV_PAGE_SIZE);
}

enum hv_msr_res hv_msr_read(const struct hv_msr_part *p, const struct hv_msr_vp *vp,
			    const struct hv_msr_env *env, uint32_t msr, uint64_t *val)
{
	if (!msr_present(p, msr))
		return HV_MSR_GP;
	if (hv_msr_apic_index(msr))
		return HV_MSR_APIC;
	if (msr >= HV_X64_MSR_SINT0 && msr <= HV_X64_MSR_SINT15) {
		*val = vp->sint[msr - HV_X64_MSR_SINT0];
		return HV_MSR_DONE;
	}
	if (msr >= HV_X64_MSR_STIMER0_CONFIG && msr <= HV_X64_MSR_STIMER3_COUNT) {
		unsigned n = (msr - HV_X64_MSR_STIMER0_CONFIG) / 2;

		*val = (msr & 1) ? vp->stimer[n].count : vp->stimer[n].config;
		return HV_MSR_DONE;
	}
	if (msr >= HV_X64_MSR_CRASH_P0 && msr <= HV_X64_MSR_CRASH_P4) {
		*val = p->crash_p[msr - HV_X64_MSR_CRASH_P0];
		return HV_MSR_DONE;
	}
	switch (msr) {
	case HV_X64_MSR_GUEST_OS_ID:
		*val = p->guest_os_id;
		break;
	case HV_X64_MSR_HYPERCALL:
		*val = p->hypercall;
		break;
	case HV_X64_MSR_VP_INDEX:
		*val = vp->index;
		break;
	case HV_X64_MSR_RESET:
		*val = 0;
		break;
	case HV_X64_MSR_VP_RUNTIME:
		*val = env->runtime_ns / 100;
		break;
	case HV_X64_MSR_TIME_REF_COUNT:
		*val = hv_time_ref_count(env->tsc, tsc_hz(p), p->tsc_at_start);
		break;
	case HV_X64_MSR_REFERENCE_TSC:
		*val = p->ref_tsc;
		break;
	case HV_X64_MSR_TSC_FREQUENCY:
		*val = tsc_hz(p);
		break;
	case HV_X64_MSR_APIC_FREQUENCY:
		*val = HV_APIC_BUS_HZ;
		break;
	case HV_X64_MSR_VP_ASSIST_PAGE:
		*val = vp->vp_assist;
		break;
	case HV_X64_MSR_SCONTROL:
		*val = vp->scontrol;
		break;
	case HV_X64_MSR_SVERSION:
		*val = HV_SYNIC_VERSION;
		break;
	case HV_X64_MSR_SIEFP:
		*val = vp->siefp;
		break;
	case HV_X64_MSR_SIMP:
		*val = vp->simp;
		break;
	case HV_X64_MSR_EOM:
		*val = 0;
		break;
	case HV_X64_MSR_CRASH_CTL:
		*val = HV_CRASH_CTL_CRASH_NOTIFY; /* the notifications we support */
		break;
	case HV_X64_MSR_REENLIGHTENMENT_CONTROL:
		*val = p->reenlightenment_ctl;
		break;
	case HV_X64_MSR_TSC_EMULATION_CONTROL:
		*val = p->tsc_emulation_ctl;
		break;
	case HV_X64_MSR_TSC_EMULATION_STATUS:
		*val = p->tsc_emulation_status;
		break;
	default:
		return HV_MSR_GP;
	}
	return HV_MSR_DONE;
}

/* TLFS "Hypercall Interface": the enable bit only takes with a guest OS identity (KVM
 * ignores it otherwise); a locked MSR ignores writes until reset. */
static enum hv_msr_res write_hypercall(struct hv_msr_part *p, const struct hv_msr_env *env,
				       uint64_t val)
{
	uint8_t *page;

	if (val & ~HV_HYPERCALL_VALID)
		return HV_MSR_GP;
	if (p->hypercall & HV_HYPERCALL_LOCKED)
		return HV_MSR_DONE;
	if (!p->guest_os_id)
		val &= ~HV_HYPERCALL_ENABLE;
	if (val & HV_HYPERCALL_ENABLE) {
		page = page_of(env, val);
		if (!page)
			return HV_MSR_GP;
		hv_hcall_stub(page);
	}
	p->hypercall = val;
	return HV_MSR_DONE;
}

/* TLFS "Timers", reference TSC page: page time = TIME_REF_COUNT; sequence 0 tells the guest
 * to use the MSR when the TSC rate is unknown or too slow for a 64-bit scale. */
static enum hv_msr_res write_ref_tsc(struct hv_msr_part *p, const struct hv_msr_env *env,
				     uint64_t val)
{
	struct hv_ref_tsc_page *page;
	uint64_t scale = hv_tsc_scale(tsc_hz(p));

	if (val & ~HV_PAGE_MSR_VALID)
		return HV_MSR_GP;
	if (val & HV_REFERENCE_TSC_ENABLE) {
		page = page_of(env, val);
		if (!page)
			return HV_MSR_GP;
		memset(page, 0, sizeof(*page));
		page->tsc_scale = scale;
		page->tsc_offset = hv_tsc_offset_for(p->tsc_at_start, scale, 0);
		page->tsc_sequence = scale ? 1 : HV_TSC_SEQUENCE_INVALID;
	}
	p->ref_tsc = val;
	return HV_MSR_DONE;
}

/* Enable bit + GPFN MSRs (VP assist, SIEFP, SIMP): enabling needs the page in RAM. */
static enum hv_msr_res write_page_msr(uint64_t *reg, const struct hv_msr_env *env,
				      uint64_t val)
{
	if (val & ~HV_PAGE_MSR_VALID)
		return HV_MSR_GP;
	if ((val & 1) && !page_of(env, val))
		return HV_MSR_GP;
	*reg = val;
	return HV_MSR_DONE;
}

static enum hv_msr_res synic_res(enum hv_msr_res r)
{
	return r == HV_MSR_DONE ? HV_MSR_SYNIC : r;
}

/* TLFS "Inter-Partition Communication": vectors 0-15 are invalid for an unmasked SINT. */
static enum hv_msr_res write_sint(struct hv_msr_vp *vp, unsigned n, uint64_t val)
{
	if (val & ~HV_SINT_VALID)
		return HV_MSR_GP;
	if (!(val & HV_SINT_MASKED) && (val & HV_SINT_VECTOR_MASK) < HV_SINT_MIN_VECTOR)
		return HV_MSR_GP;
	vp->sint[n] = val;
	return HV_MSR_SYNIC;
}

/* TLFS "Timers": the timer restarts against the partition reference time now. */
static enum hv_msr_res write_stimer(const struct hv_msr_part *p, struct hv_msr_vp *vp,
				    const struct hv_msr_env *env, uint32_t msr, uint64_t val)
{
	struct hv_stimer *t = &vp->stimer[(msr - HV_X64_MSR_STIMER0_CONFIG) / 2];
	uint64_t now = hv_time_ref_count(env->tsc, tsc_hz(p), p->tsc_at_start);
	bool direct_ok = p->features & HV_FEAT_BIT(HV_FEAT_STIMER_DIRECT);

	if (msr & 1)
		hv_stimer_write_count(t, val, now);
	else if (hv_stimer_write_config(t, val, direct_ok, now))
		return HV_MSR_GP;
	return HV_MSR_STIMER;
}

enum hv_msr_res hv_msr_write(struct hv_msr_part *p, struct hv_msr_vp *vp,
			     const struct hv_msr_env *env, uint32_t msr, uint64_t val)
{
	if (!msr_present(p, msr))
		return HV_MSR_GP;
	if (hv_msr_apic_index(msr))
		return HV_MSR_APIC;
	if (msr >= HV_X64_MSR_SINT0 && msr <= HV_X64_MSR_SINT15)
		return write_sint(vp, msr - HV_X64_MSR_SINT0, val);
	if (msr >= HV_X64_MSR_STIMER0_CONFIG && msr <= HV_X64_MSR_STIMER3_COUNT)
		return write_stimer(p, vp, env, msr, val);
	if (msr >= HV_X64_MSR_CRASH_P0 && msr <= HV_X64_MSR_CRASH_P4) {
		p->crash_p[msr - HV_X64_MSR_CRASH_P0] = val;
		return HV_MSR_DONE;
	}
	switch (msr) {
	case HV_X64_MSR_GUEST_OS_ID:
		p->guest_os_id = val;
		/* Zeroing the identity disables the hypercall page (TLFS, KVM). */
		if (!val)
			p->hypercall &= ~HV_HYPERCALL_ENABLE;
		return HV_MSR_DONE;
	case HV_X64_MSR_HYPERCALL:
		return write_hypercall(p, env, val);
	case HV_X64_MSR_RESET:
		if (val & ~1ull)
			return HV_MSR_GP;
		return val ? HV_MSR_RESET : HV_MSR_DONE;
	case HV_X64_MSR_REFERENCE_TSC:
		return write_ref_tsc(p, env, val);
	case HV_X64_MSR_VP_ASSIST_PAGE:
		return write_page_msr(&vp->vp_assist, env, val);
	case HV_X64_MSR_SCONTROL:
		if (val & ~HV_SCONTROL_ENABLE)
			return HV_MSR_GP;
		vp->scontrol = val;
		return HV_MSR_SYNIC;
	case HV_X64_MSR_SIEFP:
		return synic_res(write_page_msr(&vp->siefp, env, val));
	case HV_X64_MSR_SIMP:
		return synic_res(write_page_msr(&vp->simp, env, val));
	case HV_X64_MSR_EOM:
		return HV_MSR_SYNIC; /* the caller redelivers queued messages */
	case HV_X64_MSR_CRASH_CTL:
		if (val & ~HV_CRASH_CTL_CRASH_NOTIFY)
			return HV_MSR_GP;
		return val ? HV_MSR_CRASH : HV_MSR_DONE;
	case HV_X64_MSR_REENLIGHTENMENT_CONTROL:
		if (val & ~HV_REENLIGHTENMENT_VALID)
			return HV_MSR_GP;
		p->reenlightenment_ctl = val;
		return HV_MSR_DONE;
	case HV_X64_MSR_TSC_EMULATION_CONTROL:
		p->tsc_emulation_ctl = val;
		return HV_MSR_DONE;
	case HV_X64_MSR_TSC_EMULATION_STATUS:
		p->tsc_emulation_status = val;
		return HV_MSR_DONE;
	default:
		return HV_MSR_GP; /* read-only (VP_INDEX, counters, frequencies) or unknown */
	}
}
