/* Coalesced MMIO/PIO: KVM appends guest writes to marked regions into a ring inside the
 * kvm_run mapping instead of exiting; enlight replays them in order, before it handles the
 * next exit (so a later read sees every earlier write), as QEMU's kvm_flush_coalesced_mmio_buffer. */
#include <errno.h>

#include "vmm/kvm.h"
#include "vmm/vm.h"

/* The ring fills the rest of its page (linux/kvm.h KVM_COALESCED_MMIO_MAX with 4 KiB pages). */
#define COALESCED_MAX \
	((4096 - sizeof(struct kvm_coalesced_mmio_ring)) / sizeof(struct kvm_coalesced_mmio))

int vm_coalesce(struct vm *vm, uint64_t addr, uint32_t size, bool pio)
{
	if (!vm->caps.val[pio ? KC_COALESCED_PIO : KC_COALESCED_MMIO])
		return -EOPNOTSUPP;
	if (vm->ncoalesced == ARRAY_SIZE(vm->coalesced_zones))
		return -ENOSPC;
	vm->coalesced_zones[vm->ncoalesced++] =
		(struct kvm_coalesced_mmio_zone){ .addr = addr, .size = size, .pio = pio };
	return vm->vm_fd >= 0 ? kvm_register_coalesced_mmio(vm->vm_fd, addr, size, pio) : 0;
}

int vm_coalesced_register_all(struct vm *vm)
{
	for (unsigned i = 0; i < vm->ncoalesced; i++) {
		const struct kvm_coalesced_mmio_zone *z = &vm->coalesced_zones[i];
		int r = kvm_register_coalesced_mmio(vm->vm_fd, z->addr, z->size, z->pio);

		if (r)
			return r;
	}
	return 0;
}

void vm_coalesced_flush(struct vm *vm, struct vcpu *v)
{
	struct kvm_coalesced_mmio_ring *ring = vm->coalesced_ring;

	/* Lock-free check: the common case is an empty ring. */
	if (!ring || __atomic_load_n(&ring->first, __ATOMIC_ACQUIRE) ==
			     __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&vm->coalesced_lock);
	while (ring->first != __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE)) {
		struct kvm_coalesced_mmio *e = &ring->coalesced_mmio[ring->first % COALESCED_MAX];
		uint32_t len = e->len <= sizeof(e->data) ? e->len : sizeof(e->data);

		bus_access(e->pio ? &vm->pio : &vm->mmio, v, e->phys_addr, e->data, len, true);
		__atomic_store_n(&ring->first, (ring->first + 1) % COALESCED_MAX, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&vm->coalesced_lock);
}
