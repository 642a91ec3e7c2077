/* ICH9 LPC bridge, ACPI PM block and RST_CNT (see ich9_lpc.h). */
#include "vmm/dev/ich9_lpc.h"

#include <errno.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/log.h"

#define NSEC_PER_SEC 1000000000ull

/* TMR_STS latches each time bit 23 of the counter toggles (ACPI 6.4 §4.8.3.1 TMR_STS). */
#define PM_TMR_HALF (1ull << 23)

/* PM1 events that raise the SCI when enabled (ACPI 6.4 §4.8.3.1; QEMU
 * ACPI_BITMASK_PM1_COMMON_ENABLED). */
#define PM1_SCI_EVENTS \
	(ICH9_PM1_STS_TMR | ICH9_PM1_STS_GBL | ICH9_PM1_STS_PWRBTN | ICH9_PM1_STS_RTC)
#define PM1_STS_BITS                                                                  \
	(ICH9_PM1_STS_TMR | ICH9_PM1_STS_BM | ICH9_PM1_STS_GBL | ICH9_PM1_STS_PWRBTN | \
	 ICH9_PM1_STS_SLPBTN | ICH9_PM1_STS_RTC | ICH9_PM1_STS_WAK)
#define PM1_CNT_STORED \
	(ICH9_PM1_CNT_SCI_EN | ICH9_PM1_CNT_BM_RLD | ICH9_PM1_CNT_SLP_TYP_MASK)

struct lpc_reg_init {
	uint8_t reg;
	uint8_t len;
	uint32_t reset;
	uint32_t wmask;
};

/* LPC config registers modelled beyond the generic header; the rest of 0x40-0xff is the
 * generic writable scratch. */
static const struct lpc_reg_init lpc_regs[] = {
	/* Fixed: the PM block cannot move after the bus is frozen. */
	{ ICH9_LPC_PMBASE, 4, ICH9_PMBASE | ICH9_LPC_PMBASE_RTE, 0 },
	/* ACPI_EN may be toggled; SCI_IRQ_SEL stays IRQ9, the only line wired. */
	{ ICH9_LPC_ACPI_CTRL, 1, ICH9_LPC_ACPI_CTRL_ACPI_EN, ICH9_LPC_ACPI_CTRL_ACPI_EN },
	/* PIRQ routing: reset value "not routed"; kept for firmware, routing itself comes from
	 * the DSDT's _PRT. */
	{ ICH9_LPC_PIRQA_ROUT, 4, 0x80808080u, 0x8f8f8f8fu },
	{ ICH9_LPC_PIRQE_ROUT, 4, 0x80808080u, 0x8f8f8f8fu },
	/* Root complex register block: not modelled, stays disabled (bit 0 clear). */
	{ ICH9_LPC_RCBA, 4, 0, 0 },
};

uint64_t ich9_pm_ticks(uint64_t ns)
{
	/* Split so that no product exceeds 2^64: (ns % 1e9) * 3579545 < 3.6e15. */
	return ns / NSEC_PER_SEC * ICH9_PM_TIMER_HZ +
	       ns % NSEC_PER_SEC * ICH9_PM_TIMER_HZ / NSEC_PER_SEC;
}

static uint64_t lpc_ticks(const struct ich9_lpc *lpc)
{
	return ich9_pm_ticks(clock_now_ns(&lpc->cfg.clock));
}

static void lpc_tmr_rearm(struct ich9_lpc *lpc, uint64_t ticks)
{
	lpc->tmr_overflow = (ticks + PM_TMR_HALF) & ~(PM_TMR_HALF - 1);
}

static void lpc_update_sci(struct ich9_lpc *lpc)
{
	bool level = (lpc->pm1_sts & lpc->pm1_en & PM1_SCI_EVENTS) != 0;

	for (unsigned i = 0; i < ICH9_GPE0_BYTES; i++)
		level |= (lpc->gpe0_sts[i] & lpc->gpe0_en[i]) != 0;
	if (level != lpc->sci_level) {
		lpc->sci_level = level;
		irq_line_set(&lpc->cfg.sci, level);
	}
}

