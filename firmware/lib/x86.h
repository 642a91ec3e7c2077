/* Thin wrappers around x86 instructions: port I/O, CPUID, MSRs, TSC, control registers. */
#ifndef FW_X86_H
#define FW_X86_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define barrier() asm volatile("" ::: "memory")

static inline void outb(uint16_t port, uint8_t v)
{
	asm volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	asm volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	asm volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	asm volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

struct cpuid_regs {
	uint32_t eax, ebx, ecx, edx;
};

static inline struct cpuid_regs cpuid_count(uint32_t leaf, uint32_t subleaf)
{
	struct cpuid_regs r;

	asm volatile("cpuid"
		     : "=a"(r.eax), "=b"(r.ebx), "=c"(r.ecx), "=d"(r.edx)
		     : "a"(leaf), "c"(subleaf));
	return r;
}

static inline struct cpuid_regs cpuid(uint32_t leaf)
{
	return cpuid_count(leaf, 0);
}

static inline uint64_t rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	asm volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void wrmsr(uint32_t msr, uint64_t val)
{
	asm volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		     : "memory");
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* RDTSCP also returns IA32_TSC_AUX (SDM Vol. 2B "RDTSCP"); #UD if CPUID.80000001h:EDX[27]
 * is clear. */
static inline uint64_t rdtscp(uint32_t *aux)
{
	uint32_t lo, hi, c;

	asm volatile("rdtscp" : "=a"(lo), "=d"(hi), "=c"(c));
	if (aux)
		*aux = c;
	return (uint64_t)hi << 32 | lo;
}

static inline void cpu_relax(void)
{
	asm volatile("pause" ::: "memory");
}

static inline void cli(void)
{
	asm volatile("cli" ::: "memory");
}

static inline void sti(void)
{
	asm volatile("sti" ::: "memory");
}

/* Opens an interrupt window: pending interrupts are taken, then IF is cleared again. The
 * port 0x80 write (the classic I/O delay) is a VM exit inside the window: on a host whose
 * KVM emulates ring-0 code it only injects a pending interrupt at VM entry, so a window of
 * NOPs alone may never let it in; after the exit KVM re-enters with IF=1 and delivers it. */
static inline void irq_window(void)
{
	asm volatile("sti; outb %%al, $0x80; nop; nop; cli" ::"a"(0) : "memory");
}

static inline void hlt(void)
{
	asm volatile("hlt" ::: "memory");
}

/* STI's one-instruction interrupt shadow (SDM Vol. 2B "STI") makes "sti; hlt" atomic: an
 * interrupt that became pending before the STI wakes the HLT instead of being lost. */
static inline void safe_halt(void)
{
	asm volatile("sti; hlt" ::: "memory");
}

static inline uint64_t read_cr0(void)
{
	uint64_t v;

	asm volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr2(void)
{
	uint64_t v;

	asm volatile("mov %%cr2, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr3(void)
{
	uint64_t v;

	asm volatile("mov %%cr3, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_cr4(void)
{
	uint64_t v;

	asm volatile("mov %%cr4, %0" : "=r"(v));
	return v;
}

static inline uint64_t read_rflags(void)
{
	uint64_t v;

	asm volatile("pushfq; popq %0" : "=r"(v));
	return v;
}

#define X86_RFLAGS_IF		(1u << 9)

/* CPUID feature bits used by the library (SDM Vol. 2A Table 3-10/3-11, "CPUID"). */
#define CPUID_1_ECX_X2APIC	(1u << 21)
#define CPUID_1_ECX_HYPERVISOR	(1u << 31)
#define CPUID_80000001_EDX_RDTSCP (1u << 27)

#define MSR_IA32_APIC_BASE	0x0000001B
#define MSR_IA32_TSC		0x00000010
#define MSR_IA32_TSC_AUX	0xC0000103

#endif
