#include "vmm/kvm.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CAP(id, c, w) [KC_##id] = { #id, KVM_CAP_##c, w }
const struct kvm_cap_desc kvm_cap_table[KC_COUNT] = {
	CAP(NR_VCPUS, NR_VCPUS, "recommended vCPU count"),
	CAP(MAX_VCPUS, MAX_VCPUS, "-smp limit"),
	CAP(MAX_VCPU_ID, MAX_VCPU_ID, "largest APIC ID"),
	CAP(IRQCHIP, IRQCHIP, "kernel-irqchip=on"),
	CAP(SPLIT_IRQCHIP, SPLIT_IRQCHIP, "kernel-irqchip=split"),
	CAP(PIT2, PIT2, "in-kernel i8254 PIT"),
	CAP(IRQ_ROUTING, IRQ_ROUTING, "IOAPIC GSI routing"),
	CAP(IRQFD, IRQFD, "Hyper-V SINT routes (kernel backend)"),
	CAP(IOEVENTFD, IOEVENTFD, "fast doorbells"),
	CAP(SIGNAL_MSI, SIGNAL_MSI, "SINT delivery (user backend)"),
	CAP(X2APIC_API, X2APIC_API, "x2APIC IDs above 254"),
	CAP(TSC_DEADLINE_TIMER, TSC_DEADLINE_TIMER, "CPUID tsc-deadline"),
	CAP(COALESCED_MMIO, COALESCED_MMIO, "coalesced MMIO ring"),
	CAP(COALESCED_PIO, COALESCED_PIO, "coalesced port I/O"),
	CAP(IMMEDIATE_EXIT, IMMEDIATE_EXIT, "vCPU kick"),
	CAP(SYNC_REGS, SYNC_REGS, "register sync in kvm_run"),
	CAP(MP_STATE, MP_STATE, "AP wait-for-SIPI"),
	CAP(SET_GUEST_DEBUG, SET_GUEST_DEBUG, "gdbstub"),
	CAP(DIRTY_LOG_RING, DIRTY_LOG_RING, "dirty page ring"),
	CAP(XSAVE, XSAVE, "XSAVE state"),
	CAP(XCRS, XCRS, "XCR0"),
	CAP(GET_TSC_KHZ, GET_TSC_KHZ, "read the guest TSC frequency"),
	CAP(TSC_CONTROL, TSC_CONTROL, "tsc-frequency= (TSC scaling)"),
	CAP(VM_TSC_CONTROL, VM_TSC_CONTROL, "tsc-frequency= for the whole VM"),
	CAP(USER_SPACE_MSR, X86_USER_SPACE_MSR, "Hyper-V MSRs (user backend)"),
	CAP(MSR_FILTER, X86_MSR_FILTER, "Hyper-V MSRs (user backend)"),
	CAP(HYPERV, HYPERV, "in-kernel Hyper-V (kernel backend)"),
	CAP(HYPERV_VAPIC, HYPERV_VAPIC, "hv-vapic (kernel backend)"),
	CAP(HYPERV_SPIN, HYPERV_SPIN, "hv-spinlocks (kernel backend)"),
	CAP(HYPERV_TIME, HYPERV_TIME, "hv-time (kernel backend)"),
	CAP(HYPERV_SYNIC, HYPERV_SYNIC, "hv-synic (kernel backend)"),
	CAP(HYPERV_SYNIC2, HYPERV_SYNIC2, "hv-synic (kernel backend)"),
	CAP(HYPERV_VP_INDEX, HYPERV_VP_INDEX, "hv-vpindex (kernel backend)"),
	CAP(HYPERV_EVENTFD, HYPERV_EVENTFD, "HvSignalEvent in kernel"),
	CAP(HYPERV_TLBFLUSH, HYPERV_TLBFLUSH, "hv-tlbflush (kernel backend)"),
	CAP(HYPERV_SEND_IPI, HYPERV_SEND_IPI, "hv-ipi (kernel backend)"),
	CAP(HYPERV_CPUID, HYPERV_CPUID, "KVM_GET_SUPPORTED_HV_CPUID on a vCPU"),
	CAP(SYS_HYPERV_CPUID, SYS_HYPERV_CPUID, "KVM_GET_SUPPORTED_HV_CPUID on /dev/kvm"),
	CAP(HYPERV_ENFORCE_CPUID, HYPERV_ENFORCE_CPUID, "hv-enforce-cpuid"),
	CAP(HYPERV_EVMCS, HYPERV_ENLIGHTENED_VMCS, "hv-evmcs"),
	CAP(HYPERV_DIRECT_TLBFLUSH, HYPERV_DIRECT_TLBFLUSH, "hv-tlbflush-direct"),
	CAP(BINARY_STATS_FD, BINARY_STATS_FD, "KVM statistics"),
};
#undef CAP

