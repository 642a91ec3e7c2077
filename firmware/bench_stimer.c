/* bench_stimer: periodic synthetic timer 0 at period_us=N (default 1000) for secs=S
 * (default 10), message mode through SINT 0 (TLFS "Timers": synthetic timers; TLFS
 * "Inter-Partition Communication": SIMP, SINTx, EOM). The handler time-stamps every
 * expiry with the TSC; the result is the mean absolute error of the intervals and the
 * drift (last - first expiry against count x period), in ns, with tsc_khz=K from the host.
 * If no expiry arrives within 50 periods the payload says so ("BENCH-NA stimer ...").
 */
#include "fw.h"

#define HV_CPUID_VENDOR		0x40000000
#define HV_CPUID_FEATURES	0x40000003
#define HV_ACCESS_SYNIC		(1u << 2)	/* AccessSynicRegs */
#define HV_ACCESS_STIMER	(1u << 3)	/* AccessSyntheticTimerRegs */
#define HV_MSR_SCONTROL		0x40000080
#define HV_MSR_SIMP		0x40000083
#define HV_MSR_EOM		0x40000084
#define HV_MSR_SINT0		0x40000090
#define HV_MSR_STIMER0_CONFIG	0x400000B0
#define HV_MSR_STIMER0_COUNT	0x400000B1
#define HV_STIMER_ENABLE	1ull
#define HV_STIMER_PERIODIC	2ull
#define STIMER_VECTOR		0x40
#define MAX_STAMPS		16384
#define HV_MSG_PENDING		1u	/* message header flags: MessagePending */

struct hv_msg_header {
	volatile uint32_t type;
	uint8_t size;
	volatile uint8_t flags;
	uint16_t reserved;
	uint64_t port;
};

static uint8_t simp[4096] __attribute__((aligned(4096)));
static uint64_t stamps[MAX_STAMPS];
static volatile uint32_t nstamps;

static void stimer_irq(struct trap_frame *f)
{
	struct hv_msg_header *h = (struct hv_msg_header *)simp; /* SINT 0's slot */

	(void)f;
	if (nstamps < MAX_STAMPS)
		stamps[nstamps] = rdtsc();
	nstamps++;
	h->type = 0;	/* free the slot, then ask for the next message if one waits */
	barrier();
	if (h->flags & HV_MSG_PENDING)
		wrmsr(HV_MSR_EOM, 0);
	apic_eoi();
}

int main(const struct multiboot_info *mbi)
{
	uint64_t period_us = 1000, secs = 10, khz;
	const char *src;
	uint64_t t_end, period_cyc, err_sum = 0, n;
	int64_t drift;

	(void)mbi;
	cmdline_u64("period_us", &period_us);
	cmdline_u64("secs", &secs);
	khz = tsc_khz(&src);
	if (!(cpuid(1).ecx & CPUID_1_ECX_HYPERVISOR) ||
	    cpuid(HV_CPUID_VENDOR).eax < HV_CPUID_FEATURES ||
	    (cpuid(HV_CPUID_FEATURES).eax & (HV_ACCESS_SYNIC | HV_ACCESS_STIMER)) !=
		    (HV_ACCESS_SYNIC | HV_ACCESS_STIMER)) {
		puts("BENCH-NA stimer CPUID 0x40000003 offers no SynIC/stimer (use hv-synic,hv-stimer)");
		return 1;
	}
	if (!khz) {
		puts("BENCH-NA stimer TSC frequency unknown (pass tsc_khz=)");
		return 1;
	}
	apic_setup(true);
	irq_set_handler(STIMER_VECTOR, stimer_irq);
	wrmsr(HV_MSR_SIMP, (uintptr_t)simp | 1);
	wrmsr(HV_MSR_SINT0, STIMER_VECTOR);
	wrmsr(HV_MSR_SCONTROL, 1);
	wrmsr(HV_MSR_STIMER0_COUNT, period_us * 10);	/* 100 ns units */
	wrmsr(HV_MSR_STIMER0_CONFIG, HV_STIMER_ENABLE | HV_STIMER_PERIODIC); /* SINTx 0 */
	period_cyc = period_us * khz / 1000;
	sti();
	t_end = rdtsc() + 50 * period_cyc;
	while (!nstamps && rdtsc() < t_end)
		cpu_relax();
	if (!nstamps) {
		cli();
		wrmsr(HV_MSR_STIMER0_CONFIG, 0);
		printf("BENCH-NA stimer no expiry within 50 periods of a %lu us periodic timer "
		       "(synthetic timers not delivered by this backend)\n", period_us);
		return 1;
	}
	t_end = rdtsc() + secs * khz * 1000;
	while (rdtsc() < t_end)
		safe_halt();
	cli();
	wrmsr(HV_MSR_STIMER0_CONFIG, 0);
	n = nstamps < MAX_STAMPS ? nstamps : MAX_STAMPS;
	for (uint64_t i = 1; i < n; i++) {
		int64_t d = (int64_t)(stamps[i] - stamps[i - 1]) - (int64_t)period_cyc;

		err_sum += (uint64_t)(d < 0 ? -d : d);
	}
	drift = (int64_t)(stamps[n - 1] - stamps[0]) - (int64_t)((n - 1) * period_cyc);
	printf("BENCH-NOTE stimer_expiries %lu\n", n);
	printf("BENCH stimer_mean_abs_err_ns %lu %lu\n", n - 1,
	       n > 1 ? err_sum * 1000000 / khz / (n - 1) : 0);
	printf("BENCH stimer_drift_ns %lu %ld\n", n - 1, drift * 1000000 / (int64_t)khz);
	return 0;
}
