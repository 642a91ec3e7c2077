/* hostile: an untrusted guest (issue 8). Feeds the VMM random and deliberately bad values
 * from a fixed-seed xorshift64 (cmdline seed=N) and checks only that every answer is an
 * architectural one: RDMSR/WRMSR succeed or raise #GP (Intel SDM Vol. 2B WRMSR), hypercall
 * results have their reserved bits clear and no more reps done than asked (TLFS
 * "Hypercall Interface", result value), fw_cfg DMA to memory that is not RAM reports
 * ERROR (QEMU docs/specs/fw_cfg.txt), and the devices still answer afterwards. Whatever a
 * backend implements (or not), a surviving VMM passes.
 *
 * What it does not do, because a correct VMM must then stop or reset the guest: write
 * HV_X64_MSR_RESET bit 0, CRASH_CTL CrashNotify (bit 63), the debug-exit, reset and ACPI
 * PM ports; ICR writes are forced to fixed delivery to self (no INIT/SIPI/NMI). Interrupts
 * stay disabled throughout, so storms of SINTs and timers only pend. Everything the VMM
 * may write into guest RAM (SynIC pages, TSC page, hypercall output, DMA data) points at
 * scratch pages or outside RAM, never at this image.
 */
#include "fw.h"

#ifndef ARRAY_SIZE
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#endif

#define HV_CPUID_FEATURES	0x40000003
#define HV_HYPERCALL_AVAILABLE	(1u << 5)
#define HV_MSR_GUEST_OS_ID	0x40000000
#define HV_MSR_HYPERCALL	0x40000001
#define HV_MSR_RESET		0x40000003
#define HV_MSR_ICR		0x40000071
#define HV_MSR_VP_ASSIST	0x40000073
#define HV_MSR_REF_TSC		0x40000021
#define HV_MSR_SCONTROL		0x40000080
#define HV_MSR_SIEFP		0x40000082
#define HV_MSR_SIMP		0x40000083
#define HV_MSR_EOM		0x40000084
#define HV_MSR_SINT0		0x40000090
#define HV_MSR_STIMER0_CONFIG	0x400000B0
#define HV_MSR_CRASH_CTL	0x40000105
#define HV_CRASH_NOTIFY		(1ull << 63)
/* Linux's guest OS ID layout (TLFS "Reporting the Guest OS Identity"): open source bit. */
#define GUEST_OS_ID_LINUX	0x8100000000000000ull

#define HC_FAST			(1ull << 16)
#define HC_RSVD_MASK		0xFFFFF000FFFF0000ull /* result b31:16, b63:44 */
#define HC_REPS_DONE(r)		(((r) >> 32) & 0xFFF)

#define ECAM_BASE		0xB0000000ull
#define ECAM_SIZE		0x10000000ull
#define MMIO_HOLE_END		0xFEC00000ull	/* IOAPIC: above it the in-kernel devices */
#define COM1			0x3F8
#define FWCFG_SEL		0x510
#define FWCFG_DATA		0x511
#define FWCFG_DMA_HI		0x514
#define FWCFG_DMA_LO		0x518
#define DMA_CTL_ERROR		0x01u
#define DMA_CTL_READ		0x02u

#define SCRATCH_PAGES		16
#define PAGE			4096u

struct fw_cfg_dma {
	uint32_t control, length;	/* big-endian */
	uint64_t address;
};

struct hostile {
	uint64_t rng;
	uint64_t ram_end;		/* first byte above RAM (multiboot mem_upper) */
	void *hcall;			/* enabled hypercall page, or NULL */
	unsigned msr_ok, msr_gp, msr_other;
	unsigned hc_calls, hc_bad;
	unsigned hc_status[16];		/* status histogram; [15] = anything >= 15 */
	uint32_t last_other_msr;
	int last_other_vec;
};

static struct hostile H;
static uint8_t scratch[SCRATCH_PAGES][PAGE] __attribute__((aligned(PAGE)));
static uint8_t hcall_page[PAGE] __attribute__((aligned(PAGE)));

static uint64_t rnd(void)
{
	uint64_t x = H.rng;

	/* Marsaglia, "Xorshift RNGs", J. Stat. Softw. 8(14), 2003: the 13/7/17 triple. */
	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return H.rng = x;
}

static uint64_t pa(const void *p)
{
	return (uint64_t)(uintptr_t)p;
}

