/* hv-stimer: synthetic timers (TLFS "Timers", synthetic timers; kvm-unit-tests'
 * hyperv_stimer covers the same ground). Needs hv-vpindex,hv-synic,hv-time,hv-stimer
 * (and hv-stimer-direct for the direct-mode test). Timer 0 and 1 on the BSP, SINT 2:
 *   - one-shot: an HVMSG_TIMER_EXPIRED message in SINT 2's slot, timer index, expiration
 *     >= the programmed time, delivery >= expiration; the timer disables itself;
 *   - one-shot already expired when programmed: fires at once;
 *   - periodic: several messages one period apart; COUNT = 0 stops it;
 *   - auto-enable: writing COUNT with CONFIG.AutoEnable sets CONFIG.Enable;
 *   - SINT 0 on an enabled message-mode timer disables it;
 *   - busy slot: expiry while the slot holds a message sets MessagePending, and the
 *     timer message follows the guest's EOM;
 *   - direct mode: the APIC vector from CONFIG arrives, no message is written.
 */
#include "fw.h"
#include "hv.h"

#define SINT		2
#define VEC_SINT	0xB4
#define VEC_DIRECT	0xB5
#define MS		10000ull	/* 1 ms in 100 ns units */
#define PERIOD		(10 * MS)
#define PERIODIC_TICKS	4
#define WAIT_US		300000
#define MAX_RECORDS	16

struct record {
	struct hv_timer_payload p;
	uint32_t type;
	uint64_t now;
};

struct stimer_test {
	struct hv_message simp[HV_SINT_COUNT] __attribute__((aligned(HV_PAGE_SIZE)));
	struct record rec[MAX_RECORDS];
	volatile int msgs, direct;
	volatile bool hold;	/* leave the slot occupied (busy-slot test) */
	volatile bool held;	/* a message is being held in the slot */
};

static struct stimer_test t;

static uint64_t ref_now(void)
{
	uint64_t v = 0;

	rdmsr_safe(HV_MSR_TIME_REF_COUNT, &v);
	return v;
}

static void take_message(void)
{
	struct hv_message *m = &t.simp[SINT];
	int i = atomic_read(&t.msgs);

	if (m->type == HVMSG_NONE || t.held)
		return;	/* empty, or the held message raised again */
	if (i < MAX_RECORDS) {
		memcpy(&t.rec[i].p, (const void *)m->payload, sizeof(t.rec[i].p));
		t.rec[i].type = m->type;
		t.rec[i].now = ref_now();
	}
	atomic_inc(&t.msgs);
	if (t.hold) {
		t.held = true;
		return;
	}
	m->type = HVMSG_NONE;
	barrier();
	if (m->flags & HV_MSG_FLAG_PENDING)
		wrmsr_safe(HV_MSR_EOM, 0);	/* TLFS: EOM only needed when pending */
}

static void sint_irq(struct trap_frame *f)
{
	(void)f;
	take_message();
	apic_eoi();
}

static void direct_irq(struct trap_frame *f)
{
	(void)f;
	atomic_inc(&t.direct);
	apic_eoi();
}

static bool wait_for(volatile int *count, int want)
{
	return irq_wait_count(count, want, WAIT_US);
}

static void reset_records(void)
{
	memset(t.rec, 0, sizeof(t.rec));
	atomic_set(&t.msgs, 0);
}

static void arm(unsigned timer, uint64_t config, uint64_t count)
{
	wrmsr_safe(HV_MSR_STIMER_CONFIG(timer), config);
	wrmsr_safe(HV_MSR_STIMER_COUNT(timer), count);
}

static void stop(unsigned timer)
{
	wrmsr_safe(HV_MSR_STIMER_CONFIG(timer), 0);
	wrmsr_safe(HV_MSR_STIMER_COUNT(timer), 0);
}

