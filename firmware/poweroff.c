/* poweroff: requests ACPI S5 through PM1a_CNT (PMBASE 0x600 + 4, the QEMU q35
 * convention). The VMM should power off with status 0; nothing after the request is
 * printed unless it was ignored. */
#include "fw.h"

#define GRACE_US 500000	/* a VMM may finish the current instruction stream first */

int main(const struct multiboot_info *mbi)
{
	(void)mbi;
	tap_plan(1);
	printf("poweroff: writing SLP_EN|SLP_TYP=0 to PM1a_CNT 0x%x\n", PM1A_CNT);
	acpi_poweroff();
	pm_delay_us(GRACE_US);
	ok(false, "VM powered off # still running %u ms after the S5 request", GRACE_US / 1000);
	tap_done();
}