/* Warn when the guest tries to move the PM block: the write was refused by the mask. */
static void lpc_config_write(struct pci_device *dev, unsigned reg, unsigned len, uint32_t val)
{
	uint8_t want[4];
	uint32_t base;

	if (reg >= ICH9_LPC_PMBASE + 4 || reg + len <= ICH9_LPC_PMBASE)
		return;
	memcpy(want, &dev->config[ICH9_LPC_PMBASE], sizeof(want));
	for (unsigned i = 0; i < len; i++) {
		unsigned r = reg + i;

		if (r >= ICH9_LPC_PMBASE && r < ICH9_LPC_PMBASE + 4)
			want[r - ICH9_LPC_PMBASE] = (uint8_t)(val >> (8 * i));
	}
	base = (want[0] | want[1] << 8) & ICH9_LPC_PMBASE_ADDR_MASK;
	if (base != ICH9_PMBASE)
		pr_warn("ich9-lpc: guest wrote PMBASE=0x%x: the ACPI PM block stays at 0x%x "
			"(I/O ranges are fixed once the VM runs); describe 0x%x in the ACPI tables",
			base, ICH9_PMBASE, ICH9_PMBASE);
}

static void lpc_config_reset(struct ich9_lpc *lpc)
{
	static const struct pci_device_id id = {
		.vendor = ICH9_LPC_VENDOR_ID,
		.device = ICH9_LPC_DEVICE_ID,
		.revision = ICH9_LPC_REVISION,
		.class_code = ICH9_LPC_CLASS,
		.subsys_vendor = PCI_SUBVENDOR_ID_REDHAT_QUMRANET,
		.subsys_id = PCI_SUBDEVICE_ID_QEMU,
	};
	uint8_t devfn = lpc->dev.devfn;
	uint8_t header = lpc->dev.config[PCI_HEADER_TYPE];

	pci_device_init(&lpc->dev, "ich9-lpc", &id, PCI_CONFIG_SIZE);
	/* Keep what the bus set (devfn, multi-function bit) across a reset. */
	lpc->dev.devfn = devfn;
	lpc->dev.config[PCI_HEADER_TYPE] = header & PCI_HEADER_TYPE_MULTI_FUNCTION;
	for (unsigned i = 0; i < ARRAY_SIZE(lpc_regs); i++)
		pci_set_reg(&lpc->dev, lpc_regs[i].reg, lpc_regs[i].len, lpc_regs[i].reset,
			    lpc_regs[i].wmask);
	lpc->dev.write_cb = lpc_config_write;
	lpc->dev.opaque = lpc;
}

void ich9_lpc_reset(struct ich9_lpc *lpc)
{
	lpc_config_reset(lpc);
	lpc->pm1_sts = 0;
	lpc->pm1_en = 0;
	/* No SMM firmware performs the ACPI-mode switch, so ACPI mode is on from reset. */
	lpc->pm1_cnt = ICH9_PM1_CNT_SCI_EN;
	memset(lpc->gpe0_sts, 0, sizeof(lpc->gpe0_sts));
	memset(lpc->gpe0_en, 0, sizeof(lpc->gpe0_en));
	lpc->rst_cnt = 0;
	lpc->smi_en = ICH9_SMI_EN_APMC_EN;
	lpc_tmr_rearm(lpc, lpc_ticks(lpc));
	lpc_update_sci(lpc);
}

int ich9_lpc_init(struct ich9_lpc *lpc, const struct ich9_lpc_config *cfg)
{
	if (!cfg || !cfg->clock.now_ns)
		return -EINVAL;
	memset(lpc, 0, sizeof(*lpc));
	lpc->cfg = *cfg;
	lpc->dev.devfn = ICH9_LPC_DEVFN;
	ich9_lpc_reset(lpc);
	return 0;
}

static bool lpc_acpi_enabled(const struct ich9_lpc *lpc)
{
	return lpc->dev.config[ICH9_LPC_ACPI_CTRL] & ICH9_LPC_ACPI_CTRL_ACPI_EN;
}

