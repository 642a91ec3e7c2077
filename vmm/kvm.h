/* The thin KVM layer: one wrapper per ioctl, returning >= 0 or -errno, no policy.
 * Every ioctl goes through kvm_sys_ioctl() (vmm/kvm_sys.c on a real host; a recording fake in
 * unit tests), so the ioctl sequences of the machine and the Hyper-V backends are testable
 * without /dev/kvm. */
#ifndef ENLIGHT_KVM_H
#define ENLIGHT_KVM_H

#include <linux/kvm.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Returns the ioctl's result or -errno (EINTR is returned, not retried). */
int kvm_sys_ioctl(int fd, unsigned long req, void *arg);

/* Capabilities enlight uses, probed once into struct kvm_caps (kvm_caps_probe). */
enum kvm_cap_id {
	KC_NR_VCPUS, KC_MAX_VCPUS, KC_MAX_VCPU_ID, KC_IRQCHIP, KC_SPLIT_IRQCHIP, KC_PIT2,
	KC_IRQ_ROUTING, KC_IRQFD, KC_IOEVENTFD, KC_SIGNAL_MSI, KC_X2APIC_API,
	KC_TSC_DEADLINE_TIMER, KC_COALESCED_MMIO, KC_COALESCED_PIO, KC_IMMEDIATE_EXIT,
	KC_SYNC_REGS, KC_MP_STATE, KC_SET_GUEST_DEBUG, KC_DIRTY_LOG_RING, KC_XSAVE, KC_XCRS,
	KC_GET_TSC_KHZ, KC_TSC_CONTROL, KC_VM_TSC_CONTROL, KC_USER_SPACE_MSR, KC_MSR_FILTER,
	KC_HYPERV, KC_HYPERV_VAPIC, KC_HYPERV_SPIN, KC_HYPERV_TIME, KC_HYPERV_SYNIC,
	KC_HYPERV_SYNIC2, KC_HYPERV_VP_INDEX, KC_HYPERV_EVENTFD, KC_HYPERV_TLBFLUSH,
	KC_HYPERV_SEND_IPI, KC_HYPERV_CPUID, KC_SYS_HYPERV_CPUID, KC_HYPERV_ENFORCE_CPUID,
	KC_HYPERV_EVMCS, KC_HYPERV_DIRECT_TLBFLUSH, KC_BINARY_STATS_FD,
	KC_COUNT
};

struct kvm_cap_desc {
	const char *name;  /* as printed by --probe */
	int cap;           /* KVM_CAP_* */
	const char *why;   /* what enlight uses it for */
};

extern const struct kvm_cap_desc kvm_cap_table[KC_COUNT];

struct kvm_caps {
	int api_version;
	int vcpu_mmap_size;
	int val[KC_COUNT]; /* KVM_CHECK_EXTENSION results (0 = absent) */
};

static inline bool kvm_has(const struct kvm_caps *c, enum kvm_cap_id id)
{
	return c->val[id] > 0;
}

#define KVM_API_VERSION_REQUIRED 12

/* System fd. */
int kvm_get_api_version(int kvm_fd);
int kvm_check_extension(int fd, int cap);
int kvm_caps_probe(int kvm_fd, struct kvm_caps *caps);
int kvm_get_vcpu_mmap_size(int kvm_fd);
int kvm_create_vm(int kvm_fd);
/* Fills *out (allocated by the caller with room for nent entries); grows nothing. */
int kvm_get_supported_cpuid(int kvm_fd, struct kvm_cpuid2 *cpuid);
int kvm_get_msr_index_list(int kvm_fd, struct kvm_msr_list *list);
/* KVM_GET_SUPPORTED_HV_CPUID as a system (fd = kvm fd) or vCPU ioctl. */
int kvm_get_supported_hv_cpuid(int fd, struct kvm_cpuid2 *cpuid);

/* VM fd. */
int kvm_set_user_memory_region(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
			       uint64_t size, void *hva);
