/* bench_smp: how long the guest takes to bring every vCPU online (make bench, -smp 1/8/64).
 * Times smp_start() (INIT-SIPI-SIPI broadcast, Intel SDM Vol. 3A §9.4.4, including its
 * fixed 10 ms wait after INIT) with the TSC and prints "BENCH smp_online <cpus> <cycles>",
 * and the part spent in the SDM's fixed delays as "BENCH smp_fixed_wait <cpus> <cycles>".
 * The APs come up quiet (smp_set_quiet): no per-CPU console line.
 * The CPU count comes from fw_cfg; timeout_ms=N bounds the wait (default 5000).
 */
#include "fw.h"

int main(const struct multiboot_info *mbi)
{
	uint64_t timeout_ms = 5000, t0, t1;
	unsigned want = fwcfg_nb_cpus(), got;

	(void)mbi;
	cmdline_u64("timeout_ms", &timeout_ms);
	smp_set_quiet(true);
	t0 = rdtsc();
	got = smp_start(want, (unsigned)timeout_ms);
	t1 = rdtsc();
	printf("BENCH smp_online %u %lu\n", got, t1 - t0);
	printf("BENCH smp_fixed_wait %u %lu\n", got, smp_fixed_wait_cycles());
	if (got != want)
		printf("BENCH-NA smp_online only %u of %u CPUs came online\n", got, want);
	return got == want ? 0 : 1;
}
