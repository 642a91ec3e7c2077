/* rawkvm: the limit every enlight figure is compared with. A minimal KVM user of its own
 * (none of enlight's code): one vCPU in 64-bit mode set up from the host, the loops of
 * bench/bench_loops.h copied into guest memory, and an exit handler that does nothing
 * (KVM_EXIT_IO, KVM_EXIT_MMIO and the filtered-MSR exits just resume the guest).
 *
 *   rawkvm N REPS     run each loop REPS times with N iterations and print
 *                     "BENCH <loop> <n> <cycles>" lines (TSC cycles, measured in the guest)
 *
 * Exit status 0, 1 on bad usage, 2 on a KVM error; 77 (the automake "skip" status) when
 * /dev/kvm cannot be opened. A 60 s alarm is the watchdog.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/bench_loops.h"

#define MEM_SIZE	0x200000ull	/* 2 MiB of RAM at guest-physical 0 */
#define PML4_GPA	0x1000ull
#define PDPT_GPA	0x2000ull
#define PD_GPA		0x3000ull	/* four page directories: 4 GiB of 2 MiB pages */
#define GDT_GPA		0x7000ull
#define HLT_GPA		0x8000ull	/* return address of every loop */
#define HCALL_GPA	0x9000ull	/* the hypercall page */
#define CODE_GPA	0x10000ull
#define STATUS_GPA	0x7f000ull
#define STACK_TOP	0x80000ull

/* The same numbers as the enlight payload (firmware/bench_exits.c). */
#define PORT_POST	0x80u		/* POST code port */
#define ECAM_BASE	0xB0000000ull	/* q35 PCIe ECAM (not RAM here: every read exits) */
#define MSR_TIME_REF	0x40000020u	/* HV_X64_MSR_TIME_REF_COUNT, TLFS "Timers" */
#define HV_MSR_BASE	0x40000000u
#define HCALL_SIGNAL_EVENT_FAST 0x1005Dull /* HvSignalEvent (0x5D) | fast (bit 16) */

/* Intel SDM Vol. 3A §4.5: PTE bits; §2.5 CR0/CR4; EFER LME/LMA. */
#define PTE_P	1ull
#define PTE_W	2ull
#define PTE_PS	0x80ull

/* enlight's hypercall page stub (hyperv/hv_msr.h): out %eax, $0xE8; ret. */
static const uint8_t hcall_stub[] = { 0xE7, 0xE8, 0xC3 };

struct raw {
	int kvm, vm, vcpu;
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
	r->mem[HLT_GPA] = 0xF4; /* hlt */
	memcpy(r->mem + HCALL_GPA, hcall_stub, sizeof(hcall_stub));
	memcpy(r->mem + CODE_GPA, bench_loops_start, (size_t)(bench_loops_end - bench_loops_start));
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
	if (setup_cpuid(r) || setup_sregs(r))
		return -1;
	return 0;
}

/* Call fn(a0, a1, a2, a3) in the guest; returns its RAX or -1 after a message. */
static int raw_call(struct raw *r, const void *fn, uint64_t a0, uint64_t a1, uint64_t a2,
		    uint64_t a3, uint64_t *ret)
{
	struct kvm_regs regs = { 0 };

	*(uint64_t *)(r->mem + STACK_TOP - 8) = HLT_GPA;
	regs.rip = CODE_GPA + (uint64_t)((const char *)fn - bench_loops_start);
	regs.rsp = STACK_TOP - 8;
	regs.rflags = 2;
	regs.rdi = a0;
	regs.rsi = a1;
	regs.rdx = a2;
	regs.rcx = a3;
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
		case KVM_EXIT_MMIO:
			continue;
		case KVM_EXIT_X86_RDMSR:
			r->run->msr.data = 0;
			r->run->msr.error = 0;
			continue;
		case KVM_EXIT_HLT:
			break;
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

int main(int argc, char **argv)
{
	const struct {
		const char *name;
		const void *fn;
		uint64_t a1, a2, a3;
	} loops[] = {
		{ "pio_out", (const void *)bench_loop_out, PORT_POST, 0, 0 },
		{ "mmio_read", (const void *)bench_loop_mmio_read, ECAM_BASE, 0, 0 },
		{ "msr_read", (const void *)bench_loop_rdmsr, MSR_TIME_REF, 0, 0 },
		{ "hcall_signal_fast", (const void *)bench_loop_hcall, HCALL_GPA,
		  HCALL_SIGNAL_EVENT_FAST, STATUS_GPA },
	};
	struct raw r = { .kvm = -1 };
	unsigned long n, reps;
	uint64_t cycles;
	int st;

	if (argc != 3 || (n = strtoul(argv[1], NULL, 0)) == 0 ||
	    (reps = strtoul(argv[2], NULL, 0)) == 0) {
		fprintf(stderr, "usage: rawkvm N REPS (N iterations per loop, N >= 1)\n");
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
			if (raw_call(&r, loops[i].fn, n, loops[i].a1, loops[i].a2, loops[i].a3,
				     &cycles))
				return 2;
			printf("BENCH %s %lu %llu\n", loops[i].name, n, (unsigned long long)cycles);
		}
	}
	return 0;
}