static void test_one_shot(void)
{
	uint64_t when, cfg = ~0ull;
	bool got;

	reset_records();
	when = ref_now() + 20 * MS;
	arm(0, HV_STIMER_ENABLE | HV_STIMER_SINT(SINT), when);
	got = wait_for(&t.msgs, 1);
	rdmsr_safe(HV_MSR_STIMER_CONFIG(0), &cfg);
	ok(got && t.rec[0].type == HVMSG_TIMER_EXPIRED && t.rec[0].p.timer_index == 0,
	   "one-shot: HVMSG_TIMER_EXPIRED for timer 0 in SINT %u's slot # type 0x%x", SINT,
	   t.rec[0].type);
	ok(got && t.rec[0].p.expiration_time >= when &&
	   t.rec[0].p.delivery_time >= t.rec[0].p.expiration_time &&
	   t.rec[0].p.delivery_time <= t.rec[0].now,
	   "one-shot: expiration >= programmed, delivery >= expiration # %lu %lu %lu",
	   when, t.rec[0].p.expiration_time, t.rec[0].p.delivery_time);
	ok(!(cfg & HV_STIMER_ENABLE), "one-shot: timer disabled after expiry # config 0x%lx",
	   cfg);
	stop(0);

	reset_records();
	arm(0, HV_STIMER_ENABLE | HV_STIMER_SINT(SINT), ref_now() - MS);
	got = wait_for(&t.msgs, 1);
	ok(got && t.rec[0].type == HVMSG_TIMER_EXPIRED,
	   "one-shot programmed in the past fires at once");
	stop(0);
}

static void test_periodic(void)
{
	bool got, spaced = true;
	int i, after;

	reset_records();
	arm(1, HV_STIMER_ENABLE | HV_STIMER_PERIODIC | HV_STIMER_SINT(SINT), PERIOD);
	got = wait_for(&t.msgs, PERIODIC_TICKS);
	wrmsr_safe(HV_MSR_STIMER_COUNT(1), 0);		/* COUNT 0 stops it (TLFS) */
	pm_delay_us(2000);
	after = atomic_read(&t.msgs);
	for (i = 1; i < PERIODIC_TICKS && i < MAX_RECORDS; i++) {
		uint64_t d = t.rec[i].p.expiration_time - t.rec[i - 1].p.expiration_time;

		spaced &= t.rec[i].p.timer_index == 1 && d >= PERIOD && d % PERIOD == 0;
	}
	ok(got && spaced, "periodic: %d messages, expirations a multiple of the period apart",
	   PERIODIC_TICKS);
	pm_delay_us(3 * PERIOD / 10);
	ok(atomic_read(&t.msgs) == after, "periodic: COUNT = 0 stops the timer # %d then %d",
	   after, atomic_read(&t.msgs));
	stop(1);
}

static void test_auto_enable(void)
{
	uint64_t cfg = 0;

	reset_records();
	wrmsr_safe(HV_MSR_STIMER_CONFIG(0), HV_STIMER_AUTOENABLE | HV_STIMER_SINT(SINT));
	wrmsr_safe(HV_MSR_STIMER_COUNT(0), ref_now() + 5 * MS);
	rdmsr_safe(HV_MSR_STIMER_CONFIG(0), &cfg);
	ok((cfg & HV_STIMER_ENABLE) && wait_for(&t.msgs, 1),
	   "auto-enable: writing COUNT enables the timer and it fires # config 0x%lx", cfg);
	stop(0);
}

/* TLFS "Synthetic Timer Configuration Register": SINTx 0 on an enabled message-mode timer
 * disables it. Whether an Enable|SINT 0 write to a timer that is off sticks is not the
 * same question: enlight's userspace backend clears it, KVM 6.1 (stimer_set_config) clears
 * Enable only when the timer was enabled before; that one is only reported. */
