/* PCI config model, q35 host bridge (CF8/CFC and ECAM) and the bus-0 glue. */
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
#include "vmm/dev/pci.h"
#include "vmm/dev/q35_host.h"
#include "vmm/log.h"
#include "vmm/memmap.h"

struct fixture {
	struct bus pio, mmio;
	struct q35_pci q35;
	uint64_t now_ns;
};

static uint64_t fake_now(void *opaque)
{
	return ((struct fixture *)opaque)->now_ns;
}

static uint64_t zero_now(void *opaque)
{
	(void)opaque;
	return 0;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	test_q35_init(&f->pio, &f->mmio, &f->q35, &(struct ich9_lpc_config){ .clock = { fake_now, f } });
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

static uint32_t pio_in(struct fixture *f, uint16_t port, unsigned len)
{
	return test_bus_in(&f->pio, port, len);
}

static void pio_out(struct fixture *f, uint16_t port, unsigned len, uint32_t v)
{
	test_bus_out(&f->pio, port, len, v);
}

static uint32_t cf8_addr(unsigned bus, unsigned devfn, unsigned reg)
{
	return Q35_PCI_CONFIG_ENABLE | bus << 16 | devfn << 8 | (reg & 0xfc);
}

/* Mechanism #1 read: CONFIG_ADDRESS then the CONFIG_DATA port matching reg's byte. */
static uint32_t cfg_read(struct fixture *f, unsigned bus, unsigned devfn, unsigned reg,
			 unsigned len)
{
	pio_out(f, Q35_PCI_CONFIG_ADDRESS, 4, cf8_addr(bus, devfn, reg));
	return pio_in(f, (uint16_t)(Q35_PCI_CONFIG_DATA + (reg & 3)), len);
}

static void cfg_write(struct fixture *f, unsigned bus, unsigned devfn, unsigned reg,
		      unsigned len, uint32_t v)
{
	pio_out(f, Q35_PCI_CONFIG_ADDRESS, 4, cf8_addr(bus, devfn, reg));
	pio_out(f, (uint16_t)(Q35_PCI_CONFIG_DATA + (reg & 3)), len, v);
}

static uint64_t ecam_off(unsigned bus, unsigned devfn, unsigned reg)
{
	return (uint64_t)bus << 20 | (uint64_t)devfn << 12 | reg;
}

static uint64_t ecam_read(struct fixture *f, unsigned bus, unsigned devfn, unsigned reg,
			  unsigned len)
{
	uint8_t buf[8] = { 0 };

	assert_true(bus_access(&f->mmio, NULL, Q35_ECAM_BASE + ecam_off(bus, devfn, reg), buf, len,
			       false));
	return bus_data_get(buf, len);
}

static void ecam_write(struct fixture *f, unsigned bus, unsigned devfn, unsigned reg,
		       unsigned len, uint64_t v)
{
	uint8_t buf[8];

	bus_data_put(buf, len, v);
	assert_true(bus_access(&f->mmio, NULL, Q35_ECAM_BASE + ecam_off(bus, devfn, reg), buf, len,
			       true));
}

static void test_cf8_enable_bit(void **state)
{
	struct fixture *f = *state;

	pio_out(f, Q35_PCI_CONFIG_ADDRESS, 4, cf8_addr(0, Q35_MCH_DEVFN, 0));
	assert_int_equal(pio_in(f, Q35_PCI_CONFIG_ADDRESS, 4), 0x80000000u);
	assert_int_equal(pio_in(f, Q35_PCI_CONFIG_DATA, 4), 0x29c08086u);

	/* Same address without bit 31: no config cycle, the data port floats. */
	pio_out(f, Q35_PCI_CONFIG_ADDRESS, 4, 0);
	assert_int_equal(pio_in(f, Q35_PCI_CONFIG_DATA, 4), 0xffffffffu);
	assert_int_equal(pio_in(f, Q35_PCI_CONFIG_DATA + 2, 2), 0xffffu);

	/* Narrow writes to 0xCF8 do not change CONFIG_ADDRESS. */
	pio_out(f, Q35_PCI_CONFIG_ADDRESS, 4, cf8_addr(0, ICH9_LPC_DEVFN, 0));
	pio_out(f, Q35_PCI_CONFIG_ADDRESS, 2, 0);
	assert_int_equal(pio_in(f, Q35_PCI_CONFIG_ADDRESS, 4), cf8_addr(0, ICH9_LPC_DEVFN, 0));
	assert_int_equal(pio_in(f, Q35_PCI_CONFIG_DATA, 4), 0x29188086u);
}

static void test_ids_both_mechanisms(void **state)
{
	struct fixture *f = *state;

	/* MCH 00:00.0: 8086:29c0, class 06 00 00 (host bridge). */
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, PCI_VENDOR_ID, 2), 0x8086);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, PCI_DEVICE_ID, 2), 0x29c0);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, PCI_CLASS_REVISION, 4) >> 8, 0x060000);
	assert_int_equal(ecam_read(f, 0, Q35_MCH_DEVFN, PCI_VENDOR_ID, 4), 0x29c08086u);

	/* LPC 00:1f.0: 8086:2918 rev 2, class 06 01 00 (ISA bridge). */
	assert_int_equal(cfg_read(f, 0, ICH9_LPC_DEVFN, PCI_VENDOR_ID, 4), 0x29188086u);
	assert_int_equal(cfg_read(f, 0, ICH9_LPC_DEVFN, PCI_CLASS_REVISION, 4), 0x06010002u);
	assert_int_equal(ecam_read(f, 0, ICH9_LPC_DEVFN, PCI_DEVICE_ID, 2), 0x2918);
	assert_int_equal(ecam_read(f, 0, ICH9_LPC_DEVFN, PCI_CLASS_DEVICE, 2), 0x0601);
	assert_int_equal(ecam_read(f, 0, ICH9_LPC_DEVFN, PCI_SUBSYSTEM_VENDOR_ID, 2),
			 PCI_SUBVENDOR_ID_REDHAT_QUMRANET);

	/* Both mechanisms see the same bytes, at every width. */
	static const uint8_t devfns[] = { Q35_MCH_DEVFN, ICH9_LPC_DEVFN };
	for (unsigned d = 0; d < 2; d++) {
		for (unsigned reg = 0; reg < PCI_CONFIG_SIZE; reg += 4) {
			uint32_t a = cfg_read(f, 0, devfns[d], reg, 4);

			assert_int_equal(a, ecam_read(f, 0, devfns[d], reg, 4));
			assert_int_equal(a & 0xff, cfg_read(f, 0, devfns[d], reg, 1));
			assert_int_equal((a >> 8) & 0xff, cfg_read(f, 0, devfns[d], reg + 1, 1));
			assert_int_equal(a >> 16, cfg_read(f, 0, devfns[d], reg + 2, 2));
			assert_int_equal((a >> 24), ecam_read(f, 0, devfns[d], reg + 3, 1));
		}
	}
	/* Byte at 0xCFD: vendor ID high byte of the LPC. */
	pio_out(f, Q35_PCI_CONFIG_ADDRESS, 4, cf8_addr(0, ICH9_LPC_DEVFN, 0));
	assert_int_equal(pio_in(f, 0xCFD, 1), 0x80);
	assert_int_equal(pio_in(f, 0xCFE, 2), 0x2918);
}

