/* The userspace Hyper-V backend's glue: the MSR filter that sends the synthetic MSRs to
 * user space, the MSR exit hook over hv_msr.c, per-VP state and the hypercall port. */
#include "hyperv/hyperv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/hv_hypercall.h"
#include "hyperv/hv_msr.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define MSR_IA32_TSC 0x10u /* Intel SDM Vol. 4, table 2-2 */

/* Filtered ranges: the synthetic MSRs 0x40000000-0x400000FF, and the crash and
 * reenlightenment MSRs 0x40000100-0x40000108 (TLFS). A zero bitmap denies every MSR in the
 * range, so the accesses exit as KVM_EXIT_X86_RDMSR/WRMSR. */
static const struct {
	uint32_t base, nmsrs;
} hv_filter_ranges[] = {
	{ HV_X64_MSR_GUEST_OS_ID, 256 },
	{ HV_X64_MSR_CRASH_P0, HV_X64_MSR_TSC_EMULATION_STATUS - HV_X64_MSR_CRASH_P0 + 1 },
};

static int hv_user_vm_setup(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;
	static const uint8_t deny[256 / 8];
	struct kvm_msr_filter filter = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };
	int r;

	r = kvm_enable_cap(vm->vm_fd, KVM_CAP_X86_USER_SPACE_MSR, KVM_MSR_EXIT_REASON_FILTER, 0);
	if (r) {
		pr_err("KVM_ENABLE_CAP(KVM_CAP_X86_USER_SPACE_MSR): %s; the userspace Hyper-V "
		       "backend needs it (use a newer kernel or drop the hv-* options)", strerror(-r));
		return r;
	}
	for (size_t i = 0; i < ARRAY_SIZE(hv_filter_ranges); i++)
		filter.ranges[i] = (struct kvm_msr_filter_range){
			.flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
			.nmsrs = hv_filter_ranges[i].nmsrs,
			.base = hv_filter_ranges[i].base,
			.bitmap = (uint8_t *)(uintptr_t)deny,
		};
	r = kvm_set_msr_filter(vm->vm_fd, &filter);
	if (r) {
		pr_err("KVM_X86_SET_MSR_FILTER (KVM_CAP_X86_MSR_FILTER) for the Hyper-V MSRs: %s",
		       strerror(-r));
		return r;
	}
	hv->start_ns = vm_clock_ns(NULL);
	return 0;
}

static int hv_user_vcpu_init(struct vcpu *v)
{
	struct hv_vm *hv = v->vm->hv;
	struct hv_msr_vp *vp = calloc(1, sizeof(*vp));
	uint64_t tsc = 0;
	int r;

	if (!vp)
		return -ENOMEM;
	hv_msr_vp_init(vp, v->index);
	v->hv = vp;
	if (v->index != 0)
		return 0;
	/* The partition reference counter starts with the first vCPU's guest TSC. */
	r = kvm_get_msr(v->fd, MSR_IA32_TSC, &tsc);
	if (r) {
		pr_err("vCPU 0: reading IA32_TSC for the Hyper-V reference counter: %s",
		       strerror(-r));
		return r;
	}
	pthread_mutex_lock(&hv->lock);
	hv->msr.tsc_khz = v->vm->tsc_khz;
	hv->msr.tsc_at_start = tsc;
	pthread_mutex_unlock(&hv->lock);
	return 0;
}

static void hv_user_vcpu_destroy(struct vcpu *v)
{
	free(v->hv);
	v->hv = NULL;
}

static void hv_user_reset(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;

	pthread_mutex_lock(&hv->lock);
	hv_msr_part_init(&hv->msr, hv->cfg.features, 0, 0);
	pthread_mutex_unlock(&hv->lock);
}

static void hv_report_crash(struct vcpu *v, const struct hv_msr_part *p)
{
	pr_err("guest crash (Hyper-V CRASH_CTL on vCPU %u): P0 0x%llx P1 0x%llx P2 0x%llx "
	       "P3 0x%llx P4 0x%llx", v->index,
	       (unsigned long long)p->crash_p[0], (unsigned long long)p->crash_p[1],
	       (unsigned long long)p->crash_p[2], (unsigned long long)p->crash_p[3],
	       (unsigned long long)p->crash_p[4]);
}

