/* Dirty page tracking: KVM's per-vCPU dirty ring (KVM_CAP_DIRTY_LOG_RING) where KVM offers
 * it, else the per-slot dirty bitmap (KVM_GET_DIRTY_LOG). Both feed one bitmap per memory
 * slot; vm_dirty_harvest reports and clears it. Enabled with --dirty-pages (which prints
 * the count at exit); off by default because logging write-protects guest memory. */
#ifndef ENLIGHT_VM_DIRTY_H
#define ENLIGHT_VM_DIRTY_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/guest_mem.h"

#define DIRTY_RING_ENTRIES 4096 /* power of two (KVM requirement); 64 KiB per vCPU */

struct vm_dirty {
	bool enabled;
	bool use_ring;
	pthread_mutex_t lock;
	uint64_t *bits[GM_MAX_SLOTS]; /* one bit per 4 KiB page of each slot */
	uint64_t pages[GM_MAX_SLOTS];
};

int vm_dirty_init(struct vm_dirty *d, const struct guest_mem *gm, bool use_ring);
void vm_dirty_destroy(struct vm_dirty *d);

/* Ring: collect every dirty entry from *next on, mark them for reset (KVM_DIRTY_GFN_F_RESET),
 * advance *next; returns how many were collected (the caller then issues
 * KVM_RESET_DIRTY_RINGS). Entries naming an unknown slot or an offset past it are ignored. */
unsigned vm_dirty_collect_ring(struct vm_dirty *d, struct kvm_dirty_gfn *ring, uint32_t entries,
			       uint32_t *next);
/* Bitmap: OR a KVM_GET_DIRTY_LOG bitmap for slot into the set. */
void vm_dirty_merge_bitmap(struct vm_dirty *d, unsigned slot, const uint64_t *bitmap);
/* Call fn(gpa) for every dirty page and clear the set; returns the count. */
uint64_t vm_dirty_harvest_set(struct vm_dirty *d, const struct guest_mem *gm,
			      void (*fn)(void *opaque, uint64_t gpa), void *opaque);

#endif
