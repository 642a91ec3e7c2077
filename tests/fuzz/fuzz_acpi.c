/* libFuzzer target: the ACPI and SMBIOS builders (acpi/fwtables.h) fed machine
 * configurations. Input: sockets, dies, cores, threads (1 byte each), vCPU count (2 bytes),
 * RAM in 4 KiB pages (4 bytes, clamped to 2 MiB-1 TiB as -m), a UUID flag byte and 16 UUID
 * bytes, then up to four -smbios type=1 strings (manufacturer, product, version, serial)
 * separated by NUL bytes. Checked on both forms (direct boot and linker/loader): every table
 * lies inside its blob, its header length matches, its checksum sums to zero (ACPI 6.4
 * §5.2.6; the FACS has none), the RSDP's 20- and 36-byte checksums hold (§5.2.5.3), every
 * XSDT entry points at a table, pointers and checksum records stay inside their files; the
 * SMBIOS entry point sums to zero (DSP0134 §5.2.2) and the structure walk ends at type 127
 * after the counted number of structures. */
#include "fuzz.h"
#include "acpi/fwtables.h"

static void check_acpi(const struct acpi_tables *t)
{
	const uint8_t *blob = t->blob.p;
	size_t len = t->blob.len;
	const uint8_t *xsdt = NULL;
	uint32_t xsdt_len = 0;

	if (acpi_sum(t->rsdp, 20) || acpi_sum(t->rsdp, ACPI_RSDP_SIZE))
		abort();
	for (unsigned i = 0; i < t->nloc; i++) {
		const struct acpi_table_loc *l = &t->loc[i];

		if (l->file == ACPI_FILE_RSDP)
			continue;
		if (l->file != ACPI_FILE_TABLES || l->length < 8 || l->offset > len ||
		    l->length > len - l->offset || le32_get(blob + l->offset + 4) != l->length ||
		    memcmp(blob + l->offset, l->sig, 4))
			abort();
		if (memcmp(l->sig, "FACS", 4) && acpi_sum(blob + l->offset, l->length))
			abort();
		if (!memcmp(l->sig, "XSDT", 4)) {
			xsdt = blob + l->offset;
			xsdt_len = l->length;
		}
	}
	if (!xsdt || xsdt_len < 36 || (xsdt_len - 36) % 8)
		abort();
	for (uint32_t off = 36; off < xsdt_len; off += 8) {
		uint64_t p = le64_get(xsdt + off);
		bool hit = false;

		for (unsigned i = 0; i < t->nloc && !hit; i++)
			hit = t->loc[i].file == ACPI_FILE_TABLES &&
			      p == t->base + t->loc[i].offset;
		if (!hit)
			abort();
	}
	for (unsigned i = 0; i < t->nptr; i++) {
		size_t flen = t->ptr[i].dst == ACPI_FILE_RSDP ? ACPI_RSDP_SIZE : len;

		if (t->ptr[i].dst >= ACPI_FILE_COUNT || t->ptr[i].src >= ACPI_FILE_COUNT ||
		    t->ptr[i].offset > flen || t->ptr[i].size > flen - t->ptr[i].offset)
			abort();
	}
	for (unsigned i = 0; i < t->ncsum; i++) {
		const struct acpi_checksum *c = &t->csum[i];
		size_t flen = c->file == ACPI_FILE_RSDP ? ACPI_RSDP_SIZE : len;

		if (c->file >= ACPI_FILE_COUNT || c->start > flen || c->length > flen - c->start ||
		    c->offset < c->start || c->offset >= c->start + c->length)
			abort();
	}
}

static void check_smbios(const struct smbios_tables *s)
{
	const uint8_t *p = s->table.p;
	size_t len = s->table.len, off = 0;
	unsigned n = 0;

	if (acpi_sum(s->anchor, SMBIOS3_EP_SIZE) || memcmp(s->anchor, SMBIOS3_ANCHOR, 5) ||
	    le32_get(s->anchor + SMBIOS3_EP_MAX_SIZE) < len)
		abort();
	for (;;) {
		long next = smbios_next(p, len, off);

		if (next < 0)
			abort();
		n++;
		if (p[off] == SMBIOS_TYPE_END)
			break;
		off = (size_t)next;
	}
	if (n != s->count)
		abort();
}

/* The next NUL-terminated string of the input, or NULL when it is used up. */
static char *take_str(struct fuzz_in *in)
{
	const uint8_t *nul;
	size_t n;
	char *s;

	if (!fuzz_more(in))
		return NULL;
	nul = memchr(in->p, 0, in->n);
	n = nul ? (size_t)(nul - in->p) : in->n;
	s = strndup((const char *)in->p, n);
	in->p += n + (nul != NULL);
	in->n -= n + (nul != NULL);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct vm_config cfg;
	struct fwtables t;
	struct smp_config *smp = &cfg.smp;
	unsigned max;
	uint64_t pages;

	log_quiet = true;
	memset(&cfg, 0, sizeof(cfg));
	smp->sockets = 1 + (unsigned)fuzz_take(&in, 1) % 16;
	smp->dies = 1 + (unsigned)fuzz_take(&in, 1) % 4;
	smp->cores = 1 + (unsigned)fuzz_take(&in, 1) % 64;
	smp->threads = 1 + (unsigned)fuzz_take(&in, 1) % 4;
	max = smp->sockets * smp->dies * smp->cores * smp->threads;
	if (max > ACPI_MAX_CPUS) { /* what -smp allows */
		smp->sockets = 1;
		max = smp->dies * smp->cores * smp->threads;
	}
	smp->maxcpus = max;
	smp->cpus = 1 + (unsigned)fuzz_take(&in, 2) % max;
	pages = fuzz_take(&in, 4) % ((1ull << 40) >> 12);
	cfg.ram_size = (pages < 512 ? 512 : pages) << 12;
	cfg.has_uuid = fuzz_take(&in, 1) & 1;
	for (unsigned i = 0; i < 16; i++)
		cfg.uuid[i] = (uint8_t)fuzz_take(&in, 1);
	cfg.smbios1.manufacturer = take_str(&in);
	cfg.smbios1.product = take_str(&in);
	cfg.smbios1.version = take_str(&in);
	cfg.smbios1.serial = take_str(&in);
	if (!fwtables_build(&cfg, &t)) {
		check_acpi(&t.direct);
		check_acpi(&t.linked);
		check_smbios(&t.smbios_direct);
		check_smbios(&t.smbios_fwcfg);
	}
	fwtables_free(&t);
	free(cfg.smbios1.manufacturer);
	free(cfg.smbios1.product);
	free(cfg.smbios1.version);
	free(cfg.smbios1.serial);
	return 0;
}
