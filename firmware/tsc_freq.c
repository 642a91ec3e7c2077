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

/* A reading of a slow clock (PM timer port or TIME_REF_COUNT MSR, each one VM exit) timed
 * by the TSC at the midpoint of an RDTSC bracket. At the window's ends the narrowest of
 * several brackets is kept, so a vCPU the host deschedules during one read cannot shift an
 * end: the result does not depend on host load. */
struct stamp {
	uint64_t val, tsc, width;
};

static struct stamp stamp_pm(void)
{
	uint64_t a = rdtsc();
	uint32_t v = pmtimer_read();
	uint64_t b = rdtsc();

	return (struct stamp){ v, a + (b - a) / 2, b - a };
}

static struct stamp stamp_ref(void)
{
	uint64_t a = rdtsc(), v = 0;

	rdmsr_safe(HV_MSR_TIME_REF_COUNT, &v);
	uint64_t b = rdtsc();

	return (struct stamp){ v, a + (b - a) / 2, b - a };
}

static struct stamp tightest(struct stamp (*fn)(void))
{
	struct stamp best = fn();

	for (int i = 0; i < 16; i++) {
		struct stamp s = fn();

		if (s.width < best.width)
			best = s;
	}
	return best;
}

/* How far the window's ends may be off, in ppm of the window: half of each end's bracket.
 * It is added to the tolerance (and printed), so a loaded host widens the bound honestly
 * instead of failing the check or hiding a real error. */
static int64_t pm_unc, ref_unc;

static int64_t uncertainty(struct stamp s0, struct stamp s1)
{
	return (int64_t)((s0.width + s1.width) / 2 * 1000000 / (s1.tsc - s0.tsc)) + 1;
}

/* TSC Hz over WINDOW_US of PM timer; the 24-bit counter is followed across wraps. */
static uint64_t tsc_vs_pm(void)
{
	uint64_t ticks = (uint64_t)WINDOW_US * PM_TIMER_HZ / 1000000, elapsed = 0;
	struct stamp s0 = tightest(stamp_pm), s1;
	uint32_t last = (uint32_t)s0.val, now;

	while (elapsed < ticks) {
		now = pmtimer_read();
		elapsed += pmtimer_delta(last, now);
		last = now;
	}
	s1 = tightest(stamp_pm);
	elapsed += pmtimer_delta(last, (uint32_t)s1.val);
	pm_unc = uncertainty(s0, s1);
	return (s1.tsc - s0.tsc) * PM_TIMER_HZ / elapsed;
}

/* TSC Hz over WINDOW_US of reference time. */
static uint64_t tsc_vs_ref(void)
{
	struct stamp s0, s1;
	uint64_t v;

	if (rdmsr_safe(HV_MSR_TIME_REF_COUNT, &v))
		return 0;
	s0 = tightest(stamp_ref);
	pm_delay_us(WINDOW_US);
	s1 = tightest(stamp_ref);
	if (s1.val <= s0.val)
		return 0;
	ref_unc = uncertainty(s0, s1);
	return (s1.tsc - s0.tsc) * HV_REF_HZ / (s1.val - s0.val);
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
	printf("tsc-freq: TSC %lu Hz by PM timer (+-%ld ppm), %lu Hz by TIME_REF_COUNT (+-%ld ppm); "
	       "TSC_FREQUENCY %lu Hz, tsc_khz %lu\n", pm_hz, pm_unc, ref_hz, ref_unc, hv_hz, khz);
	if (have_hv || have_khz)
		ok(within(ppm(pm_hz, ref), PM_PPM + pm_unc),
		   "TSC vs PM timer matches %s within %u ppm # %ld ppm",
		   have_hv ? "TSC_FREQUENCY" : "tsc_khz", PM_PPM, ppm(pm_hz, ref));
	else
		skip("neither TSC_FREQUENCY nor tsc_khz=", "TSC vs PM timer");
	if (have_ref && have_hv)
		ok(within(ppm(ref_hz, hv_hz), REF_PPM + ref_unc),
		   "TSC vs TIME_REF_COUNT matches TSC_FREQUENCY within %u ppm # %ld ppm",
		   REF_PPM, ppm(ref_hz, hv_hz));
	else if (have_ref && have_khz)
		ok(within(ppm(ref_hz, khz * 1000), PM_PPM + ref_unc),
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
		ok(within(ppm(pm_hz, khz * 1000), PM_PPM + pm_unc),
		   "TSC vs PM timer matches tsc_khz within %u ppm # %ld ppm", PM_PPM,
		   ppm(pm_hz, khz * 1000));
	else
		skip("no tsc_khz= on the command line", "TSC vs PM timer matches tsc_khz");
	tap_done();
}
