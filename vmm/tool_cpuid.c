/* enlight cpuid: the CPUID table KVM_SET_CPUID2 would get, without starting a guest
 * (--diff: between two configurations; --verify: against what a booted guest reads).
 * Glue: opens /dev/kvm for KVM_GET_SUPPORTED_CPUID and the capabilities; the table comes from
 * the same code vm_create and vcpu_create run (cpu_setup_vm, hyperv_handle_properties,
 * cpu_vcpu_table). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hyperv/hyperv.h"
#include "vmm/cpu_setup.h"
#include "vmm/cpuid_fmt.h"
#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/vm.h"

#define TOOL_MAX_ARGS 64

struct tool_side {
	int argc;
	char *argv[TOOL_MAX_ARGS];
	char label[512];
};

struct tool_args {
	struct tool_side side[2];
	unsigned nsides;
	unsigned vcpu;
	enum cpuid_format fmt;
	bool diff, verify;
	const char *firmware;
};

static const char cpuid_usage[] =
	"usage: enlight cpuid [-cpu MODEL[,...]] [-smp ...] [-accel kvm,hv-backend=...] [--vcpu N]\n"
	"                     [--format text|json]\n"
	"       enlight cpuid --diff [CONFIG_A...] -- [CONFIG_B...] [--vcpu N]\n"
	"       enlight cpuid --verify [CONFIG...] [--vcpu N] [--firmware cpuid_dump.elf]\n"
	"Prints the CPUID table KVM_SET_CPUID2 gets for one vCPU (the Hyper-V leaves included),\n"
	"without starting a guest; needs /dev/kvm for KVM_GET_SUPPORTED_CPUID.\n";

static int side_add(struct tool_side *s, char *arg)
{
	if (s->argc == TOOL_MAX_ARGS)
		return -E2BIG;
	s->argv[s->argc++] = arg;
	return 0;
}

static int parse_args(int argc, char **argv, struct tool_args *a)
{
	struct tool_side *s = &a->side[0];
	unsigned long n;
	char *end;

	memset(a, 0, sizeof(*a));
	a->nsides = 1;
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];

		if (!strcmp(o, "--vcpu") && i + 1 < argc) {
			n = strtoul(argv[++i], &end, 0);
			if (*end || !*argv[i] || n > 4095) {
				fprintf(stderr, "enlight cpuid: --vcpu %s: give a vCPU index\n", argv[i]);
				return -EINVAL;
			}
			a->vcpu = (unsigned)n;
		} else if (!strcmp(o, "--format") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "json")) {
				a->fmt = CPUID_FMT_JSON;
			} else if (!strcmp(argv[i], "text")) {
				a->fmt = CPUID_FMT_TEXT;
			} else {
				fprintf(stderr, "enlight cpuid: --format %s: use text or json\n", argv[i]);
				return -EINVAL;
			}
		} else if (!strcmp(o, "--firmware") && i + 1 < argc) {
			a->firmware = argv[++i];
		} else if (!strcmp(o, "--diff")) {
			a->diff = true;
		} else if (!strcmp(o, "--verify")) {
			a->verify = true;
		} else if (!strcmp(o, "--")) {
			if (a->nsides == 2) {
				fprintf(stderr, "enlight cpuid: only two configurations can be compared\n");
				return -EINVAL;
			}
			s = &a->side[a->nsides++];
		} else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
			fputs(cpuid_usage, stdout);
			return 1;
		} else if (side_add(s, argv[i])) {
			fprintf(stderr, "enlight cpuid: too many arguments\n");
			return -E2BIG;
		}
	}
	if (a->diff != (a->nsides == 2)) {
		fprintf(stderr, "enlight cpuid: %s\n", a->diff ? "--diff needs two configurations "
			"separated by --, e.g. --diff -cpu host -- -cpu qemu64" :
			"'--' separates two configurations, which only --diff compares");
		return -EINVAL;
	}
	for (unsigned k = 0; k < a->nsides; k++) {
		struct tool_side *t = &a->side[k];
		size_t used = 0;

		for (int j = 0; j < t->argc && used < sizeof(t->label); j++)
			used += (size_t)snprintf(t->label + used, sizeof(t->label) - used, "%s%s",
						 j ? " " : "", t->argv[j]);
		if (!t->argc)
			snprintf(t->label, sizeof(t->label), "-cpu host");
	}
	return 0;
}

static int open_dev_kvm(const char *tool)
{
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fprintf(stderr, "enlight %s: cannot open /dev/kvm: %s. The table depends on what this "
			"KVM supports (KVM_GET_SUPPORTED_CPUID), so it needs KVM: run on a host with "
			"/dev/kvm readable and writable by this user\n", tool, strerror(errno));
	return fd;
}

/* The configuration side s as vm_create would see it, with -kernel supplied so that cli_parse
 * accepts it; cfg is owned by the caller (cli_free). */
