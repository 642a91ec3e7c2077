/* vCPU life cycle, following QEMU's kvm_init_vcpu -> kvm_arch_init_vcpu:
 * KVM_CREATE_VCPU, mmap of kvm_run, TSC kHz, CPUID (with the Hyper-V leaves from the hook),
 * KVM_SET_CPUID2, MSRs, Hyper-V vCPU init (hook), registers; then one thread per vCPU. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vmm/cpu_setup.h"
#include "vmm/irqchip.h"
#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/sandbox.h"
#include "vmm/vcpu.h"
#include "vmm/vm.h"

#define MSR_IA32_MISC_ENABLE 0x000001a0
#define MSR_IA32_MISC_ENABLE_FAST_STRING (1ull << 0) /* SDM Vol. 4 Table 2-2; QEMU sets it */

static int vcpu_set_cpuid(struct vcpu *v)
{
	struct vm *vm = v->vm;
	struct cpuid_table *t = malloc(sizeof(*t));
	struct kvm_cpuid2 *c2;
	int r;

	if (!t)
		return -ENOMEM;
	*t = vm->cpu ? vm->cpu->base : *vm->host_cpuid;
	r = cpuid_apply_topology(t, &vm->topo, v->index);
	if (!r && vm->hooks.vcpu_cpuid)
		r = vm->hooks.vcpu_cpuid(v, t);
	if (r) {
		free(t);
		return r;
	}
	c2 = malloc(sizeof(*c2) + t->n * sizeof(c2->entries[0]));
	if (!c2) {
		free(t);
		return -ENOMEM;
	}
	c2->nent = t->n;
	c2->padding = 0;
	memcpy(c2->entries, t->e, t->n * sizeof(t->e[0]));
	r = kvm_set_cpuid2(v->fd, c2);
	if (r < 0)
		pr_err("vCPU %u: KVM_SET_CPUID2 (%u entries): %s", v->index, t->n, strerror(-r));
	free(c2);
	free(t);
	return r;
}

/* The BSP starts where the loader put it; APs keep KVM's wait-for-SIPI state (with the
 * in-kernel LAPIC a non-BSP vCPU starts KVM_MP_STATE_UNINITIALIZED). */
static int vcpu_set_boot_state(struct vcpu *v)
{
	const struct boot_cpu *b = &v->vm->boot;
	struct kvm_sregs *s;
	uint64_t apic_base;
	__u64 bitmap[ARRAY_SIZE(s->interrupt_bitmap)];
	int r;

	if (v->index != 0 || v->vm->bios)
		return 0; /* -bios: KVM's reset state is the reset vector (vmm/bios.h) */
	s = vcpu_sregs(v);
	if (!s)
		return -EIO;
	/* The loader's state replaces everything but what KVM owns: the APIC base MSR and the
	 * pending-interrupt bitmap. */
	apic_base = s->apic_base;
	memcpy(bitmap, s->interrupt_bitmap, sizeof(bitmap));
	*s = b->sregs;
	s->apic_base = apic_base;
	memcpy(s->interrupt_bitmap, bitmap, sizeof(bitmap));
	vcpu_sregs_dirty(v);
	v->regs = b->regs;
	v->regs_valid = true;
	vcpu_regs_dirty(v);
	r = vcpu_regs_flush(v);
	if (r < 0)
		pr_err("vCPU 0: setting the boot registers: %s", strerror(-r));
	return r;
}

