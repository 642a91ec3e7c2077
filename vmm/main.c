/* enlight: parse the command line, read the images, build the VM, run it, exit with the
 * guest's status. The only place that exits the process. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "acpi/fwtables.h"
#include "vmm/config.h"
#include "vmm/cpu_setup.h"
#include "vmm/gdbstub.h"
#include "vmm/kvm.h"
#include "vmm/log.h"
#include "vmm/sandbox.h"
#include "vmm/qmp.h"
#include "vmm/vm.h"
#include "vmm/vm_signal.h"

#define ENLIGHT_VERSION "0.1.0"
#define MAX_IMAGE_SIZE (1ull << 30)

struct file_buf {
	uint8_t *data;
	size_t size;
};

static int read_file(const char *opt, const char *path, struct file_buf *out)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t done = 0;

	if (fd < 0) {
		pr_err("%s '%s': cannot open: %s", opt, path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || (uint64_t)st.st_size > MAX_IMAGE_SIZE) {
		pr_err("%s '%s': not a regular file of at most 1 GiB", opt, path);
		close(fd);
		return -1;
	}
	out->size = (size_t)st.st_size;
	out->data = malloc(out->size ? out->size : 1);
	if (!out->data) {
		close(fd);
		return -1;
	}
	while (done < out->size) {
		ssize_t n = read(fd, out->data + done, out->size - done);

		if (n <= 0) {
			pr_err("%s '%s': read failed: %s", opt, path, n ? strerror(errno) : "short file");
			free(out->data);
			out->data = NULL;
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	close(fd);
	return 0;
}

static int probe_print(void)
{
	struct kvm_caps caps;
	int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	int r;

	if (fd < 0) {
		pr_err("cannot open /dev/kvm: %s", strerror(errno));
		return EXIT_USAGE;
	}
	r = kvm_caps_probe(fd, &caps);
	if (r) {
		pr_err("/dev/kvm: probing capabilities: %s", strerror(-r));
		close(fd);
		return EXIT_INTERNAL;
	}
	printf("KVM API version %d, vCPU mmap size %d\n", caps.api_version, caps.vcpu_mmap_size);
	for (unsigned i = 0; i < KC_COUNT; i++)
		printf("  %-22s %-5s %s\n", kvm_cap_table[i].name,
		       caps.val[i] ? (caps.val[i] == 1 ? "yes" : "") : "no", kvm_cap_table[i].why);
	{
		/* KVM_GET_TSC_KHZ is a vCPU ioctl: ask a throw-away VM. */
		int vm_fd = kvm_create_vm(fd);
		int vcpu_fd = vm_fd >= 0 ? kvm_create_vcpu(vm_fd, 0) : -1;
		int khz = vcpu_fd >= 0 ? kvm_get_tsc_khz(vcpu_fd) : -1;

		if (khz > 0)
			printf("guest TSC frequency (KVM_GET_TSC_KHZ): %d kHz\n", khz);
		if (vcpu_fd >= 0)
			close(vcpu_fd);
		if (vm_fd >= 0)
			close(vm_fd);
	}
	printf("Hyper-V backend for hv-backend=auto: %s\n",
	       kvm_has(&caps, KC_HYPERV)
		       ? "kernel (KVM_CAP_HYPERV present)"
		       : (kvm_has(&caps, KC_USER_SPACE_MSR) && kvm_has(&caps, KC_MSR_FILTER)
				  ? "user (no KVM_CAP_HYPERV; KVM_CAP_X86_USER_SPACE_MSR and "
				    "KVM_CAP_X86_MSR_FILTER present)"
				  : "none (neither KVM_CAP_HYPERV nor user-space MSR exits)"));
	close(fd);
	return 0;
}

/* -initrd a,b: every file read; multiboot takes them as modules, Linux takes one. */
static int read_initrds(const char *list, struct load_blob **out, unsigned *n)
{
	char *copy = strdup(list), *save = NULL;
	int r = 0;

	*out = NULL;
	*n = 0;
	if (!copy)
		return -1;
	for (char *p = strtok_r(copy, ",", &save); p && !r; p = strtok_r(NULL, ",", &save)) {
		struct file_buf fb;
		struct load_blob *b = realloc(*out, (*n + 1) * sizeof(**out));

		if (!b) {
			r = -1;
			break;
		}
		*out = b;
		if (read_file("-initrd", p, &fb)) {
			r = -1;
			break;
		}
		b[*n] = (struct load_blob){ fb.data, fb.size, strdup(p) };
		(*n)++;
	}
	free(copy);
	return r;
}

static void free_load(struct load_request *lr)
{
	for (unsigned i = 0; i < lr->ninitrds; i++) {
		free((void *)(uintptr_t)lr->initrds[i].data);
		free((void *)(uintptr_t)lr->initrds[i].name);
	}
	free(lr->initrds);
	free((void *)(uintptr_t)lr->kernel);
}

/* --dump-acpi DIR: the tables this configuration would get, without /dev/kvm. */
static int dump_acpi(const struct vm_config *cfg)
{
	struct fwtables t;
	int r = fwtables_build(cfg, &t);

	if (!r)
		r = fwtables_dump_acpi(&t, cfg->dump_acpi);
	fwtables_free(&t);
	return r ? EXIT_USAGE : 0;
}

