/* rawkvm: the limit every enlight figure is compared with. A minimal KVM user of its own
 * (none of enlight's code): one vCPU in 64-bit mode set up from the host, the loops of
 * bench/bench_loops.h copied into guest memory, and an exit handler that does nothing
 * (KVM_EXIT_IO, KVM_EXIT_MMIO and the filtered-MSR exits just resume the guest).
 *
 *   rawkvm N REPS     run each loop REPS times with N iterations and print
 *                     "BENCH <loop> <n> <cycles>" lines (TSC cycles, measured in the guest)
 *
 *   rawkvm first      the start-up limit: set up, run one OUT, write "!" to stdout, exit
 *   rawkvm timer PERIOD_US SECS
 *                     the host's own limit for a periodic timer: a plain thread (timer
 *                     slack 1 ns, as enlight's stimer thread) sleeps to absolute
 *                     CLOCK_MONOTONIC deadlines PERIOD_US apart; prints
 *                     "BENCH timer_late_ns <count> <mean lateness ns>"
 *
 * Exit status 0, 1 on bad usage, 2 on a KVM error; 77 (the automake "skip" status) when
 * /dev/kvm cannot be opened. A 60 s alarm is the watchdog.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "bench/bench_loops.h"

#define MEM_SIZE	0x200000ull	/* 2 MiB of RAM at guest-physical 0 */
#define PML4_GPA	0x1000ull
#define PDPT_GPA	0x2000ull
#define PD_GPA		0x3000ull	/* four page directories: 4 GiB of 2 MiB pages */
#define GDT_GPA		0x7000ull
#define DONE_GPA	0x8000ull	/* return address of every loop: OUT to DONE_PORT */
#define DONE_PORT	0xF4u		/* (a HLT would not exit: the in-kernel LAPIC handles it) */
#define HCALL_GPA	0x9000ull	/* the hypercall page */
#define IDT_GPA		0xA000ull
#define POST_IN_GPA	0xB000ull	/* HvPostMessage input (contents unused here) */
#define SLOT_GPA	0xC000ull	/* stands in for the SynIC message slot bench_isr_msg frees */
#define CODE_GPA	0x10000ull
#define STATUS_GPA	0x7f000ull
#define STACK_TOP	0x80000ull

/* The same numbers as the enlight payload (firmware/bench_exits.c). */
#define PORT_POST	0x80u		/* POST code port */
#define ECAM_BASE	0xB0000000ull	/* q35 PCIe ECAM (not RAM here: every read exits) */
#define MSR_TIME_REF	0x40000020u	/* HV_X64_MSR_TIME_REF_COUNT, TLFS "Timers" */
#define HV_MSR_BASE	0x40000000u
#define HCALL_SIGNAL_EVENT_FAST 0x1005Dull /* HvSignalEvent (0x5D) | fast (bit 16) */
#define BENCH_EVT_CONN	5u		/* bench_exits' event connection (same register value) */
#define HCALL_POST_MESSAGE 0x5Cull	/* HvPostMessage, slow */
#define HCALL_PORT	0xECu		/* the stub's OUT port (HV_HCALL_PORT) */
#define MSG_VEC		0xB2u		/* bench_exits' message SINT vector */
#define MSR_APIC_BASE	0x1Bu		/* Intel SDM Vol. 3A §11.4.4: EN bit 11, EXTD bit 10, BSP bit 8 */
#define APIC_BASE_X2APIC (0xFEE00000ull | (1ull << 11) | (1ull << 10) | (1ull << 8))
#define APIC_REG_SVR	0xF0u		/* §11.9: bit 8 = APIC software enable */

/* Intel SDM Vol. 3A §4.5: PTE bits; §2.5 CR0/CR4; EFER LME/LMA. */
#define PTE_P	1ull
#define PTE_W	2ull
#define PTE_PS	0x80ull

/* enlight's hypercall page stub (hyperv/hv_msr.h): out %eax, $0xEC; ret. */
static const uint8_t hcall_stub[] = { 0xE7, HCALL_PORT, 0xC3 };

struct raw {
	int kvm, vm, vcpu;
	bool msi_on_hcall;	/* the post loop: the hypercall exit sends the message's MSI */
	struct kvm_run *run;
	uint8_t *mem;
};

static int die(const char *what)
{
	fprintf(stderr, "rawkvm: %s: %s\n", what, strerror(errno));
	return -1;
}

