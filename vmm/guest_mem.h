/* Guest-physical memory: the one checked translation (issue 8). Nothing else turns a GPA
 * into a host pointer. A range is valid only when it lies wholly inside one RAM slot, does
 * not wrap past 2^64 and so never reaches into an MMIO hole. */
#ifndef ENLIGHT_GUEST_MEM_H
#define ENLIGHT_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GM_MAX_SLOTS 8

struct gm_slot {
	uint64_t gpa;
	uint64_t size;
	uint8_t *hva;
	bool readonly; /* ROM: the guest cannot write it (KVM_MEM_READONLY) */
};

struct guest_mem {
	struct gm_slot slots[GM_MAX_SLOTS];
	unsigned count;
	uint64_t ram_size; /* RAM bytes (without ROM) */
};

/* -EINVAL size 0 or wraps, -EEXIST overlaps, -ENOSPC too many slots. */
int gm_add_slot(struct guest_mem *gm, uint64_t gpa, uint64_t size, void *hva, bool readonly);

/* Host pointer for [gpa, gpa+len) or NULL when any byte is outside one slot. len 0 is NULL. */
void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len);
/* Like gm_ptr but refuses read-only slots: for guest-visible writes by devices. */
void *gm_ptr_rw(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

/* 0 or -EFAULT. */
int gm_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len);
int gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len);

bool gm_is_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len);

#endif