static int side_config(const struct tool_side *s, struct vm_config *cfg)
{
	char *argv[TOOL_MAX_ARGS + 3];
	char err[512];
	int argc = 0;

	argv[argc++] = ARG("enlight");
	for (int i = 0; i < s->argc; i++)
		argv[argc++] = s->argv[i];
	argv[argc++] = ARG("-kernel");
	argv[argc++] = ARG("/dev/null");
	if (cli_parse(argc, argv, cfg, err, sizeof(err))) {
		fprintf(stderr, "enlight: %s\n", err);
		return -EINVAL;
	}
	return 0;
}

static int side_table(const struct tool_side *s, unsigned vcpu, struct cpuid_table *out)
{
	struct vm *vm = calloc(1, sizeof(*vm));
	struct vm_config cfg;
	int r;

	if (!vm)
		return -ENOMEM;
	r = side_config(s, &cfg);
	if (r) {
		free(vm);
		return r;
	}
	vm->cfg = &cfg;
	vm->vm_fd = -1;
	bus_init(&vm->pio, "port");
	bus_init(&vm->mmio, "MMIO");
	topo_from_smp(&cfg.smp, &vm->topo);
	vm->kvm_fd = open_dev_kvm("cpuid");
	r = vm->kvm_fd < 0 ? -ENODEV : kvm_caps_probe(vm->kvm_fd, &vm->caps);
	vm->host_cpuid = calloc(1, sizeof(*vm->host_cpuid));
	if (!r && !vm->host_cpuid)
		r = -ENOMEM;
	if (!r) {
		r = cpu_host_cpuid(vm->kvm_fd, vm->host_cpuid);
		if (r)
			pr_err("KVM_GET_SUPPORTED_CPUID: %s", strerror(-r));
	}
	if (!r)
		r = cpu_setup_vm(vm, true);
	if (!r)
		r = cpu_setup_tsc(vm, cpu_host_tsc_khz(vm->kvm_fd));
	if (!r)
		r = hyperv_handle_properties(vm);
	if (!r && vcpu >= cfg.smp.cpus) {
		fprintf(stderr, "enlight cpuid: --vcpu %u: the configuration has %u vCPU(s) (-smp)\n",
			vcpu, cfg.smp.cpus);
		r = -EINVAL;
	}
	if (!r) {
		r = cpu_vcpu_table(vm, vcpu, out);
		if (r)
			pr_err("vCPU %u: building its CPUID table: %s", vcpu, strerror(-r));
	}
	hyperv_destroy(vm);
	cpu_setup_destroy(vm);
	bus_destroy(&vm->pio);
	bus_destroy(&vm->mmio);
	free(vm->host_cpuid);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	free(vm);
	cli_free(&cfg);
	return r;
}

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = NULL;
	size_t len = 0, cap = 0, n;

	if (!f)
		return NULL;
	do {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (!nb)
				break;
			buf = nb;
			cap += 65536;
		}
		n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
	} while (n > 0);
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* Default payload path: build/firmware/NAME next to build/enlight. */
static void payload_path(const char *name, char *out, size_t len)
{
	char exe[4096];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0) {
		snprintf(out, len, "build/firmware/%s", name);
		return;
	}
	exe[n] = '\0';
	snprintf(out, len, "%s/firmware/%s", dirname(exe), name);
}

