/* A tiny AML writer for the tables generated at run time (the per-vCPU SSDT): names,
 * integers, strings, Scope and Device (ACPI 6.4 §20.2). Static AML comes from ASL compiled
 * by iasl (acpi/dsdt.asl), never from here. */
#ifndef ENLIGHT_ACPI_AML_H
#define ENLIGHT_ACPI_AML_H

#include <stdint.h>

#include "acpi/tbuf.h"

/* AML opcodes (§20.3, Table 20.2). */
#define AML_ZERO_OP        0x00
#define AML_ONE_OP         0x01
#define AML_NAME_OP        0x08
#define AML_BYTE_PREFIX    0x0A
#define AML_WORD_PREFIX    0x0B
#define AML_DWORD_PREFIX   0x0C
#define AML_STRING_PREFIX  0x0D
#define AML_QWORD_PREFIX   0x0E
#define AML_SCOPE_OP       0x10
#define AML_ROOT_CHAR      0x5C
#define AML_EXT_OP_PREFIX  0x5B
#define AML_DEVICE_OP      0x82 /* after AML_EXT_OP_PREFIX */
#define AML_PKGLEN_MAX     0x0FFFFFFF /* 28 bits (§20.2.4) */

/* A name segment: exactly 4 characters [A-Z_][A-Z0-9_]{3} (§20.2.2). */
int aml_nameseg_ok(const char *seg);

/* Integer with the shortest encoding (ZeroOp, OneOp, Byte/Word/DWord/QWordConst). */
void aml_integer(struct tbuf *b, uint64_t v);
/* Name (seg, Integer) and Name (seg, "string"). */
void aml_name_int(struct tbuf *b, const char *seg, uint64_t v);
void aml_name_string(struct tbuf *b, const char *seg, const char *s);

/* Opens Scope (path) / Device (seg): returns the offset to pass to aml_close(), which
 * inserts the PkgLength once the body is written. path is a NameString such as "\\_SB_". */
size_t aml_scope_open(struct tbuf *b, const char *path);
size_t aml_device_open(struct tbuf *b, const char *seg);
void aml_close(struct tbuf *b, size_t open);

#endif
