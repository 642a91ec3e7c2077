/* QEMU fw_cfg device (see fw_cfg.h). */
#include "vmm/dev/fw_cfg.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "vmm/bus.h"
#include "vmm/guest_mem.h"
#include "vmm/log.h"

_Static_assert(sizeof(struct fw_cfg_file) == 64, "fw_cfg directory entries are 64 bytes");
_Static_assert(sizeof(struct fw_cfg_dma_access) == 16, "FWCfgDmaAccess is 16 bytes");
_Static_assert(FW_CFG_MAX_ENTRY <= FW_CFG_WRITE_CHANNEL, "entries must fit the key mask");

static struct fw_cfg_entry *fw_cfg_entry(struct fw_cfg *fc, uint16_t key)
{
	unsigned idx = key & FW_CFG_ENTRY_MASK;

	if (key == FW_CFG_INVALID || idx >= FW_CFG_MAX_ENTRY)
		return NULL;
	return &fc->entries[!!(key & FW_CFG_ARCH_LOCAL)][idx];
}

static void fw_cfg_select(struct fw_cfg *fc, uint16_t key)
{
	fc->cur_offset = 0;
	fc->cur_key = fw_cfg_entry(fc, key) ? key : FW_CFG_INVALID;
}

/* Next byte of the selected item; 0 past its end or with nothing selected. */
static uint8_t fw_cfg_read_byte(struct fw_cfg *fc)
{
	const struct fw_cfg_entry *e = fw_cfg_entry(fc, fc->cur_key);

	if (!e || !e->data || fc->cur_offset >= e->len)
		return 0;
	return e->data[fc->cur_offset++];
}

static int fw_cfg_set_entry(struct fw_cfg_entry *e, const void *data, size_t len, bool writable)
{
	uint8_t *copy;

	if (len >= UINT32_MAX)
		return -E2BIG;
	/* Zero-length items still get a buffer, so "present" and "empty" stay distinct. */
	copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	if (len)
		memcpy(copy, data, len);
	*e = (struct fw_cfg_entry){ copy, (uint32_t)len, writable, true };
	return 0;
}

int fw_cfg_add_bytes(struct fw_cfg *fc, uint16_t key, const void *data, size_t len)
{
	struct fw_cfg_entry *e = fw_cfg_entry(fc, key);
	unsigned idx = key & FW_CFG_ENTRY_MASK;

	if (!e || (key & FW_CFG_WRITE_CHANNEL) ||
	    (!(key & FW_CFG_ARCH_LOCAL) && (idx == FW_CFG_FILE_DIR || idx >= FW_CFG_FILE_FIRST))) {
		pr_err("fw_cfg: key 0x%04x: not a fixed item key (files go through "
		       "fw_cfg_add_file)", key);
		return -EINVAL;
	}
	if (e->data) {
		pr_err("fw_cfg: key 0x%04x: added twice", key);
		return -EEXIST;
	}
	return fw_cfg_set_entry(e, data, len, false);
}

int fw_cfg_add_string(struct fw_cfg *fc, uint16_t key, const char *s)
{
	return fw_cfg_add_bytes(fc, key, s, strlen(s) + 1);
}

int fw_cfg_add_i16(struct fw_cfg *fc, uint16_t key, uint16_t value)
{
	uint16_t le = htole16(value);

	return fw_cfg_add_bytes(fc, key, &le, sizeof(le));
}

int fw_cfg_add_i32(struct fw_cfg *fc, uint16_t key, uint32_t value)
{
	uint32_t le = htole32(value);

	return fw_cfg_add_bytes(fc, key, &le, sizeof(le));
}

int fw_cfg_add_i64(struct fw_cfg *fc, uint16_t key, uint64_t value)
{
	uint64_t le = htole64(value);

	return fw_cfg_add_bytes(fc, key, &le, sizeof(le));
}

static void fw_cfg_update_dir(struct fw_cfg *fc)
{
	struct fw_cfg_entry *e = &fc->entries[0][FW_CFG_FILE_DIR];

	fc->dir.count = htobe32(fc->file_count);
	e->data = (uint8_t *)&fc->dir;
	e->len = (uint32_t)(sizeof(fc->dir.count) + fc->file_count * sizeof(fc->dir.f[0]));
	e->writable = false;
	e->owned = false;
}

