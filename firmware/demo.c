/* demo: what `make run` boots. Shows what the guest sees (CPU, hypervisor leaves, CPUs)
 * and checks the basics of a Hyper-V-enlightened VM: every CPU comes up, the partition
 * reference counter (HV_X64_MSR_TIME_REF_COUNT, 100 ns units, TLFS §12.4) runs at the
 * rate of the ACPI PM timer within 2%, and each CPU has a distinct VP index
 * (HV_X64_MSR_VP_INDEX, TLFS §7.8.1), a SynIC message goes round trip through
 * hyperv-testdev, and a direct-mode synthetic timer ticks. Hyper-V checks are skipped when
 * the CPUID leaves do not offer them. Hypercalls go through the hypercall page, never
 * vmcall (the restricted host KVM never returns from it).
 */
#include "fw.h"
#include "hv.h"

#define HV_ACCESS_TIME_REF	HV_F_TIME_REF_COUNT
#define HV_ACCESS_VP_INDEX	HV_F_VP_INDEX

/* SynIC round trip through hyperv-testdev (`make run` passes -device hyperv-testdev and
 * -append testdev): HvPostMessage on a connection the testdev echoes back into SINT 2. */
#define DEMO_SINT		2
#define DEMO_SINT_VEC		0xB2
#define DEMO_CONN		0x42
#define DEMO_MSG_TYPE		0x100u
#define DEMO_STIMER_VEC		0xB3
#define DEMO_STIMER_PERIOD	100000ull	/* 10 ms in 100 ns units */
#define DEMO_STIMER_WINDOW_US	105000

static struct hv_message simp[HV_SINT_COUNT] __attribute__((aligned(4096)));
static struct hv_post_input post_in __attribute__((aligned(4096)));
static volatile int sint_count, stimer_count;

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

/* For a person: the enlightenments the guest found, by TLFS name. */
static const struct {
	uint32_t bit;
	const char *name;
} hv_privileges[] = {
	{ HV_F_VP_RUNTIME, "VP runtime" },	   { HV_F_TIME_REF_COUNT, "reference counter" },
	{ HV_F_SYNIC, "SynIC" },		   { HV_F_STIMER, "synthetic timers" },
	{ HV_F_APIC_MSRS, "APIC MSRs" },	   { HV_F_HYPERCALL, "hypercall page" },
	{ HV_F_VP_INDEX, "VP index" },		   { HV_F_RESET, "reset MSR" },
	{ HV_F_REF_TSC, "reference TSC page" }, { HV_F_FREQUENCY_MSRS, "frequency MSRs" },
};

static void show_hyperv(void)
{
	struct cpuid_regs f;
	uint64_t hz = 0;

	if (!hv_present())
		return;
	f = hv_features();
	printf("demo: Hyper-V privileges 0x%x 0x%x, features 0x%x:", f.eax, f.ebx, f.edx);
	for (unsigned i = 0; i < sizeof(hv_privileges) / sizeof(hv_privileges[0]); i++)
		if (f.eax & hv_privileges[i].bit)
			printf(" %s,", hv_privileges[i].name);
	printf("%s%s\n", f.edx & HV_D_STIMER_DIRECT ? " direct stimers," : "",
	       f.edx & HV_D_CRASH_MSRS ? " crash MSRs" : "");
	if ((f.eax & HV_F_FREQUENCY_MSRS) && !rdmsr_safe(HV_MSR_TSC_FREQUENCY, &hz))
		printf("demo: TSC frequency %lu Hz (HV_X64_MSR_TSC_FREQUENCY)\n", hz);
}

static void sint_irq(struct trap_frame *f)
{
	(void)f;
	atomic_inc(&sint_count);
	apic_eoi();
}

static void stimer_irq(struct trap_frame *f)
{
	(void)f;
	atomic_inc(&stimer_count);
	apic_eoi();
}

static bool sint_arrived(void *arg)
{
	(void)arg;
	return atomic_read(&sint_count) >= 1;
}

