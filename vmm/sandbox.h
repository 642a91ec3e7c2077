/* Sandbox (issue 8): after set-up, the threads that handle guest-controlled data (vCPUs,
 * device threads) run under a seccomp-BPF allow-list, and the process can drop root for
 * another user once /dev/kvm and every file are open.
 *
 * The filter allows only what the run loop was measured to use (strace -f over the e2e
 * payloads): ioctl with the KVM requests vmm/kvm.c issues (and TCGETS for stdio), read,
 * write, futex, memory management for malloc and thread stacks, clocks and sleeps,
 * signals for the vCPU kick, thread start and exit. Anything else raises SIGSYS
 * (SECCOMP_RET_TRAP): the handler writes one line naming the system call and the thread,
 * then _exit(EXIT_INTERNAL). SECCOMP_RET_KILL_PROCESS would kill before any line could be
 * written. The main thread stays unfiltered: it rebuilds the VM on a reset and exits.
 *
 * A new KVM ioctl wrapper in vmm/kvm.c or a new system call in a device thread needs a row
 * in the tables of vmm/sandbox.c. */
#ifndef ENLIGHT_SANDBOX_H
#define ENLIGHT_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define SANDBOX_MAX_NR 512   /* x86-64 syscall numbers are below this */
#define SANDBOX_NAME_LEN 24

struct sandbox {
	void *bpf;           /* the exported filter (struct sock_filter[]) */
	size_t bpf_len;      /* in instructions */
	char names[SANDBOX_MAX_NR][SANDBOX_NAME_LEN]; /* for the SIGSYS line (no malloc there) */
};

/* Builds the filter. 0 or -errno with one line in err. */
int sandbox_build(struct sandbox *sb, char *err, size_t errlen);
void sandbox_free(struct sandbox *sb);

/* Makes sb the process's sandbox and installs the SIGSYS handler; threads then call
 * sandbox_thread_enter(). sb must outlive every thread. 0 or -errno. */
int sandbox_activate(const struct sandbox *sb);
/* Puts the calling thread under the active filter (no-op without one). 0 or -errno. */
int sandbox_thread_enter(void);

/* -runas USER: look the user up (before anything starts), later drop to it (after /dev/kvm
 * and the files are open): setgroups to the user's one group, setgid, setuid, then checks
 * that root cannot be regained. 0 or -errno with one line in err. */
int sandbox_lookup_user(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen);
int sandbox_drop_privileges(const char *name, uid_t uid, gid_t gid, char *err, size_t errlen);

#endif
