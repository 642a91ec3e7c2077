/* hv-synic: the synthetic interrupt controller (TLFS "Inter-Partition Communication"),
 * driven through QEMU's hyperv-testdev (port 0x3000), as kvm-unit-tests' hyperv_synic and
 * hyperv_connections do. Run with "-device hyperv-testdev" and hv-vpindex,hv-synic.
 *
 * On every vCPU (each with its own message and event-flag pages):
 *   - SCONTROL/SIMP/SIEFP enable and read back;
 *   - SINT delivery: a testdev route raises the SINT's vector (handler EOIs);
 *   - auto-EOI: two raises of an auto-EOI SINT both arrive with no EOI from the handler,
 *     and the vector is not left in service;
 *   - messages: HvPostMessage to a testdev connection comes back in the SINT's slot of
 *     the message page; a second post while the slot is busy sets MessagePending and is
 *     redelivered after the guest frees the slot and writes EOM;
 *   - event flags: HvSignalEvent on a testdev connection sets flag <connection id> in the
 *     SINT's event-flag slot and raises the SINT.
 */
#include "fw.h"
#include "hv.h"

#define MAX_CPUS	8
#define BRINGUP_MS	1000
#define WAIT_US		200000
#define SINT_PLAIN	2
#define SINT_AEOI	3
#define SINT_MSG	4
#define SINT_EVT	5
#define VEC_PLAIN	0xB0
#define VEC_AEOI	0xB1
#define VEC_MSG		0xB2
#define VEC_EVT		0xB3
#define MSG_TYPE	0x100u		/* guest message types have b31 clear */
#define CONN_MSG_BASE	0x10		/* testdev connection ids, + VP index */
#define CONN_EVT_BASE	0x20
#define APIC_ISR	0x100		/* In-Service Register, 8 x 32 bits (SDM 3A §11.8.4) */

struct cpu_pages {
	struct hv_message simp[HV_SINT_COUNT];
	uint8_t siefp[HV_SINT_COUNT][256];
	struct hv_post_input in;
	uint8_t pad[HV_PAGE_SIZE - sizeof(struct hv_post_input)];
};

struct cpu_result {
	bool enabled, plain, aeoi, msg, pending, redeliver, evt;
	volatile int count[4];
	uint64_t status1, status2, evt_status;
};

struct synic_test {
	struct cpu_pages pages[MAX_CPUS] __attribute__((aligned(HV_PAGE_SIZE)));
	struct cpu_result res[MAX_CPUS];
};

static struct synic_test t;

static void count_irq(struct trap_frame *f, bool eoi)
{
	unsigned cpu = smp_this_cpu();

	if (cpu < MAX_CPUS)
		atomic_inc(&t.res[cpu].count[f->vector - VEC_PLAIN]);
	if (eoi)
		apic_eoi();
}

static void irq_eoi(struct trap_frame *f)
{
	count_irq(f, true);
}

static void irq_no_eoi(struct trap_frame *f)
{
	count_irq(f, false);
}

/* Interrupts on until count reaches want or WAIT_US pass. */
static bool wait_count(volatile int *count, int want)
{
	return irq_wait_count(count, want, WAIT_US);
}

static bool in_service(unsigned vec)
{
	return apic_read(APIC_ISR + (vec / 32) * 0x10) & (1u << (vec % 32));
}

static uint64_t post(struct cpu_pages *pg, uint32_t conn, uint64_t tag)
{
	memset(&pg->in, 0, sizeof(pg->in));
	pg->in.connection_id = conn;
	pg->in.message_type = MSG_TYPE;
	pg->in.payload_size = 8;
	pg->in.payload[0] = tag;
	return hv_hypercall(HVCALL_POST_MESSAGE, (uintptr_t)&pg->in, 0);
}

