#include "acpi/aml.h"

#include <errno.h>
#include <string.h>

int aml_nameseg_ok(const char *seg)
{
	if (!seg || strlen(seg) != 4)
		return 0;
	for (unsigned i = 0; i < 4; i++) {
		char c = seg[i];
		int ok = (c >= 'A' && c <= 'Z') || c == '_' || (i && c >= '0' && c <= '9');

		if (!ok)
			return 0;
	}
	return 1;
}

static void aml_nameseg(struct tbuf *b, const char *seg)
{
	if (!aml_nameseg_ok(seg)) {
		if (!b->err)
			b->err = -EINVAL;
		return;
	}
	tbuf_bytes(b, seg, 4);
}

void aml_integer(struct tbuf *b, uint64_t v)
{
	if (v == 0) {
		tbuf_put8(b, AML_ZERO_OP);
	} else if (v == 1) {
		tbuf_put8(b, AML_ONE_OP);
	} else if (v <= 0xff) {
		tbuf_put8(b, AML_BYTE_PREFIX);
		tbuf_put8(b, (uint8_t)v);
	} else if (v <= 0xffff) {
		tbuf_put8(b, AML_WORD_PREFIX);
		tbuf_put16(b, (uint16_t)v);
	} else if (v <= 0xffffffffu) {
		tbuf_put8(b, AML_DWORD_PREFIX);
		tbuf_put32(b, (uint32_t)v);
	} else {
		tbuf_put8(b, AML_QWORD_PREFIX);
		tbuf_put64(b, v);
	}
}

void aml_name_int(struct tbuf *b, const char *seg, uint64_t v)
{
	tbuf_put8(b, AML_NAME_OP);
	aml_nameseg(b, seg);
	aml_integer(b, v);
}

void aml_name_string(struct tbuf *b, const char *seg, const char *s)
{
	tbuf_put8(b, AML_NAME_OP);
	aml_nameseg(b, seg);
	tbuf_put8(b, AML_STRING_PREFIX);
	tbuf_bytes(b, s, strlen(s) + 1);
}

size_t aml_scope_open(struct tbuf *b, const char *path)
{
	size_t open;

	tbuf_put8(b, AML_SCOPE_OP);
	open = b->len;
	if (path[0] == AML_ROOT_CHAR) {
		tbuf_put8(b, AML_ROOT_CHAR);
		path++;
	}
	aml_nameseg(b, path);
	return open;
}

size_t aml_device_open(struct tbuf *b, const char *seg)
{
	size_t open;

	tbuf_put8(b, AML_EXT_OP_PREFIX);
	tbuf_put8(b, AML_DEVICE_OP);
	open = b->len;
	aml_nameseg(b, seg);
	return open;
}

/* PkgLength (§20.2.4): one byte for totals below 64, else a lead byte whose bits 7:6 count
 * the following bytes and whose bits 3:0 hold the low nibble. The total includes the
 * PkgLength bytes themselves. */
void aml_close(struct tbuf *b, size_t open)
{
	size_t body, total;
	unsigned n;
	uint8_t enc[4];

	if (b->err || open > b->len)
		return;
	body = b->len - open;
	for (n = 1; n <= 4; n++) {
		total = body + n;
		if ((n == 1 && total < 0x40) || (n > 1 && total < (1ull << (4 + 8 * (n - 1)))))
			break;
	}
	if (n > 4 || total > AML_PKGLEN_MAX) {
		b->err = -E2BIG;
		return;
	}
	if (n == 1) {
		enc[0] = (uint8_t)total;
	} else {
		enc[0] = (uint8_t)(((n - 1) << 6) | (total & 0x0f));
		for (unsigned i = 1; i < n; i++)
			enc[i] = (uint8_t)(total >> (4 + 8 * (i - 1)));
	}
	tbuf_zero(b, n);
	if (b->err)
		return;
	memmove(b->p + open + n, b->p + open, body);
	memcpy(b->p + open, enc, n);
}
