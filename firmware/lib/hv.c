/* Hyper-V guest helpers (see hv.h). */
#include "hv.h"
#include "trap.h"
#include "x86.h"

struct hv_pages {
	uint8_t hypercall[HV_PAGE_SIZE];
	uint8_t in[HV_PAGE_SIZE];
	uint8_t out[HV_PAGE_SIZE];
};

static struct hv_pages hv_pages __attribute__((aligned(HV_PAGE_SIZE)));

bool hv_present(void)
{
	return (cpuid(1).ecx & CPUID_1_ECX_HYPERVISOR) &&
	       cpuid(HV_CPUID_VENDOR).eax >= HV_CPUID_LIMITS &&
	       cpuid(HV_CPUID_INTERFACE).eax == HV_INTERFACE_HV1;
}

struct cpuid_regs hv_features(void)
{
	struct cpuid_regs none = { 0, 0, 0, 0 };

	return hv_present() ? cpuid(HV_CPUID_FEATURES) : none;
}

struct cpuid_regs hv_recommendations(void)
{
	struct cpuid_regs none = { 0, 0, 0, 0 };

	return hv_present() ? cpuid(HV_CPUID_ENLIGHTENMENT) : none;
}

void *hv_hypercall_page(void)
{
	return hv_pages.hypercall;
}

void *hv_hcall_in_page(void)
{
	return hv_pages.in;
}

void *hv_hcall_out_page(void)
{
	return hv_pages.out;
}

int hv_hypercall_setup(void)
{
	uint64_t id = 0, v = 0;
	int vec;

	vec = rdmsr_safe(HV_MSR_GUEST_OS_ID, &id);
	if (!vec && !id)
		vec = wrmsr_safe(HV_MSR_GUEST_OS_ID, HV_GUEST_OS_ID_FW);
	if (!vec)
		vec = wrmsr_safe(HV_MSR_HYPERCALL,
				 (uintptr_t)hv_pages.hypercall | HV_HYPERCALL_ENABLE);
	if (!vec)
		vec = rdmsr_safe(HV_MSR_HYPERCALL, &v);
	if (vec)
		return vec;
	return (v & HV_HYPERCALL_ENABLE) ? 0 : -1;
}

/* TLFS "Hypercall Interface" x64 register convention. The page's code may clobber the
 * volatile registers of the calling convention, so they are all declared clobbered. */
uint64_t hv_hypercall(uint64_t control, uint64_t in, uint64_t out)
{
	register uint64_t r8 asm("r8") = out;
	uint64_t rax;

	asm volatile("call *%[page]"
		     : "=&a"(rax), "+c"(control), "+d"(in), "+r"(r8)
		     : [page] "r"(hv_pages.hypercall)
		     : "rsi", "rdi", "r9", "r10", "r11", "memory", "cc");
	return rax;
}

uint64_t hv_mul64hi(uint64_t a, uint64_t b)
{
	return (uint64_t)(((unsigned __int128)a * b) >> 64);
}

uint64_t hv_ref_time(const struct hv_ref_tsc_page *p, bool *from_msr)
{
	uint32_t seq;
	uint64_t scale, tsc, t;
	int64_t offset;

	for (;;) {
		seq = p->sequence;
		barrier();
		if (seq == 0)
			break;
		scale = p->scale;
		offset = p->offset;
		/* LFENCE keeps RDTSC after the loads above (SDM Vol. 2B "RDTSC"). */
		asm volatile("lfence" ::: "memory");
		tsc = rdtsc();
		barrier();
		if (p->sequence == seq) {
			*from_msr = false;
			return hv_mul64hi(tsc, scale) + (uint64_t)offset;
		}
	}
	*from_msr = true;
	if (rdmsr_safe(HV_MSR_TIME_REF_COUNT, &t))
		return 0;
	return t;
}

void hv_testdev(enum hv_testdev_ctl ctl, unsigned vp, unsigned sint, unsigned conn)
{
	outl(HV_TESTDEV_PORT, (conn & 0xFF) << 24 | ((unsigned)ctl & 0xFF) << 16 |
			      (vp & 0xFF) << 8 | (sint & 0xFF));
}
