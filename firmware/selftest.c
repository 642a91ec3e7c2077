/* selftest: checks the guest library itself: formatting, the exception fix-up path
 * (rdmsr_safe/wrmsr_safe, FW_EXTABLE), interrupt handlers with a self-IPI, the
 * command-line parser (when the runner passes "selftest num=0x2a word=abc flag") and the
 * fw_cfg file directory lookup.
 *
 * "crash" on the command line instead executes an unexpected UD2: the library must print
 * "unexpected exception 6 ..." and exit with FW_EXIT_CRASH (status 5).
 */
#include "fw.h"

#define SELFTEST_VEC	0x40
#define BAD_MSR		0x4B564DFF	/* in KVM's reserved range, never implemented */
#define IPI_SPINS	1000000
#define BAD_SELECTOR	0x1230	/* index 0x246, far beyond the 4-entry GDT */

struct selftest {
	volatile int irqs;
};

static struct selftest st;

static void selftest_irq(struct trap_frame *f)
{
	(void)f;
	atomic_inc(&st.irqs);
	apic_eoi();
}

static int ud2_safe(void)
{
	uint64_t vec = 0;

	asm volatile("1: ud2\n2:\n\t" FW_EXTABLE("1b", "2b") : "+D"(vec) : : "rsi", "memory");
	return (int)vec;
}

/* Loads FS with a selector beyond the GDT limit: #GP with the selector as error code
 * (SDM Vol. 2A "MOV", protected-mode exceptions) on every platform, TCG included. */
static int load_fs_safe(uint16_t sel, uint64_t *err)
{
	uint64_t vec = 0, e = 0;

	asm volatile("1: mov %w2, %%fs\n2:\n\t" FW_EXTABLE("1b", "2b")
		     : "+D"(vec), "+S"(e) : "r"(sel) : "memory");
	*err = e;
	return (int)vec;
}

static void check_format(void)
{
	char buf[64];
	int n;

	snprintf(buf, sizeof(buf), "%d|%u|%x|%5x|%-4s|%08lx|%llx|%c|%%", -42, 42u, 0xbeefu,
		 0x1fu, "ab", 0xabcdefUL, 0x123456789abcdefULL, 'z');
	ok(!strcmp(buf, "-42|42|beef|   1f|ab  |00abcdef|123456789abcdef|z|%"),
	   "printf formats # got '%s'", buf);
	n = snprintf(buf, 4, "%s", "truncated");
	ok(n == 9 && !strcmp(buf, "tru"), "snprintf truncates and counts # %d '%s'", n, buf);
	snprintf(buf, sizeof(buf), "%p %lld", (void *)0x1000, -9000000000LL);
	ok(!strcmp(buf, "0x1000 -9000000000"), "pointers and long long # got '%s'", buf);
}

static void check_faults(void)
{
	uint64_t v = 0, err = 0;
	int vec;

	vec = load_fs_safe(BAD_SELECTOR, &err);
	ok(vec == X86_GP && err == BAD_SELECTOR,
	   "FW_EXTABLE catches #GP with its error code # vector %d err 0x%lx", vec, err);
	vec = ud2_safe();
	ok(vec == X86_UD, "FW_EXTABLE catches #UD # vector %d", vec);
	/* QEMU TCG reads unknown MSRs as 0 and ignores writes ("XXX: exception?" in its
	 * helper_rdmsr); KVM and real CPUs raise #GP. */
	vec = rdmsr_safe(BAD_MSR, &v);
	if (!vec && !v)
		skip("this CPU reads unknown MSRs as 0 (QEMU TCG)",
		     "rdmsr_safe of an unimplemented MSR returns #GP");
	else
		ok(vec == X86_GP, "rdmsr_safe of an unimplemented MSR returns #GP # vector %d",
		   vec);
	vec = rdmsr_safe(MSR_IA32_APIC_BASE, &v);
	ok(!vec && (v & APIC_BASE_EN), "rdmsr_safe of IA32_APIC_BASE # vector %d value 0x%lx",
	   vec, v);
	vec = wrmsr_safe(BAD_MSR, 1);
	if (!vec && !rdmsr_safe(BAD_MSR, &v) && !v)
		skip("this CPU ignores writes to unknown MSRs (QEMU TCG)",
		     "wrmsr_safe of an unimplemented MSR returns #GP");
	else
		ok(vec == X86_GP, "wrmsr_safe of an unimplemented MSR returns #GP # vector %d",
		   vec);
}

static void check_irq(void)
{
	int i;

	apic_setup(!cmdline_has("xapic"));
	irq_set_handler(SELFTEST_VEC, selftest_irq);
	apic_send_ipi(0, APIC_DM_FIXED | APIC_ICR_ASSERT | APIC_DEST_SELF | SELFTEST_VEC);
	sti();
	for (i = 0; i < IPI_SPINS && !atomic_read(&st.irqs); i++)
		cpu_relax();
	cli();
	ok(atomic_read(&st.irqs) == 1, "self-IPI reaches its handler (%s) # %d interrupts",
	   apic_is_x2apic() ? "x2apic" : "xapic", atomic_read(&st.irqs));
}

static void check_cmdline(void)
{
	char word[8];
	uint64_t num = 0;

	if (!cmdline_has("selftest")) {
		skip("no 'selftest' parameter", "command-line parser");
		return;
	}
	ok(cmdline_u64("num", &num) && num == 0x2a &&
	   cmdline_get("word", word, sizeof(word)) == 3 && !strcmp(word, "abc") &&
	   cmdline_has("flag") && !cmdline_has("fla") && !cmdline_u64("word", &num),
	   "command-line parser # cmdline '%s'", cmdline());
}

/* Looks up the last file of the fw_cfg directory by name and compares with the entry
 * read directly; a missing name must not be found. */
static void check_fwcfg(void)
{
	struct {
		uint32_t size;
		uint16_t select;
		uint16_t reserved;
		char name[56];
	} __attribute__((packed)) f;
	uint32_t count, i, size = 0;
	int sel;

	if (!fwcfg_present()) {
		skip("no fw_cfg", "fw_cfg file lookup");
		return;
	}
	fwcfg_read(FW_CFG_FILE_DIR, &count, sizeof(count));
	count = __builtin_bswap32(count);
	if (!count) {
		skip("empty fw_cfg file directory", "fw_cfg file lookup");
		return;
	}
	for (i = 0; i < count; i++)
		fwcfg_read_more(&f, sizeof(f));
	f.name[sizeof(f.name) - 1] = '\0';
	sel = fwcfg_find_file(f.name, &size);
	ok(sel == __builtin_bswap16(f.select) && size == __builtin_bswap32(f.size) &&
	   fwcfg_find_file("firmware/selftest/none", NULL) < 0,
	   "fw_cfg file lookup # '%s' of %u: selector 0x%x size %u", f.name, count, sel, size);
}

int main(const struct multiboot_info *mbi)
{
	(void)mbi;
	if (cmdline_has("crash")) {
		puts("selftest: executing ud2 with no fix-up");
		asm volatile("ud2");
	}
	tap_plan(11);
	check_format();
	check_faults();
	check_irq();
	check_cmdline();
	check_fwcfg();
	tap_done();
}
