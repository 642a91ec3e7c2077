/* hyperv/hv_kernel.c: the in-kernel Hyper-V backend's ioctl sequence against the recording
 * fake of kvm_sys_ioctl, its error messages, and KVM_EXIT_HYPERV handling on hand-built
 * kvm_run structs. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "fake_kvm.h"
#include "hyperv/hv_kernel.h"
#include "hyperv/hv_testdev.h"
#include "hyperv/hyperv.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define KVM_FD 3
#define VM_FD 4
#define VCPU_FD0 10
#define SCRATCH_VM_FD 1000
#define SCRATCH_VCPU_FD 1001
#define RAM_SIZE (1u << 20)

/* What the fake KVM answers and what it saw. */
struct script {
	unsigned hv_cpuid_min_nent;   /* E2BIG below this */
	unsigned hv_cpuid_nents[8];   /* nent of each GET_SUPPORTED_HV_CPUID */
	unsigned n_hv_cpuid;
	int hv_cpuid_fd;
	int fail_cap;                 /* KVM_ENABLE_CAP of this cap fails with fail_errno */
	int fail_errno;
	unsigned caps_enabled[16][2]; /* {fd, cap} */
	uint64_t cap_arg0[16];
	unsigned ncaps;
	uint16_t evmcs_range;
	int set_msrs_short;           /* >= 0: KVM_SET_MSRS stops after this many */
	struct kvm_msr_entry msrs[8][48];
	unsigned nmsrs[8], nset_msrs;
	int msrs_fd[8];
	uint64_t kernel_vp_index[4];  /* KVM_GET_MSRS VP_INDEX answer per vCPU fd */
	struct kvm_irq_routing_entry routes[64];
	unsigned nroutes, ncommits;
	struct kvm_irqfd irqfds[8];
	unsigned nirqfds;
	struct kvm_hyperv_eventfd evfds[8];
	unsigned nevfds;
	unsigned msr_index_list[4];
	unsigned n_msr_index_list;
	bool crash_refused;           /* KVM_GET_MSRS of CRASH_P0 answers 0 entries */
};

static int answer(void *opaque, int fd, unsigned long req, void *arg)
{
	struct script *s = opaque;

	switch (req) {
	case KVM_GET_SUPPORTED_HV_CPUID: {
		struct kvm_cpuid2 *c = arg;

		s->hv_cpuid_fd = fd;
		if (s->n_hv_cpuid < 8)
			s->hv_cpuid_nents[s->n_hv_cpuid] = c->nent;
		s->n_hv_cpuid++;
		if (c->nent < s->hv_cpuid_min_nent)
			return -E2BIG;
		c->nent = 2;
		memset(c->entries, 0, 2 * sizeof(c->entries[0]));
		c->entries[0].function = HV_CPUID_FEATURES;
		c->entries[0].eax = 0x2ff; /* everything incl. SynIC, VP index, time */
		c->entries[0].edx = 0xffffffff;
		c->entries[1].function = HV_CPUID_ENLIGHTMENT_INFO;
		c->entries[1].eax = 0x20;
		return 0;
	}
	case KVM_CREATE_VM:
		return SCRATCH_VM_FD;
	case KVM_CREATE_VCPU:
		return SCRATCH_VCPU_FD;
	case KVM_CHECK_EXTENSION:
		return (long)arg == KVM_CAP_HYPERV || (long)arg == KVM_CAP_HYPERV_SYNIC2 ||
		       (long)arg == KVM_CAP_HYPERV_VP_INDEX || (long)arg == KVM_CAP_HYPERV_TIME;
	case KVM_GET_MSR_INDEX_LIST: {
		struct kvm_msr_list *l = arg;

		if (l->nmsrs < s->n_msr_index_list) {
			l->nmsrs = s->n_msr_index_list;
			return -E2BIG;
		}
		l->nmsrs = s->n_msr_index_list;
		memcpy(l->indices, s->msr_index_list, l->nmsrs * sizeof(l->indices[0]));
		return 0;
	}
	case KVM_ENABLE_CAP: {
		struct kvm_enable_cap *ec = arg;

		if (s->ncaps < 16) {
			s->caps_enabled[s->ncaps][0] = (unsigned)fd;
			s->caps_enabled[s->ncaps][1] = ec->cap;
			s->cap_arg0[s->ncaps] = ec->args[0];
			s->ncaps++;
		}
		if ((int)ec->cap == s->fail_cap)
			return -s->fail_errno;
		if (ec->cap == KVM_CAP_HYPERV_ENLIGHTENED_VMCS)
			*(uint16_t *)(uintptr_t)ec->args[0] = s->evmcs_range;
		return 0;
	}
	case KVM_SET_MSRS: {
		struct kvm_msrs *m = arg;
		unsigned k = s->nset_msrs++;

		if (k < 8) {
			s->msrs_fd[k] = fd;
			s->nmsrs[k] = m->nmsrs;
			memcpy(s->msrs[k], m->entries, m->nmsrs * sizeof(m->entries[0]));
		}
		if (s->set_msrs_short >= 0 && (unsigned)s->set_msrs_short < m->nmsrs)
			return s->set_msrs_short;
		return (int)m->nmsrs;
	}
	case KVM_GET_MSRS: {
		struct kvm_msrs *m = arg;

		if (m->nmsrs == 1 && m->entries[0].index == HV_X64_MSR_VP_INDEX) {
			m->entries[0].data = s->kernel_vp_index[fd - VCPU_FD0];
			return 1;
		}
		/* CRASH_P0..P4 of vCPU fd: 0xc0ffee00 + n, vCPU index in bits 8-11 */
		for (unsigned i = 0; i < m->nmsrs; i++) {
			if (m->entries[i].index != HV_X64_MSR_CRASH_P0 + i || s->crash_refused)
				return (int)i;
			m->entries[i].data = 0xc0ffee00 + i + ((uint64_t)(fd - VCPU_FD0) << 8);
		}
		return (int)m->nmsrs;
	}
	case KVM_SET_GSI_ROUTING: {
		const struct kvm_irq_routing *rt = arg;

		s->ncommits++;
		s->nroutes = rt->nr < 64 ? rt->nr : 64;
		memcpy(s->routes, rt->entries, s->nroutes * sizeof(s->routes[0]));
		return 0;
	}
	case KVM_IRQFD:
		if (s->nirqfds < 8)
			s->irqfds[s->nirqfds++] = *(struct kvm_irqfd *)arg;
		return 0;
	case KVM_HYPERV_EVENTFD:
		if (s->nevfds < 8)
			s->evfds[s->nevfds++] = *(struct kvm_hyperv_eventfd *)arg;
		return 0;
	}
	return 0;
}

