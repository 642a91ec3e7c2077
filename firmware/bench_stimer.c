/* bench_stimer: periodic synthetic timer 0 at period_us=N (default 1000) for secs=S
 * (default 10), in message mode through SINT 3 (the default) or in direct
 * mode ("direct" on the command line) on its own vector (TLFS "Timers": synthetic timers, periodic mode,
 * direct mode; "Inter-Partition Communication": SIMP, SINTx, EOM).
 *
 * Every expiry is time-stamped with the TSC by the first instructions of its vector and
 * turned into partition reference time (100 ns units) through the reference TSC page
 * (TLFS "Reference TSC Page": ((tsc * scale) >> 64) + offset), the clock the timer runs
 * on. The error of an expiry is its handler's time minus the time it was due:
 *  - message mode: the ExpirationTime in the timer message (the VMM's schedule);
 *  - direct mode: no message, so the schedule is start + k x period, with start the
 *    middle of the MSR write that starts the timer (TSC before and after it; the note
 *    stimer_direct_start_halfwidth_us is the uncertainty this leaves) and k the last
 *    period boundary before the handler.
 * Output ("BENCH <name> <count> <value>", ns):
 *   stimer_<mode>_err_ns      mean error (lateness) over all expiries
 *   stimer_<mode>_drift_ns    mean error of the last tenth minus that of the first tenth
 *                             (a timer that drifts walks away from its schedule)
 *   stimer_<mode>_jitter_ns   mean |interval - period|
 * and BENCH-NOTE stimer_<mode>_expiries, _missed (periods with no handler run: a late
 * periodic timer may merge periods, TLFS), _schedule_exact (message mode: consecutive
 * ExpirationTimes a whole number of periods apart), _vmm_late_us (message mode: mean
 * DeliveryTime - ExpirationTime, the VMM's share of the error), _refclock (tscpage or
 * tsc_khz).
 * If no expiry arrives within 50 periods the payload says so ("BENCH-NA stimer_<mode> ...").
 * tsc_khz=K (from the host) is the fallback clock when the TSC page is off.
 */
#include "fw.h"
#include "hv.h"

#define STIMER_VECTOR		0x40
#define STIMER_SINT		3	/* SINTx 0 would disable the timer (TLFS, KVM) */
#define MAX_STAMPS		16384

struct bench_stimer {
	bool direct;
	uint64_t stamp[MAX_STAMPS];	/* TSC at handler entry */
	uint64_t due[MAX_STAMPS];	/* message mode: ExpirationTime (100 ns) */
	uint64_t vmm_late;		/* message mode: sum of DeliveryTime - ExpirationTime */
	volatile uint32_t n;
	uint64_t scale;			/* TSC page, or derived from tsc_khz */
	int64_t offset;
};

static struct hv_message simp[HV_SINT_COUNT] __attribute__((aligned(4096)));
static struct hv_ref_tsc_page tsc_page __attribute__((aligned(4096)));
static struct bench_stimer bs;

/* The time stamp is taken by the vector's first instructions, before the library's
 * register save and dispatch (some 40 instructions, ~20 us on a host that emulates ring-0
 * guest code): the error is the VMM's and KVM's delivery, not the payload's prologue. */
void stimer_entry(void);
const void *stimer_stub;
volatile uint64_t stimer_entry_tsc;
asm(".text\n"
    ".globl stimer_entry\n"
    "stimer_entry:\n"
    "	push %rax\n"
    "	push %rdx\n"
    "	rdtsc\n"
    "	mov %eax, stimer_entry_tsc(%rip)\n"
    "	mov %edx, stimer_entry_tsc+4(%rip)\n"
    "	pop %rdx\n"
    "	pop %rax\n"
    "	jmp *stimer_stub(%rip)\n");