int vcpu_create(struct vm *vm, struct vcpu *v, unsigned index)
{
	int r;

	memset(v, 0, sizeof(*v));
	v->vm = vm;
	v->index = index;
	v->fd = -1;
	v->apic_id = topo_apic_id(&vm->topo, index);

	r = kvm_create_vcpu(vm->vm_fd, v->apic_id);
	if (r < 0) {
		pr_err("vCPU %u: KVM_CREATE_VCPU (APIC ID %u): %s", index, v->apic_id, strerror(-r));
		return r;
	}
	v->fd = r;
	v->run_size = (size_t)vm->caps.vcpu_mmap_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		r = -errno;
		v->run = NULL;
		pr_err("vCPU %u: mmap of kvm_run (%zu bytes): %s", index, v->run_size, strerror(-r));
		return r;
	}
	/* The coalesced MMIO ring lives in the kvm_run mapping at the page KVM names. */
	if (index == 0 && vm->caps.val[KC_COALESCED_MMIO])
		vm->coalesced_ring = (void *)((uint8_t *)v->run +
					      (size_t)vm->caps.val[KC_COALESCED_MMIO] * 4096);
	if (vm->dirty.use_ring) {
		size_t sz = DIRTY_RING_ENTRIES * sizeof(*v->dirty_ring);

		v->dirty_ring = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd,
				     (off_t)KVM_DIRTY_LOG_PAGE_OFFSET * 4096);
		if (v->dirty_ring == MAP_FAILED) {
			r = -errno;
			v->dirty_ring = NULL;
			pr_err("vCPU %u: mmap of the dirty ring: %s", index, strerror(-r));
			return r;
		}
	}
	if (vm->cfg->stats) {
		v->stats.pio = calloc(65536, sizeof(*v->stats.pio));
		if (!v->stats.pio)
			return -ENOMEM;
	}

	/* TSC kHz: -cpu tsc-frequency as planned before anything started, else KVM's rate, read
	 * back and recorded (QEMU does the same so that the value can be exposed consistently:
	 * hv-frequencies, reference TSC page, leaf 0x40000010). */
	if (index == 0) {
		/* The host's rate, as KVM gives it to a new vCPU, plans tsc-frequency and builds
		 * the model's CPUID table before vCPU 0's own TSC step: no throw-away VM. */
		int khz = kvm_get_tsc_khz(v->fd);

		r = cpu_setup_tsc(vm, khz > 0 ? (uint32_t)khz : 0);
		if (r)
			return r;
	}
	r = cpu_vcpu_tsc(v);
	if (r)
		return r;

	r = vcpu_set_cpuid(v);
	if (r)
		return r;
	r = kvm_set_msr(v->fd, MSR_IA32_MISC_ENABLE, MSR_IA32_MISC_ENABLE_FAST_STRING);
	if (r) {
		pr_err("vCPU %u: setting IA32_MISC_ENABLE: %s", index, strerror(-r));
		return r;
	}
	if (vm->hooks.vcpu_init) {
		r = vm->hooks.vcpu_init(v);
		if (r)
			return r;
	}
	return vcpu_set_boot_state(v);
}

/* KVM_CAP_SYNC_REGS (Documentation/virt/kvm/api.rst, "kvm_valid_regs"): KVM stores the
 * general registers into kvm_run at every exit and loads them from there before entry when
 * flagged dirty, so the register cache needs no KVM_GET_REGS/KVM_SET_REGS on the exit path
 * (a hypercall through the page reads and writes RAX/RCX/RDX on every call). */
static void vcpu_sync_regs_out(struct vcpu *v)
{
	if (v->regs_dirty && (v->run->kvm_valid_regs & KVM_SYNC_X86_REGS)) {
		v->run->s.regs.regs = v->regs;
		v->run->kvm_dirty_regs |= KVM_SYNC_X86_REGS;
		v->regs_dirty = false;
	}
}

