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

#include <stdbool.h>
#include <stdint.h>

#include "hyperv/hv_features.h"
#include "hyperv/hv_proto.h"

struct vm;
struct vcpu;
struct kvm_run;

/* Per vCPU (vcpu->hv): the SynIC registers KVM reported through KVM_EXIT_HYPERV_SYNIC. */
struct hv_kernel_vp {
	uint32_t vp_index;
	uint64_t scontrol, siefp, simp;
	bool syndbg_warned;
};

/* One message slot of the SIMP page (TLFS "Inter-Partition Communication", HV_MESSAGE):
 * the same layout as HvPostMessage's input after its 8-byte connection header. */
struct hv_kernel_msg {
	uint32_t type;
	uint8_t payload_size;
	uint8_t flags; /* HV_MESSAGE_FLAG_PENDING */
	uint16_t reserved;
	uint64_t sender; /* origination id / port */
	uint8_t payload[HV_MESSAGE_PAYLOAD_SIZE];
};
_Static_assert(sizeof(struct hv_kernel_msg) == HV_MESSAGE_SIZE, "TLFS HV_MESSAGE is 256 bytes");

/* HvPostMessage handler for one connection id: returns an HV_STATUS. */
typedef uint16_t (*hv_kernel_msg_fn)(void *opaque, uint32_t type, const uint8_t *payload,
				     uint32_t size);

#define HV_KERNEL_MAX_ROUTES 64
#define HV_KERNEL_MAX_CONNS 64

struct hv_kernel_route {
	uint32_t vp_index;
	uint8_t sint;
	int gsi;   /* -1 until applied to the current KVM VM */
	int irqfd; /* eventfd: writing 1 raises the SINT */
	int ackfd; /* resamplefd: KVM signals it when the guest acks the SINT (EOM) */
};

struct hv_kernel_conn {
	uint32_t id;      /* connection id (24 bits) */
	int event_fd;     /* >= 0: HvSignalEvent connection, set on each signal */
	hv_kernel_msg_fn fn; /* HvPostMessage connection */
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
	bool eventfd_warned;
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

/* SINT routes (host -> guest): a route id >= 0 or -errno. Applied to KVM (HV_SINT GSI route,
 * KVM_IRQFD with a resamplefd) once every vCPU's SynIC is on, and again after each reset. */
int hv_kernel_sint_route_add(struct vm *vm, uint32_t vp_index, unsigned sint);
int hv_kernel_sint_raise(struct vm *vm, int route);
/* Put msg into the route's SIMP slot and raise the SINT: 0; -EAGAIN when the slot is busy
 * (MessagePending set, the guest's EOM fires the route's ackfd); -ENXIO when the SynIC or the
 * message page is off; -EINVAL for a bad route or payload size. */
int hv_kernel_post_msg(struct vm *vm, int route, const struct hv_kernel_msg *msg);
/* Set event flag `flag` in the route's SIEFP slot; raise the SINT when it was clear. */
int hv_kernel_set_event_flag(struct vm *vm, int route, unsigned flag);

/* Pure slot logic (TLFS "Inter-Partition Communication", message and event-flag pages); to be
 * shared with hyperv/hv_synic.c. msg_slot_post: 0 copied (type written last), -EAGAIN busy
 * (pending flag set). event_flag_set: 1 newly set, 0 already set, -EINVAL bad flag. */
int hv_kernel_msg_slot_post(uint8_t *slot, const struct hv_kernel_msg *msg);
int hv_kernel_event_flag_set(uint8_t *sint_flags, unsigned flag);

#endif
