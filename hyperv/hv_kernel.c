/* The in-kernel Hyper-V backend: see hv_kernel.h. */
#include "hyperv/hv_kernel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hyperv/hv_hypercall.h"
#include "hyperv/hv_testdev.h"
#include "hyperv/hyperv.h"
#include "vmm/log.h"
#include "vmm/vm.h"

/* ---- host view ---- */

/* KVM does not say how many entries it needs: start with 11 as QEMU and grow on E2BIG. */
static int hv_query_cpuid(int fd, struct hv_host_caps *host, bool evmcs_quirk)
{
	for (unsigned nent = 11; nent <= 1024; nent *= 2) {
		struct kvm_cpuid2 *c2 = calloc(1, sizeof(*c2) + nent * sizeof(c2->entries[0]));
		int r;

		if (!c2)
			return -ENOMEM;
		c2->nent = nent;
		r = kvm_get_supported_hv_cpuid(fd, c2);
		if (r == 0)
			hv_host_caps_from_cpuid(host, c2->entries, c2->nent, evmcs_quirk);
		free(c2);
		if (r != -E2BIG)
			return r;
	}
	return -E2BIG;
}

/* The vCPU form of the ioctl needs a vCPU: a scratch VM with one, closed right after. */
static int hv_query_cpuid_scratch(struct vm *vm, struct hv_host_caps *host)
{
	int vm_fd, vcpu_fd, r;

	vm_fd = kvm_create_vm(vm->kvm_fd);
	if (vm_fd < 0)
		return vm_fd;
	vcpu_fd = kvm_create_vcpu(vm_fd, 0);
	if (vcpu_fd < 0) {
		close(vm_fd);
		return vcpu_fd;
	}
	r = hv_query_cpuid(vcpu_fd, host, kvm_has(&vm->caps, KC_HYPERV_EVMCS));
	close(vcpu_fd);
	close(vm_fd);
	return r;
}

struct hv_legacy_ctx {
	struct vm *vm;
	struct kvm_msr_list *msrs;
};

static bool hv_legacy_has_cap(void *opaque, int cap)
{
	struct hv_legacy_ctx *c = opaque;

	return kvm_check_extension(c->vm->kvm_fd, cap) > 0;
}

static bool hv_legacy_has_msr(void *opaque, uint32_t msr)
{
	struct hv_legacy_ctx *c = opaque;

	for (unsigned i = 0; c->msrs && i < c->msrs->nmsrs; i++)
		if (c->msrs->indices[i] == msr)
			return true;
	return false;
}

/* KVM_GET_MSR_INDEX_LIST: the first call (nmsrs 0) fails with E2BIG and says how many. */
static struct kvm_msr_list *hv_msr_index_list(int kvm_fd)
{
	struct kvm_msr_list probe = { .nmsrs = 0 }, *l;
	int r = kvm_get_msr_index_list(kvm_fd, &probe);

	if (r != -E2BIG || !probe.nmsrs || probe.nmsrs > 65536)
		return NULL;
	l = calloc(1, sizeof(*l) + probe.nmsrs * sizeof(l->indices[0]));
	if (!l)
		return NULL;
	l->nmsrs = probe.nmsrs;
	if (kvm_get_msr_index_list(kvm_fd, l) < 0) {
		free(l);
		return NULL;
	}
	return l;
}

int hv_kernel_host_query(struct vm *vm, struct hv_host_caps *host)
{
	struct hv_legacy_ctx ctx = { .vm = vm };
	struct hv_legacy_probe probe = { hv_legacy_has_cap, hv_legacy_has_msr, &ctx };
	int r;

	memset(host, 0, sizeof(*host));
	if (kvm_has(&vm->caps, KC_SYS_HYPERV_CPUID))
		r = hv_query_cpuid(vm->kvm_fd, host, false);
	else if (kvm_has(&vm->caps, KC_HYPERV_CPUID))
		r = hv_query_cpuid_scratch(vm, host);
	else {
		ctx.msrs = hv_msr_index_list(vm->kvm_fd);
		hv_host_caps_legacy(host, &probe);
		free(ctx.msrs);
		return 0;
	}
	if (r)
		pr_err("KVM_GET_SUPPORTED_HV_CPUID failed: %s", strerror(-r));
	return r;
}

/* ---- per-vCPU init ---- */

static bool hv_on(const struct hv_vm *hv, enum hv_feat f)
{
	return hv->cfg.features & HV_FEAT_BIT(f);
}

/* For the public API: NULL unless the kernel backend is installed. */
static struct hv_kernel *hv_kernel_of(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;

	return hv ? hv->kernel : NULL;
}

/* For the hooks, which exist only once hv_kernel_install() succeeded. */
static struct hv_kernel *hv_k(struct vm *vm)
{
	return ((struct hv_vm *)vm->hv)->kernel;
}

