#include "vmm/log.h"

#include <stdarg.h>
#include <stdio.h>

bool log_verbose;
bool log_quiet;
static __thread char last_msg[512];

const char *log_last(void)
{
	return last_msg;
}

static void vlog(const char *tag, const char *fmt, va_list ap)
{
	vsnprintf(last_msg, sizeof(last_msg), fmt, ap);
	if (log_quiet)
		return;
	fprintf(stderr, "enlight: %s%s\n", tag, last_msg);
}

#define DEFINE_LOG(name, tag, cond)                   \
	void name(const char *fmt, ...)               \
	{                                             \
		va_list ap;                           \
		if (!(cond))                          \
			return;                       \
		va_start(ap, fmt);                    \
		vlog(tag, fmt, ap);                   \
		va_end(ap);                           \
	}

DEFINE_LOG(pr_err, "", 1)
DEFINE_LOG(pr_warn, "warning: ", 1)
DEFINE_LOG(pr_info, "", 1)
DEFINE_LOG(pr_debug, "", log_verbose)