static void test_misaligned_refused(void **state)
{
	struct fixture *f = *state;

	pio_out(f, Q35_PCI_CONFIG_ADDRESS, 4, cf8_addr(0, Q35_MCH_DEVFN, 0x50));
	pio_out(f, 0xCFD, 2, 0xabcd); /* word not naturally aligned: dropped */
	assert_int_equal(pio_in(f, 0xCFD, 2), 0xffff);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, 0x50, 4), 0);

	assert_int_equal(ecam_read(f, 0, Q35_MCH_DEVFN, 0x51, 2), 0xffff);
	assert_int_equal(ecam_read(f, 0, Q35_MCH_DEVFN, 0x52, 4), 0xffffffffu);
	ecam_write(f, 0, Q35_MCH_DEVFN, 0x51, 2, 0x1234);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, 0x50, 4), 0);
}

static void test_ecam_8byte_split(void **state)
{
	struct fixture *f = *state;

	cfg_write(f, 0, ICH9_LPC_DEVFN, PCI_COMMAND, 2, PCI_COMMAND_IO);
	assert_int_equal(ecam_read(f, 0, ICH9_LPC_DEVFN, 0, 8), 0x0000000129188086ull);
	ecam_write(f, 0, Q35_MCH_DEVFN, 0x50, 8, 0x1122334455667788ull);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, 0x50, 4), 0x55667788u);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, 0x54, 4), 0x11223344u);
	/* 8 bytes not 8-aligned: refused. */
	assert_int_equal(ecam_read(f, 0, Q35_MCH_DEVFN, 0x54, 8), ~0ull);
}