/* hv-evmcs: KVM answers the supported version range (low byte min, high byte max) at the
 * user pointer in args[0]; enlight, like QEMU, needs version 1 (TLFS "Nested Virtualization"). */
#define HV_EVMCS_VERSION 1

static int hv_vcpu_evmcs(struct vcpu *v)
{
	uint16_t range = 0;
	unsigned lo, hi;
	int r = kvm_enable_cap(v->fd, KVM_CAP_HYPERV_ENLIGHTENED_VMCS, (uintptr_t)&range, 0);

	if (r) {
		pr_err("Hyper-V enlightened VMCS (hv-evmcs) is not supported by kernel");
		return r;
	}
	lo = range & 0xff;
	hi = range >> 8;
	if (lo > HV_EVMCS_VERSION || hi < HV_EVMCS_VERSION) {
		pr_err("eVMCS version range [%u..%u] is not supported by kernel (supported: [%u..%u])",
		       HV_EVMCS_VERSION, HV_EVMCS_VERSION, lo, hi);
		return -ENOTSUP;
	}
	return 0;
}

#define HV_MAX_POWER_ON_MSRS (2 + 4 + HV_SINT_COUNT + 2 * HV_STIMER_COUNT + 1)

/* The Hyper-V MSRs KVM keeps per vCPU, at their power-on values, in one KVM_SET_MSRS (QEMU's
 * kvm_put_msrs at reset level). Partition-wide ones (GUEST_OS_ID, HYPERCALL, REFERENCE_TSC)
 * start at zero in every new KVM VM, and enlight rebuilds the VM on reset. */
static int hv_vcpu_power_on_msrs(struct vcpu *v, const struct hv_vm *hv, bool set_vp_index)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[HV_MAX_POWER_ON_MSRS];
	} m;
	unsigned n = 0;
	int r;

	memset(&m, 0, sizeof(m));
#define PUT(idx, val) (m.e[n].index = (idx), m.e[n].data = (val), n++)
	if (set_vp_index)
		PUT(HV_X64_MSR_VP_INDEX, v->index);
	if (hv_on(hv, HV_FEAT_SYNIC)) {
		PUT(HV_X64_MSR_SCONTROL, 0);
		PUT(HV_X64_MSR_SVERSION, HV_SYNIC_VERSION);
		PUT(HV_X64_MSR_SIEFP, 0);
		PUT(HV_X64_MSR_SIMP, 0);
		for (unsigned i = 0; i < HV_SINT_COUNT; i++)
			PUT(HV_X64_MSR_SINT0 + i, HV_SINT_MASKED);
	}
	if (hv_on(hv, HV_FEAT_STIMER))
		for (unsigned i = 0; i < HV_STIMER_COUNT; i++) {
			PUT(HV_X64_MSR_STIMER_CONFIG(i), 0);
			PUT(HV_X64_MSR_STIMER_COUNT(i), 0);
		}
	/* CRASH_CTL is partition-wide in KVM: written from the first vCPU only. */
	if (hv_on(hv, HV_FEAT_CRASH) && v->index == 0)
		PUT(HV_X64_MSR_CRASH_CTL, HV_CRASH_CTL_CRASH_NOTIFY);
#undef PUT
	if (!n)
		return 0;
	m.hdr.nmsrs = n;
	r = kvm_set_msrs(v->fd, &m.hdr);
	if (r < 0) {
		pr_err("vCPU %u: KVM_SET_MSRS (Hyper-V power-on values): %s", v->index, strerror(-r));
		return r;
	}
	if ((unsigned)r != n) {
		pr_err("vCPU %u: KVM refused Hyper-V MSR 0x%x (value 0x%llx)", v->index,
		       m.e[r].index, (unsigned long long)m.e[r].data);
		return -EIO;
	}
	return 0;
}

/* Without KVM_CAP_HYPERV_VP_INDEX the kernel's VP index (its vCPU creation order) must be ours. */
static int hv_vcpu_check_vp_index(struct vcpu *v)
{
	uint64_t vp = 0;
	int r = kvm_get_msr(v->fd, HV_X64_MSR_VP_INDEX, &vp);

	if (r) {
		pr_err("vCPU %u: reading HV_X64_MSR_VP_INDEX: %s", v->index, strerror(-r));
		return r;
	}
	if (vp != v->index) {
		pr_err("kernel's vp_index != enlight's vp_index (%llu != %u)", (unsigned long long)vp,
		       v->index);
		return -ENXIO;
	}
	return 0;
}

static int hv_kernel_apply_conns(struct vm *vm);