/* PM1_STS with TMR_STS brought up to date (QEMU acpi_pm1_evt_get_sts). */
static uint16_t lpc_pm1_sts(struct ich9_lpc *lpc, uint64_t ticks)
{
	if (ticks >= lpc->tmr_overflow)
		lpc->pm1_sts |= ICH9_PM1_STS_TMR;
	return lpc->pm1_sts;
}

static void lpc_sleep(struct ich9_lpc *lpc, unsigned slp_typ)
{
	if (slp_typ == ICH9_SLP_TYP_S5_QEMU || slp_typ == ICH9_SLP_TYP_S5) {
		pr_debug("ich9-lpc: SLP_EN with SLP_TYP=%u: S5 power off", slp_typ);
		vm_ctl_request(&lpc->cfg.ctl, VM_REQ_POWEROFF, EXIT_POWEROFF);
		return;
	}
	pr_debug("ich9-lpc: SLP_EN with SLP_TYP=%u ignored: only S5 (SLP_TYP 0 or 7) is "
		 "supported", slp_typ);
}

static uint8_t lpc_pm_read_byte(struct ich9_lpc *lpc, unsigned off, uint64_t ticks)
{
	unsigned shift = 8 * (off & 1);

	switch (off) {
	case ICH9_PMIO_PM1_STS ... ICH9_PMIO_PM1_STS + 1:
		return (uint8_t)(lpc_pm1_sts(lpc, ticks) >> shift);
	case ICH9_PMIO_PM1_EN ... ICH9_PMIO_PM1_EN + 1:
		return (uint8_t)(lpc->pm1_en >> shift);
	case ICH9_PMIO_PM1_CNT ... ICH9_PMIO_PM1_CNT + 1:
		return (uint8_t)(lpc->pm1_cnt >> shift);
	case ICH9_PMIO_PM1_TMR ... ICH9_PMIO_PM1_TMR + 3:
		/* Bits 31:24 read 0 on a 24-bit timer (ACPI 6.4 §4.8.3.3). */
		return (uint8_t)((ticks & ICH9_PM_TIMER_MASK) >> (8 * (off - ICH9_PMIO_PM1_TMR)));
	case ICH9_PMIO_GPE0_STS ... ICH9_PMIO_GPE0_STS + ICH9_GPE0_BYTES - 1:
		return lpc->gpe0_sts[off - ICH9_PMIO_GPE0_STS];
	case ICH9_PMIO_GPE0_EN ... ICH9_PMIO_GPE0_EN + ICH9_GPE0_BYTES - 1:
		return lpc->gpe0_en[off - ICH9_PMIO_GPE0_EN];
	case ICH9_PMIO_SMI_EN ... ICH9_PMIO_SMI_EN + 3:
		return (uint8_t)(lpc->smi_en >> (8 * (off - ICH9_PMIO_SMI_EN)));
	default:
		return 0; /* reserved or not modelled (TCO, ...) */
	}
}