struct fixture {
	struct vm vm;
	struct vm_config cfg;
	struct hv_vm hv;
	struct vcpu vcpus[2];
	uint8_t *ram;
	struct script s;
};

static void set_caps(struct vm *vm, const enum kvm_cap_id *ids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		vm->caps.val[ids[i]] = 1;
}

static const enum kvm_cap_id full_caps[] = {
	KC_IRQCHIP, KC_IRQFD, KC_HYPERV, KC_HYPERV_SYNIC, KC_HYPERV_SYNIC2, KC_HYPERV_VP_INDEX,
	KC_HYPERV_EVENTFD, KC_HYPERV_CPUID, KC_SYS_HYPERV_CPUID, KC_HYPERV_ENFORCE_CPUID,
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	log_quiet = true;
	f->ram = calloc(1, RAM_SIZE);
	gm_add_slot(&f->vm.mem, 0, RAM_SIZE, f->ram, false);
	f->cfg.smp.cpus = 2;
	f->vm.cfg = &f->cfg;
	f->vm.kvm_fd = KVM_FD;
	f->vm.vm_fd = VM_FD;
	set_caps(&f->vm, full_caps, ARRAY_SIZE(full_caps));
	hv_config_init(&f->hv.cfg);
	f->hv.cfg.features = HV_FEAT_BIT(HV_FEAT_VPINDEX) | HV_FEAT_BIT(HV_FEAT_SYNIC) |
			     HV_FEAT_BIT(HV_FEAT_TIME);
	f->hv.backend = HV_BACKEND_KERNEL;
	pthread_mutex_init(&f->hv.lock, NULL);
	f->vm.hv = &f->hv;
	for (unsigned i = 0; i < 2; i++) {
		f->vcpus[i].vm = &f->vm;
		f->vcpus[i].index = i;
		f->vcpus[i].fd = VCPU_FD0 + (int)i;
	}
	f->vm.vcpus = f->vcpus;
	f->vm.nvcpus = 2;
	f->s.hv_cpuid_min_nent = 20;
	f->s.set_msrs_short = -1;
	f->s.evmcs_range = 0x0101;
	fake_kvm_reset(answer, &f->s);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (unsigned i = 0; i < 2; i++)
		if (f->vm.hooks.vcpu_destroy)
			f->vm.hooks.vcpu_destroy(&f->vcpus[i]);
	hv_kernel_destroy(&f->vm);
	irq_routes_free(&f->vm.routes);
	pthread_mutex_destroy(&f->hv.lock);
	free(f->ram);
	free(f);
	log_quiet = false;
	return 0;
}

/* The rest of vm_kvm_build as far as the backend is concerned: the IOAPIC routes, then every
 * vCPU's init hook. */
static int build(struct fixture *f)
{
	struct kvm_irq_routing_entry e = { .gsi = 1, .type = KVM_IRQ_ROUTING_IRQCHIP,
					   .u.irqchip = { KVM_IRQCHIP_IOAPIC, 1 } };
	int r;

	irq_routes_reset(&f->vm.routes, 24);
	irq_routes_add(&f->vm.routes, &e);
	for (unsigned i = 0; i < 2; i++) {
		r = f->vm.hooks.vcpu_init(&f->vcpus[i]);
		if (r)
			return r;
	}
	return 0;
}

#define NO_MSR 0xbadbadbadull

/* The value KVM_SET_MSRS call number `call` wrote to idx, or NO_MSR. */
static uint64_t msr_val(const struct script *s, unsigned call, uint32_t idx)
{
	for (unsigned i = 0; i < s->nmsrs[call]; i++)
		if (s->msrs[call][i].index == idx)
			return s->msrs[call][i].data;
	return NO_MSR;
}

/* ---- host view ---- */

static void test_host_query_system_ioctl_grows_on_e2big(void **state)
{
	struct fixture *f = *state;
	struct hv_host_caps host;

	assert_int_equal(hv_kernel_host_query(&f->vm, &host), 0);
	assert_int_equal(f->s.hv_cpuid_fd, KVM_FD);
	/* 11 (QEMU's start) -> E2BIG -> 22 */
	assert_int_equal(f->s.n_hv_cpuid, 2);
	assert_int_equal(f->s.hv_cpuid_nents[0], 11);
	assert_int_equal(f->s.hv_cpuid_nents[1], 22);
	assert_true(hv_host_has_feature(&host, HV_FEAT_SYNIC));
	assert_int_equal(hv_host_reg(&host, HV_CPUID_FEATURES, HV_REG_EAX), 0x2ff);
}

static void test_host_query_vcpu_ioctl_on_scratch_vcpu(void **state)
{
	struct fixture *f = *state;
	struct hv_host_caps host;
	int vm, vcpu, q;

	f->vm.caps.val[KC_SYS_HYPERV_CPUID] = 0;
	assert_int_equal(hv_kernel_host_query(&f->vm, &host), 0);
	vm = fake_kvm_find(KVM_CREATE_VM, 0);
	vcpu = fake_kvm_find(KVM_CREATE_VCPU, 0);
	q = fake_kvm_find(KVM_GET_SUPPORTED_HV_CPUID, 0);
	assert_true(vm >= 0 && vcpu > vm && q > vcpu);
	assert_int_equal(fake_kvm.calls[vm].fd, KVM_FD);
	assert_int_equal(fake_kvm.calls[vcpu].fd, SCRATCH_VM_FD);
	assert_int_equal(f->s.hv_cpuid_fd, SCRATCH_VCPU_FD);
	assert_int_equal(f->s.n_hv_cpuid, 2);
	assert_true(hv_host_has_feature(&host, HV_FEAT_VPINDEX));
}

