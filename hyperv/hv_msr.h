/* The userspace backend's synthetic MSRs (TLFS "Hypercall Interface", "Virtual Processor",
 * "Timers", "Virtual Interrupt Controller", "Inter-Partition Communication", guest crash
 * MSRs): a state machine over partition-wide and per-VP state and guest memory. Pure: the
 * caller reads the guest TSC, forwards the APIC MSRs and acts on reset/crash requests.
 */
#ifndef ENLIGHT_HV_MSR_H
#define ENLIGHT_HV_MSR_H

#include <stddef.h>
#include <stdint.h>

#include "hyperv/hv_proto.h"
#include "hyperv/hv_stimer.h"

struct guest_mem;

/* The hypercall page stub exits to the VMM with `out %eax, $HV_HCALL_PORT; ret` instead of
 * vmcall (KVM without in-kernel Hyper-V never returns from vmcall to the guest). The port is
 * private to enlight: 0xEC-0xEF are unused on a q35 PC, also with QEMU's pc-testdev (0xE0-0xEB,
 * which kvm-unit-tests adds to every run); only a 4-byte OUT at 0xEC is a hypercall. The
 * call's registers are the TLFS ones (RCX control, RDX/R8 GPAs). */
#define HV_HCALL_PORT		0xECu
#define HV_HCALL_PORT_LEN	4u

/* Partition-wide state. */
struct hv_msr_part {
	uint64_t features;	/* HV_FEAT_BIT()s (hv_features.h) */
	uint32_t tsc_khz;	/* guest TSC rate, 0 = unknown */
	uint64_t tsc_at_start;	/* guest TSC when the partition reference counter was 0 */
	uint64_t guest_os_id;
	uint64_t hypercall;
	uint64_t ref_tsc;
	uint64_t crash_p[5];
	uint64_t reenlightenment_ctl, tsc_emulation_ctl, tsc_emulation_status;
};

/* Per-VP state. */
struct hv_msr_vp {
	uint32_t index;		/* VP_INDEX */
	uint64_t vp_assist;
	uint64_t scontrol, siefp, simp;
	uint64_t sint[HV_SINT_COUNT];
	struct hv_stimer stimer[HV_STIMER_COUNT];
};

/* Inputs the caller gathers for one access. */
struct hv_msr_env {
	const struct guest_mem *gm;
	uint64_t tsc;		/* guest TSC now (TIME_REF_COUNT reads, STIMER writes) */
	uint64_t runtime_ns;	/* how long the VM has run (VP_RUNTIME) */
};

enum hv_msr_res {
	HV_MSR_DONE,	/* handled */
	HV_MSR_GP,	/* inject #GP(0) */
	HV_MSR_APIC,	/* forward to x2APIC MSR hv_msr_apic_index(msr) */
	HV_MSR_RESET,	/* HV_X64_MSR_RESET written: request a system reset */
	HV_MSR_CRASH,	/* CRASH_CTL CrashNotify written: report p->crash_p and stop */
	HV_MSR_SYNIC,	/* SCONTROL/SIMP/SIEFP/SINTx/EOM written: redeliver queued messages */
	HV_MSR_STIMER,	/* a STIMER CONFIG/COUNT was written: reschedule the timers */
};

/* Power-on values (also on system reset). */
void hv_msr_part_init(struct hv_msr_part *p, uint64_t features, uint32_t tsc_khz,
		      uint64_t tsc_at_start);
void hv_msr_vp_init(struct hv_msr_vp *vp, uint32_t index);

enum hv_msr_res hv_msr_read(const struct hv_msr_part *p, const struct hv_msr_vp *vp,
			    const struct hv_msr_env *env, uint32_t msr, uint64_t *val);
enum hv_msr_res hv_msr_write(struct hv_msr_part *p, struct hv_msr_vp *vp,
			     const struct hv_msr_env *env, uint32_t msr, uint64_t val);

/* x2APIC MSR behind HV_X64_MSR_EOI/ICR/TPR (TLFS "Virtual Interrupt Controller"), else 0. */
uint32_t hv_msr_apic_index(uint32_t msr);

/* The hypercall page stub: writes it to buf (at least HV_HCALL_STUB_LEN bytes). */
#define HV_HCALL_STUB_LEN 3u
void hv_hcall_stub(uint8_t *buf);

#endif
