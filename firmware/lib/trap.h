/* IDT, exception handling with fix-ups, interrupt handlers for vectors 32..255.
 *
 * Expected faults: an instruction listed in the .fw_extable section (FW_EXTABLE) that
 * raises an exception resumes at its landing address with the vector in RDI and the
 * error code in RSI; rdmsr_safe()/wrmsr_safe() are built on it. Any other exception
 * prints "unexpected exception <vec> at rip <x> err <code>" and exits with FW_EXIT_CRASH.
 */
#ifndef FW_TRAP_H
#define FW_TRAP_H

#include <stdint.h>

/* Layout pushed by lib/isr.S (registers) and the CPU (SDM Vol. 3A §6.14.1). */
struct trap_frame {
	uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
	uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
	uint64_t vector, error;
	uint64_t rip, cs, rflags, rsp, ss;
};

typedef void (*irq_handler_t)(struct trap_frame *frame);

/* Exception vectors (SDM Vol. 3A Table 6-1). */
#define X86_DE	0
#define X86_DB	1
#define X86_NMI	2
#define X86_BP	3
#define X86_UD	6
#define X86_DF	8
#define X86_GP	13
#define X86_PF	14
#define X86_MC	18

#define FW_VEC_FIRST_IRQ 32
#define FW_VEC_SPURIOUS	0xFF	/* local APIC spurious vector (lib/apic.c) */
#define FW_VEC_WAKE	0xFE	/* IPI that wakes an idle AP (lib/smp.c) */

void trap_init(void);	/* BSP: builds the IDT and loads it */
void trap_load(void);	/* APs: load the shared IDT */

/* Installs (or with NULL removes) the handler for vector 32..255. The handler runs with
 * interrupts disabled and must call apic_eoi() itself for APIC-delivered interrupts.
 * Returns 0 or -1 for a vector out of range. */
int irq_set_handler(unsigned vector, irq_handler_t fn);
/* Point vector's gate straight at entry (raw code, entered with interrupts off, ends in
 * IRETQ or jumps on); returns the library's stub for the vector (it calls the handler set
 * with irq_set_handler), or NULL for an exception vector. */
const void *irq_set_gate(unsigned vector, const void *entry);

/* Record "if the instruction at label fault faults, continue at label resume". */
#define FW_EXTABLE(fault, resume)				\
	".pushsection .fw_extable, \"a\"\n\t"			\
	".balign 8\n\t"						\
	".quad " fault ", " resume "\n\t"			\
	".popsection\n\t"

/* Returns 0, or the exception vector (X86_GP for a refused MSR). */
static inline int rdmsr_safe(uint32_t msr, uint64_t *val)
{
	uint32_t lo = 0, hi = 0;
	uint64_t vec = 0;

	asm volatile("1: rdmsr\n2:\n\t" FW_EXTABLE("1b", "2b")
		     : "+a"(lo), "+d"(hi), "+D"(vec) : "c"(msr) : "rsi", "memory");
	*val = (uint64_t)hi << 32 | lo;
	return (int)vec;
}

static inline int wrmsr_safe(uint32_t msr, uint64_t val)
{
	uint64_t vec = 0;

	asm volatile("1: wrmsr\n2:\n\t" FW_EXTABLE("1b", "2b")
		     : "+D"(vec)
		     : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32))
		     : "rsi", "memory");
	return (int)vec;
}

#endif
