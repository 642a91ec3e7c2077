#include "vmm/vm_dirty.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_SHIFT 12

int vm_dirty_init(struct vm_dirty *d, const struct guest_mem *gm, bool use_ring)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->lock, NULL);
	d->use_ring = use_ring;
	for (unsigned i = 0; i < gm->count; i++) {
		d->pages[i] = gm->slots[i].size >> PAGE_SHIFT;
		d->bits[i] = calloc((d->pages[i] + 63) / 64, sizeof(uint64_t));
		if (!d->bits[i]) {
			vm_dirty_destroy(d);
			return -ENOMEM;
		}
	}
	d->enabled = true;
	return 0;
}

void vm_dirty_destroy(struct vm_dirty *d)
{
	for (unsigned i = 0; i < GM_MAX_SLOTS; i++) {
		free(d->bits[i]);
		d->bits[i] = NULL;
	}
	if (d->enabled)
		pthread_mutex_destroy(&d->lock);
	d->enabled = false;
}

static void mark(struct vm_dirty *d, uint32_t slot, uint64_t page)
{
	/* KVM's slot id carries the address space in bits 31:16; enlight uses space 0 only. */
	if (slot >= GM_MAX_SLOTS || !d->bits[slot] || page >= d->pages[slot])
		return;
	d->bits[slot][page / 64] |= 1ull << (page % 64);
}

unsigned vm_dirty_collect_ring(struct vm_dirty *d, struct kvm_dirty_gfn *ring, uint32_t entries,
			       uint32_t *next)
{
	unsigned n = 0;

	pthread_mutex_lock(&d->lock);
	for (;;) {
		struct kvm_dirty_gfn *e = &ring[*next & (entries - 1)];
		/* KVM publishes an entry by setting DIRTY last (Documentation/virt/kvm/api.rst,
		 * KVM_CAP_DIRTY_LOG_RING): acquire before reading slot/offset. */
		uint32_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

		if (!(flags & KVM_DIRTY_GFN_F_DIRTY) || n == entries)
			break;
		mark(d, e->slot, e->offset);
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
		(*next)++;
		n++;
	}
	pthread_mutex_unlock(&d->lock);
	return n;
}

void vm_dirty_merge_bitmap(struct vm_dirty *d, unsigned slot, const uint64_t *bitmap)
{
	if (slot >= GM_MAX_SLOTS || !d->bits[slot])
		return;
	pthread_mutex_lock(&d->lock);
	for (uint64_t w = 0; w < (d->pages[slot] + 63) / 64; w++)
		d->bits[slot][w] |= bitmap[w];
	pthread_mutex_unlock(&d->lock);
}

uint64_t vm_dirty_harvest_set(struct vm_dirty *d, const struct guest_mem *gm,
			      void (*fn)(void *opaque, uint64_t gpa), void *opaque)
{
	uint64_t count = 0;

	pthread_mutex_lock(&d->lock);
	for (unsigned s = 0; s < gm->count && s < GM_MAX_SLOTS; s++) {
		for (uint64_t w = 0; d->bits[s] && w < (d->pages[s] + 63) / 64; w++) {
			uint64_t word = d->bits[s][w];

			d->bits[s][w] = 0;
			while (word) {
				uint64_t page = w * 64 + (uint64_t)__builtin_ctzll(word);

				word &= word - 1;
				count++;
				if (fn)
					fn(opaque, gm->slots[s].gpa + (page << PAGE_SHIFT));
			}
		}
	}
	pthread_mutex_unlock(&d->lock);
	return count;
}

/* The KVM side (through vmm/kvm.c, so unit tests can drive it with the recording fake). */
#include "vmm/kvm.h"
#include "vmm/vm.h"

int vcpu_dirty_collect(struct vcpu *v)
{
	struct vm *vm = v->vm;

	if (!v->dirty_ring)
		return 0;
	if (vm_dirty_collect_ring(&vm->dirty, v->dirty_ring, DIRTY_RING_ENTRIES, &v->dirty_next))
		return kvm_reset_dirty_rings(vm->vm_fd) < 0 ? -EIO : 0;
	return 0;
}

/* Pull what KVM holds into the dirty set, without clearing the set. */
static int vm_dirty_sync(struct vm *vm)
{
	int r = 0;

	if (vm->dirty.use_ring) {
		for (unsigned i = 0; i < vm->nvcpus && !r; i++)
			r = vcpu_dirty_collect(&vm->vcpus[i]);
		return r;
	}
	for (unsigned s = 0; s < vm->mem.count && !r; s++) {
		uint64_t *bm = calloc((vm->dirty.pages[s] + 63) / 64, sizeof(uint64_t));

		if (!bm)
			return -ENOMEM;
		r = kvm_get_dirty_log(vm->vm_fd, s, bm);
		if (!r)
			vm_dirty_merge_bitmap(&vm->dirty, s, bm);
		free(bm);
	}
	return r;
}

int64_t vm_dirty_harvest(struct vm *vm, void (*fn)(void *opaque, uint64_t gpa), void *opaque)
{
	int r;

	if (!vm->dirty.enabled)
		return -ENODEV;
	r = vm_dirty_sync(vm);
	if (r)
		return r;
	return (int64_t)vm_dirty_harvest_set(&vm->dirty, &vm->mem, fn, opaque);
}

int vm_dirty_enable(struct vm *vm)
{
	uint32_t bytes = DIRTY_RING_ENTRIES * sizeof(struct kvm_dirty_gfn);
	int r;

	if (!vm->dirty.enabled) {
		/* KVM_CHECK_EXTENSION(KVM_CAP_DIRTY_LOG_RING) is the largest ring in bytes. */
		r = vm_dirty_init(&vm->dirty, &vm->mem,
				  (uint32_t)vm->caps.val[KC_DIRTY_LOG_RING] >= bytes);
		if (r)
			return r;
	}
	/* The ring must be enabled before any vCPU exists (api.rst, KVM_CAP_DIRTY_LOG_RING). */
	if (vm->dirty.use_ring)
		return kvm_enable_cap(vm->vm_fd, KVM_CAP_DIRTY_LOG_RING, bytes, 0);
	return 0;
}

int vm_dirty_sync_before_teardown(struct vm *vm)
{
	return vm->dirty.enabled ? vm_dirty_sync(vm) : 0;
}
