/* hv-hypercall: the hypercall page and status codes (TLFS "Hypercall Interface").
 *
 * Enables the page (GUEST_OS_ID first), checks it holds a call stub ending in RET and,
 * with "no-vmcall" on the command line (this host: KVM never returns from vmcall),
 * that the stub is not VMCALL/VMMCALL. Then calls through the page, one row of
 * hcalls[] each: unknown codes, reserved control bits, fast and slow forms, rep calls
 * (reps completed in RAX 43:32), rep start >= rep count, misaligned and out-of-RAM input
 * GPAs, and calls of features the partition lacks (INVALID_HYPERCALL_CODE).
 * A fast call carries 16 bytes in RDX/R8, more only with XMM fast input (0x40000003
 * EDX b4): the 24-byte flush header in fast form is INVALID_HYPERCALL_INPUT without it
 * (enlight's reading of the TLFS; KVM reads XMM0 regardless).
 */
#include "fw.h"
#include "hv.h"

#define RSVD_B27	(1ull << 27)	/* RsvdZ b31:27 */
#define RSVD_B44	(1ull << 44)	/* RsvdZ b47:44 */
#define RSVD_B60	(1ull << 60)	/* RsvdZ b63:60 */
#define FAR_GPA		0x1000000000ull	/* 64 GiB: beyond this VM's RAM */
#define FLUSH_ALL	(HV_FLUSH_ALL_PROCESSORS | HV_FLUSH_ALL_VIRTUAL_ADDRESS_SPACES)
#define LIST_REPS	3

enum in_kind { IN_NONE, IN_FLUSH, IN_FLUSH_MISALIGNED, IN_FAR };

/* One call: control word, input, the status and reps wanted, and the CPUID 0x40000004
 * EAX recommendation it needs (0: none). With the recommendation absent the call must be
 * refused as INVALID_HYPERCALL_CODE. */
struct hcall {
	const char *what;
	uint64_t control;
	enum in_kind in;
	uint64_t fast_rdx, fast_r8;
	unsigned status, reps;
	uint32_t needs;
	bool xmm;	/* input > 16 bytes: a fast call needs XMM input (else status 3) */
};

static const struct hcall hcalls[] = {
	{ "unknown code 0xffff, fast", 0xFFFF | HV_HC_FAST, .status = 2 },
	{ "unknown code 0x7fff, slow", 0x7FFF, .status = 2 },
	{ "HvNotifyLongSpinWait fast", HVCALL_NOTIFY_LONG_SPIN_WAIT | HV_HC_FAST,
	  .fast_rdx = 1, .status = 0 },
	{ "reserved bit 27", HVCALL_NOTIFY_LONG_SPIN_WAIT | HV_HC_FAST | RSVD_B27, .status = 3 },
	{ "reserved bit 44", HVCALL_NOTIFY_LONG_SPIN_WAIT | HV_HC_FAST | RSVD_B44, .status = 3 },
	{ "reserved bit 60", HVCALL_NOTIFY_LONG_SPIN_WAIT | HV_HC_FAST | RSVD_B60, .status = 3 },
	{ "reserved bit on an unknown code", 0xFFFF | RSVD_B27, .status = 3 },
	{ "rep count on a simple call", HVCALL_NOTIFY_LONG_SPIN_WAIT | HV_HC_FAST |
	  HV_HC_REP_COUNT(1), .status = 3 },
	{ "HvFlushVirtualAddressSpace slow", HVCALL_FLUSH_VA_SPACE, IN_FLUSH, .status = 0,
	  .needs = HV_R_REMOTE_FLUSH },
	{ "HvFlushVirtualAddressSpace fast", HVCALL_FLUSH_VA_SPACE | HV_HC_FAST,
	  .fast_rdx = 0, .fast_r8 = FLUSH_ALL, .status = 0, .needs = HV_R_REMOTE_FLUSH,
	  .xmm = true },
	{ "HvFlushVirtualAddressList rep 3", HVCALL_FLUSH_VA_LIST | HV_HC_REP_COUNT(LIST_REPS),
	  IN_FLUSH, .status = 0, .reps = LIST_REPS, .needs = HV_R_REMOTE_FLUSH },
	{ "HvFlushVirtualAddressList rep start 1 of 3", HVCALL_FLUSH_VA_LIST |
	  HV_HC_REP_COUNT(LIST_REPS) | HV_HC_REP_START(1), IN_FLUSH, .status = 0,
	  .reps = LIST_REPS, .needs = HV_R_REMOTE_FLUSH },
	{ "rep start >= rep count", HVCALL_FLUSH_VA_LIST | HV_HC_REP_COUNT(2) |
	  HV_HC_REP_START(2), IN_FLUSH, .status = 3, .needs = HV_R_REMOTE_FLUSH },
	{ "rep call with rep count 0", HVCALL_FLUSH_VA_LIST, IN_FLUSH, .status = 3,
	  .needs = HV_R_REMOTE_FLUSH },
	{ "misaligned input GPA", HVCALL_FLUSH_VA_SPACE, IN_FLUSH_MISALIGNED, .status = 4,
	  .needs = HV_R_REMOTE_FLUSH },
	{ "input GPA beyond RAM", HVCALL_FLUSH_VA_SPACE, IN_FAR, .status = 4,
	  .needs = HV_R_REMOTE_FLUSH },
};

