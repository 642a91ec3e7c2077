/* hv-msr: the synthetic MSRs as the guest sees them (TLFS "Feature Discovery": a privilege
 * bit in CPUID 0x40000003 unlocks an MSR group; without it the MSRs raise #GP).
 *
 * Which MSRs must exist is taken from CPUID (hv-detect checks CPUID against the flags):
 * every MSR of an offered feature is readable, every MSR of a missing one raises #GP.
 * Then the rules: GUEST_OS_ID/HYPERCALL (the enable bit is ignored while GUEST_OS_ID is 0;
 * zeroing GUEST_OS_ID turns the page off), read-only MSRs (VP_INDEX, TIME_REF_COUNT,
 * frequencies) and reserved bits raise #GP, SynIC power-on values, crash parameter MSRs.
 * Never writes RESET = 1 or CRASH_CTL = CrashNotify (those end the VM: hv-reset, hv-crash).
 */
#include "fw.h"
#include "hv.h"

enum reg { EAX, EBX, EDX };

/* One representative readable MSR per feature bit of 0x40000003. */
static const struct {
	const char *what;
	enum reg reg;
	uint32_t bit;
	uint32_t msr;
} msr_groups[] = {
	{ "VP_RUNTIME", EAX, HV_F_VP_RUNTIME, HV_MSR_VP_RUNTIME },
	{ "TIME_REF_COUNT", EAX, HV_F_TIME_REF_COUNT, HV_MSR_TIME_REF_COUNT },
	{ "REFERENCE_TSC", EAX, HV_F_REF_TSC, HV_MSR_REFERENCE_TSC },
	{ "SCONTROL", EAX, HV_F_SYNIC, HV_MSR_SCONTROL },
	{ "SVERSION", EAX, HV_F_SYNIC, HV_MSR_SVERSION },
	{ "SIMP", EAX, HV_F_SYNIC, HV_MSR_SIMP },
	{ "SIEFP", EAX, HV_F_SYNIC, HV_MSR_SIEFP },
	{ "SINT15", EAX, HV_F_SYNIC, HV_MSR_SINT(15) },
	{ "STIMER0_CONFIG", EAX, HV_F_STIMER, HV_MSR_STIMER_CONFIG(0) },
	{ "STIMER3_COUNT", EAX, HV_F_STIMER, HV_MSR_STIMER_COUNT(3) },
	{ "VP_ASSIST_PAGE", EAX, HV_F_APIC_MSRS, HV_MSR_VP_ASSIST_PAGE },
	{ "GUEST_OS_ID", EAX, HV_F_HYPERCALL, HV_MSR_GUEST_OS_ID },
	{ "HYPERCALL", EAX, HV_F_HYPERCALL, HV_MSR_HYPERCALL },
	{ "VP_INDEX", EAX, HV_F_VP_INDEX, HV_MSR_VP_INDEX },
	{ "RESET", EAX, HV_F_RESET, HV_MSR_RESET },
	{ "TSC_FREQUENCY", EAX, HV_F_FREQUENCY_MSRS, HV_MSR_TSC_FREQUENCY },
	{ "APIC_FREQUENCY", EAX, HV_F_FREQUENCY_MSRS, HV_MSR_APIC_FREQUENCY },
	{ "REENLIGHTENMENT_CONTROL", EAX, HV_F_REENLIGHTENMENT, HV_MSR_REENLIGHTENMENT_CONTROL },
	{ "CRASH_P0", EDX, HV_D_CRASH_MSRS, HV_MSR_CRASH_P(0) },
	{ "CRASH_CTL", EDX, HV_D_CRASH_MSRS, HV_MSR_CRASH_CTL },
};

/* Read-only MSRs: a write raises #GP (TLFS marks them read-only; KVM and QEMU agree). */
static const struct {
	const char *what;
	uint32_t bit;
	uint32_t msr;
} read_only[] = {
	{ "VP_INDEX", HV_F_VP_INDEX, HV_MSR_VP_INDEX },
	{ "TIME_REF_COUNT", HV_F_TIME_REF_COUNT, HV_MSR_TIME_REF_COUNT },
	{ "TSC_FREQUENCY", HV_F_FREQUENCY_MSRS, HV_MSR_TSC_FREQUENCY },
	{ "APIC_FREQUENCY", HV_F_FREQUENCY_MSRS, HV_MSR_APIC_FREQUENCY },
	{ "SVERSION", HV_F_SYNIC, HV_MSR_SVERSION },
};

