/* fw_cfg: selector/data ports, items, file directory, DMA against a fake guest RAM. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "bus_io.h"

#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/dev/fw_cfg.h"
#include "vmm/guest_mem.h"
#include "vmm/log.h"

#define RAM_SIZE (1u << 20)
#define DESC     0x1000u /* where tests put the DMA descriptor */
#define BUF      0x2000u /* where tests point DMA at */

struct fixture {
	struct bus pio;
	struct guest_mem gm;
	uint8_t *ram;
	struct fw_cfg fc;
};

static int setup_common(void **state, bool dma)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct fw_cfg_config cfg = { 0 };

	assert_non_null(f);
	log_quiet = true;
	f->ram = calloc(1, RAM_SIZE);
	assert_non_null(f->ram);
	assert_int_equal(gm_add_slot(&f->gm, 0, RAM_SIZE, f->ram, false), 0);
	bus_init(&f->pio, "pio");
	cfg.gm = dma ? &f->gm : NULL;
	assert_int_equal(fw_cfg_init(&f->fc, &cfg), 0);
	assert_int_equal(fw_cfg_register(&f->fc, &f->pio), 0);
	*state = f;
	return 0;
}

static int setup(void **state)
{
	return setup_common(state, true);
}

static int setup_nodma(void **state)
{
	return setup_common(state, false);
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	fw_cfg_destroy(&f->fc);
	bus_destroy(&f->pio);
	free(f->ram);
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

static void select_key(struct fixture *f, uint16_t key)
{
	out(f, FW_CFG_PORT_SEL, 2, key);
}

static void read_data(struct fixture *f, void *dst, size_t n)
{
	uint8_t *p = dst;

	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)in(f, FW_CFG_PORT_DATA, 1);
}

/* What SeaBIOS does: outl(be32(addr >> 32), 0x514); outl(be32(addr), 0x518). */
static void dma_kick(struct fixture *f, uint64_t desc)
{
	out(f, FW_CFG_PORT_DMA, 4, htobe32((uint32_t)(desc >> 32)));
	out(f, FW_CFG_PORT_DMA + 4, 4, htobe32((uint32_t)desc));
}

static void put_desc(struct fixture *f, uint64_t at, uint32_t control, uint32_t length,
		     uint64_t address)
{
	struct fw_cfg_dma_access d = { htobe32(control), htobe32(length), htobe64(address) };

	assert_int_equal(gm_write(&f->gm, at, &d, sizeof(d)), 0);
}

static uint32_t desc_control(struct fixture *f, uint64_t at)
{
	uint32_t be;

	assert_int_equal(gm_read(&f->gm, at, &be, sizeof(be)), 0);
	return be32toh(be);
}

static void test_signature_and_id(void **state)
{
	struct fixture *f = *state;
	char sig[5] = { 0 };
	uint32_t id;

	/* Reset leaves the signature selected. */
	read_data(f, sig, 4);
	assert_string_equal(sig, "QEMU");
	assert_int_equal(in(f, FW_CFG_PORT_DATA, 1), 0); /* past the end */

	select_key(f, FW_CFG_ID);
	read_data(f, &id, 4);
	assert_int_equal(le32toh(id), FW_CFG_VERSION | FW_CFG_VERSION_DMA);

	/* UUID defaults to zeroes, 16 bytes. */
	size_t len = 0;
	assert_non_null(fw_cfg_get(&f->fc, FW_CFG_UUID, &len));
	assert_int_equal(len, 16);
}

static void test_nodma(void **state)
{
	struct fixture *f = *state;
	uint32_t id;

	select_key(f, FW_CFG_ID);
	read_data(f, &id, 4);
	assert_int_equal(le32toh(id), FW_CFG_VERSION);
	assert_null(bus_find(&f->pio, FW_CFG_PORT_DMA, 4));
}

static void test_select_resets_offset(void **state)
{
	struct fixture *f = *state;
	char buf[5] = { 0 };

	select_key(f, FW_CFG_SIGNATURE);
	read_data(f, buf, 2);
	assert_memory_equal(buf, "QE", 2);
	select_key(f, FW_CFG_SIGNATURE);
	read_data(f, buf, 4);
	assert_string_equal(buf, "QEMU");

	/* A 16-bit read gets the next two bytes in item order. */
	select_key(f, FW_CFG_SIGNATURE);
	assert_int_equal(in(f, FW_CFG_PORT_SEL, 2), 'Q' | 'E' << 8);
	/* Data-port byte writes are ignored and do not move the offset. */
	out(f, FW_CFG_PORT_DATA, 1, 0x55);
	assert_int_equal(in(f, FW_CFG_PORT_DATA, 1), 'M');
}

