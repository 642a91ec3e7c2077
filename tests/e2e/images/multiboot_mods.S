/* A multiboot v1 ELF32 kernel for the module path: prints each module's string and its
 * first bytes' length, then exits through isa-debug-exit (0xf4) with mods_count, or 0xff
 * when EAX is not the multiboot magic or the info has no MODS flag (spec §3.2, §3.3). */
#define MB_MAGIC	0x1BADB002
#define MB_FLAGS	0x00000003	/* page-align modules, memory info */
	.code32
	.text
	.align	4
	.long	MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)
	.globl	_start
_start:
	cmp	$0x2BADB002, %eax
	jne	fail
	testl	$0x8, (%ebx)		/* flags.MODS */
	jz	fail
	mov	20(%ebx), %ecx		/* mods_count */
	mov	24(%ebx), %edi		/* mods_addr */
	mov	%ecx, %ebp
1:	test	%ecx, %ecx
	jz	2f
	mov	8(%edi), %esi		/* module string */
	call	puts
	mov	$' ', %al
	outb	%al, %dx
	mov	4(%edi), %eax		/* mod_end - mod_start = size */
	sub	(%edi), %eax
	add	$'0', %al		/* sizes below 10 in the test */
	outb	%al, %dx
	mov	$'\n', %al
	outb	%al, %dx
	add	$16, %edi
	dec	%ecx
	jmp	1b
2:	mov	%ebp, %eax
	jmp	done
fail:	mov	$0xff, %eax
done:	mov	$0xf4, %dx
	outl	%eax, %dx
3:	hlt
	jmp	3b

puts:	mov	$0x3f8, %dx
4:	lodsb
	test	%al, %al
	jz	5f
	outb	%al, %dx
	jmp	4b
5:	ret
