/* QEMU's pc-testdev; see pc_testdev.h. */
#include "vmm/dev/pc_testdev.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "vmm/bus.h"
#include "vmm/guest_mem.h"
#include "vmm/log.h"

#define PAGE_SIZE 4096u

/* Ports 0xe0 and 0xe8: one 32-bit register, an access of len bytes at byte offset off
 * touches bytes off..off+len-1 (the bus delivers only accesses wholly inside the range). */
static void testdev_ioport(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			   unsigned len, bool is_write)
{
	struct pc_testdev *d = opaque;
	unsigned shift = (unsigned)offset * 8;
	uint32_t mask = (len >= 4 ? ~0u : (1u << (len * 8)) - 1) << shift;
	uint32_t old, val;

	(void)vcpu;
	if (!is_write) {
		old = __atomic_load_n(&d->ioport_data, __ATOMIC_RELAXED);
		bus_data_put(data, len, (old & mask) >> shift);
		return;
	}
	val = (uint32_t)(bus_data_get(data, len) << shift) & mask;
	old = __atomic_load_n(&d->ioport_data, __ATOMIC_RELAXED);
	while (!__atomic_compare_exchange_n(&d->ioport_data, &old, (old & ~mask) | val, false,
					    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

/* Port 0xe4: unmapping and remapping the host page makes KVM drop its translation (MMU
 * notifier), so the guest's next access to the page faults into KVM again; the contents
 * stay. A GPA outside RAM is ignored. */
static void testdev_flush(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			  unsigned len, bool is_write)
{
	struct pc_testdev *d = opaque;
	uint64_t gpa;
	void *page;

	(void)vcpu;
	if (!is_write) {
		bus_data_put(data, len, 0);
		return;
	}
	if (offset != 0 || len != 4 || !d->gm)
		return;
	gpa = bus_data_get(data, len) & ~(uint64_t)(PAGE_SIZE - 1);
	page = gm_ptr_rw(d->gm, gpa, PAGE_SIZE);
	if (!page || ((uintptr_t)page & (PAGE_SIZE - 1)))
		return;
	if (mprotect(page, PAGE_SIZE, PROT_NONE) == 0)
		mprotect(page, PAGE_SIZE, PROT_READ | PROT_WRITE);
	__atomic_add_fetch(&d->flushes, 1, __ATOMIC_RELAXED);
}

/* Ports 0x2000-0x2017: one byte per ISA interrupt line. */
static void testdev_irq(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			unsigned len, bool is_write)
{
	struct pc_testdev *d = opaque;
	struct irq_line line = d->irq;

	(void)vcpu;
	if (!is_write) {
		bus_data_put(data, len, 0);
		return;
	}
	if (len != 1 || offset >= PC_TESTDEV_IRQ_LINES)
		return;
	line.gsi = (unsigned)offset;
	irq_line_set(&line, bus_data_get(data, len) != 0);
}

/* MMIO 0xff000000: scratch memory. */
static void testdev_iomem(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data,
			  unsigned len, bool is_write)
{
	struct pc_testdev *d = opaque;

	(void)vcpu;
	if (offset >= PC_TESTDEV_IOMEM_LEN || len > PC_TESTDEV_IOMEM_LEN - offset)
		return;
	if (is_write)
		memcpy(&d->iomem[offset], data, len);
	else
		memcpy(data, &d->iomem[offset], len);
}

int pc_testdev_init(struct pc_testdev *d, const struct pc_testdev_config *cfg)
{
	if (!d || !cfg)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->gm = cfg->gm;
	d->irq = cfg->irq;
	return 0;
}

int pc_testdev_register(struct pc_testdev *d, struct bus *pio, struct bus *mmio)
{
	static const struct {
		uint16_t base, len;
		bus_io_fn fn;
		const char *name;
	} ports[] = {
		{ PC_TESTDEV_IOPORT, 4, testdev_ioport, "pc-testdev-ioport" },
		{ PC_TESTDEV_FLUSH, 4, testdev_flush, "pc-testdev-flush-page" },
		{ PC_TESTDEV_IOPORT_BYTE, 4, testdev_ioport, "pc-testdev-ioport-byte" },
		{ PC_TESTDEV_IRQ, PC_TESTDEV_IRQ_LINES, testdev_irq, "pc-testdev-irq-line" },
	};
	int r;

	for (size_t i = 0; i < ARRAY_SIZE(ports); i++) {
		r = bus_register(pio, ports[i].base, ports[i].len, ports[i].fn, d, ports[i].name);
		if (r)
			return r;
	}
	return bus_register(mmio, PC_TESTDEV_IOMEM, PC_TESTDEV_IOMEM_LEN, testdev_iomem, d,
			    "pc-testdev-iomem");
}