static void run_cpu(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;
	struct cpu_pages *pg = &t.pages[cpu];
	struct cpu_result *r = &t.res[cpu];
	struct hv_message *m = &pg->simp[SINT_MSG];
	uint64_t vp = 0, simp = 0, siefp = 0, sc = 0;

	cli();
	rdmsr_safe(HV_MSR_VP_INDEX, &vp);
	wrmsr_safe(HV_MSR_SIMP, (uintptr_t)pg->simp | HV_PAGE_ENABLE);
	wrmsr_safe(HV_MSR_SIEFP, (uintptr_t)pg->siefp | HV_PAGE_ENABLE);
	wrmsr_safe(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	rdmsr_safe(HV_MSR_SIMP, &simp);
	rdmsr_safe(HV_MSR_SIEFP, &siefp);
	rdmsr_safe(HV_MSR_SCONTROL, &sc);
	r->enabled = simp == ((uintptr_t)pg->simp | HV_PAGE_ENABLE) &&
		     siefp == ((uintptr_t)pg->siefp | HV_PAGE_ENABLE) && sc == HV_SCONTROL_ENABLE;

	/* SINT delivery through a testdev route. */
	wrmsr_safe(HV_MSR_SINT(SINT_PLAIN), VEC_PLAIN);
	hv_testdev(HV_TESTDEV_SINT_ROUTE_CREATE, vp, SINT_PLAIN, 0);
	hv_testdev(HV_TESTDEV_SINT_ROUTE_SET_SINT, vp, SINT_PLAIN, 0);
	r->plain = wait_count(&r->count[0], 1);
	hv_testdev(HV_TESTDEV_SINT_ROUTE_DESTROY, vp, SINT_PLAIN, 0);

	/* Auto-EOI: the handler never EOIs, yet the second raise is delivered too. */
	wrmsr_safe(HV_MSR_SINT(SINT_AEOI), VEC_AEOI | HV_SINT_AUTO_EOI);
	hv_testdev(HV_TESTDEV_SINT_ROUTE_CREATE, vp, SINT_AEOI, 0);
	hv_testdev(HV_TESTDEV_SINT_ROUTE_SET_SINT, vp, SINT_AEOI, 0);
	wait_count(&r->count[1], 1);
	hv_testdev(HV_TESTDEV_SINT_ROUTE_SET_SINT, vp, SINT_AEOI, 0);
	r->aeoi = wait_count(&r->count[1], 2) && !in_service(VEC_AEOI);
	hv_testdev(HV_TESTDEV_SINT_ROUTE_DESTROY, vp, SINT_AEOI, 0);

	/* Messages: echo, busy slot -> MessagePending, EOM -> redelivery. */
	wrmsr_safe(HV_MSR_SINT(SINT_MSG), VEC_MSG);
	hv_testdev(HV_TESTDEV_MSG_CONN_CREATE, vp, SINT_MSG, CONN_MSG_BASE + vp);
	r->status1 = post(pg, CONN_MSG_BASE + vp, 0x1111);
	wait_count(&r->count[2], 1);
	r->msg = m->type == MSG_TYPE && m->payload_size == 8 && m->payload[0] == 0x1111;
	r->status2 = post(pg, CONN_MSG_BASE + vp, 0x2222);
	pm_delay_us(10000);
	r->pending = (m->flags & HV_MSG_FLAG_PENDING) && m->payload[0] == 0x1111;
	m->type = HVMSG_NONE;
	barrier();
	wrmsr_safe(HV_MSR_EOM, 0);
	wait_count(&r->count[2], 2);
	r->redeliver = m->type == MSG_TYPE && m->payload[0] == 0x2222;
	m->type = HVMSG_NONE;
	wrmsr_safe(HV_MSR_EOM, 0);
	hv_testdev(HV_TESTDEV_MSG_CONN_DESTROY, vp, SINT_MSG, CONN_MSG_BASE + vp);

	/* Event flags. */
	wrmsr_safe(HV_MSR_SINT(SINT_EVT), VEC_EVT);
	hv_testdev(HV_TESTDEV_EVT_CONN_CREATE, vp, SINT_EVT, CONN_EVT_BASE + vp);
	r->evt_status = hv_hypercall(HVCALL_SIGNAL_EVENT | HV_HC_FAST, CONN_EVT_BASE + vp, 0);
	wait_count(&r->count[3], 1);
	r->evt = pg->siefp[SINT_EVT][(CONN_EVT_BASE + vp) / 8] &
		 (1u << ((CONN_EVT_BASE + vp) % 8));
	hv_testdev(HV_TESTDEV_EVT_CONN_DESTROY, vp, SINT_EVT, CONN_EVT_BASE + vp);

	wrmsr_safe(HV_MSR_SINT(SINT_PLAIN), HV_SINT_MASKED);
	wrmsr_safe(HV_MSR_SINT(SINT_AEOI), HV_SINT_MASKED);
	wrmsr_safe(HV_MSR_SINT(SINT_MSG), HV_SINT_MASKED);
	wrmsr_safe(HV_MSR_SINT(SINT_EVT), HV_SINT_MASKED);
	sti();
}

int main(const struct multiboot_info *mbi)
{
	unsigned expected = fwcfg_nb_cpus(), n, cpu;
	bool en = true, plain = true, aeoi = true, msg = true, pend = true, redel = true;
	bool evt = true;

	(void)mbi;
	if (!(hv_features().eax & HV_F_SYNIC)) {
		tap_plan(1);
		skip("no AccessSynicRegs in CPUID 0x40000003", "SynIC");
		tap_done();
	}
	apic_setup(true);
	n = smp_start(expected, BRINGUP_MS);
	if (n > MAX_CPUS)
		n = MAX_CPUS;
	tap_plan(8);
	ok(hv_hypercall_setup() == 0, "hypercall page enabled");
	irq_set_handler(VEC_PLAIN, irq_eoi);
	irq_set_handler(VEC_AEOI, irq_no_eoi);
	irq_set_handler(VEC_MSG, irq_eoi);
	irq_set_handler(VEC_EVT, irq_eoi);
	run_cpu((void *)0);
	for (cpu = 1; cpu < n; cpu++)
		if (smp_run_on(cpu, run_cpu, (void *)(uintptr_t)cpu) || smp_wait(cpu, 2000))
			diag("cpu %u did not finish", cpu);
	for (cpu = 0; cpu < n; cpu++) {
		struct cpu_result *r = &t.res[cpu];

		diag("cpu %u: enabled %d sint %d aeoi %d msg %d (0x%lx) pending %d (0x%lx) "
		     "redelivered %d event %d (0x%lx) counts %d %d %d %d", cpu, r->enabled,
		     r->plain, r->aeoi, r->msg, r->status1, r->pending, r->status2,
		     r->redeliver, r->evt, r->evt_status, r->count[0], r->count[1], r->count[2],
		     r->count[3]);
		en &= r->enabled;
		plain &= r->plain;
		aeoi &= r->aeoi;
		msg &= r->msg && HV_HC_STATUS(r->status1) == 0;
		pend &= r->pending && HV_HC_STATUS(r->status2) == 0;
		redel &= r->redeliver;
		evt &= r->evt && HV_HC_STATUS(r->evt_status) == 0;
	}
	ok(en, "SCONTROL, SIMP, SIEFP enabled on %u vCPUs", n);
	ok(plain, "SINT raised by hyperv-testdev delivers its vector");
	ok(aeoi, "auto-EOI SINT: second raise delivered without EOI, vector not in service");
	ok(msg, "HvPostMessage echoed into the SINT's message slot");
	ok(pend, "second message while the slot is busy sets MessagePending");
	ok(redel, "freeing the slot and writing EOM redelivers the pending message");
	ok(evt, "HvSignalEvent sets the connection's event flag and raises the SINT");
	tap_done();
}