static void test_host_query_legacy_synthesis(void **state)
{
	struct fixture *f = *state;
	struct hv_host_caps host;

	f->vm.caps.val[KC_SYS_HYPERV_CPUID] = 0;
	f->vm.caps.val[KC_HYPERV_CPUID] = 0;
	f->s.msr_index_list[0] = HV_X64_MSR_VP_INDEX;
	f->s.msr_index_list[1] = HV_X64_MSR_TIME_REF_COUNT;
	f->s.msr_index_list[2] = HV_X64_MSR_REFERENCE_TSC;
	f->s.n_msr_index_list = 3;
	assert_int_equal(hv_kernel_host_query(&f->vm, &host), 0);
	assert_int_equal(fake_kvm_find(KVM_GET_SUPPORTED_HV_CPUID, 0), -1);
	assert_true(fake_kvm_find(KVM_GET_MSR_INDEX_LIST, 0) >= 0);
	assert_true(fake_kvm_find(KVM_CHECK_EXTENSION, 0) >= 0);
	/* KVM_CAP_HYPERV_VP_INDEX + the MSR in the index list */
	assert_true(hv_host_has_feature(&host, HV_FEAT_VPINDEX));
}

static int fail_hv_cpuid(void *opaque, int fd, unsigned long req, void *arg)
{
	(void)opaque, (void)fd, (void)arg;
	return req == KVM_GET_SUPPORTED_HV_CPUID ? -EINVAL : 0;
}

static void test_host_query_error_message(void **state)
{
	struct fixture *f = *state;
	struct hv_host_caps host;

	fake_kvm_reset(fail_hv_cpuid, NULL);
	assert_int_equal(hv_kernel_host_query(&f->vm, &host), -EINVAL);
	assert_string_equal(log_last(), "KVM_GET_SUPPORTED_HV_CPUID failed: Invalid argument");
}

/* ---- per-vCPU init ---- */

static void test_vcpu_init_sequence(void **state)
{
	struct fixture *f = *state;
	int c0, c1, msr0, msr1, rt, irq, ev;
	int evfd = eventfd(0, EFD_CLOEXEC);

	f->hv.cfg.enforce_cpuid = true;
	f->hv.cfg.features |= HV_FEAT_BIT(HV_FEAT_CRASH);
	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_ptr_equal(f->vm.hooks.hyperv, hv_kernel_exit);
	/* A device's connections exist before the VM is built. */
	assert_int_equal(hv_kernel_sint_route_add(&f->vm, 1, 2), 0);
	assert_int_equal(hv_kernel_add_event_conn(&f->vm, 0x42, evfd), 0);
	assert_int_equal(fake_kvm.ncalls, 0); /* nothing applied yet */

	assert_int_equal(build(f), 0);

	/* vCPU 0: SynIC2, power-on MSRs (VP_INDEX first), ENFORCE_CPUID; then vCPU 1. */
	assert_int_equal(f->s.caps_enabled[0][0], VCPU_FD0);
	assert_int_equal(f->s.caps_enabled[0][1], KVM_CAP_HYPERV_SYNIC2);
	assert_int_equal(f->s.caps_enabled[1][0], VCPU_FD0);
	assert_int_equal(f->s.caps_enabled[1][1], KVM_CAP_HYPERV_ENFORCE_CPUID);
	assert_int_equal(f->s.cap_arg0[1], 1);
	assert_int_equal(f->s.caps_enabled[2][0], VCPU_FD0 + 1);
	assert_int_equal(f->s.caps_enabled[2][1], KVM_CAP_HYPERV_SYNIC2);
	c0 = fake_kvm_find(KVM_ENABLE_CAP, 0);
	msr0 = fake_kvm_find(KVM_SET_MSRS, 0);
	c1 = fake_kvm_find(KVM_ENABLE_CAP, (unsigned)c0 + 1);
	assert_true(c0 < msr0 && msr0 < c1);

	assert_int_equal(f->s.nset_msrs, 2);
	for (unsigned cpu = 0; cpu < 2; cpu++) {
		assert_int_equal(f->s.msrs_fd[cpu], VCPU_FD0 + (int)cpu);
		assert_int_equal(f->s.msrs[cpu][0].index, HV_X64_MSR_VP_INDEX);
		assert_int_equal(f->s.msrs[cpu][0].data, cpu);
		for (unsigned i = 0; i < HV_SINT_COUNT; i++)
			assert_int_equal(msr_val(&f->s, cpu, HV_X64_MSR_SINT0 + i), HV_SINT_MASKED);
		assert_int_equal(msr_val(&f->s, cpu, HV_X64_MSR_SCONTROL), 0);
		assert_int_equal(msr_val(&f->s, cpu, HV_X64_MSR_SVERSION), 1);
		assert_int_equal(msr_val(&f->s, cpu, HV_X64_MSR_SIMP), 0);
	}
	/* CRASH_CTL is partition-wide: the first vCPU only. */
	assert_int_equal(msr_val(&f->s, 0, HV_X64_MSR_CRASH_CTL), HV_CRASH_CTL_CRASH_NOTIFY);
	assert_int_equal(msr_val(&f->s, 1, HV_X64_MSR_CRASH_CTL), NO_MSR);

	/* After the last vCPU: the whole routing table with the HV_SINT entry, the irqfd with
	 * its resamplefd, then the event connection. */
	msr1 = fake_kvm_find(KVM_SET_MSRS, (unsigned)msr0 + 1);
	rt = fake_kvm_find(KVM_SET_GSI_ROUTING, 0);
	irq = fake_kvm_find(KVM_IRQFD, 0);
	ev = fake_kvm_find(KVM_HYPERV_EVENTFD, 0);
	assert_true(msr1 < rt && rt < irq && irq < ev);
	assert_int_equal(fake_kvm.calls[rt].fd, VM_FD);
	assert_int_equal(f->s.nroutes, 2);
	assert_int_equal(f->s.routes[0].type, KVM_IRQ_ROUTING_IRQCHIP); /* vm.c's kept */
	assert_int_equal(f->s.routes[1].type, KVM_IRQ_ROUTING_HV_SINT);
	assert_int_equal(f->s.routes[1].gsi, 24);
	assert_int_equal(f->s.routes[1].u.hv_sint.vcpu, 1);
	assert_int_equal(f->s.routes[1].u.hv_sint.sint, 2);
	assert_int_equal(f->s.irqfds[0].gsi, 24);
	assert_int_equal(f->s.irqfds[0].flags, KVM_IRQFD_FLAG_RESAMPLE);
	assert_int_equal(f->s.irqfds[0].fd, f->hv.kernel->routes[0].irqfd);
	assert_int_equal(f->s.irqfds[0].resamplefd, f->hv.kernel->routes[0].ackfd);
	assert_int_equal(f->s.evfds[0].conn_id, 0x42);
	assert_int_equal(f->s.evfds[0].fd, evfd);

	/* A reset rebuilds the VM: the routes are applied again to the new table. */
	f->vm.hooks.reset(&f->vm);
	for (unsigned i = 0; i < 2; i++)
		f->vm.hooks.vcpu_destroy(&f->vcpus[i]);
	fake_kvm_reset(answer, &f->s);
	f->s.nroutes = f->s.nirqfds = f->s.nevfds = 0;
	assert_int_equal(build(f), 0);
	assert_int_equal(f->s.nroutes, 2);
	assert_int_equal(f->s.routes[1].type, KVM_IRQ_ROUTING_HV_SINT);
	assert_int_equal(f->s.nirqfds, 1);
	assert_int_equal(f->s.nevfds, 1);
	close(evfd);
}

