#include "acpi/smbios.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "acpi/acpi_build.h"

#define SMBIOS_VENDOR      "enlight"
#define SMBIOS_BIOS_VER    "0.1.0"
#define SMBIOS_BIOS_DATE   "01/01/2025" /* DSP0134 §7.1: mm/dd/yyyy */
#define SMBIOS_PRODUCT     "Standard PC (Q35 + ICH9, 2009)"
#define SMBIOS_HANDLE_MEMARRAY 0x1000
#define SMBIOS_KIB         1024ull

/* One structure being written: header, formatted area, then its strings. */
struct sm_struct {
	struct tbuf *b;
	size_t off;
	unsigned nstr;
	char strs[8][SMBIOS_STRING_MAX + 1];
};

static void sm_begin(struct sm_struct *s, struct tbuf *b, uint8_t type, uint8_t len,
		     uint16_t handle)
{
	memset(s, 0, sizeof(*s));
	s->b = b;
	s->off = tbuf_zero(b, len);
	tbuf_set8(b, s->off, type);
	tbuf_set8(b, s->off + 1, len);
	tbuf_set16(b, s->off + 2, handle);
}

/* Adds a string and writes its number (1-based) at field; empty strings are "no string"
 * (0), as DSP0134 §6.1.3 wants. */
static void sm_str(struct sm_struct *s, unsigned field, const char *str)
{
	if (!str || !*str || s->nstr == 8)
		return;
	strncpy(s->strs[s->nstr], str, SMBIOS_STRING_MAX);
	s->nstr++;
	tbuf_set8(s->b, s->off + field, (uint8_t)s->nstr);
}

static void sm_end(struct sm_struct *s)
{
	for (unsigned i = 0; i < s->nstr; i++)
		tbuf_bytes(s->b, s->strs[i], strlen(s->strs[i]) + 1);
	if (!s->nstr)
		tbuf_put8(s->b, 0);
	tbuf_put8(s->b, 0);
}

static void type0(struct tbuf *b)
{
	struct sm_struct s;

	sm_begin(&s, b, SMBIOS_TYPE_BIOS, 0x18, 0x0000);
	sm_str(&s, 4, SMBIOS_VENDOR);
	sm_str(&s, 5, SMBIOS_BIOS_VER);
	tbuf_set16(b, s.off + 6, 0xE800); /* starting segment: a 96 KiB image, as SeaBIOS */
	sm_str(&s, 8, SMBIOS_BIOS_DATE);
	tbuf_set8(b, s.off + 9, 0); /* ROM size 64 KiB */
	tbuf_set64(b, s.off + 0x0A, 1ull << 3); /* characteristics not supported (§7.1.1) */
	tbuf_set8(b, s.off + 0x13, 1u << 4);    /* ext. byte 2 bit 4: virtual machine */
	tbuf_set8(b, s.off + 0x14, 0);          /* system BIOS major/minor release */
	tbuf_set8(b, s.off + 0x15, 1);
	tbuf_set8(b, s.off + 0x16, 0xFF);       /* no embedded controller */
	tbuf_set8(b, s.off + 0x17, 0xFF);
	sm_end(&s);
}

static void type1(struct tbuf *b, const struct smbios_config *cfg)
{
	const uint8_t *u = cfg->uuid;
	struct sm_struct s;
	uint8_t wire[16];

	sm_begin(&s, b, SMBIOS_TYPE_SYSTEM, 0x1B, 0x0100);
	sm_str(&s, 4, cfg->manufacturer ? cfg->manufacturer : SMBIOS_VENDOR);
	sm_str(&s, 5, cfg->product ? cfg->product : SMBIOS_PRODUCT);
	sm_str(&s, 6, cfg->version ? cfg->version : SMBIOS_BIOS_VER);
	sm_str(&s, 7, cfg->serial);
	/* §7.2.1: time_low, time_mid and time_hi_and_version are little-endian. */
	wire[0] = u[3], wire[1] = u[2], wire[2] = u[1], wire[3] = u[0];
	wire[4] = u[5], wire[5] = u[4], wire[6] = u[7], wire[7] = u[6];
	memcpy(wire + 8, u + 8, 8);
	if (!b->err)
		memcpy(b->p + s.off + 8, wire, 16);
	tbuf_set8(b, s.off + 0x18, 0x06); /* wake-up type: power switch */
	sm_str(&s, 0x1A, "enlight");      /* family */
	sm_end(&s);
}