/* One answer to an MSR access: 0 and #GP are architectural, anything else is not. */
static void msr_answer(uint32_t msr, int vec)
{
	if (vec == 0) {
		H.msr_ok++;
	} else if (vec == X86_GP) {
		H.msr_gp++;
	} else {
		H.msr_other++;
		H.last_other_msr = msr;
		H.last_other_vec = vec;
	}
}

/* Values that make a correct VMM stop or reset the guest are defused. */
static uint64_t defuse(uint32_t msr, uint64_t v)
{
	if (msr == HV_MSR_RESET)
		return v & ~1ull;
	if (msr == HV_MSR_CRASH_CTL)
		return v & ~HV_CRASH_NOTIFY;
	if (msr == HV_MSR_ICR) /* fixed delivery (b10:8 = 0), shorthand self (b19:18 = 01) */
		return (v & ~0xC0700ull) | 0x40000ull;
	return v;
}

static void msr_poke(uint32_t msr, uint64_t v)
{
	uint64_t back;

	msr_answer(msr, wrmsr_safe(msr, defuse(msr, v)));
	msr_answer(msr, rdmsr_safe(msr, &back));
}

static uint64_t hv_call(uint64_t control, uint64_t in, uint64_t out)
{
	register uint64_t r8 asm("r8") = out;
	uint64_t rax;

	asm volatile("call *%[page]"
		     : "=a"(rax), "+c"(control), "+d"(in), "+r"(r8)
		     : [page] "r"(H.hcall)
		     : "r9", "r10", "r11", "memory", "cc");
	return rax;
}

/* A GPA that is bad in one of the ways the TLFS lists, or (1 in 4) a scratch page. */
static uint64_t bad_gpa(void)
{
	static const uint64_t fixed[] = { 0xFEE00000, 0xFEC00000, ECAM_BASE, 0xFFFFFFFFFFFFF000,
					  1ull << 40, 1ull << 52 };
	uint64_t r = rnd();

	switch (r % 6) {
	case 0: return H.ram_end + ((r >> 8) & 0xFFFFF000);
	case 1: return pa(scratch[1]) + 1 + (r >> 8) % 7;	/* misaligned */
	case 2: return pa(scratch[1]) + PAGE - 8;		/* block crosses a page */
	case 3: return fixed[(r >> 8) % ARRAY_SIZE(fixed)];
	default: return pa(scratch[2 + (r >> 8) % 4]);
	}
}

static void hypercalls(unsigned n)
{
	static const uint16_t codes[] = { 0x0002, 0x0003, 0x0008, 0x000b, 0x0013, 0x0014, 0x0015,
					  0x0016, 0x005c, 0x005d, 0x007f, 0x0080, 0x0099,
					  0x8001, 0x8002, 0x8003, 0xffff };

	for (unsigned i = 0; i < n; i++) {
		uint64_t r = rnd(), ctl, res, in, out;
		unsigned reps, st;

		if (i % 8 == 7) {
			ctl = rnd(); /* reserved bits and all */
		} else {
			ctl = (r & 1) ? codes[(r >> 1) % ARRAY_SIZE(codes)] : (r >> 1) & 0xFFFF;
			if (r & (1ull << 20))
				ctl |= HC_FAST;
			if (r & (1ull << 21))	/* huge rep counts, any start */
				ctl |= ((r >> 24) & 0xFFF) << 32 | ((r >> 36) & 0xFFF) << 48;
			if (r & (1ull << 22))
				ctl |= ((r >> 48) & 0x3FF) << 17;	/* variable header size */
		}
		for (unsigned p = 2; p < 6; p++)
			for (unsigned k = 0; k < 8; k++)
				((uint64_t *)scratch[p])[k * 16] = rnd();
		in = (ctl & HC_FAST) ? rnd() : bad_gpa();
		out = (ctl & HC_FAST) ? rnd() : bad_gpa();
		res = hv_call(ctl, in, out);
		reps = (unsigned)(ctl >> 32) & 0xFFF;
		st = res & 0xFFFF;
		H.hc_calls++;
		H.hc_status[st < 15 ? st : 15]++;
		if ((res & HC_RSVD_MASK) || HC_REPS_DONE(res) > reps) {
			if (!H.hc_bad)
				diag("hypercall control 0x%llx in 0x%llx out 0x%llx -> 0x%llx",
				     (unsigned long long)ctl, (unsigned long long)in,
				     (unsigned long long)out, (unsigned long long)res);
			H.hc_bad++;
		}
	}
}