static void test_vcpu_init_without_settable_vp_index(void **state)
{
	struct fixture *f = *state;

	f->vm.caps.val[KC_HYPERV_VP_INDEX] = 0;
	f->s.kernel_vp_index[0] = 0;
	f->s.kernel_vp_index[1] = 1;
	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(build(f), 0);
	assert_true(fake_kvm_find(KVM_GET_MSRS, 0) >= 0);
	assert_int_equal(msr_val(&f->s, 0, HV_X64_MSR_VP_INDEX), NO_MSR); /* read, not written */

	f->vm.hooks.vcpu_destroy(&f->vcpus[0]);
	f->vm.hooks.vcpu_destroy(&f->vcpus[1]);
	f->s.kernel_vp_index[1] = 7;
	assert_int_equal(build(f), -ENXIO);
	assert_string_equal(log_last(), "kernel's vp_index != enlight's vp_index (7 != 1)");
}

static void test_vcpu_init_synic_cap_fails(void **state)
{
	struct fixture *f = *state;

	f->s.fail_cap = KVM_CAP_HYPERV_SYNIC2;
	f->s.fail_errno = EINVAL;
	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(build(f), -EINVAL);
	assert_string_equal(log_last(), "failed to turn on HyperV SynIC in KVM: Invalid argument");
	assert_int_equal(fake_kvm_find(KVM_SET_MSRS, 0), -1);
}

static void test_vcpu_init_synic_kvm_only_uses_synic1(void **state)
{
	struct fixture *f = *state;

	f->hv.cfg.synic_kvm_only = true;
	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(build(f), 0);
	assert_int_equal(f->s.caps_enabled[0][1], KVM_CAP_HYPERV_SYNIC);
}

static void test_vcpu_init_enforce_cpuid_fails(void **state)
{
	struct fixture *f = *state;

	f->hv.cfg.enforce_cpuid = true;
	f->s.fail_cap = KVM_CAP_HYPERV_ENFORCE_CPUID;
	f->s.fail_errno = ENOTTY;
	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(build(f), -ENOTTY);
	assert_string_equal(log_last(), "failed to enable KVM_CAP_HYPERV_ENFORCE_CPUID: "
			    "Inappropriate ioctl for device");
}

static void test_vcpu_init_msr_refused(void **state)
{
	struct fixture *f = *state;

	f->s.set_msrs_short = 1; /* VP_INDEX accepted, SCONTROL refused */
	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(build(f), -EIO);
	assert_string_equal(log_last(), "vCPU 0: KVM refused Hyper-V MSR 0x40000080 (value 0x0)");
}

static void test_vcpu_init_evmcs_range(void **state)
{
	struct fixture *f = *state;

	f->hv.cfg.features |= HV_FEAT_BIT(HV_FEAT_EVMCS) | HV_FEAT_BIT(HV_FEAT_VAPIC);
	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(build(f), 0);
	assert_int_equal(f->s.caps_enabled[1][1], KVM_CAP_HYPERV_ENLIGHTENED_VMCS);
	assert_true(f->s.cap_arg0[1] != 0); /* a pointer for KVM's answer */

	f->vm.hooks.vcpu_destroy(&f->vcpus[0]);
	f->vm.hooks.vcpu_destroy(&f->vcpus[1]);
	f->s.evmcs_range = 0x0302; /* [2..3] */
	assert_int_equal(build(f), -ENOTSUP);
	assert_string_equal(log_last(), "eVMCS version range [1..1] is not supported by kernel "
			    "(supported: [2..3])");

	f->vm.hooks.vcpu_destroy(&f->vcpus[0]);
	f->s.fail_cap = KVM_CAP_HYPERV_ENLIGHTENED_VMCS;
	f->s.fail_errno = ENOTTY;
	assert_int_equal(build(f), -ENOTTY);
	assert_string_equal(log_last(), "Hyper-V enlightened VMCS (hv-evmcs) is not supported "
			    "by kernel");
}