static int setup_cpuid(struct raw *r)
{
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + 256 * sizeof(c->entries[0]));
	int ret = 0;

	if (!c)
		return die("calloc");
	c->nent = 256;
	/* Long mode needs CPUID.80000001h:EDX.LM in the guest's CPUID (KVM checks EFER). */
	if (ioctl(r->kvm, KVM_GET_SUPPORTED_CPUID, c) < 0 || ioctl(r->vcpu, KVM_SET_CPUID2, c) < 0)
		ret = die("KVM_GET_SUPPORTED_CPUID/KVM_SET_CPUID2");
	free(c);
	return ret;
}

/* MSRs 0x40000000-0x400000FF exit to user space (KVM_CAP_X86_USER_SPACE_MSR + filter). */
static int setup_msr_filter(struct raw *r)
{
	static uint8_t deny[256 / 8];
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
				      .args = { KVM_MSR_EXIT_REASON_FILTER } };
	struct kvm_msr_filter f = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };

	f.ranges[0] = (struct kvm_msr_filter_range){ .flags = KVM_MSR_FILTER_READ |
							      KVM_MSR_FILTER_WRITE,
						     .nmsrs = 256, .base = HV_MSR_BASE,
						     .bitmap = deny };
	if (ioctl(r->vm, KVM_ENABLE_CAP, &cap) < 0 || ioctl(r->vm, KVM_X86_SET_MSR_FILTER, &f) < 0)
		return die("user-space MSR exits");
	return 0;
}

static void setup_memory_image(struct raw *r)
{
	uint64_t *pml4 = (uint64_t *)(r->mem + PML4_GPA);
	uint64_t *pdpt = (uint64_t *)(r->mem + PDPT_GPA);
	uint64_t *pd = (uint64_t *)(r->mem + PD_GPA);
	uint64_t *gdt = (uint64_t *)(r->mem + GDT_GPA);

	pml4[0] = PDPT_GPA | PTE_P | PTE_W;
	for (unsigned i = 0; i < 4; i++)
		pdpt[i] = (PD_GPA + i * 0x1000) | PTE_P | PTE_W;
	for (unsigned i = 0; i < 4 * 512; i++)
		pd[i] = ((uint64_t)i << 21) | PTE_P | PTE_W | PTE_PS;
	gdt[1] = 0x00af9b000000ffffull; /* 64-bit code */
	gdt[2] = 0x00cf93000000ffffull; /* data */
	gdt[3] = 0x00008b0000000067ull; /* busy 64-bit TSS at 0 */
	r->mem[DONE_GPA] = 0xE6; /* out %al, $DONE_PORT */
	r->mem[DONE_GPA + 1] = DONE_PORT;
	r->mem[DONE_GPA + 2] = 0xF4; /* hlt (not reached) */
	memcpy(r->mem + HCALL_GPA, hcall_stub, sizeof(hcall_stub));
	memcpy(r->mem + CODE_GPA, bench_loops_start, (size_t)(bench_loops_end - bench_loops_start));
	/* The message vector's interrupt gate (§6.14.1: present, DPL 0, 64-bit, selector 8). */
	{
		uint64_t isr = CODE_GPA + (uint64_t)((const char *)bench_isr_msg - bench_loops_start);
		uint64_t *gate = (uint64_t *)(r->mem + IDT_GPA + MSG_VEC * 16);
		uint64_t slot = SLOT_GPA;

		gate[0] = (isr & 0xFFFF) | (0x08ull << 16) | (0x8Eull << 40) |
			  ((isr >> 16 & 0xFFFF) << 48);
		gate[1] = isr >> 32;
		memcpy(r->mem + CODE_GPA + ((const char *)&bench_isr_slot - bench_loops_start),
		       &slot, sizeof(slot));
	}
}

static uint64_t raw_isr_count(const struct raw *r)
{
	uint64_t v;

	memcpy(&v, r->mem + CODE_GPA + ((const char *)&bench_isr_count - bench_loops_start),
	       sizeof(v));
	return v;
}

/* The in-kernel LAPIC in x2APIC mode and software-enabled, as bench_exits has it. */
static int setup_apic(struct raw *r)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e = { .index = MSR_APIC_BASE, .data = APIC_BASE_X2APIC } };
	struct kvm_lapic_state st;
	uint32_t svr = 0x1FF;

	if (ioctl(r->vcpu, KVM_SET_MSRS, &m) != 1)
		return die("KVM_SET_MSRS(IA32_APIC_BASE: x2APIC)");
	if (ioctl(r->vcpu, KVM_GET_LAPIC, &st) < 0)
		return die("KVM_GET_LAPIC");
	memcpy(st.regs + APIC_REG_SVR, &svr, sizeof(svr));
	if (ioctl(r->vcpu, KVM_SET_LAPIC, &st) < 0)
		return die("KVM_SET_LAPIC");
	return 0;
}

