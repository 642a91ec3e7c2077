/* hello: the smallest payload. Proves the boot path, the serial port and debug-exit. */
#include "fw.h"

int main(const struct multiboot_info *mbi)
{
	(void)mbi;
	puts("hello from enlight guest");
	tap_plan(1);
	ok(true, "serial works");
	tap_done();
}
