/* The in-kernel Hyper-V backend (hv-backend=kernel, KVM_CAP_HYPERV). KVM emulates the synthetic
 * MSRs, the hypercall page, the SynIC and the synthetic timers (HYPERV-REFERENCE.md §4.1);
 * enlight reads the host view, turns the per-vCPU caps on, writes VP_INDEX and the power-on
 * SynIC MSRs, answers KVM_EXIT_HYPERV and owns the connections: SINT routes (HV_SINT GSI
 * routes + irqfd), HvPostMessage handlers and HvSignalEvent eventfds (QEMU's
 * hyperv_init_vcpu, kvm_hv_handle_exit and hw/hyperv/hyperv.c).
 *
 * vCPU order (the issue's): CPUID -> KVM_SET_CPUID2 -> MSRs -> Hyper-V vCPU init (vcpu_init
 * hook). Current QEMU enables the SynIC/eVMCS caps before KVM_SET_CPUID2 only so that it can
 * read the eVMCS version into leaf 0x4000000A; enlight builds that leaf from the configuration,
 * and KVM initialises its per-vCPU Hyper-V context lazily on whichever comes first
 * (KVM_SET_CPUID2, KVM_ENABLE_CAP or an MSR write), so the order does not change what the
 * guest sees.
 */
#ifndef ENLIGHT_HV_KERNEL_H
#define ENLIGHT_HV_KERNEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "hyperv/hv_features.h"
#include "hyperv/hv_proto.h"
#include "hyperv/hv_synic.h"

struct vm;
struct vcpu;
struct hv_testdev;
struct kvm_run;

/* Per vCPU (vcpu->hv): the SynIC registers KVM reported through KVM_EXIT_HYPERV_SYNIC. */
struct hv_kernel_vp {
	uint32_t vp_index;
	uint64_t scontrol, siefp, simp;
	bool syndbg_warned;
};

/* HvPostMessage handler for one connection id (the guest's type, size and payload in m):
 * returns an HV_STATUS. The same type as the userspace backend's (hv_synic.h). */
typedef hv_msg_conn_fn hv_kernel_msg_fn;

#define HV_KERNEL_MAX_ROUTES 64
#define HV_KERNEL_MAX_CONNS 64

struct hv_kernel_route {
	uint32_t vp_index;
	uint8_t sint;
	int gsi;   /* -1 until applied to the current KVM VM */
	int irqfd; /* eventfd: writing 1 raises the SINT */
	int ackfd; /* resamplefd: KVM signals it when the guest acks the SINT (EOM) */
	bool staged; /* msg waits for the busy slot (QEMU's staged message) */
	struct hv_message msg;
};

struct hv_kernel_conn {
	uint32_t id;      /* connection id (24 bits) */
	int event_fd;     /* >= 0: HvSignalEvent connection, set on each signal */
	hv_kernel_msg_fn fn; /* HvPostMessage connection */
	hv_evt_conn_fn evt;  /* HvSignalEvent connection answered in the vCPU thread */
	void *opaque;
};

/* Per VM (struct hv_vm .kernel). Connections and routes are added before the VM runs or from
 * a vCPU thread under hv_vm.lock; they outlive a reset (re-applied to the rebuilt VM). */
struct hv_kernel {
	struct hv_kernel_route routes[HV_KERNEL_MAX_ROUTES];
	unsigned nroutes;
	struct hv_kernel_conn conns[HV_KERNEL_MAX_CONNS];
	unsigned nconns;
	unsigned nvcpus_ready; /* vCPUs through vcpu_init since the last (re)build */
	unsigned nstaged;      /* routes with a staged message (atomic test before KVM_RUN) */
	bool eventfd_warned;
	struct hv_testdev *testdev; /* -device hyperv-testdev, else NULL */
	pthread_mutex_t testdev_lock;
};

