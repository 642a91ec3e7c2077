/* Application processor bring-up (INIT-SIPI-SIPI broadcast, Intel SDM Vol. 3A §9.4.4)
 * and a way to run a function on an AP.
 *
 * CPU numbers are assigned in order of arrival: 0 is the BSP, APs get 1, 2, ... Each AP
 * loads the IDT, enables its local APIC, prints "cpu N online apic-id X" (unless quiet), marks itself
 * online and then idles in "sti; hlt", woken by a FW_VEC_WAKE IPI when there is work.
 */
#ifndef FW_SMP_H
#define FW_SMP_H

#include <stdbool.h>
#include <stdint.h>

/* Starts the APs. expected = total CPU count including the BSP, or 0 if unknown (then it
 * waits the whole timeout). Returns the number of CPUs online, BSP included. Calls
 * apic_setup(true) first if nobody did. */
unsigned smp_start(unsigned expected, unsigned timeout_ms);
/* quiet: the APs do not print their "online" line. Each line is ~25 polled UART writes
 * under the console lock, which the other APs spin on: with many vCPUs on few host CPUs
 * that, not the bring-up, would dominate (bench_smp). */
void smp_set_quiet(bool quiet);
/* TSC cycles the last smp_start spent in the SDM's fixed INIT and SIPI delays. */
uint64_t smp_fixed_wait_cycles(void);

unsigned smp_cpu_count(void);		/* online CPUs, BSP included */
bool smp_cpu_online(unsigned cpu);
uint32_t smp_apic_id(unsigned cpu);	/* ~0u if not online */
unsigned smp_this_cpu(void);		/* by APIC ID; 0 if not found */

/* Runs fn(arg) on AP cpu (with interrupts enabled). Returns 0, or -1 if the CPU is not
 * online or still busy. smp_wait() waits for it to finish: 0 or -1 on timeout. */
int smp_run_on(unsigned cpu, void (*fn)(void *), void *arg);
int smp_wait(unsigned cpu, unsigned timeout_ms);

#endif
