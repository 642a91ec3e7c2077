#include "acpi/acpi_build.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "acpi/aml.h"
#include "vmm/dev/cmos_rtc.h"
#include "vmm/dev/ich9_lpc.h"
#include "vmm/memmap.h"

/* Local APIC NMI: LINT1 (SDM Vol. 3A §10.5.1, the PC wiring of NMI). */
#define MADT_NMI_LINT 1
#define IOAPIC_ID     0 /* KVM's in-kernel IOAPIC resets its ID register to 0 */
#define ISA_IRQ_PIT   0
#define GSI_PIT       2 /* the PIT's IRQ0 reaches IOAPIC pin 2 (vm.c setup_gsi_routing) */
#define PCI_BUS_LAST  ((uint8_t)((Q35_ECAM_SIZE >> 20) - 1)) /* 1 MiB of ECAM per bus */

uint8_t acpi_checksum(const void *p, size_t len)
{
	return (uint8_t)(0x100 - acpi_sum(p, len));
}

struct builder {
	struct acpi_tables *t;
	struct tbuf *b;
};

static void add_pointer(struct builder *bd, uint8_t dst, uint32_t off, uint8_t size,
			uint8_t src, uint32_t target)
{
	struct acpi_tables *t = bd->t;
	uint64_t v = t->base + target;

	if (t->nptr == ACPI_MAX_POINTERS) {
		t->blob.err = t->blob.err ? t->blob.err : -E2BIG;
		return;
	}
	t->ptr[t->nptr++] = (struct acpi_pointer){ dst, src, size, off };
	if (dst == ACPI_FILE_TABLES) {
		if (size == 4)
			tbuf_set32(bd->b, off, (uint32_t)v);
		else
			tbuf_set64(bd->b, off, v);
	} else {
		for (unsigned i = 0; i < size; i++)
			t->rsdp[off + i] = (uint8_t)(v >> (8 * i));
	}
}

/* Starts a table: header with length 0 (fixed by table_end), returns its offset. */
static size_t table_begin(struct builder *bd, const char *sig, uint8_t rev, size_t align)
{
	struct tbuf *b = bd->b;
	size_t off;

	tbuf_align(b, align);
	off = tbuf_bytes(b, sig, 4);
	tbuf_put32(b, 0);
	tbuf_put8(b, rev);
	tbuf_put8(b, 0);
	tbuf_bytes(b, ACPI_OEM_ID, 6);
	tbuf_bytes(b, ACPI_OEM_TABLE_ID, 8);
	tbuf_put32(b, 1);
	tbuf_bytes(b, ACPI_CREATOR_ID, 4);
	tbuf_put32(b, 1);
	return off;
}

static void record(struct builder *bd, const char *sig, uint8_t file, size_t off, size_t len)
{
	struct acpi_tables *t = bd->t;

	if (t->nloc == ACPI_MAX_TABLES) {
		t->blob.err = t->blob.err ? t->blob.err : -E2BIG;
		return;
	}
	memcpy(t->loc[t->nloc].sig, sig, 4);
	t->loc[t->nloc].sig[4] = '\0';
	t->loc[t->nloc].file = file;
	t->loc[t->nloc].offset = (uint32_t)off;
	t->loc[t->nloc].length = (uint32_t)len;
	t->nloc++;
}

static void add_csum(struct acpi_tables *t, uint8_t file, size_t off, size_t start, size_t len)
{
	t->csum[t->ncsum++] = (struct acpi_checksum){ file, (uint32_t)off, (uint32_t)start,
						      (uint32_t)len };
}

/* Sets the length, records the table; the checksum is computed at the very end, after every
 * pointer is in place. */
static size_t table_end(struct builder *bd, size_t off)
{
	size_t len = bd->b->len - off;
	char sig[5] = { 0 };

	if (bd->b->err)
		return off;
	tbuf_set32(bd->b, off + ACPI_HDR_LENGTH, (uint32_t)len);
	memcpy(sig, bd->b->p + off, 4);
	record(bd, sig, ACPI_FILE_TABLES, off, len);
	add_csum(bd->t, ACPI_FILE_TABLES, off + ACPI_HDR_CHECKSUM, off, len);
	return off;
}