int kvm_get_api_version(int kvm_fd)
{
	return kvm_sys_ioctl(kvm_fd, KVM_GET_API_VERSION, NULL);
}

int kvm_check_extension(int fd, int cap)
{
	return kvm_sys_ioctl(fd, KVM_CHECK_EXTENSION, (void *)(long)cap);
}

int kvm_get_vcpu_mmap_size(int kvm_fd)
{
	return kvm_sys_ioctl(kvm_fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
}

int kvm_caps_probe(int kvm_fd, struct kvm_caps *caps)
{
	memset(caps, 0, sizeof(*caps));
	caps->api_version = kvm_get_api_version(kvm_fd);
	if (caps->api_version < 0)
		return caps->api_version;
	if (caps->api_version != KVM_API_VERSION_REQUIRED)
		return -EPROTONOSUPPORT;
	caps->vcpu_mmap_size = kvm_get_vcpu_mmap_size(kvm_fd);
	if (caps->vcpu_mmap_size < 0)
		return caps->vcpu_mmap_size;
	for (unsigned i = 0; i < KC_COUNT; i++) {
		int r = kvm_check_extension(kvm_fd, kvm_cap_table[i].cap);

		caps->val[i] = r > 0 ? r : 0;
	}
	/* KVM_CAP_MAX_VCPUS may be absent on old kernels: fall back to NR_VCPUS. */
	if (!caps->val[KC_MAX_VCPUS])
		caps->val[KC_MAX_VCPUS] = caps->val[KC_NR_VCPUS] ? caps->val[KC_NR_VCPUS] : 4;
	return 0;
}

int kvm_create_vm(int kvm_fd)
{
	return kvm_sys_ioctl(kvm_fd, KVM_CREATE_VM, NULL);
}

int kvm_get_supported_cpuid(int kvm_fd, struct kvm_cpuid2 *cpuid)
{
	return kvm_sys_ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
}

int kvm_get_msr_index_list(int kvm_fd, struct kvm_msr_list *list)
{
	return kvm_sys_ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, list);
}

int kvm_get_supported_hv_cpuid(int fd, struct kvm_cpuid2 *cpuid)
{
	return kvm_sys_ioctl(fd, KVM_GET_SUPPORTED_HV_CPUID, cpuid);
}

int kvm_set_user_memory_region(int vm_fd, uint32_t slot, uint32_t flags, uint64_t gpa,
			       uint64_t size, void *hva)
{
	struct kvm_userspace_memory_region r = {
		.slot = slot,
		.flags = flags,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uint64_t)(uintptr_t)hva,
	};

	return kvm_sys_ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

int kvm_set_tss_addr(int vm_fd, uint64_t addr)
{
	return kvm_sys_ioctl(vm_fd, KVM_SET_TSS_ADDR, (void *)(uintptr_t)addr);
}

int kvm_set_identity_map_addr(int vm_fd, uint64_t addr)
{
	return kvm_sys_ioctl(vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &addr);
}

int kvm_create_irqchip(int vm_fd)
{
	return kvm_sys_ioctl(vm_fd, KVM_CREATE_IRQCHIP, NULL);
}

int kvm_create_pit2(int vm_fd, uint32_t flags)
{
	struct kvm_pit_config pit = { .flags = flags };

	return kvm_sys_ioctl(vm_fd, KVM_CREATE_PIT2, &pit);
}

