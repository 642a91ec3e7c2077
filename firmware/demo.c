/* demo: what `make run` boots. Shows what the guest sees (CPU, hypervisor leaves, CPUs)
 * and checks the basics of a Hyper-V-enlightened VM: every CPU comes up, the partition
 * reference counter (HV_X64_MSR_TIME_REF_COUNT, 100 ns units, TLFS §12.4) runs at the
 * rate of the ACPI PM timer within 2%, and each CPU has a distinct VP index
 * (HV_X64_MSR_VP_INDEX, TLFS §7.8.1). Hyper-V checks are skipped when the CPUID leaves
 * do not offer them. No hypercalls (the restricted host KVM never returns from vmcall).
 */
#include "fw.h"

#define HV_CPUID_VENDOR		0x40000000
#define HV_CPUID_INTERFACE	0x40000001
#define HV_CPUID_FEATURES	0x40000003
#define HV_INTERFACE_HV1	0x31237648	/* "Hv#1" */
#define HV_ACCESS_TIME_REF	(1u << 1)	/* AccessPartitionReferenceCounter */
#define HV_ACCESS_VP_INDEX	(1u << 6)	/* AccessVpIndex */
#define HV_MSR_VP_INDEX		0x40000002
#define HV_MSR_TIME_REF_COUNT	0x40000020

#define REF_WINDOW_US		20000
#define BRINGUP_TIMEOUT_MS	1000

struct vp_index {
	volatile int vec;
	uint64_t value;
};

struct demo {
	struct vp_index vp[FW_MAX_CPUS];
};

static struct demo demo;

static void read_vp_index(void *arg)
{
	struct vp_index *v = arg;

	v->vec = rdmsr_safe(HV_MSR_VP_INDEX, &v->value);
}

static void show_cpu(void)
{
	struct cpuid_regs r = cpuid(0);
	char vendor[13], hv[13], brand[49] = "";
	unsigned i;

	memcpy(vendor, &r.ebx, 4);
	memcpy(vendor + 4, &r.edx, 4);
	memcpy(vendor + 8, &r.ecx, 4);
	vendor[12] = '\0';
	if (cpuid(0x80000000).eax >= 0x80000004) {
		for (i = 0; i < 3; i++) {
			r = cpuid(0x80000002 + i);
			memcpy(brand + 16 * i, &r, 16);
		}
		brand[48] = '\0';
	}
	printf("demo: cpu %s%s%s\n", vendor, brand[0] ? " " : "", brand);
	if (!(cpuid(1).ecx & CPUID_1_ECX_HYPERVISOR)) {
		puts("demo: no hypervisor bit");
		return;
	}
	r = cpuid(HV_CPUID_VENDOR);
	memcpy(hv, &r.ebx, 4);
	memcpy(hv + 4, &r.ecx, 4);
	memcpy(hv + 8, &r.edx, 4);
	hv[12] = '\0';
	printf("demo: hypervisor \"%s\" max leaf 0x%x interface 0x%x features 0x%x\n", hv,
	       r.eax, cpuid(HV_CPUID_INTERFACE).eax, cpuid(HV_CPUID_FEATURES).eax);
}

static uint32_t hv_features(void)
{
	if (!(cpuid(1).ecx & CPUID_1_ECX_HYPERVISOR) ||
	    cpuid(HV_CPUID_VENDOR).eax < HV_CPUID_FEATURES ||
	    cpuid(HV_CPUID_INTERFACE).eax != HV_INTERFACE_HV1)
		return 0;
	return cpuid(HV_CPUID_FEATURES).eax;
}

/* One bracketed sample: the PM timer is read just before and just after each MSR read, so
 * a vCPU that the host deschedules mid-measurement shows up as a wide bracket instead of a
 * wrong rate. Returns the bracket width in PM ticks (both ends together). */
