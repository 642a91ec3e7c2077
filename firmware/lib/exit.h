/* Leaving the VM: debug-exit, ACPI S5 power-off, 0xCF9 reset.
 *
 * Status convention (QEMU isa-debug-exit, which enlight copies): writing code C to port
 * 0xf4 makes the VMM exit with status (C << 1) | 1. The library uses:
 *   FW_EXIT_PASS  0 -> status 1   every TAP test passed
 *   FW_EXIT_FAIL  1 -> status 3   some TAP test failed (or the plan was not met)
 *   FW_EXIT_CRASH 2 -> status 5   unexpected exception or interrupt
 */
#ifndef FW_EXIT_H
#define FW_EXIT_H

#include <stdint.h>

#define FW_EXIT_PASS	0
#define FW_EXIT_FAIL	1
#define FW_EXIT_CRASH	2

#define DEBUG_EXIT_PORT	0xf4

/* QEMU q35 convention: the ICH9 ACPI PM block at PMBASE 0x600 (SeaBIOS and enlight).
 * PM1a_CNT at PMBASE + 4, PM timer at PMBASE + 8 (ICH9 datasheet §13.8.3). */
#define PM_BASE		0x600
#define PM1A_CNT	(PM_BASE + 0x04)
#define PM_TMR		(PM_BASE + 0x08)
#define PM1_CNT_SLP_EN	(1u << 13)	/* ACPI 6.4 §4.8.3.2.1 */
#define PM1_CNT_SLP_TYP_SHIFT 10

#define RST_CNT_PORT	0xCF9		/* ICH9 datasheet §13.7.5: Reset Control Register */
#define RST_CNT_SYS_RST	0x02
#define RST_CNT_RST_CPU	0x04

/* Writes code to the debug-exit port; if that returns (no device), requests ACPI S5 and
 * halts forever. */
void exit(int code) __attribute__((noreturn));

/* Writes SLP_EN | SLP_TYP = 0 (QEMU's S5 type) to PM1a_CNT. Returns if ignored. */
void acpi_poweroff(void);

/* Writes SYS_RST | RST_CPU (0x06) to 0xCF9: a hard reset. Returns if ignored. */
void cf9_reset(void);

#endif