static void vcpu_sync_regs_in(struct vcpu *v)
{
	if (!(v->run->kvm_valid_regs & KVM_SYNC_X86_REGS))
		return;
	if (v->run->kvm_dirty_regs & KVM_SYNC_X86_REGS) {
		/* KVM returned before loading them (an AP still waiting for SIPI returns early):
		 * v->regs still holds the values to write; retry them on the next entry. */
		v->run->kvm_dirty_regs &= ~KVM_SYNC_X86_REGS;
		v->regs_dirty = true;
		v->regs_valid = true;
	} else {
		v->regs_in_run = true; /* vcpu_regs() copies them on first use */
	}
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	sigset_t set;

	__atomic_store_n(&v->tid, (int)gettid(), __ATOMIC_RELAXED);
	/* Only this thread's kick signal may interrupt KVM_RUN. */
	sigfillset(&set);
	sigdelset(&set, VCPU_KICK_SIGNAL);
	pthread_sigmask(SIG_SETMASK, &set, NULL);
	/* Guest-driven code runs from here on: under the seccomp allow-list (issue 8). */
	if (sandbox_thread_enter()) {
		pr_err("vCPU %u: cannot enter the seccomp sandbox: %s; use --sandbox=off", v->index,
		       strerror(errno));
		vm_stop(vm, EXIT_INTERNAL);
		return NULL;
	}

	/* vm_vcpu_park: parks while the VM is paused (QMP stop, gdbstub), before the cached
	 * registers are written back so that a debugger's edits reach KVM. */
	while (vm_vcpu_park(vm)) {
		int r;

		if (vm->irqchip) /* kernel-irqchip=split: the 8259's ExtINT */
			irqchip_pre_run(vm->irqchip, v);
		/* Announce guest entry before looking at other threads' requests: the remote TLB
		 * flush handshake (vcpu.h, in_guest) relies on this order. */
		__atomic_store_n(&v->in_guest, 1, __ATOMIC_SEQ_CST);
		if (vm->hooks.vcpu_pre_run)
			vm->hooks.vcpu_pre_run(v);
		vcpu_sync_regs_out(v);
		r = vcpu_regs_flush(v);
		if (r == 0)
			r = kvm_run(v->fd);
		__atomic_store_n(&v->in_guest, 0, __ATOMIC_SEQ_CST);
		vcpu_regs_invalidate(v);
		vcpu_sync_regs_in(v);
		if (r == -EINTR || r == -EAGAIN) {
			__atomic_store_n(&v->run->immediate_exit, 0, __ATOMIC_RELEASE);
			v->stats.exits[KVM_EXIT_INTR]++;
			continue;
		}
		if (r < 0) {
			pr_err("vCPU %u: KVM_RUN: %s", v->index, strerror(-r));
			vm_stop(vm, EXIT_INTERNAL);
			break;
		}
		/* Batched device writes go to the devices before the next device access; the
		 * Hyper-V MSR exits never reach a device and skip the ring's cache line. */
		if (v->run->exit_reason != KVM_EXIT_X86_RDMSR &&
		    v->run->exit_reason != KVM_EXIT_X86_WRMSR)
			vm_coalesced_flush(vm, v);
		if (vcpu_handle_exit(v, v->run) == EXIT_ACT_STOP)
			break;
	}
	vm_vcpu_thread_exit(vm);
	return NULL;
}

int vcpu_start(struct vcpu *v)
{
	int r;

	v->run->immediate_exit = 0;
	if (v->vm->caps.val[KC_SYNC_REGS] & KVM_SYNC_X86_REGS)
		v->run->kvm_valid_regs = KVM_SYNC_X86_REGS;
	vm_vcpu_thread_enter(v->vm);
	r = pthread_create(&v->thread, NULL, vcpu_thread, v);
	if (r) {
		vm_vcpu_thread_exit(v->vm);
		pr_err("vCPU %u: creating its thread: %s", v->index, strerror(r));
		return -r;
	}
	v->thread_started = true;
	return 0;
}

void vcpu_join(struct vcpu *v)
{
	if (v->thread_started) {
		pthread_join(v->thread, NULL);
		v->thread_started = false;
	}
}

void vcpu_destroy(struct vcpu *v)
{
	vcpu_join(v);
	if (v->vm && v->vm->hooks.vcpu_destroy)
		v->vm->hooks.vcpu_destroy(v);
	if (v->run)
		munmap(v->run, v->run_size);
	v->run = NULL;
	free(v->stats.pio);
	v->stats.pio = NULL;
	if (v->dirty_ring)
		munmap(v->dirty_ring, DIRTY_RING_ENTRIES * sizeof(*v->dirty_ring));
	v->dirty_ring = NULL;
	/* The vCPU fd is closed last, after everything that refers to it. */
	if (v->fd >= 0)
		close(v->fd);
	v->fd = -1;
}
