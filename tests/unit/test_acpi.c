/* ACPI table builders: MADT per vCPU count and APIC ID width, FADT fields against the ICH9 PM
 * block, MCFG, SSDT processor devices, the DSDT's PCI windows, checksums, and the QEMU
 * linker/loader commands (executed here as SeaBIOS would, the result must equal tables built
 * directly at the allocated address). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "acpi/acpi_build.h"
#include "acpi/acpi_linker.h"
#include "acpi/aml.h"
#include "vmm/cpuid.h"
#include "vmm/dev/ich9_lpc.h"
#include "vmm/log.h"
#include "vmm/memmap.h"

struct built {
	struct acpi_tables t;
	uint32_t ids[512];
};

static void build_smp(struct built *b, unsigned cpus, unsigned cores, unsigned threads,
		      uint64_t base)
{
	struct smp_config smp = { .cpus = cpus, .sockets = (cpus + cores * threads - 1) /
							   (cores * threads),
				  .dies = 1, .cores = cores, .threads = threads, .maxcpus = cpus };
	struct cpu_topo topo;
	struct acpi_config cfg = { .ncpus = cpus, .apic_ids = b->ids };

	assert_true(cpus <= ARRAY_SIZE(b->ids));
	topo_from_smp(&smp, &topo);
	for (unsigned i = 0; i < cpus; i++)
		b->ids[i] = topo_apic_id(&topo, i);
	assert_int_equal(acpi_tables_build(&cfg, base, &b->t), 0);
}

static const uint8_t *table(const struct built *b, const char *sig, uint32_t *len)
{
	const struct acpi_table_loc *l = acpi_tables_find(&b->t, sig);

	assert_non_null(l);
	*len = l->length;
	return acpi_tables_data(&b->t, l);
}

static void check_all_checksums(const struct built *b)
{
	for (unsigned i = 0; i < b->t.nloc; i++) {
		const struct acpi_table_loc *l = &b->t.loc[i];
		const uint8_t *p = acpi_tables_data(&b->t, l);

		if (!strcmp(l->sig, "FACS"))
			continue; /* no checksum (ACPI 6.4 §5.2.10) */
		if (!strcmp(l->sig, "RSDP")) {
			assert_int_equal(acpi_sum(p, ACPI_RSDP_V1_SIZE), 0);
			assert_int_equal(acpi_sum(p, ACPI_RSDP_SIZE), 0);
			continue;
		}
		assert_int_equal(le32_get(p + ACPI_HDR_LENGTH), l->length);
		assert_int_equal(acpi_sum(p, l->length), 0);
	}
}

/* Counts MADT entries: type -> number; checks that the lengths tile the table. */
struct madt_count {
	unsigned lapic, x2apic, ioapic, iso, nmi, x2nmi;
	uint32_t last_lapic_id, last_x2apic_id, last_x2apic_uid;
};

