/* Test Anything Protocol output ("1..N", "ok N - what", "not ok N - what").
 *
 * Text after " # " in a test description is a TAP comment, so a caller can append
 * detail: ok(got == want, "tsc frequency # got %u want %u", got, want).
 * ok() may be called from any CPU; numbering is atomic.
 */
#ifndef FW_TAP_H
#define FW_TAP_H

#include <stdbool.h>

void tap_plan(unsigned n);
bool ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void skip(const char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));	/* "# ..." */
unsigned tap_failed(void);

/* Exits through debug-exit: FW_EXIT_PASS if every test passed and the plan (if any) was
 * met, else FW_EXIT_FAIL. */
void tap_done(void) __attribute__((noreturn));

#endif
