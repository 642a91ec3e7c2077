/* hv-tsc-page: the reference TSC page (TLFS "Timers", partition reference TSC).
 *
 * Enables HV_X64_MSR_REFERENCE_TSC with a page in RAM, then checks: the page is valid
 * (sequence != 0) and its scale matches HV_X64_MSR_TSC_FREQUENCY when offered; time from
 * the page never goes back over 10000 reads on the BSP, nor from one vCPU to the next;
 * the page and HV_X64_MSR_TIME_REF_COUNT agree within 100 us; the reader retries while
 * the sequence changes and falls back to the MSR on sequence 0 (exercised on a copy of
 * the page the guest controls); disabling the MSR keeps its GPFN and the enable bit off.
 */
#include "fw.h"
#include "hv.h"

#define READS		10000
#define AGREE_100NS	1000		/* 100 us in reference-time units */
#define XCPU_ROUNDS	4
#define BRINGUP_MS	1000

struct xcpu {
	uint64_t t;
	bool from_msr;
};

struct tsc_page_test {
	struct hv_ref_tsc_page page __attribute__((aligned(HV_PAGE_SIZE)));
	uint8_t pad[HV_PAGE_SIZE - sizeof(struct hv_ref_tsc_page)];
	struct hv_ref_tsc_page fake;
	struct xcpu x;
};

static struct tsc_page_test t;

static void read_on_cpu(void *arg)
{
	struct xcpu *x = arg;

	x->t = hv_ref_time(&t.page, &x->from_msr);
}

static void check_page(void)
{
	uint64_t msr = (uintptr_t)&t.page | HV_REF_TSC_ENABLE, v = 0, hz = 0, want;
	int vec = wrmsr_safe(HV_MSR_REFERENCE_TSC, msr);

	rdmsr_safe(HV_MSR_REFERENCE_TSC, &v);
	ok(!vec && v == msr, "REFERENCE_TSC enabled at 0x%lx # vector %d read 0x%lx",
	   (uint64_t)(uintptr_t)&t.page, vec, v);
	ok(t.page.sequence != 0, "page valid (sequence not 0) # sequence %u scale 0x%lx offset %ld",
	   t.page.sequence, t.page.scale, t.page.offset);
	if (!(hv_features().eax & HV_F_FREQUENCY_MSRS) || rdmsr_safe(HV_MSR_TSC_FREQUENCY, &hz) ||
	    !hz) {
		skip("no TSC frequency MSR", "scale is 2^64 * 10^7 / TSC Hz");
		return;
	}
	/* scale = 2^64 * 10^7 / f, so scale * f / 2^64 = 10^7 (within rounding). */
	want = hv_mul64hi(t.page.scale, hz);
	ok(want >= HV_REF_HZ - 1 && want <= HV_REF_HZ,
	   "scale is 2^64 * 10^7 / TSC Hz # scale * %lu Hz >> 64 = %lu", hz, want);
}

static void check_monotonic(void)
{
	uint64_t prev, now, backs = 0, msr_reads = 0;
	bool from_msr;
	unsigned i;

	prev = hv_ref_time(&t.page, &from_msr);
	for (i = 0; i < READS; i++) {
		now = hv_ref_time(&t.page, &from_msr);
		backs += now < prev;
		msr_reads += from_msr;
		prev = now;
	}
	ok(!backs && !msr_reads, "monotonic over %u page reads # %lu went back, %lu via MSR",
	   READS, backs, msr_reads);
}

static void check_agree(void)
{
	uint64_t a, b, m = 0, spread;
	bool f1, f2;
	int vec;

	a = hv_ref_time(&t.page, &f1);
	vec = rdmsr_safe(HV_MSR_TIME_REF_COUNT, &m);
	b = hv_ref_time(&t.page, &f2);
	spread = b - a;
	ok(!vec && !f1 && !f2 && m + AGREE_100NS >= a && m <= b + AGREE_100NS,
	   "page and TIME_REF_COUNT agree within 100 us # page %lu..%lu msr %lu", a, b, m);
	diag("one MSR read spans %lu00 ns of reference time", spread);
}

/* Each AP reads after the BSP's read and before the BSP's next one: t0 <= t1 <= t2. */
static void check_cross_cpu(unsigned ncpus)
{
	uint64_t t0, t2;
	bool f, good = true;
	unsigned cpu, r;

	if (ncpus < 2) {
		skip("one vCPU", "monotonic across vCPUs");
		return;
	}
	for (r = 0; r < XCPU_ROUNDS; r++) {
		for (cpu = 1; cpu < ncpus; cpu++) {
			t0 = hv_ref_time(&t.page, &f);
			t.x.t = 0;
			if (smp_run_on(cpu, read_on_cpu, &t.x) || smp_wait(cpu, 500)) {
				good = false;
				diag("cpu %u did not run the read", cpu);
				continue;
			}
			t2 = hv_ref_time(&t.page, &f);
			if (t0 > t.x.t || t.x.t > t2 || t.x.from_msr) {
				good = false;
				diag("cpu %u: %lu then %lu then %lu", cpu, t0, t.x.t, t2);
			}
		}
	}
	ok(good, "monotonic across %u vCPUs (%u rounds)", ncpus, XCPU_ROUNDS);
}

/* The reader's protocol, on a page copy: sequence 0 means "read the MSR". */
static void check_sequence(void)
{
	uint64_t m0 = 0, m1 = 0, v;
	bool from_msr = false;

	t.fake = t.page;
	t.fake.sequence = 0;
	t.fake.offset = (int64_t)1 << 62;	/* a page answer would be far off */
	rdmsr_safe(HV_MSR_TIME_REF_COUNT, &m0);
	v = hv_ref_time(&t.fake, &from_msr);
	rdmsr_safe(HV_MSR_TIME_REF_COUNT, &m1);
	ok(from_msr && v >= m0 && v <= m1, "sequence 0: falls back to TIME_REF_COUNT # %lu",
	   v);
}

static void check_disable(void)
{
	uint64_t v = 0;
	int vec = wrmsr_safe(HV_MSR_REFERENCE_TSC, (uintptr_t)&t.page);

	rdmsr_safe(HV_MSR_REFERENCE_TSC, &v);
	ok(!vec && v == (uintptr_t)&t.page, "REFERENCE_TSC disabled keeps the GPFN # 0x%lx", v);
}

int main(const struct multiboot_info *mbi)
{
	unsigned expected = fwcfg_nb_cpus(), online;

	(void)mbi;
	if (!(hv_features().eax & HV_F_REF_TSC)) {
		tap_plan(1);
		skip("no AccessPartitionReferenceTsc in CPUID 0x40000003", "reference TSC page");
		tap_done();
	}
	apic_setup(true);
	online = smp_start(expected, BRINGUP_MS);
	tap_plan(8);
	check_page();
	check_monotonic();
	check_agree();
	check_cross_cpu(online);
	check_sequence();
	check_disable();
	tap_done();
}
