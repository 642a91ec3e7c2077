#include "exit.h"
#include "x86.h"

void acpi_poweroff(void)
{
	/* SLP_TYP 0 is S5 in QEMU's DSDT (_S5 = 0) and in enlight's. */
	outw(PM1A_CNT, PM1_CNT_SLP_EN | 0 << PM1_CNT_SLP_TYP_SHIFT);
}

void cf9_reset(void)
{
	outb(RST_CNT_PORT, RST_CNT_SYS_RST | RST_CNT_RST_CPU);
}

void exit(int code)
{
	outl(DEBUG_EXIT_PORT, (uint32_t)code);
	/* Still running: no debug-exit device. Power off instead (status lost). */
	acpi_poweroff();
	for (;;) {
		cli();
		hlt();
	}
}