static void put_gas(struct tbuf *b, size_t off, uint8_t space, uint8_t bits, uint8_t access,
		    uint64_t addr)
{
	tbuf_set8(b, off, space);
	tbuf_set8(b, off + 1, bits);
	tbuf_set8(b, off + 2, 0);
	tbuf_set8(b, off + 3, access);
	tbuf_set64(b, off + 4, addr);
}

static size_t build_facs(struct builder *bd)
{
	size_t off;

	tbuf_align(bd->b, ACPI_FACS_ALIGN);
	off = tbuf_bytes(bd->b, "FACS", 4);
	tbuf_zero(bd->b, ACPI_FACS_SIZE - 4);
	tbuf_set32(bd->b, off + FACS_LENGTH, ACPI_FACS_SIZE);
	tbuf_set8(bd->b, off + FACS_VERSION, ACPI_FACS_VERSION);
	if (!bd->b->err)
		record(bd, "FACS", ACPI_FILE_TABLES, off, ACPI_FACS_SIZE);
	return off;
}

static size_t build_dsdt(struct builder *bd, const uint8_t *aml, size_t len)
{
	size_t off;

	tbuf_align(bd->b, 8);
	off = tbuf_bytes(bd->b, aml, len);
	tbuf_set8(bd->b, off + ACPI_HDR_CHECKSUM, 0);
	return table_end(bd, off);
}

/* One Device (Cnnn) { _HID "ACPI0007", _UID n } per vCPU (ACPI 6.4 §8.4 "Declaring
 * Processors"); _UID matches the MADT's ACPI Processor UID. */
static size_t build_ssdt(struct builder *bd, unsigned ncpus)
{
	size_t off = table_begin(bd, "SSDT", ACPI_SSDT_REV, 8);
	size_t scope = aml_scope_open(bd->b, "\\_SB_");

	for (unsigned i = 0; i < ncpus; i++) {
		char name[16];
		size_t dev;

		snprintf(name, sizeof(name), "C%03X", i & 0xfff);
		dev = aml_device_open(bd->b, name);
		aml_name_string(bd->b, "_HID", "ACPI0007");
		aml_name_int(bd->b, "_UID", i);
		aml_close(bd->b, dev);
	}
	aml_close(bd->b, scope);
	return table_end(bd, off);
}

