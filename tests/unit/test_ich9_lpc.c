/* ICH9 LPC: ACPI PM block (PM1, PM timer, GPE0), S5, RST_CNT at 0xCF9, LPC config. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bus_io.h"
#include "q35_setup.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/dev/ich9_lpc.h"
#include "vmm/dev/q35_host.h"
#include "vmm/log.h"

#define NS_PER_SEC 1000000000ull

struct fixture {
	struct bus pio, mmio;
	struct q35_pci q35;
	uint64_t now_ns;
	unsigned n_req;
	enum vm_request last_req;
	int last_status;
	unsigned sci_changes;
	int sci_level;
	unsigned sci_gsi;
};

static uint64_t fake_now(void *opaque)
{
	return ((struct fixture *)opaque)->now_ns;
}

static void fake_request(void *opaque, enum vm_request req, int status)
{
	struct fixture *f = opaque;

	f->n_req++;
	f->last_req = req;
	f->last_status = status;
}

static void fake_irq(void *opaque, unsigned gsi, int level)
{
	struct fixture *f = opaque;

	f->sci_changes++;
	f->sci_level = level;
	f->sci_gsi = gsi;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	test_q35_init(&f->pio, &f->mmio, &f->q35, &(struct ich9_lpc_config){
					 .clock = { fake_now, f },
					 .ctl = { fake_request, f },
					 .sci = { fake_irq, f, ICH9_SCI_IRQ },
				 });
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	test_q35_destroy(&f->pio, &f->mmio);
	free(f);
	return 0;
}

static uint32_t in(struct fixture *f, uint16_t port, unsigned len)
{
	return test_bus_in(&f->pio, port, len);
}

static void out(struct fixture *f, uint16_t port, unsigned len, uint32_t v)
{
	test_bus_out(&f->pio, port, len, v);
}

static uint32_t lpc_cfg_read(struct fixture *f, unsigned reg, unsigned len)
{
	out(f, Q35_PCI_CONFIG_ADDRESS, 4, Q35_PCI_CONFIG_ENABLE | ICH9_LPC_DEVFN << 8 | (reg & 0xfc));
	return in(f, (uint16_t)(Q35_PCI_CONFIG_DATA + (reg & 3)), len);
}

static void lpc_cfg_write(struct fixture *f, unsigned reg, unsigned len, uint32_t v)
{
	out(f, Q35_PCI_CONFIG_ADDRESS, 4, Q35_PCI_CONFIG_ENABLE | ICH9_LPC_DEVFN << 8 | (reg & 0xfc));
	out(f, (uint16_t)(Q35_PCI_CONFIG_DATA + (reg & 3)), len, v);
}

static void test_pm_timer_rate(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(in(f, ICH9_PM_TMR_BLK, 4), 0);
	f->now_ns = NS_PER_SEC;
	assert_int_equal(in(f, ICH9_PM_TMR_BLK, 4), 3579545);
	f->now_ns = NS_PER_SEC / 2;
	assert_int_equal(in(f, ICH9_PM_TMR_BLK, 4), 3579545 / 2);
	/* Byte reads see the same counter. */
	f->now_ns = NS_PER_SEC;
	assert_int_equal(in(f, ICH9_PM_TMR_BLK, 1), 3579545 & 0xff);
	assert_int_equal(in(f, ICH9_PM_TMR_BLK + 2, 2), 3579545 >> 16);
}

static void test_pm_timer_wrap(void **state)
{
	struct fixture *f = *state;

	/* 2^24 ticks is 4.687 s; one tick more than that wraps to 1 (or close to it). */
	f->now_ns = (((1ull << 24) + 1) * NS_PER_SEC + ICH9_PM_TIMER_HZ - 1) / ICH9_PM_TIMER_HZ;
	assert_int_equal(ich9_pm_ticks(f->now_ns), (1ull << 24) + 1);
	assert_int_equal(in(f, ICH9_PM_TMR_BLK, 4), 1);
	assert_int_equal(in(f, ICH9_PM_TMR_BLK + 3, 1), 0); /* bits 31:24 always 0 */
	/* The counter is monotonic modulo 2^24 over a long uptime. */
	f->now_ns = 100ull * 86400 * NS_PER_SEC;
	assert_int_equal(in(f, ICH9_PM_TMR_BLK, 4),
			 (uint32_t)(ich9_pm_ticks(f->now_ns) & ICH9_PM_TIMER_MASK));
}

