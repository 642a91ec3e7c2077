/* The virtual machine: KVM fds, guest memory, the two buses, the vCPUs, the q35 devices and
 * the run state. Built by vm_create() from a struct vm_config, in QEMU's order. */
#ifndef ENLIGHT_VM_H
#define ENLIGHT_VM_H

#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/bus.h"
#include "vmm/config.h"
#include "vmm/cpuid.h"
#include "vmm/devif.h"
#include "vmm/guest_mem.h"
#include "vmm/irq_routes.h"
#include "vmm/kvm.h"
#include "vmm/loader/boot.h"
#include "vmm/memmap.h"
#include "vmm/vcpu.h"
#include "vmm/vm_dirty.h"

struct q35_devices; /* vmm/machine_q35.c */
struct fwtables;    /* acpi/fwtables.h */
struct bios_rom;    /* vmm/bios.h */
struct cpu_setup;   /* vmm/cpu_setup.h */
struct irqchip;     /* vmm/irqchip.h */

/* What the Hyper-V backends (and later the gdbstub) plug into the core; NULL = default. */
struct vm_hooks {
	/* Per KVM VM instance, after the irqchip exists and before any vCPU (also after a
	 * reset rebuilt the VM): e.g. the MSR filter of the userspace Hyper-V backend. */
	int (*vm_setup)(struct vm *vm);
	/* vCPU init, in QEMU's order: cpuid edits the table before KVM_SET_CPUID2,
	 * vcpu_init runs after the MSRs are set (hyperv_init_vcpu). */
	int (*vcpu_cpuid)(struct vcpu *v, struct cpuid_table *t);
	int (*vcpu_init)(struct vcpu *v);
	/* vCPU thread, before every KVM_RUN (in_guest already 1): act on cross-vCPU requests
	 * such as a remote TLB flush. Keep it to an atomic test when nothing is pending. */
	void (*vcpu_pre_run)(struct vcpu *v);
	void (*vcpu_destroy)(struct vcpu *v);
	/* Before the vCPUs of a KVM VM instance are destroyed (exit, reset): stop whatever
	 * would still kick them (the userspace backend's timer thread). */
	void (*vm_teardown)(struct vm *vm);
	void (*reset)(struct vm *vm); /* system reset: state back to power-on, SINTs masked */
	enum exit_action (*msr)(struct vcpu *v, struct kvm_run *run);    /* X86_RDMSR/WRMSR */
	enum exit_action (*hyperv)(struct vcpu *v, struct kvm_run *run); /* KVM_EXIT_HYPERV */
	enum exit_action (*debug)(struct vcpu *v, struct kvm_run *run);  /* KVM_EXIT_DEBUG */
	/* KVM_SYSTEM_EVENT_CRASH (KVM's hv-crash): report it with the crash parameters, e.g.
	 * through vm_report_hv_crash; without the hook a plain VM_REQ_PANIC. */
	void (*crash)(struct vcpu *v);
};

/* Machine events for observers (QMP): emitted by vm_state.c from the thread that caused
 * them, so a sink must not block or call back into the run state. */
enum vm_event_type {
	VM_EV_SHUTDOWN, /* the VM is stopping: guest, reason */
	VM_EV_RESET,    /* a reset was requested: guest, reason */
	VM_EV_STOP,     /* the vCPUs were paused */
	VM_EV_RESUME,   /* the vCPUs run again */
	VM_EV_PANIC,    /* guest panic; has_hv_crash: the Hyper-V crash parameters P0..P4 */
};

struct vm_event {
	enum vm_event_type type;
	bool guest;         /* SHUTDOWN/RESET: requested by the guest (else by the host) */
	const char *reason; /* SHUTDOWN/RESET: QEMU's ShutdownCause name, e.g. "guest-shutdown" */
	bool has_hv_crash;
	uint64_t hv_crash[5];
};

struct vm_event_sink {
	void (*fn)(void *opaque, const struct vm_event *ev);
	void *opaque;
};
#define VM_MAX_EVENT_SINKS 4

