/* seccomp-BPF allow-list for the vCPU and device threads, and -runas (vmm/sandbox.h). */
#include "vmm/sandbox.h"

#include <errno.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/kvm.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <pwd.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "vmm/devif.h"
#include "vmm/log.h"

/* Measured with strace -f on the e2e payloads (hello, smp, demo, reset, hostile), plus
 * what glibc may need on the same paths (clock and sleep fallbacks, thread exit). */
static const char *const allowed_syscalls[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "fstat",
	"newfstatat", "close",
	"futex", "sched_yield", "restart_syscall",
	"clock_gettime", "clock_nanosleep", "nanosleep", "gettimeofday",
	"poll", "ppoll", "epoll_wait", "epoll_pwait", "timerfd_settime", "timerfd_gettime",
	"mmap", "munmap", "mprotect", "madvise", "brk", "mremap",
	"rt_sigreturn", "rt_sigprocmask", "sigaltstack",
	"getpid", "gettid", "tgkill",
	"set_robust_list", "rseq", "getrandom",
	"exit", "exit_group",
	/* QMP events (vmm/qmp.c) are sent from the vCPU that caused them, on the already
	 * connected socket: sending only, no socket, connect or accept. */
	"sendto", "sendmsg",
	/* hv-backend=kernel: a SINT route the guest creates while it runs (hyperv-testdev)
	 * gets its irqfd and resamplefd in the vCPU thread (hv_kernel_sint_route_add). */
	"eventfd2",
	/* glibc makes every thread run these when one calls setuid()/setgroups() (the setxid
	 * broadcast), so -runas works after the device threads started; after the drop they
	 * can only lower privileges, which sandbox_drop_privileges() checks. */
	"setuid", "setgid", "setgroups", "setresuid", "setresgid",
};

/* Every request vmm/kvm.c issues on a vCPU or VM fd during a run, and TCGETS (stdio's
 * isatty on first use of a stream). The 32 low bits are compared: ioctl's request is an
 * unsigned long whose upper half the kernel ignores for these. */
static const unsigned long allowed_ioctls[] = {
	KVM_RUN, KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS,
	KVM_GET_MSRS, KVM_SET_MSRS, KVM_GET_FPU, KVM_SET_FPU, KVM_GET_LAPIC, KVM_SET_LAPIC,
	KVM_GET_MP_STATE, KVM_SET_MP_STATE, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS,
	KVM_GET_TSC_KHZ, KVM_SET_GUEST_DEBUG, KVM_IRQ_LINE, KVM_SIGNAL_MSI, KVM_INTERRUPT,
	KVM_GET_DIRTY_LOG, KVM_RESET_DIRTY_RINGS, KVM_SET_GSI_ROUTING,
	KVM_IRQFD, KVM_IOEVENTFD, TCGETS,
	KVM_HYPERV_EVENTFD, /* hv-backend=kernel: event connections re-applied after a reset */
	/* The in-kernel PIT, created at the guest's first PIT access (vmm/kvm_pit.h). */
	KVM_CREATE_PIT2, KVM_GET_PIT2, KVM_SET_PIT2, KVM_REINJECT_CONTROL,
};

/* The SIGSYS handler has no argument to find the names through: the one process-wide
 * pointer, set once by sandbox_activate() before any filtered thread exists. */
static const struct sandbox *sandbox_active;

static size_t put_str(char *buf, size_t n, size_t cap, const char *s)
{
	while (*s && n + 1 < cap)
		buf[n++] = *s++;
	return n;
}