static void lpc_pm_write_byte(struct ich9_lpc *lpc, unsigned off, uint8_t b, uint64_t ticks)
{
	unsigned shift = 8 * (off & 1);
	uint16_t v = (uint16_t)(b << shift);
	uint16_t keep = (uint16_t)~(0xffu << shift);

	switch (off) {
	case ICH9_PMIO_PM1_STS ... ICH9_PMIO_PM1_STS + 1:
		/* Clearing a latched TMR_STS arms the next toggle (QEMU acpi_pm1_evt_write_sts). */
		if (lpc_pm1_sts(lpc, ticks) & v & ICH9_PM1_STS_TMR)
			lpc_tmr_rearm(lpc, ticks);
		lpc->pm1_sts &= (uint16_t)~(v & PM1_STS_BITS);
		break;
	case ICH9_PMIO_PM1_EN ... ICH9_PMIO_PM1_EN + 1:
		lpc->pm1_en = (uint16_t)((lpc->pm1_en & keep) | v);
		break;
	case ICH9_PMIO_PM1_CNT ... ICH9_PMIO_PM1_CNT + 1:
		/* SLP_EN is write-only and reads 0; SLP_TYP sits in the same byte, so a byte or
		 * word write carries both (ACPI 6.4 §4.8.3.2.1). */
		lpc->pm1_cnt = (uint16_t)(((lpc->pm1_cnt & keep) | v) & PM1_CNT_STORED);
		if (v & ICH9_PM1_CNT_SLP_EN)
			lpc_sleep(lpc, (lpc->pm1_cnt & ICH9_PM1_CNT_SLP_TYP_MASK) >>
					       ICH9_PM1_CNT_SLP_TYP_SHIFT);
		break;
	case ICH9_PMIO_GPE0_STS ... ICH9_PMIO_GPE0_STS + ICH9_GPE0_BYTES - 1:
		lpc->gpe0_sts[off - ICH9_PMIO_GPE0_STS] &= (uint8_t)~b;
		break;
	case ICH9_PMIO_GPE0_EN ... ICH9_PMIO_GPE0_EN + ICH9_GPE0_BYTES - 1:
		lpc->gpe0_en[off - ICH9_PMIO_GPE0_EN] = b;
		break;
	case ICH9_PMIO_SMI_EN ... ICH9_PMIO_SMI_EN + 3: {
		unsigned sh = 8 * (off - ICH9_PMIO_SMI_EN);

		/* stored as written; nothing raises an SMI */
		lpc->smi_en = (lpc->smi_en & ~(0xffu << sh)) | ((uint32_t)b << sh);
		break;
	}
	default:
		break; /* PM1_TMR is read-only; reserved bytes ignore writes */
	}
}

void ich9_lpc_pm_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		    bool is_write)
{
	struct ich9_lpc *lpc = opaque;
	uint8_t *p = data;
	uint64_t ticks;

	(void)vcpu;
	if (!lpc_acpi_enabled(lpc) || offset >= ICH9_PMIO_SIZE || len > ICH9_PMIO_SIZE - offset) {
		if (!is_write)
			memset(data, 0xff, len);
		return;
	}
	/* One clock sample per access, so a 32-bit timer read is coherent. */
	ticks = lpc_ticks(lpc);
	for (unsigned i = 0; i < len; i++) {
		unsigned off = (unsigned)offset + i;

		if (is_write)
			lpc_pm_write_byte(lpc, off, p[i], ticks);
		else
			p[i] = lpc_pm_read_byte(lpc, off, ticks);
	}
	lpc_update_sci(lpc);
}

void ich9_lpc_rst_cnt_io(struct ich9_lpc *lpc, uint8_t *data, bool is_write)
{
	if (!is_write) {
		*data = lpc->rst_cnt;
		return;
	}
	/* RST_CPU going to 1 resets the platform; SYS_RST/FULL_RST only pick the kind of
	 * reset, which is the same thing for a VM (QEMU ich9_rst_cnt_write). */
	if (*data & ICH9_RST_CNT_RST_CPU) {
		pr_debug("ich9-lpc: RST_CNT=0x%02x: reset requested", *data);
		vm_ctl_request(&lpc->cfg.ctl, VM_REQ_RESET, 0);
		return;
	}
	lpc->rst_cnt = *data & (ICH9_RST_CNT_SYS_RST | ICH9_RST_CNT_FULL_RST);
}

void ich9_lpc_power_button(struct ich9_lpc *lpc)
{
	lpc->pm1_sts |= ICH9_PM1_STS_PWRBTN;
	lpc_update_sci(lpc);
}

int ich9_lpc_register(struct ich9_lpc *lpc, struct bus *pio)
{
	int ret = bus_register(pio, ICH9_PMBASE, ICH9_PMIO_SIZE, ich9_lpc_pm_io, lpc, "ich9-pm");

	if (ret)
		pr_err("ich9-lpc: registering the ACPI PM block at 0x%x: %s", ICH9_PMBASE,
		       strerror(-ret));
	return ret;
}