static int hv_kernel_vcpu_init(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct hv_vm *hv = vm->hv;
	struct hv_kernel *k = hv->kernel;
	struct hv_kernel_vp *vp = calloc(1, sizeof(*vp));
	bool set_vp_index = false;
	int r;

	if (!vp)
		return -ENOMEM;
	vp->vp_index = v->index;
	v->hv = vp;
	if (v->index == 0)
		k->nvcpus_ready = 0;

	if (hv_on(hv, HV_FEAT_SYNIC)) {
		r = kvm_enable_cap(v->fd, hv->cfg.synic_kvm_only ? KVM_CAP_HYPERV_SYNIC :
				   KVM_CAP_HYPERV_SYNIC2, 0, 0);
		if (r) {
			pr_err("failed to turn on HyperV SynIC in KVM: %s", strerror(-r));
			return r;
		}
	}
	if (hv_on(hv, HV_FEAT_VPINDEX)) {
		set_vp_index = kvm_has(&vm->caps, KC_HYPERV_VP_INDEX);
		if (!set_vp_index) {
			r = hv_vcpu_check_vp_index(v);
			if (r)
				return r;
		}
	}
	r = hv_vcpu_power_on_msrs(v, hv, set_vp_index);
	if (r)
		return r;
	if (hv_on(hv, HV_FEAT_EVMCS)) {
		r = hv_vcpu_evmcs(v);
		if (r)
			return r;
	}
	if (hv->cfg.enforce_cpuid) {
		r = kvm_enable_cap(v->fd, KVM_CAP_HYPERV_ENFORCE_CPUID, 1, 0);
		if (r) {
			pr_err("failed to enable KVM_CAP_HYPERV_ENFORCE_CPUID: %s", strerror(-r));
			return r;
		}
	}
	/* SINT routes name a vCPU by VP index and need its SynIC on: apply them after the last. */
	if (++k->nvcpus_ready == vm->cfg->smp.cpus)
		return hv_kernel_apply_conns(vm);
	return 0;
}

static void hv_kernel_vcpu_destroy(struct vcpu *v)
{
	free(v->hv);
	v->hv = NULL;
}

/* The KVM VM is rebuilt on reset: every vCPU's Hyper-V state starts from KVM's power-on
 * values again, and vcpu_init writes the SINTs masked; the routes' GSIs are stale. */
static void hv_kernel_reset(struct vm *vm)
{
	struct hv_kernel *k = hv_k(vm);

	/* A staged message belonged to the old guest's SynIC: dropped, as QEMU's on reset. */
	for (unsigned i = 0; i < k->nroutes; i++) {
		k->routes[i].gsi = -1;
		k->routes[i].staged = false;
	}
	__atomic_store_n(&k->nstaged, 0, __ATOMIC_RELEASE);
	k->nvcpus_ready = 0;
}

/* ---- connections ---- */

static bool hv_vm_built(struct vm *vm)
{
	struct hv_kernel *k = hv_k(vm);

	return vm->vm_fd >= 0 && k->nvcpus_ready == vm->cfg->smp.cpus;
}

static int hv_route_apply(struct vm *vm, struct hv_kernel_route *rt)
{
	struct kvm_irq_routing_entry e = { .type = KVM_IRQ_ROUTING_HV_SINT };
	struct kvm_irqfd irqfd = { .flags = KVM_IRQFD_FLAG_RESAMPLE };
	int gsi = irq_routes_alloc_gsi(&vm->routes), r;

	if (gsi < 0)
		return gsi;
	e.gsi = (uint32_t)gsi;
	e.u.hv_sint.vcpu = rt->vp_index;
	e.u.hv_sint.sint = rt->sint;
	r = irq_routes_add(&vm->routes, &e);
	if (r)
		return r;
	rt->gsi = gsi;
	irqfd.fd = (uint32_t)rt->irqfd;
	irqfd.gsi = (uint32_t)gsi;
	irqfd.resamplefd = (uint32_t)rt->ackfd;
	r = irq_routes_commit(&vm->routes, vm->vm_fd);
	if (r) {
		pr_err("KVM_SET_GSI_ROUTING (Hyper-V SINT %u of VP %u): %s", rt->sint, rt->vp_index,
		       strerror(-r));
		return r;
	}
	r = kvm_irqfd(vm->vm_fd, &irqfd);
	if (r)
		pr_err("KVM_IRQFD (Hyper-V SINT %u of VP %u, GSI %d): %s", rt->sint, rt->vp_index,
		       gsi, strerror(-r));
	return r;
}

static int hv_event_conn_apply(struct vm *vm, struct hv_kernel *k, const struct hv_kernel_conn *c)
{
	int r;

	if (!kvm_has(&vm->caps, KC_HYPERV_EVENTFD)) {
		if (!k->eventfd_warned)
			pr_warn("Hyper-V event signaling is not supported by this kernel; using "
				"slower userspace hypercall processing");
		k->eventfd_warned = true;
		return 0;
	}
	r = kvm_hyperv_eventfd(vm->vm_fd, c->id, c->event_fd, 0);
	if (r)
		pr_err("KVM_HYPERV_EVENTFD (connection 0x%x): %s", c->id, strerror(-r));
	return r;
}