/* Pause reasons: the vCPUs run only while none is set. */
#define VM_PAUSE_USER  (1u << 0) /* QMP stop */
#define VM_PAUSE_DEBUG (1u << 1) /* gdbstub */
#define VM_PAUSE_HOST  (1u << 2) /* a short host-side access to device state: no event */
#define VM_PAUSE_EVENTS (VM_PAUSE_USER | VM_PAUSE_DEBUG)

enum vm_state {
	VM_STATE_RUNNING,
	VM_STATE_RESET,    /* a reset was requested: stop vCPUs, rebuild, go on */
	VM_STATE_STOPPING, /* the process will exit with vm->exit_status */
};

struct vm {
	const struct vm_config *cfg;
	int kvm_fd, vm_fd;
	struct kvm_caps caps;

	struct q35_layout layout;
	struct e820_entry e820[16];
	unsigned ne820;
	struct guest_mem mem;
	uint8_t *ram;       /* one mapping: [0, below_4g) then the part above 4 GiB */
	size_t ram_map_size;

	struct bus pio, mmio;
	struct irq_routes routes; /* the whole GSI routing table (vmm/irq_routes.h) */

	struct vcpu *vcpus;
	unsigned nvcpus;
	struct cpu_topo topo;
	struct cpuid_table *host_cpuid; /* KVM_GET_SUPPORTED_CPUID */
	struct cpu_setup *cpu;          /* -cpu model, features, TSC plan (vmm/cpu_setup.h) */
	uint32_t tsc_khz;               /* guest TSC frequency (KVM_GET_TSC_KHZ) */

	/* What was loaded, kept so that a reset can boot the same image again. */
	struct boot_cpu boot;
	struct load_request load;

	struct q35_devices *dev;
	struct irqchip *irqchip; /* kernel-irqchip=split: userspace IOAPIC/PIC/PIT, else NULL */
	void *hv; /* Hyper-V per-VM state (hyperv/) */
	struct fwtables *fwtables; /* ACPI and SMBIOS tables for this configuration */
	struct bios_rom *bios;     /* -bios image, NULL for direct kernel boot */
	struct vm_hooks hooks;
	struct gdbstub *gdb; /* vmm/gdbstub.c with -gdb/-s, else NULL */

	/* Run state, guarded by lock; cond wakes the main thread. */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	enum vm_state state;
	int exit_status;
	unsigned running_vcpus;
	/* Pause (QMP stop, gdbstub): vCPU threads park in vm_vcpu_park while pause_mask is
	 * non-zero, keeping their KVM state; parked_vcpus counts them. Under lock. */
	unsigned pause_mask;
	unsigned parked_vcpus;
	struct vm_event_sink event_sinks[VM_MAX_EVENT_SINKS]; /* fixed before the vCPUs run */
	unsigned nevent_sinks;

	/* Coalesced MMIO/PIO ring (inside each kvm_run mapping at the page KVM names). */
	struct kvm_coalesced_mmio_ring *coalesced_ring;
	/* vm_srcu_settle (vm.c): one helper per built VM, joined before the VM fd closes. */
	pthread_t settle_thread;
	bool settle_running;
	pthread_mutex_t coalesced_lock;
	/* Held while a (re)build or teardown changes the vCPUs' fds and kvm_run mappings, and by
	 * vm_kick_all, which other threads (QMP, gdb, signals) call at any time. Recursive: the
	 * main thread may kick while it holds it. The vcpus array itself lives until vm_destroy. */
	pthread_mutex_t vcpus_lock;
	struct kvm_coalesced_mmio_zone coalesced_zones[8]; /* re-registered on reset */
	unsigned ncoalesced;

	struct vm_dirty dirty; /* --dirty-pages */

	struct vm_ctl ctl; /* handed to devices */
	struct clock_src clock;
	uint64_t start_ns;
};

/* Create everything (no vCPU runs yet). On failure prints one line and returns -errno. */
int vm_create(struct vm *vm, const struct vm_config *cfg, const struct load_request *load);
/* Run until poweroff/exit/watchdog; returns the process exit status. */
int vm_run(struct vm *vm);
void vm_destroy(struct vm *vm);