/* FADT (ACPI 6.4 §5.2.9): the ICH9 PM block as vmm/dev/ich9_lpc.h implements it. */
static size_t build_fadt(struct builder *bd, size_t facs, size_t dsdt)
{
	struct tbuf *b = bd->b;
	size_t off = table_begin(bd, "FACP", ACPI_FADT_REV, 8);

	tbuf_zero(b, ACPI_FADT_SIZE - ACPI_HDR_SIZE);
	add_pointer(bd, ACPI_FILE_TABLES, (uint32_t)(off + FADT_FIRMWARE_CTRL), 4,
		    ACPI_FILE_TABLES, (uint32_t)facs);
	add_pointer(bd, ACPI_FILE_TABLES, (uint32_t)(off + FADT_DSDT), 4, ACPI_FILE_TABLES,
		    (uint32_t)dsdt);
	add_pointer(bd, ACPI_FILE_TABLES, (uint32_t)(off + FADT_X_FIRMWARE_CTRL), 8,
		    ACPI_FILE_TABLES, (uint32_t)facs);
	add_pointer(bd, ACPI_FILE_TABLES, (uint32_t)(off + FADT_X_DSDT), 8, ACPI_FILE_TABLES,
		    (uint32_t)dsdt);
	tbuf_set8(b, off + FADT_PREFERRED_PM_PROFILE, FADT_PM_PROFILE_UNSPECIFIED);
	tbuf_set16(b, off + FADT_SCI_INT, ICH9_SCI_IRQ);
	/* SMI_CMD 0: no SMM firmware; SCI_EN is already set (ich9_lpc.h), so ACPI_ENABLE and
	 * ACPI_DISABLE stay 0 (§5.2.9, "SMI_CMD"). */
	tbuf_set32(b, off + FADT_SMI_CMD, 0);
	tbuf_set32(b, off + FADT_PM1A_EVT_BLK, ICH9_PM1_EVT_BLK);
	tbuf_set32(b, off + FADT_PM1A_CNT_BLK, ICH9_PM1_CNT_BLK);
	tbuf_set32(b, off + FADT_PM_TMR_BLK, ICH9_PM_TMR_BLK);
	tbuf_set32(b, off + FADT_GPE0_BLK, ICH9_GPE0_BLK);
	tbuf_set8(b, off + FADT_PM1_EVT_LEN, ICH9_PM1_EVT_LEN);
	tbuf_set8(b, off + FADT_PM1_CNT_LEN, ICH9_PM1_CNT_LEN);
	tbuf_set8(b, off + FADT_PM_TMR_LEN, ICH9_PM_TMR_LEN);
	tbuf_set8(b, off + FADT_GPE0_BLK_LEN, ICH9_GPE0_LEN);
	tbuf_set16(b, off + FADT_P_LVL2_LAT, FADT_C2_NOT_SUPPORTED);
	tbuf_set16(b, off + FADT_P_LVL3_LAT, FADT_C3_NOT_SUPPORTED);
	tbuf_set8(b, off + FADT_CENTURY, FADT_CMOS_CENTURY);
	/* Legacy ISA devices (COM1, RTC, PIT) exist; the i8042 is only a reset port, so no
	 * 8042 flag: the OS must not probe a keyboard controller. */
	tbuf_set16(b, off + FADT_IAPC_BOOT_ARCH, FADT_BOOT_LEGACY_DEVICES);
	tbuf_set32(b, off + FADT_FLAGS, FADT_F_WBINVD | FADT_F_PROC_C1 | FADT_F_SLP_BUTTON |
						FADT_F_RTC_S4 | FADT_F_RESET_REG_SUP |
						FADT_F_USE_PLATFORM_CLOCK);
	put_gas(b, off + FADT_RESET_REG, ACPI_GAS_SYSTEM_IO, 8, ACPI_GAS_ACCESS_BYTE,
		ICH9_RST_CNT_PORT);
	tbuf_set8(b, off + FADT_RESET_VALUE, ICH9_RST_CNT_RESET_VALUE);
	tbuf_set8(b, off + FADT_MINOR_VERSION, ACPI_FADT_MINOR);
	put_gas(b, off + FADT_X_PM1A_EVT_BLK, ACPI_GAS_SYSTEM_IO, ICH9_PM1_EVT_LEN * 8,
		ACPI_GAS_ACCESS_UNDEF, ICH9_PM1_EVT_BLK);
	put_gas(b, off + FADT_X_PM1A_CNT_BLK, ACPI_GAS_SYSTEM_IO, ICH9_PM1_CNT_LEN * 8,
		ACPI_GAS_ACCESS_UNDEF, ICH9_PM1_CNT_BLK);
	put_gas(b, off + FADT_X_PM_TMR_BLK, ACPI_GAS_SYSTEM_IO, ICH9_PM_TMR_LEN * 8,
		ACPI_GAS_ACCESS_UNDEF, ICH9_PM_TMR_BLK);
	put_gas(b, off + FADT_X_GPE0_BLK, ACPI_GAS_SYSTEM_IO, ICH9_GPE0_LEN * 8,
		ACPI_GAS_ACCESS_UNDEF, ICH9_GPE0_BLK);
	return table_end(bd, off);
}

