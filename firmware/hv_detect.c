/* hv-detect: every Hyper-V CPUID leaf and bit against the hv-* flags the VMM was given.
 *
 * The runner repeats the -cpu flags on the command line: "hv=relaxed,vapic,time,..."
 * (names with or without the hv- prefix; "windows" is enlight's hv-windows preset;
 * "spinlocks=N" as a list item or a parameter of its own), so "-cpu host,$flags
 * -append hv=$flags" works for any flag list. From them the guest computes what QEMU would show (shared/
 * HYPERV-REFERENCE.md §2.2, TLFS "Feature Discovery") and compares leaf by leaf. Without
 * hv= and spinlocks= (or with hv=none) it checks that no Hyper-V leaves exist and that
 * KVM's own signature is at 0x40000000.
 */
#include "fw.h"
#include "hv.h"

#define HV_VERSION_BUILD	0x3839		/* QEMU default: Windows Server 2016 */
#define HV_VERSION_MAJOR_MINOR	0x000A0000	/* 10.0 */
#define HV_MAX_VPS		0xFFFFFFFFu	/* x-hv-max-vps default: no limit */
#define HV_MAX_LPS		64
#define HV_SPINLOCKS_DEFAULT	0xFFFFFFFFu	/* never notify */
#define KVM_CPUID_SIGNATURE	0x40000000u
#define KVM_CPUID_FEATURES_OFF	1		/* features leaf follows the signature */

/* What one hv-* flag adds to leaves 0x40000003 (f_*) and 0x40000004 EAX (r_eax). */
struct hv_flag {
	const char *name;
	uint32_t f_eax, f_ebx, f_edx, r_eax;
};

static const struct hv_flag hv_flags[] = {
	{ "relaxed", .r_eax = HV_R_RELAXED },
	/* APIC-MSR recommendation (r_eax b3) is added unless avic: see expected(). */
	{ "vapic", .f_eax = HV_F_APIC_MSRS },
	{ "time", .f_eax = HV_F_TIME_REF_COUNT | HV_F_REF_TSC },
	{ "crash", .f_edx = HV_D_CRASH_MSRS },
	{ "reset", .f_eax = HV_F_RESET },
	{ "vpindex", .f_eax = HV_F_VP_INDEX },
	{ "runtime", .f_eax = HV_F_VP_RUNTIME },
	/* EBX b4/b5: the VMM handles HvPostMessage/HvSignalEvent itself. */
	{ "synic", .f_eax = HV_F_SYNIC, .f_ebx = HV_F_POST_MESSAGES | HV_F_SIGNAL_EVENTS },
	{ "stimer", .f_eax = HV_F_STIMER },
	{ "frequencies", .f_eax = HV_F_FREQUENCY_MSRS, .f_edx = HV_D_FREQUENCY_MSRS },
	{ "reenlightenment", .f_eax = HV_F_REENLIGHTENMENT },
	{ "tlbflush", .r_eax = HV_R_REMOTE_FLUSH | HV_R_EX_PROC_MASKS },
	{ "ipi", .r_eax = HV_R_CLUSTER_IPI | HV_R_EX_PROC_MASKS },
	{ "stimer-direct", .f_edx = HV_D_STIMER_DIRECT },
	{ "avic", .r_eax = HV_R_DEPRECATE_AEOI },
	{ "apicv", .r_eax = HV_R_DEPRECATE_AEOI },
	{ "xmm-input", .f_edx = HV_D_XMM_INPUT },
	{ "tlbflush-ext", .f_edx = HV_D_EXT_GVA_FLUSH },
};

/* enlight's hv-windows preset (README, hyperv/hv_features.c). */
static const char *const hv_windows[] = {
	"relaxed", "vapic", "time", "vpindex", "runtime", "synic", "stimer",
	"stimer-direct", "frequencies", "tlbflush", "ipi", "reset", "crash",
};
#define HV_WINDOWS_SPINLOCKS	0x1fff

struct expect {
	bool enabled, vapic, avic, bad;
	struct cpuid_regs f, r;
	uint32_t spinlocks;
};