/* After every vCPU of a (re)built VM: all SINT routes, then the event connections. The
 * routes go into vm->routes next to vm.c's IOAPIC/PIC routes. */
static int hv_kernel_apply_conns(struct vm *vm)
{
	struct hv_kernel *k = hv_k(vm);
	int r;

	for (unsigned i = 0; i < k->nroutes; i++) {
		r = hv_route_apply(vm, &k->routes[i]);
		if (r)
			return r;
	}
	for (unsigned i = 0; i < k->nconns; i++) {
		if (k->conns[i].event_fd < 0)
			continue;
		r = hv_event_conn_apply(vm, k, &k->conns[i]);
		if (r)
			return r;
	}
	return 0;
}

static struct hv_kernel_conn *hv_conn_find(struct hv_kernel *k, uint32_t id)
{
	for (unsigned i = 0; i < k->nconns; i++)
		if (k->conns[i].id == id)
			return &k->conns[i];
	return NULL;
}

static int hv_conn_add(struct vm *vm, const struct hv_kernel_conn *c)
{
	struct hv_vm *hv = vm->hv;
	struct hv_kernel *k = hv_kernel_of(vm);
	int r = 0;

	if (!k || c->id & ~HV_CONNECTION_ID_MASK)
		return -EINVAL;
	pthread_mutex_lock(&hv->lock);
	if (hv_conn_find(k, c->id))
		r = -EEXIST;
	else if (k->nconns == HV_KERNEL_MAX_CONNS)
		r = -ENOSPC;
	else
		k->conns[k->nconns++] = *c;
	if (!r && c->event_fd >= 0 && hv_vm_built(vm))
		r = hv_event_conn_apply(vm, k, c);
	pthread_mutex_unlock(&hv->lock);
	return r;
}

int hv_kernel_add_msg_conn(struct vm *vm, uint32_t conn_id, hv_kernel_msg_fn fn, void *opaque)
{
	if (!fn)
		return -EINVAL;
	return hv_conn_add(vm, &(struct hv_kernel_conn){ .id = conn_id, .event_fd = -1, .fn = fn,
							 .opaque = opaque });
}

int hv_kernel_add_event_conn(struct vm *vm, uint32_t conn_id, int fd)
{
	if (fd < 0)
		return -EINVAL;
	return hv_conn_add(vm, &(struct hv_kernel_conn){ .id = conn_id, .event_fd = fd });
}

int hv_kernel_add_event_handler(struct vm *vm, uint32_t conn_id, hv_evt_conn_fn fn,
				void *opaque)
{
	if (!fn)
		return -EINVAL;
	return hv_conn_add(vm, &(struct hv_kernel_conn){ .id = conn_id, .event_fd = -1, .evt = fn,
							 .opaque = opaque });
}

int hv_kernel_del_conn(struct vm *vm, uint32_t conn_id, bool is_msg)
{
	struct hv_vm *hv = vm->hv;
	struct hv_kernel *k = hv_kernel_of(vm);
	struct hv_kernel_conn *c;
	int r = 0;

	if (!k)
		return -EINVAL;
	pthread_mutex_lock(&hv->lock);
	c = hv_conn_find(k, conn_id);
	if (!c || (c->fn != NULL) != is_msg) {
		r = -ENOENT;
	} else {
		if (c->event_fd >= 0 && hv_vm_built(vm) && kvm_has(&vm->caps, KC_HYPERV_EVENTFD))
			kvm_hyperv_eventfd(vm->vm_fd, c->id, c->event_fd, KVM_HYPERV_EVENTFD_DEASSIGN);
		*c = k->conns[--k->nconns];
	}
	pthread_mutex_unlock(&hv->lock);
	return r;
}

int hv_kernel_sint_route_add(struct vm *vm, uint32_t vp_index, unsigned sint)
{
	struct hv_vm *hv = vm->hv;
	struct hv_kernel *k = hv_kernel_of(vm);
	struct hv_kernel_route *rt;
	int r;

	if (!k || sint >= HV_SINT_COUNT || vp_index >= vm->cfg->smp.cpus)
		return -EINVAL;
	if (!hv_on(hv, HV_FEAT_SYNIC))
		return -ENXIO;
	pthread_mutex_lock(&hv->lock);
	for (unsigned i = 0; i < k->nroutes; i++) {
		if (k->routes[i].vp_index == vp_index && k->routes[i].sint == sint) {
			pthread_mutex_unlock(&hv->lock);
			return (int)i;
		}
	}
	if (k->nroutes == HV_KERNEL_MAX_ROUTES) {
		pthread_mutex_unlock(&hv->lock);
		return -ENOSPC;
	}
	rt = &k->routes[k->nroutes];
	*rt = (struct hv_kernel_route){ .vp_index = vp_index, .sint = (uint8_t)sint, .gsi = -1,
					.irqfd = -1, .ackfd = -1 };
	rt->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	rt->ackfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (rt->irqfd < 0 || rt->ackfd < 0) {
		r = -errno;
		if (rt->irqfd >= 0)
			close(rt->irqfd);
		if (rt->ackfd >= 0)
			close(rt->ackfd);
		pthread_mutex_unlock(&hv->lock);
		return r;
	}
	r = (int)k->nroutes++;
	if (hv_vm_built(vm)) {
		int e = hv_route_apply(vm, rt);

		if (e)
			r = e;
	}
	pthread_mutex_unlock(&hv->lock);
	return r;
}

