/* Generic PCI configuration space model (see pci.h). */
#include "vmm/dev/pci.h"

#include <errno.h>
#include <string.h>

#include "vmm/log.h"

/* STATUS bits that latch errors and are cleared by writing 1 (PCI Local Bus 3.0 §6.2.3). */
#define PCI_STATUS_W1C_BITS                                                          \
	(PCI_STATUS_PARITY | PCI_STATUS_SIG_TARGET_ABORT | PCI_STATUS_REC_TARGET_ABORT | \
	 PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR |                     \
	 PCI_STATUS_DETECTED_PARITY)

/* COMMAND bits a guest may set; the rest are hard-wired 0 for these devices. */
#define PCI_COMMAND_WRITABLE                                                 \
	(PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_SERR | \
	 PCI_COMMAND_INTX_DISABLE)

/* Start of the device-specific part of config space (PCI Local Bus 3.0 §6.1). */
#define PCI_CONFIG_HEADER_SIZE 0x40

static bool pci_access_ok(unsigned size, unsigned reg, unsigned len)
{
	if (len != 1 && len != 2 && len != 4)
		return false;
	return (reg & (len - 1)) == 0 && reg < size && len <= size - reg;
}

static uint32_t get_le(const uint8_t *p, unsigned len)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < len; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

static void put_le(uint8_t *p, unsigned len, uint32_t v)
{
	for (unsigned i = 0; i < len; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

uint32_t pci_get(const struct pci_device *dev, unsigned reg, unsigned len)
{
	if (len > 4 || reg >= PCI_CONFIG_SIZE_EXP || len > PCI_CONFIG_SIZE_EXP - reg)
		return 0;
	return get_le(&dev->config[reg], len);
}

void pci_set(struct pci_device *dev, unsigned reg, unsigned len, uint32_t val)
{
	if (len > 4 || reg >= PCI_CONFIG_SIZE_EXP || len > PCI_CONFIG_SIZE_EXP - reg)
		return;
	put_le(&dev->config[reg], len, val);
}

void pci_set_reg(struct pci_device *dev, unsigned reg, unsigned len, uint32_t reset,
		 uint32_t wmask)
{
	if (len > 4 || reg >= PCI_CONFIG_SIZE_EXP || len > PCI_CONFIG_SIZE_EXP - reg)
		return;
	put_le(&dev->config[reg], len, reset);
	put_le(&dev->wmask[reg], len, wmask);
}

int pci_device_init(struct pci_device *dev, const char *name, const struct pci_device_id *id,
		    unsigned config_size)
{
	if (config_size != PCI_CONFIG_SIZE && config_size != PCI_CONFIG_SIZE_EXP)
		return -EINVAL;
	memset(dev, 0, sizeof(*dev));
	dev->name = name;
	dev->config_size = config_size;

	pci_set(dev, PCI_VENDOR_ID, 2, id->vendor);
	pci_set(dev, PCI_DEVICE_ID, 2, id->device);
	pci_set(dev, PCI_REVISION_ID, 1, id->revision);
	pci_set(dev, PCI_CLASS_PROG, 1, id->class_code & 0xff);
	pci_set(dev, PCI_CLASS_DEVICE, 2, (id->class_code >> 8) & 0xffff);
	pci_set(dev, PCI_SUBSYSTEM_VENDOR_ID, 2, id->subsys_vendor);
	pci_set(dev, PCI_SUBSYSTEM_ID, 2, id->subsys_id);

	put_le(&dev->wmask[PCI_COMMAND], 2, PCI_COMMAND_WRITABLE);
	put_le(&dev->w1cmask[PCI_STATUS], 2, PCI_STATUS_W1C_BITS);
	dev->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	dev->wmask[PCI_INTERRUPT_LINE] = 0xff;
	memset(&dev->wmask[PCI_CONFIG_HEADER_SIZE], 0xff, config_size - PCI_CONFIG_HEADER_SIZE);
	return 0;
}

int pci_bar_init(struct pci_device *dev, unsigned bar, uint64_t size, uint32_t flags)
{
	bool io = flags & PCI_BASE_ADDRESS_SPACE_IO;
	bool is64 = !io && (flags & PCI_BASE_ADDRESS_MEM_TYPE_MASK) == PCI_BASE_ADDRESS_MEM_TYPE_64;
	uint64_t min = io ? 4 : 16;
	uint64_t max = io ? 256 : is64 ? (1ull << 63) : (1ull << 31);
	unsigned reg = PCI_BASE_ADDRESS_0 + 4 * bar;
	uint64_t mask;

	if (bar > 5 || (is64 && bar > 4))
		return -EINVAL;
	if (size < min || size > max || (size & (size - 1)))
		return -EINVAL;
	if (io)
		flags &= PCI_BASE_ADDRESS_SPACE_IO;
	else
		flags &= PCI_BASE_ADDRESS_MEM_TYPE_MASK | PCI_BASE_ADDRESS_MEM_PREFETCH;

	/* The read-only low bits are the type; the guest sizes the BAR by writing all-ones and
	 * reading back which address bits stuck (PCI Local Bus 3.0 §6.2.5.1). */
	mask = ~(size - 1);
	pci_set_reg(dev, reg, 4, flags, (uint32_t)mask & ~(io ? 0x3u : 0xfu));
	if (is64)
		pci_set_reg(dev, reg + 4, 4, 0, (uint32_t)(mask >> 32));
	return 0;
}

uint32_t pci_config_read(const struct pci_device *dev, unsigned reg, unsigned len)
{
	if (!pci_access_ok(dev->config_size, reg, len))
		return 0xffffffffu;
	return get_le(&dev->config[reg], len);
}

void pci_config_write(struct pci_device *dev, unsigned reg, unsigned len, uint32_t val)
{
	if (!pci_access_ok(dev->config_size, reg, len))
		return;
	for (unsigned i = 0; i < len; i++) {
		uint8_t b = (uint8_t)(val >> (8 * i));
		uint8_t wm = dev->wmask[reg + i], w1c = dev->w1cmask[reg + i];
		uint8_t *c = &dev->config[reg + i];

		*c = (uint8_t)(((*c & ~wm) | (b & wm)) & ~(b & w1c));
	}
	if (dev->write_cb)
		dev->write_cb(dev, reg, len, val);
}

void pci_bus_init(struct pci_bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

/* Function 0 advertises the other functions of its slot (PCI Local Bus 3.0 §6.2.1). */
static void pci_bus_update_multifunction(struct pci_bus *bus, unsigned slot)
{
	struct pci_device *fn0 = bus->devs[PCI_MK_DEVFN(slot, 0)];
	bool multi = false;

	if (!fn0)
		return;
	for (unsigned fn = 1; fn < 8; fn++)
		multi |= bus->devs[PCI_MK_DEVFN(slot, fn)] != NULL;
	if (multi)
		fn0->config[PCI_HEADER_TYPE] |= PCI_HEADER_TYPE_MULTI_FUNCTION;
	else
		fn0->config[PCI_HEADER_TYPE] &= ~PCI_HEADER_TYPE_MULTI_FUNCTION;
}

int pci_bus_add(struct pci_bus *bus, struct pci_device *dev, uint8_t devfn)
{
	if (!dev)
		return -EINVAL;
	if (bus->devs[devfn]) {
		pr_err("pci: device %s at %02x.%x: slot already holds %s", dev->name,
		       PCI_DEVFN_SLOT(devfn), PCI_DEVFN_FUNC(devfn), bus->devs[devfn]->name);
		return -EEXIST;
	}
	dev->devfn = devfn;
	bus->devs[devfn] = dev;
	pci_bus_update_multifunction(bus, PCI_DEVFN_SLOT(devfn));
	return 0;
}

struct pci_device *pci_bus_find(const struct pci_bus *bus, uint8_t devfn)
{
	if (!bus->devs[PCI_MK_DEVFN(PCI_DEVFN_SLOT(devfn), 0)])
		return NULL;
	return bus->devs[devfn];
}

uint32_t pci_bus_config_read(const struct pci_bus *bus, uint8_t devfn, unsigned reg,
			     unsigned len)
{
	const struct pci_device *dev = pci_bus_find(bus, devfn);

	return dev ? pci_config_read(dev, reg, len) : 0xffffffffu;
}

void pci_bus_config_write(struct pci_bus *bus, uint8_t devfn, unsigned reg, unsigned len,
			  uint32_t val)
{
	struct pci_device *dev = pci_bus_find(bus, devfn);

	if (dev)
		pci_config_write(dev, reg, len, val);
}
