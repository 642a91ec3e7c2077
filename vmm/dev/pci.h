/* Generic PCI configuration space model and the bus-0 device table.
 *
 * A device is a 4 KiB config image plus two per-byte masks, as QEMU's PCIDevice keeps them:
 * wmask says which bits a guest write may change, w1cmask which bits a guest write of 1
 * clears (PCI Local Bus 3.0 §6.2.3 Status register). Everything else (vendor, device,
 * class, header type, subsystem IDs) is read-only because its wmask byte is 0. A device
 * may add a callback that runs after every guest write, to act on the new value.
 *
 * Layout of the header follows PCI Local Bus 3.0 §6.1 (register names from
 * <linux/pci_regs.h>). Config access rules (PCI Local Bus 3.0 §3.2.2.3.2, PCIe 5.0 §7.2.2):
 * 1, 2 or 4 bytes, naturally aligned; a slot nobody claims reads all-ones (vendor 0xFFFF,
 * the master-abort answer) and drops writes. */
#ifndef ENLIGHT_DEV_PCI_H
#define ENLIGHT_DEV_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include <linux/pci_regs.h>

#define PCI_CONFIG_SIZE      256u  /* conventional PCI */
#define PCI_CONFIG_SIZE_EXP  4096u /* PCIe extended config space */
#define PCI_DEVFN_COUNT      256u

#define PCI_MK_DEVFN(slot, fn) ((uint8_t)((((slot) & 0x1f) << 3) | ((fn) & 0x07)))
#define PCI_DEVFN_SLOT(devfn)  (((devfn) >> 3) & 0x1f)
#define PCI_DEVFN_FUNC(devfn)  ((devfn) & 0x07)

/* Header type bit 7: the device has functions besides 0 (PCI Local Bus 3.0 §6.2.1). */
#define PCI_HEADER_TYPE_MULTI_FUNCTION 0x80

/* QEMU's default subsystem IDs (Red Hat / QEMU), which q35 guests are used to. */
#define PCI_SUBVENDOR_ID_REDHAT_QUMRANET 0x1af4
#define PCI_SUBDEVICE_ID_QEMU            0x1100

struct pci_device;

/* Runs after a guest write was merged into config[]; val is the value the guest wrote
 * (before masking), so a device can tell when a write to a locked register was refused. */
typedef void (*pci_config_write_fn)(struct pci_device *dev, unsigned reg, unsigned len,
				    uint32_t val);

struct pci_device_id {
	uint16_t vendor;
	uint16_t device;
	uint8_t revision;
	uint32_t class_code; /* base << 16 | sub << 8 | prog-if */
	uint16_t subsys_vendor;
	uint16_t subsys_id;
};

struct pci_device {
	const char *name;
	uint8_t devfn;        /* set by pci_bus_add */
	unsigned config_size; /* PCI_CONFIG_SIZE or PCI_CONFIG_SIZE_EXP */
	uint8_t config[PCI_CONFIG_SIZE_EXP];
	uint8_t wmask[PCI_CONFIG_SIZE_EXP];
	uint8_t w1cmask[PCI_CONFIG_SIZE_EXP];
	pci_config_write_fn write_cb; /* optional */
	void *opaque;                 /* for write_cb */
};

/* Clears dev and sets the IDs and the standard masks: COMMAND (IO, MEMORY, MASTER, SERR,
 * INTX_DISABLE), cache line size and interrupt line writable, STATUS error bits
 * write-1-to-clear, and -- as QEMU's pci_init_wmask does -- every byte from 0x40 to the end
 * of config space writable scratch, for the device to lock down what it models.
 * -EINVAL if config_size is neither 256 nor 4096. */
int pci_device_init(struct pci_device *dev, const char *name, const struct pci_device_id *id,
		    unsigned config_size);

/* Little-endian helpers on the config image (no masks; for the device model itself). */
uint32_t pci_get(const struct pci_device *dev, unsigned reg, unsigned len);
void pci_set(struct pci_device *dev, unsigned reg, unsigned len, uint32_t val);
/* Sets both config and wmask for [reg, reg+len): the reset value and what the guest may change. */
void pci_set_reg(struct pci_device *dev, unsigned reg, unsigned len, uint32_t reset,
		 uint32_t wmask);

/* Makes BAR `bar` (0..5) a sizing-capable BAR of `size` bytes: flags are the low
 * PCI_BASE_ADDRESS_* bits (I/O, or memory with MEM_TYPE_64 / MEM_PREFETCH); the guest may
 * write only the address bits above size-1 (PCI Local Bus 3.0 §6.2.5.1). A 64-bit BAR also
 * takes bar+1. -EINVAL: bar out of range (a 64-bit BAR needs bar <= 4), size not a power
 * of two, below the minimum (16 bytes memory, 4 bytes I/O) or above the BAR's reach
 * (256 bytes I/O, §6.2.5.1; 2 GiB for a 32-bit memory BAR). */
int pci_bar_init(struct pci_device *dev, unsigned bar, uint64_t size, uint32_t flags);

/* Guest accesses: len 1, 2 or 4, reg naturally aligned and below config_size, else reads
 * return all-ones and writes are dropped. */
uint32_t pci_config_read(const struct pci_device *dev, unsigned reg, unsigned len);
void pci_config_write(struct pci_device *dev, unsigned reg, unsigned len, uint32_t val);

/* Bus 0: device table by devfn. The devices are owned by the caller. */
struct pci_bus {
	struct pci_device *devs[PCI_DEVFN_COUNT];
};

void pci_bus_init(struct pci_bus *bus);
/* -EEXIST devfn taken, -EINVAL NULL device. Keeps the multi-function bit of function 0's
 * header type in step with the functions present in the slot. */
int pci_bus_add(struct pci_bus *bus, struct pci_device *dev, uint8_t devfn);
/* The device a config access at devfn reaches: NULL when empty, and also for a function
 * other than 0 when function 0 is absent (the OS only scans functions 1-7 of a slot whose
 * function 0 answers, PCI Local Bus 3.0 §3.2.2.3.2; QEMU hides them the same way). */
struct pci_device *pci_bus_find(const struct pci_bus *bus, uint8_t devfn);
uint32_t pci_bus_config_read(const struct pci_bus *bus, uint8_t devfn, unsigned reg,
			     unsigned len);
void pci_bus_config_write(struct pci_bus *bus, uint8_t devfn, unsigned reg, unsigned len,
			  uint32_t val);

#endif