static void test_readonly_fields(void **state)
{
	struct fixture *f = *state;
	static const uint8_t devfns[] = { Q35_MCH_DEVFN, ICH9_LPC_DEVFN };

	for (unsigned d = 0; d < 2; d++) {
		uint32_t id = cfg_read(f, 0, devfns[d], PCI_VENDOR_ID, 4);
		uint32_t cls = cfg_read(f, 0, devfns[d], PCI_CLASS_REVISION, 4);
		uint32_t hdr = cfg_read(f, 0, devfns[d], PCI_CACHE_LINE_SIZE, 4);
		uint32_t sub = cfg_read(f, 0, devfns[d], PCI_SUBSYSTEM_VENDOR_ID, 4);

		cfg_write(f, 0, devfns[d], PCI_VENDOR_ID, 4, 0);
		ecam_write(f, 0, devfns[d], PCI_CLASS_REVISION, 4, 0xffffffffu);
		cfg_write(f, 0, devfns[d], PCI_HEADER_TYPE, 1, 0x7f);
		cfg_write(f, 0, devfns[d], PCI_SUBSYSTEM_VENDOR_ID, 4, 0x12345678);
		assert_int_equal(cfg_read(f, 0, devfns[d], PCI_VENDOR_ID, 4), id);
		assert_int_equal(cfg_read(f, 0, devfns[d], PCI_CLASS_REVISION, 4), cls);
		assert_int_equal(cfg_read(f, 0, devfns[d], PCI_HEADER_TYPE, 1), (hdr >> 16) & 0xff);
		assert_int_equal(cfg_read(f, 0, devfns[d], PCI_SUBSYSTEM_VENDOR_ID, 4), sub);
	}
}

static void test_unpopulated(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(cfg_read(f, 0, PCI_MK_DEVFN(5, 0), 0, 4), 0xffffffffu);
	assert_int_equal(cfg_read(f, 0, PCI_MK_DEVFN(0, 1), 0, 4), 0xffffffffu);
	assert_int_equal(cfg_read(f, 1, Q35_MCH_DEVFN, 0, 4), 0xffffffffu);
	assert_int_equal(cfg_read(f, 0, PCI_MK_DEVFN(5, 0), 0, 2), 0xffff);
	assert_int_equal(ecam_read(f, 0, PCI_MK_DEVFN(5, 0), 0, 4), 0xffffffffu);
	assert_int_equal(ecam_read(f, 255, ICH9_LPC_DEVFN, 0, 4), 0xffffffffu);
	/* Past the 256-byte conventional config space of the MCH. */
	assert_int_equal(ecam_read(f, 0, Q35_MCH_DEVFN, 0x100, 4), 0xffffffffu);
	/* Writes to nowhere change nothing that exists. */
	ecam_write(f, 1, Q35_MCH_DEVFN, 0x50, 4, 0x12345678);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, 0x50, 4), 0);
}

static void test_pciexbar(void **state)
{
	struct fixture *f = *state;
	uint64_t want = Q35_ECAM_BASE | Q35_MCH_PCIEXBAR_LEN_256M | Q35_MCH_PCIEXBAR_EN;

	assert_int_equal(want, 0xb0000001ull);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, Q35_MCH_PCIEXBAR, 4), 0xb0000001u);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, Q35_MCH_PCIEXBAR + 4, 4), 0);
	assert_int_equal(ecam_read(f, 0, Q35_MCH_DEVFN, Q35_MCH_PCIEXBAR, 8), want);

	/* Rewriting the same value is silent; moving it is refused with a warning. */
	pr_info("marker");
	cfg_write(f, 0, Q35_MCH_DEVFN, Q35_MCH_PCIEXBAR, 4, 0xb0000001u);
	assert_string_equal(log_last(), "marker");
	cfg_write(f, 0, Q35_MCH_DEVFN, Q35_MCH_PCIEXBAR, 4, 0xe0000001u);
	assert_non_null(strstr(log_last(), "PCIEXBAR"));
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, Q35_MCH_PCIEXBAR, 4), 0xb0000001u);
}

