/* hv-crash: the guest crash MSRs (TLFS "Feature Discovery", GuestCrashMsrsAvailable;
 * QEMU/KVM: CRASH_P0-P4 hold parameters, writing CRASH_CTL with CrashNotify (b63)
 * reports them and stops the guest). enlight prints P0-P4 and exits with status 5; the
 * runner checks the values below in its log.
 *
 *   P0..P4 = 0xC0FFEE00 + n   (what a Windows bugcheck would put: code, 4 parameters)
 */
#include "fw.h"
#include "hv.h"

#define CRASH_MAGIC	0xC0FFEE00ull
#define GRACE_US	500000

int main(const struct multiboot_info *mbi)
{
	uint64_t v = 0, ctl = 0;
	bool good = true;
	unsigned i;

	(void)mbi;
	tap_plan(3);
	if (!(hv_features().edx & HV_D_CRASH_MSRS)) {
		skip("no crash MSRs", "CRASH_P0-P4 written");
		skip("no crash MSRs", "CRASH_CTL offers CrashNotify");
		skip("no crash MSRs", "CRASH_CTL write stops the VM");
		tap_done();
	}
	for (i = 0; i < 5; i++) {
		good &= !wrmsr_safe(HV_MSR_CRASH_P(i), CRASH_MAGIC + i);
		good &= !rdmsr_safe(HV_MSR_CRASH_P(i), &v) && v == CRASH_MAGIC + i;
	}
	ok(good, "CRASH_P0-P4 written and read back (0x%llx + n)", CRASH_MAGIC);
	good = !rdmsr_safe(HV_MSR_CRASH_CTL, &ctl);
	ok(good && (ctl & HV_CRASH_NOTIFY), "CRASH_CTL offers CrashNotify # 0x%lx", ctl);
	puts("hv-crash: writing CRASH_CTL = CrashNotify");
	wrmsr_safe(HV_MSR_CRASH_CTL, HV_CRASH_NOTIFY);
	pm_delay_us(GRACE_US);
	ok(false, "CRASH_CTL write stops the VM # still running %u ms later", GRACE_US / 1000);
	tap_done();
}
