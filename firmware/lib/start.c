/* C entry on the BSP, called by lib/entry.S in 64-bit mode. */
#include "fw.h"

/* 8259A PIC data ports (OCW1 = interrupt mask register). */
#define PIC1_DATA 0x21
#define PIC2_DATA 0xA1

void fw_start(uint32_t magic, uint32_t mbi_addr) __attribute__((noreturn));

void fw_start(uint32_t magic, uint32_t mbi_addr)
{
	const struct multiboot_info *mbi = NULL;

	serial_init();
	/* A BIOS before us (SeaBIOS under QEMU) may have left a partial line: start a
	 * fresh one so a TAP parser sees our first line whole. */
	serial_putc('\n');
	/* A BIOS may leave the PIC on vectors 8-15 with the PIT running: mask it, so that
	 * enabling interrupts never looks like a #DF. */
	outb(PIC1_DATA, 0xFF);
	outb(PIC2_DATA, 0xFF);
	trap_init();
	if (magic == MB_BOOT_MAGIC)
		mbi = (const struct multiboot_info *)(uintptr_t)mbi_addr;
	else
		printf("# warning: not started by a multiboot loader (eax 0x%x)\n", magic);
	/* Copy the command line before anything (the AP trampoline) reuses low memory. */
	cmdline_init(mbi);
	exit(main(mbi));
}