static void type3(struct tbuf *b)
{
	struct sm_struct s;

	sm_begin(&s, b, SMBIOS_TYPE_CHASSIS, 0x15, 0x0300);
	sm_str(&s, 4, SMBIOS_VENDOR);
	tbuf_set8(b, s.off + 5, 0x01);  /* type: other */
	tbuf_set8(b, s.off + 9, 0x03);  /* boot-up, power supply, thermal state: safe */
	tbuf_set8(b, s.off + 0x0A, 0x03);
	tbuf_set8(b, s.off + 0x0B, 0x03);
	tbuf_set8(b, s.off + 0x0C, 0x02); /* security status: unknown */
	sm_end(&s);
}

static void type4(struct tbuf *b, const struct smbios_config *cfg, unsigned socket)
{
	unsigned per = cfg->cores * cfg->threads * (cfg->dies ? cfg->dies : 1);
	unsigned first = socket * per;
	unsigned enabled = cfg->ncpus > first ? cfg->ncpus - first : 0;
	unsigned cores = cfg->cores * (cfg->dies ? cfg->dies : 1);
	char name[16];
	struct sm_struct s;

	if (enabled > per)
		enabled = per;
	sm_begin(&s, b, SMBIOS_TYPE_PROCESSOR, 0x2A, (uint16_t)(0x0400 + socket));
	snprintf(name, sizeof(name), "CPU %u", socket);
	sm_str(&s, 4, name);
	tbuf_set8(b, s.off + 5, 0x03);    /* central processor */
	tbuf_set8(b, s.off + 6, 0xFE);    /* family: see family 2 */
	sm_str(&s, 7, SMBIOS_VENDOR);
	sm_str(&s, 0x10, "enlight virtual CPU");
	tbuf_set16(b, s.off + 0x14, 2000); /* max speed MHz (QEMU's default) */
	tbuf_set16(b, s.off + 0x16, 2000);
	/* Status: socket populated, CPU enabled -- or populated with nothing enabled. */
	tbuf_set8(b, s.off + 0x18, enabled ? 0x41 : 0x40);
	tbuf_set8(b, s.off + 0x19, 0x01); /* upgrade: other */
	tbuf_set16(b, s.off + 0x1A, 0xFFFF); /* no cache information */
	tbuf_set16(b, s.off + 0x1C, 0xFFFF);
	tbuf_set16(b, s.off + 0x1E, 0xFFFF);
	tbuf_set8(b, s.off + 0x23, (uint8_t)(cores > 255 ? 0xFF : cores));
	tbuf_set8(b, s.off + 0x24, (uint8_t)(enabled / cfg->threads > 255 ? 0xFF : enabled / cfg->threads));
	tbuf_set8(b, s.off + 0x25, (uint8_t)(per > 255 ? 0xFF : per));
	tbuf_set16(b, s.off + 0x26, 1u << 2); /* 64-bit capable */
	tbuf_set16(b, s.off + 0x28, 0x01);    /* family 2: other */
	sm_end(&s);
}

static void type16(struct tbuf *b, uint64_t ram)
{
	struct sm_struct s;
	uint64_t kib = ram / SMBIOS_KIB;

	sm_begin(&s, b, SMBIOS_TYPE_MEM_ARRAY, 0x17, SMBIOS_HANDLE_MEMARRAY);
	tbuf_set8(b, s.off + 4, 0x01); /* location: other */
	tbuf_set8(b, s.off + 5, 0x03); /* use: system memory */
	tbuf_set8(b, s.off + 6, 0x06); /* error correction: multi-bit ECC (QEMU's value) */
	if (kib < 0x80000000ull) {
		tbuf_set32(b, s.off + 7, (uint32_t)kib);
	} else {
		tbuf_set32(b, s.off + 7, 0x80000000u); /* see extended maximum capacity (bytes) */
		tbuf_set64(b, s.off + 0x0F, ram);
	}
	tbuf_set16(b, s.off + 0x0B, 0xFFFE); /* no error information */
	tbuf_set16(b, s.off + 0x0D, 1);      /* one memory device */
	sm_end(&s);
}

static void type17(struct tbuf *b, uint64_t ram)
{
	struct sm_struct s;
	uint64_t mib = ram >> 20;

	sm_begin(&s, b, SMBIOS_TYPE_MEM_DEVICE, 0x28, 0x1100);
	tbuf_set16(b, s.off + 4, SMBIOS_HANDLE_MEMARRAY);
	tbuf_set16(b, s.off + 6, 0xFFFE);
	tbuf_set16(b, s.off + 8, 0xFFFF); /* widths unknown */
	tbuf_set16(b, s.off + 0x0A, 0xFFFF);
	if (mib < 0x7FFF) {
		tbuf_set16(b, s.off + 0x0C, (uint16_t)mib);
	} else {
		tbuf_set16(b, s.off + 0x0C, 0x7FFF); /* see extended size (MiB) */
		tbuf_set32(b, s.off + 0x1C, (uint32_t)mib);
	}
	tbuf_set8(b, s.off + 0x0E, 0x09); /* form factor: DIMM */
	sm_str(&s, 0x10, "DIMM 0");
	tbuf_set8(b, s.off + 0x12, 0x07); /* type: RAM */
	tbuf_set16(b, s.off + 0x13, 0x02); /* type detail: other */
	sm_str(&s, 0x17, SMBIOS_VENDOR);
	sm_end(&s);
}

