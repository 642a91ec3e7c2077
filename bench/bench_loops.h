/* The timed guest loops, shared byte for byte by the firmware payloads (firmware/bench_*.c)
 * and bench/rawkvm.c, so that enlight and the raw KVM baseline run identical guest
 * instructions: on the restricted host KVM guest code is emulated (~0.5 µs an instruction),
 * so even the loop's own dec/jnz must be the same on both sides.
 *
 * Each loop is a position-independent leaf function with the SysV calling convention
 * (rawkvm copies the bytes between bench_loops_start and bench_loops_end into its guest
 * and enters them with the arguments in registers and a return address that points at a
 * HLT). It returns the TSC cycles its n iterations took, bracketed by RDTSC (Intel SDM
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
/* A call through the hypercall page at page with RCX = control, RDX = R8 = 0 (a fast
 * call's input), TLFS "Hypercall Interface". The last call's RAX is stored at *status
 * (a guest-virtual = guest-physical address). */
uint64_t bench_loop_hcall(uint64_t n, uint64_t page, uint64_t control, uint64_t *status);

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
    "xor %edx, %edx\n"
    "xor %r8d, %r8d\n"
    "call *%rsi\n"
    "dec %rdi\n"
    "jnz 1b\n"
    "mov %rax, (%r11)\n"
    BENCH_TSC_END

    ".globl bench_loops_end\n"
    "bench_loops_end:\n"
    ".popsection\n");

extern const char bench_loops_start[], bench_loops_end[];

#endif