static void test_pm_ticks_no_overflow(void **state)
{
	static const uint64_t samples[] = {
		0, 1, 279, 280, NS_PER_SEC - 1, NS_PER_SEC, 123456789012345ull,
		UINT64_MAX / ICH9_PM_TIMER_HZ + 1, /* where a naive ns * HZ overflows */
		1ull << 62, UINT64_MAX - 1, UINT64_MAX,
	};

	(void)state;
	for (unsigned i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		unsigned __int128 want = (unsigned __int128)samples[i] * ICH9_PM_TIMER_HZ / NS_PER_SEC;

		assert_true(ich9_pm_ticks(samples[i]) == (uint64_t)want);
	}
}

static void test_pm1_status_w1c_and_sci(void **state)
{
	struct fixture *f = *state;

	ich9_lpc_power_button(&f->q35.lpc);
	assert_int_equal(in(f, ICH9_PM1_EVT_BLK, 2) & ICH9_PM1_STS_PWRBTN, ICH9_PM1_STS_PWRBTN);
	assert_int_equal(f->sci_changes, 0); /* not enabled */

	out(f, ICH9_PM1_EVT_BLK + 2, 2, ICH9_PM1_EN_PWRBTN);
	assert_int_equal(in(f, ICH9_PM1_EVT_BLK + 2, 2), ICH9_PM1_EN_PWRBTN);
	assert_int_equal(f->sci_level, 1);
	assert_int_equal(f->sci_gsi, ICH9_SCI_IRQ);

	/* Writing 0 keeps status; writing 1 clears only that bit. */
	out(f, ICH9_PM1_EVT_BLK, 2, 0);
	assert_int_equal(in(f, ICH9_PM1_EVT_BLK, 2) & ICH9_PM1_STS_PWRBTN, ICH9_PM1_STS_PWRBTN);
	out(f, ICH9_PM1_EVT_BLK, 2, ICH9_PM1_STS_RTC);
	assert_int_equal(in(f, ICH9_PM1_EVT_BLK, 2) & ICH9_PM1_STS_PWRBTN, ICH9_PM1_STS_PWRBTN);
	out(f, ICH9_PM1_EVT_BLK + 1, 1, ICH9_PM1_STS_PWRBTN >> 8);
	assert_int_equal(in(f, ICH9_PM1_EVT_BLK, 2) & ICH9_PM1_STS_PWRBTN, 0);
	assert_int_equal(f->sci_level, 0);

	/* A 32-bit access covers STS and EN together. */
	ich9_lpc_power_button(&f->q35.lpc);
	assert_int_equal(in(f, ICH9_PM1_EVT_BLK, 4),
			 (uint32_t)ICH9_PM1_EN_PWRBTN << 16 | ICH9_PM1_STS_PWRBTN);
	out(f, ICH9_PM1_EVT_BLK, 4, ICH9_PM1_STS_PWRBTN); /* clears status, disables all */
	assert_int_equal(in(f, ICH9_PM1_EVT_BLK, 4), 0);
}

static void test_tmr_sts(void **state)
{
	struct fixture *f = *state;
	uint64_t half = (1ull << 23) * NS_PER_SEC / ICH9_PM_TIMER_HZ; /* ~2.34 s */

	assert_int_equal(in(f, ICH9_PM1_EVT_BLK, 2) & ICH9_PM1_STS_TMR, 0);
	f->now_ns = half + NS_PER_SEC / 1000;
	assert_int_equal(in(f, ICH9_PM1_EVT_BLK, 2) & ICH9_PM1_STS_TMR, ICH9_PM1_STS_TMR);
	out(f, ICH9_PM1_EVT_BLK, 2, ICH9_PM1_STS_TMR);
	assert_int_equal(in(f, ICH9_PM1_EVT_BLK, 2) & ICH9_PM1_STS_TMR, 0);
	/* Next toggle of bit 23 latches it again; TMR_EN then raises the SCI. */
	out(f, ICH9_PM1_EVT_BLK + 2, 2, ICH9_PM1_EN_TMR);
	assert_int_equal(f->sci_level, 0);
	f->now_ns = 2 * half + NS_PER_SEC / 1000;
	assert_int_equal(in(f, ICH9_PM1_EVT_BLK, 2) & ICH9_PM1_STS_TMR, ICH9_PM1_STS_TMR);
	assert_int_equal(f->sci_level, 1);
}

