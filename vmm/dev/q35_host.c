/* q35 PCI host bridge, CF8/CFC and ECAM config access, bus-0 glue (see q35_host.h). */
#include "vmm/dev/q35_host.h"

#include <errno.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/log.h"
#include "vmm/memmap.h"

/* PCIEXBAR can only describe 256, 128 or 64 MiB windows; the q35 map uses 256 MiB. */
_Static_assert(Q35_ECAM_SIZE == 256ull << 20, "PCIEXBAR length encoding assumes 256 MiB");
_Static_assert((Q35_ECAM_BASE & ((256ull << 20) - 1)) == 0, "ECAM base must be 256 MiB aligned");

#define Q35_PCIEXBAR_VALUE (Q35_ECAM_BASE | Q35_MCH_PCIEXBAR_LEN_256M | Q35_MCH_PCIEXBAR_EN)

/* CONFIG_ADDRESS fields (PCI Local Bus 3.0 §3.2.2.3.2, Figure 3-2). */
#define CF8_BUS(a)   (((a) >> 16) & 0xff)
#define CF8_DEVFN(a) (((a) >> 8) & 0xff)
#define CF8_REG(a)   ((a) & 0xfc)

/* ECAM offset fields (PCIe 5.0 §7.2.2, Table 7-1). */
#define ECAM_BUS(o)   (((o) >> 20) & 0xff)
#define ECAM_DEVFN(o) (((o) >> 12) & 0xff)
#define ECAM_REG(o)   ((o) & 0xfff)

struct mch_reg_init {
	uint8_t reg;
	uint8_t len;
	uint32_t reset;
	uint32_t wmask;
};

static const struct mch_reg_init mch_regs[] = {
	{ Q35_MCH_PCIEXBAR, 4, (uint32_t)Q35_PCIEXBAR_VALUE, 0 },
	{ Q35_MCH_PCIEXBAR + 4, 4, (uint32_t)(Q35_PCIEXBAR_VALUE >> 32), 0 },
	/* No SMM: SMRAM stays closed at its reset value and TSEG off. */
	{ Q35_MCH_SMRAM, 1, Q35_MCH_SMRAM_DEFAULT, 0 },
	{ Q35_MCH_ESMRAMC, 1, Q35_MCH_ESMRAMC_DEFAULT, 0 },
};

static void mch_config_write(struct pci_device *dev, unsigned reg, unsigned len, uint32_t val)
{
	for (unsigned i = 0; i < len; i++) {
		unsigned r = reg + i;
		uint8_t b = (uint8_t)(val >> (8 * i));

		if (r >= Q35_MCH_PCIEXBAR && r < Q35_MCH_PCIEXBAR + 8 && b != dev->config[r]) {
			pr_warn("q35: guest wrote PCIEXBAR byte %u = 0x%02x: ECAM stays at 0x%llx "
				"(256 MiB, the window is fixed once the VM runs)",
				r - Q35_MCH_PCIEXBAR, b, (unsigned long long)Q35_ECAM_BASE);
			return;
		}
	}
}

static void mch_reset(struct pci_device *mch)
{
	static const struct pci_device_id id = {
		.vendor = Q35_MCH_VENDOR_ID,
		.device = Q35_MCH_DEVICE_ID,
		.class_code = Q35_MCH_CLASS,
		.subsys_vendor = PCI_SUBVENDOR_ID_REDHAT_QUMRANET,
		.subsys_id = PCI_SUBDEVICE_ID_QEMU,
	};
	uint8_t devfn = mch->devfn;
	uint8_t header = mch->config[PCI_HEADER_TYPE];

	pci_device_init(mch, "q35-mch", &id, PCI_CONFIG_SIZE);
	mch->devfn = devfn;
	mch->config[PCI_HEADER_TYPE] = header & PCI_HEADER_TYPE_MULTI_FUNCTION;
	for (unsigned i = 0; i < ARRAY_SIZE(mch_regs); i++)
		pci_set_reg(mch, mch_regs[i].reg, mch_regs[i].len, mch_regs[i].reset,
			    mch_regs[i].wmask);
	mch->write_cb = mch_config_write;
}

uint32_t q35_pci_config_read(const struct q35_pci *q35, uint8_t busno, uint8_t devfn,
			     unsigned reg, unsigned len)
{
	if (busno != 0)
		return 0xffffffffu;
	return pci_bus_config_read(&q35->bus, devfn, reg, len);
}

void q35_pci_config_write(struct q35_pci *q35, uint8_t busno, uint8_t devfn, unsigned reg,
			  unsigned len, uint32_t val)
{
	if (busno == 0)
		pci_bus_config_write(&q35->bus, devfn, reg, len, val);
}