int kvm_get_pit2(int vm_fd, struct kvm_pit_state2 *st)
{
	return kvm_sys_ioctl(vm_fd, KVM_GET_PIT2, st);
}

int kvm_set_pit2(int vm_fd, const struct kvm_pit_state2 *st)
{
	return kvm_sys_ioctl(vm_fd, KVM_SET_PIT2, (void *)(uintptr_t)st);
}

int kvm_reinject_control(int vm_fd, bool reinject)
{
	struct kvm_reinject_control c = { .pit_reinject = reinject };

	return kvm_sys_ioctl(vm_fd, KVM_REINJECT_CONTROL, &c);
}

int kvm_set_pmu_event_filter_none(int vm_fd)
{
	/* Deny nothing: every event and fixed counter allowed, as without a filter. */
	struct kvm_pmu_event_filter f = { .action = KVM_PMU_EVENT_DENY };

	return kvm_sys_ioctl(vm_fd, KVM_SET_PMU_EVENT_FILTER, &f);
}

int kvm_set_gsi_routing(int vm_fd, const struct kvm_irq_routing *routing)
{
	return kvm_sys_ioctl(vm_fd, KVM_SET_GSI_ROUTING, (void *)(uintptr_t)routing);
}

int kvm_irq_line(int vm_fd, uint32_t gsi, int level)
{
	struct kvm_irq_level l = { .irq = gsi, .level = (uint32_t)level };

	return kvm_sys_ioctl(vm_fd, KVM_IRQ_LINE, &l);
}

int kvm_interrupt(int vcpu_fd, uint32_t vector)
{
	struct kvm_interrupt irq = { .irq = vector };

	return kvm_sys_ioctl(vcpu_fd, KVM_INTERRUPT, &irq);
}

int kvm_signal_msi(int vm_fd, uint64_t address, uint32_t data)
{
	struct kvm_msi msi = {
		.address_lo = (uint32_t)address,
		.address_hi = (uint32_t)(address >> 32),
		.data = data,
	};

	return kvm_sys_ioctl(vm_fd, KVM_SIGNAL_MSI, &msi);
}

int kvm_irqfd(int vm_fd, const struct kvm_irqfd *irqfd)
{
	return kvm_sys_ioctl(vm_fd, KVM_IRQFD, (void *)(uintptr_t)irqfd);
}

int kvm_hyperv_eventfd(int vm_fd, uint32_t conn_id, int fd, uint32_t flags)
{
	struct kvm_hyperv_eventfd ev = { .conn_id = conn_id, .fd = fd, .flags = flags };

	return kvm_sys_ioctl(vm_fd, KVM_HYPERV_EVENTFD, &ev);
}

int kvm_ioeventfd(int vm_fd, const struct kvm_ioeventfd *ioeventfd)
{
	return kvm_sys_ioctl(vm_fd, KVM_IOEVENTFD, (void *)(uintptr_t)ioeventfd);
}

int kvm_enable_cap(int fd, uint32_t cap, uint64_t arg0, uint64_t arg1)
{
	struct kvm_enable_cap ec = { .cap = cap, .args = { arg0, arg1 } };

	return kvm_sys_ioctl(fd, KVM_ENABLE_CAP, &ec);
}

int kvm_register_coalesced_mmio(int vm_fd, uint64_t addr, uint32_t size, bool pio)
{
	struct kvm_coalesced_mmio_zone z = { .addr = addr, .size = size, .pio = pio };

	return kvm_sys_ioctl(vm_fd, KVM_REGISTER_COALESCED_MMIO, &z);
}

int kvm_unregister_coalesced_mmio(int vm_fd, uint64_t addr, uint32_t size, bool pio)
{
	struct kvm_coalesced_mmio_zone z = { .addr = addr, .size = size, .pio = pio };

	return kvm_sys_ioctl(vm_fd, KVM_UNREGISTER_COALESCED_MMIO, &z);
}

int kvm_set_msr_filter(int vm_fd, const struct kvm_msr_filter *filter)
{
	return kvm_sys_ioctl(vm_fd, KVM_X86_SET_MSR_FILTER, (void *)(uintptr_t)filter);
}

