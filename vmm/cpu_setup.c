/* -cpu in the machine: the glue between the pure model/TSC code and /dev/kvm. */
#include "vmm/cpu_setup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/vm.h"

int cpu_host_cpuid(int kvm_fd, struct cpuid_table *t)
{
	struct kvm_cpuid2 *c2 = calloc(1, sizeof(*c2) + CPUID_MAX_ENTRIES * sizeof(c2->entries[0]));
	int r;

	if (!c2)
		return -ENOMEM;
	c2->nent = CPUID_MAX_ENTRIES;
	r = kvm_get_supported_cpuid(kvm_fd, c2);
	if (r >= 0) {
		t->n = c2->nent;
		memcpy(t->e, c2->entries, c2->nent * sizeof(c2->entries[0]));
		r = 0;
	}
	free(c2);
	return r;
}

uint32_t cpu_host_tsc_khz(int kvm_fd)
{
	int vm_fd = kvm_create_vm(kvm_fd);
	int vcpu_fd = vm_fd >= 0 ? kvm_create_vcpu(vm_fd, 0) : -1;
	int khz = vcpu_fd >= 0 ? kvm_get_tsc_khz(vcpu_fd) : -1;

	if (vcpu_fd >= 0)
		close(vcpu_fd);
	if (vm_fd >= 0)
		close(vm_fd);
	return khz > 0 ? (uint32_t)khz : 0;
}

int cpu_setup_vm(struct vm *vm, bool warn)
{
	const struct vm_config *cfg = vm->cfg;
	struct cpu_setup *cs = calloc(1, sizeof(*cs));
	char err[1024];
	int r;

	if (!cs)
		return -ENOMEM;
	vm->cpu = cs;
	r = cpu_config_parse(&cs->cfg, cfg->cpu_model, cfg->cpu_props, cfg->ncpu_props, err,
			     sizeof(err));
	if (r) {
		pr_err("%s", err);
		return r;
	}
	cs->warn = warn;
	cs->tsc_host.tsc_control = kvm_has(&vm->caps, KC_TSC_CONTROL);
	cs->tsc_host.vm_tsc_control = kvm_has(&vm->caps, KC_VM_TSC_CONTROL);
	return 0;
}

int cpu_setup_tsc(struct vm *vm, uint32_t host_khz)
{
	const struct vm_config *cfg = vm->cfg;
	struct cpu_setup *cs = vm->cpu;
	struct cpu_build_env env;
	char err[1024];
	bool warn;
	int r;

	if (!cs)
		return -EINVAL;
	warn = cs->warn && !cs->tsc_done; /* a reset builds the vCPUs again: warn once */
	cs->tsc_host.khz = host_khz;
	r = tsc_plan_make(cs->cfg.tsc_hz, &cs->tsc_host, &cs->tsc, err, sizeof(err));
	if (r) {
		pr_err("%s", err);
		return r;
	}
	vm->tsc_khz = cs->tsc.khz;
	env.hyperv = hv_enabled(&cfg->hv);
	env.tsc_khz = cs->tsc.khz;
	r = cpu_build_table(&cs->cfg, vm->host_cpuid, &env, &cs->base, &cs->dropped, err,
			    sizeof(err));
	if (r) {
		pr_err("%s", err);
		return r;
	}
	for (unsigned i = 0; warn && cs->cfg.check == CPU_CHECK_WARN && i < cs->dropped.n; i++) {
		cpu_feat_describe(cs->dropped.f[i].word, cs->dropped.f[i].bit, err, sizeof(err));
		pr_warn("-cpu %s: host doesn't support requested feature: %s (dropped; add "
			"enforce to make this an error)", cs->cfg.model->name, err);
	}
	cs->tsc_done = true;
	return 0;
}

void cpu_setup_destroy(struct vm *vm)
{
	free(vm->cpu);
	vm->cpu = NULL;
}

int cpu_vcpu_table(struct vm *vm, unsigned index, struct cpuid_table *out)
{
	struct vcpu v;
	int r;

	*out = vm->cpu ? vm->cpu->base : *vm->host_cpuid;
	r = cpuid_apply_topology(out, &vm->topo, index);
	if (r || !vm->hooks.vcpu_cpuid)
		return r;
	memset(&v, 0, sizeof(v));
	v.vm = vm;
	v.index = index;
	v.fd = -1;
	v.apic_id = topo_apic_id(&vm->topo, index);
	return vm->hooks.vcpu_cpuid(&v, out);
}

int cpu_vcpu_tsc(struct vcpu *v)
{
	const struct tsc_plan *p = v->vm->cpu ? &v->vm->cpu->tsc : NULL;
	int r;

	if (p && p->set_vcpu) {
		r = kvm_set_tsc_khz(v->fd, p->khz);
		if (r) {
			pr_err("vCPU %u: -cpu tsc-frequency: KVM_SET_TSC_KHZ %u kHz (%s): %s", v->index,
			       p->khz, tsc_method_text(p->method), strerror(-r));
			return r;
		}
	}
	r = kvm_get_tsc_khz(v->fd);
	v->tsc_khz = r > 0 ? (uint32_t)r : 0;
	if (p && p->set_vcpu && v->tsc_khz != p->khz) {
		pr_err("vCPU %u: -cpu tsc-frequency: KVM runs the TSC at %u kHz after "
		       "KVM_SET_TSC_KHZ %u kHz", v->index, v->tsc_khz, p->khz);
		return -EIO;
	}
	if (v->index == 0)
		v->vm->tsc_khz = v->tsc_khz;
	return 0;
}