static void test_hypercalls(void)
{
	bool have = cpuid(HV_CPUID_FEATURES).eax & HV_HYPERCALL_AVAILABLE;

	if (!have || wrmsr_safe(HV_MSR_GUEST_OS_ID, GUEST_OS_ID_LINUX) ||
	    wrmsr_safe(HV_MSR_HYPERCALL, pa(hcall_page) | 1)) {
		skip("no hypercall page (CPUID 0x40000003 or the MSRs refuse it)",
		     "hypercall page enabled");
		skip("no hypercall page", "hypercalls answered with well-formed results");
		return;
	}
	ok(hcall_page[0] != 0, "hypercall page enabled, the VMM filled it # first byte 0x%02x",
	   hcall_page[0]);
	H.hcall = hcall_page;
	hypercalls(400);
	ok(H.hc_bad == 0,
	   "%u random hypercalls answered with well-formed results # %u malformed", H.hc_calls,
	   H.hc_bad);
	diag("hypercall statuses: 0:%u 2:%u 3:%u 4:%u 5:%u 6:%u other:%u", H.hc_status[0],
	     H.hc_status[2], H.hc_status[3], H.hc_status[4], H.hc_status[5], H.hc_status[6],
	     H.hc_calls - H.hc_status[0] - H.hc_status[2] - H.hc_status[3] - H.hc_status[4] -
		     H.hc_status[5] - H.hc_status[6]);
}

/* The overlay pages (TLFS: hypercall page, VP assist page, reference TSC page, SIMP,
 * SIEFP) pointed at MMIO and beyond RAM, enabled. */
static void test_overlays(void)
{
	static const uint32_t msrs[] = { HV_MSR_HYPERCALL, HV_MSR_VP_ASSIST, HV_MSR_REF_TSC,
					  HV_MSR_SIMP, HV_MSR_SIEFP };
	uint64_t where[] = { 0xFEE00000, 0xFEC00000, ECAM_BASE, 0xC0000000, H.ram_end,
			     H.ram_end + (1ull << 30), 1ull << 40, 0xFFFFFFFFFF000ull };
	unsigned before = H.msr_other;

	for (unsigned m = 0; m < ARRAY_SIZE(msrs); m++) {
		for (unsigned w = 0; w < ARRAY_SIZE(where); w++)
			msr_poke(msrs[m], where[w] | 1);
		msr_answer(msrs[m], wrmsr_safe(msrs[m], 0));
	}
	ok(H.msr_other == before, "overlay pages at MMIO and beyond RAM answered (ok or #GP)");
}

/* SynIC on, every SINT unmasked with a random vector, four stimers periodic at the
 * shortest period, then hundreds of random writes to the same registers. */
static void test_storm(void)
{
	unsigned before = H.msr_other;
	msr_poke(HV_MSR_SIMP, pa(scratch[6]) | 1);
	msr_poke(HV_MSR_SIEFP, pa(scratch[7]) | 1);
	msr_poke(HV_MSR_SCONTROL, 1);
	for (unsigned s = 0; s < 16; s++)
		msr_poke(HV_MSR_SINT0 + s, 16 + rnd() % 240);
	for (unsigned t = 0; t < 4; t++) {
		/* count 1 (100 ns), then enable | periodic | auto-enable | SINT t */
		msr_poke(HV_MSR_STIMER0_CONFIG + 2 * t + 1, 1);
		msr_poke(HV_MSR_STIMER0_CONFIG + 2 * t, 0xB | (uint64_t)t << 16);
	}
	pm_delay_us(5000);
	for (unsigned i = 0; i < 300; i++) {
		uint32_t msr = (i & 1) ? HV_MSR_SINT0 + (uint32_t)(rnd() % 16)
				       : HV_MSR_STIMER0_CONFIG + (uint32_t)(rnd() % 8);
		msr_poke(msr, rnd() & 0xFFFFFFFFFull);
		if (i % 50 == 0)
			msr_poke(HV_MSR_EOM, 0);
	}
	pm_delay_us(5000);
	for (unsigned t = 0; t < 4; t++)
		msr_answer(0, wrmsr_safe(HV_MSR_STIMER0_CONFIG + 2 * t, 0));
	msr_answer(0, wrmsr_safe(HV_MSR_SCONTROL, 0));
	ok(H.msr_other == before, "SINT and stimer storm answered (ok or #GP)");
}

