/* ACPI PM timer and TSC: reads, delays, TSC frequency discovery. */
#ifndef FW_TIMER_H
#define FW_TIMER_H

#include <stdbool.h>
#include <stdint.h>

#define PM_TIMER_HZ	3579545u	/* ACPI 6.4 §4.8.3.3 */
#define PM_TIMER_MASK	0xFFFFFFu	/* 24-bit counter unless FADT TMR_VAL_EXT */

uint32_t pmtimer_read(void);

/* Busy-waits us microseconds on the PM timer. Returns 0, or -1 if the counter does not
 * move (no PM timer), after about a million unchanged reads. */
int pm_delay_us(uint64_t us);

/* Ticks elapsed from start to now, modulo the 24-bit wrap. */
static inline uint32_t pmtimer_delta(uint32_t start, uint32_t now)
{
	return (now - start) & PM_TIMER_MASK;
}

/* Interrupts on, through irq_window(), until done(arg) is true or us microseconds of PM
 * timer pass; returns the microseconds waited. */
uint64_t irq_wait_until(bool (*done)(void *arg), void *arg, uint64_t us);
/* The same until *count >= want; true if it got there. */
bool irq_wait_count(volatile int *count, int want, uint64_t us);

/* Busy-waits until cycles TSC ticks have passed. */
void tsc_delay(uint64_t cycles);

/* TSC frequency in kHz, 0 if unknown. *source names where it came from. Tried in order:
 * cmdline "tsc_khz=N", Hyper-V HV_X64_MSR_TSC_FREQUENCY (TLFS §2.4.4, when CPUID
 * 0x40000003.EAX[11] allows it), the hypervisor timing leaf 0x40000010.EAX, CPUID 0x15
 * (with the crystal frequency in ECX), CPUID 0x16.EAX (base MHz, nominal). */
uint64_t tsc_khz(const char **source);

#endif
