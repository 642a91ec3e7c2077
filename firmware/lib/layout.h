/* Constants shared by the assembly entry code and the C library.
 *
 * Memory layout (guest-physical = virtual, identity mapped):
 *   0x008000  FW_TRAMPOLINE_BASE  AP real-mode trampoline, copied there by smp_start()
 *   0x100000  FW_LOAD_BASE        image: multiboot header, .text, .rodata, .data, .bss,
 *                                 then the stacks (not zeroed by us)
 * enlight puts its multiboot info at 0x10000 and QEMU puts it right after the image, so
 * neither overlaps the trampoline page.
 */
#ifndef FW_LAYOUT_H
#define FW_LAYOUT_H

#define FW_LOAD_BASE		0x100000	/* 1 MiB, the classic multiboot address */
#define FW_TRAMPOLINE_BASE	0x8000		/* page-aligned, below 1 MiB: SIPI vector 0x08 */

#define FW_MAX_CPUS		64
#define FW_BSP_STACK_SIZE	0x4000
#define FW_AP_STACK_SIZE	0x2000

/* GDT selectors (lib/entry.S). */
#define FW_SEL_CODE64		0x08
#define FW_SEL_DATA		0x10
#define FW_SEL_CODE32		0x18
#define FW_GDT_LIMIT		(4 * 8 - 1)	/* null + the three above */

/* Multiboot Specification 0.6.96 §3.1.2: header magic and flags (bit 0: page-align
 * modules, bit 1: pass memory information); §3.2: the magic the loader leaves in EAX. */
#define MB_HEADER_MAGIC		0x1BADB002
#define MB_HEADER_FLAGS		0x00000003
#define MB_BOOT_MAGIC		0x2BADB002

/* Intel SDM Vol. 3A §2.5 (control registers), §2.2.1 (EFER), §4.5 (4-level paging). */
#define X86_CR0_PE		0x00000001
#define X86_CR0_WP		0x00010000
#define X86_CR0_PG		0x80000000
#define X86_CR4_PAE		0x00000020
#define MSR_EFER		0xC0000080
#define EFER_LME		0x00000100
#define EFER_NXE		0x00000800
#define PTE_P			0x001
#define PTE_W			0x002
#define PTE_PWT			0x008
#define PTE_PCD			0x010
#define PTE_PS			0x080

#endif