static void madt_walk(const uint8_t *m, uint32_t len, struct madt_count *c, const uint32_t *ids)
{
	uint32_t off = MADT_ENTRIES;
	unsigned cpu = 0;

	memset(c, 0, sizeof(*c));
	assert_int_equal(le32_get(m + MADT_LAPIC_ADDR), Q35_LAPIC_BASE);
	assert_int_equal(le32_get(m + MADT_FLAGS), MADT_F_PCAT_COMPAT);
	while (off < len) {
		uint8_t type = m[off], l = m[off + 1];

		assert_true(l >= 2 && off + l <= len);
		switch (type) {
		case MADT_TYPE_LAPIC:
			assert_int_equal(l, MADT_LAPIC_LEN);
			assert_int_equal(m[off + 2], cpu);     /* UID = index */
			assert_int_equal(m[off + 3], ids[cpu]);
			assert_int_equal(le32_get(m + off + 4), MADT_LAPIC_ENABLED);
			c->lapic++;
			cpu++;
			break;
		case MADT_TYPE_X2APIC:
			assert_int_equal(l, MADT_X2APIC_LEN);
			assert_int_equal(le32_get(m + off + 4), ids[cpu]);
			assert_int_equal(le32_get(m + off + 12), cpu);
			assert_true(ids[cpu] > MADT_XAPIC_MAX_ID || cpu > MADT_XAPIC_MAX_ID);
			c->x2apic++;
			cpu++;
			break;
		case MADT_TYPE_IOAPIC:
			assert_int_equal(l, MADT_IOAPIC_LEN);
			assert_int_equal(le32_get(m + off + 4), Q35_IOAPIC_BASE);
			assert_int_equal(le32_get(m + off + 8), 0);
			c->ioapic++;
			break;
		case MADT_TYPE_ISO:
			assert_int_equal(l, MADT_ISO_LEN);
			if (m[off + 3] == 0) {
				assert_int_equal(le32_get(m + off + 4), 2);
			} else {
				assert_int_equal(m[off + 3], ICH9_SCI_IRQ);
				assert_int_equal(le32_get(m + off + 4), ICH9_SCI_IRQ);
				assert_int_equal(le16_get(m + off + 8),
						 MPS_INTI_POLARITY_HIGH | MPS_INTI_TRIGGER_LEVEL);
			}
			c->iso++;
			break;
		case MADT_TYPE_LAPIC_NMI:
			assert_int_equal(l, MADT_LAPIC_NMI_LEN);
			assert_int_equal(m[off + 2], 0xFF);
			assert_int_equal(m[off + 5], 1);
			c->nmi++;
			break;
		case MADT_TYPE_X2APIC_NMI:
			assert_int_equal(l, MADT_X2APIC_NMI_LEN);
			c->x2nmi++;
			break;
		default:
			fail_msg("unexpected MADT entry type %u", type);
		}
		off += l;
	}
	assert_int_equal(off, len);
}

static void test_madt_counts(void **state)
{
	static const struct { unsigned cpus, cores, threads, lapic, x2apic; } cases[] = {
		{ 1, 1, 1, 1, 0 },
		{ 4, 4, 1, 4, 0 },
		{ 4, 2, 2, 4, 0 },
		{ 255, 255, 1, 255, 0 }, /* IDs 0..254: all still xAPIC */
		{ 300, 300, 1, 255, 45 }, /* IDs 255..299 need x2APIC entries */
		/* 3 cores per socket round up to 4 IDs: the 64th CPU's ID is 84 */
		{ 64, 3, 1, 64, 0 },
		/* 6 cores (8 IDs) x 2 threads: IDs pass 254 at socket 16 */
		{ 200, 6, 2, 192, 8 },
	};
	(void)state;
	for (unsigned i = 0; i < ARRAY_SIZE(cases); i++) {
		struct built *b = calloc(1, sizeof(*b));
		struct madt_count c;
		const uint8_t *m;
		uint32_t len;

		build_smp(b, cases[i].cpus, cases[i].cores, cases[i].threads, 0xE0000);
		m = table(b, "APIC", &len);
		madt_walk(m, len, &c, b->ids);
		assert_int_equal(c.lapic, cases[i].lapic);
		assert_int_equal(c.x2apic, cases[i].x2apic);
		assert_int_equal(c.ioapic, 1);
		assert_int_equal(c.iso, 2);
		assert_int_equal(c.nmi, 1);
		assert_int_equal(c.x2nmi, cases[i].x2apic ? 1 : 0);
		check_all_checksums(b);
		acpi_tables_free(&b->t);
		free(b);
	}
}

static const uint8_t *gas(const uint8_t *f, unsigned off, uint8_t space, uint8_t bits,
			  uint64_t addr)
{
	assert_int_equal(f[off], space);
	assert_int_equal(f[off + 1], bits);
	assert_int_equal(le64_get(f + off + 4), addr);
	return f + off;
}

