/* bench_exits: the exit-cost loops of bench/bench_loops.h under enlight (make bench).
 * The same bytes run under bench/rawkvm, whose handler does nothing; bench/run.sh divides.
 *
 * cmdline: n=N (iterations per loop, default 2000), reps=R (default 3), testdev (the VMM
 * has -device hyperv-testdev: the SynIC loops get their connections from it).
 * Output, one line per loop and repetition: "BENCH <loop> <n> <tsc cycles>"; a loop that
 * cannot run here prints "BENCH-NA <loop> <reason>"; "BENCH-NOTE <what> <value>" lines carry
 * the hypercall statuses. Needs -cpu host,hv-time (TIME_REF_COUNT) for the MSR loop, a
 * hypercall page (any hv-* option) for the hypercall loops, and hv-synic plus testdev for
 * the SynIC figures:
 *  - hcall_signal_fast: HvSignalEvent (fast) on an event connection the testdev created
 *    (ctl 6) into SINT 1 of VP 0, so it answers SUCCESS. Interrupts are off: the first
 *    call sets the event flag and raises the SINT, the rest find the flag set (TLFS
 *    "Event Flags": no second interrupt until the guest clears it).
 *  - post_to_sint: HvPostMessage on a message connection the testdev echoes back into
 *    SINT 2 of VP 0 (ctl 4), interrupts on (bench_loop_post): the message's interrupt is
 *    injected when KVM re-enters the guest after the hypercall's exit, and its handler
 *    (bench_isr_msg, entered straight from the IDT) runs inside the call. rawkvm runs the
 *    same bytes with an exit handler that only sends the MSI.
 */
#include "fw.h"
#include "hv.h"

#include "../bench/bench_loops.h"

#define PORT_POST		0x80u		/* POST code port (enlight's post_port device) */
#define ECAM_BASE		0xB0000000ull	/* q35 PCIe ECAM: 00:00.0 vendor/device ID */

/* The testdev connections (the event connection ID is also rawkvm's RDX, BENCH_EVT_CONN). */
#define BENCH_EVT_CONN		5
#define BENCH_EVT_SINT		1
#define BENCH_EVT_VEC		0xB1
#define BENCH_MSG_CONN		6
#define BENCH_MSG_SINT		2
#define BENCH_MSG_VEC		0xB2
#define BENCH_MSG_TYPE		0x100u

static struct hv_message simp[HV_SINT_COUNT] __attribute__((aligned(4096)));
static uint64_t siefp[512] __attribute__((aligned(4096))); /* 16 SINTs x 2048 flag bits */
static uint64_t hcall_status;
static volatile uint32_t evt_count;

static void run_loop(const char *name, uint64_t (*fn)(uint64_t, uint64_t), uint64_t n,
		     uint64_t arg)
{
	printf("BENCH %s %lu %lu\n", name, n, fn(n, arg));
}

/* Point the message vector's IDT gate straight at bench_isr_msg (the bytes rawkvm runs),
 * bypassing the library's dispatch. */
static void msg_gate_install(void)
{
	irq_set_gate(BENCH_MSG_VEC, bench_isr_msg);
	bench_isr_slot = (uintptr_t)&simp[BENCH_MSG_SINT];
}

static void evt_irq(struct trap_frame *f)
{
	(void)f;
	evt_count++;
	apic_eoi();
}