/* vmm/vm_state.c. Request a machine event (devices reach this through vm->ctl); thread-safe.
 * Poweroff, exit and panic stop the VM with a status (the first stop wins). A reset stops the
 * vCPUs so that vm_run rebuilds them and boots again; under -no-reboot a guest-requested
 * reset exits with status 0 as QEMU does (a triple fault exits with status 2 instead). */
void vm_request(struct vm *vm, enum vm_request req, int status);
void vm_stop(struct vm *vm, int status);
/* Kick every vCPU out of KVM_RUN (immediate_exit + signal). */
void vm_kick_all(struct vm *vm);
static inline enum vm_state vm_state_get(struct vm *vm)
{
	return __atomic_load_n(&vm->state, __ATOMIC_ACQUIRE);
}
#define VCPU_KICK_SIGNAL SIGUSR1

/* Requests made by the host (QMP system_reset, system_powerdown is a device event, quit):
 * as vm_request, but the events say guest=false with QEMU's host-qmp-* reason. */
void vm_host_request(struct vm *vm, enum vm_request req);
/* SIGINT/SIGTERM (vmm/vm_signal.c): stop with status; SHUTDOWN says host-signal. */
void vm_host_signal(struct vm *vm, int status);
/* A guest panic with the Hyper-V crash parameters P0..P4 (hv-crash): GUEST_PANICKED with
 * them, then as vm_request(VM_REQ_PANIC). */
void vm_report_hv_crash(struct vm *vm, const uint64_t p[5]);

/* Event sinks: register before vm_run (the list is not locked); 0 or -ENOSPC. */
int vm_event_subscribe(struct vm *vm, void (*fn)(void *opaque, const struct vm_event *ev),
		       void *opaque);

/* Pause: set a reason and kick the vCPUs out of KVM_RUN (returns at once; STOP is emitted
 * when the first reason is set). vm_pause_wait blocks until every vCPU thread is parked or
 * the VM is no longer running; never call it from a vCPU thread. vm_resume clears a reason
 * and wakes the vCPUs when none is left (RESUME is emitted). */
void vm_pause(struct vm *vm, unsigned reason);
void vm_pause_wait(struct vm *vm);
void vm_resume(struct vm *vm, unsigned reason);
unsigned vm_pause_get(struct vm *vm);
/* vCPU thread, before each KVM_RUN: parks while paused. False when the thread must leave
 * its run loop (the VM stops or resets). */
bool vm_vcpu_park(struct vm *vm);
/* vCPU thread accounting for vm_pause_wait (running_vcpus): before the thread is created,
 * and when it leaves its run loop (or was not created). */
void vm_vcpu_thread_enter(struct vm *vm);
void vm_vcpu_thread_exit(struct vm *vm);

/* Coalesced MMIO/PIO: mark a region (writes are batched in the ring) and flush the ring into
 * the buses. vm_coalesced_flush runs before every exit but the MSR exits is handled. */
int vm_coalesce(struct vm *vm, uint64_t addr, uint32_t size, bool pio);
int vm_coalesced_register_all(struct vm *vm); /* after KVM_CREATE_VM (also on reset) */
void vm_coalesced_flush(struct vm *vm, struct vcpu *v);

uint64_t vm_clock_ns(void *opaque);

/* Dirty pages since the last harvest (vm.c): collects the vCPUs' dirty rings or the slots'
 * dirty bitmaps, calls fn(gpa) for each page (fn may be NULL) and returns the count, or
 * -errno. Only with --dirty-pages; call it while the vCPUs are stopped or from a vCPU thread
 * for its own ring (KVM_EXIT_DIRTY_RING_FULL). */
int64_t vm_dirty_harvest(struct vm *vm, void (*fn)(void *opaque, uint64_t gpa), void *opaque);
/* Drain one vCPU's dirty ring into the VM's dirty set (KVM_EXIT_DIRTY_RING_FULL). */
int vcpu_dirty_collect(struct vcpu *v);
/* After KVM_CREATE_VM, before the memory slots and vCPUs: set up tracking (vm_dirty.c). */
int vm_dirty_enable(struct vm *vm);
/* Before a reset destroys the KVM VM: keep what it logged. */
int vm_dirty_sync_before_teardown(struct vm *vm);

#endif