static void test_fadt(void **state)
{
	struct built *b = calloc(1, sizeof(*b));
	const struct acpi_table_loc *facs, *dsdt;
	const uint8_t *f;
	uint32_t len, flags;

	(void)state;
	build_smp(b, 2, 2, 1, 0xE0000);
	f = table(b, "FACP", &len);
	assert_int_equal(len, ACPI_FADT_SIZE);
	assert_int_equal(f[ACPI_HDR_REVISION], 6);
	assert_int_equal(f[FADT_MINOR_VERSION], ACPI_FADT_MINOR);
	assert_int_equal(le16_get(f + FADT_SCI_INT), 9);
	assert_int_equal(le32_get(f + FADT_SMI_CMD), 0);
	assert_int_equal(le32_get(f + FADT_PM1A_EVT_BLK), 0x600);
	assert_int_equal(le32_get(f + FADT_PM1A_CNT_BLK), 0x604);
	assert_int_equal(le32_get(f + FADT_PM_TMR_BLK), 0x608);
	assert_int_equal(le32_get(f + FADT_GPE0_BLK), 0x620);
	assert_int_equal(f[FADT_PM1_EVT_LEN], 4);
	assert_int_equal(f[FADT_PM1_CNT_LEN], 2);
	assert_int_equal(f[FADT_PM_TMR_LEN], 4);
	assert_int_equal(f[FADT_GPE0_BLK_LEN], 16);
	assert_int_equal(f[FADT_CENTURY], 0x32);
	assert_int_equal(le16_get(f + FADT_IAPC_BOOT_ARCH), FADT_BOOT_LEGACY_DEVICES);
	flags = le32_get(f + FADT_FLAGS);
	assert_true(flags & FADT_F_RESET_REG_SUP);
	assert_false(flags & FADT_F_HW_REDUCED_ACPI);
	assert_false(flags & FADT_F_TMR_VAL_EXT); /* the PM timer is 24-bit */
	gas(f, FADT_RESET_REG, ACPI_GAS_SYSTEM_IO, 8, 0xCF9);
	assert_int_equal(f[FADT_RESET_VALUE], 0x06);
	gas(f, FADT_X_PM1A_EVT_BLK, ACPI_GAS_SYSTEM_IO, 32, 0x600);
	gas(f, FADT_X_PM1A_CNT_BLK, ACPI_GAS_SYSTEM_IO, 16, 0x604);
	gas(f, FADT_X_PM_TMR_BLK, ACPI_GAS_SYSTEM_IO, 32, 0x608);
	gas(f, FADT_X_GPE0_BLK, ACPI_GAS_SYSTEM_IO, 128, 0x620);
	/* FACS and DSDT pointers, 32- and 64-bit, at base + offset; FACS 64-byte aligned. */
	facs = acpi_tables_find(&b->t, "FACS");
	dsdt = acpi_tables_find(&b->t, "DSDT");
	assert_non_null(facs);
	assert_non_null(dsdt);
	assert_int_equal(le32_get(f + FADT_FIRMWARE_CTRL), 0xE0000 + facs->offset);
	assert_int_equal(le64_get(f + FADT_X_FIRMWARE_CTRL), 0xE0000 + facs->offset);
	assert_int_equal(le32_get(f + FADT_DSDT), 0xE0000 + dsdt->offset);
	assert_int_equal(le64_get(f + FADT_X_DSDT), 0xE0000 + dsdt->offset);
	assert_int_equal((0xE0000 + facs->offset) % 64, 0);
	assert_int_equal(facs->length, 64);
	check_all_checksums(b);
	acpi_tables_free(&b->t);
	free(b);
}