static void test_install_needs_irqfd_for_synic(void **state)
{
	struct fixture *f = *state;

	f->vm.caps.val[KC_IRQFD] = 0;
	assert_int_equal(hv_kernel_install(&f->vm), -EOPNOTSUPP);
	assert_non_null(strstr(log_last(), "KVM_CAP_IRQFD"));
}

static void test_event_conn_without_kvm_eventfd(void **state)
{
	struct fixture *f = *state;
	int evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);

	f->vm.caps.val[KC_HYPERV_EVENTFD] = 0;
	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(hv_kernel_add_event_conn(&f->vm, 0x42, evfd), 0);
	assert_int_equal(build(f), 0);
	assert_int_equal(fake_kvm_find(KVM_HYPERV_EVENTFD, 0), -1);
	assert_non_null(strstr(log_last(), "slower userspace hypercall processing"));
	close(evfd);
}

static void test_conn_and_route_errors(void **state)
{
	struct fixture *f = *state;
	int evfd = eventfd(0, EFD_CLOEXEC);

	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(hv_kernel_add_event_conn(&f->vm, 0x1000000, evfd), -EINVAL);
	assert_int_equal(hv_kernel_add_event_conn(&f->vm, 5, evfd), 0);
	assert_int_equal(hv_kernel_add_event_conn(&f->vm, 5, evfd), -EEXIST);
	assert_int_equal(hv_kernel_sint_route_add(&f->vm, 0, HV_SINT_COUNT), -EINVAL);
	assert_int_equal(hv_kernel_sint_route_add(&f->vm, 2, 0), -EINVAL); /* 2 vCPUs */
	assert_int_equal(hv_kernel_sint_raise(&f->vm, 0), -EINVAL);
	close(evfd);
}

/* A route added while the VM runs is applied at once. */
static void test_route_added_after_build(void **state)
{
	struct fixture *f = *state;
	uint64_t n = 0;

	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(build(f), 0);
	assert_int_equal(f->s.ncommits, 0);
	assert_int_equal(hv_kernel_sint_route_add(&f->vm, 0, 3), 0);
	assert_int_equal(f->s.ncommits, 1);
	assert_int_equal(f->s.routes[1].u.hv_sint.sint, 3);
	assert_int_equal(f->s.nirqfds, 1);
	assert_int_equal(hv_kernel_sint_raise(&f->vm, 0), 0);
	assert_int_equal(read(f->hv.kernel->routes[0].irqfd, &n, sizeof(n)), sizeof(n));
	assert_int_equal(n, 1);
}

/* ---- KVM_EXIT_HYPERV ---- */

static struct kvm_run hcall(uint64_t input, uint64_t param)
{
	struct kvm_run run;

	memset(&run, 0, sizeof(run));
	run.exit_reason = KVM_EXIT_HYPERV;
	run.hyperv.type = KVM_EXIT_HYPERV_HCALL;
	run.hyperv.u.hcall.input = input;
	run.hyperv.u.hcall.params[0] = param;
	run.hyperv.u.hcall.result = 0xdead;
	return run;
}

static uint16_t got_type;
static uint32_t got_size;
static uint8_t got_payload[HV_MESSAGE_PAYLOAD_SIZE];

static uint16_t msg_handler(void *opaque, const struct hv_message *m)
{
	got_type = (uint16_t)m->type;
	got_size = m->payload_size;
	memcpy(got_payload, m->payload, m->payload_size);
	return *(uint16_t *)opaque;
}

static void put_post_message(struct fixture *f, uint64_t gpa, uint32_t conn, uint32_t type,
			     uint32_t size)
{
	uint32_t hdr[4] = { conn, 0, type, size };

	memcpy(f->ram + gpa, hdr, sizeof(hdr));
	memset(f->ram + gpa + 16, 0x5a, HV_MESSAGE_PAYLOAD_SIZE);
}

static void test_hcall_post_message(void **state)
{
	struct fixture *f = *state;
	uint16_t ret = HV_STATUS_SUCCESS;
	struct kvm_run run;

	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(hv_kernel_add_msg_conn(&f->vm, 0x10, msg_handler, &ret), 0);
	put_post_message(f, 0x2000, 0xff000010, 7, 12); /* upper byte of the id ignored */
	run = hcall(HVCALL_POST_MESSAGE, 0x2000);
	assert_int_equal(hv_kernel_exit(&f->vcpus[0], &run), EXIT_ACT_CONTINUE);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_SUCCESS);
	assert_int_equal(got_type, 7);
	assert_int_equal(got_size, 12);
	assert_int_equal(got_payload[11], 0x5a);

	ret = HV_STATUS_INSUFFICIENT_BUFFERS; /* the handler's status reaches the guest */
	run = hcall(HVCALL_POST_MESSAGE, 0x2000);
	hv_kernel_exit(&f->vcpus[0], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INSUFFICIENT_BUFFERS);

	/* QEMU's checks, in order */
	run = hcall(HVCALL_POST_MESSAGE | HV_HCALL_FAST, 0x2000);
	hv_kernel_exit(&f->vcpus[0], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INVALID_HYPERCALL_CODE);
	run = hcall(HVCALL_POST_MESSAGE, 0x2004);
	hv_kernel_exit(&f->vcpus[0], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INVALID_ALIGNMENT);
	run = hcall(HVCALL_POST_MESSAGE, RAM_SIZE - 8); /* runs off the end of RAM */
	hv_kernel_exit(&f->vcpus[0], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INSUFFICIENT_MEMORY);
	put_post_message(f, 0x3000, 0x10, 7, 241);
	run = hcall(HVCALL_POST_MESSAGE, 0x3000);
	hv_kernel_exit(&f->vcpus[0], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INVALID_HYPERCALL_INPUT);
	put_post_message(f, 0x3000, 0x11, 7, 4);
	run = hcall(HVCALL_POST_MESSAGE, 0x3000);
	hv_kernel_exit(&f->vcpus[0], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INVALID_CONNECTION_ID);
}