static int fw_cfg_add_file_common(struct fw_cfg *fc, const char *name, const void *data,
				  size_t len, bool writable)
{
	size_t name_len = strnlen(name, FW_CFG_MAX_FILE_PATH);
	uint16_t select = (uint16_t)(FW_CFG_FILE_FIRST + fc->file_count);
	unsigned pos;
	int ret;

	if (name_len == 0 || name_len >= FW_CFG_MAX_FILE_PATH) {
		pr_err("fw_cfg: file \"%.*s\": name must be 1 to %d bytes", FW_CFG_MAX_FILE_PATH,
		       name, FW_CFG_MAX_FILE_PATH - 1);
		return -ENAMETOOLONG;
	}
	for (unsigned i = 0; i < fc->file_count; i++) {
		if (strcmp(fc->dir.f[i].name, name) == 0) {
			pr_err("fw_cfg: file \"%s\": added twice", name);
			return -EEXIST;
		}
	}
	if (fc->file_count == FW_CFG_FILE_SLOTS) {
		pr_err("fw_cfg: file \"%s\": all %d file slots are used", name, FW_CFG_FILE_SLOTS);
		return -ENOSPC;
	}
	ret = fw_cfg_set_entry(&fc->entries[0][select], data, len, writable);
	if (ret)
		return ret;

	/* Insertion sort by name, like QEMU's fw_cfg_add_file_callback. */
	for (pos = fc->file_count; pos > 0 && strcmp(name, fc->dir.f[pos - 1].name) < 0; pos--)
		fc->dir.f[pos] = fc->dir.f[pos - 1];
	memset(&fc->dir.f[pos], 0, sizeof(fc->dir.f[pos]));
	memcpy(fc->dir.f[pos].name, name, name_len);
	fc->dir.f[pos].size = htobe32((uint32_t)len);
	fc->dir.f[pos].select = htobe16(select);
	fc->file_count++;
	fw_cfg_update_dir(fc);
	return select;
}

int fw_cfg_add_file(struct fw_cfg *fc, const char *name, const void *data, size_t len)
{
	return fw_cfg_add_file_common(fc, name, data, len, false);
}

int fw_cfg_add_file_writable(struct fw_cfg *fc, const char *name, const void *data, size_t len)
{
	return fw_cfg_add_file_common(fc, name, data, len, true);
}

const void *fw_cfg_get(const struct fw_cfg *fc, uint16_t key, size_t *len)
{
	unsigned idx = key & FW_CFG_ENTRY_MASK;
	const struct fw_cfg_entry *e;

	if (key == FW_CFG_INVALID || idx >= FW_CFG_MAX_ENTRY)
		return NULL;
	e = &fc->entries[!!(key & FW_CFG_ARCH_LOCAL)][idx];
	if (!e->data)
		return NULL;
	if (len)
		*len = e->len;
	return e->data;
}

void fw_cfg_reset(struct fw_cfg *fc)
{
	fw_cfg_select(fc, FW_CFG_SIGNATURE);
	fc->dma_addr = 0;
}

int fw_cfg_init(struct fw_cfg *fc, const struct fw_cfg_config *cfg)
{
	static const uint8_t zero_uuid[16];
	uint32_t id = FW_CFG_VERSION;
	int ret;

	memset(fc, 0, sizeof(*fc));
	fc->gm = cfg ? cfg->gm : NULL;
	if (fc->gm)
		id |= FW_CFG_VERSION_DMA;
	fw_cfg_update_dir(fc);

	ret = fw_cfg_add_bytes(fc, FW_CFG_SIGNATURE, "QEMU", 4);
	if (!ret)
		ret = fw_cfg_add_i32(fc, FW_CFG_ID, id);
	if (!ret)
		ret = fw_cfg_add_bytes(fc, FW_CFG_UUID, cfg && cfg->uuid ? cfg->uuid : zero_uuid,
				       sizeof(zero_uuid));
	if (ret) {
		fw_cfg_destroy(fc);
		return ret;
	}
	fw_cfg_reset(fc);
	return 0;
}

void fw_cfg_destroy(struct fw_cfg *fc)
{
	for (unsigned a = 0; a < 2; a++) {
		for (unsigned i = 0; i < FW_CFG_MAX_ENTRY; i++) {
			struct fw_cfg_entry *e = &fc->entries[a][i];

			if (e->owned)
				free(e->data);
			*e = (struct fw_cfg_entry){ 0 };
		}
	}
	fc->file_count = 0;
}

void fw_cfg_port_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		    bool is_write)
{
	struct fw_cfg *fc = opaque;
	uint8_t *p = data;

	(void)vcpu;
	if (is_write) {
		/* A 16-bit write selects; byte writes to the data port are ignored (QEMU
		 * fw_cfg_comb_write / fw_cfg_write since v2.4). */
		if (len == 2 && offset == 0)
			fw_cfg_select(fc, (uint16_t)bus_data_get(data, 2));
		return;
	}
	for (unsigned i = 0; i < len; i++)
		p[i] = fw_cfg_read_byte(fc);
}