static uint32_t time_ref_sample(uint64_t *ref_units, uint64_t *pm_ticks, int *vec)
{
	uint32_t a0, a1, b0, b1;
	uint64_t t0, t1;

	a0 = pmtimer_read();
	vec[0] = rdmsr_safe(HV_MSR_TIME_REF_COUNT, &t0);
	a1 = pmtimer_read();
	pm_delay_us(REF_WINDOW_US);
	b0 = pmtimer_read();
	vec[1] = rdmsr_safe(HV_MSR_TIME_REF_COUNT, &t1);
	b1 = pmtimer_read();
	*ref_units = t1 - t0;
	/* midpoint to midpoint, each end within its bracket */
	*pm_ticks = (uint64_t)((int64_t)pmtimer_delta(a0, b0) +
			       ((int64_t)pmtimer_delta(b0, b1) - (int64_t)pmtimer_delta(a0, a1)) / 2);
	return pmtimer_delta(a0, a1) + pmtimer_delta(b0, b1);
}

static void check_time_ref(uint32_t features)
{
	uint64_t got = 0, ticks = 1, want;
	uint32_t bracket = ~0u;
	int vec[2] = { 0, 0 };

	if (!(features & HV_ACCESS_TIME_REF)) {
		skip("no AccessPartitionReferenceCounter", "TIME_REF_COUNT runs at 10 MHz");
		return;
	}
	/* Keep the tightest of a few samples: the bracket must stay under 0.5% of the window. */
	for (int i = 0; i < 5 && bracket * 200ull > (uint64_t)PM_TIMER_HZ * REF_WINDOW_US / 1000000; i++) {
		uint64_t g, t;
		int v[2];
		uint32_t b = time_ref_sample(&g, &t, v);

		if (b < bracket) {
			bracket = b;
			got = g;
			ticks = t;
			vec[0] = v[0];
			vec[1] = v[1];
		}
	}
	/* expected units = ticks * 10^7 / PM_TIMER_HZ */
	want = ticks * 10000000ull / PM_TIMER_HZ;
	ok(!vec[0] && !vec[1] && got * 100 >= want * 98 && got * 100 <= want * 102,
	   "TIME_REF_COUNT runs at 10 MHz # %lu units in %lu PM ticks (want %lu), bracket %u ticks, "
	   "vectors %d/%d", got, ticks, want, bracket, vec[0], vec[1]);
}

static void check_vp_index(uint32_t features, unsigned ncpus)
{
	unsigned cpu, j;
	bool good = true;

	if (!(features & HV_ACCESS_VP_INDEX)) {
		skip("no AccessVpIndex", "every CPU has a distinct VP index");
		return;
	}
	read_vp_index(&demo.vp[0]);
	for (cpu = 1; cpu < ncpus; cpu++)
		if (smp_run_on(cpu, read_vp_index, &demo.vp[cpu]) || smp_wait(cpu, 500))
			demo.vp[cpu].vec = -1;
	for (cpu = 0; cpu < ncpus; cpu++) {
		printf("demo: cpu %u apic-id %u vp-index %lu (vector %d)\n", cpu,
		       smp_apic_id(cpu), demo.vp[cpu].value, demo.vp[cpu].vec);
		good &= !demo.vp[cpu].vec;
		for (j = 0; j < cpu; j++)
			good &= demo.vp[j].value != demo.vp[cpu].value;
	}
	ok(good, "every CPU has a distinct VP index");
}

int main(const struct multiboot_info *mbi)
{
	unsigned expected = fwcfg_nb_cpus(), online;
	uint32_t features;
	uint64_t n;

	(void)mbi;
	puts("hello from enlight guest (demo)");
	show_cpu();
	if (!expected && cmdline_u64("cpus", &n))
		expected = (unsigned)n;
	apic_setup(true);
	online = smp_start(expected, BRINGUP_TIMEOUT_MS);
	features = hv_features();

	tap_plan(3);
	ok(expected ? online == expected : online >= 1, "all CPUs online # %u of %u",
	   online, expected);
	check_time_ref(features);
	check_vp_index(features, online);
	tap_done();
}
