/* hv-tlbflush: paravirtual remote TLB flush (TLFS "HvCallFlushVirtualAddressSpace" 0x0002,
 * "...List" 0x0003, "...SpaceEx" 0x0013). Needs hv-vpindex,hv-tlbflush; run with -smp 2..4.
 *
 * A test window at virtual 512 MiB is mapped by one 2 MiB PDE to frame A (32 MiB) or B
 * (34 MiB), whose first qwords hold different tags. The APs read the window (caching the
 * translation), the BSP repoints the PDE and flushes through a hypercall only (no IPI, no
 * INVLPG on the APs), then every AP must read the new frame's tag. Each flush form runs
 * once: space slow, space fast, list slow (rep count 1, reps completed 1), space Ex with
 * the all-VPs set. Without hv-tlbflush the calls are INVALID_HYPERCALL_CODE. The fast
 * form's 24-byte input needs XMM fast input (hv-xmm-input); without it: status 3.
 */
#include "fw.h"
#include "hv.h"

#define MAX_CPUS	8
#define BRINGUP_MS	1000
#define WINDOW_VA	0x20000000ull	/* beyond RAM in the identity map: unused */
#define FRAME_A		0x02000000ull
#define FRAME_B		0x02200000ull
#define TAG_A		0xAAAA5555AAAA5555ull
#define TAG_B		0xBBBB6666BBBB6666ull
#define PTE_ADDR_MASK	0x000FFFFFFFFFF000ull
#define HV_SET_ALL	1

struct flush_input {
	uint64_t address_space, flags, processor_mask, gva;
};

struct flush_ex_input {
	uint64_t address_space, flags, format, valid_bank_mask;
};

struct tlbflush_test {
	volatile uint64_t seen[MAX_CPUS];
	unsigned n;
};

static struct tlbflush_test t;

static volatile uint64_t *pde_for(uint64_t va)
{
	uint64_t *pml4 = (uint64_t *)(uintptr_t)(read_cr3() & PTE_ADDR_MASK);
	uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[(va >> 39) & 511] & PTE_ADDR_MASK);
	uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[(va >> 30) & 511] & PTE_ADDR_MASK);

	return &pd[(va >> 21) & 511];
}

static void peek(void *arg)
{
	unsigned cpu = (unsigned)(uintptr_t)arg;

	t.seen[cpu] = *(volatile uint64_t *)(uintptr_t)WINDOW_VA;
}

static void map_window(uint64_t frame)
{
	*pde_for(WINDOW_VA) = frame | PTE_P | PTE_W | PTE_PS;
	asm volatile("invlpg (%0)" : : "r"(WINDOW_VA) : "memory");	/* BSP only */
}

/* Every AP reads the window; returns true if all saw tag. */
static bool aps_see(uint64_t tag)
{
	bool all = true;
	unsigned i;

	for (i = 1; i < t.n; i++) {
		t.seen[i] = 0;
		if (smp_run_on(i, peek, (void *)(uintptr_t)i) || smp_wait(i, 500))
			all = false;
		all &= t.seen[i] == tag;
	}
	return all;
}

static void one_form(const char *what, uint64_t control, uint64_t in, uint64_t out,
		     unsigned reps, bool offered, unsigned status)
{
	static bool to_b = true;
	uint64_t tag = to_b ? TAG_B : TAG_A, old = to_b ? TAG_A : TAG_B, rax;
	bool primed, seen;

	if (offered && status) {
		/* Refused call: the mapping is left alone. */
		rax = hv_hypercall(control, in, out);
		ok(HV_HC_STATUS(rax) == status, "%s: status %u # RAX 0x%lx", what, status, rax);
		return;
	}
	primed = aps_see(old);
	map_window(to_b ? FRAME_B : FRAME_A);
	rax = hv_hypercall(control, in, out);
	seen = aps_see(tag);
	if (!offered) {
		ok(HV_HC_STATUS(rax) == HV_STATUS_INVALID_HYPERCALL_CODE,
		   "%s refused without hv-tlbflush # RAX 0x%lx", what, rax);
	} else {
		ok(primed && seen && HV_HC_STATUS(rax) == 0 && HV_HC_REPS_DONE(rax) == reps,
		   "%s: status 0, %u reps, every AP sees the new mapping # RAX 0x%lx primed %d "
		   "seen %d", what, reps, rax, primed, seen);
	}
	to_b = !to_b;
}

int main(const struct multiboot_info *mbi)
{
	unsigned expected = fwcfg_nb_cpus();
	struct flush_input *in = hv_hcall_in_page();
	struct flush_ex_input *ex = hv_hcall_in_page();
	bool offered = hv_recommendations().eax & HV_R_REMOTE_FLUSH;
	bool xmm = hv_features().edx & HV_D_XMM_INPUT;

	(void)mbi;
	if (!hv_present() || hv_hypercall_setup()) {
		tap_plan(1);
		skip("no Hyper-V hypercall page", "PV TLB flush");
		tap_done();
	}
	apic_setup(true);
	t.n = smp_start(expected, BRINGUP_MS);
	if (t.n > MAX_CPUS)
		t.n = MAX_CPUS;
	if (t.n < 2) {
		tap_plan(1);
		skip("needs -smp 2 or more", "remote TLB flush");
		tap_done();
	}
	*(volatile uint64_t *)(uintptr_t)FRAME_A = TAG_A;
	*(volatile uint64_t *)(uintptr_t)FRAME_B = TAG_B;
	map_window(FRAME_A);
	tap_plan(4);
	memset(in, 0, sizeof(*in));
	in->flags = HV_FLUSH_ALL_PROCESSORS | HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES;
	in->gva = WINDOW_VA;	/* list form: one page at the window (low bits: 0 more pages) */
	one_form("HvFlushVirtualAddressSpace slow", HVCALL_FLUSH_VA_SPACE, (uintptr_t)in, 0, 0,
		 offered, 0);
	one_form("HvFlushVirtualAddressSpace fast", HVCALL_FLUSH_VA_SPACE | HV_HC_FAST, 0,
		 HV_FLUSH_ALL_PROCESSORS | HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES, 0, offered,
		 xmm ? 0 : HV_STATUS_INVALID_HYPERCALL_INPUT);
	one_form("HvFlushVirtualAddressList slow, rep 1", HVCALL_FLUSH_VA_LIST | HV_HC_REP_COUNT(1),
		 (uintptr_t)in, 0, 1, offered, 0);
	memset(ex, 0, sizeof(*ex));
	ex->flags = HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES;
	ex->format = HV_SET_ALL;
	one_form("HvFlushVirtualAddressSpaceEx, all-VPs set", HVCALL_FLUSH_VA_SPACE_EX,
		 (uintptr_t)ex, 0, 0, offered, 0);
	tap_done();
}