/* Every synthetic MSR: random writes (defused), reads back. */
static void test_msr_sweep(void)
{
	static const struct {
		uint32_t first, last;
	} ranges[] = { { 0x40000000, 0x400000FF }, { 0x40000100, 0x40000108 } };
	unsigned n0 = H.msr_ok + H.msr_gp + H.msr_other;

	for (unsigned pass = 0; pass < 3; pass++)
		for (unsigned r = 0; r < ARRAY_SIZE(ranges); r++)
			for (uint32_t m = ranges[r].first; m <= ranges[r].last; m++)
				msr_poke(m, pass == 0 ? ~0ull : rnd());
	ok(H.msr_other == 0,
	   "%u accesses to Hyper-V MSRs answered ok or #GP # %u ok, %u #GP, %u other "
	   "(last: MSR 0x%x vector %d)",
	   H.msr_ok + H.msr_gp + H.msr_other - n0, H.msr_ok, H.msr_gp, H.msr_other,
	   H.last_other_msr, H.last_other_vec);
}

/* Ports with a device whose reaction would end this test (or that KVM owns). */
static bool port_reserved(uint32_t p)
{
	static const struct {
		uint16_t first, last;
	} deny[] = {
		{ 0x20, 0x21 }, { 0x40, 0x43 }, { 0x60, 0x64 }, { 0x70, 0x71 }, { 0x80, 0x80 },
		{ 0x92, 0x92 }, { 0xA0, 0xA1 }, { 0xE8, 0xFF }, { 0x3F8, 0x3FF },
		{ 0x4D0, 0x4D1 }, { 0x500, 0x51B }, { 0x600, 0x67F }, { 0xCF8, 0xCFF },
	};

	for (unsigned i = 0; i < ARRAY_SIZE(deny); i++)
		if (p >= deny[i].first && p <= deny[i].last)
			return true;
	return false;
}

static void test_ports(void)
{
	unsigned n = 0, ones = 0;

	while (n < 300) {
		uint32_t p = rnd() & 0xFFFF;
		uint64_t r = rnd();

		if (port_reserved(p) || port_reserved(p + 3))
			continue;
		n++;
		switch (r % 6) {
		case 0: outb(p, (uint8_t)(r >> 8)); break;
		case 1: outw(p, (uint16_t)(r >> 8)); break;
		case 2: outl(p, (uint32_t)(r >> 8)); break;
		case 3: ones += inb(p) == 0xFF; break;
		case 4: ones += inl(p) == 0xFFFFFFFF; break;
		default: {
			/* string I/O with a large count */
			uint64_t cnt = 1 + (r >> 8) % PAGE;
			void *buf = scratch[8];

			if (r & (1 << 20))
				asm volatile("rep insb" : "+D"(buf), "+c"(cnt) : "d"(p) : "memory");
			else
				asm volatile("rep outsb" : "+S"(buf), "+c"(cnt) : "d"(p) : "memory");
		}
		}
	}
	ok(1, "%u accesses to unassigned ports survived # %u reads were all-ones", n, ones);
}

static uint32_t ecam_read32(unsigned bdf, unsigned off)
{
	return *(volatile uint32_t *)(uintptr_t)(ECAM_BASE + ((uint64_t)bdf << 12) + off);
}

static void test_ecam(void)
{
	uint32_t mch, lpc;

	for (unsigned i = 0; i < 400; i++) {
		uint64_t r = rnd();
		unsigned bdf = (unsigned)(r >> 8) & 0xFFFF;
		unsigned off = (unsigned)(r >> 24) & 0xFFF;
		volatile uint8_t *p;
		bool core = bdf == 0 || bdf == (31 << 3);	/* MCH 00:00.0, LPC 00:1f.0 */

		if (core && (r & 1) && off >= 4)
			off &= 3;	/* writes only to their read-only IDs */
		p = (volatile uint8_t *)(uintptr_t)(ECAM_BASE + ((uint64_t)bdf << 12) + off);
		if (!(r & 1)) {
			(void)*p;
			if (!(off & 3))
				(void)*(volatile uint32_t *)p;
			if (!(off & 7))
				(void)*(volatile uint64_t *)p;
		} else if (off & 3) {
			*p = (uint8_t)(r >> 40);
		} else {
			*(volatile uint32_t *)p = (uint32_t)(r >> 32);
		}
	}
	/* Unclaimed MMIO between the ECAM window and the IOAPIC. */
	for (unsigned i = 0; i < 100; i++) {
		uint64_t a = (ECAM_BASE + ECAM_SIZE +
			      rnd() % (MMIO_HOLE_END - ECAM_BASE - ECAM_SIZE)) & ~7ull;

		if (i & 1)
			*(volatile uint64_t *)(uintptr_t)a = rnd();
		else
			(void)*(volatile uint32_t *)(uintptr_t)a;
	}
	mch = ecam_read32(0, 0);
	lpc = ecam_read32(31 << 3, 0);
	ok(mch == 0x29C08086 && lpc == 0x29188086,
	   "ECAM and MMIO hole poked; MCH and LPC IDs unchanged # %08x %08x", mch, lpc);
}