static const struct hv_flag *flag_lookup(const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(hv_flags); i++)
		if (strlen(hv_flags[i].name) == len && !strncmp(hv_flags[i].name, name, len))
			return &hv_flags[i];
	return NULL;
}

static void add_flag(struct expect *e, const char *name, size_t len)
{
	const struct hv_flag *f;
	unsigned long long spin;
	size_t i;

	if (len > 3 && !strncmp(name, "hv-", 3)) {
		name += 3;
		len -= 3;
	}
	if (len > 10 && !strncmp(name, "spinlocks=", 10)) {
		if (parse_u64(name + 10, &spin) != (int)(len - 10)) {
			diag("bad spinlocks value '%.*s'", (int)len, name);
			e->bad = true;
		}
		e->spinlocks = (uint32_t)spin;
		return;
	}
	f = flag_lookup(name, len);

	if (len == 7 && !strncmp(name, "windows", 7)) {
		for (i = 0; i < ARRAY_SIZE(hv_windows); i++)
			add_flag(e, hv_windows[i], strlen(hv_windows[i]));
		e->spinlocks = HV_WINDOWS_SPINLOCKS;	/* the preset sets it, as -cpu does */
		return;
	}
	if (len == 4 && !strncmp(name, "none", 4))
		return;
	if (!f) {
		diag("unknown hv flag '%.*s' on the command line", (int)len, name);
		e->bad = true;
		return;
	}
	e->enabled = true;
	e->f.eax |= f->f_eax;
	e->f.ebx |= f->f_ebx;
	e->f.edx |= f->f_edx;
	e->r.eax |= f->r_eax;
	e->vapic |= f == flag_lookup("vapic", 5);
	e->avic |= f->r_eax == HV_R_DEPRECATE_AEOI;
}

static void expected(struct expect *e)
{
	char list[256];
	uint64_t spin;
	const char *p, *q;

	memset(e, 0, sizeof(*e));
	e->spinlocks = HV_SPINLOCKS_DEFAULT;
	if (cmdline_u64("spinlocks", &spin))
		e->spinlocks = (uint32_t)spin;
	if (cmdline_get("hv", list, sizeof(list)) >= 0) {
		for (p = list; *p; p = *q ? q + 1 : q) {
			for (q = p; *q && *q != ','; q++)
				;
			if (q > p)
				add_flag(e, p, q - p);
		}
	}
	/* QEMU hyperv_enabled(): any feature, or non-default spinlocks. */
	if (e->spinlocks != HV_SPINLOCKS_DEFAULT)
		e->enabled = true;
	if (!e->enabled)
		return;
	e->f.eax |= HV_F_HYPERCALL;		/* hypercall MSRs come with any enlightenment */
	e->f.edx |= HV_D_DYNAMIC_PARTITIONING;	/* QEMU: needed by Windows CPU hotplug */
	if (e->vapic && !e->avic)
		e->r.eax |= HV_R_APIC_MSRS;
}

static void signature(uint32_t leaf, char out[13])
{
	struct cpuid_regs r = cpuid(leaf);

	memcpy(out, &r.ebx, 4);
	memcpy(out + 4, &r.ecx, 4);
	memcpy(out + 8, &r.edx, 4);
	out[12] = '\0';
}

static bool regs_eq(uint32_t leaf, uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	struct cpuid_regs r = cpuid(leaf);
	bool same = r.eax == a && r.ebx == b && r.ecx == c && r.edx == d;

	if (!same)
		diag("cpuid 0x%x: got %08x %08x %08x %08x want %08x %08x %08x %08x", leaf,
		     r.eax, r.ebx, r.ecx, r.edx, a, b, c, d);
	return same;
}

static bool kvm_signature_at(uint32_t leaf)
{
	char sig[13];

	signature(leaf, sig);
	/* "KVMKVMKVM\0\0\0" (Linux Documentation/virt/kvm/x86/cpuid.rst) */
	return !memcmp(sig, "KVMKVMKVM\0\0\0", 12);
}

