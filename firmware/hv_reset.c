/* hv-reset: HV_X64_MSR_RESET (TLFS "Virtual Processor": writing 1 resets the partition).
 * Boots are counted in CMOS NVRAM byte 0x50 (as firmware/reset.c), which survives the
 * reset:
 *   boot 1: RESET reads 0, a reserved bit raises #GP, then RESET = 1.
 *   boot 2: TAP ok, clears the counter, exits with code 0x21 (status 67).
 * If the reset is ignored: "not ok", status 3.
 */
#include "fw.h"
#include "hv.h"

#define RESET_EXIT_CODE	0x21
#define GRACE_US	500000

int main(const struct multiboot_info *mbi)
{
	uint8_t boots = cmos_read(CMOS_BOOT_COUNT);
	uint64_t v = 1;
	int rd, gp;

	(void)mbi;
	printf("hv-reset boot %u\n", boots + 1);
	if (!(hv_features().eax & HV_F_RESET)) {
		tap_plan(1);
		skip("no AccessResetReg in CPUID 0x40000003", "RESET MSR resets the machine");
		tap_done();
	}
	if (boots == 1) {
		cmos_write(CMOS_BOOT_COUNT, 0);
		tap_plan(1);
		ok(true, "came back after the RESET MSR write");
		exit(RESET_EXIT_CODE);
	}
	tap_plan(3);
	rd = rdmsr_safe(HV_MSR_RESET, &v);
	ok(!rd && v == 0, "RESET reads 0 # vector %d value 0x%lx", rd, v);
	gp = wrmsr_safe(HV_MSR_RESET, 2);
	ok(gp == X86_GP, "RESET reserved bit 1: #GP # vector %d", gp);
	cmos_write(CMOS_BOOT_COUNT, 1);
	puts("hv-reset: writing 1 to HV_X64_MSR_RESET");
	wrmsr_safe(HV_MSR_RESET, 1);
	pm_delay_us(GRACE_US);
	cmos_write(CMOS_BOOT_COUNT, 0);
	ok(false, "machine reset # still running %u ms after the RESET write", GRACE_US / 1000);
	tap_done();
}
