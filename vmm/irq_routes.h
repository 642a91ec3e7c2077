/* The VM's GSI routing table, kept in one place: KVM_SET_GSI_ROUTING replaces the whole table,
 * so every user (the PIC/IOAPIC routes of vm.c, the Hyper-V SINT routes of hyperv/hv_kernel.c)
 * appends entries here and irq_routes_commit() hands KVM the complete table. Pure apart from
 * the one ioctl (through vmm/kvm.c). Not locked: callers build the table while the VM is built
 * (main thread), before vCPU threads run. */
#ifndef ENLIGHT_IRQ_ROUTES_H
#define ENLIGHT_IRQ_ROUTES_H

#include <linux/kvm.h>
#include <stdint.h>

/* KVM's limit on routing entries (KVM_MAX_IRQ_ROUTES in include/linux/kvm_host.h, x86). */
#define IRQ_ROUTES_MAX 4096

struct irq_routes {
	struct kvm_irq_routing_entry *e;
	unsigned n, cap;
	uint32_t next_gsi; /* first GSI irq_routes_alloc_gsi() may hand out */
};

/* Empty the table; GSIs below first_free_gsi are the fixed (IOAPIC) ones. Keeps the buffer. */
void irq_routes_reset(struct irq_routes *t, uint32_t first_free_gsi);
void irq_routes_free(struct irq_routes *t);
/* Append one entry: 0, -ENOSPC (IRQ_ROUTES_MAX) or -ENOMEM. */
int irq_routes_add(struct irq_routes *t, const struct kvm_irq_routing_entry *e);
/* A GSI no entry uses yet, >= first_free_gsi: >= 0 or -ENOSPC. */
int irq_routes_alloc_gsi(struct irq_routes *t);
/* Drop every entry of this GSI: the number dropped. */
unsigned irq_routes_remove_gsi(struct irq_routes *t, uint32_t gsi);
/* KVM_SET_GSI_ROUTING with the whole table: 0 or -errno. */
int irq_routes_commit(const struct irq_routes *t, int vm_fd);

#endif