static void test_mcfg_waet(void **state)
{
	struct built *b = calloc(1, sizeof(*b));
	const uint8_t *m, *w;
	uint32_t len;

	(void)state;
	build_smp(b, 1, 1, 1, 0xE0000);
	m = table(b, "MCFG", &len);
	assert_int_equal(len, MCFG_ENTRIES + MCFG_ENTRY_LEN);
	assert_int_equal(le64_get(m + MCFG_ENTRIES), 0xB0000000ull);
	assert_int_equal(le16_get(m + MCFG_ENTRIES + 8), 0); /* segment */
	assert_int_equal(m[MCFG_ENTRIES + 10], 0);            /* start bus */
	assert_int_equal(m[MCFG_ENTRIES + 11], 255);          /* end bus */
	w = table(b, "WAET", &len);
	assert_int_equal(len, WAET_SIZE);
	assert_int_equal(le32_get(w + WAET_FLAGS), WAET_RTC_NO_ACK | WAET_TIMER_ONE_READ);
	acpi_tables_free(&b->t);
	free(b);
}

/* RSDP -> RSDT/XSDT -> every table but FACS/DSDT, each exactly once. */
static void test_root_pointers(void **state)
{
	static const char *const want[] = { "FACP", "SSDT", "APIC", "MCFG", "WAET" };
	struct built *b = calloc(1, sizeof(*b));
	const uint8_t *r, *x, *rs;
	uint32_t len, xlen, rlen;

	(void)state;
	build_smp(b, 2, 2, 1, 0xE0000);
	r = table(b, "RSDP", &len);
	assert_memory_equal(r, "RSD PTR ", 8);
	assert_int_equal(r[ACPI_RSDP_REVISION], 2);
	assert_int_equal(le32_get(r + ACPI_RSDP_LENGTH), 36);
	x = table(b, "XSDT", &xlen);
	rs = table(b, "RSDT", &rlen);
	assert_int_equal(le64_get(r + ACPI_RSDP_XSDT), 0xE0000 + (uint64_t)(x - b->t.blob.p));
	assert_int_equal(le32_get(r + ACPI_RSDP_RSDT), 0xE0000 + (uint64_t)(rs - b->t.blob.p));
	assert_int_equal(xlen, ACPI_HDR_SIZE + 8 * ARRAY_SIZE(want));
	assert_int_equal(rlen, ACPI_HDR_SIZE + 4 * ARRAY_SIZE(want));
	for (unsigned i = 0; i < ARRAY_SIZE(want); i++) {
		uint64_t a = le64_get(x + ACPI_HDR_SIZE + 8 * i);

		assert_int_equal(le32_get(rs + ACPI_HDR_SIZE + 4 * i), a);
		assert_true(a >= 0xE0000 && a - 0xE0000 < b->t.blob.len);
		assert_memory_equal(b->t.blob.p + (a - 0xE0000), want[i], 4);
	}
	acpi_tables_free(&b->t);
	free(b);
}

static const uint8_t *memfind(const uint8_t *h, size_t hl, const void *n, size_t nl)
{
	for (size_t i = 0; i + nl <= hl; i++)
		if (!memcmp(h + i, n, nl))
			return h + i;
	return NULL;
}

/* The generated SSDT: one "Cnnn" device with _HID ACPI0007 and _UID = index per vCPU. */
static void test_ssdt_processors(void **state)
{
	struct built *b = calloc(1, sizeof(*b));
	const uint8_t *s;
	uint32_t len;
	uint8_t want[] = { AML_NAME_OP, '_', 'U', 'I', 'D', AML_WORD_PREFIX, 0x2B, 0x01 };

	(void)state;
	build_smp(b, 300, 300, 1, 0xE0000);
	s = table(b, "SSDT", &len);
	assert_int_equal(s[ACPI_HDR_REVISION], 2);
	assert_non_null(memfind(s, len, "C000", 4));
	assert_non_null(memfind(s, len, "C12B", 4));
	assert_null(memfind(s, len, "C12C", 4));
	assert_non_null(memfind(s, len, want, sizeof(want)));
	assert_non_null(memfind(s, len, "ACPI0007", 9));
	acpi_tables_free(&b->t);
	free(b);
}