/* Writes with reserved bits set: #GP. */
static const struct {
	const char *what;
	uint32_t bit;
	uint32_t msr;
	uint64_t val;
} reserved[] = {
	{ "HYPERCALL b11:2", HV_F_HYPERCALL, HV_MSR_HYPERCALL, 1ull << 2 },
	{ "REFERENCE_TSC b11:1", HV_F_REF_TSC, HV_MSR_REFERENCE_TSC, 1ull << 1 },
	{ "RESET b63:1", HV_F_RESET, HV_MSR_RESET, 1ull << 1 },
	{ "SCONTROL b63:1", HV_F_SYNIC, HV_MSR_SCONTROL, 1ull << 1 },
	{ "SIMP b11:1", HV_F_SYNIC, HV_MSR_SIMP, 1ull << 1 },
	{ "SINT0 b63:19", HV_F_SYNIC, HV_MSR_SINT(0), HV_SINT_MASKED | 1ull << 19 },
	{ "SINT0 unmasked vector 15", HV_F_SYNIC, HV_MSR_SINT(0), 15 },
	{ "STIMER0_CONFIG b63:20", HV_F_STIMER, HV_MSR_STIMER_CONFIG(0), 1ull << 20 },
	{ "VP_ASSIST_PAGE b11:1", HV_F_APIC_MSRS, HV_MSR_VP_ASSIST_PAGE, 1ull << 1 },
};

struct hv_msr_test {
	struct cpuid_regs f;
	uint8_t scratch[HV_PAGE_SIZE] __attribute__((aligned(HV_PAGE_SIZE)));
};

static struct hv_msr_test t;

static bool offered(enum reg reg, uint32_t bit)
{
	uint32_t v = reg == EAX ? t.f.eax : reg == EBX ? t.f.ebx : t.f.edx;

	return v & bit;
}

static void check_groups(void)
{
	uint64_t v;
	size_t i;
	int vec;

	for (i = 0; i < ARRAY_SIZE(msr_groups); i++) {
		bool want = offered(msr_groups[i].reg, msr_groups[i].bit);

		vec = rdmsr_safe(msr_groups[i].msr, &v);
		ok(want ? vec == 0 : vec == X86_GP, "%s (0x%x) %s # vector %d",
		   msr_groups[i].what, msr_groups[i].msr,
		   want ? "readable" : "absent: #GP", vec);
	}
	vec = rdmsr_safe(0x400000FE, &v);
	ok(vec == X86_GP, "undefined synthetic MSR 0x400000fe: #GP # vector %d", vec);
}

static void check_read_only(void)
{
	uint64_t before = 0, after = 0;
	size_t i;
	int vec;

	for (i = 0; i < ARRAY_SIZE(read_only); i++) {
		if (!(t.f.eax & read_only[i].bit)) {
			skip("not offered", "%s is read-only", read_only[i].what);
			continue;
		}
		rdmsr_safe(read_only[i].msr, &before);
		vec = wrmsr_safe(read_only[i].msr, before + 5);
		rdmsr_safe(read_only[i].msr, &after);
		ok(vec == X86_GP && (read_only[i].msr != HV_MSR_VP_INDEX || after == before),
		   "%s is read-only: write raises #GP # vector %d", read_only[i].what, vec);
	}
}

static void check_reserved(void)
{
	uint64_t old = 0;
	size_t i;
	int vec;

	for (i = 0; i < ARRAY_SIZE(reserved); i++) {
		if (!(t.f.eax & reserved[i].bit)) {
			skip("not offered", "%s: #GP", reserved[i].what);
			continue;
		}
		rdmsr_safe(reserved[i].msr, &old);
		vec = wrmsr_safe(reserved[i].msr, reserved[i].val);
		ok(vec == X86_GP, "%s: #GP # vector %d", reserved[i].what, vec);
		if (!vec)
			wrmsr_safe(reserved[i].msr, old);
	}
}

/* TLFS "Hypercall Interface": GUEST_OS_ID must be non-zero before the page can be
 * enabled; the MSRs keep the GPFN; clearing GUEST_OS_ID disables the page. */
static void check_hypercall_msrs(void)
{
	uint64_t page = (uintptr_t)hv_hypercall_page(), id = 1, hc = 1;
	int v1, v2;

	rdmsr_safe(HV_MSR_GUEST_OS_ID, &id);
	rdmsr_safe(HV_MSR_HYPERCALL, &hc);
	ok(id == 0 && hc == 0, "GUEST_OS_ID and HYPERCALL start at 0 # 0x%lx 0x%lx", id, hc);

	v1 = wrmsr_safe(HV_MSR_HYPERCALL, page | HV_HYPERCALL_ENABLE);
	v2 = rdmsr_safe(HV_MSR_HYPERCALL, &hc);
	ok(!v1 && !v2 && !(hc & HV_HYPERCALL_ENABLE),
	   "HYPERCALL enable ignored while GUEST_OS_ID is 0 # read 0x%lx", hc);

	v1 = wrmsr_safe(HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID_FW);
	v2 = rdmsr_safe(HV_MSR_GUEST_OS_ID, &id);
	ok(!v1 && !v2 && id == HV_GUEST_OS_ID_FW, "GUEST_OS_ID keeps its value # 0x%lx", id);

	v1 = wrmsr_safe(HV_MSR_HYPERCALL, page | HV_HYPERCALL_ENABLE);
	v2 = rdmsr_safe(HV_MSR_HYPERCALL, &hc);
	ok(!v1 && !v2 && hc == (page | HV_HYPERCALL_ENABLE),
	   "HYPERCALL enabled at page 0x%lx # read 0x%lx", page, hc);

	v1 = wrmsr_safe(HV_MSR_GUEST_OS_ID, 0);
	v2 = rdmsr_safe(HV_MSR_HYPERCALL, &hc);
	ok(!v1 && !v2 && !(hc & HV_HYPERCALL_ENABLE),
	   "clearing GUEST_OS_ID disables the hypercall page # read 0x%lx", hc);
}

