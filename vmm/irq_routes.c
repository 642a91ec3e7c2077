#include "vmm/irq_routes.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/kvm.h"

void irq_routes_reset(struct irq_routes *t, uint32_t first_free_gsi)
{
	t->n = 0;
	t->next_gsi = first_free_gsi;
}

void irq_routes_free(struct irq_routes *t)
{
	free(t->e);
	memset(t, 0, sizeof(*t));
}

int irq_routes_add(struct irq_routes *t, const struct kvm_irq_routing_entry *e)
{
	if (t->n >= IRQ_ROUTES_MAX)
		return -ENOSPC;
	if (t->n == t->cap) {
		unsigned cap = t->cap ? t->cap * 2 : 64;
		struct kvm_irq_routing_entry *ne = realloc(t->e, cap * sizeof(*ne));

		if (!ne)
			return -ENOMEM;
		t->e = ne;
		t->cap = cap;
	}
	t->e[t->n++] = *e;
	return 0;
}

static bool gsi_used(const struct irq_routes *t, uint32_t gsi)
{
	for (unsigned i = 0; i < t->n; i++)
		if (t->e[i].gsi == gsi)
			return true;
	return false;
}

int irq_routes_alloc_gsi(struct irq_routes *t)
{
	for (uint32_t gsi = t->next_gsi; gsi < IRQ_ROUTES_MAX; gsi++)
		if (!gsi_used(t, gsi))
			return (int)gsi;
	return -ENOSPC;
}

unsigned irq_routes_remove_gsi(struct irq_routes *t, uint32_t gsi)
{
	unsigned k = 0, dropped;

	for (unsigned i = 0; i < t->n; i++)
		if (t->e[i].gsi != gsi)
			t->e[k++] = t->e[i];
	dropped = t->n - k;
	t->n = k;
	return dropped;
}

int irq_routes_commit(const struct irq_routes *t, int vm_fd)
{
	struct kvm_irq_routing *rt;
	int r;

	rt = calloc(1, sizeof(*rt) + t->n * sizeof(rt->entries[0]));
	if (!rt)
		return -ENOMEM;
	rt->nr = t->n;
	if (t->n)
		memcpy(rt->entries, t->e, t->n * sizeof(rt->entries[0]));
	r = kvm_set_gsi_routing(vm_fd, rt);
	free(rt);
	return r < 0 ? r : 0;
}
