/* debugexit: exits through debug-exit with the code from the cmdline "code=N" (decimal
 * or 0x hex), default 0x31. The VMM's status must be (code << 1) | 1. */
#include "fw.h"

#define DEFAULT_CODE 0x31

int main(const struct multiboot_info *mbi)
{
	uint64_t code = DEFAULT_CODE;
	char arg[32];

	(void)mbi;
	if (cmdline_get("code", arg, sizeof(arg)) >= 0 && !cmdline_u64("code", &code)) {
		printf("debugexit: bad code=%s, want a number; using 0x%x\n", arg, DEFAULT_CODE);
		code = DEFAULT_CODE;
	}
	tap_plan(1);
	ok(true, "exiting with code 0x%lx (status 0x%lx)", code, (code << 1 | 1) & 0xFF);
	exit((int)code);
}