static int hv_fd_kick(int fd)
{
	uint64_t one = 1;

	return write(fd, &one, sizeof(one)) == sizeof(one) ? 0 : -errno;
}

int hv_kernel_sint_raise(struct vm *vm, int route)
{
	struct hv_kernel *k = hv_kernel_of(vm);

	if (!k || route < 0 || (unsigned)route >= k->nroutes)
		return -EINVAL;
	return hv_fd_kick(k->routes[route].irqfd);
}

static struct hv_kernel_vp *hv_vp_find(struct vm *vm, uint32_t vp_index)
{
	for (unsigned i = 0; i < vm->nvcpus; i++) {
		struct hv_kernel_vp *vp = vm->vcpus[i].hv;

		if (vp && vp->vp_index == vp_index)
			return vp;
	}
	return NULL;
}

/* The route's slot in the page an MSR (SIMP or SIEFP: enable b0, GPFN b63:12) points to, or
 * NULL when the SynIC or the page is off or outside RAM. Called under hv_vm.lock. */
static uint8_t *hv_route_slot(struct vm *vm, const struct hv_kernel_route *rt, bool msg_page)
{
	const struct hv_kernel_vp *vp = hv_vp_find(vm, rt->vp_index);
	uint64_t msr;

	if (!vp || !(vp->scontrol & HV_SCONTROL_ENABLE))
		return NULL;
	msr = msg_page ? vp->simp : vp->siefp;
	if (!(msr & HV_SIMP_ENABLE))
		return NULL;
	return gm_ptr_rw(&vm->mem, (msr & ~(uint64_t)(HV_PAGE_SIZE - 1)) +
			 (uint64_t)rt->sint * HV_MESSAGE_SIZE, HV_MESSAGE_SIZE);
}

int hv_kernel_post_msg(struct vm *vm, int route, const struct hv_message *msg)
{
	struct hv_vm *hv = vm->hv;
	struct hv_kernel *k = hv_kernel_of(vm);
	struct hv_kernel_route *rt;
	uint8_t *slot;
	int r;

	if (!k || route < 0 || (unsigned)route >= k->nroutes)
		return -EINVAL;
	rt = &k->routes[route];
	pthread_mutex_lock(&hv->lock);
	slot = hv_route_slot(vm, rt, true);
	if (!slot)
		r = -ENXIO;
	else if (rt->staged)
		r = -EAGAIN;
	else
		r = hv_synic_slot_post((struct hv_message *)slot, msg, false);
	if (r == -EBUSY) {
		/* QEMU stages it until the guest's EOM; KVM keeps the EOM to itself (the
		 * resamplefd), so enlight retries at the next exit of any vCPU. */
		rt->msg = *msg;
		rt->staged = true;
		__atomic_add_fetch(&k->nstaged, 1, __ATOMIC_RELEASE);
		r = HV_KERNEL_QUEUED;
	}
	pthread_mutex_unlock(&hv->lock);
	return r ? r : hv_kernel_sint_raise(vm, route);
}

