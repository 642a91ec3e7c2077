/* Interrupt and exception entry stubs: one 16-byte stub per vector (isr_stubs + 16 * v).
 * Each pushes a dummy error code where the CPU does not push one (Intel SDM Vol. 3A
 * Table 6-1: vectors 8, 10-14, 17, 21, 29 and 30 push an error code), then the vector,
 * then isr_common saves every general-purpose register in the layout of
 * struct trap_frame (lib/trap.h) and calls trap_dispatch(frame).
 *
 * Stack alignment: the CPU aligns RSP to 16 before pushing its 5-qword frame (§6.14.2);
 * with error code, vector and 15 registers that is 22 qwords, so RSP stays 16-aligned at
 * the call as the SysV ABI wants.
 */
	.text
	.code64
	.balign	16
	.globl	isr_stubs
isr_stubs:
	vec = 0
	.rept	256
	.balign	16
	.if	(vec == 8) || ((vec >= 10) && (vec <= 14)) || (vec == 17) || (vec == 21) || (vec == 29) || (vec == 30)
	.else
	pushq	$0
	.endif
	pushq	$vec
	jmp	isr_common
	vec = vec + 1
	.endr

isr_common:
	push	%rax
	push	%rbx
	push	%rcx
	push	%rdx
	push	%rsi
	push	%rdi
	push	%rbp
	push	%r8
	push	%r9
	push	%r10
	push	%r11
	push	%r12
	push	%r13
	push	%r14
	push	%r15
	mov	%rsp, %rdi
	cld
	call	trap_dispatch
	pop	%r15
	pop	%r14
	pop	%r13
	pop	%r12
	pop	%r11
	pop	%r10
	pop	%r9
	pop	%r8
	pop	%rbp
	pop	%rdi
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rbx
	pop	%rax
	add	$16, %rsp
	iretq