static int setup_sregs(struct raw *r)
{
	struct kvm_sregs s;
	struct kvm_segment code = { .base = 0, .limit = 0xffffffff, .selector = 0x08, .type = 11,
				    .present = 1, .s = 1, .l = 1, .g = 1 };
	struct kvm_segment data = { .base = 0, .limit = 0xffffffff, .selector = 0x10, .type = 3,
				    .present = 1, .s = 1, .db = 1, .g = 1 };

	if (ioctl(r->vcpu, KVM_GET_SREGS, &s) < 0)
		return die("KVM_GET_SREGS");
	s.cs = code;
	s.ds = s.es = s.fs = s.gs = s.ss = data;
	s.tr = (struct kvm_segment){ .selector = 0x18, .limit = 0x67, .type = 11, .present = 1 };
	s.gdt.base = GDT_GPA;
	s.gdt.limit = 4 * 8 - 1;
	s.idt.base = IDT_GPA;
	s.idt.limit = 256 * 16 - 1;
	s.cr3 = PML4_GPA;
	s.cr4 = 0x20;				/* PAE */
	s.cr0 = 0x80000001 | 0x10000 | 0x20;	/* PG | PE | WP | NE */
	s.efer = 0x500;				/* LME | LMA */
	if (ioctl(r->vcpu, KVM_SET_SREGS, &s) < 0)
		return die("KVM_SET_SREGS");
	return 0;
}