static void test_hcall_signal_event(void **state)
{
	struct fixture *f = *state;
	int evfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct kvm_run run;
	uint64_t n = 0, slow = 0x33;

	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(hv_kernel_add_event_conn(&f->vm, 0x33, evfd), 0);
	run = hcall(HVCALL_SIGNAL_EVENT | HV_HCALL_FAST, 0x33);
	hv_kernel_exit(&f->vcpus[1], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_SUCCESS);
	assert_int_equal(read(evfd, &n, sizeof(n)), sizeof(n));
	assert_int_equal(n, 1);

	memcpy(f->ram + 0x4000, &slow, sizeof(slow));
	run = hcall(HVCALL_SIGNAL_EVENT, 0x4000);
	hv_kernel_exit(&f->vcpus[1], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_SUCCESS);

	run = hcall(HVCALL_SIGNAL_EVENT | HV_HCALL_FAST, 0x33 | (1ull << 32));
	hv_kernel_exit(&f->vcpus[1], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INVALID_PORT_ID);
	run = hcall(HVCALL_SIGNAL_EVENT | HV_HCALL_FAST, 0x33 | (1ull << 24));
	hv_kernel_exit(&f->vcpus[1], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INVALID_HYPERCALL_INPUT);
	run = hcall(HVCALL_SIGNAL_EVENT | HV_HCALL_FAST, 0x34);
	hv_kernel_exit(&f->vcpus[1], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INVALID_CONNECTION_ID);
	run = hcall(HVCALL_SIGNAL_EVENT, 0x4001);
	hv_kernel_exit(&f->vcpus[1], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INVALID_ALIGNMENT);
	close(evfd);
}

static void test_hcall_unknown_codes(void **state)
{
	struct fixture *f = *state;
	static const uint16_t codes[] = { 0x0001, HVCALL_POST_DEBUG_DATA,
					  HVCALL_RESET_DEBUG_SESSION, HVCALL_EXT_QUERY_CAPABILITIES };

	assert_int_equal(hv_kernel_install(&f->vm), 0);
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++) {
		struct kvm_run run = hcall(codes[i], 0);

		assert_int_equal(hv_kernel_exit(&f->vcpus[0], &run), EXIT_ACT_CONTINUE);
		assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INVALID_HYPERCALL_CODE);
	}
}

static void test_synic_exit_then_post_and_flag(void **state)
{
	struct fixture *f = *state;
	struct kvm_run run;
	struct hv_message msg = { .type = 0x42, .payload_size = 3, .payload = { 1, 2, 3 } };
	struct hv_message *slot;
	uint64_t n = 0;
	int route;

	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(build(f), 0);
	route = hv_kernel_sint_route_add(&f->vm, 1, 2);
	assert_int_equal(route, 0);
	/* SynIC off: nothing to write into */
	assert_int_equal(hv_kernel_post_msg(&f->vm, route, &msg), -ENXIO);

	memset(&run, 0, sizeof(run));
	run.exit_reason = KVM_EXIT_HYPERV;
	run.hyperv.type = KVM_EXIT_HYPERV_SYNIC;
	run.hyperv.u.synic.msr = HV_X64_MSR_SIMP;
	run.hyperv.u.synic.control = HV_SCONTROL_ENABLE;
	run.hyperv.u.synic.msg_page = 0x5000 | HV_SIMP_ENABLE;
	run.hyperv.u.synic.evt_page = 0x6000 | HV_SIEFP_ENABLE;
	assert_int_equal(hv_kernel_exit(&f->vcpus[1], &run), EXIT_ACT_CONTINUE);
	assert_int_equal(((struct hv_kernel_vp *)f->vcpus[1].hv)->simp, 0x5001);

	assert_int_equal(hv_kernel_post_msg(&f->vm, route, &msg), 0);
	slot = (struct hv_message *)(f->ram + 0x5000 + 2 * HV_MESSAGE_SIZE);
	assert_int_equal(slot->type, 0x42);
	assert_int_equal(slot->payload_size, 3);
	assert_int_equal(slot->payload[2], 3);
	assert_int_equal(read(f->hv.kernel->routes[0].irqfd, &n, sizeof(n)), sizeof(n));
	/* busy slot: pending flag, staged, no second kick; a second one finds no room */
	msg.payload[0] = 9;
	assert_int_equal(hv_kernel_post_msg(&f->vm, route, &msg), HV_KERNEL_QUEUED);
	assert_int_equal(slot->flags & HV_MESSAGE_FLAG_PENDING, HV_MESSAGE_FLAG_PENDING);
	assert_int_equal(read(f->hv.kernel->routes[0].irqfd, &n, sizeof(n)), -1);
	assert_int_equal(hv_kernel_post_msg(&f->vm, route, &msg), -EAGAIN);
	/* still busy at the next exit: stays staged */
	f->vm.hooks.vcpu_pre_run(&f->vcpus[0]);
	assert_int_equal(slot->payload[0], 1);
	assert_int_equal(read(f->hv.kernel->routes[0].irqfd, &n, sizeof(n)), -1);
	/* the guest frees the slot (type 0, then EOM): the next exit of any vCPU delivers */
	slot->type = HVMSG_NONE;
	f->vm.hooks.vcpu_pre_run(&f->vcpus[0]);
	assert_int_equal(slot->type, 0x42);
	assert_int_equal(slot->payload[0], 9);
	assert_int_equal(slot->flags, 0);
	assert_int_equal(read(f->hv.kernel->routes[0].irqfd, &n, sizeof(n)), sizeof(n));
	assert_int_equal(f->hv.kernel->nstaged, 0);
	/* a reset drops a staged message */
	assert_int_equal(hv_kernel_post_msg(&f->vm, route, &msg), HV_KERNEL_QUEUED);
	f->vm.hooks.reset(&f->vm);
	assert_int_equal(f->hv.kernel->nstaged, 0);
	assert_false(f->hv.kernel->routes[0].staged);

	assert_int_equal(hv_kernel_set_event_flag(&f->vm, route, 9), 0);
	assert_int_equal(f->ram[0x6000 + 2 * HV_EVENT_FLAGS_BYTES + 1], 0x02);
	assert_int_equal(read(f->hv.kernel->routes[0].irqfd, &n, sizeof(n)), sizeof(n));
	assert_int_equal(hv_kernel_set_event_flag(&f->vm, route, 9), 0); /* already set */
	assert_int_equal(read(f->hv.kernel->routes[0].irqfd, &n, sizeof(n)), -1);
	assert_int_equal(hv_kernel_set_event_flag(&f->vm, route, HV_EVENT_FLAGS_COUNT), -EINVAL);

	/* A SIMP outside RAM is refused, not written. */
	run.hyperv.u.synic.msg_page = 0x80000000ull | HV_SIMP_ENABLE;
	hv_kernel_exit(&f->vcpus[1], &run);
	assert_int_equal(hv_kernel_post_msg(&f->vm, route, &msg), -ENXIO);
}

