#include "acpi/acpi_linker.h"

#include <errno.h>
#include <string.h>

static const char *const file_names[ACPI_FILE_COUNT] = {
	[ACPI_FILE_TABLES] = ACPI_FWCFG_TABLES,
	[ACPI_FILE_RSDP] = ACPI_FWCFG_RSDP,
};

const char *acpi_linker_file_name(enum acpi_file f)
{
	return (unsigned)f < ACPI_FILE_COUNT ? file_names[f] : NULL;
}

static size_t cmd_begin(struct tbuf *out, uint32_t cmd)
{
	size_t off = tbuf_zero(out, LINKER_ENTRY_SIZE);

	tbuf_set32(out, off, cmd);
	return off;
}

static void put_name(struct tbuf *out, size_t off, const char *name)
{
	if (!out->err)
		strncpy((char *)out->p + off, name, LINKER_FILESZ - 1);
}

static void cmd_allocate(struct tbuf *out, enum acpi_file f, uint32_t align, uint8_t zone)
{
	size_t off = cmd_begin(out, LINKER_CMD_ALLOCATE);

	put_name(out, off + 4, file_names[f]);
	tbuf_set32(out, off + 4 + LINKER_FILESZ, align);
	tbuf_set8(out, off + 8 + LINKER_FILESZ, zone);
}

int acpi_linker_build(const struct acpi_tables *t, struct tbuf *out)
{
	if (t->base != 0)
		return -EINVAL;
	cmd_allocate(out, ACPI_FILE_RSDP, ACPI_RSDP_ALIGN, LINKER_ZONE_FSEG);
	cmd_allocate(out, ACPI_FILE_TABLES, LINKER_TABLES_ALIGN, LINKER_ZONE_HIGH);
	for (unsigned i = 0; i < t->nptr; i++) {
		const struct acpi_pointer *p = &t->ptr[i];
		size_t off = cmd_begin(out, LINKER_CMD_ADD_POINTER);

		put_name(out, off + 4, file_names[p->dst]);
		put_name(out, off + 4 + LINKER_FILESZ, file_names[p->src]);
		tbuf_set32(out, off + 4 + 2 * LINKER_FILESZ, p->offset);
		tbuf_set8(out, off + 8 + 2 * LINKER_FILESZ, p->size);
	}
	for (unsigned i = 0; i < t->ncsum; i++) {
		const struct acpi_checksum *c = &t->csum[i];
		size_t off = cmd_begin(out, LINKER_CMD_ADD_CHECKSUM);

		put_name(out, off + 4, file_names[c->file]);
		tbuf_set32(out, off + 4 + LINKER_FILESZ, c->offset);
		tbuf_set32(out, off + 8 + LINKER_FILESZ, c->start);
		tbuf_set32(out, off + 12 + LINKER_FILESZ, c->length);
	}
	return tbuf_error(out);
}

int acpi_linker_export_blobs(const struct acpi_tables *t, struct tbuf *tables,
			     uint8_t rsdp[ACPI_RSDP_SIZE])
{
	tbuf_bytes(tables, t->blob.p, t->blob.len);
	memcpy(rsdp, t->rsdp, ACPI_RSDP_SIZE);
	if (tables->err)
		return tables->err;
	for (unsigned i = 0; i < t->ncsum; i++) {
		const struct acpi_checksum *c = &t->csum[i];

		if (c->file == ACPI_FILE_RSDP)
			rsdp[c->offset] = 0;
		else
			tables->p[c->offset] = 0;
	}
	return 0;
}