static void test_sint0(void)
{
	uint64_t cfg = ~0ull, off = 0;

	wrmsr_safe(HV_MSR_STIMER_COUNT(0), ref_now() + 1000 * MS);
	wrmsr_safe(HV_MSR_STIMER_CONFIG(0), HV_STIMER_ENABLE | HV_STIMER_SINT(SINT));
	wrmsr_safe(HV_MSR_STIMER_CONFIG(0), HV_STIMER_ENABLE | HV_STIMER_SINT(0));
	rdmsr_safe(HV_MSR_STIMER_CONFIG(0), &cfg);
	ok(!(cfg & HV_STIMER_ENABLE), "SINT 0 on an enabled message timer disables it # 0x%lx",
	   cfg);
	stop(0);
	wrmsr_safe(HV_MSR_STIMER_CONFIG(0), HV_STIMER_ENABLE | HV_STIMER_SINT(0));
	rdmsr_safe(HV_MSR_STIMER_CONFIG(0), &off);
	diag("Enable|SINT 0 written to a disabled timer: enable %s # 0x%lx",
	     (off & HV_STIMER_ENABLE) ? "kept (KVM's reading)" : "cleared (enlight's userspace backend)",
	     off);
	stop(0);
}

static void test_busy_slot(void)
{
	struct hv_message *m = &t.simp[SINT];
	bool pending;

	reset_records();
	t.hold = true;
	arm(0, HV_STIMER_ENABLE | HV_STIMER_SINT(SINT), ref_now() + 2 * MS);
	wait_for(&t.msgs, 1);
	arm(1, HV_STIMER_ENABLE | HV_STIMER_SINT(SINT), ref_now() + 2 * MS);
	pm_delay_us(20000);
	pending = (m->flags & HV_MSG_FLAG_PENDING) && m->payload[0] == 0;
	ok(pending, "busy slot: second expiry sets MessagePending # flags 0x%x",
	   (unsigned)m->flags);
	t.hold = false;
	t.held = false;
	m->type = HVMSG_NONE;
	barrier();
	wrmsr_safe(HV_MSR_EOM, 0);
	pending = wait_for(&t.msgs, 2) && t.rec[1].p.timer_index == 1;
	ok(pending, "busy slot: EOM delivers the pending timer message # %d messages",
	   atomic_read(&t.msgs));
	stop(0);
	stop(1);
}

static void test_direct(void)
{
	uint32_t before;
	bool got;

	if (!(hv_features().edx & HV_D_STIMER_DIRECT)) {
		skip("no hv-stimer-direct", "direct mode: APIC vector, no message");
		return;
	}
	reset_records();
	before = t.simp[SINT].type;
	arm(0, HV_STIMER_ENABLE | HV_STIMER_DIRECT | HV_STIMER_VECTOR(VEC_DIRECT),
	    ref_now() + 5 * MS);
	got = wait_for(&t.direct, 1);
	ok(got && atomic_read(&t.msgs) == 0 && before == HVMSG_NONE,
	   "direct mode: vector 0x%x arrives, no message # %d interrupts", VEC_DIRECT,
	   atomic_read(&t.direct));
	stop(0);
}

int main(const struct multiboot_info *mbi)
{
	struct cpuid_regs f = hv_features();

	(void)mbi;
	if (!(f.eax & HV_F_STIMER) || !(f.eax & HV_F_SYNIC) || !(f.eax & HV_F_TIME_REF_COUNT)) {
		tap_plan(1);
		skip("no synthetic timers, SynIC or reference counter in CPUID", "stimers");
		tap_done();
	}
	apic_setup(true);
	cli();
	tap_plan(11);
	irq_set_handler(VEC_SINT, sint_irq);
	irq_set_handler(VEC_DIRECT, direct_irq);
	wrmsr_safe(HV_MSR_SIMP, (uintptr_t)t.simp | HV_PAGE_ENABLE);
	wrmsr_safe(HV_MSR_SCONTROL, HV_SCONTROL_ENABLE);
	wrmsr_safe(HV_MSR_SINT(SINT), VEC_SINT);
	test_one_shot();
	test_periodic();
	test_auto_enable();
	test_sint0();
	test_busy_slot();
	test_direct();
	wrmsr_safe(HV_MSR_SINT(SINT), HV_SINT_MASKED);
	tap_done();
}