static void fw_cfg_dma_status(struct fw_cfg *fc, uint64_t desc, uint32_t control)
{
	uint32_t be = htobe32(control);

	/* Nowhere to report to when the structure itself is outside RAM: the guest's own
	 * fault (QEMU's stl_be_dma ignores the failure the same way). */
	if (gm_write(fc->gm, desc + offsetof(struct fw_cfg_dma_access, control), &be, sizeof(be)))
		pr_debug("fw_cfg: DMA descriptor at 0x%llx is not in RAM",
			 (unsigned long long)desc);
}

/* One DMA request (QEMU fw_cfg_dma_transfer). Every guest address and length goes through
 * guest_mem; any failure sets ERROR and stops the transfer. */
static void fw_cfg_dma_transfer(struct fw_cfg *fc)
{
	uint64_t desc = fc->dma_addr, addr;
	struct fw_cfg_dma_access dma;
	uint32_t control, length, status = 0;
	bool read = false, write = false;

	fc->dma_addr = 0;
	if (gm_read(fc->gm, desc, &dma, sizeof(dma))) {
		fw_cfg_dma_status(fc, desc, FW_CFG_DMA_CTL_ERROR);
		return;
	}
	control = be32toh(dma.control);
	length = be32toh(dma.length);
	addr = be64toh(dma.address);

	if (control & FW_CFG_DMA_CTL_SELECT)
		fw_cfg_select(fc, (uint16_t)(control >> 16));
	/* READ wins over WRITE over SKIP; none of them: nothing to move. */
	if (control & FW_CFG_DMA_CTL_READ)
		read = true;
	else if (control & FW_CFG_DMA_CTL_WRITE)
		write = true;
	else if (!(control & FW_CFG_DMA_CTL_SKIP))
		length = 0;

	while (length > 0 && !(status & FW_CFG_DMA_CTL_ERROR)) {
		struct fw_cfg_entry *e = fw_cfg_entry(fc, fc->cur_key);
		uint32_t n;

		if (!e || !e->data || fc->cur_offset >= e->len) {
			/* Past the end: reads fill zeroes, writes fail, skips just advance. */
			n = length;
			if (read) {
				void *p = gm_ptr_rw(fc->gm, addr, n);

				if (p)
					memset(p, 0, n);
				else
					status |= FW_CFG_DMA_CTL_ERROR;
			}
			if (write)
				status |= FW_CFG_DMA_CTL_ERROR;
		} else {
			n = e->len - fc->cur_offset;
			if (n > length)
				n = length;
			if (read && gm_write(fc->gm, addr, &e->data[fc->cur_offset], n))
				status |= FW_CFG_DMA_CTL_ERROR;
			/* A write must fit the item and the item must allow it. */
			if (write && (!e->writable || n != length ||
				      gm_read(fc->gm, addr, &e->data[fc->cur_offset], n)))
				status |= FW_CFG_DMA_CTL_ERROR;
			fc->cur_offset += n;
		}
		addr += n;
		length -= n;
	}
	fw_cfg_dma_status(fc, desc, status);
}

void fw_cfg_dma_io(void *opaque, struct vcpu *vcpu, uint64_t offset, void *data, unsigned len,
		   bool is_write)
{
	static const char sig[8] = FW_CFG_DMA_SIGNATURE;
	struct fw_cfg *fc = opaque;
	uint8_t *p = data;

	(void)vcpu;
	if (!is_write) {
		for (unsigned i = 0; i < len; i++)
			p[i] = offset + i < sizeof(sig) ? (uint8_t)sig[offset + i] : 0xff;
		return;
	}
	if (!fc->gm)
		return;
	/* The register is big-endian (QEMU fw_cfg_dma_mem_ops, DEVICE_BIG_ENDIAN). */
	if (len == 4 && offset == 0) {
		uint32_t be;

		memcpy(&be, data, 4);
		fc->dma_addr = (uint64_t)be32toh(be) << 32;
	} else if (len == 4 && offset == 4) {
		uint32_t be;

		memcpy(&be, data, 4);
		fc->dma_addr |= be32toh(be);
		fw_cfg_dma_transfer(fc);
	} else if (len == 8 && offset == 0) {
		uint64_t be;

		memcpy(&be, data, 8);
		fc->dma_addr = be64toh(be);
		fw_cfg_dma_transfer(fc);
	}
}

int fw_cfg_register(struct fw_cfg *fc, struct bus *pio)
{
	int ret = bus_register(pio, FW_CFG_PORT_SEL, 2, fw_cfg_port_io, fc, "fw_cfg");

	if (!ret && fc->gm)
		ret = bus_register(pio, FW_CFG_PORT_DMA, 8, fw_cfg_dma_io, fc, "fw_cfg-dma");
	if (ret)
		pr_err("fw_cfg: registering I/O ports 0x%x-0x%x: %s", FW_CFG_PORT_SEL,
		       FW_CFG_PORT_DMA + 7, strerror(-ret));
	return ret;
}
