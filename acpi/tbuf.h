/* A growable little-endian byte buffer for the table builders (ACPI, AML, SMBIOS, linker).
 * Errors are sticky: after a failed allocation every call is a no-op and tbuf_error() is
 * -ENOMEM, so a builder checks once at the end. */
#ifndef ENLIGHT_ACPI_TBUF_H
#define ENLIGHT_ACPI_TBUF_H

#include <stddef.h>
#include <stdint.h>

struct tbuf {
	uint8_t *p;
	size_t len, cap;
	int err;
};

void tbuf_init(struct tbuf *b);
void tbuf_free(struct tbuf *b);
/* Appends n zero bytes and returns their offset (a pointer would move on growth). */
size_t tbuf_zero(struct tbuf *b, size_t n);
size_t tbuf_bytes(struct tbuf *b, const void *data, size_t n);
void tbuf_align(struct tbuf *b, size_t align);
void tbuf_put8(struct tbuf *b, uint8_t v);
void tbuf_put16(struct tbuf *b, uint16_t v);
void tbuf_put32(struct tbuf *b, uint32_t v);
void tbuf_put64(struct tbuf *b, uint64_t v);
/* Writes at an existing offset (no-op when out of range or after an error). */
void tbuf_set8(struct tbuf *b, size_t off, uint8_t v);
void tbuf_set16(struct tbuf *b, size_t off, uint16_t v);
void tbuf_set32(struct tbuf *b, size_t off, uint32_t v);
void tbuf_set64(struct tbuf *b, size_t off, uint64_t v);
static inline int tbuf_error(const struct tbuf *b)
{
	return b->err;
}

/* Little-endian readers over plain byte arrays (for tests and the dump). */
static inline uint16_t le16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline uint64_t le64_get(const uint8_t *p)
{
	return le32_get(p) | (uint64_t)le32_get(p + 4) << 32;
}

#endif
