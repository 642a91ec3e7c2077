/* q35 PCI host: the MCH host bridge at 00:00.0 (8086:29c0, QEMU's hw/pci-host/q35.c), the
 * two config mechanisms that reach bus 0, and the glue that puts MCH + ICH9 LPC on it.
 *
 * Config mechanism #1 (PCI Local Bus 3.0 §3.2.2.3.2): CONFIG_ADDRESS at 0xCF8 (32-bit only;
 * bit 31 enable, 23:16 bus, 15:11 device, 10:8 function, 7:2 dword) and CONFIG_DATA at
 * 0xCFC-0xCFF (1, 2 or 4 bytes, naturally aligned inside the dword; the port's low bits
 * pick the byte). With bit 31 clear data reads are all-ones. A byte access to 0xCF9 is the
 * ICH9 RST_CNT register, which shares the dword and is forwarded to the LPC.
 *
 * ECAM (PCIe 5.0 §7.2.2): MMIO window Q35_ECAM_BASE, 256 MiB, offset = bus << 20 |
 * device << 15 | function << 12 | register. Accesses are 1, 2 or 4 bytes naturally aligned;
 * an aligned 8-byte access is split into two dword accesses (low dword first), anything
 * else reads all-ones and is dropped. Only bus 0 has devices; everything else reads
 * all-ones.
 *
 * The MCH's PCIEXBAR (config 0x60, 64-bit) reads Q35_ECAM_BASE | LENGTH=256 MiB | PCIEXBAREN,
 * i.e. the window firmware would have programmed. It is read-only: the window cannot move
 * once the bus is frozen, so a write that would change it is refused with a warning. */
#ifndef ENLIGHT_DEV_Q35_HOST_H
#define ENLIGHT_DEV_Q35_HOST_H

#include <stdint.h>

#include "vmm/dev/ich9_lpc.h"
#include "vmm/dev/pci.h"

struct bus;
struct vcpu;

#define Q35_PCI_CONFIG_ADDRESS 0xCF8
#define Q35_PCI_CONFIG_DATA    0xCFC
#define Q35_PCI_CONFIG_ENABLE  (1u << 31)

#define Q35_MCH_DEVFN     PCI_MK_DEVFN(0, 0)
#define Q35_MCH_VENDOR_ID 0x8086
#define Q35_MCH_DEVICE_ID 0x29c0 /* 82G33/G31/P35/P31 DRAM controller, as QEMU */
#define Q35_MCH_CLASS     0x060000 /* bridge, host */

/* MCH config registers (Intel 3 Series Express Chipset datasheet 316966 §5.1; QEMU
 * include/hw/pci-host/q35.h). */
#define Q35_MCH_PCIEXBAR          0x60
#define Q35_MCH_PCIEXBAR_EN       0x1
#define Q35_MCH_PCIEXBAR_LEN_256M (0u << 1)
#define Q35_MCH_PCIEXBAR_LEN_128M (1u << 1)
#define Q35_MCH_PCIEXBAR_LEN_64M  (2u << 1)
#define Q35_MCH_SMRAM             0x9d
#define Q35_MCH_SMRAM_DEFAULT     0x02 /* C_BASE_SEG: compatible SMRAM at 0xA0000, closed */
#define Q35_MCH_ESMRAMC           0x9e
#define Q35_MCH_ESMRAMC_DEFAULT   0x38 /* SM_CACHE | SM_L1 | SM_L2, TSEG disabled */

struct q35_pci_config {
	struct bus *pio;  /* 0xCF8-0xCFF and the ICH9 PM block go here */
	struct bus *mmio; /* the ECAM window goes here */
	struct ich9_lpc_config lpc;
};

struct q35_pci {
	struct pci_bus bus;
	struct pci_device mch;
	struct ich9_lpc lpc;
	uint32_t config_address; /* CONFIG_ADDRESS as last written */
};

/* Builds bus 0 with the MCH (00:00.0) and the ICH9 LPC (00:1f.0) and registers 0xCF8
 * (4 bytes), 0xCFC (4 bytes), the PM block and the ECAM window. q35 is caller-owned and
 * must outlive the buses. Returns 0 or -errno (-EINVAL bad config, or bus_register's
 * error, after which the buses are half-populated and the machine must be torn down:
 * the bus API has no unregister). */
int q35_pci_init(struct q35_pci *q35, const struct q35_pci_config *cfg);
/* Machine reset: CONFIG_ADDRESS, MCH and LPC back to power-on values. */
void q35_pci_reset(struct q35_pci *q35);

/* The one config access path both mechanisms use. busno other than 0 has no devices. */
uint32_t q35_pci_config_read(const struct q35_pci *q35, uint8_t busno, uint8_t devfn,
			     unsigned reg, unsigned len);
void q35_pci_config_write(struct q35_pci *q35, uint8_t busno, uint8_t devfn, unsigned reg,
			  unsigned len, uint32_t val);

/* Bus handlers (opaque = struct q35_pci *), exposed for tests. */
void q35_pci_cf8_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		    bool is_write);
void q35_pci_cfc_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		    bool is_write);
void q35_pci_ecam_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		     bool is_write);

#endif
