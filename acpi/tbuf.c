#include "acpi/tbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void tbuf_init(struct tbuf *b)
{
	memset(b, 0, sizeof(*b));
}

void tbuf_free(struct tbuf *b)
{
	free(b->p);
	tbuf_init(b);
}

static int tbuf_grow(struct tbuf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->err)
		return b->err;
	if (n > SIZE_MAX / 2 - b->len) {
		b->err = -E2BIG;
		return b->err;
	}
	if (b->len + n <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n)
		cap *= 2;
	p = realloc(b->p, cap);
	if (!p) {
		b->err = -ENOMEM;
		return b->err;
	}
	memset(p + b->cap, 0, cap - b->cap);
	b->p = p;
	b->cap = cap;
	return 0;
}

size_t tbuf_zero(struct tbuf *b, size_t n)
{
	size_t off = b->len;

	if (tbuf_grow(b, n))
		return off;
	memset(b->p + b->len, 0, n);
	b->len += n;
	return off;
}

size_t tbuf_bytes(struct tbuf *b, const void *data, size_t n)
{
	size_t off = b->len;

	if (tbuf_grow(b, n))
		return off;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	return off;
}

void tbuf_align(struct tbuf *b, size_t align)
{
	if (b->len % align)
		tbuf_zero(b, align - b->len % align);
}

void tbuf_set8(struct tbuf *b, size_t off, uint8_t v)
{
	if (!b->err && off < b->len)
		b->p[off] = v;
}

void tbuf_set16(struct tbuf *b, size_t off, uint16_t v)
{
	tbuf_set8(b, off, (uint8_t)v);
	tbuf_set8(b, off + 1, (uint8_t)(v >> 8));
}

void tbuf_set32(struct tbuf *b, size_t off, uint32_t v)
{
	tbuf_set16(b, off, (uint16_t)v);
	tbuf_set16(b, off + 2, (uint16_t)(v >> 16));
}

void tbuf_set64(struct tbuf *b, size_t off, uint64_t v)
{
	tbuf_set32(b, off, (uint32_t)v);
	tbuf_set32(b, off + 4, (uint32_t)(v >> 32));
}

void tbuf_put8(struct tbuf *b, uint8_t v)
{
	tbuf_set8(b, tbuf_zero(b, 1), v);
}

void tbuf_put16(struct tbuf *b, uint16_t v)
{
	tbuf_set16(b, tbuf_zero(b, 2), v);
}

void tbuf_put32(struct tbuf *b, uint32_t v)
{
	tbuf_set32(b, tbuf_zero(b, 4), v);
}

void tbuf_put64(struct tbuf *b, uint64_t v)
{
	tbuf_set64(b, tbuf_zero(b, 8), v);
}
