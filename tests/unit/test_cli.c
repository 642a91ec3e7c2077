#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "vmm/config.h"

#define ARGV(...) ((char *[]){ (char *)"enlight", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((char *[]){ (char *)"enlight", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(cfg, err, ...) cli_parse(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), cfg, err, sizeof(err))

static void test_full_line(void **state)
{
	struct vm_config c;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&c, err, "-m", "2G", "-smp", "4,sockets=2,cores=2", "-cpu",
			       "host,hv-relaxed,hv-spinlocks=0x1fff", "-kernel", "k.elf",
			       "-append", "a b", "-initrd", "m1,m2", "-machine",
			       "q35,kernel-irqchip=on", "-accel", "kvm,hv-backend=user", "-serial",
			       "file:/tmp/x", "-device", "isa-debug-exit,iobase=0xf4,iosize=0x4",
			       "-uuid", "01234567-89ab-cdef-0123-456789abcdef", "-name", "g",
			       "--timeout", "5", "--stats", "--trace", "exits", "-no-reboot",
			       "-nographic", "--strict-io"),
			 0);
	assert_int_equal(c.ram_size, 2ull << 30);
	assert_int_equal(c.smp.cpus, 4);
	assert_int_equal(c.smp.sockets, 2);
	assert_int_equal(c.smp.cores, 2);
	assert_int_equal(c.smp.threads, 1);
	assert_int_equal(c.smp.maxcpus, 4);
	assert_string_equal(c.cpu_model, "host");
	/* hv-* options land in the Hyper-V configuration, not in the generic list */
	assert_int_equal(c.ncpu_props, 0);
	assert_true(c.hv.features & HV_FEAT_BIT(HV_FEAT_RELAXED));
	assert_int_equal(c.hv.spinlocks, 0x1fff);
	assert_string_equal(c.kernel, "k.elf");
	assert_string_equal(c.append, "a b");
	assert_string_equal(c.initrd, "m1,m2");
	assert_int_equal(c.hv.backend, HV_BACKEND_USER);
	assert_int_equal(c.serial, SERIAL_FILE);
	assert_string_equal(c.serial_path, "/tmp/x");
	assert_true(c.debug_exit);
	assert_int_equal(c.debug_exit_base, 0xf4);
	assert_int_equal(c.debug_exit_size, 4);
	assert_true(c.has_uuid);
	assert_int_equal(c.uuid[0], 0x01);
	assert_int_equal(c.uuid[15], 0xef);
	assert_int_equal(c.timeout_sec, 5);
	assert_true(c.stats && c.trace_exits && c.no_reboot && c.strict_io);
	assert_int_equal(c.irqchip, IRQCHIP_ON);
	cli_free(&c);
	assert_int_equal(PARSE(&c, err, "-machine", "q35,kernel-irqchip=split", "-kernel", "k.elf"),
			 0);
	assert_int_equal(c.irqchip, IRQCHIP_SPLIT);
	cli_free(&c);
}

static void test_defaults(void **state)
{
	struct vm_config c;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&c, err, "-kernel", "k"), 0);
	assert_int_equal(c.ram_size, 128ull << 20);
	assert_int_equal(c.smp.cpus, 1);
	assert_int_equal(c.smp.maxcpus, 1);
	assert_string_equal(c.cpu_model, "host");
	assert_int_equal(c.serial, SERIAL_STDIO);
	assert_false(c.debug_exit);
	cli_free(&c);
	/* QEMU's isa-debug-exit defaults: iobase 0x501, iosize 2 */
	assert_int_equal(PARSE(&c, err, "-kernel", "k", "-device", "isa-debug-exit", "-nodefaults"), 0);
	assert_int_equal(c.debug_exit_base, 0x501);
	assert_int_equal(c.debug_exit_size, 2);
	assert_int_equal(c.serial, SERIAL_NONE);
	cli_free(&c);
}

static void test_smp_topology(void **state)
{
	struct vm_config c;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&c, err, "-kernel", "k", "-smp", "2,maxcpus=8,cores=4,threads=2"), 0);
	assert_int_equal(c.smp.cpus, 2);
	assert_int_equal(c.smp.sockets, 1);
	cli_free(&c);
	assert_int_equal(PARSE(&c, err, "-kernel", "k", "-smp", "sockets=2,cores=3"), 0);
	assert_int_equal(c.smp.cpus, 6);
	cli_free(&c);
	assert_int_equal(PARSE(&c, err, "-kernel", "k", "-smp", "4,sockets=3,cores=2,maxcpus=4"), -EINVAL);
	assert_non_null(strstr(err, "does not match maxcpus"));
	cli_free(&c);
	assert_int_equal(PARSE(&c, err, "-kernel", "k", "-smp", "8,maxcpus=4"), -EINVAL);
	assert_non_null(strstr(err, "exceeds maxcpus"));
	cli_free(&c);
}

struct bad {
	const char *argv[6];
	const char *want; /* substring of the error line */
};

