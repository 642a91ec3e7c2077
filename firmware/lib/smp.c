/* AP bring-up by broadcast INIT-SIPI-SIPI (Intel SDM Vol. 3A §9.4.4.1 "Typical BSP
 * Initialization Sequence") and remote execution through a wake-up IPI. */
#include "smp.h"
#include "apic.h"
#include "atomic.h"
#include "console.h"
#include "layout.h"
#include "libc.h"
#include "timer.h"
#include "trap.h"

#define INIT_DELAY_US	10000	/* §9.4.4.1: 10 ms after INIT */
#define SIPI_DELAY_US	200	/* 200 us after each SIPI */

struct smp_cpu {
	volatile uint32_t apic_id;
	volatile int online;
	void (*volatile fn)(void *);
	void *volatile arg;
};

struct smp {
	struct smp_cpu cpu[FW_MAX_CPUS];
	volatile int online;
	bool quiet;
	uint64_t fixed_wait;	/* TSC cycles in the SDM's fixed delays, last smp_start */
};

static struct smp smp;

extern const char trampoline_start[], trampoline_end[];

void smp_ap_entry(unsigned cpu) __attribute__((noreturn));

static void smp_wake(struct trap_frame *f)
{
	(void)f;
	apic_eoi();
}

/* Runs queued work; otherwise sleeps until the next interrupt. HLT with the in-kernel
 * LAPIC costs no host CPU, unlike a spin loop. */
static void __attribute__((noreturn)) ap_idle(struct smp_cpu *c)
{
	for (;;) {
		void (*fn)(void *);

		cli();
		fn = __atomic_load_n(&c->fn, __ATOMIC_ACQUIRE);
		if (!fn) {
			safe_halt();
			continue;
		}
		sti();
		fn(c->arg);
		cli();
		__atomic_store_n(&c->fn, NULL, __ATOMIC_RELEASE);
	}
}

void smp_ap_entry(unsigned cpu)
{
	struct smp_cpu *c = &smp.cpu[cpu];

	trap_load();
	apic_enable();
	c->apic_id = apic_id();
	if (!smp.quiet)
		printf("cpu %u online apic-id %u\n", cpu, c->apic_id);
	atomic_set(&c->online, 1);
	atomic_inc(&smp.online);
	ap_idle(c);
}

/* Waits until cond(arg) or timeout_ms elapse on the PM timer. Returns cond's last value. */
static bool wait_for(bool (*cond)(const void *), const void *arg, unsigned timeout_ms)
{
	uint64_t limit = (uint64_t)timeout_ms * PM_TIMER_HZ / 1000, elapsed = 0;
	uint32_t last = pmtimer_read(), now;

	while (!cond(arg)) {
		if (elapsed >= limit)
			return cond(arg);
		cpu_relax();
		now = pmtimer_read();
		elapsed += pmtimer_delta(last, now);
		last = now;
	}
	return true;
}

static bool all_online(const void *arg)
{
	return atomic_read(&smp.online) >= *(const int *)arg;
}

static bool cpu_idle(const void *arg)
{
	const struct smp_cpu *c = arg;

	return !__atomic_load_n(&c->fn, __ATOMIC_ACQUIRE);
}

uint64_t smp_fixed_wait_cycles(void)
{
	return smp.fixed_wait;
}

void smp_set_quiet(bool quiet)
{
	smp.quiet = quiet;
}

unsigned smp_start(unsigned expected, unsigned timeout_ms)
{
	uint32_t sipi = APIC_DM_STARTUP | APIC_DEST_ALL_BUT_SELF | FW_TRAMPOLINE_BASE >> 12;
	int want = expected > FW_MAX_CPUS ? FW_MAX_CPUS : (int)expected;
	uint64_t t;
	unsigned i;

	if (!apic_is_setup())
		apic_setup(true);
	irq_set_handler(FW_VEC_WAKE, smp_wake);
	smp.cpu[0].apic_id = apic_id();
	smp.cpu[0].online = 1;
	atomic_set(&smp.online, 1);
	if (expected == 1)
		return 1;

	memcpy((void *)FW_TRAMPOLINE_BASE, trampoline_start, trampoline_end - trampoline_start);
	apic_send_ipi(0, APIC_DM_INIT | APIC_ICR_ASSERT | APIC_DEST_ALL_BUT_SELF);
	t = rdtsc();
	pm_delay_us(INIT_DELAY_US);
	smp.fixed_wait = rdtsc() - t;
	for (i = 0; i < 2; i++) {
		apic_send_ipi(0, sipi);
		t = rdtsc();
		pm_delay_us(SIPI_DELAY_US);
		smp.fixed_wait += rdtsc() - t;
		if (want && all_online(&want))
			break;
	}
	if (!want)
		want = FW_MAX_CPUS;	/* unknown count: take whoever shows up in time */
	wait_for(all_online, &want, timeout_ms);
	return (unsigned)atomic_read(&smp.online);
}

unsigned smp_cpu_count(void)
{
	return (unsigned)atomic_read(&smp.online);
}

bool smp_cpu_online(unsigned cpu)
{
	return cpu < FW_MAX_CPUS && atomic_read(&smp.cpu[cpu].online);
}

uint32_t smp_apic_id(unsigned cpu)
{
	return smp_cpu_online(cpu) ? smp.cpu[cpu].apic_id : ~0u;
}

unsigned smp_this_cpu(void)
{
	uint32_t id = apic_id();
	unsigned i;

	for (i = 0; i < FW_MAX_CPUS; i++)
		if (smp_cpu_online(i) && smp.cpu[i].apic_id == id)
			return i;
	return 0;
}

int smp_run_on(unsigned cpu, void (*fn)(void *), void *arg)
{
	struct smp_cpu *c;

	if (cpu == 0 || !smp_cpu_online(cpu))
		return -1;
	c = &smp.cpu[cpu];
	if (__atomic_load_n(&c->fn, __ATOMIC_ACQUIRE))
		return -1;
	c->arg = arg;
	__atomic_store_n(&c->fn, fn, __ATOMIC_RELEASE);
	apic_send_fixed(c->apic_id, FW_VEC_WAKE);
	return 0;
}

int smp_wait(unsigned cpu, unsigned timeout_ms)
{
	if (cpu == 0 || !smp_cpu_online(cpu))
		return -1;
	return wait_for(cpu_idle, &smp.cpu[cpu], timeout_ms) ? 0 : -1;
}
