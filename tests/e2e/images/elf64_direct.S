/* A plain ELF64 kernel (no multiboot header) for the ELF64 direct-boot path
 * (vmm/loader/elf64.h): entered in long mode with RDI = struct elf64_boot_info.
 * Prints a line, then exits through isa-debug-exit (0xf4) with the e820 entry count
 * from the info block, or 0xff when the info block's magic is wrong. */
	.code64
	.text
	.globl _start
_start:
	cmpl	$0x424C4E45, (%rdi)	/* ELF64_BOOT_MAGIC "ENLB" */
	jne	fail
	lea	msg(%rip), %rsi
	call	puts
	mov	8(%rdi), %rsi		/* cmdline GPA */
	call	puts
	mov	$'\n', %al
	mov	$0x3f8, %dx
	outb	%al, %dx
	mov	24(%rdi), %eax		/* e820_count */
	jmp	done
fail:
	mov	$0xff, %eax
done:
	mov	$0xf4, %dx
	outl	%eax, %dx
1:	hlt
	jmp	1b

/* RSI = NUL-terminated string, to COM1 */
puts:
	mov	$0x3f8, %dx
2:	lodsb
	test	%al, %al
	jz	3f
	outb	%al, %dx
	jmp	2b
3:	ret

msg:	.asciz "elf64 direct boot, cmdline: "
