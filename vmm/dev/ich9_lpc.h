/* ICH9 LPC bridge (00:1f.0, 8086:2918) with its ACPI power-management I/O block and the
 * reset control register, modelled on QEMU's hw/isa/lpc_ich9.c + hw/acpi/ich9.c and the
 * Intel ICH9 datasheet (document 316972, chapter 13 "LPC Interface Bridge Registers").
 *
 * What the guest sees (the ACPI tables must describe exactly this):
 *   PMBASE (config 0x40)     0x601: PM block at I/O 0x600, RTE bit 0 hard-wired to 1.
 *                            Read-only here: I/O ranges are fixed once the VM runs (the bus
 *                            is frozen), so a guest that programs another base is refused
 *                            with a warning and the block stays at 0x600.
 *   ACPI_CNTL (config 0x44)  0x80: ACPI_EN set, SCI on IRQ 9 (SCI_IRQ_SEL 0, read-only).
 *                            Clearing ACPI_EN stops the PM block decoding (all-ones reads),
 *                            as on the real part.
 *   PM1a_EVT_BLK 0x600 (4)   PM1_STS (write-1-to-clear) + PM1_EN
 *   PM1a_CNT_BLK 0x604 (2)   SCI_EN (1 at reset: there is no SMM firmware to switch to ACPI
 *                            mode, so the FADT must have SMI_CMD = 0), SLP_TYP, SLP_EN
 *   PM_TMR_BLK   0x608 (4)   24-bit 3.579545 MHz counter (FADT TMR_VAL_EXT = 0)
 *   GPE0_BLK     0x620 (16)  8 status bytes (write-1-to-clear) + 8 enable bytes, no sources
 *   RESET_REG    I/O 0xCF9   write 0x06 (ACPI FADT RESET_VALUE)
 * Sleep: SLP_EN with SLP_TYP 0 (QEMU's DSDT _S5) or 7 (the ICH9 S5 encoding) powers off;
 * other sleep states are not supported and are ignored. The SCI is evaluated whenever the
 * guest touches the block (or a power-button press is injected); the PM timer has no host
 * timer behind it, so TMR_EN alone never raises an SCI between accesses. */
#ifndef ENLIGHT_DEV_ICH9_LPC_H
#define ENLIGHT_DEV_ICH9_LPC_H

#include <stdbool.h>
#include <stdint.h>

#include "vmm/devif.h"
#include "vmm/dev/pci.h"

struct bus;
struct vcpu;

#define ICH9_LPC_DEVFN        PCI_MK_DEVFN(31, 0)
#define ICH9_LPC_VENDOR_ID    0x8086
#define ICH9_LPC_DEVICE_ID    0x2918 /* ICH9 LPC interface controller */
#define ICH9_LPC_REVISION     0x02   /* A2 stepping, as QEMU */
#define ICH9_LPC_CLASS        0x060100 /* bridge, PCI-to-ISA */

/* LPC config registers (ICH9 datasheet ch. 13.1; QEMU include/hw/southbridge/ich9.h). */
#define ICH9_LPC_PMBASE               0x40
#define ICH9_LPC_PMBASE_RTE           0x1
#define ICH9_LPC_PMBASE_ADDR_MASK     0xff80u /* bits 15:7, a 128-byte block */
#define ICH9_LPC_ACPI_CTRL            0x44
#define ICH9_LPC_ACPI_CTRL_ACPI_EN    0x80
#define ICH9_LPC_ACPI_CTRL_SCI_IRQ_SEL_MASK 0x07 /* 0 = IRQ9 */
#define ICH9_LPC_PIRQA_ROUT           0x60 /* PIRQA..D, 4 bytes */
#define ICH9_LPC_PIRQE_ROUT           0x68 /* PIRQE..H, 4 bytes */
#define ICH9_LPC_PIRQ_ROUT_IRQEN      0x80 /* 1 = not routed to the 8259 */
#define ICH9_LPC_PIRQ_ROUT_MASK       0x8f
#define ICH9_LPC_RCBA                 0xf0

/* The fixed ACPI layout (for the FADT/DSDT builders). */
#define ICH9_PMBASE          0x600
#define ICH9_PMIO_SIZE       0x80
#define ICH9_PM1_EVT_BLK     (ICH9_PMBASE + 0x00)
#define ICH9_PM1_EVT_LEN     4
#define ICH9_PM1_CNT_BLK     (ICH9_PMBASE + 0x04)
#define ICH9_PM1_CNT_LEN     2
#define ICH9_PM_TMR_BLK      (ICH9_PMBASE + 0x08)
#define ICH9_PM_TMR_LEN      4
#define ICH9_GPE0_BLK        (ICH9_PMBASE + 0x20)
#define ICH9_GPE0_LEN        16
#define ICH9_SCI_IRQ         9
#define ICH9_RST_CNT_PORT    0xCF9
#define ICH9_RST_CNT_RESET_VALUE 0x06 /* SYS_RST | RST_CPU: FADT RESET_VALUE */