int kvm_get_dirty_log(int vm_fd, uint32_t slot, void *bitmap)
{
	struct kvm_dirty_log log = { .slot = slot, .dirty_bitmap = bitmap };

	return kvm_sys_ioctl(vm_fd, KVM_GET_DIRTY_LOG, &log);
}

int kvm_reset_dirty_rings(int vm_fd)
{
	return kvm_sys_ioctl(vm_fd, KVM_RESET_DIRTY_RINGS, NULL);
}

int kvm_create_vcpu(int vm_fd, unsigned long id)
{
	return kvm_sys_ioctl(vm_fd, KVM_CREATE_VCPU, (void *)id);
}

int kvm_set_tsc_khz_vm(int vm_fd, uint32_t khz)
{
	return kvm_sys_ioctl(vm_fd, KVM_SET_TSC_KHZ, (void *)(uintptr_t)khz);
}

int kvm_run(int vcpu_fd)
{
	return kvm_sys_ioctl(vcpu_fd, KVM_RUN, NULL);
}

#define GETSET(name, GET, SET, type)                                      \
	int kvm_get_##name(int vcpu_fd, type *p)                          \
	{                                                                 \
		return kvm_sys_ioctl(vcpu_fd, GET, p);                    \
	}                                                                 \
	int kvm_set_##name(int vcpu_fd, const type *p)                    \
	{                                                                 \
		return kvm_sys_ioctl(vcpu_fd, SET, (void *)(uintptr_t)p); \
	}

GETSET(regs, KVM_GET_REGS, KVM_SET_REGS, struct kvm_regs)
GETSET(sregs, KVM_GET_SREGS, KVM_SET_SREGS, struct kvm_sregs)
GETSET(fpu, KVM_GET_FPU, KVM_SET_FPU, struct kvm_fpu)
GETSET(msrs, KVM_GET_MSRS, KVM_SET_MSRS, struct kvm_msrs)
GETSET(mp_state, KVM_GET_MP_STATE, KVM_SET_MP_STATE, struct kvm_mp_state)
GETSET(lapic, KVM_GET_LAPIC, KVM_SET_LAPIC, struct kvm_lapic_state)
GETSET(vcpu_events, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, struct kvm_vcpu_events)
#undef GETSET

/* Note: KVM_GET_MSRS/KVM_SET_MSRS return the number of MSRs processed. */
int kvm_set_cpuid2(int vcpu_fd, const struct kvm_cpuid2 *cpuid)
{
	return kvm_sys_ioctl(vcpu_fd, KVM_SET_CPUID2, (void *)(uintptr_t)cpuid);
}

int kvm_get_tsc_khz(int vcpu_fd)
{
	return kvm_sys_ioctl(vcpu_fd, KVM_GET_TSC_KHZ, NULL);
}

int kvm_set_tsc_khz(int vcpu_fd, uint32_t khz)
{
	return kvm_sys_ioctl(vcpu_fd, KVM_SET_TSC_KHZ, (void *)(uintptr_t)khz);
}

int kvm_set_guest_debug(int vcpu_fd, const struct kvm_guest_debug *dbg)
{
	return kvm_sys_ioctl(vcpu_fd, KVM_SET_GUEST_DEBUG, (void *)(uintptr_t)dbg);
}

struct one_msr {
	struct kvm_msrs hdr;
	struct kvm_msr_entry e;
};

int kvm_get_msr(int vcpu_fd, uint32_t index, uint64_t *val)
{
	struct one_msr m = { .hdr.nmsrs = 1, .e.index = index };
	int r = kvm_get_msrs(vcpu_fd, &m.hdr);

	if (r < 0)
		return r;
	if (r != 1)
		return -EIO;
	*val = m.e.data;
	return 0;
}

int kvm_set_msr(int vcpu_fd, uint32_t index, uint64_t val)
{
	struct one_msr m = { .hdr.nmsrs = 1, .e.index = index, .e.data = val };
	int r = kvm_set_msrs(vcpu_fd, &m.hdr);

	if (r < 0)
		return r;
	return r == 1 ? 0 : -EIO;
}