static void stimer_irq(struct trap_frame *f)
{
	uint64_t t = stimer_entry_tsc;
	struct hv_message *m = &simp[STIMER_SINT];
	uint32_t i = bs.n;

	(void)f;
	if (i < MAX_STAMPS) {
		bs.stamp[i] = t;
		if (!bs.direct) {
			volatile struct hv_timer_payload *p = (volatile void *)m->payload;

			bs.due[i] = p->expiration_time;
			bs.vmm_late += p->delivery_time - p->expiration_time;
		}
	}
	bs.n = i + 1;
	if (!bs.direct) {
		m->type = HVMSG_NONE; /* free the slot, then ask for the next if one waits */
		barrier();
		if (m->flags & HV_MSG_FLAG_PENDING)
			wrmsr(HV_MSR_EOM, 0);
	}
	apic_eoi();
}

static int64_t ref_of(uint64_t tsc)
{
	return (int64_t)(hv_mul64hi(tsc, bs.scale) + (uint64_t)bs.offset);
}

/* The reference clock: the TSC page if the VMM publishes one, else tsc_khz from the host
 * with an offset from one TIME_REF_COUNT read. Returns its name, or NULL. */
static const char *refclock_setup(uint64_t khz)
{
	uint64_t r, t;

	if ((hv_features().eax & HV_F_REF_TSC) &&
	    !wrmsr_safe(HV_MSR_REFERENCE_TSC, (uintptr_t)&tsc_page | HV_REF_TSC_ENABLE) &&
	    tsc_page.sequence != 0) {
		bs.scale = tsc_page.scale;
		bs.offset = tsc_page.offset;
		return "tscpage";
	}
	if (!khz || rdmsr_safe(HV_MSR_TIME_REF_COUNT, &r))
		return NULL;
	t = rdtsc();
	/* scale = 2^64 x 10^4 / khz (100 ns units), by 32-bit long division: no __udivti3 */
	{
		uint64_t num = 10000ull << 32, hi = num / khz, lo = ((num % khz) << 32) / khz;

		bs.scale = hi << 32 | lo;
	}
	bs.offset = (int64_t)(r - hv_mul64hi(t, bs.scale));
	return "tsc_khz";
}

