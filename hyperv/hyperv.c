#include "hyperv/hyperv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/hv_cpuid.h"
#include "hyperv/hv_kernel.h"
#include "vmm/log.h"
#include "vmm/vm.h"

static int hv_vcpu_cpuid(struct vcpu *v, struct cpuid_table *t)
{
	struct hv_vm *hv = v->vm->hv;
	int r = hv_cpuid_apply(&hv->cfg, t->e, &t->n, CPUID_MAX_ENTRIES);

	if (r)
		pr_err("vCPU %u: building the Hyper-V CPUID leaves: %s", v->index, strerror(-r));
	return r;
}

static int hv_select_backend(struct vm *vm, struct hv_vm *hv)
{
	const struct kvm_caps *caps = &vm->caps;

	hv->backend = hv_backend_resolve(hv->cfg.backend, kvm_has(caps, KC_HYPERV));
	if (hv->backend == HV_BACKEND_KERNEL) {
		if (!kvm_has(caps, KC_HYPERV)) {
			pr_err("-accel kvm,hv-backend=kernel: this KVM has no in-kernel Hyper-V "
			       "(KVM_CAP_HYPERV is 0); use hv-backend=user or auto");
			return -EOPNOTSUPP;
		}
		return hv_kernel_host_query(vm, &hv->host);
	}
	if (!kvm_has(caps, KC_USER_SPACE_MSR) || !kvm_has(caps, KC_MSR_FILTER)) {
		pr_err("-accel kvm,hv-backend=%s: the userspace Hyper-V backend needs "
		       "KVM_CAP_X86_USER_SPACE_MSR and KVM_CAP_X86_MSR_FILTER, which this KVM lacks",
		       hv_backend_name(hv->cfg.backend));
		return -EOPNOTSUPP;
	}
	return 0;
}

int hyperv_handle_properties(struct vm *vm)
{
	struct hv_vm *hv;
	char err[512];
	int r;

	if (!hv_enabled(&vm->cfg->hv))
		return 0;
	hv = calloc(1, sizeof(*hv));
	if (!hv)
		return -ENOMEM;
	vm->hv = hv;
	pthread_mutex_init(&hv->lock, NULL);
	hv->cfg = vm->cfg->hv;
	r = hv_select_backend(vm, hv);
	if (r)
		return r;
	r = hv_config_finalize(&hv->cfg, hv->backend == HV_BACKEND_KERNEL ? &hv->host : NULL,
			       hv->backend, err, sizeof(err));
	if (r) {
		pr_err("-cpu: %s", err);
		return r;
	}
	vm->hooks.vcpu_cpuid = hv_vcpu_cpuid;
	r = hv->backend == HV_BACKEND_USER ? hv_user_install(vm) : hv_kernel_install(vm);
	if (r)
		return r;
	pr_debug("Hyper-V: %s backend", hv_backend_name(hv->backend));
	return 0;
}

int hv_testdev_install(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;

	if (hv && hv->kernel)
		return hv_kernel_testdev_install(vm);
	return hv_user_testdev_install(vm);
}

void hyperv_destroy(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;

	hv_kernel_destroy(vm);
	hv_user_destroy(vm);
	if (hv)
		pthread_mutex_destroy(&hv->lock);
	free(vm->hv);
	vm->hv = NULL;
}
