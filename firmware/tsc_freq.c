/* tsc-freq: measures the TSC against the ACPI PM timer and against the Hyper-V partition
 * reference counter (HV_X64_MSR_TIME_REF_COUNT, 10 MHz, TLFS "Timers"), and reports the
 * error in ppm against HV_X64_MSR_TSC_FREQUENCY (TLFS "Timers", hv-frequencies) and
 * against the host's rate given as "tsc_khz=N" on the command line.
 *
 * Tolerances: the PM timer is read through an ~8 us port exit at both ends of a 100 ms
 * window (about 160 ppm of jitter) and the host's TSC calibration is itself approximate,
 * so TSC vs PM timer must agree within 2000 ppm; TIME_REF_COUNT is derived from the same
 * TSC by the VMM, so the TSC vs reference-counter rate must match TSC_FREQUENCY within
 * 500 ppm; TSC_FREQUENCY vs tsc_khz within KVM's 250 ppm.
 */
#include "fw.h"
#include "hv.h"

#define WINDOW_US	100000
#define PM_PPM		2000
#define REF_PPM		500
#define KVM_PPM		250	/* KVM_SET_TSC_KHZ tolerance without TSC scaling */

/* Signed difference of got from want in parts per million. */
static int64_t ppm(uint64_t got, uint64_t want)
{
	if (!want)
		return 0;
	return ((int64_t)got - (int64_t)want) * 1000000 / (int64_t)want;
}

static bool within(int64_t p, int64_t limit)
{
	return p <= limit && p >= -limit;
}

/* TSC Hz over WINDOW_US of PM timer, edges aligned to PM timer ticks. */
static uint64_t tsc_vs_pm(void)
{
	uint64_t ticks = (uint64_t)WINDOW_US * PM_TIMER_HZ / 1000000, elapsed = 0, t0, t1;
	uint32_t last = pmtimer_read(), now;

	while ((now = pmtimer_read()) == last)
		;
	t0 = rdtsc();
	last = now;
	while (elapsed < ticks) {
		now = pmtimer_read();
		elapsed += pmtimer_delta(last, now);
		last = now;
	}
	t1 = rdtsc();
	return (t1 - t0) * PM_TIMER_HZ / elapsed;
}

/* TSC Hz over WINDOW_US of reference time. */
static uint64_t tsc_vs_ref(void)
{
	uint64_t r0, r1, t0, t1;

	if (rdmsr_safe(HV_MSR_TIME_REF_COUNT, &r0))
		return 0;
	t0 = rdtsc();
	pm_delay_us(WINDOW_US);
	rdmsr_safe(HV_MSR_TIME_REF_COUNT, &r1);
	t1 = rdtsc();
	if (r1 <= r0)
		return 0;
	return (t1 - t0) * HV_REF_HZ / (r1 - r0);
}

int main(const struct multiboot_info *mbi)
{
	struct cpuid_regs f = hv_features();
	uint64_t khz = 0, hv_hz = 0, pm_hz, ref_hz = 0;
	bool have_khz = cmdline_u64("tsc_khz", &khz) && khz;
	bool have_hv = (f.eax & HV_F_FREQUENCY_MSRS) && !rdmsr_safe(HV_MSR_TSC_FREQUENCY, &hv_hz);
	bool have_ref = f.eax & HV_F_TIME_REF_COUNT;
	uint64_t ref = have_hv ? hv_hz : khz * 1000;

	(void)mbi;
	tap_plan(4);
	pm_hz = tsc_vs_pm();
	if (have_ref)
		ref_hz = tsc_vs_ref();
	printf("tsc-freq: TSC %lu Hz by PM timer, %lu Hz by TIME_REF_COUNT; "
	       "TSC_FREQUENCY %lu Hz, tsc_khz %lu\n", pm_hz, ref_hz, hv_hz, khz);
	if (have_hv || have_khz)
		ok(within(ppm(pm_hz, ref), PM_PPM),
		   "TSC vs PM timer matches %s within %u ppm # %ld ppm",
		   have_hv ? "TSC_FREQUENCY" : "tsc_khz", PM_PPM, ppm(pm_hz, ref));
	else
		skip("neither TSC_FREQUENCY nor tsc_khz=", "TSC vs PM timer");
	if (have_ref && have_hv)
		ok(within(ppm(ref_hz, hv_hz), REF_PPM),
		   "TSC vs TIME_REF_COUNT matches TSC_FREQUENCY within %u ppm # %ld ppm",
		   REF_PPM, ppm(ref_hz, hv_hz));
	else if (have_ref && have_khz)
		ok(within(ppm(ref_hz, khz * 1000), PM_PPM),
		   "TSC vs TIME_REF_COUNT matches tsc_khz within %u ppm # %ld ppm", PM_PPM,
		   ppm(ref_hz, khz * 1000));
	else
		skip("no reference counter", "TSC vs TIME_REF_COUNT");
	if (have_hv && have_khz)
		ok(within(ppm(hv_hz, khz * 1000), KVM_PPM),
		   "TSC_FREQUENCY matches tsc_khz within %u ppm # %ld ppm", KVM_PPM,
		   ppm(hv_hz, khz * 1000));
	else
		skip("needs TSC_FREQUENCY and tsc_khz=", "TSC_FREQUENCY vs tsc_khz");
	if (have_khz)
		ok(within(ppm(pm_hz, khz * 1000), PM_PPM),
		   "TSC vs PM timer matches tsc_khz within %u ppm # %ld ppm", PM_PPM,
		   ppm(pm_hz, khz * 1000));
	else
		skip("no tsc_khz= on the command line", "TSC vs PM timer matches tsc_khz");
	tap_done();
}
