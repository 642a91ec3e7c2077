/* The timed guest loops, shared byte for byte by the firmware payloads (firmware/bench_*.c)
 * and bench/rawkvm.c, so that enlight and the raw KVM baseline run identical guest
 * instructions: on the restricted host KVM guest code is emulated (~0.5 µs an instruction),
 * so even the loop's own dec/jnz must be the same on both sides.
 *
 * Each loop is a position-independent leaf function with the SysV calling convention
 * (rawkvm copies the bytes between bench_loops_start and bench_loops_end into its guest
 * and enters them with the arguments in registers and a return address that points at an
 * OUT to its "done" port). It returns the TSC cycles its n iterations took, bracketed by RDTSC (Intel SDM
 * Vol. 2B "RDTSC"; LFENCE orders it after the preceding instructions). n must be >= 1.
 */
#ifndef BENCH_LOOPS_H
#define BENCH_LOOPS_H

#include <stdint.h>

/* One exit per iteration, as KVM_EXIT_IO: OUT AL to port (AL = 0). */
uint64_t bench_loop_out(uint64_t n, uint64_t port);
/* One exit per iteration, as KVM_EXIT_MMIO: a 4-byte read of the guest-physical addr. */
uint64_t bench_loop_mmio_read(uint64_t n, uint64_t addr);
/* One exit per iteration, as KVM_EXIT_X86_RDMSR: RDMSR of msr. */
uint64_t bench_loop_rdmsr(uint64_t n, uint64_t msr);
/* A call through the hypercall page at page with RCX = control, RDX = R8 = input (a fast
 * call's input: for HvSignalEvent the connection ID), TLFS "Hypercall Interface". The last
 * call's RAX is stored at *status (a guest-virtual = guest-physical address). */
uint64_t bench_loop_hcall(uint64_t n, uint64_t page, uint64_t control, uint64_t *status,
			  uint64_t input);
/* n HvPostMessage round trips through the hypercall page: each is STI; CALL page with
 * RCX = control, RDX = R8 = input (the input block's GPA); CLI. The VMM's answer to the
 * call's exit makes KVM inject the message's interrupt when it re-enters the guest, so
 * bench_isr_msg runs inside the call: the time covers post, delivery, handler and IRETQ.
 * The last status is stored at *status. */
uint64_t bench_loop_post(uint64_t n, uint64_t page, uint64_t control, uint64_t *status,
			 uint64_t input);
/* The message interrupt's handler, entered straight from the IDT (no dispatch code): counts
 * in bench_isr_count, frees the SynIC message slot at bench_isr_slot (its MessageType,
 * TLFS "SynIC Message Flags"; EOM only when MessagePending is set), x2APIC EOI (MSR 0x80B,
 * Intel SDM Vol. 3A §11.12.1), IRETQ. Both variables live inside the copied bytes. */
void bench_isr_msg(void);
extern uint64_t bench_isr_count, bench_isr_slot;

/* Start: LFENCE; RDTSC into R10 (RDX:RAX joined). End: the same, minus R10, in RAX. */
#define BENCH_TSC_START "lfence; rdtsc; shl $32, %rdx; or %rdx, %rax; mov %rax, %r10\n"
#define BENCH_TSC_END   "lfence; rdtsc; shl $32, %rdx; or %rdx, %rax; sub %r10, %rax; ret\n"

asm(".pushsection .text\n"
    ".balign 16\n"
    ".globl bench_loops_start\n"
    "bench_loops_start:\n"

    ".globl bench_loop_out\n"
    "bench_loop_out:\n"
    BENCH_TSC_START
    "mov %rsi, %rdx\n"
    "xor %eax, %eax\n"
    "1: outb %al, %dx\n"
    "dec %rdi\n"
    "jnz 1b\n"
    BENCH_TSC_END

    ".globl bench_loop_mmio_read\n"
    "bench_loop_mmio_read:\n"
    BENCH_TSC_START
    "1: movl (%rsi), %eax\n"
    "dec %rdi\n"
    "jnz 1b\n"
    BENCH_TSC_END

    ".globl bench_loop_rdmsr\n"
    "bench_loop_rdmsr:\n"
    BENCH_TSC_START
    "mov %esi, %ecx\n"
    "1: rdmsr\n"
    "dec %rdi\n"
    "jnz 1b\n"
    BENCH_TSC_END

    ".globl bench_loop_hcall\n"
    "bench_loop_hcall:\n"
    "mov %rdx, %r9\n"
    "mov %rcx, %r11\n"
    BENCH_TSC_START
    "1: mov %r9, %rcx\n"
    "mov %r8, %rdx\n"
    "call *%rsi\n"
    "dec %rdi\n"
    "jnz 1b\n"
    "mov %rax, (%r11)\n"
    BENCH_TSC_END

    ".globl bench_loop_post\n"
    "bench_loop_post:\n"
    "mov %rdx, %r9\n"
    "mov %rcx, %r11\n"
    BENCH_TSC_START
    "1: mov %r9, %rcx\n"
    "mov %r8, %rdx\n"
    "sti\n"
    "call *%rsi\n"
    "cli\n"
    "dec %rdi\n"
    "jnz 1b\n"
    "mov %rax, (%r11)\n"
    BENCH_TSC_END

    ".globl bench_isr_msg\n"
    "bench_isr_msg:\n"
    "push %rax\n"
    "push %rcx\n"
    "push %rdx\n"
    "incq bench_isr_count(%rip)\n"
    "mov bench_isr_slot(%rip), %rax\n"
    "movl $0, (%rax)\n"
    "mfence\n"
    "testb $1, 5(%rax)\n"
    "jz 2f\n"
    "mov $0x40000084, %ecx\n"	/* HV_X64_MSR_EOM */
    "xor %eax, %eax\n"
    "xor %edx, %edx\n"
    "wrmsr\n"
    "2: mov $0x80b, %ecx\n"	/* x2APIC EOI */
    "xor %eax, %eax\n"
    "xor %edx, %edx\n"
    "wrmsr\n"
    "pop %rdx\n"
    "pop %rcx\n"
    "pop %rax\n"
    "iretq\n"

    ".balign 8\n"
    ".globl bench_isr_count\n"
    "bench_isr_count: .quad 0\n"
    ".globl bench_isr_slot\n"
    "bench_isr_slot: .quad 0\n"

    ".globl bench_loops_end\n"
    "bench_loops_end:\n"
    ".popsection\n");

extern const char bench_loops_start[], bench_loops_end[];

#endif
