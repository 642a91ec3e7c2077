/* COM1 serial console and printf-style formatting.
 *
 * Formats: %d %i %u %x %X %o %p %s %c %%, length modifiers l, ll, z (h, hh accepted),
 * flags '-' and '0', a width (digits or *). No floating point. printf() output from
 * several CPUs does not interleave within one call (one lock around each call).
 */
#ifndef FW_CONSOLE_H
#define FW_CONSOLE_H

#include <stdarg.h>
#include <stddef.h>

#define COM1_BASE 0x3F8

void serial_init(void);
void serial_putc(char c);
void serial_write(const char *s, size_t len);

int printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
int snprintf(char *buf, size_t size, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));
int puts(const char *s); /* appends '\n' */

/* For the exception path: takes the console lock if it can within a bounded wait, so a
 * CPU that faulted while printing still gets its message out. */
int printf_panic(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