static void test_scratch_and_command_masks(void **state)
{
	struct fixture *f = *state;

	/* Device-specific space is scratch unless the model locks it (QEMU pci_init_wmask). */
	cfg_write(f, 0, Q35_MCH_DEVFN, 0x90, 4, 0x11223344);
	assert_int_equal(ecam_read(f, 0, Q35_MCH_DEVFN, 0x90, 4), 0x11223344u);
	cfg_write(f, 0, Q35_MCH_DEVFN, 0x91, 1, 0xaa);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, 0x90, 4), 0x1122aa44u);
	/* SMRAM is locked at its reset value. */
	cfg_write(f, 0, Q35_MCH_DEVFN, Q35_MCH_SMRAM, 1, 0xff);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, Q35_MCH_SMRAM, 1), Q35_MCH_SMRAM_DEFAULT);

	cfg_write(f, 0, ICH9_LPC_DEVFN, PCI_COMMAND, 2, 0xffff);
	assert_int_equal(cfg_read(f, 0, ICH9_LPC_DEVFN, PCI_COMMAND, 2),
			 PCI_COMMAND_IO | PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER |
				 PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE);
	cfg_write(f, 0, ICH9_LPC_DEVFN, PCI_INTERRUPT_LINE, 1, 0x0b);
	assert_int_equal(cfg_read(f, 0, ICH9_LPC_DEVFN, PCI_INTERRUPT_LINE, 1), 0x0b);
}

static void test_status_w1c(void **state)
{
	struct fixture *f = *state;
	struct pci_device *mch = &f->q35.mch;

	pci_set(mch, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR);
	cfg_write(f, 0, Q35_MCH_DEVFN, PCI_STATUS, 2, 0); /* writing 0 keeps */
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, PCI_STATUS, 2),
			 PCI_STATUS_REC_MASTER_ABORT | PCI_STATUS_SIG_SYSTEM_ERROR);
	cfg_write(f, 0, Q35_MCH_DEVFN, PCI_STATUS, 2, PCI_STATUS_REC_MASTER_ABORT);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, PCI_STATUS, 2), PCI_STATUS_SIG_SYSTEM_ERROR);
	/* A dword write to COMMAND with zero status bits leaves STATUS alone. */
	cfg_write(f, 0, Q35_MCH_DEVFN, PCI_COMMAND, 4, PCI_COMMAND_MEMORY);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, PCI_STATUS, 2), PCI_STATUS_SIG_SYSTEM_ERROR);
}

static void test_bar_sizing(void **state)
{
	struct pci_device *dev = calloc(1, sizeof(*dev));
	const struct pci_device_id id = { .vendor = 0x1af4, .device = 0x1000 };

	(void)state;
	assert_non_null(dev);
	assert_int_equal(pci_device_init(dev, "t", &id, PCI_CONFIG_SIZE), 0);
	assert_int_equal(pci_bar_init(dev, 0, 4096, PCI_BASE_ADDRESS_SPACE_MEMORY), 0);
	assert_int_equal(pci_bar_init(dev, 1, 32, PCI_BASE_ADDRESS_SPACE_IO), 0);
	assert_int_equal(pci_bar_init(dev, 2, 8ull << 30,
				      PCI_BASE_ADDRESS_MEM_TYPE_64 | PCI_BASE_ADDRESS_MEM_PREFETCH),
			 0);

	for (unsigned bar = 0; bar < 4; bar++)
		pci_config_write(dev, PCI_BASE_ADDRESS_0 + 4 * bar, 4, 0xffffffffu);
	assert_int_equal(pci_config_read(dev, PCI_BASE_ADDRESS_0, 4), 0xfffff000u);
	assert_int_equal(pci_config_read(dev, PCI_BASE_ADDRESS_1, 4), 0xffffffe1u);
	assert_int_equal(pci_config_read(dev, PCI_BASE_ADDRESS_2, 4), 0x0000000cu);
	assert_int_equal(pci_config_read(dev, PCI_BASE_ADDRESS_3, 4), 0xfffffffeu);
	pci_config_write(dev, PCI_BASE_ADDRESS_0, 4, 0xfebc1234u);
	assert_int_equal(pci_config_read(dev, PCI_BASE_ADDRESS_0, 4), 0xfebc1000u);

	assert_int_equal(pci_bar_init(dev, 6, 4096, 0), -EINVAL);
	assert_int_equal(pci_bar_init(dev, 5, 4096, PCI_BASE_ADDRESS_MEM_TYPE_64), -EINVAL);
	assert_int_equal(pci_bar_init(dev, 0, 3000, 0), -EINVAL);
	assert_int_equal(pci_bar_init(dev, 0, 8, 0), -EINVAL);
	assert_int_equal(pci_bar_init(dev, 0, 512, PCI_BASE_ADDRESS_SPACE_IO), -EINVAL);
	assert_int_equal(pci_bar_init(dev, 0, 4ull << 30, 0), -EINVAL);
	assert_int_equal(pci_device_init(dev, "t", &id, 1024), -EINVAL);
	free(dev);
}