static uint32_t be32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static void fw_cfg_dma(uint64_t desc)
{
	outl(FWCFG_DMA_HI, be32((uint32_t)(desc >> 32)));
	outl(FWCFG_DMA_LO, be32((uint32_t)desc));
}

static void test_fw_cfg(void)
{
	volatile struct fw_cfg_dma *d = (volatile struct fw_cfg_dma *)scratch[9];
	unsigned errs = 0, n = 0;

	for (unsigned i = 0; i < 200; i++) {
		uint64_t r = rnd();

		outw(FWCFG_SEL, (uint16_t)r);
		for (unsigned k = 0; k < ((r >> 16) & 31); k++)
			(void)inb(FWCFG_DATA);
		outb(FWCFG_DATA, (uint8_t)(r >> 32));
	}
	/* Descriptors that are themselves outside RAM or wrap. */
	fw_cfg_dma(H.ram_end + 0x1000);
	fw_cfg_dma(1ull << 40);
	fw_cfg_dma(0xFFFFFFFFFFFFFFF8ull);
	fw_cfg_dma(0xFEE00000);
	/* Data outside RAM: the device must answer ERROR. */
	for (unsigned i = 0; i < 100; i++) {
		uint64_t r = rnd();
		uint64_t bad[] = { H.ram_end + (r & 0xFFFF000), 0xFEC00000, ECAM_BASE,
				   0xFFFFFFFFFFFFF000ull };

		/* READ (| SELECT of a random item | SKIP), any length, bad address */
		d->control = be32(DMA_CTL_READ | (uint32_t)(r & 0xC) | (uint32_t)(r & 0xFFFF0000));
		d->length = be32(i % 4 == 0 ? 0xFFFFFFFF : 1 + (uint32_t)(r >> 32) % 0x10000);
		d->address = __builtin_bswap64(bad[(r >> 20) % ARRAY_SIZE(bad)]);
		fw_cfg_dma(pa(scratch[9]));
		n++;
		errs += !!(be32(d->control) & DMA_CTL_ERROR);
	}
	/* Random control words into a scratch page (bounded length). */
	for (unsigned i = 0; i < 100; i++) {
		uint64_t r = rnd();

		d->control = be32((uint32_t)r);
		d->length = be32((uint32_t)(r >> 32) % (2 * PAGE));
		d->address = __builtin_bswap64(pa(scratch[10]));
		fw_cfg_dma(pa(scratch[9]));
	}
	ok(errs == n && fwcfg_present(),
	   "fw_cfg DMA with bad descriptors: %u/%u transfers beyond RAM reported ERROR, "
	   "fw_cfg still answers", errs, n);
}

static void test_uart(void)
{
	for (unsigned i = 0; i < 300; i++) {
		uint64_t r = rnd();
		unsigned off = (unsigned)r % 8;

		if (off == 0)	/* keep the log printable */
			outb(COM1, (uint8_t)('a' + (r >> 8) % 26));
		else if (r & (1 << 20))
			(void)inb(COM1 + off);
		else
			outb(COM1 + off, (uint8_t)(r >> 8));
	}
	serial_init();
	serial_putc('\n');
	ok(1, "UART registers poked with random data; console re-initialised");
}

int main(const struct multiboot_info *mbi)
{
	uint64_t seed = 0x9E3779B97F4A7C15ull;

	cmdline_u64("seed", &seed);
	H.rng = seed ? seed : 1;
	H.ram_end = (mbi && (mbi->flags & MB_INFO_MEMORY))
			    ? 0x100000ull + (uint64_t)mbi->mem_upper * 1024 : 64ull << 20;
	printf("hostile: seed 0x%llx, RAM ends at 0x%llx\n", (unsigned long long)seed,
	       (unsigned long long)H.ram_end);
	cli();
	tap_plan(9);
	test_hypercalls();
	test_overlays();
	test_storm();
	test_msr_sweep();
	test_ports();
	test_ecam();
	test_fw_cfg();
	test_uart();
	puts("hostile: survived");
	tap_done();
}