/* PM I/O register offsets from PMBASE (ICH9 datasheet ch. 13.8.3). */
#define ICH9_PMIO_PM1_STS    0x00
#define ICH9_PMIO_PM1_EN     0x02
#define ICH9_PMIO_PM1_CNT    0x04
#define ICH9_PMIO_PM1_TMR    0x08
#define ICH9_PMIO_GPE0_STS   0x20
#define ICH9_PMIO_GPE0_EN    0x28
/* SMI_EN (ICH9 datasheet §13.8.3.7). Without SMM emulation APMC_EN reads back set from
 * reset, as QEMU's ich9 pm_reset does, so firmware (SeaBIOS smm_setup) sees "SMM already
 * set up" and does not wait for an SMI that will never come. */
#define ICH9_PMIO_SMI_EN     0x30
#define ICH9_SMI_EN_APMC_EN  (1u << 5)
#define ICH9_GPE0_BYTES      8 /* GPE0_STS and GPE0_EN are 64-bit each */

/* PM1 bits (ACPI 6.4 §4.8.3.1 Tables 4.16/4.17, §4.8.3.2 Table 4.18). */
#define ICH9_PM1_STS_TMR       (1u << 0)
#define ICH9_PM1_STS_BM        (1u << 4)
#define ICH9_PM1_STS_GBL       (1u << 5)
#define ICH9_PM1_STS_PWRBTN    (1u << 8)
#define ICH9_PM1_STS_SLPBTN    (1u << 9)
#define ICH9_PM1_STS_RTC       (1u << 10)
#define ICH9_PM1_STS_WAK       (1u << 15)
#define ICH9_PM1_EN_TMR        (1u << 0)
#define ICH9_PM1_EN_GBL        (1u << 5)
#define ICH9_PM1_EN_PWRBTN     (1u << 8)
#define ICH9_PM1_EN_RTC        (1u << 10)
#define ICH9_PM1_CNT_SCI_EN    (1u << 0)
#define ICH9_PM1_CNT_BM_RLD    (1u << 1)
#define ICH9_PM1_CNT_SLP_TYP_SHIFT 10
#define ICH9_PM1_CNT_SLP_TYP_MASK  (7u << ICH9_PM1_CNT_SLP_TYP_SHIFT)
#define ICH9_PM1_CNT_SLP_EN    (1u << 13)

#define ICH9_PM_TIMER_HZ     3579545ull /* ACPI 6.4 §4.8.3.3 */
#define ICH9_PM_TIMER_MASK   0xffffffu  /* 24-bit counter */

/* SLP_TYP values that mean soft-off. */
#define ICH9_SLP_TYP_S5_QEMU 0 /* QEMU's DSDT: Name (_S5, Package { 0, 0, 0, 0 }) */
#define ICH9_SLP_TYP_S5      7 /* ICH9 datasheet PM1_CNT SLP_TYP encoding for S5 */

/* RST_CNT (I/O 0xCF9, ICH9 datasheet ch. 13.7.5). */
#define ICH9_RST_CNT_SYS_RST  (1u << 1)
#define ICH9_RST_CNT_RST_CPU  (1u << 2)
#define ICH9_RST_CNT_FULL_RST (1u << 3)

struct ich9_lpc_config {
	struct clock_src clock; /* PM timer time base; now_ns is required */
	struct vm_ctl ctl;      /* S5 power-off, 0xCF9 reset */
	struct irq_line sci;    /* optional (set == NULL: no SCI); GSI ICH9_SCI_IRQ */
};

struct ich9_lpc {
	struct pci_device dev;
	struct ich9_lpc_config cfg;
	uint16_t pm1_sts;
	uint16_t pm1_en;
	uint16_t pm1_cnt;
	uint8_t gpe0_sts[ICH9_GPE0_BYTES];
	uint8_t gpe0_en[ICH9_GPE0_BYTES];
	uint64_t tmr_overflow; /* tick count at which bit 23 next toggles (sets TMR_STS) */
	uint8_t rst_cnt;
	uint32_t smi_en;
	bool sci_level;
};

/* -EINVAL without a clock. Does not touch any bus. */
int ich9_lpc_init(struct ich9_lpc *lpc, const struct ich9_lpc_config *cfg);
/* Machine reset: config space and PM registers back to their power-on values. */
void ich9_lpc_reset(struct ich9_lpc *lpc);
/* Registers the PM block [0x600, 0x680) on the port bus; 0 or bus_register's -errno.
 * 0xCF9 is registered by the q35 host bridge (it shares the 0xCF8 dword) and forwarded to
 * ich9_lpc_rst_cnt_io. */
int ich9_lpc_register(struct ich9_lpc *lpc, struct bus *pio);

/* The PM block's bus handler (offset from PMBASE). */
void ich9_lpc_pm_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		    bool is_write);
/* One byte at 0xCF9. */
void ich9_lpc_rst_cnt_io(struct ich9_lpc *lpc, uint8_t *data, bool is_write);

/* A power-button press (e.g. from QMP system_powerdown): sets PWRBTN_STS, SCI if enabled. */
void ich9_lpc_power_button(struct ich9_lpc *lpc);

/* Nanoseconds to PM timer ticks (3.579545 MHz), exact and free of overflow for any ns. */
uint64_t ich9_pm_ticks(uint64_t ns);

#endif