static void test_s5(void **state)
{
	struct fixture *f = *state;
	static const struct {
		unsigned slp_typ;
		bool poweroff;
	} cases[] = { { 0, true }, { 7, true }, { 5, false }, { 1, false }, { 3, false } };

	/* SCI_EN is set from reset: no SMM firmware switches to ACPI mode. */
	assert_int_equal(in(f, ICH9_PM1_CNT_BLK, 2), ICH9_PM1_CNT_SCI_EN);
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned before = f->n_req;

		out(f, ICH9_PM1_CNT_BLK, 2,
		    ICH9_PM1_CNT_SCI_EN | cases[i].slp_typ << ICH9_PM1_CNT_SLP_TYP_SHIFT |
			    ICH9_PM1_CNT_SLP_EN);
		assert_int_equal(f->n_req - before, cases[i].poweroff ? 1 : 0);
		if (cases[i].poweroff) {
			assert_int_equal(f->last_req, VM_REQ_POWEROFF);
			assert_int_equal(f->last_status, EXIT_POWEROFF);
		}
		/* SLP_EN reads back 0, SLP_TYP sticks. */
		assert_int_equal(in(f, ICH9_PM1_CNT_BLK, 2),
				 ICH9_PM1_CNT_SCI_EN | cases[i].slp_typ << ICH9_PM1_CNT_SLP_TYP_SHIFT);
	}
	/* SLP_TYP without SLP_EN does nothing; a byte write to the high half carries both. */
	f->n_req = 0;
	out(f, ICH9_PM1_CNT_BLK, 2, 7 << ICH9_PM1_CNT_SLP_TYP_SHIFT);
	assert_int_equal(f->n_req, 0);
	out(f, ICH9_PM1_CNT_BLK + 1, 1,
	    (7 << ICH9_PM1_CNT_SLP_TYP_SHIFT | ICH9_PM1_CNT_SLP_EN) >> 8);
	assert_int_equal(f->n_req, 1);
	assert_int_equal(f->last_req, VM_REQ_POWEROFF);
}

static void test_rst_cnt(void **state)
{
	struct fixture *f = *state;

	out(f, ICH9_RST_CNT_PORT, 1, ICH9_RST_CNT_SYS_RST);
	assert_int_equal(f->n_req, 0);
	assert_int_equal(in(f, ICH9_RST_CNT_PORT, 1), ICH9_RST_CNT_SYS_RST);

	out(f, ICH9_RST_CNT_PORT, 1, ICH9_RST_CNT_RESET_VALUE);
	assert_int_equal(ICH9_RST_CNT_RESET_VALUE, 0x06);
	assert_int_equal(f->n_req, 1);
	assert_int_equal(f->last_req, VM_REQ_RESET);

	out(f, ICH9_RST_CNT_PORT, 1, ICH9_RST_CNT_RST_CPU);
	assert_int_equal(f->n_req, 2);

	/* A dword write to 0xCF8 is CONFIG_ADDRESS, not RST_CNT. */
	out(f, Q35_PCI_CONFIG_ADDRESS, 4, 0x80000600u);
	assert_int_equal(f->n_req, 2);
	assert_int_equal(in(f, Q35_PCI_CONFIG_ADDRESS, 4), 0x80000600u);

	q35_pci_reset(&f->q35);
	assert_int_equal(in(f, ICH9_RST_CNT_PORT, 1), 0);
}

static void test_lpc_config(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(lpc_cfg_read(f, ICH9_LPC_PMBASE, 4), ICH9_PMBASE | ICH9_LPC_PMBASE_RTE);
	assert_int_equal(lpc_cfg_read(f, ICH9_LPC_ACPI_CTRL, 1), ICH9_LPC_ACPI_CTRL_ACPI_EN);
	assert_int_equal(lpc_cfg_read(f, ICH9_LPC_PIRQA_ROUT, 4), 0x80808080u);
	assert_int_equal(lpc_cfg_read(f, ICH9_LPC_RCBA, 4), 0);

	/* Moving PMBASE is refused and explained. */
	pr_info("marker");
	lpc_cfg_write(f, ICH9_LPC_PMBASE, 4, ICH9_PMBASE);
	assert_string_equal(log_last(), "marker");
	lpc_cfg_write(f, ICH9_LPC_PMBASE, 4, 0xb000);
	assert_non_null(strstr(log_last(), "PMBASE"));
	assert_int_equal(lpc_cfg_read(f, ICH9_LPC_PMBASE, 4), ICH9_PMBASE | ICH9_LPC_PMBASE_RTE);

	/* SCI_IRQ_SEL is fixed at IRQ9; PIRQ routing is plain storage. */
	lpc_cfg_write(f, ICH9_LPC_ACPI_CTRL, 1, ICH9_LPC_ACPI_CTRL_ACPI_EN | 0x02);
	assert_int_equal(lpc_cfg_read(f, ICH9_LPC_ACPI_CTRL, 1), ICH9_LPC_ACPI_CTRL_ACPI_EN);
	lpc_cfg_write(f, ICH9_LPC_PIRQA_ROUT + 1, 1, 0xfb);
	assert_int_equal(lpc_cfg_read(f, ICH9_LPC_PIRQA_ROUT, 4), 0x80808b80u);

	/* Clearing ACPI_EN stops the PM block decoding. */
	f->now_ns = NS_PER_SEC;
	lpc_cfg_write(f, ICH9_LPC_ACPI_CTRL, 1, 0);
	assert_int_equal(in(f, ICH9_PM_TMR_BLK, 4), 0xffffffffu);
	out(f, ICH9_PM1_EVT_BLK + 2, 2, ICH9_PM1_EN_PWRBTN);
	lpc_cfg_write(f, ICH9_LPC_ACPI_CTRL, 1, ICH9_LPC_ACPI_CTRL_ACPI_EN);
	assert_int_equal(in(f, ICH9_PM1_EVT_BLK + 2, 2), 0);
	assert_int_equal(in(f, ICH9_PM_TMR_BLK, 4), 3579545);
}

