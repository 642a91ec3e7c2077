/* TAP 13 subset: plan, ok/not ok, SKIP directive, diagnostics. */
#include <stdarg.h>

#include "tap.h"
#include "atomic.h"
#include "console.h"
#include "exit.h"

#define TAP_LINE_MAX 160

struct tap {
	volatile int planned;
	volatile int run;
	volatile int failed;
};

static struct tap tap;

void tap_plan(unsigned n)
{
	atomic_set(&tap.planned, (int)n);
	printf("1..%u\n", n);
}

static bool tap_line(bool cond, const char *directive, const char *fmt, va_list ap)
{
	char what[TAP_LINE_MAX];
	int n;

	vsnprintf(what, sizeof(what), fmt, ap);
	n = atomic_inc(&tap.run);
	if (!cond)
		atomic_inc(&tap.failed);
	printf("%sok %d - %s%s\n", cond ? "" : "not ", n, what, directive);
	return cond;
}

bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tap_line(cond, "", fmt, ap);
	va_end(ap);
	return cond;
}

void skip(const char *reason, const char *fmt, ...)
{
	char directive[TAP_LINE_MAX];
	va_list ap;

	snprintf(directive, sizeof(directive), " # SKIP %s", reason);
	va_start(ap, fmt);
	tap_line(true, directive, fmt, ap);
	va_end(ap);
}

void diag(const char *fmt, ...)
{
	char line[TAP_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	printf("# %s\n", line);
}

unsigned tap_failed(void)
{
	return (unsigned)atomic_read(&tap.failed);
}

void tap_done(void)
{
	int planned = atomic_read(&tap.planned);
	int run = atomic_read(&tap.run);
	int failed = atomic_read(&tap.failed);
	bool plan_ok = !planned || planned == run;

	if (!plan_ok)
		diag("planned %d tests but ran %d", planned, run);
	diag("%d/%d passed", run - failed, run);
	exit(failed || !plan_ok || !run ? FW_EXIT_FAIL : FW_EXIT_PASS);
}