int tool_run_guest(char *const *args, int nargs, const char *payload, const char *append,
		   char **serial)
{
	char kernel[4096], log[] = "/tmp/enlight-tool-XXXXXX", serial_opt[64];
	char *argv[TOOL_MAX_ARGS + 20];
	int argc = 0, fd, status;
	pid_t pid;

	*serial = NULL;
	if (payload[0] == '/')
		snprintf(kernel, sizeof(kernel), "%s", payload);
	else
		payload_path(payload, kernel, sizeof(kernel));
	if (access(kernel, R_OK)) {
		fprintf(stderr, "enlight: payload %s: %s (build it with make firmware, or give "
			"--firmware PATH)\n", kernel, strerror(errno));
		return -ENOENT;
	}
	fd = mkstemp(log);
	if (fd < 0)
		return -errno;
	close(fd);
	snprintf(serial_opt, sizeof(serial_opt), "file:%s", log);
	argv[argc++] = ARG("enlight");
	for (int i = 0; i < nargs && i < TOOL_MAX_ARGS; i++)
		argv[argc++] = args[i];
	argv[argc++] = ARG("-m");
	argv[argc++] = ARG("64");
	argv[argc++] = ARG("-serial");
	argv[argc++] = serial_opt;
	argv[argc++] = ARG("-device");
	argv[argc++] = ARG("isa-debug-exit,iobase=0xf4,iosize=4");
	argv[argc++] = ARG("--timeout");
	argv[argc++] = ARG("60");
	argv[argc++] = ARG("-kernel");
	argv[argc++] = kernel;
	if (append) {
		argv[argc++] = ARG("-append");
		argv[argc++] = ARG(append);
	}
	argv[argc] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		unlink(log);
		return -errno;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_RDWR);

		if (null >= 0)
			dup2(null, STDIN_FILENO), dup2(null, STDOUT_FILENO);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		status = -1;
	*serial = read_all(log);
	unlink(log);
	if (!WIFEXITED(status))
		return -EIO;
	return WEXITSTATUS(status);
}

static int verify(const struct tool_args *a)
{
	const struct tool_side *s = &a->side[0];
	struct cpuid_table *want = calloc(1, sizeof(*want)), *seen = calloc(1, sizeof(*seen));
	char *serial = NULL, payload[64], payload_abs[4096];
	bool done = false;
	int r, st, n = 0;
	unsigned diffs;

	if (!want || !seen) {
		r = -ENOMEM;
		goto out;
	}
	r = side_table(s, 0, want);
	if (r)
		goto out;
	snprintf(payload, sizeof(payload), "cpuid_dump.elf");
	if (a->firmware && !realpath(a->firmware, payload_abs)) {
		fprintf(stderr, "enlight cpuid: --firmware %s: %s\n", a->firmware, strerror(errno));
		r = -ENOENT;
		goto out;
	}
	st = tool_run_guest(s->argv, s->argc, a->firmware ? payload_abs : payload, NULL, &serial);
	if (st < 0) {
		r = st;
		goto out;
	}
	if (serial)
		n = cpuid_parse_dump(serial, seen, &done);
	if (n <= 0 || !done) {
		fprintf(stderr, "enlight cpuid --verify: the cpuid-dump guest did not finish (exit "
			"status %d, %d leaves read)\n", st, n);
		r = -EIO;
		goto out;
	}
	printf("# cpuid --verify (%s): %d leaves/subleaves read by the guest on vCPU 0\n", s->label,
	       n);
	printf("# differences between what was configured (KVM_SET_CPUID2) and what the guest saw:\n");
	diffs = cpuid_diff(stdout, want, seen, "configured", "guest", true);
	(void)diffs;
	r = 0;
out:
	free(serial);
	free(want);
	free(seen);
	return r;
}

int cpuid_tool_main(int argc, char **argv)
{
	struct tool_args a;
	struct cpuid_table *t[2] = { calloc(1, sizeof(*t[0])), calloc(1, sizeof(*t[1])) };
	int r = parse_args(argc, argv, &a);

	if (r || !t[0] || !t[1]) {
		free(t[0]);
		free(t[1]);
		return r > 0 ? 0 : EXIT_USAGE;
	}
	if (a.verify) {
		r = verify(&a);
	} else {
		for (unsigned k = 0; !r && k < a.nsides; k++)
			r = side_table(&a.side[k], a.vcpu, t[k]);
		if (!r && a.diff) {
			cpuid_diff(stdout, t[0], t[1], a.side[0].label, a.side[1].label, false);
		} else if (!r) {
			cpuid_sort(t[0]);
			cpuid_print(stdout, t[0], a.fmt, a.side[0].label, a.vcpu);
		}
	}
	free(t[0]);
	free(t[1]);
	return r ? EXIT_USAGE : 0;
}