static void test_aml_pkglength(void **state)
{
	struct tbuf b;
	size_t dev;

	(void)state;
	tbuf_init(&b);
	dev = aml_device_open(&b, "ABCD");
	aml_close(&b, dev);
	assert_int_equal(b.len, 7); /* ExtOp DeviceOp PkgLength(1) NameSeg */
	assert_int_equal(b.p[2], 5);
	tbuf_free(&b);

	/* 100 bytes of body: two PkgLength bytes, the lead's low nibble first. */
	tbuf_init(&b);
	dev = aml_scope_open(&b, "\\_SB_");
	tbuf_zero(&b, 95);
	aml_close(&b, dev);
	assert_int_equal(b.p[1], 0x40 | ((100 + 2) & 0xF));
	assert_int_equal(b.p[2], (100 + 2) >> 4);
	assert_int_equal(b.len, 1 + 2 + 100);
	tbuf_free(&b);

	tbuf_init(&b);
	aml_name_int(&b, "bad!", 1);
	assert_int_equal(tbuf_error(&b), -EINVAL);
	tbuf_free(&b);
	assert_false(aml_nameseg_ok("1ABC"));
	assert_true(aml_nameseg_ok("_S5_"));
}

/* The DSDT's 32-bit MMIO window is [ECAM end, IOAPIC) as vmm/memmap.h says. */
static void test_dsdt_windows(void **state)
{
	const uint8_t *d = acpi_dsdt_aml;
	uint8_t lo[4], hi[4];
	uint32_t min = (uint32_t)(Q35_ECAM_BASE + Q35_ECAM_SIZE);
	uint32_t max = (uint32_t)(Q35_IOAPIC_BASE - 1);

	(void)state;
	for (unsigned i = 0; i < 4; i++) {
		lo[i] = (uint8_t)(min >> (8 * i));
		hi[i] = (uint8_t)(max >> (8 * i));
	}
	assert_memory_equal(d, "DSDT", 4);
	assert_int_equal(le32_get(d + 4), acpi_dsdt_aml_len);
	assert_int_equal(acpi_sum(d, acpi_dsdt_aml_len), 0);
	assert_non_null(memfind(d, acpi_dsdt_aml_len, lo, 4));
	assert_non_null(memfind(d, acpi_dsdt_aml_len, hi, 4));
	assert_non_null(memfind(d, acpi_dsdt_aml_len, "_S5_", 4));
	assert_non_null(memfind(d, acpi_dsdt_aml_len, "QEMU0002", 8));
}

/* Executes the loader script as SeaBIOS's romfile_loader does. */
static void run_loader(const uint8_t *cmds, size_t n, uint8_t *files[2], const uint64_t addr[2])
{
	for (size_t off = 0; off < n; off += LINKER_ENTRY_SIZE) {
		const uint8_t *c = cmds + off;
		uint32_t cmd = le32_get(c);
		int f0 = !strcmp((const char *)c + 4, ACPI_FWCFG_RSDP) ? 1 : 0;

		assert_true(f0 || !strcmp((const char *)c + 4, ACPI_FWCFG_TABLES));
		if (cmd == LINKER_CMD_ALLOCATE) {
			assert_int_equal(c[4 + 60], f0 ? LINKER_ZONE_FSEG : LINKER_ZONE_HIGH);
			assert_int_equal(le32_get(c + 60), f0 ? 16 : 64);
		} else if (cmd == LINKER_CMD_ADD_POINTER) {
			int f1 = !strcmp((const char *)c + 60, ACPI_FWCFG_RSDP) ? 1 : 0;
			uint32_t at = le32_get(c + 116);
			uint8_t size = c[120];
			uint64_t v = 0;

			for (unsigned i = 0; i < size; i++)
				v |= (uint64_t)files[f0][at + i] << (8 * i);
			v += addr[f1];
			for (unsigned i = 0; i < size; i++)
				files[f0][at + i] = (uint8_t)(v >> (8 * i));
		} else if (cmd == LINKER_CMD_ADD_CHECKSUM) {
			uint32_t at = le32_get(c + 60), start = le32_get(c + 64);
			uint32_t len = le32_get(c + 68);

			assert_int_equal(files[f0][at], 0);
			files[f0][at] = acpi_checksum(files[f0] + start, len);
		} else {
			fail_msg("unknown loader command %u", cmd);
		}
	}
}