static void test_syndbg_and_unknown_exit_types(void **state)
{
	struct fixture *f = *state;
	struct kvm_run run;

	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(build(f), 0);
	memset(&run, 0, sizeof(run));
	run.hyperv.type = KVM_EXIT_HYPERV_SYNDBG;
	run.hyperv.u.syndbg.msr = HV_X64_MSR_SYNDBG_CONTROL;
	assert_int_equal(hv_kernel_exit(&f->vcpus[0], &run), EXIT_ACT_CONTINUE);
	assert_non_null(strstr(log_last(), "synthetic debugger MSR 0x400000f1 ignored"));
	run.hyperv.type = 77;
	assert_int_equal(hv_kernel_exit(&f->vcpus[0], &run), EXIT_ACT_CONTINUE);
	assert_non_null(strstr(log_last(), "unknown type 77"));
}

static void testdev_cmd(struct fixture *f, uint8_t conn, uint8_t ctl, uint8_t vp, uint8_t sint)
{
	uint32_t val = (uint32_t)conn << 24 | (uint32_t)ctl << 16 | (uint32_t)vp << 8 | sint;

	assert_true(bus_access(&f->vm.pio, &f->vcpus[0], HV_TESTDEV_PORT, &val, 4, true));
}

/* -device hyperv-testdev on this backend: routes become HV_SINT routes fired by irqfd, a
 * message connection echoes HvPostMessage into (vp, sint), an event connection answers
 * HvSignalEvent in the vCPU thread by setting flag <connection id>. */
static void test_testdev(void **state)
{
	struct fixture *f = *state;
	struct hv_message *slot = (struct hv_message *)(f->ram + 0x5000 + 3 * HV_MESSAGE_SIZE);
	struct kvm_run run;
	uint64_t n = 0;

	bus_init(&f->vm.pio, "pio");
	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_int_equal(hv_kernel_testdev_install(&f->vm), 0);
	assert_int_equal(build(f), 0);
	testdev_cmd(f, 0, HV_TESTDEV_SINT_ROUTE_CREATE, 1, 3);
	assert_int_equal(f->hv.kernel->nroutes, 1);
	assert_int_equal(f->s.routes[f->s.nroutes - 1].type, KVM_IRQ_ROUTING_HV_SINT);
	assert_int_equal(f->s.routes[f->s.nroutes - 1].u.hv_sint.vcpu, 1);
	assert_int_equal(f->s.routes[f->s.nroutes - 1].u.hv_sint.sint, 3);
	testdev_cmd(f, 0, HV_TESTDEV_SINT_ROUTE_SET_SINT, 1, 3);
	assert_int_equal(read(f->hv.kernel->routes[0].irqfd, &n, sizeof(n)), sizeof(n));
	/* destroyed and created again: the same KVM route */
	testdev_cmd(f, 0, HV_TESTDEV_SINT_ROUTE_DESTROY, 1, 3);
	testdev_cmd(f, 0, HV_TESTDEV_SINT_ROUTE_SET_SINT, 1, 3);
	assert_int_equal(read(f->hv.kernel->routes[0].irqfd, &n, sizeof(n)), -1);
	testdev_cmd(f, 0, HV_TESTDEV_SINT_ROUTE_CREATE, 1, 3);
	assert_int_equal(f->hv.kernel->nroutes, 1);

	/* the guest's SynIC pages (KVM_EXIT_HYPERV_SYNIC) */
	memset(&run, 0, sizeof(run));
	run.exit_reason = KVM_EXIT_HYPERV;
	run.hyperv.type = KVM_EXIT_HYPERV_SYNIC;
	run.hyperv.u.synic.control = HV_SCONTROL_ENABLE;
	run.hyperv.u.synic.msg_page = 0x5000 | HV_SIMP_ENABLE;
	run.hyperv.u.synic.evt_page = 0x6000 | HV_SIEFP_ENABLE;
	hv_kernel_exit(&f->vcpus[1], &run);

	testdev_cmd(f, 0x21, HV_TESTDEV_MSG_CONN_CREATE, 1, 3);
	put_post_message(f, 0x2000, 0x21, 0x77, 8);
	run = hcall(HVCALL_POST_MESSAGE, 0x2000);
	hv_kernel_exit(&f->vcpus[1], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_SUCCESS);
	assert_int_equal(slot->type, 0x77);
	assert_int_equal(slot->payload_size, 8);
	assert_int_equal(slot->payload[7], 0x5a);
	testdev_cmd(f, 0x21, HV_TESTDEV_MSG_CONN_DESTROY, 1, 3);
	run = hcall(HVCALL_POST_MESSAGE, 0x2000);
	hv_kernel_exit(&f->vcpus[1], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INVALID_CONNECTION_ID);

	testdev_cmd(f, 0x22, HV_TESTDEV_EVT_CONN_CREATE, 1, 3);
	assert_int_equal(f->s.nevfds, 0); /* answered here, not registered with KVM */
	run = hcall(HVCALL_SIGNAL_EVENT | HV_HCALL_FAST, 0x22);
	hv_kernel_exit(&f->vcpus[1], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_SUCCESS);
	assert_int_equal(f->ram[0x6000 + 3 * HV_EVENT_FLAGS_BYTES + 0x22 / 8], 1u << (0x22 % 8));
	testdev_cmd(f, 0x22, HV_TESTDEV_EVT_CONN_DESTROY, 1, 3);
	run = hcall(HVCALL_SIGNAL_EVENT | HV_HCALL_FAST, 0x22);
	hv_kernel_exit(&f->vcpus[1], &run);
	assert_int_equal(run.hyperv.u.hcall.result, HV_STATUS_INVALID_CONNECTION_ID);
	bus_destroy(&f->vm.pio);
}