static void check_hyperv(const struct expect *e)
{
	struct cpuid_regs r = cpuid(HV_CPUID_VENDOR);
	char vendor[13];

	signature(HV_CPUID_VENDOR, vendor);
	tap_plan(11);
	ok(cpuid(1).ecx & CPUID_1_ECX_HYPERVISOR, "CPUID.1:ECX[31] hypervisor present");
	ok(r.eax == HV_CPUID_LIMITS && !strcmp(vendor, "Microsoft Hv"),
	   "0x40000000: max leaf 0x40000005, vendor \"Microsoft Hv\" # got 0x%x \"%s\"",
	   r.eax, vendor);
	ok(regs_eq(HV_CPUID_INTERFACE, HV_INTERFACE_HV1, 0, 0, 0),
	   "0x40000001: interface \"Hv#1\"");
	ok(regs_eq(HV_CPUID_VERSION, HV_VERSION_BUILD, HV_VERSION_MAJOR_MINOR, 0, 0),
	   "0x40000002: version 10.0 build 0x3839");
	r = cpuid(HV_CPUID_FEATURES);
	ok(r.eax == e->f.eax, "0x40000003 EAX privileges # got 0x%x want 0x%x", r.eax, e->f.eax);
	ok(r.ebx == e->f.ebx, "0x40000003 EBX privileges # got 0x%x want 0x%x", r.ebx, e->f.ebx);
	ok(r.ecx == 0 && r.edx == e->f.edx, "0x40000003 ECX 0, EDX features # got 0x%x 0x%x want 0 0x%x",
	   r.ecx, r.edx, e->f.edx);
	r = cpuid(HV_CPUID_ENLIGHTENMENT);
	ok(r.eax == e->r.eax, "0x40000004 EAX recommendations # got 0x%x want 0x%x", r.eax,
	   e->r.eax);
	ok(r.ebx == e->spinlocks && r.ecx == 0 && r.edx == 0,
	   "0x40000004 EBX spinlock retries # got 0x%x want 0x%x", r.ebx, e->spinlocks);
	ok(regs_eq(HV_CPUID_LIMITS, HV_MAX_VPS, HV_MAX_LPS, 0, 0),
	   "0x40000005: max VPs 0xffffffff, max LPs 64");
	r = cpuid(HV_CPUID_KVM_MOVED);
	ok(kvm_signature_at(HV_CPUID_KVM_MOVED) &&
	   r.eax >= HV_CPUID_KVM_MOVED + KVM_CPUID_FEATURES_OFF,
	   "KVM signature moved to 0x40000100 # max leaf 0x%x", r.eax);
}

static void check_no_hyperv(void)
{
	uint64_t v;
	int vec = rdmsr_safe(HV_MSR_GUEST_OS_ID, &v);

	tap_plan(4);
	ok(cpuid(1).ecx & CPUID_1_ECX_HYPERVISOR, "CPUID.1:ECX[31] hypervisor present");
	ok(kvm_signature_at(KVM_CPUID_SIGNATURE), "0x40000000 is KVM's signature");
	ok(cpuid(HV_CPUID_INTERFACE).eax != HV_INTERFACE_HV1 && !hv_present(),
	   "no Hyper-V interface at 0x40000001");
	ok(vec == X86_GP, "no Hyper-V MSRs: GUEST_OS_ID raises #GP # vector %d", vec);
}

int main(const struct multiboot_info *mbi)
{
	struct expect e;

	(void)mbi;
	expected(&e);
	printf("hv-detect: expecting %s: 0x40000003 %08x %08x %08x 0x40000004 %08x %08x\n",
	       e.enabled ? "Hyper-V" : "no Hyper-V", e.f.eax, e.f.ebx, e.f.edx, e.r.eax,
	       e.spinlocks);
	if (e.bad) {
		tap_plan(1);
		ok(false, "command line hv= list understood");
		tap_done();
	}
	if (e.enabled)
		check_hyperv(&e);
	else
		check_no_hyperv();
	tap_done();
}