static void madt_iso(struct tbuf *b, uint8_t irq, uint32_t gsi, uint16_t flags)
{
	tbuf_put8(b, MADT_TYPE_ISO);
	tbuf_put8(b, MADT_ISO_LEN);
	tbuf_put8(b, 0); /* bus: ISA */
	tbuf_put8(b, irq);
	tbuf_put32(b, gsi);
	tbuf_put16(b, flags);
}

/* MADT (ACPI 6.4 §5.2.12): a Local APIC structure per vCPU while the ID fits xAPIC, a Local
 * x2APIC structure above (UID = vCPU index either way), the IOAPIC, the ISA overrides that
 * vm.c's GSI routing implements, and the LINT1 NMI. */
static size_t build_madt(struct builder *bd, const struct acpi_config *cfg)
{
	struct tbuf *b = bd->b;
	size_t off = table_begin(bd, "APIC", ACPI_MADT_REV, 8);
	int x2apic = 0;

	tbuf_put32(b, (uint32_t)Q35_LAPIC_BASE);
	tbuf_put32(b, MADT_F_PCAT_COMPAT);
	for (unsigned i = 0; i < cfg->ncpus; i++) {
		uint32_t id = cfg->apic_ids[i];

		if (id <= MADT_XAPIC_MAX_ID && i <= MADT_XAPIC_MAX_ID) {
			tbuf_put8(b, MADT_TYPE_LAPIC);
			tbuf_put8(b, MADT_LAPIC_LEN);
			tbuf_put8(b, (uint8_t)i);
			tbuf_put8(b, (uint8_t)id);
			tbuf_put32(b, MADT_LAPIC_ENABLED);
		} else {
			tbuf_put8(b, MADT_TYPE_X2APIC);
			tbuf_put8(b, MADT_X2APIC_LEN);
			tbuf_put16(b, 0);
			tbuf_put32(b, id);
			tbuf_put32(b, MADT_LAPIC_ENABLED);
			tbuf_put32(b, i);
			x2apic = 1;
		}
	}
	tbuf_put8(b, MADT_TYPE_IOAPIC);
	tbuf_put8(b, MADT_IOAPIC_LEN);
	tbuf_put8(b, IOAPIC_ID);
	tbuf_put8(b, 0);
	tbuf_put32(b, (uint32_t)Q35_IOAPIC_BASE);
	tbuf_put32(b, 0); /* GSI base */
	madt_iso(b, ISA_IRQ_PIT, GSI_PIT, 0);
	madt_iso(b, ICH9_SCI_IRQ, ICH9_SCI_IRQ, MPS_INTI_POLARITY_HIGH | MPS_INTI_TRIGGER_LEVEL);
	tbuf_put8(b, MADT_TYPE_LAPIC_NMI);
	tbuf_put8(b, MADT_LAPIC_NMI_LEN);
	tbuf_put8(b, MADT_ALL_PROCESSORS_UID8);
	tbuf_put16(b, 0);
	tbuf_put8(b, MADT_NMI_LINT);
	if (x2apic) {
		tbuf_put8(b, MADT_TYPE_X2APIC_NMI);
		tbuf_put8(b, MADT_X2APIC_NMI_LEN);
		tbuf_put16(b, 0);
		tbuf_put32(b, MADT_ALL_PROCESSORS_UID32);
		tbuf_put8(b, MADT_NMI_LINT);
		tbuf_zero(b, 3);
	}
	return table_end(bd, off);
}

/* MCFG (PCI Firmware Spec 3.2 §4.1.2): the q35 ECAM window, segment 0. */
static size_t build_mcfg(struct builder *bd)
{
	size_t off = table_begin(bd, "MCFG", ACPI_MCFG_REV, 8);

	tbuf_zero(bd->b, 8);
	tbuf_put64(bd->b, Q35_ECAM_BASE);
	tbuf_put16(bd->b, 0);
	tbuf_put8(bd->b, 0);
	tbuf_put8(bd->b, PCI_BUS_LAST);
	tbuf_put32(bd->b, 0);
	return table_end(bd, off);
}