/* vm_hooks.vcpu_pre_run: deliver staged messages whose slot the guest freed. */
static void hv_kernel_pre_run(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct hv_vm *hv = vm->hv;
	struct hv_kernel *k = hv_k(vm);

	if (!__atomic_load_n(&k->nstaged, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&hv->lock);
	for (unsigned i = 0; i < k->nroutes; i++) {
		struct hv_kernel_route *rt = &k->routes[i];
		uint8_t *slot;

		if (!rt->staged)
			continue;
		slot = hv_route_slot(vm, rt, true);
		/* A SynIC switched off drops the message, as QEMU's on SCONTROL/SIMP reset. */
		if (slot && hv_synic_slot_post((struct hv_message *)slot, &rt->msg, false) == -EBUSY)
			continue;
		rt->staged = false;
		__atomic_sub_fetch(&k->nstaged, 1, __ATOMIC_RELEASE);
		if (slot)
			hv_fd_kick(rt->irqfd);
	}
	pthread_mutex_unlock(&hv->lock);
}

int hv_kernel_set_event_flag(struct vm *vm, int route, unsigned flag)
{
	struct hv_vm *hv = vm->hv;
	struct hv_kernel *k = hv_kernel_of(vm);
	uint8_t *slot;
	int r;

	if (!k || route < 0 || (unsigned)route >= k->nroutes)
		return -EINVAL;
	pthread_mutex_lock(&hv->lock);
	slot = hv_route_slot(vm, &k->routes[route], false);
	r = slot ? hv_synic_flag_set(slot, flag) : -ENXIO;
	pthread_mutex_unlock(&hv->lock);
	if (r == 1)
		return hv_kernel_sint_raise(vm, route);
	return r;
}

/* ---- KVM_EXIT_HYPERV ---- */

/* QEMU's hyperv_hcall_post_message: slow only, 8-byte aligned, payload <= 240 bytes. */
static uint16_t hv_hcall_post_message(struct vm *vm, uint64_t param, bool fast)
{
	struct hv_vm *hv = vm->hv;
	struct hv_post_message_input in;
	struct hv_message m = { 0 };
	const struct hv_kernel_conn *c;
	hv_kernel_msg_fn fn = NULL;
	void *opaque = NULL;

	if (fast)
		return HV_STATUS_INVALID_HYPERCALL_CODE;
	if (param % HV_HCALL_GPA_ALIGN)
		return HV_STATUS_INVALID_ALIGNMENT;
	if (gm_read(&vm->mem, param, &in, sizeof(in)))
		return HV_STATUS_INSUFFICIENT_MEMORY;
	if (in.payload_size > HV_MESSAGE_PAYLOAD_SIZE)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	pthread_mutex_lock(&hv->lock);
	c = hv_conn_find(hv->kernel, in.connection_id & HV_CONNECTION_ID_MASK);
	if (c && c->fn) {
		fn = c->fn;
		opaque = c->opaque;
	}
	pthread_mutex_unlock(&hv->lock);
	if (!fn)
		return HV_STATUS_INVALID_CONNECTION_ID;
	m.type = in.message_type;
	m.payload_size = (uint8_t)in.payload_size;
	memcpy(m.payload, in.payload, sizeof(m.payload));
	return fn(opaque, &m);
}

/* QEMU's hyperv_hcall_signal_event: reaches user space only for connections KVM does not know
 * (no KVM_HYPERV_EVENTFD registration) or without KVM_CAP_HYPERV_EVENTFD. */
static uint16_t hv_hcall_signal_event(struct vm *vm, uint64_t param, bool fast)
{
	struct hv_vm *hv = vm->hv;
	const struct hv_kernel_conn *c;
	hv_evt_conn_fn evt = NULL;
	void *opaque = NULL;
	int fd = -1;

	if (!fast) {
		if (param % HV_HCALL_GPA_ALIGN)
			return HV_STATUS_INVALID_ALIGNMENT;
		if (gm_read(&vm->mem, param, &param, sizeof(param)))
			return HV_STATUS_INVALID_ALIGNMENT;
	}
	/* Flag numbers other than 0 have no use here (QEMU: "report lookup failure"). */
	if (param & HV_SIGNAL_EVENT_FLAG_MASK)
		return HV_STATUS_INVALID_PORT_ID;
	if (param & ~(uint64_t)HV_CONNECTION_ID_MASK)
		return HV_STATUS_INVALID_HYPERCALL_INPUT;
	pthread_mutex_lock(&hv->lock);
	c = hv_conn_find(hv->kernel, (uint32_t)param);
	if (c && !c->fn) {
		fd = c->event_fd;
		evt = c->evt;
		opaque = c->opaque;
	}
	pthread_mutex_unlock(&hv->lock);
	if (evt)
		return evt(opaque, (uint32_t)param);
	if (fd < 0)
		return HV_STATUS_INVALID_CONNECTION_ID;
	hv_fd_kick(fd);
	return HV_STATUS_SUCCESS;
}

typedef uint16_t (*hv_hcall_fn)(struct vm *vm, uint64_t param, bool fast);

/* The calls KVM forwards that enlight answers; every other code (the debug calls 0x69-0x6b,
 * extended calls) gets HV_STATUS_INVALID_HYPERCALL_CODE (HYPERV-REFERENCE.md §4.2). */
static const struct {
	uint16_t code;
	hv_hcall_fn fn;
} hv_hcalls[] = {
	{ HVCALL_POST_MESSAGE, hv_hcall_post_message },
	{ HVCALL_SIGNAL_EVENT, hv_hcall_signal_event },
};

static enum exit_action hv_exit_hcall(struct vcpu *v, struct kvm_run *run)
{
	uint64_t input = run->hyperv.u.hcall.input;
	uint16_t code = (uint16_t)(input & HV_HCALL_CODE_MASK);
	uint16_t st = HV_STATUS_INVALID_HYPERCALL_CODE;

	for (size_t i = 0; i < ARRAY_SIZE(hv_hcalls); i++)
		if (hv_hcalls[i].code == code)
			st = hv_hcalls[i].fn(v->vm, run->hyperv.u.hcall.params[0],
					     input & HV_HCALL_FAST);
	run->hyperv.u.hcall.result = hv_hcall_result(st, 0);
	return EXIT_ACT_CONTINUE;
}

/* The guest wrote SCONTROL, SIEFP or SIMP; KVM reports all three. KVM itself writes into the
 * pages; enlight only needs their addresses for the messages and flags it posts. */
static enum exit_action hv_exit_synic(struct vcpu *v, struct kvm_run *run)
{
	struct hv_vm *hv = v->vm->hv;
	struct hv_kernel_vp *vp = v->hv;

	if (!vp)
		return EXIT_ACT_CONTINUE;
	pthread_mutex_lock(&hv->lock);
	vp->scontrol = run->hyperv.u.synic.control;
	vp->siefp = run->hyperv.u.synic.evt_page;
	vp->simp = run->hyperv.u.synic.msg_page;
	pthread_mutex_unlock(&hv->lock);
	return EXIT_ACT_CONTINUE;
}

/* No synthetic debugger transport: the guest's debugger MSR writes change nothing. */
static enum exit_action hv_exit_syndbg(struct vcpu *v, struct kvm_run *run)
{
	struct hv_kernel_vp *vp = v->hv;

	if (vp && !vp->syndbg_warned) {
		pr_warn("vCPU %u: Hyper-V synthetic debugger MSR 0x%x ignored: enlight has no "
			"debugger transport (drop hv-syndbg)", v->index, run->hyperv.u.syndbg.msr);
		vp->syndbg_warned = true;
	}
	return EXIT_ACT_CONTINUE;
}

typedef enum exit_action (*hv_exit_fn)(struct vcpu *v, struct kvm_run *run);

static const hv_exit_fn hv_exit_handlers[] = {
	[KVM_EXIT_HYPERV_SYNIC] = hv_exit_synic,
	[KVM_EXIT_HYPERV_HCALL] = hv_exit_hcall,
	[KVM_EXIT_HYPERV_SYNDBG] = hv_exit_syndbg,
};

enum exit_action hv_kernel_exit(struct vcpu *v, struct kvm_run *run)
{
	uint32_t type = run->hyperv.type;

	if (type < ARRAY_SIZE(hv_exit_handlers) && hv_exit_handlers[type])
		return hv_exit_handlers[type](v, run);
	pr_warn("vCPU %u: KVM_EXIT_HYPERV of unknown type %u ignored", v->index, type);
	return EXIT_ACT_CONTINUE;
}

/* ---- hyperv-testdev (hv_testdev.c; the userspace backend's adapter is in hv_user.c) ---- */

static int ktd_route_add(void *opaque, uint32_t vp, unsigned sint)
{
	int r = hv_kernel_sint_route_add(opaque, vp, sint);

	return r < 0 ? r : 0;
}

static int ktd_route(struct vm *vm, uint32_t vp, unsigned sint)
{
	return hv_kernel_sint_route_add(vm, vp, sint); /* the existing route's id */
}

static int ktd_raise(void *opaque, uint32_t vp, unsigned sint)
{
	int route = ktd_route(opaque, vp, sint);

	return route < 0 ? route : hv_kernel_sint_raise(opaque, route);
}

static int ktd_post(void *opaque, uint32_t vp, unsigned sint, const struct hv_message *m)
{
	int route = ktd_route(opaque, vp, sint);

	return route < 0 ? route : hv_kernel_post_msg(opaque, route, m);
}

static int ktd_set_event(void *opaque, uint32_t vp, unsigned sint, unsigned flag)
{
	int route = ktd_route(opaque, vp, sint);

	return route < 0 ? route : hv_kernel_set_event_flag(opaque, route, flag);
}

static int ktd_conn_add(void *opaque, uint32_t conn_id, hv_msg_conn_fn msg, hv_evt_conn_fn evt,
			void *conn)
{
	if (!conn_id)
		return -EINVAL; /* as the userspace table: id 0 is never registered */
	return msg ? hv_kernel_add_msg_conn(opaque, conn_id, msg, conn) :
		     hv_kernel_add_event_handler(opaque, conn_id, evt, conn);
}

static int ktd_conn_del(void *opaque, uint32_t conn_id, bool is_msg)
{
	return hv_kernel_del_conn(opaque, conn_id, is_msg);
}

static const struct hv_testdev_ops hv_kernel_testdev_ops = {
	.route_add = ktd_route_add,
	.raise = ktd_raise,
	.post = ktd_post,
	.set_event = ktd_set_event,
	.conn_add = ktd_conn_add,
	.conn_del = ktd_conn_del,
};

/* The device's tables under testdev_lock; the backend calls take hv_vm.lock inside it. */
static void hv_kernel_testdev_io(void *opaque, struct vcpu *v, uint64_t offset, void *data,
				 unsigned len, bool is_write)
{
	struct hv_kernel *k = opaque;
	uint32_t val;
	int r;

	(void)v;
	if (!is_write) {
		bus_data_put(data, len, ~0ull);
		return;
	}
	if (offset != 0 || len != 4)
		return; /* QEMU: 4-byte accesses only */
	val = (uint32_t)bus_data_get(data, len);
	pthread_mutex_lock(&k->testdev_lock);
	r = hv_testdev_write(k->testdev, val);
	pthread_mutex_unlock(&k->testdev_lock);
	if (r)
		pr_debug("hyperv-testdev: write 0x%08x: %s", val, strerror(-r));
}

int hv_kernel_testdev_install(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;
	struct hv_kernel *k = hv_kernel_of(vm);
	int r;

	if (!k || !hv_on(hv, HV_FEAT_SYNIC)) {
		pr_err("-device hyperv-testdev: needs hv-synic (add -cpu ...,hv-vpindex,hv-synic)");
		return -EINVAL;
	}
	k->testdev = calloc(1, sizeof(*k->testdev));
	if (!k->testdev)
		return -ENOMEM;
	pthread_mutex_init(&k->testdev_lock, NULL);
	hv_testdev_init(k->testdev, &hv_kernel_testdev_ops, vm);
	r = bus_register(&vm->pio, HV_TESTDEV_PORT, HV_TESTDEV_PORT_LEN, hv_kernel_testdev_io, k,
			 "hyperv-testdev");
	if (r)
		pr_err("-device hyperv-testdev: port 0x%x: %s", HV_TESTDEV_PORT, strerror(-r));
	return r;
}

/* ---- crash ---- */

void hv_kernel_crash(struct vcpu *v)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[5];
	} m;
	uint64_t p[5];
	int r;

	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 5;
	for (unsigned i = 0; i < 5; i++)
		m.e[i].index = HV_X64_MSR_CRASH_P0 + i;
	r = kvm_get_msrs(v->fd, &m.hdr);
	if (r != 5) {
		pr_err("guest crash (Hyper-V CRASH_CTL on vCPU %u); reading CRASH_P0-P4: %s",
		       v->index, r < 0 ? strerror(-r) : "KVM refused");
		vm_request(v->vm, VM_REQ_PANIC, EXIT_GUEST_CRASH);
		return;
	}
	for (unsigned i = 0; i < 5; i++)
		p[i] = m.e[i].data;
	/* The userspace backend's line (hv_user.c), so both backends read the same. */
	pr_err("guest crash (Hyper-V CRASH_CTL on vCPU %u): P0 0x%llx P1 0x%llx P2 0x%llx "
	       "P3 0x%llx P4 0x%llx", v->index, (unsigned long long)p[0],
	       (unsigned long long)p[1], (unsigned long long)p[2], (unsigned long long)p[3],
	       (unsigned long long)p[4]);
	vm_report_hv_crash(v->vm, p);
}

