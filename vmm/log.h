/* Diagnostics. Messages read "enlight: <component>: <option>=<value>: <what>: <reason>"
 * (shared/STYLE.md, point 10). Library code returns -errno; only main() exits. */
#ifndef ENLIGHT_LOG_H
#define ENLIGHT_LOG_H

#include <stdbool.h>

#define PRINTF_LIKE(a, b) __attribute__((format(printf, a, b)))

void pr_err(const char *fmt, ...) PRINTF_LIKE(1, 2);
void pr_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);
void pr_info(const char *fmt, ...) PRINTF_LIKE(1, 2);
/* Debug/trace output, printed only when log_verbose is set (--trace ...). */
void pr_debug(const char *fmt, ...) PRINTF_LIKE(1, 2);

extern bool log_verbose;
/* Tests set this to swallow messages; pr_* still record the last line. */
extern bool log_quiet;
/* The last message printed by pr_err/pr_warn, for tests that assert on error text. */
const char *log_last(void);

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
