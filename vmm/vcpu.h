/* A virtual CPU: its KVM fd, the shared kvm_run page, a lazily synchronised register cache
 * (QEMU's vcpu_dirty) and its thread. */
#ifndef ENLIGHT_VCPU_H
#define ENLIGHT_VCPU_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;

struct vcpu_stats {
	uint64_t exits[64];  /* by KVM exit reason */
	uint32_t *pio;       /* per port, allocated with --stats */
	uint64_t mmio;
};

struct vcpu {
	struct vm *vm;
	unsigned index;
	uint32_t apic_id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	pthread_t thread;
	bool thread_started;
	int tid; /* host thread id (gettid) while the thread runs: QMP query-cpus-fast */

	/* Register cache: fetched on first use after an exit, written back before KVM_RUN only
	 * when changed. */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	bool regs_valid, regs_dirty, sregs_valid, sregs_dirty;
	/* KVM_CAP_SYNC_REGS: run->s.regs holds the registers of the last exit; copied into
	 * regs only when an exit handler asks (most exits never look at them). */
	bool regs_in_run;

	uint32_t tsc_khz;

	/* 1 from just before this thread looks at pending cross-vCPU requests (hooks.vcpu_pre_run)
	 * until KVM_RUN returns. A requester that sets its request flag and then sees in_guest == 0
	 * knows the vCPU will act on it before it runs guest code again; otherwise it kicks the
	 * vCPU and waits for in_guest == 0 or the request to be consumed (both sides seq_cst). */
	int in_guest;
	void *hv; /* Hyper-V per-vCPU state (hyperv/), NULL without enlightenments */

	/* KVM dirty ring (--dirty-pages where KVM_CAP_DIRTY_LOG_RING exists), else NULL. */
	struct kvm_dirty_gfn *dirty_ring;
	uint32_t dirty_next;

	struct vcpu_stats stats;
};

/* Register cache accessors (vmm/vcpu_regs.c). Return NULL if KVM refused (never in practice). */
struct kvm_regs *vcpu_regs(struct vcpu *v);
struct kvm_sregs *vcpu_sregs(struct vcpu *v);
static inline void vcpu_regs_dirty(struct vcpu *v) { v->regs_dirty = true; }
static inline void vcpu_sregs_dirty(struct vcpu *v) { v->sregs_dirty = true; }
/* Write back dirty state (before KVM_RUN) and drop the cache (after an exit). */
int vcpu_regs_flush(struct vcpu *v);
void vcpu_regs_invalidate(struct vcpu *v);
/* Print a register dump to stderr, naming why. */
void vcpu_dump(struct vcpu *v, const char *why);

/* Exit dispatch (vmm/vcpu_exit.c). */
enum exit_action { EXIT_ACT_CONTINUE, EXIT_ACT_STOP };
enum exit_action vcpu_handle_exit(struct vcpu *v, struct kvm_run *run);
const char *kvm_exit_name(uint32_t reason);



/* vmm/vcpu.c (glue): life cycle in QEMU's kvm_init_vcpu -> kvm_arch_init_vcpu order. */
int vcpu_create(struct vm *vm, struct vcpu *v, unsigned index);
int vcpu_start(struct vcpu *v);
void vcpu_join(struct vcpu *v);
void vcpu_destroy(struct vcpu *v);
#endif