static void test_linker_loader(void **state)
{
	struct built *lnk = calloc(1, sizeof(*lnk)), *direct = calloc(1, sizeof(*direct));
	struct tbuf cmds, tables;
	uint8_t rsdp[ACPI_RSDP_SIZE];
	uint8_t *files[2];
	const uint64_t addr[2] = { 0x07FE0000, 0xF5A40 };

	(void)state;
	build_smp(lnk, 4, 4, 1, 0);
	build_smp(direct, 4, 4, 1, addr[0]);
	tbuf_init(&cmds);
	tbuf_init(&tables);
	assert_int_equal(acpi_linker_build(&lnk->t, &cmds), 0);
	assert_int_equal(cmds.len % LINKER_ENTRY_SIZE, 0);
	/* 2 allocations, 4 FADT + 5 RSDT + 5 XSDT + 2 RSDP pointers, 8 + 2 checksums */
	assert_int_equal(cmds.len / LINKER_ENTRY_SIZE, 2 + 16 + 10);
	assert_int_equal(le32_get(cmds.p), LINKER_CMD_ALLOCATE);
	assert_string_equal((const char *)cmds.p + 4, "etc/acpi/rsdp");
	assert_int_equal(acpi_linker_export_blobs(&lnk->t, &tables, rsdp), 0);
	assert_int_equal(rsdp[ACPI_RSDP_CHECKSUM], 0);
	files[0] = tables.p;
	files[1] = rsdp;
	run_loader(cmds.p, cmds.len, files, addr);
	assert_int_equal(tables.len, direct->t.blob.len);
	assert_memory_equal(tables.p, direct->t.blob.p, tables.len);
	assert_memory_equal(rsdp, direct->t.rsdp, ACPI_RSDP_SIZE);
	/* Built at a non-zero base, the tables cannot be linked. */
	assert_int_equal(acpi_linker_build(&direct->t, &cmds), -EINVAL);
	tbuf_free(&cmds);
	tbuf_free(&tables);
	acpi_tables_free(&lnk->t);
	acpi_tables_free(&direct->t);
	free(lnk);
	free(direct);
}

static void test_bad_input(void **state)
{
	struct acpi_tables t;
	uint32_t id = 0;
	uint8_t junk[64] = "DSDT";
	struct acpi_config none = { .ncpus = 0, .apic_ids = &id };
	struct acpi_config bad_dsdt = { .ncpus = 1, .apic_ids = &id, .dsdt = junk,
					.dsdt_len = sizeof(junk) };
	struct acpi_config too_many = { .ncpus = ACPI_MAX_CPUS + 1, .apic_ids = &id };
	struct acpi_config one = { .ncpus = 1, .apic_ids = &id };

	(void)state;
	assert_int_equal(acpi_tables_build(&none, 0, &t), -EINVAL);
	acpi_tables_free(&t);
	assert_int_equal(acpi_tables_build(&bad_dsdt, 0, &t), -EINVAL); /* length field 0 */
	acpi_tables_free(&t);
	assert_int_equal(acpi_tables_build(&too_many, 0, &t), -EINVAL);
	acpi_tables_free(&t);
	/* The RSDT holds 32-bit pointers: the blob must end below 4 GiB. */
	assert_int_equal(acpi_tables_build(&one, 0xFFFFFF00ull, &t), -E2BIG);
	acpi_tables_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_madt_counts),
		cmocka_unit_test(test_fadt),
		cmocka_unit_test(test_mcfg_waet),
		cmocka_unit_test(test_root_pointers),
		cmocka_unit_test(test_ssdt_processors),
		cmocka_unit_test(test_aml_pkglength),
		cmocka_unit_test(test_dsdt_windows),
		cmocka_unit_test(test_linker_loader),
		cmocka_unit_test(test_bad_input),
	};

	return cmocka_run_group_tests_name("acpi", tests, NULL, NULL);
}
