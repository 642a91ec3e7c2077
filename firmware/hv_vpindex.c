/* hv-vpindex: HV_X64_MSR_VP_INDEX on every vCPU (TLFS "Virtual Processor": a read-only
 * index 0..n-1, unique within the partition, below the 0x40000005 EAX VP limit). QEMU
 * numbers VPs by CPU index, which for a flat topology is the APIC ID; enlight does the
 * same. Run with -smp N.
 */
#include "fw.h"
#include "hv.h"

#define BRINGUP_MS	1000

struct vp {
	int vec_rd, vec_wr;
	uint64_t index, after;
};

struct vpindex_test {
	struct vp vp[FW_MAX_CPUS];
};

static struct vpindex_test t;

static void probe(void *arg)
{
	struct vp *v = arg;

	v->vec_rd = rdmsr_safe(HV_MSR_VP_INDEX, &v->index);
	v->vec_wr = wrmsr_safe(HV_MSR_VP_INDEX, v->index + 1);
	rdmsr_safe(HV_MSR_VP_INDEX, &v->after);
}

int main(const struct multiboot_info *mbi)
{
	unsigned expected = fwcfg_nb_cpus(), n, cpu, j;
	uint32_t max_vps = cpuid(HV_CPUID_LIMITS).eax;
	bool readable = true, ro = true, unique = true, range = true, apic = true;

	(void)mbi;
	if (!(hv_features().eax & HV_F_VP_INDEX)) {
		tap_plan(1);
		skip("no AccessVpIndex in CPUID 0x40000003", "VP_INDEX on every vCPU");
		tap_done();
	}
	apic_setup(true);
	n = smp_start(expected, BRINGUP_MS);
	tap_plan(6);
	ok(expected ? n == expected : n >= 1, "all vCPUs online # %u of %u", n, expected);
	probe(&t.vp[0]);
	for (cpu = 1; cpu < n; cpu++)
		if (smp_run_on(cpu, probe, &t.vp[cpu]) || smp_wait(cpu, 500))
			t.vp[cpu].vec_rd = -1;
	for (cpu = 0; cpu < n; cpu++) {
		struct vp *v = &t.vp[cpu];

		printf("hv-vpindex: cpu %u apic-id %u vp-index %lu (read vector %d, write vector "
		       "%d)\n", cpu, smp_apic_id(cpu), v->index, v->vec_rd, v->vec_wr);
		readable &= v->vec_rd == 0;
		ro &= v->vec_wr == X86_GP && v->after == v->index;
		range &= v->index < n && v->index < max_vps;
		apic &= v->index == smp_apic_id(cpu);
		for (j = 0; j < cpu; j++)
			unique &= t.vp[j].index != v->index;
	}
	ok(readable, "VP_INDEX readable on every vCPU");
	ok(ro, "VP_INDEX read-only on every vCPU: write raises #GP, value unchanged");
	ok(unique, "VP indexes are unique");
	ok(range, "VP indexes are below the vCPU count %u and max VPs 0x%x", n, max_vps);
	ok(apic, "VP index equals the APIC ID (QEMU: CPU index, flat topology)");
	tap_done();
}