static enum exit_action hv_user_msr(struct vcpu *v, struct kvm_run *run)
{
	struct hv_vm *hv = v->vm->hv;
	struct hv_msr_vp *vp = v->hv;
	bool is_write = run->exit_reason == KVM_EXIT_X86_WRMSR;
	uint32_t msr = run->msr.index;
	struct hv_msr_env env = { .gm = &v->vm->mem };
	enum hv_msr_res res;
	uint64_t val = 0;
	uint64_t crash[5];

	if (!vp) {
		run->msr.error = 1;
		return EXIT_ACT_CONTINUE;
	}
	if (!is_write && msr == HV_X64_MSR_TIME_REF_COUNT &&
	    kvm_get_msr(v->fd, MSR_IA32_TSC, &env.tsc)) {
		run->msr.error = 1;
		return EXIT_ACT_CONTINUE;
	}
	env.runtime_ns = vm_clock_ns(NULL) - hv->start_ns;

	pthread_mutex_lock(&hv->lock);
	if (is_write)
		res = hv_msr_write(&hv->msr, vp, &env, msr, run->msr.data);
	else
		res = hv_msr_read(&hv->msr, vp, &env, msr, &val);
	if (res == HV_MSR_CRASH) {
		hv_report_crash(v, &hv->msr);
		memcpy(crash, hv->msr.crash_p, sizeof(crash));
	}
	pthread_mutex_unlock(&hv->lock);

	run->msr.error = 0;
	switch (res) {
	case HV_MSR_DONE:
		if (!is_write)
			run->msr.data = val;
		break;
	case HV_MSR_GP:
		run->msr.error = 1;
		break;
	case HV_MSR_APIC:
		/* In xAPIC mode KVM refuses the x2APIC MSRs: the guest gets #GP. */
		if (is_write)
			run->msr.error = kvm_set_msr(v->fd, hv_msr_apic_index(msr),
						     run->msr.data) != 0;
		else if (kvm_get_msr(v->fd, hv_msr_apic_index(msr), &val))
			run->msr.error = 1;
		else
			run->msr.data = val;
		break;
	case HV_MSR_RESET:
		vm_request(v->vm, VM_REQ_RESET, 0);
		break;
	case HV_MSR_CRASH:
		vm_report_hv_crash(v->vm, crash); /* GUEST_PANICKED with P0..P4, status 5 */
		break;
	}
	return EXIT_ACT_CONTINUE;
}

/* The hypercall page stub's OUT (hv_hcall_stub). Dispatch is not implemented yet: every call
 * answers HV_STATUS_INVALID_HYPERCALL_CODE in RAX (TLFS "Hypercall Interface"), which
 * guests treat as "feature absent". */
static void hv_hcall_io(void *opaque, struct vcpu *v, uint64_t offset, void *data,
			unsigned len, bool is_write)
{
	struct kvm_regs *regs;

	(void)opaque;
	if (!is_write) {
		bus_data_put(data, len, ~0ull);
		return;
	}
	if (offset != 0 || len != 4 || !v)
		return;
	regs = vcpu_regs(v);
	if (!regs)
		return;
	regs->rax = hv_hcall_result(HV_STATUS_INVALID_HYPERCALL_CODE, 0);
	vcpu_regs_dirty(v);
}

int hv_user_install(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;
	int r;

	hv_msr_part_init(&hv->msr, hv->cfg.features, 0, 0);
	r = bus_register(&vm->pio, HV_HCALL_PORT, HV_HCALL_PORT_LEN, hv_hcall_io, hv,
			 "hv-hypercall");
	if (r) {
		pr_err("Hyper-V hypercall port 0x%x: %s", HV_HCALL_PORT, strerror(-r));
		return r;
	}
	vm->hooks.vm_setup = hv_user_vm_setup;
	vm->hooks.vcpu_init = hv_user_vcpu_init;
	vm->hooks.vcpu_destroy = hv_user_vcpu_destroy;
	vm->hooks.reset = hv_user_reset;
	vm->hooks.msr = hv_user_msr;
	return 0;
}