static void test_past_end_and_missing(void **state)
{
	struct fixture *f = *state;
	uint8_t buf[16];

	assert_int_equal(fw_cfg_add_i16(&f->fc, FW_CFG_NB_CPUS, 0x0102), 0);
	select_key(f, FW_CFG_NB_CPUS);
	read_data(f, buf, 6);
	assert_int_equal(buf[0], 0x02); /* little-endian */
	assert_int_equal(buf[1], 0x01);
	for (unsigned i = 2; i < 6; i++)
		assert_int_equal(buf[i], 0);

	/* Keys without an item, and keys beyond the table, read 0. */
	select_key(f, FW_CFG_KERNEL_ENTRY);
	assert_int_equal(in(f, FW_CFG_PORT_DATA, 1), 0);
	select_key(f, 0x3fff);
	assert_int_equal(in(f, FW_CFG_PORT_DATA, 1), 0);
	select_key(f, FW_CFG_INVALID);
	assert_int_equal(in(f, FW_CFG_PORT_DATA, 1), 0);
}

static void test_numeric_items(void **state)
{
	struct fixture *f = *state;
	uint8_t b[8];

	assert_int_equal(fw_cfg_add_i64(&f->fc, FW_CFG_RAM_SIZE, 0x1122334455667788ull), 0);
	assert_int_equal(fw_cfg_add_i32(&f->fc, FW_CFG_KERNEL_ADDR, 0x00100000u), 0);
	assert_int_equal(fw_cfg_add_string(&f->fc, FW_CFG_CMDLINE_DATA, "console=ttyS0"), 0);
	assert_int_equal(fw_cfg_add_i64(&f->fc, 0x8003, 7), 0); /* arch-local key */

	select_key(f, FW_CFG_RAM_SIZE);
	read_data(f, b, 8);
	assert_int_equal(b[0], 0x88);
	assert_int_equal(b[7], 0x11);
	select_key(f, FW_CFG_KERNEL_ADDR);
	read_data(f, b, 4);
	assert_int_equal(b[2], 0x10);
	select_key(f, FW_CFG_CMDLINE_DATA);
	char s[15];
	read_data(f, s, sizeof(s));
	assert_string_equal(s, "console=ttyS0");
	select_key(f, 0x8003);
	assert_int_equal(in(f, FW_CFG_PORT_DATA, 1), 7);
	select_key(f, 0x0003 | FW_CFG_WRITE_CHANNEL); /* write-channel bit is ignored on select */
	assert_int_equal(in(f, FW_CFG_PORT_DATA, 1), 0x88);

	assert_int_equal(fw_cfg_add_i64(&f->fc, FW_CFG_RAM_SIZE, 1), -EEXIST);
	assert_int_equal(fw_cfg_add_i32(&f->fc, FW_CFG_FILE_DIR, 1), -EINVAL);
	assert_int_equal(fw_cfg_add_i32(&f->fc, FW_CFG_FILE_FIRST, 1), -EINVAL);
	assert_int_equal(fw_cfg_add_i32(&f->fc, 0x4005, 1), -EINVAL);
	assert_int_equal(fw_cfg_add_i32(&f->fc, 0x1000, 1), -EINVAL);
}

static void test_file_directory(void **state)
{
	struct fixture *f = *state;
	static const char *const names[] = { "etc/z-last", "bootorder", "etc/e820", "etc/a" };
	static const char *const sorted[] = { "bootorder", "etc/a", "etc/e820", "etc/z-last" };
	int sel[4];
	uint32_t count;
	struct fw_cfg_file ent;

	for (unsigned i = 0; i < 4; i++) {
		sel[i] = fw_cfg_add_file(&f->fc, names[i], names[i], strlen(names[i]));
		assert_int_equal(sel[i], FW_CFG_FILE_FIRST + (int)i);
	}
	select_key(f, FW_CFG_FILE_DIR);
	read_data(f, &count, 4);
	assert_int_equal(be32toh(count), 4);
	for (unsigned i = 0; i < 4; i++) {
		unsigned want = 0;

		read_data(f, &ent, sizeof(ent));
		assert_string_equal(ent.name, sorted[i]);
		assert_int_equal(be32toh(ent.size), strlen(sorted[i]));
		assert_int_equal(ent.reserved, 0);
		for (unsigned j = 0; j < 4; j++)
			if (strcmp(names[j], sorted[i]) == 0)
				want = (unsigned)sel[j];
		assert_int_equal(be16toh(ent.select), want);
	}
	assert_int_equal(in(f, FW_CFG_PORT_DATA, 1), 0); /* directory ends after 4 entries */

	/* The selector from the directory reads the file. */
	char buf[9] = { 0 };
	select_key(f, (uint16_t)sel[2]);
	read_data(f, buf, 8);
	assert_string_equal(buf, "etc/e820");

	char longname[FW_CFG_MAX_FILE_PATH + 1];
	memset(longname, 'x', FW_CFG_MAX_FILE_PATH);
	longname[FW_CFG_MAX_FILE_PATH] = 0;
	assert_int_equal(fw_cfg_add_file(&f->fc, longname, "", 0), -ENAMETOOLONG);
	longname[FW_CFG_MAX_FILE_PATH - 1] = 0; /* 55 characters fit */
	assert_int_equal(fw_cfg_add_file(&f->fc, longname, "", 0), FW_CFG_FILE_FIRST + 4);
	assert_int_equal(fw_cfg_add_file(&f->fc, "", "", 0), -ENAMETOOLONG);
	assert_int_equal(fw_cfg_add_file(&f->fc, "etc/a", "", 0), -EEXIST);
}

