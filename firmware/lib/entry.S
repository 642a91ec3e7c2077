/* Boot path: multiboot header, 32-bit entry, switch to long mode, AP entry points.
 *
 * Entry state (Multiboot Specification 0.6.96 §3.2): EAX = 0x2BADB002, EBX = physical
 * address of the multiboot info, flat 32-bit protected mode, paging off, IF = 0. ESP and
 * GDTR are undefined, so we load our own GDT and stack before anything else.
 *
 * Long-mode switch (Intel SDM Vol. 3A §9.8.5): CR4.PAE, CR3 = PML4, EFER.LME (+NXE when
 * CPUID.80000001h:EDX[20] says NX exists), CR0.PG, then a far jump to a 64-bit segment.
 */
#include "layout.h"

	.section .multiboot, "a"
	.balign 4
	.long MB_HEADER_MAGIC
	.long MB_HEADER_FLAGS
	.long -(MB_HEADER_MAGIC + MB_HEADER_FLAGS)

/* Switch a 32-bit CPU with a flat GDT loaded to long mode (everything but the final far
 * jump). Clobbers EAX, EBX, ECX, EDX, EDI. */
.macro ENTER_LONG_MODE
	mov	%cr4, %eax
	or	$X86_CR4_PAE, %eax
	mov	%eax, %cr4
	mov	$pml4, %eax
	mov	%eax, %cr3
	mov	$EFER_LME, %edi
	mov	$0x80000000, %eax
	cpuid
	cmp	$0x80000001, %eax
	jb	1f
	mov	$0x80000001, %eax
	cpuid
	bt	$20, %edx
	jnc	1f
	or	$EFER_NXE, %edi
1:	mov	$MSR_EFER, %ecx
	rdmsr
	or	%edi, %eax
	wrmsr
	mov	%cr0, %eax
	or	$(X86_CR0_PG | X86_CR0_WP | X86_CR0_PE), %eax
	mov	%eax, %cr0
.endm

	.section .text.boot, "ax"
	.code32
	.globl	_start
_start:
	cli
	cld
	mov	%eax, %esi		/* multiboot magic */
	mov	%ebx, %ebp		/* multiboot info */
	lgdt	gdt_desc
	mov	$FW_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	ljmp	$FW_SEL_CODE32, $1f
1:	mov	$boot_stack_top, %esp
	/* Zero .bss ourselves: the multiboot spec only promises this for the a.out kludge. */
	mov	$__bss_start, %edi
	mov	$__bss_end, %ecx
	sub	%edi, %ecx
	shr	$2, %ecx
	xor	%eax, %eax
	rep stosl
	ENTER_LONG_MODE
	ljmp	$FW_SEL_CODE64, $start64

	.code64
start64:
	mov	$FW_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	mov	$boot_stack_top, %rsp
	mov	%esi, %edi		/* arg 1: magic (the upper halves are undefined after */
	mov	%ebp, %esi		/* arg 2: mbi    the mode switch; 32-bit moves zero them) */
	xor	%ebp, %ebp
	call	fw_start
2:	cli
	hlt
	jmp	2b

/* Application processors arrive here from the real-mode trampoline (lib/trampoline.S)
 * in flat 32-bit protected mode, with our GDT loaded. */
	.code32
	.globl	ap_start32
ap_start32:
	mov	$FW_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	mov	%eax, %fs
	mov	%eax, %gs
	ENTER_LONG_MODE
	ljmp	$FW_SEL_CODE64, $ap_start64

	.code64
ap_start64:
	mov	$FW_SEL_DATA, %eax
	mov	%eax, %ds
	mov	%eax, %es
	mov	%eax, %ss
	xor	%eax, %eax
	mov	%eax, %fs
	mov	%eax, %gs
	/* Each AP takes the next CPU number (1, 2, ...) and the stack that goes with it. */
	mov	$1, %eax
	lock xadd %eax, ap_boot_seq(%rip)
	cmp	$FW_MAX_CPUS, %eax
	jae	3f
	mov	%eax, %edi		/* arg 1: cpu number */
	imul	$FW_AP_STACK_SIZE, %rax
	add	$ap_stacks, %rax
	mov	%rax, %rsp
	xor	%ebp, %ebp
	call	smp_ap_entry
3:	cli
	hlt
	jmp	3b

	.data
	.balign 4
	.globl	ap_boot_seq
ap_boot_seq:
	.long	1

/* GDT: 0x08 64-bit code, 0x10 flat data, 0x18 flat 32-bit code (SDM Vol. 3A §3.4.5). */
	.balign 16
	.globl	gdt
gdt:
	.quad	0
	.quad	0x00af9a000000ffff
	.quad	0x00cf92000000ffff
	.quad	0x00cf9a000000ffff
gdt_end:
	.if	gdt_end - gdt - 1 != FW_GDT_LIMIT
	.error	"FW_GDT_LIMIT does not match the GDT"
	.endif
	.balign 8
	.globl	gdt_desc
gdt_desc:
	.word	FW_GDT_LIMIT
	.quad	gdt

/* Identity map of the first 4 GiB with 2 MiB pages, built by the assembler so no guest
 * instruction is spent on it. The top GiB (LAPIC, IOAPIC, HPET, PCI holes) is uncached
 * (PCD|PWT). 24 KiB: PML4, PDPT, four page directories. */
	.section .data.pagetables, "aw"
	.balign 4096
	.globl	pml4
pml4:
	.quad	pdpt + PTE_P + PTE_W
	.fill	511, 8, 0
pdpt:
	.quad	pd + 0x0000 + PTE_P + PTE_W
	.quad	pd + 0x1000 + PTE_P + PTE_W
	.quad	pd + 0x2000 + PTE_P + PTE_W
	.quad	pd + 0x3000 + PTE_P + PTE_W
	.fill	508, 8, 0
pd:
	i = 0
	.rept	2048
	.if	i >= 1536
	.quad	(i << 21) + PTE_P + PTE_W + PTE_PS + PTE_PWT + PTE_PCD
	.else
	.quad	(i << 21) + PTE_P + PTE_W + PTE_PS
	.endif
	i = i + 1
	.endr

/* Stacks live after .bss and are not zeroed at boot (see lib/fw.ld). AP n (n >= 1) uses
 * the n-th FW_AP_STACK_SIZE slice, growing down from ap_stacks + n * FW_AP_STACK_SIZE. */
	.section .stack, "aw", @nobits
	.balign 4096
boot_stack:
	.skip	FW_BSP_STACK_SIZE
boot_stack_top:
	.globl	ap_stacks
ap_stacks:
	.skip	FW_AP_STACK_SIZE * (FW_MAX_CPUS - 1)
