/* IDT construction and the C side of exception/interrupt dispatch. */
#include "trap.h"
#include "console.h"
#include "exit.h"
#include "x86.h"
#include "layout.h"

#define IDT_VECTORS	256
#define ISR_STUB_SIZE	16	/* lib/isr.S */
#define IDT_TYPE_INTR	0x8E	/* present, DPL 0, 64-bit interrupt gate (SDM Vol. 3A §6.14.1) */

struct idt_entry {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __attribute__((packed));

struct idt_desc {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

struct extable_entry {
	uint64_t fault_rip;
	uint64_t resume_rip;
};

struct traps {
	struct idt_entry idt[IDT_VECTORS] __attribute__((aligned(16)));
	irq_handler_t handlers[IDT_VECTORS];
};

static struct traps traps;

extern const char isr_stubs[];
extern const struct extable_entry __extable_start[], __extable_end[];

void trap_dispatch(struct trap_frame *f);

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "CSO", "#TS", "#NP",
	"#SS", "#GP", "#PF", "15", "#MF", "#AC", "#MC", "#XM", "#VE", "#CP", "22", "23",
	"24", "25", "26", "27", "#HV", "#VC", "#SX", "31",
};

void trap_load(void)
{
	struct idt_desc d = { sizeof(traps.idt) - 1, (uint64_t)traps.idt };

	asm volatile("lidt %0" : : "m"(d));
}

static void gate_set(unsigned v, uint64_t a)
{
	traps.idt[v] = (struct idt_entry){
		.off_lo = a & 0xFFFF,
		.sel = FW_SEL_CODE64,
		.type = IDT_TYPE_INTR,
		.off_mid = (a >> 16) & 0xFFFF,
		.off_hi = a >> 32,
	};
}

void trap_init(void)
{
	for (unsigned v = 0; v < IDT_VECTORS; v++)
		gate_set(v, (uint64_t)(isr_stubs + v * ISR_STUB_SIZE));
	trap_load();
}

const void *irq_set_gate(unsigned vector, const void *entry)
{
	if (vector < FW_VEC_FIRST_IRQ || vector >= IDT_VECTORS)
		return 0;
	gate_set(vector, (uint64_t)entry);
	return isr_stubs + vector * ISR_STUB_SIZE;
}

int irq_set_handler(unsigned vector, irq_handler_t fn)
{
	if (vector < FW_VEC_FIRST_IRQ || vector >= IDT_VECTORS)
		return -1;
	__atomic_store_n(&traps.handlers[vector], fn, __ATOMIC_RELEASE);
	return 0;
}

static bool fixup(struct trap_frame *f)
{
	const struct extable_entry *e;

	for (e = __extable_start; e < __extable_end; e++) {
		if (e->fault_rip == f->rip) {
			f->rip = e->resume_rip;
			f->rdi = f->vector;
			f->rsi = f->error;
			return true;
		}
	}
	return false;
}

void trap_dispatch(struct trap_frame *f)
{
	irq_handler_t h;

	if (f->vector < FW_VEC_FIRST_IRQ) {
		if (fixup(f))
			return;
		printf_panic("unexpected exception %lu at rip 0x%lx err 0x%lx (%s)",
			     f->vector, f->rip, f->error, exception_names[f->vector]);
		if (f->vector == X86_PF)
			printf_panic(" cr2 0x%lx", read_cr2());
		printf_panic("\n  rax %016lx rbx %016lx rcx %016lx rdx %016lx\n"
			     "  rsi %016lx rdi %016lx rsp %016lx rbp %016lx\n",
			     f->rax, f->rbx, f->rcx, f->rdx, f->rsi, f->rdi, f->rsp, f->rbp);
		exit(FW_EXIT_CRASH);
	}
	h = __atomic_load_n(&traps.handlers[f->vector], __ATOMIC_ACQUIRE);
	if (h) {
		h(f);
		return;
	}
	printf_panic("unexpected interrupt %lu at rip 0x%lx\n", f->vector, f->rip);
	exit(FW_EXIT_CRASH);
}
