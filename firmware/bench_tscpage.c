/* bench_tscpage: reads the Hyper-V reference TSC page reads=N times (make bench runs it
 * with N = 0 and N > 0 under --stats: the exit counts must not differ, 0 exits per read).
 * TLFS "Timers", reference TSC page: ReferenceTime = ((TSC * TscScale) >> 64) + TscOffset,
 * retried while TscSequence changes; TscSequence 0 means "not usable".
 * Prints "BENCH-NOTE tscpage_seq S", "BENCH tscpage_read N cycles" and the last value.
 */
#include "fw.h"

#define HV_CPUID_VENDOR		0x40000000
#define HV_CPUID_FEATURES	0x40000003
#define HV_ACCESS_TSC_PAGE	(1u << 9)	/* AccessPartitionReferenceTsc */
#define HV_MSR_REFERENCE_TSC	0x40000021
#define HV_REFERENCE_TSC_ENABLE	1ull

struct hv_tsc_page {
	volatile uint32_t sequence;
	uint32_t reserved;
	volatile uint64_t scale;
	volatile int64_t offset;
};

static uint8_t tsc_page[4096] __attribute__((aligned(4096)));

static uint64_t ref_time(const struct hv_tsc_page *p, bool *valid)
{
	uint32_t seq;
	uint64_t t;

	do {
		seq = p->sequence;
		if (seq == 0) {
			*valid = false;
			return 0;
		}
		barrier();
		t = (uint64_t)(((unsigned __int128)rdtsc() * p->scale) >> 64) + (uint64_t)p->offset;
		barrier();
	} while (p->sequence != seq);
	*valid = true;
	return t;
}

int main(const struct multiboot_info *mbi)
{
	const struct hv_tsc_page *p = (const struct hv_tsc_page *)tsc_page;
	uint64_t reads = 0, t = 0, t0, t1;
	bool valid = false;

	(void)mbi;
	cmdline_u64("reads", &reads);
	if (!(cpuid(1).ecx & CPUID_1_ECX_HYPERVISOR) ||
	    cpuid(HV_CPUID_VENDOR).eax < HV_CPUID_FEATURES ||
	    !(cpuid(HV_CPUID_FEATURES).eax & HV_ACCESS_TSC_PAGE)) {
		puts("BENCH-NA tscpage_read CPUID 0x40000003 offers no reference TSC page (use hv-time)");
		return 1;
	}
	wrmsr(HV_MSR_REFERENCE_TSC, (uintptr_t)tsc_page | HV_REFERENCE_TSC_ENABLE);
	printf("BENCH-NOTE tscpage_seq 0x%x\n", p->sequence);
	t0 = rdtsc();
	for (uint64_t i = 0; i < reads; i++)
		t = ref_time(p, &valid);
	t1 = rdtsc();
	printf("BENCH tscpage_read %lu %lu\n", reads, t1 - t0);
	if (reads && !valid)
		puts("BENCH-NA tscpage_read the page's TscSequence is 0 (invalid)");
	printf("BENCH-NOTE tscpage_last_ref_time %lu\n", t);
	return 0;
}