/* SynIC on VP 0 with the two testdev connections; false if the guest cannot have them. */
static bool synic_setup(void)
{
	struct cpuid_regs f = hv_features();

	if (!(f.eax & HV_F_SYNIC) || !cmdline_has("testdev"))
		return false;
	apic_setup(true);
	if (!apic_is_x2apic())
		return false; /* bench_isr_msg EOIs through the x2APIC MSR, as under rawkvm */
	irq_set_handler(BENCH_EVT_VEC, evt_irq);
	msg_gate_install();
	wrmsr(HV_MSR_SIMP, (uintptr_t)simp | HV_PAGE_ENABLE);
	wrmsr(HV_MSR_SIEFP, (uintptr_t)siefp | HV_PAGE_ENABLE);
	wrmsr(HV_MSR_SINT(BENCH_EVT_SINT), BENCH_EVT_VEC);
	wrmsr(HV_MSR_SINT(BENCH_MSG_SINT), BENCH_MSG_VEC);
	wrmsr(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	hv_testdev(HV_TESTDEV_EVT_CONN_CREATE, 0, BENCH_EVT_SINT, BENCH_EVT_CONN);
	hv_testdev(HV_TESTDEV_MSG_CONN_CREATE, 0, BENCH_MSG_SINT, BENCH_MSG_CONN);
	return true;
}

/* Take the event interrupt the signal loop left pending, and clear its flag. */
static void evt_drain(void)
{
	uint32_t c = evt_count;

	siefp[BENCH_EVT_SINT * 32] = 0; /* flag BENCH_EVT_CONN of SINT 1 (and its neighbours) */
	for (int i = 0; i < 100 && evt_count == c; i++)
		irq_window();
}

/* HvPostMessage round trips; returns the cycles, or 0 if a message did not arrive. */
static uint64_t post_loop(uint64_t n, uint64_t *status)
{
	struct hv_post_input *in = hv_hcall_in_page();
	uint64_t c = bench_isr_count, cyc;

	*in = (struct hv_post_input){ .connection_id = BENCH_MSG_CONN,
				      .message_type = BENCH_MSG_TYPE,
				      .payload_size = 8,
				      .payload = { 0x62656e6368 /* "bench" */ } };
	cyc = bench_loop_post(n, (uintptr_t)hv_hypercall_page(), HVCALL_POST_MESSAGE, status,
			      (uintptr_t)in);
	for (int w = 0; w < 100 && bench_isr_count - c < n; w++)
		irq_window(); /* one late message must not hang the next loop */
	if (bench_isr_count - c != n)
		printf("BENCH-NOTE post_to_sint_arrived %lu/%lu\n", bench_isr_count - c, n);
	return bench_isr_count - c == n ? cyc : 0;
}

int main(const struct multiboot_info *mbi)
{
	uint64_t n = 2000, reps = 3, post_status = 0;
	uint32_t hv_feat = 0;
	bool hcall = false, synic;

	(void)mbi;
	cmdline_u64("n", &n);
	cmdline_u64("reps", &reps);
	if (n == 0)
		n = 1;
	hv_feat = hv_features().eax;
	if (hv_feat & HV_F_HYPERCALL)
		hcall = hv_hypercall_setup() == 0;
	synic = hcall && synic_setup();
	for (uint64_t rep = 0; rep < reps; rep++) {
		run_loop("pio_out", bench_loop_out, n, PORT_POST);
		run_loop("mmio_read", bench_loop_mmio_read, n, ECAM_BASE);
		if (hv_feat & HV_F_TIME_REF_COUNT)
			run_loop("msr_read", bench_loop_rdmsr, n, HV_MSR_TIME_REF_COUNT);
		if (hcall)
			printf("BENCH hcall_signal_fast %lu %lu\n", n,
			       bench_loop_hcall(n, (uintptr_t)hv_hypercall_page(),
						HVCALL_SIGNAL_EVENT | HV_HC_FAST, &hcall_status,
						BENCH_EVT_CONN));
		if (synic) {
			uint64_t cyc;

			evt_drain();
			cyc = post_loop(n, &post_status);
			if (cyc && !HV_HC_STATUS(post_status))
				printf("BENCH post_to_sint %lu %lu\n", n, cyc);
		}
	}
	if (!(hv_feat & HV_F_TIME_REF_COUNT))
		puts("BENCH-NA msr_read CPUID 0x40000003 offers no TIME_REF_COUNT (use hv-time)");
	if (!hcall) {
		puts("BENCH-NA hcall_signal_fast no hypercall page (use an hv-* option)");
		puts("BENCH-NA post_to_sint no hypercall page (use an hv-* option)");
	} else {
		printf("BENCH-NOTE hcall_signal_fast_status 0x%x\n", HV_HC_STATUS(hcall_status));
	}
	if (hcall && !synic)
		puts("BENCH-NA post_to_sint needs hv-synic, x2APIC and -device hyperv-testdev (-append testdev)");
	else if (synic)
		printf("BENCH-NOTE hcall_post_message_status 0x%x\n", HV_HC_STATUS(post_status));
	printf("BENCH-NOTE signal_event_interrupts %u\n", evt_count);
	return 0;
}
