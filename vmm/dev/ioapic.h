/* I/O APIC for kernel-irqchip=split: the 82093AA register interface (Intel 82093AA I/O
 * Advanced Programmable Interrupt Controller datasheet, §3) in the ICH9 flavour (version
 * 0x20, 24 redirection entries, EOI register at offset 0x40; ICH9 datasheet §13.5).
 *
 * Interrupts leave as MSIs (Intel SDM Vol. 3A §11.11): the machine sends them with
 * KVM_SIGNAL_MSI to the in-kernel LAPICs through cfg.deliver. A level-triggered entry sets
 * Remote IRR when delivered and is not sent again until the EOI of its vector comes back
 * (KVM_EXIT_IOAPIC_EOI -> ioapic_eoi()). Because KVM learns which vectors must exit on EOI
 * from the MSI routes of GSIs 0..23 (arch/x86/kvm/irq_comm.c kvm_scan_ioapic_routes), the
 * machine re-installs those routes whenever cfg.route_changed reports an entry change.
 *
 * Pure: no threads; the caller serialises all calls (the bus handler takes cfg.lock). */
#ifndef ENLIGHT_DEV_IOAPIC_H
#define ENLIGHT_DEV_IOAPIC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct bus;

#define IOAPIC_BASE    0xFEC00000u
#define IOAPIC_SIZE    0x1000
#define IOAPIC_PINS    24
#define IOAPIC_VERSION 0x20

/* MMIO offsets (82093AA §3.0; EOI register: ICH9 §13.5.5). */
#define IOAPIC_IOREGSEL 0x00
#define IOAPIC_IOWIN    0x10
#define IOAPIC_EOI      0x40

/* Indirect registers (82093AA §3.2). */
#define IOAPIC_REG_ID     0x00
#define IOAPIC_REG_VER    0x01
#define IOAPIC_REG_ARB    0x02
#define IOAPIC_REG_REDTBL 0x10 /* entry n: low dword at 0x10 + 2n, high at 0x11 + 2n */

/* Redirection entry fields (82093AA §3.2.4). */
#define IOAPIC_RTE_VECTOR      0xffull
#define IOAPIC_RTE_DM_SHIFT    8
#define IOAPIC_RTE_DM_MASK     (7ull << IOAPIC_RTE_DM_SHIFT)
#define IOAPIC_RTE_DESTMODE    (1ull << 11) /* 1 = logical */
#define IOAPIC_RTE_DELIVS      (1ull << 12) /* read-only */
#define IOAPIC_RTE_POLARITY    (1ull << 13) /* 1 = active low */
#define IOAPIC_RTE_REMOTE_IRR  (1ull << 14) /* read-only */
#define IOAPIC_RTE_LEVEL       (1ull << 15)
#define IOAPIC_RTE_MASKED      (1ull << 16)
#define IOAPIC_RTE_DEST_SHIFT  56
#define IOAPIC_RTE_RO          (IOAPIC_RTE_DELIVS | IOAPIC_RTE_REMOTE_IRR)

enum ioapic_delivery_mode {
	IOAPIC_DM_FIXED = 0,
	IOAPIC_DM_LOWEST = 1,
	IOAPIC_DM_SMI = 2,
	IOAPIC_DM_NMI = 4,
	IOAPIC_DM_INIT = 5,
	IOAPIC_DM_EXTINT = 7,
};

/* MSI address and data (Intel SDM Vol. 3A §11.11.1, §11.11.2). */
#define MSI_ADDR_BASE        0xFEE00000u
#define MSI_ADDR_DEST_SHIFT  12
#define MSI_ADDR_DESTMODE    (1u << 2)
#define MSI_DATA_DM_SHIFT    8
#define MSI_DATA_LEVEL       (1u << 15)

struct ioapic_config {
	/* Send one MSI; returns 0 or -errno (logged by the caller, the entry stays delivered). */
	int (*deliver)(void *opaque, uint64_t address, uint32_t data);
	/* An entry's MSI (or mask) changed: the machine updates GSI pin's route. May be NULL. */
	void (*route_changed)(void *opaque, unsigned pin);
	/* ExtINT entries take their vector from the 8259 (INTA cycle): >= 0 or -1 for none.
	 * NULL: ExtINT entries are never delivered. */
	int (*extint_vector)(void *opaque);
	void *opaque;
	pthread_mutex_t *lock; /* taken around MMIO accesses from the bus; may be NULL */
};

struct ioapic {
	struct ioapic_config cfg;
	uint32_t ioregsel;
	uint8_t id;                    /* 4 bits */
	uint64_t redtbl[IOAPIC_PINS];
	uint32_t irr;                  /* pending requests: latched edges, asserted level lines */
	uint32_t line;                 /* input pin levels as last set */
	uint64_t delivered, eois;      /* counters for --stats and tests */
};

void ioapic_init(struct ioapic *s, const struct ioapic_config *cfg);
/* RESET: every entry masked, edge, vector 0; ID 0; pending requests dropped. */
void ioapic_reset(struct ioapic *s);
/* Claims [IOAPIC_BASE, +IOAPIC_SIZE) on the MMIO bus: bus_register()'s error.
 * ioapic_mmio() is the same access without cfg.lock. */
int ioapic_register(struct ioapic *s, struct bus *mmio);
void ioapic_mmio(struct ioapic *s, uint64_t offset, void *data, unsigned len, bool is_write);

/* The input pin's level (1 = asserted; polarity is the board's business, as in QEMU and KVM).
 * Edge entries trigger on 0->1 and ignore edges while masked (82093AA §3.2.4); level entries
 * stay pending while the line is high. */
void ioapic_set_irq(struct ioapic *s, unsigned pin, int level);
/* The EOI of vector (KVM_EXIT_IOAPIC_EOI or the EOI register): clears Remote IRR of every
 * level entry with this vector and re-delivers those whose line is still asserted. */
void ioapic_eoi(struct ioapic *s, uint8_t vector);

/* The MSI an entry sends (SDM Vol. 3A §11.11): address and data. */
void ioapic_entry_msi(uint64_t entry, uint64_t *address, uint32_t *data);
static inline bool ioapic_entry_masked(const struct ioapic *s, unsigned pin)
{
	return pin >= IOAPIC_PINS || (s->redtbl[pin] & IOAPIC_RTE_MASKED);
}

#endif
