/* The few C library routines the payloads and GCC's code generation need. */
#ifndef FW_LIBC_H
#define FW_LIBC_H

#include <stddef.h>

void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
size_t strnlen(const char *s, size_t max);
int strcmp(const char *a, const char *b);
int strncmp(const char *a, const char *b, size_t n);

/* Parses an unsigned number: decimal, or hexadecimal with a 0x prefix. Returns the number
 * of characters consumed (0 if none), the value in *val. Stops at the first non-digit. */
int parse_u64(const char *s, unsigned long long *val);

#endif