static void check_synic_roundtrip(void)
{
	struct cpuid_regs f = hv_features();
	struct hv_message *m = &simp[DEMO_SINT];
	uint64_t status, us;

	if (!(f.eax & HV_F_SYNIC) || !(f.ebx & HV_F_POST_MESSAGES) || !cmdline_has("testdev")) {
		skip("needs hv-synic and -device hyperv-testdev (-append testdev)",
		     "SynIC message round trip");
		return;
	}
	irq_set_handler(DEMO_SINT_VEC, sint_irq);
	hv_hypercall_setup();
	wrmsr_safe(HV_MSR_SIMP, (uintptr_t)simp | HV_PAGE_ENABLE);
	wrmsr_safe(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	wrmsr_safe(HV_MSR_SINT(DEMO_SINT), DEMO_SINT_VEC);
	hv_testdev(HV_TESTDEV_MSG_CONN_CREATE, 0, DEMO_SINT, DEMO_CONN);
	post_in = (struct hv_post_input){ .connection_id = DEMO_CONN,
					  .message_type = DEMO_MSG_TYPE,
					  .payload_size = 8,
					  .payload = { 0x70696e67 /* "ping" */ } };
	status = hv_hypercall(HVCALL_POST_MESSAGE, (uintptr_t)&post_in, 0);
	us = irq_wait_until(sint_arrived, NULL, 200000);
	printf("demo: SynIC round trip: HvPostMessage status 0x%lx, SINT %u vector 0x%x "
	       "after %lu us, slot type 0x%x payload 0x%lx\n", status & 0xffff, DEMO_SINT,
	       DEMO_SINT_VEC, us, m->type, m->payload[0]);
	ok(!(status & 0xffff) && atomic_read(&sint_count) == 1 && m->type == DEMO_MSG_TYPE &&
		   m->payload[0] == 0x70696e67,
	   "SynIC message round trip through hyperv-testdev # %lu us", us);
	m->type = 0; /* free the slot (TLFS "SynIC Message Flags") */
	wrmsr_safe(HV_MSR_EOM, 0);
	hv_testdev(HV_TESTDEV_MSG_CONN_DESTROY, 0, DEMO_SINT, DEMO_CONN);
}

static void check_stimer_ticks(void)
{
	struct cpuid_regs f = hv_features();
	unsigned want = DEMO_STIMER_WINDOW_US / 10000;

	if (!(f.eax & HV_F_STIMER) || !(f.edx & HV_D_STIMER_DIRECT)) {
		skip("needs hv-stimer and hv-stimer-direct", "synthetic timer ticks");
		return;
	}
	irq_set_handler(DEMO_STIMER_VEC, stimer_irq);
	wrmsr_safe(HV_MSR_STIMER_CONFIG(0), HV_STIMER_ENABLE | HV_STIMER_PERIODIC |
						    HV_STIMER_DIRECT |
						    HV_STIMER_VECTOR(DEMO_STIMER_VEC));
	wrmsr_safe(HV_MSR_STIMER_COUNT(0), DEMO_STIMER_PERIOD);
	irq_wait_count(&stimer_count, 1000, DEMO_STIMER_WINDOW_US); /* the whole window */
	wrmsr_safe(HV_MSR_STIMER_CONFIG(0), 0);
	printf("demo: synthetic timer 0, direct mode, 10 ms period: %d ticks in %u ms\n",
	       atomic_read(&stimer_count), DEMO_STIMER_WINDOW_US / 1000);
	/* A loaded host may merge late periods (TLFS allows it for a periodic timer); ticks
	 * must come, and never faster than the period. */
	ok(atomic_read(&stimer_count) >= 1 && atomic_read(&stimer_count) <= (int)want + 1,
	   "synthetic timer ticks # %d in %u ms", atomic_read(&stimer_count),
	   DEMO_STIMER_WINDOW_US / 1000);
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
	features = hv_present() ? hv_features().eax : 0;

	show_hyperv();
	tap_plan(5);
	ok(expected ? online == expected : online >= 1, "all CPUs online # %u of %u",
	   online, expected);
	check_time_ref(features);
	check_vp_index(features, online);
	check_synic_roundtrip();
	check_stimer_ticks();
	tap_done();
}