static void test_file_slots_exhausted(void **state)
{
	struct fixture *f = *state;
	char name[16];

	for (int i = 0; i < FW_CFG_FILE_SLOTS; i++) {
		snprintf(name, sizeof(name), "f%03d", FW_CFG_FILE_SLOTS - i);
		assert_int_equal(fw_cfg_add_file(&f->fc, name, &i, sizeof(i)), FW_CFG_FILE_FIRST + i);
	}
	assert_int_equal(fw_cfg_add_file(&f->fc, "one-too-many", "", 0), -ENOSPC);
	/* The last-added file sorts first. */
	struct fw_cfg_file ent;
	uint32_t count;
	select_key(f, FW_CFG_FILE_DIR);
	read_data(f, &count, 4);
	assert_int_equal(be32toh(count), FW_CFG_FILE_SLOTS);
	read_data(f, &ent, sizeof(ent));
	assert_string_equal(ent.name, "f001");
	assert_int_equal(be16toh(ent.select), FW_CFG_FILE_FIRST + FW_CFG_FILE_SLOTS - 1);
}

static void test_dma_read(void **state)
{
	struct fixture *f = *state;
	uint8_t data[300];
	int sel;

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	sel = fw_cfg_add_file(&f->fc, "etc/blob", data, sizeof(data));
	assert_true(sel >= FW_CFG_FILE_FIRST);

	memset(f->ram + BUF, 0xaa, 400);
	put_desc(f, DESC, (uint32_t)sel << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 320,
		 BUF);
	dma_kick(f, DESC);
	assert_int_equal(desc_control(f, DESC), 0);
	assert_memory_equal(f->ram + BUF, data, sizeof(data));
	for (unsigned i = sizeof(data); i < 320; i++)
		assert_int_equal(f->ram[BUF + i], 0); /* past the end: zero-filled */
	assert_int_equal(f->ram[BUF + 320], 0xaa);  /* and not one byte more */

	/* One 64-bit write of the address works too (MMIO-style). */
	uint8_t sig[8];
	uint64_t be = htobe64(DESC);
	memset(f->ram + BUF, 0, 16);
	put_desc(f, DESC, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 4, BUF);
	fw_cfg_dma_io(&f->fc, NULL, 0, &be, 8, true);
	assert_memory_equal(f->ram + BUF, "QEMU", 4);
	/* And the register reads back the DMA signature. */
	fw_cfg_dma_io(&f->fc, NULL, 0, sig, 8, false);
	assert_memory_equal(sig, "QEMU CFG", 8);
	assert_int_equal(in(f, FW_CFG_PORT_DMA, 4), 'Q' | 'E' << 8 | 'M' << 16 | (uint32_t)'U' << 24);
	assert_int_equal(in(f, FW_CFG_PORT_DMA + 4, 4),
			 ' ' | 'C' << 8 | 'F' << 16 | (uint32_t)'G' << 24);
}

static void test_dma_skip_select(void **state)
{
	struct fixture *f = *state;
	static const uint8_t data[] = { 10, 11, 12, 13, 14, 15, 16, 17 };
	int sel = fw_cfg_add_file(&f->fc, "etc/seq", data, sizeof(data));

	/* Select + skip 2, then read 3 continuing at the same offset. */
	put_desc(f, DESC, (uint32_t)sel << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP, 2, 0);
	dma_kick(f, DESC);
	assert_int_equal(desc_control(f, DESC), 0);
	put_desc(f, DESC, FW_CFG_DMA_CTL_READ, 3, BUF);
	dma_kick(f, DESC);
	assert_int_equal(desc_control(f, DESC), 0);
	assert_memory_equal(f->ram + BUF, data + 2, 3);

	/* The port interface shares the offset. */
	assert_int_equal(in(f, FW_CFG_PORT_DATA, 1), 15);

	/* No operation bit: nothing moves, status clear. */
	memset(f->ram + BUF, 0xaa, 4);
	put_desc(f, DESC, FW_CFG_DMA_CTL_SELECT | (uint32_t)sel << 16, 4, BUF);
	dma_kick(f, DESC);
	assert_int_equal(desc_control(f, DESC), 0);
	assert_int_equal(f->ram[BUF], 0xaa);
	assert_int_equal(in(f, FW_CFG_PORT_DATA, 1), 10); /* but the select happened */
}