static void type19(struct tbuf *b, unsigned idx, uint64_t start, uint64_t size)
{
	struct sm_struct s;
	uint64_t end = start + size - 1;

	sm_begin(&s, b, SMBIOS_TYPE_MEM_ARRAY_MAPPED, 0x1F, (uint16_t)(0x1300 + idx));
	if (end / SMBIOS_KIB < 0xFFFFFFFFull) {
		tbuf_set32(b, s.off + 4, (uint32_t)(start / SMBIOS_KIB));
		tbuf_set32(b, s.off + 8, (uint32_t)(end / SMBIOS_KIB));
	} else {
		tbuf_set32(b, s.off + 4, 0xFFFFFFFFu); /* see the extended addresses (bytes) */
		tbuf_set32(b, s.off + 8, 0xFFFFFFFFu);
		tbuf_set64(b, s.off + 0x0F, start);
		tbuf_set64(b, s.off + 0x17, end);
	}
	tbuf_set16(b, s.off + 0x0C, SMBIOS_HANDLE_MEMARRAY);
	tbuf_set8(b, s.off + 0x0E, 1); /* partition width */
	sm_end(&s);
}

static void type_simple(struct tbuf *b, uint8_t type, uint8_t len, uint16_t handle)
{
	struct sm_struct s;

	sm_begin(&s, b, type, len, handle);
	sm_end(&s);
}

static int str_ok(const char *s)
{
	return !s || strlen(s) <= SMBIOS_STRING_MAX;
}

int smbios_build(const struct smbios_config *cfg, uint64_t table_addr, struct smbios_tables *out)
{
	struct tbuf *b = &out->table;
	unsigned per, sockets;
	uint8_t *a = out->anchor;

	memset(out, 0, sizeof(*out));
	if (!cfg->ncpus || !cfg->cores || !cfg->threads || !str_ok(cfg->manufacturer) ||
	    !str_ok(cfg->product) || !str_ok(cfg->version) || !str_ok(cfg->serial))
		return -EINVAL;
	per = cfg->cores * cfg->threads * (cfg->dies ? cfg->dies : 1);
	sockets = (cfg->ncpus + per - 1) / per;
	if (cfg->sockets > sockets)
		sockets = cfg->sockets;

	type0(b);
	type1(b, cfg);
	type3(b);
	for (unsigned i = 0; i < sockets; i++)
		type4(b, cfg, i);
	type16(b, cfg->ram_below_4g + cfg->ram_above_4g);
	type17(b, cfg->ram_below_4g + cfg->ram_above_4g);
	type19(b, 0, 0, cfg->ram_below_4g);
	if (cfg->ram_above_4g)
		type19(b, 1, 0x100000000ull, cfg->ram_above_4g);
	type_simple(b, SMBIOS_TYPE_BOOT_INFO, 0x0B, 0x2000);
	type_simple(b, SMBIOS_TYPE_END, 4, 0x7F00);
	out->count = 8 + sockets + (cfg->ram_above_4g ? 1 : 0);
	if (b->err)
		return b->err;

	memcpy(a, SMBIOS3_ANCHOR, 5);
	a[6] = SMBIOS3_EP_SIZE;
	a[7] = SMBIOS_MAJOR;
	a[8] = SMBIOS_MINOR;
	a[9] = 0;  /* docrev */
	a[10] = 1; /* entry point revision: SMBIOS 3.0 */
	for (unsigned i = 0; i < 4; i++)
		a[SMBIOS3_EP_MAX_SIZE + i] = (uint8_t)(b->len >> (8 * i));
	for (unsigned i = 0; i < 8; i++)
		a[SMBIOS3_EP_TABLE_ADDR + i] = (uint8_t)(table_addr >> (8 * i));
	a[SMBIOS3_EP_CHECKSUM] = acpi_checksum(a, SMBIOS3_EP_SIZE);
	return 0;
}

void smbios_free(struct smbios_tables *t)
{
	tbuf_free(&t->table);
}

long smbios_next(const uint8_t *p, size_t len, size_t off)
{
	size_t i;

	if (off + 4 > len || p[off + 1] < 4 || off + p[off + 1] > len)
		return -EINVAL;
	for (i = off + p[off + 1]; i + 1 < len; i++)
		if (!p[i] && !p[i + 1])
			return (long)(i + 2);
	return -EINVAL;
}