int kvm_set_tss_addr(int vm_fd, uint64_t addr);
int kvm_set_identity_map_addr(int vm_fd, uint64_t addr);
int kvm_create_irqchip(int vm_fd);
int kvm_create_pit2(int vm_fd, uint32_t flags);
int kvm_get_pit2(int vm_fd, struct kvm_pit_state2 *st);
int kvm_set_pit2(int vm_fd, const struct kvm_pit_state2 *st);
int kvm_reinject_control(int vm_fd, bool reinject);
/* KVM_SET_PMU_EVENT_FILTER with an empty deny list (no change for the guest); used for its
 * expedited SRCU grace period (vm.c, vm_srcu_settle). */
int kvm_set_pmu_event_filter_none(int vm_fd);
int kvm_set_gsi_routing(int vm_fd, const struct kvm_irq_routing *routing);
int kvm_irq_line(int vm_fd, uint32_t gsi, int level);
int kvm_signal_msi(int vm_fd, uint64_t address, uint32_t data);
int kvm_irqfd(int vm_fd, const struct kvm_irqfd *irqfd);
int kvm_ioeventfd(int vm_fd, const struct kvm_ioeventfd *ioeventfd);
/* KVM_HYPERV_EVENTFD: HvSignalEvent on conn_id signals fd inside KVM (flags
 * KVM_HYPERV_EVENTFD_DEASSIGN removes it). */
int kvm_hyperv_eventfd(int vm_fd, uint32_t conn_id, int fd, uint32_t flags);
int kvm_enable_cap(int fd, uint32_t cap, uint64_t arg0, uint64_t arg1);
int kvm_register_coalesced_mmio(int vm_fd, uint64_t addr, uint32_t size, bool pio);
int kvm_unregister_coalesced_mmio(int vm_fd, uint64_t addr, uint32_t size, bool pio);
int kvm_set_msr_filter(int vm_fd, const struct kvm_msr_filter *filter);
int kvm_get_dirty_log(int vm_fd, uint32_t slot, void *bitmap);
int kvm_reset_dirty_rings(int vm_fd);
int kvm_create_vcpu(int vm_fd, unsigned long id);
int kvm_set_tsc_khz_vm(int vm_fd, uint32_t khz);

/* vCPU fd. */
int kvm_run(int vcpu_fd);
int kvm_get_regs(int vcpu_fd, struct kvm_regs *r);
int kvm_set_regs(int vcpu_fd, const struct kvm_regs *r);
int kvm_get_sregs(int vcpu_fd, struct kvm_sregs *s);
int kvm_set_sregs(int vcpu_fd, const struct kvm_sregs *s);
int kvm_get_fpu(int vcpu_fd, struct kvm_fpu *f);
int kvm_set_fpu(int vcpu_fd, const struct kvm_fpu *f);
int kvm_set_cpuid2(int vcpu_fd, const struct kvm_cpuid2 *cpuid);
int kvm_get_msrs(int vcpu_fd, struct kvm_msrs *msrs);
int kvm_set_msrs(int vcpu_fd, const struct kvm_msrs *msrs);
int kvm_get_tsc_khz(int vcpu_fd);
int kvm_set_tsc_khz(int vcpu_fd, uint32_t khz);
int kvm_get_mp_state(int vcpu_fd, struct kvm_mp_state *mp);
int kvm_set_mp_state(int vcpu_fd, const struct kvm_mp_state *mp);
int kvm_get_lapic(int vcpu_fd, struct kvm_lapic_state *lapic);
int kvm_set_lapic(int vcpu_fd, const struct kvm_lapic_state *lapic);
int kvm_set_guest_debug(int vcpu_fd, const struct kvm_guest_debug *dbg);
int kvm_get_vcpu_events(int vcpu_fd, struct kvm_vcpu_events *ev);
/* KVM_INTERRUPT: with the in-kernel LAPIC and a userspace PIC (split irqchip) this queues
 * the 8259's vector as an ExtINT; -EEXIST while one is still pending. */
int kvm_interrupt(int vcpu_fd, uint32_t vector);
int kvm_set_vcpu_events(int vcpu_fd, const struct kvm_vcpu_events *ev);

/* One MSR through KVM_GET_MSRS/KVM_SET_MSRS: 0 or -errno (-EIO when KVM refused it). */
int kvm_get_msr(int vcpu_fd, uint32_t index, uint64_t *val);
int kvm_set_msr(int vcpu_fd, uint32_t index, uint64_t val);

#endif