static void test_dma_out_of_ram(void **state)
{
	struct fixture *f = *state;

	/* Descriptor wholly outside RAM: nothing to write back, nothing crashes. */
	dma_kick(f, RAM_SIZE + 0x1000);
	dma_kick(f, UINT64_MAX - 7);
	/* Descriptor straddling the end of RAM: control is in RAM and reports ERROR. */
	memset(f->ram + RAM_SIZE - 8, 0, 8);
	dma_kick(f, RAM_SIZE - 8);
	assert_int_equal(desc_control(f, RAM_SIZE - 8), FW_CFG_DMA_CTL_ERROR);

	/* Buffer outside RAM, straddling it, or wrapping past 2^64. */
	static const struct {
		uint64_t addr;
		uint32_t len;
	} bad[] = {
		{ RAM_SIZE, 4 },
		{ RAM_SIZE - 2, 4 },
		{ UINT64_MAX - 1, 4 },
		{ BUF, UINT32_MAX }, /* zero fill beyond the item runs out of RAM */
	};
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put_desc(f, DESC,
			 FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ,
			 bad[i].len, bad[i].addr);
		dma_kick(f, DESC);
		assert_int_equal(desc_control(f, DESC), FW_CFG_DMA_CTL_ERROR);
	}
	/* A transfer after an error works normally (the address register was reset). */
	put_desc(f, DESC, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 4, BUF);
	out(f, FW_CFG_PORT_DMA + 4, 4, htobe32(DESC)); /* low half only: high was cleared */
	assert_int_equal(desc_control(f, DESC), 0);
	assert_memory_equal(f->ram + BUF, "QEMU", 4);
}

static void test_dma_write(void **state)
{
	struct fixture *f = *state;
	static const uint8_t init[4] = { 1, 2, 3, 4 };
	size_t len;

	/* Read-only item: refused, item unchanged. */
	memcpy(f->ram + BUF, "evil", 4);
	put_desc(f, DESC, FW_CFG_SIGNATURE << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4,
		 BUF);
	dma_kick(f, DESC);
	assert_int_equal(desc_control(f, DESC), FW_CFG_DMA_CTL_ERROR);
	assert_memory_equal(fw_cfg_get(&f->fc, FW_CFG_SIGNATURE, &len), "QEMU", 4);

	/* Writable file: accepted within its size, refused past it. */
	int sel = fw_cfg_add_file_writable(&f->fc, "etc/rw", init, sizeof(init));
	put_desc(f, DESC, (uint32_t)sel << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4,
		 BUF);
	dma_kick(f, DESC);
	assert_int_equal(desc_control(f, DESC), 0);
	assert_memory_equal(fw_cfg_get(&f->fc, (uint16_t)sel, &len), "evil", 4);
	assert_int_equal(len, 4);

	put_desc(f, DESC, (uint32_t)sel << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 5,
		 BUF);
	dma_kick(f, DESC);
	assert_int_equal(desc_control(f, DESC), FW_CFG_DMA_CTL_ERROR);
	/* Write source outside RAM. */
	put_desc(f, DESC, (uint32_t)sel << 16 | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4,
		 RAM_SIZE);
	dma_kick(f, DESC);
	assert_int_equal(desc_control(f, DESC), FW_CFG_DMA_CTL_ERROR);
	assert_memory_equal(fw_cfg_get(&f->fc, (uint16_t)sel, &len), "evil", 4);
}

static void test_reset(void **state)
{
	struct fixture *f = *state;

	select_key(f, FW_CFG_ID);
	out(f, FW_CFG_PORT_DMA, 4, htobe32(1)); /* half-written address */
	fw_cfg_reset(&f->fc);
	assert_int_equal(in(f, FW_CFG_PORT_DATA, 1), 'Q');
	put_desc(f, DESC, FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 4, BUF);
	out(f, FW_CFG_PORT_DMA + 4, 4, htobe32(DESC));
	assert_int_equal(desc_control(f, DESC), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_signature_and_id, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodma, setup_nodma, teardown),
		cmocka_unit_test_setup_teardown(test_select_resets_offset, setup, teardown),
		cmocka_unit_test_setup_teardown(test_past_end_and_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_numeric_items, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_file_slots_exhausted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_skip_select, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_out_of_ram, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dma_write, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reset, setup, teardown),
	};

	return cmocka_run_group_tests_name("fw_cfg", tests, NULL, NULL);
}
