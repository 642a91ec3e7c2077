/* What a device may ask of the machine, passed in at init: no globals (STYLE.md point 8).
 * Devices and Hyper-V code reach the machine only through these. */
#ifndef ENLIGHT_DEVIF_H
#define ENLIGHT_DEVIF_H

#include <stdint.h>

/* An interrupt line to the in-kernel IOAPIC/PIC (KVM_IRQ_LINE on gsi). */
struct irq_line {
	void (*set)(void *opaque, unsigned gsi, int level);
	void *opaque;
	unsigned gsi;
};

static inline void irq_line_set(const struct irq_line *l, int level)
{
	if (l && l->set)
		l->set(l->opaque, l->gsi, level);
}

/* Machine-level requests; the run loop acts on them after the current exit. */
enum vm_request {
	VM_REQ_POWEROFF,  /* ACPI S5, QMP quit: exit status 0 */
	VM_REQ_RESET,     /* 0xCF9, i8042, port 0x92, hv-reset; with -no-reboot: stop */
	VM_REQ_EXIT,      /* isa-debug-exit: process exits with `status` */
	VM_REQ_PANIC,     /* guest crash notification (hv-crash): status EXIT_GUEST_CRASH */
};

struct vm_ctl {
	void (*request)(void *opaque, enum vm_request req, int status);
	void *opaque;
};

static inline void vm_ctl_request(const struct vm_ctl *c, enum vm_request req, int status)
{
	if (c && c->request)
		c->request(c->opaque, req, status);
}

/* A clock in nanoseconds (CLOCK_MONOTONIC in the VMM, a fake in tests). */
struct clock_src {
	uint64_t (*now_ns)(void *opaque);
	void *opaque;
};

static inline uint64_t clock_now_ns(const struct clock_src *c)
{
	return c->now_ns(c->opaque);
}

/* Process exit statuses (README "Exit statuses"). */
enum {
	EXIT_POWEROFF = 0,
	EXIT_USAGE = 1,
	EXIT_TRIPLE_FAULT = 2,
	EXIT_INTERNAL = 3,
	EXIT_WATCHDOG = 4,
	EXIT_GUEST_CRASH = 5,
	EXIT_SIGNAL = 6,
};

#endif