/* WAET: the RTC needs no register C acknowledge dance and one PM timer read is exact,
 * which spares Windows guests exits (both hold for cmos_rtc.c and ich9_lpc.c). */
static size_t build_waet(struct builder *bd)
{
	size_t off = table_begin(bd, "WAET", ACPI_WAET_REV, 8);

	tbuf_put32(bd->b, WAET_RTC_NO_ACK | WAET_TIMER_ONE_READ);
	return table_end(bd, off);
}

/* SRAT (ACPI 6.4 §5.2.16): the proximity domain of every vCPU, by APIC ID (a Local APIC
 * structure while the ID fits 8 bits and is not the broadcast ID, a Local x2APIC structure
 * above, as QEMU's build_srat), then the memory ranges. */
static size_t build_srat(struct builder *bd, const struct acpi_config *cfg)
{
	struct tbuf *b = bd->b;
	size_t off = table_begin(bd, "SRAT", ACPI_SRAT_REV, 8);

	tbuf_put32(b, 1); /* reserved, 1 for backward compatibility */
	tbuf_put64(b, 0);
	for (unsigned i = 0; i < cfg->ncpus; i++) {
		uint32_t id = cfg->apic_ids[i], node = cfg->cpu_node[i];

		if (id <= MADT_XAPIC_MAX_ID) {
			tbuf_put8(b, SRAT_TYPE_LAPIC);
			tbuf_put8(b, SRAT_LAPIC_LEN);
			tbuf_put8(b, (uint8_t)node);
			tbuf_put8(b, (uint8_t)id);
			tbuf_put32(b, SRAT_F_ENABLED);
			tbuf_put8(b, 0); /* local SAPIC EID */
			tbuf_put8(b, (uint8_t)(node >> 8));
			tbuf_put16(b, (uint16_t)(node >> 16));
			tbuf_put32(b, 0); /* clock domain */
		} else {
			tbuf_put8(b, SRAT_TYPE_X2APIC);
			tbuf_put8(b, SRAT_X2APIC_LEN);
			tbuf_put16(b, 0);
			tbuf_put32(b, node);
			tbuf_put32(b, id);
			tbuf_put32(b, SRAT_F_ENABLED);
			tbuf_put32(b, 0); /* clock domain */
			tbuf_put32(b, 0);
		}
	}
	for (unsigned i = 0; i < cfg->nmem; i++) {
		const struct acpi_mem_affinity *m = &cfg->mem[i];

		tbuf_put8(b, SRAT_TYPE_MEMORY);
		tbuf_put8(b, SRAT_MEMORY_LEN);
		tbuf_put32(b, m->node);
		tbuf_put16(b, 0);
		tbuf_put64(b, m->base);
		tbuf_put64(b, m->len);
		tbuf_put32(b, 0);
		tbuf_put32(b, SRAT_F_ENABLED);
		tbuf_put64(b, 0);
	}
	return table_end(bd, off);
}

static size_t build_sdt(struct builder *bd, const char *sig, uint8_t rev, unsigned width,
			const size_t *tables, unsigned n)
{
	size_t off = table_begin(bd, sig, rev, 8);

	for (unsigned i = 0; i < n; i++) {
		size_t at = tbuf_zero(bd->b, width);

		add_pointer(bd, ACPI_FILE_TABLES, (uint32_t)at, (uint8_t)width, ACPI_FILE_TABLES,
			    (uint32_t)tables[i]);
	}
	return table_end(bd, off);
}

