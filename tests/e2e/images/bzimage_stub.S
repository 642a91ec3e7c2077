/* A minimal bzImage (Linux boot protocol 2.15, Documentation/x86/boot.rst) whose
 * protected-mode part is 64-bit code at load address + 0x200 (XLF_KERNEL_64): the loader's
 * bzImage path, end to end. The kernel prints its command line from boot_params and exits
 * through isa-debug-exit (0xf4) with boot_params.e820_entries, or 0xff when RSI is not the
 * zero page. Under -bios, SeaBIOS's linuxboot option ROM enters the setup code in real mode
 * instead: that part prints the command line too and exits with type_of_loader. */
#define SETUP_SECTS 1
	.text
stub_base:
	.org	0x1f1
	.byte	SETUP_SECTS		/* setup_sects */
	.word	0			/* root_flags */
	.long	(pm_end - pm_start + 15) / 16	/* syssize, 16-byte units */
	.word	0, 0, 0			/* ram_size, vid_mode, root_dev */
	.word	0xAA55			/* boot_flag */
	.byte	0xeb, rm_entry - 1f	/* jump (to the real-mode entry) */
1:
	.ascii	"HdrS"			/* header */
	.word	0x020f			/* version 2.15 */
	.long	0			/* realmode_swtch */
	.word	0, 0			/* start_sys_seg, kernel_version */
	.byte	0			/* type_of_loader */
	.byte	0x01			/* loadflags: LOADED_HIGH */
	.word	0			/* setup_move_size */
	.long	0x100000		/* code32_start */
	.long	0, 0			/* ramdisk_image, ramdisk_size */
	.long	0			/* bootsect_kludge */
	.word	0			/* heap_end_ptr */
	.byte	0, 0			/* ext_loader_ver, ext_loader_type */
	.long	0			/* cmd_line_ptr */
	.long	0x7fffffff		/* initrd_addr_max */
	.long	0x200000		/* kernel_alignment */
	.byte	0, 0			/* relocatable_kernel, min_alignment */
	.word	0x0001			/* xloadflags: XLF_KERNEL_64 */
	.long	255			/* cmdline_size */
	.long	0			/* hardware_subarch */
	.quad	0			/* hardware_subarch_data */
	.long	0, 0			/* payload_offset, payload_length */
	.quad	0			/* setup_data */
	.quad	0x100000		/* pref_address */
	.long	0x10000			/* init_size */
	.long	0, 0			/* handover_offset, kernel_info_offset */

/* Real-mode entry (boot.rst "Running the kernel"): CS:0 = setup + 0x200, DS = ES = SS = the
 * setup segment. Addresses are offsets from stub_base (the file is an unlinked object's
 * .text). Prints cmd_line_ptr's string (a linear address) and exits through isa-debug-exit
 * (0xf4) with type_of_loader, which the boot loader set. */
	.code16
rm_entry:
	cld
	mov	$(rm_msg - stub_base), %si
	call	rm_puts
	mov	0x228, %eax		/* hdr.cmd_line_ptr */
	mov	%eax, %ebx
	shr	$4, %eax
	and	$0xf, %bx
	mov	%ax, %ds
	mov	%bx, %si
	call	rm_puts
	mov	%es, %ax
	mov	%ax, %ds
	mov	$'\n', %al
	mov	$0x3f8, %dx
	outb	%al, %dx
	movzbl	0x210, %eax		/* type_of_loader */
	mov	$0xf4, %dx
	outl	%eax, %dx
1:	hlt
	jmp	1b
rm_puts:
	mov	$0x3f8, %dx
2:	lodsb
	test	%al, %al
	jz	3f
	outb	%al, %dx
	jmp	2b
3:	ret
rm_msg:	.asciz	"bzImage real-mode entry, cmdline: "

	.org	(SETUP_SECTS + 1) * 512
pm_start:				/* loaded at 1 MiB */
	.code32
	ud2				/* the 32-bit entry is not used: XLF_KERNEL_64 */
	.org	pm_start + 0x200
	.code64
	cmp	$0x7000, %rsi		/* the loader's zero page (vmm/loader/boot.h) */
	jne	fail
	mov	%rsi, %rbx
	lea	msg(%rip), %rsi
	call	puts
	mov	0x228(%rbx), %esi	/* hdr.cmd_line_ptr */
	call	puts
	mov	$'\n', %al
	mov	$0x3f8, %dx
	outb	%al, %dx
	movzbl	0x1e8(%rbx), %eax	/* e820_entries */
	jmp	done
fail:
	mov	$0xff, %eax
done:
	mov	$0xf4, %dx
	outl	%eax, %dx
1:	hlt
	jmp	1b

puts:
	mov	$0x3f8, %dx
2:	lodsb
	test	%al, %al
	jz	3f
	outb	%al, %dx
	jmp	2b
3:	ret

msg:	.asciz	"bzImage 64-bit entry, cmdline: "
pm_end:
