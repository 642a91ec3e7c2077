#include "vmm/guest_mem.h"

#include <errno.h>
#include <string.h>

int gm_add_slot(struct guest_mem *gm, uint64_t gpa, uint64_t size, void *hva, bool readonly)
{
	if (size == 0 || gpa + (size - 1) < gpa)
		return -EINVAL;
	if (gm->count == GM_MAX_SLOTS)
		return -ENOSPC;
	for (unsigned i = 0; i < gm->count; i++) {
		const struct gm_slot *s = &gm->slots[i];

		if (gpa <= s->gpa + (s->size - 1) && s->gpa <= gpa + (size - 1))
			return -EEXIST;
	}
	gm->slots[gm->count++] = (struct gm_slot){ gpa, size, hva, readonly };
	if (!readonly)
		gm->ram_size += size;
	return 0;
}

static const struct gm_slot *gm_lookup(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	if (len == 0 || gpa + (len - 1) < gpa)
		return NULL;
	for (unsigned i = 0; i < gm->count; i++) {
		const struct gm_slot *s = &gm->slots[i];

		if (gpa >= s->gpa && gpa - s->gpa < s->size && len <= s->size - (gpa - s->gpa))
			return s;
	}
	return NULL;
}

void *gm_ptr(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	const struct gm_slot *s = gm_lookup(gm, gpa, len);

	return s ? s->hva + (gpa - s->gpa) : NULL;
}

void *gm_ptr_rw(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	const struct gm_slot *s = gm_lookup(gm, gpa, len);

	return s && !s->readonly ? s->hva + (gpa - s->gpa) : NULL;
}

bool gm_is_ram(const struct guest_mem *gm, uint64_t gpa, uint64_t len)
{
	return gm_ptr_rw(gm, gpa, len) != NULL;
}

int gm_read(const struct guest_mem *gm, uint64_t gpa, void *dst, uint64_t len)
{
	const void *p = gm_ptr(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(dst, p, len);
	return 0;
}

int gm_write(const struct guest_mem *gm, uint64_t gpa, const void *src, uint64_t len)
{
	void *p = gm_ptr_rw(gm, gpa, len);

	if (!p)
		return -EFAULT;
	memcpy(p, src, len);
	return 0;
}
