/* bench_exits: the exit-cost loops of bench/bench_loops.h under enlight (make bench).
 * The same bytes run under bench/rawkvm, whose handler does nothing; bench/run.sh divides.
 *
 * cmdline: n=N (iterations per loop, default 2000), reps=R (default 3).
 * Output, one line per loop and repetition: "BENCH <loop> <n> <tsc cycles>"; a loop that
 * cannot run here prints "BENCH-NA <loop> <reason>"; "BENCH-NOTE <what> <value>" lines carry
 * the hypercall statuses. Needs -cpu host,hv-time (TIME_REF_COUNT) for the MSR loop and a
 * hypercall page (any hv-* option) for the hypercall loops.
 */
#include "fw.h"

#include "../bench/bench_loops.h"

#define PORT_POST		0x80u		/* POST code port (enlight's post_port device) */
#define ECAM_BASE		0xB0000000ull	/* q35 PCIe ECAM: 00:00.0 vendor/device ID */

/* TLFS "Feature Discovery" (CPUID 0x40000003.EAX) and "Hypercall Interface". */
#define HV_CPUID_VENDOR		0x40000000
#define HV_CPUID_FEATURES	0x40000003
#define HV_ACCESS_TIME_REF	(1u << 1)	/* AccessPartitionReferenceCounter */
#define HV_ACCESS_HYPERCALL	(1u << 5)	/* AccessHypercallMsrs */
#define HV_MSR_GUEST_OS_ID	0x40000000
#define HV_MSR_HYPERCALL	0x40000001
#define HV_MSR_TIME_REF_COUNT	0x40000020
#define HV_HYPERCALL_ENABLE	1ull
/* A Linux-style guest OS ID (TLFS "Reporting the Guest OS Identity"): open source, id 0x42. */
#define BENCH_GUEST_OS_ID	0x8420000000000000ull
#define HVCALL_POST_MESSAGE	0x005Cull
#define HVCALL_SIGNAL_EVENT	0x005Dull
#define HV_HCALL_FAST		(1ull << 16)

static uint8_t hcall_page[4096] __attribute__((aligned(4096)));
static uint8_t post_input[4096] __attribute__((aligned(4096)));
static uint64_t hcall_status;

static void run_loop(const char *name, uint64_t (*fn)(uint64_t, uint64_t), uint64_t n,
		     uint64_t arg)
{
	printf("BENCH %s %lu %lu\n", name, n, fn(n, arg));
}

/* One slow hypercall: RCX control, RDX input GPA, R8 output GPA; returns RAX. */
static uint64_t hcall_slow(uint64_t control, uint64_t in_gpa)
{
	uint64_t rax;
	register uint64_t r8 asm("r8") = 0;

	asm volatile("call *%[page]"
		     : "=a"(rax), "+c"(control), "+d"(in_gpa), "+r"(r8)
		     : [page] "r"(hcall_page)
		     : "memory", "rsi", "rdi", "r9", "r10", "r11");
	return rax;
}

int main(const struct multiboot_info *mbi)
{
	uint64_t n = 2000, reps = 3;
	uint32_t hv_feat = 0;
	bool hv = cpuid(1).ecx & CPUID_1_ECX_HYPERVISOR;
	bool hcall = false;

	(void)mbi;
	cmdline_u64("n", &n);
	cmdline_u64("reps", &reps);
	if (n == 0)
		n = 1;
	if (hv && cpuid(HV_CPUID_VENDOR).eax >= HV_CPUID_FEATURES)
		hv_feat = cpuid(HV_CPUID_FEATURES).eax;
	if (hv_feat & HV_ACCESS_HYPERCALL) {
		wrmsr(HV_MSR_GUEST_OS_ID, BENCH_GUEST_OS_ID);
		wrmsr(HV_MSR_HYPERCALL, (uintptr_t)hcall_page | HV_HYPERCALL_ENABLE);
		hcall = rdmsr(HV_MSR_HYPERCALL) & HV_HYPERCALL_ENABLE;
	}
	if (hcall) {
		/* HvPostMessage's input: connection ID 1, message type 1, 8 bytes of payload. */
		uint32_t *in = (uint32_t *)post_input;

		in[0] = 1;
		in[2] = 1;
		in[3] = 8;
		printf("BENCH-NOTE hcall_post_message_status 0x%lx\n",
		       hcall_slow(HVCALL_POST_MESSAGE, (uintptr_t)post_input) & 0xFFFF);
	}
	for (uint64_t rep = 0; rep < reps; rep++) {
		run_loop("pio_out", bench_loop_out, n, PORT_POST);
		run_loop("mmio_read", bench_loop_mmio_read, n, ECAM_BASE);
		if (hv_feat & HV_ACCESS_TIME_REF)
			run_loop("msr_read", bench_loop_rdmsr, n, HV_MSR_TIME_REF_COUNT);
		if (hcall)
			printf("BENCH hcall_signal_fast %lu %lu\n", n,
			       bench_loop_hcall(n, (uintptr_t)hcall_page,
						HVCALL_SIGNAL_EVENT | HV_HCALL_FAST, &hcall_status));
	}
	if (!(hv_feat & HV_ACCESS_TIME_REF))
		puts("BENCH-NA msr_read CPUID 0x40000003 offers no TIME_REF_COUNT (use hv-time)");
	if (!hcall)
		puts("BENCH-NA hcall_signal_fast no hypercall page (use an hv-* option)");
	else
		printf("BENCH-NOTE hcall_signal_fast_status 0x%lx\n", hcall_status & 0xFFFF);
	return 0;
}
