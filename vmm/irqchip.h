/* kernel-irqchip=split: the LAPICs stay in KVM (KVM_CAP_SPLIT_IRQCHIP), the IOAPIC, the
 * 8259 pair and the 8254 PIT run here (vmm/dev/ioapic.c, i8259.c, i8254.c), as QEMU's
 * kernel-irqchip=split. This module joins them to KVM and the machine:
 *
 * - ISA IRQ n goes to PIC input n and IOAPIC pin n, IRQ0 to pin 2 (the MADT's interrupt
 *   source override, the same wiring as vm.c's in-kernel GSI routes).
 * - IOAPIC messages are sent with KVM_SIGNAL_MSI. For level-triggered EOIs to come back
 *   as KVM_EXIT_IOAPIC_EOI, KVM must find the vector in the vCPU's EOI-exit bitmap, which
 *   it builds (arch/x86/kvm/irq_comm.c kvm_scan_ioapic_routes) from the MSI routes of the
 *   GSIs below the reserved IOAPIC pin count (KVM_ENABLE_CAP args[0] = 24) whose data has
 *   the level trigger bit and whose destination matches the vCPU. So GSI n (n < 24) carries
 *   pin n's MSI as a route, re-committed whenever the guest changes the entry (QEMU's
 *   ioapic_update_kvm_routes).
 * - The PIC's INTR reaches vCPU 0 as an ExtINT: before each KVM_RUN, irqchip_pre_run()
 *   injects the acknowledged vector with KVM_INTERRUPT when run->ready_for_interrupt_injection
 *   and run->if_flag allow (KVM's kvm_vcpu_ready_for_interrupt_injection includes its
 *   kvm_cpu_accept_dm_intr: LINT0 unmasked in ExtINT mode or the APIC disabled), else asks
 *   for KVM_EXIT_IRQ_WINDOW_OPEN (QEMU's kvm_arch_pre_run with the PIC in userspace).
 * - The PIT's channel 0 is served by a vtimer on the machine's timer service.
 *
 * Locking: lock covers the PIC and the IOAPIC (device threads raise IRQs, vCPUs access
 * them); pit_lock the PIT, taken before lock (PIT -> IRQ0), never after it. */
#ifndef ENLIGHT_IRQCHIP_H
#define ENLIGHT_IRQCHIP_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/dev/i8254.h"
#include "vmm/dev/i8259.h"
#include "vmm/dev/ioapic.h"
#include "vmm/timer.h"
#include "vmm/vcpu.h"

struct vm;

#define IRQCHIP_IOAPIC_ROUTES IOAPIC_PINS /* KVM_CAP_SPLIT_IRQCHIP args[0] */

struct irqchip {
	struct vm *vm;
	pthread_mutex_t lock;
	struct ioapic ioapic;
	struct i8259 pic;
	pthread_mutex_t pit_lock;
	struct i8254 pit;
	struct vtimer pit_timer;
	/* Under lock: KVM's VM exists with the split irqchip and the routes (irqchip_kvm_setup
	 * until irqchip_kvm_teardown); bsp is vCPU 0 once it ran pre_run. */
	bool kvm_ready;
	struct vcpu *bsp;
	uint64_t injected, msi_errors;
};

/* Creates the chips and claims their ports and MMIO on vm->pio/vm->mmio. 0 or -errno. */
int irqchip_create(struct vm *vm, struct timer_service *timers, struct irqchip **out);
/* After the timer service is destroyed (no PIT callback may run). NULL is fine. */
void irqchip_destroy(struct irqchip *c);
/* System reset (vCPUs stopped): chips to power-on state. */
void irqchip_reset(struct irqchip *c);

/* After KVM_CREATE_VM, instead of KVM_CREATE_IRQCHIP/KVM_CREATE_PIT2: enables
 * KVM_CAP_SPLIT_IRQCHIP with 24 IOAPIC routes, resets vm->routes with the pins' MSI routes
 * and commits them. Prints what failed. */
int irqchip_kvm_setup(struct irqchip *c);
/* Before the KVM VM is torn down: stop sending to it. */
void irqchip_kvm_teardown(struct irqchip *c);

/* struct irq_line's set function (opaque = the irqchip): ISA IRQ gsi (0-15) or IOAPIC GSI
 * (16-23). */
void irqchip_set_irq(void *opaque, unsigned gsi, int level);
/* vCPU thread, before KVM_RUN: ExtINT injection or interrupt-window request (vCPU 0). */
void irqchip_pre_run(struct irqchip *c, struct vcpu *v);
/* KVM_EXIT_IOAPIC_EOI. */
void irqchip_eoi(struct irqchip *c, uint8_t vector);

#endif
