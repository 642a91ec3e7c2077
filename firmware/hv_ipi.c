/* hv-ipi: paravirtual IPIs (TLFS "HvCallSendSyntheticClusterIpi" 0x000B and "...Ex"
 * 0x0015). Needs hv-vpindex,hv-ipi; run with -smp 2..4. Every target counts the vector:
 *   - fast form, mask = every other VP: each AP gets exactly one;
 *   - fast form, mask = self;
 *   - slow form (input in memory);
 *   - Ex with the "all VPs" set: everyone, the sender included;
 *   - Ex with a sparse 4K bank set (variable header of one bank);
 *   - vector 15 (an exception vector): INVALID_HYPERCALL_INPUT and nothing delivered.
 * The sender calls with interrupts disabled: an IPI to itself must stay pending in the
 * local APIC until it enables them (SDM Vol. 3A §11.8.4), not be dropped.
 * Without hv-ipi the call is INVALID_HYPERCALL_CODE.
 */
#include "fw.h"
#include "hv.h"

#define MAX_CPUS	8
#define BRINGUP_MS	1000
#define VEC_IPI		0xB6
#define WAIT_US		200000
#define HV_SET_SPARSE_4K	0	/* HV_GENERIC_SET_FORMAT (TLFS "VP set") */
#define HV_SET_ALL		1
#define HV_HC_VARHDR(q)		((uint64_t)(q) << 17)

struct ipi_input {
	uint32_t vector;
	uint8_t vtl, rsvd[3];
	uint64_t mask;
};

struct ipi_ex_input {
	uint32_t vector;
	uint8_t vtl, rsvd[3];
	uint64_t format, valid_bank_mask, bank[1];
};

struct ipi_test {
	volatile int count[MAX_CPUS];
	uint64_t vp[MAX_CPUS];
	unsigned n;
};

static struct ipi_test t;

static void ipi_irq(struct trap_frame *f)
{
	unsigned cpu = smp_this_cpu();

	(void)f;
	if (cpu < MAX_CPUS)
		atomic_inc(&t.count[cpu]);
	apic_eoi();
}

static void read_vp(void *arg)
{
	rdmsr_safe(HV_MSR_VP_INDEX, arg);
}

static bool counts_reached(void *arg)
{
	const int *want = arg;
	bool done = true;

	for (unsigned i = 0; i < t.n; i++)
		done &= atomic_read(&t.count[i]) >= want[i];
	return done;
}

/* Waits (interrupts on) until every CPU in want[] has its count, or WAIT_US. */
static bool wait_counts(const int *want)
{
	bool done;

	irq_wait_until(counts_reached, (void *)(uintptr_t)want, WAIT_US);
	done = counts_reached((void *)(uintptr_t)want);
	pm_delay_us(2000);	/* let extra (wrong) deliveries show up */
	return done;
}

static uint64_t vp_mask(uint64_t cpus)
{
	uint64_t m = 0;
	unsigned i;

	for (i = 0; i < t.n; i++)
		if (cpus & (1ull << i))
			m |= 1ull << t.vp[i];
	return m;
}

/* Calls the hypercall, then checks its status and that exactly the CPUs in cpus (a bit
 * per CPU number) got one interrupt each. */
static void send_and_check(const char *what, uint64_t control, uint64_t in, uint64_t out,
			   unsigned status, uint64_t cpus)
{
	int want[MAX_CPUS];
	bool exact = true;
	uint64_t rax;
	unsigned i;

	for (i = 0; i < t.n; i++)
		want[i] = atomic_read(&t.count[i]) + (int)((cpus >> i) & 1);
	rax = hv_hypercall(control, in, out);
	wait_counts(want);
	for (i = 0; i < t.n; i++) {
		exact &= atomic_read(&t.count[i]) == want[i];
		if (atomic_read(&t.count[i]) != want[i])
			diag("cpu %u: %d interrupts, want %d", i, atomic_read(&t.count[i]),
			     want[i]);
	}
	ok(HV_HC_STATUS(rax) == status && exact,
	   "%s: status %u, delivered to cpus 0x%lx # RAX 0x%lx", what, status, cpus, rax);
}

int main(const struct multiboot_info *mbi)
{
	unsigned expected = fwcfg_nb_cpus(), i;
	struct ipi_input *in = hv_hcall_in_page();
	struct ipi_ex_input *ex = hv_hcall_in_page();
	uint64_t all, others, rax;

	(void)mbi;
	if (!(hv_features().eax & HV_F_VP_INDEX)) {
		tap_plan(1);
		skip("no VP index", "PV IPI");
		tap_done();
	}
	if (hv_hypercall_setup()) {
		tap_plan(1);
		ok(false, "hypercall page enabled");
		tap_done();
	}
	if (!(hv_recommendations().eax & HV_R_CLUSTER_IPI)) {
		tap_plan(1);
		rax = hv_hypercall(HVCALL_SEND_IPI | HV_HC_FAST, VEC_IPI, 1);
		ok(HV_HC_STATUS(rax) == HV_STATUS_INVALID_HYPERCALL_CODE,
		   "without hv-ipi HvSendSyntheticClusterIpi is refused # RAX 0x%lx", rax);
		tap_done();
	}
	apic_setup(true);
	t.n = smp_start(expected, BRINGUP_MS);
	if (t.n > MAX_CPUS)
		t.n = MAX_CPUS;
	irq_set_handler(VEC_IPI, ipi_irq);
	cli();
	read_vp(&t.vp[0]);
	for (i = 1; i < t.n; i++)
		if (smp_run_on(i, read_vp, &t.vp[i]) || smp_wait(i, 500))
			diag("cpu %u: no VP index", i);
	all = (1ull << t.n) - 1;
	others = all & ~1ull;
	tap_plan(6);
	send_and_check("fast, every other VP", HVCALL_SEND_IPI | HV_HC_FAST, VEC_IPI,
		       vp_mask(others), 0, others);
	send_and_check("fast, self", HVCALL_SEND_IPI | HV_HC_FAST, VEC_IPI, vp_mask(1), 0, 1);
	memset(in, 0, sizeof(*in));
	in->vector = VEC_IPI;
	in->mask = vp_mask(all);
	send_and_check("slow, every VP", HVCALL_SEND_IPI, (uintptr_t)in, 0, 0, all);
	memset(ex, 0, sizeof(*ex));
	ex->vector = VEC_IPI;
	ex->format = HV_SET_ALL;
	send_and_check("Ex, all-VPs set", HVCALL_SEND_IPI_EX, (uintptr_t)ex, 0, 0, all);
	ex->format = HV_SET_SPARSE_4K;
	ex->valid_bank_mask = 1;
	ex->bank[0] = vp_mask(others);
	send_and_check("Ex, sparse bank 0 = other VPs", HVCALL_SEND_IPI_EX | HV_HC_VARHDR(1),
		       (uintptr_t)ex, 0, 0, others);
	send_and_check("vector 15 refused", HVCALL_SEND_IPI | HV_HC_FAST, 15, vp_mask(all),
		       HV_STATUS_INVALID_HYPERCALL_INPUT, 0);
	sti();
	tap_done();
}