static void test_bad_inputs(void **state)
{
	static const struct bad bad[] = {
		{ { "-m", "lots" }, "-m: 'lots' is not a size" },
		{ { "-m", "1" }, "out of range" },
		{ { "-m", "100T" }, "out of range" },
		{ { "-smp", "0" }, "cpus='0' is not a CPU count" },
		{ { "-smp", "4,coers=2" }, "did you mean 'cores'" },
		{ { "-machine", "pc" }, "machine type 'pc' is not supported" },
		{ { "-machine", "q35,kernel-irqchip=off" }, "needs the in-kernel LAPIC" },
		{ { "-accel", "tcg" }, "accelerator 'tcg' is not supported" },
		{ { "-accel", "kvm,hv-backend=fast" }, "hv-backend=fast: use auto, kernel or user" },
		{ { "-serial", "tcp:1" }, "'tcp:1' is not supported" },
		{ { "-device", "isa-debug-exti" }, "did you mean 'isa-debug-exit'" },
		{ { "-device", "isa-debug-exit,iosize=3" }, "iosize=3: use 1, 2 or 4" },
		{ { "-device", "isa-debug-exit,iobase=0x10000" }, "is not a port number" },
		{ { "-uuid", "nope" }, "'nope' is not a UUID" },
		{ { "--timeout", "-1" }, "is not a number of seconds" },
		{ { "--trace", "all" }, "use --trace exits" },
		{ { "-kernal", "x" }, "did you mean -kernel" },
		{ { "-smp" }, "missing value" },
		{ { "stray" }, "unexpected argument" },
		{ { "-cpu", "host,hv-stimr" }, "hv-stimer" },
		{ { "-cpu", "host,hv-spinlocks=lots" }, "hv-spinlocks" },
		{ { "-cpu", "host,+x2apc" }, "did you mean 'x2apic'" },
		{ { "-cpu", "qemu65" }, "model 'qemu65' is not known" },
		{ { "-cpu", "host,hv-windows" }, NULL },
	};
	char err[256];

	(void)state;
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *argv[10] = { (char *)"enlight", (char *)"-kernel", (char *)"k" };
		int argc = 3;
		struct vm_config c;
		int r;

		for (unsigned k = 0; k < 6 && bad[i].argv[k]; k++)
			argv[argc++] = (char *)bad[i].argv[k];
		r = cli_parse(argc, argv, &c, err, sizeof(err));
		if (!bad[i].want) {
			assert_int_equal(r, 0);
		} else {
			assert_int_equal(r, -EINVAL);
			if (!strstr(err, bad[i].want))
				fail_msg("case %u: error '%s' lacks '%s'", i, err, bad[i].want);
		}
		cli_free(&c);
	}
}

static void test_no_kernel(void **state)
{
	struct vm_config c;
	char err[256];
	char *argv[] = { (char *)"enlight", (char *)"-m", (char *)"64", NULL };

	(void)state;
	assert_int_equal(cli_parse(3, argv, &c, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "-kernel"));
	cli_free(&c);
	argv[1] = (char *)"--probe";
	assert_int_equal(cli_parse(2, argv, &c, err, sizeof(err)), 0);
	assert_true(c.probe);
	cli_free(&c);
}

static void test_numbers(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(parse_u64("0x1f", 0xff, &v), 0);
	assert_int_equal(v, 0x1f);
	assert_int_equal(parse_u64("256", 0xff, &v), -ERANGE);
	assert_int_equal(parse_u64("12x", 0xff, &v), -EINVAL);
	assert_int_equal(parse_u64("-1", 0xff, &v), -EINVAL);
	assert_int_equal(parse_size_mib_default("64", &v), 0);
	assert_int_equal(v, 64ull << 20);
	assert_int_equal(parse_size_mib_default("512k", &v), 0);
	assert_int_equal(v, 512ull << 10);
	assert_int_equal(parse_size_mib_default("99999999999999999999", &v), -ERANGE);
	assert_int_equal(parse_size_mib_default("17179869184G", &v), -ERANGE);
}

/* The QEMU line kvm-unit-tests' x86/run builds for hyperv_synic (README "kvm-unit-tests
 * Hyper-V tests"): every option must be taken as QEMU takes it. */
static void test_kvm_unit_tests_line(void **state)
{
	struct vm_config c;
	char err[256];

	(void)state;
	assert_int_equal(PARSE(&c, err, "--no-reboot", "-nodefaults", "-global",
			       "kvm-pit.lost_tick_policy=discard", "-device", "pc-testdev", "-device",
			       "isa-debug-exit,iobase=0xf4,iosize=0x4", "-display", "none", "-serial",
			       "stdio", "-machine", "accel=kvm", "-kernel", "x86/hyperv_synic.flat",
			       "-smp", "2", "-cpu", "host,hv_passthrough", "-device", "hyperv-testdev"),
			 0);
	assert_true(c.no_reboot && c.nodefaults && c.pc_testdev && c.hyperv_testdev);
	assert_true(c.pit_discard);
	assert_int_equal(c.serial, SERIAL_STDIO);
	assert_true(c.debug_exit);
	assert_int_equal(c.debug_exit_base, 0xf4);
	cli_free(&c);
	assert_int_equal(PARSE(&c, err, "-global", "kvm-pit.lost_tick_policy=delay", "-kernel", "k"),
			 0);
	assert_false(c.pit_discard || c.pc_testdev);
	cli_free(&c);
	assert_int_equal(PARSE(&c, err, "-global", "kvm-pit.lost_tick_policy=slew", "-kernel", "k"),
			 -EINVAL);
	assert_non_null(strstr(err, "use discard or delay"));
	cli_free(&c);
	assert_int_equal(PARSE(&c, err, "-global", "ICH9-LPC.noreboot=false", "-kernel", "k"),
			 -EINVAL);
	assert_non_null(strstr(err, "'ICH9-LPC.noreboot=false' is not supported"));
	cli_free(&c);
	assert_int_equal(PARSE(&c, err, "-device", "pc-testdev,x=1", "-kernel", "k"), -EINVAL);
	assert_non_null(strstr(err, "pc-testdev has no properties"));
	cli_free(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kvm_unit_tests_line),
		cmocka_unit_test(test_full_line),    cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_smp_topology), cmocka_unit_test(test_bad_inputs),
		cmocka_unit_test(test_no_kernel),    cmocka_unit_test(test_numbers),
	};
	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
