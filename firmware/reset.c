/* reset: resets the machine through the ICH9 Reset Control Register (0xCF9) and counts
 * boots in CMOS NVRAM byte 0x50, which survives a reset.
 *
 *   boot 1: prints "reset-test boot", sets the counter to 1, writes 0x06 to 0xCF9.
 *           With -no-reboot the VMM stops here with status 0 (QEMU and enlight).
 *   boot 2: prints "reset-test boot", TAP ok, clears the counter, exits through
 *           debug-exit with code 0x21 (status 0x43).
 * If the reset is ignored: "not ok", FW_EXIT_FAIL.
 */
#include "fw.h"

#define RESET_EXIT_CODE	0x21
#define GRACE_US	500000

int main(const struct multiboot_info *mbi)
{
	uint8_t boots = cmos_read(CMOS_BOOT_COUNT);

	(void)mbi;
	puts("reset-test boot");
	printf("# boot count in CMOS 0x%x: %u\n", CMOS_BOOT_COUNT, boots);
	if (boots == 1) {
		cmos_write(CMOS_BOOT_COUNT, 0);
		tap_plan(1);
		ok(true, "came back after the 0xCF9 reset");
		exit(RESET_EXIT_CODE);
	}
	cmos_write(CMOS_BOOT_COUNT, 1);
	if (cmos_read(CMOS_BOOT_COUNT) != 1)
		diag("CMOS NVRAM byte 0x%x is not writable: boots cannot be counted",
		     CMOS_BOOT_COUNT);
	printf("reset: writing 0x%x to port 0x%x\n", RST_CNT_SYS_RST | RST_CNT_RST_CPU,
	       RST_CNT_PORT);
	cf9_reset();
	pm_delay_us(GRACE_US);
	tap_plan(1);
	ok(false, "machine reset # still running %u ms after writing 0xCF9", GRACE_US / 1000);
	tap_done();
}
