/* ACPI PM timer, TSC delays and TSC frequency discovery. */
#include "timer.h"
#include "boot.h"
#include "exit.h"
#include "trap.h"
#include "x86.h"
#include "atomic.h"

/* Reads after which a PM timer that has not moved is declared absent: at 3.58 MHz it
 * ticks every 279 ns, far faster than even a TCG port read loop. */
#define PM_STUCK_READS	1000000

/* Hyper-V TLFS 6.0: CPUID 0x40000001.EAX = "Hv#1"; 0x40000003.EAX[11] =
 * AccessFrequencyMsrs; MSR 0x40000022 = HV_X64_MSR_TSC_FREQUENCY (Hz). */
#define HV_CPUID_VENDOR		0x40000000
#define HV_CPUID_INTERFACE	0x40000001
#define HV_CPUID_FEATURES	0x40000003
#define HV_INTERFACE_HV1	0x31237648
#define HV_ACCESS_FREQUENCY_MSRS (1u << 11)
#define HV_X64_MSR_TSC_FREQUENCY 0x40000022
/* VMware/KVM "timing information" leaf: EAX = TSC kHz. */
#define CPUID_TIMING_LEAF	0x40000010

uint32_t pmtimer_read(void)
{
	return inl(PM_TMR) & PM_TIMER_MASK;
}

int pm_delay_us(uint64_t us)
{
	uint64_t ticks = us * PM_TIMER_HZ / 1000000, elapsed = 0;
	uint32_t last = pmtimer_read(), now;
	unsigned stuck = 0;

	while (elapsed < ticks) {
		now = pmtimer_read();
		if (now == last) {
			if (++stuck > PM_STUCK_READS)
				return -1;
			cpu_relax();
			continue;
		}
		stuck = 0;
		elapsed += pmtimer_delta(last, now);
		last = now;
	}
	return 0;
}

void tsc_delay(uint64_t cycles)
{
	uint64_t start = rdtsc();

	while (rdtsc() - start < cycles)
		cpu_relax();
}

static uint64_t tsc_khz_hyperv(void)
{
	uint64_t hz;

	if (cpuid(HV_CPUID_VENDOR).eax < HV_CPUID_FEATURES ||
	    cpuid(HV_CPUID_INTERFACE).eax != HV_INTERFACE_HV1 ||
	    !(cpuid(HV_CPUID_FEATURES).eax & HV_ACCESS_FREQUENCY_MSRS))
		return 0;
	if (rdmsr_safe(HV_X64_MSR_TSC_FREQUENCY, &hz))
		return 0;
	return hz / 1000;
}

static uint64_t tsc_khz_timing_leaf(void)
{
	if (cpuid(HV_CPUID_VENDOR).eax < CPUID_TIMING_LEAF)
		return 0;
	return cpuid(CPUID_TIMING_LEAF).eax;
}

/* SDM Vol. 2A "CPUID" leaf 15H: TSC = crystal (ECX Hz) * EBX / EAX. */
static uint64_t tsc_khz_leaf15(void)
{
	struct cpuid_regs r;

	if (cpuid(0).eax < 0x15)
		return 0;
	r = cpuid(0x15);
	if (!r.eax || !r.ebx || !r.ecx)
		return 0;
	return (uint64_t)r.ecx * r.ebx / r.eax / 1000;
}

/* Leaf 16H: EAX = processor base frequency in MHz (nominal, not a measurement). */
static uint64_t tsc_khz_leaf16(void)
{
	if (cpuid(0).eax < 0x16)
		return 0;
	return (uint64_t)(cpuid(0x16).eax & 0xFFFF) * 1000;
}

uint64_t tsc_khz(const char **source)
{
	static const struct {
		const char *name;
		uint64_t (*get)(void);
	} sources[] = {
		{ "HV_X64_MSR_TSC_FREQUENCY", tsc_khz_hyperv },
		{ "CPUID 0x40000010", tsc_khz_timing_leaf },
		{ "CPUID 0x15", tsc_khz_leaf15 },
		{ "CPUID 0x16", tsc_khz_leaf16 },
	};
	bool hypervisor = cpuid(1).ecx & CPUID_1_ECX_HYPERVISOR;
	uint64_t khz;
	unsigned i;

	if (cmdline_u64("tsc_khz", &khz) && khz) {
		*source = "cmdline tsc_khz";
		return khz;
	}
	for (i = 0; i < sizeof(sources) / sizeof(sources[0]); i++) {
		/* The first two are hypervisor leaves: meaningless on bare metal. */
		if (i < 2 && !hypervisor)
			continue;
		khz = sources[i].get();
		if (khz) {
			*source = sources[i].name;
			return khz;
		}
	}
	*source = "none";
	return 0;
}

uint64_t irq_wait_until(bool (*done)(void *arg), void *arg, uint64_t us)
{
	uint64_t limit = us * PM_TIMER_HZ / 1000000, waited = 0;
	uint32_t last = pmtimer_read(), now;

	while (!done(arg) && waited < limit) {
		irq_window();
		now = pmtimer_read();
		waited += pmtimer_delta(last, now);
		last = now;
	}
	return waited * 1000000 / PM_TIMER_HZ;
}

struct count_goal {
	volatile int *count;
	int want;
};

static bool count_reached(void *arg)
{
	struct count_goal *g = arg;

	return atomic_read(g->count) >= g->want;
}

bool irq_wait_count(volatile int *count, int want, uint64_t us)
{
	struct count_goal g = { count, want };

	irq_wait_until(count_reached, &g, us);
	return count_reached(&g);
}