/* HvFlushVirtualAddressSpace/List input header (TLFS "HvFlushVirtualAddressSpace"),
 * followed for the list form by one GVA range per rep. */
struct flush_input {
	uint64_t address_space, flags, processor_mask;
	uint64_t gva[LIST_REPS];
};

static uint64_t input_gpa(enum in_kind kind)
{
	uint8_t *page = hv_hcall_in_page();
	struct flush_input *f = (struct flush_input *)page;
	unsigned i;

	switch (kind) {
	case IN_NONE:
		return 0;
	case IN_FAR:
		return FAR_GPA;
	case IN_FLUSH:
	case IN_FLUSH_MISALIGNED:
		break;
	}
	memset(page, 0, HV_PAGE_SIZE);
	f->flags = FLUSH_ALL;
	for (i = 0; i < LIST_REPS; i++)
		f->gva[i] = FW_LOAD_BASE + i * HV_PAGE_SIZE;	/* one page each */
	return (uintptr_t)page + (kind == IN_FLUSH_MISALIGNED ? 4 : 0);
}

static void check_page(void)
{
	const uint8_t *p = hv_hypercall_page();
	bool ret = false, vmcall = false;
	unsigned i;

	for (i = 0; i < 16; i++)
		ret |= p[i] == 0xC3;				/* RET */
	/* VMCALL 0F 01 C1, VMMCALL 0F 01 D9 (SDM Vol. 2B; AMD APM Vol. 3) */
	vmcall = p[0] == 0x0F && p[1] == 0x01 && (p[2] == 0xC1 || p[2] == 0xD9);
	diag("hypercall page: %02x %02x %02x %02x %02x %02x %02x %02x", p[0], p[1], p[2], p[3],
	     p[4], p[5], p[6], p[7]);
	ok(ret, "hypercall page holds a stub ending in RET");
	if (cmdline_has("no-vmcall"))
		ok(!vmcall, "stub is not VMCALL/VMMCALL (this host's KVM never returns from them)");
	else
		skip("no no-vmcall on the command line", "stub is not VMCALL/VMMCALL");
}

int main(const struct multiboot_info *mbi)
{
	uint32_t rec;
	uint64_t v = 0;
	size_t i;
	int r;

	(void)mbi;
	if (!(hv_features().eax & HV_F_HYPERCALL)) {
		tap_plan(1);
		skip("no AccessHypercallMsrs in CPUID 0x40000003", "hypercall page");
		tap_done();
	}
	rec = hv_recommendations().eax;
	tap_plan(3 + ARRAY_SIZE(hcalls));
	r = hv_hypercall_setup();
	rdmsr_safe(HV_MSR_HYPERCALL, &v);
	ok(r == 0, "hypercall page enabled # result %d, HYPERCALL 0x%lx", r, v);
	if (r) {
		diag("no page: cannot call it");
		tap_done();
	}
	check_page();
	for (i = 0; i < ARRAY_SIZE(hcalls); i++) {
		const struct hcall *h = &hcalls[i];
		bool offered = !h->needs || (rec & h->needs);
		unsigned want = offered ? h->status : HV_STATUS_INVALID_HYPERCALL_CODE;
		bool short_input = h->xmm && !(hv_features().edx & HV_D_XMM_INPUT);
		unsigned reps = offered ? h->reps : 0;
		uint64_t in = (h->control & HV_HC_FAST) ? h->fast_rdx : input_gpa(h->in);
		uint64_t out = (h->control & HV_HC_FAST) ? h->fast_r8 : 0;
		uint64_t rax = hv_hypercall(h->control, in, out);

		if (offered && short_input)
			want = HV_STATUS_INVALID_HYPERCALL_INPUT;

		ok(HV_HC_STATUS(rax) == want && HV_HC_REPS_DONE(rax) == reps,
		   "%s%s: status %u, %u reps # RAX 0x%lx", h->what,
		   !offered ? " (feature absent)" : short_input ? " (no XMM input)" : "", want,
		   reps, rax);
	}
	tap_done();
}