/* A second SIGINT/SIGTERM while stopping, or one before the guest runs (vmm/vm_signal.h):
 * leave now. The QMP socket file goes too; the kernel closes everything else. */
static void force_exit(void *opaque, int signo, const char *why)
{
	const struct vm_config *cfg = opaque;

	pr_err("%s %s: exiting at once (status %d)", signo == SIGINT ? "SIGINT" : "SIGTERM", why,
	       EXIT_SIGNAL);
	if (cfg->qmp_path)
		unlink(cfg->qmp_path);
	_exit(EXIT_SIGNAL);
}

int main(int argc, char **argv)
{
	static struct vm vm;
	struct qmp *qmp = NULL;
	struct gdbstub *gdb = NULL;
	struct vm_config cfg;
	struct load_request lr;
	struct file_buf kernel;
	char err[512];
	int status;
	static struct sandbox sandbox;
	static struct vm_signal sig;
	uid_t runas_uid = 0;
	gid_t runas_gid = 0;

	if (argc > 1 && !strcmp(argv[1], "cpuid"))
		return cpuid_tool_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "tsc"))
		return tsc_tool_main(argc - 1, argv + 1);
	/* Every exit before the VM exists goes through `out`, which frees cfg (make valgrind). */
	status = EXIT_USAGE;
	if (cli_parse(argc, argv, &cfg, err, sizeof(err))) {
		fprintf(stderr, "enlight: %s\n", err);
		goto out;
	}
	status = 0;
	if (cfg.help) {
		fputs(cli_usage_text(), stdout);
		goto out;
	}
	if (cfg.version) {
		printf("enlight %s\n", ENLIGHT_VERSION);
		goto out;
	}
	if (cfg.cpu_help) {
		cpu_help_print(stdout);
		goto out;
	}
	if (cfg.probe) {
		status = probe_print();
		goto out;
	}
	log_verbose = cfg.trace_exits;
	status = EXIT_USAGE;
	if (cfg.runas && sandbox_lookup_user(cfg.runas, &runas_uid, &runas_gid, err, sizeof(err))) {
		fprintf(stderr, "enlight: %s\n", err);
		goto out;
	}
	/* Threads started from here on (device threads, vCPUs) enter the filter. */
	if (!cfg.sandbox_off &&
	    (sandbox_build(&sandbox, err, sizeof(err)) || sandbox_activate(&sandbox))) {
		fprintf(stderr, "enlight: %s\n", err[0] ? err : "--sandbox: cannot activate");
		goto out;
	}
	/* Serial output may go to a pipe whose reader left: write() fails, the guest goes on. */
	signal(SIGPIPE, SIG_IGN);

	memset(&lr, 0, sizeof(lr));
	memset(&kernel, 0, sizeof(kernel));
	if (cfg.dump_acpi) {
		status = dump_acpi(&cfg);
		goto out;
	}
	if (cfg.kernel && read_file("-kernel", cfg.kernel, &kernel))
		goto out;
	lr.kernel = kernel.data;
	lr.kernel_size = kernel.size;
	lr.kernel_name = cfg.kernel;
	lr.append = cfg.append;
	if (cfg.initrd && read_initrds(cfg.initrd, &lr.initrds, &lr.ninitrds)) {
		free_load(&lr);
		goto out;
	}
	/* Before the first thread: every thread inherits the mask, one takes the signals. */
	vm_signal_block();
	if (vm_create(&vm, &cfg, &lr)) {
		vm_destroy(&vm);
		free_load(&lr);
		cli_free(&cfg);
		return EXIT_USAGE;
	}
	if (vm_signal_start(&sig, &vm, force_exit, &cfg) ||
	    (cfg.qmp_path && qmp_start(&vm, &qmp))) {
		vm_signal_stop(&sig);
		vm_destroy(&vm);
		free_load(&lr);
		cli_free(&cfg);
		return EXIT_USAGE;
	}
	if (cfg.gdb_port && gdbstub_start(&vm, &gdb)) {
		vm_signal_stop(&sig);
		qmp_stop(qmp);
		vm_destroy(&vm);
		free_load(&lr);
		cli_free(&cfg);
		return EXIT_USAGE;
	}
	if (cfg.start_paused)
		vm_pause(&vm, VM_PAUSE_USER); /* -S: the vCPU threads park before running */
	/* -runas: /dev/kvm, the VM and every file are open; nothing needs root any more. */
	if (cfg.runas && sandbox_drop_privileges(cfg.runas, runas_uid, runas_gid, err,
						 sizeof(err))) {
		fprintf(stderr, "enlight: %s\n", err);
		vm_signal_stop(&sig);
		qmp_stop(qmp);
		gdbstub_stop(gdb, EXIT_USAGE);
		vm_destroy(&vm);
		free_load(&lr);
		cli_free(&cfg);
		return EXIT_USAGE;
	}
	vm_signal_running(&sig);
	status = vm_run(&vm);
	vm_signal_stop(&sig);
	gdbstub_stop(gdb, status);
	qmp_stop(qmp);
	vm_destroy(&vm);
	free_load(&lr);
out:
	cli_free(&cfg);
	fflush(stdout);
	return status;
}
