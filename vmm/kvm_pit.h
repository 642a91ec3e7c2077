/* The in-kernel 8254 PIT (KVM_CREATE_PIT2) with kernel-irqchip=on, created at the guest's
 * first access to its ports instead of with the VM.
 *
 * Why: tearing down an in-kernel PIT costs two SRCU grace periods (kvm_pit_set_reinject
 * unregisters its IRQ ack and mask notifiers, each with synchronize_srcu on irq_srcu):
 * 14-16 ms on this project's host, the larger part of a short run (make bench). Most
 * enlight payloads never touch the PIT; guests that do (SeaBIOS, Linux, Windows) get it at
 * their first access and see no difference.
 *
 * Until then ports 0x40-0x43 and 0x61 exit to user space. The first access creates the PIT
 * (and, with -global kvm-pit.lost_tick_policy=discard, turns reinjection off), then is
 * applied to the new PIT's state with KVM's own port semantics (kvm_pit_state_access, on
 * KVM_GET_PIT2/KVM_SET_PIT2). From then on KVM handles the ports itself. One difference
 * from a PIT that existed all along: KVM_SET_PIT2 reloads every counter, so a first access
 * that is a mode-set control word for channel 0 starts channel 0 counting 65536 at once
 * (guests write the count right after; a PIT created at start-up would wait for it).
 */
#ifndef ENLIGHT_KVM_PIT_H
#define ENLIGHT_KVM_PIT_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vmm/devif.h"

struct bus;

#define KVM_PIT_PORT_BASE	0x40	/* counters 0-2 and the control word (0x43) */
#define KVM_PIT_PORT_COUNT	4
#define KVM_PIT_PORT_SPEAKER	0x61	/* NMI_SC: channel 2 gate and out, speaker data */

struct kvm_pit_lazy_config {
	const int *vm_fd;	/* the VM's fd; a reset that rebuilds the VM changes it */
	struct vm_ctl ctl;	/* a failed creation stops the VM (status 3) */
	struct clock_src clock;	/* port 0x61's refresh-clock bit */
	bool discard;		/* -global kvm-pit.lost_tick_policy=discard */
};

struct kvm_pit_lazy {
	struct kvm_pit_lazy_config cfg;
	pthread_mutex_t lock;
	bool created;
};

void kvm_pit_lazy_init(struct kvm_pit_lazy *p, const struct kvm_pit_lazy_config *cfg);
/* Ports 0x40-0x43 and 0x61 on the port bus: bus_register()'s error. */
int kvm_pit_lazy_register(struct kvm_pit_lazy *p, struct bus *pio);
/* A new KVM VM (start, reset): it has no PIT until the guest's next access. */
void kvm_pit_lazy_vm_rebuilt(struct kvm_pit_lazy *p);
void kvm_pit_lazy_destroy(struct kvm_pit_lazy *p);

/* KVM's port semantics (arch/x86/kvm/i8254.c: pit_ioport_read/write, speaker_ioport_*)
 * applied to a KVM_GET_PIT2 state whose counters were just (re)loaded, as KVM_SET_PIT2
 * will make them: counts and outputs are those at zero elapsed time. port is 0x40-0x43 or
 * 0x61; returns the byte a read gives (0 for writes). now_ns drives 0x61's refresh bit. */
uint8_t kvm_pit_state_access(struct kvm_pit_state2 *st, uint16_t port, uint8_t val,
			     bool is_write, uint64_t now_ns);

#endif