static int raw_open(struct raw *r)
{
	struct kvm_userspace_memory_region region = { .slot = 0, .guest_phys_addr = 0,
						      .memory_size = MEM_SIZE };
	int size;

	r->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (r->kvm < 0) {
		fprintf(stderr, "rawkvm: SKIP: cannot open /dev/kvm: %s\n", strerror(errno));
		return 77;
	}
	r->vm = ioctl(r->kvm, KVM_CREATE_VM, 0);
	if (r->vm < 0)
		return die("KVM_CREATE_VM");
	r->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (r->mem == MAP_FAILED)
		return die("mmap guest memory");
	region.userspace_addr = (uintptr_t)r->mem;
	if (ioctl(r->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return die("KVM_SET_USER_MEMORY_REGION");
	if (ioctl(r->vm, KVM_CREATE_IRQCHIP, 0) < 0)
		return die("KVM_CREATE_IRQCHIP");
	if (setup_msr_filter(r))
		return -1;
	r->vcpu = ioctl(r->vm, KVM_CREATE_VCPU, 0);
	if (r->vcpu < 0)
		return die("KVM_CREATE_VCPU");
	size = ioctl(r->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	r->run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, r->vcpu, 0);
	if (r->run == MAP_FAILED)
		return die("mmap kvm_run");
	setup_memory_image(r);
	if (setup_cpuid(r) || setup_sregs(r) || setup_apic(r))
		return -1;
	return 0;
}

/* Call fn(a0, a1, a2, a3, a4) in the guest; returns its RAX or -1 after a message. */
static int raw_call(struct raw *r, const void *fn, uint64_t a0, uint64_t a1, uint64_t a2,
		    uint64_t a3, uint64_t a4, uint64_t *ret)
{
	struct kvm_regs regs = { 0 };

	*(uint64_t *)(r->mem + STACK_TOP - 8) = DONE_GPA;
	regs.rip = CODE_GPA + (uint64_t)((const char *)fn - bench_loops_start);
	regs.rsp = STACK_TOP - 8;
	regs.rflags = 2;
	regs.rdi = a0;
	regs.rsi = a1;
	regs.rdx = a2;
	regs.rcx = a3;
	regs.r8 = a4;
	if (ioctl(r->vcpu, KVM_SET_REGS, &regs) < 0)
		return die("KVM_SET_REGS");
	for (;;) {
		if (ioctl(r->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			return die("KVM_RUN");
		}
		/* The handler that does nothing: resume on every exit the loops cause. */
		switch (r->run->exit_reason) {
		case KVM_EXIT_IO:
			if (r->run->io.port == DONE_PORT)
				break;
			if (r->msi_on_hcall && r->run->io.port == HCALL_PORT) {
				struct kvm_msi msi = { .address_lo = 0xFEE00000u, .data = MSG_VEC };

				if (ioctl(r->vm, KVM_SIGNAL_MSI, &msi) < 0)
					return die("KVM_SIGNAL_MSI");
			}
			continue;
		case KVM_EXIT_MMIO:
			continue;
		case KVM_EXIT_X86_RDMSR:
			r->run->msr.data = 0;
			r->run->msr.error = 0;
			continue;
		default:
			fprintf(stderr, "rawkvm: unexpected exit reason %u\n", r->run->exit_reason);
			return -1;
		}
		break;
	}
	if (ioctl(r->vcpu, KVM_GET_REGS, &regs) < 0)
		return die("KVM_GET_REGS");
	*ret = regs.rax;
	return 0;
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int timer_baseline(unsigned long period_us, unsigned long secs)
{
	uint64_t start, late = 0, count = secs * 1000000ull / period_us;

	prctl(PR_SET_TIMERSLACK, 1ul, 0, 0, 0);
	start = mono_ns();
	for (uint64_t i = 1; i <= count; i++) {
		uint64_t due = start + i * period_us * 1000ull;
		struct timespec ts = { (time_t)(due / 1000000000ull), (long)(due % 1000000000ull) };

		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
			;
		late += mono_ns() - due;
	}
	printf("BENCH timer_late_ns %llu %llu\n", (unsigned long long)count,
	       (unsigned long long)(count ? late / count : 0));
	return 0;
}

int main(int argc, char **argv)
{
	const struct {
		const char *name;
		const void *fn;
		uint64_t a1, a2, a3, a4;
		bool msi;
	} loops[] = {
		{ "pio_out", (const void *)bench_loop_out, PORT_POST, 0, 0, 0, false },
		{ "mmio_read", (const void *)bench_loop_mmio_read, ECAM_BASE, 0, 0, 0, false },
		{ "msr_read", (const void *)bench_loop_rdmsr, MSR_TIME_REF, 0, 0, 0, false },
		{ "hcall_signal_fast", (const void *)bench_loop_hcall, HCALL_GPA,
		  HCALL_SIGNAL_EVENT_FAST, STATUS_GPA, BENCH_EVT_CONN, false },
		{ "post_to_sint", (const void *)bench_loop_post, HCALL_GPA, HCALL_POST_MESSAGE,
		  STATUS_GPA, POST_IN_GPA, true },
	};
	struct raw r = { .kvm = -1 };
	unsigned long n, reps;
	uint64_t cycles;
	int st;

	if (argc == 4 && !strcmp(argv[1], "timer") && strtoul(argv[2], NULL, 0) &&
	    strtoul(argv[3], NULL, 0))
		return timer_baseline(strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0));
	if (argc == 2 && !strcmp(argv[1], "first")) {
		st = raw_open(&r);
		if (st)
			return st == 77 ? 77 : 2;
		if (raw_call(&r, (const void *)bench_loop_out, 1, PORT_POST, 0, 0, 0, &cycles) ||
		    write(1, "!", 1) != 1)
			return 2;
		return 0;
	}
	if (argc != 3 || (n = strtoul(argv[1], NULL, 0)) == 0 ||
	    (reps = strtoul(argv[2], NULL, 0)) == 0) {
		fprintf(stderr, "usage: rawkvm N REPS (N iterations per loop, N >= 1)\n"
				"       rawkvm first | rawkvm timer PERIOD_US SECS\n");
		return 1;
	}
	alarm(60);
	st = raw_open(&r);
	if (st)
		return st == 77 ? 77 : 2;
	st = ioctl(r.vcpu, KVM_GET_TSC_KHZ, 0);
	if (st > 0)
		printf("BENCH tsc_khz 1 %d\n", st);
	for (unsigned long rep = 0; rep < reps; rep++) {
		for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
			uint64_t isr0 = raw_isr_count(&r);

			r.msi_on_hcall = loops[i].msi;
			if (raw_call(&r, loops[i].fn, n, loops[i].a1, loops[i].a2, loops[i].a3,
				     loops[i].a4, &cycles))
				return 2;
			if (loops[i].msi && raw_isr_count(&r) - isr0 != n) {
				fprintf(stderr, "rawkvm: %s: %llu of %lu interrupts taken\n",
					loops[i].name,
					(unsigned long long)(raw_isr_count(&r) - isr0), n);
				return 2;
			}
			printf("BENCH %s %lu %llu\n", loops[i].name, n, (unsigned long long)cycles);
		}
	}
	return 0;
}