int main(const struct multiboot_info *mbi)
{
	uint64_t period_us = 1000, secs = 10, khz = 0, period, t_end, period_cyc, jit = 0;
	uint64_t cfg, n, head, exact = 0;
	int64_t start, err_sum = 0, e_head = 0, e_tail = 0;
	uint64_t tsc_start, tsc_after;
	const char *mode, *clk, *src;
	struct cpuid_regs f = hv_features();

	(void)mbi;
	cmdline_u64("period_us", &period_us);
	cmdline_u64("secs", &secs);
	bs.direct = cmdline_has("direct");
	mode = bs.direct ? "direct" : "message";
	khz = tsc_khz(&src); /* tsc_khz= first */
	if ((f.eax & (HV_F_SYNIC | HV_F_STIMER)) != (HV_F_SYNIC | HV_F_STIMER) ||
	    (bs.direct && !(f.edx & HV_D_STIMER_DIRECT))) {
		printf("BENCH-NA stimer_%s CPUID 0x40000003 offers no %s (use hv-synic,hv-stimer%s)\n",
		       mode, bs.direct ? "direct-mode stimer" : "SynIC/stimer",
		       bs.direct ? ",hv-stimer-direct" : "");
		return 1;
	}
	clk = refclock_setup(khz);
	if (!clk || !khz) {
		printf("BENCH-NA stimer_%s no reference clock (TSC page off and no tsc_khz=)\n", mode);
		return 1;
	}
	period = period_us * 10; /* 100 ns units */
	period_cyc = period_us * khz / 1000;
	apic_setup(true);
	irq_set_handler(STIMER_VECTOR, stimer_irq);
	stimer_stub = irq_set_gate(STIMER_VECTOR, stimer_entry);
	if (bs.direct) {
		cfg = HV_STIMER_ENABLE | HV_STIMER_PERIODIC | HV_STIMER_DIRECT |
		      HV_STIMER_VECTOR(STIMER_VECTOR);
	} else {
		wrmsr(HV_MSR_SIMP, (uintptr_t)simp | HV_PAGE_ENABLE);
		wrmsr(HV_MSR_SINT(STIMER_SINT), STIMER_VECTOR);
		wrmsr(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
		cfg = HV_STIMER_ENABLE | HV_STIMER_PERIODIC | HV_STIMER_SINT(STIMER_SINT);
	}
	wrmsr(HV_MSR_STIMER_COUNT(0), period);
	/* The timer starts somewhere inside the WRMSR (its exit to the VMM): bracket it with
	 * the TSC and take the middle (converting before the write would add ~10 emulated
	 * instructions, ~5 us here, to every direct-mode error). */
	tsc_start = rdtsc();
	wrmsr(HV_MSR_STIMER_CONFIG(0), cfg); /* starts the timer: first expiry at + period */
	tsc_after = rdtsc();
	start = ref_of(tsc_start + (tsc_after - tsc_start) / 2);
	/* Probe: interrupt windows that exit (this host's KVM injects only at VM entry). */
	t_end = rdtsc() + 50 * period_cyc;
	while (!bs.n && rdtsc() < t_end)
		irq_window();
	if (!bs.n) {
		wrmsr(HV_MSR_STIMER_CONFIG(0), 0);
		printf("BENCH-NA stimer_%s no expiry within 50 periods of a %lu us periodic timer\n",
		       mode, period_us);
		return 1;
	}
	/* HLT in the in-kernel LAPIC wakes on the timer's interrupt. */
	t_end = rdtsc() + secs * khz * 1000;
	while (rdtsc() < t_end)
		safe_halt();
	cli();
	wrmsr(HV_MSR_STIMER_CONFIG(0), 0);

	n = bs.n < MAX_STAMPS ? bs.n : MAX_STAMPS;
	head = n / 10 ? n / 10 : 1;
	for (uint64_t i = 0; i < n; i++) {
		int64_t t = ref_of(bs.stamp[i]), due, e;

		if (bs.direct)
			due = start + (int64_t)period * ((t - start) / (int64_t)period);
		else
			due = (int64_t)bs.due[i];
		e = t - due;
		err_sum += e;
		if (i < head)
			e_head += e;
		if (i >= n - head)
			e_tail += e;
		if (i) {
			int64_t d = (int64_t)(bs.stamp[i] - bs.stamp[i - 1]) - (int64_t)period_cyc;

			jit += (uint64_t)(d < 0 ? -d : d);
			if (!bs.direct && bs.due[i] > bs.due[i - 1] &&
			    (bs.due[i] - bs.due[i - 1]) % period == 0)
				exact++;
		}
	}
	printf("BENCH-NOTE stimer_%s_refclock %s\n", mode, clk);
	printf("BENCH-NOTE stimer_%s_expiries %lu\n", mode, n);
	printf("BENCH-NOTE stimer_%s_missed %ld\n", mode,
	       (int64_t)((ref_of(bs.stamp[n - 1]) - start) / (int64_t)period) - (int64_t)n);
	if (bs.direct)
		printf("BENCH-NOTE stimer_direct_start_halfwidth_us %lu\n",
		       (tsc_after - tsc_start) * 500 / khz);
	if (!bs.direct) {
		printf("BENCH-NOTE stimer_%s_schedule_exact %lu/%lu\n", mode, exact, n - 1);
		printf("BENCH-NOTE stimer_%s_vmm_late_us %lu\n", mode, bs.vmm_late / 10 / n);
	}
	printf("BENCH stimer_%s_err_ns %lu %ld\n", mode, n, err_sum * 100 / (int64_t)n);
	printf("BENCH stimer_%s_drift_ns %lu %ld\n", mode, head,
	       (e_tail - e_head) * 100 / (int64_t)head);
	printf("BENCH stimer_%s_jitter_ns %lu %lu\n", mode, n - 1,
	       n > 1 ? jit * 1000000 / khz / (n - 1) : 0);
	return 0;
}