static void test_gpe0_and_reserved(void **state)
{
	struct fixture *f = *state;

	out(f, ICH9_GPE0_BLK + 8, 4, 0x12345678);
	assert_int_equal(in(f, ICH9_GPE0_BLK + 8, 4), 0x12345678u);
	assert_int_equal(f->sci_level, 0);
	f->q35.lpc.gpe0_sts[1] = 0x34; /* a source fires (none is wired yet) */
	out(f, ICH9_GPE0_BLK + 9, 1, 0x56);
	assert_int_equal(f->sci_level, 1); /* 0x34 & 0x56 */
	out(f, ICH9_GPE0_BLK, 4, 0x0400);
	assert_int_equal(in(f, ICH9_GPE0_BLK, 4), 0x3000);
	assert_int_equal(f->sci_level, 1);
	out(f, ICH9_GPE0_BLK + 1, 1, 0x10);
	assert_int_equal(f->sci_level, 0);

	/* Reserved PM bytes read 0 and ignore writes; the timer is read-only. */
	out(f, ICH9_PMBASE + 0x40, 4, 0xffffffff);
	assert_int_equal(in(f, ICH9_PMBASE + 0x40, 4), 0);
	f->now_ns = NS_PER_SEC;
	out(f, ICH9_PM_TMR_BLK, 4, 0);
	assert_int_equal(in(f, ICH9_PM_TMR_BLK, 4), 3579545);
}

/* Without SMM, SMI_EN.APMC_EN reads set from reset (QEMU ich9 pm_reset), so SeaBIOS skips
 * its SMM set-up instead of spinning on port 0xB3; the register keeps what is written. */
static void test_smi_en(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(in(f, ICH9_PMBASE + ICH9_PMIO_SMI_EN, 4), ICH9_SMI_EN_APMC_EN);
	out(f, ICH9_PMBASE + ICH9_PMIO_SMI_EN + 1, 1, 0xab);
	assert_int_equal(in(f, ICH9_PMBASE + ICH9_PMIO_SMI_EN, 4), 0xab00 | ICH9_SMI_EN_APMC_EN);
	ich9_lpc_reset(&f->q35.lpc);
	assert_int_equal(in(f, ICH9_PMBASE + ICH9_PMIO_SMI_EN, 2), ICH9_SMI_EN_APMC_EN);
}

static void test_reset_and_init(void **state)
{
	struct fixture *f = *state;
	struct ich9_lpc_config bad = { 0 };
	struct ich9_lpc *lpc = calloc(1, sizeof(*lpc));

	out(f, ICH9_PM1_EVT_BLK + 2, 2, ICH9_PM1_EN_PWRBTN);
	out(f, ICH9_PM1_CNT_BLK, 2, 0);
	ich9_lpc_power_button(&f->q35.lpc);
	assert_int_equal(f->sci_level, 1);
	ich9_lpc_reset(&f->q35.lpc);
	assert_int_equal(in(f, ICH9_PM1_EVT_BLK, 4), 0);
	assert_int_equal(in(f, ICH9_PM1_CNT_BLK, 2), ICH9_PM1_CNT_SCI_EN);
	assert_int_equal(f->sci_level, 0);

	assert_non_null(lpc);
	assert_int_equal(ich9_lpc_init(lpc, &bad), -EINVAL);
	assert_int_equal(ich9_lpc_init(lpc, NULL), -EINVAL);
	free(lpc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pm_timer_rate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pm_timer_wrap, setup, teardown),
		cmocka_unit_test(test_pm_ticks_no_overflow),
		cmocka_unit_test_setup_teardown(test_pm1_status_w1c_and_sci, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tmr_sts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_s5, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rst_cnt, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lpc_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gpe0_and_reserved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_smi_en, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_and_init, setup, teardown),
	};

	return cmocka_run_group_tests_name("ich9_lpc", tests, NULL, NULL);
}