static size_t put_num(char *buf, size_t n, size_t cap, unsigned long v)
{
	char tmp[24];
	size_t k = 0;

	do {
		tmp[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v && k < sizeof(tmp));
	while (k && n + 1 < cap)
		buf[n++] = tmp[--k];
	return n;
}

/* Async-signal-safe: no stdio, no malloc. */
static void sigsys_handler(int sig, siginfo_t *si, void *uc)
{
	const struct sandbox *sb = sandbox_active;
	unsigned nr = (unsigned)si->si_syscall;
	const char *name = sb && nr < SANDBOX_MAX_NR && sb->names[nr][0] ? sb->names[nr] : "?";
	char line[256];
	size_t n = 0;

	(void)sig;
	(void)uc;
	n = put_str(line, n, sizeof(line), "enlight: sandbox: forbidden system call ");
	n = put_str(line, n, sizeof(line), name);
	n = put_str(line, n, sizeof(line), " (");
	n = put_num(line, n, sizeof(line), nr);
	n = put_str(line, n, sizeof(line), ") in thread ");
	n = put_num(line, n, sizeof(line), (unsigned long)gettid());
	n = put_str(line, n, sizeof(line), "; stopping (status 3). It is not on the allow-list "
				"in vmm/sandbox.c: a bug in enlight or an exploit; --sandbox=off "
				"runs without the filter\n");
	if (write(STDERR_FILENO, line, n) < 0)
		n = 0;
	_exit(EXIT_INTERNAL);
}

static int export_bpf(scmp_filter_ctx ctx, struct sandbox *sb)
{
	int fd = memfd_create("enlight-seccomp", MFD_CLOEXEC);
	off_t len;
	int r = 0;

	if (fd < 0)
		return -errno;
	r = seccomp_export_bpf(ctx, fd);
	len = r ? -1 : lseek(fd, 0, SEEK_CUR);
	if (!r && (len <= 0 || len % (off_t)sizeof(struct sock_filter)))
		r = -EINVAL;
	if (!r) {
		sb->bpf = malloc((size_t)len);
		if (!sb->bpf)
			r = -ENOMEM;
		else if (pread(fd, sb->bpf, (size_t)len, 0) != len)
			r = -EIO;
		sb->bpf_len = (size_t)len / sizeof(struct sock_filter);
	}
	close(fd);
	return r;
}

int sandbox_build(struct sandbox *sb, char *err, size_t errlen)
{
	scmp_filter_ctx ctx;
	int r = 0;

	memset(sb, 0, sizeof(*sb));
	ctx = seccomp_init(SCMP_ACT_TRAP);
	if (!ctx) {
		snprintf(err, errlen, "--sandbox: libseccomp cannot create a filter");
		return -ENOMEM;
	}
	for (size_t i = 0; i < ARRAY_SIZE(allowed_syscalls) && !r; i++) {
		int nr = seccomp_syscall_resolve_name(allowed_syscalls[i]);

		if (nr != __NR_SCMP_ERROR)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0);
	}
	/* The filter runs on every KVM_RUN: ioctl is tested first, before the ~45 plain
	 * syscalls that libseccomp would otherwise put ahead of a rule with arguments (those
	 * skip the filter anyway through the kernel's seccomp action cache). */
	if (!r)
		r = seccomp_syscall_priority(ctx, SCMP_SYS(ioctl), 255);
	for (size_t i = 0; i < ARRAY_SIZE(allowed_ioctls) && !r; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFul,
					     allowed_ioctls[i] & 0xFFFFFFFFul));
	if (!r)
		r = export_bpf(ctx, sb);
	if (r) {
		snprintf(err, errlen, "--sandbox: building the seccomp filter: %s; use --sandbox=off",
			 strerror(-r));
		seccomp_release(ctx);
		sandbox_free(sb);
		return r;
	}
	for (int nr = 0; nr < SANDBOX_MAX_NR; nr++) {
		char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);

		if (name) {
			snprintf(sb->names[nr], SANDBOX_NAME_LEN, "%s", name);
			free(name);
		}
	}
	seccomp_release(ctx);
	return 0;
}

void sandbox_free(struct sandbox *sb)
{
	free(sb->bpf);
	sb->bpf = NULL;
	sb->bpf_len = 0;
}

int sandbox_activate(const struct sandbox *sb)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = sigsys_handler;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL))
		return -errno;
	sandbox_active = sb;
	return 0;
}

int sandbox_thread_enter(void)
{
	const struct sandbox *sb = sandbox_active;
	struct sock_fprog prog;

	if (!sb)
		return 0;
	prog.len = (unsigned short)sb->bpf_len;
	prog.filter = sb->bpf;
	/* SIGSYS must reach the handler: a blocked SIGSYS would kill without a word. */
	{
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, SIGSYS);
		pthread_sigmask(SIG_UNBLOCK, &set, NULL);
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog))
		return -errno;
	return 0;
}

int sandbox_lookup_user(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(name);
	if (!pw) {
		snprintf(err, errlen, "-runas '%s': %s; give an existing user name (see /etc/passwd)",
			 name, errno ? strerror(errno) : "no such user");
		return errno ? -errno : -ENOENT;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

int sandbox_drop_privileges(const char *name, uid_t uid, gid_t gid, char *err, size_t errlen)
{
	if (setgroups(1, &gid) || setgid(gid) || setuid(uid)) {
		int r = -errno;

		snprintf(err, errlen, "-runas '%s': dropping privileges to uid %u gid %u: %s "
			 "(enlight must start as root to switch users)", name, (unsigned)uid,
			 (unsigned)gid, strerror(-r));
		return r;
	}
	/* Must not be able to go back (setuid(2) NOTES). */
	if (uid != 0 && (setuid(0) == 0 || seteuid(0) == 0)) {
		snprintf(err, errlen, "-runas '%s': root could be regained after setuid", name);
		return -EPERM;
	}
	return 0;
}