/* ---- install ---- */

int hv_kernel_install(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;

	if (hv_on(hv, HV_FEAT_SYNIC) && !kvm_has(&vm->caps, KC_IRQFD)) {
		pr_err("hv-synic with hv-backend=kernel needs KVM_CAP_IRQFD for the SINT routes");
		return -EOPNOTSUPP;
	}
	hv->kernel = calloc(1, sizeof(struct hv_kernel));
	if (!hv->kernel)
		return -ENOMEM;
	vm->hooks.vcpu_init = hv_kernel_vcpu_init;
	vm->hooks.vcpu_destroy = hv_kernel_vcpu_destroy;
	vm->hooks.reset = hv_kernel_reset;
	vm->hooks.hyperv = hv_kernel_exit;
	vm->hooks.vcpu_pre_run = hv_kernel_pre_run;
	if (hv_on(hv, HV_FEAT_CRASH))
		vm->hooks.crash = hv_kernel_crash;
	return 0;
}

void hv_kernel_destroy(struct vm *vm)
{
	struct hv_vm *hv = vm->hv;
	struct hv_kernel *k = hv ? hv->kernel : NULL;

	if (!k)
		return;
	for (unsigned i = 0; i < k->nroutes; i++) {
		close(k->routes[i].irqfd);
		close(k->routes[i].ackfd);
	}
	if (k->testdev) {
		free(k->testdev);
		pthread_mutex_destroy(&k->testdev_lock);
	}
	free(k);
	hv->kernel = NULL;
}
