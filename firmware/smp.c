/* smp: starts every AP and checks that each comes online and can be reached by IPI.
 *
 * CPU count: fw_cfg NB_CPUS (key 0x05) when fw_cfg is there, else cmdline "cpus=N",
 * else unknown (then whoever answers within the timeout is counted, and a diagnostic
 * says so). Uses x2APIC when CPUID.1:ECX[21] offers it, unless the cmdline says "xapic".
 */
#include "fw.h"

#define BRINGUP_TIMEOUT_MS	1000
#define WORK_TIMEOUT_MS		500

struct ipi_work {
	volatile int ran;
};

static void count_run(void *arg)
{
	struct ipi_work *w = arg;

	atomic_inc(&w->ran);
}

int main(const struct multiboot_info *mbi)
{
	struct ipi_work work = { 0 };
	const char *source = "fw_cfg";
	unsigned expected, online, total, cpu, reached = 0;
	uint64_t n;

	(void)mbi;
	expected = fwcfg_nb_cpus();
	if (!expected) {
		source = "cmdline cpus=";
		expected = cmdline_u64("cpus", &n) ? (unsigned)n : 0;
	}
	if (!expected)
		source = "unknown";
	if (expected > FW_MAX_CPUS) {
		printf("# %u CPUs requested, the library handles %u\n", expected, FW_MAX_CPUS);
		expected = FW_MAX_CPUS;
	}

	apic_setup(!cmdline_has("xapic"));
	printf("smp: %u cpus expected (%s), %s mode\n", expected, source,
	       apic_is_x2apic() ? "x2apic" : "xapic");
	printf("cpu 0 online apic-id %u\n", apic_id());
	online = smp_start(expected, BRINGUP_TIMEOUT_MS);

	total = expected ? expected : online;
	tap_plan(total + 1);
	for (cpu = 0; cpu < total; cpu++)
		ok(smp_cpu_online(cpu), "cpu %u online (apic-id %d)", cpu, (int)smp_apic_id(cpu));
	if (!expected)
		diag("cpu count unknown (no fw_cfg, no cpus=): counted %u that answered", online);

	for (cpu = 1; cpu < online; cpu++)
		if (!smp_run_on(cpu, count_run, &work) && !smp_wait(cpu, WORK_TIMEOUT_MS))
			reached++;
	ok(reached == online - 1 && atomic_read(&work.ran) == (int)(online - 1),
	   "every AP ran work sent by IPI # %u of %u", reached, online - 1);
	tap_done();
}
