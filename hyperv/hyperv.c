#include "hyperv/hyperv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hyperv/hv_cpuid.h"
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

/* KVM_GET_SUPPORTED_HV_CPUID on /dev/kvm: KVM does not say how many entries it needs, so grow
 * the buffer on E2BIG (QEMU's try_get_hv_cpuid). */
static int hv_host_query(struct vm *vm, struct hv_host_caps *host)
{
	for (unsigned nent = 16; nent <= 256; nent *= 2) {
		struct kvm_cpuid2 *c2 = calloc(1, sizeof(*c2) + nent * sizeof(c2->entries[0]));
		int r;

		if (!c2)
			return -ENOMEM;
		c2->nent = nent;
		r = kvm_get_supported_hv_cpuid(vm->kvm_fd, c2);
		if (r == 0)
			hv_host_caps_from_cpuid(host, c2->entries, c2->nent, false);
		free(c2);
		if (r != -E2BIG)
			return r;
	}
	return -E2BIG;
}

static int hv_select_backend(struct vm *vm, struct hv_vm *hv)
{
	const struct kvm_caps *caps = &vm->caps;
	int r;

	hv->backend = hv_backend_resolve(hv->cfg.backend, kvm_has(caps, KC_HYPERV));
	if (hv->backend == HV_BACKEND_KERNEL) {
		if (!kvm_has(caps, KC_HYPERV)) {
			pr_err("-accel kvm,hv-backend=kernel: this KVM has no in-kernel Hyper-V "
			       "(KVM_CAP_HYPERV is 0); use hv-backend=user or auto");
			return -EOPNOTSUPP;
		}
		if (!kvm_has(caps, KC_SYS_HYPERV_CPUID)) {
			pr_err("-accel kvm,hv-backend=kernel: KVM_CAP_SYS_HYPERV_CPUID is missing, "
			       "so the supported Hyper-V leaves cannot be read; use hv-backend=user");
			return -EOPNOTSUPP;
		}
		r = hv_host_query(vm, &hv->host);
		if (r)
			pr_err("KVM_GET_SUPPORTED_HV_CPUID: %s", strerror(-r));
		return r;
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
	if (hv->backend == HV_BACKEND_USER) {
		r = hv_user_install(vm);
		if (r)
			return r;
	}
	pr_debug("Hyper-V: %s backend", hv_backend_name(hv->backend));
	return 0;
}

void hyperv_destroy(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;

	if (hv)
		pthread_mutex_destroy(&hv->lock);
	free(vm->hv);
	vm->hv = NULL;
}