/* KVM_GET_SUPPORTED_HV_CPUID as QEMU gets it: the system ioctl (KVM_CAP_SYS_HYPERV_CPUID),
 * else the vCPU ioctl on a scratch VM and vCPU (KVM_CAP_HYPERV_CPUID), growing the buffer on
 * E2BIG; else synthesized from capabilities and KVM_GET_MSR_INDEX_LIST (hv_host_caps_legacy).
 * 0 or -errno after one error line. */
int hv_kernel_host_query(struct vm *vm, struct hv_host_caps *host);

/* Install the kernel backend's hooks (vcpu_init, vcpu_destroy, reset, KVM_EXIT_HYPERV) and its
 * per-VM state; hv_kernel_destroy frees the state and closes the routes' eventfds. */
int hv_kernel_install(struct vm *vm);
void hv_kernel_destroy(struct vm *vm);

/* KVM_EXIT_HYPERV (also the vm_hooks.hyperv hook): SYNIC exits update the vCPU's SynIC view,
 * HCALL exits are answered in run->hyperv.u.hcall.result, SYNDBG is refused (warned once). */
enum exit_action hv_kernel_exit(struct vcpu *v, struct kvm_run *run);

/* Connections (guest -> host). conn_id has 24 bits. 0, -EEXIST, -ENOSPC or -EINVAL. An event
 * connection goes to KVM (KVM_HYPERV_EVENTFD, the fast path) when KVM_CAP_HYPERV_EVENTFD exists,
 * else HvSignalEvent exits and enlight sets fd. */
int hv_kernel_add_msg_conn(struct vm *vm, uint32_t conn_id, hv_kernel_msg_fn fn, void *opaque);
int hv_kernel_add_event_conn(struct vm *vm, uint32_t conn_id, int fd);
/* An event connection KVM does not know: HvSignalEvent exits to enlight (KVM answers
 * INVALID_PORT_ID for unknown ids itself and forwards the call) and fn runs in the vCPU
 * thread, without hv_vm.lock held. */
int hv_kernel_add_event_handler(struct vm *vm, uint32_t conn_id, hv_evt_conn_fn fn,
				void *opaque);
/* Remove a message (is_msg) or event connection; an eventfd one is deassigned in KVM.
 * 0 or -ENOENT. */
int hv_kernel_del_conn(struct vm *vm, uint32_t conn_id, bool is_msg);

/* SINT routes (host -> guest): a route id >= 0 or -errno. Applied to KVM (HV_SINT GSI route,
 * KVM_IRQFD with a resamplefd) once every vCPU's SynIC is on, and again after each reset.
 * One route per (vp_index, sint): adding it again returns the same id. */
int hv_kernel_sint_route_add(struct vm *vm, uint32_t vp_index, unsigned sint);
int hv_kernel_sint_raise(struct vm *vm, int route);
/* Put msg into the route's SIMP slot and raise the SINT: 0; HV_KERNEL_QUEUED when the slot
 * is busy (MessagePending set; msg is staged and delivered, SINT raised, at the first exit
 * of any vCPU that finds the slot free, as QEMU's staged message after the guest's EOM);
 * -EAGAIN when a message is staged already; -ENXIO when the SynIC or the message page is
 * off; -EINVAL for a bad route, type 0 or payload size. */
#define HV_KERNEL_QUEUED 1
int hv_kernel_post_msg(struct vm *vm, int route, const struct hv_message *msg);
/* Set event flag `flag` in the route's SIEFP slot; raise the SINT when it was clear. */
int hv_kernel_set_event_flag(struct vm *vm, int route, unsigned flag);

/* -device hyperv-testdev on the kernel backend (hv_testdev.h, port 0x3000): routes through
 * hv_kernel_sint_route_add, message connections echo through hv_kernel_post_msg, event
 * connections through hv_kernel_add_event_handler. Needs hv-synic. */
int hv_kernel_testdev_install(struct vm *vm);

/* KVM_SYSTEM_EVENT_CRASH (vm_hooks.crash): read CRASH_P0..P4 from the vCPU (KVM keeps them)
 * and report them (vm_report_hv_crash: the line, GUEST_PANICKED, status 5). */
void hv_kernel_crash(struct vcpu *v);

#endif