void q35_pci_cf8_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		    bool is_write)
{
	struct q35_pci *q35 = opaque;

	(void)vcpu;
	/* 0xCF9 byte accesses belong to the ICH9 reset control register. */
	if (offset == ICH9_RST_CNT_PORT - Q35_PCI_CONFIG_ADDRESS && len == 1) {
		ich9_lpc_rst_cnt_io(&q35->lpc, data, is_write);
		return;
	}
	/* CONFIG_ADDRESS is decoded only as a full dword (PCI Local Bus 3.0 §3.2.2.3.2);
	 * narrower writes go elsewhere on real chipsets and are dropped here, narrower reads
	 * see the matching bytes of the latched value, as in QEMU. */
	if (is_write) {
		if (offset == 0 && len == 4)
			q35->config_address = (uint32_t)bus_data_get(data, 4);
		return;
	}
	bus_data_put(data, len, q35->config_address >> (8 * (offset & 3)));
}

void q35_pci_cfc_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		    bool is_write)
{
	struct q35_pci *q35 = opaque;
	uint32_t a = q35->config_address;
	unsigned reg = CF8_REG(a) + (unsigned)(offset & 3);
	bool ok = (a & Q35_PCI_CONFIG_ENABLE) && (len == 1 || len == 2 || len == 4) &&
		  (offset & (len - 1)) == 0;

	(void)vcpu;
	if (is_write) {
		if (ok)
			q35_pci_config_write(q35, CF8_BUS(a), CF8_DEVFN(a), reg, len,
					     (uint32_t)bus_data_get(data, len));
		return;
	}
	bus_data_put(data, len,
		     ok ? q35_pci_config_read(q35, CF8_BUS(a), CF8_DEVFN(a), reg, len) : ~0ull);
}

static uint32_t ecam_access(struct q35_pci *q35, uint64_t offset, unsigned len, uint32_t val,
			    bool is_write)
{
	if (is_write) {
		q35_pci_config_write(q35, ECAM_BUS(offset), ECAM_DEVFN(offset), ECAM_REG(offset),
				     len, val);
		return 0;
	}
	return q35_pci_config_read(q35, ECAM_BUS(offset), ECAM_DEVFN(offset), ECAM_REG(offset),
				   len);
}

void q35_pci_ecam_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		     bool is_write)
{
	struct q35_pci *q35 = opaque;
	uint64_t v = is_write ? bus_data_get(data, len) : 0;

	(void)vcpu;
	if ((len != 1 && len != 2 && len != 4 && len != 8) || offset >= Q35_ECAM_SIZE ||
	    (offset & (len - 1)) != 0) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	if (len == 8) {
		/* Config space has no 64-bit registers of its own: split into two dwords. */
		uint64_t lo = ecam_access(q35, offset, 4, (uint32_t)v, is_write);
		uint64_t hi = ecam_access(q35, offset + 4, 4, (uint32_t)(v >> 32), is_write);

		if (!is_write)
			bus_data_put(data, 8, lo | hi << 32);
		return;
	}
	v = ecam_access(q35, offset, len, (uint32_t)v, is_write);
	if (!is_write)
		bus_data_put(data, len, v);
}

void q35_pci_reset(struct q35_pci *q35)
{
	q35->config_address = 0;
	mch_reset(&q35->mch);
	ich9_lpc_reset(&q35->lpc);
}

int q35_pci_init(struct q35_pci *q35, const struct q35_pci_config *cfg)
{
	int ret;

	if (!cfg || !cfg->pio || !cfg->mmio)
		return -EINVAL;
	memset(q35, 0, sizeof(*q35));
	pci_bus_init(&q35->bus);
	mch_reset(&q35->mch);
	ret = ich9_lpc_init(&q35->lpc, &cfg->lpc);
	if (ret) {
		pr_err("q35: ICH9 LPC needs a clock for the ACPI PM timer");
		return ret;
	}
	ret = pci_bus_add(&q35->bus, &q35->mch, Q35_MCH_DEVFN);
	if (!ret)
		ret = pci_bus_add(&q35->bus, &q35->lpc.dev, ICH9_LPC_DEVFN);
	if (ret)
		return ret;

	ret = bus_register(cfg->pio, Q35_PCI_CONFIG_ADDRESS, 4, q35_pci_cf8_io, q35, "pci-cf8");
	if (!ret)
		ret = bus_register(cfg->pio, Q35_PCI_CONFIG_DATA, 4, q35_pci_cfc_io, q35, "pci-cfc");
	if (ret) {
		pr_err("q35: registering PCI config ports 0x%x-0x%x: %s", Q35_PCI_CONFIG_ADDRESS,
		       Q35_PCI_CONFIG_DATA + 3, strerror(-ret));
		return ret;
	}
	ret = bus_register(cfg->mmio, Q35_ECAM_BASE, Q35_ECAM_SIZE, q35_pci_ecam_io, q35,
			   "pci-ecam");
	if (ret) {
		pr_err("q35: registering ECAM at 0x%llx (+0x%llx): %s",
		       (unsigned long long)Q35_ECAM_BASE, (unsigned long long)Q35_ECAM_SIZE,
		       strerror(-ret));
		return ret;
	}
	return ich9_lpc_register(&q35->lpc, cfg->pio);
}
