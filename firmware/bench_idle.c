/* bench_idle: the resident-memory sample point of make bench. Prints "BENCH-READY" and
 * stays alive for wait_ms=N milliseconds (default 200) on the PM timer, so that the host
 * can read the VMM's /proc/PID/smaps while the guest runs. Touches no memory beyond the
 * image and its stack.
 */
#include "fw.h"

int main(const struct multiboot_info *mbi)
{
	uint64_t wait_ms = 200;

	(void)mbi;
	cmdline_u64("wait_ms", &wait_ms);
	puts("BENCH-READY");
	pm_delay_us(wait_ms * 1000);
	return 0;
}
