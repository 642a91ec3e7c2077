/* Real-mode entry for application processors.
 *
 * smp_start() copies [trampoline_start, trampoline_end) to FW_TRAMPOLINE_BASE and sends
 * INIT-SIPI-SIPI with vector FW_TRAMPOLINE_BASE >> 12. The AP starts in real mode with
 * CS = vector << 8, IP = 0 (Intel SDM Vol. 3A §9.4.4.1 / §10.6.1 "Start-Up IPI"), so
 * everything here is addressed relative to CS. It loads the image's GDT, sets CR0.PE and
 * jumps to ap_start32 in the image, which does the rest of the 32 -> 64-bit switch.
 */
#include "layout.h"

	.section .rodata.trampoline, "a"
	.code16
	.globl	trampoline_start, trampoline_end
trampoline_start:
	cli
	cld
	mov	%cs, %ax
	mov	%ax, %ds
	lgdtl	(tramp_gdt_desc - trampoline_start)
	mov	%cr0, %eax
	orl	$X86_CR0_PE, %eax
	mov	%eax, %cr0
	ljmpl	$FW_SEL_CODE32, $ap_start32
	.balign	8
tramp_gdt_desc:
	.word	FW_GDT_LIMIT
	.long	gdt
trampoline_end:
	.code64
