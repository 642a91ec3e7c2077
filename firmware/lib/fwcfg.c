/* QEMU fw_cfg over I/O ports (QEMU docs/specs/fw_cfg.txt). Each data byte is one port
 * read (one VM exit), so only small items should be read this way. */
#include "fwcfg.h"
#include "libc.h"
#include "x86.h"

#define FW_CFG_FILE_NAME_MAX 56

/* File directory entry, big-endian (fw_cfg.txt "FW_CFG_FILE_DIR"). */
struct fw_cfg_file {
	uint32_t size;
	uint16_t select;
	uint16_t reserved;
	char name[FW_CFG_FILE_NAME_MAX];
} __attribute__((packed));

static uint32_t be32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static uint16_t be16(uint16_t v)
{
	return __builtin_bswap16(v);
}

void fwcfg_read_more(void *buf, size_t len)
{
	uint8_t *p = buf;

	while (len--)
		*p++ = inb(FW_CFG_PORT_DATA);
}

void fwcfg_read(uint16_t key, void *buf, size_t len)
{
	outw(FW_CFG_PORT_SEL, key);
	fwcfg_read_more(buf, len);
}

bool fwcfg_present(void)
{
	char sig[4];

	fwcfg_read(FW_CFG_SIGNATURE, sig, sizeof(sig));
	return !memcmp(sig, "QEMU", sizeof(sig));
}

unsigned fwcfg_nb_cpus(void)
{
	uint16_t n;

	if (!fwcfg_present())
		return 0;
	fwcfg_read(FW_CFG_NB_CPUS, &n, sizeof(n));	/* little-endian */
	return n;
}

int fwcfg_find_file(const char *name, uint32_t *size)
{
	struct fw_cfg_file f;
	uint32_t count, i;

	if (!fwcfg_present())
		return -1;
	fwcfg_read(FW_CFG_FILE_DIR, &count, sizeof(count));
	count = be32(count);
	for (i = 0; i < count; i++) {
		fwcfg_read_more(&f, sizeof(f));
		if (!strncmp(f.name, name, sizeof(f.name))) {
			if (size)
				*size = be32(f.size);
			return be16(f.select);
		}
	}
	return -1;
}