/* TLFS "Inter-Partition Communication": SVERSION 1, SINTs power on masked, an unmasked
 * SINT takes vectors 16..255, the page MSRs keep their GPFN. */
static void check_synic(void)
{
	uint64_t v = 0, simp = (uintptr_t)t.scratch | HV_PAGE_ENABLE;
	bool masked = true;
	unsigned i;
	int vec;

	if (!(t.f.eax & HV_F_SYNIC)) {
		skip("no SynIC", "SynIC power-on state");
		skip("no SynIC", "SINT accepts vector 16..255 unmasked");
		skip("no SynIC", "SIMP keeps its GPFN");
		return;
	}
	rdmsr_safe(HV_MSR_SVERSION, &v);
	for (i = 0; i < HV_SINT_COUNT; i++) {
		uint64_t s = 0;

		rdmsr_safe(HV_MSR_SINT(i), &s);
		masked &= (s & HV_SINT_MASKED) != 0;
	}
	ok(v == 1 && masked, "SynIC power-on state: SVERSION 1, every SINT masked # 0x%lx", v);
	vec = wrmsr_safe(HV_MSR_SINT(3), 0x10);
	rdmsr_safe(HV_MSR_SINT(3), &v);
	ok(!vec && v == 0x10, "SINT accepts vector 16..255 unmasked # read 0x%lx", v);
	wrmsr_safe(HV_MSR_SINT(3), HV_SINT_MASKED);
	vec = wrmsr_safe(HV_MSR_SIMP, simp);
	rdmsr_safe(HV_MSR_SIMP, &v);
	ok(!vec && v == simp, "SIMP keeps its GPFN # read 0x%lx want 0x%lx", v, simp);
	wrmsr_safe(HV_MSR_SIMP, 0);
}

static void check_crash(void)
{
	uint64_t ctl = 0, p = 0;
	bool good = true;
	unsigned i;

	if (!(t.f.edx & HV_D_CRASH_MSRS)) {
		skip("no crash MSRs", "CRASH_P0-P4 keep values, CRASH_CTL offers CrashNotify");
		return;
	}
	for (i = 0; i < 5; i++) {
		good &= !wrmsr_safe(HV_MSR_CRASH_P(i), 0x1111111111111111ull * (i + 1));
		good &= !rdmsr_safe(HV_MSR_CRASH_P(i), &p);
		good &= p == 0x1111111111111111ull * (i + 1);
	}
	rdmsr_safe(HV_MSR_CRASH_CTL, &ctl);
	ok(good && (ctl & HV_CRASH_NOTIFY),
	   "CRASH_P0-P4 keep values, CRASH_CTL offers CrashNotify # ctl 0x%lx", ctl);
}

static void check_time(void)
{
	uint64_t a = 0, b = 0;
	int v1, v2;

	if (!(t.f.eax & HV_F_TIME_REF_COUNT)) {
		skip("no reference counter", "TIME_REF_COUNT advances");
		return;
	}
	v1 = rdmsr_safe(HV_MSR_TIME_REF_COUNT, &a);
	pm_delay_us(1000);
	v2 = rdmsr_safe(HV_MSR_TIME_REF_COUNT, &b);
	ok(!v1 && !v2 && b > a, "TIME_REF_COUNT advances # %lu -> %lu", a, b);
}

int main(const struct multiboot_info *mbi)
{
	uint64_t v;
	int vec;

	(void)mbi;
	if (!hv_present()) {
		tap_plan(1);
		vec = rdmsr_safe(HV_MSR_GUEST_OS_ID, &v);
		ok(vec == X86_GP, "no Hyper-V: GUEST_OS_ID raises #GP # vector %d", vec);
		tap_done();
	}
	t.f = hv_features();
	/* hypercall rules, groups + undefined MSR, read-only, reserved, SynIC, crash, time */
	tap_plan(5 + ARRAY_SIZE(msr_groups) + 1 + ARRAY_SIZE(read_only) + ARRAY_SIZE(reserved) +
		 3 + 1 + 1);
	printf("hv-msr: 0x40000003 %08x %08x %08x %08x\n", t.f.eax, t.f.ebx, t.f.ecx, t.f.edx);
	check_hypercall_msrs();
	check_groups();
	check_read_only();
	check_reserved();
	check_synic();
	check_crash();
	check_time();
	tap_done();
}