static struct vm_event crash_ev;

static void crash_sink(void *opaque, const struct vm_event *ev)
{
	(void)opaque;
	if (ev->type == VM_EV_PANIC)
		crash_ev = *ev;
}

/* KVM_SYSTEM_EVENT_CRASH: the hook reads P0-P4 of the crashing vCPU and reports them. */
static void test_crash_reads_p0_p4(void **state)
{
	struct fixture *f = *state;

	f->hv.cfg.features |= HV_FEAT_BIT(HV_FEAT_CRASH);
	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_ptr_equal(f->vm.hooks.crash, hv_kernel_crash);
	memset(&crash_ev, 0, sizeof(crash_ev));
	assert_int_equal(vm_event_subscribe(&f->vm, crash_sink, NULL), 0);
	f->vm.hooks.crash(&f->vcpus[1]);
	assert_int_equal(f->vm.exit_status, EXIT_GUEST_CRASH);
	assert_true(crash_ev.has_hv_crash);
	assert_int_equal(crash_ev.hv_crash[0], 0xc0ffef00ull);
	assert_int_equal(crash_ev.hv_crash[4], 0xc0ffef04ull);
	assert_non_null(strstr(log_last(), "vCPU 1): P0 0xc0ffef00 P1 0xc0ffef01 P2 0xc0ffef02 "
				       "P3 0xc0ffef03 P4 0xc0ffef04"));
}

/* KVM refusing the read still stops the VM as a crash, without parameters. */
static void test_crash_msrs_refused(void **state)
{
	struct fixture *f = *state;

	f->hv.cfg.features |= HV_FEAT_BIT(HV_FEAT_CRASH);
	f->s.crash_refused = true;
	assert_int_equal(hv_kernel_install(&f->vm), 0);
	memset(&crash_ev, 0xff, sizeof(crash_ev));
	assert_int_equal(vm_event_subscribe(&f->vm, crash_sink, NULL), 0);
	f->vm.hooks.crash(&f->vcpus[0]);
	assert_int_equal(f->vm.exit_status, EXIT_GUEST_CRASH);
	assert_false(crash_ev.has_hv_crash);
	assert_non_null(strstr(log_last(), "reading CRASH_P0-P4"));
}

/* Without hv-crash KVM raises no crash event: no hook. */
static void test_crash_hook_only_with_hv_crash(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(hv_kernel_install(&f->vm), 0);
	assert_null(f->vm.hooks.crash);
}

static void test_slot_helpers(void **state)
{
	/* hv_synic.c's, which this backend shares: */
	struct hv_message slot = { 0 };
	uint64_t flags[HV_EVENT_FLAGS_BYTES / 8] = { 0 };
	struct hv_message m = { .type = 1, .payload_size = HV_MESSAGE_PAYLOAD_SIZE + 1 };

	(void)state;
	assert_int_equal(hv_synic_slot_post(&slot, &m, false), -EINVAL);
	m.payload_size = HV_MESSAGE_PAYLOAD_SIZE;
	m.payload[HV_MESSAGE_PAYLOAD_SIZE - 1] = 0xee;
	assert_int_equal(hv_synic_slot_post(&slot, &m, false), 0);
	assert_int_equal(slot.payload[HV_MESSAGE_PAYLOAD_SIZE - 1], 0xee);
	assert_int_equal(hv_synic_slot_post(&slot, &m, true), -EBUSY);
	assert_int_equal(slot.flags, 0);
	assert_int_equal(hv_synic_slot_post(&slot, &m, false), -EBUSY);
	assert_int_equal(slot.flags, HV_MESSAGE_FLAG_PENDING);
	assert_int_equal(hv_synic_flag_set((uint8_t *)flags, 2047), 1);
	assert_int_equal(((uint8_t *)flags)[255], 0x80);
	assert_int_equal(hv_synic_flag_set((uint8_t *)flags, 2047), 0);
	assert_int_equal(hv_synic_flag_set((uint8_t *)flags, 2048), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_host_query_system_ioctl_grows_on_e2big),
		T(test_host_query_vcpu_ioctl_on_scratch_vcpu),
		T(test_host_query_legacy_synthesis),
		T(test_host_query_error_message),
		T(test_vcpu_init_sequence),
		T(test_vcpu_init_without_settable_vp_index),
		T(test_vcpu_init_synic_cap_fails),
		T(test_vcpu_init_synic_kvm_only_uses_synic1),
		T(test_vcpu_init_enforce_cpuid_fails),
		T(test_vcpu_init_msr_refused),
		T(test_vcpu_init_evmcs_range),
		T(test_install_needs_irqfd_for_synic),
		T(test_event_conn_without_kvm_eventfd),
		T(test_conn_and_route_errors),
		T(test_route_added_after_build),
		T(test_hcall_post_message),
		T(test_hcall_signal_event),
		T(test_hcall_unknown_codes),
		T(test_synic_exit_then_post_and_flag),
		T(test_syndbg_and_unknown_exit_types),
		T(test_slot_helpers),
		T(test_testdev),
		T(test_crash_reads_p0_p4),
		T(test_crash_msrs_refused),
		T(test_crash_hook_only_with_hv_crash),
#undef T
	};

	return cmocka_run_group_tests_name("hv_kernel", tests, NULL, NULL);
}