static void test_bus_table(void **state)
{
	struct pci_bus *bus = calloc(1, sizeof(*bus));
	struct pci_device *devs = calloc(3, sizeof(*devs));
	const struct pci_device_id id = { .vendor = 0x8086, .device = 0x1234 };

	(void)state;
	assert_non_null(bus);
	assert_non_null(devs);
	pci_bus_init(bus);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(pci_device_init(&devs[i], "t", &id, PCI_CONFIG_SIZE_EXP), 0);

	/* A function other than 0 is invisible until function 0 exists. */
	assert_int_equal(pci_bus_add(bus, &devs[1], PCI_MK_DEVFN(3, 2)), 0);
	assert_int_equal(pci_bus_config_read(bus, PCI_MK_DEVFN(3, 2), 0, 4), 0xffffffffu);
	assert_int_equal(pci_bus_add(bus, &devs[0], PCI_MK_DEVFN(3, 0)), 0);
	assert_int_equal(pci_bus_config_read(bus, PCI_MK_DEVFN(3, 2), 0, 4), 0x12348086u);
	assert_int_equal(pci_bus_config_read(bus, PCI_MK_DEVFN(3, 0), PCI_HEADER_TYPE, 1),
			 PCI_HEADER_TYPE_MULTI_FUNCTION);
	assert_int_equal(pci_bus_add(bus, &devs[2], PCI_MK_DEVFN(3, 2)), -EEXIST);
	assert_int_equal(pci_bus_add(bus, NULL, PCI_MK_DEVFN(4, 0)), -EINVAL);
	assert_int_equal(devs[1].devfn, PCI_MK_DEVFN(3, 2));
	/* PCIe-sized device: extended space reachable. */
	pci_bus_config_write(bus, PCI_MK_DEVFN(3, 0), 0x800, 4, 0xcafef00d);
	assert_int_equal(pci_bus_config_read(bus, PCI_MK_DEVFN(3, 0), 0x800, 4), 0xcafef00du);
	assert_int_equal(pci_bus_config_read(bus, PCI_MK_DEVFN(3, 0), 0xffe, 4), 0xffffffffu);
	free(devs);
	free(bus);
}

static void test_reset_restores(void **state)
{
	struct fixture *f = *state;

	cfg_write(f, 0, Q35_MCH_DEVFN, 0x90, 4, 0x11223344);
	cfg_write(f, 0, ICH9_LPC_DEVFN, PCI_COMMAND, 2, PCI_COMMAND_IO);
	q35_pci_reset(&f->q35);
	assert_int_equal(pio_in(f, Q35_PCI_CONFIG_ADDRESS, 4), 0);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, 0x90, 4), 0);
	assert_int_equal(cfg_read(f, 0, ICH9_LPC_DEVFN, PCI_COMMAND, 2), 0);
	assert_int_equal(cfg_read(f, 0, ICH9_LPC_DEVFN, PCI_VENDOR_ID, 4), 0x29188086u);
	assert_int_equal(cfg_read(f, 0, Q35_MCH_DEVFN, Q35_MCH_PCIEXBAR, 4), 0xb0000001u);
}

static void test_init_errors(void **state)
{
	struct q35_pci *q = calloc(1, sizeof(*q));
	struct bus pio, mmio;
	struct q35_pci_config cfg = { 0 };

	(void)state;
	assert_non_null(q);
	bus_init(&pio, "pio");
	bus_init(&mmio, "mmio");
	assert_int_equal(q35_pci_init(q, &cfg), -EINVAL);
	cfg.pio = &pio;
	cfg.mmio = &mmio;
	assert_int_equal(q35_pci_init(q, &cfg), -EINVAL); /* no clock */
	cfg.lpc.clock = (struct clock_src){ zero_now, NULL };
	bus_register(&pio, 0xCFC, 1, q35_pci_cfc_io, q, "squatter");
	assert_int_equal(q35_pci_init(q, &cfg), -EEXIST);
	bus_destroy(&pio);
	bus_destroy(&mmio);
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cf8_enable_bit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ids_both_mechanisms, setup, teardown),
		cmocka_unit_test_setup_teardown(test_misaligned_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ecam_8byte_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_readonly_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unpopulated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pciexbar, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scratch_and_command_masks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_w1c, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset_restores, setup, teardown),
		cmocka_unit_test(test_bar_sizing),
		cmocka_unit_test(test_bus_table),
		cmocka_unit_test(test_init_errors),
	};

	return cmocka_run_group_tests_name("pci", tests, NULL, NULL);
}