static void build_rsdp(struct builder *bd, size_t rsdt, size_t xsdt)
{
	struct acpi_tables *t = bd->t;
	uint8_t *r = t->rsdp;

	memset(r, 0, ACPI_RSDP_SIZE);
	memcpy(r, ACPI_RSDP_SIG, 8);
	memcpy(r + ACPI_RSDP_OEM_ID, ACPI_OEM_ID, 6);
	r[ACPI_RSDP_REVISION] = ACPI_RSDP_REV_2;
	r[ACPI_RSDP_LENGTH] = ACPI_RSDP_SIZE;
	add_pointer(bd, ACPI_FILE_RSDP, ACPI_RSDP_RSDT, 4, ACPI_FILE_TABLES, (uint32_t)rsdt);
	add_pointer(bd, ACPI_FILE_RSDP, ACPI_RSDP_XSDT, 8, ACPI_FILE_TABLES, (uint32_t)xsdt);
	record(bd, "RSDP", ACPI_FILE_RSDP, 0, ACPI_RSDP_SIZE);
	add_csum(t, ACPI_FILE_RSDP, ACPI_RSDP_CHECKSUM, 0, ACPI_RSDP_V1_SIZE);
	add_csum(t, ACPI_FILE_RSDP, ACPI_RSDP_EXT_CSUM, 0, ACPI_RSDP_SIZE);
}

static void apply_checksums(struct acpi_tables *t)
{
	for (unsigned i = 0; i < t->ncsum; i++) {
		const struct acpi_checksum *c = &t->csum[i];
		uint8_t *p = c->file == ACPI_FILE_RSDP ? t->rsdp : t->blob.p;

		p[c->offset] = 0;
		p[c->offset] = acpi_checksum(p + c->start, c->length);
	}
}

int acpi_tables_build(const struct acpi_config *cfg, uint64_t base, struct acpi_tables *out)
{
	struct builder bd = { out, &out->blob };
	const uint8_t *dsdt = cfg->dsdt ? cfg->dsdt : acpi_dsdt_aml;
	size_t dsdt_len = cfg->dsdt ? cfg->dsdt_len : acpi_dsdt_aml_len;
	size_t facs, dsdt_off, sdt[6], rsdt, xsdt;
	unsigned n = 0;

	memset(out, 0, sizeof(*out));
	out->base = base;
	if (!cfg->ncpus || cfg->ncpus > ACPI_MAX_CPUS || !cfg->apic_ids)
		return -EINVAL;
	if (cfg->cpu_node && cfg->nmem && !cfg->mem)
		return -EINVAL;
	if (dsdt_len < ACPI_HDR_SIZE || memcmp(dsdt, "DSDT", 4) ||
	    le32_get(dsdt + ACPI_HDR_LENGTH) != dsdt_len)
		return -EINVAL;

	facs = build_facs(&bd);
	dsdt_off = build_dsdt(&bd, dsdt, dsdt_len);
	sdt[n++] = build_fadt(&bd, facs, dsdt_off);
	sdt[n++] = build_ssdt(&bd, cfg->ncpus);
	sdt[n++] = build_madt(&bd, cfg);
	sdt[n++] = build_mcfg(&bd);
	sdt[n++] = build_waet(&bd);
	if (cfg->cpu_node)
		sdt[n++] = build_srat(&bd, cfg);
	rsdt = build_sdt(&bd, "RSDT", ACPI_RSDT_REV, 4, sdt, n);
	xsdt = build_sdt(&bd, "XSDT", ACPI_XSDT_REV, 8, sdt, n);
	build_rsdp(&bd, rsdt, xsdt);
	if (out->blob.err)
		return out->blob.err;
	if (base + out->blob.len > 0x100000000ull)
		return -E2BIG;
	apply_checksums(out);
	return 0;
}

void acpi_tables_free(struct acpi_tables *t)
{
	tbuf_free(&t->blob);
}

const struct acpi_table_loc *acpi_tables_find(const struct acpi_tables *t, const char *sig)
{
	for (unsigned i = 0; i < t->nloc; i++)
		if (!strncmp(t->loc[i].sig, sig, 4))
			return &t->loc[i];
	return NULL;
}

const uint8_t *acpi_tables_data(const struct acpi_tables *t, const struct acpi_table_loc *l)
{
	return l->file == ACPI_FILE_RSDP ? t->rsdp : t->blob.p + l->offset;
}
